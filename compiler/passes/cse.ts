// Common-subexpression elimination: a node with the same op, the same (already merged) inputs and
// structurally equal attributes as an earlier node is dropped, and its outputs are replaced by the
// earlier node's. Constants are merged by dtype, shape and the values they hold (attrs.ts).
//
// For add, mul, eq, ne, and, or and xor the operand order does not matter (IEEE addition and
// multiplication are commutative bit for bit, broadcasting is symmetric), so `a + b` and `b + a`
// merge. max and min are left alone: NaN handling of the kernels is not specified to be symmetric.
//
// The surviving node keeps its span; if it had none, it takes the span of the first merged node
// that has one.

import type { Graph } from "../ir/graph.js";
import { attrsKey, constantKey } from "./attrs.js";
import { Rewriter, type Pass } from "./rewrite.js";

const COMMUTATIVE = new Set(["add", "mul", "eq", "ne", "and", "or", "xor"]);

export const commonSubexpressionElimination: Pass = (graph: Graph): Graph => {
  const rw = new Rewriter(graph);
  const seen = new Map<string, number>(); // key → position in the rewritten list
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((v) => rw.resolve(v));
    const operands = COMMUTATIVE.has(node.op) ? [...inputs].sort((a, b) => a - b) : inputs;
    const key = constantKey(node) ?? `${node.op}(${operands.join(",")}){${attrsKey(node.attrs)}}`;
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, rw.keep(node));
      continue;
    }
    const survivor = rw.at(earlier);
    node.outputs.forEach((v, i) => rw.replace(v, survivor.outputs[i]!));
    if (!survivor.span && node.span) rw.update(earlier, { ...survivor, span: node.span });
    rw.drop();
  }
  return rw.finish();
};
