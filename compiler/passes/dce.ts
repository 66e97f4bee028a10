// Dead-code elimination: removes the nodes none of whose outputs reach a graph output. Every IR
// primitive is pure (randomness enters as `noise` inputs), so an unused result can always go.
// Graph inputs always stay, used or not: the manifest and the runtime's feeding contract list them.

import type { Graph } from "../ir/graph.js";
import { Rewriter, type Pass } from "./rewrite.js";

export const deadCodeElimination: Pass = (graph: Graph): Graph => {
  const live = new Set(graph.outputs.map((o) => o.value));
  const keep = new Array<boolean>(graph.nodes.length).fill(false);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((v) => live.has(v))) continue;
    keep[i] = true;
    for (const v of node.inputs) live.add(v);
  }
  if (keep.every(Boolean)) return graph;
  const rw = new Rewriter(graph);
  graph.nodes.forEach((node, i) => (keep[i] ? rw.keep(node) : rw.drop()));
  return rw.finish();
};
