// Whether this machine runs ONNX Runtime's WebGPU provider (a Vulkan driver, e.g. Mesa's software
// lavapipe), for the tests in this folder. Where it does not, they are skipped with the reason;
// CI sets FLOWC_REQUIRE_WEBGPU=1 (.ci/run installs software Vulkan), which turns the skip into a
// failure, so the tests cannot silently stop running there.

import { describe, it } from "vitest";
import { selectDevice } from "../../runtime/device.js";
import { RunError } from "../../runtime/errors.js";
import type { NodePlacement } from "../../runtime/onnx.js";

async function availability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await selectDevice("webgpu");
    return { ok: true };
  } catch (e) {
    if (e instanceof RunError) return { ok: false, reason: e.message };
    throw e;
  }
}

export const WEBGPU = await availability();
const REQUIRED = process.env["FLOWC_REQUIRE_WEBGPU"] === "1";

/** `describe` for tests that need the WebGPU provider: skipped (with the reason in its name) where it cannot start. */
export function describeWebGpu(name: string, body: () => void): void {
  if (WEBGPU.ok) {
    describe(name, body);
    return;
  }
  if (REQUIRED)
    describe(name, () => {
      it("needs the WebGPU provider (FLOWC_REQUIRE_WEBGPU=1)", () => {
        throw new Error(`FLOWC_REQUIRE_WEBGPU=1 but ${WEBGPU.reason}`);
      });
    });
  else {
    console.warn(`skipping "${name}": ${WEBGPU.reason}`);
    describe.skip(`${name} (skipped: ${WEBGPU.reason})`, body);
  }
}

/**
 * Whether a run moved tensor data to the CPU: a copy from GPU to host memory, or a CPU node that
 * reads anything but int64 (int64 CPU nodes are shape arithmetic, placed there by design).
 */
export function cpuFallbacks(placement: readonly NodePlacement[]): NodePlacement[] {
  return placement.filter((p) => p.op === "MemcpyToHost" || (p.provider === "cpu" && p.inputTypes.some((t) => t !== "int64")));
}
