// Everything of the form `left op value`: `let x = e`, `name = Module(...)`, `param w: T ~ init`,
// `x0 ~ normal(...)`, `fn f(x) -> T = e`, `data d = e`. As in prettier's own assignment printing,
// the layout depends on the value:
//
//  - break-after-operator: operator chains, strings, and values with a leading comment go to the
//    next line, indented, when they do not fit:      let y =
//                                                       a * b + c
//  - never-break: blocks, `if` and lambdas start on the same line (`= {`, `= if c {`, `= fn (x) =>`)
//    and break inside.
//  - fluid (everything else): stay on the same line if the value's first line fits there, e.g. a
//    call breaking its arguments (`net = MLP(`), else move the value to the next line.

import { doc, type Doc } from "prettier";
import type * as A from "../../grammar/ast.js";
import { hasLeadingLineComment } from "../comments/print.js";
import type { FlowNode } from "../nodes.js";
import type { PrintContext } from "./context.js";

const { group, indent, indentIfBreak, line } = doc.builders;

type Layout = "break-after-operator" | "never-break" | "fluid";

/** Prints `left operator value`, the value being the child at `key` (a property path) of the current node. */
export function printAssignment(ctx: PrintContext, left: Doc, operator: string, key: string | string[]): Doc {
  const keys = Array.isArray(key) ? key : [key];
  const value = keys.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], ctx.path.node) as FlowNode;
  const printedValue = ctx.print(keys);
  switch (layout(value, ctx.options.originalText)) {
    case "break-after-operator":
      return group([group(left), operator, group(indent([line, printedValue]))]);
    case "never-break":
      return group([group(left), operator, " ", printedValue]);
    case "fluid": {
      const id = Symbol("assignment");
      return group([group(left), operator, group(indent(line), { id }), indentIfBreak(printedValue, { groupId: id })]);
    }
  }
}

function layout(value: FlowNode, text: string): Layout {
  if (hasLeadingLineComment(value, text)) return "break-after-operator";
  const e = value as unknown as A.Expr;
  switch (e.kind) {
    case "Binary":
    case "String":
      return "break-after-operator";
    case "Unary":
      return e.operand.kind === "Binary" ? "break-after-operator" : "fluid";
    case "Block":
    case "If":
    case "Lambda":
      return "never-break";
    default:
      return "fluid";
  }
}


/**
 * The value of a node printed with an assignment layout (`let x = value`, `x ~ value`, `param w:
 * T ~ value`, `fn f() = value`); undefined for other nodes and for a function with a block body.
 * The comment attacher (format/comments/attach.ts) uses the same table.
 */
export function assignedValue(node: FlowNode): FlowNode | undefined {
  switch (node.kind) {
    case "LetDecl":
    case "LetItem":
    case "SubmoduleDecl":
    case "DataDecl":
    case "Let":
    case "Set":
      return node["value"] as FlowNode;
    case "Draw":
      return node["distribution"] as FlowNode;
    case "ParamDecl":
      return (node["init"] as { value: FlowNode }).value;
    case "FnDecl": {
      const body = node["body"] as FlowNode;
      return body.kind === "Block" ? undefined : body;
    }
    default:
      return undefined;
  }
}

/** Whether `node` is printed as the value of an assignment (operator chains then need no extra indent). */
export function isAssignedValue(node: FlowNode, parent: FlowNode | null): boolean {
  if (!parent) return false;
  // `param w: T ~ value`: the printer visits the value through the `init` wrapper `{ op, value }`.
  if (parent.kind === undefined && "op" in parent) return parent["value"] === node;
  // A lambda's body is laid out like an assigned value (`fn (x) => value`).
  if (parent.kind === "Lambda") return parent["body"] === node;
  return assignedValue(parent) === node;
}
