// Example inputs and attributes for every IR primitive. test/ir/primitives.test.ts runs each case
// through the reference interpreter and ONNX Runtime and compares; it also fails if a registered
// primitive has no case here. Input domains keep each function well-conditioned (positive for log,
// (-1, 1) for atanh, non-zero divisors, …).

import { dimConst, dimMul, dimSym } from "../../compiler/ir/dims.js";
import { gen, type InputSpec, type PrimitiveCase } from "./harness.js";

const f32 = (shape: InputSpec["shape"], g?: InputSpec["gen"]): InputSpec => ({ dtype: "f32", shape, gen: g });
const i32 = (shape: InputSpec["shape"], g?: InputSpec["gen"]): InputSpec => ({ dtype: "i32", shape, gen: g });
const bool = (shape: InputSpec["shape"]): InputSpec => ({ dtype: "bool", shape });

const B = dimSym("B");
const SIZES = { B: 5 };

// --- elementwise ---------------------------------------------------------------------------------

const UNARY_DOMAINS: Readonly<Record<string, InputSpec["gen"]>> = {
  neg: gen.normal,
  abs: gen.normal,
  sign: gen.halves,
  exp: gen.normal,
  log: gen.positive,
  sqrt: gen.positive,
  sin: gen.uniform(-4, 4),
  cos: gen.uniform(-4, 4),
  tan: gen.uniform(-1.2, 1.2),
  tanh: gen.uniform(-3, 3),
  atanh: gen.unit,
  sinh: gen.uniform(-3, 3),
  cosh: gen.uniform(-3, 3),
  asinh: gen.uniform(-5, 5),
  sigmoid: gen.uniform(-6, 6),
  silu: gen.uniform(-6, 6),
  erf: gen.uniform(-3, 3),
  floor: gen.uniform(-4, 4),
  ceil: gen.uniform(-4, 4),
  round: gen.halves,
  reciprocal: gen.nonzero,
};

const unaryCases: PrimitiveCase[] = [
  ...Object.entries(UNARY_DOMAINS).map(([op, g]) => ({ op, inputs: [f32([3, 4], g)] })),
  ...["neg", "abs", "sign"].map((op) => ({ op, label: "i32", inputs: [i32([6])] })),
  { op: "not", inputs: [bool([2, 3])] },
];

const binaryCases: PrimitiveCase[] = [
  { op: "add", inputs: [f32([2, 3]), f32([3])] },
  { op: "add", label: "i32, both sides broadcast", inputs: [i32([2, 1]), i32([1, 3])] },
  { op: "sub", inputs: [f32([2, 1, 3]), f32([4, 1])] },
  { op: "sub", label: "i32", inputs: [i32([4]), i32([4])] },
  { op: "mul", inputs: [f32([2, 3]), f32([])] },
  { op: "mul", label: "i32", inputs: [i32([2, 3]), i32([3])] },
  { op: "div", inputs: [f32([2, 3]), f32([2, 3], gen.nonzero)] },
  { op: "div", label: "i32 truncates", inputs: [i32([3, 4], gen.integer(-9, 9)), i32([4], gen.nonzeroInt)] },
  { op: "pow", inputs: [f32([2, 3], gen.positive), f32([3], gen.uniform(-2, 2))] },
  { op: "pow", label: "i32", inputs: [i32([6], gen.integer(-3, 3)), i32([6], gen.integer(0, 3))] },
  { op: "max", inputs: [f32([2, 3], gen.halves), f32([3], gen.halves)] },
  { op: "max", label: "i32", inputs: [i32([2, 3]), i32([1, 3])] },
  { op: "min", inputs: [f32([2, 3], gen.halves), f32([2, 1], gen.halves)] },
  { op: "min", label: "i32", inputs: [i32([5]), i32([5])] },
  { op: "mod", label: "f32 fmod", inputs: [f32([3, 4], gen.uniform(-5, 5)), f32([4], gen.nonzero)] },
  { op: "mod", label: "i32 Python", inputs: [i32([3, 4], gen.integer(-10, 10)), i32([4], gen.nonzeroInt)] },
  ...["eq", "ne", "lt", "le", "gt", "ge"].map((op) => ({ op, inputs: [f32([3, 4], gen.halves), f32([4], gen.halves)] })),
  ...["eq", "lt", "ge"].map((op) => ({ op, label: "i32", inputs: [i32([6], gen.integer(-2, 2)), i32([6], gen.integer(-2, 2))] })),
  ...["eq", "ne"].map((op) => ({ op, label: "bool", inputs: [bool([2, 3]), bool([3])] })),
  ...["and", "or", "xor"].map((op) => ({ op, inputs: [bool([2, 3]), bool([1, 3])] })),
];

