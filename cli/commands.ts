// The `flowc` subcommands. Each returns an exit code; none calls process.exit, so the whole CLI
// runs in-process in tests.

import { join } from "node:path";
import { dumpAst } from "../grammar/dump.js";
import type { CompiledGraph } from "../compiler/compile.js";
import type { ManifestGraph } from "../compiler/artifacts/manifest.js";
import { interpret } from "../compiler/ir/interpret.js";
import { webgpuFallbacks } from "../compiler/ir/placement.js";
import type { NDArray } from "../compiler/ir/ndarray.js";
import { printGraph } from "../compiler/ir/print.js";
import { typeToString } from "../compiler/ir/types.js";
import { onnxGraphToText } from "../compiler/onnx/lower.js";
import { exampleInputs } from "../runtime/inputs.js";
import { GraphSession, type HostTensor } from "../runtime/onnx.js";
import { writeArtifacts } from "../runtime/run.js";
import { finishSolve, solverSessions } from "../runtime/sample.js";
import { solveAdaptive } from "../runtime/adaptive.js";
import { chooseDevice, compileSpec, report, UsageError, type SelectionFlags } from "./compile-spec.js";
import { RunError } from "../runtime/errors.js";
import type { Device } from "../runtime/device.js";
import { diagnostic } from "../compiler/diagnostics/index.js";
import { NO_SPAN } from "../compiler/source.js";
import type { CliIO } from "./io.js";

export async function compileCommand(spec: string, flags: SelectionFlags & { out: string }, io: CliIO): Promise<number> {
  const result = compileSpec(spec, flags, io);
  if (!result?.manifest) return 1;
  writeArtifacts(result, flags.out);
  for (const g of result.manifest.graphs) io.out(`wrote ${join(flags.out, g.file)}  (${describeGraph(g)})\n`);
  io.out(`wrote ${join(flags.out, "manifest.json")}\n`);
  return 0;
}

export async function infoCommand(spec: string, flags: SelectionFlags & { json?: boolean; placement?: boolean }, io: CliIO): Promise<number> {
  const result = compileSpec(spec, flags, io);
  if (!result?.manifest) return 1;
  if (flags.placement) {
    io.out(placementReport(result.graphs));
    return 0;
  }
  if (flags.json) {
    io.out(JSON.stringify(result.manifest, null, 2) + "\n");
    return 0;
  }
  io.out(`${spec}  (spec hash ${result.manifest.specHash.slice(0, 12)}, opset ${result.manifest.opset})\n`);
  for (const g of result.manifest.graphs) {
    io.out(`\n${g.name}: ${describeGraph(g)}\n`);
    // Parameters, layer state and optimizer state are summed up, not listed (`--json` lists them).
    const carried = g.inputs.filter((i) => i.role === "state" || i.role === "optimizer_state");
    for (const line of tensorLines(g.inputs.filter((i) => i.role !== "param" && !carried.includes(i)), "in ")) io.out(line);
    for (const line of tensorLines(g.outputs.filter((o) => o.updates === undefined), "out")) io.out(line);
    const updated = g.outputs.filter((o) => o.updates !== undefined).length;
    if (carried.length > 0 || updated > 0)
      io.out(`  + ${carried.length} optimizer and layer state tensors in (${values(carried).toLocaleString("en-US")} values), ${updated} updated parameters and states out (\`--json\` lists them)\n`);
  }
  for (const d of result.deferredSamplers ?? []) {
    const params = d.inputs.map((i) => `${i.name}: ${i.dtype}[${i.shape.join(", ")}]`).join(", ");
    io.out(`\n${d.model}.${d.fn}: a sampler with tensor parameters (${params}), built for the values a claim binds, or given with \`flowc sample RUN --sampler ${d.fn} --input ${d.inputs[0]!.name}=...\`\n`);
  }
  return 0;
}

/** Per graph: whether every node runs on the WebGPU provider, else which fall back to the CPU and why. */
function placementReport(graphs: readonly CompiledGraph[]): string {
  const lines: string[] = [];
  let total = 0;
  for (const g of graphs) {
    const fallbacks = webgpuFallbacks(g.graph);
    total += fallbacks.length;
    const n = g.graph.nodes.length;
    if (fallbacks.length === 0) {
      lines.push(`${g.graph.name}: all ${n} nodes run on the WebGPU provider`);
      continue;
    }
    lines.push(`${g.graph.name}: ${fallbacks.length} of ${n} nodes fall back to the CPU`);
    for (const f of fallbacks) {
      const where = f.node.span ? ` at ${f.node.span.file}:${f.node.span.line}:${f.node.span.column}` : "";
      lines.push(`  ${f.node.op} (${f.dtype})${where}: ${f.reason}`);
    }
  }
  lines.push(total === 0 ? "\nEvery graph runs entirely on the WebGPU provider (shape arithmetic aside)." : `\n${total} node(s) fall back to the CPU; each costs a copy between GPU and host memory per run.`);
  return lines.join("\n") + "\n";
}

