// Shape-manipulating primitives: reshape, transpose, expand (broadcast_to), concat, slice.
// Target shapes are symbolic dims; at run time the lowering computes them from graph input shapes
// (LowerContext.shapeTensor).

import { sameOpOnTangent } from "../../ad/rule-helpers.js";
import { dimAdd, dimConst, dimEquals, dimMul, dimSub, dimValue, type Dim } from "../dims.js";
import type { Attrs } from "../graph.js";
import { broadcastTo, makeArray, sizeOf, splitAtAxis, transposeArray } from "../ndarray.js";
import { ShapeRuleError, type PrimitiveDef } from "../primitive.js";
import { shapeToString, tensorType, typeToString } from "../types.js";
import { SLICE_TO_END } from "../../onnx/context.js";
import { attrDims, attrInt, attrInts, broadcastsTo, concreteDims, normalizeAxis, requireArity } from "./common.js";
import { pythonSliceIndices, slicedDim, type SliceAttrs } from "./slice-rule.js";
import { concatCotangent, sliceCotangent } from "./shape-derivatives.js";

// --- reshape ----------------------------------------------------------------------------------

function elementCount(shape: readonly Dim[]): Dim {
  return shape.reduce((acc, d) => dimMul(acc, d), dimConst(1));
}

/**
 * Whether two element counts differ for every choice of positive symbol sizes: true when all
 * coefficients of their difference have the same sign. Otherwise the check is left to run time.
 */
function countsProvablyDiffer(a: Dim, b: Dim): boolean {
  const coefficients = [...dimSub(a, b).values()];
  return coefficients.length > 0 && (coefficients.every((c) => c > 0) || coefficients.every((c) => c < 0));
}

const reshape: PrimitiveDef = {
  name: "reshape",
  doc: "same elements in a new shape {shape: Dim[]}",
  arity: 1,
  infer(inputs, attrs) {
    requireArity("reshape", inputs, 1);
    const x = inputs[0]!;
    const target = attrDims(attrs, "shape", "reshape");
    const negative = target.find((d) => (dimValue(d) ?? 0) < 0);
    if (negative) throw new ShapeRuleError("E0408", `reshape target ${shapeToString(target)} has a negative dimension`);
    if (countsProvablyDiffer(elementCount(x.shape), elementCount(target)))
      throw new ShapeRuleError(
        "E0405",
        `reshape changes the number of elements: ${typeToString(x)} cannot become ${shapeToString(target)}`,
        "the product of the target dimensions must equal the product of the input dimensions",
      );
    return [tensorType(x.dtype, target)];
  },
  evaluate([x], attrs) {
    const target = concreteDims(attrDims(attrs, "shape", "reshape"), "reshape");
    if (sizeOf(target) !== x!.data.length) throw new Error(`reshape: ${x!.data.length} elements cannot take shape [${target.join(", ")}]`);
    return [makeArray(x!.dtype, target, x!.data)];
  },
  onnx: {
    minOpset: 14,
    webgpu: true,
    lower(ctx, [x], node) {
      const shape = ctx.shapeTensor(attrDims(node.attrs, "shape", "reshape"));
      // allowzero=1: our shape tensors hold literal sizes, so a 0 means an empty axis, not "copy".
      return [ctx.node1("Reshape", [x!, shape], { allowzero: 1 })];
    },
  },
  jvp: sameOpOnTangent("reshape"),
  vjp: (ctx, [x], _outputs, [ct]) => [ctx.reshape(ct!, ctx.shapeOf(x!))],
};

// --- transpose --------------------------------------------------------------------------------

function permutation(attrs: Attrs, rank: number): number[] {
  const perm = attrInts(attrs, "perm", "transpose");
  const isPermutation = perm.length === rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
  if (!isPermutation) throw new ShapeRuleError("E0403", `transpose: [${perm.join(", ")}] is not a permutation of the ${rank} axes`);
  return perm;
}

/** The permutation that undoes `perm`. */
function inversePermutation(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return inverse;
}

