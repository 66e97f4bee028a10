// The transforms themselves: symbolic zeros, pruning, stop_grad, central un-broadcasting and
// accumulation, missing paths, tie conventions, spans, and the typed errors.

import { describe, expect, it } from "vitest";
import { DerivativeError } from "../../compiler/ad/errors.js";
import { grad } from "../../compiler/ad/grad.js";
import { jvp } from "../../compiler/ad/jvp.js";
import { rulesFor } from "../../compiler/ad/rules.js";
import { vjp } from "../../compiler/ad/vjp.js";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimConst, dimSym } from "../../compiler/ir/dims.js";
import type { Node, ValueId } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { makeArray, type NDArray } from "../../compiler/ir/ndarray.js";
import type { PrimitiveDef } from "../../compiler/ir/primitive.js";
import { getPrimitive } from "../../compiler/ir/primitives/registry.js";
import { tensorType } from "../../compiler/ir/types.js";
import { spanAt } from "../ir/fixtures.js";

const c = dimConst;
const f32 = (...shape: (number | string)[]) => tensorType("f32", shape.map((d) => (typeof d === "number" ? c(d) : dimSym(d))));
const array = (shape: number[], values: number[]): NDArray => makeArray("f32", shape, values);

/** A builder with inputs, and a helper that records where the computation to differentiate starts. */
function setup() {
  const b = new GraphBuilder("t");
  const start = { at: 0 };
  return { b, begin: () => (start.at = b.nodeCount), nodes: (): readonly Node[] => b.nodesFrom(start.at) };
}

function sumAll(b: GraphBuilder, v: ValueId): ValueId {
  const axes = b.typeOf(v).shape.map((_, i) => i);
  return b.emit1("reduce_sum", [v], { axes, keepdims: false });
}

/** The ops emitted from node position `from` on. */
function opsSince(b: GraphBuilder, from: number): string[] {
  return b.nodesFrom(from).map((n) => n.op);
}

describe("symbolic zeros", () => {
  it("a tangent for one operand of mul emits one mul and no zeros", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(3), "input");
    const w = b.input("w", f32(3), "param");
    const tx = b.input("tx", f32(3), "input");
    begin();
    const y = b.emit1("mul", [x, w]);
    const before = b.nodeCount;
    const tangents = jvp(b, nodes(), new Map([[x, tx]]));
    expect(opsSince(b, before)).toEqual(["mul"]);
    expect(tangents.has(y)).toBe(true);
    expect(tangents.has(w)).toBe(false);
  });

  it("values downstream of no tangent get none, and nodes off the path emit nothing", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(3), "input");
    const z = b.input("z", f32(3), "input");
    const tx = b.input("tx", f32(3), "input");
    begin();
    const ez = b.emit1("exp", [z]);
    b.emit1("tanh", [x]);
    const before = b.nodeCount;
    const tangents = jvp(b, nodes(), new Map([[x, tx]]));
    expect(tangents.has(ez)).toBe(false);
    expect(opsSince(b, before).filter((op) => op === "exp")).toEqual([]);
  });
});

describe("pruning of the reverse pass", () => {
  it("visits only nodes between the wanted values and the loss", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(2, 3), "input");
    const w = b.input("w", f32(3, 2), "param");
    const z = b.input("z", f32(2), "input");
    begin();
    const hidden = b.emit1("tanh", [b.emit1("matmul", [x, w])]);
    const side = b.emit1("exp", [b.emit1("sin", [z])]);
    const loss = b.emit1("add", [sumAll(b, hidden), sumAll(b, side)]);
    const before = b.nodeCount;
    grad(b, nodes(), loss, [w]);
    const emitted = opsSince(b, before);
    // Nothing for the sin/exp branch (no cos, no product with exp's output) and no x̄ = C̄·Wᵀ.
    expect(emitted).not.toContain("cos");
    expect(emitted.filter((op) => op === "matmul")).toHaveLength(1);
    const sideReaders = b.nodesFrom(before).filter((n) => n.inputs.includes(side));
    expect(sideReaders).toEqual([]);
  });

  it("stop_grad cuts the path: d/dw sum(stop_grad(w) * w) = w", () => {
    const { b, begin, nodes } = setup();
    const w = b.input("w", f32(3), "param");
    begin();
    const loss = sumAll(b, b.emit1("mul", [b.emit1("stop_grad", [w]), w]));
    const [g] = grad(b, nodes(), loss, [w]);
    b.output("g", g!);
    const out = interpret(b.finish(), { w: array([3], [1, -2, 3]) });
    expect(Array.from(out["g"]!.data)).toEqual([1, -2, 3]);
  });

  it("stop_grad has no tangent", () => {
    const { b, begin, nodes } = setup();
    const w = b.input("w", f32(3), "param");
    const t = b.input("t", f32(3), "input");
    begin();
    const y = b.emit1("stop_grad", [w]);
    expect(jvp(b, nodes(), new Map([[w, t]])).has(y)).toBe(false);
  });
});

