// Constant folding: a node whose inputs are all `constant`s is evaluated at compile time with its
// primitive's float64 reference `evaluate` and replaced by `constant` nodes (one per output) that
// keep its span. Nodes that read a graph input (data, noise, step, lr, parameters, state) are never
// folded: a folded node's operands are constants all the way up. The one exception by design is
// `dim` of an axis whose size is concrete in the IR type: its value is fixed by the type alone,
// not by the data, so it becomes a constant too.
//
// Size caps: a result of more than MAX_FOLDED_ELEMENTS elements is not folded (it would bloat the
// model with an initializer, e.g. a scalar expanded to a matrix), nor is a node reading an operand
// of more than MAX_OPERAND_ELEMENTS (compile time).
//
// Float32 semantics. The emitted graph computes in float32, one operation at a time. Folding
// evaluates one node in float64 on operands that are already float32 values (constants hold
// Math.fround of their literal, as ONNX stores them) and rounds each result once to float32, so a
// chain of folded nodes rounds after every node, as float32 would. The difference from computing
// the node itself in float32:
//  - add, sub, mul, div, reciprocal, sqrt, neg, abs, min/max, comparisons, floor/ceil/round, mod, casts, and
//    every shape op (reshape, transpose, expand, concat, slice, gather, where, ...): none. Float64
//    holds the exact result of the float32 operands (or rounds it with 53 ≥ 2·24 + 2 bits, which
//    makes the second rounding to float32 innocuous), so the folded value is bit-identical to the
//    correctly rounded float32 result IEEE 754 prescribes.
//  - pow, exp, log, trig and hyperbolic functions, sigmoid, silu, erf: the folded value is the
//    float64 result rounded once, i.e. (nearly always) the correctly rounded float32; ONNX
//    Runtime's float32 kernels are not correctly rounded and may differ by an ulp or two
//    (relative ≈ 1e-7).
//  - reductions, matmul, cumsum, softmax/log_softmax: float64 accumulation rounded once is more
//    accurate than a float32 accumulation; they differ by the float32 accumulation error.
// Against the float64 reference interpreter, a folded f32 value differs from the unfolded graph's
// by the one rounding to float32 (relative ≤ 2^-24 ≈ 6e-8).
//
// Integer and bool semantics are kept exact: evaluate already wraps i32 arithmetic to 32 bits like
// the ONNX kernels, and a fold is skipped whenever the float64 evaluation might not be exact or the
// run-time result is not specified: i32 matmul (products and sums can exceed 2^53), i32 pow (kept
// only when every result is an exact integer in int32 range), f32 → i32 casts of NaN, infinities or
// out-of-range values, and any i32 result outside int32 (abs and neg of -2^31). Evaluation errors
// (integer division by zero, an out-of-range gather index) leave the node to fail at run time.

import { concreteShape, type DType } from "../ir/types.js";
import { dimValue } from "../ir/dims.js";
import type { Graph, Node } from "../ir/graph.js";
import { isDim } from "../ir/primitives/common.js";
import { getPrimitive } from "../ir/primitives/registry.js";
import { sizeOf, zipElements, type NDArray } from "../ir/ndarray.js";
import { constantOf, storedValue } from "./attrs.js";
import { Rewriter, type Pass } from "./rewrite.js";

export const MAX_FOLDED_ELEMENTS = 4096;
export const MAX_OPERAND_ELEMENTS = 65536;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A `constant` node defining `value`, in place of (and with the span of) `from`. */
function constantNode(from: Node, value: number, dtype: DType, shape: readonly number[], values: Float64Array): Omit<Node, "id"> {
  return { op: "constant", inputs: [], outputs: [value], attrs: { value: values, shape: [...shape], dtype }, ...(from.span ? { span: from.span } : {}) };
}

/** Whether the attributes mention only concrete sizes (evaluate cannot bind symbols). */
function concreteAttrs(node: Node): boolean {
  return Object.values(node.attrs).every((v) => {
    if (isDim(v)) return dimValue(v) !== undefined;
    if (Array.isArray(v)) return (v as readonly unknown[]).every((d) => !isDim(d) || dimValue(d) !== undefined);
    return true;
  });
}