const transpose: PrimitiveDef = {
  name: "transpose",
  doc: "permutes axes: output axis i is input axis perm[i] {perm}",
  arity: 1,
  infer(inputs, attrs) {
    requireArity("transpose", inputs, 1);
    const x = inputs[0]!;
    return [tensorType(x.dtype, permutation(attrs, x.shape.length).map((p) => x.shape[p]!))];
  },
  evaluate([x], attrs) {
    return [transposeArray(x!, permutation(attrs, x!.shape.length))];
  },
  onnx: {
    minOpset: 1,
    webgpu: true,
    lower: (ctx, [x], node, [xt]) => [ctx.node1("Transpose", [x!], { perm: permutation(node.attrs, xt!.shape.length) })],
  },
  jvp: sameOpOnTangent("transpose"),
  vjp: (ctx, [x], _outputs, [ct], attrs) => [ctx.transpose(ct!, inversePermutation(permutation(attrs, ctx.rankOf(x!))))],
};

// --- expand -----------------------------------------------------------------------------------

const expand: PrimitiveDef = {
  name: "expand",
  doc: "broadcasts to `shape` (numpy broadcast_to) {shape: Dim[]}",
  arity: 1,
  infer(inputs, attrs) {
    requireArity("expand", inputs, 1);
    const x = inputs[0]!;
    const target = attrDims(attrs, "shape", "expand");
    if (!broadcastsTo(x.shape, target))
      throw new ShapeRuleError(
        "E0400",
        `expand: ${typeToString(x)} does not broadcast to ${shapeToString(target)}`,
        "each dimension must equal the target dimension or be 1",
      );
    return [tensorType(x.dtype, target)];
  },
  evaluate([x], attrs) {
    return [broadcastTo(x!, concreteDims(attrDims(attrs, "shape", "expand"), "expand"))];
  },
  onnx: {
    minOpset: 8,
    webgpu: true,
    lower: (ctx, [x], node) => [ctx.node1("Expand", [x!, ctx.shapeTensor(attrDims(node.attrs, "shape", "expand"))])],
  },
  jvp: sameOpOnTangent("expand"),
  // The output's cotangent as is: the transform sums it over the broadcast axes.
  vjp: (_ctx, _inputs, _outputs, [ct]) => [ct!],
};

// --- concat -----------------------------------------------------------------------------------

const concat: PrimitiveDef = {
  name: "concat",
  doc: "joins tensors along `axis`; other dimensions must agree {axis}",
  arity: "variadic",
  infer(inputs, attrs) {
    if (inputs.length === 0) throw new ShapeRuleError("E0500", "concat needs at least one tensor");
    const first = inputs[0]!;
    const axis = normalizeAxis("concat", attrInt(attrs, "axis", "concat"), first.shape.length);
    let along = dimConst(0);
    for (const t of inputs) {
      if (t.dtype !== first.dtype)
        throw new ShapeRuleError("E0304", `concat: operand dtypes differ: ${typeToString(first)} and ${typeToString(t)}`);
      if (t.shape.length !== first.shape.length)
        throw new ShapeRuleError("E0406", `concat: operand ranks differ: ${typeToString(first)} and ${typeToString(t)}`);
      const mismatch = t.shape.some((d, i) => i !== axis && !dimEquals(d, first.shape[i]!));
      if (mismatch)
        throw new ShapeRuleError("E0400", `concat along axis ${axis}: shapes ${shapeToString(first.shape)} and ${shapeToString(t.shape)} differ off that axis`);
      along = dimAdd(along, t.shape[axis]!);
    }
    return [tensorType(first.dtype, first.shape.map((d, i) => (i === axis ? along : d)))];
  },
  evaluate(inputs, attrs) {
    const first = inputs[0]!;
    const axis = normalizeAxis("concat", attrInt(attrs, "axis", "concat"), first.shape.length);
    const total = inputs.reduce((acc, t) => acc + t.shape[axis]!, 0);
    const out = makeArray(first.dtype, first.shape.map((d, i) => (i === axis ? total : d)));
    const { outer, inner } = splitAtAxis(first.shape, axis);
    let offset = 0; // position along the axis where the current input starts
    for (const t of inputs) {
      const n = t.shape[axis]!;
      for (let o = 0; o < outer; o++)
        for (let k = 0; k < n * inner; k++) out.data[(o * total + offset) * inner + k] = t.data[o * n * inner + k]!;
      offset += n;
    }
    return [out];
  },
  onnx: {
    minOpset: 4,
    webgpu: true,
    lower: (ctx, inputs, node, [t]) => [ctx.node1("Concat", inputs, { axis: normalizeAxis("concat", attrInt(node.attrs, "axis", "concat"), t!.shape.length) })],
  },
  // Forward, inputs without a tangent contribute zeros (they must fill their place).
  jvp: (ctx, inputs, _outputs, tangents, attrs) => [ctx.emit1("concat", tangents.map((t, i) => ctx.orZeros(t, inputs[i]!)), attrs)],
  vjp: (ctx, inputs, [y], [ct], attrs, wanted) =>
    inputs.map((_, i) => (wanted[i] ? concatCotangent(ctx, inputs, i, ct!, normalizeAxis("concat", attrInt(attrs, "axis", "concat"), ctx.rankOf(y!))) : null)),
};

