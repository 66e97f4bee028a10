// Each optimization pass on small hand-built graphs.

import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimConst, dimSym } from "../../compiler/ir/dims.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { tensorType } from "../../compiler/ir/types.js";
import {
  algebraicSimplification,
  commonSubexpressionElimination,
  constantFolding,
  deadCodeElimination,
  optimizeGraph,
} from "../../compiler/passes/index.js";
import { array, constant, dims, expectSameOutputs, input, ops, runPass, span } from "./helpers.js";

const f32 = Math.fround;

describe("dead-code elimination", () => {
  it("removes nodes that reach no output and keeps every input", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", "B", 3);
    input(b, "unused", "f32", 2);
    const dead = b.emit1("exp", [x]);
    b.emit1("log", [dead]);
    b.output("y", b.emit1("tanh", [x]));
    const g = b.finish();
    const out = runPass(deadCodeElimination, g);
    expect(ops(out)).toEqual(["tanh"]);
    expect(out.inputs.map((i) => i.name)).toEqual(["x", "unused"]);
    expect(out.values.length).toBe(3);
    expect(out.outputs).toEqual([{ name: "y", value: 2, role: "output" }]);
  });

  it("returns its argument when nothing is dead", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", 3);
    b.output("y", b.emit1("exp", [x]));
    const g = b.finish();
    expect(deadCodeElimination(g)).toBe(g);
  });

  it("keeps a multi-output node when one of its outputs is used", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", 5);
    const [values] = b.emit("topk", [x], { k: 2, axis: 0, largest: true });
    b.output("top", values!);
    const out = runPass(deadCodeElimination, b.finish());
    expect(ops(out)).toEqual(["topk"]);
  });
});

describe("common-subexpression elimination", () => {
  it("merges nodes with the same op, inputs and attributes, and redirects outputs", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", "B", 3);
    const e1 = b.emit1("exp", [x]);
    const e2 = b.emit1("exp", [x]);
    const s1 = b.emit1("add", [e1, x]);
    const s2 = b.emit1("add", [x, e2]); // commutative: same as s1 once e2 is e1
    const d1 = b.emit1("sub", [e1, x]);
    const d2 = b.emit1("sub", [x, e1]); // not commutative
    b.output("s1", s1);
    b.output("s2", s2);
    b.output("d", b.emit1("mul", [d1, d2]));
    const g = b.finish();
    const out = runPass(commonSubexpressionElimination, g);
    expect(ops(out)).toEqual(["exp", "add", "sub", "sub", "mul"]);
    expect(out.outputs[0]!.value).toBe(out.outputs[1]!.value);
    expectSameOutputs(g, out, { x: array("f32", [2, 3], [1, 2, 3, -1, 0, 0.5]) });
  });

  it("merges constants by dtype, shape and stored value; -0 and 0 stay apart", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", 2);
    const cs = [
      constant(b, [0.1]),
      constant(b, [f32(0.1)]), // the same float32
      constant(b, [0.1], "f32", [1]), // another shape
      constant(b, [0]),
      constant(b, [-0]),
      constant(b, [1, 2]),
      constant(b, [1, 2]),
    ];
    cs.forEach((c, i) => b.output(`o${i}`, b.emit1("add", [x, c])));
    const ints = [constant(b, [3], "i32"), constant(b, [3.7], "i32"), constant(b, [3], "f32")];
    ints.forEach((c, i) => b.output(`i${i}`, c));
    const out = runPass(commonSubexpressionElimination, b.finish());
    expect(ops(out).filter((o) => o === "constant").length).toBe(7); // 0.1, [0.1], 0, -0, [1,2], i32 3, f32 3
    const value = (name: string) => out.outputs.find((o) => o.name === name)!.value;
    expect(value("o0")).toBe(value("o1"));
    expect(value("o5")).toBe(value("o6"));
    expect(value("o3")).not.toBe(value("o4"));
    expect(value("i0")).toBe(value("i1"));
    expect(value("i0")).not.toBe(value("i2"));
  });

  it("compares attributes structurally: symbolic Dims, lists and Float64Arrays", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", "B", 6);
    const r1 = b.emit1("reshape", [x], { shape: [dimSym("B"), dimConst(2), dimConst(3)] });
    const r2 = b.emit1("reshape", [x], { shape: dims("B", 2, 3) }); // new Map objects, equal dims
    const r3 = b.emit1("reshape", [x], { shape: dims("B", 3, 2) });
    const t1 = b.emit1("transpose", [r1], { perm: [0, 2, 1] });
    const t2 = b.emit1("transpose", [r2], { perm: [0, 2, 1] });
    b.output("a", t1);
    b.output("b", t2);
    b.output("c", r3);
    const out = runPass(commonSubexpressionElimination, b.finish());
    expect(ops(out)).toEqual(["reshape", "reshape", "transpose"]);
  });

  it("gives the surviving node a span when it had none", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", 2);
    const c1 = constant(b, [2]);
    const c2 = constant(b, [2], "f32", [], span(7));
    b.output("y", b.emit1("mul", [b.emit1("mul", [x, c1]), c2]));
    const out = runPass(commonSubexpressionElimination, b.finish());
    expect(out.nodes[0]!.op).toBe("constant");
    expect(out.nodes[0]!.span?.line).toBe(7);
  });
});