describe("un-broadcasting and accumulation", () => {
  it("sums a broadcast operand's cotangent down to its shape", () => {
    const { b, begin, nodes } = setup();
    const row = b.input("row", f32(3), "param");
    const col = b.input("col", f32(2, 1), "param");
    const s = b.input("s", f32(), "param");
    const m = b.input("m", f32(2, 3), "input");
    begin();
    const loss = sumAll(b, b.emit1("mul", [b.emit1("mul", [b.emit1("add", [row, col]), s]), m]));
    const [gRow, gCol, gS] = grad(b, nodes(), loss, [row, col, s]);
    expect([b.typeOf(gRow!), b.typeOf(gCol!), b.typeOf(gS!)]).toEqual([f32(3), f32(2, 1), f32()]);
    b.output("row", gRow!);
    b.output("col", gCol!);
    b.output("s", gS!);
    const out = interpret(b.finish(), {
      row: array([3], [1, 2, 3]),
      col: array([2, 1], [10, 20]),
      s: array([], [2]),
      m: array([2, 3], [1, 2, 3, 4, 5, 6]),
    });
    expect(Array.from(out["row"]!.data)).toEqual([10, 14, 18]); // s · column sums of m
    expect(Array.from(out["col"]!.data)).toEqual([12, 30]); // s · row sums of m
    // d/ds sum((row + col) * s * m) = sum((row + col) * m)
    expect(out["s"]!.data[0]).toBe(11 * 1 + 12 * 2 + 13 * 3 + 21 * 4 + 22 * 5 + 23 * 6);
  });

  it("adds up the contributions of a value used several times: d/dx sum(x·x + x) = 2x + 1", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(3), "param");
    begin();
    const loss = sumAll(b, b.emit1("add", [b.emit1("mul", [x, x]), x]));
    const [g] = grad(b, nodes(), loss, [x]);
    b.output("g", g!);
    expect(Array.from(interpret(b.finish(), { x: array([3], [1, 2, -3]) })["g"]!.data)).toEqual([3, 5, -5]);
  });

  it("gives zeros of the right (symbolic) shape where the loss does not depend on a value", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32("B", 2), "input");
    const unused = b.input("unused", f32("B", 4), "param");
    const counted = b.input("counted", f32(2), "param");
    begin();
    const frozen = b.emit1("stop_grad", [x]);
    const loss = b.emit1("add", [sumAll(b, b.emit1("mul", [frozen, counted])), sumAll(b, counted)]);
    const [gx, gUnused] = grad(b, nodes(), loss, [x, unused]);
    expect(b.typeOf(gx!)).toEqual(f32("B", 2));
    expect(b.typeOf(gUnused!)).toEqual(f32("B", 4));
    b.output("gx", gx!);
    b.output("gu", gUnused!);
    const out = interpret(b.finish(), { x: array([3, 2], [1, 2, 3, 4, 5, 6]), unused: makeArray("f32", [3, 4]), counted: array([2], [1, 1]) });
    expect(out["gx"]!.shape).toEqual([3, 2]);
    expect(Array.from(out["gx"]!.data).every((v) => v === 0)).toBe(true);
    expect(out["gu"]!.shape).toEqual([3, 4]);
  });
});

describe("conventions where the derivative does not exist", () => {
  it("max and min give a tie to the first operand", () => {
    const { b, begin, nodes } = setup();
    const a = b.input("a", f32(2), "param");
    const c2 = b.input("b", f32(2), "param");
    begin();
    const loss = b.emit1("add", [sumAll(b, b.emit1("max", [a, c2])), sumAll(b, b.emit1("min", [a, c2]))]);
    const [ga, gb] = grad(b, nodes(), loss, [a, c2]);
    b.output("ga", ga!);
    b.output("gb", gb!);
    const out = interpret(b.finish(), { a: array([2], [1, 5]), b: array([2], [1, 2]) });
    expect(Array.from(out["ga"]!.data)).toEqual([2, 1]); // tie: both max and min pick a
    expect(Array.from(out["gb"]!.data)).toEqual([0, 1]);
  });

  it("reduce_max shares the cotangent equally among tied maxima", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(2, 3), "param");
    begin();
    const loss = sumAll(b, b.emit1("reduce_max", [x], { axes: [1], keepdims: false }));
    const [g] = grad(b, nodes(), loss, [x]);
    b.output("g", g!);
    const out = interpret(b.finish(), { x: array([2, 3], [4, 1, 4, 0, 7, 2]) });
    expect(Array.from(out["g"]!.data)).toEqual([0.5, 0, 0.5, 0, 1, 0]);
  });

  it("abs has derivative 0 at 0", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(3), "param");
    begin();
    const loss = sumAll(b, b.emit1("abs", [x]));
    const [g] = grad(b, nodes(), loss, [x]);
    b.output("g", g!);
    expect(Array.from(interpret(b.finish(), { x: array([3], [-2, 0, 3]) })["g"]!.data)).toEqual([-1, 0, 1]);
  });
});

