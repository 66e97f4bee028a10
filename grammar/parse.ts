// The entry point of the front end: text → Program, or exactly one diagnostic for the first error.
//
// Errors come from four places, and only the earliest in the file is reported (later ones are
// usually consequences of the first):
//   1. lexical problems (bad characters, unterminated strings, `**`, ...) — lexer.ts
//   2. brackets nested deeper than MAX_BRACKET_DEPTH — checked on the tokens, before parsing
//   3. parse errors — parser.ts, worded by syntax-errors.ts
//   4. checks made while building the AST — to-ast.ts (thrown as CompileError) — and a bound on
//      the depth of the finished tree (ast-depth.ts)
// To order 1–2 against 3–4, the parser only sees the tokens before the first problem of kind 1–2:
// if it fails on one of those tokens, that failure comes first; if it reaches their end, the
// problem does. (One imprecision: the checks of kind 4 need a complete parse, so when the problem
// cuts an item in half, a kind-4 error earlier in the file is not seen and the problem is reported.)
//
// `parse` never throws: a stack overflow on pathological input becomes E0113 and anything else
// unexpected becomes an internal-error diagnostic.

import type { CstNode, IToken } from "chevrotain";
import type { Program } from "./ast.js";
import { CompileError, diagnostic, type Diagnostic } from "../compiler/diagnostics/index.js";
import { firstNodeDeeperThan } from "./ast-depth.js";
import { SpanMaker } from "./cst.js";
import { lex } from "./lexer.js";
import { discardFlowParser, flowParser, NestingTooDeep } from "./parser.js";
import { lexProblemDiagnostic, nestingTooDeep, parseErrorDiagnostic } from "./syntax-errors.js";
import { toAst } from "./to-ast.js";
import { isEof } from "./token-text.js";
import { OPENERS, CLOSERS } from "./tokens.js";

export interface ParseResult {
  /** The tree; undefined when there are errors. */
  readonly program?: Program;
  /** At most one diagnostic: the first error in the file. */
  readonly diagnostics: Diagnostic[];
}

/** `((((x))))` deeper than this is rejected with E0113 before parsing. */
export const MAX_BRACKET_DEPTH = 200;

export function parse(text: string, file: string): ParseResult {
  const spans = new SpanMaker(file, text);
  try {
    return parseOrFail(text, spans);
  } catch (e) {
    // The shared parser may be mid-rule after an exception from inside it; build a fresh one next time.
    discardFlowParser();
    return { diagnostics: [unexpectedFailure(e, text, spans)] };
  }
}

function parseOrFail(text: string, spans: SpanMaker): ParseResult {
  const lexed = lex(text);
  const lexProblem = lexed.problem && { offset: lexed.problem.offset, diagnostic: () => lexProblemDiagnostic(lexed.problem!, spans) };
  const tooDeep = firstTooDeepBracket(lexed.tokens);
  const nestingProblem = tooDeep && { offset: tooDeep.startOffset, diagnostic: () => nestingTooDeep(spans.token(tooDeep)) };
  const problem = [lexProblem, nestingProblem].filter((p) => p !== undefined).sort((a, b) => a.offset - b.offset)[0];

  const tokens = problem ? lexed.tokens.filter((t) => t.startOffset < problem.offset) : lexed.tokens;
  const parser = flowParser();
  let cst: CstNode;
  try {
    cst = parser.parseProgram(tokens);
  } catch (e) {
    if (e instanceof NestingTooDeep) {
      const at = isEof(e.token) ? spans.endOfFile() : spans.token(e.token);
      const diagnostic = problem && problem.offset < at.start ? problem.diagnostic() : nestingTooDeep(at);
      return { diagnostics: [diagnostic] };
    }
    throw e;
  }

  const parseError = parser.errors[0];
  if (parseError) {
    const atTruncationPoint = isEof(parseError.token) && problem !== undefined;
    return { diagnostics: [atTruncationPoint ? problem.diagnostic() : parseErrorDiagnostic(parseError, tokens, spans)] };
  }
  try {
    const program = toAst(cst, lexed.comments, spans);
    if (problem) return { diagnostics: [problem.diagnostic()] };
    const tooDeepNode = firstNodeDeeperThan(program);
    if (tooDeepNode) return { diagnostics: [nestingTooDeep(tooDeepNode)] };
    return { program, diagnostics: [] };
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    const first = problem && problem.offset < e.diagnostic.span.start ? problem.diagnostic() : e.diagnostic;
    return { diagnostics: [first] };
  }
}

function firstTooDeepBracket(tokens: readonly IToken[]): IToken | undefined {
  return deepestBracket(tokens, MAX_BRACKET_DEPTH);
}

/** The first opening bracket deeper than `limit`, else the deepest one (undefined if none). */
function deepestBracket(tokens: readonly IToken[], limit = Infinity): IToken | undefined {
  let depth = 0;
  let deepest: { token: IToken; depth: number } | undefined;
  for (const t of tokens) {
    if (OPENERS.has(t.tokenType)) {
      depth++;
      if (depth > limit) return t;
      if (!deepest || depth > deepest.depth) deepest = { token: t, depth };
    } else if (CLOSERS.has(t.tokenType)) {
      depth = Math.max(0, depth - 1);
    }
  }
  return limit === Infinity ? deepest?.token : undefined;
}

function unexpectedFailure(e: unknown, text: string, spans: SpanMaker): Diagnostic {
  // A stack overflow: nesting below the explicit limits can still exhaust a small stack.
  if (e instanceof RangeError) {
    const deepest = deepestBracket(lex(text).tokens);
    return nestingTooDeep(deepest ? spans.token(deepest) : spans.range(0, 0));
  }
  if (e instanceof CompileError) return e.diagnostic;
  const message = e instanceof Error ? e.message : String(e);
  return diagnostic("E0900", spans.range(0, 0), `internal compiler error while parsing: ${message}`, {
    help: "this is a bug in flowc; please report it with the file that caused it",
  });
}
