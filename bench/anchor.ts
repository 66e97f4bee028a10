// bench/anchor: is a model trained by flowc as good as the same model trained in PyTorch?
//
// Trains the trainings of one 2-D spec with flowc — the compiled spec, through the Pipeline of
// `flowc check`, in a temporary cache — and with its PyTorch twin (bench/pytorch/<spec>_train.py:
// the same model, init, data, loss, optimizer, schedule, EMA and samplers, eager, one thread), for
// several seeds each. Then measures, for every sampler, the exact W2 of n samples to one held-out
// sample of the same n from the spec's data (the same reference set for both implementations and
// all seeds), next to the noise floor W2(data, data), and prints mean ± std over the seeds, the
// ratio flowc/PyTorch and the training wall-clock of both. Last line: `W2 ratio flowc/pytorch:
// X.XX` for the spec's headline sampler (rectified flow: 1-RF, 100 Euler steps), or a statement
// that PyTorch is not installed. Specs anchored: ANCHORS below (docs/anchors.md).
//
//   npm run anchor -- [--spec specs/rectified-flow.flow] [--steps N] [--seeds 3] [--draws 5]
//                     [--skip-reflow] [--n 1000] [--cache DIR]
//
// At n = 1000 one W2 value is noisy (two samples of the moons themselves are 0.06 to 0.14 apart),
// so each trained model's W2 is the mean over `--draws` sets of n samples from independent noise;
// the ± is then the spread over seeds of those means. Rows measured as "mean" (a sampler whose
// outputs are per-sample scores, such as cfg's class accuracy) report the mean over all draws.
// A spec's anchor may also compare numbers derived from one seed's W2 values (its claims' ratios:
// rfpp's "second reflow gain / first", BOSS's "Bellman / uniform"), and each seed's line shows the
// tensors computed between stages (BOSS's Bellman grids) next to the ones the twin computed.
//
// Seeds: seed s compiles the spec with initialization seed s and trains it with `seed: s` (data
// and noise streams) and pairs(..., seed: s); seed 0 is the spec exactly as written. `--steps N`
// trains every training for N steps with the cosine schedule spanning those N steps (as if the
// spec said `steps: N` for each), in both implementations; without it each training keeps the
// spec's `steps`. `--skip-reflow` (rectified flow only) trains 1-RF only.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, type CompileResult } from "../compiler/compile.js";
import { hasErrors, renderDiagnostics } from "../compiler/diagnostics/index.js";
import { computedText, type ComputedTensor, type DataSpec, type SamplerRef } from "../compiler/artifacts/pipeline.js";
import type { ManifestTraining } from "../compiler/artifacts/manifest.js";
import { RandomStream } from "../compiler/artifacts/rng.js";
import { Pipeline } from "../runtime/pipeline.js";
import { drawPoints } from "../runtime/data/batches.js";
import { wasserstein2 } from "../runtime/metrics/index.js";
import { decodeNpy } from "../runtime/npy.js";

/** A command-line mistake: says what to do and exits (no stack trace). */
function usage(message: string): never {
  console.error(`anchor: ${message}`);
  process.exit(2);
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function intOption(name: string, fallback: number | undefined, min: number): number | undefined {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) usage(`--${name} expects an integer of at least ${min}, got \`${raw}\``);
  return n;
}

const seeds = intOption("seeds", 3, 1)!;
const n = intOption("n", 1000, 2)!;
const draws = intOption("draws", 5, 1)!;
const stepsOverride = intOption("steps", undefined, 1);
const skipReflow = process.argv.includes("--skip-reflow");
const cacheOption = option("cache");
const specOption = option("spec") ?? "specs/rectified-flow.flow";

/** A sampler of the spec, with the file name the PyTorch script writes its samples under. */
interface SamplerRow {
  /** The sampler; `written` instead for one with tensor arguments, found among the spec's claims. */
  readonly ref: SamplerRef;
  /** As the spec's claims report it (`rf1.euler_on(grid: grid2)`): its tensor arguments come from there. */
  readonly written?: string;
  readonly label: string;
  readonly torchFile: string;
  /** "w2" (default): W2 of its samples to the held-out data; "mean": the mean of its outputs. */
  readonly metric?: "w2" | "mean";
  /** Dropped by --skip-reflow. */
  readonly reflow?: boolean;
}

