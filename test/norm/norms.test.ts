// LayerNorm (std/nn.flow), RMSNorm, BatchNorm and Unified Normalization (std/norm.flow) against
// float64 transcriptions of their reference code.
//
// test/fixtures/reference/norms-*.json are written by bench/reference/norms.py: NumPy float64
// transcriptions, forward and backward written out by hand, of torch.nn.LayerNorm,
// bzhangGo/rmsnorm's RMSNorm, torch.nn.BatchNorm1d and hikvision-research/Unified-Normalization's
// UN1d (UN2dFunction), each checked there against the original run by torch in float64 (largest
// difference 6.6e-16 of the array's scale). Per layer: three or more training iterations, each
// recording y, the input gradient x̄, the gradients of the affine parameters and the layer state
// after the step, then an evaluation-mode forward. UN has four scenarios (the fixture's notes and
// norms.py say which branches each covers: the outlier filtration, the window boundaries, the
// first filtered step, the clamped gradient compensation r after step 1000 from a preset state)
// and the Linear layer that folds eval-mode UN into the Linear before it.
//
// The probe models make each fixture input a parameter, so that one SGD step with lr = 2^16
// returns x − 2^16 x̄ (a power of two, large enough that x̄ = (x − x.next) / 2^16 keeps float32
// precision even where x is 100 times x̄'s scale, as in UN's outlier batches), store y in a state
// so that the training step returns it, and take the cotangent ȳ (and UN's padding mask) as states
// fed by name. The steps run in the float64 reference interpreter, which rounds f32 constants to
// float32 as ONNX does (0.9 → 0.89999998), and in ONNX Runtime (float32).
//
// Tolerance criterion, element by element: |a − b| ≤ tol · max(|b|, 1e-3 · max_j |b_j|) (a zero
// difference passes, so counters are compared exactly), with tol = 1e-5 for the interpreter
// against the fixture (measured worst: 1.8e-6, BatchNorm's eval output, from momentum 0.1 rounded
// to float32), and 1e-4 for ONNX Runtime against the fixture and against the interpreter: float32
// rounding in the input gradients (x̄ = (u − mean u − x̂ mean(u x̂)) / σ cancels) reaches 3.4e-5
// (LayerNorm; RMSNorm 2.8e-5, UN 1.5e-5, BatchNorm 1.4e-5). The test prints the worst error of
// every quantity. The fold test compares the folded Linear with eval-mode UN after the Linear at
// 1e-5 in both engines.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectClose, worstErrors } from "../relative-error.js";
import type { Graph } from "../../compiler/ir/graph.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { compileOk } from "../compiled.js";
import { ortRunner, runInterpreter, type Arrays } from "../graph-engines.js";

const REFERENCE_TOL = 1e-5;
const ORT_TOL = 1e-4;
const ORT_FIXTURE_TOL = 1e-4;
const LR = 2 ** 16;

type Nested = number | Nested[];

const fixture = <T>(name: string): T =>
  JSON.parse(
    readFileSync(
      join(import.meta.dirname, "..", "fixtures", "reference", name),
      "utf8",
    ),
  ) as T;
const flat = (n: Nested): number[] =>
  Array.isArray(n) ? n.flatMap(flat) : [n];
const shapeOf = (n: Nested): number[] =>
  Array.isArray(n) ? [n.length, ...shapeOf(n[0]!)] : [];
const f32 = (shape: readonly number[], values: readonly number[]): NDArray => ({
  dtype: "f32",
  shape: [...shape],
  data: Float64Array.from(values),
});
const arr = (n: Nested): NDArray => f32(shapeOf(n), flat(n));
const scalar = (v: number) => f32([], [v]);

/** Worst relative error per quantity and engine, printed at the end (the numbers of the report). */
const record = worstErrors(
  "worst relative errors (criterion |a − b| / max(|b|, 1e-3 max|b|))",
  48,
);

const expectFixture = (
  actual: ArrayLike<number>,
  expected: readonly number[],
  tol: number,
  what: string,
  bucket: string,
) => void expectClose(actual, expected, tol, what, 1e-3, record(bucket));

function compileSpec(name: string, text: string) {
  return compileOk({ entry: `test/${name}.flow`, text, stage: "ir" });
}

/** The gradient that an SGD step with lr = LR applied to a parameter fed as `before`. */
const gradOf = (before: NDArray, after: NDArray): number[] =>
  Array.from(before.data, (v, i) => (v - after.data[i]!) / LR);

