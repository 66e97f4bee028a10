// `@custom_vjp(backward)` on a function: reverse mode uses `backward` instead of differentiating
// the function's body (PowerNorm's approximate backward pass, hand-derived gradients).
//
//   @custom_vjp(normalize_backward)
//   fn normalize(x: f32[N, d]) -> f32[N, d] { ... }
//   fn normalize_backward(x: f32[N, d], y: f32[N, d], y_bar: f32[N, d]) -> f32[N, d] { ... }
//
// The backward function is called with the forward's arguments, then its result, then the
// cotangent of its result (same structure as the result), and returns the cotangent of each f32
// tensor argument (a tuple when there are several; `0.0` for a zero). It is elaborated only when
// reverse mode reaches the call, into the same graph, so it may read forward values (recomputed
// from the arguments: common-subexpression elimination merges them with the forward's nodes) and
// `set` the state of its module — the state update then happens in the backward pass.

import type * as A from "../../grammar/ast.js";
import { fail } from "../diagnostics/index.js";
import type { ValueId } from "../ir/graph.js";
import { typeToString, type TensorType } from "../ir/types.js";
import type { Span } from "../source.js";
import type { Elaborator, Frame } from "./elaborator.js";
import { emitTensor, scalarConstant, tensorValue, type TensorValue } from "./tensors.js";
import { describe, type Value } from "./values.js";

type Closure = Extract<Value, { kind: "closure" }>;

export function customVjpAttribute(fn: Closure["fn"]): A.Attribute | undefined {
  return fn.kind === "FnDecl" ? fn.attributes.find((a) => a.name.name === "custom_vjp") : undefined;
}

export interface CustomVjpCall {
  readonly closure: Closure;
  readonly attribute: A.Attribute;
  /** The arguments the function was called with, in parameter order (after type checks). */
  readonly args: readonly Value[];
  readonly result: Value;
  /** The builder's node count before the body was elaborated. */
  readonly firstNode: number;
}

/** Registers the call's nodes as a custom-VJP region of the graph being built. */
export function declareCustomVjp(el: Elaborator, call: CustomVjpCall): void {
  const { closure, attribute } = call;
  const span = attribute.span;
  const builder = el.graphBuilder(span);
  const backward = backwardFunction(el, call);
  const inputs = call.args.filter((a): a is TensorValue => a.kind === "tensor" && a.type.dtype === "f32");
  const outputs = resultLeaves(call.result).map((leaf) => {
    if (leaf.kind !== "tensor" || leaf.type.dtype !== "f32")
      return fail("E0508", closure.fn.span, `\`${closure.name}\` has a custom VJP, so its result must be f32 tensors, but it returns ${describe(leaf)}`);
    return leaf;
  });
  const computed = new Set(builder.nodesFrom(call.firstNode).flatMap((n) => n.outputs));
  for (const o of outputs)
    if (!computed.has(o.id))
      fail("E0508", closure.fn.span, `\`${closure.name}\` has a custom VJP but returns a value it does not compute (an argument or a value from outside)`, {
        help: "a custom VJP replaces the derivative of what the function computes; here it computes nothing to replace",
      });

  builder.addCustomVjp({
    name: closure.name,
    span,
    firstNode: call.firstNode,
    endNode: builder.nodeCount,
    inputs: inputs.map((t) => t.id),
    outputs: outputs.map((t) => t.id),
    backward: (outputCotangents) => {
      const cotangents = outputs.map((o, i) => tensorOrZeros(el, outputCotangents[i] ?? null, o.type, span));
      const args = [...call.args, call.result, sameStructure(call.result, cotangents)].map((value) => ({ value, span }));
      const returned = el.callClosure(backward, args, span);
      return inputCotangents(el, call, backward, inputs, returned);
    },
  });
}

function backwardFunction(el: Elaborator, call: CustomVjpCall): Closure {
  const { closure, attribute } = call;
  const frame: Frame = { env: closure.env, file: closure.file, self: closure.self };
  const value = el.expr(attribute.args[0]!.value, frame);
  if (value.kind !== "closure" || value.fn.kind !== "FnDecl")
    return fail("E0508", attribute.args[0]!.value.span, `\`@custom_vjp\` needs the function that computes the backward pass, found ${describe(value)}`, {
      help: "declare it with `fn name(args..., result, result_cotangent) -> ...` beside this function",
    });
  return value;
}

/** The cotangents the backward function returned, one per f32 tensor argument; 0 is a zero. */
function inputCotangents(el: Elaborator, call: CustomVjpCall, backward: Closure, inputs: readonly TensorValue[], returned: Value): (ValueId | null)[] {
  const where = backward.fn.span;
  const expected = inputs.length === 1 ? "one cotangent (for its f32 argument)" : `a tuple of ${inputs.length} cotangents, one per f32 argument`;
  const items = inputs.length === 1 ? [returned] : returned.kind === "tuple" && returned.items.length === inputs.length ? returned.items : undefined;
  if (!items)
    return fail("E0508", where, `the backward of \`${call.closure.name}\` must return ${expected}, but it returns ${describe(returned)}`, {
      notes: [{ message: "the function with the custom VJP", span: call.closure.fn.span }],
    });
  return items.map((item, k) => {
    if ((item.kind === "float" || item.kind === "int") && item.value === 0) return null;
    const input = inputs[k]!;
    if (item.kind !== "tensor" || typeToString(item.type) !== typeToString(input.type))
      fail("E0508", where, `the backward of \`${call.closure.name}\` returns ${describe(item)} as cotangent ${k + 1}, but the argument is ${typeToString(input.type)}`, {
        help: "a cotangent has the type of its argument; return 0.0 for an argument that gets no gradient",
      });
    return (item as TensorValue).id;
  });
}

function resultLeaves(v: Value): Value[] {
  return v.kind === "tuple" ? v.items.flatMap(resultLeaves) : [v];
}

function sameStructure(structure: Value, leaves: readonly TensorValue[]): Value {
  let k = 0;
  const go = (v: Value): Value => (v.kind === "tuple" ? { kind: "tuple", items: v.items.map(go) } : leaves[k++]!);
  return go(structure);
}

function tensorOrZeros(el: Elaborator, ct: ValueId | null, type: TensorType, span: Span): TensorValue {
  if (ct !== null) return tensorValue(el, ct);
  return emitTensor(el, "expand", [scalarConstant(el, 0, "f32", span).id], { shape: [...type.shape] }, span);
}
