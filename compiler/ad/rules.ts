// Looking up a node's derivative rules in the registry, and which values carry derivatives.

import type { Node } from "../ir/graph.js";
import type { DerivativeRules, PrimitiveDef } from "../ir/primitive.js";
import { getPrimitive } from "../ir/primitives/registry.js";
import type { TensorType } from "../ir/types.js";
import { DerivativeError } from "./errors.js";

/** Only f32 values have derivatives; i32 and bool values are discrete (their derivative is zero). */
export function carriesDerivative(t: TensorType): boolean {
  return t.dtype === "f32";
}

/** Whether the primitive is declared to have a zero derivative (its outputs act as constants). */
export function hasZeroDerivative(prim: PrimitiveDef): boolean {
  return prim.nonDifferentiable !== undefined;
}

/**
 * The rules to differentiate `node` with; undefined when its derivative is declared zero. Throws
 * E0506 for a primitive that has neither, since silently treating it as constant would give
 * wrong gradients.
 */
export function rulesFor(node: Node, prim: PrimitiveDef = getPrimitive(node.op)): DerivativeRules | undefined {
  if (hasZeroDerivative(prim)) return undefined;
  if (prim.jvp && prim.vjp) return { jvp: prim.jvp, vjp: prim.vjp };
  throw new DerivativeError(
    "E0506",
    `cannot differentiate through \`${node.op}\`: the primitive has no derivative rule`,
    node.span,
    `if no gradient needs to flow through it, wrap its argument in stop_grad(...); otherwise \`${node.op}\` needs jvp and vjp rules in compiler/ir/primitives`,
  );
}
