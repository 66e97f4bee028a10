// Symbolic sizes used as values are computed at run time from the inputs' shapes, including
// products of several sizes and their sums (a regression: a product once kept only its last factor).

import { expect, it } from "vitest";
import { interpret } from "../../compiler/ir/interpret.js";
import { compileOk } from "../compiled.js";

it("a size such as B*T or 2*B*T + T is computed from the input's shape", () => {
  const text = `
model m {
  fn rows(x: f32[B, T, 3]) -> f32 = f32(size(reshape(x, [-1, 3]), 0))
  fn mixed(x: f32[B, T, 3]) -> f32 = f32(size(concat(reshape(x, [-1, 3]), reshape(x, [-1, 3]), x[0], axis: 0), 0))
}
`;
  const result = compileOk({ entry: "test/sizes.flow", text, stage: "ir" });
  const x = { dtype: "f32" as const, shape: [2, 5, 3], data: new Float64Array(30) };
  const run = (fn: string) => interpret(result.graphs.find((g) => g.fn === fn)!.graph, { x })["output"]!.data[0];
  expect(run("rows")).toBe(10);
  expect(run("mixed")).toBe(2 * 10 + 5);
});
