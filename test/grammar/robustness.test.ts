// `parse` never throws, reports at most one diagnostic with a valid span, and returns a program
// exactly when there is no diagnostic — for random text, token soups, truncations and mutations
// of a real program, and pathological nesting. (A larger fuzz run lives in test/fuzz.test.ts.)

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { dumpAst } from "../../grammar/dump.js";
import { LineIndex } from "../../compiler/source.js";
import { renderDiagnostic } from "../../compiler/diagnostics/index.js";
import { FILE } from "./helpers.js";
import { MAIN_EXAMPLE } from "./examples.js";

const RUNS = Number(process.env["GRAMMAR_FUZZ_RUNS"] ?? 300);

interface SpanLike {
  file: string;
  start: number;
  end: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

function expectValidSpan(span: SpanLike, text: string, index: LineIndex): void {
  expect(span.file).toBe(FILE);
  expect(0 <= span.start && span.start <= span.end && span.end <= text.length).toBe(true);
  expect(index.position(span.start)).toEqual({ line: span.line, column: span.column });
  expect(index.position(span.end)).toEqual({ line: span.endLine, column: span.endColumn });
}

/** Every object with a `span` in the tree, found without recursion. */
function allSpans(root: object): SpanLike[] {
  const spans: SpanLike[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) stack.push(...v);
    else {
      for (const [key, child] of Object.entries(v)) {
        if (key === "span" || key === "opSpan") spans.push(child as SpanLike);
        else stack.push(child);
      }
    }
  }
  return spans;
}

function checkParse(text: string): void {
  let result;
  try {
    result = parse(text, FILE);
  } catch (e) {
    throw new Error(`parse threw on ${JSON.stringify(text)}: ${String(e)}`);
  }
  const index = new LineIndex(text);
  if (result.program) {
    expect(result.diagnostics).toEqual([]);
    for (const span of allSpans(result.program)) expectValidSpan(span, text, index);
    expect(typeof dumpAst(result.program)).toBe("string");
  } else {
    expect(result.diagnostics).toHaveLength(1);
    const d = result.diagnostics[0]!;
    expect(d.code, d.message).toMatch(/^E01\d\d$/);
    expectValidSpan(d.span, text, index);
    for (const note of d.notes) if (note.span) expectValidSpan(note.span, text, index);
    expect(renderDiagnostic(d, () => text)).toContain(`error[${d.code}]`);
  }
}

const VOCABULARY = [
  ..."use as let fn module model param state loss data train on sampler expect if else for in set assert true false and or not".split(" "),
  ..."+ - * / % @ ^ == != < <= > >= = ~ : , . ( ) [ ] { } -> => ... ; | ** && ! += '".split(" "),
  "x",
  "f32",
  "None",
  "B",
  "1",
  "2.5",
  "1e-3",
  "1e",
  '"s"',
  '"open',
  "// c\n",
  "/* c */",
  "/*",
  "\n",
  "$",
  "\0",
  "\uFFFD",
  "def",
  "return",
];

const tokenSoup = fc
  .array(fc.tuple(fc.constantFrom(...VOCABULARY), fc.constantFrom("", " ", "\n", "  ")), { maxLength: 40 })
  .map((parts) => parts.map(([t, ws]) => t + ws).join(""));

const mutation = fc
  .array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom(...VOCABULARY, "")), { minLength: 1, maxLength: 4 })
  .map((edits) => {
    let s = MAIN_EXAMPLE;
    for (const [at, remove, insert] of edits) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + insert + s.slice(i + remove);
    }
    return s;
  });

describe("parse never throws", () => {
  it("on random strings", () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: "grapheme", maxLength: 100 })), checkParse), {
      numRuns: RUNS,
    });
  });

  it("on random token soups", () => {
    fc.assert(fc.property(tokenSoup, checkParse), { numRuns: RUNS });
  });

  it("on mutations of a valid program", () => {
    fc.assert(fc.property(mutation, checkParse), { numRuns: RUNS });
  });

  it("on every truncation of a valid program", () => {
    for (let n = 0; n <= MAIN_EXAMPLE.length; n++) checkParse(MAIN_EXAMPLE.slice(0, n));
  });

  it.each([
    ["deep parentheses", "let a = " + "(".repeat(5000) + "x" + ")".repeat(5000)],
    ["unclosed deep parentheses", "let a = " + "(".repeat(100_000)],
    ["deep calls", "let a = " + "f(".repeat(300) + ")".repeat(300)],
    ["deep blocks", "fn f() = " + "{".repeat(1000) + "1" + "}".repeat(1000)],
    ["long prefix chains", "let a = " + "-".repeat(50_000) + "x"],
    ["long not chains", "let a = " + "not ".repeat(5000) + "x"],
    ["long power chains", "let a = " + "x^".repeat(5000) + "x"],
    ["long else-if chains", "let a = if a { 1 }" + " else if a { 1 }".repeat(2000) + " else { 2 }"],
    ["long lambda chains", "let a = " + "fn () => ".repeat(2000) + "x"],
    ["deep tuple types", "let a: " + "(".repeat(2000) + "int" + ")".repeat(2000) + " = 1"],
    ["deep slices", "let a = " + "x[1:".repeat(300) + "x" + "]".repeat(300)],
    ["a very long sum", "let a = " + "x + ".repeat(20_000) + "x"],
    ["only NUL bytes", "\0".repeat(1000)],
    ["a lone surrogate", "let a = \uD800"],
  ])("on %s", (_, text) => {
    checkParse(text);
    const result = parse(text, FILE);
    expect(result.program).toBeUndefined();
    expect(["E0113", "E0100", "E0104"]).toContain(result.diagnostics[0]!.code);
  });

  it("accepts 200 nested parentheses and rejects 201", () => {
    expect(parse("let a = " + "(".repeat(200) + "x" + ")".repeat(200), FILE).program).toBeDefined();
    const d = parse("let a = " + "(".repeat(201) + "x" + ")".repeat(201), FILE).diagnostics[0]!;
    expect([d.code, d.span.column]).toEqual(["E0113", 9 + 200]);
  });

  it("gives the same result after a failed parse (no state leaks between parses)", () => {
    const fresh = dumpAst(parse(MAIN_EXAMPLE, FILE).program!);
    const deepIf = "let a = if a { 1 }" + " else if a { 1 }".repeat(300) + " else { 2 }";
    for (const bad of ["let a = (((", "let a = " + "(".repeat(300), "module M { fn f( ", "\0", deepIf, "let a = " + "x[1:".repeat(300)]) parse(bad, FILE);
    expect(dumpAst(parse(MAIN_EXAMPLE, FILE).program!)).toBe(fresh);
  });
});
