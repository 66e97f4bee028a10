// The prettier plugin as prettier's users see it: the language is found by the `.flow` extension,
// prettier's options apply, a syntax error is a located SyntaxError, and the repository's prettier
// configuration loads the built plugin.

import * as prettier from "prettier";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import plugin from "../../format/plugin.js";
import { ROOT } from "./helpers.js";

const SOURCE = "fn f(x: f32[B, d], y: f32[B, d]) -> f32[B, d] = x + y\n";

describe("prettier plugin", () => {
  it("is chosen by the .flow extension", async () => {
    expect(await prettier.format("let  x=1", { filepath: "specs/a.flow", plugins: [plugin] })).toBe("let x = 1\n");
  });

  it("prints at 100 columns by default and honours printWidth and tabWidth", async () => {
    expect(await prettier.format(SOURCE, { parser: "flowc", plugins: [plugin] })).toBe(SOURCE);
    expect(await prettier.format(SOURCE, { parser: "flowc", plugins: [plugin], printWidth: 40, tabWidth: 4 })).toBe(
      "fn f(\n    x: f32[B, d],\n    y: f32[B, d],\n) -> f32[B, d] = x + y\n",
    );
  });

  it("throws a SyntaxError with the diagnostic and its location", async () => {
    const error = await prettier.format("let x = (1 +\n", { parser: "flowc", plugins: [plugin] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as { loc: unknown }).loc).toEqual({ start: { line: 1, column: 13 }, end: { line: 1, column: 13 } });
    expect((error as Error).message).toMatch(/^E01\d\d: .* \(1:13\)/);
  });

  it("is configured for the repository", async () => {
    const config = await prettier.resolveConfig(join(ROOT, "specs", "mlp.flow"));
    expect(config?.plugins).toHaveLength(1);
    expect(String(config?.plugins?.[0])).toMatch(/dist\/format\/plugin\.js$/);
    expect(config?.printWidth).toBe(100);
  });
});
