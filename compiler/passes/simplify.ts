// Algebraic simplifications that are exact in IEEE arithmetic: each rewrite gives bit-identical
// results for every input, NaN, infinities and signed zeros included. Deliberately small:
//
//   x * 1, 1 * x, x / 1          → x   (f32 and i32; exact, -0 and NaN included)
//   x - 0 (i32), x - (+0.0) (f32) → x   (x - (+0) = x + (-0) = x for every float x, -0 included)
//   x + 0, 0 + x (i32)           → x
//   x + (-0.0), (-0.0) + x (f32) → x
//   reshape(x) to x's own shape  → x
//   reshape(reshape(x))          → one reshape of x
//   transpose(x), identity perm  → x
//   transpose(transpose(x))      → one transpose with the composed permutation (or x)
//   expand(x) to x's own shape   → x
//   cast(x) to x's own dtype     → x
//   stop_grad(x)                 → x
//
// Each applies only when the result has exactly the type of the value that replaces it (so
// `x * ones([n])` that broadcasts a scalar x is left alone).
//
// Not done, because it is not exact: x + (+0.0) → x for f32 maps x = -0 to +0 (the sign of a zero
// shows in 1/x, atan2, sign bits of outputs); x * 0 → 0 is wrong for NaN, ±Inf and the sign of
// zero. (So `g + weight_decay * p` with weight_decay = 0 in std/optim.flow stays in the graph.)
//
// stop_grad: its only meaning is to autodiff (a zero derivative); it computes the identity and
// lowers to no ONNX node. The optimizer runs on graphs right before lowering, after every grad,
// jvp and vjp transform has run (the training step is differentiated while it is built), so
// nothing reads the marker afterwards. Optimized graphs must therefore not be differentiated again.

import type { Graph, Node, ValueId } from "../ir/graph.js";
import { attrDims } from "../ir/primitives/common.js";
import { shapesEqual, typesEqual } from "../ir/types.js";
import { constantOf } from "./attrs.js";
import { Rewriter, type Pass } from "./rewrite.js";

/** Which constants a binary op may drop: all elements equal to `value` (sign of zero included). */
type Neutral = "one" | "zero" | "positive zero" | "negative zero";

function isNeutral(node: Node | undefined, kind: Neutral): boolean {
  const c = node && constantOf(node);
  if (!c || c.values.length === 0) return false;
  const test = (v: number): boolean => {
    switch (kind) {
      case "one":
        return v === 1;
      case "zero":
        return v === 0;
      case "positive zero":
        return Object.is(v, 0);
      case "negative zero":
        return Object.is(v, -0);
    }
  };
  return c.values.every(test);
}

function isIdentityPermutation(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}

export const algebraicSimplification: Pass = (graph: Graph): Graph => {
  const rw = new Rewriter(graph);
  const producer = new Map<ValueId, number>(); // value → position of its node in the rewritten list
  const nodeOf = (v: ValueId): Node | undefined => {
    const at = producer.get(v);
    return at === undefined ? undefined : rw.at(at);
  };
  const typeOf = (v: ValueId) => graph.values[v]!;

  /** The value `node` can be replaced by, if it is an identity; undefined otherwise. */
  const identityOf = (node: Node, inputs: readonly ValueId[]): ValueId | undefined => {
    const out = typeOf(node.outputs[0]!);
    const same = (v: ValueId) => typesEqual(typeOf(v), out);
    const [a, b] = inputs;
    switch (node.op) {
      case "stop_grad":
        return a;
      case "cast":
      case "expand":
      case "reshape":
        return same(a!) ? a : undefined;
      case "transpose": {
        const perm = node.attrs["perm"];
        return Array.isArray(perm) && isIdentityPermutation(perm as number[]) ? a : undefined;
      }
      case "mul":
        if (isNeutral(nodeOf(b!), "one") && same(a!)) return a;
        if (isNeutral(nodeOf(a!), "one") && same(b!)) return b;
        return undefined;
      case "div":
        return isNeutral(nodeOf(b!), "one") && same(a!) ? a : undefined;
      case "add": {
        const zero: Neutral = out.dtype === "i32" ? "zero" : "negative zero";
        if (isNeutral(nodeOf(b!), zero) && same(a!)) return a;
        if (isNeutral(nodeOf(a!), zero) && same(b!)) return b;
        return undefined;
      }
      case "sub":
        return isNeutral(nodeOf(b!), out.dtype === "i32" ? "zero" : "positive zero") && same(a!) ? a : undefined;
      default:
        return undefined;
    }
  };

  /** A cheaper node computing the same as `node` (a composed reshape or transpose); undefined otherwise. */
  const composed = (node: Node, inputs: readonly ValueId[]): Omit<Node, "id"> | undefined => {
    const inner = nodeOf(inputs[0]!);
    if (!inner || inner.op !== node.op) return undefined;
    if (node.op === "reshape") return { ...node, inputs: [inner.inputs[0]!] };
    if (node.op === "transpose") {
      const outer = node.attrs["perm"] as number[];
      const first = inner.attrs["perm"] as number[];
      // Output axis i of the outer transpose is its input axis outer[i], which is x's axis first[outer[i]].
      return { ...node, inputs: [inner.inputs[0]!], attrs: { ...node.attrs, perm: outer.map((p) => first[p]!) } };
    }
    return undefined;
  };

  for (const node of graph.nodes) {
    const inputs = node.inputs.map((v) => rw.resolve(v));
    if (node.outputs.length === 1) {
      const identity = identityOf(node, inputs);
      if (identity !== undefined) {
        rw.replace(node.outputs[0]!, identity);
        rw.drop();
        continue;
      }
      const replacement = composed(node, inputs);
      if (replacement) {
        // The composed node may itself be an identity (reshape back to x's shape, inverse transposes).
        const x = replacement.inputs[0]!;
        const trivial =
          (node.op === "reshape" && shapesEqual(attrDims(replacement.attrs, "shape", "reshape"), typeOf(x).shape)) ||
          (node.op === "transpose" && isIdentityPermutation(replacement.attrs["perm"] as number[]));
        if (trivial && typesEqual(typeOf(x), typeOf(node.outputs[0]!))) {
          rw.replace(node.outputs[0]!, x);
          rw.drop();
          continue;
        }
        rw.drop();
        producer.set(node.outputs[0]!, rw.emit(replacement));
        continue;
      }
    }
    const at = rw.keep(node);
    for (const v of node.outputs) producer.set(v, at);
  }
  return rw.finish();
};

