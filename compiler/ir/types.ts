// Tensor types of the IR: a dtype and a shape of symbolic dimensions.

import { dimEquals, dimToString, dimValue, type Dim } from "./dims.js";

export type DType = "f32" | "i32" | "bool";

export interface TensorType {
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export function tensorType(dtype: DType, shape: readonly Dim[]): TensorType {
  return { dtype, shape };
}

export function typeToString(t: TensorType): string {
  return `${t.dtype}[${t.shape.map(dimToString).join(", ")}]`;
}

export function shapeToString(shape: readonly Dim[]): string {
  return `[${shape.map(dimToString).join(", ")}]`;
}

export function shapesEqual(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => dimEquals(d, b[i]!));
}

export function typesEqual(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && shapesEqual(a.shape, b.shape);
}

/** Concrete shape, or undefined if any dimension is symbolic. */
export function concreteShape(shape: readonly Dim[]): number[] | undefined {
  const out: number[] = [];
  for (const d of shape) {
    const v = dimValue(d);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}
