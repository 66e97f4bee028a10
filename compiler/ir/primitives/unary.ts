// Unary elementwise primitives. Each maps to one ONNX op of the same meaning (or, where ONNX
// Runtime's WebGPU provider lacks that op for a dtype, to a few ops it has), so the table below is
// the whole definition: name, ONNX op, accepted dtypes, reference function, derivative.

import { BOOL_RESULT, PIECEWISE_CONSTANT, elementwiseRules, type Linearized } from "../../ad/rule-helpers.js";
import { mapElements } from "../ndarray.js";
import type { PrimitiveDef, WebGpuFallback } from "../primitive.js";
import type { LowerContext } from "../../onnx/context.js";
import { tensorType, type DType } from "../types.js";
import { requireArity, requireDType } from "./common.js";
import { erf, roundHalfEven } from "./special-functions.js";

interface UnarySpec {
  readonly name: string;
  readonly onnxOp: string;
  readonly doc: string;
  readonly dtypes: readonly DType[];
  readonly fn: (x: number) => number;
  /** First default-domain opset where the ONNX op accepts all of `dtypes`. */
  readonly minOpset: number;
  readonly webgpu: true | WebGpuFallback;
  /** A lowering other than the plain `onnxOp` node (forms the WebGPU provider runs). */
  readonly lower?: (ctx: LowerContext, x: string, dtype: DType) => string;
  /** t ↦ f'(x)·t emitted as IR (y = f(x)), or why the derivative is a symbolic zero. */
  readonly derivative: Linearized | string;
}

const F32: readonly DType[] = ["f32"];
const NUMERIC: readonly DType[] = ["f32", "i32"];

