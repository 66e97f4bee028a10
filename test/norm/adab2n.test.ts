// AdaB²N (std/norm.flow) against a float64 transcription of its reference code.
//
// test/fixtures/reference/adab2n.json is written by bench/reference/adab2n.py: a NumPy float64
// transcription, forward and backward written out by hand, of lvyilin/AdaB2N's
// models/utils/adab2n.py (class AdaB2N: get_eta, training_forward, eval_forward) with the task
// counts of models/er_ace_ada.py's set_counts, checked there against the original class run by
// torch in float64 (largest difference 8.4e-16 of the array's scale). Three variants of the
// modified momentum (κ = 0.4: the recursion; κ = 0: the cumulative average; κ = 1: BatchNorm's
// EMA) run the same four training iterations: the first task (plain batch statistics), every
// task present, a task absent from the batch (Σ w_i < 1), and a later task that brings in the
// last ω. Each records y, L_bn, the gradients of J = Σ y R + L_bn with respect to x, γ, β and ω,
// and the state after the step (running statistics, batch counter); then an evaluation-mode
// forward.
//
// The probe makes each input a parameter, so that one SGD step with lr = 2^16 returns
// x − 2^16 x̄, stores y and L_bn in states so that the training step returns them, and feeds R,
// the task of each sample and the current task as states by name. The fixture is B x H x W x C
// (channels last, as flowc's layers take them). The steps run in the float64 reference
// interpreter (which rounds f32 constants to float32 as ONNX does) and in ONNX Runtime (float32).
//
// Tolerance criterion, element by element: |a − b| ≤ tol · max(|b|, 1e-3 · max_j |b_j|) (a zero
// difference passes, so counters and ω's zero gradients are compared exactly), tol = 1e-5 in both
// engines; the test prints the worst error of every quantity. Measured worst: interpreter 5.1e-7
// (the eval output, from the momentum rounded to float32), ONNX Runtime 9.2e-6 (ω̄ with κ = 1;
// y 4.5e-6, x̄ 5.1e-6). The fixture's inputs keep per-sample offsets moderate so that float32
// rounding of x, amplified by the cancellation in x − μ, stays below 1e-5 of y.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectClose, worstErrors } from "../relative-error.js";
import {
  hasErrors,
  renderDiagnostics,
} from "../../compiler/diagnostics/index.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { compileOk } from "../compiled.js";
import { ortRunner, runInterpreter, type Arrays } from "../graph-engines.js";

const TOL = 1e-5;
const LR = 2 ** 16;

type Nested = number | Nested[];

interface Record_ {
  y: Nested;
  xbar: Nested;
  gammabar: number[];
  betabar: number[];
  omegabar: number[];
  running_mean: number[];
  running_var: number[];
  num_batches_tracked: number;
  loss_bn: number;
}
interface Fixture {
  config: {
    B: number;
    C: number;
    H: number;
    W: number;
    num_tasks: number;
    momentum: number;
    eps: number;
  };
  omega: number[];
  gamma: number[];
  beta: number[];
  schedule: { current: number; tasks: number[] }[];
  inputs: { x: Nested; R: Nested }[];
  variants: Record<
    "kappa04" | "kappa0" | "kappa1",
    { kappa: number; iterations: Record_[]; y_eval: Nested }
  >;
}

const fx = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "..", "fixtures", "reference", "adab2n.json"),
    "utf8",
  ),
) as Fixture;
const { B, C, H, W, num_tasks, momentum, eps } = fx.config;
const VARIANTS = ["kappa04", "kappa0", "kappa1"] as const;

const flat = (n: Nested): number[] =>
  Array.isArray(n) ? n.flatMap(flat) : [n];
const f32 = (shape: readonly number[], values: readonly number[]): NDArray => ({
  dtype: "f32",
  shape: [...shape],
  data: Float64Array.from(values),
});
const i32 = (shape: readonly number[], values: readonly number[]): NDArray => ({
  dtype: "i32",
  shape: [...shape],
  data: Float64Array.from(values),
});
const X = [B, H, W, C];

const record = worstErrors(
  "AdaB²N worst relative errors (|a − b| / max(|b|, 1e-3 max|b|))",
  40,
);

