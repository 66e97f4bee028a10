// Squared maximum mean discrepancy (Gretton et al. 2012, "A kernel two-sample test", JMLR 13:
// MMD²_u and MMD²_b of §2.2) with a mixture of Gaussian RBF kernels
//   k(x, y) = Σ_σ exp(−||x − y||² / (2σ²)),
//   MMD² = E k(X, X') + E k(Y, Y') − 2 E k(X, Y).
// Estimators, for a with n points and b with m points:
//   - "biased" (the V-statistic, MMD²_b): every mean over all pairs, the diagonal i = j
//     included. It is the squared RKHS distance between the two empirical mean embeddings, so it
//     is ≥ 0 and 0 when a and b are the same cloud (both up to rounding).
//   - "unbiased" (the U-statistic, MMD²_u written for n ≠ m): the self-terms average
//     over i ≠ j only (divided by n(n − 1) and m(m − 1)); it can be negative.
// The defaults follow torchcfm's runner (runner/src/models/components/distribution_distances.py,
// metric "RBF_MMD"), which calls mix_rbf_mmd2(a, b, sigma_list=[0.01, 0.1, 1, 10, 100]) with
// its default biased=True: the kernels are summed (not averaged) over those bandwidths, with
// σ the standard deviation of each Gaussian, as here. Its mix_rbf_mmd2 needs n = m; this does not.
// No value is clamped: a biased result may be −1e-17 where the true value is 0.

import { pointCount, squaredDistance } from "./points.js";

/** torchcfm's runner: RBF bandwidths σ (k = Σ_σ exp(−r²/(2σ²))). */
export const DEFAULT_MMD_BANDWIDTHS: readonly number[] = [0.01, 0.1, 1, 10, 100];

export type Estimator = "biased" | "unbiased";

export interface MmdOptions {
  /** The σ of each Gaussian of the mixture; the kernel is their sum. */
  readonly bandwidths?: readonly number[];
  /** "biased" (V-statistic, default) or "unbiased" (U-statistic). */
  readonly estimator?: Estimator;
}

/** Squared MMD between row-major clouds a [n, d] and b [m, d] under a mixture of RBF kernels. */
export function mmdSquared(a: Float32Array, b: Float32Array, d: number, options: MmdOptions = {}): number {
  const n = pointCount(a, d, "MMD");
  const m = pointCount(b, d, "MMD");
  const bandwidths = options.bandwidths ?? DEFAULT_MMD_BANDWIDTHS;
  const estimator = options.estimator ?? "biased";
  if (bandwidths.length === 0 || bandwidths.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new Error(`MMD: bandwidths must be positive finite numbers, got [${bandwidths.join(", ")}]`);
  }
  const minimum = estimator === "unbiased" ? 2 : 1;
  if (n < minimum || m < minimum) throw new Error(`MMD (${estimator}) needs at least ${minimum === 1 ? "one point" : "two points"} per cloud, got ${n} and ${m}`);
  const gammas = bandwidths.map((s) => 1 / (2 * s * s));
  const kernel = (r2: number): number => {
    let k = 0;
    for (const g of gammas) k += Math.exp(-g * r2);
    return k;
  };
  const xx = selfKernelSum(a, n, d, kernel);
  const yy = selfKernelSum(b, m, d, kernel);
  let xy = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) xy += kernel(squaredDistance(a, i, b, j, d));
  const diagonal = kernel(0);
  if (estimator === "biased") return (xx + n * diagonal) / (n * n) + (yy + m * diagonal) / (m * m) - (2 * xy) / (n * m);
  return xx / (n * (n - 1)) + yy / (m * (m - 1)) - (2 * xy) / (n * m);
}

/** Σ_{i ≠ j} k(x_i, x_j), from the pairs i < j (the kernel is symmetric). */
function selfKernelSum(x: Float32Array, n: number, d: number, kernel: (r2: number) => number): number {
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) total += kernel(squaredDistance(x, i, x, j, d));
  return 2 * total;
}
