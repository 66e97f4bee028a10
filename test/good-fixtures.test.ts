// Programs that must compile: each model function is lowered to ONNX, run in ONNX Runtime on
// example inputs, and compared output by output with the float64 reference interpreter.

import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { interpret } from "../compiler/ir/interpret.js";
import { exampleInputs } from "../runtime/inputs.js";
import { GraphSession } from "../runtime/onnx.js";
import { compileOk } from "./compiled.js";

const root = join(import.meta.dirname, "fixtures", "good");
const files = readdirSync(root).filter((f) => f.endsWith(".flow")).sort();

describe("good programs compile, run and match the interpreter", () => {
  for (const file of files) {
    it(file, async () => {
      const entry = relative(process.cwd(), join(root, file));
      const result = compileOk({ entry });
      expect(result.graphs.length).toBeGreaterThan(0);
      for (const [i, compiled] of result.graphs.entries()) {
        const feeds = exampleInputs(result.manifest!.graphs[i]!, { seed: 11, sizes: { B: 3, T: 5 }, intHigh: 7 });
        const session = await GraphSession.create(compiled.onnx!);
        const outputs = await session.run(feeds);
        await session.release();
        const reference = interpret(compiled.graph, Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { dtype: t.dtype, shape: [...t.shape], data: Float64Array.from(t.data) }])));
        expect(Object.keys(outputs).sort()).toEqual(compiled.graph.outputs.map((o) => o.name).sort());
        for (const [name, out] of Object.entries(outputs)) {
          const ref = reference[name]!;
          expect(out.shape, `${compiled.graph.name}:${name} shape`).toEqual(ref.shape);
          for (let k = 0; k < ref.data.length; k++) {
            const tolerance = out.dtype === "f32" ? 1e-5 * Math.max(1, Math.abs(ref.data[k]!)) : 0;
            expect(Math.abs(out.data[k]! - ref.data[k]!), `${compiled.graph.name}:${name}[${k}]`).toBeLessThanOrEqual(tolerance);
          }
        }
      }
    });
  }
});