type Engine = {
  name: "interpreter" | "ORT";
  run(g: Graph, feeds: Arrays): Promise<Arrays>;
};
const interpreter: Engine = { name: "interpreter", run: runInterpreter };
const ortEngine = (): Engine => ({ name: "ORT", run: ortRunner() });

/** What a step is checked on: derived numbers (outputs, gradients) by name. */
type Quantities = Record<string, ArrayLike<number>>;

interface Probe {
  readonly what: string;
  readonly step: Graph;
  readonly iterations: number;
  /** The feeds of step k (without the state, which is carried from step to step). */
  feeds(k: number): Arrays;
  /** Layer state carried from one step to the next (`<name>.next` → `<name>`). */
  readonly state: readonly string[];
  readonly initialState?: Arrays;
  /** The quantities of step k from the step's inputs and outputs: y, gradients, state. */
  derive(out: Arrays, input: Arrays): Quantities;
  /** The same quantities from the fixture. */
  expected(k: number): Record<string, readonly number[]>;
}

/** Runs the probe's steps in one engine, feeding each step's state outputs back as inputs. */
async function runSteps(
  engine: Engine,
  p: Probe,
): Promise<{ state: Arrays; quantities: Quantities[] }> {
  let state: Arrays = { ...p.initialState };
  const quantities: Quantities[] = [];
  for (let k = 0; k < p.iterations; k++) {
    const input = {
      step: scalar(1),
      "optimizer.lr": scalar(LR),
      ...p.feeds(k),
      ...state,
    };
    const out = await engine.run(p.step, input);
    quantities.push(p.derive(out, input));
    state = Object.fromEntries(
      p.state.map((name) => [name, out[`${name}.next`]!]),
    );
  }
  return { state, quantities };
}

function checkAgainstFixture(
  p: Probe,
  got: Quantities[],
  tol: number,
  tag: string,
) {
  got.forEach((q, k) => {
    for (const [name, expected] of Object.entries(p.expected(k)))
      expectFixture(
        q[name]!,
        expected,
        tol,
        `${p.what} step ${k + 1} ${name}`,
        `${p.what} ${name} (${tag})`,
      );
  });
}

/** The interpreter's steps against the fixture; returns the state after them. */
async function checkInterpreter(p: Probe): Promise<Arrays> {
  const run = await runSteps(interpreter, p);
  checkAgainstFixture(p, run.quantities, REFERENCE_TOL, "interpreter");
  return run.state;
}

/** ONNX Runtime's steps against the fixture and against the interpreter's; returns the state after them. */
async function checkOrt(p: Probe, ort: Engine): Promise<Arrays> {
  const reference = await runSteps(interpreter, p);
  const run = await runSteps(ort, p);
  checkAgainstFixture(p, run.quantities, ORT_FIXTURE_TOL, "ORT vs fixture");
  run.quantities.forEach((q, k) => {
    for (const name of Object.keys(p.expected(k)))
      expectFixture(
        q[name]!,
        Array.from(reference.quantities[k]![name]!),
        ORT_TOL,
        `${p.what} step ${k + 1} ${name}: ORT vs interpreter`,
        `${p.what} ${name} (ORT vs interpreter)`,
      );
  });
  return run.state;
}

// ================================================================ LayerNorm

interface LayerNormFixture {
  config: { B: number; T: number; C: number; eps: number };
  gamma: number[];
  beta: number[];
  iterations: {
    x: Nested;
    ybar: Nested;
    y: Nested;
    xbar: Nested;
    gammabar: number[];
    betabar: number[];
  }[];
  y_eval: Nested;
}

