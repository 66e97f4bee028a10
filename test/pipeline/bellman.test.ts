// BOSS's Bellman step sizes (runtime/bellman.ts) against brute force over every K-step grid, and
// the pipeline concepts around them: a grid computed between stages, a sampler that takes its
// grid as a graph input, trajectory segments as training data, and the paired endpoint error.

import { describe, expect, it } from "vitest";
import { RandomStream } from "../../compiler/artifacts/rng.js";
import type { DataSpec } from "../../compiler/artifacts/pipeline.js";
import { bellmanCosts, bellmanPath } from "../../runtime/bellman.js";
import { batchSource, type GeneratedSegments } from "../../runtime/data/batches.js";
import { measureClaim } from "../../runtime/claims.js";
import { gridIndices, Pipeline } from "../../runtime/pipeline.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileOk } from "../compiled.js";

/** Every increasing path 0 = j_0 < ... < j_K = points - 1, by recursion. */
function allPaths(points: number, steps: number): number[][] {
  const out: number[][] = [];
  const go = (path: number[]) => {
    const last = path[path.length - 1]!;
    if (path.length === steps) {
      out.push([...path, points - 1]);
      return;
    }
    for (let j = last + 1; j < points - 1; j++) go([...path, j]);
  };
  go([0]);
  return out;
}

function pathCost(cost: Float64Array, points: number, path: readonly number[]): number {
  let total = 0;
  for (let k = 0; k + 1 < path.length; k++) total += cost[path[k]! * points + path[k + 1]!]!;
  return total;
}

describe("Bellman step sizes", () => {
  it("the dynamic program finds the least-cost K-step grid that brute force over all grids finds", () => {
    const stream = RandomStream.derive(7, "bellman-test");
    for (const points of [2, 3, 5, 8, 11]) {
      const cost = new Float64Array(points * points).fill(Infinity);
      for (let i = 0; i < points; i++) for (let j = i + 1; j < points; j++) cost[i * points + j] = stream.uniform() * (j - i) ** 1.5;
      for (let steps = 1; steps < points; steps++) {
        const paths = allPaths(points, steps);
        const best = Math.min(...paths.map((p) => pathCost(cost, points, p)));
        const found = bellmanPath(cost, points, steps);
        expect(found.path).toHaveLength(steps + 1);
        expect(found.path[0]).toBe(0);
        expect(found.path[steps]).toBe(points - 1);
        for (let k = 1; k <= steps; k++) expect(found.path[k]).toBeGreaterThan(found.path[k - 1]!);
        expect(found.cost).toBeCloseTo(best, 12);
        expect(pathCost(cost, points, found.path)).toBeCloseTo(best, 12);
      }
    }
  });

  it("refuses budgets that no grid of the points can have", () => {
    const cost = new Float64Array(16).fill(1);
    expect(() => bellmanPath(cost, 4, 0)).toThrow(/1 to 3 steps/);
    expect(() => bellmanPath(cost, 4, 4)).toThrow(/1 to 3 steps/);
    expect(() => bellmanPath(new Float64Array(16).fill(NaN), 4, 2)).toThrow(/not finite/);
  });

  it("costs: E||x_j - (x_i + v_i (t_j - t_i))||², zero on straight paths, the curvature of a bent one", () => {
    // Two trajectories of 3 features at times 0, 0.25, 0.5, 1 (uneven), float64 by hand.
    const times = [0, 0.25, 0.5, 1];
    const n = 2;
    const d = 3;
    const straight = times.map((t) => Float32Array.from([1 + 2 * t, -t, 0.5, -1 + t, 3 * t, 2]));
    const velocity = times.map(() => Float32Array.from([2, -1, 0, 1, 3, 0]));
    const c = bellmanCosts(straight, velocity, times, d);
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) expect(c[i * 4 + j]).toBeCloseTo(0, 6);
    expect(c[1 * 4 + 0]).toBe(Infinity);
    // x(t) = (t², 0, 0) with its exact velocity (2t, 0, 0): one Euler step from t_i to t_j misses by (t_j - t_i)².
    const bent = times.map((t) => Float32Array.from([t * t, 0, 0, t * t, 0, 0]));
    const slope = times.map((t) => Float32Array.from([2 * t, 0, 0, 2 * t, 0, 0]));
    const b = bellmanCosts(bent, slope, times, d);
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) expect(b[i * 4 + j]).toBeCloseTo((times[j]! - times[i]!) ** 4, 6);
    void n;
  });

  it("grid times are mapped onto a trajectory's evenly spaced times, and must be among them", () => {
    expect(gridIndices(Float32Array.from([0, 0.38, 1]), 100, "p")).toEqual([0, 38, 100]);
    expect(() => gridIndices(Float32Array.from([0, 0.385, 1]), 100, "p")).toThrow(/not one of the 101 evenly spaced times of p/);
    expect(() => gridIndices(Float32Array.from([0, 0.5, 0.5, 1]), 100, "p")).toThrow(/must increase/);
  });

  it("segments yield (x_s, x_u, s, u) rows of one trajectory between consecutive grid times", async () => {
    const states = [0, 1, 2].map((k) => Float32Array.from({ length: 10 }, (_, i) => 100 * k + i));
    const generated: GeneratedSegments = { states, times: Float32Array.from([0, 0.25, 1]), n: 5, features: 2 };
    const spec = { kind: "segments", features: 2 } as DataSpec;
    const source = batchSource(spec, () => generated);
    expect(source.tensors).toEqual([{ dtype: "f32", features: 2 }, { dtype: "f32", features: 2 }, { dtype: "f32", row: "scalar" }, { dtype: "f32", row: "scalar" }]);
    const [xs, xu, s, u] = (await source.next(RandomStream.derive(1, "data"), 64)) as Float32Array[];
    const seen = new Set<number>();
    for (let r = 0; r < 64; r++) {
      const k = Math.floor(xs![2 * r]! / 100);
      const m = (xs![2 * r]! % 100) / 2;
      seen.add(k);
      expect(xs![2 * r + 1]).toBe(xs![2 * r]! + 1);
      expect(xu![2 * r]).toBe(xs![2 * r]! + 100);
      expect(Number.isInteger(m) && m < 5).toBe(true);
      expect([s![r], u![r]]).toEqual(k === 0 ? [0, 0.25] : [0.25, 1]);
    }
    expect([...seen].sort()).toEqual([0, 1]);
  });
});

