// Runs a compiled sampler graph with trained parameters: the graph's parameter inputs are fed
// from a checkpoint (its EMA weights when it has them), its noise from a seeded stream.

import type { CompileResult } from "../compiler/compile.js";
import { RandomStream, sample } from "../compiler/artifacts/rng.js";
import { concreteSizes } from "./inputs.js";
import { GraphSession, type ExecutionOptions, type HostTensor } from "./onnx.js";
import { RunError } from "./errors.js";

export interface SampleOptions extends ExecutionOptions {
  /** Sampler name (`euler`) or graph name (`rf.euler`, `rf1.euler(steps=1)`); default: the first sampler. */
  readonly sampler?: string;
  readonly n: number;
  readonly seed: number;
  readonly useEma: boolean;
  /**
   * Names the noise stream (with `seed`); default: one per sampler graph. Claims give every sampler
   * the same stream, so two models are compared on the same noise.
   */
  readonly noiseStream?: string;
  /** Values of the sampler's tensor parameters (a time grid), by input name. */
  readonly inputs?: Readonly<Record<string, HostTensor>>;
}

export interface SampleResult {
  readonly sampler: string;
  /** The sampler's (first) result. */
  readonly samples: HostTensor;
  /** Every result in order (a sampler returning its trajectory returns one state per output). */
  readonly outputs: readonly HostTensor[];
  /** The noise fed to the sampler, by input name. */
  readonly noise: Readonly<Record<string, HostTensor>>;
  readonly milliseconds: number;
  readonly weights: "EMA" | "trained" | "initial";
}

export async function runSampler(compiled: CompileResult, checkpoint: Readonly<Record<string, HostTensor>>, options: SampleOptions): Promise<SampleResult> {
  const graphs = compiled.manifest!.graphs;
  const samplers = graphs.filter((g) => g.kind === "sampler");
  if (samplers.length === 0) throw new RunError("the spec declares no sampler; add one to the model, e.g. `sampler euler() -> f32[N, d] { ... }`");
  const chosen = options.sampler ? (samplers.find((g) => g.name === options.sampler) ?? samplers.find((g) => g.function === options.sampler && g.training === undefined)) : samplers[0];
  if (!chosen) throw new RunError(`no sampler \`${options.sampler}\`; the spec has ${[...new Set(samplers.map((g) => `\`${g.function}\``))].join(", ")}`);
  const compiledGraph = compiled.graphs[graphs.indexOf(chosen)]!;
  const hasEma = chosen.inputs.some((i) => i.role === "param" && checkpoint[`ema.${i.name}`]);
  const weights = options.useEma && hasEma ? "EMA" : "trained";
  const feeds: Record<string, HostTensor> = {};
  const noise: Record<string, HostTensor> = {};
  const stream = RandomStream.derive(options.seed, options.noiseStream ?? `sample:${chosen.name}`);
  const sizes: Record<string, number> = {};
  // The sample count is the leading symbolic size of the sampler's result.
  const result = chosen.outputs[0]!;
  if (typeof result.shape[0] === "string") sizes[result.shape[0]] = options.n;
  for (const input of chosen.inputs) {
    if (input.role === "param" || input.role === "state") {
      const value = (weights === "EMA" ? checkpoint[`ema.${input.name}`] : undefined) ?? checkpoint[input.name];
      if (!value) throw new RunError(`the checkpoint has no value for ${input.name}`);
      feeds[input.name] = value;
    } else if (input.role === "noise") {
      const shape = concreteSizes(input.shape, sizes, options.n);
      feeds[input.name] = noise[input.name] = { dtype: "f32", shape, data: sample(stream, input.noise!.distribution, input.noise!.args, shape.reduce((a, b) => a * b, 1)) };
    } else if (input.role === "hyper") {
      feeds[input.name] = { dtype: "f32", shape: [], data: Float32Array.of(input.default ?? 0) };
    } else if (options.inputs?.[input.name]) {
      feeds[input.name] = options.inputs[input.name]!;
    } else {
      throw new RunError(`the sampler ${chosen.name} takes the tensor \`${input.name}\`, which was not given`);
    }
  }
  const session = await GraphSession.create(compiledGraph.onnx!, { threads: options.threads ?? 1, device: options.device });
  const started = performance.now();
  const outputs = await session.run(feeds);
  const milliseconds = performance.now() - started;
  await session.release();
  const all = chosen.outputs.filter((o) => o.role === "output").map((o) => outputs[o.name]!);
  return { sampler: chosen.name, samples: outputs[result.name]!, outputs: all, noise, milliseconds, weights };
}
