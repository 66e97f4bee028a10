// The Fréchet distance (FID's formula) of runtime/metrics/frechet.ts against float64 NumPy/SciPy
// (bench/reference/frechet.py writes test/metrics/frechet-fixtures.json: float32 clouds as bytes
// and scipy.linalg.sqrtm's value), and its properties.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../compiler/artifacts/rng.js";
import { frechetDistance, symmetricEigen } from "../../runtime/metrics/index.js";

interface Case {
  readonly name: string;
  readonly n: number;
  readonly m: number;
  readonly d: number;
  readonly a: string;
  readonly b: string;
  readonly frechet: number;
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "frechet-fixtures.json"), "utf8")) as { cases: Case[] };
const cloud = (b64: string) => {
  const bytes = Buffer.from(b64, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

function gaussian(seed: number, n: number, d: number, scale = 1, shift = 0): Float32Array {
  const s = RandomStream.derive(seed, "frechet-test");
  return Float32Array.from({ length: n * d }, () => shift + scale * s.normal());
}

describe("Fréchet distance", () => {
  for (const c of fixtures.cases)
    it(`${c.name} agrees with scipy.linalg.sqrtm`, () => {
      // sqrtm and the Jacobi eigensolver differ by rounding: ~1e-12 of the traces involved.
      expect(Math.abs(frechetDistance(cloud(c.a), cloud(c.b), c.d) - c.frechet)).toBeLessThan(1e-8 * Math.max(1, c.frechet));
    });

  it("is zero for a cloud against itself, symmetric, and the squared mean shift for translated clouds", () => {
    const a = gaussian(1, 300, 5);
    expect(Math.abs(frechetDistance(a, a, 5))).toBeLessThan(1e-9);
    const b = gaussian(2, 250, 5, 1.5);
    expect(frechetDistance(a, b, 5)).toBeCloseTo(frechetDistance(b, a, 5), 9);
    // Translating by δ keeps the covariance: d² = ‖δ‖².
    const shifted = a.map((v, i) => v + (i % 5 === 0 ? 2 : i % 5 === 1 ? -1 : 0));
    expect(frechetDistance(a, shifted, 5)).toBeCloseTo(5, 4);
  });

  it("for one-dimensional clouds is (μa − μb)² + (σa − σb)²", () => {
    const a = gaussian(3, 400, 1, 2, 1);
    const b = gaussian(4, 500, 1, 0.5, -1);
    const stats = (x: Float32Array) => {
      const mu = x.reduce((s, v) => s + v, 0) / x.length;
      return [mu, Math.sqrt(x.reduce((s, v) => s + (v - mu) ** 2, 0) / (x.length - 1))] as const;
    };
    const [ma, sa] = stats(a);
    const [mb, sb] = stats(b);
    expect(frechetDistance(a, b, 1)).toBeCloseTo((ma - mb) ** 2 + (sa - sb) ** 2, 9);
  });

  it("the Jacobi eigensolver reconstructs a symmetric matrix", () => {
    const d = 6;
    const s = RandomStream.derive(9, "eigen");
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) m[i * d + j] = m[j * d + i] = s.normal();
    const { values, vectors } = symmetricEigen(m, d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let r = 0;
        for (let k = 0; k < d; k++) r += vectors[i * d + k]! * values[k]! * vectors[j * d + k]!;
        expect(r).toBeCloseTo(m[i * d + j]!, 12);
      }
  });

  it("rejects clouds too small for a covariance", () => {
    expect(() => frechetDistance(new Float32Array(3), new Float32Array(6), 3)).toThrow(/two points/);
  });
});
