// Indexing primitives: gather (numpy take), gather_elements (take_along_axis), scatter_add and topk.
// Indices are i32; negative indices count from the end of the axis, as in ONNX.

import type { DerivativeContext } from "../../ad/context.js";
import { sameOpOnTangent } from "../../ad/rule-helpers.js";
import { dimConst, dimEquals, dimMul, dimValue } from "../dims.js";
import type { Attrs, ValueId } from "../graph.js";
import { makeArray, splitAtAxis, toDType } from "../ndarray.js";
import { ShapeRuleError, type PrimitiveDef } from "../primitive.js";
import { tensorType, typeToString, type TensorType } from "../types.js";
import { attrBool, attrInt, normalizeAxis, requireArity, requireDType, requireSameDType } from "./common.js";

function axisOf(op: string, attrs: Attrs, t: { readonly shape: readonly unknown[] }): number {
  return normalizeAxis(op, attrInt(attrs, "axis", op), t.shape.length);
}

/** Resolves a possibly negative index into [0, n); out-of-range indices are an error at run time. */
function wrapIndex(op: string, index: number, n: number): number {
  const i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) throw new Error(`${op}: index ${index} is out of range for an axis of size ${n}`);
  return i;
}

/** Same rank, and every dimension off `axis` equal: the layout gather_elements and scatter_add need. */
function requireAlignedOffAxis(op: string, data: TensorType, other: TensorType, axis: number): void {
  const aligned = other.shape.length === data.shape.length && other.shape.every((d, i) => i === axis || dimEquals(d, data.shape[i]!));
  if (!aligned)
    throw new ShapeRuleError(
      other.shape.length === data.shape.length ? "E0400" : "E0406",
      `${op} along axis ${axis}: ${typeToString(other)} must have the rank of ${typeToString(data)} and equal dimensions off that axis`,
    );
}

// --- derivatives ------------------------------------------------------------------------------
//
// Every indexing op is linear in its data and takes i32 indices (no derivative). Forward, the
// tangent is indexed the same way; backward, the cotangent is added back into zeros at the
// positions that were read, with scatter_add (repeated indices accumulate, as they must).

/** zeros shaped like `data` with `updates` added at `indices` along `axis` (take_along_axis layout). */
function scatterIntoZeros(ctx: DerivativeContext, data: ValueId, indices: ValueId, updates: ValueId, axis: number): ValueId {
  return ctx.emit1("scatter_add", [ctx.zeros(ctx.shapeOf(data)), indices, updates], { axis });
}

/**
 * The cotangent of gather's data. gather (numpy take) reads whole slices, out[pre, i…, post] =
 * data[pre, indices[i…], post]; scatter_add wants one index per updated element. So the index
 * axes of the cotangent are flattened into one axis of M = |indices| entries, and the indices are
 * broadcast along the other axes: scatter_add(zeros, expand(indices), reshape(ct)).
 */
function gatherCotangent(ctx: DerivativeContext, data: ValueId, indices: ValueId, ct: ValueId, axis: number): ValueId {
  const dataShape = ctx.shapeOf(data);
  const count = ctx.shapeOf(indices).reduce((acc, d) => dimMul(acc, d), dimConst(1));
  const flatShape = dataShape.map((d, i) => (i === axis ? count : d));
  const alongAxis = dataShape.map((_, i) => (i === axis ? count : dimConst(1)));
  const spread = ctx.expand(ctx.reshape(indices, alongAxis), flatShape);
  return scatterIntoZeros(ctx, data, spread, ctx.reshape(ct, flatShape), axis);
}

// --- gather -----------------------------------------------------------------------------------

