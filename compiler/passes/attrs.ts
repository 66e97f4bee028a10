// Structural keys of node attributes and constant values, for common-subexpression elimination.
// Two attribute sets get the same key exactly when they are structurally equal: numbers by value
// (with -0 distinct from 0), symbolic Dims by their canonical polynomial, Float64Arrays element by
// element (by bit pattern, so -0 and NaN compare as themselves).

import type { AttrValue, Attrs, Node } from "../ir/graph.js";
import { isDim } from "../ir/primitives/common.js";
import type { Dim } from "../ir/dims.js";
import type { DType } from "../ir/types.js";

function numberKey(n: number): string {
  return Object.is(n, -0) ? "-0" : String(n);
}

function dimKey(d: Dim): string {
  // dims.ts keeps Dims normalized (sorted monomials, no zero coefficients); sort anyway so a Dim
  // built by hand in another order still gets the same key.
  return `d(${[...d].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([m, c]) => `${m}:${c}`).join("+")})`;
}

function float64Key(values: Float64Array): string {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  let s = `f64[${values.length}]`;
  for (const b of bits) s += b.toString(36) + ",";
  return s;
}

export function attrValueKey(v: AttrValue): string {
  if (v === null) return "null";
  if (typeof v === "number") return `n${numberKey(v)}`;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return `s${JSON.stringify(v)}`;
  if (v instanceof Float64Array) return float64Key(v);
  if (isDim(v)) return dimKey(v);
  return `[${(v as readonly unknown[]).map((x) => (isDim(x) ? dimKey(x) : typeof x === "number" ? `n${numberKey(x)}` : String(x))).join(",")}]`;
}

export function attrsKey(attrs: Attrs): string {
  return Object.keys(attrs)
    .sort()
    .map((k) => `${k}=${attrValueKey(attrs[k]!)}`)
    .join(";");
}

/** The value a tensor of `dtype` holds for `v`: f32 rounds to float32 (as ONNX stores it), i32 truncates and wraps, bool is 0/1. */
export function storedValue(dtype: DType, v: number): number {
  switch (dtype) {
    case "f32":
      return Math.fround(v);
    case "i32":
      return Math.trunc(v) | 0;
    case "bool":
      return v !== 0 ? 1 : 0;
  }
}

/** Reads the attributes of a `constant` node; undefined if they are not well-formed. */
export function constantOf(node: Node): { values: Float64Array; shape: number[]; dtype: DType } | undefined {
  if (node.op !== "constant") return undefined;
  const { value, shape, dtype } = node.attrs;
  if (!(value instanceof Float64Array) || !Array.isArray(shape) || (dtype !== "f32" && dtype !== "i32" && dtype !== "bool")) return undefined;
  return { values: value.map((v) => storedValue(dtype, v)), shape: [...(shape as number[])], dtype };
}

/**
 * The key of a constant: dtype, shape and the values it holds at run time. Two f32 constants
 * written as 0.1 and Math.fround(0.1) hold the same float32 and are the same constant.
 */
export function constantKey(node: Node): string | undefined {
  const c = constantOf(node);
  if (!c) return undefined;
  return `constant:${c.dtype}:[${c.shape.join(",")}]:${float64Key(c.values)}`;
}
