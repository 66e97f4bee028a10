// Example inputs for running a compiled graph: sizes for the symbolic dims, seeded random data for
// each `input`, and noise drawn from each noise input's declared distribution.

import { RandomStream, sample } from "../compiler/artifacts/rng.js";
import type { ManifestGraph, ManifestTensor } from "../compiler/artifacts/manifest.js";
import type { HostTensor } from "./onnx.js";

export interface ExampleInputOptions {
  readonly seed: number;
  /** Sizes of symbolic dims by name; unnamed ones default to `defaultSize`. */
  readonly sizes: Readonly<Record<string, number>>;
  readonly defaultSize?: number;
  /** Integer inputs are drawn uniformly from [0, intHigh). */
  readonly intHigh?: number;
}

/** Resolves a manifest shape to concrete sizes; compound sizes ("B + 1") are evaluated. */
export function concreteSizes(shape: readonly (number | string)[], sizes: Readonly<Record<string, number>>, defaultSize: number): number[] {
  return shape.map((d) => {
    if (typeof d === "number") return d;
    if (d in sizes) return sizes[d]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(d)) return defaultSize;
    // A compound size as the manifest writes it: "B + 1", "2*B", "B*T - 1".
    let total = 0;
    for (const [, sign, term] of d.matchAll(/(^|[+-])\s*([^+-]+)/g)) {
      const product = term!.trim().split("*").reduce((acc, factor) => {
        const f = factor.trim();
        const value = /^\d+$/.test(f) ? Number(f) : (sizes[f] ?? defaultSize);
        return acc * value;
      }, 1);
      total += sign === "-" ? -product : product;
    }
    return total;
  });
}

export function exampleInputs(graph: ManifestGraph, options: ExampleInputOptions): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  const defaultSize = options.defaultSize ?? 4;
  for (const input of graph.inputs) {
    if (input.storage === "initializer") continue;
    if (input.role === "param" || input.role === "state") throw new Error(`${input.name}: parameters fed as inputs need a checkpoint`);
    feeds[input.name] = exampleTensor(input, options, defaultSize);
  }
  return feeds;
}

function exampleTensor(input: ManifestTensor, options: ExampleInputOptions, defaultSize: number): HostTensor {
  const shape = concreteSizes(input.shape, options.sizes, defaultSize);
  const count = shape.reduce((a, b) => a * b, 1);
  const stream = RandomStream.derive(options.seed, `input:${input.name}`);
  if (input.noise) return { dtype: "f32", shape, data: sample(stream, input.noise.distribution, input.noise.args, count) };
  switch (input.dtype) {
    case "f32":
      return { dtype: "f32", shape, data: sample(stream, "normal", {}, count) };
    case "i32": {
      const high = options.intHigh ?? 8;
      return { dtype: "i32", shape, data: Int32Array.from({ length: count }, () => Math.floor(stream.uniform() * high)) };
    }
    case "bool":
      return { dtype: "bool", shape, data: Uint8Array.from({ length: count }, () => (stream.uniform() < 0.5 ? 1 : 0)) };
  }
}
