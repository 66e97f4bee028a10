// The distribution and path metrics of runtime/metrics/ against reference numbers and properties.
//
// test/metrics/fixtures.json is written by bench/reference/metrics.py (float64 NumPy, and SciPy's
// linear_sum_assignment for exact W2; the file records both versions). The point clouds are
// stored there as float32 bytes, so this test and the script read identical inputs. This test
// never runs Python.
//
// Tolerance against the fixtures: 1e-9 relative. Both sides convert the same float32 values to
// float64 and do all their arithmetic in float64, so they differ only by summation order (NumPy
// sums pairwise, this code sequentially: bounded by about N·ε relative for N positive terms,
// N ≤ 9·10⁴ pairs here, so 1e-11 in the worst case and ~1e-15 in practice) and by 1-ulp differences
// between V8's and glibc's exp and sqrt. W2, straightness and transport cost are sums of
// non-negative terms and are compared relative to their value; MMD² and energy distance are
// differences of three means that can nearly cancel, so they are compared relative to their
// `scale`, the sum of the magnitudes of the three terms. Measured worst cases: 4.3e-15 of the scale
// (MMD², energy), 4.1e-16 (W2), 3.9e-16 (straightness); the OT permutations' costs equal SciPy's
// exactly. Property checks on exactly representable inputs use 1e-12.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assignmentCost,
  DEFAULT_MMD_BANDWIDTHS,
  energyDistance,
  mmdSquared,
  otPermutation,
  pathStraightness,
  slicedWasserstein,
  squaredDistanceMatrix,
  trajectoryTransportCost,
  transportCost,
  wasserstein2,
} from "../../runtime/metrics/index.js";

const FIXTURE_TOL = 1e-9;
const SEED = Number(process.env["METRICS_FUZZ_SEED"] ?? 20261128);

interface ScaledValue {
  readonly value: number;
  readonly scale: number;
}

interface CloudCase {
  readonly name: string;
  readonly n: number;
  readonly m: number;
  readonly d: number;
  readonly a: string;
  readonly b: string;
  readonly w2?: number;
  readonly permutation?: number[];
  readonly mmd?: Record<"default_biased" | "default_unbiased" | "custom_biased" | "custom_unbiased", ScaledValue>;
  readonly energy?: Record<"biased" | "unbiased", ScaledValue>;
}

interface PathCase {
  readonly name: string;
  readonly n: number;
  readonly d: number;
  readonly times: number[];
  readonly states: string[];
  readonly straightness: number;
  readonly transport_cost: number;
}

