// The built-in point sources by name, as the compiler names them in a data description (a
// DataSpec of kind "toy"): the toy distributions (toy.ts), the MNIST digits (mnist.ts) and the
// rows of a user's data file (file.ts). Each draws n points [n, features] from a seeded stream,
// and the class of each point into `labels` when asked (the draws are the same either way).

import type { RandomStream } from "../../compiler/artifacts/rng.js";
import type { Args } from "../../compiler/artifacts/pipeline.js";
import { drawFile } from "./file.js";
import { drawMnist } from "./mnist.js";
import { TOY_SOURCES } from "./toy.js";

export type PointSampler = (stream: RandomStream, n: number, args: Args, labels?: Int32Array, out?: Float32Array) => Float32Array;

export const POINT_SOURCES: Readonly<Record<string, PointSampler>> = {
  // The compiler gives the toy sources numbers only (compiler/elaborate/builtins.ts).
  ...Object.fromEntries(Object.entries(TOY_SOURCES).map(([name, toy]) => [name, (stream, n, args, labels, out) => toy(stream, n, args as Record<string, number>, labels, out)] as [string, PointSampler])),
  mnist: drawMnist,
  file: drawFile,
};
