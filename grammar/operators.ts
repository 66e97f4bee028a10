// Operator precedence for the flat `operand (op operand)*` chains produced by the parser.
//
//   lowest   or
//            and
//            not x          (prefix; its operand extends over comparisons and arithmetic)
//            == != < <= > >=  (non-associative: `a < b < c` is an error)
//            + -
//            * / % @
//            -x +x          (prefix; `-x^2` is `-(x^2)`)
//   highest  ^              (right-associative; `x^-1` is allowed)
//
// This is precedence climbing over one chain; its recursion depth is bounded (E0113).

import type { IToken } from "chevrotain";
import type { BinaryOp, Expr, UnaryOp } from "./ast.js";
import { CompileError, fail } from "../compiler/diagnostics/index.js";
import { nestingTooDeep } from "./syntax-errors.js";
import type { SpanMaker } from "./cst.js";

export interface Operand {
  /** Prefix operator tokens in source order (`-`, `+`, `not`). */
  readonly prefixes: readonly IToken[];
  readonly value: Expr;
}

// Binding strength of each operator level, weakest first. The formatter (format/print/parens.ts)
// reads the same table to print exactly the parentheses this parser needs.
export const OR = 1;
export const AND = 2;
export const NOT = 3;
export const COMPARE = 4;
export const ADD = 5;
export const MUL = 6;
export const SIGN = 7;
export const POWER = 8;

export const BINARY_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  or: OR,
  and: AND,
  "==": COMPARE,
  "!=": COMPARE,
  "<": COMPARE,
  "<=": COMPARE,
  ">": COMPARE,
  ">=": COMPARE,
  "+": ADD,
  "-": ADD,
  "*": MUL,
  "/": MUL,
  "%": MUL,
  "@": MUL,
  "^": POWER,
};

/** Deeper recursion than this (long prefix or `^` chains) is rejected like deep nesting. */
export const MAX_OPERATOR_DEPTH = 256;

export function buildOperatorTree(operands: readonly Operand[], ops: readonly IToken[], spans: SpanMaker): Expr {
  return new OperatorTreeBuilder(operands, ops, spans).build();
}

class OperatorTreeBuilder {
  /** Index of the operand being read; the operator after operand k is ops[k]. */
  private operand = 0;
  /** How many prefixes of the current operand have been consumed. */
  private prefix = 0;
  private depth = 0;

  constructor(
    private readonly operands: readonly Operand[],
    private readonly ops: readonly IToken[],
    private readonly spans: SpanMaker,
  ) {}

  build(): Expr {
    return this.parse(OR, undefined);
  }

  /** Parses an expression whose binary operators all bind at least as tightly as `minPrecedence`. */
  private parse(minPrecedence: number, after: IToken | undefined): Expr {
    if (++this.depth > MAX_OPERATOR_DEPTH) {
      const where = after ? this.spans.token(after) : this.operands[this.operand]!.value.span;
      throw new CompileError(nestingTooDeep(where));
    }
    let left = this.parsePrefixed(minPrecedence, after);
    let comparedHere: IToken | undefined;
    while (this.operand < this.ops.length) {
      const opToken = this.ops[this.operand]!;
      const op = opToken.image as BinaryOp;
      const precedence = BINARY_PRECEDENCE[op];
      if (precedence < minPrecedence) break;
      if (precedence === COMPARE) {
        if (comparedHere) chainedComparison(this.spans, comparedHere, opToken);
        comparedHere = opToken;
      }
      this.operand++;
      this.prefix = 0;
      const right = this.parse(op === "^" ? POWER : precedence + 1, opToken);
      left = { kind: "Binary", op, left, right, opSpan: this.spans.token(opToken), span: this.spans.between(left.span, right.span) };
    }
    this.depth--;
    return left;
  }

  /** One operand with its remaining prefix operators applied. */
  private parsePrefixed(minPrecedence: number, after: IToken | undefined): Expr {
    const current = this.operands[this.operand]!;
    const prefixToken = current.prefixes[this.prefix];
    if (!prefixToken) return current.value;
    this.prefix++;
    const op = prefixToken.image as UnaryOp;
    if (op === "not" && minPrecedence > NOT) misplacedNot(this.spans, prefixToken, after);
    const operand = this.parse(op === "not" ? NOT : SIGN, prefixToken);
    return { kind: "Unary", op, operand, span: this.spans.between(this.spans.token(prefixToken), operand.span) };
  }
}

function chainedComparison(spans: SpanMaker, first: IToken, second: IToken): never {
  fail("E0101", spans.token(second), `comparison operators cannot be chained: \`${first.image}\` followed by \`${second.image}\``, {
    help: "compare two values at a time and combine the results, e.g. `a < b and b < c`",
    notes: [{ message: "the first comparison is here", span: spans.token(first) }],
  });
}

function misplacedNot(spans: SpanMaker, not: IToken, after: IToken | undefined): never {
  const where = after ? `directly after \`${after.image}\`` : "here";
  fail("E0101", spans.token(not), `\`not\` cannot appear ${where}: it binds more loosely than \`${after?.image ?? "this operator"}\``, {
    help: "put the negated expression in parentheses, e.g. `a == (not b)`",
  });
}