// WebGPU: measured by test/webgpu. The provider's Abs and Neg are float only and it has no Sign or
// Round: i32 neg is 0 - x, i32 abs is max(x, 0 - x), and sign is (x > 0) - (x < 0), which also
// gives the reference's 0 for NaN. Round (half to even) stays on the CPU.
// Derivatives: abs takes the subgradient 0 at 0 (sign(0) = 0); sign, floor, ceil and round are
// piecewise constant, so their derivative is zero wherever it exists.
const UNARY_SPECS: readonly UnarySpec[] = [
  { name: "neg", onnxOp: "Neg", doc: "-x", dtypes: NUMERIC, fn: (x) => -x, minOpset: 7, webgpu: true, lower: (ctx, x, dtype) => (dtype === "i32" ? negateInt(ctx, x) : ctx.node1("Neg", [x])), derivative: (c, t) => c.neg(t) },
  { name: "abs", onnxOp: "Abs", doc: "|x|", dtypes: NUMERIC, fn: Math.abs, minOpset: 12, webgpu: true, lower: (ctx, x, dtype) => (dtype === "i32" ? ctx.node1("Max", [x, negateInt(ctx, x)]) : ctx.node1("Abs", [x])), derivative: (c, t, x) => c.mul(t, c.emit1("sign", [x])) },
  { name: "sign", onnxOp: "Sign", doc: "-1, 0 or 1 by the sign of x", dtypes: NUMERIC, fn: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), minOpset: 9, webgpu: true, lower: signFromComparisons, derivative: PIECEWISE_CONSTANT },
  { name: "exp", onnxOp: "Exp", doc: "e^x", dtypes: F32, fn: Math.exp, minOpset: 6, webgpu: true, derivative: (c, t, _x, y) => c.mul(t, y) },
  { name: "log", onnxOp: "Log", doc: "natural logarithm", dtypes: F32, fn: Math.log, minOpset: 6, webgpu: true, derivative: (c, t, x) => c.div(t, x) },
  { name: "sqrt", onnxOp: "Sqrt", doc: "square root", dtypes: F32, fn: Math.sqrt, minOpset: 6, webgpu: true, derivative: (c, t, _x, y) => c.div(t, c.mul(y, c.scalar(2))) },
  { name: "sin", onnxOp: "Sin", doc: "sine", dtypes: F32, fn: Math.sin, minOpset: 7, webgpu: true, derivative: (c, t, x) => c.mul(t, c.emit1("cos", [x])) },
  { name: "cos", onnxOp: "Cos", doc: "cosine", dtypes: F32, fn: Math.cos, minOpset: 7, webgpu: true, derivative: (c, t, x) => c.neg(c.mul(t, c.emit1("sin", [x]))) },
  { name: "tan", onnxOp: "Tan", doc: "tangent", dtypes: F32, fn: Math.tan, minOpset: 7, webgpu: true, derivative: (c, t, _x, y) => c.mul(t, c.add(c.scalar(1), c.mul(y, y))) },
  { name: "tanh", onnxOp: "Tanh", doc: "hyperbolic tangent", dtypes: F32, fn: Math.tanh, minOpset: 6, webgpu: true, derivative: (c, t, _x, y) => c.mul(t, c.sub(c.scalar(1), c.mul(y, y))) },
  { name: "atanh", onnxOp: "Atanh", doc: "inverse hyperbolic tangent", dtypes: F32, fn: Math.atanh, minOpset: 9, webgpu: true, derivative: (c, t, x) => c.div(t, c.sub(c.scalar(1), c.mul(x, x))) },
  { name: "sinh", onnxOp: "Sinh", doc: "hyperbolic sine", dtypes: F32, fn: Math.sinh, minOpset: 9, webgpu: true, derivative: (c, t, x) => c.mul(t, c.emit1("cosh", [x])) },
  { name: "cosh", onnxOp: "Cosh", doc: "hyperbolic cosine", dtypes: F32, fn: Math.cosh, minOpset: 9, webgpu: true, derivative: (c, t, x) => c.mul(t, c.emit1("sinh", [x])) },
  { name: "asinh", onnxOp: "Asinh", doc: "inverse hyperbolic sine", dtypes: F32, fn: Math.asinh, minOpset: 9, webgpu: true, derivative: (c, t, x) => c.div(t, c.emit1("sqrt", [c.add(c.mul(x, x), c.scalar(1))])) },
  { name: "sigmoid", onnxOp: "Sigmoid", doc: "1 / (1 + e^-x)", dtypes: F32, fn: (x) => 1 / (1 + Math.exp(-x)), minOpset: 6, webgpu: true, derivative: (c, t, _x, y) => c.mul(t, c.mul(y, c.sub(c.scalar(1), y))) },
  // SiLU (swish), x·sigmoid(x) as torch.nn.SiLU. A primitive rather than that product in .flow for
  // its derivative: with s = sigmoid(x), f'(x) = s + y·(1 - s), four elementwise ops on the
  // cotangent path where the product and sigmoid rules take six. (ONNX Runtime merges the
  // backward's sigmoid(x) with the forward's: same op, same input.)
  {
    name: "silu",
    onnxOp: "Sigmoid",
    doc: "x · sigmoid(x), the SiLU activation",
    dtypes: F32,
    fn: (x) => x / (1 + Math.exp(-x)),
    minOpset: 6,
    webgpu: true,
    lower: (ctx, x) => ctx.node1("Mul", [x, ctx.node1("Sigmoid", [x])]),
    derivative: (c, t, x, y) => {
      const s = c.emit1("sigmoid", [x]);
      return c.mul(t, c.add(s, c.mul(y, c.sub(c.scalar(1), s))));
    },
  },
  { name: "erf", onnxOp: "Erf", doc: "error function", dtypes: F32, fn: erf, minOpset: 9, webgpu: true, derivative: (c, t, x) => c.mul(t, c.mul(c.scalar(2 / Math.sqrt(Math.PI)), c.emit1("exp", [c.neg(c.mul(x, x))]))) },
  { name: "floor", onnxOp: "Floor", doc: "round toward -inf", dtypes: F32, fn: Math.floor, minOpset: 6, webgpu: true, derivative: PIECEWISE_CONSTANT },
  { name: "ceil", onnxOp: "Ceil", doc: "round toward +inf", dtypes: F32, fn: Math.ceil, minOpset: 6, webgpu: true, derivative: PIECEWISE_CONSTANT },
  { name: "round", onnxOp: "Round", doc: "round half to even", dtypes: F32, fn: roundHalfEven, minOpset: 11, webgpu: { reason: "the WebGPU provider has no Round kernel" }, derivative: PIECEWISE_CONSTANT },
  { name: "reciprocal", onnxOp: "Reciprocal", doc: "1 / x", dtypes: F32, fn: (x) => 1 / x, minOpset: 6, webgpu: true, derivative: (c, t, _x, y) => c.neg(c.mul(t, c.mul(y, y))) },
  { name: "not", onnxOp: "Not", doc: "logical not", dtypes: ["bool"], fn: (x) => (x ? 0 : 1), minOpset: 1, webgpu: true, derivative: BOOL_RESULT },
];

function unaryPrimitive(spec: UnarySpec): PrimitiveDef {
  const derivative = typeof spec.derivative === "string" ? { nonDifferentiable: spec.derivative } : elementwiseRules(spec.derivative);
  return {
    name: spec.name,
    doc: `${spec.doc} (elementwise, ${spec.dtypes.join("/")})`,
    arity: 1,
    infer(inputs) {
      requireArity(spec.name, inputs, 1);
      const [x] = inputs;
      requireDType(spec.name, x!, spec.dtypes);
      return [tensorType(x!.dtype, x!.shape)];
    },
    evaluate([x]) {
      return [mapElements(x!, x!.dtype, spec.fn)];
    },
    onnx: {
      minOpset: spec.minOpset,
      webgpu: spec.webgpu,
      lower: (ctx, [x], _node, [xt]) => [spec.lower ? spec.lower(ctx, x!, xt!.dtype) : ctx.node1(spec.onnxOp, [x!])],
    },
    ...derivative,
  };
}

function negateInt(ctx: LowerContext, x: string): string {
  return ctx.node1("Sub", [ctx.constant([0], "i32", []), x]);
}

function signFromComparisons(ctx: LowerContext, x: string, dtype: DType): string {
  const zero = ctx.constant([0], dtype, []);
  return ctx.node1("Sub", [ctx.cast(ctx.node1("Greater", [x, zero]), dtype), ctx.cast(ctx.node1("Less", [x, zero]), dtype)]);
}

export const UNARY_PRIMITIVES: readonly PrimitiveDef[] = UNARY_SPECS.map(unaryPrimitive);
