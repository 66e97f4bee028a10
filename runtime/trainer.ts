// The training loop: runs the compiled train_step graph once per step, feeding it a batch, fresh
// noise, the step number and the scheduled learning rate, and feeding every updated state output
// back as the next step's input. ONNX Runtime reads inputs in place; on the CPU onnxruntime-node
// copies each output into a new ArrayBuffer, and those tensors are what the next step reads. On a
// GPU device the state (parameters, optimizer and layer state) stays in device memory between
// steps: only the batch, the noise and the hyper-parameters go up, and only the loss comes down.

import * as ort from "onnxruntime-node";
import { RandomStream, sample } from "../compiler/artifacts/rng.js";
import type { ManifestGraph, ManifestTensor, ManifestTraining } from "../compiler/artifacts/manifest.js";
import { batchShape } from "../compiler/artifacts/pipeline.js";
import { allocateBatch, type BatchArray, type BatchSource } from "./data/batches.js";
import { concreteSizes } from "./inputs.js";
import { disposeOnDevice, GraphSession, toOrt, type HostTensor, type NodePlacement } from "./onnx.js";
import type { DeviceRequest } from "./device.js";
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
  /** The execution provider (default `cpu`). */
  readonly device?: DeviceRequest;
  /** Keep the state in device memory between steps (default true; false copies it both ways every step, for measurements). */
  readonly stateOnDevice?: boolean;
  /** Record where ONNX Runtime runs each node (read with `placement()`). */
  readonly profile?: boolean;
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
  /** The loss's batch inputs, in the order of the data's tensors. */
  readonly batch: { readonly names: readonly string[]; readonly tensors: readonly ort.Tensor[]; readonly data: readonly BatchArray[] };
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
    private readonly batches: BatchSource,
    /** Number of steps completed. */
    public step: number,
    private readonly options: TrainerOptions,
    private readonly plan: StepPlan,
  ) {}

  static async create(
    onnx: Uint8Array,
    graph: ManifestGraph,
    training: ManifestTraining,
    batches: BatchSource,
    initial: Readonly<Record<string, HostTensor>>,
    options: TrainerOptions = {},
    resume?: { step: number; rng: Readonly<Record<string, number[]>> },
  ): Promise<Trainer> {
    const plan = stepPlan(graph, training, batches);
    const stateOutputs = graph.outputs.filter((o) => o.updates).map((o) => o.name);
    const session = await GraphSession.create(onnx, {
      threads: options.threads ?? 1,
      device: options.device,
      keepOnDevice: options.stateOnDevice === false ? [] : stateOutputs,
      profile: options.profile,
      multiples: graph.multiples,
    });
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
    if (resume && batches.stateful) streams.data = await replayBatches(batches, training, resume.step, resume.rng["data"]!);
    return new Trainer(session, graph, training, state, streams, batches, resume?.step ?? 0, options, plan);
  }

  /** Takes one optimizer step; returns its loss. Stops with a TrainingError on NaN or Inf. */
  async next(): Promise<StepReport> {
    const stepNumber = this.step + 1;
    const { batch, noise, hyper, state, updates } = this.plan;
    const feeds: Record<string, ort.Tensor> = {};
    await this.batches.fill(this.streams.data, this.training.batch, batch.data, stepNumber);
    batch.names.forEach((name, k) => (feeds[name] = batch.tensors[k]!));
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
    if (!Number.isFinite(loss)) {
      const where = await this.firstNonFinite(outputs);
      for (const t of Object.values(outputs)) disposeOnDevice(t);
      throw new TrainingError(`the loss is ${loss} at step ${stepNumber}${where}`, stepNumber);
    }
    for (const [output, input] of updates) {
      const previous = this.state.get(input);
      this.state.set(input, outputs[output]!);
      if (previous) disposeOnDevice(previous);
    }
    this.step = stepNumber;
    return { step: stepNumber, loss };
  }

  private hyperValue(input: ManifestTensor, step: number): number {
    if (input.name === this.training.stepInput) return step;
    if (input.name !== this.training.learningRateInput) return input.default ?? 0;
    const base = this.options.lr ?? input.default ?? 0;
    return base * scheduleFactor({ schedule: this.training.schedule, warmup: this.training.warmup, steps: this.training.steps }, step);
  }

  private async firstNonFinite(outputs: Record<string, ort.Tensor>): Promise<string> {
    const host = await this.session.download(outputs);
    for (const out of this.graph.outputs) {
      const t = host[out.name];
      if (t && t.dtype === "f32" && t.data.some((v) => !Number.isFinite(v))) return `; the first output with a non-finite value is \`${out.name}\``;
    }
    return "";
  }

  /** A copy of the current state tensors, by input name (for checkpoints): copied back from the device where they live there. */
  async snapshot(): Promise<Record<string, HostTensor>> {
    const host = await this.session.download(Object.fromEntries(this.state));
    const out: Record<string, HostTensor> = {};
    for (const [name, h] of Object.entries(host)) out[name] = { ...h, data: h.data.slice() };
    return out;
  }

  /** Where ONNX Runtime ran each node of the steps so far (a trainer created with `profile: true`). */
  placement(): NodePlacement[] {
    return this.session.placement();
  }

  /** The device the steps run on. */
  get device(): string {
    return this.session.device;
  }

  /** The states of the random streams, to continue bit for bit after a resume. */
  rngState(): Record<string, number[]> {
    return { data: this.streams.data.state(), noise: this.streams.noise.state() };
  }

  async release(): Promise<void> {
    for (const t of this.state.values()) disposeOnDevice(t);
    this.state.clear();
    await this.session.release();
  }
}