const gather: PrimitiveDef = {
  name: "gather",
  doc: "numpy take: picks slices of `data` along `axis` by i32 indices {axis}",
  arity: 2,
  infer(inputs, attrs) {
    requireArity("gather", inputs, 2);
    const [data, indices] = [inputs[0]!, inputs[1]!];
    requireDType("gather", indices, ["i32"], "indices");
    const axis = axisOf("gather", attrs, data);
    return [tensorType(data.dtype, [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)])];
  },
  evaluate([data, indices], attrs) {
    const axis = axisOf("gather", attrs, data!);
    const { outer, n, inner } = splitAtAxis(data!.shape, axis);
    const count = indices!.data.length;
    const out = makeArray(data!.dtype, [...data!.shape.slice(0, axis), ...indices!.shape, ...data!.shape.slice(axis + 1)]);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < count; j++) {
        const k = wrapIndex("gather", indices!.data[j]!, n);
        for (let i = 0; i < inner; i++) out.data[(o * count + j) * inner + i] = data!.data[(o * n + k) * inner + i]!;
      }
    return [out];
  },
  onnx: {
    minOpset: 11,
    webgpu: true,
    lower: (ctx, [data, indices], node, [dt]) => [ctx.node1("Gather", [data!, indices!], { axis: axisOf("gather", node.attrs, dt!) })],
  },
  jvp: sameOpOnTangent("gather"),
  vjp: (ctx, [data, indices], _outputs, [ct], attrs) => [gatherCotangent(ctx, data!, indices!, ct!, axisOf("gather", attrs, ctx.typeOf(data!))), null],
};

// --- gather_elements --------------------------------------------------------------------------

const gatherElements: PrimitiveDef = {
  name: "gather_elements",
  doc: "numpy take_along_axis: out[..i..] = data[..indices[..i..]..] along `axis` {axis}",
  arity: 2,
  infer(inputs, attrs) {
    requireArity("gather_elements", inputs, 2);
    const [data, indices] = [inputs[0]!, inputs[1]!];
    requireDType("gather_elements", indices, ["i32"], "indices");
    const axis = axisOf("gather_elements", attrs, data);
    requireAlignedOffAxis("gather_elements", data, indices, axis);
    return [tensorType(data.dtype, indices.shape)];
  },
  evaluate([data, indices], attrs) {
    const axis = axisOf("gather_elements", attrs, data!);
    const n = data!.shape[axis]!;
    const { outer, n: m, inner } = splitAtAxis(indices!.shape, axis);
    const out = makeArray(data!.dtype, indices!.shape);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++)
        for (let i = 0; i < inner; i++) {
          const k = wrapIndex("gather_elements", indices!.data[(o * m + j) * inner + i]!, n);
          out.data[(o * m + j) * inner + i] = data!.data[(o * n + k) * inner + i]!;
        }
    return [out];
  },
  onnx: {
    minOpset: 11,
    webgpu: true,
    lower: (ctx, [data, indices], node, [dt]) => [
      ctx.node1("GatherElements", [data!, indices!], { axis: axisOf("gather_elements", node.attrs, dt!) }),
    ],
  },
  jvp: sameOpOnTangent("gather_elements"),
  vjp: (ctx, [data, indices], _outputs, [ct], attrs) => [
    scatterIntoZeros(ctx, data!, indices!, ct!, axisOf("gather_elements", attrs, ctx.typeOf(data!))),
    null,
  ],
};

// --- scatter_add ------------------------------------------------------------------------------

const scatterAdd: PrimitiveDef = {
  name: "scatter_add",
  doc: "copy of `data` with `updates` added at `indices` along `axis` (repeats accumulate) {axis}",
  arity: 3,
  infer(inputs, attrs) {
    requireArity("scatter_add", inputs, 3);
    const [data, indices, updates] = [inputs[0]!, inputs[1]!, inputs[2]!];
    requireDType("scatter_add", data, ["f32", "i32"], "data");
    requireDType("scatter_add", indices, ["i32"], "indices");
    requireSameDType("scatter_add", data, updates);
    const axis = axisOf("scatter_add", attrs, data);
    requireAlignedOffAxis("scatter_add", data, indices, axis);
    const sameShape = updates.shape.length === indices.shape.length && updates.shape.every((d, i) => dimEquals(d, indices.shape[i]!));
    if (!sameShape)
      throw new ShapeRuleError("E0400", `scatter_add: updates ${typeToString(updates)} must have the shape of indices ${typeToString(indices)}`);
    return [data];
  },
  evaluate([data, indices, updates], attrs) {
    const axis = axisOf("scatter_add", attrs, data!);
    const n = data!.shape[axis]!;
    const { outer, n: m, inner } = splitAtAxis(indices!.shape, axis);
    const out = makeArray(data!.dtype, data!.shape, data!.data);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++)
        for (let i = 0; i < inner; i++) {
          const at = (o * m + j) * inner + i;
          const k = wrapIndex("scatter_add", indices!.data[at]!, n);
          const target = (o * n + k) * inner + i;
          out.data[target] = out.data[target]! + updates!.data[at]!;
        }
    if (out.dtype === "i32") out.data.forEach((v, i) => (out.data[i] = toDType("i32", v)));
    return [out];
  },
  onnx: {
    minOpset: 16,
    webgpu: true,
    lower: (ctx, [data, indices, updates], node, [dt]) => [
      ctx.node1("ScatterElements", [data!, indices!, updates!], { axis: axisOf("scatter_add", node.attrs, dt!), reduction: "add" }),
    ],
  },
  // out = data + scatter(updates): linear in both; updates read back what their positions receive.
  jvp(ctx, [data, indices], _outputs, [tData, , tUpdates], attrs) {
    if (tUpdates === null) return [tData!];
    return [ctx.emit1("scatter_add", [ctx.orZeros(tData, data!), indices!, tUpdates!], attrs)];
  },
  vjp: (ctx, [, indices], _outputs, [ct], attrs, [, , wantUpdates]) => [
    ct!,
    null,
    wantUpdates ? ctx.emit1("gather_elements", [ct!, indices!], attrs) : null,
  ],
};

