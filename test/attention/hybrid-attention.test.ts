// HybridAttention (std/attention.flow), ARFlow's chunk-wise hybrid attention, against a float64
// transcription of its reference code, and its dependency pattern.
//
// test/fixtures/reference/attention.json ("hybrid") is written by bench/reference/attention.py: a
// NumPy transcription of TheFllood/ARFlow's GateRetention (linearattention/gated_retnet_train.py)
// with chunk_gate_retention in its chunked layout (the code's [B, heads, chunks, chunk, head_dim]
// view, the chunk recurrence of naive_kv_recurrent, inner_chunk's softmax), checked there against
// the original module run by torch in float64 (outputs to 3.3e-16; the Triton kernel of the
// recurrence replaced by the file's naive_kv_recurrent, whose autograd gradient equals the
// kernel's hand-written backward, transcribed loop by loop, to 2.2e-16). flowc's module computes
// the same function in a different form ([T, T] masks instead of the chunked layout), so the
// fixture checks the reformulation too. Gradients of L = sum(y · ȳ) w.r.t. x, the conditioning c
// and every weight are fourth-order finite differences of the transcription (within 1.5e-8 of
// torch autograd by the element-by-element criterion below).
//
// Probe and criteria as in flow-attention.test.ts: x (and c) are parameters, one SGD step with
// lr = 2^20 gives the gradients; float64 interpreter: element by element,
// |a − b| ≤ 1e-5 · max(|b|, 1e-3 · max_j |b_j|); ONNX Runtime (float32): normwise,
// max |a − b| ≤ 1e-5 · max |b| for y, x̄, c̄ and 1e-4 · max |b| for the weights' gradients.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectClose } from "../relative-error.js";
import { compile } from "../../compiler/compile.js";
import { hasErrors, renderDiagnostics } from "../../compiler/diagnostics/index.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { concreteShape } from "../../compiler/ir/types.js";
import { lowerGraph } from "../../compiler/onnx/lower.js";
import { GraphSession, type HostTensor } from "../../runtime/onnx.js";
import { compileOk } from "../compiled.js";

const TOL = 1e-5;
const LR = 2 ** 20;

type Nested = number | Nested[];
interface HybridCase {
  readonly y: Nested;
  readonly xbar: Nested;
  readonly cbar: Nested;
  readonly grads: Record<string, Nested>;
}
interface Fixture {
  readonly hybrid: {
    readonly config: { B: number; T: number; d: number; heads: number; chunk: number; eps: number; gate_normalizer: number };
    readonly x: Nested;
    readonly c: Nested;
    readonly ybar: Nested;
    readonly params: Record<string, Nested>;
    readonly plain: HybridCase;
    readonly conditioned: HybridCase;
  };
}

const fixture = (JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "reference", "attention.json"), "utf8")) as Fixture).hybrid;
const { B, T, d, heads, chunk } = fixture.config;

const flat = (n: Nested): number[] => (Array.isArray(n) ? n.flatMap(flat) : [n]);
const f32 = (shape: readonly number[], values: ArrayLike<number>): NDArray => ({ dtype: "f32", shape: [...shape], data: Float64Array.from(values) });
const scalar = (v: number) => f32([], [v]);
const toHost = (a: NDArray): HostTensor => ({ dtype: "f32", shape: a.shape, data: Float32Array.from(a.data) });

function compileText(name: string, text: string) {
  return compileOk({ entry: `test/attention/${name}.flow`, text, stage: "ir" });
}

const graphOf = (result: ReturnType<typeof compileText>, model: string, fn: string): Graph => result.graphs.find((g) => g.model === model && g.fn === fn)!.graph;

const probeSpec = (conditioned: boolean, chunkSize = chunk) => `
use std.attention.HybridAttention
use std.optim.sgd
data moons = toy.moons()

model probe {
  param x: f32[${B}, ${T}, ${d}] = 0.0
  param c: f32[${B}, ${T}, ${d}] = 0.0
  state ybar: f32[${B}, ${T}, ${d}] = 0.0
  state y: f32[${B}, ${T}, ${d}] = 0.0
  attn = HybridAttention(${d}, ${heads}, chunk: ${chunkSize})
  fn (z: f32[N, S, ${d}]) -> f32[N, S, ${d}] = attn(z)
  loss (unused: f32[M, 2]) {
    let out = ${conditioned ? "attn.conditioned(x, c)" : "attn(x) + 0.0 * c"}
    set y = out
    sum(out * ybar)
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`;

const PARAMS = ["q.w", "k.w", "v.w", "g.w", "gt.w", "out.w"];
const paramShape = (name: string) => (name === "gt.w" ? [d, heads] : [d, d]);
const paramFeeds = (): Record<string, NDArray> => Object.fromEntries(PARAMS.map((p) => [`attn.${p}`, f32(paramShape(p), flat(fixture.params[p]!))]));

function stepFeeds(conditioned: boolean): Record<string, NDArray> {
  const c = conditioned ? flat(fixture.c) : Array(B * T * d).fill(0);
  return { x: f32([B, T, d], flat(fixture.x)), c: f32([B, T, d], c), ybar: f32([B, T, d], flat(fixture.ybar)), unused: f32([1, 2], [0, 0]), ...paramFeeds(), step: scalar(1), "optimizer.lr": scalar(LR) };
}