describe("constant folding", () => {
  it("folds Adam's bias correction 1 - beta^step for a constant step, rounding to float32 after each node", () => {
    const b = new GraphBuilder("g");
    const beta = constant(b, [0.999]);
    const step = constant(b, [3]);
    const one = constant(b, [1]);
    const correction = b.emit1("sqrt", [b.emit1("sub", [one, b.emit1("pow", [beta, step])], {}, span(4))]);
    b.output("c", correction);
    const out = runPass(constantFolding, b.finish());
    const dead = runPass(deadCodeElimination, out);
    expect(ops(dead)).toEqual(["constant"]);
    const expected = f32(Math.sqrt(f32(1 - f32(f32(0.999) ** 3))));
    expect((dead.nodes[0]!.attrs["value"] as Float64Array)[0]).toBe(expected);
    expect(interpret(dead, {})["c"]!.data[0]).toBe(expected);
  });

  it("gives exactly the float32 result for correctly rounded operations", () => {
    const b = new GraphBuilder("g");
    const a = constant(b, [0.1, 1e-8, 16777216, 3]);
    const c = constant(b, [0.2, 1, 1, 7]);
    b.output("sum", b.emit1("add", [a, c]));
    b.output("quotient", b.emit1("div", [a, c]));
    const out = runPass(constantFolding, b.finish());
    const values = (name: string) => interpret(out, {})[name]!.data;
    const fa = Float32Array.of(0.1, 1e-8, 16777216, 3);
    const fc = Float32Array.of(0.2, 1, 1, 7);
    expect([...values("sum")]).toEqual([...fa].map((x, i) => f32(x + fc[i]!)));
    expect([...values("quotient")]).toEqual([...fa].map((x, i) => f32(x / fc[i]!)));
    expect(values("sum")[2]).toBe(16777216); // 2^24 + 1 is not a float32
  });

  it("never folds a node that reads a graph input", () => {
    const b = new GraphBuilder("g");
    const step = b.input("step", tensorType("f32", []), "hyper", { default: 1 });
    const p = b.emit1("pow", [constant(b, [0.9]), step]);
    b.output("p", p);
    const g = b.finish();
    expect(constantFolding(g)).toBe(g);
  });

  it("folds dim of a concrete axis but not of a symbolic one", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", "B", 3);
    b.output("n", b.emit1("dim", [x], { axis: 1 }));
    b.output("m", b.emit1("dim", [x], { axis: 0 }));
    const out = runPass(constantFolding, b.finish());
    expect(ops(out)).toEqual(["constant", "dim"]);
    expect(interpret(out, { x: array("f32", [2, 3], [0, 0, 0, 0, 0, 0]) })["n"]!.data[0]).toBe(3);
  });

  it("keeps integer semantics exact and leaves unspecified or failing cases to run time", () => {
    const b = new GraphBuilder("g");
    const i = (v: number[]) => constant(b, v, "i32");
    b.output("div", b.emit1("div", [i([-7, 7]), i([2, -2])]));
    b.output("mod", b.emit1("mod", [i([-7, 7]), i([2, -2])]));
    b.output("wrap", b.emit1("add", [i([2 ** 31 - 1]), i([1])]));
    b.output("mul", b.emit1("mul", [i([65536]), i([65536])]));
    b.output("pow", b.emit1("pow", [i([3]), i([4])]));
    b.output("divzero", b.emit1("div", [i([1]), i([0])]));
    b.output("powbig", b.emit1("pow", [i([3]), i([40])]));
    b.output("negmin", b.emit1("neg", [i([-(2 ** 31)])]));
    b.output("castnan", b.emit1("cast", [constant(b, [NaN])], { to: "i32" }));
    b.output("cast", b.emit1("cast", [constant(b, [-2.7])], { to: "i32" }));
    b.output("lt", b.emit1("lt", [i([1, 5]), i([3, 3])]));
    const g = b.finish();
    const out = runPass(constantFolding, g);
    const folded = new Map(out.outputs.map((o) => [o.name, out.nodes.find((n) => n.outputs.includes(o.value))!]));
    for (const name of ["div", "mod", "wrap", "mul", "pow", "cast", "lt"]) expect(folded.get(name)!.op, name).toBe("constant");
    for (const name of ["divzero", "powbig", "negmin", "castnan"]) expect(folded.get(name)!.op, name).not.toBe("constant");
    // The folded values (interpreting the whole graph would divide by zero).
    const r = Object.fromEntries(["div", "mod", "wrap", "mul", "pow", "cast", "lt"].map((name) => [name, { data: folded.get(name)!.attrs["value"] as Float64Array }]));
    expect([...r["div"]!.data]).toEqual([-3, -3]);
    expect([...r["mod"]!.data]).toEqual([1, -1]);
    expect(r["wrap"]!.data[0]).toBe(-(2 ** 31));
    expect(r["mul"]!.data[0]).toBe(0);
    expect(r["pow"]!.data[0]).toBe(81);
    expect(r["cast"]!.data[0]).toBe(-2);
    expect([...r["lt"]!.data]).toEqual([1, 0]);
  });

  it("caps the size of folded results and keeps the span", () => {
    const b = new GraphBuilder("g");
    const c = constant(b, [2]);
    b.output("big", b.emit1("expand", [c], { shape: dims(100, 100) }));
    b.output("small", b.emit1("expand", [c], { shape: dims(4) }, span(9)));
    const out = runPass(constantFolding, b.finish());
    expect(ops(out)).toEqual(["constant", "expand", "constant"]);
    expect(out.nodes[2]!.span?.line).toBe(9);
  });

  it("folds multi-output nodes and a chain in one pass", () => {
    const b = new GraphBuilder("g");
    const [values, indices] = b.emit("topk", [constant(b, [3, 1, 2])], { k: 2, axis: 0, largest: true });
    b.output("v", b.emit1("add", [values!, values!]));
    b.output("i", indices!);
    const out = runPass(constantFolding, b.finish());
    expect(ops(out).every((o) => o === "constant")).toBe(true);
    const r = interpret(out, {});
    expect([...r["v"]!.data]).toEqual([6, 4]);
    expect([...r["i"]!.data]).toEqual([0, 2]);
  });
});

