// The `file(...)` data source: the same numbers read from .npy, CSV and safetensors files; a
// training's batches are exactly the rows its seeded stream draws (of the training split only);
// the spec hash follows the files' contents; a resumed run on a file continues bit for bit; and a
// small spec trained on a file passes its claim under `flowc check --fast`.

import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, type CompileResult } from "../../compiler/compile.js";
import { inspectDataFile, readDataFile, type DataFileRequest } from "../../compiler/artifacts/data-files.js";
import type { DataSpec } from "../../compiler/artifacts/pipeline.js";
import { RandomStream } from "../../compiler/artifacts/rng.js";
import { batchSource, drawPoints } from "../../runtime/data/batches.js";
import { splitRows } from "../../runtime/data/file.js";
import { drawRows } from "../../runtime/data/rows.js";
import { decodeNpy, encodeNpy } from "../../runtime/npy.js";
import { encodeSafetensors } from "../../runtime/safetensors.js";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { RunError, trainRun } from "../../runtime/run.js";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";
import { compileOk } from "../compiled.js";

const EXAMPLE = join(import.meta.dirname, "..", "..", "examples", "user-data");
const tmp = () => mkdtempSync(join(tmpdir(), "flowc-data-files-"));

function compiled(entry: string, text?: string): CompileResult {
  return compileOk({ entry, text, paramsAs: "inputs", stage: "ir" });
}

function specHash(entry: string, text?: string): string {
  return compileOk({ entry, text, paramsAs: "inputs" }).manifest!.specHash;
}

const dataOf = (result: CompileResult, training: string): DataSpec => result.trainings.find((t) => t.name === training)!.data.spec;

/** A tiny spec whose model takes points of `d` features (and labels), trained on `data`. */
function specText(data: string, d = 3, labeled = false): string {
  return `use std.optim.adam
data pts = ${data}
model m {
  param w: f32[${d}] = 0.5
  loss (x: f32[B, ${d}]${labeled ? ", y: i32[B]" : ""}) { mean((x - w) * (x - w)) }
}
train t = m on ${labeled ? "labeled(pts)" : "pts"} { optimizer: adam(lr: 0.01), batch: 16, steps: 40 }
`;
}

