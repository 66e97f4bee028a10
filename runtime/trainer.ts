// The training loop: runs the compiled train_step graph once per step, feeding it a batch, fresh
// noise, the step number and the scheduled learning rate, and feeding every updated state output
// back as the next step's input (the ONNX Runtime tensors themselves: no copies).

import * as ort from "onnxruntime-node";
import { RandomStream, sample } from "../compiler/artifacts/rng.js";
import type { ManifestGraph, ManifestTensor, ManifestTraining } from "../compiler/artifacts/manifest.js";
import type { BatchSource } from "./data/batches.js";
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
    const batchInputs = graph.inputs.filter((i) => i.role === "input");
    if (batchInputs.length !== batches.tensors.length)
      throw new RunError(`the loss takes ${batchInputs.length} batch tensor(s) but the data gives ${batches.tensors.length}`);
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
    return new Trainer(session, graph, training, state, streams, batches, resume?.step ?? 0, options);
  }

  /** Takes one optimizer step; returns its loss. Stops with a TrainingError on NaN or Inf. */
  async next(): Promise<StepReport> {
    const stepNumber = this.step + 1;
    const feeds: Record<string, ort.Tensor> = {};
    const sizes: Record<string, number> = {};
    const batchInputs = this.graph.inputs.filter((i) => i.role === "input");
    this.batch(batchInputs, sizes).forEach((t, k) => (feeds[batchInputs[k]!.name] = t));
    for (const input of this.graph.inputs) {
      if (input.role === "noise") {
        const shape = concreteSizes(input.shape, sizes, this.training.batch);
        const count = shape.reduce((a, b) => a * b, 1);
        feeds[input.name] = new ort.Tensor("float32", sample(this.streams.noise, input.noise!.distribution, input.noise!.args, count), shape);
      } else if (input.role === "hyper") {
        feeds[input.name] = new ort.Tensor("float32", Float32Array.of(this.hyperValue(input, stepNumber)), []);
      } else if (this.state.has(input.name)) {
        feeds[input.name] = this.state.get(input.name)!;
      } else if (input.role !== "input") {
        throw new RunError(`the training graph input ${input.name} (${input.role}) has no value`);
      }
    }
    const outputs = await this.session.runTensors(feeds);
    const loss = (outputs["loss"]!.data as Float32Array)[0]!;
    if (!Number.isFinite(loss)) throw new TrainingError(`the loss is ${loss} at step ${stepNumber}${this.firstNonFinite(outputs)}`, stepNumber);
    for (const out of this.graph.outputs) if (out.updates) this.state.set(out.updates, outputs[out.name]!);
    this.step = stepNumber;
    return { step: stepNumber, loss };
  }

  /** Draws the next batch; the loss's batch inputs are [B, features] (checked by the compiler). */
  private batch(inputs: readonly ManifestTensor[], sizes: Record<string, number>): ort.Tensor[] {
    const batch = this.training.batch;
    for (const input of inputs) {
      const [rows] = input.shape;
      if (typeof rows === "string") sizes[rows] = batch;
    }
    return this.batches.next(this.streams.data, batch).map((data, k) => {
      const t = this.batches.tensors[k]!;
      return t.dtype === "f32" ? new ort.Tensor("float32", data as Float32Array, [batch, t.features]) : new ort.Tensor("int32", data as Int32Array, [batch]);
    });
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
