// The prettier parser: .flow text → the AST of grammar/parse.ts, prepared for comment attachment.
// A file that does not parse throws a FlowSyntaxError that carries the parser's diagnostic and a
// `loc`, which prettier uses to print the message with a code frame.

import type { ParserOptions } from "prettier";
import { parse } from "../grammar/parse.js";
import type { Diagnostic } from "../compiler/diagnostics/index.js";
import { BracketIndex } from "./brackets.js";
import { setFileFacts, type FlowAst, type FlowComment } from "./nodes.js";

export class FlowSyntaxError extends SyntaxError {
  /** Line and column (both 1-based) in prettier's format. */
  readonly loc: { start: { line: number; column: number }; end: { line: number; column: number } };

  constructor(readonly diagnostic: Diagnostic) {
    const { span } = diagnostic;
    super(`${diagnostic.code}: ${diagnostic.message} (${span.line}:${span.column})`);
    this.name = "SyntaxError";
    this.loc = { start: { line: span.line, column: span.column }, end: { line: span.endLine, column: span.endColumn } };
  }
}

export function parseFlow(text: string, options?: Partial<ParserOptions>): FlowAst {
  const { program, diagnostics } = parse(text, options?.filepath ?? "<input>");
  if (!program) throw new FlowSyntaxError(diagnostics[0]!);
  const ast = program as FlowAst;
  const brackets = BracketIndex.of(text);
  for (const comment of ast.comments as FlowComment[]) {
    comment.value = comment.text;
    comment.bracket = brackets.innermost(comment.span.start);
  }
  setFileFacts(ast, brackets);
  return ast;
}
