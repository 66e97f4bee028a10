// Shared by the formatter tests: the .flow files of the repository, formatting that must succeed,
// and the two views of a file that formatting must not change (its tree and its comments).

import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parse } from "../../grammar/parse.js";
import type { Program } from "../../grammar/ast.js";
import { formatFlow, type FormatOptions } from "../../format/format.js";

export const ROOT = resolve(import.meta.dirname, "../..");

const SKIPPED_DIRS = new Set(["node_modules", "dist", "build", "runs", ".git"]);

/** Every `.flow` file under `dir` (relative to the repository root), sorted. */
export function flowFiles(dir = "."): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(abs, entry.name));
      } else if (entry.name.endsWith(".flow")) out.push(relative(ROOT, join(abs, entry.name)));
    }
  };
  walk(resolve(ROOT, dir));
  return out.sort();
}

export async function format(text: string, options: FormatOptions = {}): Promise<string> {
  const result = await formatFlow(text, options);
  if ("diagnostic" in result) throw new Error(`does not parse: ${result.diagnostic.message} at ${result.diagnostic.span.line}:${result.diagnostic.span.column}`);
  return result.formatted;
}

export function parseOrUndefined(text: string): Program | undefined {
  return parse(text, "<test>").program;
}

/** The tree without positions and comments: what must be the same before and after formatting. */
export function shape(program: Program): unknown {
  return JSON.parse(JSON.stringify(program, (key, value: unknown) => (key === "span" || key === "opSpan" || key === "comments" ? undefined : value)));
}

/** The comments' texts (line comments without trailing spaces), sorted: a multiset to compare. */
export function commentTexts(program: Program): string[] {
  return program.comments.map((c) => (c.style === "line" ? c.text.trimEnd() : c.text.replace(/\r\n/g, "\n"))).sort();
}

/** Checks the guarantees for one text and returns the formatted text. */
export async function checkGuarantees(text: string, label: string): Promise<string> {
  const before = parseOrUndefined(text);
  if (!before) throw new Error(`${label}: the input does not parse`);
  const once = await format(text).catch((e: Error) => {
    throw new Error(`${label}: ${e.message}\n${text}`);
  });
  const after = parseOrUndefined(once);
  if (!after) throw new Error(`${label}: the formatted text does not parse:\n${once}`);
  assertEqual(shape(after), shape(before), `${label}: formatting changed the tree:\n${once}`);
  assertEqual(commentTexts(after), commentTexts(before), `${label}: formatting lost or duplicated comments:\n${once}`);
  const twice = await format(once);
  assertEqual(twice, once, `${label}: formatting is not idempotent:\n--- once\n${once}\n--- twice\n${twice}`);
  return once;
}

function assertEqual(actual: unknown, expected: unknown, message: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(message);
}