type ManifestTensor = ManifestGraph["inputs"][number];

/**
 * One line per tensor; a run of outputs `name.0`, `name.1`, … of one role and type (a trajectory's
 * states) as one line with its count.
 */
function tensorLines(tensors: readonly ManifestTensor[], direction: "in " | "out"): string[] {
  const lines: string[] = [];
  const typeOf = (t: ManifestTensor) => `${t.role.padEnd(7)} ${t.dtype}[${t.shape.join(", ")}]`;
  for (let i = 0; i < tensors.length; ) {
    const first = tensors[i]!;
    const base = /^(.*)\.0$/.exec(first.name)?.[1];
    let end = i + 1;
    if (base !== undefined) while (end < tensors.length && tensors[end]!.name === `${base}.${end - i}` && typeOf(tensors[end]!) === typeOf(first)) end++;
    const name = end - i > 2 ? `${first.name} … ${tensors[end - 1]!.name}` : first.name;
    if (end - i > 2) {
      lines.push(`  ${direction} ${name.padEnd(24)} ${typeOf(first)}  (${end - i} tensors)\n`);
      i = end;
    } else {
      lines.push(`  ${direction} ${first.name.padEnd(24)} ${typeOf(first)}\n`);
      i++;
    }
  }
  return lines;
}

/** The number of values of tensors of known sizes (a symbolic size counts 1). */
function values(tensors: readonly ManifestTensor[]): number {
  return tensors.reduce((n, p) => n + p.shape.reduce<number>((a, d) => a * (typeof d === "number" ? d : 1), 1), 0);
}

function describeGraph(g: ManifestGraph): string {
  const params = g.inputs.filter((i) => i.role === "param");
  const a = g.adaptive;
  const solve = a ? `; then an adaptive solve from t = ${a.start} to ${a.end} (rtol ${a.rtol}, atol ${a.atol}, at most ${a.maxSteps} steps of ${a.stepNfe} NFE) by ${a.stepGraph} and ${a.rhsGraph}` : "";
  return `${params.length} parameter tensors, ${values(params).toLocaleString("en-US")} parameters${solve}`;
}

export async function dumpCommand(spec: string, flags: SelectionFlags & { stage: string }, io: CliIO): Promise<number> {
  const stages = ["ast", "typed", "ir", "opt", "onnx"] as const;
  const stage = stages.find((s) => s === flags.stage);
  if (!stage) throw new UsageError(`--stage expects one of ${stages.join(", ")}, got \`${flags.stage}\``);
  const result = compileSpec(spec, flags, io, { stage });
  if (!result) return 1;
  switch (stage) {
    case "ast":
      io.out(dumpAst(result.program!) + "\n");
      break;
    case "typed":
      io.out(result.typedLog.join("\n") + "\n");
      for (const g of result.graphs) io.out(`${g.graph.name}: ${signature(g)}\n`);
      break;
    case "ir":
    case "opt":
      io.out(result.graphs.map((g) => printGraph(g.graph)).join("\n\n") + "\n");
      break;
    case "onnx":
      io.out(result.graphs.map((g) => onnxGraphToText(g.onnx!)).join("\n\n") + "\n");
      break;
  }
  return 0;
}

function signature(g: CompiledGraph): string {
  const ins = g.graph.inputs.filter((i) => i.role === "input" || i.role === "noise").map((i) => `${i.name}: ${typeToString(g.graph.values[i.value]!)}`);
  const outs = g.graph.outputs.map((o) => `${o.name}: ${typeToString(g.graph.values[o.value]!)}`);
  return `(${ins.join(", ")}) -> (${outs.join(", ")})`;
}

export interface RunFlags extends SelectionFlags {
  fn?: string;
  size?: string[];
  threads?: string;
  check?: boolean;
  device?: string;
}