describe("LayerNorm (std/nn.flow) against torch.nn.LayerNorm (float64 transcription)", () => {
  const fx = fixture<LayerNormFixture>("norms-layernorm.json");
  const { B, T, C, eps } = fx.config;
  const result = compileSpec(
    "layernorm-probe",
    `
use std.nn.LayerNorm
use std.optim.sgd
data moons = toy.moons()
model probe {
  param x: f32[${B}, ${T}, ${C}] = 0.0
  state ybar: f32[${B}, ${T}, ${C}] = 0.0
  state y: f32[${B}, ${T}, ${C}] = 0.0
  norm = LayerNorm(${C}, eps: ${eps})
  fn (v: f32[N, ${T}, ${C}]) -> f32[N, ${T}, ${C}] = norm(v)
  loss (unused: f32[M, 2]) {
    let out = norm(x)
    set y = out
    sum(out * ybar)
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`,
  );
  const step = result.trainings[0]!.trainStep;
  const evalForward = result.graphs.find((g) => g.fn === "forward")!.graph;
  const params = {
    "norm.gamma": f32([C], fx.gamma),
    "norm.beta": f32([C], fx.beta),
  };
  const probe: Probe = {
    what: "LayerNorm",
    step,
    iterations: fx.iterations.length,
    feeds: (k) => ({
      x: arr(fx.iterations[k]!.x),
      ybar: arr(fx.iterations[k]!.ybar),
      unused: f32([1, 2], [0, 0]),
      ...params,
    }),
    state: [],
    derive: (out, input) => ({
      y: out["y.next"]!.data,
      x̄: gradOf(input["x"]!, out["x.next"]!),
      γ̄: gradOf(input["norm.gamma"]!, out["norm.gamma.next"]!),
      β̄: gradOf(input["norm.beta"]!, out["norm.beta.next"]!),
    }),
    expected: (k) => {
      const it = fx.iterations[k]!;
      return { y: flat(it.y), x̄: flat(it.xbar), γ̄: it.gammabar, β̄: it.betabar };
    },
  };
  const evalFeeds = {
    v: arr(fx.iterations[fx.iterations.length - 1]!.x),
    ...params,
  };

  it("matches y, x̄, γ̄ and β̄ over three steps, and the eval output, in the interpreter", async () => {
    await checkInterpreter(probe);
    expectFixture(
      (await interpreter.run(evalForward, evalFeeds))["output"]!.data,
      flat(fx.y_eval),
      REFERENCE_TOL,
      "eval y",
      "LayerNorm eval y (interpreter)",
    );
  });

  it("runs the same steps in ONNX Runtime (float32)", async () => {
    const ort = ortEngine();
    await checkOrt(probe, ort);
    expectFixture(
      (await ort.run(evalForward, evalFeeds))["output"]!.data,
      flat(fx.y_eval),
      ORT_FIXTURE_TOL,
      "ORT eval y",
      "LayerNorm eval y (ORT vs fixture)",
    );
  });
});

// ================================================================ RMSNorm

interface RMSNormFixture {
  config: { B: number; T: number; C: number };
  scale: number[];
  offset: number[];
  variants: Record<
    "full" | "bias" | "partial" | "large_eps",
    {
      p: number;
      bias: boolean;
      eps: number;
      iterations: {
        x: Nested;
        ybar: Nested;
        y: Nested;
        xbar: Nested;
        scalebar: number[];
        offsetbar?: number[];
      }[];
      y_eval: Nested;
    }
  >;
}

