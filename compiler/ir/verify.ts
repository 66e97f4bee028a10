// Structural checks of an IR graph, run before lowering. GraphBuilder makes well-formed graphs by
// construction; this catches graphs assembled or rewritten by other passes (autodiff, optimizers).

import type { Graph, ValueId } from "./graph.js";
import { ShapeRuleError } from "./primitive.js";
import { getPrimitive, hasPrimitive } from "./primitives/registry.js";
import { typeToString, typesEqual } from "./types.js";

/** Problems found, one sentence each; empty when the graph is well-formed. */
export function verifyGraph(graph: Graph): string[] {
  const problems: string[] = [];
  const defined = new Set<ValueId>();
  const inRange = (v: ValueId) => Number.isInteger(v) && v >= 0 && v < graph.values.length;
  const define = (v: ValueId, by: string) => {
    if (!inRange(v)) problems.push(`${by} defines %${v}, which is not a value of the graph`);
    else if (defined.has(v)) problems.push(`%${v} is defined twice (again by ${by})`);
    defined.add(v);
  };

  const inputNames = new Set<string>();
  for (const input of graph.inputs) {
    if (inputNames.has(input.name)) problems.push(`graph input name '${input.name}' is used twice`);
    inputNames.add(input.name);
    define(input.value, `input '${input.name}'`);
  }

  graph.nodes.forEach((node, index) => {
    const where = `node ${node.id} (${node.op})`;
    if (node.id !== index) problems.push(`${where} is at position ${index}; node ids must equal their position`);
    for (const v of node.inputs)
      if (!defined.has(v)) problems.push(`${where} reads %${v} before it is defined (nodes must be in topological order)`);
    if (!hasPrimitive(node.op)) {
      problems.push(`${where}: unknown primitive '${node.op}'`);
      node.outputs.forEach((v) => define(v, where));
      return;
    }
    const prim = getPrimitive(node.op);
    if (prim.arity !== "variadic" && prim.arity !== node.inputs.length)
      problems.push(`${where} has ${node.inputs.length} inputs; ${node.op} takes ${prim.arity}`);
    if (node.inputs.every(inRange)) checkTypes(graph, node.id, problems);
    node.outputs.forEach((v) => define(v, where));
  });

  const outputNames = new Set<string>();
  for (const output of graph.outputs) {
    if (outputNames.has(output.name)) problems.push(`graph output name '${output.name}' is used twice`);
    outputNames.add(output.name);
    if (!defined.has(output.value)) problems.push(`output '${output.name}' reads %${output.value}, which is never defined`);
  }
  for (let v = 0; v < graph.values.length; v++) if (!defined.has(v)) problems.push(`%${v} is never defined`);
  return problems;
}

/** Re-runs the shape rule of node `id` and compares with the recorded output types. */
function checkTypes(graph: Graph, id: number, problems: string[]): void {
  const node = graph.nodes[id]!;
  const where = `node ${node.id} (${node.op})`;
  let inferred;
  try {
    inferred = getPrimitive(node.op).infer(node.inputs.map((v) => graph.values[v]!), node.attrs);
  } catch (e) {
    if (!(e instanceof ShapeRuleError)) throw e;
    problems.push(`${where}: shape rule rejects its inputs: ${e.message}`);
    return;
  }
  if (inferred.length !== node.outputs.length) {
    problems.push(`${where} has ${node.outputs.length} outputs; its shape rule gives ${inferred.length}`);
    return;
  }
  node.outputs.forEach((v, i) => {
    const recorded = graph.values[v];
    if (recorded && !typesEqual(recorded, inferred[i]!))
      problems.push(`${where}: %${v} is recorded as ${typeToString(recorded)} but its shape rule gives ${typeToString(inferred[i]!)}`);
  });
}
