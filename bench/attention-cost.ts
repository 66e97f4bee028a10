// bench/attention-cost: time per call of Flow-Attention (std/attention.flow FlowAttention, normal
// and causal) against softmax attention (std/nn.flow MultiHeadAttention) as the sequence length T
// grows, in ONNX Runtime on this machine: the forward graph (`fn (x) = attn(x)`, T symbolic) and a
// training step (forward + backward + an SGD update of the weights) compiled for each T. Fits the
// growth exponent p of t ∝ T^p by least squares on log t against log T, and prints the ratio
// t(T_max) / t(T_min). HybridAttention is timed too (forward): it is written with [T, T] masks
// (T is symbolic and cannot be reshaped into chunks), so it is expected to grow like softmax.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/attention-cost.js \
//     [--d 64] [--heads 4] [--batch 1] [--lengths 128,256,512,1024,2048,4096] [--threads 2] [--reps 7]
//
// Wall-clock numbers: never asserted by a test.

import { compile } from "../compiler/compile.js";
import { hasErrors, renderDiagnostics } from "../compiler/diagnostics/index.js";
import type { Graph } from "../compiler/ir/graph.js";
import { concreteShape } from "../compiler/ir/types.js";
import { lowerGraph } from "../compiler/onnx/lower.js";
import { GraphSession, type HostTensor } from "../runtime/onnx.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const d = Number(arg("d", "64"));
const heads = Number(arg("heads", "4"));
const batch = Number(arg("batch", "1"));
const lengths = arg("lengths", "128,256,512,1024,2048,4096").split(",").map(Number);
const threads = Number(arg("threads", "2"));
const reps = Number(arg("reps", "7"));
const modes = arg("modes", "forward,step").split(",");

const ATTENTIONS: Record<string, string> = {
  flow: `FlowAttention(d, heads)`,
  "flow-causal": `FlowAttention(d, heads, causal: true)`,
  softmax: `MultiHeadAttention(d, heads)`,
  "softmax-causal": `MultiHeadAttention(d, heads, causal: true)`,
  hybrid: `HybridAttention(d, heads, chunk: 64)`,
};
const which = arg("attentions", Object.keys(ATTENTIONS).join(",")).split(",");

const spec = (ctor: string, T: number) => `
use std.attention.{FlowAttention, HybridAttention}
use std.nn.MultiHeadAttention
use std.optim.sgd
data source = toy.gaussian(dim: ${T * d})

model cost(d: int = ${d}, heads: int = ${heads}) {
  attn = ${ctor}
  fn (x: f32[B, T, d]) -> f32[B, T, d] = attn(x)
  loss (z: f32[B, ${T * d}]) {
    mean(attn(reshape(z, [B, ${T}, d]))^2)
  }
}
train cost on source { optimizer: sgd(lr: 1e-3), steps: 1 }
`;

function compileGraph(ctor: string, T: number, mode: string): Graph {
  const result = compile({ entry: "bench/attention-cost.flow", text: spec(ctor, T), stage: "ir" });
  if (hasErrors(result.diagnostics)) throw new Error(renderDiagnostics(result.diagnostics, (p) => result.sources.get(p)));
  return mode === "step" ? result.trainings[0]!.trainStep : result.graphs.find((g) => g.fn === "forward")!.graph;
}

/** A deterministic pseudo-random fill in [-1, 1). */
function fill(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

async function time(graph: Graph, T: number): Promise<number> {
  const session = await GraphSession.create(lowerGraph(graph, { paramsAs: "inputs" }), { threads });
  const feeds: Record<string, HostTensor> = {};
  for (const input of graph.inputs) {
    const type = graph.values[input.value]!;
    if (input.initial) feeds[input.name] = { dtype: "f32", shape: concreteShape(type.shape)!, data: input.initial as Float32Array };
    else if (input.role === "hyper") feeds[input.name] = { dtype: "f32", shape: [], data: Float32Array.of(input.default ?? 0) };
    else if (input.name === "step") feeds[input.name] = { dtype: "f32", shape: [], data: Float32Array.of(1) };
    else if (input.name === "x") feeds[input.name] = { dtype: "f32", shape: [batch, T, d], data: fill(batch * T * d, 7) };
    else if (input.name === "z") feeds[input.name] = { dtype: "f32", shape: [batch, T * d], data: fill(batch * T * d, 7) };
    else throw new Error(`no feed for ${input.name} (${input.role})`);
  }
  await session.run(feeds); // warm-up
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await session.run(feeds);
    times.push(performance.now() - start);
  }
  await session.release();
  // The minimum: the machine is shared, and other work only ever adds time.
  return Math.min(...times);
}

/** Least-squares slope of log t against log T. */
function exponent(ts: readonly number[], ms: readonly number[]): number {
  const x = ts.map(Math.log);
  const y = ms.map(Math.log);
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  const sxy = x.reduce((s, xi, i) => s + (xi - mx) * (y[i]! - my), 0);
  const sxx = x.reduce((s, xi) => s + (xi - mx) ** 2, 0);
  return sxy / sxx;
}

console.log(`d = ${d}, heads = ${heads}, batch = ${batch}, ONNX Runtime CPU, ${threads} thread(s), minimum of ${reps} after a warm-up run`);
for (const mode of modes) {
  console.log(`\n${mode === "step" ? "training step (forward + backward + SGD)" : "forward"}: ms per call`);
  console.log(["attention".padEnd(16), ...lengths.map((T) => `T=${T}`.padStart(10)), "exponent".padStart(10), "ratio".padStart(8)].join(""));
  for (const name of which) {
    if (mode === "step" && name === "hybrid") continue;
    const ms: number[] = [];
    const done: number[] = [];
    let line = name.padEnd(16);
    for (const T of lengths) {
      try {
        const t = await time(compileGraph(ATTENTIONS[name]!, T, mode), T);
        ms.push(t);
        done.push(T);
        line += t.toFixed(2).padStart(10);
      } catch (e) {
        line += "failed".padStart(10);
        console.error(`${name} T=${T}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    const p = done.length >= 2 ? exponent(done, ms) : NaN;
    const ratio = ms.length >= 2 ? ms[ms.length - 1]! / ms[0]! : NaN;
    console.log(line + p.toFixed(2).padStart(10) + ratio.toFixed(1).padStart(8));
  }
}
