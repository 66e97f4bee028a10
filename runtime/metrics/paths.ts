// Path metrics for trajectories given as K + 1 states x_0, …, x_K (row-major [n, d] clouds, row i
// of every state being the same particle) at times t_0 < … < t_K.
//
// Straightness (Liu, Gong & Liu 2023, "Flow Straight and Fast: Learning to Generate and Transfer
// Data with Rectified Flow", ICLR; the straightness of a flow): S(Z) = ∫_0^1 E||(Z_1 − Z_0) − Ż_t||² dt, zero exactly
// when every particle moves along a straight line at constant speed. On the discretised path,
// taken as the piecewise-linear interpolation of the states, the velocity on [t_k, t_{k+1}] is
// the constant v_k = (x_{k+1} − x_k) / (t_{k+1} − t_k), and the integral is the finite sum
//   S = Σ_{k=0}^{K−1} (t_{k+1} − t_k) · mean_i ||v̄_i − v_{k,i}||²,  v̄ = (x_K − x_0) / (t_K − t_0).
// On t ∈ [0, 1] this is Liu et al.'s S; on another span it is the same integral over [t_0, t_K]
// (not rescaled).
//
// Transport cost: mean_i ||x_K − x_0||², the quadratic cost of the coupling (x_0, x_K) the flow
// induces (Liu et al. show that rectifying does not increase E c(Z_1 − Z_0) for convex c);
// `transportCost` takes the pairs (z0, z1) directly.

import { pointCount } from "./points.js";

/** Discretised straightness of trajectories; `times` defaults to K + 1 evenly spaced in [0, 1]. */
export function pathStraightness(states: readonly Float32Array[], d: number, times?: readonly number[]): number {
  const n = checkTrajectory(states, d, "path straightness");
  const K = states.length - 1;
  const t = times ?? Array.from({ length: K + 1 }, (_, k) => k / K);
  checkTimes(t, K, "path straightness");
  const first = states[0]!;
  const last = states[K]!;
  const span = t[K]! - t[0]!;
  let total = 0;
  for (let k = 0; k < K; k++) {
    const from = states[k]!;
    const to = states[k + 1]!;
    const dt = t[k + 1]! - t[k]!;
    let sum = 0;
    for (let e = 0; e < n * d; e++) {
      const deviation = (last[e]! - first[e]!) / span - (to[e]! - from[e]!) / dt;
      sum += deviation * deviation;
    }
    total += dt * (sum / n);
  }
  return total;
}

/** mean_i ||x_K − x_0||² of a trajectory given as its K + 1 states. */
export function trajectoryTransportCost(states: readonly Float32Array[], d: number): number {
  checkTrajectory(states, d, "transport cost");
  return transportCost(states[0]!, states[states.length - 1]!, d);
}

/** mean_i ||z1_i − z0_i||² of the pairs (z0_i, z1_i), row-major [n, d]. */
export function transportCost(z0: Float32Array, z1: Float32Array, d: number): number {
  const n = pointCount(z0, d, "transport cost");
  if (z1.length !== z0.length) throw new Error(`transport cost needs as many end points as start points: got ${z1.length / d} and ${n}`);
  if (n === 0) throw new Error("transport cost: there are no pairs");
  let sum = 0;
  for (let e = 0; e < z0.length; e++) sum += (z1[e]! - z0[e]!) ** 2;
  return sum / n;
}

function checkTrajectory(states: readonly Float32Array[], d: number, what: string): number {
  if (states.length < 2) throw new Error(`${what} needs at least two states (x_0 and x_K), got ${states.length}`);
  const n = pointCount(states[0]!, d, what);
  if (n === 0) throw new Error(`${what}: the states have no points`);
  for (let k = 1; k < states.length; k++) {
    if (states[k]!.length !== states[0]!.length) throw new Error(`${what}: state ${k} has ${states[k]!.length / d} points, state 0 has ${n}`);
  }
  return n;
}

function checkTimes(t: readonly number[], K: number, what: string): void {
  if (t.length !== K + 1) throw new Error(`${what}: ${K + 1} states need ${K + 1} times, got ${t.length}`);
  for (let k = 0; k < K; k++) {
    if (!(t[k + 1]! > t[k]!) || !Number.isFinite(t[k]!) || !Number.isFinite(t[k + 1]!)) {
      throw new Error(`${what}: the times must be finite and strictly increasing, got [${t.join(", ")}]`);
    }
  }
}