const SPEC = `
use std.nn.MLP
use std.optim.adam
use std.solvers as ode

data moons = toy.moons(noise: 0.05, scale: 4)

model rf(d: int = 2, width: int = 32) {
  v = MLP(d + 1, [width, width], d, act: silu)
  fn velocity(x: f32[B, d], t: f32[B]) -> f32[B, d] = v(concat(x, t[:, None], axis: -1))
  loss (x0: f32[B, d], x1: f32[B, d]) {
    t ~ uniform([B])
    let xt = t[:, None] * x1 + (1.0 - t[:, None]) * x0
    mean(sum((velocity(xt, t) - (x1 - x0))^2, axis: -1))
  }
  sampler euler(steps: int = 20) -> f32[N, d] {
    x0 ~ normal([N, d])
    ode.euler(velocity, x0, ode.uniform_grid(steps))
  }
  sampler path(steps: int = 20) -> [f32[N, d]] {
    x0 ~ normal([N, d])
    ode.euler_trajectory(velocity, x0, ode.uniform_grid(steps))
  }
  sampler euler_on(grid: f32[T]) -> f32[N, d] {
    x0 ~ normal([N, d])
    ode.euler(velocity, x0, grid)
  }
}

model fit(d: int = 2, width: int = 32) {
  v = MLP(d + 1, [width, width], d, act: silu)
  fn velocity(x: f32[B, d], t: f32[B]) -> f32[B, d] = v(concat(x, t[:, None], axis: -1))
  loss (xs: f32[B, d], xu: f32[B, d], s: f32[B], u: f32[B]) {
    mean(sum((velocity(xs, s) - (xu - xs) / (u - s)[:, None])^2, axis: -1))
  }
  sampler euler_on(grid: f32[T]) -> f32[N, d] {
    x0 ~ normal([N, d])
    ode.euler(velocity, x0, grid)
  }
}

train rf1 = rf on independent(moons) { optimizer: adam(lr: 3e-3), batch: 128, steps: 300, fast_steps: 300 }
let grid2 = bellman_grid(rf1.velocity, rf1.path, steps: 2, n: 300, seed: 1)
train straight = fit on segments(rf1.path, grid2, n: 300, seed: 1) { optimizer: adam(lr: 3e-3), batch: 128, steps: 100, fast_steps: 100, init: rf1 }

expect "a uniform grid fed at run time samples as the compiled one" { that: endpoint_error(rf1.euler_on(ode.uniform_grid(2)), rf1.euler(steps: 2)) < 1e-8, samples: 200 }
expect "Bellman steps do not lose to uniform ones" { that: endpoint_error(rf1.euler_on(grid2), rf1.euler) <= endpoint_error(rf1.euler(steps: 2), rf1.euler), samples: 200 }
expect "straightened" { that: endpoint_error(straight.euler_on(grid2), rf1.euler) >= 0.0, samples: 200 }
`;

