// std/flow.flow's couplings computed in the graph: W-CFM's Gibbs weights and the log-domain
// Sinkhorn plan, run in the float64 reference interpreter (f32 constants fed as exact float64
// inputs, as test/std-flow/flow.test.ts does). Oracles:
//   - the weights' closed forms, written out here in float64;
//   - a float64 log-domain Sinkhorn written here with the same update order (per iteration g from
//     f, then f from g, as POT's `sinkhorn_log`; then a last update of g), which the unrolled
//     graph must match iteration for iteration;
//   - the marginal constraints of the entropic plan (column sums exactly 1/M after the last
//     update, row sums within a stated tolerance after enough iterations);
//   - as ε → 0, the exact OT permutation of runtime/metrics/wasserstein.ts (`otPermutation`).
// The last test runs the graphs under ONNX Runtime in float32, as training does.

import { describe, expect, it } from "vitest";
import { compile, type CompileResult } from "../../compiler/compile.js";
import type { Graph, GraphInput, Node } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { otPermutation } from "../../runtime/metrics/wasserstein.js";
import { GraphSession } from "../../runtime/onnx.js";
import { array, expectClose, graphOf, runExact } from "../exact.js";
import { compileOk } from "../compiled.js";

function compileText(text: string): CompileResult {
  return compileOk({
    entry: "test/std-flow/sinkhorn.flow",
    text,
    stage: "ir",
  });
}

const filled = (shape: number[], f: (i: number) => number): NDArray =>
  array(
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) =>
      Math.fround(f(i)),
    ),
  );

// ---- float64 references

/** ||a_i − b_j||² for row-major [n, d] and [m, d]. */
function costs(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  m: number,
  d: number,
): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (a[i * d + k]! - b[j * d + k]!) ** 2;
      c[i * m + j] = s;
    }
  return c;
}

const logSumExp = (xs: number[]): number => {
  const top = Math.max(...xs);
  return top + Math.log(xs.reduce((s, x) => s + Math.exp(x - top), 0));
};

/**
 * Log-domain Sinkhorn with uniform marginals, from f = 0: per iteration g ← log(1/m) −
 * lse_i(f_i − C_ij/ε), f ← log(1/n) − lse_j(g_j − C_ij/ε); then a last g update. Returns the plan
 * exp(f_i + g_j − C_ij/ε).
 */
function sinkhornReference(
  c: Float64Array,
  n: number,
  m: number,
  eps: number,
  iterations: number,
): Float64Array {
  let f = new Array<number>(n).fill(0);
  const colUpdate = (): number[] =>
    Array.from(
      { length: m },
      (_, j) =>
        -Math.log(m) - logSumExp(f.map((fi, i) => fi - c[i * m + j]! / eps)),
    );
  for (let it = 0; it < iterations; it++) {
    const g = colUpdate();
    f = Array.from(
      { length: n },
      (_, i) =>
        -Math.log(n) - logSumExp(g.map((gj, j) => gj - c[i * m + j]! / eps)),
    );
  }
  const g = colUpdate();
  return Float64Array.from({ length: n * m }, (_, k) =>
    Math.exp(f[Math.floor(k / m)]! + g[k % m]! - c[k]! / eps),
  );
}

const rowSums = (p: ArrayLike<number>, n: number, m: number) =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: m }, (_, j) => p[i * m + j]!).reduce(
      (a, b) => a + b,
      0,
    ),
  );
const colSums = (p: ArrayLike<number>, n: number, m: number) =>
  Array.from({ length: m }, (_, j) =>
    Array.from({ length: n }, (_, i) => p[i * m + j]!).reduce(
      (a, b) => a + b,
      0,
    ),
  );

// ---- Gibbs weights

const GIBBS_SPEC = `
use std.flow.{pair_cost, gibbs_weights, normalized_gibbs_weights}
model w {
  fn weights(x0: f32[B, 3, 2], x1: f32[B, 3, 2]) -> (f32[B], f32[B], f32[B], f32[B], f32[B], f32[B]) =
    (pair_cost(x0, x1), pair_cost(x0, x1, power: 1.0), gibbs_weights(x0, x1, 4.0), gibbs_weights(x0, x1, 1.5, power: 1.0),
     normalized_gibbs_weights(x0, x1, 4.0), normalized_gibbs_weights(x0, x1, 0.5, power: 1.0))
  fn tiny(x0: f32[B, 2], x1: f32[B, 2]) -> (f32[B], f32[B]) = (gibbs_weights(x0, x1, 0.01), normalized_gibbs_weights(x0, x1, 0.01))
}
`;

