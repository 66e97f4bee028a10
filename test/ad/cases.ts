// The primitive cases the derivative tests run: every case of test/ir/primitive-cases.ts whose op
// has derivative rules and that has an f32 input and output, adapted to stay off kinks, plus cases
// for paths of the rules the IR cases do not reach (symbolic concat pieces, batched matmul
// operands, f32 versions of i32-only cases).

import { dimConst, dimSym } from "../../compiler/ir/dims.js";
import { getPrimitive } from "../../compiler/ir/primitives/registry.js";
import { caseGraph, gen, type InputSpec, type PrimitiveCase } from "../ir/harness.js";
import { PRIMITIVE_CASES } from "../ir/primitive-cases.js";

const f32 = (shape: InputSpec["shape"], g?: InputSpec["gen"]): InputSpec => ({ dtype: "f32", shape, gen: g });
const i32 = (shape: InputSpec["shape"], g?: InputSpec["gen"]): InputSpec => ({ dtype: "i32", shape, gen: g });
const B = dimSym("B");
const SIZES = { B: 3 };

const EXTRA_CASES: readonly PrimitiveCase[] = [
  { op: "cast", label: "f32→f32", attrs: { to: "f32" }, inputs: [f32([2, 3])] },
  { op: "cumsum", label: "f32 exclusive reverse", attrs: { axis: 0, exclusive: true, reverse: true }, inputs: [f32([4, 2])] },
  { op: "matmul", label: "batched @ matrix", inputs: [f32([2, 3, 4]), f32([4, 5])] },
  { op: "matmul", label: "symbolic batched @ matrix", inputs: [f32(["B", 3, 4]), f32([4, 2])], sizes: SIZES },
  { op: "matmul", label: "matrix @ batched", inputs: [f32([3, 4]), f32([2, 4, 5])] },
  { op: "matmul", label: "batched @ vector", inputs: [f32([2, 3, 4]), f32([4])] },
  { op: "matmul", label: "both batched", inputs: [f32([2, 1, 3, 4]), f32([1, 2, 4, 2])] },
  { op: "reduce_mean", label: "symbolic axis", attrs: { axes: [0], keepdims: false }, inputs: [f32(["B", 3])], sizes: SIZES },
  { op: "reduce_sum", label: "symbolic axis, keepdims", attrs: { axes: [0, 1], keepdims: true }, inputs: [f32(["B", 3])], sizes: SIZES },
  { op: "reduce_max", label: "two axes", attrs: { axes: [0, 2], keepdims: true }, inputs: [f32([2, 3, 4])] },
  { op: "concat", label: "symbolic first", attrs: { axis: 0 }, inputs: [f32(["B", 2]), f32([3, 2])], sizes: SIZES },
  { op: "concat", label: "symbolic middle", attrs: { axis: 0 }, inputs: [f32([3, 2]), f32(["B", 2]), f32([2, 2])], sizes: SIZES },
  { op: "concat", label: "symbolic on both sides", attrs: { axis: 0 }, inputs: [f32(["B", 2]), f32([3, 2]), f32(["B", 2])], sizes: SIZES },
  { op: "concat", label: "axis 1, symbolic rows", attrs: { axis: 1 }, inputs: [f32(["B", 2]), f32(["B", 3])], sizes: SIZES },
  { op: "gather", label: "f32, scalar index", attrs: { axis: 0 }, inputs: [f32([4, 3]), i32([], gen.index(4))] },
  { op: "gather", label: "repeated indices", attrs: { axis: 1 }, inputs: [f32([2, 3]), i32([2, 4], gen.index(3))] },
  { op: "slice", label: "step 3", attrs: { axis: 1, start: 0, stop: null, step: 3 }, inputs: [f32([2, 7])] },
  { op: "expand", label: "new leading axes", attrs: { shape: [dimConst(2), B, dimConst(3)] }, inputs: [f32([3])], context: [f32(["B", 1])], sizes: SIZES },
  { op: "where", label: "scalar branch", inputs: [{ dtype: "bool", shape: [2, 3] }, f32([]), f32([2, 3])] },
  { op: "pow", label: "matrix exponent", inputs: [f32([2, 3], gen.positive), f32([2, 3])] },
];

/** Inputs drawn from the multiples of 0.5 tie on purpose; derivatives are tested off ties. */
function offKinks(c: PrimitiveCase): PrimitiveCase {
  return { ...c, inputs: c.inputs.map((s) => (s.dtype === "f32" && s.gen === gen.halves ? { ...s, gen: gen.normal } : s)) };
}

function hasDerivative(c: PrimitiveCase): boolean {
  if (getPrimitive(c.op).nonDifferentiable !== undefined) return false;
  // Ties between equal values (topk's tie cases) are kinks: finite differences see no derivative.
  if (c.label?.includes("ties")) return false;
  const graph = caseGraph(c);
  const f32Out = graph.outputs.some((o) => graph.values[o.value]!.dtype === "f32");
  return f32Out && c.inputs.some((s) => s.dtype === "f32");
}

export const DERIVATIVE_CASES: readonly PrimitiveCase[] = [...PRIMITIVE_CASES, ...EXTRA_CASES].filter(hasDerivative).map(offKinks);
