// ONNX Runtime sessions for compiled graphs. Thread counts are pinned (the default oversubscribes
// small machines, see ../shared/papers/flows.md §0.5); CPU is the only provider for now.

import * as ort from "onnxruntime-node";
import type { DType } from "../compiler/ir/types.js";

export interface SessionOptions {
  /** Intra-op threads (default 1: fastest for the small graphs of this project on 2 cores). */
  readonly threads?: number;
}

export interface HostTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

export class GraphSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<GraphSession> {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ["cpu"],
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    });
    return new GraphSession(session);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
    const results = await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(results)) out[name] = fromOrt(t);
    return out;
  }

  /** Runs with ONNX Runtime tensors in and out: the training loop feeds outputs back without copies. */
  async runTensors(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    return (await this.session.run(feeds)) as Record<string, ort.Tensor>;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export function toOrt(t: HostTensor): ort.Tensor {
  switch (t.dtype) {
    case "f32":
      return new ort.Tensor("float32", t.data as Float32Array, [...t.shape]);
    case "i32":
      return new ort.Tensor("int32", t.data as Int32Array, [...t.shape]);
    case "bool":
      return new ort.Tensor("bool", t.data as Uint8Array, [...t.shape]);
  }
}

export function fromOrt(t: ort.Tensor): HostTensor {
  const shape = [...t.dims];
  switch (t.type) {
    case "float32":
      return { dtype: "f32", shape, data: t.data as Float32Array };
    case "int32":
      return { dtype: "i32", shape, data: t.data as Int32Array };
    case "bool":
      return { dtype: "bool", shape, data: t.data as Uint8Array };
    default:
      throw new Error(`unexpected output type ${t.type} from a flowc graph`);
  }
}
