// Where the brackets of a file are. The AST has no nodes for `(`, `[` and `{`, but comment placement
// needs them: a comment inside `f( ... )` belongs with the arguments, never with the callee, and a
// comment inside a module body belongs with its items, never with the header's parameters
// (see comments/attach.ts). The pairs come from the lexer's tokens, so brackets inside strings
// and comments are not counted.

import { lex } from "../grammar/lexer.js";

export interface BracketPair {
  /** Offset of the opening bracket. */
  readonly open: number;
  /** Offset of the matching closing bracket. */
  readonly close: number;
  readonly char: "(" | "[" | "{";
}

const OPEN = new Set(["(", "[", "{"]);
const CLOSE = new Set([")", "]", "}"]);

export class BracketIndex {
  /** Sorted by `open`; pairs nest, so a later pair containing an offset is inside an earlier one. */
  private constructor(private readonly pairs: readonly BracketPair[]) {}

  static of(text: string): BracketIndex {
    const pairs: BracketPair[] = [];
    const stack: { offset: number; char: BracketPair["char"] }[] = [];
    for (const token of lex(text).tokens) {
      if (OPEN.has(token.image)) stack.push({ offset: token.startOffset, char: token.image as BracketPair["char"] });
      else if (CLOSE.has(token.image)) {
        const open = stack.pop();
        if (open) pairs.push({ open: open.offset, close: token.startOffset, char: open.char });
      }
    }
    pairs.sort((a, b) => a.open - b.open);
    return new BracketIndex(pairs);
  }

  /** The innermost pair strictly around `offset` (a bracket at `offset` itself is not around it). */
  innermost(offset: number): BracketPair | undefined {
    let found: BracketPair | undefined;
    for (const pair of this.pairs) {
      if (pair.open >= offset) break;
      if (offset <= pair.close) found = pair;
    }
    return found;
  }

  /** The first pair of `char` that opens at or after `offset`. */
  nextOpening(offset: number, char: BracketPair["char"]): BracketPair | undefined {
    return this.pairs.find((p) => p.open >= offset && p.char === char);
  }
}