interface Fixtures {
  readonly default_bandwidths: number[];
  readonly custom_bandwidths: number[];
  readonly clouds: CloudCase[];
  readonly paths: PathCase[];
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures.json"), "utf8")) as Fixtures;

function decode(base64: string): Float32Array {
  const bytes = Buffer.from(base64, "base64");
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(4 * i);
  return out;
}

function expectRelative(actual: number, expected: number, scale: number, tol = FIXTURE_TOL): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected} (scale ${scale})`).toBeLessThanOrEqual(tol * scale);
}

/** n points whose coordinates are multiples of 2^-10 in [-4, 4]: sums with dyadic shifts stay exact. */
const gridCloud = (n: number, d: number): fc.Arbitrary<Float32Array> =>
  fc.array(fc.integer({ min: -4096, max: 4096 }), { minLength: n * d, maxLength: n * d }).map((values) => Float32Array.from(values, (v) => v / 1024));

/** `count` grid clouds of the same random size in [minPoints, maxPoints]. */
const gridClouds = (count: number, minPoints: number, maxPoints: number, d: number): fc.Arbitrary<Float32Array[]> =>
  fc.integer({ min: minPoints, max: maxPoints }).chain((n) => fc.array(gridCloud(n, d), { minLength: count, maxLength: count }));

describe("fixtures from bench/reference/metrics.py", () => {
  it("uses the bandwidths the generator assumed", () => {
    expect(fixtures.default_bandwidths).toEqual([...DEFAULT_MMD_BANDWIDTHS]);
  });

  for (const c of fixtures.clouds) {
    const a = decode(c.a);
    const b = decode(c.b);
    if (c.w2 !== undefined) {
      it(`exact W2 and the OT permutation: ${c.name}`, () => {
        expect(a.length).toBe(c.n * c.d);
        expectRelative(wasserstein2(a, b, c.d), c.w2!, c.w2!);
        if (c.n > 1000) return; // the permutation is the same assignment again: spare the time
        // The optimal cost is unique even where the permutation is not (ties): compare costs.
        const sigma = otPermutation(a, b, c.d);
        const cost = squaredDistanceMatrix(a, b, c.d);
        const ours = assignmentCost(cost, c.n, sigma);
        const scipy = assignmentCost(cost, c.n, Int32Array.from(c.permutation!));
        expectRelative(ours, scipy, scipy);
      });
    }
    if (c.mmd !== undefined && c.energy !== undefined) {
      const mmd = c.mmd;
      const energy = c.energy;
      it(`MMD² and energy distance: ${c.name}`, () => {
        const check = (actual: number, reference: ScaledValue): void => expectRelative(actual, reference.value, reference.scale);
        check(mmdSquared(a, b, c.d), mmd.default_biased);
        check(mmdSquared(a, b, c.d, { estimator: "unbiased" }), mmd.default_unbiased);
        check(mmdSquared(a, b, c.d, { bandwidths: fixtures.custom_bandwidths }), mmd.custom_biased);
        check(mmdSquared(a, b, c.d, { bandwidths: fixtures.custom_bandwidths, estimator: "unbiased" }), mmd.custom_unbiased);
        check(energyDistance(a, b, c.d), energy.biased);
        check(energyDistance(a, b, c.d, { estimator: "unbiased" }), energy.unbiased);
      });
    }
  }

  for (const p of fixtures.paths) {
    it(`path straightness and transport cost: ${p.name}`, () => {
      const states = p.states.map(decode);
      expectRelative(pathStraightness(states, p.d, p.times), p.straightness, p.straightness);
      expectRelative(trajectoryTransportCost(states, p.d), p.transport_cost, p.transport_cost);
      expect(transportCost(states[0]!, states[states.length - 1]!, p.d)).toBe(trajectoryTransportCost(states, p.d));
    });
  }
});

describe("exact W2 properties", () => {
  it("W2(a, a) = 0, W2(a, b) = W2(b, a), and the triangle inequality", () => {
    fc.assert(
      fc.property(
        gridClouds(3, 1, 12, 2),
        ([a, b, c]) => {
          if (a === undefined || b === undefined || c === undefined) throw new Error("three clouds expected");
          expect(wasserstein2(a, a, 2)).toBe(0);
          const ab = wasserstein2(a, b, 2);
          expectRelative(wasserstein2(b, a, 2), ab, ab, 1e-12);
          expect(wasserstein2(a, c, 2)).toBeLessThanOrEqual((ab + wasserstein2(b, c, 2)) * (1 + 1e-12));
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });

  it("W2 between a cloud and its translate is the translation length", () => {
    // The shift is dyadic and the cloud lies on a 2^-10 grid, so b = a + v exactly in float32.
    const v = [0.75, -1.5, 0.25];
    fc.assert(
      fc.property(gridClouds(1, 1, 40, 3), ([a]) => {
        const b = a!.map((x, e) => x + v[e % 3]!);
        expectRelative(wasserstein2(a!, b, 3), Math.hypot(...v), Math.hypot(...v), 1e-12);
      }),
      { numRuns: 100, seed: SEED + 2 },
    );
  });

  it("W2²(a, b + t) = W2²(a, b) − 2 t·(mean a − mean b) + ||t||² (the same permutation stays optimal)", () => {
    const t = [2.5, -0.75];
    fc.assert(
      fc.property(gridClouds(2, 1, 25, 2), ([a, b]) => {
        if (a === undefined || b === undefined) throw new Error("two clouds expected");
        const n = a.length / 2;
        const shifted = b.map((x, e) => x + t[e % 2]!);
        let drift = 0;
        for (let e = 0; e < a.length; e++) drift += (t[e % 2]! * (a[e]! - b[e]!)) / n;
        const w2 = wasserstein2(a, b, 2) ** 2;
        const expected = w2 - 2 * drift + (t[0]! ** 2 + t[1]! ** 2);
        expectRelative(wasserstein2(a, shifted, 2) ** 2, expected, w2 + 2 * Math.abs(drift) + 7, 1e-12);
      }),
      { numRuns: 150, seed: SEED + 6 },
    );
  });

  it("in 1-D, W2 is the closed form of sorted samples", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).chain((n) =>
          fc.tuple(...[0, 1].map(() => fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: n, maxLength: n }))),
        ),
        ([xs, ys]) => {
          const a = Float32Array.from(xs);
          const b = Float32Array.from(ys);
          const sa = Float64Array.from(a).sort();
          const sb = Float64Array.from(b).sort();
          let sum = 0;
          for (let i = 0; i < sa.length; i++) sum += (sa[i]! - sb[i]!) ** 2;
          const closed = Math.sqrt(sum / sa.length);
          expect(Math.abs(wasserstein2(a, b, 1) - closed)).toBeLessThanOrEqual(1e-12 * Math.max(closed, 1e-300) + 1e-300);
        },
      ),
      { numRuns: 150, seed: SEED + 3 },
    );
  });

  it("the OT permutation pairs minibatches at cost n · W2²", () => {
    const a = Float32Array.from({ length: 64 }, (_, e) => Math.sin(e * 1.3));
    const b = Float32Array.from({ length: 64 }, (_, e) => Math.cos(e * 0.7) + 1);
    const sigma = otPermutation(a, b, 2);
    expect([...sigma].sort((x, y) => x - y)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    const cost = assignmentCost(squaredDistanceMatrix(a, b, 2), 32, sigma);
    expectRelative(cost, 32 * wasserstein2(a, b, 2) ** 2, cost, 1e-12);
    // Reordering x1 by σ pairs x0[i] with x1[σ(i)]: identity is then optimal for the reordered batch.
    const reordered = new Float32Array(64);
    for (let i = 0; i < 32; i++) reordered.set(b.subarray(2 * sigma[i]!, 2 * sigma[i]! + 2), 2 * i);
    const again = otPermutation(a, reordered, 2);
    expectRelative(assignmentCost(squaredDistanceMatrix(a, reordered, 2), 32, again), cost, cost, 1e-12);
    expectRelative(transportCost(a, reordered, 2), cost / 32, cost / 32, 1e-12);
  });

  it("rejects clouds of different sizes and more than 2000 points", () => {
    expect(() => wasserstein2(new Float32Array(6), new Float32Array(8), 2)).toThrow(/same size: got 3 and 4 points/);
    expect(() => wasserstein2(new Float32Array(2001), new Float32Array(2001), 1)).toThrow(/2001 points is more than the 2000/);
    expect(() => otPermutation(new Float32Array(4002), new Float32Array(4002), 2)).toThrow(/2001 points/);
    expect(() => wasserstein2(new Float32Array(5), new Float32Array(5), 2)).toThrow(/whole number of points/);
    expect(() => wasserstein2(new Float32Array(0), new Float32Array(0), 2)).toThrow(/empty/);
  });

  it("bounds the sliced Wasserstein distance from above", () => {
    // SW2 ≤ W2 for every direction set (projection is 1-Lipschitz), a cross-check of both.
    const c = fixtures.clouds[0]!;
    const a = decode(c.a);
    const b = decode(c.b);
    expect(slicedWasserstein(a, b, c.d, { projections: 64 })).toBeLessThanOrEqual(wasserstein2(a, b, c.d));
  });
});

describe("MMD² and energy distance properties", () => {
  const clouds = gridClouds(2, 2, 30, 2).map(([a, b]) => [a!, b!] as const);

  it("biased estimators vanish on identical clouds and are symmetric and non-negative", () => {
    fc.assert(
      fc.property(clouds, ([a, b]) => {
        // The kernel mean and the cross term are summed in different orders: ~1e-16 of the terms.
        const kernelScale = 4 * DEFAULT_MMD_BANDWIDTHS.length;
        expect(Math.abs(mmdSquared(a, a, 2))).toBeLessThanOrEqual(1e-13 * kernelScale);
        const mab = mmdSquared(a, b, 2);
        expect(mab).toBeGreaterThanOrEqual(-1e-13 * kernelScale);
        expect(Math.abs(mmdSquared(b, a, 2) - mab)).toBeLessThanOrEqual(1e-13 * kernelScale);
        const spread = 16 * Math.SQRT2; // the largest distance between points of [-4, 4]²
        expect(Math.abs(energyDistance(a, a, 2))).toBeLessThanOrEqual(1e-13 * spread);
        const eab = energyDistance(a, b, 2);
        expect(eab).toBeGreaterThanOrEqual(-1e-13 * spread);
        expect(Math.abs(energyDistance(b, a, 2) - eab)).toBeLessThanOrEqual(1e-13 * spread);
      }),
      { numRuns: 150, seed: SEED + 4 },
    );
  });

  it("match hand-computed values on two single points", () => {
    const x = 0.75;
    const a = Float32Array.of(0);
    const b = Float32Array.of(x);
    // k(0) = 1 per bandwidth: MMD²_b = 2 − 2 exp(−x²/(2σ²)) for one σ.
    expect(mmdSquared(a, b, 1, { bandwidths: [0.5] })).toBeCloseTo(2 - 2 * Math.exp(-(x * x) / 0.5), 15);
    expect(energyDistance(a, b, 1)).toBe(2 * x);
    // Two points each, unbiased: the self-terms use only the off-diagonal pair.
    const c = Float32Array.of(0, 1);
    const e = Float32Array.of(3, 5);
    const crossMean = (3 + 5 + 2 + 4) / 4;
    expect(energyDistance(c, e, 1, { estimator: "unbiased" })).toBeCloseTo(2 * crossMean - 1 - 2, 14);
    expect(energyDistance(c, e, 1)).toBeCloseTo(2 * crossMean - 0.5 - 1, 14);
  });

  it("rejects bad bandwidths and too few points", () => {
    expect(() => mmdSquared(Float32Array.of(0, 1), Float32Array.of(1, 2), 1, { bandwidths: [1, 0] })).toThrow(/positive finite/);
    expect(() => mmdSquared(Float32Array.of(0), Float32Array.of(1, 2), 1, { estimator: "unbiased" })).toThrow(/at least two points per cloud/);
    expect(() => energyDistance(new Float32Array(0), Float32Array.of(1), 1)).toThrow(/at least one point per cloud/);
  });
});

describe("path metrics properties", () => {
  it("straight constant-speed paths have zero straightness", () => {
    fc.assert(
      fc.property(gridClouds(2, 1, 20, 2), fc.integer({ min: 1, max: 8 }), ([x0, x1], K) => {
        if (x0 === undefined || x1 === undefined) throw new Error("two clouds expected");
        // Evenly spaced times and states on the segment: every velocity is the mean velocity up to
        // float32 rounding of the intermediate states (~6e-8 relative, squared in S).
        const states = Array.from({ length: K + 1 }, (_, k) => x0.map((v, e) => v + (k / K) * (x1[e]! - v)));
        const cost = transportCost(x0, x1, 2);
        expect(pathStraightness(states, 2)).toBeLessThanOrEqual(1e-10 * Math.max(cost, 1) * K * K);
      }),
      { numRuns: 100, seed: SEED + 5 },
    );
  });

  it("a there-and-back path has the straightness of its detour", () => {
    // 0 → 1 on [0, 0.5], 1 → 0 on [0.5, 1]: mean velocity 0, velocities ±2, S = 0.5·4 + 0.5·4 = 4.
    const states = [Float32Array.of(0), Float32Array.of(1), Float32Array.of(0)];
    expect(pathStraightness(states, 1)).toBe(4);
    expect(pathStraightness(states, 1, [0, 0.5, 1])).toBe(4);
    expect(trajectoryTransportCost(states, 1)).toBe(0);
    // On [0, 2] with the turn at t = 0.5: velocities 2 and −2/3, S = 0.5·4 + 1.5·4/9 = 8/3.
    expect(pathStraightness(states, 1, [0, 0.5, 2])).toBeCloseTo(8 / 3, 15);
  });

  it("the default times are evenly spaced in [0, 1]", () => {
    const p = fixtures.paths.find((q) => q.name.startsWith("even times"))!;
    const states = p.states.map(decode);
    expect(pathStraightness(states, p.d)).toBe(pathStraightness(states, p.d, p.times.map((_, k) => k / (p.times.length - 1))));
    expectRelative(pathStraightness(states, p.d), p.straightness, p.straightness);
  });

  it("rejects malformed trajectories", () => {
    const s = Float32Array.of(0, 1);
    expect(() => pathStraightness([s], 1)).toThrow(/at least two states/);
    expect(() => pathStraightness([s, s], 1, [0, 0])).toThrow(/strictly increasing/);
    expect(() => pathStraightness([s, s, s], 1, [0, 1])).toThrow(/3 states need 3 times/);
    expect(() => pathStraightness([s, Float32Array.of(0)], 1)).toThrow(/state 1 has 1 points/);
    expect(() => transportCost(s, Float32Array.of(1), 1)).toThrow(/as many end points/);
  });
});