const expectFixture = (
  actual: ArrayLike<number>,
  expected: readonly number[],
  what: string,
  bucket: string,
) => void expectClose(actual, expected, TOL, what, 1e-3, record(bucket));

const SPEC = `
use std.norm.AdaB2N
use std.optim.sgd
data moons = toy.moons()
model probe {
  state R: f32[${X}] = 0.0
  state task: i32[${B}] = 0
  state current: i32 = 0
${VARIANTS.map(
  (v) => `  param x_${v}: f32[${X}] = 0.0
  state y_${v}: f32[${X}] = 0.0
  state loss_${v}: f32 = 0.0
  norm_${v} = AdaB2N(${C}, ${num_tasks}, kappa: ${fx.variants[v].kappa.toFixed(1)}, momentum: ${momentum}, eps: ${eps})`,
).join("\n")}
  fn (v: f32[N, ${H}, ${W}, ${C}]) -> (${VARIANTS.map(() => `f32[N, ${H}, ${W}, ${C}]`).join(", ")}) = (${VARIANTS.map((v) => `norm_${v}.plain(v)`).join(", ")})
  loss (unused: f32[M, 2]) {
${VARIANTS.map((v) => `    let (out_${v}, l_${v}) = norm_${v}(x_${v}, task, current)\n    set y_${v} = out_${v}\n    set loss_${v} = l_${v}`).join("\n")}
    ${VARIANTS.map((v) => `sum(out_${v} * R) + l_${v}`).join(" + ")}
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`;

const STATE = VARIANTS.flatMap((v) =>
  ["running_mean", "running_var", "num_batches_tracked", "last_eta"].map(
    (s) => `norm_${v}.${s}`,
  ),
);

type Engine = (g: Graph, feeds: Arrays) => Promise<Arrays>;
const interpreter: Engine = runInterpreter;
const ortEngine = ortRunner;

const params: Arrays = Object.fromEntries(
  VARIANTS.flatMap((v) => [
    [`norm_${v}.gamma`, f32([C], fx.gamma)],
    [`norm_${v}.beta`, f32([C], fx.beta)],
    [`norm_${v}.task_weight`, f32([num_tasks], fx.omega)],
  ]),
);

function feeds(k: number): Arrays {
  const { current, tasks } = fx.schedule[k]!;
  return {
    ...Object.fromEntries(
      VARIANTS.map((v) => [`x_${v}`, f32(X, flat(fx.inputs[k]!.x))]),
    ),
    R: f32(X, flat(fx.inputs[k]!.R)),
    task: i32([B], tasks),
    current: i32([], [current]),
    unused: f32([1, 2], [0, 0]),
    step: f32([], [1]),
    "optimizer.lr": f32([], [LR]),
    ...params,
  };
}

/** The gradient that an SGD step with lr = LR applied; ORT steps from the float32 rounding of the input. */
const gradOf = (before: NDArray, after: NDArray, float32: boolean): number[] =>
  Array.from(
    before.data,
    (v, i) => ((float32 ? Math.fround(v) : v) - after.data[i]!) / LR,
  );

