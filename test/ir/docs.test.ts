// docs/primitives.md is generated from the registry; this test keeps it current.
// Regenerate with: UPDATE_DOCS=1 npx vitest run test/ir/docs.test.ts

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { primitivesMarkdownDocument, primitivesMarkdownTable } from "../../compiler/ir/docs.js";
import { allPrimitives } from "../../compiler/ir/primitives/registry.js";

const DOC_PATH = fileURLToPath(new URL("../../docs/primitives.md", import.meta.url));

describe("docs/primitives.md", () => {
  it("has one table row per primitive", () => {
    const rows = primitivesMarkdownTable().trim().split("\n").slice(2);
    expect(rows).toHaveLength(allPrimitives().length);
    expect(rows.find((r) => r.startsWith("| `matmul` "))).toContain("| 9 | not i32: ");
  });

  it("is up to date with the registry", () => {
    const expected = primitivesMarkdownDocument();
    if (process.env["UPDATE_DOCS"] === "1") writeFileSync(DOC_PATH, expected);
    const actual = existsSync(DOC_PATH) ? readFileSync(DOC_PATH, "utf8") : "";
    expect(actual, "docs/primitives.md is stale: run UPDATE_DOCS=1 npx vitest run test/ir/docs.test.ts").toBe(expected);
  });
});
