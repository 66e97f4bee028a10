// The spec hash keys `flowc check`'s cache of trained runs and guards `--resume`: it must change
// with anything that changes what a spec trains — its text, the std/ files and `use`d files it
// loads (a changed layer or optimizer), its data files (test/pipeline/data-files.test.ts) — and
// nothing else.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFileSystem, type FileSystem } from "../../compiler/sema/loader.js";
import { compileOk } from "../compiled.js";

const SPEC = `use std.optim.adam
use "./helpers.flow".{scale}
model m {
  param w: f32[2] = 0.5
  loss (x: f32[B, 2]) { mean(scale(x - w)) }
}
data pts = toy.moons()
train t = m on pts { optimizer: adam(lr: 0.01), batch: 16, steps: 10 }
`;
const HELPERS = "fn scale(x: f32[B, 2]) -> f32[B, 2] = x * x\n";

/** The hash of the spec in `dir`, reading every file through `fs`. */
const hashOf = (dir: string, fs: FileSystem = nodeFileSystem) => compileOk({ entry: join(dir, "spec.flow"), fs, stage: "onnx" }).manifest!.specHash;

/** A file system that reads `path` (absolute) as `text` and everything else from disk. */
const replacing = (path: string, edit: (text: string) => string): FileSystem => ({
  read: (abs) => {
    const text = nodeFileSystem.read(abs);
    return abs === path && text !== undefined ? edit(text) : text;
  },
});

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "flowc-spec-hash-"));
  writeFileSync(join(dir, "spec.flow"), SPEC);
  writeFileSync(join(dir, "helpers.flow"), HELPERS);
  return dir;
}

describe("the spec hash", () => {
  it("is the same for the same files, wherever the project is", () => {
    expect(hashOf(project())).toBe(hashOf(project()));
  });

  it("changes with the spec's text, a `use`d file and a std/ file it loads", () => {
    const dir = project();
    const base = hashOf(dir);
    expect(hashOf(dir, replacing(join(dir, "spec.flow"), (t) => t.replace("lr: 0.01", "lr: 0.02")))).not.toBe(base);
    expect(hashOf(dir, replacing(join(dir, "helpers.flow"), (t) => t.replace("x * x", "x * x * 2.0")))).not.toBe(base);
    // adam's update as std/optim.flow writes it, with a comment added: a different file, another hash.
    expect(hashOf(dir, replacing(resolve("std/optim.flow"), (t) => `${t}\n// edited\n`))).not.toBe(base);
    // A std file the spec does not load (std/attention.flow) leaves it alone.
    expect(hashOf(dir, replacing(resolve("std/attention.flow"), (t) => `${t}\n// edited\n`))).toBe(base);
  });
});
