// Concrete n-dimensional arrays for the float64 reference interpreter. Every dtype is stored as
// float64 numbers in row-major order: i32 values are integers, bool values are 0 or 1. Keeping one
// storage type lets each primitive's reference evaluation be written once for all dtypes.

import type { DType } from "./types.js";

export interface NDArray {
  dtype: DType;
  shape: number[];
  data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides (in elements). */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** A new array; zero-filled unless `data` is given (which must have the right length). */
export function makeArray(dtype: DType, shape: readonly number[], data?: ArrayLike<number>): NDArray {
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  if (data !== undefined) {
    if (data.length !== n) throw new Error(`NDArray: ${data.length} values for shape [${shape.join(", ")}]`);
    for (let i = 0; i < n; i++) out[i] = data[i]!;
  }
  return { dtype, shape: [...shape], data: out };
}

export function scalarArray(dtype: DType, value: number): NDArray {
  return makeArray(dtype, [], [value]);
}

/** Converts a number to the value a tensor of `dtype` would hold (C cast semantics: truncation, nonzero is true). */
export function toDType(dtype: DType, v: number): number {
  switch (dtype) {
    case "f32":
      return v;
    case "i32":
      return Math.trunc(v) | 0;
    case "bool":
      return v !== 0 ? 1 : 0;
  }
}

/** Wraps typed-array data (e.g. from ONNX Runtime or an initializer) as an NDArray. */
export function fromTyped(dtype: DType, shape: readonly number[], data: ArrayLike<number>): NDArray {
  return makeArray(dtype, shape, data);
}

export function fromFloat32(shape: readonly number[], data: Float32Array): NDArray {
  return makeArray("f32", shape, data);
}

/** The typed array ONNX Runtime expects for this dtype: float32, int32, or uint8 for bool. */
export function toTyped(a: NDArray): Float32Array | Int32Array | Uint8Array {
  switch (a.dtype) {
    case "f32":
      return Float32Array.from(a.data);
    case "i32":
      return Int32Array.from(a.data);
    case "bool":
      return Uint8Array.from(a.data, (v) => (v !== 0 ? 1 : 0));
  }
}

/** Numpy broadcasting of concrete shapes; undefined if they do not broadcast. */
export function broadcastConcrete(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y || y === 1) out[i] = x;
    else if (x === 1) out[i] = y;
    else return undefined;
  }
  return out;
}

/**
 * For every flat index of an array of shape `outShape`, the flat index of the element of an array
 * of shape `inShape` that numpy broadcasting reads there. `inShape` must broadcast to `outShape`.
 */
export function broadcastIndexMap(outShape: readonly number[], inShape: readonly number[]): Int32Array {
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  // Stride 0 on broadcast axes (size 1 in the input, or missing leading axes).
  const strides = outShape.map((d, i) => {
    const j = i - (rank - inShape.length);
    return j < 0 || inShape[j] === 1 ? 0 : inStrides[j]!;
  });
  const n = sizeOf(outShape);
  const map = new Int32Array(n);
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let flat = 0; flat < n; flat++) {
    map[flat] = offset;
    // Odometer increment of the multi-index, keeping the input offset in step.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      offset += strides[axis]!;
      if (index[axis]! < outShape[axis]!) break;
      offset -= strides[axis]! * index[axis]!;
      index[axis] = 0;
    }
  }
  return map;
}

/** Reads `a` broadcast to `outShape` as a flat Float64Array. */
export function broadcastTo(a: NDArray, outShape: readonly number[]): NDArray {
  const map = broadcastIndexMap(outShape, a.shape);
  const data = new Float64Array(map.length);
  for (let i = 0; i < map.length; i++) data[i] = a.data[map[i]!]!;
  return { dtype: a.dtype, shape: [...outShape], data };
}

/** Permutes axes: output axis i is input axis perm[i]. */
export function transposeArray(a: NDArray, perm: readonly number[]): NDArray {
  const outShape = perm.map((p) => a.shape[p]!);
  const inStrides = stridesOf(a.shape);
  const permStrides = perm.map((p) => inStrides[p]!);
  const out = makeArray(a.dtype, outShape);
  const index = new Array<number>(outShape.length).fill(0);
  let offset = 0;
  for (let flat = 0; flat < out.data.length; flat++) {
    out.data[flat] = a.data[offset]!;
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      index[axis]!++;
      offset += permStrides[axis]!;
      if (index[axis]! < outShape[axis]!) break;
      offset -= permStrides[axis]! * index[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

/**
 * Views a shape as [outer, n, inner] around one axis, so that element (o, k, i) is at flat index
 * o*n*inner + k*inner + i. Most single-axis reference ops are loops over this decomposition.
 */
export function splitAtAxis(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

/** Applies `f` to every element. */
export function mapElements(a: NDArray, dtype: DType, f: (x: number) => number): NDArray {
  const out = makeArray(dtype, a.shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = f(a.data[i]!);
  return out;
}

/** Applies `f` elementwise after numpy-broadcasting the operands to a common shape. */
export function zipElements(arrays: readonly NDArray[], dtype: DType, f: (...xs: number[]) => number): NDArray {
  let shape: number[] = [];
  for (const a of arrays) {
    const s = broadcastConcrete(shape, a.shape);
    if (!s) throw new Error(`NDArray: shapes [${shape.join(", ")}] and [${a.shape.join(", ")}] do not broadcast`);
    shape = s;
  }
  const maps = arrays.map((a) => broadcastIndexMap(shape, a.shape));
  const out = makeArray(dtype, shape);
  const args = new Array<number>(arrays.length);
  for (let i = 0; i < out.data.length; i++) {
    for (let k = 0; k < arrays.length; k++) args[k] = arrays[k]!.data[maps[k]![i]!]!;
    out.data[i] = f(...args);
  }
  return out;
}