/** Runs the four steps in one engine and checks every recorded number; returns the final state. */
async function checkSteps(
  step: Graph,
  run: Engine,
  tag: string,
): Promise<Arrays> {
  let state: Arrays = {};
  for (let k = 0; k < fx.schedule.length; k++) {
    const input = { ...feeds(k), ...state };
    const out = await run(step, input);
    for (const v of VARIANTS) {
      const e = fx.variants[v].iterations[k]!;
      const at = `${v} step ${k + 1}`;
      const check = (
        what: string,
        actual: ArrayLike<number>,
        expected: readonly number[],
      ) =>
        expectFixture(
          actual,
          expected,
          `${at} ${what} (${tag})`,
          `${v} ${what} (${tag})`,
        );
      check("y", out[`y_${v}.next`]!.data, flat(e.y));
      check("L_bn", out[`loss_${v}.next`]!.data, [e.loss_bn]);
      check(
        "x̄",
        gradOf(input[`x_${v}`]!, out[`x_${v}.next`]!, tag === "ORT"),
        flat(e.xbar),
      );
      check(
        "γ̄",
        gradOf(
          input[`norm_${v}.gamma`]!,
          out[`norm_${v}.gamma.next`]!,
          tag === "ORT",
        ),
        e.gammabar,
      );
      check(
        "β̄",
        gradOf(
          input[`norm_${v}.beta`]!,
          out[`norm_${v}.beta.next`]!,
          tag === "ORT",
        ),
        e.betabar,
      );
      check(
        "ω̄",
        gradOf(
          input[`norm_${v}.task_weight`]!,
          out[`norm_${v}.task_weight.next`]!,
          tag === "ORT",
        ),
        e.omegabar,
      );
      check(
        "running_mean",
        out[`norm_${v}.running_mean.next`]!.data,
        e.running_mean,
      );
      check(
        "running_var",
        out[`norm_${v}.running_var.next`]!.data,
        e.running_var,
      );
      expect(
        out[`norm_${v}.num_batches_tracked.next`]!.data[0],
        `${at} num_batches_tracked`,
      ).toBe(e.num_batches_tracked);
    }
    state = Object.fromEntries(
      STATE.map((name) => [name, out[`${name}.next`]!]),
    );
  }
  return state;
}

async function checkEval(
  evalForward: Graph,
  run: Engine,
  state: Arrays,
  tag: string,
): Promise<void> {
  const out = await run(evalForward, {
    v: f32(X, flat(fx.inputs[fx.inputs.length - 1]!.x)),
    ...params,
    ...state,
  });
  VARIANTS.forEach((v, i) =>
    expectFixture(
      out[`output.${i}`]!.data,
      flat(fx.variants[v].y_eval),
      `${v} eval y (${tag})`,
      `${v} eval y (${tag})`,
    ),
  );
}

describe("AdaB²N (std/norm.flow) against lvyilin/AdaB2N (float64 transcription)", () => {
  const result = compileOk({
    entry: "test/adab2n-probe.flow",
    text: SPEC,
    stage: "ir",
  });
  const step = result.trainings[0]!.trainStep;
  const evalForward = result.graphs.find((g) => g.fn === "forward")!.graph;

  it("matches y, L_bn, x̄, γ̄, β̄, ω̄ and the running statistics over four steps for κ = 0.4, 0 and 1, and the eval output, in the interpreter", async () => {
    const state = await checkSteps(step, interpreter, "interpreter");
    await checkEval(evalForward, interpreter, state, "interpreter");
  });

  it("runs the same steps in ONNX Runtime (float32) to the same tolerance", async () => {
    const ort = ortEngine();
    const state = await checkSteps(step, ort, "ORT");
    await checkEval(evalForward, ort, state, "ORT");
  });

  it("learns ω (a parameter) and keeps the running statistics as state that only training updates", () => {
    expect(
      step.inputs.find((i) => i.name === "norm_kappa04.task_weight")?.role,
    ).toBe("param");
    expect(evalForward.outputs.some((o) => o.role === "state")).toBe(false);
    expect(
      result.trainings[0]!.eval.outputs.some((o) => o.role === "state"),
    ).toBe(false);
  });
});

