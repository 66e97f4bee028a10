// Primitives that make values rather than transform them: constant, arange (0..n-1 for a possibly
// symbolic n) and dim (the run-time size of an axis).

import { INTEGER_RESULT, NO_TENSOR_INPUTS } from "../../ad/rule-helpers.js";
import { dimConst, dimToString, dimValue } from "../dims.js";
import type { Attrs } from "../graph.js";
import { makeArray, scalarArray, toDType } from "../ndarray.js";
import { ShapeRuleError, type PrimitiveDef } from "../primitive.js";
import { tensorType, type DType } from "../types.js";
import { attrDim, attrDType, attrInt, concreteDims, normalizeAxis, requireArity } from "./common.js";

// --- constant ---------------------------------------------------------------------------------

function constantAttrs(attrs: Attrs): { value: Float64Array; shape: number[]; dtype: DType } {
  const value = attrs["value"];
  const shape = attrs["shape"];
  const dtype = attrDType(attrs, "dtype", "constant");
  if (!(value instanceof Float64Array)) throw new ShapeRuleError("E0900", "constant: attribute 'value' must be a Float64Array");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0))
    throw new ShapeRuleError("E0900", "constant: attribute 'shape' must be a list of non-negative integers");
  const dims = shape as number[];
  if (dims.reduce((a, b) => a * b, 1) !== value.length)
    throw new ShapeRuleError("E0900", `constant: ${value.length} values do not fill shape [${dims.join(", ")}]`);
  return { value, shape: dims, dtype };
}

/** The value a tensor of `dtype` holds for `v` (f32 constants are rounded to float32, as ONNX stores them). */
function storedValue(dtype: DType, v: number): number {
  return dtype === "f32" ? Math.fround(v) : toDType(dtype, v);
}

const constant: PrimitiveDef = {
  name: "constant",
  doc: "a literal tensor {value: Float64Array, shape: number[], dtype}",
  arity: 0,
  infer(inputs, attrs) {
    requireArity("constant", inputs, 0);
    const { shape, dtype } = constantAttrs(attrs);
    return [tensorType(dtype, shape.map(dimConst))];
  },
  evaluate(_inputs, attrs) {
    const { value, shape, dtype } = constantAttrs(attrs);
    return [makeArray(dtype, shape, value.map((v) => storedValue(dtype, v)))];
  },
  onnx: {
    minOpset: 9,
    // Constants become initializers in ORT; no kernel runs.
    webgpu: true,
    lower(ctx, _inputs, node) {
      const { value, shape, dtype } = constantAttrs(node.attrs);
      return [ctx.constant(value, dtype, shape)];
    },
  },
  nonDifferentiable: NO_TENSOR_INPUTS,
};

// --- arange -----------------------------------------------------------------------------------

function arangeDType(attrs: Attrs): DType {
  const dtype = attrDType(attrs, "dtype", "arange");
  if (dtype === "bool") throw new ShapeRuleError("E0304", "arange produces f32 or i32, not bool");
  return dtype;
}

const arange: PrimitiveDef = {
  name: "arange",
  doc: "0, 1, …, n-1 for a possibly symbolic size n {n: Dim, dtype}",
  arity: 0,
  infer(inputs, attrs) {
    requireArity("arange", inputs, 0);
    const n = attrDim(attrs, "n", "arange");
    if ((dimValue(n) ?? 0) < 0) throw new ShapeRuleError("E0408", `arange: size ${dimToString(n)} is negative`);
    return [tensorType(arangeDType(attrs), [n])];
  },
  evaluate(_inputs, attrs) {
    const [n] = concreteDims([attrDim(attrs, "n", "arange")], "arange");
    return [makeArray(arangeDType(attrs), [n!], Array.from({ length: n! }, (_, i) => i))];
  },
  onnx: {
    minOpset: 11,
    // A constant for a known size; for a symbolic one, Range runs on the GPU and the limit is shape arithmetic.
    webgpu: true,
    lower(ctx, _inputs, node) {
      const dtype = arangeDType(node.attrs);
      const n = attrDim(node.attrs, "n", "arange");
      const size = dimValue(n);
      if (size !== undefined) return [ctx.constant(Array.from({ length: size }, (_, i) => i), dtype, [size])];
      const limit = ctx.cast(ctx.dimValue(n), dtype);
      return [ctx.node1("Range", [ctx.constant([0], dtype, []), limit, ctx.constant([1], dtype, [])])];
    },
  },
  nonDifferentiable: NO_TENSOR_INPUTS,
};

// --- dim --------------------------------------------------------------------------------------

const dim: PrimitiveDef = {
  name: "dim",
  doc: "the run-time size of axis `axis` of x, as an i32 scalar {axis}",
  arity: 1,
  infer(inputs, attrs) {
    requireArity("dim", inputs, 1);
    normalizeAxis("dim", attrInt(attrs, "axis", "dim"), inputs[0]!.shape.length);
    return [tensorType("i32", [])];
  },
  evaluate([x], attrs) {
    const axis = normalizeAxis("dim", attrInt(attrs, "axis", "dim"), x!.shape.length);
    return [scalarArray("i32", x!.shape[axis]!)];
  },
  onnx: {
    minOpset: 15,
    // Shape arithmetic: ONNX Runtime places it on the CPU by design.
    webgpu: true,
    lower(ctx, [x], node, [xt]) {
      const axis = normalizeAxis("dim", attrInt(node.attrs, "axis", "dim"), xt!.shape.length);
      const size = dimValue(xt!.shape[axis]!);
      if (size !== undefined) return [ctx.constant([size], "i32", [])];
      const extent = ctx.node1("Shape", [x!], { start: axis, end: axis + 1 });
      return [ctx.cast(ctx.squeezeFirst(extent), "i32")];
    },
  },
  nonDifferentiable: INTEGER_RESULT,
};

export const CONSTANT_PRIMITIVES: readonly PrimitiveDef[] = [constant, arange, dim];
