// Runs a compiled sampler graph with trained parameters: the graph's parameter inputs are fed
// from a checkpoint (its EMA weights when it has them), its noise from a seeded stream.

import type { CompileResult } from "../compiler/compile.js";
import { RandomStream, sample } from "../compiler/artifacts/rng.js";
import { concreteSizes } from "./inputs.js";
import { GraphSession, type ExecutionOptions, type HostTensor } from "./onnx.js";
import { RunError } from "./errors.js";
import { solveAdaptive, type SolveStages } from "./adaptive.js";
import type { ManifestGraph } from "../compiler/artifacts/manifest.js";

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
  /**
   * Evaluations of the model's functions per sample: the manifest's count for a fixed graph; for a
   * sampler ending in an adaptive solve, its own graph's plus the solve's, measured in this run.
   */
  readonly nfe?: number;
  /** For an adaptive solve: its accepted and rejected steps in this run. */
  readonly solver?: { readonly accepted: number; readonly rejected: number };
}

export async function runSampler(compiled: CompileResult, checkpoint: Readonly<Record<string, HostTensor>>, options: SampleOptions): Promise<SampleResult> {
  const graphs = compiled.manifest!.graphs;
  const samplers = graphs.filter((g) => g.kind === "sampler");
  if (samplers.length === 0) throw new RunError("the spec declares no sampler; add one to the model, e.g. `sampler euler() -> f32[N, d] { ... }`");
  const chosen = options.sampler ? (samplers.find((g) => g.name === options.sampler) ?? samplers.find((g) => g.function === options.sampler && g.training === undefined)) : samplers[0];
  if (!chosen) throw new RunError(`no sampler \`${options.sampler}\`; the spec has ${[...new Set(samplers.map((g) => `\`${g.function}\``))].join(", ")}`);
  const compiledGraph = compiled.graphs[graphs.indexOf(chosen)]!;
  // A sampler with an adaptive solve: its step and rhs graphs may read weights (and noise) that
  // the sampler's own graph does not; the loop's state inputs (role "solver") are fed by the loop.
  const solverGraphs = chosen.adaptive ? graphs.filter((g) => g.name === chosen.adaptive!.stepGraph || g.name === chosen.adaptive!.rhsGraph) : [];
  const inputs = [...chosen.inputs, ...solverGraphs.flatMap((g) => g.inputs)].filter((i, k, all) => i.role !== "solver" && all.findIndex((j) => j.name === i.name) === k);
  const hasEma = inputs.some((i) => i.role === "param" && checkpoint[`ema.${i.name}`]);
  const weights = options.useEma && hasEma ? "EMA" : "trained";
  const feeds: Record<string, HostTensor> = {};
  const noise: Record<string, HostTensor> = {};
  const stream = RandomStream.derive(options.seed, options.noiseStream ?? `sample:${chosen.name}`);
  const sizes: Record<string, number> = {};
  // The sample count is the leading symbolic size of the sampler's result.
  const result = chosen.outputs[0]!;
  if (typeof result.shape[0] === "string") sizes[result.shape[0]] = options.n;
  for (const input of inputs) {
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
  const execution = { threads: options.threads ?? 1, device: options.device };
  const session = await GraphSession.create(compiledGraph.onnx!, { ...execution, multiples: chosen.multiples });
  const solver = chosen.adaptive ? await solverSessions(compiled, chosen.adaptive, execution) : undefined;
  const started = performance.now();
  let outputs: Record<string, HostTensor>;
  let solved: Awaited<ReturnType<typeof finishSolve>> | undefined;
  let milliseconds: number;
  try {
    outputs = await session.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => session.inputNames.includes(k))));
    solved = solver ? await finishSolve(solver, chosen, feeds, outputs) : undefined;
    milliseconds = performance.now() - started;
  } finally {
    await session.release();
    if (solver) for (const s of Object.values(solver)) await s.release();
  }
  const nfe = solved ? (chosen.nfe ?? 0) + solved.nfe : chosen.nfe;
  const all = chosen.outputs.filter((o) => o.role === "output").map((o) => outputs[o.name]!);
  return {
    sampler: chosen.name,
    samples: outputs[result.name]!,
    outputs: all,
    noise,
    milliseconds,
    weights,
    ...(nfe !== undefined ? { nfe } : {}),
    ...(solved ? { solver: { accepted: solved.accepted, rejected: solved.rejected } } : {}),
  };
}

type Adaptive = NonNullable<ManifestGraph["adaptive"]>;

/**
 * Runs a sampler's adaptive solve (`graph.adaptive`) after its graph ran: the graph's result in
 * `outputs` is the solve's initial state, replaced here by its final state. `feeds` are the
 * sampler's (weights, noise), which the solver's graphs may also read.
 */
export async function finishSolve(
  sessions: { step: GraphSession; rhs: GraphSession },
  graph: ManifestGraph,
  feeds: Readonly<Record<string, HostTensor>>,
  outputs: Record<string, HostTensor>,
): Promise<{ nfe: number; accepted: number; rejected: number }> {
  const name = graph.outputs[0]!.name;
  const x0 = outputs[name]!;
  const solved = await solveAdaptive(graph.adaptive!, stagesOn(sessions, graph.adaptive!, feeds, x0.shape), Float64Array.from(x0.data));
  outputs[name] = { dtype: "f32", shape: x0.shape, data: Float32Array.from(solved.x) };
  return { nfe: solved.nfe, accepted: solved.accepted, rejected: solved.rejected };
}

export async function solverSessions(compiled: CompileResult, a: Adaptive, execution: ExecutionOptions): Promise<{ step: GraphSession; rhs: GraphSession }> {
  const open = (name: string) => {
    const g = compiled.graphs.find((x) => x.graph.name === name);
    if (!g?.onnx) throw new RunError(`the compiled spec has no solver graph ${name}`);
    return GraphSession.create(g.onnx, { threads: execution.threads ?? 1, device: execution.device });
  };
  return { step: await open(a.stepGraph), rhs: await open(a.rhsGraph) };
}

/** The solver's graphs on ONNX Runtime: the sampler's feeds (weights, noise) plus the loop's state. */
function stagesOn(sessions: { step: GraphSession; rhs: GraphSession }, a: Adaptive, feeds: Readonly<Record<string, HostTensor>>, shape: readonly number[]): SolveStages {
  const state = (x: Float64Array): HostTensor => ({ dtype: "f32", shape, data: Float32Array.from(x) });
  const scalar = (v: number): HostTensor => ({ dtype: "f32", shape: [], data: Float32Array.of(v) });
  const fed = (s: GraphSession, own: Record<string, HostTensor>) => Object.fromEntries(Object.entries({ ...feeds, ...own }).filter(([k]) => s.inputNames.includes(k)));
  const read = (t: HostTensor | undefined) => Float64Array.from(t!.data);
  return {
    async step(x, t, h, f) {
      const out = await sessions.step.run(fed(sessions.step, { [a.state.x]: state(x), [a.state.t]: scalar(t), [a.state.h]: scalar(h), [a.state.f]: state(f) }));
      return { x: read(out[a.step.x]), err: read(out[a.step.err]), f: read(out[a.step.f]) };
    },
    async rhs(x, t) {
      const out = await sessions.rhs.run(fed(sessions.rhs, { [a.state.x]: state(x), [a.state.t]: scalar(t) }));
      return read(out[a.rhs]);
    },
  };
}
