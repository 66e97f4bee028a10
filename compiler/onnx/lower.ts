// Lowers an IR graph to a plain ONNX ModelProto (default domain only). Each IR node is lowered by
// its primitive's `onnx.lower` (primitives/*.ts); this driver handles what is graph-wide: inputs,
// initializers, symbolic dimensions, and giving graph outputs their public names.

import { dimToString, dimValue, type Dim } from "../ir/dims.js";
import type { Graph, GraphInput, ValueId } from "../ir/graph.js";
import { getPrimitive } from "../ir/primitives/registry.js";
import type { DType, TensorType } from "../ir/types.js";
import type { Span } from "../source.js";
import { LowerContext } from "./context.js";
import { ONNX_DATA_TYPE, onnx, tensorProto, type IModelProto, type ITensorProto, type ITensorShapeDimension, type IValueInfoProto } from "./proto.js";

export { onnxGraphToText } from "./text.js";

export interface LowerOptions {
  /** "initializers": params and state are baked in with their initial values; "inputs": they are fed at run time. */
  readonly paramsAs: "initializers" | "inputs";
  readonly opset?: 17;
}

export const DEFAULT_OPSET = 17;
/** ONNX IR version 8 is what opset 17 models use (ONNX 1.12). */
const IR_VERSION = 8;
const PRODUCER_VERSION = "0.1.0";

export function lowerGraph(graph: Graph, opts: LowerOptions): Uint8Array {
  const opset = opts.opset ?? DEFAULT_OPSET;
  const ctx = new LowerContext(opset);
  const typeOf = (v: ValueId): TensorType => {
    const t = graph.values[v];
    if (!t) throw new Error(`ONNX lowering: unknown value %${v}`);
    return t;
  };
  checkNames(graph);
  for (const i of graph.inputs) ctx.reserveName(i.name);
  for (const o of graph.outputs) ctx.reserveName(o.name);

  // --- graph inputs and initializers
  const names = new Map<ValueId, string>();
  const inputInfos: IValueInfoProto[] = [];
  const initializers: ITensorProto[] = [];
  for (const input of graph.inputs) {
    const type = typeOf(input.value);
    names.set(input.value, input.name);
    if (opts.paramsAs === "initializers" && (input.role === "param" || input.role === "state")) initializers.push(initializerOf(input, type));
    else inputInfos.push(valueInfo(input.name, type));
    type.shape.forEach((d, axis) => {
      const symbol = pureSymbol(d);
      if (symbol !== undefined) ctx.registerSymbol(symbol, input.name, axis);
    });
  }

  // --- nodes
  for (const node of graph.nodes) {
    const prim = getPrimitive(node.op);
    ctx.setSource(node.span ? spanText(node.span) : undefined);
    const inputNames = node.inputs.map((v) => {
      const name = names.get(v);
      if (name === undefined) throw new Error(`ONNX lowering: node ${node.id} (${node.op}) reads %${v} before it is defined`);
      return name;
    });
    const outputs = prim.onnx.lower(ctx, inputNames, node, node.inputs.map(typeOf), node.outputs.map(typeOf));
    if (outputs.length !== node.outputs.length) throw new Error(`ONNX lowering of ${node.op} returned ${outputs.length} outputs, expected ${node.outputs.length}`);
    node.outputs.forEach((v, i) => names.set(v, outputs[i]!));
  }
  ctx.setSource(undefined);

  // --- graph outputs: rename the producing node's output to the public name where possible,
  // otherwise (a graph input, or a value already published under another name) copy via Identity.
  const published = new Set<string>();
  const outputInfos: IValueInfoProto[] = [];
  for (const out of graph.outputs) {
    const source = names.get(out.value);
    if (source === undefined) throw new Error(`ONNX lowering: output ${out.name} reads undefined value %${out.value}`);
    if (source !== out.name) {
      const renamable = ctx.isNodeOutput(source) && !published.has(source);
      const from = renamable ? source : ctx.node1("Identity", [source]);
      ctx.renameValue(from, out.name);
      if (renamable) for (const [v, n] of names) if (n === source) names.set(v, out.name);
    }
    published.add(out.name);
    outputInfos.push(valueInfo(out.name, typeOf(out.value)));
  }

  const model: IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: opset }],
    producerName: "flowc",
    producerVersion: PRODUCER_VERSION,
    graph: { name: graph.name, node: ctx.nodes, initializer: initializers, input: inputInfos, output: outputInfos },
  };
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A graph of one Identity per input (x0 → y0, x1 → y1, …), of any shapes: run on a GPU provider
 * with device-resident inputs, it copies them back to host memory (onnxruntime-node has no other
 * way to read a GPU tensor).
 */
export function copyModel(dtypes: readonly DType[]): Uint8Array {
  const info = (name: string, dtype: DType): IValueInfoProto => ({ name, type: { tensorType: { elemType: ONNX_DATA_TYPE[dtype] } } });
  const model: IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: DEFAULT_OPSET }],
    producerName: "flowc",
    producerVersion: PRODUCER_VERSION,
    graph: {
      name: "copy",
      node: dtypes.map((_, k) => ({ name: `copy${k}`, opType: "Identity", input: [`x${k}`], output: [`y${k}`] })),
      input: dtypes.map((d, k) => info(`x${k}`, d)),
      output: dtypes.map((d, k) => info(`y${k}`, d)),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** ONNX requires unique value names; an output may share its name only with the very input it returns. */
function checkNames(graph: Graph): void {
  const inputs = new Map(graph.inputs.map((i) => [i.name, i.value]));
  const outputs = new Set<string>();
  for (const o of graph.outputs) {
    if (outputs.has(o.name)) throw new Error(`ONNX lowering: duplicate graph output name ${o.name}`);
    outputs.add(o.name);
    const input = inputs.get(o.name);
    if (input !== undefined && input !== o.value) throw new Error(`ONNX lowering: output ${o.name} has the name of a different graph input`);
  }
}

function spanText(span: Span): string {
  return `${span.file}:${span.line}:${span.column}`;
}

/** The symbol name when `d` is exactly one symbol (e.g. `B`, not `2*B` or `B*T`). */
function pureSymbol(d: Dim): string | undefined {
  if (d.size !== 1) return undefined;
  const [[monomial, coefficient]] = [...d];
  return monomial !== "" && coefficient === 1 && !monomial.includes("*") ? monomial : undefined;
}

function shapeDimension(d: Dim): ITensorShapeDimension {
  const v = dimValue(d);
  if (v !== undefined) return { dimValue: v };
  // Compound dims get a readable parameter name such as "B*T" or "2*B+1".
  return { dimParam: pureSymbol(d) ?? dimToString(d).replace(/\s+/g, "") };
}

function valueInfo(name: string, type: TensorType): IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_DATA_TYPE[type.dtype], shape: { dim: type.shape.map(shapeDimension) } } },
  };
}

function initializerOf(input: GraphInput, type: TensorType): ITensorProto {
  const shape = type.shape.map((d) => {
    const v = dimValue(d);
    if (v === undefined) throw new Error(`ONNX lowering: ${input.role} ${input.name} has symbolic shape; it cannot be an initializer`);
    return v;
  });
  const count = shape.reduce((a, b) => a * b, 1);
  if (!input.initial) throw new Error(`ONNX lowering: ${input.role} ${input.name} has no initial value`);
  if (input.initial.length !== count) throw new Error(`ONNX lowering: ${input.name} has ${input.initial.length} initial values for ${count} elements`);
  return tensorProto(input.name, type.dtype, shape, input.initial);
}
