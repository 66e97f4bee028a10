// Every primitive, every case of primitive-cases.ts: lower a one-node graph to ONNX, run it in ONNX
// Runtime, and compare with the float64 reference interpreter (tolerance: see harness.ts). Also
// checks ONNX Runtime's output shapes against the shape rule with the symbols bound.

import { describe, expect, it } from "vitest";
import { interpret } from "../../compiler/ir/interpret.js";
import { allPrimitives } from "../../compiler/ir/primitives/registry.js";
import { verifyGraph } from "../../compiler/ir/verify.js";
import { lowerGraph } from "../../compiler/onnx/lower.js";
import { caseFeeds, caseGraph, caseName, compareArrays, evaluateShape, runOnnx } from "./harness.js";
import { PRIMITIVE_CASES } from "./primitive-cases.js";

describe("primitive cases", () => {
  it("cover every registered primitive", () => {
    const covered = new Set(PRIMITIVE_CASES.map((c) => c.op));
    const missing = allPrimitives()
      .map((p) => p.name)
      .filter((name) => !covered.has(name));
    expect(missing).toEqual([]);
  });

  it("name only registered primitives", () => {
    const known = new Set(allPrimitives().map((p) => p.name));
    expect(PRIMITIVE_CASES.map((c) => c.op).filter((op) => !known.has(op))).toEqual([]);
  });
});

describe("ONNX lowering agrees with the reference interpreter", () => {
  PRIMITIVE_CASES.forEach((c, index) => {
    it(caseName(c), async () => {
      const graph = caseGraph(c);
      expect(verifyGraph(graph)).toEqual([]);
      const feeds = caseFeeds(c, 1000 + index);
      const expected = interpret(graph, feeds);
      const actual = await runOnnx(lowerGraph(graph, { paramsAs: "initializers" }), feeds);
      for (const output of graph.outputs) {
        const got = actual[output.name];
        expect(got, `ONNX output ${output.name}`).toBeDefined();
        const ruleShape = evaluateShape(graph.values[output.value]!.shape, c.sizes ?? {});
        expect(got!.shape, `${output.name}: ONNX Runtime shape vs the shape rule`).toEqual(ruleShape);
        expect(compareArrays(got!, expected[output.name]!), output.name).toBeUndefined();
      }
    });
  });
});