describe("data files", () => {
  it("reads the same float32 points and labels from .npy, CSV and safetensors files of the same numbers", () => {
    const dir = tmp();
    const rows = 37;
    const d = 3;
    const stream = RandomStream.derive(11, "points");
    const x = Float32Array.from({ length: rows * d }, () => stream.normal());
    const y = Int32Array.from({ length: rows }, (_, i) => (i * 7) % 5);
    writeFileSync(join(dir, "x.npy"), encodeNpy({ dtype: "f32", shape: [rows, d], data: x }));
    writeFileSync(join(dir, "y.npy"), encodeNpy({ dtype: "i32", shape: [rows], data: y }));
    writeFileSync(join(dir, "xy.safetensors"), encodeSafetensors({ points: { dtype: "f32", shape: [rows, d], data: x }, classes: { dtype: "i32", shape: [rows], data: y } }));
    // Shortest round-trip text of each float32 value, a header, and the label column first.
    const lines = Array.from({ length: rows }, (_, r) => [y[r], ...Array.from(x.subarray(r * d, (r + 1) * d))].join(","));
    writeFileSync(join(dir, "xy.csv"), `label,a,b,c\n${lines.join("\n")}\n`);

    const read = (request: DataFileRequest) =>
      readDataFile(request, { points: compiledHashOf(request.path), ...(request.path.endsWith(".npy") ? { labels: compiledHashOf(request.labels as string) } : {}) });
    const fromNpy = read({ path: join(dir, "x.npy"), shown: "x.npy", labels: join(dir, "y.npy") });
    const fromSafetensors = read({ path: join(dir, "xy.safetensors"), shown: "xy.safetensors", tensor: "points", labels: "classes" });
    const fromCsv = read({ path: join(dir, "xy.csv"), shown: "xy.csv", labels: "label" });
    for (const got of [fromNpy, fromSafetensors, fromCsv]) {
      expect([got.rows, got.features]).toEqual([rows, d]);
      expect(Array.from(got.points)).toEqual(Array.from(x));
      expect(Array.from(got.labels!)).toEqual(Array.from(y));
    }
    // Columns by name, in the order given.
    const swapped = inspectDataFile({ path: join(dir, "xy.csv"), shown: "xy.csv", columns: ["c", "a"] });
    expect(swapped.columns).toEqual([3, 1]);
  });

  it("reads numpy's float64 .npy and the same numbers as CSV text identically, rounded to float32", () => {
    const npy = readDataFile({ path: join(EXAMPLE, "data", "blobs.npy"), shown: "blobs.npy", labels: join(EXAMPLE, "data", "blobs-labels.npy") }, {
      points: compiledHashOf(join(EXAMPLE, "data", "blobs.npy")),
      labels: compiledHashOf(join(EXAMPLE, "data", "blobs-labels.npy")),
    });
    const csv = readDataFile({ path: join(EXAMPLE, "data", "blobs-head.csv"), shown: "blobs-head.csv", labels: "class" }, { points: compiledHashOf(join(EXAMPLE, "data", "blobs-head.csv")) });
    const reference = decodeNpy(readFileSync(join(EXAMPLE, "data", "blobs.npy")));
    expect(reference.shape).toEqual([256, 2]);
    expect([npy.rows, npy.features, csv.rows, csv.features]).toEqual([256, 2, 16, 2]);
    expect(Array.from(npy.points)).toEqual(Array.from(reference.data, Math.fround));
    expect(Array.from(csv.points)).toEqual(Array.from(npy.points.subarray(0, 32)));
    expect(Array.from(csv.labels!)).toEqual(Array.from(npy.labels!.subarray(0, 16)));
    // The blobs: class 1 about (2, 0), class 0 about (-2, 0).
    for (const c of [0, 1]) {
      const xs = Array.from(npy.labels!).flatMap((l, r) => (l === c ? [npy.points[2 * r]!] : []));
      expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - (c === 1 ? 2 : -2))).toBeLessThan(0.15);
    }
  });

  it("a training's batches are the rows its stream draws, from the training rows only; the held-out rows are the rest", async () => {
    const result = compiled(join(EXAMPLE, "blobs.flow"));
    const data = dataOf(result, "t");
    expect(data.kind).toBe("coupling");
    const inner = (data as Extract<DataSpec, { kind: "coupling" }>).data as Extract<DataSpec, { kind: "toy" }>;
    expect([inner.source, inner.features, inner.classes, inner.args["split"], inner.args["rows"]]).toEqual(["file", 2, 2, "train", 256]);
    const train = splitRows(256, 0.25, "train");
    const test = splitRows(256, 0.25, "test");
    expect([train.length, test.length]).toEqual([192, 64]);
    expect(new Set([...train, ...test]).size).toBe(256);
    const all = decodeNpy(readFileSync(join(EXAMPLE, "data", "blobs.npy")));
    const labels = decodeNpy(readFileSync(join(EXAMPLE, "data", "blobs-labels.npy")));

    // labeled(blobs): each batch row is the pool row of the stream's draw, with its label.
    const source = batchSource({ kind: "labeled", data: inner }, () => {
      throw new Error("no pairs");
    });
    const stream = RandomStream.derive(5, "data");
    const replay = RandomStream.fromState(stream.state());
    for (let step = 0; step < 3; step++) {
      const [x, y] = (await source.next(stream, 48)) as [Float32Array, Int32Array];
      const picks = drawRows(replay, 48, train.length).map((k) => train[k]!);
      expect(new Set(picks).size).toBe(48); // distinct rows within a batch
      expect(Array.from(x)).toEqual(picks.flatMap((r) => [Math.fround(all.data[2 * r]!), Math.fround(all.data[2 * r + 1]!)]));
      expect(Array.from(y)).toEqual(picks.map((r) => labels.data[r]!));
    }
    // A claim's sample set of the test split: 64 draws are the 64 held-out rows, each once.
    const testSpec = { ...inner, args: { ...inner.args, split: "test" } };
    const points = await drawPoints(testSpec, RandomStream.derive(1, "claim"), 64);
    const drawn = Array.from({ length: 64 }, (_, i) => `${points[2 * i]},${points[2 * i + 1]}`).sort();
    const expected = Array.from(test, (r) => `${Math.fround(all.data[2 * r]!)},${Math.fround(all.data[2 * r + 1]!)}`).sort();
    expect(drawn).toEqual(expected);
  });

  it("a file source with labels is a task stream too: each task's batches hold its classes only", async () => {
    const dir = tmp();
    const rows = 40;
    const x = Float32Array.from({ length: rows * 2 }, (_, i) => i / 10);
    const y = Int32Array.from({ length: rows }, (_, i) => i % 4);
    writeFileSync(join(dir, "xy.csv"), `a,b,c\n${Array.from({ length: rows }, (_, r) => `${x[2 * r]},${y[r]},${x[2 * r + 1]}`).join("\n")}\n`);
    const entry = join(dir, "spec.flow");
    writeFileSync(entry, specText('tasks(file("xy.csv", columns: ["a", "c"], labels: "b"), count: 2)', 2, true).replace("labeled(pts)", "pts"));
    const data = dataOf(compiled(entry), "t");
    expect(data.kind).toBe("tasks");
    const source = batchSource(data, () => {
      throw new Error("no pairs");
    }, undefined, 40);
    const stream = RandomStream.derive(2, "data");
    for (const [step, classes] of [[1, [0, 1]], [40, [2, 3]]] as const) {
      const [points, labels] = (await source.next(stream, 16, step)) as [Float32Array, Int32Array];
      for (let i = 0; i < 16; i++) {
        expect(classes).toContain(labels[i]);
        // Each point is its row's: a = row / 5, c = (2 row + 1) / 10, and the row's class is row % 4.
        const row = Math.round(points[2 * i]! * 5);
        expect([points[2 * i]!, points[2 * i + 1]!, labels[i]]).toEqual([x[2 * row], x[2 * row + 1], row % 4]);
      }
    }
  });

  it("the spec hash changes with a data file's content (and its labels'), and a file changed after compiling is refused", async () => {
    const dir = tmp();
    const x = Float32Array.from({ length: 20 * 3 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: 20 }, (_, i) => i % 2);
    writeFileSync(join(dir, "x.npy"), encodeNpy({ dtype: "f32", shape: [20, 3], data: x }));
    writeFileSync(join(dir, "y.npy"), encodeNpy({ dtype: "i32", shape: [20], data: y }));
    const entry = join(dir, "spec.flow");
    writeFileSync(entry, specText('file("x.npy", labels: "y.npy")', 3, true));
    const first = specHash(entry);
    expect(specHash(entry)).toBe(first);
    const compiledBefore = compiled(entry);

    const changed = x.slice();
    changed[7] = changed[7]! + 1e-6;
    writeFileSync(join(dir, "x.npy"), encodeNpy({ dtype: "f32", shape: [20, 3], data: changed }));
    const second = specHash(entry);
    expect(second).not.toBe(first);
    // The compiled spec took the old file's hash: drawing from it now is refused, not silently mixed.
    const stale = batchSource(dataOf(compiledBefore, "t"), () => {
      throw new Error("no pairs");
    });
    await expect(stale.next(RandomStream.derive(0, "data"), 4)).rejects.toThrow(RunError);
    await expect(stale.next(RandomStream.derive(0, "data"), 4)).rejects.toThrow(/x\.npy` changed since the spec was compiled/);

    writeFileSync(join(dir, "x.npy"), encodeNpy({ dtype: "f32", shape: [20, 3], data: x }));
    expect(specHash(entry)).toBe(first);
    writeFileSync(join(dir, "y.npy"), encodeNpy({ dtype: "i32", shape: [20], data: y.map((v) => 1 - v) }));
    expect(specHash(entry)).not.toBe(first);
    // A spec without data files: its hash does not depend on where the spec file is.
    const plain = specText("toy.gaussian(dim: 3)");
    expect(specHash(join(dir, "plain.flow"), plain)).toBe(specHash(join(dir, "elsewhere.flow"), plain));
  });

  it("a resumed training on a file continues bit for bit", async () => {
    const dir = tmp();
    copyFileSync(join(EXAMPLE, "data", "blobs.npy"), join(dir, "blobs.npy"));
    const entry = join(dir, "spec.flow");
    writeFileSync(entry, specText('file("blobs.npy", holdout: 0.25)', 2));
    const spec = compile({ entry, paramsAs: "inputs" });
    const straight = tmp();
    await trainRun({ spec: entry, compiled: spec, outDir: straight, steps: 40 });
    const interrupted = tmp();
    expect((await trainRun({ spec: entry, compiled: spec, outDir: interrupted, steps: 40, maxStepsThisCall: 15 })).step).toBe(15);
    expect((await trainRun({ spec: entry, compiled: spec, outDir: interrupted, steps: 40, resume: true })).step).toBe(40);
    const a = loadCheckpoint(straight).tensors;
    const b = loadCheckpoint(interrupted).tensors;
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expect(Array.from(b[k]!.data)).toEqual(Array.from(a[k]!.data));
  }, 60_000);

  it("`flowc check --fast` of a small spec trained on a file: its claim holds", async () => {
    const dir = tmp();
    cpSync(EXAMPLE, join(dir, "example"), { recursive: true });
    const io = bufferIO();
    const code = await runCli(["check", join(dir, "example", "blobs.flow"), "--fast", "--out", join(dir, "report"), "--cache", join(dir, "cache")], io);
    console.log(io.stdout());
    const report = JSON.parse(readFileSync(join(dir, "report", "report.json"), "utf8"));
    expect(report.claims).toHaveLength(1);
    expect(report.claims[0].holds).toBe(true);
    expect(code).toBe(0);
    expect(io.stdout()).toContain("train t: 800 steps on ot coupling of data/blobs.npy (the 192 training rows of 256)");
  }, 60_000);
});

/** The SHA-256 the compiler takes of a file. */
function compiledHashOf(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
