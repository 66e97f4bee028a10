// Every derivative rule of the registry, on the float64 reference interpreter:
//
//   JVP vs central differences   |jvp - fd| / (1 + |fd|) <= 1e-6, with ε = 1e-6 (float64: the
//                                truncation error is ~ε²·f''' and the rounding error ~1e-16/ε;
//                                f32-rounded rule constants such as 2/√π add ~1e-8).
//   dot-product test             <J·t, c> = <t, Jᵀ·c> for random t and c, to 1e-9 relative to the
//                                sum of the magnitudes of the terms (both sides are exact math).
//   Jacobians                    J built column by column with JVP equals J built row by row
//                                with VJP, to 1e-9 · (1 + |J|).

import { describe, expect, it } from "vitest";
import { allPrimitives } from "../../compiler/ir/primitives/registry.js";
import { makeArray, type NDArray } from "../../compiler/ir/ndarray.js";
import { caseName } from "../ir/harness.js";
import { DERIVATIVE_CASES } from "./cases.js";
import { centralDifference, derivativeCase, derivativeFeeds, dot, relativeError, run } from "./harness.js";

describe("derivative declarations", () => {
  it("every primitive has JVP and VJP rules or is declared non-differentiable", () => {
    const undeclared = allPrimitives().filter((p) => p.nonDifferentiable === undefined && !(p.jvp && p.vjp));
    expect(undeclared.map((p) => p.name)).toEqual([]);
  });

  it("no primitive has both rules and a non-differentiable declaration, or only one rule", () => {
    const confused = allPrimitives().filter((p) => (p.nonDifferentiable !== undefined && (p.jvp || p.vjp)) || !p.jvp !== !p.vjp);
    expect(confused.map((p) => p.name)).toEqual([]);
  });

  it("every differentiable primitive has a derivative case", () => {
    const covered = new Set(DERIVATIVE_CASES.map((c) => c.op));
    const missing = allPrimitives().filter((p) => p.jvp && !covered.has(p.name));
    expect(missing.map((p) => p.name)).toEqual([]);
  });
});

function oneHot(shape: readonly number[], at: number): NDArray {
  const a = makeArray("f32", shape);
  a.data[at] = 1;
  return a;
}

function zerosLike(a: NDArray): NDArray {
  return makeArray(a.dtype, a.shape);
}

DERIVATIVE_CASES.forEach((c, index) => {
  describe(caseName(c), () => {
    const d = derivativeCase(c);
    const feeds = derivativeFeeds(d, 2000 + index);
    const result = run(d, feeds);

    it("JVP matches central differences", () => {
      const direction = Object.fromEntries(d.diffInputs.map((i) => [`in${i}`, feeds[`t_in${i}`]!]));
      const outputs = d.diffOutputs.map((j) => `out${j}`);
      const fd = centralDifference((f) => run(d, f), feeds, direction, outputs);
      for (const j of d.diffOutputs) expect(relativeError(result[`jvp_out${j}`]!.data, fd[`out${j}`]!), `out${j}`).toBeLessThan(1e-6);
    });

    it("VJP is the transpose of JVP: <J·t, c> = <t, Jᵀ·c>", () => {
      const forward = d.diffOutputs.map((j) => dot(result[`jvp_out${j}`]!, feeds[`c_out${j}`]!));
      const backward = d.diffInputs.map((i) => dot(feeds[`t_in${i}`]!, result[`vjp_in${i}`]!));
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const scale = sum([...forward, ...backward].map(Math.abs));
      expect(Math.abs(sum(forward) - sum(backward))).toBeLessThanOrEqual(1e-9 * Math.max(1, scale));
    });

    it("forward and reverse Jacobians agree", () => {
      const silent = { ...feeds };
      for (const i of d.diffInputs) silent[`t_in${i}`] = zerosLike(feeds[`t_in${i}`]!);
      for (const j of d.diffOutputs) silent[`c_out${j}`] = zerosLike(feeds[`c_out${j}`]!);
      // forward[i][j]: d out_j / d in_i as an (in size × out size) block, one JVP per input element.
      const forward = new Map<string, Float64Array>();
      const reverse = new Map<string, Float64Array>();
      for (const i of d.diffInputs)
        for (const j of d.diffOutputs) {
          const n = feeds[`in${i}`]!.data.length;
          const m = feeds[`c_out${j}`]!.data.length;
          const fwd = new Float64Array(n * m);
          for (let p = 0; p < n; p++) {
            const out = run(d, { ...silent, [`t_in${i}`]: oneHot(feeds[`in${i}`]!.shape, p) })[`jvp_out${j}`]!;
            for (let q = 0; q < m; q++) fwd[p * m + q] = out.data[q]!;
          }
          const rev = new Float64Array(n * m);
          for (let q = 0; q < m; q++) {
            const ct = run(d, { ...silent, [`c_out${j}`]: oneHot(feeds[`c_out${j}`]!.shape, q) })[`vjp_in${i}`]!;
            for (let p = 0; p < n; p++) rev[p * m + q] = ct.data[p]!;
          }
          forward.set(`${i},${j}`, fwd);
          reverse.set(`${i},${j}`, rev);
        }
      for (const [key, fwd] of forward) expect(relativeError(reverse.get(key)!, fwd), `d out / d in (${key})`).toBeLessThan(1e-9);
    });
  });
});
