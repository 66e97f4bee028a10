// Where parentheses are needed. The parser drops the parentheses the user wrote (`(e)` gives the
// node of `e`), so the printer adds exactly those that the grammar needs to read the same tree
// back. Precedence and associativity are the parser's (grammar/operators.ts):
//
//   or < and < not < comparisons (non-associative) < + - < * / % @ < unary - + < ^ (right) < postfix

import type * as A from "../../grammar/ast.js";
import { ADD, AND, BINARY_PRECEDENCE, COMPARE, MUL, NOT, OR, POWER, SIGN } from "../../grammar/operators.js";

const POSTFIX = POWER + 1;
const BINARY = BINARY_PRECEDENCE;

export function binaryPrecedence(op: A.BinaryOp): number {
  return BINARY[op];
}

/** How tightly an expression holds together; a lambda's body reaches as far right as it can. */
function precedence(e: A.Expr): number {
  switch (e.kind) {
    case "Binary":
      return BINARY[e.op];
    case "Unary":
      return e.op === "not" ? NOT : SIGN;
    case "Lambda":
      return 0;
    default:
      return POSTFIX;
  }
}

/** Whether `a op (b op2 c)`'s right operand can join `a op b`'s chain without parentheses. */
export function sameChain(parentOp: A.BinaryOp, childOp: A.BinaryOp): boolean {
  const p = BINARY[parentOp];
  return p === BINARY[childOp] && p !== COMPARE && p !== POWER;
}

/** Whether `child`, found under `parent` at property `key`, must be printed in parentheses. */
export function needsParens(child: A.Expr, parent: { kind: string }, key: string | number | null): boolean {
  const c = precedence(child);
  switch (parent.kind) {
    case "Binary": {
      const { op } = parent as A.BinaryExpr;
      const p = BINARY[op];
      if (op === "^") {
        // `postfix ^ unary`: the base is a postfix expression; the exponent may carry a sign (`x^-1`).
        if (key === "left") return c < POSTFIX;
        return !(c >= POWER || (child.kind === "Unary" && child.op !== "not"));
      }
      // Left-associative (or, for comparisons, non-associative): an equal precedence on the right needs them.
      if (key === "left") return c < p || (c === p && p === COMPARE);
      return c <= p;
    }
    case "Unary": {
      const { op } = parent as A.UnaryExpr;
      // `not` takes a comparison or anything tighter; `-` and `+` take a power or a unary.
      if (op === "not") return c < NOT;
      return c < SIGN || (child.kind === "Unary" && child.op === "not");
    }
    case "Call":
    case "Index":
    case "Member":
      return (key === "callee" || key === "target") && c < POSTFIX;
    default:
      return false;
  }
}

/** Dimension arithmetic in tensor types: `+ -` below `* /`, both left-associative. */
export function dimNeedsParens(child: A.DimExpr, parent: A.DimExpr, key: string | number | null): boolean {
  if (child.kind !== "DimBinary" || parent.kind !== "DimBinary") return false;
  const p = parent.op === "+" || parent.op === "-" ? ADD : MUL;
  const c = child.op === "+" || child.op === "-" ? ADD : MUL;
  return key === "left" ? c < p : c <= p;
}
