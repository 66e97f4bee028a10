// The IR optimization pipeline, run by compile() on every graph right before it is verified and
// lowered to ONNX (after autodiff: see simplify.ts on stop_grad). Each pass is a pure Graph → Graph
// function that returns its argument unchanged when it has nothing to do; the pipeline repeats the
// sequence until a whole round changes nothing (or MAX_ROUNDS, a safety bound: each pass only
// removes nodes or replaces one node by one constant/cheaper node, so it converges in a few rounds).
//
// Every rewrite preserves the graph's inputs (all of them, used or not), its outputs (names, roles,
// `updates`) and the types of the values that survive; see docs in each pass for exactness.
//
// compile() with stage "ir" stops before lowering, so `flowc dump --stage ir` shows the graphs as
// elaborated; the ONNX stage (and CompiledGraph.graph of a full compile) holds the optimized ones.

import type { Graph } from "../ir/graph.js";
import { verifyGraph } from "../ir/verify.js";
import { commonSubexpressionElimination } from "./cse.js";
import { deadCodeElimination } from "./dce.js";
import { constantFolding } from "./fold.js";
import type { Pass } from "./rewrite.js";
import { algebraicSimplification } from "./simplify.js";

export const MAX_ROUNDS = 10;

export interface NamedPass {
  readonly name: string;
  readonly run: Pass;
}

export const PASSES: readonly NamedPass[] = [
  { name: "simplify", run: algebraicSimplification },
  { name: "fold", run: constantFolding },
  { name: "cse", run: commonSubexpressionElimination },
  { name: "dce", run: deadCodeElimination },
];

export interface OptimizeOptions {
  /** Run the IR verifier after every pass and throw on the first problem (tests). */
  readonly verify?: boolean;
  /** The passes to run, in order (default PASSES). */
  readonly passes?: readonly NamedPass[];
  /** Called after every pass that changed the graph (statistics, debugging). */
  readonly onPass?: (name: string, before: Graph, after: Graph) => void;
}

export function optimizeGraph(graph: Graph, options: OptimizeOptions = {}): Graph {
  const passes = options.passes ?? PASSES;
  let current = graph;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const start = current;
    for (const pass of passes) {
      const next = pass.run(current);
      if (next === current) continue;
      if (options.verify) {
        const problems = verifyGraph(next);
        if (problems.length) throw new Error(`optimizer pass ${pass.name} broke ${graph.name}: ${problems.join("; ")}`);
      }
      options.onPass?.(pass.name, current, next);
      current = next;
    }
    if (current === start) break;
  }
  return current;
}