describe("RMSNorm (std/norm.flow) against bzhangGo/rmsnorm (float64 transcription)", () => {
  const fx = fixture<RMSNormFixture>("norms-rmsnorm.json");
  const { B, T, C } = fx.config;
  const variants = ["full", "bias", "partial", "large_eps"] as const;
  const args = (v: (typeof variants)[number]) => {
    const { p, bias, eps } = fx.variants[v];
    return `eps: ${eps}${bias ? ", bias: true" : ""}${p >= 0 && p <= 1 ? `, p: ${p}` : ""}`;
  };
  const result = compileSpec(
    "rmsnorm-probe",
    `
use std.norm.RMSNorm
use std.optim.sgd
data moons = toy.moons()
model probe {
${variants
  .map(
    (v) => `  param x_${v}: f32[${B}, ${T}, ${C}] = 0.0
  state y_${v}: f32[${B}, ${T}, ${C}] = 0.0
  norm_${v} = RMSNorm(${C}, ${args(v)})`,
  )
  .join("\n")}
  state ybar: f32[${B}, ${T}, ${C}] = 0.0
  fn (v: f32[N, ${T}, ${C}]) -> (${variants.map(() => `f32[N, ${T}, ${C}]`).join(", ")}) = (${variants.map((v) => `norm_${v}(v)`).join(", ")})
  loss (unused: f32[M, 2]) {
${variants.map((v) => `    let out_${v} = norm_${v}(x_${v})\n    set y_${v} = out_${v}`).join("\n")}
    sum((${variants.map((v) => `out_${v}`).join(" + ")}) * ybar)
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`,
  );
  const step = result.trainings[0]!.trainStep;
  const evalForward = result.graphs.find((g) => g.fn === "forward")!.graph;
  const params: Arrays = {
    "norm_full.gamma": f32([C], fx.scale),
    "norm_bias.gamma": f32([C], fx.scale),
    "norm_bias.beta": f32([C], fx.offset),
    "norm_partial.gamma": f32([C], fx.scale),
    "norm_large_eps.gamma": f32([C], fx.scale),
  };
  const probe: Probe = {
    what: "RMSNorm",
    step,
    iterations: 3,
    feeds: (k) => ({
      ...Object.fromEntries(
        variants.map((v) => [`x_${v}`, arr(fx.variants[v].iterations[k]!.x)]),
      ),
      ybar: arr(fx.variants.full.iterations[k]!.ybar),
      unused: f32([1, 2], [0, 0]),
      ...params,
    }),
    state: [],
    derive: (out, input) => {
      const q: Quantities = {};
      for (const v of variants) {
        q[`${v} y`] = out[`y_${v}.next`]!.data;
        q[`${v} x̄`] = gradOf(input[`x_${v}`]!, out[`x_${v}.next`]!);
        q[`${v} γ̄ (scale)`] = gradOf(
          input[`norm_${v}.gamma`]!,
          out[`norm_${v}.gamma.next`]!,
        );
        if (`norm_${v}.beta` in input)
          q[`${v} β̄ (offset)`] = gradOf(
            input[`norm_${v}.beta`]!,
            out[`norm_${v}.beta.next`]!,
          );
      }
      return q;
    },
    expected: (k) => {
      const e: Record<string, readonly number[]> = {};
      for (const v of variants) {
        const it = fx.variants[v].iterations[k]!;
        Object.assign(e, {
          [`${v} y`]: flat(it.y),
          [`${v} x̄`]: flat(it.xbar),
          [`${v} γ̄ (scale)`]: it.scalebar,
        });
        if (it.offsetbar) e[`${v} β̄ (offset)`] = it.offsetbar;
      }
      return e;
    },
  };
  const evalFeeds = { v: arr(fx.variants.full.iterations[2]!.x), ...params };
  const checkEval = (out: Arrays, tol: number, tag: string) =>
    variants.forEach((v, i) =>
      expectFixture(
        out[`output.${i}`]!.data,
        flat(fx.variants[v].y_eval),
        tol,
        `${v} eval y`,
        `RMSNorm eval y (${tag})`,
      ),
    );

  it("has a gain, an offset only with bias, and reads the first int(d p) channels for partial RMSNorm", () => {
    expect(
      step.inputs
        .map((i) => i.name)
        .filter((n) => n.startsWith("norm_") && !n.startsWith("optimizer")),
    ).toEqual(
      expect.arrayContaining([
        "norm_full.gamma",
        "norm_bias.gamma",
        "norm_bias.beta",
        "norm_partial.gamma",
        "norm_large_eps.gamma",
      ]),
    );
    expect(
      step.inputs.some(
        (i) => i.name === "norm_full.beta" || i.name === "norm_partial.beta",
      ),
    ).toBe(false);
  });

  it("matches y, x̄, γ̄ (and β̄ with bias) for the full, offset, partial and large-eps variants over three steps, and the eval output, in the interpreter", async () => {
    await checkInterpreter(probe);
    checkEval(
      await interpreter.run(evalForward, evalFeeds),
      REFERENCE_TOL,
      "interpreter",
    );
  });

  it("runs the same steps in ONNX Runtime (float32)", async () => {
    const ort = ortEngine();
    await checkOrt(probe, ort);
    checkEval(
      await ort.run(evalForward, evalFeeds),
      ORT_FIXTURE_TOL,
      "ORT vs fixture",
    );
  });
});

// ================================================================ BatchNorm

interface BatchNormFixture {
  config: {
    C: number;
    B2: number;
    B3: number;
    T3: number;
    momentum: number;
    eps: number;
  };
  gamma: number[];
  beta: number[];
  cases: Record<
    "2d" | "3d",
    {
      iterations: {
        x: Nested;
        ybar: Nested;
        y: Nested;
        xbar: Nested;
        gammabar: number[];
        betabar: number[];
        running_mean: number[];
        running_var: number[];
        num_batches_tracked: number;
      }[];
      x_eval: Nested;
      y_eval: Nested;
    }
  >;
}

