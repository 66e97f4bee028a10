// Training end to end: rectified flow on two moons trains through one compiled ONNX training step,
// its Euler samples match the data, runs are reproducible bit for bit, and a run interrupted and
// resumed ends with exactly the parameters of an uninterrupted one.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, type CompileResult } from "../compiler/compile.js";
import { renderDiagnostics } from "../compiler/diagnostics/index.js";
import { RandomStream } from "../compiler/artifacts/rng.js";
import { loadCheckpoint } from "../runtime/checkpoint.js";
import { TOY_SOURCES } from "../runtime/data/toy.js";
import { slicedWasserstein } from "../runtime/metrics/sliced-wasserstein.js";
import { RunError, trainRun } from "../runtime/run.js";
import { runSampler } from "../runtime/sample.js";
import { compileOk } from "./compiled.js";

function compiled(entry: string, text?: string, paramsAs: "initializers" | "inputs" = "inputs"): CompileResult {
  return compileOk({ entry, text, paramsAs });
}

const tmp = () => mkdtempSync(join(tmpdir(), "flowc-train-"));

function sameTensors(a: Record<string, { data: ArrayLike<number> }>, b: Record<string, { data: ArrayLike<number> }>): boolean {
  const keys = Object.keys(a).sort();
  if (keys.join() !== Object.keys(b).sort().join()) return false;
  return keys.every((k) => {
    const x = a[k]!.data;
    const y = b[k]!.data;
    return x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
  });
}

describe("rectified flow on two moons", () => {
  it("trains, and 100-step Euler samples are close to the data", async () => {
    const spec = compiled("specs/rectified-flow.flow");
    const dir = tmp();
    const result = await trainRun({ spec: "specs/rectified-flow.flow", compiled: spec, outDir: dir });
    expect(result.step).toBe(10000);
    const curve = result.lossCurve;
    // The loss falls: the last logged losses average well below the first.
    console.log(curve.filter((_, i) => i % 6 === 0).map(([s, l]) => `${s}:${l.toFixed(3)}`).join(" "));
    expect(curve.slice(-10).reduce((s, [, l]) => s + l, 0) / 10).toBeLessThan(curve[0]![1]);
    // The distance between two samples of 2,000 points fluctuates by tens of percent from draw to
    // draw, so both distances are averaged over four independent draws (all seeded).
    const n = 2000;
    const draws = 4;
    const samples = await runSampler(spec, loadCheckpoint(dir).tensors, { n: n * draws, seed: 7, useEma: true });
    expect(samples.samples.shape).toEqual([n * draws, 2]);
    const moons = TOY_SOURCES["toy.moons"]!;
    let model = 0;
    let floor = 0;
    for (let k = 0; k < draws; k++) {
      const chunk = (samples.samples.data as Float32Array).subarray(2 * n * k, 2 * n * (k + 1));
      const heldOut = moons(RandomStream.derive(100 + k, "held-out"), n, { noise: 0.05 });
      const other = moons(RandomStream.derive(200 + k, "other"), n, { noise: 0.05 });
      model += slicedWasserstein(chunk, heldOut, 2, { seed: k }) / draws;
      floor += slicedWasserstein(other, heldOut, 2, { seed: k }) / draws;
    }
    console.log(`sliced W2 (mean of ${draws} draws of ${n}): samples vs held-out ${model.toFixed(4)}, data vs data ${floor.toFixed(4)} (ratio ${(model / floor).toFixed(2)})`);
    expect(model).toBeLessThanOrEqual(1.5 * floor);
  }, 400_000);

  it("is reproducible bit for bit, and resuming gives the same parameters as not stopping", async () => {
    const spec = compiled("specs/rectified-flow.flow");
    const straight = tmp();
    await trainRun({ spec: "specs/rectified-flow.flow", compiled: spec, outDir: straight, steps: 40 });
    const again = tmp();
    await trainRun({ spec: "specs/rectified-flow.flow", compiled: spec, outDir: again, steps: 40 });
    expect(sameTensors(loadCheckpoint(straight).tensors, loadCheckpoint(again).tensors)).toBe(true);

    const interrupted = tmp();
    const first = await trainRun({ spec: "specs/rectified-flow.flow", compiled: spec, outDir: interrupted, steps: 40, maxStepsThisCall: 20 });
    expect(first.step).toBe(20);
    const second = await trainRun({ spec: "specs/rectified-flow.flow", compiled: spec, outDir: interrupted, steps: 40, resume: true });
    expect(second.step).toBe(40);
    expect(sameTensors(loadCheckpoint(straight).tensors, loadCheckpoint(interrupted).tensors)).toBe(true);
    expect(loadCheckpoint(interrupted).meta.rng).toEqual(loadCheckpoint(straight).meta.rng);
  }, 120_000);

  it("a leftover temp file from a run killed while checkpointing does not affect resuming", async () => {
    const spec = compiled("specs/rectified-flow.flow");
    const dir = tmp();
    await trainRun({ spec: "specs/rectified-flow.flow", compiled: spec, outDir: dir, steps: 10 });
    writeFileSync(join(dir, "checkpoint.safetensors.tmp-12345"), "half-written garbage");
    const resumed = await trainRun({ spec: "specs/rectified-flow.flow", compiled: spec, outDir: dir, steps: 12, resume: true });
    expect(resumed.step).toBe(12);
    expect(readFileSync(join(dir, "loss.csv"), "utf8").startsWith("step,loss\n")).toBe(true);
  }, 60_000);

  it("a diverging run stops at the first non-finite loss and names the step", async () => {
    const text = readFileSync("specs/rectified-flow.flow", "utf8").replaceAll("adam(lr: 1e-3)", "sgd(lr: 1e12)").replace("use std.optim.adam", "use std.optim.sgd");
    const spec = compiled("specs/diverge.flow", text);
    await expect(trainRun({ spec: "specs/diverge.flow", compiled: spec, outDir: tmp(), steps: 50 })).rejects.toThrow(/the loss is (NaN|Infinity|-Infinity) at step \d+/);
    await expect(trainRun({ spec: "specs/diverge.flow", compiled: spec, outDir: tmp(), steps: 50 })).rejects.toBeInstanceOf(RunError);
  }, 60_000);
});