/** One training step's y, x̄, c̄ and weight gradients against the fixture (criteria above). */
function checkStep(out: Record<string, ArrayLike<number>>, expected: HybridCase, conditioned: boolean, what: string, float32: boolean) {
  const feeds = stepFeeds(conditioned);
  const gradient = (name: string) => Array.from(feeds[name]!.data, (v, i) => (v - out[`${name}.next`]![i]!) / LR);
  const floor = float32 ? 1 : 1e-3;
  let io = Math.max(expectClose(out["y.next"]!, flat(expected.y), TOL, `${what} y`, floor), expectClose(gradient("x"), flat(expected.xbar), TOL, `${what} x̄`, floor));
  // In the plain probe c enters as 0 · c: its gradient is 0, not the reference's c̄ at c = 0.
  if (conditioned) io = Math.max(io, expectClose(gradient("c"), flat(expected.cbar), TOL, `${what} c̄`, floor));
  let weights = 0;
  for (const p of PARAMS) weights = Math.max(weights, expectClose(gradient(`attn.${p}`), flat(expected.grads[p]!), float32 ? 10 * TOL : TOL, `${what} ${p}̄`, floor));
  return `y, x̄${conditioned ? ", c̄" : ""} ${io.toExponential(2)}, weight gradients ${weights.toExponential(2)}`;
}

async function runOrt(graph: Graph, feeds: Record<string, NDArray>): Promise<Record<string, Float32Array>> {
  const session = await GraphSession.create(lowerGraph(graph, { paramsAs: "inputs" }));
  const initial = Object.fromEntries(graph.inputs.filter((i) => i.initial && !(i.name in feeds)).map((i) => [i.name, f32(concreteShape(graph.values[i.value]!.shape)!, Array.from(i.initial!))]));
  const out = await session.run(Object.fromEntries(Object.entries({ ...initial, ...feeds }).map(([n, a]) => [n, toHost(a)])));
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([n, t]) => [n, t.data as Float32Array]));
}

const interpreted = (graph: Graph, feeds: Record<string, NDArray>) => Object.fromEntries(Object.entries(interpret(graph, feeds)).map(([n, a]) => [n, a.data]));

describe.each([
  ["plain", false],
  ["conditioned", true],
] as const)("HybridAttention (%s) against ARFlow's reference code (float64 transcription)", (form, conditioned) => {
  const step = compileText(`hybrid-probe-${form}`, probeSpec(conditioned)).trainings[0]!.trainStep;

  it("matches y, the input gradients and every weight's gradient in the float64 reference interpreter", () => {
    console.log(`HybridAttention ${form}, interpreter (element by element): ${checkStep(interpreted(step, stepFeeds(conditioned)), fixture[form], conditioned, `${form} interpreter`, false)}`);
  });

  it("matches them in ONNX Runtime (float32)", async () => {
    console.log(`HybridAttention ${form}, ONNX Runtime (normwise): ${checkStep(await runOrt(step, stepFeeds(conditioned)), fixture[form], conditioned, `${form} ORT`, true)}`);
  });
});

describe("HybridAttention's dependency pattern", () => {
  const n = 2;
  const base = (t: number) => Array.from({ length: n * t * d }, (_, i) => Math.cos(0.7 * i + 0.2) * 1.5);

  /**
   * For every source token s: the largest change of the output at each token t when the input
   * at s changes, as a [t][s] table (max over the batch and channels).
   */
  async function changes(graph: Graph, t: number, ort: boolean): Promise<number[][]> {
    const run = async (z: number[]) => {
      const feeds = { z: f32([n, t, d], z), ...paramFeeds() };
      return ort ? (await runOrt(graph, feeds))["output"]! : interpret(graph, feeds)["output"]!.data;
    };
    const a = await run(base(t));
    const table = Array.from({ length: t }, () => Array(t).fill(0) as number[]);
    for (let s = 0; s < t; s++) {
      const b = await run(base(t).map((v, i) => (Math.floor(i / d) % t === s ? v * -0.8 + 0.5 : v)));
      for (let i = 0; i < a.length; i++) {
        const at = Math.floor(i / d) % t;
        table[at]![s] = Math.max(table[at]![s]!, Math.abs(a[i]! - b[i]!));
      }
    }
    return table;
  }

  // Token t reads token s iff chunk(s) ≤ chunk(t): all of its own chunk (before and after it)
  // and every earlier chunk; a later chunk leaves it exactly unchanged. T = 8 with chunk 3 ends
  // in a shorter chunk; T = 9 is the fixture's layout.
  it.each([8, 9])("output t depends on input s iff chunk(s) ≤ chunk(t), exactly (T = %i, chunk 3)", async (t) => {
    const graph = graphOf(compileText(`hybrid-pattern-${t}`, probeSpec(false, 3)), "probe", "forward");
    for (const ort of [false, true]) {
      const table = await changes(graph, t, ort);
      for (let at = 0; at < t; at++)
        for (let s = 0; s < t; s++) {
          const where = `${ort ? "ONNX Runtime" : "interpreter"}: output ${at}, input ${s}`;
          if (Math.floor(s / 3) > Math.floor(at / 3)) expect(table[at]![s], where).toBe(0);
          else expect(table[at]![s], where).toBeGreaterThan(1e-6);
        }
    }
  });

  it("has no non-causal form: causal: false is a compile-time error", () => {
    const text = `
use std.attention.HybridAttention
model m {
  attn = HybridAttention(8, 2, causal: false)
  fn (z: f32[N, S, 8]) -> f32[N, S, 8] = attn(z)
}
`;
    const result = compile({ entry: "test/attention/hybrid-noncausal.flow", text, stage: "ir" });
    expect(hasErrors(result.diagnostics)).toBe(true);
    const rendered = renderDiagnostics(result.diagnostics, (p) => result.sources.get(p));
    expect(rendered).toContain("error[E0309]: HybridAttention has no non-causal form");
    expect(rendered).toContain("note: in this use of `HybridAttention`");
  });
});
