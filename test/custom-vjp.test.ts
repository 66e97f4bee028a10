// `@custom_vjp(backward)`: reverse mode uses the given backward instead of differentiating the
// function's body; the backward may `set` module state, which then becomes an output of the
// training step (and not of graphs that take no gradient). Oracles: gradients computed by hand
// from the same inputs, and — for a backward that equals the true derivative — ordinary autodiff.

import { describe, expect, it } from "vitest";
import type { CompileResult } from "../compiler/compile.js";
import type { Graph } from "../compiler/ir/graph.js";
import { interpret } from "../compiler/ir/interpret.js";
import type { NDArray } from "../compiler/ir/ndarray.js";
import { compileOk } from "./compiled.js";

function compileText(text: string): CompileResult {
  return compileOk({ entry: "test/custom-vjp.flow", text, stage: "ir" });
}

const trainStep = (r: CompileResult): Graph => r.trainings[0]!.trainStep;
const evalGraph = (r: CompileResult): Graph => r.trainings[0]!.eval;

function array(shape: number[], f: (i: number) => number): NDArray {
  return { dtype: "f32", shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)) };
}

const scalar = (v: number): NDArray => ({ dtype: "f32", shape: [], data: Float64Array.of(v) });

/** Runs a graph in the reference interpreter, feeding run-time hyper-parameters their defaults. */
function run(graph: Graph, feeds: Record<string, NDArray>): Record<string, NDArray> {
  const defaults = Object.fromEntries(graph.inputs.filter((i) => i.default !== undefined && !(i.name in feeds)).map((i) => [i.name, scalar(i.default!)]));
  return interpret(graph, { ...defaults, ...feeds });
}

const HEADER = `
use std.optim.sgd
data moons = toy.moons()
`;

