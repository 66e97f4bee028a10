// The optimized rectified-flow training step, in ONNX Runtime, trains like the unoptimized one:
// three steps, each graph fed its own updated parameters and optimizer state (the outputs with
// `updates`, as runtime/trainer.ts does), the same batch, noise, step number and learning rate;
// every output agrees within 1e-5 (relative, absolute below 1) at every step.

import { describe, expect, it } from "vitest";
import { RandomStream, sample } from "../../compiler/artifacts/rng.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { concreteShape } from "../../compiler/ir/types.js";
import { lowerGraph } from "../../compiler/onnx/lower.js";
import { optimizeGraph } from "../../compiler/passes/index.js";
import { GraphSession, type HostTensor } from "../../runtime/onnx.js";
import { compileOk } from "../compiled.js";

const TOLERANCE = 1e-5;
const BATCH = 16;
const STEPS = 3;

function trainStep(): Graph {
  const result = compileOk({ entry: "specs/rectified-flow.flow", stage: "ir" });
  return result.graphs.find((g) => g.kind === "train_step")!.graph;
}

/** The per-step feeds that do not depend on the state: batch, noise and hyper-parameters. */
function stepFeeds(graph: Graph, step: number): Record<string, HostTensor> {
  const stream = RandomStream.derive(7, `step:${step}`);
  const feeds: Record<string, HostTensor> = {};
  for (const input of graph.inputs) {
    if (input.initial) continue;
    const shape = graph.values[input.value]!.shape.map((d) => concreteShape([d])?.[0] ?? BATCH);
    const count = shape.reduce((a, b) => a * b, 1);
    if (input.role === "hyper") feeds[input.name] = { dtype: "f32", shape: [], data: Float32Array.of(input.name === "step" ? step : (input.default ?? 1)) };
    else if (input.noise) feeds[input.name] = { dtype: "f32", shape, data: sample(stream, input.noise.distribution, input.noise.args, count) };
    else feeds[input.name] = { dtype: "f32", shape, data: sample(stream, "normal", {}, count) };
  }
  return feeds;
}

describe("optimized train_step in ONNX Runtime", () => {
  it("agrees with the unoptimized one over three training steps", async () => {
    const graph = trainStep();
    const optimized = optimizeGraph(graph, { verify: true });
    expect(optimized.nodes.length).toBeLessThan(graph.nodes.length);
    const sessions = [
      await GraphSession.create(lowerGraph(graph, { paramsAs: "inputs" })),
      await GraphSession.create(lowerGraph(optimized, { paramsAs: "inputs" })),
    ];
    const initial: Record<string, HostTensor> = {};
    for (const input of graph.inputs)
      if (input.initial) {
        const type = graph.values[input.value]!;
        initial[input.name] = { dtype: type.dtype, shape: concreteShape(type.shape)!, data: input.initial };
      }
    const states = [{ ...initial }, { ...initial }];
    try {
      for (let step = 1; step <= STEPS; step++) {
        const feeds = stepFeeds(graph, step);
        const outputs = await Promise.all(sessions.map((s, k) => s.run({ ...feeds, ...states[k] })));
        for (const out of graph.outputs) {
          const a = outputs[0]![out.name]!;
          const b = outputs[1]![out.name]!;
          expect(b.shape, out.name).toEqual(a.shape);
          const mismatches: string[] = [];
          for (let i = 0; i < a.data.length; i++) {
            const x = a.data[i]!;
            const y = b.data[i]!;
            if (!(Math.abs(x - y) <= TOLERANCE * Math.max(1, Math.abs(x))) && mismatches.length < 5) mismatches.push(`[${i}]: ${x} vs ${y}`);
          }
          expect(mismatches, `step ${step}: ${out.name}`).toEqual([]);
          if (out.updates) outputs.forEach((o, k) => (states[k]![out.updates!] = o[out.name]!));
        }
      }
    } finally {
      for (const s of sessions) await s.release();
    }
  });
});
