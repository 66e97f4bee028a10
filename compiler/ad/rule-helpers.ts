// Building blocks for the derivative rules written in the primitive registry
// (compiler/ir/primitives/*.ts). Types only are imported from the IR, so the registry can import
// this module at load time without an import cycle.

import type { Attrs, ValueId } from "../ir/graph.js";
import type { DerivativeRules, JvpRule } from "../ir/primitive.js";
import type { DerivativeContext } from "./context.js";

/** `t ↦ f'(x)·t` for an elementwise f, given x and y = f(x). */
export type Linearized = (ctx: DerivativeContext, t: ValueId, x: ValueId, y: ValueId) => ValueId;

/**
 * Both rules of an elementwise unary op from its linearization. The Jacobian of an elementwise
 * function is diagonal, hence its own transpose: the same map takes a cotangent of y to one of x.
 */
export function elementwiseRules(linearized: Linearized): DerivativeRules {
  return {
    jvp: (ctx, [x], [y], [t]) => [linearized(ctx, t!, x!, y!)],
    vjp: (ctx, [x], [y], [ct]) => [linearized(ctx, ct!, x!, y!)],
  };
}

/**
 * JVP of an op that is linear in its first input and whose other inputs are discrete (indices):
 * the tangent goes through the same op with the same attributes (reshape, slice, gather, cumsum…).
 */
export function sameOpOnTangent(op: string): JvpRule {
  return (ctx, inputs, _outputs, [t], attrs: Attrs) => [ctx.emit1(op, [t!, ...inputs.slice(1)], attrs)];
}

/** f(v) for a present derivative, null (a symbolic zero) otherwise. ValueId 0 is valid, so no `&&`. */
export function whenPresent(v: ValueId | null, f: (v: ValueId) => ValueId): ValueId | null {
  return v === null ? null : f(v);
}

// Reasons shown in docs/primitives.md for primitives whose derivative is a symbolic zero.
export const BOOL_RESULT = "bool result";
export const INTEGER_RESULT = "i32 result";
export const PIECEWISE_CONSTANT = "piecewise constant";
export const NO_TENSOR_INPUTS = "no tensor inputs";
