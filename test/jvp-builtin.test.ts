// The `jvp` builtin: its tangent output equals a central finite difference of the function along
// the tangent direction (float64 reference interpreter), and a loss built on it trains.

import { expect, it } from "vitest";
import { interpret } from "../compiler/ir/interpret.js";
import type { NDArray } from "../compiler/ir/ndarray.js";
import { compileOk } from "./compiled.js";

it("jvp(u, (z, t), (v, 1)) is the directional derivative of u", () => {
  const result = compileOk({ entry: "test/fixtures/good/jvp.flow", stage: "ir" });
  const graphOf = (fn: string) => result.graphs.find((g) => g.fn === fn)!.graph;
  const B = 2;
  const d = 3;
  const arr = (shape: number[], f: (i: number) => number): NDArray => ({ dtype: "f32", shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)) });
  const z = arr([B, d], (i) => Math.sin(i + 1));
  const t = arr([B], (i) => 0.3 + 0.2 * i);
  const v = arr([B, d], (i) => Math.cos(2 * i));
  const both = interpret(graphOf("forward"), { z, t, v });
  const eps = 1e-6;
  const shifted = (s: number) => interpret(graphOf("u"), {
    z: { ...z, data: z.data.map((x, i) => x + s * eps * v.data[i]!) },
    t: { ...t, data: t.data.map((x) => x + s * eps) },
  })["output"]!.data;
  const plus = shifted(1);
  const minus = shifted(-1);
  const tangent = both["output.1"]!.data;
  for (let i = 0; i < tangent.length; i++) expect(Math.abs(tangent[i]! - (plus[i]! - minus[i]!) / (2 * eps))).toBeLessThan(1e-6);
  expect(Array.from(both["output.0"]!.data)).toEqual(Array.from(interpret(graphOf("u"), { z, t })["output"]!.data));
});

it("a loss with a stop_grad JVP target compiles to a training step (reverse over forward)", () => {
  const text = `
use std.optim.adam
data moons = toy.moons()
model mf {
  param w: f32[2, 2] ~ normal(std: 0.3)
  fn u(z: f32[B, 2], t: f32[B]) -> f32[B, 2] = tanh(z @ w) * t[:, None]
  loss (x: f32[B, 2]) {
    e ~ normal([B, 2])
    t ~ uniform([B])
    let z = t[:, None] * x + (1.0 - t[:, None]) * e
    let (out, dudt) = jvp(u, (z, t), (x - e, 1.0))
    mean(sum((out - stop_grad(x - e - t[:, None] * dudt))^2, axis: -1))
  }
}
train mf on moons { optimizer: adam(), steps: 5 }
`;
  const result = compileOk({ entry: "test/meanflow-like.flow", text });
  expect(result.manifest!.graphs.map((g) => g.name)).toContain("mf.train_step");
});
