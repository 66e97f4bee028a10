// std/flow.flow: probability paths, time distributions and losses, run in the float64 reference
// interpreter. Oracles: the closed-form formulas, written out here in float64; for every path,
// the central finite difference in t of its interpolant equals its target velocity; for the time
// distributions, the CDFs of the distributions they claim to sample.
//
// Graphs are run with their f32 constants fed as exact float64 inputs (as test/optim does), so the
// comparisons are float64 arithmetic against float64 arithmetic.

import { describe, expect, it } from "vitest";
import type { CompileResult } from "../../compiler/compile.js";
import type { Graph, GraphInput, Node } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { GraphSession } from "../../runtime/onnx.js";
import { array, expectClose, graphOf, runExact } from "../exact.js";
import { compileOk } from "../compiled.js";

function compileText(text: string): CompileResult {
  return compileOk({
    entry: "test/std-flow/flow.flow",
    text,
    stage: "ir",
  });
}

const filled = (shape: number[], f: (i: number) => number): NDArray =>
  array(
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
  );

// ---- paths

const B = 7;
const FEATURES = [3, 2];
const F = FEATURES[0]! * FEATURES[1]!;
const TIMES = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95];

type Coefficients = [alpha: number, sigma: number, dAlpha: number, dSigma: number];
const HALF_PI = Math.PI / 2;

const linear =
  (sigmaMin: number) =>
  (t: number): Coefficients => [t, 1 - (1 - sigmaMin) * t, 1, sigmaMin - 1];
const trig = (t: number): Coefficients => [Math.sin(HALF_PI * t), Math.cos(HALF_PI * t), HALF_PI * Math.cos(HALF_PI * t), -HALF_PI * Math.sin(HALF_PI * t)];
/** Song et al. 2021: T(s) = β_min s + (β_max − β_min) s²/2 at diffusion time s = 1 − t. */
const vpIntegral = (t: number, bMin: number, bMax: number) => {
  const s = 1 - t;
  return {
    T: bMin * s + 0.5 * (bMax - bMin) * s * s,
    dT: -(bMin + (bMax - bMin) * s),
  };
};
const vp =
  (bMin: number, bMax: number) =>
  (t: number): Coefficients => {
    const { T, dT } = vpIntegral(t, bMin, bMax);
    const alpha = Math.exp(-T / 2);
    const sigma = Math.sqrt(1 - Math.exp(-T));
    return [alpha, sigma, (-dT / 2) * alpha, (dT * Math.exp(-T)) / (2 * sigma)];
  };
const subvp =
  (bMin: number, bMax: number) =>
  (t: number): Coefficients => {
    const { T, dT } = vpIntegral(t, bMin, bMax);
    const alpha = Math.exp(-T / 2);
    return [alpha, 1 - Math.exp(-T), (-dT / 2) * alpha, dT * Math.exp(-T)];
  };
/** Nichol & Dhariwal 2021: ᾱ(s) = f(s)/f(0), f(s) = cos²((s + off)/(1 + off) π/2), s = 1 − t. */
const cosine =
  (off: number) =>
  (t: number): Coefficients => {
    const f = (s: number) => Math.cos(((s + off) / (1 + off)) * HALF_PI) ** 2;
    const abar = f(1 - t) / f(0);
    const w = HALF_PI / (1 + off);
    const alpha = Math.sqrt(abar);
    const dAlpha = (w * Math.sin(w * (1 - t + off))) / Math.cos(w * off);
    const sigma = Math.sqrt(1 - abar);
    return [alpha, sigma, dAlpha, (-alpha * dAlpha) / sigma];
  };

interface PathCase {
  readonly name: string;
  /** The .flow call, with x0, x1, t (and eps when `noise`). */
  readonly call: string;
  readonly coefficients: (t: number) => Coefficients;
  /** σ of the I-CFM / SB noise term, whose shape in t is `noise`. */
  readonly noise?: {
    sigma: number;
    spread: (t: number) => number;
    dSpread: (t: number) => number;
  };
}

