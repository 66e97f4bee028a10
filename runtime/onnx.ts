// ONNX Runtime sessions for compiled graphs: the one place sessions are created. Thread counts are
// pinned (the default oversubscribes small machines, see ../shared/papers/flows.md §0.5); the
// execution provider is the device runtime/device.ts selects. On WebGPU, outputs named in
// `keepOnDevice` stay in GPU memory (ONNX Runtime's `gpu-buffer` location) and can be fed back as
// inputs without a copy; `download` brings such tensors back to host memory.

import type { SizeMultiple } from "../compiler/artifacts/manifest.js";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import type { DType } from "../compiler/ir/types.js";
import { copyModel } from "../compiler/onnx/lower.js";
import { ortReason, selectDevice, type Device, type DeviceRequest } from "./device.js";
import { RunError } from "./errors.js";

// ONNX Runtime's own warnings (e.g. that shape arithmetic is placed on the CPU next to a GPU
// provider) are not actionable for a flowc user; errors still surface as exceptions.
ort.env.logLevel = "error";

export interface SessionOptions {
  /** Intra-op threads (default 1: fastest for the small graphs of this project on 2 cores). */
  readonly threads?: number;
  /** The execution provider (default `cpu`); `auto` picks a GPU provider when one starts. */
  readonly device?: DeviceRequest;
  /** Outputs to leave in device memory (WebGPU only; on other devices every output comes back to the host). */
  readonly keepOnDevice?: readonly string[];
  /** Record which provider runs each node (read with `placement` after a run). */
  readonly profile?: boolean;
  /** Sizes the graph divides by a constant (the manifest graph's `multiples`), checked before each run. */
  readonly multiples?: readonly SizeMultiple[];
}

/** Where ONNX Runtime ran one node of a graph, from its profiler. */
export interface NodePlacement {
  /** The node's name in the optimized graph (fused nodes get new names). */
  readonly node: string;
  readonly op: string;
  readonly provider: "cpu" | "webgpu" | "cuda" | string;
  /** Element types of the node's inputs (`float`, `int64`, …). */
  readonly inputTypes: readonly string[];
  readonly outputTypes: readonly string[];
}