// --- slice ------------------------------------------------------------------------------------

function sliceAttrs(attrs: Attrs): SliceAttrs {
  const stop = attrs["stop"];
  if (stop !== null && (typeof stop !== "number" || !Number.isInteger(stop)))
    throw new ShapeRuleError("E0900", "slice: attribute 'stop' must be an integer or null");
  return { start: attrInt(attrs, "start", "slice"), stop, step: attrInt(attrs, "step", "slice") };
}

function sliceAxis(attrs: Attrs, t: { readonly shape: readonly unknown[] }): number {
  return normalizeAxis("slice", attrInt(attrs, "axis", "slice"), t.shape.length);
}

const slice: PrimitiveDef = {
  name: "slice",
  doc: "Python slice start:stop:step of one axis {axis, start, stop|null, step}",
  arity: 1,
  infer(inputs, attrs) {
    requireArity("slice", inputs, 1);
    const x = inputs[0]!;
    const axis = sliceAxis(attrs, x);
    const length = slicedDim(x.shape[axis]!, sliceAttrs(attrs));
    return [tensorType(x.dtype, x.shape.map((d, i) => (i === axis ? length : d)))];
  },
  evaluate([x], attrs) {
    const axis = sliceAxis(attrs, x!);
    const s = sliceAttrs(attrs);
    const { outer, n, inner } = splitAtAxis(x!.shape, axis);
    const { start, length } = pythonSliceIndices(n, s);
    const out = makeArray(x!.dtype, x!.shape.map((d, i) => (i === axis ? length : d)));
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < length; k++)
        for (let i = 0; i < inner; i++) out.data[(o * length + k) * inner + i] = x!.data[(o * n + start + k * s.step) * inner + i]!;
    return [out];
  },
  onnx: {
    minOpset: 10,
    webgpu: true,
    lower(ctx, [x], node, [xt]) {
      const axis = sliceAxis(node.attrs, xt!);
      const s = sliceAttrs(node.attrs);
      const n = dimValue(xt!.shape[axis]!);
      const sliced = (from: string, start: number, end: number, step: number) =>
        ctx.node1("Slice", [from, ctx.int64s([start]), ctx.int64s([end]), ctx.int64s([axis]), ctx.int64s([step])]);
      // Symbolic size (step 1 only, per the shape rule): ONNX and Python agree on raw bounds.
      if (n === undefined) return [sliced(x!, s.start, s.stop ?? SLICE_TO_END, s.step)];
      // Known size: Python's resolved bounds. ONNX clamps a too-negative start to 0 for negative
      // steps, where Python gives an empty slice, so raw bounds would differ there.
      const r = pythonSliceIndices(n, s);
      if (r.length === 0) return [sliced(x!, 0, 0, 1)];
      if (s.step > 0) return [sliced(x!, r.start, r.start + r.length * s.step, s.step)];
      // A negative step: the same elements in increasing order, then reversed from the axis's end.
      // (ONNX Runtime's WebGPU Slice reads a negative-step slice from the axis's last element
      // whatever its start, so a start other than the last is only ever emitted with a positive step.)
      const first = r.start + (r.length - 1) * s.step;
      return [sliced(sliced(x!, first, r.start + 1, -s.step), -1, -SLICE_TO_END, -1)];
    },
  },
  jvp: sameOpOnTangent("slice"),
  vjp: (ctx, [x], _outputs, [ct], attrs) => [sliceCotangent(ctx, x!, ct!, sliceAxis(attrs, ctx.typeOf(x!)), sliceAttrs(attrs))],
};

export const SHAPE_PRIMITIVES: readonly PrimitiveDef[] = [reshape, transpose, expand, concat, slice];
