// Reverse-mode autodiff (VJP) as a graph transform: walks already-emitted nodes backwards and
// emits, into the same builder, the cotangents of their inputs from those of their outputs.
// Only nodes on a path from the wanted values to the seeds are visited (prune.ts); cotangent
// contributions are fitted to their value's shape (fit-shape.ts) and summed (accumulate.ts)
// here, once, rather than in every rule.

//
// A custom-VJP region (regions.ts) is differentiated by calling its `backward` where its last
// node is; its inner nodes get no backward nodes.

import type { CustomVjp, GraphBuilder } from "../ir/builder.js";
import type { Node, ValueId } from "../ir/graph.js";
import type { ClosedOverRead } from "./regions.js";
import { CotangentAccumulator } from "./accumulate.js";
import { DerivativeContext } from "./context.js";
import { DerivativeError } from "./errors.js";
import { fitCotangent } from "./fit-shape.js";
import { inputsToDifferentiate } from "./prune.js";
import { regionLayout } from "./regions.js";
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
  const regions = regionLayout(builder, nodes);
  const plan = inputsToDifferentiate(builder, nodes, [...cotangents.keys()], options.wrt, regions);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const wanted = plan.wanted[i];
    if (!wanted) continue;
    const region = regions.endingAt.get(i);
    if (region) {
      checkClosedOver(builder, region, regions.closedOver.get(region)!, wanted.slice(region.inputs.length));
      const outputCotangents = region.outputs.map((v) => accumulated.total(v));
      if (outputCotangents.every((ct) => ct === null)) continue;
      ctx.span = region.span;
      const results = region.backward(outputCotangents);
      region.inputs.forEach((v, k) => {
        const ct = results[k] ?? null;
        if (wanted[k] && ct !== null) accumulated.add(v, fitCotangent(ctx, ct, builder.typeOf(v)));
      });
      continue;
    }
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

/**
 * A region's backward gives cotangents for its inputs only. If its nodes read another value that
 * needs a cotangent (a parameter the function uses without taking it as an argument), that
 * gradient would silently be lost: an error instead.
 */
function checkClosedOver(builder: GraphBuilder, region: CustomVjp, reads: readonly ClosedOverRead[], wanted: readonly boolean[]): void {
  const k = wanted.findIndex(Boolean);
  if (k < 0) return;
  const read = reads[k]!;
  const input = builder.inputNamed(read.value);
  throw new DerivativeError(
    "E0509",
    `\`${region.name}\` has a custom VJP but reads ${input ? `\`${input}\`` : "a value computed outside it"} without taking it as an argument, so the backward cannot give its gradient`,
    read.span ?? region.span,
    "take that value as an argument of the function, so the backward returns its cotangent too",
  );
}
