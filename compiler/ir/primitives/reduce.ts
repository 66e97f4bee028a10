// Reductions and other ops that run along axes: reduce_{sum,mean,max,min}, argmax/argmin,
// softmax/log_softmax and cumsum.

import { keptShape, type DerivativeContext } from "../../ad/context.js";
import { INTEGER_RESULT, sameOpOnTangent } from "../../ad/rule-helpers.js";
import { dimConst, dimEquals, dimMul, dimValue, type Dim } from "../dims.js";
import type { Attrs, ValueId } from "../graph.js";
import { makeArray, sizeOf, splitAtAxis, toDType, transposeArray, type NDArray } from "../ndarray.js";
import { ShapeRuleError, type DerivativeRules, type PrimitiveDef } from "../primitive.js";
import { tensorType, type DType } from "../types.js";
import type { LowerContext, ReduceOpType } from "../../onnx/context.js";
import { attrBool, attrInt, attrInts, normalizeAxis, requireArity, requireDType } from "./common.js";

// --- reduce_* ---------------------------------------------------------------------------------

/** The reduced axes, validated: in range and without repeats, returned sorted. */
function reductionAxes(op: string, attrs: Attrs, rank: number): number[] {
  const axes = attrInts(attrs, "axes", op).map((a) => normalizeAxis(op, a, rank));
  if (new Set(axes).size !== axes.length) throw new ShapeRuleError("E0403", `${op}: axis listed twice in [${axes.join(", ")}]`);
  return axes.sort((a, b) => a - b);
}

function reducedShape<T>(shape: readonly T[], axes: readonly number[], keepdims: boolean, one: T): T[] {
  const out: T[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(one);
  });
  return out;
}

/**
 * Reference reduction: moves the reduced axes last (a transpose), then folds each contiguous block.
 * `fold` receives the block's values.
 */
function reduceReference(x: NDArray, axes: readonly number[], keepdims: boolean, fold: (values: Float64Array) => number): NDArray {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const moved = transposeArray(x, [...kept, ...axes]);
  const block = sizeOf(axes.map((a) => x.shape[a]!));
  const out = makeArray(x.dtype, reducedShape(x.shape, axes, keepdims, 1));
  for (let o = 0; o < out.data.length; o++) out.data[o] = fold(moved.data.subarray(o * block, (o + 1) * block));
  return out;
}

interface ReduceSpec {
  readonly name: string;
  readonly onnxOp: ReduceOpType;
  readonly doc: string;
  readonly dtypes: readonly DType[];
  readonly fold: (values: Float64Array) => number;
  readonly derivative: (name: string) => DerivativeRules;
}

// --- reduce_* derivatives ---------------------------------------------------------------------
//
// Backward, a reduction's cotangent is returned in keepdims form ([2, 1, 4] for a sum over axis
// 1 of [2, 3, 4]); the transform broadcasts it back over the reduced axes.

function reducedAxesOf(ctx: DerivativeContext, op: string, x: ValueId, attrs: Attrs): number[] {
  return reductionAxes(op, attrs, ctx.rankOf(x));
}

function keepdimsForm(ctx: DerivativeContext, ct: ValueId, x: ValueId, axes: readonly number[]): ValueId {
  return ctx.reshape(ct, keptShape(ctx.shapeOf(x), axes));
}

const sumRules = (name: string): DerivativeRules => ({
  jvp: sameOpOnTangent(name),
  vjp: (ctx, [x], _outputs, [ct], attrs) => [keepdimsForm(ctx, ct!, x!, reducedAxesOf(ctx, name, x!, attrs))],
});

const meanRules = (name: string): DerivativeRules => ({
  jvp: sameOpOnTangent(name),
  vjp(ctx, [x], _outputs, [ct], attrs) {
    const axes = reducedAxesOf(ctx, name, x!, attrs);
    return [axes.length === 0 ? ct! : ctx.div(keepdimsForm(ctx, ct!, x!, axes), ctx.elementCount(x!, axes))];
  },
});

