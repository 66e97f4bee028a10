// The graphs of a sampler with an adaptive ODE solve (compiler/elaborate/adaptive.ts): the
// elaborator builds one IR graph holding the sampler's own computation (noise → x0), one step of
// the solver and its right-hand side, each with its own outputs. They are cut apart here by their
// outputs, each keeping only the nodes and inputs it needs, into three graphs the runtime's loop
// (runtime/adaptive.ts) runs: the sampler itself (named as the sampler, it returns x0, which the
// loop replaces by the solve's final state), `<sampler>.solver_step` and `<sampler>.solver_rhs`.

import type { Graph } from "../ir/graph.js";
import { deadCodeElimination } from "../passes/dce.js";
import { Rewriter } from "../passes/rewrite.js";

export const STEP_SUFFIX = ".solver_step";
export const RHS_SUFFIX = ".solver_rhs";

export function splitAdaptive(graph: Graph, stepOutputs: readonly string[], rhsOutput: string): { start: Graph; step: Graph; rhs: Graph } {
  const solverOutputs = new Set([...stepOutputs, rhsOutput]);
  return {
    start: stage(graph, graph.name, (name) => !solverOutputs.has(name)),
    step: stage(graph, graph.name + STEP_SUFFIX, (name) => stepOutputs.includes(name)),
    rhs: stage(graph, graph.name + RHS_SUFFIX, (name) => name === rhsOutput),
  };
}

/** The part of `graph` that computes the outputs `keep` selects, with only the inputs it reads. */
function stage(graph: Graph, name: string, keep: (output: string) => boolean): Graph {
  const live = deadCodeElimination({ ...graph, name, outputs: graph.outputs.filter((o) => keep(o.name)) });
  const read = new Set([...live.nodes.flatMap((n) => n.inputs), ...live.outputs.map((o) => o.value)]);
  const pruned: Graph = { ...live, inputs: live.inputs.filter((i) => read.has(i.value)) };
  // Renumber the values so that every one is defined again (the verifier's rule): a Rewriter that
  // keeps every node compacts the values of the dropped inputs away.
  const rw = new Rewriter(pruned);
  for (const node of pruned.nodes) rw.keep(node);
  rw.drop();
  return rw.finish();
}