export async function runCommand(spec: string, flags: RunFlags, io: CliIO): Promise<number> {
  const result = compileSpec(spec, flags, io);
  if (!result?.manifest) return 1;
  const fnName = flags.fn ?? "forward";
  const index = result.manifest.graphs.findIndex((g) => g.function === fnName);
  if (index < 0) {
    const available = result.manifest.graphs.filter((g) => g.kind === "function" || g.kind === "sampler").map((g) => g.function);
    report([diagnostic("E0802", NO_SPAN, `no model in ${spec} has a function \`${fnName}\``, { help: available.length ? `run one of: ${available.map((f) => `--fn ${f}`).join(", ")}` : "declare one in a model: `fn (x: f32[B, d]) -> ... = ...`" })], new Map(), io);
    return 1;
  }
  const manifestGraph = result.manifest.graphs[index]!;
  const compiled = result.graphs[index]!;
  const sizes = parseSizes(flags.size);
  const feeds = exampleInputs(manifestGraph, { seed: Number(flags.seed ?? 0), sizes });
  const threads = flags.threads === undefined ? 1 : Number(flags.threads);
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads expects a positive integer, got \`${flags.threads}\``);
  let outputs: Record<string, HostTensor>;
  let elapsed: number;
  let device: Device;
  let solved: Awaited<ReturnType<typeof finishSolve>> | undefined;
  try {
    device = await chooseDevice(flags.device, io);
    const session = await GraphSession.create(compiled.onnx!, { threads, device, multiples: manifestGraph.multiples });
    // A sampler ending in an adaptive solve: its graph gives x0, the solve's loop the result.
    const solver = manifestGraph.adaptive ? await solverSessions(result, manifestGraph.adaptive, { threads, device }) : undefined;
    const started = performance.now();
    outputs = await session.run(feeds);
    solved = solver ? await finishSolve(solver, manifestGraph, feeds, outputs) : undefined;
    elapsed = performance.now() - started;
    await session.release();
    if (solver) for (const s of Object.values(solver)) await s.release();
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    io.err(`error: ${e.message}\n`);
    return 1;
  }
  io.out(`${manifestGraph.name} on ${device} (${elapsed.toFixed(2)} ms)\n`);
  if (solved) io.out(`adaptive solve: ${(manifestGraph.nfe ?? 0) + solved.nfe} NFE (${solved.accepted} accepted, ${solved.rejected} rejected steps)\n`);
  for (const [name, t] of Object.entries(feeds)) io.out(`  in  ${name.padEnd(12)} ${summary(t)}\n`);
  for (const [name, t] of Object.entries(outputs)) io.out(`  out ${name.padEnd(12)} ${summary(t)}\n`);
  if (flags.check) {
    const reference = interpret(compiled.graph, Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, toNDArray(t)])));
    if (manifestGraph.adaptive) await solveInInterpreter(result.graphs, manifestGraph, feeds, reference);
    let worst = 0;
    for (const [name, t] of Object.entries(outputs)) {
      const ref = reference[name]!.data;
      for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(t.data[i]! - ref[i]!) / Math.max(1, Math.abs(ref[i]!)));
    }
    io.out(`  max relative difference from the float64 reference interpreter: ${worst.toExponential(2)}\n`);
    if (!(worst <= 1e-4)) {
      io.err(`error: ONNX Runtime and the reference interpreter disagree (${worst.toExponential(2)} > 1e-4)\n`);
      return 1;
    }
  }
  return 0;
}

function parseSizes(raw: readonly string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of raw.flatMap((r) => r.split(","))) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(s.trim());
    if (!m) throw new UsageError(`--size expects NAME=N (e.g. B=8,T=16), got \`${s}\``);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function toNDArray(t: HostTensor): NDArray {
  return { dtype: t.dtype, shape: [...t.shape], data: Float64Array.from(t.data) };
}

function summary(t: HostTensor): string {
  const n = t.data.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += t.data[i]!;
  mean /= Math.max(1, n);
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (t.data[i]! - mean) ** 2;
  const std = Math.sqrt(variance / Math.max(1, n));
  const head = Array.from(t.data.slice(0, 4), (v) => (t.dtype === "f32" ? v.toFixed(4) : String(v))).join(", ");
  return `${t.dtype}[${t.shape.join(", ")}]  mean ${mean.toFixed(4)}  std ${std.toFixed(4)}  [${head}${n > 4 ? ", ..." : ""}]`;
}

/** The reference for `flowc run --check` of a sampler with an adaptive solve: the same loop on the float64 interpreter. */
async function solveInInterpreter(graphs: readonly CompiledGraph[], g: ManifestGraph, feeds: Readonly<Record<string, HostTensor>>, reference: Record<string, NDArray>): Promise<void> {
  const a = g.adaptive!;
  const graphNamed = (name: string) => graphs.find((x) => x.graph.name === name)!.graph;
  const [step, rhs] = [graphNamed(a.stepGraph), graphNamed(a.rhsGraph)];
  const name = g.outputs[0]!.name;
  const x0 = reference[name]!;
  const run = (graph: CompiledGraph["graph"], own: Record<string, NDArray>) => {
    const given = { ...Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, toNDArray(t)])), ...own };
    return interpret(graph, Object.fromEntries(Object.entries(given).filter(([k]) => graph.inputs.some((i) => i.name === k))));
  };
  const state = (x: Float64Array): NDArray => ({ dtype: "f32", shape: [...x0.shape], data: x });
  const scalar = (v: number): NDArray => ({ dtype: "f32", shape: [], data: Float64Array.of(v) });
  const solved = await solveAdaptive(a, {
    async step(x, t, h, f) {
      const out = run(step, { [a.state.x]: state(x), [a.state.t]: scalar(t), [a.state.h]: scalar(h), [a.state.f]: state(f) });
      return { x: Float64Array.from(out[a.step.x]!.data), err: Float64Array.from(out[a.step.err]!.data), f: Float64Array.from(out[a.step.f]!.data) };
    },
    async rhs(x, t) {
      return Float64Array.from(run(rhs, { [a.state.x]: state(x), [a.state.t]: scalar(t) })[a.rhs]!.data);
    },
  }, Float64Array.from(x0.data));
  reference[name] = state(solved.x);
}