/**
 * reduce_max/min pass the derivative of the selected elements. When several elements tie for the
 * extreme, each gets an equal share (1/count): the same convention for JVP and VJP, and the
 * average of the one-sided derivatives.
 */
function selectedShare(ctx: DerivativeContext, x: ValueId, y: ValueId, axes: readonly number[]): ValueId {
  const extreme = keepdimsForm(ctx, y, x, axes);
  const selected = ctx.castTo(ctx.emit1("eq", [x, extreme]), "f32");
  return ctx.div(selected, ctx.reduceSum(selected, axes, true));
}

const chooserRules = (name: string): DerivativeRules => ({
  jvp(ctx, [x], [y], [t], attrs) {
    const axes = reducedAxesOf(ctx, name, x!, attrs);
    if (axes.length === 0) return [t!];
    const keepdims = attrBool(attrs, "keepdims", name);
    return [ctx.reduceSum(ctx.mul(t!, selectedShare(ctx, x!, y!, axes)), axes, keepdims)];
  },
  vjp(ctx, [x], [y], [ct], attrs) {
    const axes = reducedAxesOf(ctx, name, x!, attrs);
    if (axes.length === 0) return [ct!];
    return [ctx.mul(keepdimsForm(ctx, ct!, x!, axes), selectedShare(ctx, x!, y!, axes))];
  },
});

const sum = (v: Float64Array): number => v.reduce((a, b) => a + b, 0);
// Loops rather than Math.max(...v): spreading a large block would overflow the call stack.
const max = (v: Float64Array): number => v.reduce((a, b) => Math.max(a, b), -Infinity);
const min = (v: Float64Array): number => v.reduce((a, b) => Math.min(a, b), Infinity);

const REDUCE_SPECS: readonly ReduceSpec[] = [
  { name: "reduce_sum", onnxOp: "ReduceSum", doc: "sum over `axes`", dtypes: ["f32", "i32"], fold: sum, derivative: sumRules },
  { name: "reduce_mean", onnxOp: "ReduceMean", doc: "mean over `axes`", dtypes: ["f32"], fold: (v) => sum(v) / v.length, derivative: meanRules },
  { name: "reduce_max", onnxOp: "ReduceMax", doc: "maximum over `axes`", dtypes: ["f32", "i32"], fold: max, derivative: chooserRules },
  { name: "reduce_min", onnxOp: "ReduceMin", doc: "minimum over `axes`", dtypes: ["f32", "i32"], fold: min, derivative: chooserRules },
];

// --- reduce_sum over leading axes as a product with ones ---------------------------------------
//
// A sum over the leading axes of x (the bias gradient of a batched `x @ w + b` is one: a sum over
// the batch of a [B, n] cotangent) is the row vector of ones times x viewed as [R, C]: R the
// product of the summed extents, C of the kept ones. ONNX Runtime's CPU ReduceSum has a fast path
// for this "reduce rows, keep columns" case only when max(R, C) > 256 per intra-op thread; below
// that it falls back to a generic strided loop, which measured 7x slower than the MatMul
// ([256, 256]: 70 us against 9 us, one thread). Above it the MatMul is the slower one (about 1.5x
// at [4096, 256], where both are bound by memory traffic). R is usually the symbolic batch size,
// so the choice is made on what is known: C static and at most 256, and R symbolic or at most 256.

const ROW_SUM_MATMUL_MAX = 256;

function sumsRowsByMatMul(dtype: DType, shape: readonly Dim[], axes: readonly number[]): boolean {
  if (dtype !== "f32" || axes.length >= shape.length || !axes.every((a, i) => a === i)) return false;
  const kept = dimValue(shape.slice(axes.length).reduce((acc, d) => dimMul(acc, d), dimConst(1)));
  const rows = dimValue(shape.slice(0, axes.length).reduce((acc, d) => dimMul(acc, d), dimConst(1)));
  return kept !== undefined && kept <= ROW_SUM_MATMUL_MAX && (rows === undefined || rows <= ROW_SUM_MATMUL_MAX);
}

