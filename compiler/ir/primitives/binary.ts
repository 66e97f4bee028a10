// Binary elementwise primitives with numpy broadcasting: arithmetic, comparisons and logic. Both
// operands must have the same dtype (the elaborator inserts casts). Integer arithmetic follows
// ONNX: division truncates toward zero and results wrap to 32 bits.

import { BOOL_RESULT } from "../../ad/rule-helpers.js";
import { toDType, zipElements } from "../ndarray.js";
import type { DerivativeRules, PrimitiveDef, WebGpuFallback } from "../primitive.js";
import { tensorType, type DType } from "../types.js";
import { broadcastShapes, requireArity, requireDType, requireSameDType } from "./common.js";
import type { LowerContext } from "../../onnx/context.js";
import { cFmod, pythonMod, truncDiv } from "./special-functions.js";
import * as rules from "./binary-derivatives.js";

interface BinarySpec {
  readonly name: string;
  readonly doc: string;
  readonly dtypes: readonly DType[];
  /** Comparisons produce bool; everything else keeps the operand dtype. */
  readonly resultBool: boolean;
  readonly fn: (a: number, b: number, dtype: DType) => number;
  readonly lower: (ctx: LowerContext, a: string, b: string, dtype: DType) => string;
  readonly minOpset: number;
  readonly webgpu: true | WebGpuFallback;
  /** Arithmetic: rules (binary-derivatives.ts). Comparisons and logic: bool results, no derivative. */
  readonly derivative: DerivativeRules | string;
}

const NUMERIC: readonly DType[] = ["f32", "i32"];
const ALL: readonly DType[] = ["f32", "i32", "bool"];
const BOOL: readonly DType[] = ["bool"];

/** A spec whose lowering is one ONNX op with the same operands. */
function direct(onnxOp: string): BinarySpec["lower"] {
  return (ctx, a, b) => ctx.node1(onnxOp, [a, b]);
}

/** Integer results wrap to int32 like the ONNX kernels; float results stay float64 (reference precision). */
function arith(f: (a: number, b: number) => number, intF?: (a: number, b: number) => number): BinarySpec["fn"] {
  return (a, b, dtype) => (dtype === "i32" ? toDType("i32", (intF ?? f)(a, b)) : f(a, b));
}

const bool = (x: boolean): number => (x ? 1 : 0);

/** Bool operands as int32 (0/1): the WebGPU provider compares int32 but not bool. */
function asInts(ctx: LowerContext, a: string, b: string, dtype: DType): [string, string] {
  return dtype === "bool" ? [ctx.cast(a, "i32"), ctx.cast(b, "i32")] : [a, b];
}