describe("algebraic simplification", () => {
  const special = [0, -0, 1, -1.5, NaN, Infinity, -Infinity, 1e-45, 3.4e38];

  /** The ops left after simplifying (and cleaning up) y = build(x); checks the outputs are bit-identical on special values. */
  function simplified(build: (b: GraphBuilder, x: number) => number, dtype: "f32" | "i32" = "f32"): { ops: string[] } {
    const b = new GraphBuilder("g");
    const x = input(b, "x", dtype, special.length);
    b.output("y", build(b, x));
    const g = b.finish();
    const out = runPass(algebraicSimplification, runPass(deadCodeElimination, g));
    const cleaned = runPass(deadCodeElimination, out);
    const data = dtype === "f32" ? special : special.map((v, i) => (Number.isFinite(v) ? Math.trunc(v) | 0 : i));
    expectSameOutputs(g, cleaned, { x: array(dtype, [special.length], data) });
    return { ops: ops(cleaned) };
  }

  it("drops multiplication and division by one, exactly", () => {
    expect(simplified((b, x) => b.emit1("mul", [x, constant(b, [1])])).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("mul", [constant(b, [1]), x])).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("div", [x, constant(b, [1])])).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("mul", [x, constant(b, [1], "i32")]), "i32").ops).toEqual([]);
    // Not by one, or broadcasting to a larger shape: kept.
    expect(simplified((b, x) => b.emit1("div", [constant(b, [1]), x])).ops).toEqual(["constant", "div"]);
    expect(simplified((b, x) => b.emit1("mul", [x, constant(b, [1, 1], "f32", [2, 1])])).ops).toEqual(["constant", "mul"]);
  });

  it("drops adding and subtracting zero only where IEEE makes it exact", () => {
    // x + (+0) maps -0 to +0: kept for f32.
    expect(simplified((b, x) => b.emit1("add", [x, constant(b, [0])])).ops).toEqual(["constant", "add"]);
    expect(simplified((b, x) => b.emit1("add", [constant(b, [-0]), x])).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("sub", [x, constant(b, [0])])).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("sub", [x, constant(b, [-0])])).ops).toEqual(["constant", "sub"]);
    expect(simplified((b, x) => b.emit1("add", [x, constant(b, [0], "i32")]), "i32").ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("sub", [x, constant(b, [0], "i32")]), "i32").ops).toEqual([]);
  });

  it("removes identity casts, expands, reshapes, transposes and stop_grad", () => {
    expect(simplified((b, x) => b.emit1("cast", [x], { to: "f32" })).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("cast", [x], { to: "i32" })).ops).toEqual(["cast"]);
    expect(simplified((b, x) => b.emit1("expand", [x], { shape: dims(special.length) })).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("reshape", [x], { shape: dims(special.length) })).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("transpose", [x], { perm: [0] })).ops).toEqual([]);
    expect(simplified((b, x) => b.emit1("stop_grad", [x])).ops).toEqual([]);
  });

  it("composes reshapes and transposes", () => {
    const b = new GraphBuilder("g");
    const x = input(b, "x", "f32", "B", 2, 3);
    const r = b.emit1("reshape", [b.emit1("reshape", [x], { shape: dims("B", 6) })], { shape: dims("B", 3, 2) }, span(5));
    const t = b.emit1("transpose", [b.emit1("transpose", [r], { perm: [1, 2, 0] })], { perm: [0, 2, 1] });
    const back = b.emit1("transpose", [b.emit1("transpose", [x], { perm: [2, 0, 1] })], { perm: [1, 2, 0] });
    const round = b.emit1("reshape", [b.emit1("reshape", [x], { shape: dims("B", 6) })], { shape: dims("B", 2, 3) });
    b.output("t", t);
    b.output("back", back);
    b.output("round", round);
    const g = b.finish();
    const out = runPass(deadCodeElimination, runPass(algebraicSimplification, g));
    expect(ops(out)).toEqual(["reshape", "transpose"]);
    expect(out.nodes[0]!.span?.line).toBe(5);
    // Outer [0, 2, 1] of inner [1, 2, 0]: output axis i is r's axis inner[outer[i]].
    expect(out.nodes[1]!.attrs["perm"]).toEqual([1, 0, 2]);
    const xs = array("f32", [2, 2, 3], Array.from({ length: 12 }, (_, i) => i));
    expectSameOutputs(g, out, { x: xs });
    expect(out.outputs[1]!.value).toBe(out.inputs[0]!.value);
    expect(out.outputs[2]!.value).toBe(out.inputs[0]!.value);
  });
});