/** ones([1, R]) @ reshape(x, [R, C]), reshaped to the reduction's output shape. */
function lowerRowSum(ctx: LowerContext, x: string, shape: readonly Dim[], summed: number, outShape: readonly Dim[]): string {
  const rows = shape.slice(0, summed).reduce((acc, d) => dimMul(acc, d), dimConst(1));
  const cols = shape.slice(summed).reduce((acc, d) => dimMul(acc, d), dimConst(1));
  const matrix = summed === 1 && shape.length === 2 ? x : ctx.node1("Reshape", [x, ctx.shapeTensor([rows, cols])]);
  const ones = ctx.filled(1, "f32", [dimConst(1), rows]);
  const sum = ctx.node1("MatMul", [ones, matrix]);
  const same = outShape.length === 2 && dimEquals(outShape[0]!, dimConst(1)) && dimEquals(outShape[1]!, cols);
  return same ? sum : ctx.node1("Reshape", [sum, ctx.shapeTensor(outShape)]);
}

function reducePrimitive(spec: ReduceSpec): PrimitiveDef {
  return {
    name: spec.name,
    doc: `${spec.doc} {axes, keepdims}; axes [] is the identity`,
    arity: 1,
    infer(inputs, attrs) {
      requireArity(spec.name, inputs, 1);
      const x = inputs[0]!;
      requireDType(spec.name, x, spec.dtypes);
      const axes = reductionAxes(spec.name, attrs, x.shape.length);
      const keepdims = attrBool(attrs, "keepdims", spec.name);
      return [tensorType(x.dtype, reducedShape<Dim>(x.shape, axes, keepdims, dimConst(1)))];
    },
    evaluate([x], attrs) {
      const axes = reductionAxes(spec.name, attrs, x!.shape.length);
      const out = reduceReference(x!, axes, attrBool(attrs, "keepdims", spec.name), spec.fold);
      if (out.dtype === "i32") out.data.forEach((v, i) => (out.data[i] = toDType("i32", v)));
      return [out];
    },
    onnx: {
      // ReduceSum with an axes input needs opset 13; the others switch form at 18 (handled by ctx.reduce).
      minOpset: 13,
      webgpu: true,
      lower(ctx, [x], node, [xt], [yt]) {
        const axes = reductionAxes(spec.name, node.attrs, xt!.shape.length);
        // ONNX reads empty axes as "reduce everything"; ours means "reduce nothing": emit no node.
        if (axes.length === 0) return [x!];
        if (spec.name === "reduce_sum" && sumsRowsByMatMul(xt!.dtype, xt!.shape, axes)) return [lowerRowSum(ctx, x!, xt!.shape, axes.length, yt!.shape)];
        return [ctx.reduce(spec.onnxOp, x!, axes, attrBool(node.attrs, "keepdims", spec.name))];
      },
    },
    ...spec.derivative(spec.name),
  };
}

// --- argmax / argmin --------------------------------------------------------------------------

function argPrimitive(name: "argmax" | "argmin"): PrimitiveDef {
  const better = name === "argmax" ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  return {
    name,
    doc: `index of the ${name === "argmax" ? "largest" : "smallest"} element along \`axis\` (first on ties) {axis, keepdims} → i32`,
    arity: 1,
    infer(inputs, attrs) {
      requireArity(name, inputs, 1);
      const x = inputs[0]!;
      requireDType(name, x, ["f32", "i32"]);
      const axis = normalizeAxis(name, attrInt(attrs, "axis", name), x.shape.length);
      return [tensorType("i32", reducedShape<Dim>(x.shape, [axis], attrBool(attrs, "keepdims", name), dimConst(1)))];
    },
    evaluate([x], attrs) {
      const axis = normalizeAxis(name, attrInt(attrs, "axis", name), x!.shape.length);
      const { outer, n, inner } = splitAtAxis(x!.shape, axis);
      const out = makeArray("i32", reducedShape(x!.shape, [axis], attrBool(attrs, "keepdims", name), 1));
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          let best = 0;
          for (let k = 1; k < n; k++) if (better(x!.data[(o * n + k) * inner + i]!, x!.data[(o * n + best) * inner + i]!)) best = k;
          out.data[o * inner + i] = best;
        }
      return [out];
    },
    onnx: {
      minOpset: 11,
      webgpu: { reason: `${name === "argmax" ? "ArgMax" : "ArgMin"} runs on the GPU, but its int64 result is cast to int32 on the CPU (the WebGPU provider has no int64 Cast)` },
      lower(ctx, [x], node, [xt]) {
        const axis = normalizeAxis(name, attrInt(node.attrs, "axis", name), xt!.shape.length);
        const index = ctx.node1(name === "argmax" ? "ArgMax" : "ArgMin", [x!], { axis, keepdims: attrBool(node.attrs, "keepdims", name) });
        return [ctx.cast(index, "i32")];
      },
    },
    nonDifferentiable: INTEGER_RESULT,
  };
}

