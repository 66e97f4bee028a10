// Linear sum assignment (Kuhn 1955; Munkres 1957): given an n×n cost matrix C, the permutation
// σ minimising Σ_i C[i, σ(i)] (a minimum-cost perfect matching of a complete bipartite graph).
//
// The solver is the `munkres` package (MIT, no dependencies, ships its own types): an exact
// O(n³) Hungarian method in shortest-augmenting-path form (row and column duals, one Dijkstra-like
// search over reduced costs per unmatched row). It reads rows through ArrayLike, so the rows given
// to it are zero-copy views of the caller's Float64Array, and it does not modify them. Measured
// here (2 cores) on n = 2000 squared-distance matrices, it was the fastest JavaScript option:
// `linear-sum-assignment` (a Jonker–Volgenant port that pulls in ml-matrix and
// ml-spectra-processing) took 2.3 s against 0.6 s on uniform clouds and 39 s against 9.6 s on a
// Gaussian against two moons; `munkres-js` (untyped, textbook Munkres) took 9.5 s at n = 500
// against 0.02 s; scratch shortest-augmenting-path and full LAPJV solvers written for the
// comparison were no faster (8 s and 11 s on the Gaussian case), so none is kept.

import munkres from "munkres";

/**
 * `cost` is a row-major n×n Float64Array of finite values. Returns σ with row i assigned to
 * column σ[i]; when several permutations reach the minimum, one of them.
 */
export function linearSumAssignment(cost: Float64Array, n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || cost.length !== n * n) {
    throw new Error(`linear sum assignment needs an n×n cost matrix: got ${cost.length} values for n = ${n}`);
  }
  for (let k = 0; k < cost.length; k++) {
    if (!Number.isFinite(cost[k]!)) throw new Error(`linear sum assignment: cost[${Math.floor(k / n)}][${k % n}] is ${cost[k]}, not a finite number`);
  }
  const sigma = new Int32Array(n);
  if (n === 0) return sigma;
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) rows.push(cost.subarray(i * n, (i + 1) * n));
  const pairs = munkres(rows);
  if (pairs.length !== n) throw new Error(`linear sum assignment: the solver matched ${pairs.length} of ${n} rows`);
  sigma.fill(-1);
  for (const [row, column] of pairs) sigma[row] = column;
  checkPermutation(sigma);
  return sigma;
}

/** Σ_i cost[i, σ(i)], summed in row order. */
export function assignmentCost(cost: Float64Array, n: number, sigma: Int32Array): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += cost[i * n + sigma[i]!]!;
  return total;
}

function checkPermutation(sigma: Int32Array): void {
  const seen = new Uint8Array(sigma.length);
  for (const column of sigma) {
    if (column < 0 || column >= sigma.length || seen[column] === 1) throw new Error("linear sum assignment: the solver did not return a permutation");
    seen[column] = 1;
  }
}
