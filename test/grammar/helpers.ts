// Helpers shared by the grammar tests.

import type * as A from "../../grammar/ast.js";
import { parse } from "../../grammar/parse.js";
import { renderDiagnostic, type Diagnostic } from "../../compiler/diagnostics/index.js";

export const FILE = "t.flow";

/** Parses text that must be valid; fails the test with the rendered diagnostic otherwise. */
export function parseOk(text: string): A.Program {
  const result = parse(text, FILE);
  if (!result.program || result.diagnostics.length > 0) {
    throw new Error(`expected a valid program, got:\n${result.diagnostics.map((d) => renderDiagnostic(d, () => text)).join("\n")}`);
  }
  return result.program;
}

/** Parses text that must be invalid; returns its single diagnostic. */
export function parseError(text: string): Diagnostic {
  const result = parse(text, FILE);
  if (result.program || result.diagnostics.length !== 1) {
    throw new Error(`expected exactly one diagnostic and no program, got ${result.diagnostics.length} diagnostics and ${result.program ? "a program" : "no program"}`);
  }
  return result.diagnostics[0]!;
}

/** The rendered (uncolored) diagnostic for invalid text. */
export function renderError(text: string): string {
  return renderDiagnostic(parseError(text), (path) => (path === FILE ? text : undefined));
}

/** The value of `let x = <expr>`. */
export function parseExpr(expr: string): A.Expr {
  const item = parseOk(`let x = ${expr}`).items[0]!;
  if (item.kind !== "LetDecl") throw new Error("expected a LetDecl");
  return item.value;
}

/** A compact prefix rendering of an expression, for precedence and structure assertions. */
export function sexpr(e: A.Expr): string {
  switch (e.kind) {
    case "Number":
      return e.raw;
    case "String":
      return JSON.stringify(e.value);
    case "Bool":
      return String(e.value);
    case "Name":
      return e.name;
    case "Unary":
      return `(${e.op} ${sexpr(e.operand)})`;
    case "Binary":
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case "Call":
      return `(call ${sexpr(e.callee)}${e.args.map((a) => ` ${a.name ? `${a.name.name}:` : ""}${sexpr(a.value)}`).join("")})`;
    case "Index":
      return `(index ${sexpr(e.target)}${e.indices.map((i) => ` ${indexItem(i)}`).join("")})`;
    case "Member":
      return `(. ${sexpr(e.target)} ${e.member.name})`;
    case "Tuple":
      return `(tuple${e.elements.map((x) => ` ${sexpr(x)}`).join("")})`;
    case "List":
      return `[${e.elements.map(sexpr).join(" ")}]`;
    case "ListComprehension":
      return `[${sexpr(e.element)} for ${e.variable.name} in ${sexpr(e.iterable)}]`;
    case "Block":
      return `{${e.statements.map((s) => `${statement(s)}; `).join("")}${sexpr(e.result)}}`;
    case "If":
      return `(if ${sexpr(e.cond)} ${sexpr(e.then)} ${sexpr(e.else)})`;
    case "Lambda":
      return `(fn (${e.params.map((p) => p.name.name).join(" ")}) ${sexpr(e.body)})`;
  }
}

function indexItem(i: A.IndexItem): string {
  switch (i.kind) {
    case "IndexExpr":
      return sexpr(i.value);
    case "NewAxis":
      return "None";
    case "Ellipsis":
      return "...";
    case "Slice":
      return `${i.start ? sexpr(i.start) : ""}:${i.stop ? sexpr(i.stop) : ""}${i.step ? `:${sexpr(i.step)}` : ""}`;
  }
}

function statement(s: A.Statement): string {
  switch (s.kind) {
    case "Let":
      return `let ${pattern(s.pattern)} = ${sexpr(s.value)}`;
    case "Draw":
      return `${s.name.name} ~ ${sexpr(s.distribution)}`;
    case "Set":
      return `set ${s.target.name} = ${sexpr(s.value)}`;
    case "Assert":
      return `assert ${sexpr(s.cond)}${s.message ? `, ${JSON.stringify(s.message.value)}` : ""}`;
  }
}

function pattern(p: A.Pattern): string {
  return p.kind === "PatName" ? p.name.name : `(${p.elements.map(pattern).join(", ")})`;
}

/** `line:column` of a span's start, and of its end. */
export const at = (s: { line: number; column: number }) => `${s.line}:${s.column}`;
export const range = (s: { line: number; column: number; endLine: number; endColumn: number }) => `${s.line}:${s.column}-${s.endLine}:${s.endColumn}`;
