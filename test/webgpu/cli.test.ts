// The command line on the WebGPU provider: `run --check` against the reference interpreter,
// `sample` from a trained run on the GPU against the same on the CPU, and `check`, whose pipeline
// trains, samples and measures on the GPU.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";
import { describeWebGpu } from "./provider.js";
import { decodeNpy } from "../../runtime/npy.js";

async function cli(...args: string[]) {
  const io = bufferIO();
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The values of a .npy file written by `flowc sample`. */
const npy = (path: string) => decodeNpy(readFileSync(path)).data;

describeWebGpu("flowc on the WebGPU provider", () => {
  it("run --device webgpu --check agrees with the reference interpreter", async () => {
    const r = await cli("run", "specs/mlp.flow", "--device", "webgpu", "--size", "B=8", "--check");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^device: webgpu/);
    expect(r.out).toContain("on webgpu (");
  });

  it("run --device webgpu --check is right where nodes fall back to the CPU too", async () => {
    const r = await cli("run", "test/fixtures/good/builtins.flow", "--device", "webgpu", "--size", "B=6", "--check");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("sample --device webgpu gives the CPU's samples (100 Euler steps)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-webgpu-sample-"));
    const train = await cli("train", "specs/rectified-flow.flow", "--steps", "2", "--out", dir);
    expect(train.code, train.err).toBe(0);
    const gpu = await cli("sample", dir, "-n", "64", "--device", "webgpu", "-o", join(dir, "gpu.npy"));
    expect(gpu.err).toBe("");
    expect(gpu.code).toBe(0);
    const cpu = await cli("sample", dir, "-n", "64", "-o", join(dir, "cpu.npy"));
    expect(cpu.code).toBe(0);
    const [a, b] = [npy(join(dir, "gpu.npy")), npy(join(dir, "cpu.npy"))];
    expect(a.length).toBe(128);
    let worst = 0;
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
    expect(worst).toBeLessThan(1e-4);
  });

  it("check --device webgpu trains, samples and measures on the GPU, cached apart from the CPU's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-webgpu-check-"));
    const spec = join(dir, "tiny.flow");
    writeFileSync(spec, TINY);
    const r = await cli("check", spec, "--fast", "--device", "webgpu", "--out", join(dir, "report"), "--cache", join(dir, "cache"));
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^flowc check .*\ndevice: webgpu/);
    expect(r.out).toContain("2 of 2 claims hold");
    expect(r.code).toBe(0);
    const cpu = await cli("check", spec, "--fast", "--out", join(dir, "report-cpu"), "--cache", join(dir, "cache"));
    expect(cpu.code).toBe(0);
    expect(cpu.out).not.toContain("(cached)");
    expect(readdirSync(join(dir, "cache")).filter((d) => d.startsWith("rf1-"))).toHaveLength(2);
  });
});

const TINY = `
use std.nn.MLP
use std.optim.adam
use std.flow.{linear_path, mse_loss}
use std.solvers as ode

data moons = toy.moons(noise: 0.05)

model rf(d: int = 2, width: int = 16) {
  v = MLP(d + 1, [width], d, act: silu)
  fn velocity(x: f32[B, d], t: f32[B]) -> f32[B, d] = v(concat(x, t[:, None], axis: -1))
  fn squared_norm(x: f32[B, d]) -> f32[B] = sum(x^2, axis: -1)
  loss (x0: f32[B, d], x1: f32[B, d]) {
    t ~ uniform([B])
    let (xt, target) = linear_path(x0, x1, t)
    mse_loss(velocity(xt, t), target)
  }
  sampler euler(steps: int = 4) -> f32[N, d] {
    x0 ~ normal([N, d])
    ode.euler(velocity, x0, ode.uniform_grid(steps))
  }
}

train rf1 = rf on independent(moons) { optimizer: adam(lr: 3e-3), batch: 64, steps: 40, fast_steps: 20 }

expect "moons have a mean squared norm above 1.2" { that: value(rf1.squared_norm, moons) > 1.2, samples: 500 }
expect "the sampler's samples have a finite distance to the data" { that: w2(rf1.euler, moons) >= 0.0, samples: 100 }
`;