// WebGPU: measured by test/webgpu. The provider has And but no Or, Xor or bool Equal, so those are
// built from And, Not and int32 comparisons; it has no Mod.
const BINARY_SPECS: readonly BinarySpec[] = [
  { name: "add", doc: "a + b", dtypes: NUMERIC, resultBool: false, fn: arith((a, b) => a + b), lower: direct("Add"), minOpset: 7, webgpu: true, derivative: rules.add },
  { name: "sub", doc: "a - b", dtypes: NUMERIC, resultBool: false, fn: arith((a, b) => a - b), lower: direct("Sub"), minOpset: 7, webgpu: true, derivative: rules.sub },
  { name: "mul", doc: "a * b", dtypes: NUMERIC, resultBool: false, fn: arith((a, b) => a * b, Math.imul), lower: direct("Mul"), minOpset: 7, webgpu: true, derivative: rules.mul },
  { name: "div", doc: "a / b (i32: truncates toward zero)", dtypes: NUMERIC, resultBool: false, fn: arith((a, b) => a / b, truncDiv), lower: direct("Div"), minOpset: 7, webgpu: true, derivative: rules.div },
  { name: "pow", doc: "a ** b", dtypes: NUMERIC, resultBool: false, fn: arith(Math.pow), lower: direct("Pow"), minOpset: 12, webgpu: true, derivative: rules.pow },
  { name: "max", doc: "elementwise maximum", dtypes: NUMERIC, resultBool: false, fn: (a, b) => Math.max(a, b), lower: direct("Max"), minOpset: 12, webgpu: true, derivative: rules.max },
  { name: "min", doc: "elementwise minimum", dtypes: NUMERIC, resultBool: false, fn: (a, b) => Math.min(a, b), lower: direct("Min"), minOpset: 12, webgpu: true, derivative: rules.min },
  {
    name: "mod",
    doc: "remainder: i32 takes the divisor's sign (Python), f32 the dividend's (C fmod)",
    dtypes: NUMERIC,
    resultBool: false,
    fn: (a, b, dtype) => (dtype === "i32" ? pythonMod(a, b) : cFmod(a, b)),
    // ONNX Mod rejects fmod=0 on floats, and fmod=0 on integers is exactly Python's %.
    lower: (ctx, a, b, dtype) => ctx.node1("Mod", [a, b], { fmod: dtype === "f32" ? 1 : 0 }),
    minOpset: 10,
    webgpu: { reason: "the WebGPU provider has no Mod kernel" },
    derivative: rules.mod,
  },
  { name: "eq", doc: "a == b", dtypes: ALL, resultBool: true, fn: (a, b) => bool(a === b), lower: (ctx, a, b, dtype) => ctx.node1("Equal", asInts(ctx, a, b, dtype)), minOpset: 11, webgpu: true, derivative: BOOL_RESULT },
  {
    name: "ne",
    doc: "a != b",
    dtypes: ALL,
    resultBool: true,
    fn: (a, b) => bool(a !== b),
    lower: (ctx, a, b, dtype) => ctx.node1("Not", [ctx.node1("Equal", asInts(ctx, a, b, dtype))]),
    minOpset: 11,
    webgpu: true,
    derivative: BOOL_RESULT,
  },
  { name: "lt", doc: "a < b", dtypes: NUMERIC, resultBool: true, fn: (a, b) => bool(a < b), lower: direct("Less"), minOpset: 9, webgpu: true, derivative: BOOL_RESULT },
  { name: "le", doc: "a <= b", dtypes: NUMERIC, resultBool: true, fn: (a, b) => bool(a <= b), lower: direct("LessOrEqual"), minOpset: 12, webgpu: true, derivative: BOOL_RESULT },
  { name: "gt", doc: "a > b", dtypes: NUMERIC, resultBool: true, fn: (a, b) => bool(a > b), lower: direct("Greater"), minOpset: 9, webgpu: true, derivative: BOOL_RESULT },
  { name: "ge", doc: "a >= b", dtypes: NUMERIC, resultBool: true, fn: (a, b) => bool(a >= b), lower: direct("GreaterOrEqual"), minOpset: 12, webgpu: true, derivative: BOOL_RESULT },
  { name: "and", doc: "logical and", dtypes: BOOL, resultBool: true, fn: (a, b) => bool(a !== 0 && b !== 0), lower: direct("And"), minOpset: 7, webgpu: true, derivative: BOOL_RESULT },
  { name: "or", doc: "logical or", dtypes: BOOL, resultBool: true, fn: (a, b) => bool(a !== 0 || b !== 0), lower: (ctx, a, b) => ctx.node1("Not", [ctx.node1("And", [ctx.node1("Not", [a]), ctx.node1("Not", [b])])]), minOpset: 7, webgpu: true, derivative: BOOL_RESULT },
  { name: "xor", doc: "logical exclusive or", dtypes: BOOL, resultBool: true, fn: (a, b) => bool((a !== 0) !== (b !== 0)), lower: (ctx, a, b, dtype) => ctx.node1("Not", [ctx.node1("Equal", asInts(ctx, a, b, dtype))]), minOpset: 11, webgpu: true, derivative: BOOL_RESULT },
];

function binaryPrimitive(spec: BinarySpec): PrimitiveDef {
  const resultDType = (operand: DType): DType => (spec.resultBool ? "bool" : operand);
  return {
    name: spec.name,
    doc: `${spec.doc} (broadcasting, ${spec.dtypes.join("/")}${spec.resultBool ? " → bool" : ""})`,
    arity: 2,
    infer(inputs) {
      requireArity(spec.name, inputs, 2);
      const a = inputs[0]!;
      const b = inputs[1]!;
      requireSameDType(spec.name, a, b);
      requireDType(spec.name, a, spec.dtypes, "operands");
      return [tensorType(resultDType(a.dtype), broadcastShapes(spec.name, a, b))];
    },
    evaluate([a, b]) {
      const dtype = a!.dtype;
      return [zipElements([a!, b!], resultDType(dtype), (x, y) => spec.fn(x!, y!, dtype))];
    },
    onnx: {
      minOpset: spec.minOpset,
      webgpu: spec.webgpu,
      lower: (ctx, [a, b], _node, [ta]) => [spec.lower(ctx, a!, b!, ta!.dtype)],
    },
    ...(typeof spec.derivative === "string" ? { nonDifferentiable: spec.derivative } : spec.derivative),
  };
}

export const BINARY_PRIMITIVES: readonly PrimitiveDef[] = BINARY_SPECS.map(binaryPrimitive);
