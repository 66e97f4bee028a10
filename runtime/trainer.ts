// The training loop: runs the compiled train_step graph once per step, feeding it a batch, fresh
// noise, the step number and the scheduled learning rate, and feeding every updated state output
// back as the next step's input (the ONNX Runtime tensors themselves: no copies).

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
    return new Trainer(session, graph, training, state, streams, resume?.step ?? 0, options);
  }

  /** Takes one optimizer step; returns its loss. Stops with a TrainingError on NaN or Inf. */
  async next(): Promise<StepReport> {
    const stepNumber = this.step + 1;
    const feeds: Record<string, ort.Tensor> = {};
    const sizes: Record<string, number> = {};
    const batchInput = this.graph.inputs.find((i) => i.role === "input");
    if (!batchInput) throw new RunError("the loss takes no batch input: declare the data it receives, e.g. `loss (x1: f32[B, 2]) { ... }`");
    const batch = this.batch(batchInput, sizes);
    feeds[batchInput.name] = batch;
    for (const input of this.graph.inputs) {
      if (input.role === "noise") {
        const shape = concreteSizes(input.shape, sizes, this.training.batch);
        const count = shape.reduce((a, b) => a * b, 1);
        feeds[input.name] = new ort.Tensor("float32", sample(this.streams.noise, input.noise!.distribution, input.noise!.args, count), shape);
      } else if (input.role === "hyper") {
        feeds[input.name] = new ort.Tensor("float32", Float32Array.of(this.hyperValue(input, stepNumber)), []);
      } else if (this.state.has(input.name)) {
        feeds[input.name] = this.state.get(input.name)!;
      } else if (input !== batchInput) {
        throw new RunError(`the training graph input ${input.name} (${input.role}) has no value: losses may take one batch input only`);
      }
    }
    const outputs = await this.session.runTensors(feeds);
    const loss = (outputs["loss"]!.data as Float32Array)[0]!;
    if (!Number.isFinite(loss)) throw new TrainingError(`the loss is ${loss} at step ${stepNumber}${this.firstNonFinite(outputs)}`, stepNumber);
    for (const out of this.graph.outputs) if (out.updates) this.state.set(out.updates, outputs[out.name]!);
    this.step = stepNumber;
    return { step: stepNumber, loss };
  }

  private batch(input: ManifestTensor, sizes: Record<string, number>): ort.Tensor {
    const [rows, features] = input.shape;
    if (input.shape.length !== 2 || typeof rows !== "string" || typeof features !== "number")
      throw new RunError(`the loss takes ${input.name}: ${input.dtype}[${input.shape.join(", ")}], but ${this.training.data.source} gives f32[B, 2]`);
    sizes[rows] = this.training.batch;
    const data = TOY_SOURCES[this.training.data.source]!(this.streams.data, this.training.batch, this.training.data.args as Record<string, number>);
    if (features !== 2 || input.dtype !== "f32") throw new RunError(`the loss takes ${input.name}: ${input.dtype}[${input.shape.join(", ")}], but ${this.training.data.source} gives f32[B, 2]`);
    return new ort.Tensor("float32", data, [this.training.batch, 2]);
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