describe("a Bellman grid in a spec's pipeline", () => {
  const compiled = compileOk({ entry: "test/tiny-boss.flow", text: SPEC });
  const m = compiled.manifest!;

  it("compiles the grid, the segments, the samplers on a grid input, and the dependencies", () => {
    const straight = m.trainings.find((t) => t.name === "straight")!;
    expect(straight.dependsOn).toEqual(["rf1"]);
    expect(straight.data).toMatchObject({ kind: "segments", sampler: { graph: "rf1.path" }, grid: { kind: "bellman_grid", steps: 2, n: 300, seed: 1, velocity: { graph: "rf1.velocity" } }, features: 2 });
    const onGrid = m.graphs.find((g) => g.name === "rf1.euler_on(grid=f32[3])")!;
    expect(onGrid.inputs.find((i) => i.name === "grid")).toMatchObject({ role: "input", dtype: "f32", shape: [3] });
    expect(onGrid.nfe).toBe(2);
    // A sampler with a tensor parameter is built only where it is bound, for that shape.
    expect(m.graphs.some((g) => g.name === "rf.euler_on")).toBe(false);
    expect(m.claims.map((c) => c.trainings)).toEqual([["rf1"], ["rf1"], ["rf1", "straight"]]);
    expect(m.claims[2]!.measured).toMatchObject({ kind: "metric", metric: "endpoint_error", args: [{ sampler: { label: "straight.euler_on(grid: grid2)", inputs: { grid: { kind: "bellman_grid" } } } }, {}] });
  });

  it("runs: the grid is the least-cost path of the trajectories' costs, a grid input samples as a compiled grid, straightening trains", async () => {
    const seen: number[][] = [];
    const pipeline = new Pipeline({ spec: "test/tiny-boss.flow", compiled, cacheDir: mkdtempSync(join(tmpdir(), "flowc-boss-")), fast: true, onComputed: (_t, v) => seen.push(Array.from(v)) });
    const straight = m.trainings.find((t) => t.name === "straight")!.data as Extract<DataSpec, { kind: "segments" }>;
    const grid = Array.from(await pipeline.computed(straight.grid));
    expect(grid).toHaveLength(3);
    expect(grid[0]).toBe(0);
    expect(grid[2]).toBe(1);
    expect(seen).toEqual([grid]);
    // The oracle: brute force over the 19 two-step grids of the costs recomputed here.
    const states = await pipeline.trajectories(straight.sampler, 300, 1);
    expect(states).toHaveLength(21);
    const times = states.map((_, i) => i / 20);
    const { FunctionRunner } = await import("../../runtime/evaluate.js");
    const v = await FunctionRunner.create(compiled, await pipeline.trained("rf1"), "rf1.velocity");
    const velocities = [];
    for (let i = 0; i < 20; i++) velocities.push((await v.run([states[i]!, new Float32Array(300).fill(times[i]!)], 300)).data as Float32Array);
    await v.release();
    const cost = bellmanCosts(states, velocities, times, 2);
    const best = allPaths(21, 2).reduce((a, b) => (pathCost(cost, 21, b) < pathCost(cost, 21, a) ? b : a));
    expect(grid[1]).toBeCloseTo(best[1]! / 20, 6);

    const results = [];
    for (const claim of m.claims) results.push(await measureClaim(pipeline, claim, true));
    expect(results.map((r) => r.holds)).toEqual([true, true, true]);
    expect(results[0]!.measured).toBeLessThan(1e-8);
  }, 120_000);
});
