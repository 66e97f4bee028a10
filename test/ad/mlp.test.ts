// A whole small network, built directly with GraphBuilder over a symbolic batch B: a 2-layer MLP
// with a LayerNorm-like normalization, tanh, log_softmax / softmax and a batch mean.
//
//   gradients vs central differences (float64 interpreter, ε = 1e-6): |g - fd| / (1 + |fd|) <= 1e-6
//   the backward graph lowered to ONNX and run by ONNX Runtime (float32) at two batch sizes, vs the
//   interpreter: |ort - ref| <= 1e-4 · max(1, |ref|)
//   reverse over forward (MeanFlow's pattern: a loss on a JVP of the network) vs differences.

import { describe, expect, it } from "vitest";
import { grad } from "../../compiler/ad/grad.js";
import { jvp } from "../../compiler/ad/jvp.js";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimConst, dimSym } from "../../compiler/ir/dims.js";
import type { Graph, ValueId } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { makeArray, type NDArray } from "../../compiler/ir/ndarray.js";
import { tensorType } from "../../compiler/ir/types.js";
import { verifyGraph } from "../../compiler/ir/verify.js";
import { lowerGraph } from "../../compiler/onnx/lower.js";
import { runOnnx, seededRandom } from "../ir/harness.js";
import { centralDifference, randomArray, relativeError } from "./harness.js";

const B = dimSym("B");
const c = dimConst;
const PARAMS: Readonly<Record<string, number[]>> = { w1: [3, 8], b1: [8], gamma: [8], beta: [8], w2: [8, 4], b2: [4] };

interface Network {
  readonly b: GraphBuilder;
  readonly start: number;
  readonly x: ValueId;
  readonly params: Record<string, ValueId>;
  readonly logits: ValueId;
}

/** logits = normalize(x @ w1 + b1) * gamma + beta |> tanh |> (@ w2 + b2), for x: f32[B, 3]. */
function network(name: string): Network {
  const b = new GraphBuilder(name);
  const x = b.input("x", tensorType("f32", [B, c(3)]), "input");
  const params: Record<string, ValueId> = {};
  for (const [p, shape] of Object.entries(PARAMS)) params[p] = b.input(p, tensorType("f32", shape.map(c)), "param");
  const start = b.nodeCount;
  const epsilon = b.emit1("constant", [], { value: Float64Array.of(1e-5), shape: [], dtype: "f32" });
  const h = b.emit1("add", [b.emit1("matmul", [x, params["w1"]!]), params["b1"]!]);
  const mean = b.emit1("reduce_mean", [h], { axes: [-1], keepdims: true });
  const centered = b.emit1("sub", [h, mean]);
  const variance = b.emit1("reduce_mean", [b.emit1("mul", [centered, centered])], { axes: [1], keepdims: true });
  const normalized = b.emit1("div", [centered, b.emit1("sqrt", [b.emit1("add", [variance, epsilon])])]);
  const activation = b.emit1("tanh", [b.emit1("add", [b.emit1("mul", [normalized, params["gamma"]!]), params["beta"]!])]);
  const logits = b.emit1("add", [b.emit1("matmul", [activation, params["w2"]!]), params["b2"]!]);
  return { b, start, x, params, logits };
}

/** mean over the batch of (cross-entropy against soft targets + 0.1 · Σ p²). */
function classificationLoss(net: Network): ValueId {
  const { b, logits } = net;
  const target = b.input("target", tensorType("f32", [B, c(4)]), "input");
  const crossEntropy = b.emit1("neg", [b.emit1("reduce_sum", [b.emit1("mul", [target, b.emit1("log_softmax", [logits], { axis: -1 })])], { axes: [1], keepdims: false })]);
  const p = b.emit1("softmax", [logits], { axis: 1 });
  const confidence = b.emit1("reduce_sum", [b.emit1("mul", [p, p])], { axes: [1], keepdims: false });
  const weight = b.emit1("constant", [], { value: Float64Array.of(0.1), shape: [], dtype: "f32" });
  const perExample = b.emit1("add", [crossEntropy, b.emit1("mul", [weight, confidence])]);
  return b.emit1("reduce_mean", [perExample], { axes: [0], keepdims: false });
}

function trainingGraph(): Graph {
  const net = network("mlp_grad");
  const loss = classificationLoss(net);
  net.b.output("loss", loss);
  const wrt = [...Object.values(net.params), net.x];
  const grads = grad(net.b, net.b.nodesFrom(net.start), loss, wrt);
  [...Object.keys(net.params), "x"].forEach((name, i) => net.b.output(`grad_${name}`, grads[i]!));
  return net.b.finish();
}

