// Which nodes the reverse pass must visit. A node gets backward nodes only if it lies on a path
// from a value whose cotangent is wanted to a seeded value, along f32 values and through
// primitives that have a derivative (stop_grad and the other zero-derivative primitives cut
// paths). Everything else would emit backward nodes whose results nobody reads.

import type { GraphBuilder } from "../ir/builder.js";
import type { Node, ValueId } from "../ir/graph.js";
import { getPrimitive } from "../ir/primitives/registry.js";
import { carriesDerivative, hasZeroDerivative } from "./rules.js";

/**
 * For each node (by position in `nodes`): which of its inputs need a cotangent, or undefined when
 * the node is on no path. `wrt` undefined means every f32 value is wanted.
 */
export function inputsToDifferentiate(
  builder: GraphBuilder,
  nodes: readonly Node[],
  seeds: readonly ValueId[],
  wrt: readonly ValueId[] | undefined,
): (boolean[] | undefined)[] {
  const isF32 = (v: ValueId) => carriesDerivative(builder.typeOf(v));
  const passes = nodes.map((n) => !hasZeroDerivative(getPrimitive(n.op)));

  // Forward from `wrt`: the values that depend differentiably on a wanted value.
  let dependsOnWrt: (v: ValueId) => boolean = isF32;
  if (wrt) {
    const reached = new Set(wrt.filter(isF32));
    nodes.forEach((n, i) => {
      if (passes[i] && n.inputs.some((v) => reached.has(v))) for (const v of n.outputs) if (isF32(v)) reached.add(v);
    });
    dependsOnWrt = (v) => reached.has(v);
  }

  // Backward from the seeds: the values the seeds depend on, restricted to those above.
  const needed = new Set(seeds);
  const plan: (boolean[] | undefined)[] = new Array(nodes.length).fill(undefined);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!passes[i] || !node.outputs.some((v) => needed.has(v))) continue;
    const wanted = node.inputs.map(dependsOnWrt);
    if (!wanted.some(Boolean)) continue;
    node.inputs.forEach((v, k) => wanted[k] && needed.add(v));
    plan[i] = wanted;
  }
  return plan;
}
