// Helpers shared by the primitive definitions: typed attribute access, dtype and arity checks, axis
// normalization, and numpy broadcasting of symbolic shapes. Errors are ShapeRuleErrors so the
// caller can attach the source span of the offending expression.

import { dimConst, dimEquals, dimSymbols, dimValue, type Dim } from "../dims.js";
import type { AttrValue, Attrs } from "../graph.js";
import { ShapeRuleError } from "../primitive.js";
import { shapeToString, typeToString, type DType, type TensorType } from "../types.js";

export const DTYPES: readonly DType[] = ["f32", "i32", "bool"];

// --- attributes ---------------------------------------------------------------------------------

function attr(attrs: Attrs, name: string, op: string): AttrValue {
  if (!(name in attrs)) throw internal(op, `missing attribute '${name}'`);
  return attrs[name]!;
}

/** A malformed attribute is a bug in whoever built the node, not a user error. */
function internal(op: string, message: string): ShapeRuleError {
  return new ShapeRuleError("E0900", `${op}: ${message}`);
}

export function isDim(v: unknown): v is Dim {
  return v instanceof Map;
}

export function attrInt(attrs: Attrs, name: string, op: string): number {
  const v = attr(attrs, name, op);
  if (typeof v !== "number" || !Number.isInteger(v)) throw internal(op, `attribute '${name}' must be an integer`);
  return v;
}

export function attrBool(attrs: Attrs, name: string, op: string): boolean {
  const v = attr(attrs, name, op);
  if (typeof v !== "boolean") throw internal(op, `attribute '${name}' must be a boolean`);
  return v;
}

export function attrInts(attrs: Attrs, name: string, op: string): number[] {
  const v = attr(attrs, name, op);
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x)))
    throw internal(op, `attribute '${name}' must be a list of integers`);
  return [...(v as number[])];
}

/** A size: a Dim, or a plain integer for convenience. */
export function attrDim(attrs: Attrs, name: string, op: string): Dim {
  const v = attr(attrs, name, op);
  if (isDim(v)) return v;
  if (typeof v === "number" && Number.isInteger(v)) return dimConst(v);
  throw internal(op, `attribute '${name}' must be a dimension`);
}

/** A list of sizes: Dims, or plain integers for convenience. */
export function attrDims(attrs: Attrs, name: string, op: string): Dim[] {
  const v = attr(attrs, name, op);
  if (!Array.isArray(v)) throw internal(op, `attribute '${name}' must be a list of dimensions`);
  return (v as unknown[]).map((d) => {
    if (isDim(d)) return d;
    if (typeof d === "number" && Number.isInteger(d)) return dimConst(d);
    throw internal(op, `attribute '${name}' must be a list of dimensions`);
  });
}

export function attrDType(attrs: Attrs, name: string, op: string): DType {
  const v = attr(attrs, name, op);
  if (typeof v !== "string" || !(DTYPES as readonly string[]).includes(v)) throw internal(op, `attribute '${name}' must be one of ${DTYPES.join(", ")}`);
  return v as DType;
}

/** Concrete values of dims; reference evaluation runs after the interpreter has substituted symbol sizes. */
export function concreteDims(dims: readonly Dim[], op: string): number[] {
  return dims.map((d) => {
    const v = dimValue(d);
    if (v === undefined) throw new Error(`${op}: dimension mentions unbound symbols ${dimSymbols(d).join(", ")}`);
    return v;
  });
}

// --- checks -------------------------------------------------------------------------------------

export function requireArity(op: string, inputs: readonly TensorType[], n: number): void {
  if (inputs.length !== n) throw new ShapeRuleError("E0500", `${op} takes ${n} tensor input${n === 1 ? "" : "s"}, got ${inputs.length}`);
}

export function requireDType(op: string, t: TensorType, allowed: readonly DType[], what = "operand"): void {
  if (!allowed.includes(t.dtype))
    throw new ShapeRuleError("E0304", `${op} expects ${what} of dtype ${allowed.join(" or ")}, got ${typeToString(t)}`);
}

export function requireSameDType(op: string, a: TensorType, b: TensorType): void {
  if (a.dtype !== b.dtype)
    throw new ShapeRuleError("E0304", `${op}: operand dtypes differ: ${typeToString(a)} and ${typeToString(b)}`, "insert an explicit cast so both operands have the same dtype");
}

/** Accepts an axis in [-rank, rank) and returns it in [0, rank). */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new ShapeRuleError("E0403", `${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

// --- broadcasting -------------------------------------------------------------------------------

/** One pair of aligned dims: equal dims, or one side a concrete 1. Symbolic dims never broadcast implicitly. */
function broadcastDim(a: Dim, b: Dim): Dim | undefined {
  if (dimEquals(a, b)) return a;
  if (dimValue(a) === 1) return b;
  if (dimValue(b) === 1) return a;
  return undefined;
}

export function broadcastShapes(op: string, a: TensorType, b: TensorType): Dim[] {
  const rank = Math.max(a.shape.length, b.shape.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a.shape[a.shape.length - rank + i] ?? dimConst(1);
    const y = b.shape[b.shape.length - rank + i] ?? dimConst(1);
    const d = broadcastDim(x, y);
    if (d === undefined)
      throw new ShapeRuleError(
        "E0400",
        `${op}: shapes ${shapeToString(a.shape)} and ${shapeToString(b.shape)} do not broadcast (operands ${typeToString(a)} and ${typeToString(b)})`,
        "broadcast dimensions must be equal or 1; reshape or expand one operand",
      );
    out.push(d);
  }
  return out;
}

/** Whether `from` broadcasts to exactly `to` (numpy broadcast_to). */
export function broadcastsTo(from: readonly Dim[], to: readonly Dim[]): boolean {
  if (from.length > to.length) return false;
  return from.every((d, i) => {
    const target = to[to.length - from.length + i]!;
    return dimEquals(d, target) || dimValue(d) === 1;
  });
}
