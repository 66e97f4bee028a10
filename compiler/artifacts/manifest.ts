// manifest.json: every graph of a compiled spec with every input and output, its role, shape and
// dtype. The runtime reads only the manifest; it never guesses from names.

import { dimToString, dimValue } from "../ir/dims.js";
import type { Graph, NoiseSpec, Role } from "../ir/graph.js";
import type { DType, TensorType } from "../ir/types.js";

export interface ManifestTensor {
  readonly name: string;
  readonly role: Role;
  readonly dtype: DType;
  /** Concrete sizes are numbers; symbolic sizes are their names ("B", "B + 1"). */
  readonly shape: (number | string)[];
  /** For params and state: stored as ONNX initializers, or expected as graph inputs. */
  readonly storage?: "initializer" | "input";
  readonly noise?: NoiseSpec;
}

export interface ManifestGraph {
  readonly name: string;
  readonly file: string;
  readonly model: string;
  readonly function: string;
  readonly inputs: ManifestTensor[];
  readonly outputs: ManifestTensor[];
}

export interface Manifest {
  readonly flowc: string;
  readonly spec: string;
  readonly specHash: string;
  readonly seed: number;
  readonly opset: number;
  readonly irVersion: number;
  readonly graphs: ManifestGraph[];
}

export function manifestShape(t: TensorType): (number | string)[] {
  return t.shape.map((d) => dimValue(d) ?? dimToString(d));
}

export function manifestGraph(graph: Graph, model: string, fn: string, paramsAs: "initializers" | "inputs"): ManifestGraph {
  return {
    name: graph.name,
    file: `${graph.name}.onnx`,
    model,
    function: fn,
    inputs: graph.inputs.map((i) => ({
      name: i.name,
      role: i.role,
      dtype: graph.values[i.value]!.dtype,
      shape: manifestShape(graph.values[i.value]!),
      ...(i.role === "param" || i.role === "state" ? { storage: paramsAs === "inputs" ? ("input" as const) : ("initializer" as const) } : {}),
      ...(i.noise ? { noise: i.noise } : {}),
    })),
    outputs: graph.outputs.map((o) => ({ name: o.name, role: o.role, dtype: graph.values[o.value]!.dtype, shape: manifestShape(graph.values[o.value]!) })),
  };
}
