// `flowc check SPEC`: measures every claim of a spec (its `expect` declarations). Trains the models
// the claims need, in dependency order, caching the trained runs by spec hash; prints a table of
// claim, measured value, threshold, verdict and time; writes report.json, report.md and PNG plots
// (samples against data, loss curves). Exit code 1 when a claim does not hold.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import cliProgress from "cli-progress";
import type { ManifestTraining } from "../compiler/artifacts/manifest.js";
import { computedText, type DataSpec } from "../compiler/artifacts/pipeline.js";
import { measureClaim, type ClaimResult } from "../runtime/claims.js";
import { writeFileAtomic } from "../runtime/files.js";
import { Pipeline } from "../runtime/pipeline.js";
import { linePng } from "../runtime/plots/lines.js";
import { scatterPng, trajectoryPng } from "../runtime/plots/scatter.js";
import { RunError } from "../runtime/errors.js";
import { fileSourceText } from "../compiler/artifacts/data-files.js";
import { chooseDevice, compileSpec, parseHyper, parseSeed, UsageError, type SelectionFlags } from "./compile-spec.js";
import type { CliIO } from "./io.js";

export interface CheckFlags extends SelectionFlags {
  fast?: boolean;
  out?: string;
  cache?: string;
  threads?: string;
  claim?: string[];
  device?: string;
}

