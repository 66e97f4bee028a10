// bench/gpu: specs/rectified-flow.flow's first training step and its 100-step Euler sampler on
// ONNX Runtime's WebGPU provider and on its CPU provider, checked against each other and timed,
// next to the same model in PyTorch (CUDA when it has it). Run by bench/gpu/run on a GPU machine
// (see bench/gpu/README.md); here, `node dist/bench/gpu/bench.js --software --quick` exercises it
// on software Vulkan.
//
// Training is timed three ways: on the CPU; on WebGPU with the state (parameters, Adam moments,
// EMA) copied to the device and back every step; and on WebGPU with the state left in GPU memory
// between steps (what `flowc train --device webgpu` does). Prints one table.

import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { compile, type CompileResult } from "../../compiler/compile.js";
import { hasErrors, renderDiagnostics } from "../../compiler/diagnostics/index.js";
import type { ManifestTraining } from "../../compiler/artifacts/manifest.js";
import { batchSource } from "../../runtime/data/batches.js";
import { probeProvider, selectDevice, type Device } from "../../runtime/device.js";
import { RunError } from "../../runtime/errors.js";
import type { HostTensor, NodePlacement } from "../../runtime/onnx.js";
import { findTraining, initialState, trainStepGraph } from "../../runtime/run.js";
import { runSampler } from "../../runtime/sample.js";
import { Trainer } from "../../runtime/trainer.js";

const SPEC = "specs/rectified-flow.flow";

function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

function text(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

function arg(name: string, fallback: number): number {
  return Number(text(name, String(fallback)));
}

const quick = flag("quick");
const options = {
  batch: arg("batch", quick ? 64 : 256),
  width: arg("width", quick ? 32 : 256),
  steps: arg("steps", quick ? 10 : 200),
  warmup: arg("warmup", quick ? 3 : 20),
  samples: arg("samples", quick ? 256 : 10000),
  /** Accept software Vulkan (for trying the bench without a GPU). */
  software: flag("software"),
  python: text("python", "python3"),
};

interface Row {
  readonly what: string;
  readonly cells: Record<string, string>;
}

const COLUMNS = ["flowc cpu (1 thread)", `flowc cpu (${availableParallelism()} threads)`, "flowc webgpu, state copied", "flowc webgpu, state on GPU", "pytorch"] as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function compiled(paramsAs: "initializers" | "inputs"): CompileResult {
  const result = compile({ entry: SPEC, hyper: { width: options.width }, paramsAs });
  if (hasErrors(result.diagnostics)) throw new Error(renderDiagnostics(result.diagnostics, (p) => result.sources.get(p)));
  return result;
}

function rf1(spec: CompileResult): ManifestTraining {
  return { ...findTraining(spec, "rf1"), batch: options.batch };
}

async function trainer(spec: CompileResult, device: Device, threads: number, stateOnDevice: boolean, profile = false): Promise<Trainer> {
  const training = rf1(spec);
  const { graph, onnx } = trainStepGraph(spec, training);
  const batches = batchSource(training.data, () => {
    throw new RunError("rf1 trains on toy data");
  });
  return Trainer.create(onnx, graph, training, batches, initialState(spec, training), { device, threads, stateOnDevice, profile });
}

/** Median milliseconds per step after a warm-up (the first steps compile the provider's kernels). */
async function msPerStep(t: Trainer): Promise<number> {
  for (let i = 0; i < options.warmup; i++) await t.next();
  const times: number[] = [];
  for (let i = 0; i < options.steps; i++) {
    const start = performance.now();
    await t.next();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Over all state tensors: the largest elementwise difference relative to the tensor's largest magnitude. */
function worstRelative(a: Readonly<Record<string, HostTensor>>, b: Readonly<Record<string, HostTensor>>): number {
  let worst = 0;
  for (const [name, t] of Object.entries(b)) {
    const other = a[name]!;
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < t.data.length; i++) {
      scale = Math.max(scale, Math.abs(t.data[i]!));
      diff = Math.max(diff, Math.abs(t.data[i]! - other.data[i]!));
    }
    worst = Math.max(worst, scale === 0 ? diff : diff / scale);
  }
  return worst;
}

function stateBytes(state: Readonly<Record<string, HostTensor>>): number {
  return Object.values(state).reduce((n, t) => n + t.data.byteLength, 0);
}

function placementSummary(placement: readonly NodePlacement[]): string {
  const onGpu = placement.filter((p) => p.provider === "webgpu").length;
  const data = placement.filter((p) => p.op === "MemcpyToHost" || (p.provider === "cpu" && p.inputTypes.some((t) => t !== "int64")));
  const shape = placement.filter((p) => p.provider === "cpu").length - data.filter((p) => p.provider === "cpu").length;
  return `${onGpu} nodes on the GPU, ${shape} shape-arithmetic nodes on the CPU, ${data.length} data fallbacks${data.length ? ` (${data.map((p) => p.op).join(", ")})` : ""}`;
}

function pytorch(device: "cuda" | "cpu", threads: number): { ms_per_step: number; sample_ms?: number; torch: string; device: string } | string {
  try {
    const out = execFileSync(
      options.python,
      ["bench/pytorch/rectified_flow_step.py", "--device", device, "--batch", String(options.batch), "--width", String(options.width), "--steps", String(options.steps), "--warmup", String(options.warmup), "--threads", String(threads), "--sample-n", String(options.samples)],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, OMP_NUM_THREADS: String(threads) } },
    );
    return JSON.parse(out.toString().trim().split("\n").pop()!);
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split("\n").pop();
    return `n/a (${stderr ?? (e as Error).message.split("\n")[0]})`;
  }
}

