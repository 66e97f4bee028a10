// Python slice semantics for one axis, shared by the shape rule, the reference evaluation and the
// ONNX lowering of `slice`.

import { dimAdd, dimConst, dimSub, dimToString, dimValue, type Dim } from "../dims.js";
import { ShapeRuleError } from "../primitive.js";

export interface SliceAttrs {
  readonly start: number;
  /** null: to the end (in the direction of `step`). */
  readonly stop: number | null;
  readonly step: number;
}

/** Python's slice(start, stop, step).indices(n) plus the resulting length. */
export function pythonSliceIndices(n: number, { start, stop, step }: SliceAttrs): { start: number; stop: number; length: number } {
  if (step === 0) throw new Error("slice step cannot be zero");
  const clamp = (i: number, lo: number, hi: number) => Math.min(Math.max(i, lo), hi);
  const lo = step > 0 ? 0 : -1;
  const hi = step > 0 ? n : n - 1;
  const resolve = (i: number) => clamp(i < 0 ? i + n : i, lo, hi);
  const s = resolve(start);
  const e = stop === null ? (step > 0 ? n : -1) : resolve(stop);
  const length = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
  return { start: s, stop: e, length };
}

/** The length of the sliced axis, as a (possibly symbolic) dim. */
export function slicedDim(d: Dim, attrs: SliceAttrs): Dim {
  const { start, stop, step } = attrs;
  if (step === 0) throw new ShapeRuleError("E0404", "slice step cannot be zero");
  const n = dimValue(d);
  if (n !== undefined) return dimConst(pythonSliceIndices(n, attrs).length);
  // A symbolic size: only step-1 slices whose length is a polynomial in the size are allowed. The
  // rules assume the size is at least as large as the bounds (as Python would need it to be).
  if (step === 1) {
    if (start >= 0 && stop === null) return dimSub(d, dimConst(start));
    if (start >= 0 && stop !== null && stop < 0) return dimAdd(d, dimConst(stop - start));
    if (start < 0 && stop === null) return dimConst(-start);
    if (stop !== null && (start >= 0) === (stop >= 0)) return dimConst(Math.max(0, stop - start));
  }
  throw new ShapeRuleError(
    "E0404",
    `cannot compute the length of slice [${start}:${stop ?? ""}:${step}] of an axis of symbolic size ${dimToString(d)}`,
    "slice with non-negative constant bounds or make the dimension concrete",
  );
}
