// `--device` where a provider cannot start: one line saying why and what to do, exit code 1, and
// never the native output of the provider that failed. The Vulkan loader is told to load no driver
// (VK_LOADER_DRIVERS_DISABLE), which is what a machine without Vulkan looks like to WebGPU.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/main.js";
import { bufferIO } from "../cli/io.js";
import { ortBinaryFolder, parseDeviceRequest } from "../runtime/device.js";
import { RunError } from "../runtime/errors.js";

process.env["VK_LOADER_DRIVERS_DISABLE"] = "*";

async function cli(...args: string[]) {
  const io = bufferIO();
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const cudaInstalled = existsSync(join(ortBinaryFolder(), "libonnxruntime_providers_cuda.so"));

describe("--device", () => {
  it("webgpu without a Vulkan driver: one line naming the fix", async () => {
    const r = await cli("run", "specs/mlp.flow", "--device", "webgpu");
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^error: --device webgpu: the WebGPU provider found no Vulkan device\. Install a Vulkan driver: .*mesa-vulkan-drivers.*--device cpu\n$/);
  });

  it.skipIf(cudaInstalled)("cuda without its provider libraries: one line saying how to install them", async () => {
    const r = await cli("run", "specs/mlp.flow", "--device", "cuda");
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js");
  });

  it("auto without a GPU provider runs on the CPU and says why", async () => {
    const r = await cli("run", "specs/mlp.flow", "--device", "auto", "--check");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^device: cpu \(--device auto found no GPU provider that starts: cuda: .*; webgpu: no hardware Vulkan device\)\n/);
    expect(r.out).toContain("on cpu (");
  });

  it("rejects an unknown device", async () => {
    const r = await cli("run", "specs/mlp.flow", "--device", "tpu");
    expect(r.code).toBe(1);
    expect(r.err).toContain("Allowed choices are cpu, webgpu, cuda, auto");
    expect(() => parseDeviceRequest("tpu")).toThrow(RunError);
  });
});