const convertCases: PrimitiveCase[] = [
  { op: "where", inputs: [bool([2, 1]), f32([3]), f32([2, 3])] },
  { op: "where", label: "i32", inputs: [bool([4]), i32([4]), i32([])] },
  { op: "where", label: "bool", inputs: [bool([2, 3]), bool([2, 3]), bool([3])] },
  { op: "cast", label: "f32→i32 truncates", attrs: { to: "i32" }, inputs: [f32([8], gen.uniform(-6, 6))] },
  { op: "cast", label: "f32→bool", attrs: { to: "bool" }, inputs: [f32([8], gen.halves)] },
  { op: "cast", label: "i32→f32", attrs: { to: "f32" }, inputs: [i32([2, 3])] },
  { op: "cast", label: "i32→bool", attrs: { to: "bool" }, inputs: [i32([6], gen.integer(-1, 1))] },
  { op: "cast", label: "bool→f32", attrs: { to: "f32" }, inputs: [bool([5])] },
  { op: "cast", label: "bool→i32", attrs: { to: "i32" }, inputs: [bool([5])] },
  { op: "stop_grad", inputs: [f32([3, 2])] },
];

// --- linear algebra and reductions ----------------------------------------------------------------

const linalgCases: PrimitiveCase[] = [
  { op: "matmul", inputs: [f32([3, 4]), f32([4, 5])] },
  { op: "matmul", label: "batch broadcast", inputs: [f32([2, 1, 3, 4]), f32([3, 4, 2])] },
  { op: "matmul", label: "vector @ matrix", inputs: [f32([4]), f32([2, 4, 3])] },
  { op: "matmul", label: "matrix @ vector", inputs: [f32([3, 4]), f32([4])] },
  { op: "matmul", label: "vector @ vector", inputs: [f32([4]), f32([4])] },
  { op: "matmul", label: "i32", inputs: [i32([2, 3]), i32([3, 2])] },
  { op: "matmul", label: "symbolic batch", inputs: [f32(["B", 3]), f32([3, 2])], sizes: SIZES },
];

const reduceCases: PrimitiveCase[] = [
  { op: "reduce_sum", attrs: { axes: [1], keepdims: false }, inputs: [f32([2, 3, 4])] },
  { op: "reduce_sum", label: "two axes, keepdims", attrs: { axes: [0, 2], keepdims: true }, inputs: [f32([2, 3, 4])] },
  { op: "reduce_sum", label: "no axes is identity", attrs: { axes: [], keepdims: false }, inputs: [f32([2, 3])] },
  { op: "reduce_sum", label: "i32, all axes", attrs: { axes: [0, 1], keepdims: false }, inputs: [i32([3, 4])] },
  // Sums over leading axes lower to ones @ x (reduce.ts): the plain, reshaped and symbolic forms.
  { op: "reduce_sum", label: "leading axis", attrs: { axes: [0], keepdims: false }, inputs: [f32([7, 3])] },
  { op: "reduce_sum", label: "leading axis, keepdims", attrs: { axes: [0], keepdims: true }, inputs: [f32([7, 3])] },
  { op: "reduce_sum", label: "two leading axes, keepdims", attrs: { axes: [0, 1], keepdims: true }, inputs: [f32([2, 3, 4])] },
  { op: "reduce_sum", label: "leading axis of three", attrs: { axes: [0], keepdims: false }, inputs: [f32([3, 2, 4])] },
  { op: "reduce_sum", label: "symbolic leading axis", attrs: { axes: [0], keepdims: false }, inputs: [f32(["B", 4])], sizes: SIZES },
  { op: "reduce_sum", label: "symbolic leading axes, keepdims", attrs: { axes: [0, 1], keepdims: true }, inputs: [f32(["B", 2, 3])], sizes: SIZES },
  { op: "reduce_sum", label: "leading axis wider than the product threshold", attrs: { axes: [0], keepdims: false }, inputs: [f32([3, 300])] },
  { op: "reduce_mean", attrs: { axes: [0, 1], keepdims: false }, inputs: [f32([3, 4, 2])] },
  { op: "reduce_mean", label: "keepdims", attrs: { axes: [1], keepdims: true }, inputs: [f32([3, 4])] },
  { op: "reduce_max", attrs: { axes: [2], keepdims: false }, inputs: [f32([2, 3, 4])] },
  { op: "reduce_max", label: "i32", attrs: { axes: [0], keepdims: true }, inputs: [i32([3, 4])] },
  { op: "reduce_min", attrs: { axes: [0], keepdims: true }, inputs: [f32([3, 4])] },
  { op: "reduce_min", label: "symbolic kept axis", attrs: { axes: [1], keepdims: false }, inputs: [f32(["B", 4])], sizes: SIZES },
  { op: "argmax", attrs: { axis: 1, keepdims: false }, inputs: [f32([3, 5], gen.halves)] },
  { op: "argmax", label: "keepdims, axis 0", attrs: { axis: 0, keepdims: true }, inputs: [f32([4, 3], gen.halves)] },
  { op: "argmin", attrs: { axis: 1, keepdims: false }, inputs: [f32([3, 5], gen.halves)] },
  { op: "argmin", label: "i32", attrs: { axis: 0, keepdims: false }, inputs: [i32([4, 3], gen.integer(-2, 2))] },
  { op: "softmax", attrs: { axis: 1 }, inputs: [f32([3, 5], gen.uniform(-5, 5))] },
  { op: "softmax", label: "axis 0", attrs: { axis: 0 }, inputs: [f32([4, 2, 3])] },
  { op: "log_softmax", attrs: { axis: 1 }, inputs: [f32([3, 5], gen.uniform(-5, 5))] },
  { op: "log_softmax", label: "negative axis", attrs: { axis: -1 }, inputs: [f32([2, 3, 4])] },
  { op: "cumsum", attrs: { axis: 1, exclusive: false, reverse: false }, inputs: [f32([3, 4])] },
  { op: "cumsum", label: "exclusive", attrs: { axis: 0, exclusive: true, reverse: false }, inputs: [f32([3, 4])] },
  { op: "cumsum", label: "reverse", attrs: { axis: 1, exclusive: false, reverse: true }, inputs: [f32([3, 4])] },
  { op: "cumsum", label: "exclusive reverse i32", attrs: { axis: 0, exclusive: true, reverse: true }, inputs: [i32([5, 2])] },
];

