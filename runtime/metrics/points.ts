// Shared helpers for the metrics on point clouds: row-major Float32Array of shape [n, d],
// with all arithmetic done in float64 (float32 inputs are exact in float64).

/** The number of points of a row-major [n, d] cloud; throws if `d` does not divide the length. */
export function pointCount(cloud: Float32Array, d: number, what: string): number {
  if (!Number.isInteger(d) || d <= 0) throw new Error(`${what}: the dimension must be a positive integer, got ${d}`);
  const n = cloud.length / d;
  if (!Number.isInteger(n)) throw new Error(`${what}: a cloud of ${cloud.length} values is not a whole number of points of dimension ${d}`);
  return n;
}

/** ||a_i − b_j||², accumulated over the coordinates in order. */
export function squaredDistance(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = a[i * d + k]! - b[j * d + k]!;
    s += t * t;
  }
  return s;
}

/** The row-major [n, m] matrix of ||a_i − b_j||². */
export function squaredDistanceMatrix(a: Float32Array, b: Float32Array, d: number): Float64Array {
  const n = pointCount(a, d, "squared distance matrix");
  const m = pointCount(b, d, "squared distance matrix");
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = squaredDistance(a, i, b, j, d);
  return out;
}