describe("BatchNorm (std/norm.flow) against torch.nn.BatchNorm1d (float64 transcription)", () => {
  const fx = fixture<BatchNormFixture>("norms-batchnorm.json");
  const { C, B2, B3, T3, momentum, eps } = fx.config;
  const result = compileSpec(
    "batchnorm-probe",
    `
use std.norm.BatchNorm
use std.optim.sgd
data moons = toy.moons()
model probe {
  param x2: f32[${B2}, ${C}] = 0.0
  param x3: f32[${B3}, ${T3}, ${C}] = 0.0
  state ybar2: f32[${B2}, ${C}] = 0.0
  state ybar3: f32[${B3}, ${T3}, ${C}] = 0.0
  state y2: f32[${B2}, ${C}] = 0.0
  state y3: f32[${B3}, ${T3}, ${C}] = 0.0
  bn2 = BatchNorm(${C}, momentum: ${momentum}, eps: ${eps})
  bn3 = BatchNorm(${C}, momentum: ${momentum}, eps: ${eps})
  fn (v2: f32[N, ${C}], v3: f32[M, ${T3}, ${C}]) -> (f32[N, ${C}], f32[M, ${T3}, ${C}]) = (bn2(v2), bn3(v3))
  loss (unused: f32[K, 2]) {
    let out2 = bn2(x2)
    let out3 = bn3(x3)
    set y2 = out2
    set y3 = out3
    sum(out2 * ybar2) + sum(out3 * ybar3)
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`,
  );
  const step = result.trainings[0]!.trainStep;
  const evalForward = result.graphs.find((g) => g.fn === "forward")!.graph;
  const cases = [
    ["2d", "2", fx.cases["2d"]],
    ["3d", "3", fx.cases["3d"]],
  ] as const;
  const params: Arrays = Object.fromEntries(
    cases.flatMap(([, n]) => [
      [`bn${n}.gamma`, f32([C], fx.gamma)],
      [`bn${n}.beta`, f32([C], fx.beta)],
    ]),
  );
  const STATE = cases.flatMap(([, n]) => [
    `bn${n}.running_mean`,
    `bn${n}.running_var`,
    `bn${n}.num_batches_tracked`,
  ]);
  // num_batches_tracked is an i32 counter: the relative criterion with a zero difference is exact equality.
  const probe: Probe = {
    what: "BatchNorm",
    step,
    iterations: 3,
    feeds: (k) => ({
      ...Object.fromEntries(
        cases.flatMap(([, n, c]) => [
          [`x${n}`, arr(c.iterations[k]!.x)],
          [`ybar${n}`, arr(c.iterations[k]!.ybar)],
        ]),
      ),
      unused: f32([1, 2], [0, 0]),
      ...params,
    }),
    state: STATE,
    derive: (out, input) => {
      const q: Quantities = {};
      for (const [key, n] of cases) {
        q[`${key} y`] = out[`y${n}.next`]!.data;
        q[`${key} x̄`] = gradOf(input[`x${n}`]!, out[`x${n}.next`]!);
        q[`${key} γ̄`] = gradOf(
          input[`bn${n}.gamma`]!,
          out[`bn${n}.gamma.next`]!,
        );
        q[`${key} β̄`] = gradOf(input[`bn${n}.beta`]!, out[`bn${n}.beta.next`]!);
        q[`${key} running_mean`] = out[`bn${n}.running_mean.next`]!.data;
        q[`${key} running_var`] = out[`bn${n}.running_var.next`]!.data;
        q[`${key} num_batches_tracked`] =
          out[`bn${n}.num_batches_tracked.next`]!.data;
      }
      return q;
    },
    expected: (k) =>
      Object.fromEntries(
        cases.flatMap(([key, , c]) => {
          const it = c.iterations[k]!;
          return [
            [`${key} y`, flat(it.y)],
            [`${key} x̄`, flat(it.xbar)],
            [`${key} γ̄`, it.gammabar],
            [`${key} β̄`, it.betabar],
            [`${key} running_mean`, it.running_mean],
            [`${key} running_var`, it.running_var],
            [`${key} num_batches_tracked`, [it.num_batches_tracked]],
          ];
        }),
      ),
  };
  const evalFeeds = (state: Arrays): Arrays => ({
    v2: arr(fx.cases["2d"].x_eval),
    v3: arr(fx.cases["3d"].x_eval),
    ...params,
    ...Object.fromEntries(
      Object.entries(state).filter(([k]) => !k.endsWith("num_batches_tracked")),
    ),
  });
  const checkEval = (out: Arrays, tol: number, tag: string) =>
    cases.forEach(([key, , c], i) =>
      expectFixture(
        out[`output.${i}`]!.data,
        flat(c.y_eval),
        tol,
        `${key} eval y`,
        `BatchNorm eval y (${tag})`,
      ),
    );

  it("matches y, x̄, γ̄, β̄, the running statistics and the batch counter over three steps for [B, d] and [B, T, d], and the eval output, in the interpreter", async () => {
    const state = await checkInterpreter(probe);
    checkEval(
      await interpreter.run(evalForward, evalFeeds(state)),
      REFERENCE_TOL,
      "interpreter",
    );
  });

  it("evaluates with the running statistics and updates no state outside training", () => {
    expect(evalForward.outputs.some((o) => o.role === "state")).toBe(false);
    expect(
      result.trainings[0]!.eval.outputs.some((o) => o.role === "state"),
    ).toBe(false);
  });

  it("runs the same steps in ONNX Runtime (float32)", async () => {
    const ort = ortEngine();
    const state = await checkOrt(probe, ort);
    checkEval(
      await ort.run(evalForward, evalFeeds(state)),
      ORT_FIXTURE_TOL,
      "ORT vs fixture",
    );
  });
});