describe("spans", () => {
  it("backward nodes carry the span of the primal node they differentiate", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(3), "param");
    begin();
    const y = b.emit1("tanh", [x], {}, spanAt(4, 9));
    const loss = b.emit1("reduce_sum", [y], { axes: [0], keepdims: false }, spanAt(5, 2));
    const before = b.nodeCount;
    grad(b, nodes(), loss, [x]);
    const lines = b.nodesFrom(before).map((n) => n.span?.line);
    expect(lines).toContain(4);
    expect(lines).toContain(5);
  });
});

describe("errors", () => {
  it("E0507: the gradient with respect to an i32 value", () => {
    const { b, begin, nodes } = setup();
    const n = b.input("n", tensorType("i32", [c(2)]), "input");
    begin();
    const loss = sumAll(b, b.emit1("cast", [n], { to: "f32" }));
    expect(() => grad(b, nodes(), loss, [n])).toThrow(DerivativeError);
    try {
      grad(b, nodes(), loss, [n]);
    } catch (e) {
      expect((e as DerivativeError).code).toBe("E0507");
      expect((e as DerivativeError).message).toContain("i32[2]");
    }
  });

  it("E0507: a loss that is not a scalar", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(2), "param");
    begin();
    const y = b.emit1("exp", [x]);
    expect(() => grad(b, nodes(), y, [x])).toThrow(/scalar f32 loss/);
  });

  it("E0507: a loss that depends on a parameter only through primitives without a derivative", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32("B", 3), "input");
    const w = b.input("w", f32(3, 4), "param");
    begin();
    const logits = b.emit1("matmul", [x, w]);
    const predicted = b.emit1("argmax", [logits], { axis: 1, keepdims: false }, spanAt(9, 14));
    const loss = sumAll(b, b.emit1("cast", [predicted], { to: "f32" }));
    let error: DerivativeError | undefined;
    try {
      grad(b, nodes(), loss, [w]);
    } catch (e) {
      error = e as DerivativeError;
    }
    expect(error?.code).toBe("E0507");
    expect(error?.message).toContain("`w` only through `argmax`");
    expect(error?.span?.line).toBe(9);
  });

  it("E0507: a tangent seeded on a bool value", () => {
    const { b, nodes } = setup();
    const m = b.input("m", tensorType("bool", [c(2)]), "input");
    const t = b.input("t", f32(2), "input");
    expect(() => jvp(b, nodes(), new Map([[m, t]]))).toThrow(DerivativeError);
  });

  it("E0506: a primitive without rules names the op and what to do", () => {
    const { b } = setup();
    const x = b.input("x", f32(2), "param");
    const node: Node = { id: 0, op: "mystery", inputs: [x], outputs: [x], attrs: {}, span: spanAt(7, 3) };
    const { jvp: _j, vjp: _v, ...withoutRules } = getPrimitive("exp");
    const prim: PrimitiveDef = { ...withoutRules, name: "mystery" };
    try {
      rulesFor(node, prim);
      expect.unreachable();
    } catch (e) {
      const error = e as DerivativeError;
      expect(error.code).toBe("E0506");
      expect(error.message).toContain("`mystery`");
      expect(error.help).toContain("stop_grad");
      expect(error.span?.line).toBe(7);
    }
  });
});

describe("vjp without wrt", () => {
  it("returns cotangents of every value the seed depends on, intermediates included", () => {
    const { b, begin, nodes } = setup();
    const x = b.input("x", f32(2), "param");
    const ct = b.input("ct", f32(2), "input");
    begin();
    const h = b.emit1("exp", [x]);
    const y = b.emit1("sin", [h]);
    const cts = vjp(b, nodes(), new Map([[y, ct]]));
    expect([...cts.keys()].sort()).toEqual([x, h, y].sort());
  });
});
