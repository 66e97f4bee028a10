// Runs a compiled function graph of a trained model with the training's weights (its EMA weights
// when it has them, as for samplers): a statistic a claim measures (the growth of hidden-state
// variance across depth), or the function that maps data (`ae.encode(digits)`, `ae.decode(s)`).
// A FunctionRunner keeps its session and weights, so a training on mapped data runs the function
// once per batch without reloading it.

import type { CompileResult } from "../compiler/compile.js";
import type { ManifestGraph } from "../compiler/artifacts/manifest.js";
import { concreteSizes } from "./inputs.js";
import { GraphSession, type ExecutionOptions, type HostTensor } from "./onnx.js";
import { RunError } from "./errors.js";

export class FunctionRunner {
  private constructor(
    private readonly session: GraphSession,
    private readonly graph: ManifestGraph,
    private readonly fixed: Readonly<Record<string, HostTensor>>,
  ) {}

  static async create(
    compiled: CompileResult,
    weights: Readonly<Record<string, HostTensor>>,
    graphName: string,
    execution: ExecutionOptions = {},
  ): Promise<FunctionRunner> {
    const index = compiled.manifest!.graphs.findIndex((g) => g.name === graphName);
    if (index < 0) throw new RunError(`no compiled graph \`${graphName}\``);
    const graph = compiled.manifest!.graphs[index]!;
    const fixed: Record<string, HostTensor> = {};
    for (const input of graph.inputs) {
      if (input.role === "param" || input.role === "state") {
        const value = weights[`ema.${input.name}`] ?? weights[input.name];
        if (!value) throw new RunError(`the checkpoint has no value for ${input.name}`);
        fixed[input.name] = value;
      } else if (input.role === "hyper") {
        fixed[input.name] = { dtype: "f32", shape: [], data: Float32Array.of(input.default ?? 0) };
      } else if (input.role === "noise") {
        throw new RunError(`\`${graphName}\` draws random numbers; a function measured by a claim or mapping data must be deterministic`);
      }
    }
    const session = await GraphSession.create(compiled.graphs[index]!.onnx!, { threads: execution.threads ?? 1, device: execution.device, multiples: graph.multiples });
    return new FunctionRunner(session, graph, fixed);
  }

  /**
   * Runs the graph on `inputs` (its tensor parameters, in order, each [n, ...]) and returns its
   * first output.
   */
  async run(inputs: readonly (Float32Array | Int32Array)[], n: number): Promise<HostTensor> {
    const graphName = this.graph.name;
    const feeds: Record<string, HostTensor> = { ...this.fixed };
    const dataInputs = this.graph.inputs.filter((i) => i.role === "input");
    if (dataInputs.length !== inputs.length)
      throw new RunError(`\`${graphName}\` takes ${dataInputs.length} tensor argument(s), but the data gives ${inputs.length}`);
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
    const outputs = await this.session.run(feeds);
    return outputs[this.graph.outputs[0]!.name]!;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Runs `graph` once on `inputs` (its tensor parameters, in order, each [n, ...]) and returns its first output. */
export async function runFunction(
  compiled: CompileResult,
  weights: Readonly<Record<string, HostTensor>>,
  graphName: string,
  inputs: readonly (Float32Array | Int32Array)[],
  n: number,
  execution: ExecutionOptions = {},
): Promise<HostTensor> {
  const runner = await FunctionRunner.create(compiled, weights, graphName, execution);
  try {
    return await runner.run(inputs, n);
  } finally {
    await runner.release();
  }
}
