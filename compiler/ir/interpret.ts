// The float64 reference interpreter: runs every node of a graph in order with each primitive's
// `evaluate`. It is the oracle the ONNX lowering is tested against, so it also checks, after
// every node, that the concrete shapes agree with the symbolic types the shape rules recorded.

import { dimConst, dimEvaluate, dimToString, type Dim } from "./dims.js";
import type { AttrValue, Attrs, Graph } from "./graph.js";
import { fromTyped, type NDArray } from "./ndarray.js";
import { isDim } from "./primitives/common.js";
import { getPrimitive } from "./primitives/registry.js";
import { bindShape, type SymbolSizes } from "./symbol-binding.js";
import { typeToString, type TensorType } from "./types.js";

export interface InterpretOptions {
  /** Sizes of symbols that no fed shape determines (e.g. the n of an arange over a fresh symbol). */
  readonly sizes?: Readonly<Record<string, number>>;
  /** Check every node's output shapes against its IR type (default true). */
  readonly checkShapes?: boolean;
}

/** Evaluates `graph`; params and state default to their `initial` values. Returns outputs by name. */
export function interpret(graph: Graph, feeds: Readonly<Record<string, NDArray>>, opts: InterpretOptions = {}): Record<string, NDArray> {
  const sizes: SymbolSizes = new Map(Object.entries(opts.sizes ?? {}));
  const checkShapes = opts.checkShapes ?? true;
  const values: (NDArray | undefined)[] = new Array(graph.values.length);

  const inputNames = new Set(graph.inputs.map((i) => i.name));
  for (const name of Object.keys(feeds)) if (!inputNames.has(name)) throw new Error(`interpret: '${name}' is not an input of graph ${graph.name}`);

  for (const input of graph.inputs) {
    const type = graph.values[input.value]!;
    const array = feeds[input.name] ?? initialArray(input.initial, type);
    if (!array) throw new Error(`interpret: no value for input '${input.name}' (${input.role})`);
    if (array.dtype !== type.dtype) throw new Error(`interpret: input '${input.name}' is ${array.dtype}, declared ${typeToString(type)}`);
    const problem = bindShape(type.shape, array.shape, sizes);
    if (problem) throw new Error(`interpret: input '${input.name}' of type ${typeToString(type)}: ${problem}`);
    values[input.value] = array;
  }

  for (const node of graph.nodes) {
    const prim = getPrimitive(node.op);
    const args = node.inputs.map((v) => {
      const a = values[v];
      if (!a) throw new Error(`interpret: node ${node.id} (${node.op}) reads %${v} before it is defined`);
      return a;
    });
    const results = prim.evaluate(args, concreteAttrs(node.attrs, sizes));
    if (results.length !== node.outputs.length) throw new Error(`interpret: ${node.op} returned ${results.length} results, expected ${node.outputs.length}`);
    node.outputs.forEach((v, i) => {
      const result = results[i]!;
      const type = graph.values[v]!;
      if (checkShapes) {
        const problem = result.dtype !== type.dtype ? `dtype ${result.dtype}` : bindShape(type.shape, result.shape, sizes);
        if (problem)
          throw new Error(`interpret: node ${node.id} (${node.op}) result [${result.shape.join(", ")}] disagrees with its type ${typeToString(type)}: ${problem}`);
      }
      values[v] = result;
    });
  }

  const out: Record<string, NDArray> = {};
  for (const o of graph.outputs) {
    const v = values[o.value];
    if (!v) throw new Error(`interpret: output '${o.name}' reads undefined value %${o.value}`);
    out[o.name] = v;
  }
  return out;
}

function initialArray(initial: Float32Array | Int32Array | undefined, type: TensorType): NDArray | undefined {
  if (!initial) return undefined;
  const shape = type.shape.map((d) => dimEvaluate(d, new Map()));
  if (shape.some((d) => d === undefined)) throw new Error(`interpret: initial value for symbolic type ${typeToString(type)}`);
  return fromTyped(type.dtype, shape as number[], initial);
}

/** Attributes with every symbolic dim replaced by its bound size, so `evaluate` sees concrete sizes. */
function concreteAttrs(attrs: Attrs, sizes: SymbolSizes): Attrs {
  const concrete = (d: Dim): Dim => {
    const v = dimEvaluate(d, sizes);
    if (v === undefined) throw new Error(`interpret: attribute dimension ${dimToString(d)} mentions an unbound symbol (pass opts.sizes)`);
    return dimConst(v);
  };
  const out: Record<string, AttrValue> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (isDim(value)) out[key] = concrete(value);
    else if (Array.isArray(value) && value.some(isDim)) out[key] = (value as readonly unknown[]).map((d) => (isDim(d) ? concrete(d) : d)) as Dim[];
    else out[key] = value;
  }
  return out;
}