/** A spec with a PyTorch twin. */
interface Anchor {
  readonly spec: string;
  readonly script: string;
  /** Trained in this order (a training's pairs and `init:` come from earlier ones). */
  readonly trainings: readonly string[];
  readonly samplers: readonly SamplerRow[];
  /** The label of the sampler whose ratio is the last line. */
  readonly headline: string;
  /** The arguments that give the script each training's steps. */
  readonly stepsArgs: (steps: Readonly<Record<string, number>>) => string[];
  readonly pairsLabel?: string;
  readonly skipReflow?: boolean;
  /** Numbers computed from one seed's values by sampler label (a claim's ratio), compared too. */
  readonly derived?: readonly { readonly label: string; readonly value: (w2: Readonly<Record<string, number>>) => number }[];
}

// `graph` as the spec writes it; the compiled sampler's name writes `k: v` as `k=v` (and 0.0 as 0).
const sampler = (training: string, graph: string, label: string, torchFile: string, extra: Partial<SamplerRow> = {}): SamplerRow => ({
  ref: { training, graph: graph.replace(/: /g, "=").replace(/(\d)\.0\b/g, "$1"), label: graph },
  label,
  torchFile,
  ...extra,
});
// A sampler with tensor arguments, as the spec's claims write it (`rf1.euler_on(grid2)`).
const claimed = (training: string, written: string, label: string, torchFile: string): SamplerRow => ({
  ref: { training, graph: "", label: written },
  written,
  label,
  torchFile,
});
const namedSteps = (steps: Readonly<Record<string, number>>) => ["--steps", Object.entries(steps).map(([k, v]) => `${k}=${v}`).join(",")];

