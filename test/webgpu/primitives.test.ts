// Every case of every primitive (test/ir/primitive-cases.ts) on ONNX Runtime's WebGPU provider
// against its CPU provider, and where the provider ran each node (its profiler) against the
// registry's `webgpu` entry: a primitive that claims the GPU must not move data to the CPU, and one
// that records a CPU fallback must actually fall back (so the entry is measured, not guessed).
//
// Tolerance, per op, relative: |webgpu - cpu| <= tol * max(1, |cpu|); NaN must match NaN.
//   0     everything not listed: data movement, selection, casts, comparisons and logic, integer
//         results, and IEEE-exact float ops (+, -, *, neg, abs, max, min, floor, ceil, sign)
//   1e-6  division, reciprocal and sqrt (WGSL allows 2.5 ulp) and sums whose order the GPU picks
//         (matmul, reduce_sum, reduce_mean, cumsum, scatter_add)
//   1e-5  transcendental builtins (WGSL's error bounds are far looser than a C library's; measured
//         on Mesa's lavapipe the worst was 3e-7)

import { expect, it } from "vitest";
import { toTyped, type NDArray } from "../../compiler/ir/ndarray.js";
import { webgpuFallback } from "../../compiler/ir/placement.js";
import { getPrimitive } from "../../compiler/ir/primitives/registry.js";
import { lowerGraph } from "../../compiler/onnx/lower.js";
import { GraphSession, type HostTensor } from "../../runtime/onnx.js";
import { caseFeeds, caseGraph, caseName } from "../ir/harness.js";
import { PRIMITIVE_CASES } from "../ir/primitive-cases.js";
import { cpuFallbacks, describeWebGpu } from "./provider.js";

const SUMS = ["div", "reciprocal", "sqrt", "matmul", "reduce_sum", "reduce_mean", "cumsum", "scatter_add"];
const TRANSCENDENTAL = ["exp", "log", "pow", "sin", "cos", "tan", "tanh", "atanh", "sinh", "cosh", "asinh", "sigmoid", "silu", "erf", "softmax", "log_softmax"];

export function webgpuTolerance(op: string): number {
  return TRANSCENDENTAL.includes(op) ? 1e-5 : SUMS.includes(op) ? 1e-6 : 0;
}

function hostFeeds(feeds: Readonly<Record<string, NDArray>>): Record<string, HostTensor> {
  return Object.fromEntries(Object.entries(feeds).map(([k, a]) => [k, { dtype: a.dtype, shape: a.shape, data: toTyped(a) as HostTensor["data"] }]));
}

function firstDifference(gpu: HostTensor, cpu: HostTensor, tol: number): string | undefined {
  if (gpu.dtype !== cpu.dtype || gpu.shape.join() !== cpu.shape.join()) return `${gpu.dtype}[${gpu.shape}] vs ${cpu.dtype}[${cpu.shape}]`;
  for (let i = 0; i < cpu.data.length; i++) {
    const a = gpu.data[i]!;
    const b = cpu.data[i]!;
    if (Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= tol * Math.max(1, Math.abs(b))) continue;
    return `element ${i}: webgpu ${a}, cpu ${b} (tolerance ${tol})`;
  }
  return undefined;
}

describeWebGpu("every primitive on the WebGPU provider agrees with the CPU provider", () => {
  PRIMITIVE_CASES.forEach((c, index) => {
    it(caseName(c), async () => {
      const graph = caseGraph(c);
      const model = lowerGraph(graph, { paramsAs: "initializers" });
      const feeds = hostFeeds(caseFeeds(c, 1000 + index));
      const cpuSession = await GraphSession.create(model);
      const cpu = await cpuSession.run(feeds);
      await cpuSession.release();
      const gpuSession = await GraphSession.create(model, { device: "webgpu", profile: true });
      const gpu = await gpuSession.run(feeds);
      const placement = gpuSession.placement();
      await gpuSession.release();

      const tol = webgpuTolerance(c.op);
      for (const out of graph.outputs) expect(firstDifference(gpu[out.name]!, cpu[out.name]!, tol), out.name).toBeUndefined();

      const node = graph.nodes[0]!;
      const expected = webgpuFallback(getPrimitive(c.op), graph.values[node.inputs[0] ?? node.outputs[0]!]!.dtype);
      const fallbacks = cpuFallbacks(placement).map((p) => `${p.op} on ${p.provider} (${p.inputTypes.join(", ")})`);
      if (expected === undefined) expect(fallbacks, "the registry says the WebGPU provider runs this; it fell back").toEqual([]);
      else expect(fallbacks.length, `the registry records a CPU fallback (${expected}), but everything ran on the GPU`).toBeGreaterThan(0);
    });
  });
});
