// Telling a missing path from a blocked one. When `grad` finds no gradient for a value, either the
// loss does not depend on it at all (the gradient is zero: fine, e.g. an unused parameter), or it
// depends on it only through primitives without a derivative (argmax, comparisons, round, a cast
// to i32): the gradient is zero too, but almost certainly not what the user meant, since such a
// parameter never trains. The second case is reported (E0507) at the node that blocks the path.
// stop_grad is an explicit request for a zero derivative and does not count as blocking.

import type { GraphBuilder } from "../ir/builder.js";
import type { Node, ValueId } from "../ir/graph.js";
import { getPrimitive } from "../ir/primitives/registry.js";
import { carriesDerivative, hasZeroDerivative } from "./rules.js";

/**
 * The first node (in order) on a path from `w` to `loss` that has no derivative, or undefined when
 * no path connects them (through anything but stop_grad).
 */
export function blockingNode(builder: GraphBuilder, nodes: readonly Node[], loss: ValueId, w: ValueId): Node | undefined {
  const passes = (n: Node) => n.op !== "stop_grad";
  const fromW = new Set([w]);
  for (const n of nodes) if (passes(n) && n.inputs.some((v) => fromW.has(v))) for (const v of n.outputs) fromW.add(v);
  if (!fromW.has(loss)) return undefined;
  const toLoss = new Set([loss]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (passes(n) && n.outputs.some((v) => toLoss.has(v))) for (const v of n.inputs) toLoss.add(v);
  }
  const onPath = (v: ValueId) => fromW.has(v) && toLoss.has(v);
  return nodes.find((n) => {
    if (!n.inputs.some(onPath) || !n.outputs.some(onPath)) return false;
    const discreteResult = n.outputs.filter(onPath).every((v) => !carriesDerivative(builder.typeOf(v)));
    return hasZeroDerivative(getPrimitive(n.op)) || discreteResult;
  });
}
