// `y ~ categorical([N], classes: k)` and `categorical([N], probs: [...])`: class indices (i32),
// fed as a uniform draw u and mapped in the graph to the class whose cumulative-probability
// interval holds u. Checked at chosen u (the interval edges) in the float64 interpreter and ONNX
// Runtime, and by frequencies over 20,000 draws of the runtime's own noise.

import { describe, expect, it } from "vitest";
import { interpret } from "../../compiler/ir/interpret.js";
import { RandomStream, sample } from "../../compiler/artifacts/rng.js";
import { GraphSession } from "../../runtime/onnx.js";
import { compileOk } from "../compiled.js";

const SPEC = `
model m {
  sampler uniform_classes() -> f32[N] {
    y ~ categorical([N], classes: 4)
    f32(y)
  }
  sampler weighted() -> f32[N] {
    y ~ categorical([N], probs: [0.25, 0.5, 0.25])
    f32(y)
  }
}
`;

const compiled = compileOk({ entry: "test/categorical.flow", text: SPEC });
const graph = (fn: string) => compiled.graphs.find((g) => g.fn === fn)!;

async function classesOf(fn: string, u: readonly number[]): Promise<{ exact: number[]; ort: number[] }> {
  const g = graph(fn);
  const noise = g.graph.inputs.find((i) => i.role === "noise")!;
  expect(g.graph.inputs.filter((i) => i.role === "noise")).toHaveLength(1);
  const exact = Array.from(interpret(g.graph, { [noise.name]: { dtype: "f32", shape: [u.length], data: Float64Array.from(u) } })["output"]!.data);
  const session = await GraphSession.create(g.onnx!, { threads: 1 });
  try {
    const out = await session.run({ [noise.name]: { dtype: "f32", shape: [u.length], data: Float32Array.from(u) } });
    return { exact, ort: Array.from(out["output"]!.data) };
  } finally {
    await session.release();
  }
}

describe("categorical draws", () => {
  it("the runtime feeds a uniform draw: the manifest says so", () => {
    const noise = compiled.manifest!.graphs.find((g) => g.name === "m.weighted")!.inputs.find((i) => i.role === "noise")!;
    expect(noise.noise).toEqual({ distribution: "uniform", args: { low: 0, high: 1 } });
  });

  it("classes: k maps u to floor(k u), the last class up to u just below 1", async () => {
    const u = [0, 0.2499, 0.25, 0.5, 0.7499, 0.75, Math.fround(1 - 2 ** -24)];
    const want = [0, 0, 1, 2, 2, 3, 3];
    const { exact, ort } = await classesOf("uniform_classes", u);
    expect(exact).toEqual(want);
    expect(ort).toEqual(want);
  });

  it("probs maps u to the class whose cumulative interval holds it", async () => {
    const u = [0, 0.2499, 0.25, 0.7499, 0.75, 0.9999];
    const want = [0, 0, 1, 1, 2, 2];
    const { exact, ort } = await classesOf("weighted", u);
    expect(exact).toEqual(want);
    expect(ort).toEqual(want);
  });

  it("over 20,000 draws of the runtime's uniform noise the frequencies are the probabilities (within 0.015)", async () => {
    const u = Array.from(sample(RandomStream.derive(7, "categorical"), "uniform", { low: 0, high: 1 }, 20000));
    const { ort } = await classesOf("weighted", u);
    const freq = [0, 1, 2].map((c) => ort.filter((y) => y === c).length / u.length);
    [0.25, 0.5, 0.25].forEach((p, c) => expect(Math.abs(freq[c]! - p)).toBeLessThan(0.015));
  });
});
