// The run-time loop of an adaptive ODE solve (compiler/elaborate/adaptive.ts): it calls a
// compiled step graph (one embedded Runge-Kutta step written in .flow, e.g. std/solvers.flow's
// `dopri5_step`) and a right-hand-side graph, accepts or rejects each step by its error estimate
// and chooses the next step size. Everything here is scalar bookkeeping in float64 on the host,
// one step size for the whole batch (the error norm runs over every element of the state), as
// torchdiffeq does for a batched state.
//
// The definitions (Hairer, Nørsett & Wanner, "Solving Ordinary Differential Equations I", 2nd ed.,
// §II.4 "Automatic step size control" and §II.5; Dormand & Prince 1980), with q the order of the
// embedded error estimate (4 for Dormand-Prince 5(4)):
//   - error norm: err_ratio = RMS(err_i / (atol + rtol max(|x_i|, |x_new,i|))) over all elements;
//     the step is accepted when err_ratio ≤ 1.
//   - next step: h · min(10, max(0.9 err_ratio^(-1/(q+1)), fmin)) with fmin = 1 when err_ratio < 1
//     (an accepted step never shrinks the next) and 0.2 otherwise; h · 10 when err_ratio = 0
//     (torchdiffeq's `_optimal_step_size`: safety 0.9, ifactor 10, dfactor 0.2).
//   - first step: Hairer's algorithm of §II.4 (p. 169), as torchdiffeq's `_select_initial_step`:
//     d0 = RMS(x0 / sc), d1 = RMS(f0 / sc) with sc = atol + rtol |x0|; h0 = 0.01 d0 / d1 (1e-6 if
//     either is below 1e-5); one Euler step x1 = x0 + h0 f0, d2 = RMS((f(x1, t0 + h0) - f0) / sc) / h0;
//     h1 = (0.01 / max(d1, d2))^(1/(q+1)) (max(1e-6, 1e-3 h0) if both are ≤ 1e-15); h = min(100 h0, h1).
//   - the last step ends exactly at `end`: a step that would pass end - 0.01 h is shortened to end
//     (Hairer's DOPRI5 code). torchdiffeq instead steps past the end and interpolates back, so its
//     last step (and its NFE) may differ by one step.
//   - FSAL: the step returns f(x_new, t + h), the next step's first stage, so a step costs 6 NFE
//     and a solve costs 2 + 6 × (attempted steps) for dopri5 (f0 and the first-step probe f1).
// A solve stops with an error after `maxSteps` attempted steps, on a step size that no longer
// changes t, or on a non-finite error estimate.

import type { AdaptiveSolve } from "../compiler/elaborate/adaptive.js";
import { RunError } from "./errors.js";

/** The compiled graphs of one solve, on whatever executes them (ONNX Runtime, the interpreter). */
export interface SolveStages {
  /** One step from x at time t with step h (signed), given f = rhs(x, t). */
  step(x: Float64Array, t: number, h: number, f: Float64Array): Promise<{ x: Float64Array; err: Float64Array; f: Float64Array }>;
  rhs(x: Float64Array, t: number): Promise<Float64Array>;
}

export interface SolveResult {
  readonly x: Float64Array;
  readonly accepted: number;
  readonly rejected: number;
  /** Model-function evaluations of the solve (the sampler's own graph not included). */
  readonly nfe: number;
  /** The first step size chosen (its magnitude). */
  readonly firstStep: number;
}

const SAFETY = 0.9;
const MAX_FACTOR = 10;
const MIN_FACTOR = 0.2;

function rms(n: number, term: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = term(i);
    s += v * v;
  }
  return Math.sqrt(s / n);
}

/** RMS(err / (atol + rtol max(|x|, |x_new|))): the step is accepted when it is at most 1. */
export function errorRatio(err: Float64Array, x: Float64Array, xNew: Float64Array, rtol: number, atol: number): number {
  return rms(err.length, (i) => err[i]! / (atol + rtol * Math.max(Math.abs(x[i]!), Math.abs(xNew[i]!))));
}

/** The factor by which the step size changes after a step with this error ratio. */
export function stepFactor(ratio: number, errorOrder: number): number {
  if (ratio === 0) return MAX_FACTOR;
  const lower = ratio < 1 ? 1 : MIN_FACTOR;
  return Math.min(MAX_FACTOR, Math.max(SAFETY * ratio ** (-1 / (errorOrder + 1)), lower));
}

export async function solveAdaptive(s: AdaptiveSolve, stages: SolveStages, x0: Float64Array): Promise<SolveResult> {
  const direction = Math.sign(s.end - s.start);
  const q = s.errorOrder;
  const f0 = await stages.rhs(x0, s.start);

  // First step (Hairer §II.4).
  const scale = (i: number) => s.atol + s.rtol * Math.abs(x0[i]!);
  const d0 = rms(x0.length, (i) => x0[i]! / scale(i));
  const d1 = rms(x0.length, (i) => f0[i]! / scale(i));
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  const x1 = x0.map((x, i) => x + direction * h0 * f0[i]!);
  const f1 = await stages.rhs(x1, s.start + direction * h0);
  const d2 = rms(x0.length, (i) => (f1[i]! - f0[i]!) / scale(i)) / h0;
  const h1 = d1 <= 1e-15 && d2 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / (q + 1));
  const firstStep = Math.min(100 * h0, h1);

  let h = firstStep; // a magnitude; the step taken is direction * h
  let t = s.start;
  let x = x0;
  let f = f0;
  let accepted = 0;
  let rejected = 0;
  for (;;) {
    if (accepted + rejected >= s.maxSteps)
      throw new RunError(
        `the adaptive solve needed more than ${s.maxSteps} steps (${accepted} accepted, ${rejected} rejected) and stopped at t = ${t} of ${s.end}; raise \`max_steps\` or loosen \`rtol\`/\`atol\``,
      );
    const last = direction * (t + direction * 1.01 * h - s.end) > 0;
    if (last) h = Math.abs(s.end - t);
    const next = await stages.step(x, t, direction * h, f);
    const ratio = errorRatio(next.err, x, next.x, s.rtol, s.atol);
    if (!Number.isFinite(ratio))
      throw new RunError(`the adaptive solve's error estimate is not finite at t = ${t} (step ${direction * h}): the velocity field returned NaN or Inf`);
    if (ratio <= 1) {
      accepted++;
      x = next.x;
      f = next.f;
      t = last ? s.end : t + direction * h;
      if (last) break;
    } else rejected++;
    h *= stepFactor(ratio, q);
    if (t + direction * h === t) throw new RunError(`the adaptive solve's step size underflowed at t = ${t}: the solution is too stiff or irregular for rtol ${s.rtol}, atol ${s.atol}`);
  }
  return { x, accepted, rejected, nfe: 2 * s.rhsNfe + (accepted + rejected) * s.stepNfe, firstStep };
}