const PATHS: PathCase[] = [
  { name: "linear", call: "linear_path(x0, x1, t)", coefficients: linear(0) },
  {
    name: "linear_sigma_min",
    call: "linear_path(x0, x1, t, sigma_min: 0.1)",
    coefficients: linear(0.1),
  },
  {
    name: "affine_linear",
    call: "affine_path(x0, x1, t, fn (s) => linear_schedule(s, sigma_min: 0.25))",
    coefficients: linear(0.25),
  },
  {
    name: "icfm",
    call: "icfm_path(x0, x1, t, eps, 0.3)",
    coefficients: linear(0),
    noise: { sigma: 0.3, spread: () => 1, dSpread: () => 0 },
  },
  {
    name: "sb",
    call: "sb_path(x0, x1, t, eps, 0.7)",
    coefficients: linear(0),
    noise: {
      sigma: 0.7,
      spread: (t) => Math.sqrt(t * (1 - t)),
      dSpread: (t) => (1 - 2 * t) / (2 * Math.sqrt(t * (1 - t))),
    },
  },
  { name: "trig", call: "trig_path(x0, x1, t)", coefficients: trig },
  { name: "vp", call: "vp_path(x0, x1, t)", coefficients: vp(0.1, 20) },
  {
    name: "vp_custom",
    call: "vp_path(x0, x1, t, beta_min: 0.5, beta_max: 8.0)",
    coefficients: vp(0.5, 8),
  },
  {
    name: "subvp",
    call: "subvp_path(x0, x1, t)",
    coefficients: subvp(0.1, 20),
  },
  {
    name: "cosine",
    call: "cosine_path(x0, x1, t)",
    coefficients: cosine(0.008),
  },
  {
    name: "cosine_offset0",
    call: "cosine_path(x0, x1, t, offset: 0.0)",
    coefficients: trig,
  },
];

const ty = `f32[B, ${FEATURES.join(", ")}]`;
const PATH_SPEC = `
use std.flow.{affine_path, linear_schedule, linear_path, icfm_path, sb_path, trig_path, vp_path, subvp_path, cosine_path}
model paths {
${PATHS.map((c) => `  fn ${c.name}(x0: ${ty}, x1: ${ty}, t: f32[B]${c.noise ? `, eps: ${ty}` : ""}) -> (${ty}, ${ty}) = ${c.call}`).join("\n")}
  fn trig_flat(x0: f32[B], x1: f32[B], t: f32[B]) -> (f32[B], f32[B]) = trig_path(x0, x1, t)
  fn linear_2d(x0: f32[B, 2], x1: f32[B, 2], t: f32[B]) -> (f32[B, 2], f32[B, 2]) = linear_path(x0, x1, t)
}
`;

