// Central shape fitting of derivatives. Rules are written as if nothing broadcast: a VJP rule
// returns a cotangent shaped like the (broadcast) output it came from, a JVP rule may return a
// tangent that only broadcasts to its output. The transforms bring each result to the exact type
// of its value here, once, instead of every rule un-broadcasting for itself:
//
//   cotangent: sum over the axes the input was broadcast along (leading axes it lacks, and axes
//              where it has size 1), keeping dims, then reshape away the leading axes; axes where
//              the cotangent has size 1 but the input does not are expanded (a rule may return the
//              keepdims form of a reduction's cotangent and let this expand it).
//   tangent:   only ever expanded; a tangent larger than its value is a bug in a rule.

import { dimEquals, dimToString, dimValue, type Dim } from "../ir/dims.js";
import type { ValueId } from "../ir/graph.js";
import { shapeToString, shapesEqual, typeToString, type TensorType } from "../ir/types.js";
import type { DerivativeContext } from "./context.js";

/** Brings a cotangent contribution to exactly the type of the value it is for. */
export function fitCotangent(ctx: DerivativeContext, ct: ValueId, target: TensorType): ValueId {
  requireF32(ctx, ct, target);
  const shape = ctx.shapeOf(ct);
  if (shapesEqual(shape, target.shape)) return ct;
  const lead = shape.length - target.shape.length;
  const summed: number[] = [];
  shape.forEach((d, axis) => {
    const t = axis < lead ? undefined : target.shape[axis - lead]!;
    if (t !== undefined && dimEquals(d, t)) return;
    if (dimValue(d) === 1) return; // nothing to sum; expanded or reshaped away below
    if (t === undefined || dimValue(t) === 1) summed.push(axis);
    else throw mismatch(ct, shape, target);
  });
  let v = ctx.reduceSum(ct, summed, true);
  if (lead > 0) v = ctx.reshape(v, ctx.shapeOf(v).slice(lead));
  return ctx.expand(v, target.shape);
}

/** Brings a tangent to exactly the type of its value (broadcasting it up if the rule left it smaller). */
export function fitTangent(ctx: DerivativeContext, t: ValueId, target: TensorType): ValueId {
  requireF32(ctx, t, target);
  const shape = ctx.shapeOf(t);
  if (shapesEqual(shape, target.shape)) return t;
  const lead = target.shape.length - shape.length;
  const broadcasts = lead >= 0 && shape.every((d, i) => dimEquals(d, target.shape[lead + i]!) || dimValue(d) === 1);
  if (!broadcasts) throw mismatch(t, shape, target);
  return ctx.expand(t, target.shape);
}

function requireF32(ctx: DerivativeContext, v: ValueId, target: TensorType): void {
  const t = ctx.typeOf(v);
  if (t.dtype !== "f32" || target.dtype !== "f32")
    throw new Error(`autodiff: derivative %${v}: ${typeToString(t)} for a value of type ${typeToString(target)}`);
}

function mismatch(v: ValueId, shape: readonly Dim[], target: TensorType): Error {
  return new Error(
    `autodiff: derivative %${v} of shape ${shapeToString(shape)} does not fit ${typeToString(target)} ` +
      `(axes: ${shape.map(dimToString).join(", ")}); a rule returned a wrongly shaped result`,
  );
}