// The mechanisms, as /work/shared/papers/layers.md §2 states them (exact consequences of the
// formulas, not fixture numbers): the modified momentum interpolates between the cumulative average
// (κ = 0) and BatchNorm's EMA (κ = 1), and the Bayesian weights give each task the share
// (exp(ω_τ) + n_τ) / Σ (exp(ω) + n).
describe("AdaB²N's mechanisms", () => {
  const mechanisms = compileOk({
    entry: "test/adab2n-mechanisms.flow",
    text: `
use std.norm.AdaB2N
use std.optim.sgd
data moons = toy.moons()
model probe {
  state x: f32[20, 4] = 0.0
  state task: i32[20] = 0
  state current: i32 = 0
  cumulative = AdaB2N(4, 4, kappa: 0.0)
  ema = AdaB2N(4, 4, kappa: 1.0)
  between = AdaB2N(4, 4, kappa: 0.4)
  loss (unused: f32[M, 2]) {
    let (a, la) = cumulative(x, task, current)
    let (b, lb) = ema(x, task, current)
    let (c, lc) = between(x, task, current)
    sum(a + b + c) + la + lb + lc
  }
}
train probe on moons { optimizer: sgd(lr: 0.0), steps: 1 }
`,
    stage: "ir",
  });
  if (hasErrors(mechanisms.diagnostics))
    throw new Error(
      renderDiagnostics(mechanisms.diagnostics, (p) =>
        mechanisms.sources.get(p),
      ),
    );
  const probe = mechanisms.trainings[0]!.trainStep;
  const layers = ["cumulative", "ema", "between"] as const;
  const common = {
    unused: f32([1, 2], [0, 0]),
    step: f32([], [1]),
    "optimizer.lr": f32([], [0]),
  };

  it("recency: after 200 batches of mean +1 and 200 of mean −1, κ = 0 remembers both (running mean 0) and κ = 1 only the last (−1); 0 < κ < 1 is an EMA of momentum 1 − (1 − m)^κ in the long run", async () => {
    const ort = ortEngine();
    let state: Arrays = {};
    const batch = (sign: number) =>
      f32(
        [20, 4],
        Array.from(
          { length: 80 },
          (_, k) => sign + (Math.floor(k / 4) % 2 === 0 ? 0.5 : -0.5),
        ),
      );
    const means: Record<number, Record<string, number[]>> = {};
    for (let s = 1; s <= 400; s++) {
      const out = await ort(probe, {
        ...common,
        x: batch(s <= 200 ? 1 : -1),
        ...state,
      });
      state = Object.fromEntries(
        layers.flatMap((l) =>
          [
            "running_mean",
            "running_var",
            "num_batches_tracked",
            "last_eta",
          ].map((k) => [`${l}.${k}`, out[`${l}.${k}.next`]!]),
        ),
      );
      means[s] = Object.fromEntries(
        layers.map((l) => [l, Array.from(out[`${l}.running_mean.next`]!.data)]),
      );
      if (s === 400)
        // The running variance is the biased batch variance (0.25), averaged the same way.
        for (const v of Array.from(out["cumulative.running_var.next"]!.data))
          expect(Math.abs(v - 0.25)).toBeLessThan(0.01);
    }
    for (const v of means[400]!["cumulative"]!)
      expect(Math.abs(v)).toBeLessThan(0.01);
    for (const v of means[400]!["ema"]!)
      expect(Math.abs(v + 1)).toBeLessThan(0.01);
    // Ten batches after the switch, an EMA of momentum η has moved 1 − (1 − η)^10 of the way from
    // +1 to −1: η = 0.1 for κ = 1; η → 1 − 0.9^0.4 = 0.041 for κ = 0.4 (a longer memory).
    const after10 = (eta: number) => 1 - 2 * (1 - (1 - eta) ** 10);
    for (const v of means[210]!["ema"]!)
      expect(Math.abs(v - after10(0.1))).toBeLessThan(1e-4);
    for (const v of means[210]!["between"]!)
      expect(Math.abs(v - after10(1 - 0.9 ** 0.4))).toBeLessThan(1e-3);
  });

  it("balance: with ω = 0 and 10 current samples and 4, 3, 3 of three earlier tasks, task τ's share of the statistics is (1 + n_τ) / Σ (1 + n)", () => {
    // Sample i carries the indicator of its task in the channels, so μ_c = Σ_{τ(i) = c} w_i, and
    // κ = 0 makes the first step's running mean μ itself (η_1 = 1).
    const tasks = [...Array(10).fill(3), 0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    const x = f32(
      [20, 4],
      tasks.flatMap((t) => [0, 1, 2, 3].map((c) => (c === t ? 1 : 0))),
    );
    const out = interpret(probe, {
      ...common,
      x,
      task: i32([20], tasks),
      current: i32([], [3]),
    });
    const n = [4, 3, 3, 10];
    const total = n.reduce((a, b) => a + b + 1, 0);
    const shares = Array.from(out["cumulative.running_mean.next"]!.data);
    shares.forEach((share, c) =>
      expect(Math.abs(share - (1 + n[c]!) / total)).toBeLessThan(1e-7),
    );
    // Plain BatchNorm would give the current task 10 / 20 of the weight; AdaB²N gives it 11 / 24.
    expect(shares[3]).toBeLessThan(0.5);
  });
});
