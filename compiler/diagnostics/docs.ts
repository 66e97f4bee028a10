// docs/diagnostics.md is generated from the code registry and the bad-input fixtures, so every
// code is documented with a real example of its rendered message.

import { DIAGNOSTIC_CODES, type DiagnosticCode } from "./codes.js";

export interface DiagnosticExample {
  readonly fixture: string;
  /** The rendered diagnostic (the part of the fixture's expected output for this code). */
  readonly rendered: string;
}

const SECTIONS: [string, string][] = [
  ["E01", "Syntax"],
  ["E02", "Names and imports"],
  ["E03", "Types"],
  ["E04", "Shapes"],
  ["E05", "Calls"],
  ["E06", "Modules, parameters and state"],
  ["E07", "Models and entry points"],
  ["E08", "Command line and files"],
  ["E09", "Internal"],
];

export function diagnosticsMarkdown(examples: ReadonlyMap<string, DiagnosticExample>): string {
  const out: string[] = [
    "# Diagnostics",
    "",
    "Every error flowc reports has a stable code, the source location with a code frame, a sentence saying what is",
    "wrong and, where it can, what to do. This page is generated from `compiler/diagnostics/codes.ts` and the",
    "bad-input fixtures in `test/fixtures/bad/` (regenerate with `UPDATE_DOCS=1 npx vitest run test/docs.test.ts`).",
    "",
    "An error raised inside the standard library (`std/*.flow`) while elaborating a spec's use of it (a layer with",
    "arguments it cannot take, an optimizer setting that does not fit a parameter) also carries a note pointing at",
    "that use in the spec: see `test/fixtures/bad/std-uses/`.",
    "",
  ];
  for (const [prefix, title] of SECTIONS) {
    const codes = (Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[]).filter((c) => c.startsWith(prefix));
    if (!codes.length) continue;
    out.push(`## ${title}`, "");
    for (const code of codes) {
      out.push(`### ${code}: ${DIAGNOSTIC_CODES[code]}`, "");
      const example = examples.get(code);
      if (example) out.push(`From \`${example.fixture}\`:`, "", "```", example.rendered, "```", "");
    }
  }
  return out.join("\n");
}
