// Backward rules of concat and slice (shape.ts): each must place a cotangent piece at the right
// offset of an axis whose size may be symbolic, which takes more than one line.

import type { DerivativeContext } from "../../ad/context.js";
import { dimAdd, dimConst, dimSub, dimValue, type Dim } from "../dims.js";
import type { ValueId } from "../graph.js";
import { pythonSliceIndices, type SliceAttrs } from "./slice-rule.js";

function sumDims(dims: readonly Dim[]): Dim {
  return dims.reduce((acc, d) => dimAdd(acc, d), dimConst(0));
}

/**
 * The cotangent of concat operand `index`: its stretch of the output cotangent along `axis`. A
 * slice when its bounds can be written as integers from one end of the axis (every piece before
 * it, or every piece after it, has a known size); otherwise a gather of the run-time positions
 * offset + 0..n-1, with the offset summed from the `dim`s of the operands before it.
 */
export function concatCotangent(ctx: DerivativeContext, inputs: readonly ValueId[], index: number, ct: ValueId, axis: number): ValueId | null {
  const sizes = inputs.map((v) => ctx.shapeOf(v)[axis]!);
  const n = dimValue(sizes[index]!);
  if (n === 0) return null;
  const before = dimValue(sumDims(sizes.slice(0, index)));
  const after = dimValue(sumDims(sizes.slice(index + 1)));
  const toEnd = (a: number) => (a === 0 ? null : -a);
  let bounds: { start: number; stop: number | null } | undefined;
  if (before !== undefined && after !== undefined) bounds = { start: before, stop: toEnd(after) };
  else if (before !== undefined && n !== undefined) bounds = { start: before, stop: before + n };
  else if (after !== undefined && n !== undefined) bounds = { start: -(n + after), stop: toEnd(after) };
  if (bounds) return ctx.emit1("slice", [ct], { axis, ...bounds, step: 1 });

  let offset = ctx.constant([0], "i32", []);
  for (const v of inputs.slice(0, index)) {
    const size = dimValue(ctx.shapeOf(v)[axis]!);
    offset = ctx.add(offset, size === undefined ? ctx.emit1("dim", [v], { axis }) : ctx.constant([size], "i32", []));
  }
  const positions = ctx.add(ctx.emit1("arange", [], { n: sizes[index]!, dtype: "i32" }), offset);
  return ctx.emit1("gather", [ct, positions], { axis });
}

/** Where a step-1 slice sits in its axis of size d: the number of elements before and after it. */
function stepOneMargins(d: Dim, s: SliceAttrs): { before: Dim; after: Dim } {
  const n = dimValue(d);
  if (n !== undefined) {
    const r = pythonSliceIndices(n, s);
    return { before: dimConst(r.start), after: dimConst(n - r.start - r.length) };
  }
  // A symbolic size: the shape rule admits only bounds that resolve to these polynomials.
  const start = s.start >= 0 ? dimConst(s.start) : dimAdd(d, dimConst(s.start));
  const stop = s.stop === null ? d : s.stop >= 0 ? dimConst(s.stop) : dimAdd(d, dimConst(s.stop));
  return { before: start, after: dimSub(d, stop) };
}

/**
 * The cotangent of a sliced tensor x: ct where the slice read, zero elsewhere. Step 1 pads ct with
 * zero blocks (works for symbolic sizes); other steps (concrete sizes only) scatter ct into zeros
 * at the positions start, start + step, ….
 */
export function sliceCotangent(ctx: DerivativeContext, x: ValueId, ct: ValueId, axis: number, s: SliceAttrs): ValueId | null {
  const shape = ctx.shapeOf(x);
  if (dimValue(ctx.shapeOf(ct)[axis]!) === 0) return null;
  if (s.step === 1) {
    const { before, after } = stepOneMargins(shape[axis]!, s);
    const block = (size: Dim) => ctx.zeros(shape.map((d, i) => (i === axis ? size : d)));
    const pieces = [...(dimValue(before) === 0 ? [] : [block(before)]), ct, ...(dimValue(after) === 0 ? [] : [block(after)])];
    return pieces.length === 1 ? ct : ctx.emit1("concat", pieces, { axis });
  }
  const { start, length } = pythonSliceIndices(dimValue(shape[axis]!)!, s);
  const positions = ctx.constant(Array.from({ length }, (_, k) => start + k * s.step), "i32", [length]);
  const alongAxis = shape.map((_, i) => dimConst(i === axis ? length : 1));
  const indices = ctx.expand(ctx.reshape(positions, alongAxis), ctx.shapeOf(ct));
  return ctx.emit1("scatter_add", [ctx.zeros(shape), indices, ct], { axis });
}
