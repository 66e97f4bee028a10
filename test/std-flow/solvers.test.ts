// std/solvers.flow: fixed-grid ODE solvers unrolled into one graph, run in the float64 reference
// interpreter with exact constants (as in flow.test.ts). Oracles:
//   - ODEs with exact solutions: dx/dt = a x, dx/dt = -x + t, a rotation dx/dt = ω J x,
//     dx/dt = t sin(x) (nonlinear, where midpoint and Heun differ). The error
//     at t = 1 must shrink with the step size at the solver's order: halving h divides it by
//     about 2 (Euler), 4 (midpoint, Heun), 16 (RK4);
//   - the same methods written out here in float64 on a non-uniform grid and on a decreasing one;
//   - trajectories: K + 1 states, the first x0, the last the solve's result, state k the solve
//     over the first k steps;
//   - the number of velocity evaluations per step (NFE): counted in the graph.

import { describe, expect, it } from "vitest";
import type { CompileResult } from "../../compiler/compile.js";
import type { Graph, GraphInput, Node } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { array, graphOf, runExact } from "../exact.js";
import { compileOk } from "../compiled.js";

function compileText(text: string): CompileResult {
  return compileOk({
    entry: "test/std-flow/solvers.flow",
    text,
    stage: "ir",
  });
}

const SOLVERS = ["euler", "midpoint", "heun", "rk4"] as const;
type Solver = (typeof SOLVERS)[number];
const ORDER: Record<Solver, number> = {
  euler: 1,
  midpoint: 2,
  heun: 2,
  rk4: 4,
};
const NFE: Record<Solver, number> = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };

// ---- the ODEs: the .flow velocity, the same in float64, the exact solution at t = 1 from t = 0

const A = 0.8;
const OMEGA = 2.0;
type Field = (x: number[], t: number) => number[];
interface Ode {
  readonly name: string;
  readonly velocity: string;
  readonly field: Field;
  readonly exact: (x0: number[]) => number[];
}
const ODES: Ode[] = [
  {
    name: "growth",
    velocity: `fn (y, s) => ${A} * y`,
    field: (x) => x.map((v) => A * v),
    exact: (x0) => x0.map((v) => v * Math.exp(A)),
  },
  {
    name: "relax",
    velocity: "fn (y, s) => s[:, None] - y",
    field: (x, t) => x.map((v) => t - v),
    // x(t) = t - 1 + (x0 + 1) e^{-t}
    exact: (x0) => x0.map((v) => (v + 1) * Math.exp(-1)),
  },
  {
    name: "rotation",
    velocity: `fn (y, s) => ${OMEGA} * stack(-y[:, 1], y[:, 0], axis: -1)`,
    field: (x) => [-OMEGA * x[1]!, OMEGA * x[0]!],
    exact: ([a, b]) => [Math.cos(OMEGA) * a! - Math.sin(OMEGA) * b!, Math.sin(OMEGA) * a! + Math.cos(OMEGA) * b!],
  },
  {
    // Nonlinear and time-dependent (on the linear ODEs above midpoint and Heun coincide):
    // tan(x/2) = tan(x0/2) e^{t²/2} for |x0| < π.
    name: "sine",
    velocity: "fn (y, s) => s[:, None] * sin(y)",
    field: (x, t) => x.map((v) => t * Math.sin(v)),
    exact: (x0) => x0.map((v) => 2 * Math.atan(Math.tan(v / 2) * Math.exp(0.5))),
  },
];

/** The solvers' steps in float64, from their textbook definitions. */
const STEPS: Record<Solver, (f: Field, x: number[], t: number, h: number) => number[]> = {
  euler: (f, x, t, h) => axpy(x, h, f(x, t)),
  midpoint: (f, x, t, h) => axpy(x, h, f(axpy(x, h / 2, f(x, t)), t + h / 2)),
  heun: (f, x, t, h) => {
    const k1 = f(x, t);
    const k2 = f(axpy(x, h, k1), t + h);
    return x.map((v, i) => v + (h / 2) * (k1[i]! + k2[i]!));
  },
  rk4: (f, x, t, h) => {
    const k1 = f(x, t);
    const k2 = f(axpy(x, h / 2, k1), t + h / 2);
    const k3 = f(axpy(x, h / 2, k2), t + h / 2);
    const k4 = f(axpy(x, h, k3), t + h);
    return x.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  },
};
function axpy(x: number[], a: number, y: number[]): number[] {
  return x.map((v, i) => v + a * y[i]!);
}

