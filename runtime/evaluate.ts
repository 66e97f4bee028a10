// Runs a compiled function graph of a trained model (a statistic a claim measures, such as the
// growth of hidden-state variance across depth) with the training's weights: its EMA weights when
// it has them, as for samplers.

import type { CompileResult } from "../compiler/compile.js";
import { concreteSizes } from "./inputs.js";
import { GraphSession, type HostTensor } from "./onnx.js";
import { RunError } from "./errors.js";

/**
 * Runs `graph` on `inputs` (its tensor parameters, in order, each [n, ...]) and returns its first
 * output.
 */
export async function runFunction(
  compiled: CompileResult,
  weights: Readonly<Record<string, HostTensor>>,
  graphName: string,
  inputs: readonly (Float32Array | Int32Array)[],
  n: number,
  threads = 1,
): Promise<HostTensor> {
  const f = await openFunction(compiled, weights, graphName, threads);
  try {
    return await f.run(inputs, n);
  } finally {
    await f.release();
  }
}

/** A function graph with its weights, ready to run on many inputs (one session for all). */
export interface OpenFunction {
  /** Runs the function on `inputs` (its tensor parameters, in order, each [n, ...]); its first output. */
  run(inputs: readonly (Float32Array | Int32Array)[], n: number): Promise<HostTensor>;
  release(): Promise<void>;
}

export async function openFunction(compiled: CompileResult, weights: Readonly<Record<string, HostTensor>>, graphName: string, threads = 1): Promise<OpenFunction> {
  const index = compiled.manifest!.graphs.findIndex((g) => g.name === graphName);
  if (index < 0) throw new RunError(`no compiled graph \`${graphName}\``);
  const graph = compiled.manifest!.graphs[index]!;
  const fixed: Record<string, HostTensor> = {};
  const dataInputs = graph.inputs.filter((i) => i.role === "input");
  for (const input of graph.inputs) {
    if (input.role === "param" || input.role === "state") {
      const value = weights[`ema.${input.name}`] ?? weights[input.name];
      if (!value) throw new RunError(`the checkpoint has no value for ${input.name}`);
      fixed[input.name] = value;
    } else if (input.role === "hyper") {
      fixed[input.name] = { dtype: "f32", shape: [], data: Float32Array.of(input.default ?? 0) };
    } else if (input.role === "noise") {
      throw new RunError(`\`${graphName}\` draws random numbers; a function measured by a claim must be deterministic`);
    }
  }
  const session = await GraphSession.create(compiled.graphs[index]!.onnx!, { threads });
  return {
    async run(inputs, n) {
      if (dataInputs.length !== inputs.length)
        throw new RunError(`\`${graphName}\` takes ${dataInputs.length} tensor argument(s), but the data gives ${inputs.length}`);
      const feeds: Record<string, HostTensor> = { ...fixed };
      const sizes: Record<string, number> = {};
      dataInputs.forEach((input, k) => {
        const [rows] = input.shape;
        if (typeof rows === "string") sizes[rows] = n;
        const shape = concreteSizes(input.shape, sizes, n);
        const count = shape.reduce((a, b) => a * b, 1);
        const data = inputs[k]!;
        const dtype = data instanceof Int32Array ? "i32" : "f32";
        if (count !== data.length || dtype !== input.dtype)
          throw new RunError(`\`${graphName}\` takes \`${input.name}\`: ${input.dtype}[${input.shape.join(", ")}], which does not fit the data's ${dtype} tensor of ${data.length} values for ${n} points`);
        feeds[input.name] = { dtype, shape, data };
      });
      const outputs = await session.run(feeds);
      return outputs[graph.outputs[0]!.name]!;
    },
    release: () => session.release(),
  };
}
