// Fréchet distance between Gaussians fitted to two point clouds (Dowson & Landau 1982, "The
// Fréchet distance between multivariate normal distributions", J. Multivariate Anal. 12), the
// formula of FID (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a
// Local Nash Equilibrium"), here in whatever feature space the points are given:
//
//   d²(a, b) = ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^{1/2}),
//
// with the unbiased sample covariances (divisor n − 1, as numpy.cov and the FID reference code).
// Tr (Σ_a Σ_b)^{1/2} = Tr (Σ_a^{1/2} Σ_b Σ_a^{1/2})^{1/2} (the two products are similar when Σ_a is
// positive definite, and by continuity otherwise), and the latter matrix is symmetric positive
// semi-definite, so the trace is the sum of the square roots of its eigenvalues. Both symmetric
// eigenproblems are solved by cyclic Jacobi rotations in float64 (Golub & Van Loan, "Matrix
// Computations", 4th ed., §8.5), which converge quadratically and need no pivoting.

import { pointCount } from "./points.js";

/** The Fréchet distance (squared, as FID) between Gaussians fitted to row-major clouds a [n, d] and b [m, d]. */
export function frechetDistance(a: Float32Array, b: Float32Array, d: number): number {
  const n = pointCount(a, d, "Fréchet distance");
  const m = pointCount(b, d, "Fréchet distance");
  if (n < 2 || m < 2) throw new Error(`Fréchet distance needs at least two points per cloud to estimate a covariance, got ${n} and ${m}`);
  const [muA, covA] = moments(a, n, d);
  const [muB, covB] = moments(b, m, d);
  let mean = 0;
  for (let k = 0; k < d; k++) mean += (muA[k]! - muB[k]!) ** 2;
  let trace = 0;
  for (let k = 0; k < d; k++) trace += covA[k * d + k]! + covB[k * d + k]!;
  const rootA = symmetricSqrt(covA, d);
  const inner = multiply(multiply(rootA, covB, d), rootA, d);
  symmetrize(inner, d);
  const { values } = symmetricEigen(inner, d);
  let crossTrace = 0;
  for (const v of values) crossTrace += Math.sqrt(Math.max(v, 0));
  return mean + trace - 2 * crossTrace;
}

/** Mean [d] and unbiased covariance [d, d] of a cloud. */
function moments(x: Float32Array, n: number, d: number): [Float64Array, Float64Array] {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mu[k]! += x[i * d + k]!;
  for (let k = 0; k < d; k++) mu[k]! /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) row[k] = x[i * d + k]! - mu[k]!;
    for (let p = 0; p < d; p++) {
      const rp = row[p]!;
      for (let q = p; q < d; q++) cov[p * d + q]! += rp * row[q]!;
    }
  }
  for (let p = 0; p < d; p++)
    for (let q = p; q < d; q++) {
      cov[p * d + q]! /= n - 1;
      cov[q * d + p] = cov[p * d + q]!;
    }
  return [mu, cov];
}

function multiply(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j]! += aik * b[k * d + j]!;
    }
  return out;
}

function symmetrize(a: Float64Array, d: number): void {
  for (let i = 0; i < d; i++)
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (a[i * d + j]! + a[j * d + i]!);
      a[i * d + j] = v;
      a[j * d + i] = v;
    }
}

/** The square root V diag(√max(λ, 0)) Vᵀ of a symmetric positive semi-definite matrix. */
function symmetricSqrt(a: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(values[k]!, 0));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k]! * s;
      for (let j = 0; j < d; j++) out[i * d + j]! += vik * vectors[j * d + k]!;
    }
  }
  return out;
}

/**
 * Eigenvalues and eigenvectors (the columns of `vectors`) of a symmetric matrix by cyclic Jacobi
 * rotations: each sweep zeroes every off-diagonal entry in turn (the rotation angle from
 * Golub & Van Loan's Algorithm 8.5.1); it stops when the off-diagonal mass is below 1e-30 of the
 * total, or after 100 sweeps (convergence is quadratic, so a few sweeps suffice in practice).
 */
export function symmetricEigen(matrix: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let total = 0;
  for (let i = 0; i < d * d; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += 2 * a[p * d + q]! ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < d - 1; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const tau = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // A ← Jᵀ A J with J the rotation in the (p, q) plane; V ← V J.
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  return { values, vectors: v };
}