// --- softmax / log_softmax --------------------------------------------------------------------

/** Applies `f` to each 1-D line along `axis` (input line → output line, same length). */
function mapLines(x: NDArray, axis: number, dtype: DType, f: (line: Float64Array) => ArrayLike<number>): NDArray {
  const { outer, n, inner } = splitAtAxis(x.shape, axis);
  const out = makeArray(dtype, x.shape);
  const line = new Float64Array(n);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      for (let k = 0; k < n; k++) line[k] = x.data[(o * n + k) * inner + i]!;
      const result = f(line);
      for (let k = 0; k < n; k++) out.data[(o * n + k) * inner + i] = result[k]!;
    }
  return out;
}

/** log(sum(exp(line))) - computed stably around the maximum. */
function logSumExp(line: Float64Array): number {
  const m = max(line);
  let s = 0;
  for (const v of line) s += Math.exp(v - m);
  return m + Math.log(s);
}

// Derivatives: softmax's Jacobian diag(y) - y·yᵀ is symmetric, so one map serves both modes:
// v ↦ y ⊙ (v - Σ v⊙y). log_softmax's is I - 1·pᵀ with p = exp(y): forward t - Σ t⊙p, backward
// ȳ - p ⊙ Σ ȳ (sums along the axis, kept).

function softmaxLinearized(ctx: DerivativeContext, v: ValueId, y: ValueId, axis: number): ValueId {
  return ctx.mul(y, ctx.sub(v, ctx.reduceSum(ctx.mul(v, y), [axis], true)));
}

function softmaxRules(name: "softmax" | "log_softmax"): DerivativeRules {
  const axisOf = (ctx: DerivativeContext, x: ValueId, attrs: Attrs) => normalizeAxis(name, attrInt(attrs, "axis", name), ctx.rankOf(x));
  if (name === "softmax")
    return {
      jvp: (ctx, [x], [y], [t], attrs) => [softmaxLinearized(ctx, t!, y!, axisOf(ctx, x!, attrs))],
      vjp: (ctx, [x], [y], [ct], attrs) => [softmaxLinearized(ctx, ct!, y!, axisOf(ctx, x!, attrs))],
    };
  return {
    jvp(ctx, [x], [y], [t], attrs) {
      const p = ctx.emit1("exp", [y!]);
      return [ctx.sub(t!, ctx.reduceSum(ctx.mul(t!, p), [axisOf(ctx, x!, attrs)], true))];
    },
    vjp(ctx, [x], [y], [ct], attrs) {
      const p = ctx.emit1("exp", [y!]);
      return [ctx.sub(ct!, ctx.mul(p, ctx.reduceSum(ct!, [axisOf(ctx, x!, attrs)], true)))];
    },
  };
}

