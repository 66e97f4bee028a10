// Which nodes the reverse pass must visit. A node gets backward nodes only if it lies on a path
// from a value whose cotangent is wanted to a seeded value, along f32 values and through
// primitives that have a derivative (stop_grad and the other zero-derivative primitives cut
// paths). Everything else would emit backward nodes whose results nobody reads.

// A custom-VJP region (regions.ts) takes part as one node at the position of its last node.

import type { GraphBuilder } from "../ir/builder.js";
import type { ValueId } from "../ir/graph.js";
import { getPrimitive } from "../ir/primitives/registry.js";
import type { Node } from "../ir/graph.js";
import type { RegionLayout } from "./regions.js";
import { carriesDerivative, hasZeroDerivative } from "./rules.js";

export interface DifferentiationPlan {
  /**
   * For each position in `nodes` (a region: the position of its last node): which inputs need a
   * cotangent, or undefined when the node or region is on no path.
   */
  readonly wanted: (boolean[] | undefined)[];
  /** Whether a value depends differentiably on a value whose cotangent is wanted. */
  readonly dependsOnWrt: (v: ValueId) => boolean;
}

/** `wrt` undefined means every f32 value is wanted. */
export function inputsToDifferentiate(
  builder: GraphBuilder,
  nodes: readonly Node[],
  seeds: readonly ValueId[],
  wrt: readonly ValueId[] | undefined,
  regions: RegionLayout,
): DifferentiationPlan {
  const isF32 = (v: ValueId) => carriesDerivative(builder.typeOf(v));
  // The units the sweeps walk: plain nodes, and each region as one node where it ends.
  // A region's inputs here are its declared inputs followed by the values it closes over, so a
  // closed-over value that needs a cotangent puts the region on the path (and vjp reports it).
  const units: ({ inputs: readonly ValueId[]; outputs: readonly ValueId[] } | undefined)[] = nodes.map((n, i) => {
    const region = regions.endingAt.get(i);
    if (region) return { inputs: [...region.inputs, ...regions.closedOver.get(region)!.map((r) => r.value)], outputs: region.outputs };
    return regions.covered[i] ? undefined : n;
  });
  const passes = nodes.map((n, i) => regions.endingAt.has(i) || !hasZeroDerivative(getPrimitive(n.op)));

  // Forward from `wrt`: the values that depend differentiably on a wanted value.
  let dependsOnWrt: (v: ValueId) => boolean = isF32;
  if (wrt) {
    const reached = new Set(wrt.filter(isF32));
    units.forEach((n, i) => {
      if (n && passes[i] && n.inputs.some((v) => reached.has(v))) for (const v of n.outputs) if (isF32(v)) reached.add(v);
    });
    dependsOnWrt = (v) => reached.has(v);
  }

  // Backward from the seeds: the values the seeds depend on, restricted to those above.
  const needed = new Set(seeds);
  const plan: (boolean[] | undefined)[] = new Array(nodes.length).fill(undefined);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = units[i];
    if (!node || !passes[i] || !node.outputs.some((v) => needed.has(v))) continue;
    const wanted = node.inputs.map(dependsOnWrt);
    if (!wanted.some(Boolean)) continue;
    node.inputs.forEach((v, k) => wanted[k] && needed.add(v));
    plan[i] = wanted;
  }
  return { wanted: plan, dependsOnWrt };
}
