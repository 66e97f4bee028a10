// The command line on the WebGPU provider: `run --check` against the reference interpreter, and
// `sample` from a trained run on the GPU against the same on the CPU.

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";
import { describeWebGpu } from "./provider.js";

async function cli(...args: string[]) {
  const io = bufferIO();
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The float32 payload of a .npy file written by `flowc sample`. */
function npy(path: string): Float32Array {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const data = bytes.subarray(10 + headerLength);
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

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
});
