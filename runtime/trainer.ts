// The training loop: runs the compiled train_step graph once per step, feeding it a batch, fresh
// noise, the step number and the scheduled learning rate, and feeding every updated state output
// back as the next step's input. ONNX Runtime reads inputs in place; onnxruntime-node copies each
// output into a new ArrayBuffer, and those tensors are what the next step reads.

import * as ort from "onnxruntime-node";
import { RandomStream, sample } from "../compiler/artifacts/rng.js";
import type { ManifestGraph, ManifestTensor, ManifestTraining } from "../compiler/artifacts/manifest.js";
import { TOY_SOURCES } from "./data/toy.js";
import { concreteSizes } from "./inputs.js";
import { fromOrt, GraphSession, toOrt, type HostTensor } from "./onnx.js";
import { RunError } from "./errors.js";
import { scheduleFactor } from "./schedule.js";

export class TrainingError extends Error {
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(message);
  }
}

export interface StepReport {
  readonly step: number;
  readonly loss: number;
}

export interface TrainerOptions {
  readonly threads?: number;
  /** Overrides the learning rate(s) given by the spec (the `optimizer.lr` default). */
  readonly lr?: number;
}

/**
 * What each step feeds, resolved once from the manifest: the batch and the noise are drawn into
 * the same buffers every step (ONNX Runtime reads inputs in place and is done with them when
 * `run` returns), hyper-parameters are written into one-element tensors, and the state inputs
 * take the outputs that update them.
 */
interface StepPlan {
  readonly batch: { readonly name: string; readonly tensor: ort.Tensor; readonly data: Float32Array };
  readonly noise: readonly { readonly input: ManifestTensor; readonly tensor: ort.Tensor; readonly data: Float32Array }[];
  readonly hyper: readonly { readonly input: ManifestTensor; readonly tensor: ort.Tensor; readonly data: Float32Array }[];
  /** Input names fed from `state`. */
  readonly state: readonly string[];
  /** [output, the input it updates]. */
  readonly updates: readonly (readonly [string, string])[];
}

/** The live state of a run: everything needed to take the next step. */
export class Trainer {
  private constructor(
    private readonly session: GraphSession,
    private readonly graph: ManifestGraph,
    readonly training: ManifestTraining,
    /** Current values of every input that an output updates (params, optimizer and layer state). */
    private readonly state: Map<string, ort.Tensor>,
    private readonly streams: { data: RandomStream; noise: RandomStream },
    /** Number of steps completed. */
    public step: number,
    private readonly options: TrainerOptions,
    private readonly plan: StepPlan,
  ) {}

  static async create(
    onnx: Uint8Array,
    graph: ManifestGraph,
    training: ManifestTraining,
    initial: Readonly<Record<string, HostTensor>>,
    options: TrainerOptions = {},
    resume?: { step: number; rng: Readonly<Record<string, number[]>> },
  ): Promise<Trainer> {
    const source = TOY_SOURCES[training.data.source];
    if (!source) throw new RunError(`unknown data source ${training.data.source}`);
    const plan = stepPlan(graph, training);
    const session = await GraphSession.create(onnx, { threads: options.threads ?? 1 });
    const state = new Map<string, ort.Tensor>();
    for (const out of graph.outputs) {
      if (!out.updates) continue;
      const value = initial[out.updates];
      if (!value) throw new RunError(`no initial value for ${out.updates}`);
      state.set(out.updates, toOrt(value));
    }
    const streams = resume
      ? { data: RandomStream.fromState(resume.rng["data"]!), noise: RandomStream.fromState(resume.rng["noise"]!) }
      : { data: RandomStream.derive(training.seed, "data"), noise: RandomStream.derive(training.seed, "noise") };
    return new Trainer(session, graph, training, state, streams, resume?.step ?? 0, options, plan);
  }

