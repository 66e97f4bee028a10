// std/solvers.flow's adaptive `dopri5`: its step graph (written in .flow) driven by the runtime's
// loop (runtime/adaptive.ts). Oracles:
//   - bench/reference/dopri5.py, a float64 NumPy transcription of the same algorithm from its
//     definitions (test/fixtures/reference/dopri5.json): on a linear ODE dx/dt = x A + t b and a
//     nonlinear one dx/dt = tanh(x W1 + t c) W2, over [0, 1], backwards over [1, 0] and over
//     [0, 2]: the accepted and rejected step counts and the NFE must be equal, exactly, both with
//     the graphs run in the float64 interpreter (end state to 1e-9) and in ONNX Runtime in
//     float32 (end state within float32 tolerance);
//   - the linear ODE's exact solution: the error falls with the tolerance as tolerance
//     proportionality says (about 10x per decade of rtol = atol), and stays below the tolerance;
//   - the sampler end to end (runtime/sample.ts): the NFE it reports is the loop's;
//   - loosely, scipy.integrate.solve_ivp(method="RK45") (same tableau, another controller): end
//     states within a few tolerances, NFE within half again (a sanity note, not an oracle).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile, type CompileResult } from "../../compiler/compile.js";
import { hasErrors, renderDiagnostics } from "../../compiler/diagnostics/index.js";
import type { AdaptiveSolve } from "../../compiler/elaborate/adaptive.js";
import type { Graph } from "../../compiler/ir/graph.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { solveAdaptive, type SolveStages } from "../../runtime/adaptive.js";
import { feedsOf } from "../graph-engines.js";
import { GraphSession, type HostTensor } from "../../runtime/onnx.js";
import { runSampler } from "../../runtime/sample.js";
import { array, runExact } from "../exact.js";

interface Scenario {
  problem: "linear" | "nonlinear";
  rtol: number;
  atol: number;
  start: number;
  end: number;
  accepted: number;
  rejected: number;
  nfe: number;
  first_step: number;
  x: number[][];
  exact?: number[][];
  error?: number;
  scipy_rk45: { nfev: number; x: number[][] };
}
const fixture = JSON.parse(readFileSync("test/fixtures/reference/dopri5.json", "utf8")) as {
  x0: number[][];
  params: Record<string, Record<string, number[] | number[][]>>;
  scenarios: Scenario[];
};

const FIELDS = {
  linear: { params: "param a: f32[2, 2] ~ normal()\n  param b: f32[2] ~ normal()", velocity: "x @ a + t[:, None] * b" },
  nonlinear: { params: "param w1: f32[2, 8] ~ normal()\n  param c: f32[8] ~ normal()\n  param w2: f32[8, 2] ~ normal()", velocity: "tanh(x @ w1 + t[:, None] * c) @ w2" },
};

function spec(problem: keyof typeof FIELDS, s: Pick<Scenario, "rtol" | "atol" | "start" | "end">): string {
  const f = FIELDS[problem];
  return `use std.solvers as ode

model ${problem} {
  ${f.params}
  fn velocity(x: f32[B, 2], t: f32[B]) -> f32[B, 2] = ${f.velocity}
  sampler dopri5() -> f32[N, 2] {
    x0 ~ normal([N, 2])
    ode.dopri5(velocity, x0, rtol: ${s.rtol}, atol: ${s.atol}, start: ${s.start.toFixed(1)}, end: ${s.end.toFixed(1)})
  }
}
`;
}

function compileSpec(text: string, stage?: "ir"): CompileResult {
  const result = compile({ entry: "test/std-flow/dopri5.flow", text, paramsAs: "inputs", ...(stage ? { stage } : {}) });
  if (hasErrors(result.diagnostics)) throw new Error(renderDiagnostics(result.diagnostics, (p) => result.sources.get(p)));
  return result;
}

const flat = (rows: readonly (number | readonly number[])[]): number[] => rows.flatMap((r) => (Array.isArray(r) ? r : [r as number]));
const shapeOf = (v: number[] | number[][]): number[] => (Array.isArray(v[0]) ? [v.length, (v[0] as number[]).length] : [v.length]);