describe("W-CFM's Gibbs weights", () => {
  const result = compileText(GIBBS_SPEC);
  const B = 5;
  const x0 = filled([B, 3, 2], (i) => Math.sin(1.7 * i + 0.3));
  const x1 = filled([B, 3, 2], (i) => Math.cos(0.9 * i) * 2 - 0.5);
  const sq = Array.from({ length: B }, (_, b) => {
    let s = 0;
    for (let k = 0; k < 6; k++)
      s += (x0.data[b * 6 + k]! - x1.data[b * 6 + k]!) ** 2;
    return s;
  });
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it("w_i = exp(-||x0_i - x1_i||^p / ε) (p = 2 and p = 1), and w / mean(w) self-normalized", () => {
    const out = runExact(graphOf(result, "weights"), { x0, x1 });
    const dist = sq.map(Math.sqrt);
    expectClose(out["output.0"]!.data, sq, 1e-14, "pair_cost p = 2");
    expectClose(out["output.1"]!.data, dist, 1e-14, "pair_cost p = 1");
    const w2 = sq.map((c) => Math.exp(-c / 4));
    const w1 = dist.map((c) => Math.exp(-c / 1.5));
    expectClose(out["output.2"]!.data, w2, 1e-14, "gibbs_weights p = 2, ε = 4");
    expectClose(
      out["output.3"]!.data,
      w1,
      1e-14,
      "gibbs_weights p = 1, ε = 1.5",
    );
    expectClose(
      out["output.4"]!.data,
      w2.map((w) => w / meanOf(w2)),
      1e-13,
      "normalized_gibbs_weights p = 2",
    );
    const w1b = dist.map((c) => Math.exp(-c / 0.5));
    expectClose(
      out["output.5"]!.data,
      w1b.map((w) => w / meanOf(w1b)),
      1e-13,
      "normalized_gibbs_weights p = 1",
    );
    expect(meanOf(Array.from(out["output.4"]!.data))).toBeCloseTo(1, 14);
  });

  it("self-normalized weights stay finite where the raw weights underflow in float32 (c/ε ≫ 87)", async () => {
    const a = filled([3, 2], (i) => i);
    const b = filled([3, 2], (i) => -i);
    const exported = compileOk({
      entry: "test/std-flow/gibbs-ort.flow",
      text: GIBBS_SPEC,
    });
    const compiled = exported.graphs.find((g) => g.fn === "tiny")!;
    const session = await GraphSession.create(compiled.onnx!);
    try {
      const f32 = (v: NDArray) => ({
        dtype: "f32" as const,
        shape: v.shape,
        data: Float32Array.from(v.data),
      });
      const got = await session.run({ x0: f32(a), x1: f32(b) });
      // costs 4, 52, 164 → c/ε = 400 ... 16400: exp underflows to 0 in float32.
      expect(Array.from(got["output.0"]!.data)).toEqual([0, 0, 0]);
      expectClose(
        got["output.1"]!.data,
        [3, 0, 0],
        1e-6,
        "normalized weights in float32",
      );
    } finally {
      await session.release();
    }
  });
});

// ---- Sinkhorn

const SINKHORN_CASES = [
  { name: "eps1_it1", eps: 1.0, iterations: 1 },
  { name: "eps1_it7", eps: 1.0, iterations: 7 },
  { name: "eps1_it200", eps: 1.0, iterations: 200 },
  { name: "eps03_it200", eps: 0.3, iterations: 200 },
] as const;
const ANNEAL = [
  { name: "anneal_1", eps: 1.0 },
  { name: "anneal_03", eps: 0.3 },
  { name: "anneal_01", eps: 0.1 },
  { name: "anneal_003", eps: 0.03 },
  { name: "anneal_001", eps: 0.01 },
] as const;
const ANNEAL_ITERATIONS = 300;