const ANCHORS: readonly Anchor[] = [
  {
    spec: "specs/rectified-flow.flow",
    script: "bench/pytorch/rectified_flow_train.py",
    trainings: skipReflow ? ["rf1"] : ["rf1", "rf2"],
    samplers: [
      sampler("rf1", "rf1.euler", "1-RF, 100 Euler steps", "rf1_euler100"),
      sampler("rf1", "rf1.euler(steps: 1)", "1-RF, 1 Euler step", "rf1_euler1"),
      sampler("rf2", "rf2.euler(steps: 1)", "2-RF, 1 Euler step", "rf2_euler1", { reflow: true }),
      sampler("rf2", "rf2.euler", "2-RF, 100 Euler steps", "rf2_euler100", { reflow: true }),
    ].filter((s) => !skipReflow || !s.reflow),
    headline: "1-RF, 100 Euler steps",
    // Every training of the spec has the same steps (10,000).
    stepsArgs: (steps) => ["--steps", String(steps["rf1"]), ...(skipReflow ? ["--skip-reflow"] : [])],
    pairsLabel: "reflow pairs (20,000 x 100 Euler)",
    skipReflow,
  },
  {
    spec: "specs/instaflow.flow",
    script: "bench/pytorch/instaflow_train.py",
    trainings: ["rf1", "rf2", "distill2", "distill1"],
    samplers: [
      sampler("distill2", "distill2.one_step", "InstaFlow student of 2-RF, 1 step", "distill2_one_step"),
      sampler("distill1", "distill1.one_step", "student of 1-RF, 1 step", "distill1_one_step"),
      sampler("rf1", "rf1.euler", "1-RF, 100 Euler steps", "rf1_euler100"),
      sampler("rf1", "rf1.euler(steps: 1)", "1-RF, 1 Euler step", "rf1_euler1"),
      sampler("rf2", "rf2.euler", "2-RF, 100 Euler steps", "rf2_euler100"),
    ],
    headline: "InstaFlow student of 2-RF, 1 step",
    stepsArgs: namedSteps,
    pairsLabel: "pairs (2 x 20,000 x 100 Euler)",
  },
  {
    spec: "specs/cfg.flow",
    script: "bench/pytorch/cfg_train.py",
    trainings: ["guided"],
    samplers: [
      sampler("guided", "guided.unconditional", "unconditional (label dropout), 50 Euler steps", "unconditional"),
      sampler("guided", "guided.class_accuracy(w: 0.0)", "class accuracy, w = 0", "accuracy_w0", { metric: "mean" }),
      sampler("guided", "guided.class_accuracy(w: 2.0)", "class accuracy, w = 2", "accuracy_w2", { metric: "mean" }),
    ],
    headline: "unconditional (label dropout), 50 Euler steps",
    stepsArgs: namedSteps,
  },
  {
    spec: "specs/rectified-diffusion.flow",
    script: "bench/pytorch/rectified_diffusion_train.py",
    trainings: ["base", "rd", "reflow"],
    samplers: [
      sampler("rd", "rd.ddim(steps: 1)", "Rectified Diffusion, 1 DDIM step", "rd_ddim1"),
      sampler("reflow", "reflow.euler(steps: 1)", "linear reflow, 1 Euler step", "reflow_euler1"),
      sampler("base", "base.ddim(steps: 1)", "base, 1 DDIM step", "base_ddim1"),
      sampler("base", "base.ddim", "base, 100 DDIM steps", "base_ddim100"),
    ],
    headline: "Rectified Diffusion, 1 DDIM step",
    stepsArgs: namedSteps,
    pairsLabel: "pairs (20,000 x 100 DDIM)",
  },
  {
    // rfpp's 2-D part ("one reflow is enough"); its 32-d trainings are not anchored.
    spec: "specs/rfpp.flow",
    script: "bench/pytorch/rfpp_train.py",
    trainings: ["rf1", "rf2", "rf3"],
    samplers: [
      sampler("rf1", "rf1.euler(steps: 1)", "1-RF, 1 Euler step", "rf1_euler1"),
      sampler("rf2", "rf2.euler(steps: 1)", "2-RF, 1 Euler step", "rf2_euler1"),
      sampler("rf3", "rf3.euler(steps: 1)", "3-RF, 1 Euler step", "rf3_euler1"),
      sampler("rf1", "rf1.euler", "1-RF, 100 Euler steps", "rf1_euler100"),
    ],
    headline: "2-RF, 1 Euler step",
    stepsArgs: namedSteps,
    pairsLabel: "pairs (2 x 20,000 x 100 Euler)",
    derived: [
      {
        // The spec's first claim: at most 0.1.
        label: "second reflow's gain / first reflow's gain (one-step W2)",
        value: (w) => (w["2-RF, 1 Euler step"]! - w["3-RF, 1 Euler step"]!) / (w["1-RF, 1 Euler step"]! - w["2-RF, 1 Euler step"]!),
      },
    ],
  },
  {
    spec: "specs/boss.flow",
    script: "bench/pytorch/boss_train.py",
    trainings: ["rf1", "boss2"],
    samplers: [
      claimed("boss2", "boss2.euler_on(grid: grid2)", "straightened, 2 Bellman steps", "boss2_bellman2"),
      claimed("rf1", "rf1.euler_on(grid: grid2)", "1-RF, 2 Bellman steps", "rf1_bellman2"),
      sampler("rf1", "rf1.euler(steps: 2)", "1-RF, 2 uniform steps", "rf1_euler2"),
      claimed("rf1", "rf1.euler_on(grid: grid4)", "1-RF, 4 Bellman steps", "rf1_bellman4"),
      sampler("rf1", "rf1.euler", "1-RF, 100 Euler steps", "rf1_euler100"),
    ],
    headline: "straightened, 2 Bellman steps",
    stepsArgs: namedSteps,
    pairsLabel: "trajectories (2,000 x 100 Euler) and Bellman grids",
    derived: [
      // The spec's W2 claims: at most 0.9, 0.5 and 1.5.
      { label: "W2 of 2 Bellman steps / of 2 uniform steps", value: (w) => w["1-RF, 2 Bellman steps"]! / w["1-RF, 2 uniform steps"]! },
      { label: "W2 straightened / not, 2 Bellman steps", value: (w) => w["straightened, 2 Bellman steps"]! / w["1-RF, 2 Bellman steps"]! },
      { label: "W2 straightened 2 Bellman steps / 100 Euler steps", value: (w) => w["straightened, 2 Bellman steps"]! / w["1-RF, 100 Euler steps"]! },
    ],
  },
];