function byName(result: CompileResult, name: string): Graph {
  const g = result.graphs.find((x) => x.graph.name === name);
  if (!g) throw new Error(`no graph ${name}; have ${result.graphs.map((x) => x.graph.name).join(", ")}`);
  return g.graph;
}

function settingsOf(result: CompileResult, sampler: string): AdaptiveSolve {
  const g = result.graphs.find((x) => x.graph.name === sampler)!;
  expect(g.adaptive).toBeDefined();
  return g.adaptive!;
}

/** The step and rhs graphs in the float64 interpreter, with exact constants. */
function exactStages(result: CompileResult, s: AdaptiveSolve, params: Record<string, NDArray>, rows: number): SolveStages {
  const model = result.graphs.find((g) => g.adaptive)!.model;
  const step = byName(result, `${model}.dopri5.solver_step`);
  const rhs = byName(result, `${model}.dopri5.solver_rhs`);
  const state = (x: Float64Array) => array([rows, 2], x);
  const scalar = (v: number) => array([], [v]);
  return {
    async step(x, t, h, f) {
      const out = runExact(step, feedsOf(step, { ...params, [s.state.x]: state(x), [s.state.t]: scalar(t), [s.state.h]: scalar(h), [s.state.f]: state(f) }));
      return { x: Float64Array.from(out[s.step.x]!.data), err: Float64Array.from(out[s.step.err]!.data), f: Float64Array.from(out[s.step.f]!.data) };
    },
    async rhs(x, t) {
      const out = runExact(rhs, feedsOf(rhs, { ...params, [s.state.x]: state(x), [s.state.t]: scalar(t) }));
      return Float64Array.from(out[s.rhs]!.data);
    },
  };
}

/** The same graphs lowered to ONNX and run by ONNX Runtime in float32. */
async function ortStages(result: CompileResult, s: AdaptiveSolve, params: Record<string, HostTensor>, rows: number): Promise<{ stages: SolveStages; release: () => Promise<void> }> {
  const model = result.graphs.find((g) => g.adaptive)!.model;
  const open = (name: string) => GraphSession.create(result.graphs.find((g) => g.graph.name === name)!.onnx!);
  const [step, rhs] = [await open(`${model}.dopri5.solver_step`), await open(`${model}.dopri5.solver_rhs`)];
  const f32 = (shape: number[], x: ArrayLike<number>): HostTensor => ({ dtype: "f32", shape, data: Float32Array.from(x) });
  const only = (g: GraphSession, feeds: Record<string, HostTensor>) => Object.fromEntries(Object.entries(feeds).filter(([k]) => g.inputNames.includes(k)));
  return {
    stages: {
      async step(x, t, h, f) {
        const out = await step.run(only(step, { ...params, [s.state.x]: f32([rows, 2], x), [s.state.t]: f32([], [t]), [s.state.h]: f32([], [h]), [s.state.f]: f32([rows, 2], f) }));
        return { x: Float64Array.from(out[s.step.x]!.data), err: Float64Array.from(out[s.step.err]!.data), f: Float64Array.from(out[s.step.f]!.data) };
      },
      async rhs(x, t) {
        const out = await rhs.run(only(rhs, { ...params, [s.state.x]: f32([rows, 2], x), [s.state.t]: f32([], [t]) }));
        return Float64Array.from(out[s.rhs]!.data);
      },
    },
    release: async () => {
      await step.release();
      await rhs.release();
    },
  };
}

const x0 = Float64Array.from(flat(fixture.x0));
const rows = fixture.x0.length;
const paramsOf = (problem: string) => fixture.params[problem]!;

