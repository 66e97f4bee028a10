// The derivative graphs of every primitive case lower to ONNX, and ONNX Runtime (float32) computes
// the same tangents and cotangents as the float64 reference interpreter: |ort - ref| <= 1e-4 ·
// max(1, |ref|) elementwise. This covers the ops the rules emit (scatter_add into expanded zeros,
// symbolic concat pieces, dim-based counts) in the form the rules emit them.

import { describe, expect, it } from "vitest";
import { verifyGraph } from "../../compiler/ir/verify.js";
import { lowerGraph } from "../../compiler/onnx/lower.js";
import { caseName, runOnnx } from "../ir/harness.js";
import { DERIVATIVE_CASES } from "./cases.js";
import { derivativeCase, derivativeFeeds, run } from "./harness.js";

const TOLERANCE = 1e-4;

function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

describe("derivative graphs run in ONNX Runtime", () => {
  DERIVATIVE_CASES.forEach((c, index) => {
    it(caseName(c), async () => {
      const d = derivativeCase(c);
      expect(verifyGraph(d.graph)).toEqual([]);
      const feeds = derivativeFeeds(d, 3000 + index);
      const expected = run(d, feeds);
      const actual = await runOnnx(lowerGraph(d.graph, { paramsAs: "initializers" }), feeds);
      for (const output of d.graph.outputs) {
        const got = actual[output.name]!;
        expect(got.shape, output.name).toEqual(expected[output.name]!.shape);
        expect(worstError(got.data, expected[output.name]!.data), output.name).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  });
});