// --- topk -------------------------------------------------------------------------------------

const topk: PrimitiveDef = {
  name: "topk",
  doc: "the k largest (or smallest) along `axis`, sorted, lower index first on ties {k, axis, largest} → values, i32 indices",
  arity: 1,
  infer(inputs, attrs) {
    requireArity("topk", inputs, 1);
    const x = inputs[0]!;
    requireDType("topk", x, ["f32", "i32"]);
    const axis = axisOf("topk", attrs, x);
    const k = attrInt(attrs, "k", "topk");
    attrBool(attrs, "largest", "topk");
    const n = dimValue(x.shape[axis]!);
    if (k < 1 || (n !== undefined && k > n))
      throw new ShapeRuleError("E0404", `topk: k = ${k} is out of range for axis ${axis} of ${typeToString(x)}`);
    const shape = x.shape.map((d, i) => (i === axis ? dimConst(k) : d));
    return [tensorType(x.dtype, shape), tensorType("i32", shape)];
  },
  evaluate([x], attrs) {
    const axis = axisOf("topk", attrs, x!);
    const k = attrInt(attrs, "k", "topk");
    const largest = attrBool(attrs, "largest", "topk");
    const { outer, n, inner } = splitAtAxis(x!.shape, axis);
    if (k > n) throw new Error(`topk: k = ${k} exceeds the axis size ${n}`);
    const shape = x!.shape.map((d, i) => (i === axis ? k : d));
    const values = makeArray(x!.dtype, shape);
    const indices = makeArray("i32", shape);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => x!.data[(o * n + j) * inner + i]!;
        const order = Array.from({ length: n }, (_, j) => j);
        // Array.prototype.sort is stable, so equal values keep the lower index first.
        order.sort((p, q) => (largest ? at(q) - at(p) : at(p) - at(q)));
        for (let j = 0; j < k; j++) {
          values.data[(o * k + j) * inner + i] = at(order[j]!);
          indices.data[(o * k + j) * inner + i] = order[j]!;
        }
      }
    return [values, indices];
  },
  onnx: {
    minOpset: 11,
    webgpu: { reason: "TopK runs on the GPU, but its int64 indices are cast to int32 on the CPU (the WebGPU provider has no int64 Cast)" },
    lower(ctx, [x], node, [xt]) {
      const [values, indices] = ctx.node("TopK", [x!, ctx.int64s([attrInt(node.attrs, "k", "topk")])], {
        axis: axisOf("topk", node.attrs, xt!),
        largest: attrBool(node.attrs, "largest", "topk"),
        sorted: 1,
      }, 2);
      return [values!, ctx.cast(indices!, "i32")];
    },
  },
  // The values are x read at the returned indices (ties: the lower index, as the op picks it).
  jvp: (ctx, _inputs, [, indices], [t], attrs) => [ctx.emit1("gather_elements", [t!, indices!], { axis: attrInt(attrs, "axis", "topk") }), null],
  vjp: (ctx, [x], [, indices], [ct], attrs) => [scatterIntoZeros(ctx, x!, indices!, ct!, axisOf("topk", attrs, ctx.typeOf(x!)))],
};

export const INDEXING_PRIMITIVES: readonly PrimitiveDef[] = [gather, gatherElements, scatterAdd, topk];
