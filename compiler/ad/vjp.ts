// Reverse-mode autodiff (VJP) as a graph transform: walks already-emitted nodes backwards and
// emits, into the same builder, the cotangents of their inputs from those of their outputs.
// Only nodes on a path from the wanted values to the seeds are visited (prune.ts); cotangent
// contributions are fitted to their value's shape (fit-shape.ts) and summed (accumulate.ts)
// here, once, rather than in every rule.

import type { GraphBuilder } from "../ir/builder.js";
import type { Node, ValueId } from "../ir/graph.js";
import { CotangentAccumulator } from "./accumulate.js";
import { DerivativeContext } from "./context.js";
import { fitCotangent } from "./fit-shape.js";
import { inputsToDifferentiate } from "./prune.js";
import { rulesFor } from "./rules.js";
import { checkSeed } from "./seeds.js";

export interface VjpOptions {
  /**
   * The values whose cotangents are wanted (parameters, inputs). Only nodes on a path from them to
   * the seeds get backward nodes. Default: every f32 value the seeds depend on.
   */
  readonly wrt?: readonly ValueId[];
}

/**
 * Emits the backward pass of `nodes` (in order, already in `builder`) for the seeded
 * `cotangents` (value → cotangent of the same type, e.g. loss → 1). Returns the cotangent of every
 * value reached, graph inputs and values defined before `nodes` included; an absent value has a
 * zero cotangent.
 */
export function vjp(builder: GraphBuilder, nodes: readonly Node[], cotangents: ReadonlyMap<ValueId, ValueId>, options: VjpOptions = {}): Map<ValueId, ValueId> {
  const ctx = new DerivativeContext(builder);
  const accumulated = new CotangentAccumulator(ctx);
  for (const [v, ct] of cotangents) {
    checkSeed(builder, v, ct, "cotangent");
    accumulated.add(v, ct);
  }
  const plan = inputsToDifferentiate(builder, nodes, [...cotangents.keys()], options.wrt);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const wanted = plan[i];
    if (!wanted) continue;
    const outputCotangents = node.outputs.map((v) => accumulated.total(v));
    if (outputCotangents.every((ct) => ct === null)) continue;
    const rules = rulesFor(node);
    if (!rules) continue;
    ctx.span = node.span;
    const results = rules.vjp(ctx, node.inputs, node.outputs, outputCotangents, node.attrs, wanted);
    node.inputs.forEach((v, k) => {
      const ct = results[k] ?? null;
      if (wanted[k] && ct !== null) accumulated.add(v, fitCotangent(ctx, ct, builder.typeOf(v)));
    });
  }
  return accumulated.totals();
}