describe("std/flow.flow paths", () => {
  const result = compileText(PATH_SPEC);
  const x0 = filled([B, ...FEATURES], (i) => Math.sin(1.7 * i + 0.3));
  const x1 = filled([B, ...FEATURES], (i) => Math.cos(0.9 * i) * 2 - 0.5);
  const eps = filled([B, ...FEATURES], (i) => Math.sin(3.1 * i + 1));

  for (const c of PATHS) {
    const graph = graphOf(result, c.name);
    const run = (times: number[]) => {
      const out = runExact(graph, {
        x0,
        x1,
        t: array([B], times),
        ...(c.noise ? { eps } : {}),
      });
      return { xt: out["output.0"]!.data, ut: out["output.1"]!.data };
    };

    it(`${c.name}: x_t = α_t x1 + σ_t x0 and u_t = α'_t x1 + σ'_t x0 (closed form)`, () => {
      const { xt, ut } = run(TIMES);
      const wantX: number[] = [];
      const wantU: number[] = [];
      for (let b = 0; b < B; b++) {
        const t = TIMES[b]!;
        const [a, s, da, ds] = c.coefficients(t);
        for (let j = 0; j < F; j++) {
          const k = b * F + j;
          let x = a * x1.data[k]! + s * x0.data[k]!;
          let u = da * x1.data[k]! + ds * x0.data[k]!;
          if (c.noise) {
            x += c.noise.sigma * c.noise.spread(t) * eps.data[k]!;
            u += c.noise.sigma * c.noise.dSpread(t) * eps.data[k]!;
          }
          wantX.push(x);
          wantU.push(u);
        }
      }
      expectClose(xt, wantX, 1e-13, `${c.name} x_t`);
      // sb_path keeps torchcfm's 1e-8 guard in the velocity's denominator.
      expectClose(ut, wantU, c.name === "sb" ? 1e-6 : 1e-13, `${c.name} u_t`);
    });

    it(`${c.name}: d x_t / dt (central differences) equals the target velocity`, () => {
      const h = 1e-6;
      const plus = run(TIMES.map((t) => t + h)).xt;
      const minus = run(TIMES.map((t) => t - h)).xt;
      const { ut } = run(TIMES);
      expectClose(
        Array.from(plus, (p, i) => (p - minus[i]!) / (2 * h)),
        ut,
        1e-6,
        `${c.name} finite difference`,
      );
    });
  }

  it("broadcasts t over data of rank 1 and rank 2 as well", () => {
    const a0 = filled([B], (i) => i - 3);
    const a1 = filled([B], (i) => 0.5 * i);
    const flat = runExact(graphOf(result, "trig_flat"), {
      x0: a0,
      x1: a1,
      t: array([B], TIMES),
    });
    expectClose(
      flat["output.0"]!.data,
      TIMES.map((t, b) => Math.sin(HALF_PI * t) * a1.data[b]! + Math.cos(HALF_PI * t) * a0.data[b]!),
      1e-13,
      "trig rank 1",
    );
    const b0 = filled([B, 2], (i) => Math.sin(i));
    const b1 = filled([B, 2], (i) => Math.cos(i));
    const flat2 = runExact(graphOf(result, "linear_2d"), {
      x0: b0,
      x1: b1,
      t: array([B], TIMES),
    });
    expectClose(
      flat2["output.0"]!.data,
      Array.from(b0.data, (v, k) => TIMES[Math.floor(k / 2)]! * b1.data[k]! + (1 - TIMES[Math.floor(k / 2)]!) * v),
      1e-13,
      "linear rank 2",
    );
  });

  it("paths go from x0 at t = 0 to x1 at t = 1 (VP and sub-VP: up to α_0 = exp(-(β_min + β_max)/4))", () => {
    const ends = (name: string, t: number) =>
      runExact(graphOf(result, name), {
        x0,
        x1,
        t: array([B], new Array(B).fill(t)),
      })["output.0"]!.data;
    for (const name of ["linear", "trig", "cosine", "cosine_offset0", "subvp", "vp"]) expectClose(ends(name, 1), x1.data, 1e-15, `${name} at t = 1`);
    for (const name of ["linear", "trig", "cosine", "cosine_offset0"]) expectClose(ends(name, 0), x0.data, 1e-15, `${name} at t = 0`);
    const alpha0 = Math.exp(-(0.1 + 20) / 4);
    expect(alpha0).toBeLessThan(0.007);
    for (const name of ["vp", "subvp"]) {
      const start = ends(name, 0);
      // x_0 = α_0 x1 + σ_0 x0 with 1 - σ_0 ≤ 1 - (1 - e^{-T}) = e^{-T} = α_0².
      for (let k = 0; k < start.length; k++) {
        expect(Math.abs(start[k]! - x0.data[k]!)).toBeLessThanOrEqual(alpha0 * Math.abs(x1.data[k]!) + alpha0 ** 2 * Math.abs(x0.data[k]!) + 1e-15);
      }
    }
  });
});

// ---- time distributions