function softmaxPrimitive(name: "softmax" | "log_softmax"): PrimitiveDef {
  const isLog = name === "log_softmax";
  return {
    name,
    doc: isLog ? "log(softmax(x)) along `axis`, computed stably {axis}" : "exp(x) / sum(exp(x)) along `axis` {axis}",
    arity: 1,
    infer(inputs, attrs) {
      requireArity(name, inputs, 1);
      const x = inputs[0]!;
      requireDType(name, x, ["f32"]);
      normalizeAxis(name, attrInt(attrs, "axis", name), x.shape.length);
      return [x];
    },
    evaluate([x], attrs) {
      const axis = normalizeAxis(name, attrInt(attrs, "axis", name), x!.shape.length);
      return [
        mapLines(x!, axis, "f32", (line) => {
          const lse = logSumExp(line);
          return line.map((v) => (isLog ? v - lse : Math.exp(v - lse)));
        }),
      ];
    },
    onnx: {
      minOpset: 13,
      webgpu: true,
      lower(ctx, [x], node, [xt]) {
        const axis = normalizeAxis(name, attrInt(node.attrs, "axis", name), xt!.shape.length);
        if (!isLog) return [ctx.node1("Softmax", [x!], { axis })];
        // x - max - log(sum(exp(x - max))): built from ops the WebGPU EP has, unlike LogSoftmax.
        const shifted = ctx.node1("Sub", [x!, ctx.reduce("ReduceMax", x!, [axis], true)]);
        const total = ctx.reduce("ReduceSum", ctx.node1("Exp", [shifted]), [axis], true);
        return [ctx.node1("Sub", [shifted, ctx.node1("Log", [total])])];
      },
    },
    ...softmaxRules(name),
  };
}

// --- cumsum -----------------------------------------------------------------------------------

const cumsum: PrimitiveDef = {
  name: "cumsum",
  doc: "cumulative sum along `axis` {axis, exclusive, reverse}",
  arity: 1,
  infer(inputs, attrs) {
    requireArity("cumsum", inputs, 1);
    const x = inputs[0]!;
    requireDType("cumsum", x, ["f32", "i32"]);
    normalizeAxis("cumsum", attrInt(attrs, "axis", "cumsum"), x.shape.length);
    attrBool(attrs, "exclusive", "cumsum");
    attrBool(attrs, "reverse", "cumsum");
    return [x];
  },
  evaluate([x], attrs) {
    const axis = normalizeAxis("cumsum", attrInt(attrs, "axis", "cumsum"), x!.shape.length);
    const exclusive = attrBool(attrs, "exclusive", "cumsum");
    const reverse = attrBool(attrs, "reverse", "cumsum");
    return [
      mapLines(x!, axis, x!.dtype, (line) => {
        const n = line.length;
        const out = new Float64Array(n);
        let running = 0;
        for (let step = 0; step < n; step++) {
          const k = reverse ? n - 1 - step : step;
          if (exclusive) out[k] = running;
          running += line[k]!;
          if (!exclusive) out[k] = running;
        }
        return x!.dtype === "i32" ? out.map((v) => toDType("i32", v)) : out;
      }),
    ];
  },
  onnx: {
    minOpset: 11,
    webgpu: true,
    lower(ctx, [x], node, [xt]) {
      const axis = normalizeAxis("cumsum", attrInt(node.attrs, "axis", "cumsum"), xt!.shape.length);
      return [
        ctx.node1("CumSum", [x!, ctx.int64Scalar(axis)], {
          exclusive: attrBool(node.attrs, "exclusive", "cumsum"),
          reverse: attrBool(node.attrs, "reverse", "cumsum"),
        }),
      ];
    },
  },
  // Linear. The adjoint of a running sum runs the other way: x̄_j = Σ_{k ≥ j} ȳ_k for an inclusive
  // forward sum (k > j for an exclusive one), i.e. the same cumsum with `reverse` flipped.
  jvp: sameOpOnTangent("cumsum"),
  vjp: (ctx, _inputs, _outputs, [ct], attrs) => [ctx.emit1("cumsum", [ct!], { ...attrs, reverse: !attrBool(attrs, "reverse", "cumsum") })],
};

export const REDUCE_PRIMITIVES: readonly PrimitiveDef[] = [
  ...REDUCE_SPECS.map(reducePrimitive),
  argPrimitive("argmax"),
  argPrimitive("argmin"),
  softmaxPrimitive("softmax"),
  softmaxPrimitive("log_softmax"),
  cumsum,
];