const anchor = ANCHORS.find((a) => a.spec === specOption.replace(/^\.\//, ""));
if (!anchor) usage(`--spec ${specOption} has no PyTorch twin; choose one of ${ANCHORS.map((a) => a.spec).join(", ")}`);
if (skipReflow && !anchor.skipReflow) usage(`--skip-reflow applies to specs/rectified-flow.flow only; drop it`);
const SPEC = anchor.spec;
const samplers = anchor.samplers;
const trainings = anchor.trainings;

interface SeedResult {
  /** By sampler label: the W2 (mean over draws) or the mean of its outputs. */
  readonly w2: Record<string, number>;
  /** Training wall-clock seconds by training (undefined: reused from the cache). */
  readonly seconds: Record<string, number | undefined>;
  readonly pairsSeconds?: number;
  /** Tensors computed between stages (BOSS's grids), by a short label shared with the twin. */
  readonly computed: Record<string, number[]>;
}

/** The spec compiled with initialization seed `seed`, its trainings run with that seed and their steps. */
function compiledFor(seed: number): { compiled: CompileResult; steps: Record<string, number> } {
  const compiled = compile({ entry: SPEC, seed });
  if (hasErrors(compiled.diagnostics)) throw new Error(renderDiagnostics(compiled.diagnostics, (p) => compiled.sources.get(p)));
  const manifest = compiled.manifest!;
  const reseed = (data: DataSpec): DataSpec => (data.kind === "pairs" ? { ...data, seed } : data);
  const patched: ManifestTraining[] = manifest.trainings.map((t) => {
    const steps = stepsOverride ?? t.steps;
    return { ...t, seed, steps, fastSteps: Math.min(t.fastSteps, steps), data: reseed(t.data) };
  });
  const steps: Record<string, number> = {};
  for (const name of trainings) {
    const t = patched.find((x) => x.name === name);
    if (!t) throw new Error(`${SPEC} has no training \`${name}\` any more; update bench/anchor.ts`);
    steps[name] = t.steps;
  }
  return { compiled: { ...compiled, manifest: { ...manifest, trainings: patched } }, steps };
}

type ToySpec = Extract<DataSpec, { kind: "toy" }>;

/**
 * The data the samples are compared to (held-out sample and noise floor): the toy data of the
 * spec's first training, out of its coupling and labels, as the spec declares it.
 */
function referenceData(compiled: CompileResult): ToySpec {
  let data: DataSpec = compiled.manifest!.trainings.find((t) => t.name === trainings[0])!.data;
  while (data.kind === "coupling" || data.kind === "labeled") data = data.data;
  if (data.kind !== "toy") throw new Error(`${SPEC}: ${trainings[0]} does not train on toy data (${data.kind}); the anchor compares samples to toy data`);
  return data;
}

/** The sampler of a row, with its tensor arguments from the spec's claims when it has some. */
function samplerRef(row: SamplerRow, compiled: CompileResult): SamplerRef {
  if (row.written === undefined) return row.ref;
  let found: SamplerRef | undefined;
  const visit = (value: unknown): void => {
    if (found || value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (typeof record["graph"] === "string" && record["label"] === row.written) {
      found = value as SamplerRef;
      return;
    }
    for (const child of Object.values(record)) visit(child);
  };
  visit(compiled.manifest!.claims);
  if (!found) throw new Error(`${SPEC}: no claim measures \`${row.written}\` any more; update bench/anchor.ts`);
  return found;
}

/** The label a computed tensor is reported under (the twin's result.json uses the same). */
const computedLabel = (tensor: ComputedTensor) => (tensor.kind === "bellman_grid" ? `bellman_grid(steps: ${tensor.steps})` : computedText(tensor));

/** Set by main from the compiled spec. */
let reference!: ToySpec;

/** Measurement noise of seed s, draw j: seeds no training uses (pairs use seed s, the claims seed 0). */
const sampleSeed = (seed: number, draw: number) => 1_000_003 + 1000 * seed + draw;

function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  return sum / xs.length;
}

/** A sampler row's value on one draw of its outputs. */
const measure = (row: SamplerRow, out: Float32Array, heldOut: Float32Array) => (row.metric === "mean" ? mean(out) : wasserstein2(out, heldOut, reference.features));

async function flowcSeed(seed: number, cacheDir: string, heldOut: Float32Array): Promise<SeedResult> {
  const { compiled } = compiledFor(seed);
  const started = new Map<string, number>();
  const seconds: Record<string, number | undefined> = {};
  const computed: Record<string, number[]> = {};
  const pipeline = new Pipeline({
    spec: SPEC,
    compiled,
    cacheDir,
    threads: 1,
    compileSettings: { anchor: true, seed, steps: stepsOverride ?? null },
    onTrainStart: (t, _steps, cached) => {
      if (!cached) started.set(t.name, performance.now());
    },
    onTrainEnd: (t) => {
      const start = started.get(t.name);
      seconds[t.name] = start === undefined ? undefined : (performance.now() - start) / 1000;
    },
    onComputed: (tensor, values) => {
      if (tensor.kind !== "constant") computed[computedLabel(tensor)] = Array.from(values);
    },
  });
  // Each training after the pairs it learns from (timed apart; a pipeline generates each once).
  let pairsSeconds: number | undefined;
  for (const name of trainings) {
    const training = compiled.manifest!.trainings.find((t) => t.name === name)!;
    if (training.init !== undefined) await pipeline.trained(training.init);
    if (training.data.kind === "pairs" || training.data.kind === "segments") {
      await pipeline.trained(training.data.sampler.training);
      const start = performance.now();
      await pipeline.data(training.data);
      pairsSeconds = (pairsSeconds ?? 0) + (performance.now() - start) / 1000;
    }
    await pipeline.trained(name);
  }
  const w2: Record<string, number> = {};
  for (const s of samplers) {
    const values: number[] = [];
    const ref = samplerRef(s, compiled);
    for (let j = 0; j < draws; j++) values.push(measure(s, (await pipeline.sample(ref, n, sampleSeed(seed, j))).samples.data as Float32Array, heldOut));
    w2[s.label] = mean(values);
  }
  return { w2, seconds, pairsSeconds, computed };
}

/** A Python with PyTorch and NumPy, if there is one. */
function findPython(): string | undefined {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(python, ["-c", "import torch, numpy"], { stdio: "ignore" });
      return python;
    } catch {
      continue;
    }
  }
  return undefined;
}