const TIME_SPEC = `
use std.flow.{uniform_time, logit_normal_time, exponential_time, u_shaped_time, discrete_time}
model times {
  fn uniform(u: f32[B]) -> f32[B] = uniform_time(u, eps: 1e-3)
  fn logit_normal(n: f32[B]) -> f32[B] = logit_normal_time(n, mean: 0.5, std: 1.5)
  fn exponential(u: f32[B]) -> f32[B] = exponential_time(u, a: 4.0)
  fn u_shaped(u: f32[B]) -> f32[B] = u_shaped_time(u)
  fn u_shaped_raw(u: f32[B]) -> f32[B] = u_shaped_time(u, a: 2.5, t_min: 0.0)
  // rfpp's construction written out: an exponential draw mirrored when the coin is below 1/2.
  fn rfpp_mirror(u: f32[B], coin: f32[B]) -> f32[B] {
    let s = exponential_time(u, a: 4.0)
    where(coin < 0.5, 1.0 - s, s)
  }
  fn discrete(u: f32[B]) -> f32[B] = discrete_time(u, 10)
}
`;

describe("std/flow.flow time distributions", () => {
  const result = compileText(TIME_SPEC);
  const run = (fn: string, feeds: Record<string, number[]>) =>
    Array.from(runExact(graphOf(result, fn), Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, array([v.length], v)])))["output"]!.data);
  const quantiles = Array.from({ length: 101 }, (_, i) => i / 100);

  it("uniform on [eps, 1]", () => {
    const t = run("uniform", { u: quantiles });
    expectClose(
      t,
      quantiles.map((u) => 1e-3 + (1 - 1e-3) * u),
      1e-15,
      "uniform",
    );
    expect(t[0]).toBeCloseTo(1e-3, 15);
    expect(t[100]).toBe(1);
  });

  it("logit-normal: sigmoid(mean + std n)", () => {
    const ns = quantiles.map((q) => 6 * q - 3);
    expectClose(
      run("logit_normal", { n: ns }),
      ns.map((n) => 1 / (1 + Math.exp(-(0.5 + 1.5 * n)))),
      1e-15,
      "logit-normal",
    );
  });

  const a = 4;
  /** CDF of p(t) = a e^{at} / (e^a − 1) on [0, 1] (rfpp's ExponentialPDF). */
  const expCdf = (t: number) => (Math.exp(a * t) - 1) / (Math.exp(a) - 1);
  /** CDF of rfpp's sample_t before rescaling: s ~ expCdf, returned as s or 1 − s with probability 1/2. */
  const mirrorCdf = (t: number) => 0.5 * expCdf(t) + 0.5 * (1 - expCdf(1 - t));

  it("exponential_time is the inverse CDF of a e^{at} / (e^a - 1)", () => {
    const t = run("exponential", { u: quantiles });
    expectClose(t.map(expCdf), quantiles, 1e-13, "F(F⁻¹(u))");
    for (const v of t) expect(v >= 0 && v <= 1).toBe(true);
  });

  it("u_shaped_time is the inverse CDF of rfpp's mirrored exponential, mapped onto [t_min, 1 - t_min]", () => {
    const tMin = 1e-5;
    const t = run("u_shaped", { u: quantiles });
    const unscaled = t.map((v) => (v - tMin) / (1 - 2 * tMin));
    expectClose(unscaled.map(mirrorCdf), quantiles, 1e-12, "F_mix(t(u)) = u");
    expect(t[0]).toBeCloseTo(tMin, 15);
    expect(t[100]).toBeCloseTo(1 - tMin, 15);
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThan(t[i - 1]!);
    // Symmetric about 1/2, U-shaped: the quantiles are denser near the ends than in the middle.
    for (let i = 0; i <= 100; i++) expect(t[i]! + t[100 - i]!).toBeCloseTo(1, 13);
    expect(t[1]! - t[0]!).toBeLessThan(t[51]! - t[50]!);
  });

  it("u_shaped_time has density ∝ cosh(a (t - 1/2)) for other a (dt/du = 1/p(t))", () => {
    const a2 = 2.5;
    const h = 1e-6;
    const us = quantiles.slice(1, -1);
    const t = run("u_shaped_raw", { u: us });
    const plus = run("u_shaped_raw", { u: us.map((u) => u + h) });
    const minus = run("u_shaped_raw", { u: us.map((u) => u - h) });
    const density = (x: number) => (a2 * Math.cosh(a2 * (x - 0.5))) / (2 * Math.sinh(a2 / 2));
    expectClose(
      us.map((_, i) => (plus[i]! - minus[i]!) / (2 * h)),
      t.map((x) => 1 / density(x)),
      1e-7,
      "dt/du",
    );
  });

  it("rfpp's literal mirror construction and u_shaped_time draw the same distribution (KS distance)", () => {
    let state = 12345;
    const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const n = 4000;
    const mirrored = run("rfpp_mirror", {
      u: Array.from({ length: n }, rand),
      coin: Array.from({ length: n }, rand),
    }).sort((x, y) => x - y);
    // The largest gap between the empirical CDF of the mirrored draws and F_mix; for n = 4000
    // the 0.1% critical value of the KS statistic is 1.95 / sqrt(n) ≈ 0.031.
    let ks = 0;
    mirrored.forEach((x, i) => (ks = Math.max(ks, Math.abs(mirrorCdf(x) - i / n), Math.abs(mirrorCdf(x) - (i + 1) / n))));
    expect(ks).toBeLessThan(1.95 / Math.sqrt(n));
  });

  it("discrete_time draws k/T with k = floor(u T), u = 1 included", () => {
    const us = [0, 0.04, 0.11, 0.25, 0.5, 0.77, 0.95, 0.999, 1];
    expect(run("discrete", { u: us })).toEqual([0, 0, 0.1, 0.2, 0.5, 0.7, 0.9, 0.9, 0.9].map((v) => Math.round(v * 10) / 10));
  });
});