async function main(): Promise<void> {
  const log = (s: string) => process.stdout.write(s + "\n");
  log(`bench/gpu: ${SPEC} rf1, MLP 3 -> ${options.width} x3 -> 2 (SiLU), Adam + EMA, batch ${options.batch}; ${options.steps} timed steps after ${options.warmup}; sampler: 100 Euler steps of ${options.samples} points`);

  // 1. The provider sees the GPU: with software Vulkan hidden, WebGPU must still start.
  const hardware = await probeProvider("webgpu", true);
  if (!hardware.ok && !options.software) throw new RunError(`the WebGPU provider does not start on a GPU: ${hardware.reason}`);
  const webgpu = await selectDevice("webgpu");
  log(`webgpu: ${hardware.ok ? "starts on a hardware Vulkan device (software drivers hidden)" : "software Vulkan only (--software)"}; selected: ${webgpu.summary}`);
  const cuda = await probeProvider("cuda", false);
  log(`cuda provider: ${cuda.ok ? "starts" : cuda.reason}`);

  const spec = compiled("initializers");
  const rows: Row[] = [];

  // 2. One step from the same start on both providers: the state must agree.
  const cpuOne = await trainer(spec, "cpu", 1, true);
  const gpuOne = await trainer(spec, "webgpu", 1, true, true);
  const [cpuLoss, gpuLoss] = [(await cpuOne.next()).loss, (await gpuOne.next()).loss];
  const [cpuState, gpuState] = [await cpuOne.snapshot(), await gpuOne.snapshot()];
  log(`one step, webgpu vs cpu: loss ${gpuLoss} vs ${cpuLoss}; state agrees within ${worstRelative(gpuState, cpuState).toExponential(2)} relative (the tests require 1e-4)`);
  log(`placement of the training step on webgpu: ${placementSummary(gpuOne.placement())}`);
  await cpuOne.release();
  await gpuOne.release();
  const bytes = stateBytes(cpuState);
  log(`state: ${(bytes / 1e6).toFixed(2)} MB (parameters, Adam moments, EMA), copied both ways each step unless it stays on the GPU`);

  // 3. Time per training step.
  const step: Record<string, string> = {};
  const timings: Record<string, number> = {};
  const configs: [string, Device, number, boolean][] = [
    [COLUMNS[0], "cpu", 1, true],
    [COLUMNS[1], "cpu", availableParallelism(), true],
    [COLUMNS[2], "webgpu", 1, false],
    [COLUMNS[3], "webgpu", 1, true],
  ];
  let trained: Record<string, HostTensor> | undefined;
  for (const [column, device, threads, resident] of configs) {
    const t = await trainer(spec, device, threads, resident);
    timings[column] = await msPerStep(t);
    step[column] = `${timings[column]!.toFixed(3)} ms`;
    if (column === COLUMNS[3]) trained = await t.snapshot();
    await t.release();
  }
  const copyCost = timings[COLUMNS[2]]! - timings[COLUMNS[3]]!;
  log(`state transfer per step on webgpu (copied minus on-GPU): ${copyCost.toFixed(3)} ms for ${(2 * bytes / 1e6).toFixed(2)} MB`);

  // 4. The sampler (100 Euler steps, one graph), with the weights trained above, on both providers.
  const inference = compiled("inputs");
  const sampled: Partial<Record<Device, { data: Float32Array; ms: number; cold: number }>> = {};
  for (const [device, threads] of [["cpu", availableParallelism()], ["webgpu", 1]] as const) {
    const run = () => runSampler(inference, trained!, { sampler: "rf1.euler", n: options.samples, seed: 0, useEma: false, threads, device });
    const cold = await run(); // the first run compiles the provider's kernels
    const warm = [await run(), await run()];
    sampled[device] = { data: cold.samples.data as Float32Array, ms: Math.min(...warm.map((r) => r.milliseconds)), cold: cold.milliseconds };
  }
  let worst = 0;
  const [a, b] = [sampled.webgpu!.data, sampled.cpu!.data];
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  log(`sampler, webgpu vs cpu: samples agree within ${worst.toExponential(2)} relative; first webgpu run ${sampled.webgpu!.cold.toFixed(1)} ms (kernel compilation)`);
  const sample: Record<string, string> = { [COLUMNS[1]]: `${sampled.cpu!.ms.toFixed(1)} ms`, [COLUMNS[3]]: `${sampled.webgpu!.ms.toFixed(1)} ms` };

  // 5. PyTorch: CUDA where it has it, else the CPU.
  const torch = pytorch("cuda", 1);
  const torchResult = typeof torch === "string" ? pytorch("cpu", availableParallelism()) : torch;
  if (typeof torchResult === "string") step["pytorch"] = sample["pytorch"] = torchResult;
  else {
    step["pytorch"] = `${torchResult.ms_per_step.toFixed(3)} ms (${torchResult.device})`;
    sample["pytorch"] = torchResult.sample_ms === undefined ? "n/a" : `${torchResult.sample_ms.toFixed(1)} ms (${torchResult.device})`;
    log(`pytorch ${torchResult.torch} on ${torchResult.device}${typeof torch === "string" ? ` (cuda: ${torch})` : ""}`);
  }
  rows.push({ what: "training step", cells: step }, { what: `sampler (${options.samples} points)`, cells: sample });
  log("");
  log(table(rows));
}

function table(rows: readonly Row[]): string {
  const header = ["", ...COLUMNS];
  const body = rows.map((r) => [r.what, ...COLUMNS.map((c) => r.cells[c] ?? "-")]);
  const widths = header.map((_, k) => Math.max(...[header, ...body].map((row) => row[k]!.length)));
  const line = (row: string[]) => "| " + row.map((cell, k) => cell.padEnd(widths[k]!)).join(" | ") + " |";
  return [line(header), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...body.map(line)].join("\n");
}

main().catch((e) => {
  process.stderr.write(`bench/gpu: ${e instanceof RunError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
