// TransformerBlock's LayerNorm placements (std/nn.flow, `norm: "pre" | "post" | "peri"`) against a
// float64 transcription of the reference layouts.
//
// test/fixtures/reference/peri_ln.json is written by bench/reference/peri_ln.py: a NumPy float64
// transcription of one block (d = 8, 2 heads, T = 3, causal, GELU MLP of width 32) in the three
// placements, with hand-written VJPs, checked there against torch autograd in float64
// (torch.nn.TransformerEncoderLayer with norm_first = false / true for Post-LN / Pre-LN, and for
// Peri-LN its members run in the order of Gemma2DecoderLayer.forward in huggingface/transformers,
// with two extra LayerNorms; max difference 7e-15). Parameters, input and cotangent are random,
// not the default initialization, so that every LayerNorm's gamma and beta are distinguishable.
//
// The probe model makes the block's input a parameter, so that an SGD step with learning rate LR on
// the loss sum(y * ybar) returns x − LR·x̄ (and p − LR·p̄ for every parameter p of the block), and
// stores y in a state, so that the step returns it. The forward graph is checked too. Both run in
// the float64 reference interpreter and in ONNX Runtime (float32).
//
// Tolerance criteria, per tensor (y, x̄, each parameter's gradient), against the float64 reference b:
//   norm-wise     max_i |a_i − b_i| ≤ 1e-5 · max_i |b_i|                        interpreter and ORT
//   element-wise  |a_i − b_i| ≤ 1e-5 · max(|b_i|, 1e-3 · max_j |b_j|) for all i  interpreter
// The interpreter computes in float64 but rounds f32 constants (eps, sqrt(2) in GELU) to float32 as
// ONNX does: its errors are ~1e-8 norm-wise, ~5e-6 element-wise at worst. ORT computes in float32:
// ~1e-6 norm-wise, but up to ~2e-4 element-wise on the smallest entries, so it is held to the
// norm-wise criterion only. attn.k.b's exact gradient is 0 (see below): its error is measured
// against max |x̄| instead.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { relativeError } from "../relative-error.js";
import type { CompileResult } from "../../compiler/compile.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { concreteShape } from "../../compiler/ir/types.js";
import { lowerGraph } from "../../compiler/onnx/lower.js";
import { GraphSession, type HostTensor } from "../../runtime/onnx.js";
import { compileOk } from "../compiled.js";

// Interpreter: both criteria at 1e-5. ONNX Runtime (float32): the norm-wise criterion at 1e-5.
const INTERPRETER_TOL = { normwise: 1e-5, elementwise: 1e-5 };
const ORT_TOL = { normwise: 1e-5 };

type Nested = number | Nested[];
type Norm = "pre" | "post" | "peri";
interface Fixture {
  readonly config: {
    B: number;
    T: number;
    d: number;
    heads: number;
    mlp_ratio: number;
    eps: number;
    causal: boolean;
  };
  readonly x: Nested;
  readonly ybar: Nested;
  readonly params: Record<string, Nested>;
  readonly variants: Record<
    Norm,
    { y: Nested; xbar: Nested; param_grads: Record<string, Nested> }
  >;
}

const fixture = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "..", "fixtures", "reference", "peri_ln.json"),
    "utf8",
  ),
) as Fixture;
const { B, T, d, heads, mlp_ratio, causal } = fixture.config;
const NORMS: readonly Norm[] = ["pre", "post", "peri"];

const flat = (n: Nested): number[] =>
  Array.isArray(n) ? n.flatMap(flat) : [n];
const shapeOf = (n: Nested): number[] =>
  Array.isArray(n) ? [n.length, ...shapeOf(n[0]!)] : [];
const f32 = (shape: readonly number[], values: readonly number[]): NDArray => ({
  dtype: "f32",
  shape: [...shape],
  data: Float64Array.from(values),
});
const nd = (n: Nested): NDArray => f32(shapeOf(n), flat(n));

