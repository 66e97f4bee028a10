// bench/profile-step: where the time of one rectified-flow training step goes, by ONNX op type,
// from ONNX Runtime's own profiler (kernel times summed over the timed steps).
//
//   npm run build && node dist/bench/profile-step.js [--batch 256] [--width 256] [--steps 200]

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { compile } from "../compiler/compile.js";
import { hasErrors, renderDiagnostics } from "../compiler/diagnostics/index.js";
import { findTraining, initialState, trainStepGraph } from "../runtime/run.js";
import { allocateBatch, batchSource } from "../runtime/data/batches.js";
import { RandomStream } from "../compiler/artifacts/rng.js";
import { batchShape } from "../compiler/artifacts/pipeline.js";
import { toOrt } from "../runtime/onnx.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const batch = arg("batch", 256);
const width = arg("width", 256);
const steps = arg("steps", 200);

const compiled = compile({ entry: "specs/rectified-flow.flow", hyper: { width } });
if (hasErrors(compiled.diagnostics)) throw new Error(renderDiagnostics(compiled.diagnostics, (p) => compiled.sources.get(p)));
const training = { ...findTraining(compiled), batch };
const { graph, onnx } = trainStepGraph(compiled, training);
const dir = mkdtempSync(join(tmpdir(), "flowc-profile-"));
const session = await ort.InferenceSession.create(onnx, {
  executionProviders: ["cpu"],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
  enableProfiling: true,
  profileFilePrefix: join(dir, "p"),
});
const initial = initialState(compiled, training);
const batches = batchSource(training.data, () => {
  throw new Error("no pairs");
});
const data = allocateBatch(batches.tensors, batch);
const stream = RandomStream.derive(0, "data");
const feeds: Record<string, ort.Tensor> = {};
for (const input of graph.inputs) {
  if (input.role === "input") continue;
  if (input.role === "noise") {
    const shape = input.shape.map((s) => (typeof s === "number" ? s : batch));
    feeds[input.name] = new ort.Tensor("float32", new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape);
  } else if (input.role === "hyper") feeds[input.name] = new ort.Tensor("float32", Float32Array.of(input.default ?? 1e-3), []);
  else feeds[input.name] = toOrt(initial[input.name]!);
}
const batchInputs = graph.inputs.filter((i) => i.role === "input");
let wall = 0;
for (let s = 0; s < steps; s++) {
  await batches.fill(stream, batch, data);
  batchInputs.forEach((i, k) => {
    const t = batches.tensors[k]!;
    feeds[i.name] = t.dtype === "f32" ? new ort.Tensor("float32", data[k] as Float32Array, batchShape(t, batch)) : new ort.Tensor("int32", data[k] as Int32Array, [batch]);
  });
  const t0 = performance.now();
  await session.run(feeds);
  wall += performance.now() - t0;
}
session.endProfiling();
const file = readdirSync(dir).find((f) => f.endsWith(".json"))!;
const events = JSON.parse(readFileSync(join(dir, file), "utf8")) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
rmSync(dir, { recursive: true, force: true });
const byOp = new Map<string, { us: number; count: number }>();
let kernel = 0;
for (const e of events) {
  if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
  const op = e.args?.op_name ?? "?";
  const entry = byOp.get(op) ?? { us: 0, count: 0 };
  entry.us += e.dur;
  entry.count += 1;
  byOp.set(op, entry);
  kernel += e.dur;
}
console.log(`batch ${batch}, width ${width}: ${(wall / steps).toFixed(3)} ms/step run() wall, ${(kernel / steps / 1000).toFixed(3)} ms/step in kernels`);
for (const [op, { us, count }] of [...byOp].sort((a, b) => b[1].us - a[1].us))
  console.log(`${op.padEnd(22)} ${(us / steps / 1000).toFixed(3)} ms/step  ${(count / steps).toFixed(0).padStart(4)} nodes  ${((100 * us) / kernel).toFixed(1)}%`);
