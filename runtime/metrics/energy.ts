// Energy distance (Székely & Rizzo 2013, "Energy statistics: a class of statistics based on
// distances", J. Stat. Plan. Inference 143; Baringhaus & Franz 2004):
//   E(X, Y) = 2 E||X − Y|| − E||X − X'|| − E||Y − Y'||   (Euclidean norm, not squared),
// the square of a metric on distributions with finite first moments (twice MMD² under the
// distance-induced kernel, Sejdinovic et al. 2013). Estimators, as for MMD:
//   - "biased" (V-statistic, default): every mean over all pairs, the zero diagonal included;
//     ≥ 0, and 0 when a and b are the same cloud (both up to rounding);
//   - "unbiased" (U-statistic): the self-terms averaged over i ≠ j; can be negative.

import type { Estimator } from "./mmd.js";
import { pointCount, squaredDistance } from "./points.js";

export interface EnergyOptions {
  readonly estimator?: Estimator;
}

/** Energy distance between row-major clouds a [n, d] and b [m, d]. */
export function energyDistance(a: Float32Array, b: Float32Array, d: number, options: EnergyOptions = {}): number {
  const n = pointCount(a, d, "energy distance");
  const m = pointCount(b, d, "energy distance");
  const estimator = options.estimator ?? "biased";
  const minimum = estimator === "unbiased" ? 2 : 1;
  if (n < minimum || m < minimum) throw new Error(`energy distance (${estimator}) needs at least ${minimum === 1 ? "one point" : "two points"} per cloud, got ${n} and ${m}`);
  let xy = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) xy += Math.sqrt(squaredDistance(a, i, b, j, d));
  const xx = selfDistanceSum(a, n, d);
  const yy = selfDistanceSum(b, m, d);
  const cross = (2 * xy) / (n * m);
  if (estimator === "biased") return cross - xx / (n * n) - yy / (m * m);
  return cross - xx / (n * (n - 1)) - yy / (m * (m - 1));
}

/** Σ_{i ≠ j} ||x_i − x_j||, from the pairs i < j. */
function selfDistanceSum(x: Float32Array, n: number, d: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) total += Math.sqrt(squaredDistance(x, i, x, j, d));
  return 2 * total;
}