// ================================================================ Unified Normalization

interface UNConfig {
  C: number;
  fp_window: number;
  bp_window: number;
  warmup_iters: number;
  outlier_filtration: boolean;
  eps: number;
  momentum: number;
}
interface UNIteration {
  step: number;
  x: Nested;
  ybar: Nested;
  y: Nested;
  xbar: Nested;
  gammabar: number[];
  betabar: number[];
  skip: boolean;
  outlier: boolean;
  running_var: number[];
  ema_gz: number[];
  buffer_x2: Nested;
  buffer_gz: Nested;
  skip_counter: number;
}
interface UNScenario {
  config: UNConfig;
  B: number;
  N: number;
  pad_mask?: boolean[][];
  initial_state?: {
    running_var: number[];
    ema_gz: number[];
    iters: number;
    buffer_x2: Nested;
    buffer_gz: Nested;
    skip_counter: number;
  };
  iterations: UNIteration[];
  y_eval: Nested;
}
interface UNFixture {
  gamma: number[];
  beta: number[];
  fresh: UNScenario;
  edges: UNScenario;
  onset: UNScenario;
  late: UNScenario;
  fold: {
    n_in: number;
    w_lin: Nested;
    b_lin: number[];
    x_lin: Nested;
    y_un_after_linear: Nested;
    w_folded: Nested;
    b_folded: number[];
    y_folded: Nested;
  };
}

const unArgs = (c: UNConfig) =>
  `${c.C}, window: ${c.fp_window}, bp_window: ${c.bp_window}, warmup: ${c.warmup_iters}, outlier_filtration: ${c.outlier_filtration}, eps: ${c.eps}, momentum: ${c.momentum}`;
const UN_STATE = [
  "norm.running_var",
  "norm.ema_gz",
  "norm.iters",
  "norm.skip_counter",
  "norm.buffer_x2",
  "norm.buffer_gz",
];

/** The scenarios of the fixture (bench/reference/norms.py says what each covers). */
const UN_SCENARIOS = {
  fresh:
    "from the initial state: 8 steps, window 2, warm-up 3, outlier filtration, a x100 batch at step 6, one padding token (masked)",
  edges:
    "from the initial state: 4 steps, windows (3, 2), warm-up 1, no filtration, no mask: the window boundaries t = W' and t = W",
  onset:
    "from the initial state: 3 steps, window 2, warm-up 2, outlier filtration, a x100 batch at step 2 = warm-up, no mask",
  late: "from a preset state at step 999: windows (3, 2), no filtration, no mask: r = 1 up to step 1000, clamped to [1/5, 5] after",
} as const;

