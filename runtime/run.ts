// A training run on disk: the compiled artifacts, a checkpoint written every so often and at the
// end, and the loss curve. `resume` continues from the checkpoint bit for bit.

import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CompileResult } from "../compiler/compile.js";
import type { ManifestTraining } from "../compiler/artifacts/manifest.js";
import { checkpointExists, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { writeFileAtomic as atomicWrite } from "./files.js";
import type { HostTensor } from "./onnx.js";
import { RunError } from "./errors.js";
import { Trainer, TrainingError } from "./trainer.js";

export interface TrainProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  readonly stepsPerSecond: number;
}

export interface TrainRunOptions {
  readonly spec: string;
  readonly compiled: CompileResult;
  /** Which `train` declaration (default: the first). */
  readonly training?: string;
  readonly outDir: string;
  /** Total number of steps (default: the spec's `steps`). */
  readonly steps?: number;
  readonly resume?: boolean;
  readonly threads?: number;
  readonly lr?: number;
  /** Steps between checkpoints (default: a tenth of the run, at least 100). */
  readonly checkpointEvery?: number;
  /** Stop after this many steps in this call (the run can be resumed): used to test interruption. */
  readonly maxStepsThisCall?: number;
  readonly onProgress?: (p: TrainProgress) => void;
}

export interface TrainRunResult {
  readonly training: ManifestTraining;
  readonly step: number;
  readonly lastLoss: number;
  readonly checkpoint: string;
  readonly lossCurve: [number, number][];
}

export { RunError } from "./errors.js";

export function findTraining(compiled: CompileResult, name?: string): ManifestTraining {
  const trainings = compiled.manifest?.trainings ?? [];
  if (trainings.length === 0) throw new RunError("the spec has no `train` declaration; add e.g. `train rf on moons { optimizer: adam(), steps: 1000 }`");
  const t = name ? trainings.find((x) => x.name === name) : trainings[0];
  if (!t) throw new RunError(`no training named \`${name}\`; the spec has ${trainings.map((x) => `\`${x.name}\``).join(", ")}`);
  return t;
}

/** Writes the compiled artifacts of a spec into a directory (atomic per file). */
export function writeArtifacts(compiled: CompileResult, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const g of compiled.graphs) atomicWrite(join(dir, `${g.graph.name}.onnx`), g.onnx!);
  atomicWrite(join(dir, "manifest.json"), JSON.stringify(compiled.manifest, null, 2) + "\n");
}

export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const { compiled, outDir } = options;
  const training = findTraining(compiled, options.training);
  const index = compiled.manifest!.graphs.findIndex((g) => g.name === training.trainStep);
  const graph = compiled.manifest!.graphs[index]!;
  const irGraph = compiled.graphs[index]!.graph;
  const specHash = compiled.manifest!.specHash;
  const totalSteps = options.steps ?? training.steps;
  writeArtifacts(compiled, outDir);
  atomicWrite(join(outDir, "run.json"), JSON.stringify({ spec: options.spec, training: training.name, specHash }, null, 2) + "\n");

  const initial: Record<string, HostTensor> = {};
  for (const input of irGraph.inputs) {
    if (!input.initial) continue;
    const shape = graph.inputs.find((i) => i.name === input.name)!.shape as number[];
    initial[input.name] = input.initial instanceof Float32Array ? { dtype: "f32", shape, data: input.initial } : { dtype: "i32", shape, data: input.initial };
  }
  let resume: { step: number; rng: Record<string, number[]> } | undefined;
  const curvePath = join(outDir, "loss.csv");
  if (options.resume && checkpointExists(outDir)) {
    const checkpoint = loadCheckpoint(outDir);
    if (checkpoint.meta.specHash !== specHash)
      throw new RunError(`the checkpoint in ${outDir} was written by a different version of the spec; train into a new directory or drop --resume`);
    if (checkpoint.meta.training !== training.name) throw new RunError(`the checkpoint in ${outDir} is of training \`${checkpoint.meta.training}\`, not \`${training.name}\``);
    Object.assign(initial, checkpoint.tensors);
    resume = { step: checkpoint.meta.step, rng: checkpoint.meta.rng };
    truncateCurve(curvePath, checkpoint.meta.step);
  } else {
    writeFileSync(curvePath, "step,loss\n");
  }

  const trainer = await Trainer.create(compiled.graphs[index]!.onnx!, graph, training, initial, { threads: options.threads, lr: options.lr }, resume);
  const checkpointEvery = options.checkpointEvery ?? Math.max(100, Math.ceil(totalSteps / 10));
  const save = () =>
    saveCheckpoint(outDir, trainer.snapshot(), { specHash, training: training.name, step: trainer.step, rng: trainer.rngState() });
  let checkpoint = join(outDir, "checkpoint.safetensors");
  let lastLoss = NaN;
  const started = performance.now();
  const startStep = trainer.step;
  let stepsThisCall = 0;
  try {
    while (trainer.step < totalSteps && (options.maxStepsThisCall === undefined || stepsThisCall < options.maxStepsThisCall)) {
      const { step, loss } = await trainer.next();
      stepsThisCall++;
      lastLoss = loss;
      if (step % training.logEvery === 0 || step === totalSteps) {
        appendFileSync(curvePath, `${step},${loss}\n`);
        const elapsed = (performance.now() - started) / 1000;
        options.onProgress?.({ step, totalSteps, loss, stepsPerSecond: (step - startStep) / Math.max(elapsed, 1e-9) });
      }
      if (step % checkpointEvery === 0) checkpoint = save();
    }
    checkpoint = save();
  } catch (e) {
    if (e instanceof TrainingError)
      throw new RunError(`${e.message}. Training stopped; the last good checkpoint is ${checkpointExists(outDir) ? join(outDir, "checkpoint.safetensors") : "none (none was written yet)"}`);
    throw e;
  } finally {
    await trainer.release();
  }
  return { training, step: trainer.step, lastLoss, checkpoint, lossCurve: readCurve(curvePath) };
}

function truncateCurve(path: string, step: number): void {
  if (!existsSync(path)) {
    writeFileSync(path, "step,loss\n");
    return;
  }
  const lines = readFileSync(path, "utf8").trim().split("\n");
  const kept = [lines[0] ?? "step,loss", ...lines.slice(1).filter((l) => Number(l.split(",")[0]) <= step)];
  atomicWrite(path, kept.join("\n") + "\n");
}

function readCurve(path: string): [number, number][] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",").map(Number) as [number, number]);
}
