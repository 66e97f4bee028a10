// Training batches from data descriptions: couplings, generated pairs and continual-learning task
// streams with replay.

import { describe, expect, it } from "vitest";
import { RandomStream } from "../../compiler/artifacts/rng.js";
import type { DataSpec } from "../../compiler/artifacts/pipeline.js";
import { batchSource, type GeneratedPairs } from "../../runtime/data/batches.js";

const moons: DataSpec = { kind: "toy", source: "toy.moons", args: { noise: 0.05 }, features: 2 };
const noPairs = (): GeneratedPairs => {
  throw new Error("no pairs here");
};

function cost(x0: Float32Array, x1: Float32Array): number {
  let total = 0;
  for (let i = 0; i < x0.length; i++) total += (x0[i]! - x1[i]!) ** 2;
  return total;
}

function rows(x: Float32Array, d: number): string[] {
  return Array.from({ length: x.length / d }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)).join(",")).sort();
}

describe("batch sources", () => {
  it("a source yields one tensor; a coupling yields (noise, data) from the same stream, reproducibly", async () => {
    const source = batchSource(moons, noPairs);
    expect(source.tensors).toEqual([{ dtype: "f32", features: 2 }]);
    const independent = batchSource({ kind: "coupling", coupling: "independent", data: moons }, noPairs);
    expect(independent.tensors).toEqual([
      { dtype: "f32", features: 2 },
      { dtype: "f32", features: 2 },
    ]);
    const a = await independent.next(RandomStream.derive(3, "data"), 64);
    const b = await independent.next(RandomStream.derive(3, "data"), 64);
    expect(a.map((t) => Array.from(t))).toEqual(b.map((t) => Array.from(t)));
    expect(a[0]!.length).toBe(128);
  });

  it("minibatch OT pairs the same noise with a permutation of the same data, at a total cost no larger than independent pairing", async () => {
    for (const seed of [1, 2, 3]) {
      const [x0, x1] = await batchSource({ kind: "coupling", coupling: "independent", data: moons }, noPairs).next(RandomStream.derive(seed, "data"), 128) as Float32Array[];
      const [y0, y1] = await batchSource({ kind: "coupling", coupling: "ot", data: moons }, noPairs).next(RandomStream.derive(seed, "data"), 128) as Float32Array[];
      expect(Array.from(y0!)).toEqual(Array.from(x0!));
      expect(rows(y1!, 2)).toEqual(rows(x1!, 2));
      // Independent pairs of N(0, I) with moons cost ~ E||x0||² + E||x1||² per pair; OT far less.
      expect(cost(y0!, y1!)).toBeLessThan(0.6 * cost(x0!, x1!));
    }
  });

  it("labeled data yields each point's class; minibatch OT moves the classes with their points", async () => {
    const g8: DataSpec = { kind: "toy", source: "toy.gaussians8", args: { radius: 2, std: 0.02 }, features: 2, classes: 8 };
    const labeled: DataSpec = { kind: "labeled", data: g8 };
    const [x, y] = await batchSource(labeled, noPairs).next(RandomStream.derive(5, "data"), 64) as [Float32Array, Int32Array];
    expect(batchSource(labeled, noPairs).tensors).toEqual([{ dtype: "f32", features: 2 }, { dtype: "i32" }]);
    // A point of component k lies near 2 (cos kπ/4, sin kπ/4).
    for (let i = 0; i < 64; i++) expect(Math.hypot(x[2 * i]! - 2 * Math.cos((y[i]! * Math.PI) / 4), x[2 * i + 1]! - 2 * Math.sin((y[i]! * Math.PI) / 4))).toBeLessThan(0.2);
    const [, x1, y1] = await batchSource({ kind: "coupling", coupling: "ot", data: labeled }, noPairs).next(RandomStream.derive(5, "data"), 64) as [Float32Array, Float32Array, Int32Array];
    for (let i = 0; i < 64; i++) expect(Math.hypot(x1[2 * i]! - 2 * Math.cos((y1[i]! * Math.PI) / 4), x1[2 * i + 1]! - 2 * Math.sin((y1[i]! * Math.PI) / 4))).toBeLessThan(0.2);
  });

  it("generated pairs are drawn whole: every batch row is one generated (z0, z1)", async () => {
    const n = 50;
    const z0 = Float32Array.from({ length: 2 * n }, (_, i) => i);
    const z1 = Float32Array.from({ length: 2 * n }, (_, i) => 1000 + i);
    const spec: DataSpec = { kind: "pairs", sampler: { training: "rf1", graph: "rf1.euler", label: "rf1.euler" }, n, seed: 0, features: 2 };
    const source = batchSource(spec, () => ({ z0, z1, n, features: 2 }));
    const [b0, b1] = await source.next(RandomStream.derive(0, "data"), 32) as Float32Array[];
    for (let i = 0; i < 32; i++) {
      const k = b0![2 * i]! / 2;
      expect(Number.isInteger(k)).toBe(true);
      expect([b0![2 * i + 1], b1![2 * i], b1![2 * i + 1]]).toEqual([2 * k + 1, 1000 + 2 * k, 1000 + 2 * k + 1]);
    }
  });

  describe("task streams", () => {
    const g8: Extract<DataSpec, { kind: "toy" }> = { kind: "toy", source: "toy.gaussians8", args: { radius: 2, std: 0.1 }, features: 2, classes: 8 };
    const stream = { kind: "tasks", data: g8, count: 4 } as const;

    it("draw only the current task's classes, task after task over the run's steps", async () => {
      const source = batchSource(stream, noPairs, undefined, 100);
      expect(source.tensors).toEqual([{ dtype: "f32", features: 2 }, { dtype: "i32" }]);
      expect(source.stateful).toBe(false);
      const rs = RandomStream.derive(1, "data");
      const tasksSeen: number[] = [];
      for (let step = 1; step <= 100; step++) {
        const [x, y] = (await source.next(rs, 16, step)) as [Float32Array, Int32Array];
        const task = Math.floor(y[0]! / 2);
        tasksSeen.push(task);
        for (let i = 0; i < 16; i++) {
          expect(Math.floor(y[i]! / 2)).toBe(task);
          expect(Math.hypot(x[2 * i]! - 2 * Math.cos((y[i]! * Math.PI) / 4), x[2 * i + 1]! - 2 * Math.sin((y[i]! * Math.PI) / 4))).toBeLessThan(1);
        }
      }
      // Steps 1-25 task 0, 26-50 task 1, ...
      expect(tasksSeen).toEqual(Array.from({ length: 100 }, (_, s) => Math.floor(s / 25)));
      await expect(source.next(rs, 16)).rejects.toThrow(/drawn by a training/);
    });

    it("task(stream, k) yields that task's classes, both of them", async () => {
      const [, y] = (await batchSource({ kind: "task", stream, index: 2 }, noPairs).next(RandomStream.derive(2, "data"), 400)) as [Float32Array, Int32Array];
      const counts = [4, 5].map((c) => y.filter((v) => v === c).length);
      expect(counts[0]! + counts[1]!).toBe(400);
      for (const c of counts) expect(c).toBeGreaterThan(150);
    });

    it("replay yields the batch and as many points of earlier batches, from a reservoir of the buffer's size", async () => {
      const buffer = 20;
      const source = batchSource({ kind: "replay", stream, buffer }, noPairs, undefined, 40);
      expect(source.tensors).toEqual([{ dtype: "f32", features: 2 }, { dtype: "i32" }, { dtype: "f32", features: 2 }, { dtype: "i32" }]);
      expect(source.stateful).toBe(true);
      const rs = RandomStream.derive(3, "data");
      const seen = new Set<string>();
      const key = (x: Float32Array, i: number) => `${x[2 * i]},${x[2 * i + 1]}`;
      let oldTasks = 0;
      for (let step = 1; step <= 40; step++) {
        const [x, y, xr, yr] = (await source.next(rs, 8, step)) as [Float32Array, Int32Array, Float32Array, Int32Array];
        const current = new Set(Array.from({ length: 8 }, (_, i) => key(x, i)));
        const replayed = Array.from({ length: 8 }, (_, i) => key(xr, i));
        if (step === 1) {
          // The empty buffer receives the first batch before drawing: its points, without repeats.
          expect(new Set(replayed)).toEqual(current);
        } else {
          for (const r of replayed) expect(seen.has(r)).toBe(true);
          // Drawn without replacement once the buffer holds a batch.
          expect(new Set(replayed).size).toBe(8);
        }
        for (let i = 0; i < 8; i++) if (Math.floor(yr[i]! / 2) < Math.floor(y[0]! / 2)) oldTasks++;
        current.forEach((c) => seen.add(c));
      }
      // After the first task the buffer keeps points of the earlier tasks.
      expect(oldTasks).toBeGreaterThan(100);
      // Reproducible from the stream: two sources drawing from equal streams give equal batches.
      const run = async () => {
        const source = batchSource({ kind: "replay", stream, buffer }, noPairs, undefined, 40);
        const rs = RandomStream.derive(4, "data");
        const batches: number[][][] = [];
        for (let k = 0; k < 12; k++) batches.push((await source.next(rs, 8, k + 1)).map((t) => Array.from(t)));
        return batches;
      };
      expect(await run()).toEqual(await run());
    });
  });
});
