// PowerNorm (std/norm.flow) against a float64 transcription of its reference code.
//
// test/fixtures/reference/powernorm.json is written by bench/reference/powernorm.py, a NumPy
// transcription of sIncerass/powernorm's MaskPowerNorm (GroupScaling1D + PowerFunction), checked
// there against the original classes run by torch in float64 (max difference 8.9e-16). Three
// training iterations with warm-up 2 cover t < W (cumulative average), t = W and t > W (running φ
// in the forward); each records y, the input gradient x̄ (through the approximate backward),
// γ̄, β̄ and the state φ, ν after the step; then one evaluation-mode forward.
//
// The test model makes the fixture's input a parameter, so that an SGD step with lr = 1 returns
// x − x̄ (and γ − γ̄, β − β̄), and stores y in a state, so that the training step returns it. The
// graph runs in the float64 reference interpreter, which rounds f32 constants to float32 as ONNX
// does (0.9 → 0.89999998), hence 1e-5 relative rather than 1e-12; the same step also runs in ONNX
// Runtime (float32) against the interpreter.
//
// Tolerance criterion, element by element: |a − b| ≤ tol · max(|b|, 1e-3 · max_j |b_j|).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectClose } from "../relative-error.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { concreteShape } from "../../compiler/ir/types.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { lowerGraph } from "../../compiler/onnx/lower.js";
import { optimizeGraph } from "../../compiler/passes/index.js";
import { GraphSession, type HostTensor } from "../../runtime/onnx.js";
import { compileOk } from "../compiled.js";

const REFERENCE_TOL = 1e-5;
const ORT_TOL = 1e-4;

interface Fixture {
  readonly config: { T: number; B: number; C: number; group_num: number; warmup_iters: number; alpha_fwd: number; alpha_bkw: number; eps: number };
  readonly pad_mask: boolean[][];
  readonly gamma: number[];
  readonly beta: number[];
  readonly iterations: { step: number; x: Nested; ybar: Nested; y: Nested; xbar: Nested; gammabar: number[]; betabar: number[]; running_phi: number[]; ema_gz: number[] }[];
  readonly y_eval: Nested;
}
type Nested = number | Nested[];

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "reference", "powernorm.json"), "utf8")) as Fixture;
const { T, B, C, group_num, warmup_iters, alpha_fwd, alpha_bkw, eps } = fixture.config;

const SPEC = `
use std.norm.PowerNorm
use std.optim.sgd
data moons = toy.moons()

model probe {
  param x: f32[${T}, ${B}, ${C}] = 0.0
  // Inputs of the probe, fed by name: the cotangent of y and the padding mask (1 = token).
  state ybar: f32[${T}, ${B}, ${C}] = 0.0
  state mask: f32[${B}, ${T}] = 1.0
  // The training step returns y through this state.
  state y: f32[${T}, ${B}, ${C}] = 0.0
  norm = PowerNorm(${C}, groups: ${group_num}, warmup: ${warmup_iters}, alpha_fwd: ${alpha_fwd}, alpha_bkw: ${alpha_bkw}, eps: ${eps})
  fn (m: f32[${B}, ${T}]) -> f32[${T}, ${B}, ${C}] = transpose(norm(transpose(x, [1, 0, 2]), m), [1, 0, 2])
  // The batch of the data source is not used: the probe trains on its own inputs.
  loss (unused: f32[N, 2]) {
    let out = transpose(norm(transpose(x, [1, 0, 2]), mask), [1, 0, 2])
    set y = out
    sum(out * ybar)
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`;

const flat = (n: Nested): number[] => (Array.isArray(n) ? n.flatMap(flat) : [n]);
const f32 = (shape: readonly number[], values: readonly number[]): NDArray => ({ dtype: "f32", shape: [...shape], data: Float64Array.from(values) });
const scalar = (v: number) => f32([], [v]);

function compileProbe() {
  return compileOk({ entry: "test/powernorm-probe.flow", text: SPEC, stage: "ir" });
}

const mask = f32([B, T], fixture.pad_mask.flat().map((pad) => (pad ? 0 : 1)));

/** Feeds of iteration k given the state after the previous one. */
function feeds(k: number, state: Record<string, NDArray>): Record<string, NDArray> {
  const it = fixture.iterations[k]!;
  return {
    x: f32([T, B, C], flat(it.x)),
    ybar: f32([T, B, C], flat(it.ybar)),
    mask,
    unused: f32([1, 2], [0, 0]),
    "norm.gamma": f32([C], fixture.gamma),
    "norm.beta": f32([C], fixture.beta),
    step: scalar(1),
    "optimizer.lr": scalar(1),
    ...state,
  };
}

const STATE = ["norm.running_phi", "norm.ema_gz", "norm.iters"];

function nextState(out: Record<string, NDArray>): Record<string, NDArray> {
  return Object.fromEntries(STATE.map((name) => [name, out[`${name}.next`]!]));
}

