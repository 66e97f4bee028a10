// `expect` declarations: the claims of a paper, elaborated into descriptions that `flowc check`
// measures (compiler/artifacts/pipeline.ts). A claim states a comparison of measurements:
//
//   expect "one reflow makes one-step samples much better" {
//     that: w2(rf2.euler(steps: 1), moons) <= w2(rf1.euler(steps: 1), moons) / 3.0,
//     samples: 1000,
//     seed: 0,
//   }

import type * as A from "../../grammar/ast.js";
import { fail } from "../diagnostics/index.js";
import { dataDependencies, sampleSetDependencies, samplerDependencies, trainingDependencies, type Claim, type Measure, type SampleSet } from "../artifacts/pipeline.js";
import { fileSourceOf, heldOutRows } from "../artifacts/data-files.js";
import { mnistPoolSize, type MnistSplit } from "../artifacts/mnist.js";
import type { Elaborator, Frame } from "../elaborate/elaborator.js";
import { describe } from "../elaborate/values.js";
import type { LoadedFile } from "../sema/loader.js";
import type { TrainingArtifacts } from "../train/train-step.js";

const KEYS = ["that", "samples", "fast_samples", "seed"] as const;

export function elaborateClaims(el: Elaborator, file: LoadedFile, trainings: readonly TrainingArtifacts[]): Claim[] {
  const claims: Claim[] = [];
  for (const decl of file.program.items) if (decl.kind === "ExpectDecl") claims.push(elaborateClaim(el, decl, file, trainings));
  return claims;
}

function elaborateClaim(el: Elaborator, decl: A.ExpectDecl, file: LoadedFile, trainings: readonly TrainingArtifacts[]): Claim {
  const frame: Frame = { env: el.fileEnv(file), file };
  const entries = new Map<string, A.ConfigEntry>();
  for (const entry of decl.config) {
    if (!(KEYS as readonly string[]).includes(entry.key.name))
      fail("E0708", entry.key.span, `\`${entry.key.name}\` is not a claim setting`, { help: `the settings are ${KEYS.map((k) => `\`${k}\``).join(", ")}` });
    if (entries.has(entry.key.name)) fail("E0708", entry.key.span, `\`${entry.key.name}\` is set twice`);
    entries.set(entry.key.name, entry);
  }
  const that = entries.get("that");
  if (!that)
    return fail("E0708", decl.title.span, "a claim needs `that:`, the comparison it states", {
      help: "e.g. `that: w2(rf2.euler(steps: 1), moons) <= w2(rf1.euler(steps: 1), moons) / 3.0`",
    });
  const statement = el.expr(that.value, frame);
  if (statement.kind !== "comparison")
    fail("E0708", that.value.span, `\`that:\` must compare measurements with < <= > or >=, found ${describe(statement)}`, {
      help: "e.g. `that: straightness(rf2.euler) < 0.1 * straightness(rf1.euler)`",
    });
  const positiveInt = (key: string, fallback: number): number => {
    const entry = entries.get(key);
    if (!entry) return fallback;
    const v = el.expr(entry.value, frame);
    if (v.kind !== "int" || v.value < 0 || (key !== "seed" && v.value < 2)) fail("E0708", entry.value.span, `\`${key}\` must be ${key === "seed" ? "a non-negative int" : "an int of at least 2"}, found ${describe(v)}`);
    return v.value;
  };
  const samples = positiveInt("samples", 1000);
  const fastSamples = positiveInt("fast_samples", Math.min(samples, 500));
  const cmp = statement as Extract<typeof statement, { kind: "comparison" }>;
  // A sample set of a data file or of MNIST draws distinct rows; more points than there are rows
  // would repeat some, which biases a distance to it (a repeated point weighs twice), so the claim
  // must ask for fewer.
  for (const set of [...metricSets(cmp.measured), ...metricSets(cmp.threshold)]) {
    const pool = distinctPool(set);
    for (const [key, n] of [["samples", samples], ["fast_samples", fastSamples]] as const) {
      if (pool === undefined || n <= pool.rows) continue;
      fail("E0708", entries.get(key)?.value.span ?? decl.title.span, `the claim draws ${n} points (\`${key}\`${entries.has(key) ? "" : ", by default"}) of \`${set.label}\`, which has ${pool.rows} ${pool.noun}: its sample set would repeat ${pool.noun}`, {
        help: `measure at most ${pool.rows} points (\`${key}: ${pool.rows}\`), or ${pool.more}`,
      });
    }
  }
  return {
    title: decl.title.value,
    where: `${decl.span.file}:${decl.span.line}`,
    measured: cmp.measured,
    op: cmp.op,
    threshold: cmp.threshold,
    text: file.text.slice(that.value.span.start, that.value.span.end).replace(/\s+/g, " "),
    samples,
    fastSamples,
    seed: positiveInt("seed", 0),
    trainings: trainingOrder([...measureTrainings(cmp.measured), ...measureTrainings(cmp.threshold)], trainings),
  };
}

/** The metrics and function values a measure combines. */
function measureLeaves(m: Measure): Extract<Measure, { kind: "metric" | "value" }>[] {
  switch (m.kind) {
    case "number":
      return [];
    case "binary":
      return [...measureLeaves(m.left), ...measureLeaves(m.right)];
    case "call":
      return m.args.flatMap(measureLeaves);
    default:
      return [m];
  }
}

/** The sample sets of data the metrics of a measure compare (a mapped set's inner one included). */
function metricSets(m: Measure): Extract<SampleSet, { kind: "data" }>[] {
  const inner = (s: SampleSet): Extract<SampleSet, { kind: "data" }>[] => (s.kind === "data" ? [s] : s.kind === "mapped" ? inner(s.of) : []);
  return measureLeaves(m).flatMap((leaf) => (leaf.kind === "metric" ? leaf.args.flatMap(inner) : []));
}

/**
 * The rows a sample set draws distinct points from, if it is one of a finite set: a data file's
 * (those of its split) or MNIST's (the split's first `limit` images).
 */
function distinctPool(set: Extract<SampleSet, { kind: "data" }>): { rows: number; noun: string; more: string } | undefined {
  let data = set.data;
  while (data.kind === "mapped") data = data.data;
  if (data.kind !== "toy") return undefined;
  if (data.source === "mnist") {
    const split = data.args["split"] as MnistSplit;
    const limit = Number(data.args["limit"] ?? 0);
    return { rows: mnistPoolSize(split, limit), noun: "images", more: limit > 0 ? "raise its `limit`" : `measure against the ${split === "test" ? "training" : "test"} split` };
  }
  if (data.source !== "file") return undefined;
  const file = fileSourceOf(data.args);
  const test = heldOutRows(file.rows, file.holdout);
  return { rows: file.split === "test" ? test : file.split === "train" ? file.rows - test : file.rows, noun: "rows", more: "hold out more rows of the file" };
}

function measureTrainings(m: Measure): string[] {
  return measureLeaves(m).flatMap((leaf) =>
    leaf.kind === "metric" ? leaf.args.flatMap(sampleSetDependencies) : [...samplerDependencies(leaf.function), ...(leaf.data ? dataDependencies(leaf.data) : [])],
  );
}

/** The named trainings and everything they depend on, each after its dependencies. */
export function trainingOrder(names: readonly string[], trainings: readonly TrainingArtifacts[]): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    const t = trainings.find((x) => x.name === name);
    for (const dep of t ? trainingDependencies(t.data.spec, t.config.init?.training) : []) visit(dep);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}
