// The shapes the formatter sees: the parser's AST (grammar/ast.ts) plus what prettier and our parser
// add to it. Prettier attaches comments to nodes by setting `node.comments` and flags on each
// comment; our parser adds `value` (prettier's name for a comment's text in its error messages)
// and the bracket pair that encloses the comment.

import type * as A from "../grammar/ast.js";
import type { Span } from "../compiler/source.js";
import type { BracketIndex, BracketPair } from "./brackets.js";

export interface FlowComment extends A.Comment {
  value: string;
  /** The innermost bracket pair around the comment; undefined at the top level of the file. */
  bracket?: BracketPair;
  leading?: boolean;
  trailing?: boolean;
  printed?: boolean;
  /** For a dangling comment: the bracket pair it was found in (see comments/dangling.ts). */
  marker?: BracketPair;
}

/** Any node of the tree, loosely typed: the printer narrows by `kind`. */
export interface FlowNode {
  readonly kind: string;
  readonly span: Span;
  comments?: FlowComment[];
  readonly [key: string]: unknown;
}

/** The root that our parser hands to prettier. */
export type FlowAst = A.Program & { comments: FlowComment[] };

const bracketIndexes = new WeakMap<object, BracketIndex>();
const allComments = new WeakMap<object, readonly FlowComment[]>();

/** Remembers what the printer needs besides the tree (prettier removes `comments` from the root). */
export function setFileFacts(ast: FlowAst, index: BracketIndex): void {
  bracketIndexes.set(ast, index);
  allComments.set(ast, [...ast.comments]);
}

/** Every comment of the file. */
export function commentsOf(ast: object): readonly FlowComment[] {
  return allComments.get(ast) ?? [];
}

export function bracketIndexOf(ast: object): BracketIndex {
  const index = bracketIndexes.get(ast);
  if (!index) throw new Error("internal: no bracket index for this tree (was it parsed by format/parse.ts?)");
  return index;
}

export const isNode = (value: unknown): value is FlowNode =>
  typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string" && "span" in value;

export function start(node: { span: Span }): number {
  return node.span.start;
}

export function end(node: { span: Span }): number {
  return node.span.end;
}