function probeSpec(norm: Norm): string {
  return `
use std.nn.TransformerBlock
use std.optim.sgd
data moons = toy.moons()

model probe {
  param x: f32[${B}, ${T}, ${d}] = 0.0
  // The cotangent of y, fed by name, and y itself, returned by the training step.
  state ybar: f32[${B}, ${T}, ${d}] = 0.0
  state y: f32[${B}, ${T}, ${d}] = 0.0
  block = TransformerBlock(${d}, ${heads}, mlp_ratio: ${mlp_ratio}, causal: ${causal}, norm: "${norm}")
  fn (input: f32[N, S, ${d}]) -> f32[N, S, ${d}] = block(input)
  // The batch of the data source is not used: the probe trains on its own input.
  loss (unused: f32[M, 2]) {
    let out = block(x)
    set y = out
    sum(out * ybar)
  }
}
train probe on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`;
}

function compileProbe(norm: Norm): CompileResult {
  return compileOk({
    entry: `test/nn/peri-ln-probe-${norm}.flow`,
    text: probeSpec(norm),
    stage: "ir",
  });
}

interface Errors {
  /** max_i |a_i − b_i| / max_i |b_i| */
  readonly normwise: number;
  /** max_i |a_i − b_i| / max(|b_i|, 1e-3 · max_j |b_j|) */
  readonly elementwise: number;
}

/**
 * Compares a tensor with its reference under both criteria and fails beyond the given tolerances.
 * `zeroScale`: for a reference that is zero up to round-off (max |b| < 1e-12), the scale the
 * absolute error is measured against instead.
 */
function expectClose(
  actual: ArrayLike<number>,
  expected: readonly number[],
  tol: { normwise: number; elementwise?: number },
  what: string,
  zeroScale = 1,
): Errors {
  expect(actual.length, what).toBe(expected.length);
  const largest = Math.max(...expected.map(Math.abs));
  const scale = largest < 1e-12 ? zeroScale : largest;
  const normwise = relativeError(actual, expected, 1, scale);
  const elementwise = relativeError(actual, expected, 1e-3, scale);
  expect(normwise, `${what}: norm-wise relative error`).toBeLessThanOrEqual(
    tol.normwise,
  );
  if (tol.elementwise !== undefined)
    expect(
      elementwise,
      `${what}: element-wise relative error`,
    ).toBeLessThanOrEqual(tol.elementwise);
  return { normwise, elementwise };
}

/** The block's parameters as fed to the graphs (those the variant has). */
function paramFeeds(graph: Graph): Record<string, NDArray> {
  const names = new Set(graph.inputs.map((i) => i.name));
  const feeds: Record<string, NDArray> = {};
  for (const [name, value] of Object.entries(fixture.params))
    if (names.has(`block.${name}`)) feeds[`block.${name}`] = nd(value);
  return feeds;
}

// The SGD step's learning rate: a power of two, so that p' = p − LR·p̄ is rounded (in float32, in
// ORT) relative to LR·|p̄| rather than to |p|, and p̄ = (p − p') / LR is exact in float64 otherwise.
const LR = 2 ** 20;

function stepFeeds(step: Graph): Record<string, NDArray> {
  return {
    x: nd(fixture.x),
    ybar: nd(fixture.ybar),
    unused: f32([1, 2], [0, 0]),
    step: f32([], [1]),
    "optimizer.lr": f32([], [LR]),
    ...paramFeeds(step),
  };
}

const toHost = (a: NDArray): HostTensor => ({
  dtype: "f32",
  shape: a.shape,
  data: Float32Array.from(a.data),
});

async function runOrt(
  graph: Graph,
  feeds: Record<string, NDArray>,
): Promise<Record<string, ArrayLike<number>>> {
  // The ONNX graph has no initial values: feed every input that has one (optimizer and layer state).
  const initial = Object.fromEntries(
    graph.inputs
      .filter((i) => i.initial && !(i.name in feeds))
      .map((i) => [
        i.name,
        toHost(
          f32(
            concreteShape(graph.values[i.value]!.shape)!,
            Array.from(i.initial!),
          ),
        ),
      ]),
  );
  const session = await GraphSession.create(
    lowerGraph(graph, { paramsAs: "inputs" }),
  );
  try {
    const out = await session.run({
      ...initial,
      ...Object.fromEntries(
        Object.entries(feeds).map(([name, a]) => [name, toHost(a)]),
      ),
    });
    return Object.fromEntries(
      Object.entries(out).map(([name, t]) => [
        name,
        t.data as ArrayLike<number>,
      ]),
    );
  } finally {
    await session.release();
  }
}

