// Quotient sizes: a size variable divided by a constant it may not be a multiple of (`T / 2`, a
// sequence cut into chunks of 2) is the symbol `T/2` (compiler/ir/dims.ts), whose canonical form
// multiplies back (`2 * (T/2)` is `T`), computed at run time as T's size divided by 2; the
// runtime refuses a fed T that is not a multiple before running (manifest `multiples`).

import { describe, expect, it } from "vitest";
import { dimConst, dimDivConst, dimEquals, dimEvaluate, dimMul, dimAdd, dimSym, dimToString } from "../../compiler/ir/dims.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { GraphSession } from "../../runtime/onnx.js";
import { RunError } from "../../runtime/errors.js";
import { compileOk } from "../compiled.js";

const T = dimSym("T");

describe("quotient sizes in the canonical form", () => {
  it("T / 4 is T/4; 2T / 4 is T/2; 4 (T/4) and (T/4) + 3 (T/4) are T again; B T / 2 and T + 1 / 2 are not sizes", () => {
    expect(dimToString(dimDivConst(T, 4)!)).toBe("T/4");
    expect(dimToString(dimDivConst(dimMul(dimConst(2), T), 4)!)).toBe("T/2");
    expect(dimEquals(dimMul(dimConst(4), dimDivConst(T, 4)!), T)).toBe(true);
    const q = dimDivConst(T, 4)!;
    expect(dimEquals(dimAdd(q, dimMul(dimConst(3), q)), T)).toBe(true);
    expect(dimToString(dimMul(dimConst(8), dimMul(dimSym("B"), q)))).toBe("2*B*T");
    expect(dimDivConst(dimMul(dimSym("B"), T), 2)).toBeUndefined();
    expect(dimDivConst(dimAdd(T, dimConst(1)), 2)).toBeUndefined();
    // Exact divisions stay plain: 4 T / 2 is 2 T.
    expect(dimToString(dimDivConst(dimMul(dimConst(4), T), 2)!)).toBe("2*T");
  });

  it("evaluates with T's size when it is a multiple, and not otherwise", () => {
    const q = dimDivConst(T, 4)!;
    expect(dimEvaluate(q, new Map([["T", 12]]))).toBe(3);
    expect(dimEvaluate(q, new Map([["T", 10]]))).toBeUndefined();
  });
});

const SPEC = `
model m {
  // Cut [B, T, 4] into chunks of 2 tokens and sum each chunk; and reshape there and back.
  fn forward(x: f32[B, T, 4]) -> f32[B, T / 2, 4] = sum(reshape(x, [B, T / 2, 2, 4]), axis: 2)
  fn roundtrip(x: f32[B, T, 4]) -> f32[B, T, 4] = reshape(reshape(x, [B, T / 2, 2, 4]), [B, T, 4])
}
`;

describe("a reshape into chunks of a run-time length", () => {
  const compiled = compileOk({ entry: "test/quotient.flow", text: SPEC });
  const graph = (fn: string) => compiled.graphs.find((g) => g.fn === fn)!;
  const x = (t: number) => Float32Array.from({ length: 2 * t * 4 }, (_, i) => Math.sin(i) + i / 10);

  it("sums each chunk in the interpreter and in ONNX Runtime, for T = 6 and T = 10", async () => {
    for (const t of [6, 10]) {
      const data = x(t);
      const want = Array.from({ length: 2 * (t / 2) * 4 }, (_, k) => {
        const [b, c, f] = [Math.floor(k / ((t / 2) * 4)), Math.floor(k / 4) % (t / 2), k % 4];
        return data[(b * t + 2 * c) * 4 + f]! + data[(b * t + 2 * c + 1) * 4 + f]!;
      });
      const exact = interpret(graph("forward").graph, { x: { dtype: "f32", shape: [2, t, 4], data: Float64Array.from(data) } })["output"]!;
      expect(exact.shape).toEqual([2, t / 2, 4]);
      Array.from(exact.data).forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-12));
      const session = await GraphSession.create(graph("forward").onnx!, { multiples: compiled.manifest!.graphs.find((g) => g.name === "m.forward")!.multiples });
      const out = (await session.run({ x: { dtype: "f32", shape: [2, t, 4], data } }))["output"]!;
      await session.release();
      expect(out.shape).toEqual([2, t / 2, 4]);
      Array.from(out.data).forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-5));
    }
    const back = interpret(graph("roundtrip").graph, { x: { dtype: "f32", shape: [2, 6, 4], data: Float64Array.from(x(6)) } })["output"]!;
    expect(Array.from(back.data)).toEqual(Array.from(Float64Array.from(x(6))));
  });

  it("the manifest says which input size must be a multiple, and the runtime refuses T = 5 before running", async () => {
    const m = compiled.manifest!.graphs.find((g) => g.name === "m.forward")!;
    expect(m.multiples).toEqual([{ size: "T", input: "x", axis: 1, of: 2 }]);
    expect(m.outputs[0]!.shape).toEqual(["B", "T/2", 4]);
    const session = await GraphSession.create(graph("forward").onnx!, { multiples: m.multiples });
    const run = session.run({ x: { dtype: "f32", shape: [2, 5, 4], data: x(5) } });
    await expect(run).rejects.toThrow(RunError);
    await expect(session.run({ x: { dtype: "f32", shape: [2, 5, 4], data: x(5) } })).rejects.toThrow("the size `T` is 5 (axis 1 of `x`), but the graph divides it by 2 (`T / 2`): feed a multiple of 2");
    await session.release();
  });
});
