// Readable descriptions of tokens for error messages: "`foo`", "keyword `model`", "end of file",
// and of the set of tokens the parser expected: "`)`", "`,` or `)`", "an expression".

import { EOF, tokenMatcher, type IToken, type TokenType } from "chevrotain";
import * as T from "./tokens.js";

const tokenTypesByName = new Map<string, TokenType>(T.allTokens.map((t) => [t.name, t]));
tokenTypesByName.set("EOF", EOF);

export function tokenTypeNamed(name: string): TokenType | undefined {
  return tokenTypesByName.get(name);
}

export function isEof(t: IToken): boolean {
  return t.tokenType === EOF;
}

/** Tokens that can begin an expression. */
export const EXPRESSION_STARTS: readonly TokenType[] = [
  T.NumberLit,
  T.StringLit,
  T.True,
  T.False,
  T.Ident,
  T.LParen,
  T.LBracket,
  T.LCurly,
  T.If,
  T.Fn,
  T.Minus,
  T.Plus,
  T.Not,
];

export function startsExpression(t: IToken): boolean {
  return EXPRESSION_STARTS.some((type) => tokenMatcher(t, type));
}

/** How a found token is named in a message, e.g. "found `)`", "found keyword `model`". */
export function describeToken(t: IToken): string {
  if (isEof(t)) return "end of file";
  if (tokenMatcher(t, T.Keyword)) return `keyword \`${t.image}\``;
  if (tokenMatcher(t, T.StringLit)) return `string ${abbreviate(t.image)}`;
  if (tokenMatcher(t, T.NumberLit)) return `number \`${t.image}\``;
  return `\`${abbreviate(t.image)}\``;
}

function abbreviate(s: string): string {
  return s.length > 24 ? `${s.slice(0, 20)}...` : s;
}

/** "an expression" when the expected set is the set of expression starts, else "`a`, `b` or `c`". */
export function describeExpected(expected: readonly TokenType[]): string {
  const expressionLike = [T.NumberLit, T.StringLit, T.LParen].every((t) => expected.includes(t));
  const rest = expressionLike ? expected.filter((t) => !EXPRESSION_STARTS.includes(t) && t !== T.In) : expected;
  const labels = [...new Set(rest.map(label))];
  if (expressionLike) labels.unshift("an expression");
  if (labels.length === 0) return "something else";
  if (labels.length > 5) return `${labels.slice(0, 4).join(", ")} or another token`;
  return labels.length === 1 ? labels[0]! : `${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}`;
}

function label(t: TokenType): string {
  if (t === EOF) return "end of file";
  return t.LABEL ?? t.name;
}