function torchSeed(python: string, seed: number, steps: Record<string, number>, dir: string, heldOut: Float32Array): SeedResult {
  const out = join(dir, `pytorch-seed${seed}`);
  mkdirSync(out, { recursive: true });
  const args = [anchor!.script, "--out", out, "--seed", String(seed), ...anchor!.stepsArgs(steps), "--n", String(n), "--draws", String(draws), "--threads", "1"];
  execFileSync(python, args, {
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as Record<string, number> & { computed?: Record<string, number[]> };
  const w2: Record<string, number> = {};
  for (const s of samplers) {
    const features = s.metric === "mean" ? 1 : reference.features;
    const all = readNpy(join(out, `${s.torchFile}.npy`), features);
    if (all.length !== draws * n * features) throw new Error(`${s.torchFile}.npy holds ${all.length / features} samples, not ${draws} x ${n}`);
    w2[s.label] = mean(Array.from({ length: draws }, (_, j) => measure(s, all.subarray(j * n * features, (j + 1) * n * features), heldOut)));
  }
  return { w2, seconds: Object.fromEntries(trainings.map((t) => [t, result[`${t}_seconds`]])), pairsSeconds: result["pairs_seconds"], computed: result.computed ?? {} };
}

/** A float32 [rows, features] array from a .npy file of float32 (C order). */
function readNpy(path: string, features: number): Float32Array {
  const array = decodeNpy(readFileSync(path));
  if (array.kind !== "float") throw new Error(`${path}: expected float32 values, found ${array.kind}`);
  const out = Float32Array.from(array.data);
  if (out.length % features !== 0) throw new Error(`${path}: ${out.length} values are not rows of ${features}`);
  return out;
}

function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std };
}

