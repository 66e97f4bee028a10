// Data and samples mapped through a trained model's function (`m.double(g1)`, `m.double(m.noise)`):
// the compiler's descriptions (features, classes, dependencies), the runtime's draws (exactly the
// inner source's draws, mapped), training on mapped data (a coordinate that only the mapping
// creates is learned), labels that survive the mapping, and claims over mapped sample sets.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";
import { RandomStream } from "../../compiler/artifacts/rng.js";
import { batchSource, drawPoints } from "../../runtime/data/batches.js";
import { Pipeline } from "../../runtime/pipeline.js";
import { compileOk } from "../compiled.js";

const noPairs = () => {
  throw new Error("no pairs");
};
const tmp = () => mkdtempSync(join(tmpdir(), "flowc-mapped-"));

const SPEC = `
use std.optim.adam

data g1 = toy.gaussian(dim: 2, std: 1.0)
data g2 = toy.gaussian(dim: 2, std: 2.0)
data blobs = toy.gaussians8(radius: 2.0, std: 0.02)

// Not trained (steps: 0): its functions are fixed maps.
model scale(d: int = 2) {
  param s: f32[1] = 2.0
  fn double(x: f32[B, d]) -> f32[B, d] = x * s
  fn lift(x: f32[B, d]) -> f32[B, 3] = concat(x * s, full([B, 1], 5.0), axis: -1)
  loss (x: f32[B, d]) { mean(x * s) }
  sampler noise() -> f32[N, d] {
    x0 ~ normal([N, d])
    x0
  }
}

// Learns the mean of its data.
model mean_of(d: int = 3) {
  param mu: f32[d] = 0.0
  fn mu_last(x: f32[B, d]) -> f32[B] = full([B], 1.0) * mu[d - 1]
  loss (x: f32[B, d]) { mean(sum((x - mu)^2, axis: -1)) }
}

train m = scale on g1 { optimizer: adam(), steps: 0 }
train fit = mean_of on m.lift(g1) { optimizer: adam(lr: 0.1), batch: 64, steps: 300, fast_steps: 300 }
model class_mean(d: int = 2) {
  param mu: f32[d] = 0.0
  loss (x: f32[B, d], y: i32[B]) { mean(sum((x - mu)^2, axis: -1) * f32(y == 0)) }
}

train fit_labeled = class_mean on labeled(m.double(blobs)) { optimizer: adam(lr: 0.1), steps: 0 }

expect "doubling N(0, I) gives N(0, 4I)" { that: sliced_w2(m.double(g1), g2) < 0.3 * sliced_w2(g1, g2), samples: 1000 }
expect "doubled sampler noise is N(0, 4I)" { that: sliced_w2(m.double(m.noise), g2) < 0.3 * sliced_w2(m.noise, g2), samples: 1000 }
expect "the fitted mean's last coordinate is the lift's 5" { that: value(fit.mu_last, m.lift(g1)) > 4.9, samples: 10 }
expect "mapping does not count as a solver evaluation" { that: nfe(m.double(m.noise)) <= 1, samples: 10 }
`;

function compiled() {
  return compileOk({ entry: "test/mapped.flow", text: SPEC });
}

describe("points mapped through a trained model's function", () => {
  it("the compiler describes mapped data with the function's result size, its classes, and the training it needs", () => {
    const m = compiled().manifest!;
    const fit = m.trainings.find((t) => t.name === "fit")!;
    expect(fit.dependsOn).toEqual(["m"]);
    expect(fit.data).toMatchObject({ kind: "mapped", function: { training: "m", graph: "m.lift", label: "m.lift" }, features: 3, data: { kind: "toy", source: "toy.gaussian" } });
    const labeled = m.trainings.find((t) => t.name === "fit_labeled")!;
    expect(labeled.data).toMatchObject({ kind: "labeled", data: { kind: "mapped", features: 2, classes: 8 } });
    expect(m.graphs.find((g) => g.name === "m.lift")).toMatchObject({ kind: "function", training: "m" });
    expect(m.claims.map((c) => c.trainings)).toEqual([["m"], ["m"], ["m", "fit"], ["m"]]);
  });

  it("draws exactly the inner source's points, mapped; labels stay with their points", async () => {
    const result = compiled();
    const pipeline = new Pipeline({ spec: "test/mapped.flow", compiled: result, cacheDir: tmp() });
    const labeled = result.manifest!.trainings.find((t) => t.name === "fit_labeled")!.data;
    if (labeled.kind !== "labeled" || labeled.data.kind !== "mapped") throw new Error("expected labeled mapped data");
    const mapped = labeled.data;
    const inner = mapped.data;
    const n = 50;
    const doubled = await pipeline.points(mapped, RandomStream.derive(3, "x"), n);
    const plain = await drawPoints(inner, RandomStream.derive(3, "x"), n);
    expect(Array.from(doubled)).toEqual(Array.from(plain, (v) => 2 * v));
    // Labeled: the classes of the inner draws, with the doubled points.
    const [x, y] = (await batchSource(labeled, noPairs, pipeline.maps).next(RandomStream.derive(4, "y"), n)) as [Float32Array, Int32Array];
    const [x0, y0] = (await batchSource({ kind: "labeled", data: inner }, noPairs).next(RandomStream.derive(4, "y"), n)) as [Float32Array, Int32Array];
    expect(Array.from(y)).toEqual(Array.from(y0));
    expect(Array.from(x)).toEqual(Array.from(x0, (v) => 2 * v));
    await pipeline.close();
  });

  it("flowc check trains on mapped data and measures mapped sample sets", async () => {
    const dir = tmp();
    const spec = join(dir, "mapped.flow");
    writeFileSync(spec, SPEC);
    const io = bufferIO();
    const code = await runCli(["check", spec, "--fast", "--out", join(dir, "report"), "--cache", join(dir, "cache")], io);
    expect(io.stderr()).toBe("");
    expect(io.stdout()).toMatch(/train fit: 300 steps on toy.gaussian mapped through m.lift/);
    const report = JSON.parse(readFileSync(join(dir, "report", "report.json"), "utf8"));
    for (const claim of report.claims) expect(claim.holds, `${claim.title}: ${claim.measured}`).toBe(true);
    expect(code).toBe(0);
  }, 60_000);

  it("flowc train trains the training whose function maps the data first", async () => {
    const dir = tmp();
    const spec = join(dir, "mapped.flow");
    writeFileSync(spec, SPEC);
    const io = bufferIO();
    const code = await runCli(["train", spec, "--training", "fit", "--steps", "10", "--out", join(dir, "fit"), "--cache", join(dir, "cache")], io);
    expect(io.stderr()).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/fit learns from data mapped through m.lift/);
  }, 60_000);
});