/** Whether folding `node` on these operands is known to give exactly the run-time value (integer cases). */
function exactEnough(node: Node, args: readonly NDArray[]): boolean {
  const dtype = args[0]?.dtype;
  if (node.op === "matmul" && dtype === "i32") return false;
  if (node.op === "pow" && dtype === "i32") {
    const powers = zipElements([args[0]!, args[1]!], "f32", (a, b) => Math.pow(a!, b!));
    return powers.data.every((p) => Number.isInteger(p) && p >= INT32_MIN && p <= INT32_MAX);
  }
  if (node.op === "cast" && node.attrs["to"] === "i32" && dtype === "f32")
    return args[0]!.data.every((v) => Number.isFinite(v) && Math.trunc(v) >= INT32_MIN && Math.trunc(v) <= INT32_MAX);
  return true;
}

/** The folded values of one result, as stored; undefined if an integer result is not exact. */
function storedResult(result: NDArray, dtype: DType): Float64Array | undefined {
  if (result.dtype !== dtype) return undefined;
  if (dtype === "i32" && !result.data.every((v) => Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX)) return undefined;
  if (dtype === "bool" && !result.data.every((v) => v === 0 || v === 1)) return undefined;
  return result.data.map((v) => storedValue(dtype, v));
}

export const constantFolding: Pass = (graph: Graph): Graph => {
  const rw = new Rewriter(graph);
  const known = new Map<number, NDArray>(); // value → its constant value (as stored)

  const fold = (node: Node): boolean => {
    if (node.op === "constant") {
      const c = constantOf(node);
      if (c) known.set(node.outputs[0]!, { dtype: c.dtype, shape: c.shape, data: c.values });
      return false;
    }
    if (node.op === "dim") {
      const input = graph.values[node.inputs[0]!]!;
      const axis = node.attrs["axis"];
      if (typeof axis !== "number") return false;
      const size = input.shape[axis < 0 ? axis + input.shape.length : axis];
      const n = size === undefined ? undefined : dimValue(size);
      if (n === undefined) return false;
      const values = Float64Array.of(n);
      rw.emit(constantNode(node, node.outputs[0]!, "i32", [], values));
      known.set(node.outputs[0]!, { dtype: "i32", shape: [], data: values });
      return true;
    }
    const inputs = node.inputs.map((v) => rw.resolve(v));
    const args = inputs.map((v) => known.get(v));
    if (!args.every((a): a is NDArray => a !== undefined)) return false;
    if (args.some((a) => a.data.length > MAX_OPERAND_ELEMENTS)) return false;
    const types = node.outputs.map((v) => graph.values[v]!);
    const shapes = types.map((t) => concreteShape(t.shape));
    if (!shapes.every((s): s is number[] => s !== undefined && sizeOf(s) <= MAX_FOLDED_ELEMENTS)) return false;
    if (!concreteAttrs(node) || !exactEnough(node, args)) return false;

    let results: NDArray[];
    try {
      results = getPrimitive(node.op).evaluate(args, node.attrs);
    } catch {
      return false; // e.g. integer division by zero: left for run time
    }
    if (results.length !== node.outputs.length) return false;
    const stored: Float64Array[] = [];
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      const s = storedResult(r, types[i]!.dtype);
      if (!s || r.shape.length !== shapes[i]!.length || r.shape.some((d, k) => d !== shapes[i]![k])) return false;
      stored.push(s);
    }
    node.outputs.forEach((v, i) => {
      rw.emit(constantNode(node, v, types[i]!.dtype, shapes[i]!, stored[i]!));
      known.set(v, { dtype: types[i]!.dtype, shape: shapes[i]!, data: stored[i]! });
    });
    return true;
  };

  for (const node of graph.nodes) {
    if (fold(node)) rw.drop();
    else rw.keep(node);
  }
  return rw.finish();
};