// --- shapes ---------------------------------------------------------------------------------------

const shapeCases: PrimitiveCase[] = [
  { op: "reshape", attrs: { shape: [dimConst(6), dimConst(4)] }, inputs: [f32([2, 3, 4])] },
  { op: "reshape", label: "symbolic split", attrs: { shape: [B, dimConst(2), dimConst(3)] }, inputs: [f32(["B", 6])], sizes: SIZES },
  { op: "reshape", label: "symbolic flatten", attrs: { shape: [dimMul(B, dimConst(6))] }, inputs: [f32(["B", 2, 3])], sizes: SIZES },
  { op: "transpose", attrs: { perm: [2, 0, 1] }, inputs: [f32([2, 3, 4])] },
  { op: "transpose", label: "symbolic", attrs: { perm: [1, 0] }, inputs: [i32(["B", 3])], sizes: SIZES },
  { op: "expand", attrs: { shape: [dimConst(2), dimConst(3), dimConst(4)] }, inputs: [f32([3, 1])] },
  { op: "expand", label: "symbolic from input", attrs: { shape: [B, dimConst(4)] }, inputs: [f32(["B", 1])], sizes: SIZES },
  {
    op: "expand",
    label: "symbolic from another input",
    attrs: { shape: [B, dimConst(3)] },
    inputs: [f32([1, 3])],
    context: [f32(["B", 2])],
    sizes: SIZES,
  },
  { op: "concat", attrs: { axis: 1 }, inputs: [f32([2, 3]), f32([2, 1]), f32([2, 2])] },
  { op: "concat", label: "symbolic axis, i32", attrs: { axis: 0 }, inputs: [i32(["B", 2]), i32([3, 2])], sizes: SIZES },
  { op: "slice", attrs: { axis: 0, start: 1, stop: 4, step: 1 }, inputs: [f32([5, 4])] },
  { op: "slice", label: "step 2, open end", attrs: { axis: 1, start: 1, stop: null, step: 2 }, inputs: [f32([3, 6])] },
  { op: "slice", label: "negative bounds", attrs: { axis: 1, start: -4, stop: -1, step: 1 }, inputs: [f32([3, 6])] },
  { op: "slice", label: "reversed", attrs: { axis: 0, start: -1, stop: null, step: -1 }, inputs: [f32([5, 2])] },
  { op: "slice", label: "negative step 2", attrs: { axis: 0, start: 4, stop: 0, step: -2 }, inputs: [f32([6, 2])] },
  { op: "slice", label: "negative step, start before the axis", attrs: { axis: 0, start: -10, stop: null, step: -1 }, inputs: [f32([5])] },
  { op: "slice", label: "negative step, start past the end", attrs: { axis: 0, start: 10, stop: 1, step: -1 }, inputs: [f32([5])] },
  { op: "slice", label: "empty", attrs: { axis: 0, start: 3, stop: 1, step: 1 }, inputs: [f32([5, 2])] },
  { op: "slice", label: "symbolic, drop first", attrs: { axis: 0, start: 1, stop: null, step: 1 }, inputs: [f32(["B", 3])], sizes: SIZES },
  { op: "slice", label: "symbolic, negative stop", attrs: { axis: 0, start: 1, stop: -1, step: 1 }, inputs: [f32(["B", 3])], sizes: SIZES },
  { op: "slice", label: "symbolic, last two", attrs: { axis: 0, start: -2, stop: null, step: 1 }, inputs: [f32(["B", 3])], sizes: SIZES },
  { op: "slice", label: "symbolic, constant bounds", attrs: { axis: 0, start: 1, stop: 3, step: 1 }, inputs: [f32(["B", 3])], sizes: SIZES },
];