/** Where and how graphs run: what the runtime's entry points pass down to `GraphSession.create`. */
export type ExecutionOptions = Pick<SessionOptions, "threads" | "device">;

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
  /** Sessions of copy graphs (Identity per input) by dtype signature, for `download`. */
  private readonly copiers = new Map<string, Promise<ort.InferenceSession>>();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: Device,
    private readonly threads: number,
    private readonly profileDir?: string,
    private readonly multiples: readonly SizeMultiple[] = [],
  ) {}

  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<GraphSession> {
    primeAllocator();
    const { device } = await selectDevice(options.device ?? "cpu");
    const threads = options.threads ?? 1;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [device === "cuda" ? { name: "cuda", deviceId: 0 } : device],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    };
    if (device === "webgpu" && options.keepOnDevice?.length)
      (sessionOptions as { preferredOutputLocation?: Record<string, ort.Tensor.DataLocation> }).preferredOutputLocation = Object.fromEntries(options.keepOnDevice.map((name) => [name, "gpu-buffer"]));
    const profileDir = options.profile ? mkdtempSync(join(tmpdir(), "flowc-profile-")) : undefined;
    if (profileDir) Object.assign(sessionOptions, { enableProfiling: true, profileFilePrefix: join(profileDir, "profile") });
    return new GraphSession(await openSession(model, sessionOptions, device), device, threads, profileDir, options.multiples ?? []);
  }

  /** Which provider ran each node in the runs so far; ends profiling (create with `profile: true`). */
  placement(): NodePlacement[] {
    if (!this.profileDir) throw new Error("placement() needs a session created with profile: true");
    this.session.endProfiling();
    const file = readdirSync(this.profileDir).find((f) => f.endsWith(".json"));
    const events = file ? (JSON.parse(readFileSync(join(this.profileDir, file), "utf8")) as ProfileEvent[]) : [];
    rmSync(this.profileDir, { recursive: true, force: true });
    const byNode = new Map<string, NodePlacement>();
    for (const e of events) {
      if (e.cat !== "Node" || !e.args?.provider || !e.name.endsWith("_kernel_time")) continue;
      const node = e.name.slice(0, -"_kernel_time".length);
      const types = (shapes: Record<string, unknown>[] | undefined) => (shapes ?? []).flatMap((t) => Object.keys(t));
      byNode.set(node, { node, op: e.args.op_name ?? "", provider: PROVIDERS[e.args.provider] ?? e.args.provider, inputTypes: types(e.args.input_type_shape), outputTypes: types(e.args.output_type_shape) });
    }
    return [...byNode.values()];
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
    return this.download(await this.runTensors(ortFeeds));
  }

  /**
   * Runs with ONNX Runtime tensors in and out: the training loop feeds outputs back without copies.
   * Outputs named in `keepOnDevice` are device tensors: read them only through `download`.
   */
  async runTensors(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    for (const m of this.multiples) {
      const size = feeds[m.input]?.dims[m.axis];
      if (size !== undefined && size % m.of !== 0)
        throw new RunError(`the size \`${m.size}\` is ${size} (axis ${m.axis} of \`${m.input}\`), but the graph divides it by ${m.of} (\`${m.size} / ${m.of}\`): feed a multiple of ${m.of}`);
    }
    if (this.device !== "webgpu")
      for (const [name, t] of Object.entries(feeds))
        if (t.location !== "cpu") throw new Error(`${name} is a ${t.location} tensor, fed to a ${this.device} session (it would read garbage)`);
    return (await this.session.run(feeds)) as Record<string, ort.Tensor>;
  }

  /** Host copies of tensors; device tensors are copied back in one run of a copy graph. */
  async download(tensors: Readonly<Record<string, ort.Tensor>>): Promise<Record<string, HostTensor>> {
    const out: Record<string, HostTensor> = {};
    const onDevice = Object.entries(tensors).filter(([, t]) => t.location === "gpu-buffer");
    for (const [name, t] of Object.entries(tensors)) if (t.location !== "gpu-buffer") out[name] = fromOrt(t);
    if (onDevice.length === 0) return out;
    const dtypes = onDevice.map(([, t]) => dtypeOf(t));
    const copier = await this.copier(dtypes);
    const copies = await copier.run(Object.fromEntries(onDevice.map(([, t], k) => [`x${k}`, t])));
    onDevice.forEach(([name], k) => (out[name] = fromOrt(copies[`y${k}`]!)));
    return out;
  }

  private copier(dtypes: readonly DType[]): Promise<ort.InferenceSession> {
    const key = dtypes.join(",");
    let pending = this.copiers.get(key);
    if (!pending) {
      pending = openSession(copyModel(dtypes), { executionProviders: [this.device], intraOpNumThreads: this.threads, interOpNumThreads: 1 }, this.device);
      this.copiers.set(key, pending);
    }
    return pending;
  }

  async release(): Promise<void> {
    for (const copier of this.copiers.values()) await (await copier).release();
    this.copiers.clear();
    await this.session.release();
  }
}

interface ProfileEvent {
  readonly cat: string;
  readonly name: string;
  readonly args?: { provider?: string; op_name?: string; input_type_shape?: Record<string, unknown>[]; output_type_shape?: Record<string, unknown>[] };
}

const PROVIDERS: Readonly<Record<string, string>> = { CPUExecutionProvider: "cpu", WebGpuExecutionProvider: "webgpu", CUDAExecutionProvider: "cuda" };

async function openSession(model: Uint8Array, options: ort.InferenceSession.SessionOptions, device: Device): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (e) {
    // The device was checked when it was selected: what fails here is this graph on it.
    if (device === "cpu") throw e;
    throw new RunError(`the ${device} provider could not load a graph: ${ortReason(e instanceof Error ? e.message : String(e))}`);
  }
}

/** Releases a device tensor's memory now (host tensors are left to the garbage collector). */
export function disposeOnDevice(t: ort.Tensor): void {
  if (t.location === "gpu-buffer") t.dispose();
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

function dtypeOf(t: ort.Tensor): DType {
  switch (t.type) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "bool":
      return "bool";
    default:
      throw new Error(`unexpected tensor type ${t.type} in a flowc graph`);
  }
}

export function fromOrt(t: ort.Tensor): HostTensor {
  // onnxruntime-node cannot download a GPU tensor itself (its getData() aborts the process).
  if (t.location !== "cpu") throw new Error(`a ${t.location} tensor was read directly; read it through GraphSession.download`);
  const shape = [...t.dims];
  switch (dtypeOf(t)) {
    case "f32":
      return { dtype: "f32", shape, data: t.data as Float32Array };
    case "i32":
      return { dtype: "i32", shape, data: t.data as Int32Array };
    case "bool":
      return { dtype: "bool", shape, data: t.data as Uint8Array };
  }
}
