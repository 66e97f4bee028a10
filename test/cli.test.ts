// The command line: help, compile artifacts on disk, the manifest, run, and usage errors.

import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/main.js";
import { bufferIO } from "../cli/io.js";

async function cli(...args: string[]) {
  const io = bufferIO();
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("flowc CLI", () => {
  it("--help lists the commands", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const c of ["compile", "info", "dump", "run"]) expect(r.out).toContain(c);
  });

  it("compile writes one .onnx per model function and a manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-"));
    const r = await cli("compile", "specs/mlp.flow", "-o", dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(manifest.opset).toBe(17);
    expect(manifest.irVersion).toBe(8);
    expect(manifest.graphs.map((g: { file: string }) => g.file)).toEqual(["velocity.forward.onnx"]);
    const session = await ort.InferenceSession.create(join(dir, "velocity.forward.onnx"));
    expect(session.inputNames).toEqual(["x", "t"]);
    expect(session.outputNames).toEqual(["output"]);
    await session.release();
  });

  it("--params-as inputs makes parameters graph inputs with role param", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-"));
    expect((await cli("compile", "specs/mlp.flow", "-o", dir, "--params-as", "inputs")).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    const params = manifest.graphs[0].inputs.filter((i: { role: string }) => i.role === "param");
    expect(params.length).toBe(8);
    expect(params.every((p: { storage: string }) => p.storage === "input")).toBe(true);
    const session = await ort.InferenceSession.create(join(dir, "velocity.forward.onnx"));
    expect(session.inputNames).toContain("v.net.head.w");
    await session.release();
  });

  it("info --json prints the manifest with roles, shapes and dtypes", async () => {
    const r = await cli("info", "specs/transformer.flow", "--json");
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out);
    const g = m.graphs[0];
    expect(g.inputs.find((i: { name: string }) => i.name === "ids")).toMatchObject({ role: "input", dtype: "i32", shape: ["B", "T"] });
    expect(g.outputs[0]).toMatchObject({ name: "output", role: "output", dtype: "f32", shape: ["B", "T", 64] });
  });

  it("info sums up a trajectory's states, the carried state, and samplers waiting for tensor values", async () => {
    const r = await cli("info", "specs/boss.flow");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/out output\.0 … output\.100 +output +f32\[N, 2\] +\(101 tensors\)/);
    expect(r.out).not.toContain("output.50");
    // rf1's train step: Adam's two moments and the EMA of 8 parameter tensors; 8 + 24 come back.
    expect(r.out).toContain("+ 24 optimizer and layer state tensors in (26,118 values), 32 updated parameters and states out");
    expect(r.out).toContain("rf.euler_on: a sampler with tensor parameters (grid: f32[T])");
    expect(r.out).toContain("--sampler euler_on --input grid=...");
  });

  it("run executes a graph and checks it against the interpreter", async () => {
    const r = await cli("run", "specs/mlp.flow", "--size", "B=3", "--check");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("out output       f32[3, 2]");
    expect(r.out).toMatch(/max relative difference from the float64 reference interpreter: \d/);
  });

  it("run drives a sampler's adaptive solve and checks it against the same loop on the interpreter", async () => {
    const r = await cli("run", "test/fixtures/adaptive/dopri5-sampler.flow", "--fn", "dopri5", "--size", "N=8", "--check");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/adaptive solve: (\d+) NFE \((\d+) accepted, (\d+) rejected steps\)/);
    const [, nfe, accepted, rejected] = /adaptive solve: (\d+) NFE \((\d+) accepted, (\d+) rejected steps\)/.exec(r.out)!.map(Number);
    expect(nfe).toBe(2 + 6 * (accepted! + rejected!));
    expect(r.out).toContain("out output       f32[8, 2]");
    const info = await cli("info", "test/fixtures/adaptive/dopri5-sampler.flow");
    expect(info.out).toContain("then an adaptive solve from t = 0 to 1 (rtol 0.000001, atol 0.000001, at most 10000 steps of 6 NFE) by m.dopri5.solver_step and m.dopri5.solver_rhs");
    expect(info.out).toContain("in  solve.x                  solver  f32[N, 2]");
  });

  it("a missing spec is E0800 and exit code 1", async () => {
    const r = await cli("info", "specs/does-not-exist.flow");
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[E0800]: cannot read `specs/does-not-exist.flow`");
  });

  it("usage errors exit 1 with a message", async () => {
    expect((await cli("dump", "specs/mlp.flow", "--stage", "nope")).code).toBe(1);
    const set = await cli("info", "specs/mlp.flow", "--set", "width");
    expect(set.code).toBe(1);
    expect(set.err).toContain("--set expects name=value");
    const size = await cli("run", "specs/mlp.flow", "--size", "B=x");
    expect(size.code).toBe(1);
    expect(size.err).toContain("--size expects NAME=N");
    const fn = await cli("run", "specs/mlp.flow", "--fn", "nope");
    expect(fn.code).toBe(1);
    expect(fn.err).toContain("E0802");
    expect((await cli("frobnicate")).code).toBe(1);
  });

  it("--set overrides hyper-parameters and unknown models are reported", async () => {
    const r = await cli("info", "specs/mlp.flow", "--json", "--set", "d=5");
    expect(JSON.parse(r.out).graphs[0].outputs[0].shape).toEqual(["B", 5]);
    const bad = await cli("info", "specs/mlp.flow", "--model", "nope");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("E0700");
  });

  it("info --placement lists the nodes the WebGPU provider leaves to the CPU, and why", async () => {
    const none = await cli("info", "specs/mlp.flow", "--placement");
    expect(none.code).toBe(0);
    expect(none.out).toBe("velocity.forward: all 13 nodes run on the WebGPU provider\n\nEvery graph runs entirely on the WebGPU provider (shape arithmetic aside).\n");
    const some = await cli("info", "test/fixtures/good/builtins.flow", "--placement");
    expect(some.code).toBe(0);
    expect(some.out).toMatch(/^tour.forward: 4 of \d+ nodes fall back to the CPU\n/);
    expect(some.out).toContain("  mod (i32) at test/fixtures/good/builtins.flow:11:23: the WebGPU provider has no Mod kernel\n");
    expect(some.out).toContain("  argmax (f32) at test/fixtures/good/builtins.flow:12:37: ArgMax runs on the GPU");
  });

  it("nothing is left half-written in the output directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-"));
    await cli("compile", "specs/transformer.flow", "-o", dir);
    expect(existsSync(join(dir, "lm.forward.onnx"))).toBe(true);
    expect(readFileSync(join(dir, "manifest.json"), "utf8")).toContain("lm.forward");
  });
});