describe("Unified Normalization (std/norm.flow) against hikvision-research/Unified-Normalization UN1d (float64 transcription)", () => {
  const fx = fixture<UNFixture>("norms-unified.json");
  const C = fx.fresh.config.C;
  const params: Arrays = {
    "norm.gamma": f32([C], fx.gamma),
    "norm.beta": f32([C], fx.beta),
  };

  it("has scenarios that cover the branches they are meant to", () => {
    // fresh: the window's geometric mean at t = 3 = warm-up, clean steps filtered (4, 8), the outlier filtered (6).
    expect(fx.fresh.iterations.map((it) => it.skip)).toEqual([
      false,
      false,
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
    expect(fx.fresh.iterations[5]!.outlier).toBe(true);
    expect(fx.edges.iterations.some((it) => it.skip)).toBe(false);
    expect(fx.onset.iterations.map((it) => it.outlier)).toEqual([
      false,
      true,
      true,
    ]);
    expect(fx.late.iterations.map((it) => it.step)).toEqual([
      1000, 1001, 1002, 1003,
    ]);
  });

  for (const name of ["fresh", "edges", "onset", "late"] as const) {
    describe(UN_SCENARIOS[name], () => {
      const s = fx[name];
      const B = s.B;
      const N = s.N;
      // The fixture's layout is [B, N, C] with pad_mask [B, N] (true = padding); the layer's mask is 1 for a token.
      const masked = s.pad_mask !== undefined;
      const result = compileSpec(
        `un-${name}-probe`,
        `
use std.norm.UnifiedNorm
use std.optim.sgd
data moons = toy.moons()
model probe {
  param x: f32[${B}, ${N}, ${C}] = 0.0
  state ybar: f32[${B}, ${N}, ${C}] = 0.0
  state mask: f32[${B}, ${N}] = 1.0
  state y: f32[${B}, ${N}, ${C}] = 0.0
  norm = UnifiedNorm(${unArgs(s.config)})
  fn (v: f32[${B}, ${N}, ${C}], m: f32[${B}, ${N}]) -> f32[${B}, ${N}, ${C}] = ${masked ? "norm.masked(v, m)" : "norm(v)"}
  loss (unused: f32[M, 2]) {
    let out = ${masked ? "norm.masked(x, mask)" : "norm(x)"}
    set y = out
    sum(out * ybar)
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`,
      );
      const step = result.trainings[0]!.trainStep;
      const evalForward = result.graphs.find((g) => g.fn === "forward")!.graph;
      const mask = f32(
        [B, N],
        (s.pad_mask ?? new Array(B).fill(new Array(N).fill(false)))
          .flat()
          .map((pad: boolean) => (pad ? 0 : 1)),
      );
      const init = s.initial_state;
      const p: Probe = {
        what: `UN ${name}`,
        step,
        iterations: s.iterations.length,
        feeds: (k) => ({
          x: arr(s.iterations[k]!.x),
          ybar: arr(s.iterations[k]!.ybar),
          ...(masked ? { mask } : {}),
          unused: f32([1, 2], [0, 0]),
          ...params,
        }),
        state: UN_STATE,
        ...(init
          ? {
              initialState: {
                "norm.running_var": f32([C], init.running_var),
                "norm.ema_gz": f32([C], init.ema_gz),
                "norm.iters": scalar(init.iters),
                "norm.skip_counter": scalar(init.skip_counter),
                "norm.buffer_x2": arr(init.buffer_x2),
                "norm.buffer_gz": arr(init.buffer_gz),
              },
            }
          : {}),
        derive: (out, input) => ({
          y: out["y.next"]!.data,
          x̄: gradOf(input["x"]!, out["x.next"]!),
          γ̄: gradOf(input["norm.gamma"]!, out["norm.gamma.next"]!),
          β̄: gradOf(input["norm.beta"]!, out["norm.beta.next"]!),
          ...Object.fromEntries(
            UN_STATE.map((n) => [
              n.slice("norm.".length),
              out[`${n}.next`]!.data,
            ]),
          ),
        }),
        // iters and skip_counter are counters: the relative criterion with a zero difference is exact equality.
        expected: (k) => {
          const it = s.iterations[k]!;
          return {
            y: flat(it.y),
            x̄: flat(it.xbar),
            γ̄: it.gammabar,
            β̄: it.betabar,
            running_var: it.running_var,
            ema_gz: it.ema_gz,
            iters: [it.step],
            skip_counter: [it.skip_counter],
            buffer_x2: flat(it.buffer_x2),
            buffer_gz: flat(it.buffer_gz),
          };
        },
      };
      const evalFeeds = (state: Arrays): Arrays => ({
        v: arr(s.iterations[s.iterations.length - 1]!.x),
        m: mask,
        ...params,
        "norm.running_var": state["norm.running_var"]!,
      });

      it("matches y, x̄, γ̄, β̄ and every state tensor after each step, and the eval output, in the interpreter", async () => {
        const state = await checkInterpreter(p);
        expectFixture(
          (await interpreter.run(evalForward, evalFeeds(state)))["output"]!
            .data,
          flat(s.y_eval),
          REFERENCE_TOL,
          `${name} eval y`,
          "UN eval y (interpreter)",
        );
      });

      it("runs the same steps in ONNX Runtime (float32)", async () => {
        const ort = ortEngine();
        const state = await checkOrt(p, ort);
        expectFixture(
          (await ort.run(evalForward, evalFeeds(state)))["output"]!.data,
          flat(s.y_eval),
          ORT_FIXTURE_TOL,
          `ORT ${name} eval y`,
          "UN eval y (ORT vs fixture)",
        );
      });

      if (name === "fresh")
        it("updates ema_gz and buffer_gz in the backward pass only, and no state outside training", () => {
          const updated = (g: Graph) =>
            g.outputs.map((o) => o.updates).filter(Boolean);
          expect(updated(step)).toEqual(expect.arrayContaining(UN_STATE));
          expect(updated(result.trainings[0]!.eval)).not.toContain(
            "norm.ema_gz",
          );
          expect(updated(result.trainings[0]!.eval)).not.toContain(
            "norm.buffer_gz",
          );
          expect(evalForward.outputs.some((o) => o.role === "state")).toBe(
            false,
          );
        });
    });
  }

  describe("folded into the Linear layer before it", () => {
    const f = fx.fold;
    const [B, N] = [fx.fresh.B, fx.fresh.N];
    const result = compileSpec(
      "un-fold-probe",
      `
use std.nn.Linear
use std.norm.UnifiedNorm
model probe {
  lin = Linear(${f.n_in}, ${C})
  norm = UnifiedNorm(${unArgs(fx.fresh.config)})
  fn (x: f32[B, N, ${f.n_in}]) -> f32[B, N, ${C}] = norm(lin(x))
  fn folded(x: f32[B, N, ${f.n_in}]) -> f32[B, N, ${C}] {
    let (w, b) = norm.fold(lin.w, lin.b)
    x @ w + b
  }
  fn weights() -> (f32[${f.n_in}, ${C}], f32[${C}]) = norm.fold(lin.w, lin.b)
}
`,
    );
    const graph = (fn: string) => result.graphs.find((g) => g.fn === fn)!.graph;
    // The state after the 'fresh' scenario's 8 steps.
    const last = fx.fresh.iterations[fx.fresh.iterations.length - 1]!;
    const feeds: Arrays = {
      x: arr(f.x_lin),
      "lin.w": arr(f.w_lin),
      "lin.b": f32([C], f.b_lin),
      ...params,
      "norm.running_var": f32([C], last.running_var),
    };

    for (const engine of [interpreter, ortEngine()]) {
      it(`gives eval-mode UN after the Linear layer to 1e-5, and the fixture's folded weights (${engine.name})`, async () => {
        const tol = engine.name === "ORT" ? ORT_FIXTURE_TOL : REFERENCE_TOL;
        const unfolded = (await engine.run(graph("forward"), feeds))["output"]!;
        const folded = (await engine.run(graph("folded"), feeds))["output"]!;
        const weights = await engine.run(graph("weights"), feeds);
        expect(unfolded.shape).toEqual([B, N, C]);
        expectFixture(
          unfolded.data,
          flat(f.y_un_after_linear),
          tol,
          "eval UN(Linear(x))",
          `UN fold: unfolded vs fixture (${engine.name})`,
        );
        expectFixture(
          folded.data,
          Array.from(unfolded.data),
          1e-5,
          "folded Linear vs UN(Linear(x))",
          `UN fold: folded vs unfolded (${engine.name})`,
        );
        expectFixture(
          folded.data,
          flat(f.y_folded),
          tol,
          "folded Linear vs fixture",
          `UN fold: folded vs fixture (${engine.name})`,
        );
        expectFixture(
          weights["output.0"]!.data,
          flat(f.w_folded),
          tol,
          "w'",
          `UN fold: w' (${engine.name})`,
        );
        expectFixture(
          weights["output.1"]!.data,
          f.b_folded,
          tol,
          "b'",
          `UN fold: b' (${engine.name})`,
        );
      });
    }
  });
});