const SINKHORN_SPEC = `
use std.flow.{cost_matrix, sinkhorn_scalings, sinkhorn_log_plan, sinkhorn_plan, sinkhorn_pair_weights, sinkhorn_barycentric_target}
model sk {
  fn costs(x0: f32[B, 3], x1: f32[M, 3]) -> f32[B, M] = cost_matrix(x0, x1)
  fn costs_p1(x0: f32[B, 3], x1: f32[M, 3]) -> f32[B, M] = cost_matrix(x0, x1, power: 1.0)
${SINKHORN_CASES.map((c) => `  fn ${c.name}(x0: f32[B, 3], x1: f32[M, 3]) -> f32[B, M] = sinkhorn_plan(x0, x1, ${c.eps.toFixed(2)}, iterations: ${c.iterations})`).join("\n")}
  fn log_plan(x0: f32[B, 3], x1: f32[M, 3]) -> (f32[B, M], f32[B], f32[M]) {
    let (f, g) = sinkhorn_scalings(x0, x1, 1.0, iterations: 7)
    (sinkhorn_log_plan(x0, x1, 1.0, iterations: 7), f, g)
  }
${ANNEAL.map((c) => `  fn ${c.name}(x0: f32[B, 3], x1: f32[B, 3]) -> (f32[B, B], f32[B], f32[B, 3]) = (sinkhorn_plan(x0, x1, ${c.eps.toFixed(2)}, iterations: ${ANNEAL_ITERATIONS}), sinkhorn_pair_weights(x0, x1, ${c.eps.toFixed(2)}, iterations: ${ANNEAL_ITERATIONS}), sinkhorn_barycentric_target(x0, x1, ${c.eps.toFixed(2)}, iterations: ${ANNEAL_ITERATIONS}))`).join("\n")}
  fn wide(x0: f32[B, 3], x1: f32[B, 3]) -> (f32[B, B], f32[B]) = (sinkhorn_plan(x0, x1, 1e6, iterations: 3), sinkhorn_pair_weights(x0, x1, 1e6, iterations: 3))
  fn images(x0: f32[B, 2, 3], x1: f32[B, 2, 3]) -> (f32[B, B], f32[B], f32[B, 2, 3]) =
    (sinkhorn_plan(x0, x1, 2.0, iterations: 50), sinkhorn_pair_weights(x0, x1, 2.0, iterations: 50), sinkhorn_barycentric_target(x0, x1, 2.0, iterations: 50))
}
`;

