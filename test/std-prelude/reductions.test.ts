// std/prelude.flow's reductions along an axis (logsumexp, variance, and the primitives beside
// them) type-check for every axis and both keepdims settings, and give the closed-form values in
// the float64 reference interpreter. A prelude function whose declared result type ties its rank to
// its argument's (`-> f32[...]`) fails here for `keepdims: false` (logsumexp and variance both did).

import { describe, expect, it } from "vitest";
import { interpret } from "../../compiler/ir/interpret.js";
import { compileOk } from "../compiled.js";

const X = [
  [0.5, -1.25, 2.0, 0.0],
  [3.0, 1.5, -0.75, -2.0],
  [-1.0, 0.25, 1.0, 4.0],
];

const closedForm: Record<string, (row: number[]) => number> = {
  logsumexp: (r) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0)),
  variance: (r) => {
    const m = r.reduce((a, v) => a + v, 0) / r.length;
    return r.reduce((a, v) => a + (v - m) ** 2, 0) / r.length;
  },
};

function evaluate(fn: string, axis: number, keepdims: boolean): { shape: number[]; data: number[] } {
  const resultShape = axis === 1 ? (keepdims ? "f32[B, 1]" : "f32[B]") : keepdims ? "f32[1, 4]" : "f32[4]";
  const text = `model m {\n  fn forward(x: f32[B, 4]) -> ${resultShape} { ${fn}(x, axis: ${axis}, keepdims: ${keepdims}) }\n}\n`;
  const result = compileOk({ entry: "test/std-prelude/reductions.flow", text, stage: "ir" });
  const graph = result.graphs.find((g) => g.fn === "forward")!.graph;
  const out = interpret(graph, { x: { dtype: "f32", shape: [3, 4], data: Float64Array.from(X.flat()) } });
  const value = out[graph.outputs[0]!.name]!;
  return { shape: [...value.shape], data: Array.from(value.data as Float64Array) };
}

describe("prelude reductions along an axis", () => {
  for (const fn of Object.keys(closedForm)) {
    for (const keepdims of [false, true]) {
      it(`${fn}(x, axis: 1, keepdims: ${keepdims}) reduces each row`, () => {
        const { shape, data } = evaluate(fn, 1, keepdims);
        expect(shape).toEqual(keepdims ? [3, 1] : [3]);
        X.forEach((row, i) => expect(data[i]).toBeCloseTo(closedForm[fn]!(row), 12));
      });
      it(`${fn}(x, axis: 0, keepdims: ${keepdims}) reduces each column`, () => {
        const { shape, data } = evaluate(fn, 0, keepdims);
        expect(shape).toEqual(keepdims ? [1, 4] : [4]);
        for (let j = 0; j < 4; j++) expect(data[j]).toBeCloseTo(closedForm[fn]!(X.map((r) => r[j]!)), 12);
      });
    }
  }
});
