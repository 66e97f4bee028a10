// Comparison of flowc's outputs with float64 reference fixtures (test/fixtures/reference/*.json,
// written by bench/reference/*.py), shared by the normalization, attention and Transformer-block
// tests. The criterion, element by element:
//
//   |a_i − b_i| ≤ tol · max(|b_i|, floor · max_j |b_j|)
//
// relative where the reference is large, and relative to floor × its largest entry where it is
// small (floor = 1e-3 by default; floor = 1 is the norm-wise criterion max_i |a_i − b_i| / max_j
// |b_j|). A zero difference counts as zero, so counters and exact zeros compare exactly; a NaN
// anywhere fails.

import { afterAll, expect } from "vitest";

const maxAbs = (xs: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]!));
  return m;
};

/**
 * max_i |a_i − b_i| / max(|b_i|, floor · scale), scale the largest |b_j| unless given (a reference
 * that is zero up to round-off is measured against another tensor's scale).
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3, scale = maxAbs(expected)): number {
  const small = floor * scale;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    worst = Math.max(worst, diff === 0 ? 0 : diff / Math.max(Math.abs(expected[i]!), small));
  }
  return worst;
}

/**
 * Fails the test when `actual` has another length than `expected` or its relative error exceeds
 * tol; returns the error. `record` is told the error before it is checked (for worstErrors).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string, floor = 1e-3, record?: (worst: number) => void): number {
  expect(actual.length, what).toBe(expected.length);
  const worst = relativeError(actual, expected, floor);
  record?.(worst);
  expect(worst, `${what}: worst relative error`).toBeLessThanOrEqual(tol);
  return worst;
}

/**
 * The worst error per quantity over a test file, printed after it under `title` (the numbers of a
 * report): `record(bucket)` is the `record` argument of expectClose.
 */
export function worstErrors(title: string, width: number): (bucket: string) => (worst: number) => void {
  const worst = new Map<string, number>();
  afterAll(() => console.log(`${title}:\n${[...worst].map(([k, v]) => `  ${k.padEnd(width)} ${v.toExponential(2)}`).join("\n")}`));
  return (bucket) => (err) => worst.set(bucket, Math.max(worst.get(bucket) ?? 0, err));
}
