// End to end: the bundled specs compile, load in ONNX Runtime, run, and agree with the float64
// reference interpreter.

import { describe, expect, it } from "vitest";
import { compile } from "../compiler/compile.js";
import { interpret } from "../compiler/ir/interpret.js";
import { exampleInputs } from "../runtime/inputs.js";
import { GraphSession } from "../runtime/onnx.js";
import { compileOk } from "./compiled.js";

async function runSpec(entry: string, sizes: Record<string, number>, hyper: Record<string, number> = {}) {
  const result = compileOk({ entry, hyper });
  const graph = result.graphs[0]!;
  const manifestGraph = result.manifest!.graphs[0]!;
  const feeds = exampleInputs(manifestGraph, { seed: 3, sizes, intHigh: 8 });
  const session = await GraphSession.create(graph.onnx!);
  const outputs = await session.run(feeds);
  await session.release();
  const reference = interpret(graph.graph, Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { dtype: t.dtype, shape: [...t.shape], data: Float64Array.from(t.data) }])));
  return { result, outputs, reference, manifestGraph };
}

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

describe("bundled specs", () => {
  it("specs/mlp.flow: the velocity MLP runs in ONNX Runtime and matches the interpreter", async () => {
    const { outputs, reference, manifestGraph } = await runSpec("specs/mlp.flow", { B: 5 });
    expect(manifestGraph.inputs.filter((i) => i.role === "input").map((i) => [i.name, i.shape])).toEqual([
      ["x", ["B", 2]],
      ["t", ["B"]],
    ]);
    // 3 -> 256 -> 256 -> 256 -> 2: four Linear layers, eight parameter tensors.
    expect(manifestGraph.inputs.filter((i) => i.role === "param").map((i) => i.name)).toEqual([
      "v.net.layers.0.w",
      "v.net.layers.0.b",
      "v.net.layers.1.w",
      "v.net.layers.1.b",
      "v.net.layers.2.w",
      "v.net.layers.2.b",
      "v.net.head.w",
      "v.net.head.b",
    ]);
    const out = outputs["output"]!;
    expect(out.shape).toEqual([5, 2]);
    expect(maxRelativeError(out.data, reference["output"]!.data)).toBeLessThan(1e-5);
  });

  it("specs/mlp.flow: hyper-parameters can be overridden", async () => {
    const { outputs, reference } = await runSpec("specs/mlp.flow", { B: 3 }, { d: 4, width: 16 });
    expect(outputs["output"]!.shape).toEqual([3, 4]);
    expect(maxRelativeError(outputs["output"]!.data, reference["output"]!.data)).toBeLessThan(1e-5);
  });

  it("specs/transformer.flow: the causal Transformer runs and matches the interpreter", async () => {
    const { outputs, reference } = await runSpec("specs/transformer.flow", { B: 2, T: 7 });
    const logits = outputs["output"]!;
    expect(logits.shape).toEqual([2, 7, 64]);
    expect(maxRelativeError(logits.data, reference["output"]!.data)).toBeLessThan(1e-5);
  });

  it("causality: changing a later token does not change earlier logits", async () => {
    const result = compile({ entry: "specs/transformer.flow" });
    const graph = result.graphs[0]!;
    const session = await GraphSession.create(graph.onnx!);
    const ids = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const changed = Int32Array.from([1, 2, 3, 4, 5, 0]);
    const a = (await session.run({ ids: { dtype: "i32", shape: [1, 6], data: ids } }))["output"]!.data;
    const b = (await session.run({ ids: { dtype: "i32", shape: [1, 6], data: changed } }))["output"]!.data;
    await session.release();
    const vocab = 64;
    expect(Array.from(a.slice(0, 5 * vocab))).toEqual(Array.from(b.slice(0, 5 * vocab)));
    expect(maxRelativeError(a.slice(5 * vocab), b.slice(5 * vocab))).toBeGreaterThan(1e-6);
  });

  it("initialization is reproducible and depends on the seed", () => {
    const a = compile({ entry: "specs/mlp.flow", seed: 1, stage: "ir" }).graphs[0]!.graph.inputs.find((i) => i.role === "param")!.initial!;
    const b = compile({ entry: "specs/mlp.flow", seed: 1, stage: "ir" }).graphs[0]!.graph.inputs.find((i) => i.role === "param")!.initial!;
    const c = compile({ entry: "specs/mlp.flow", seed: 2, stage: "ir" }).graphs[0]!.graph.inputs.find((i) => i.role === "param")!.initial!;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // torch.nn.Linear's default: U(-1/sqrt(d_in), 1/sqrt(d_in)) with d_in = 3.
    const bound = 1 / Math.sqrt(3);
    expect(Math.max(...Array.from(a, Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(0.9 * bound);
  });
});