// --- indexing -------------------------------------------------------------------------------------

const indexingCases: PrimitiveCase[] = [
  { op: "gather", attrs: { axis: 0 }, inputs: [f32([4, 3]), i32([2, 2], gen.index(4))] },
  { op: "gather", label: "axis 1", attrs: { axis: 1 }, inputs: [f32([2, 3, 2]), i32([5], gen.index(3))] },
  { op: "gather", label: "scalar index", attrs: { axis: 0 }, inputs: [i32([4, 3]), i32([], gen.index(4))] },
  { op: "gather", label: "symbolic data", attrs: { axis: 1 }, inputs: [f32(["B", 4]), i32([3], gen.index(4))], sizes: SIZES },
  { op: "gather_elements", attrs: { axis: 1 }, inputs: [f32([3, 4]), i32([3, 2], gen.index(4))] },
  { op: "gather_elements", label: "axis 0", attrs: { axis: 0 }, inputs: [f32([3, 4]), i32([5, 4], gen.index(3))] },
  { op: "scatter_add", attrs: { axis: 0 }, inputs: [f32([3, 4]), i32([5, 4], gen.index(3, false)), f32([5, 4])] },
  { op: "scatter_add", label: "axis 1, negative indices", attrs: { axis: 1 }, inputs: [f32([2, 4]), i32([2, 3], gen.index(4)), f32([2, 3])] },
  { op: "scatter_add", label: "i32", attrs: { axis: 0 }, inputs: [i32([3]), i32([6], gen.index(3, false)), i32([6])] },
  { op: "topk", attrs: { k: 2, axis: 1, largest: true }, inputs: [f32([3, 5])] },
  { op: "topk", label: "smallest, axis 0", attrs: { k: 3, axis: 0, largest: false }, inputs: [f32([4, 2])] },
  { op: "topk", label: "ties take the lower index", attrs: { k: 4, axis: 1, largest: true }, inputs: [f32([3, 6], gen.integer(0, 2))] },
  { op: "topk", label: "smallest with ties", attrs: { k: 4, axis: 1, largest: false }, inputs: [f32([3, 6], gen.integer(0, 2))] },
];

// --- constants ------------------------------------------------------------------------------------

const constantCases: PrimitiveCase[] = [
  { op: "constant", attrs: { value: Float64Array.of(1.5, -2, 0.1, 4), shape: [2, 2], dtype: "f32" }, inputs: [] },
  { op: "constant", label: "i32 scalar", attrs: { value: Float64Array.of(7), shape: [], dtype: "i32" }, inputs: [] },
  { op: "constant", label: "bool", attrs: { value: Float64Array.of(1, 0, 1), shape: [3], dtype: "bool" }, inputs: [] },
  { op: "arange", attrs: { n: dimConst(5), dtype: "f32" }, inputs: [] },
  { op: "arange", label: "i32", attrs: { n: dimConst(4), dtype: "i32" }, inputs: [] },
  { op: "arange", label: "symbolic", attrs: { n: B, dtype: "i32" }, inputs: [], context: [f32(["B", 2])], sizes: SIZES },
  { op: "arange", label: "symbolic f32", attrs: { n: dimMul(B, dimConst(2)), dtype: "f32" }, inputs: [], context: [f32(["B", 2])], sizes: SIZES },
  { op: "dim", attrs: { axis: 0 }, inputs: [f32(["B", 3])], sizes: SIZES },
  { op: "dim", label: "concrete", attrs: { axis: 1 }, inputs: [f32(["B", 3])], sizes: SIZES },
];

export const PRIMITIVE_CASES: readonly PrimitiveCase[] = [
  ...unaryCases,
  ...binaryCases,
  ...convertCases,
  ...linalgCases,
  ...reduceCases,
  ...shapeCases,
  ...indexingCases,
  ...constantCases,
];