/**
 * A source with state of its own (a replay buffer) continues a resumed run by drawing the batches
 * of its first `steps` steps again from the start of the data stream, which rebuilds that state;
 * the stream then has to be where the checkpoint left it.
 */
async function replayBatches(batches: BatchSource, training: ManifestTraining, steps: number, saved: readonly number[]): Promise<RandomStream> {
  const stream = RandomStream.derive(training.seed, "data");
  const scratch = allocateBatch(batches.tensors, training.batch);
  for (let s = 1; s <= steps; s++) await batches.fill(stream, training.batch, scratch, s);
  if (JSON.stringify(stream.state()) !== JSON.stringify(saved))
    throw new RunError(`drawing the first ${steps} batches again did not reach the data stream's state in the checkpoint; train into a new directory or drop --resume`);
  return stream;
}

/** Resolves what `Trainer.next` feeds; throws a RunError for inputs the training cannot fill. */
function stepPlan(graph: ManifestGraph, training: ManifestTraining, batches: BatchSource): StepPlan {
  // The compiler checks the loss's batch inputs against the data's tensors (E0705): points
  // [B, features], classes [B].
  const batchInputs = graph.inputs.filter((i) => i.role === "input");
  if (batchInputs.length !== batches.tensors.length)
    throw new RunError(`the loss takes ${batchInputs.length} batch tensor(s) but the data gives ${batches.tensors.length}`);
  const sizes: Record<string, number> = {};
  for (const input of batchInputs) {
    const [rows] = input.shape;
    if (typeof rows === "string") sizes[rows] = training.batch;
  }
  const data = allocateBatch(batches.tensors, training.batch);
  const tensors = data.map((array, k) => {
    const t = batches.tensors[k]!;
    return t.dtype === "f32" ? new ort.Tensor("float32", array as Float32Array, batchShape(t, training.batch)) : new ort.Tensor("int32", array as Int32Array, [training.batch]);
  });
  const plan = {
    batch: { names: batchInputs.map((i) => i.name), data, tensors },
    noise: [] as StepPlan["noise"][number][],
    hyper: [] as StepPlan["hyper"][number][],
    state: [] as string[],
    updates: graph.outputs.filter((o) => o.updates).map((o) => [o.name, o.updates!] as const),
  };
  const updated = new Set(plan.updates.map(([, input]) => input));
  for (const input of graph.inputs) {
    if (input.role === "input") continue;
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
      throw new RunError(`the training graph input ${input.name} (${input.role}) has no value`);
    }
  }
  return plan;
}
