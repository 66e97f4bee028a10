// The reference interpreter: symbol binding from fed shapes, defaults from initial values, and
// the errors that point at inconsistent feeds.

import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimAdd, dimConst, dimMul, dimSym } from "../../compiler/ir/dims.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { makeArray } from "../../compiler/ir/ndarray.js";
import { tensorType } from "../../compiler/ir/types.js";
import { mlpGraph } from "./fixtures.js";

const B = dimSym("B");
const T = dimSym("T");

describe("interpret", () => {
  it("evaluates a graph with params from their initial values", () => {
    const out = interpret(mlpGraph(), { x: makeArray("f32", [2, 3]) });
    expect(out["y"]!.shape).toEqual([2, 2]);
    // With x = 0 the result is tanh(b1) @ w2 + b2 for both rows.
    expect(Array.from(out["y"]!.data.slice(0, 2))).toEqual(Array.from(out["y"]!.data.slice(2, 4)));
  });

  it("binds symbols from compound dims and uses them in attributes", () => {
    const b = new GraphBuilder("g");
    const x = b.input("x", tensorType("f32", [B, dimMul(B, T)]), "input");
    b.output("y", b.emit1("reshape", [x], { shape: [dimMul(B, B), T] }));
    b.output("n", b.emit1("arange", [], { n: dimAdd(T, dimConst(1)), dtype: "i32" }));
    const out = interpret(b.finish(), { x: makeArray("f32", [2, 6]) });
    expect(out["y"]!.shape).toEqual([4, 3]);
    expect(Array.from(out["n"]!.data)).toEqual([0, 1, 2, 3]);
  });

  it("rejects feeds that contradict the declared shapes", () => {
    const b = new GraphBuilder("g");
    const x = b.input("x", tensorType("f32", [B, dimConst(3)]), "input");
    const y = b.input("y", tensorType("f32", [B]), "input");
    b.output("z", b.emit1("add", [x, b.emit1("reshape", [y], { shape: [B, dimConst(1)] })]));
    const graph = b.finish();
    expect(() => interpret(graph, { x: makeArray("f32", [2, 3]), y: makeArray("f32", [3]) })).toThrow(/axis 0 has size 3 but B = 2/);
    expect(() => interpret(graph, { x: makeArray("f32", [2, 4]), y: makeArray("f32", [2]) })).toThrow(/axis 1 has size 4 but 3 = 3/);
    expect(() => interpret(graph, { x: makeArray("i32", [2, 3]), y: makeArray("f32", [2]) })).toThrow(/is i32/);
    expect(() => interpret(graph, { x: makeArray("f32", [2, 3]) })).toThrow(/no value for input 'y'/);
    expect(() => interpret(graph, { x: makeArray("f32", [2, 3]), y: makeArray("f32", [2]), w: makeArray("f32", []) })).toThrow(/'w' is not an input/);
  });

  it("takes sizes for symbols no input determines", () => {
    const b = new GraphBuilder("g");
    b.output("r", b.emit1("arange", [], { n: dimSym("K"), dtype: "f32" }));
    const graph = b.finish();
    expect(() => interpret(graph, {})).toThrow(/unbound symbol/);
    expect(Array.from(interpret(graph, {}, { sizes: { K: 3 } })["r"]!.data)).toEqual([0, 1, 2]);
  });
});