export async function checkCommand(spec: string, flags: CheckFlags, io: CliIO): Promise<number> {
  const compiled = compileSpec(spec, { ...flags, model: undefined }, io);
  if (!compiled?.manifest) return 1;
  const manifest = compiled.manifest;
  let claims = manifest.claims;
  if (flags.claim?.length) {
    claims = claims.filter((c) => flags.claim!.some((wanted) => c.title.includes(wanted)));
    if (claims.length === 0) throw new UsageError(`no claim of ${spec} matches ${flags.claim.map((c) => `"${c}"`).join(", ")}`);
  }
  if (claims.length === 0) {
    io.err(`${spec} states no claims; add one with \`expect "..." { that: w2(model.sampler, data) < 0.5 }\` (docs/claims.md)\n`);
    return 1;
  }
  const threads = flags.threads === undefined ? 1 : Number(flags.threads);
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads expects a positive integer, got \`${flags.threads}\``);
  const budget = flags.fast ? "fast" : "full";
  const outDir = flags.out ?? join("runs", spec.replace(/^.*\//, "").replace(/\.flow$/, ""), budget === "fast" ? "check-fast" : "check");
  mkdirSync(outDir, { recursive: true });
  io.out(`flowc check ${spec}: ${claims.length} claim${claims.length === 1 ? "" : "s"}, ${budget} budget\n`);
  let device;
  try {
    device = await chooseDevice(flags.device, io);
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    io.err(`error: ${e.message}\n`);
    return 1;
  }

  const curves = new Map<string, [number, number][]>();
  const computed: { text: string; values: number[] }[] = [];
  let bar: cliProgress.SingleBar | undefined;
  const pipeline = new Pipeline({
    spec,
    compiled,
    cacheDir: flags.cache ?? ".flowc-cache",
    fast: flags.fast,
    threads,
    device,
    compileSettings: { hyper: parseHyper(flags.set), seed: parseSeed(flags.seed) },
    onTrainStart: (t, steps, cached) => {
      if (cached) {
        io.out(`  train ${t.name}: ${steps} steps (cached)\n`);
        return;
      }
      io.out(`  train ${t.name}: ${steps} steps on ${dataLabel(t)}\n`);
      if (io.color) {
        bar = new cliProgress.SingleBar({ format: `  ${t.name} {bar} {value}/{total} | loss {loss} | {rate} steps/s | eta {eta_formatted}`, hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
        bar.start(steps, 0, { loss: "-", rate: "-" });
      }
    },
    onTrainProgress: (_t, p) => bar?.update(p.step, { loss: p.loss.toFixed(4), rate: p.stepsPerSecond.toFixed(0) }),
    onTrainEnd: (t, result) => {
      bar?.stop();
      bar = undefined;
      curves.set(t.name, result?.lossCurve ?? readCurve(join(pipeline.runDir(t), "loss.csv")));
    },
    onComputed: (tensor, values) => {
      if (tensor.kind === "constant") return;
      const entry = { text: computedText(tensor), values: Array.from(values, (v) => Number(v.toPrecision(6))) };
      computed.push(entry);
      io.out(`  computed ${entry.text} = [${entry.values.join(", ")}]\n`);
    },
  });

  const results: ClaimResult[] = [];
  try {
    for (const claim of claims) results.push(await measureClaim(pipeline, claim, Boolean(flags.fast)));
    await pipeline.close();
  } catch (e) {
    bar?.stop();
    if (e instanceof RunError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }

  io.out(`\n${table(results)}\n`);
  const plots = writePlots(outDir, results, curves);
  writeFileAtomic(join(outDir, "report.json"), JSON.stringify({ ...jsonReport(spec, budget, manifest.specHash, results, plots), ...(computed.length ? { computed } : {}) }, null, 2) + "\n");
  writeFileAtomic(join(outDir, "report.md"), markdownReport(spec, budget, results, plots));
  const failed = results.filter((r) => !r.holds).length;
  io.out(`\n${results.length - failed} of ${results.length} claims hold (${budget} budget). Report: ${join(outDir, "report.md")}\n`);
  return failed === 0 ? 0 : 1;
}

function dataLabel(t: ManifestTraining): string {
  const describe = (d: DataSpec): string => {
    switch (d.kind) {
      case "toy":
        return d.source === "file" ? fileSourceText(d.args) : d.source;
      case "mapped":
        return `${describe(d.data)} mapped through ${d.function.label}`;
      case "labeled":
        return `labeled ${describe(d.data)}`;
      case "coupling":
        return `${d.coupling} coupling of ${describe(d.data)}`;
      case "pairs":
        return `${d.n} pairs from ${d.sampler.label}`;
      case "segments":
        return `segments of ${d.n} paths of ${d.sampler.label}`;
      case "tasks":
        return `${describe(d.data)} in ${d.count} tasks`;
      case "replay":
        return `${describe(d.stream)} with a replay buffer of ${d.buffer}`;
      case "task":
        return `task ${d.index} of ${describe(d.stream)}`;
    }
  };
  return describe(t.data);
}

function format(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toPrecision(4);
}

const verdict = (r: ClaimResult) => (r.holds ? "holds" : "FAILS");

function table(results: readonly ClaimResult[]): string {
  const rows = [["claim", "measured", "threshold", "verdict", "time"], ...results.map((r) => [r.claim.title, format(r.measured), `${r.claim.op} ${format(r.threshold)}`, verdict(r), `${r.seconds.toFixed(1)} s`])];
  const widths = rows[0]!.map((_, k) => Math.max(...rows.map((row) => row[k]!.length)));
  const line = (row: string[]) => row.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** Scatter plots of the 2-D sample sets of each claim (over its data), and one loss curve per training. */
function writePlots(outDir: string, results: readonly ClaimResult[], curves: ReadonlyMap<string, [number, number][]>): string[] {
  const written: string[] = [];
  results.forEach((r, k) => {
    const sets = [...r.points].filter(([, p]) => p.features === 2);
    const data = sets.filter(([, p]) => p.kind === "data");
    for (const [label, p] of sets) {
      if (p.kind !== "sampler") continue; // data is drawn under each model's samples
      const file = `claim${k + 1}-${label.replace(/[^A-Za-z0-9_.=-]+/g, "_")}.png`;
      const series = [...data.map(([, d]) => ({ points: d.points, color: [170, 170, 170] as const })), { points: p.points, color: [31, 119, 180] as const }];
      writeFileAtomic(join(outDir, file), scatterPng(series));
      written.push(file);
      if (p.trajectory) {
        const paths = `claim${k + 1}-${label.replace(/[^A-Za-z0-9_.=-]+/g, "_")}-paths.png`;
        writeFileAtomic(join(outDir, paths), trajectoryPng(p.trajectory, 2, 64));
        written.push(paths);
      }
    }
  });
  for (const [name, curve] of curves) {
    if (curve.length < 2) continue;
    const file = `loss-${name}.png`;
    writeFileAtomic(join(outDir, file), linePng([{ points: curve, color: [214, 39, 40] }]));
    written.push(file);
  }
  return written;
}

function jsonReport(spec: string, budget: string, specHash: string, results: readonly ClaimResult[], plots: string[]) {
  return {
    spec,
    specHash,
    budget,
    holds: results.every((r) => r.holds),
    claims: results.map((r) => ({
      title: r.claim.title,
      where: r.claim.where,
      statement: r.claim.text,
      measured: r.measured,
      op: r.claim.op,
      threshold: r.threshold,
      holds: r.holds,
      seconds: r.seconds,
      samples: budget === "fast" ? r.claim.fastSamples : r.claim.samples,
      seed: r.claim.seed,
      metrics: r.metrics,
      ...(Object.keys(r.solves).length ? { solves: r.solves } : {}),
    })),
    plots,
  };
}

function markdownReport(spec: string, budget: string, results: readonly ClaimResult[], plots: string[]): string {
  const lines = [`# Claims of \`${spec}\` (${budget} budget)`, "", "| claim | measured | threshold | verdict | time |", "|---|---|---|---|---|"];
  for (const r of results) lines.push(`| ${r.claim.title} | ${format(r.measured)} | ${r.claim.op} ${format(r.threshold)} | ${r.holds ? "holds" : "**fails**"} | ${r.seconds.toFixed(1)} s |`);
  lines.push("");
  for (const r of results) {
    lines.push(`## ${r.claim.title}`, "", `\`${r.claim.text}\` (${r.claim.where})`, "");
    for (const [text, value] of Object.entries(r.metrics)) lines.push(`- \`${text}\` = ${format(value)}`);
    for (const [label, s] of Object.entries(r.solves)) lines.push(`- \`${label}\`: adaptive solve, ${s.nfe} NFE (${s.accepted} accepted, ${s.rejected} rejected steps)`);
    lines.push("");
  }
  if (plots.length) lines.push("## Plots", "", ...plots.map((p) => `![${p}](${p})`), "");
  return lines.join("\n");
}

function readCurve(path: string): [number, number][] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",").map(Number) as [number, number]);
}
