// FlowAttention (std/attention.flow) against a float64 transcription of its reference code, its
// conservation identities, and the causality of its causal form.
//
// test/fixtures/reference/attention.json is written by bench/reference/attention.py: a NumPy
// transcription of thuml/Flowformer's Flow_Attention.py (Flow_Attention and Flow_Attention_Causal
// with d_input = d_model = d_output = d, drop_out = 0), checked there against the original classes
// run by torch in float64 (outputs to 1.1e-16). The input gradients and weight gradients of
// L = sum(y · ȳ) are fourth-order finite differences of the transcription (within 2.2e-8 of torch
// autograd by the criterion below).
//
// The probe model makes the fixture's input a parameter, so that one SGD step with lr = 2^20
// returns x − 2^20 x̄ (and w − 2^20 w̄ for every weight): (x − x_next) / 2^20 is the gradient, and
// the large power of two keeps float32 from cancelling its digits in ONNX Runtime. y comes back
// through a state. The forward graph `flows` returns the flow network's intermediates.
//
// Tolerance criteria (see checkStep): in the float64 reference interpreter, element by element,
// |a − b| ≤ 1e-5 · max(|b|, 1e-3 · max_j |b_j|); in ONNX Runtime (float32), normwise,
// max |a − b| ≤ 1e-5 · max |b| for y and x̄ and 1e-4 · max |b| for the weights' gradients.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectClose } from "../relative-error.js";
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
interface FlowCase {
  readonly y: Nested;
  readonly xbar: Nested;
  readonly grads: Record<string, Nested>;
  readonly flows: Record<"sink_incoming" | "source_outgoing" | "conserved_sink" | "conserved_source", Nested>;
}
interface Fixture {
  readonly flow: {
    readonly config: { B: number; T: number; d: number; heads: number; eps: number };
    readonly x: Nested;
    readonly ybar: Nested;
    readonly params: Record<string, Nested>;
    readonly normal: FlowCase;
    readonly causal: FlowCase;
  };
}

const fixture = (JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "reference", "attention.json"), "utf8")) as Fixture).flow;
const { B, T, d, heads } = fixture.config;
const H = d / heads;

const flat = (n: Nested): number[] => (Array.isArray(n) ? n.flatMap(flat) : [n]);
const f32 = (shape: readonly number[], values: ArrayLike<number>): NDArray => ({ dtype: "f32", shape: [...shape], data: Float64Array.from(values) });
const scalar = (v: number) => f32([], [v]);
const toHost = (a: NDArray): HostTensor => ({ dtype: "f32", shape: a.shape, data: Float32Array.from(a.data) });

function compileText(name: string, text: string) {
  return compileOk({ entry: `test/attention/${name}.flow`, text, stage: "ir" });
}

const graphOf = (result: ReturnType<typeof compileText>, model: string, fn: string): Graph => result.graphs.find((g) => g.model === model && g.fn === fn)!.graph;

const probeSpec = (causal: boolean) => `
use std.attention.FlowAttention
use std.optim.sgd
data moons = toy.moons()

model probe {
  param x: f32[${B}, ${T}, ${d}] = 0.0
  state ybar: f32[${B}, ${T}, ${d}] = 0.0
  state y: f32[${B}, ${T}, ${d}] = 0.0
  attn = FlowAttention(${d}, ${heads}, causal: ${causal})
  fn (z: f32[N, S, ${d}]) -> f32[N, S, ${d}] = attn(z)
  fn flows(z: f32[N, S, ${d}]) -> (
    f32[N, ${heads}, S, ${H}], f32[N, ${heads}, S, ${H}], f32[N, ${heads}, S, ${H}],
    f32[N, ${heads}, S], f32[N, ${heads}, S], f32[N, ${heads}, S], f32[N, ${heads}, S],
    f32[N, ${heads}, S], f32[N, ${heads}, S],
  ) = attn.flows(z)
  // The batch of the data source is not used: the probe trains on its own input.
  loss (unused: f32[M, 2]) {
    let out = attn(x)
    set y = out
    sum(out * ybar)
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`;