function pm(xs: readonly number[], digits = 4): string {
  if (xs.length === 0) return "n/a";
  const { mean, std } = meanStd(xs);
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
}

/** mean(a) / mean(b) ± its standard error over the seeds (first-order propagation). */
function ratioText(a: readonly number[], b: readonly number[]): string {
  const x = meanStd(a);
  const y = meanStd(b);
  const r = x.mean / y.mean;
  if (a.length < 2 || b.length < 2) return r.toFixed(2);
  const se = r * Math.sqrt((x.std / x.mean) ** 2 / a.length + (y.std / y.mean) ** 2 / b.length);
  return `${r.toFixed(2)} ± ${se.toFixed(2)}`;
}

/** A seed's computed tensors for its line: `; bellman_grid(steps: 2) [0, 0.35, 1]`. */
function seedComputedText(result: SeedResult): string {
  return Object.entries(result.computed)
    .map(([label, values]) => `; ${label} [${values.map((v) => Number(v.toFixed(4))).join(", ")}]`)
    .join("");
}

/** mean(a) - mean(b) ± its standard error over the seeds. */
function differenceText(a: readonly number[], b: readonly number[]): string {
  const x = meanStd(a);
  const y = meanStd(b);
  const d = x.mean - y.mean;
  if (a.length < 2 || b.length < 2) return d.toFixed(4);
  return `${d.toFixed(4)} ± ${Math.sqrt(x.std ** 2 / a.length + y.std ** 2 / b.length).toFixed(4)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)));
  const line = (r: string[]) => r.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

async function main() {
  const { compiled, steps } = compiledFor(0);
  reference = referenceData(compiled);
  const data = reference;
  const dataLabel = data.source.replace(/^toy\./, "");
  // (The stream names say "moons" for every spec: the rectified-flow anchor's reference set stays the same.)
  const heldOut = await drawPoints(data, RandomStream.derive(0, "anchor:held-out moons"), n);
  const floor = await Promise.all(Array.from({ length: 10 }, async (_, k) => wasserstein2(await drawPoints(data, RandomStream.derive(k, "anchor:second moons"), n), heldOut, data.features)));
  const python = findPython();
  const dir = cacheOption ?? mkdtempSync(join(tmpdir(), "flowc-anchor-"));
  mkdirSync(dir, { recursive: true });
  const stepCounts = [...new Set(Object.values(steps))];
  const stepsText =
    stepCounts.length === 1 ? `${trainings.join(" and ")}: ${stepCounts[0]} steps each (cosine over ${stepCounts[0]})` : `${trainings.map((t) => `${t} ${steps[t]}`).join(", ")} steps (cosine over each's steps)`;
  console.log(`anchor: ${SPEC}, ${stepsText}, ${seeds} seed${seeds === 1 ? "" : "s"}; W2 of n = ${n} samples (mean of ${draws} draws per model) to one held-out ${dataLabel} sample of ${n}`);
  console.log(`flowc: ONNX Runtime, 1 thread; pytorch: ${python ? `${python} (eager, 1 thread)` : "not installed"}; working directory ${dir}`);

  const flowc: SeedResult[] = [];
  const torch: SeedResult[] = [];
  try {
    for (let seed = 0; seed < seeds; seed++) {
      const f = await flowcSeed(seed, join(dir, "flowc"), heldOut);
      flowc.push(f);
      console.log(`seed ${seed} flowc:   ${samplers.map((s) => `${s.ref.label} ${f.w2[s.label]!.toFixed(4)}`).join(", ")}; train ${trainings.map((t) => `${t} ${f.seconds[t]?.toFixed(0) ?? "cached"} s`).join(", ")}${seedComputedText(f)}`);
      if (python) {
        const t = torchSeed(python, seed, steps, dir, heldOut);
        torch.push(t);
        console.log(`seed ${seed} pytorch: ${samplers.map((s) => `${s.ref.label} ${t.w2[s.label]!.toFixed(4)}`).join(", ")}; train ${trainings.map((x) => `${x} ${t.seconds[x]!.toFixed(0)} s`).join(", ")}${seedComputedText(t)}`);
      }
    }
  } finally {
    if (cacheOption === undefined) rmSync(dir, { recursive: true, force: true });
  }

  const rows = [["sampler", "flowc W2", "pytorch W2", "flowc/pytorch"]];
  for (const s of samplers.filter((r) => r.metric !== "mean")) {
    const fw = flowc.map((r) => r.w2[s.label]!);
    const tw = torch.map((r) => r.w2[s.label]!);
    rows.push([`${s.label} (${s.ref.label})`, pm(fw), pm(tw), tw.length ? ratioText(fw, tw) : "n/a"]);
  }
  rows.push([`noise floor W2(${dataLabel}, ${dataLabel}), 10 draws`, pm(floor), pm(floor), ""]);
  console.log(`\nW2 to the held-out ${dataLabel} (n = ${n}), mean ± std over ${seeds} seed${seeds === 1 ? "" : "s"} (each the mean of ${draws} draws); ratio ± its standard error:\n`);
  console.log(table(rows));
  const means = samplers.filter((r) => r.metric === "mean");
  if (means.length > 0) {
    const meanRows = [["mean of the sampler's outputs", "flowc", "pytorch", "flowc/pytorch"]];
    for (const s of means) {
      const fw = flowc.map((r) => r.w2[s.label]!);
      const tw = torch.map((r) => r.w2[s.label]!);
      meanRows.push([`${s.label} (${s.ref.label})`, pm(fw), pm(tw), tw.length ? ratioText(fw, tw) : "n/a"]);
    }
    console.log("");
    console.log(table(meanRows));
  }

  if (anchor!.derived) {
    // A difference, not a ratio: a derived number can be near 0 (rfpp's second reflow gains nothing).
    const derivedRows = [["derived from one seed's W2 values", "flowc", "pytorch", "flowc - pytorch"]];
    for (const d of anchor!.derived) {
      const fd = flowc.map((r) => d.value(r.w2));
      const td = torch.map((r) => d.value(r.w2));
      derivedRows.push([d.label, pm(fd), pm(td), td.length ? differenceText(fd, td) : "n/a"]);
    }
    console.log("");
    console.log(table(derivedRows));
  }

  const timeRows = [["training wall-clock (s)", "flowc", "pytorch", "flowc/pytorch"]];
  for (const t of trainings) {
    const ft = flowc.map((r) => r.seconds[t]).filter((x): x is number => x !== undefined);
    const tt = torch.map((r) => r.seconds[t]).filter((x): x is number => x !== undefined);
    timeRows.push([`${t} (${steps[t]} steps)`, ft.length ? pm(ft, 1) : "cached", pm(tt, 1), ft.length && tt.length ? (meanStd(ft).mean / meanStd(tt).mean).toFixed(2) : "n/a"]);
  }
  if (anchor!.pairsLabel !== undefined && !skipReflow) {
    const fp = flowc.map((r) => r.pairsSeconds).filter((x): x is number => x !== undefined);
    const tp = torch.map((r) => r.pairsSeconds).filter((x): x is number => x !== undefined);
    timeRows.push([anchor!.pairsLabel, pm(fp, 1), pm(tp, 1), fp.length && tp.length ? (meanStd(fp).mean / meanStd(tp).mean).toFixed(2) : "n/a"]);
  }
  console.log("");
  console.log(table(timeRows));

  if (!python) {
    console.log("\nW2 ratio flowc/pytorch: n/a (PyTorch is not installed: apt-get install python3-torch)");
    return;
  }
  const first = anchor!.headline;
  const fw = flowc.map((r) => r.w2[first]!);
  const tw = torch.map((r) => r.w2[first]!);
  const ratio = meanStd(fw).mean / meanStd(tw).mean;
  console.log(`\n${first}: flowc's W2 is ${ratio <= 1.1 ? "within" : "NOT within"} 10% of PyTorch's (ratio ${ratioText(fw, tw)}, ${ratio <= 1.1 ? "<=" : ">"} 1.10)`);
  console.log(`W2 ratio flowc/pytorch: ${ratio.toFixed(2)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
