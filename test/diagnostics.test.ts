// Every file under test/fixtures/bad/ is compiled with `flowc info`; its rendered diagnostics and
// exit code must match the `.expected` file beside it. Regenerate with UPDATE_FIXTURES=1 (then
// read the diff: the expected files are the specification of the messages).

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/main.js";
import { bufferIO } from "../cli/io.js";
import { DIAGNOSTIC_CODES } from "../compiler/diagnostics/codes.js";

const root = join(import.meta.dirname, "fixtures", "bad");
const update = process.env["UPDATE_FIXTURES"] === "1";

function flowFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? flowFiles(join(dir, e.name)) : e.name.endsWith(".flow") ? [join(dir, e.name)] : [],
  );
}

const fixtures = flowFiles(root).sort();
// Files that are imported by other fixtures rather than compiled themselves.
const entries = fixtures.filter((f) => !f.includes("/lib/"));

describe("bad-input fixtures", () => {
  it("has at least 40 cases", () => {
    expect(entries.length).toBeGreaterThanOrEqual(40);
  });

  for (const file of entries) {
    const rel = relative(process.cwd(), file);
    it(rel, async () => {
      const io = bufferIO();
      const code = await runCli(["info", rel], io);
      const actual = `${io.stderr()}exit: ${code}\n`;
      const expectedPath = file.replace(/\.flow$/, ".expected");
      if (update || !existsSync(expectedPath)) writeFileSync(expectedPath, actual);
      expect(actual).toBe(readFileSync(expectedPath, "utf8"));
      expect(code).toBe(1);
      expect(actual).not.toContain("E0900");
    });
  }

  it("covers every diagnostic code a user can cause", () => {
    const seen = new Set<string>();
    for (const file of entries) {
      const expectedPath = file.replace(/\.flow$/, ".expected");
      if (!existsSync(expectedPath)) continue;
      for (const m of readFileSync(expectedPath, "utf8").matchAll(/\[(E\d{4})\]/g)) seen.add(m[1]!);
    }
    // Codes that no .flow input can trigger through `flowc info` are listed with the reason.
    const unreachable: Record<string, string> = {
      E0900: "internal compiler error: a bug, never a user error",
      E0506: "no derivative rule: every primitive in the registry has rules (test/ad checks completeness)",
      E0700: "`--model` names a model the spec lacks: tested in test/cli.test.ts",
      E0800: "file-level: tested in test/cli.test.ts",
      E0801: "command line: tested in test/cli.test.ts",
      E0802: "command line: tested in test/cli.test.ts",
    };
    const missing = Object.keys(DIAGNOSTIC_CODES).filter((c) => !seen.has(c) && !(c in unreachable));
    expect(missing).toEqual([]);
  });
});