const PARAMS = ["q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "out.w", "out.b"];
const paramShape = (name: string) => (name.endsWith(".w") ? [d, d] : [d]);
const paramFeeds = (): Record<string, NDArray> => Object.fromEntries(PARAMS.map((p) => [`attn.${p}`, f32(paramShape(p), flat(fixture.params[p]!))]));
const x = f32([B, T, d], flat(fixture.x));
/** The fixture's weights that `graph` takes (a function that stops before the output projection takes fewer). */
const graphParams = (graph: Graph) => Object.fromEntries(Object.entries(paramFeeds()).filter(([name]) => graph.inputs.some((i) => i.name === name)));

function stepFeeds(): Record<string, NDArray> {
  return { x, ybar: f32([B, T, d], flat(fixture.ybar)), unused: f32([1, 2], [0, 0]), ...paramFeeds(), step: scalar(1), "optimizer.lr": scalar(LR) };
}

/**
 * Compares one training step's outputs (y, x̄ and every weight's gradient) with the fixture and
 * returns the worst errors. float64 (the interpreter): the element-by-element criterion for all.
 * float32 (ONNX Runtime): rounding errors are relative to the size of the intermediate terms, not
 * of each result, so the criterion is normwise, ‖a − b‖∞ ≤ tol · ‖b‖∞ (floor 1): 1e-5 for y and x̄,
 * 1e-4 for the weights' gradients (the q and k bias gradients sum terms that nearly cancel).
 */
function checkStep(out: Record<string, ArrayLike<number>>, expected: FlowCase, what: string, float32: boolean): { io: number; weights: number } {
  const feeds = stepFeeds();
  const gradient = (name: string, input: NDArray) => Array.from(input.data, (v, i) => (v - out[`${name}.next`]![i]!) / LR);
  const floor = float32 ? 1 : 1e-3;
  const io = Math.max(expectClose(out["y.next"]!, flat(expected.y), TOL, `${what} y`, floor), expectClose(gradient("x", feeds.x!), flat(expected.xbar), TOL, `${what} x̄`, floor));
  let weights = 0;
  for (const p of PARAMS) weights = Math.max(weights, expectClose(gradient(`attn.${p}`, feeds[`attn.${p}`]!), flat(expected.grads[p]!), float32 ? 10 * TOL : TOL, `${what} ${p}̄`, floor));
  return { io, weights };
}

const fmt = (w: { io: number; weights: number }) => `y and x̄ ${w.io.toExponential(2)}, weight gradients ${w.weights.toExponential(2)}`;

async function runOrt(graph: Graph, feeds: Record<string, NDArray>): Promise<Record<string, Float32Array>> {
  const session = await GraphSession.create(lowerGraph(graph, { paramsAs: "inputs" }));
  // The ONNX graph has no initial values: feed every input that has one and is not fed.
  const initial = Object.fromEntries(graph.inputs.filter((i) => i.initial && !(i.name in feeds)).map((i) => [i.name, f32(concreteShape(graph.values[i.value]!.shape)!, Array.from(i.initial!))]));
  const hostFeeds = Object.fromEntries(Object.entries({ ...initial, ...feeds }).map(([n, a]) => [n, toHost(a)]));
  const out = await session.run(hostFeeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([n, t]) => [n, t.data as Float32Array]));
}

const interpreted = (graph: Graph, feeds: Record<string, NDArray>) => Object.fromEntries(Object.entries(interpret(graph, feeds)).map(([n, a]) => [n, a.data]));

describe.each([
  ["normal", false],
  ["causal", true],
] as const)("FlowAttention (%s) against the reference code (float64 transcription)", (form, causal) => {
  const result = compileText(`flow-probe-${form}`, probeSpec(causal));
  const step: Graph = result.trainings[0]!.trainStep;
  const expected = fixture[form];

  it("matches y, x̄ and every weight's gradient in the float64 reference interpreter", () => {
    const worst = checkStep(interpreted(step, stepFeeds()), expected, `${form} interpreter`, false);
    console.log(`FlowAttention ${form}, interpreter (element by element): ${fmt(worst)}`);
  });

  it("matches them in ONNX Runtime (float32)", async () => {
    const worst = checkStep(await runOrt(step, stepFeeds()), expected, `${form} ORT`, true);
    console.log(`FlowAttention ${form}, ONNX Runtime (normwise): ${fmt(worst)}`);
  });

  it("computes the code's flows: sink_incoming, source_outgoing, conserved sink and source", () => {
    const graph = graphOf(result, "probe", "flows");
    const out = interpret(graph, { z: x, ...graphParams(graph) });
    const names = ["sink_incoming", "source_outgoing", "conserved_sink", "conserved_source"] as const;
    names.forEach((name, k) => expectClose(out[`output.${k + 3}`]!.data, flat(expected.flows[name]), TOL, `${form} ${name}`));
  });
});