  /** Takes one optimizer step; returns its loss. Stops with a TrainingError on NaN or Inf. */
  async next(): Promise<StepReport> {
    const stepNumber = this.step + 1;
    const { batch, noise, hyper, state, updates } = this.plan;
    const feeds: Record<string, ort.Tensor> = {};
    TOY_SOURCES[this.training.data.source]!(this.streams.data, this.training.batch, this.training.data.args as Record<string, number>, batch.data);
    feeds[batch.name] = batch.tensor;
    for (const n of noise) {
      sample(this.streams.noise, n.input.noise!.distribution, n.input.noise!.args, n.data.length, n.data);
      feeds[n.input.name] = n.tensor;
    }
    for (const h of hyper) {
      h.data[0] = this.hyperValue(h.input, stepNumber);
      feeds[h.input.name] = h.tensor;
    }
    for (const name of state) feeds[name] = this.state.get(name)!;
    const outputs = await this.session.runTensors(feeds);
    const loss = (outputs["loss"]!.data as Float32Array)[0]!;
    if (!Number.isFinite(loss)) throw new TrainingError(`the loss is ${loss} at step ${stepNumber}${this.firstNonFinite(outputs)}`, stepNumber);
    for (const [output, input] of updates) this.state.set(input, outputs[output]!);
    this.step = stepNumber;
    return { step: stepNumber, loss };
  }

  private hyperValue(input: ManifestTensor, step: number): number {
    if (input.name === this.training.stepInput) return step;
    if (input.name !== this.training.learningRateInput) return input.default ?? 0;
    const base = this.options.lr ?? input.default ?? 0;
    return base * scheduleFactor({ schedule: this.training.schedule, warmup: this.training.warmup, steps: this.training.steps }, step);
  }

  private firstNonFinite(outputs: Record<string, ort.Tensor>): string {
    for (const out of this.graph.outputs) {
      const data = outputs[out.name]?.data as Float32Array | undefined;
      if (data && data.some((v) => !Number.isFinite(v))) return `; the first output with a non-finite value is \`${out.name}\``;
    }
    return "";
  }

  /** A copy of the current state tensors, by input name (for checkpoints). */
  snapshot(): Record<string, HostTensor> {
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of this.state) {
      const h = fromOrt(t);
      out[name] = { ...h, data: h.data.slice() };
    }
    return out;
  }

  /** The states of the random streams, to continue bit for bit after a resume. */
  rngState(): Record<string, number[]> {
    return { data: this.streams.data.state(), noise: this.streams.noise.state() };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Resolves what `Trainer.next` feeds; throws a RunError for inputs the training cannot fill. */
function stepPlan(graph: ManifestGraph, training: ManifestTraining): StepPlan {
  const batchInput = graph.inputs.find((i) => i.role === "input");
  if (!batchInput) throw new RunError("the loss takes no batch input: declare the data it receives, e.g. `loss (x1: f32[B, 2]) { ... }`");
  const [rows, features] = batchInput.shape;
  if (batchInput.shape.length !== 2 || typeof rows !== "string" || features !== 2 || batchInput.dtype !== "f32")
    throw new RunError(`the loss takes ${batchInput.name}: ${batchInput.dtype}[${batchInput.shape.join(", ")}], but ${training.data.source} gives f32[B, 2]`);
  const sizes: Record<string, number> = { [rows]: training.batch };
  const batchData = new Float32Array(training.batch * 2);
  const plan = {
    batch: { name: batchInput.name, data: batchData, tensor: new ort.Tensor("float32", batchData, [training.batch, 2]) },
    noise: [] as StepPlan["noise"][number][],
    hyper: [] as StepPlan["hyper"][number][],
    state: [] as string[],
    updates: graph.outputs.filter((o) => o.updates).map((o) => [o.name, o.updates!] as const),
  };
  const updated = new Set(plan.updates.map(([, input]) => input));
  for (const input of graph.inputs) {
    if (input === batchInput) continue;
    if (input.role === "noise") {
      const shape = concreteSizes(input.shape, sizes, training.batch);
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      plan.noise.push({ input, data, tensor: new ort.Tensor("float32", data, shape) });
    } else if (input.role === "hyper") {
      const data = new Float32Array(1);
      plan.hyper.push({ input, data, tensor: new ort.Tensor("float32", data, []) });
    } else if (updated.has(input.name)) {
      plan.state.push(input.name);
    } else {
      throw new RunError(`the training graph input ${input.name} (${input.role}) has no value: losses may take one batch input only`);
    }
  }
  return plan;
}