const X0 = [
  [1.0, -0.5],
  [0.3, 2.0],
  [-1.2, 0.7],
];
const N = X0.length;
const feedX0 = array([N, 2], X0.flat());
const rows = (data: ArrayLike<number>): number[][] => Array.from({ length: N }, (_, n) => [data[2 * n]!, data[2 * n + 1]!]);

const STEP_COUNTS = [8, 16, 32];
const CUSTOM_GRID = [0.0, 0.1, 0.3, 0.6, 0.75, 1.0];
const BACKWARD_STEPS = 5;

const SPEC = `
use std.solvers.{euler, midpoint, heun, rk4, euler_trajectory, midpoint_trajectory, heun_trajectory, rk4_trajectory, uniform_grid}
model ode {
${ODES.flatMap((o) =>
  SOLVERS.flatMap((s) => [
    ...STEP_COUNTS.map((k) => `  fn ${o.name}_${s}_${k}(x: f32[N, 2]) -> f32[N, 2] = ${s}(${o.velocity}, x, uniform_grid(${k}))`),
    `  fn ${o.name}_${s}_custom(x: f32[N, 2]) -> f32[N, 2] = ${s}(${o.velocity}, x, [${CUSTOM_GRID.map((t) => t.toFixed(2)).join(", ")}])`,
    `  fn ${o.name}_${s}_backward(x: f32[N, 2]) -> f32[N, 2] = ${s}(${o.velocity}, x, uniform_grid(${BACKWARD_STEPS}, start: 1.0, end: 0.0))`,
  ]),
).join("\n")}
${SOLVERS.map((s) => `  fn traj_${s}(x: f32[N, 2]) -> [f32[N, 2]] = ${s}_trajectory(${ODES[2]!.velocity}, x, [${CUSTOM_GRID.map((t) => t.toFixed(2)).join(", ")}])`).join("\n")}
${SOLVERS.map((s) => `  fn count_${s}(x: f32[N, 2]) -> f32[N, 2] = ${s}(fn (y, s) => tanh(y), x, uniform_grid(3))`).join("\n")}
  fn grid_end(x: f32[N]) -> f32[N] = full([N], uniform_grid(49)[49]) + 0.0 * x
  // A state of rank 3 and a velocity that reads t.
  fn rank3(x: f32[N, 2, 3]) -> f32[N, 2, 3] = rk4(fn (y, s) => s[:, None, None] - y, x, uniform_grid(4))
}
`;

