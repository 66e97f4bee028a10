// The formatter's guarantees on every .flow file of the repository that parses (std, specs, test
// fixtures, including bad ones whose errors come after parsing) and on the grammar tests' main
// example: formatting keeps the tree and the comments, and formatting twice changes nothing.
// A second test inserts comments between the tokens of two files, a sample of positions in four
// styles, and checks the same guarantees: comment placement is where formatters break.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lex } from "../../grammar/lexer.js";
import { MAIN_EXAMPLE } from "../grammar/examples.js";
import { checkGuarantees, flowFiles, parseOrUndefined, ROOT } from "./helpers.js";

// The formatter's own cases are checked by cases.test.ts.
const files = flowFiles().filter((f) => !f.startsWith("test/format/"));

describe("every .flow file in the repository", () => {
  it("finds the standard library and the specs", () => {
    expect(files).toContain("std/nn.flow");
    expect(files.some((f) => f.startsWith("specs/"))).toBe(true);
  });

  it.each(files)("%s", async (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    if (!parseOrUndefined(text)) return; // syntax-error fixtures: nothing to format
    await checkGuarantees(text, file);
  });

  it("the grammar tests' main example", async () => {
    await checkGuarantees(MAIN_EXAMPLE, "main example");
  });
});

const COMMENTS = ["/* c */", "// c\n", "\n// c\n", "\n/* c */\n"];
/** Every STRIDE-th token gap gets a comment (the style cycles): about a hundred variants in all. */
const STRIDE = 11;

describe("comments inserted between tokens", () => {
  const sources: [string, string][] = [
    ["main example", MAIN_EXAMPLE],
    ["std/nn.flow", readFileSync(join(ROOT, "std/nn.flow"), "utf8")],
  ];
  for (const [name, text] of sources) {
    it(name, async () => {
      const tokens = lex(text).tokens;
      let checked = 0;
      for (let i = 0; i < tokens.length; i += STRIDE) {
        const at = tokens[i]!.endOffset! + 1;
        const comment = COMMENTS[(i / STRIDE) % COMMENTS.length]!;
        const variant = text.slice(0, at) + comment + text.slice(at);
        if (!parseOrUndefined(variant)) continue; // e.g. a line break before a call's `(`
        await checkGuarantees(variant, `${name} with ${JSON.stringify(comment)} after \`${tokens[i]!.image}\` at offset ${at}`);
        checked++;
      }
      expect(checked).toBeGreaterThan(tokens.length / STRIDE / 2);
    });
  }
});