describe("the pipeline", () => {
  it("merges the per-parameter Adam bias corrections into one and reaches a fixed point", () => {
    const b = new GraphBuilder("g");
    const step = b.input("step", tensorType("f32", []), "hyper", { default: 1 });
    const lr = b.input("lr", tensorType("f32", []), "hyper", { default: 1e-3 });
    for (let k = 0; k < 4; k++) {
      const p = b.input(`p${k}`, tensorType("f32", dims(3)), "param", { initial: Float32Array.of(1, 2, 3) });
      const correction = b.emit1("sub", [constant(b, [1]), b.emit1("pow", [constant(b, [0.9]), step])]);
      const size = b.emit1("div", [lr, correction]);
      const scaled = b.emit1("mul", [b.emit1("stop_grad", [p]), b.emit1("mul", [size, constant(b, [1])])]);
      b.output(`p${k}.next`, b.emit1("sub", [p, scaled]), "param", `p${k}`);
    }
    const g = b.finish();
    const out = optimizeGraph(g, { verify: true });
    expect(ops(out).filter((o) => o === "pow").length).toBe(1);
    expect(ops(out).filter((o) => o === "constant").length).toBe(2);
    expect(ops(out).length).toBe(5 + 4 * 2);
    expect(out.inputs).toEqual(g.inputs.map((i, k) => ({ ...i, value: out.inputs[k]!.value })));
    expect(out.outputs.map((o) => [o.name, o.role, o.updates])).toEqual(g.outputs.map((o) => [o.name, o.role, o.updates]));
    expect(optimizeGraph(out)).toBe(out);
    expectSameOutputs(g, out, { step: array("f32", [], [3]), lr: array("f32", [], [0.01]) });
  });
});
