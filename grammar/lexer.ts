// Lexing: text → tokens + comments, and the first lexical problem (if any) with its offset.
// The lexer never stops at a problem: parse.ts decides whether a lexical problem or a parse error
// comes first in the file, because only the first error is reported.

import { Lexer, tokenMatcher, type IToken } from "chevrotain";
import { allTokens, Invalid, StringLit } from "./tokens.js";

export type LexProblem =
  /** A token of the `Invalid` category: `**`, `&&`, `1e`, an unterminated string, ... */
  | { readonly kind: "invalidToken"; readonly offset: number; readonly token: IToken }
  /** A character no token starts with (`$`, `#`, NUL, a non-ASCII letter, ...). */
  | { readonly kind: "badChar"; readonly offset: number }
  /** A U+FFFD replacement character: the file was decoded from invalid UTF-8. */
  | { readonly kind: "encoding"; readonly offset: number }
  /** A backslash escape other than `\"`, `\\`, `\n`, `\t` inside a string. */
  | { readonly kind: "badEscape"; readonly offset: number; readonly length: number };

export interface LexResult {
  /** Tokens for the parser (comments and whitespace excluded), invalid tokens included. */
  readonly tokens: IToken[];
  /** Line and block comments, in source order. */
  readonly comments: IToken[];
  /** The earliest lexical problem, if any. */
  readonly problem?: LexProblem;
}

const flowLexer = new Lexer(allTokens, {
  positionTracking: "full",
  // Only `\n` ends a line, matching compiler/source.ts LineIndex (a lone `\r` is whitespace).
  lineTerminatorsPattern: /\n/g,
  lineTerminatorCharacters: ["\n"],
  ensureOptimizations: false,
});

export function lex(text: string): LexResult {
  const result = flowLexer.tokenize(text);
  const comments = result.groups["comments"] ?? [];
  const problems: LexProblem[] = [];

  const encodingOffset = firstIndexOf(text, /[\0\uFFFD]/);
  if (encodingOffset !== undefined) {
    problems.push(text[encodingOffset] === "\0" ? { kind: "badChar", offset: encodingOffset } : { kind: "encoding", offset: encodingOffset });
  }
  const lexError = result.errors[0];
  if (lexError) problems.push({ kind: "badChar", offset: lexError.offset });
  const invalid = result.tokens.find((t) => tokenMatcher(t, Invalid));
  if (invalid) problems.push({ kind: "invalidToken", offset: invalid.startOffset, token: invalid });
  const escape = firstBadEscape(result.tokens);
  if (escape) problems.push(escape);

  const problem = problems.reduce<LexProblem | undefined>((first, p) => (first === undefined || p.offset < first.offset ? p : first), undefined);
  return { tokens: result.tokens, comments, problem };
}

function firstIndexOf(text: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(text);
  return m ? m.index : undefined;
}

const VALID_ESCAPE = /^[\\"nt]$/;

function firstBadEscape(tokens: readonly IToken[]): LexProblem | undefined {
  for (const t of tokens) {
    if (!tokenMatcher(t, StringLit)) continue;
    for (let i = 1; i < t.image.length - 1; i++) {
      if (t.image[i] !== "\\") continue;
      const escaped = t.image[i + 1]!;
      if (!VALID_ESCAPE.test(escaped)) return { kind: "badEscape", offset: t.startOffset + i, length: 1 + escaped.length };
      i++;
    }
  }
  return undefined;
}

/** The value of a string literal token (escapes already validated by `lex`). */
export function stringValue(image: string): string {
  return image.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}
