// Readable SSA text of an IR graph (for `flowc dump --stage ir` and for tests):
//
//   graph mlp
//     %0: f32[B, 3] = input x
//     %1: f32[3, 4] = param w1 (initial)
//     %2: f32[B, 4] = matmul(%0, %1)  # mlp.flow:3:5
//     output y = %2

import { dimToString } from "./dims.js";
import type { AttrValue, Attrs, Graph, GraphInput } from "./graph.js";
import { isDim } from "./primitives/common.js";
import { typeToString } from "./types.js";

/** Float64Array attributes with at most this many values print them. */
const MAX_PRINTED_VALUES = 8;

export function printGraph(graph: Graph): string {
  const value = (v: number) => `%${v}: ${graph.values[v] ? typeToString(graph.values[v]!) : "?"}`;
  const lines = [`graph ${graph.name}`];
  for (const input of graph.inputs) lines.push(`  ${value(input.value)} = ${inputText(input)}`);
  for (const node of graph.nodes) {
    const attrs = attrsText(node.attrs);
    const source = node.span ? `  # ${node.span.file}:${node.span.line}:${node.span.column}` : "";
    lines.push(`  ${node.outputs.map(value).join(", ")} = ${node.op}(${node.inputs.map((v) => `%${v}`).join(", ")})${attrs}${source}`);
  }
  for (const output of graph.outputs) lines.push(`  output ${output.name} = %${output.value}${output.role === "output" ? "" : ` (${output.role})`}`);
  return lines.join("\n") + "\n";
}

function inputText(input: GraphInput): string {
  const notes: string[] = [];
  if (input.initial) notes.push("initial");
  const noise = input.noise
    ? ` ~ ${input.noise.distribution}(${Object.entries(input.noise.args).map(([k, v]) => `${k}=${v}`).join(", ")})`
    : "";
  return `${input.role} ${input.name}${noise}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

function attrsText(attrs: Attrs): string {
  const entries = Object.entries(attrs);
  if (entries.length === 0) return "";
  return ` {${entries.map(([k, v]) => `${k}=${attrValueText(v)}`).join(", ")}}`;
}

export function attrValueText(v: AttrValue): string {
  if (v === null) return "null";
  if (isDim(v)) return dimToString(v);
  if (v instanceof Float64Array)
    return v.length <= MAX_PRINTED_VALUES ? `[${Array.from(v).join(", ")}]` : `<${v.length} values>`;
  if (Array.isArray(v)) return `[${(v as readonly unknown[]).map((x) => (isDim(x) ? dimToString(x) : String(x))).join(", ")}]`;
  return String(v);
}