// ---- losses

const LOSS_SPEC = `
use std.flow.{squared_error, mse_loss, weighted_mse_loss, pseudo_huber, pseudo_huber_loss, weighted_pseudo_huber_loss, elementwise_pseudo_huber_loss}
model losses {
  fn fixed(p: f32[B, 3, 2], q: f32[B, 3, 2], w: f32[B]) -> (f32[B], f32, f32, f32[B], f32, f32, f32) =
    (squared_error(p, q), mse_loss(p, q), weighted_mse_loss(p, q, w), pseudo_huber(p, q), pseudo_huber_loss(p, q), weighted_pseudo_huber_loss(p, q, w), elementwise_pseudo_huber_loss(p, q, c: 0.05))
  fn symbolic(p: f32[B, T, 2], q: f32[B, T, 2]) -> (f32[B], f32) = (pseudo_huber(p, q), elementwise_pseudo_huber_loss(p, q))
  fn flat(p: f32[B], q: f32[B]) -> f32 = mse_loss(p, q)
}
`;

describe("std/flow.flow losses", () => {
  const result = compileText(LOSS_SPEC);
  const Bn = 4;
  const p = filled([Bn, 3, 2], (i) => Math.sin(i) * 0.1);
  const q = filled([Bn, 3, 2], (i) => Math.cos(2 * i) * 0.05);
  const w = array([Bn], [0.5, 1, 2, 0.25]);
  const sq = Array.from({ length: Bn }, (_, b) => {
    let s = 0;
    for (let j = 0; j < 6; j++) s += (p.data[b * 6 + j]! - q.data[b * 6 + j]!) ** 2;
    return s;
  });
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  /** rfpp train.py, loss_type "huber": (sqrt(||Δ||² + c²) − c) / d with c = 0.00054 d. */
  const huber = (s: number, d: number) => (Math.sqrt(s + (0.00054 * d) ** 2) - 0.00054 * d) / d;

  it("squared error, MSE (sum over features, mean over batch), weighted MSE, rfpp's pseudo-Huber, elementwise pseudo-Huber", () => {
    const out = runExact(graphOf(result, "fixed"), { p, q, w });
    expectClose(out["output.0"]!.data, sq, 1e-14, "squared_error");
    expectClose(out["output.1"]!.data, [mean(sq)], 1e-14, "mse_loss");
    expectClose(out["output.2"]!.data, [mean(sq.map((s, b) => w.data[b]! * s))], 1e-14, "weighted_mse_loss");
    expectClose(
      out["output.3"]!.data,
      sq.map((s) => huber(s, 6)),
      1e-14,
      "pseudo_huber",
    );
    expectClose(out["output.4"]!.data, [mean(sq.map((s) => huber(s, 6)))], 1e-14, "pseudo_huber_loss");
    expectClose(out["output.5"]!.data, [mean(sq.map((s, b) => w.data[b]! * huber(s, 6)))], 1e-14, "weighted_pseudo_huber_loss");
    const elementwise = mean(Array.from(p.data, (v, k) => Math.sqrt((v - q.data[k]!) ** 2 + 0.05 ** 2) - 0.05));
    expectClose(out["output.6"]!.data, [elementwise], 1e-14, "elementwise_pseudo_huber_loss");
  });

  it("the pseudo-Huber constant c = 0.00054 d follows a symbolic feature size at run time", () => {
    const T = 5;
    const pp = filled([2, T, 2], (i) => Math.sin(i));
    const qq = filled([2, T, 2], (i) => Math.cos(i));
    const out = runExact(graphOf(result, "symbolic"), { p: pp, q: qq });
    const d = 2 * T;
    const want = [0, 1].map((b) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (pp.data[b * d + j]! - qq.data[b * d + j]!) ** 2;
      return huber(s, d);
    });
    expectClose(out["output.0"]!.data, want, 1e-14, "pseudo_huber with d = 2 T");
    const elementwise = mean(Array.from(pp.data, (v, k) => Math.sqrt((v - qq.data[k]!) ** 2 + 1e-6) - 1e-3));
    expectClose(out["output.1"]!.data, [elementwise], 1e-14, "elementwise, default c = 0.001");
  });

  it("rank-1 data: one feature per sample", () => {
    const out = runExact(graphOf(result, "flat"), {
      p: array([3], [1, 2, 3]),
      q: array([3], [0, 0, 1]),
    });
    expectClose(out["output"]!.data, [(1 + 4 + 4) / 3], 1e-15, "mse_loss rank 1");
  });
});