describe("std/solvers.flow", () => {
  const result = compileText(SPEC);
  const solve = (fn: string, x0: NDArray = feedX0) => runExact(graphOf(result, fn), { x: x0 })["output"]!.data;
  const maxError = (got: ArrayLike<number>, want: number[][]) => Math.max(...want.flat().map((w, i) => Math.abs(got[i]! - w)));

  for (const o of ODES) {
    for (const s of SOLVERS) {
      it(`${s} on ${o.name}: the error at t = 1 shrinks as h^${ORDER[s]}`, () => {
        const want = X0.map(o.exact);
        const errors = STEP_COUNTS.map((k) => maxError(solve(`${o.name}_${s}_${k}`), want));
        const ratios = errors.slice(1).map((e, i) => errors[i]! / e);
        for (const r of ratios) {
          expect(r).toBeGreaterThan(2 ** ORDER[s] * 0.85);
          expect(r).toBeLessThan(2 ** ORDER[s] * 1.15);
        }
      });

      it(`${s} on ${o.name}: matches the method in float64 on a non-uniform grid and on a decreasing one`, () => {
        const reference = (grid: number[]) => X0.map((x0) => grid.slice(1).reduce((x, t1, i) => STEPS[s](o.field, x, grid[i]!, t1 - grid[i]!), x0));
        expect(maxError(solve(`${o.name}_${s}_custom`), reference(CUSTOM_GRID))).toBeLessThan(1e-14);
        const backward = Array.from({ length: BACKWARD_STEPS + 1 }, (_, i) => 1 - i / BACKWARD_STEPS);
        expect(maxError(solve(`${o.name}_${s}_backward`), reference(backward))).toBeLessThan(1e-14);
      });
    }
  }

  for (const s of SOLVERS) {
    it(`${s}_trajectory returns the K + 1 states of the solve`, () => {
      const out = runExact(graphOf(result, `traj_${s}`), { x: feedX0 });
      const K = CUSTOM_GRID.length - 1;
      expect(Object.keys(out).sort()).toEqual(Array.from({ length: K + 1 }, (_, k) => `output.${k}`).sort());
      expect(Array.from(out["output.0"]!.data)).toEqual(X0.flat());
      expect(Array.from(out[`output.${K}`]!.data)).toEqual(Array.from(solve(`rotation_${s}_custom`)));
      const field = ODES[2]!.field;
      let states = X0;
      for (let k = 1; k <= K; k++) {
        states = states.map((x) => STEPS[s](field, x, CUSTOM_GRID[k - 1]!, CUSTOM_GRID[k]! - CUSTOM_GRID[k - 1]!));
        expect(maxError(out[`output.${k}`]!.data, states)).toBeLessThan(1e-14);
      }
    });

    it(`${s} evaluates the velocity ${NFE[s]} time(s) per step`, () => {
      const graph = graphOf(result, `count_${s}`);
      expect(graph.nodes.filter((n) => n.op === "tanh").length).toBe(3 * NFE[s]);
    });
  }

  it("uniform_grid ends exactly at `end` (49 · (1/49) would not)", () => {
    expect(49 * (1 / 49)).not.toBe(1);
    expect(Array.from(runExact(graphOf(result, "grid_end"), { x: array([1], [0]) })["output"]!.data)).toEqual([1]);
  });

  it("works on states of any rank, with t given per sample", () => {
    const x = array(
      [2, 2, 3],
      Array.from({ length: 12 }, (_, i) => 0.1 * i - 0.4),
    );
    const got = solve("rank3", x);
    // dx/dt = t - x elementwise: RK4 in float64 on the flattened state; and near x(1) = (x0 + 1) / e.
    const grid = [0, 0.25, 0.5, 0.75, 1];
    const want = grid.slice(1).reduce((y, t1, i) => STEPS.rk4(ODES[1]!.field, y, grid[i]!, t1 - grid[i]!), Array.from(x.data));
    expect(maxError(got, [want])).toBeLessThan(1e-14);
    for (let i = 0; i < 12; i++) expect(Math.abs(got[i]! - (x.data[i]! + 1) / Math.E)).toBeLessThan(1e-4);
  });

  it("a sampler can pass a model's velocity function and stack a trajectory", () => {
    const r = compileText(`
use std.nn.MLP
use std.solvers.{rk4, euler_trajectory, uniform_grid}
model m(d: int = 2) {
  v = MLP(d + 1, [8], d)
  fn velocity(x: f32[B, d], t: f32[B]) -> f32[B, d] = v(concat(x, t[:, None], axis: -1))
  sampler sample() -> f32[N, d] {
    x0 ~ normal([N, d])
    rk4(velocity, x0, uniform_grid(3))
  }
  sampler path() -> f32[5, N, d] {
    x0 ~ normal([N, d])
    stack(euler_trajectory(velocity, x0, uniform_grid(4)))
  }
}
`);
    const x0 = array([3, 2], [0.1, -0.2, 0.3, 0.4, -0.5, 0.6]);
    const path = interpret(graphOf(r, "path"), { "noise.x0": x0 })["output"]!;
    expect(path.shape).toEqual([5, 3, 2]);
    expect(Array.from(path.data.slice(0, 6))).toEqual(Array.from(x0.data));
    const sample = interpret(graphOf(r, "sample"), { "noise.x0": x0 })["output"]!;
    expect(sample.shape).toEqual([3, 2]);
  });
});