describe("@custom_vjp", () => {
  it("replaces the derivative of the function's body by the backward's result", () => {
    const r = compileText(`${HEADER}
// The forward is sin; the backward claims the derivative is 2 everywhere.
fn doubled(x: f32[B, 2], y: f32[B, 2], y_bar: f32[B, 2]) -> f32[B, 2] = 2.0 * y_bar
@custom_vjp(doubled)
fn odd(x: f32[B, 2]) -> f32[B, 2] = sin(x)
model m {
  param w: f32[2] = 0.5
  loss (x: f32[B, 2]) { mean(sum(odd(x * w), axis: -1)) }
}
train m on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`);
    const B = 3;
    const x = array([B, 2], (i) => 0.3 * i - 0.4);
    const out = run(trainStep(r), { x, step: scalar(1) });
    // d loss / d w_j = (1/B) Σ_b 2 · x_bj  under the custom rule (cos would appear otherwise).
    for (let j = 0; j < 2; j++) {
      let g = 0;
      for (let b = 0; b < B; b++) g += (2 * x.data[b * 2 + j]!) / B;
      expect(out["w.next"]!.data[j]).toBeCloseTo(0.5 - g, 12);
    }
    expect(out["loss"]!.data[0]).toBeCloseTo(Array.from(x.data).reduce((s, v) => s + Math.sin(v * 0.5), 0) / B, 12);
  });

  it("gives cotangents for several arguments, equal to autodiff when the backward is exact", () => {
    const body = (custom: boolean) => `${HEADER}
fn product_backward(a: f32[B, 3], b: f32[3], y: f32[B, 3], y_bar: f32[B, 3]) -> (f32[B, 3], f32[3]) =
  (y_bar * b, sum(y_bar * a, axis: 0))
${custom ? "@custom_vjp(product_backward)" : ""}
fn product(a: f32[B, 3], b: f32[3]) -> f32[B, 3] = a * b
model m {
  param u: f32[2, 3] ~ normal(std: 0.5)
  param v: f32[3] ~ normal(std: 0.5)
  loss (x: f32[B, 2]) { mean(tanh(product(x @ u, v))^2) }
}
train m on moons { optimizer: sgd(lr: 1.0), steps: 1, seed: 7 }
`;
    const x = array([4, 2], (i) => Math.sin(i + 1));
    const feeds = { x, step: scalar(1) };
    const custom = run(trainStep(compileText(body(true))), feeds);
    const derived = run(trainStep(compileText(body(false))), feeds);
    for (const name of ["u.next", "v.next"]) {
      const a = custom[name]!.data;
      const b = derived[name]!.data;
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
    }
  });

  it("lets the backward update module state, only in graphs that take the gradient", () => {
    const r = compileText(`${HEADER}
// Records the mean cotangent that reached it and counts backward passes.
module Probe() {
  state seen: f32 = 0.0
  state calls: f32 = 0.0
  fn back(x: f32[B, 2], y: f32[B, 2], y_bar: f32[B, 2]) -> f32[B, 2] {
    set seen = mean(y_bar)
    set calls = calls + 1.0
    y_bar
  }
  @custom_vjp(back)
  fn (x: f32[B, 2]) -> f32[B, 2] = x * 1.0
}
model m {
  param w: f32[2] = 2.0
  probe = Probe()
  loss (x: f32[B, 2]) { mean(probe(x * w) * 3.0) }
}
train m on moons { optimizer: sgd(lr: 0.1), steps: 1 }
`);
    const step = trainStep(r);
    const stateOutputs = step.outputs.filter((o) => o.role === "state").map((o) => o.updates);
    expect(stateOutputs.sort()).toEqual(["probe.calls", "probe.seen"]);
    expect(evalGraph(r).outputs.filter((o) => o.role === "state")).toEqual([]);
    const x = array([5, 2], (i) => i - 3);
    const out = run(step, { x, step: scalar(1), "probe.calls": scalar(4) });
    expect(out["probe.calls.next"]!.data[0]).toBe(5);
    // mean over B·2 elements of 3 / (B·2) each.
    expect(out["probe.seen.next"]!.data[0]).toBeCloseTo(3 / 10, 12);
  });

  it("uses the outermost custom VJP when one calls another", () => {
    const r = compileText(`${HEADER}
fn inner_back(x: f32[B, 2], y: f32[B, 2], y_bar: f32[B, 2]) -> f32[B, 2] = 100.0 * y_bar
@custom_vjp(inner_back)
fn inner(x: f32[B, 2]) -> f32[B, 2] = sin(x)
fn outer_back(x: f32[B, 2], y: f32[B, 2], y_bar: f32[B, 2]) -> f32[B, 2] = -1.0 * y_bar
@custom_vjp(outer_back)
fn outer(x: f32[B, 2]) -> f32[B, 2] = inner(x) * 2.0
model m {
  param w: f32[2] = 1.0
  loss (x: f32[B, 2]) { sum(outer(x * w)) }
}
train m on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`);
    const x = array([2, 2], (i) => i + 1);
    const out = run(trainStep(r), { x, step: scalar(1) });
    // d/dw_j = Σ_b (-1) · x_bj, so w' = 1 + Σ_b x_bj.
    expect(Array.from(out["w.next"]!.data)).toEqual([1 + 1 + 3, 1 + 2 + 4]);
  });

  it("treats a returned 0.0 as a zero cotangent", () => {
    const r = compileText(`${HEADER}
// (No declared result type: it would require a tensor where 0.0 stands for a zero.)
fn back(a: f32[B, 2], b: f32[2], y: f32[B, 2], y_bar: f32[B, 2]) = (y_bar, 0.0)
@custom_vjp(back)
fn shift(a: f32[B, 2], b: f32[2]) -> f32[B, 2] = a + b
model m {
  param u: f32[2] = 1.0
  param v: f32[2] = 1.0
  loss (x: f32[B, 2]) { sum(shift(x * u, v)) }
}
train m on moons { optimizer: sgd(lr: 1.0), steps: 1 }
`);
    const out = run(trainStep(r), { x: array([1, 2], () => 2), step: scalar(1) });
    expect(Array.from(out["v.next"]!.data)).toEqual([1, 1]);
    expect(Array.from(out["u.next"]!.data)).toEqual([-1, -1]);
  });
});
