// manifest.json: every graph of a compiled spec with every input and output, its role, shape and
// dtype. The runtime reads only the manifest; it never guesses from names.

import { dimToString, dimValue } from "../ir/dims.js";
import type { Graph, NoiseSpec, Role } from "../ir/graph.js";
import type { DType, TensorType } from "../ir/types.js";
import type { TrainingArtifacts } from "../train/train-step.js";

export interface ManifestTensor {
  readonly name: string;
  readonly role: Role;
  readonly dtype: DType;
  /** Concrete sizes are numbers; symbolic sizes are their names ("B", "B + 1"). */
  readonly shape: (number | string)[];
  /** For params and state: stored as ONNX initializers, or expected as graph inputs. */
  readonly storage?: "initializer" | "input";
  readonly noise?: NoiseSpec;
  /** Run-time hyper-parameters: the value fed when none is given. */
  readonly default?: number;
  /** Outputs that are the next value of an input (parameters, optimizer and layer state). */
  readonly updates?: string;
}

export interface ManifestGraph {
  readonly name: string;
  readonly file: string;
  readonly model: string;
  readonly function: string;
  /** What the graph is for: a model function, a sampler, a training step or a loss evaluation. */
  readonly kind: "function" | "sampler" | "train_step" | "eval";
  readonly inputs: ManifestTensor[];
  readonly outputs: ManifestTensor[];
}

/** A `train` declaration: which graphs to run and how. */
export interface ManifestTraining {
  readonly name: string;
  readonly model: string;
  readonly trainStep: string;
  readonly eval: string;
  readonly data: { readonly source: string; readonly args: Readonly<Record<string, number | string | boolean>> };
  readonly optimizer: string;
  readonly batch: number;
  readonly steps: number;
  readonly seed: number;
  readonly ema: number;
  readonly clip: number;
  readonly schedule: string;
  readonly warmup: number;
  readonly logEvery: number;
  /** The input fed the step number (1-based). */
  readonly stepInput: string;
  /** The run-time hyper-parameter the learning-rate schedule and `--lr` apply to, if the optimizer has one. */
  readonly learningRateInput?: string;
}

export function trainingManifest(t: TrainingArtifacts): ManifestTraining {
  return {
    name: t.name,
    model: t.model.decl.name.name,
    trainStep: `${t.name}.train_step`,
    eval: `${t.name}.eval`,
    data: { source: t.data.source, args: t.data.args },
    optimizer: t.config.optimizer.decl.name.name,
    batch: t.config.batch,
    steps: t.config.steps,
    seed: t.config.seed,
    ema: t.config.ema,
    clip: t.config.clip,
    schedule: t.config.schedule,
    warmup: t.config.warmup,
    logEvery: t.config.logEvery,
    stepInput: t.stepInput,
    ...(t.learningRateInput ? { learningRateInput: t.learningRateInput } : {}),
  };
}

export interface Manifest {
  readonly flowc: string;
  readonly spec: string;
  readonly specHash: string;
  readonly seed: number;
  readonly opset: number;
  readonly irVersion: number;
  readonly graphs: ManifestGraph[];
  readonly trainings: ManifestTraining[];
}

export function manifestShape(t: TensorType): (number | string)[] {
  return t.shape.map((d) => dimValue(d) ?? dimToString(d));
}

export function manifestGraph(graph: Graph, model: string, fn: string, paramsAs: "initializers" | "inputs", kind: ManifestGraph["kind"]): ManifestGraph {
  return {
    name: graph.name,
    file: `${graph.name}.onnx`,
    model,
    function: fn,
    kind,
    inputs: graph.inputs.map((i) => ({
      name: i.name,
      role: i.role,
      dtype: graph.values[i.value]!.dtype,
      shape: manifestShape(graph.values[i.value]!),
      ...(i.role === "param" || i.role === "state" ? { storage: paramsAs === "inputs" ? ("input" as const) : ("initializer" as const) } : {}),
      ...(i.noise ? { noise: i.noise } : {}),
      ...(i.default !== undefined ? { default: i.default } : {}),
    })),
    outputs: graph.outputs.map((o) => ({
      name: o.name,
      role: o.role,
      dtype: graph.values[o.value]!.dtype,
      shape: manifestShape(graph.values[o.value]!),
      ...(o.updates ? { updates: o.updates } : {}),
    })),
  };
}
