// The formatter's worked examples: each folder here holds an input.flow in an odd style and the
// output.flow it must format to. Regenerate the outputs with UPDATE_FIXTURES=1 (and read the diff).
// Each case also checks the guarantees: same tree, same comments, and formatting the output again
// gives the output.

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkGuarantees, format } from "./helpers.js";

const update = process.env["UPDATE_FIXTURES"] === "1";
const dir = import.meta.dirname;
const cases = readdirSync(dir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "input.flow")))
  .map((e) => e.name)
  .sort();

describe("formatting cases", () => {
  it("has at least 15 cases", () => expect(cases.length).toBeGreaterThanOrEqual(15));

  for (const name of cases) {
    it(name, async () => {
      const input = readFileSync(join(dir, name, "input.flow"), "utf8");
      const formatted = await checkGuarantees(input, name);
      const expectedPath = join(dir, name, "output.flow");
      if (update || !existsSync(expectedPath)) writeFileSync(expectedPath, formatted);
      expect(formatted).toBe(readFileSync(expectedPath, "utf8"));
      expect(await format(formatted)).toBe(formatted);
    });
  }
});
