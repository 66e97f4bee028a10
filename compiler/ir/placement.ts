// Where ONNX Runtime's WebGPU execution provider would run a graph: the nodes whose lowering it
// leaves (partly) to the CPU, read off the registry's measured `webgpu` entries (primitive.ts).
// `flowc info --placement` prints this; test/webgpu checks the entries against the provider.

import type { Graph, Node } from "./graph.js";
import type { PrimitiveDef } from "./primitive.js";
import { getPrimitive } from "./primitives/registry.js";
import type { DType } from "./types.js";

/** Why `p`'s lowering falls back to the CPU for operand dtype `dtype`, or undefined when the provider runs it. */
export function webgpuFallback(p: PrimitiveDef, dtype: DType): string | undefined {
  const w = p.onnx.webgpu;
  if (w === true) return undefined;
  return !w.dtypes || w.dtypes.includes(dtype) ? w.reason : undefined;
}

/** The dtype a node's WebGPU support depends on: its first input's, or its first result's for ops without inputs. */
export function operandDType(graph: Graph, node: Node): DType {
  const v = node.inputs[0] ?? node.outputs[0]!;
  return graph.values[v]!.dtype;
}

export interface CpuFallback {
  readonly node: Node;
  readonly dtype: DType;
  readonly reason: string;
}

/** The nodes of `graph` whose ONNX lowering runs (partly) on the CPU next to the WebGPU provider. */
export function webgpuFallbacks(graph: Graph): CpuFallback[] {
  const out: CpuFallback[] = [];
  for (const node of graph.nodes) {
    const dtype = operandDType(graph, node);
    const reason = webgpuFallback(getPrimitive(node.op), dtype);
    if (reason !== undefined) out.push({ node, dtype, reason });
  }
  return out;
}

/** The docs table's cell: yes, no, or the dtypes that fall back, with the reason. */
export function webgpuSummary(p: PrimitiveDef): string {
  const w = p.onnx.webgpu;
  if (w === true) return "yes";
  return w.dtypes ? `not ${w.dtypes.join("/")}: ${w.reason}` : `no: ${w.reason}`;
}
