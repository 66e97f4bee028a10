// The linear sum assignment of runtime/metrics/assignment.ts against oracles:
//   - brute force over all n! permutations for n ≤ 7, on random cost matrices drawn by
//     fast-check: continuous costs (negative ones included), and small integers, where many
//     permutations tie;
//   - for large n, SciPy's linear_sum_assignment (via the W2 fixtures, in metrics.test.ts) and,
//     here, the necessary optimality condition that no exchange of two assignments lowers the
//     total cost (a 2-opt check, O(n²)).
//
// Tolerance for continuous costs: the returned permutation's cost may exceed the brute-force
// minimum by at most 1e-12 · n · max|C|. The solver works on reduced costs
// C[i][j] − u_i − v_j in float64, so a permutation within a few ulps of the minimum can win a
// near-tie; both totals are summed in the same (row) order, so equal permutations give equal
// sums. Integer costs (below 2^53) are exact in float64 and compared exactly.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignmentCost, linearSumAssignment } from "../../runtime/metrics/assignment.js";
import { RandomStream } from "../../compiler/artifacts/rng.js";

const SEED = Number(process.env["METRICS_FUZZ_SEED"] ?? 20261128);

function bruteForceMinimum(cost: Float64Array, n: number): number {
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let best = Infinity;
  const visit = (k: number): void => {
    if (k === n) {
      best = Math.min(best, assignmentCost(cost, n, perm));
      return;
    }
    for (let i = k; i < n; i++) {
      [perm[k], perm[i]] = [perm[i]!, perm[k]!];
      visit(k + 1);
      [perm[k], perm[i]] = [perm[i]!, perm[k]!];
    }
  };
  visit(0);
  return n === 0 ? 0 : best;
}

function expectPermutation(sigma: Int32Array, n: number): void {
  expect(sigma.length).toBe(n);
  expect([...sigma].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
}

const matrix = (entry: fc.Arbitrary<number>): fc.Arbitrary<{ n: number; cost: Float64Array }> =>
  fc.integer({ min: 0, max: 7 }).chain((n) =>
    fc.array(entry, { minLength: n * n, maxLength: n * n }).map((values) => ({ n, cost: Float64Array.from(values) })),
  );

describe("linear sum assignment", () => {
  it("matches brute force on continuous costs (n ≤ 7)", () => {
    fc.assert(
      fc.property(matrix(fc.double({ min: -1000, max: 1000, noNaN: true })), ({ n, cost }) => {
        const sigma = linearSumAssignment(cost, n);
        expectPermutation(sigma, n);
        const scale = n * Math.max(0, ...Array.from(cost, Math.abs));
        expect(assignmentCost(cost, n, sigma) - bruteForceMinimum(cost, n)).toBeLessThanOrEqual(1e-12 * scale);
      }),
      { numRuns: 600, seed: SEED },
    );
  });

  it("matches brute force exactly on small integer costs with many ties (n ≤ 7)", () => {
    fc.assert(
      fc.property(matrix(fc.integer({ min: 0, max: 3 })), ({ n, cost }) => {
        const sigma = linearSumAssignment(cost, n);
        expectPermutation(sigma, n);
        expect(assignmentCost(cost, n, sigma)).toBe(bruteForceMinimum(cost, n));
      }),
      { numRuns: 600, seed: SEED + 1 },
    );
  });

  it("leaves no improving exchange of two rows at n = 1000 and does not modify the costs", () => {
    const n = 1000;
    const stream = RandomStream.derive(1, "assignment-test");
    const cost = Float64Array.from({ length: n * n }, () => stream.uniform());
    const copy = cost.slice();
    const sigma = linearSumAssignment(cost, n);
    expectPermutation(sigma, n);
    let modified = 0;
    for (let k = 0; k < n * n; k++) if (!Object.is(cost[k], copy[k])) modified++;
    expect(modified).toBe(0);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const gain = cost[i * n + sigma[i]!]! + cost[j * n + sigma[j]!]! - cost[i * n + sigma[j]!]! - cost[j * n + sigma[i]!]!;
        worst = Math.max(worst, gain);
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-12);
  });

  it("rejects malformed input", () => {
    expect(() => linearSumAssignment(new Float64Array(5), 2)).toThrow(/n×n cost matrix/);
    expect(() => linearSumAssignment(Float64Array.of(0, NaN, 1, 2), 2)).toThrow(/cost\[0\]\[1\] is NaN/);
    expect(linearSumAssignment(new Float64Array(0), 0)).toEqual(new Int32Array(0));
  });
});