/** MeanFlow's pattern: the network's JVP along (x, v), a loss on it, and its gradient in the params. */
function reverseOverForwardGraph(): Graph {
  const net = network("mlp_jvp_grad");
  const { b } = net;
  const v = b.input("v", tensorType("f32", [B, c(3)]), "input");
  const dLogits = jvp(b, b.nodesFrom(net.start), new Map([[net.x, v]])).get(net.logits)!;
  const squared = b.emit1("mul", [dLogits, dLogits]);
  const loss = b.emit1("reduce_mean", [squared], { axes: [0, 1], keepdims: false });
  b.output("loss", loss);
  const grads = grad(b, b.nodesFrom(net.start), loss, Object.values(net.params));
  Object.keys(net.params).forEach((name, i) => b.output(`grad_${name}`, grads[i]!));
  return b.finish();
}

function feeds(batch: number, seed: number): Record<string, NDArray> {
  const random = seededRandom(seed);
  const out: Record<string, NDArray> = { x: randomArray([batch, 3], random), v: randomArray([batch, 3], random) };
  for (const [p, shape] of Object.entries(PARAMS)) out[p] = randomArray(shape, random);
  // Soft targets: rows of positive weights summing to 1, in float32.
  const target = makeArray("f32", [batch, 4]);
  for (let r = 0; r < batch; r++) {
    const w = [0, 1, 2, 3].map(() => 0.1 + random());
    const total = w.reduce((a, b) => a + b, 0);
    w.forEach((x, k) => (target.data[r * 4 + k] = Math.fround(x / total)));
  }
  out["target"] = target;
  return out;
}

/** Only the feeds a graph has inputs for. */
function feedsOf(graph: Graph, all: Record<string, NDArray>): Record<string, NDArray> {
  return Object.fromEntries(graph.inputs.map((i) => [i.name, all[i.name]!]));
}

/** ∂loss/∂name by central differences, one element at a time. */
function numericGradient(graph: Graph, f: Record<string, NDArray>, name: string): Float64Array {
  const run = (g: Record<string, NDArray>) => interpret(graph, g);
  const out = new Float64Array(f[name]!.data.length);
  for (let p = 0; p < out.length; p++) {
    const unit = makeArray("f32", f[name]!.shape);
    unit.data[p] = 1;
    out[p] = centralDifference(run, f, { [name]: unit }, ["loss"])["loss"]![0]!;
  }
  return out;
}

function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

describe("2-layer MLP with normalization and softmax over a symbolic batch", () => {
  const graph = trainingGraph();

  it("is a well-formed graph whose gradients keep the symbolic batch", () => {
    expect(verifyGraph(graph)).toEqual([]);
    const gx = graph.outputs.find((o) => o.name === "grad_x")!;
    expect(graph.values[gx.value]).toEqual(tensorType("f32", [B, c(3)]));
  });

  it("gradients match central differences", () => {
    const f = feedsOf(graph, feeds(4, 11));
    const result = interpret(graph, f);
    for (const name of [...Object.keys(PARAMS), "x"])
      expect(relativeError(result[`grad_${name}`]!.data, numericGradient(graph, f, name)), name).toBeLessThan(1e-6);
  });

  it("the backward graph runs in ONNX Runtime with the interpreter's values, at two batch sizes", async () => {
    const model = lowerGraph(graph, { paramsAs: "inputs" });
    for (const batch of [4, 2]) {
      const f = feedsOf(graph, feeds(batch, 20 + batch));
      const expected = interpret(graph, f);
      const actual = await runOnnx(model, f);
      for (const output of graph.outputs) {
        expect(actual[output.name]!.shape, output.name).toEqual(expected[output.name]!.shape);
        expect(worstError(actual[output.name]!.data, expected[output.name]!.data), `${output.name}, B = ${batch}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });
});

describe("reverse over forward on the MLP (a loss on its JVP)", () => {
  const graph = reverseOverForwardGraph();

  it("parameter gradients match central differences", () => {
    const f = feedsOf(graph, feeds(3, 31));
    const result = interpret(graph, f);
    for (const name of Object.keys(PARAMS)) expect(relativeError(result[`grad_${name}`]!.data, numericGradient(graph, f, name)), name).toBeLessThan(1e-6);
  });

  it("runs in ONNX Runtime with the interpreter's values", async () => {
    const f = feedsOf(graph, feeds(3, 41));
    const expected = interpret(graph, f);
    const actual = await runOnnx(lowerGraph(graph, { paramsAs: "inputs" }), f);
    for (const output of graph.outputs) expect(worstError(actual[output.name]!.data, expected[output.name]!.data), output.name).toBeLessThanOrEqual(1e-4);
  });
});