describe("dopri5 against the float64 NumPy transcription (bench/reference/dopri5.py)", () => {
  for (const sc of fixture.scenarios) {
    const label = `${sc.problem}, rtol ${sc.rtol}, atol ${sc.atol}, from ${sc.start} to ${sc.end}`;
    it(`${label}: the same steps and NFE in float64, end state to 1e-9`, async () => {
      const result = compileSpec(spec(sc.problem, sc), "ir");
      const s = settingsOf(result, `${sc.problem}.dopri5`);
      expect([s.stepNfe, s.rhsNfe]).toEqual([6, 1]);
      const params = Object.fromEntries(Object.entries(paramsOf(sc.problem)).map(([k, v]) => [k, array(shapeOf(v as number[]), flat(v as number[]))]));
      const r = await solveAdaptive(s, exactStages(result, s, params, rows), x0);
      expect({ accepted: r.accepted, rejected: r.rejected, nfe: r.nfe }).toEqual({ accepted: sc.accepted, rejected: sc.rejected, nfe: sc.nfe });
      expect(r.firstStep).toBeCloseTo(sc.first_step, 12);
      const want = flat(sc.x);
      for (let i = 0; i < want.length; i++) expect(Math.abs(r.x[i]! - want[i]!)).toBeLessThan(1e-9);
      // scipy's RK45 has the same tableau but another controller: a loose sanity check only, the
      // end states within a few tolerances of each other and the NFE within half again.
      const scipy = flat(sc.scipy_rk45.x);
      for (let i = 0; i < scipy.length; i++) expect(Math.abs(r.x[i]! - scipy[i]!)).toBeLessThan(50 * Math.max(sc.rtol, sc.atol) * (1 + Math.abs(scipy[i]!)));
      expect(r.nfe / sc.scipy_rk45.nfev).toBeGreaterThan(1 / 1.5);
      expect(r.nfe / sc.scipy_rk45.nfev).toBeLessThan(1.5);
    });
  }

  // float32 rounding moves the error ratios by about 1e-6 relative: far from the accept threshold
  // at these tolerances (1e-7 and below, the ratio of the rounding itself to the tolerance is not small).
  for (const sc of fixture.scenarios.filter((x) => x.rtol >= 1e-5 && x.atol >= 1e-6)) {
    const label = `${sc.problem}, rtol ${sc.rtol}, atol ${sc.atol}, from ${sc.start} to ${sc.end}`;
    it(`${label}: the same steps and NFE in ONNX Runtime (float32), end state within float32 tolerance`, async () => {
      const result = compileSpec(spec(sc.problem, sc));
      const s = settingsOf(result, `${sc.problem}.dopri5`);
      const params = Object.fromEntries(Object.entries(paramsOf(sc.problem)).map(([k, v]) => [k, { dtype: "f32" as const, shape: shapeOf(v as number[]), data: Float32Array.from(flat(v as number[])) }]));
      const { stages, release } = await ortStages(result, s, params, rows);
      try {
        const r = await solveAdaptive(s, stages, x0);
        expect({ accepted: r.accepted, rejected: r.rejected, nfe: r.nfe }).toEqual({ accepted: sc.accepted, rejected: sc.rejected, nfe: sc.nfe });
        const want = flat(sc.x);
        for (let i = 0; i < want.length; i++) expect(Math.abs(r.x[i]! - want[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!)));
      } finally {
        await release();
      }
    });
  }
});

