// Bellman optimal step sizes (BOSS: Nguyen, Nguyen, Le, Pham & Bui, "Bellman Optimal Stepsize
// Straightening of Flow-Matching Models", ICLR 2024, arXiv 2312.16414, §3.1).
//
// Reference trajectories of a trained velocity field v, M + 1 states x_0 .. x_M at the times
// t_0 < ... < t_M (M uniform Euler steps from noise in the paper, K_max = 100), give the cost of
// one Euler step of v from grid point i to grid point j > i:
//
//   c[i][j] = E || x_j - (x_i + v(x_i, t_i) (t_j - t_i)) ||²
//
// (mean over the trajectories of the squared distance summed over the features). The K-step grid
// 0 = j_0 < j_1 < ... < j_K = M minimizing the summed cost is found by the Bellman recursion
//
//   D_1(i) = c[i][M],   D_k(i) = min_{j > i} c[i][j] + D_{k-1}(j),
//
// and backtracking from D_K(0) (the paper's `get_bellman_disc` / `find_minimum_cost_path`, dp
// variant). Everything is float64 on the host.

import { RunError } from "./errors.js";

/**
 * The cost matrix c, row-major [(M + 1) × (M + 1)]: c[i][j] for i < j, +∞ elsewhere.
 * `states[i]` and `velocities[i]` are [n, features] row-major (a velocity for every state but the
 * last); `times` has M + 1 entries.
 */
export function bellmanCosts(states: readonly Float32Array[], velocities: readonly Float32Array[], times: readonly number[], features: number): Float64Array {
  const points = states.length;
  if (times.length !== points || velocities.length < points - 1) throw new RunError("bellmanCosts needs a time and (but for the last) a velocity for every state");
  const n = states[0]!.length / features;
  const cost = new Float64Array(points * points).fill(Infinity);
  for (let i = 0; i < points - 1; i++) {
    const xi = states[i]!;
    const vi = velocities[i]!;
    for (let j = i + 1; j < points; j++) {
      const xj = states[j]!;
      const h = times[j]! - times[i]!;
      let total = 0;
      for (let k = 0; k < n * features; k++) {
        const e = xj[k]! - (xi[k]! + vi[k]! * h);
        total += e * e;
      }
      cost[i * points + j] = total / n;
    }
  }
  return cost;
}

/**
 * The grid of exactly `steps` steps from point 0 to point `points - 1` with the least total cost
 * (row-major cost matrix [points × points], c[i][j] the cost of a step from i to j > i). Ties go to
 * the smaller next point.
 */
export function bellmanPath(cost: Float64Array, points: number, steps: number): { readonly path: number[]; readonly cost: number } {
  const last = points - 1;
  if (!Number.isInteger(steps) || steps < 1 || steps > last) throw new RunError(`a grid of ${steps} steps cannot be chosen among ${points} points (1 to ${last} steps)`);
  // best[k][i]: the least cost from i to the last point in exactly k steps; next[k][i] its next point.
  const best: Float64Array[] = [new Float64Array(points).fill(Infinity)];
  best[0]![last] = 0;
  const next: Int32Array[] = [new Int32Array(points).fill(-1)];
  for (let k = 1; k <= steps; k++) {
    const b = new Float64Array(points).fill(Infinity);
    const nx = new Int32Array(points).fill(-1);
    const prev = best[k - 1]!;
    for (let i = 0; i < last; i++) {
      for (let j = i + 1; j <= last; j++) {
        const c = cost[i * points + j]! + prev[j]!;
        if (c < b[i]!) {
          b[i] = c;
          nx[i] = j;
        }
      }
    }
    best.push(b);
    next.push(nx);
  }
  if (!Number.isFinite(best[steps]![0]!)) throw new RunError("the step costs are not finite numbers (do the trajectories diverge?)");
  const path = [0];
  for (let k = steps; k >= 1; k--) path.push(next[k]![path[path.length - 1]!]!);
  return { path, cost: best[steps]![0]! };
}