// ---- conservation

/**
 * The flow network of FlowAttention (eps as given) on a random input: the outputs of `flows`, as
 * per-(batch, head) rows. `eps: 0.0` makes the identities below exact up to rounding.
 */
function flowsOf(causal: boolean, eps: number, n = 3, t = 11) {
  const text = `
use std.attention.FlowAttention
model m {
  attn = FlowAttention(${d}, ${heads}, causal: ${causal}, eps: ${eps === 0 ? "0.0" : eps.toExponential()})
  fn (z: f32[N, S, ${d}]) -> (
    f32[N, ${heads}, S, ${H}], f32[N, ${heads}, S, ${H}], f32[N, ${heads}, S, ${H}],
    f32[N, ${heads}, S], f32[N, ${heads}, S], f32[N, ${heads}, S], f32[N, ${heads}, S],
    f32[N, ${heads}, S], f32[N, ${heads}, S],
  ) = attn.flows(z)
}
`;
  const graph = graphOf(compileText(`flows-${causal}-${eps}`, text), "m", "forward");
  const z = f32([n, t, d], Array.from({ length: n * t * d }, (_, i) => Math.sin(1.7 * i + 0.3) * 1.5));
  const out = interpret(graph, { z, ...graphParams(graph) });
  const rows = n * heads;
  const vec = (k: number) => (r: number, i: number) => Array.from(out[`output.${k}`]!.data.subarray((r * t + i) * H, (r * t + i + 1) * H));
  const per = (k: number) => (r: number, i: number) => out[`output.${k}`]!.data[r * t + i]!;
  return { rows, t, Q: vec(0), K: vec(1), si: per(3), so: per(4), sink: per(5), source: per(6), competition: per(7) };
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const add = (a: number[], b: number[]) => a.map((v, i) => v + b[i]!);

/** The worst relative deviation of each named identity over all (batch, head) rows. */
function normalIdentities(eps: number): Record<string, number> {
  const f = flowsOf(false, eps);
  const worst: Record<string, number> = {};
  const note = (name: string, got: number, want: number) => (worst[name] = Math.max(worst[name] ?? 0, Math.abs(got - want) / Math.abs(want)));
  for (let r = 0; r < f.rows; r++) {
    const idx = [...Array(f.t).keys()];
    const sumK = idx.map((j) => f.K(r, j)).reduce(add);
    const sumQ = idx.map((i) => f.Q(r, i)).reduce(add);
    // (1) Each sink's incoming flow is normalized to 1: Σ_j φ(Q_i)·φ(K_j) · sink_incoming_i = 1,
    //     i.e. the rows of the implicit attention matrix (Q / I) Kᵀ sum to 1.
    for (const i of idx) note("sink incoming = 1", dot(f.Q(r, i), sumK) * f.si(r, i), 1);
    // (2) Each source's outgoing flow is normalized to 1: Σ_i φ(Q_i)·φ(K_j) · source_outgoing_j = 1.
    for (const j of idx) note("source outgoing = 1", dot(f.K(r, j), sumQ) * f.so(r, j), 1);
    // (3) Conservation of the sinks' flow: with every sink's incoming flow fixed at 1, the
    //     sources' outgoing flows Ô_j (before the clamp) total the n units the sinks receive:
    //     Σ_j Ô_j = Σ_j φ(K_j)·Σ_i φ(Q_i) / I_i = Σ_i 1 = n.
    note("Σ_j Ô_j = n", idx.reduce((s, j) => s + f.source(r, j), 0), f.t);
    // (4) Conservation of the sources' flow: with every source's outgoing flow fixed at 1, the
    //     sinks' incoming flows Î_i total the m units the sources emit: Σ_i Î_i = m.
    note("Σ_i Î_i = m", idx.reduce((s, i) => s + f.sink(r, i), 0), f.t);
    // (5) Competition redistributes a fixed total: Σ_j competition_j = m (softmax · m).
    note("Σ_j competition_j = m", idx.reduce((s, j) => s + f.competition(r, j), 0), f.t);
  }
  return worst;
}

function causalIdentities(eps: number): Record<string, number> {
  const f = flowsOf(true, eps);
  const worst: Record<string, number> = {};
  const note = (name: string, got: number, want: number) => (worst[name] = Math.max(worst[name] ?? 0, Math.abs(got - want) / Math.abs(want)));
  for (let r = 0; r < f.rows; r++) {
    let sumK = Array(H).fill(0) as number[];
    let sumQ = Array(H).fill(0) as number[];
    for (let i = 0; i < f.t; i++) {
      sumK = add(sumK, f.K(r, i));
      sumQ = add(sumQ, f.Q(r, i));
      // (1c) Sink i's incoming flow from the sources j ≤ i, normalized: Σ_{j≤i} φ(Q_i)·φ(K_j) ·
      //      sink_incoming_i / ν_i = 1 (ν_i = i + 1; the code's sink_incoming includes ν_i).
      note("causal sink incoming = 1", (dot(f.Q(r, i), sumK) * f.si(r, i)) / (i + 1), 1);
      // (2c) Source i's outgoing flow to the sinks l ≤ i: Σ_{l≤i} φ(Q_l)·φ(K_i) · source_outgoing_i / ν_i = 1.
      note("causal source outgoing = 1", (dot(f.K(r, i), sumQ) * f.so(r, i)) / (i + 1), 1);
    }
    // (3c) At the first position both flows are the single pair's: Ô_0 = Î_0 = 1.
    note("causal Ô_0 = Î_0 = 1", f.source(r, 0), 1);
    note("causal Ô_0 = Î_0 = 1", f.sink(r, 0), 1);
  }
  return worst;
}

describe("FlowAttention's conservation identities", () => {
  it("hold exactly (to float64 rounding) with eps = 0", () => {
    for (const [name, err] of Object.entries({ ...normalIdentities(0), ...causalIdentities(0) })) expect(err, name).toBeLessThan(1e-12);
  });

  it("hold within 1e-5 with the reference's eps = 1e-6", () => {
    const all = { ...normalIdentities(1e-6), ...causalIdentities(1e-6) };
    for (const [name, err] of Object.entries(all)) expect(err, name).toBeLessThan(1e-5);
    console.log(`conservation identities, eps = 1e-6: ${Object.entries(all).map(([n, e]) => `${n}: ${e.toExponential(1)}`).join("; ")}`);
  });
});

// ---- causality

describe("FlowAttention's causal form", () => {
  const result = compileText("flow-causality", probeSpec(true));
  const normal = compileText("flow-noncausal", probeSpec(false));
  const n = 2;
  const t = 9;
  const base = Array.from({ length: n * t * d }, (_, i) => Math.cos(0.9 * i) * 2);
  /** The input with every position after `after` replaced by other values. */
  const perturbed = (after: number) => f32([n, t, d], base.map((v, i) => (Math.floor(i / d) % t > after ? v * -1.3 + 0.7 : v)));

  /** The largest change of the outputs at positions ≤ `after` when the later inputs change. */
  async function leakage(graph: Graph, after: number, ort: boolean): Promise<number> {
    const run = async (z: NDArray) => (ort ? (await runOrt(graph, { z, ...paramFeeds() }))["output"]! : interpret(graph, { z, ...paramFeeds() })["output"]!.data);
    const a = await run(f32([n, t, d], base));
    const b = await run(perturbed(after));
    let worst = 0;
    for (let i = 0; i < a.length; i++) if (Math.floor(i / d) % t <= after) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    return worst;
  }

  it("does not let the output at position t depend on inputs after t (exactly, interpreter and ONNX Runtime)", async () => {
    const graph = graphOf(result, "probe", "forward");
    for (let after = 0; after < t - 1; after++) {
      expect(await leakage(graph, after, false), `interpreter, t = ${after}`).toBe(0);
      expect(await leakage(graph, after, true), `ONNX Runtime, t = ${after}`).toBe(0);
    }
  });

  it("the same check sees the normal form's dependence on later inputs", async () => {
    const graph = graphOf(normal, "probe", "forward");
    for (let after = 0; after < t - 1; after++) expect(await leakage(graph, after, false), `t = ${after}`).toBeGreaterThan(1e-6);
  });
});