describe("training with command-line overrides", () => {
  it("--set reaches the trained model: shapes and initial values agree", async () => {
    const result = compileOk({ entry: "specs/rectified-flow.flow", hyper: { width: 32 } });
    const step = result.graphs.find((g) => g.graph.name === "rf1.train_step")!.graph;
    const w = step.inputs.find((i) => i.name === "v.layers.1.w")!;
    expect(step.values[w.value]!.shape.map((d) => [...d.values()][0])).toEqual([32, 32]);
    expect(w.initial!.length).toBe(32 * 32);
    // The runtime learns from the manifest, not from names, which inputs the step and the schedule drive.
    expect(result.manifest!.trainings[0]).toMatchObject({ stepInput: "step", learningRateInput: "optimizer.lr", schedule: "cosine" });
    const run = await trainRun({ spec: "specs/rectified-flow.flow", compiled: result, outDir: tmp(), steps: 3 });
    expect(run.step).toBe(3);
  }, 60_000);
});

describe("--set on a hyper-parameter the train declaration gives positionally", () => {
  it("replaces it instead of reporting it as given twice", () => {
    const text = `
use std.optim.adam
data moons = toy.moons()
model m(d: int, k: int = 2) {
  param w: f32[d] = 1.0
  loss (x: f32[B, 2]) { mean(x) * sum(w) }
}
train m(3) on moons { optimizer: adam() }
`;
    const result = compile({ entry: "test/set-positional.flow", text, hyper: { d: 4 } });
    expect(renderDiagnostics(result.diagnostics, (p) => result.sources.get(p))).toBe("");
    const step = result.graphs.find((g) => g.graph.name === "m.train_step")!.graph;
    const w = step.inputs.find((i) => i.name === "w")!;
    expect(step.values[w.value]!.shape.map((d) => [...d.values()][0])).toEqual([4]);
  });
});

describe("state that no step sets", () => {
  it("is a constant of the model: drawn once with the spec's seed, fed every step, kept in the checkpoint", async () => {
    const text = `
use std.optim.adam
data g = toy.gaussian(dim: 3)
model m {
  param w: f32[3] = 0.5
  state a: f32[3, 2] ~ normal()
  fn projected() -> f32 = sum(a)
  loss (x: f32[B, 3]) { mean((x @ a - (x * w) @ a)^2) }
}
train m1 = m on g { optimizer: adam(lr: 1e-2), batch: 8, steps: 5 }
`;
    const spec = compiled("test/constant-state.flow", text);
    const step = spec.graphs.find((g) => g.graph.name === "m1.train_step")!.graph;
    const a = step.inputs.find((i) => i.name === "a")!;
    expect(step.outputs.find((o) => o.updates === "a")).toMatchObject({ role: "state" });
    const dir = tmp();
    const run = await trainRun({ spec: "test/constant-state.flow", compiled: spec, outDir: dir });
    expect(run.step).toBe(5);
    const { tensors } = loadCheckpoint(dir);
    expect(Array.from(tensors["a"]!.data)).toEqual(Array.from(a.initial!));
    expect(Array.from(tensors["w"]!.data)).not.toEqual([0.5, 0.5, 0.5]);
  });
});

describe("run-time errors a user can cause", () => {
  it("a training on generated pairs, run without the training that makes them, is a one-line RunError", async () => {
    const text = `
use std.nn.MLP
use std.optim.adam
data moons = toy.moons()
model rf {
  v = MLP(3, [8], 2)
  loss (x0: f32[B, 2], x1: f32[B, 2]) { mean((v(concat(x0, x1[:, :1], axis: -1)) - x1)^2) }
  sampler once() -> f32[N, 2] {
    z ~ normal([N, 2])
    v(concat(z, z[:, :1], axis: -1))
  }
}
train rf1 = rf on independent(moons) { optimizer: adam(), steps: 2 }
train rf2 = rf on pairs(rf1.once, n: 10) { optimizer: adam(), steps: 2 }
`;
    const spec = compiled("specs/pairs.flow", text);
    await expect(trainRun({ spec: "specs/pairs.flow", compiled: spec, training: "rf2", outDir: tmp(), steps: 2 })).rejects.toThrow(/training `rf2` learns from pairs generated by `rf1`/);
  });
});
