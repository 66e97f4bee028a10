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

/**
 * onnxruntime-node copies every output of a run into a new ArrayBuffer, so a training step
 * allocates its whole state again (2 MB for the rectified-flow MLP at width 256). V8 frees those
 * buffers in batches when it collects garbage, and glibc's malloc gives the top of its heap back
 * to the kernel whenever more than its trim threshold is free there. That threshold starts at
 * 128 KiB and is only raised to twice the largest mmap'ed block freed so far (a few hundred KiB
 * here), so the freed output buffers went back to the kernel and the next steps faulted fresh
 * pages in: 5 to 180 page faults per step, 1 to 12 us each on the 2-core VM we measured on. Dropping one 16 MiB buffer (mmap'ed by malloc, unmapped when V8 collects it)
 * raises the thresholds to 16 and 32 MiB, after which freed buffers are reused (under 2 faults
 * per step). Other allocators ignore this; it costs one short-lived allocation per process.
 */
let allocatorPrimed = false;
function primeAllocator(): void {
  if (allocatorPrimed) return;
  allocatorPrimed = true;
  new Uint8Array(16 << 20)[0] = 1;
}

export class GraphSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<GraphSession> {
    primeAllocator();
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
