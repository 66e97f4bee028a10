// Small typed accessors for chevrotain CST nodes and span construction from tokens/nodes.
// A missing child that the grammar guarantees is an internal error, not a user error.

import type { CstElement, CstNode, IToken } from "chevrotain";
import { LineIndex, makeSpan, type Span } from "../compiler/source.js";

function isToken(e: CstElement): e is IToken {
  return "image" in e;
}

export function nodes(n: CstNode, key: string): CstNode[] {
  return (n.children[key] ?? []).filter((e): e is CstNode => !isToken(e));
}

export function optNode(n: CstNode, key: string): CstNode | undefined {
  return nodes(n, key)[0];
}

export function node(n: CstNode, key: string): CstNode {
  const child = optNode(n, key);
  if (!child) throw new Error(`internal: CST node '${n.name}' has no child '${key}'`);
  return child;
}

export function tokens(n: CstNode, key: string): IToken[] {
  return (n.children[key] ?? []).filter(isToken);
}

export function optToken(n: CstNode, key: string): IToken | undefined {
  return tokens(n, key)[0];
}

export function token(n: CstNode, key: string): IToken {
  const t = optToken(n, key);
  if (!t) throw new Error(`internal: CST node '${n.name}' has no token '${key}'`);
  return t;
}

/** The only child node of a node whose rule is a single OR of subrules (e.g. `item`, `primary`). */
export function onlyChild(n: CstNode): CstNode | undefined {
  for (const elements of Object.values(n.children)) {
    for (const e of elements) if (!isToken(e)) return e;
  }
  return undefined;
}

/** Builds spans for one file. Token `endOffset` is inclusive; spans are half-open. */
export class SpanMaker {
  readonly index: LineIndex;
  constructor(
    readonly file: string,
    readonly text: string,
    index?: LineIndex,
  ) {
    this.index = index ?? new LineIndex(text);
  }

  range(start: number, end: number): Span {
    return makeSpan(this.file, this.index, start, end);
  }

  token(t: IToken): Span {
    return this.range(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
  }

  node(n: CstNode): Span {
    const loc = n.location;
    if (!loc || Number.isNaN(loc.startOffset)) throw new Error(`internal: CST node '${n.name}' has no location`);
    return this.range(loc.startOffset, (loc.endOffset ?? loc.startOffset) + 1);
  }

  /** From the start of `a` to the end of `b`. */
  between(a: Span, b: Span): Span {
    return this.range(a.start, b.end);
  }

  /** Where "end of file" is shown: just after the last non-whitespace character. */
  endOfFile(): Span {
    const end = this.text.trimEnd().length;
    return this.range(end, end);
  }
}