describe("log-domain Sinkhorn in the graph", () => {
  const result = compileText(SINKHORN_SPEC);
  // A 6 × 7 problem (B ≠ M) with costs between about 1 and 20.
  const n = 6;
  const m = 7;
  const a = filled([n, 3], (i) =>
    Math.sin(1.3 * Math.floor(i / 3) + 0.2 * (i % 3)),
  );
  const b = filled(
    [m, 3],
    (i) => 1.5 * Math.cos(0.7 * Math.floor(i / 3) * ((i % 3) + 1)) + 0.3,
  );
  const C = costs(a.data, b.data, n, m, 3);

  it("the cost matrix is ||x0_i - x1_j||² (and ||x0_i - x1_j|| for power 1)", () => {
    expectClose(
      runExact(graphOf(result, "costs"), { x0: a, x1: b })["output"]!.data,
      C,
      1e-13,
      "cost_matrix",
    );
    expectClose(
      runExact(graphOf(result, "costs_p1"), { x0: a, x1: b })["output"]!.data,
      C.map(Math.sqrt),
      1e-13,
      "cost_matrix p = 1",
    );
  });

  it("matches a float64 log-domain Sinkhorn iteration for iteration (1, 7, 200 iterations; ε = 1, 0.3)", () => {
    for (const c of SINKHORN_CASES) {
      const got = runExact(graphOf(result, c.name), { x0: a, x1: b })["output"]!
        .data;
      expectClose(
        got,
        sinkhornReference(C, n, m, c.eps, c.iterations),
        1e-12,
        c.name,
        1e-3,
      );
    }
  });

  it("log plan = f_i + g_j - C_ij/ε from the returned scalings", () => {
    const out = runExact(graphOf(result, "log_plan"), { x0: a, x1: b });
    const f = out["output.1"]!.data;
    const g = out["output.2"]!.data;
    expectClose(
      out["output.0"]!.data,
      Array.from(C, (cij, k) => f[Math.floor(k / m)]! + g[k % m]! - cij),
      1e-14,
      "log plan",
    );
    expectClose(
      Array.from(out["output.0"]!.data, Math.exp),
      sinkhornReference(C, n, m, 1.0, 7),
      1e-12,
      "exp(log plan)",
      1e-3,
    );
  });

  it("marginals: columns sum to 1/M exactly after the last update; rows to 1/B within 1e-12 after 200 iterations at ε = 1 and ε = 0.3", () => {
    // Row error max_i |Σ_j π_ij - 1/B| measured (float64): 0.056 after 1 iteration, 5.6e-3 after
    // 7, 3e-17 after 200 at ε = 1; 4.6e-14 after 200 at ε = 0.3 (smaller ε converges more slowly).
    const rowError = (p: ArrayLike<number>) =>
      Math.max(...rowSums(p, n, m).map((s) => Math.abs(s - 1 / n)));
    for (const c of SINKHORN_CASES) {
      const p = runExact(graphOf(result, c.name), { x0: a, x1: b })["output"]!
        .data;
      expectClose(
        colSums(p, n, m),
        new Array(m).fill(1 / m),
        1e-13,
        `${c.name} column sums`,
      );
      expect(Array.from(p).every((v) => v >= 0)).toBe(true);
      if (c.iterations >= 200)
        expect(rowError(p), `${c.name} row sums`).toBeLessThan(1e-12);
    }
    // One iteration is far from converged here: the check above would not pass vacuously.
    expect(
      rowError(
        runExact(graphOf(result, "eps1_it1"), { x0: a, x1: b })["output"]!.data,
      ),
    ).toBeGreaterThan(1e-4);
  });

  // 8 points in 3-d whose exact OT permutation is unique with a margin: the second-best
  // permutation costs 0.218 more (in total squared distance; the optimum costs 7.70).
  const B = 8;
  const x0 = filled(
    [B, 3],
    (i) => 2 * Math.sin(1.3 * Math.floor(i / 3) + 0.9 * (i % 3) + 0.5),
  );
  const shuffle = [3, 7, 0, 5, 1, 6, 2, 4];
  const x1 = filled([B, 3], (i) => {
    const row = Math.floor(i / 3);
    const k = i % 3;
    return (
      x0.data[shuffle[row]! * 3 + k]! +
      0.4 * Math.cos(2.1 * row + 1.7 * k) +
      0.5
    );
  });
  const sigma = otPermutation(
    Float32Array.from(x0.data),
    Float32Array.from(x1.data),
    3,
  );
  const Cb = costs(x0.data, x1.data, B, B, 3);
  const otCost =
    Array.from(sigma).reduce((s, j, i) => s + Cb[i * B + j]!, 0) / B;
  // Each annealing graph (plan, pair weights, barycentric target) runs once, for all tests.
  const annealed = new Map<string, Record<string, NDArray>>();
  const anneal = (name: string) => {
    if (!annealed.has(name))
      annealed.set(name, runExact(graphOf(result, name), { x0, x1 }));
    return annealed.get(name)!;
  };

  it("as ε → 0 the plan tends to the exact OT permutation (otPermutation) and its cost to the OT cost", () => {
    // Measured (300 iterations): min_i B π_iσ(i) = 0.52, 0.59, 0.75, 0.974, 0.998 for
    // ε = 1, 0.3, 0.1, 0.03, 0.01, and <π, C> - OT = 0.16, 0.046, 0.0074, 7.2e-4, -1.9e-4 (OT cost
    // 0.963 per point); the barycentric target's largest error is 0.36, 0.23, 0.14, 0.014, 9e-4.
    let previousMass = 0;
    let previousGap = Infinity;
    for (const c of ANNEAL) {
      const out = anneal(c.name);
      const p = out["output.0"]!.data;
      const onPermutation = Math.min(
        ...Array.from(sigma, (j, i) => B * p[i * B + j]!),
      );
      // (|·|: at ε = 0.01 the rows are not yet exact marginals after 300 iterations (error 3e-4),
      // so the plan is not quite feasible and its cost may fall slightly below the OT cost.)
      const gap = Math.abs(
        Array.from(p).reduce((s, v, k) => s + v * Cb[k]!, 0) - otCost,
      );
      expect(onPermutation, `${c.name}: min_i B π_iσ(i)`).toBeGreaterThan(
        previousMass,
      );
      expect(gap, `${c.name}: |<π, C> - OT|`).toBeLessThan(previousGap);
      previousMass = onPermutation;
      previousGap = gap;
      // Every row's largest entry is on the permutation once ε ≤ 0.3.
      if (c.eps <= 0.3) {
        for (let i = 0; i < B; i++) {
          const row = Array.from({ length: B }, (_, j) => p[i * B + j]!);
          expect(row.indexOf(Math.max(...row)), `${c.name} row ${i}`).toBe(
            sigma[i],
          );
        }
      }
    }
    expect(previousMass).toBeGreaterThan(0.99);
    expect(previousGap).toBeLessThan(1e-3 * otCost);
  });

  it("the barycentric target tends to x1[σ(i)] as ε → 0", () => {
    const matched = Array.from(
      { length: B * 3 },
      (_, k) => x1.data[sigma[Math.floor(k / 3)]! * 3 + (k % 3)]!,
    );
    const errors = ANNEAL.map((c) => {
      const target = anneal(c.name)["output.2"]!.data;
      return Math.max(
        ...Array.from(target, (v, k) => Math.abs(v - matched[k]!)),
      );
    });
    for (let k = 1; k < errors.length; k++)
      expect(errors[k]!, `${ANNEAL[k]!.name}`).toBeLessThan(errors[k - 1]!);
    expect(errors[errors.length - 1]!).toBeLessThan(0.005);
  });

  it("pair weights are B² π_ii, the plan's density with respect to the independent coupling", () => {
    for (const c of ANNEAL) {
      const out = anneal(c.name);
      const p = out["output.0"]!.data;
      expectClose(
        out["output.1"]!.data,
        Array.from({ length: B }, (_, i) => B * B * p[i * B + i]!),
        1e-10,
        `${c.name} pair weights`,
        1e-6,
      );
    }
    // ε → ∞: the plan is the independent coupling 1/B², every weight 1.
    const wide = runExact(graphOf(result, "wide"), { x0, x1 });
    expectClose(
      wide["output.0"]!.data,
      new Array(B * B).fill(1 / (B * B)),
      1e-4,
      "plan at ε = 1e6",
    );
    expectClose(
      wide["output.1"]!.data,
      new Array(B).fill(1),
      1e-4,
      "pair weights at ε = 1e6",
    );
  });

  it("samples of any shape are compared as flat vectors (f32[B, 2, 3] as f32[B, 6])", () => {
    const n2 = 4;
    const u = filled([n2, 2, 3], (i) => Math.sin(0.7 * i));
    const v = filled([n2, 2, 3], (i) => Math.cos(1.1 * i) + 0.2);
    const out = runExact(graphOf(result, "images"), { x0: u, x1: v });
    const want = sinkhornReference(
      costs(u.data, v.data, n2, n2, 6),
      n2,
      n2,
      2.0,
      50,
    );
    expectClose(out["output.0"]!.data, want, 1e-12, "plan", 1e-3);
    expectClose(
      out["output.1"]!.data,
      Array.from({ length: n2 }, (_, i) => n2 * n2 * want[i * n2 + i]!),
      1e-11,
      "pair weights",
      1e-3,
    );
    const bary = Array.from({ length: n2 * 6 }, (_, k) => {
      const i = Math.floor(k / 6);
      let s = 0;
      let z = 0;
      for (let j = 0; j < n2; j++) {
        s += want[i * n2 + j]! * v.data[j * 6 + (k % 6)]!;
        z += want[i * n2 + j]!;
      }
      return s / z;
    });
    expect(out["output.2"]!.shape).toEqual([n2, 2, 3]);
    expectClose(out["output.2"]!.data, bary, 1e-12, "barycentric target");
  });

  // Graphs of 50 iterations (about 1,000 nodes): ONNX Runtime's session creation grows faster than
  // linearly with the unrolled graph (1.2 s for 50 iterations, 18 s for 200 here).
  it("float32 under ONNX Runtime agrees with the float64 interpreter", async () => {
    const f32 = (v: NDArray) => ({
      dtype: "f32" as const,
      shape: v.shape,
      data: Float32Array.from(v.data),
    });
    const exported = compile({
      entry: "test/std-flow/sinkhorn-ort.flow",
      text: `
use std.flow.{sinkhorn_plan, sinkhorn_pair_weights, sinkhorn_barycentric_target}
model sk {
  fn converged(x0: f32[B, 3], x1: f32[M, 3]) -> f32[B, M] = sinkhorn_plan(x0, x1, 1.0, iterations: 50)
  fn weights(x0: f32[B, 3], x1: f32[B, 3]) -> f32[B] = sinkhorn_pair_weights(x0, x1, 0.1, iterations: 50)
  fn target(x0: f32[B, 3], x1: f32[B, 3]) -> f32[B, 3] = sinkhorn_barycentric_target(x0, x1, 0.1, iterations: 50)
}
`,
    });
    for (const [fn, feeds] of [
      ["converged", { x0: a, x1: b }],
      ["weights", { x0, x1 }],
      ["target", { x0, x1 }],
    ] as const) {
      const compiled = exported.graphs.find((g) => g.fn === fn)!;
      const want = interpret(compiled.graph, feeds);
      const session = await GraphSession.create(compiled.onnx!);
      try {
        const got = await session.run({ x0: f32(feeds.x0), x1: f32(feeds.x1) });
        for (const [name, w] of Object.entries(want))
          expectClose(
            got[name]!.data,
            w.data,
            1e-3,
            `${fn} ${name}, ONNX Runtime vs interpreter`,
            1e-2,
          );
      } finally {
        await session.release();
      }
    }
  }, 120_000);
});
