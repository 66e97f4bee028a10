// `flowc train` and `flowc sample`.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import cliProgress from "cli-progress";
import { RandomStream } from "../compiler/artifacts/rng.js";
import { checkpointExists, loadCheckpoint } from "../runtime/checkpoint.js";
import { encodeNpy } from "../runtime/npy.js";
import { scatterPng } from "../runtime/plots/scatter.js";
import { RunError, trainRun, type TrainProgress } from "../runtime/run.js";
import { runSampler } from "../runtime/sample.js";
import { TOY_SOURCES } from "../runtime/data/toy.js";
import { compileSpec, UsageError, type SelectionFlags } from "./compile-spec.js";
import type { CliIO } from "./io.js";

export interface TrainFlags extends SelectionFlags {
  out?: string;
  steps?: string;
  resume?: boolean;
  threads?: string;
  lr?: string;
  training?: string;
  checkpointEvery?: string;
}

function positiveInt(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a positive integer, got \`${raw}\``);
  return n;
}

export async function trainCommand(spec: string, flags: TrainFlags, io: CliIO): Promise<number> {
  const compiled = compileSpec(spec, { ...flags, model: undefined }, io);
  if (!compiled?.manifest) return 1;
  const outDir = flags.out ?? join("runs", spec.replace(/^.*\//, "").replace(/\.flow$/, ""));
  const lr = flags.lr === undefined ? undefined : Number(flags.lr);
  if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr expects a positive number, got \`${flags.lr}\``);
  const bar = io.color ? new cliProgress.SingleBar({ format: "train {bar} {value}/{total} steps | loss {loss} | {rate} steps/s | eta {eta_formatted}", hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
  let started = false;
  const onProgress = (p: TrainProgress) => {
    if (bar) {
      if (!started) bar.start(p.totalSteps, p.step, { loss: "-", rate: "-" });
      started = true;
      bar.update(p.step, { loss: p.loss.toFixed(4), rate: p.stepsPerSecond.toFixed(0) });
    } else io.err(`step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(5)}  ${p.stepsPerSecond.toFixed(0)} steps/s\n`);
  };
  try {
    const result = await trainRun({
      spec,
      compiled,
      training: flags.training,
      outDir,
      steps: positiveInt(flags.steps, "--steps"),
      resume: flags.resume,
      threads: positiveInt(flags.threads, "--threads"),
      lr,
      checkpointEvery: positiveInt(flags.checkpointEvery, "--checkpoint-every"),
      onProgress,
    });
    bar?.stop();
    io.out(`trained ${result.training.name} for ${result.step} steps; last loss ${result.lastLoss.toFixed(5)}\n`);
    io.out(`checkpoint: ${result.checkpoint}\nloss curve: ${join(outDir, "loss.csv")}\n`);
    return 0;
  } catch (e) {
    bar?.stop();
    if (e instanceof RunError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export interface SampleFlags {
  sampler?: string;
  n?: string;
  seed?: string;
  out?: string;
  png?: string;
  noEma?: boolean;
  threads?: string;
}

/** `flowc sample RUN_DIR`: draws samples with a trained model's sampler (EMA weights when the run has them). */
export async function sampleCommand(runDir: string, flags: SampleFlags, io: CliIO): Promise<number> {
  let run: { spec: string; training: string };
  try {
    run = JSON.parse(readFileSync(join(runDir, "run.json"), "utf8"));
  } catch {
    io.err(`error: ${runDir} is not a training run (no run.json); train one with \`flowc train SPEC --out ${runDir}\`\n`);
    return 1;
  }
  if (!checkpointExists(runDir)) {
    io.err(`error: ${runDir} has no checkpoint yet\n`);
    return 1;
  }
  const compiled = compileSpec(run.spec, { paramsAs: "inputs" }, io);
  if (!compiled?.manifest) return 1;
  let checkpoint;
  try {
    checkpoint = loadCheckpoint(runDir);
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    io.err(`error: ${e.message}\n`);
    return 1;
  }
  if (checkpoint.meta.specHash !== compiled.manifest.specHash)
    io.err(`warning: ${run.spec} changed since this run was trained; sampling with the current spec\n`);
  const n = positiveInt(flags.n, "-n") ?? 1000;
  const seed = flags.seed === undefined ? 0 : Number(flags.seed);
  try {
    const result = await runSampler(compiled, checkpoint.tensors, { sampler: flags.sampler, n, seed, useEma: !flags.noEma, threads: positiveInt(flags.threads, "--threads") });
    const out = flags.out ?? join(runDir, `samples-${result.sampler.replace(/^.*\./, "")}.npy`);
    mkdirSync(join(out, ".."), { recursive: true });
    writeFileSync(out, encodeNpy(result.samples));
    io.out(`${result.sampler}: ${n} samples in ${result.milliseconds.toFixed(1)} ms (${result.weights} weights) -> ${out}\n`);
    if (flags.png) {
      const training = compiled.manifest.trainings.find((t) => t.name === run.training);
      const series = [];
      const source = training && TOY_SOURCES[training.data.source];
      if (source && result.samples.shape[1] === 2)
        series.push({ points: source(RandomStream.derive(seed, "plot-data"), n, training.data.args as Record<string, number>), color: [150, 150, 150] as const });
      series.push({ points: result.samples.data as Float32Array, color: [31, 119, 180] as const });
      writeFileSync(flags.png, scatterPng(series));
      io.out(`plot: ${flags.png} (grey: data, blue: samples)\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof RunError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