// ---- together: a loss and a sampler written with std.flow and std.solvers

describe("std/flow.flow in a model", () => {
  it("a loss built from u_shaped_time, trig_path and pseudo_huber_loss compiles to a training step and runs", () => {
    const result = compileText(`
use std.nn.MLP
use std.optim.adam
use std.flow.{u_shaped_time, trig_path, pseudo_huber_loss}
use std.solvers.{heun, uniform_grid}
data moons = toy.moons()
model m(d: int = 2) {
  v = MLP(d + 1, [8], d)
  fn velocity(x: f32[B, d], t: f32[B]) -> f32[B, d] = v(concat(x, t[:, None], axis: -1))
  loss (x1: f32[B, d]) {
    x0 ~ normal([B, d])
    u ~ uniform([B])
    let t = u_shaped_time(u)
    let (xt, ut) = trig_path(x0, x1, t)
    pseudo_huber_loss(velocity(xt, t), ut)
  }
  sampler sample() -> f32[N, d] {
    x0 ~ normal([N, d])
    heun(velocity, x0, uniform_grid(4))
  }
}
train m on moons { optimizer: adam(), steps: 1 }
`);
    const step = result.trainings[0]!.trainStep;
    const feeds: Record<string, NDArray> = {
      x1: filled([3, 2], (i) => i * 0.1),
      "noise.x0": filled([3, 2], (i) => Math.sin(i)),
      "noise.u": array([3], [0.1, 0.5, 0.9]),
    };
    for (const input of step.inputs) if (input.default !== undefined && !(input.name in feeds)) feeds[input.name] = array([], [input.default]);
    const out = interpret(step, feeds);
    expect(Number.isFinite(out["loss"]!.data[0])).toBe(true);
    expect(result.graphs.some((g) => g.fn === "sample")).toBe(true);
  });
});

