// docs/diagnostics.md is generated from the diagnostic codes and the bad-input fixtures.
// Regenerate with: UPDATE_DOCS=1 npx vitest run test/docs.test.ts

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { diagnosticsMarkdown, type DiagnosticExample } from "../compiler/diagnostics/docs.js";

const DOC_PATH = join(import.meta.dirname, "..", "docs", "diagnostics.md");

function examples(): Map<string, DiagnosticExample> {
  const root = join(import.meta.dirname, "fixtures", "bad");
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".expected"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const out = new Map<string, DiagnosticExample>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    // One rendered diagnostic runs from its header line to the next blank line.
    for (const block of text.split(/\n\n/)) {
      const m = /^error\[(E\d{4})\]/.exec(block);
      if (m && !out.has(m[1]!)) out.set(m[1]!, { fixture: relative(join(import.meta.dirname, ".."), file.replace(/\.expected$/, ".flow")), rendered: block.trim() });
    }
  }
  return out;
}

it("docs/diagnostics.md is up to date", () => {
  const expected = diagnosticsMarkdown(examples());
  if (process.env["UPDATE_DOCS"] === "1") writeFileSync(DOC_PATH, expected);
  const actual = existsSync(DOC_PATH) ? readFileSync(DOC_PATH, "utf8") : "";
  expect(actual, "docs/diagnostics.md is stale: run UPDATE_DOCS=1 npx vitest run test/docs.test.ts").toBe(expected);
});