describe("dopri5's error falls with the tolerance", () => {
  it("on the linear ODE, about 10x per decade of rtol = atol (tolerance proportionality), below the tolerance, with NFE growing about as tol^(-1/5)", async () => {
    const tols = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8];
    const errors: number[] = [];
    const nfes: number[] = [];
    const linear = fixture.scenarios.find((x) => x.problem === "linear" && x.start === 0 && x.end === 1)!;
    const exact = flat(fixture.scenarios.find((x) => x.problem === "linear" && x.exact)!.exact!);
    expect(linear).toBeDefined();
    for (const tol of tols) {
      const result = compileSpec(spec("linear", { rtol: tol, atol: tol, start: 0, end: 1 }), "ir");
      const s = settingsOf(result, "linear.dopri5");
      const params = Object.fromEntries(Object.entries(paramsOf("linear")).map(([k, v]) => [k, array(shapeOf(v as number[]), flat(v as number[]))]));
      const r = await solveAdaptive(s, exactStages(result, s, params, rows), x0);
      errors.push(Math.max(...exact.map((e, i) => Math.abs(r.x[i]! - e))));
      nfes.push(r.nfe);
    }
    for (let k = 0; k < tols.length; k++) expect(errors[k]!).toBeLessThan(tols[k]!);
    for (let k = 1; k < tols.length; k++) {
      const drop = errors[k - 1]! / errors[k]!;
      expect(drop).toBeGreaterThan(3);
      expect(drop).toBeLessThan(30);
    }
    // Steps scale as tol^(-1/5) for a 5th-order method: 10^(4/5) = 6.3 over four decades.
    const growth = (nfes[nfes.length - 1]! - 2) / (nfes[0]! - 2);
    expect(growth).toBeGreaterThan(6.3 / 2);
    expect(growth).toBeLessThan(6.3 * 2);
  });
});

describe("a dopri5 sampler end to end", () => {
  it("returns the solve's final state from the runtime's noise and reports the loop's NFE", async () => {
    const sc = fixture.scenarios.find((x) => x.problem === "nonlinear" && x.rtol === 1e-5 && x.start === 0)!;
    const result = compileSpec(spec("nonlinear", sc));
    const checkpoint = Object.fromEntries(Object.entries(paramsOf("nonlinear")).map(([k, v]) => [k, { dtype: "f32" as const, shape: shapeOf(v as number[]), data: Float32Array.from(flat(v as number[])) }]));
    const sampled = await runSampler(result, checkpoint, { sampler: "dopri5", n: 16, seed: 3, useEma: false });
    const noise = Object.values(sampled.noise)[0]!;
    const s = settingsOf(result, "nonlinear.dopri5");
    const { stages, release } = await ortStages(result, s, checkpoint, 16);
    try {
      const direct = await solveAdaptive(s, stages, Float64Array.from(noise.data));
      expect(sampled.nfe).toBe(direct.nfe);
      expect(sampled.solver).toEqual({ accepted: direct.accepted, rejected: direct.rejected });
      expect(Array.from(sampled.samples.data)).toEqual(Array.from(Float32Array.from(direct.x)));
      expect(sampled.samples.shape).toEqual([16, 2]);
    } finally {
      await release();
    }
    expect(result.manifest!.graphs.find((g) => g.name === "nonlinear.dopri5")!.adaptive).toMatchObject({ rtol: 1e-5, atol: 1e-5, stepNfe: 6, rhsNfe: 1, stepGraph: "nonlinear.dopri5.solver_step" });
  });
});

describe("dopri5's run-time errors", () => {
  it("stops with an error naming max_steps when a solve needs more attempted steps", async () => {
    const sc = fixture.scenarios.find((x) => x.problem === "nonlinear" && x.rtol === 1e-5 && x.start === 0)!;
    const text = spec("nonlinear", sc).replace("end: 1.0)", "end: 1.0, max_steps: 10)");
    const result = compileSpec(text, "ir");
    const s = settingsOf(result, "nonlinear.dopri5");
    expect(s.maxSteps).toBe(10);
    const params = Object.fromEntries(Object.entries(paramsOf("nonlinear")).map(([k, v]) => [k, array(shapeOf(v as number[]), flat(v as number[]))]));
    // The reference needs 23 attempted steps at this tolerance.
    await expect(solveAdaptive(s, exactStages(result, s, params, rows), x0)).rejects.toThrow(/more than 10 steps .*raise `max_steps`/);
  });

  it("stops with an error when the velocity returns NaN", async () => {
    const result = compileSpec(spec("linear", { rtol: 1e-5, atol: 1e-5, start: 0, end: 1 }), "ir");
    const s = settingsOf(result, "linear.dopri5");
    const params = { a: array([2, 2], [NaN, 0, 0, 0]), b: array([2], [0, 0]) };
    await expect(solveAdaptive(s, exactStages(result, s, params, rows), x0)).rejects.toThrow(/not finite/);
  });
});
