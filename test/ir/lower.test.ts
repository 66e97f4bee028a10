// Whole-graph ONNX lowering: a multi-node MLP end to end (params as initializers and as inputs),
// graph output naming, symbolic dim_params, and the text dump.

import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimConst, dimMul, dimSym } from "../../compiler/ir/dims.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { fromTyped, makeArray, type NDArray } from "../../compiler/ir/ndarray.js";
import { tensorType } from "../../compiler/ir/types.js";
import { lowerGraph, onnxGraphToText } from "../../compiler/onnx/lower.js";
import { onnx } from "../../compiler/onnx/proto.js";
import { compareArrays, runOnnx, seededRandom } from "./harness.js";
import { mlpGraph } from "./fixtures.js";

function randomInput(shape: number[], seed: number): NDArray {
  const r = seededRandom(seed);
  const a = makeArray("f32", shape);
  for (let i = 0; i < a.data.length; i++) a.data[i] = Math.fround(2 * r() - 1);
  return a;
}

describe("MLP end to end", () => {
  const graph = mlpGraph();
  const feeds = { x: randomInput([5, 3], 7) };
  const expected = interpret(graph, feeds);

  it("runs in ONNX Runtime with params as initializers", async () => {
    const actual = await runOnnx(lowerGraph(graph, { paramsAs: "initializers" }), feeds);
    expect(actual["y"]!.shape).toEqual([5, 2]);
    expect(compareArrays(actual["y"]!, expected["y"]!)).toBeUndefined();
  });

  it("runs in ONNX Runtime with params as inputs", async () => {
    const params: Record<string, NDArray> = {};
    for (const input of graph.inputs)
      if (input.role === "param") {
        const shape = graph.values[input.value]!.shape.map((d) => d.get("") ?? 0);
        params[input.name] = fromTyped("f32", shape, input.initial!);
      }
    const model = lowerGraph(graph, { paramsAs: "inputs" });
    expect(onnx.ModelProto.decode(model).graph!.initializer).toHaveLength(0);
    const actual = await runOnnx(model, { ...feeds, ...params });
    expect(compareArrays(actual["y"]!, expected["y"]!)).toBeUndefined();
  });

  it("dumps a readable model", () => {
    expect(onnxGraphToText(lowerGraph(graph, { paramsAs: "initializers" }))).toBe(
      [
        "model ir_version=8 opset=ai.onnx:17 producer=flowc 0.1.0",
        "graph mlp",
        "  input x: float32[B, 3]",
        "  initializer w1: float32[3, 4]",
        "  initializer b1: float32[4]",
        "  initializer w2: float32[4, 2]",
        "  initializer b2: float32[2]",
        "  output y: float32[B, 2]",
        "  t0 = MatMul(x, w1)  # mlp.flow:2:12",
        "  t1 = Add(t0, b1)  # mlp.flow:2:19",
        "  t2 = Tanh(t1)  # mlp.flow:2:7",
        "  t3 = MatMul(t2, w2)  # mlp.flow:3:3",
        "  y = Add(t3, b2)  # mlp.flow:3:10",
        "",
      ].join("\n"),
    );
  });

  it("writes the model header ONNX Runtime and other tools expect", () => {
    const model = onnx.ModelProto.decode(lowerGraph(graph, { paramsAs: "initializers" }));
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", 17]]);
    expect(model.producerName).toBe("flowc");
    const nodeNames = (model.graph?.node ?? []).map((n) => n.name);
    expect(new Set(nodeNames).size).toBe(nodeNames.length);
  });
});

