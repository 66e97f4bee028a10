// Sliced Wasserstein distance (Rabin et al. 2011; Bonneel et al. 2015): the p-Wasserstein
// distance between two equal-size point clouds, averaged over random 1-D projections, where
// optimal transport is sorting. SW_p = (mean over directions of W_p^p of the projections)^(1/p).

import { RandomStream } from "../../compiler/artifacts/rng.js";

export interface SlicedWassersteinOptions {
  readonly projections?: number;
  readonly p?: number;
  readonly seed?: number;
}

/** `a` and `b` are row-major [n, d] with the same n and d. */
export function slicedWasserstein(a: Float32Array, b: Float32Array, d: number, options: SlicedWassersteinOptions = {}): number {
  const n = a.length / d;
  if (b.length !== a.length || !Number.isInteger(n)) throw new Error("sliced Wasserstein needs two point clouds of the same size and dimension");
  const projections = options.projections ?? 256;
  const p = options.p ?? 2;
  const stream = RandomStream.derive(options.seed ?? 0, "sliced-wasserstein");
  const pa = new Float64Array(n);
  const pb = new Float64Array(n);
  const direction = new Float64Array(d);
  let total = 0;
  for (let k = 0; k < projections; k++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      direction[j] = stream.normal();
      norm += direction[j]! ** 2;
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) {
      let x = 0;
      let y = 0;
      for (let j = 0; j < d; j++) {
        x += a[i * d + j]! * direction[j]!;
        y += b[i * d + j]! * direction[j]!;
      }
      pa[i] = x / norm;
      pb[i] = y / norm;
    }
    pa.sort();
    pb.sort();
    let cost = 0;
    for (let i = 0; i < n; i++) cost += Math.abs(pa[i]! - pb[i]!) ** p;
    total += cost / n;
  }
  return (total / projections) ** (1 / p);
}
