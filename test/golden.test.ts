// Golden dumps of every compiler stage for the bundled specs: a change in any stage shows up as a
// readable diff. Regenerate with UPDATE_FIXTURES=1 and read the diff before committing it.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/main.js";
import { bufferIO } from "../cli/io.js";

const update = process.env["UPDATE_FIXTURES"] === "1";
// The bundled specs' models, and a training step (its backward pass and optimizer update, before
// and after the optimization passes).
const specs: Record<string, string> = { mlp: "specs/mlp.flow", transformer: "specs/transformer.flow", "linear-sgd": "test/golden/specs/linear-sgd.flow" };
const stages = ["ast", "typed", "ir", "opt", "onnx"];

describe("stage dumps", () => {
  for (const [spec, entry] of Object.entries(specs))
    for (const stage of stages) {
      it(`${spec} --stage ${stage}`, async () => {
        const io = bufferIO();
        const code = await runCli(["dump", entry, "--stage", stage], io);
        expect(io.stderr()).toBe("");
        expect(code).toBe(0);
        const path = join(import.meta.dirname, "golden", `${spec}.${stage}.txt`);
        if (update || !existsSync(path)) writeFileSync(path, io.stdout());
        expect(io.stdout()).toBe(readFileSync(path, "utf8"));
      });
    }
});
