// Forward-mode autodiff (JVP) as a graph transform: walks already-emitted nodes in order and
// emits, into the same builder, the tangent of each output from the tangents of its inputs.
// Symbolic zeros (no tangent) are never materialized: a node none of whose inputs has a tangent
// gets no tangent nodes at all.

import type { GraphBuilder } from "../ir/builder.js";
import type { Node, ValueId } from "../ir/graph.js";
import { DerivativeContext } from "./context.js";
import { DerivativeError } from "./errors.js";
import { regionLayout } from "./regions.js";
import { fitTangent } from "./fit-shape.js";
import { carriesDerivative, rulesFor } from "./rules.js";
import { checkSeed } from "./seeds.js";

/**
 * Emits the tangents of everything `nodes` compute from the seeded `tangents` (value → tangent of
 * the same type). Returns the tangents of the seeds and of every value downstream of them; an
 * absent value has a zero tangent. A seeded value keeps its seed even if a node in `nodes`
 * computes it: it is treated as an independent input.
 */
export function jvp(builder: GraphBuilder, nodes: readonly Node[], tangents: ReadonlyMap<ValueId, ValueId>): Map<ValueId, ValueId> {
  const ctx = new DerivativeContext(builder);
  const out = new Map<ValueId, ValueId>();
  for (const [v, t] of tangents) {
    checkSeed(builder, v, t, "tangent");
    out.set(v, t);
  }
  const regions = regionLayout(builder, nodes);
  for (const [i, node] of nodes.entries()) {
    const inputTangents = node.inputs.map((v) => out.get(v) ?? null);
    if (inputTangents.every((t) => t === null)) continue;
    const region = regions.regionAt[i];
    if (region)
      throw new DerivativeError(
        "E0510",
        `forward-mode differentiation (jvp) cannot go through \`${region.name}\`: its derivative is given only as a custom VJP`,
        region.span,
        "call the function outside the jvp, or write it without @custom_vjp where a forward-mode derivative is needed",
      );
    const rules = rulesFor(node);
    if (!rules) continue;
    ctx.span = node.span;
    const results = rules.jvp(ctx, node.inputs, node.outputs, inputTangents, node.attrs);
    node.outputs.forEach((v, i) => {
      const t = results[i] ?? null;
      const type = builder.typeOf(v);
      if (t === null || !carriesDerivative(type) || out.has(v)) return;
      out.set(v, fitTangent(ctx, t, type));
    });
  }
  return out;
}