describe("PowerNorm against the reference code (float64 transcription)", () => {
  const result = compileProbe();
  const step: Graph = result.trainings[0]!.trainStep;
  const evalForward: Graph = result.graphs.find((g) => g.model === "probe" && g.fn === "forward")!.graph;

  it("matches y, x̄, γ̄, β̄, φ and ν over three steps across the warm-up boundary, and the eval output", () => {
    let state: Record<string, NDArray> = {};
    for (let k = 0; k < fixture.iterations.length; k++) {
      const it = fixture.iterations[k]!;
      const input = feeds(k, state);
      const out = interpret(step, input);
      const at = `step ${it.step}`;
      expectClose(out["y.next"]!.data, flat(it.y), REFERENCE_TOL, `${at} y`);
      expectClose(input.x!.data.map((v, i) => v - out["x.next"]!.data[i]!), flat(it.xbar), REFERENCE_TOL, `${at} x̄`);
      expectClose(fixture.gamma.map((v, i) => v - out["norm.gamma.next"]!.data[i]!), it.gammabar, REFERENCE_TOL, `${at} γ̄`);
      expectClose(fixture.beta.map((v, i) => v - out["norm.beta.next"]!.data[i]!), it.betabar, REFERENCE_TOL, `${at} β̄`);
      expectClose(out["norm.running_phi.next"]!.data, it.running_phi, REFERENCE_TOL, `${at} φ`);
      expectClose(out["norm.ema_gz.next"]!.data, it.ema_gz, REFERENCE_TOL, `${at} ν`);
      expect(out["norm.iters.next"]!.data[0]).toBe(it.step);
      state = nextState(out);
    }
    const last = fixture.iterations[fixture.iterations.length - 1]!;
    const evaluated = interpret(evalForward, { m: mask, x: f32([T, B, C], flat(last.x)), "norm.gamma": f32([C], fixture.gamma), "norm.beta": f32([C], fixture.beta), "norm.running_phi": state["norm.running_phi"]! });
    expectClose(evaluated["output"]!.data, flat(fixture.y_eval), REFERENCE_TOL, "eval y");
    expect(evalForward.outputs.some((o) => o.role === "state")).toBe(false);
  });

  it("updates ν in the backward pass only: the eval graph keeps it, the step's forward part does not read the new value", () => {
    const evalStep = result.trainings[0]!.eval;
    expect(evalStep.outputs.map((o) => o.updates).filter(Boolean)).not.toContain("norm.ema_gz");
    expect(step.outputs.map((o) => o.updates)).toContain("norm.ema_gz");
  });

  it("runs the same three steps in ONNX Runtime (float32) as in the interpreter", async () => {
    const session = await GraphSession.create(lowerGraph(step, { paramsAs: "inputs" }));
    const toHost = (a: NDArray): HostTensor => ({ dtype: "f32", shape: a.shape, data: Float32Array.from(a.data) });
    const fromHost = (t: HostTensor): NDArray => ({ dtype: "f32", shape: [...t.shape], data: Float64Array.from(t.data) });
    let state: Record<string, NDArray> = {};
    // The ONNX graph has no initial values: feed every input with one (state, optimizer state).
    const initial: Record<string, NDArray> = Object.fromEntries(
      step.inputs.filter((i) => i.initial && !(i.name in feeds(0, {}))).map((i) => [i.name, f32(concreteShape(step.values[i.value]!.shape)!, Array.from(i.initial!))]),
    );
    let ortState = initial;
    for (let k = 0; k < fixture.iterations.length; k++) {
      const expected = interpret(step, feeds(k, state));
      const hostFeeds = Object.fromEntries(Object.entries(feeds(k, ortState)).map(([name, a]) => [name, toHost(a)]));
      const got = Object.fromEntries(Object.entries(await session.run(hostFeeds)).map(([name, t]) => [name, fromHost(t)]));
      for (const name of ["y.next", "x.next", "norm.gamma.next", "norm.running_phi.next", "norm.ema_gz.next"]) expectClose(got[name]!.data, Array.from(expected[name]!.data), ORT_TOL, `ORT step ${k + 1} ${name}`);
      state = nextState(expected);
      ortState = { ...initial, ...nextState(got) };
    }
  });
});

describe("PowerNorm's backward reads the forward's statistics", () => {
  it("recomputes ψ² from the arguments, and the compiled step computes it once (common-subexpression elimination)", () => {
    const result = compileProbe();
    const compiled = optimizeGraph(result.trainings[0]!.trainStep);
    // ψ²'s numerator: a sum over batch and tokens to one value per channel. The forward's running
    // φ update, the normalization and the backward each elaborate it; one must remain.
    const psi2Sums = compiled.nodes.filter((n) => n.op === "reduce_sum" && n.attrs["keepdims"] === false && String(n.attrs["axes"]) === "0,1" && compiled.values[n.outputs[0]!]!.shape.length === 1);
    expect(psi2Sums).toHaveLength(1);
    const raw = result.trainings[0]!.trainStep;
    expect(raw.nodes.filter((n) => n.op === "reduce_sum" && n.attrs["keepdims"] === false && String(n.attrs["axes"]) === "0,1" && raw.values[n.outputs[0]!]!.shape.length === 1).length).toBe(3);
  });
});
