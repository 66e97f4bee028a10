// bench/train-step: one training step of the rectified-flow MLP (3 -> W -> W -> W -> 2, SiLU,
// Adam) in flowc (the compiled train_step.onnx in ONNX Runtime, data and noise drawn in JS) and
// in PyTorch eager (bench/pytorch/rectified_flow_step.py), on this machine, in one run, each at
// its best thread count. Prints the time per step, flowc's achieved GFLOP/s against a measured
// matmul peak, and — last line — `ratio flowc/pytorch: X.XX`.
//
//   npm run bench -- [--batch 256] [--width 256] [--steps 300]

import { execFileSync } from "node:child_process";
import * as ort from "onnxruntime-node";
import { compile } from "../compiler/compile.js";
import { hasErrors, renderDiagnostics } from "../compiler/diagnostics/index.js";
import { lowerGraph } from "../compiler/onnx/lower.js";
import { GraphBuilder } from "../compiler/ir/builder.js";
import { findTraining, initialState, trainStepGraph } from "../runtime/run.js";
import { Trainer } from "../runtime/trainer.js";
import { batchSource } from "../runtime/data/batches.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const batch = arg("batch", 256);
const width = arg("width", 256);
const steps = arg("steps", 300);
const warmup = arg("warmup", 50);

/** FLOPs of one step: forward matmuls (2·B·in·out each) and backward (twice that). */
function stepFlops(): number {
  const layers = [
    [3, width],
    [width, width],
    [width, width],
    [width, 2],
  ];
  const forward = layers.reduce((n, [i, o]) => n + 2 * batch * i! * o!, 0);
  return 3 * forward;
}

async function flowcMsPerStep(threads: number): Promise<number> {
  const compiled = compile({ entry: "specs/rectified-flow.flow", hyper: { width } });
  if (hasErrors(compiled.diagnostics)) throw new Error(renderDiagnostics(compiled.diagnostics, (p) => compiled.sources.get(p)));
  const training = { ...findTraining(compiled), batch };
  const { graph, onnx } = trainStepGraph(compiled, training);
  const batches = batchSource(training.data, () => {
    throw new Error("the bench trains on a data source, not on generated pairs");
  });
  const trainer = await Trainer.create(onnx, graph, training, batches, initialState(compiled, training), { threads });
  for (let i = 0; i < warmup; i++) await trainer.next();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await trainer.next();
    times.push(performance.now() - start);
  }
  await trainer.release();
  return median(times);
}

/** The machine's practical float32 peak: a large matmul in ONNX Runtime. */
async function matmulPeakGflops(threads: number): Promise<number> {
  const n = 1024;
  const b = new GraphBuilder("peak");
  const x = b.input("a", { dtype: "f32", shape: [new Map([["", n]]), new Map([["", n]])] }, "input");
  const y = b.input("b", { dtype: "f32", shape: [new Map([["", n]]), new Map([["", n]])] }, "input");
  b.output("c", b.emit1("matmul", [x, y]));
  const session = await ort.InferenceSession.create(lowerGraph(b.finish(), { paramsAs: "inputs" }), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const data = new Float32Array(n * n).map((_, i) => (i % 7) / 7);
  const feeds = { a: new ort.Tensor("float32", data, [n, n]), b: new ort.Tensor("float32", data, [n, n]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    await session.run(feeds);
    times.push(performance.now() - start);
  }
  await session.release();
  return (2 * n ** 3) / (Math.min(...times) / 1000) / 1e9;
}

function pytorchMsPerStep(threads: number): number | undefined {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const out = execFileSync(python, ["bench/pytorch/rectified_flow_step.py", "--batch", String(batch), "--width", String(width), "--steps", String(steps), "--warmup", String(warmup), "--threads", String(threads)], {
        env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
        stdio: ["ignore", "pipe", "ignore"],
      });
      return JSON.parse(out.toString().trim().split("\n").pop()!).ms_per_step;
    } catch {
      continue;
    }
  }
  return undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main() {
  console.log(`rectified-flow training step: MLP 3 -> ${width} x3 -> 2 (SiLU), Adam, batch ${batch}; ${steps} timed steps after ${warmup} warm-up`);
  const flowc: Record<number, number> = {};
  const torch: Record<number, number | undefined> = {};
  for (const threads of [1, 2]) {
    flowc[threads] = await flowcMsPerStep(threads);
    torch[threads] = pytorchMsPerStep(threads);
    console.log(`threads ${threads}: flowc ${flowc[threads]!.toFixed(3)} ms/step, pytorch ${torch[threads]?.toFixed(3) ?? "n/a"} ms/step`);
  }
  const bestFlowc = Math.min(flowc[1]!, flowc[2]!);
  const bestThreads = bestFlowc === flowc[1] ? 1 : 2;
  const peak = await matmulPeakGflops(bestThreads);
  const achieved = stepFlops() / (bestFlowc / 1000) / 1e9;
  console.log(`flowc best: ${bestFlowc.toFixed(3)} ms/step (${bestThreads} thread${bestThreads > 1 ? "s" : ""}), ${achieved.toFixed(1)} GFLOP/s of a ${peak.toFixed(1)} GFLOP/s matmul peak (${((100 * achieved) / peak).toFixed(0)}%)`);
  const torchTimes = Object.values(torch).filter((t): t is number => t !== undefined);
  if (torchTimes.length === 0) {
    console.log("ratio flowc/pytorch: n/a (PyTorch is not installed: apt-get install python3-torch)");
    return;
  }
  const bestTorch = Math.min(...torchTimes);
  console.log(`pytorch best: ${bestTorch.toFixed(3)} ms/step`);
  console.log(`ratio flowc/pytorch: ${(bestFlowc / bestTorch).toFixed(2)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