type Tol = { normwise: number; elementwise?: number };

/** Worst errors per norm and engine, printed after the run (for the record, not asserted). */
const summary: string[] = [];

/** Checks y, x̄ and every parameter gradient of a training step's outputs. */
function checkStep(
  out: Record<string, ArrayLike<number>>,
  norm: Norm,
  tol: Tol,
  what: string,
): void {
  const expected = fixture.variants[norm];
  const x = flat(fixture.x);
  const xNext = out["x.next"]!;
  const xbar = flat(expected.xbar);
  const gradScale = Math.max(...xbar.map(Math.abs));
  const errors: Errors[] = [
    expectClose(out["y.next"]!, flat(expected.y), tol, `${what} y`),
  ];
  errors.push(
    expectClose(
      x.map((v, i) => (v - xNext[i]!) / LR),
      xbar,
      tol,
      `${what} x̄`,
    ),
  );
  for (const [name, grad] of Object.entries(expected.param_grads)) {
    const p = flat(fixture.params[name]!);
    const next = out[`block.${name}.next`];
    expect(next, `${what}: the step updates block.${name}`).toBeDefined();
    // attn.k.b's exact gradient is 0 (a key bias adds q·b_k to every score of a query, which the
    // softmax cancels): its error is measured against the scale of x̄.
    errors.push(
      expectClose(
        p.map((v, i) => (v - next![i]!) / LR),
        flat(grad),
        tol,
        `${what} ∂/∂${name}`,
        gradScale,
      ),
    );
  }
  const worst = (k: keyof Errors) =>
    Math.max(...errors.map((e) => e[k])).toExponential(1);
  summary.push(
    `${what}: y, x̄ and ${errors.length - 2} parameter gradients: norm-wise ${worst("normwise")}, element-wise ${worst("elementwise")}`,
  );
}

describe("TransformerBlock(norm: pre | post | peri) against the float64 reference", () => {
  afterAll(() => console.log(summary.join("\n")));

  for (const norm of NORMS) {
    describe(`norm: "${norm}"`, () => {
      const result = compileProbe(norm);
      const step = result.trainings[0]!.trainStep;
      const forward = result.graphs.find(
        (g) => g.model === "probe" && g.fn === "forward",
      )!.graph;

      it("has exactly the reference's parameters", () => {
        const params = step.inputs
          .filter((i) => i.role === "param" && i.name.startsWith("block."))
          .map((i) => i.name.slice("block.".length));
        expect(params.sort()).toEqual(
          Object.keys(fixture.variants[norm].param_grads).sort(),
        );
      });

      it("forward output, in the interpreter (float64)", () => {
        const out = interpret(forward, {
          input: nd(fixture.x),
          ...paramFeeds(forward),
        });
        const e = expectClose(
          out["output"]!.data,
          flat(fixture.variants[norm].y),
          INTERPRETER_TOL,
          `${norm} forward y`,
        );
        summary.push(
          `${norm} interpreter forward: norm-wise ${e.normwise.toExponential(1)}, element-wise ${e.elementwise.toExponential(1)}`,
        );
      });

      it("y, input gradient x̄ and every parameter gradient, in the interpreter (float64)", () => {
        const out = interpret(step, stepFeeds(step));
        checkStep(
          Object.fromEntries(
            Object.entries(out).map(([name, a]) => [name, a.data]),
          ),
          norm,
          INTERPRETER_TOL,
          `${norm} interpreter step`,
        );
      });

      it("forward output, input gradient and parameter gradients, in ONNX Runtime (float32)", async () => {
        const fwd = await runOrt(forward, {
          input: nd(fixture.x),
          ...paramFeeds(forward),
        });
        const e = expectClose(
          fwd["output"]!,
          flat(fixture.variants[norm].y),
          ORT_TOL,
          `${norm} ORT forward y`,
        );
        summary.push(
          `${norm} ORT forward: norm-wise ${e.normwise.toExponential(1)}, element-wise ${e.elementwise.toExponential(1)}`,
        );
        checkStep(
          await runOrt(step, stepFeeds(step)),
          norm,
          ORT_TOL,
          `${norm} ORT step`,
        );
      });
    });
  }
});