describe("std/flow.flow and std/solvers.flow under ONNX Runtime", () => {
  it("the exported graphs (float32) agree with the reference interpreter", async () => {
    const result = compileOk({
      entry: "test/std-flow/ort.flow",
      text: `
use std.flow.{linear_path, trig_path, vp_path, subvp_path, cosine_path, sb_path, u_shaped_time, exponential_time, logit_normal_time, discrete_time, mse_loss, pseudo_huber_loss, elementwise_pseudo_huber_loss}
use std.solvers.{rk4, heun_trajectory, uniform_grid}
model m {
  fn paths(x0: f32[B, 3, 2], x1: f32[B, 3, 2], eps: f32[B, 3, 2], u: f32[B]) -> [f32[B, 3, 2]] {
    let t = 0.05 + 0.9 * u
    let (a, b) = linear_path(x0, x1, t)
    let (c, d) = trig_path(x0, x1, t)
    let (e, f) = vp_path(x0, x1, t)
    let (g, h) = subvp_path(x0, x1, t)
    let (i, j) = cosine_path(x0, x1, t)
    let (k, l) = sb_path(x0, x1, t, eps, 0.5)
    [a, b, c, d, e, f, g, h, i, j, k, l]
  }
  fn times(u: f32[B], n: f32[B]) -> (f32[B], f32[B], f32[B], f32[B]) =
    (u_shaped_time(u), exponential_time(u), logit_normal_time(n, mean: -0.5), discrete_time(u, 7))
  fn losses(p: f32[B, 3, 2], q: f32[B, 3, 2]) -> (f32, f32, f32) =
    (mse_loss(p, q), pseudo_huber_loss(p, q), elementwise_pseudo_huber_loss(p, q))
  fn solve(x: f32[N, 2]) -> [f32[N, 2]] {
    let v = fn (y, s) => s[:, None] * sin(y) + stack(-y[:, 1], y[:, 0], axis: -1)
    [rk4(v, x, uniform_grid(5))] + heun_trajectory(v, x, [0.0, 0.2, 0.5, 1.0])
  }
}
`,
    });
    const f32 = (a: NDArray) => ({
      dtype: "f32" as const,
      shape: a.shape,
      data: Float32Array.from(a.data),
    });
    // Inputs that are exactly representable in float32, so that both runs see the same numbers.
    const exact = (shape: number[], f: (i: number) => number) => filled(shape, (i) => Math.fround(f(i)));
    const u = exact([5], (i) => 0.1 + 0.2 * i);
    const cases: [string, Record<string, NDArray>][] = [
      [
        "paths",
        {
          x0: exact([5, 3, 2], (i) => Math.sin(i)),
          x1: exact([5, 3, 2], (i) => Math.cos(i)),
          eps: exact([5, 3, 2], (i) => Math.sin(2 * i)),
          u,
        },
      ],
      ["times", { u, n: exact([5], (i) => i - 2) }],
      [
        "losses",
        {
          p: exact([5, 3, 2], (i) => Math.sin(i) * 0.05),
          q: exact([5, 3, 2], (i) => Math.cos(i) * 0.05),
        },
      ],
      ["solve", { x: exact([4, 2], (i) => 0.3 * i - 1) }],
    ];
    for (const [fn, feeds] of cases) {
      const compiled = result.graphs.find((g) => g.fn === fn)!;
      const want = interpret(compiled.graph, feeds);
      const session = await GraphSession.create(compiled.onnx!);
      try {
        const got = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, f32(v)])));
        expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
        for (const [name, w] of Object.entries(want)) expectClose(got[name]!.data, w.data, 2e-5, `${fn} ${name}, ONNX Runtime vs interpreter`, 1e-2);
      } finally {
        await session.release();
      }
    }
  });
});
