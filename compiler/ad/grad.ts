// The gradient of a scalar loss: reverse mode seeded with 1, restricted to the wanted values.

import type { GraphBuilder } from "../ir/builder.js";
import { dimValue } from "../ir/dims.js";
import type { Node, ValueId } from "../ir/graph.js";
import { typeToString } from "../ir/types.js";
import { getPrimitive } from "../ir/primitives/registry.js";
import { blockingNode } from "./blocked-path.js";
import { DerivativeContext } from "./context.js";
import { DerivativeError } from "./errors.js";
import { carriesDerivative } from "./rules.js";
import { vjp } from "./vjp.js";

/**
 * Emits ∂loss/∂w for each w of `wrt`, where `loss` is computed by `nodes` (a range of nodes
 * already in `builder`). A w the loss does not depend on (or only through stop_grad) gets zeros of
 * its shape, materialized only there. Throws E0507 for a loss that is not a one-element f32 tensor,
 * a w that is not f32, and a w the loss depends on only through primitives without a derivative.
 */
export function grad(builder: GraphBuilder, nodes: readonly Node[], loss: ValueId, wrt: readonly ValueId[]): ValueId[] {
  const lossType = builder.typeOf(loss);
  if (!carriesDerivative(lossType) || !lossType.shape.every((d) => dimValue(d) === 1))
    throw new DerivativeError("E0507", `the gradient needs a scalar f32 loss, but the loss is ${typeToString(lossType)}`, undefined, "reduce the loss to a scalar first, e.g. with mean(...) or sum(...)");
  for (const w of wrt) {
    const t = builder.typeOf(w);
    if (!carriesDerivative(t))
      throw new DerivativeError("E0507", `cannot take the gradient with respect to a value of type ${typeToString(t)}: only f32 values have derivatives`, undefined, "differentiate with respect to f32 parameters or inputs");
  }
  if (!wrt.includes(loss) && !nodes.some((n) => n.outputs.includes(loss)))
    throw new Error(`autodiff: the loss %${loss} is not computed by the given nodes (emit it before taking the node range)`);
  const ctx = new DerivativeContext(builder);
  const one = ctx.constant([1], "f32", lossType.shape.map(() => 1));
  const cotangents = vjp(builder, nodes, new Map([[loss, one]]), { wrt });
  return wrt.map((w) => {
    const g = cotangents.get(w);
    if (g !== undefined) return g;
    const blocker = blockingNode(builder, nodes, loss, w);
    if (blocker) throw blockedPathError(builder, w, blocker);
    return ctx.zeros(builder.typeOf(w).shape);
  });
}

function blockedPathError(builder: GraphBuilder, w: ValueId, blocker: Node): DerivativeError {
  const input = builder.finish().inputs.find((i) => i.value === w);
  const what = input ? `\`${input.name}\`` : `a ${typeToString(builder.typeOf(w))} value`;
  const reason = getPrimitive(blocker.op).nonDifferentiable ?? "its result is not f32";
  return new DerivativeError(
    "E0507",
    `the loss depends on ${what} only through \`${blocker.op}\`, which has no derivative (${reason}): the gradient would be zero everywhere`,
    blocker.span,
    "if that is intended, wrap the argument in stop_grad(...); to train through rounding, use a straight-through estimator such as x + stop_grad(round(x) - x)",
  );
}