describe("graph outputs", () => {
  it("handles a value published twice, a graph input as output, and shared constants", async () => {
    const b = new GraphBuilder("outputs");
    const x = b.input("x", tensorType("f32", [dimSym("N")]), "input");
    const one = b.emit1("constant", [], { value: Float64Array.of(1), shape: [], dtype: "f32" });
    const alsoOne = b.emit1("constant", [], { value: Float64Array.of(1), shape: [], dtype: "f32" });
    const y = b.emit1("add", [x, one]);
    b.output("y", y);
    b.output("y_again", y);
    b.output("x_copy", x);
    b.output("one", one);
    b.output("also_one", alsoOne);
    const graph = b.finish();
    const feeds = { x: makeArray("f32", [3], [1, 2, 3]) };
    const expected = interpret(graph, feeds);
    const actual = await runOnnx(lowerGraph(graph, { paramsAs: "initializers" }), feeds);
    for (const name of ["y", "y_again", "x_copy", "one", "also_one"]) expect(compareArrays(actual[name]!, expected[name]!), name).toBeUndefined();
  });

  it("names compound symbolic dims in the ONNX signature", () => {
    const b = new GraphBuilder("flatten");
    const [B, T] = [dimSym("B"), dimSym("T")];
    const x = b.input("x", tensorType("f32", [B, T, dimConst(2)]), "input");
    b.output("y", b.emit1("reshape", [x], { shape: [dimMul(dimMul(B, T), dimConst(2))] }));
    const text = onnxGraphToText(lowerGraph(b.finish(), { paramsAs: "initializers" }));
    expect(text).toContain("input x: float32[B, T, 2]");
    expect(text).toContain("output y: float32[2*B*T]");
  });

  it("computes symbolic sizes from graph input shapes at run time", async () => {
    const b = new GraphBuilder("flatten");
    const [B, T] = [dimSym("B"), dimSym("T")];
    const x = b.input("x", tensorType("f32", [B, T, dimConst(2)]), "input");
    b.output("y", b.emit1("reshape", [x], { shape: [dimMul(B, T), dimConst(2)] }));
    const graph = b.finish();
    const feeds = { x: randomInput([3, 4, 2], 11) };
    const actual = await runOnnx(lowerGraph(graph, { paramsAs: "initializers" }), feeds);
    expect(actual["y"]!.shape).toEqual([12, 2]);
    expect(compareArrays(actual["y"]!, interpret(graph, feeds)["y"]!)).toBeUndefined();
  });

  it("fails clearly when a symbolic size appears in no graph input", () => {
    const b = new GraphBuilder("orphan");
    b.output("r", b.emit1("arange", [], { n: dimSym("K"), dtype: "i32" }));
    expect(() => lowerGraph(b.finish(), { paramsAs: "initializers" })).toThrow(/'K' is needed at run time/);
  });
});

describe("reduce_sum over leading axes", () => {
  const opsOf = (model: Uint8Array) => onnx.ModelProto.decode(model).graph!.node!.map((n) => n.opType);
  const sumOver = (shape: ReturnType<typeof dimSym>[], axes: number[], keepdims: boolean) => {
    const b = new GraphBuilder("sum");
    const x = b.input("x", tensorType("f32", shape), "input");
    b.output("y", b.emit1("reduce_sum", [x], { axes, keepdims }));
    return b.finish();
  };

  it("is a product with a row of ones when ONNX Runtime's column-sum fast path would not apply", async () => {
    const graph = sumOver([dimSym("B"), dimConst(4)], [0], false);
    const model = lowerGraph(graph, { paramsAs: "initializers" });
    expect(opsOf(model)).toContain("MatMul");
    expect(opsOf(model)).not.toContain("ReduceSum");
    const feeds = { x: randomInput([9, 4], 3) };
    expect(compareArrays((await runOnnx(model, feeds))["y"]!, interpret(graph, feeds)["y"]!)).toBeUndefined();
  });

  it("stays a ReduceSum over wide rows, over inner axes and for integers", () => {
    expect(opsOf(lowerGraph(sumOver([dimSym("B"), dimConst(512)], [0], false), { paramsAs: "initializers" }))).toContain("ReduceSum");
    expect(opsOf(lowerGraph(sumOver([dimConst(512), dimConst(4)], [0], false), { paramsAs: "initializers" }))).toContain("ReduceSum");
    expect(opsOf(lowerGraph(sumOver([dimSym("B"), dimConst(4)], [1], false), { paramsAs: "initializers" }))).toContain("ReduceSum");
    const b = new GraphBuilder("isum");
    b.output("y", b.emit1("reduce_sum", [b.input("x", tensorType("i32", [dimSym("B"), dimConst(4)]), "input")], { axes: [0], keepdims: false }));
    expect(opsOf(lowerGraph(b.finish(), { paramsAs: "initializers" }))).toContain("ReduceSum");
  });
});
