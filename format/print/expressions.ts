// Expressions, blocks and statements.

import { doc, type Doc } from "prettier";
import type * as A from "../../grammar/ast.js";
import { danglingComments } from "../comments/print.js";
import type { FlowNode } from "../nodes.js";
import { hasLeadingLineComment } from "../comments/print.js";
import { isAssignedValue, printAssignment } from "./assignment.js";
import type { PrintContext } from "./context.js";
import { bracketList, separator } from "./lists.js";
import { needsParens, sameChain } from "./parens.js";

const { group, hardline, indent, line, softline } = doc.builders;

export function printAll(ctx: PrintContext, key: string): Doc[] {
  return (ctx.path.node[key] as unknown[]).map((_, i) => ctx.print([key, i]));
}

export function printExpression(ctx: PrintContext): Doc {
  const { path, print } = ctx;
  const node = path.node as unknown as A.Expr;
  switch (node.kind) {
    case "Number":
    case "String":
      return node.raw;
    case "Bool":
      return node.value ? "true" : "false";
    case "Name":
      return node.name;
    case "Unary":
      return printUnary(ctx, node);
    case "Binary":
      return printBinary(ctx, node);
    case "Call":
      return [print("callee"), bracketList("(", ")", printAll(ctx, "args"), { dangling: danglingComments(path.node) })];
    case "Index":
      return [print("target"), bracketList("[", "]", printAll(ctx, "indices"))];
    case "Member":
      return [print("target"), ".", node.member.name];
    case "Tuple":
      // A one-element tuple keeps its comma: `(a,)`; `(a)` would be `a`.
      if (node.elements.length === 1) return group(["(", indent([softline, print(["elements", 0])]), ",", softline, ")"]);
      return bracketList("(", ")", printAll(ctx, "elements"), { dangling: danglingComments(path.node) });
    case "List":
      return bracketList("[", "]", printAll(ctx, "elements"), { dangling: danglingComments(path.node) });
    case "ListComprehension":
      return group(["[", indent([softline, print("element"), line, "for ", node.variable.name, " in ", print("iterable")]), softline, "]"]);
    case "Block":
      return printBlock(ctx, node);
    case "If": {
      const parts = ["if ", print("cond"), " ", print("then", { inIf: true }), " else ", print("else", { inIf: true })];
      // An `else if` chain and its blocks break together: all on one line or every block broken.
      return ctx.args?.inIf ? parts : group(parts);
    }
    case "Lambda":
      return printLambda(ctx, node);
  }
}

function printUnary(ctx: PrintContext, node: A.UnaryExpr): Doc {
  if (node.op === "not") return ["not ", ctx.print("operand")];
  // `- -x`, not `--x`.
  const space = node.operand.kind === "Unary" && node.operand.op !== "not" ? " " : "";
  return [node.op, space, ctx.print("operand")];
}

/**
 * `a + b - c` is printed as one chain that breaks after every operator of the same precedence:
 *     a +
 *       b -
 *       c
 * `^` binds too tightly to be worth breaking: `x^2`.
 */
function printBinary(ctx: PrintContext, node: A.BinaryExpr): Doc {
  if (node.op === "^") return [ctx.print("left"), "^", ctx.print("right")];
  const parts = chainParts(ctx);
  // As an assigned value the chain is already on its own indented line.
  if (isAssignedValue(ctx.path.node, ctx.path.parent)) return group(parts);
  return group([parts[0]!, indent(parts.slice(1))]);
}

/** `[first operand, " op", line, operand, ...]` for a left-associative chain of one precedence. */
function chainParts(ctx: PrintContext): Doc[] {
  const { path, print } = ctx;
  const node = path.node as unknown as A.BinaryExpr;
  const left = node.left as unknown as FlowNode;
  // A commented left operand is printed through `print` so that prettier prints its comments.
  const flatten = node.left.kind === "Binary" && sameChain(node.op, node.left.op) && !left.comments?.length && !needsParens(node.left, node, "left");
  const parts = flatten ? path.call(() => chainParts(ctx), "left" as never) : [group(print("left"))];
  return [...parts, ` ${node.op}`, line, print("right")];
}

function printBlock(ctx: PrintContext, node: A.Block): Doc {
  const { print } = ctx;
  if (node.statements.length === 0) {
    const parts = ["{", indent([line, print("result")]), line, "}"];
    return ctx.args?.inIf ? parts : group(parts);
  }
  const text = ctx.options.originalText;
  const body: Doc[] = node.statements.map((s, i) => [print(["statements", i]), separator(s as unknown as FlowNode, text)]);
  return ["{", indent([hardline, body, print("result")]), hardline, "}"];
}

/** Bodies that open with a bracket stay on the `=>` line: `fn (x) => [x, x]`. */
const HUGGED_BODIES = new Set(["Block", "If", "List", "Tuple", "ListComprehension"]);

function printLambda(ctx: PrintContext, node: A.LambdaExpr): Doc {
  const params = bracketList("(", ")", printAll(ctx, "params"), { dangling: danglingComments(ctx.path.node) });
  const body = node.body as unknown as FlowNode;
  if (HUGGED_BODIES.has(body.kind) && !hasLeadingLineComment(body, ctx.options.originalText)) return ["fn ", params, " => ", ctx.print("body")];
  return group(["fn ", params, " =>", group(indent([line, ctx.print("body")]))]);
}

export function printArg(ctx: PrintContext): Doc {
  const node = ctx.path.node as unknown as A.Arg;
  return node.name ? [node.name.name, ": ", ctx.print("value")] : ctx.print("value");
}

export function printIndexItem(ctx: PrintContext): Doc {
  const node = ctx.path.node as unknown as A.IndexItem;
  const { print } = ctx;
  switch (node.kind) {
    case "IndexExpr":
      return print("value");
    case "NewAxis":
      return "None";
    case "Ellipsis":
      return "...";
    case "Slice":
      return [node.start ? print("start") : "", ":", node.stop ? print("stop") : "", node.step ? [":", print("step")] : ""];
  }
}

export function printStatement(ctx: PrintContext): Doc {
  const node = ctx.path.node as unknown as A.Statement;
  const { print } = ctx;
  switch (node.kind) {
    case "Let":
      return printAssignment(ctx, ["let ", print("pattern"), node.type ? [": ", print("type")] : ""], " =", "value");
    case "Draw":
      return printAssignment(ctx, node.name.name, " ~", "distribution");
    case "Set":
      return printAssignment(ctx, ["set ", node.target.name], " =", "value");
    case "Assert":
      return printAssert(ctx, node);
  }
}

/**
 * `assert cond, "message"` (a statement and a module item). The message moves to the next line,
 * indented, when it does not fit after the condition.
 */
export function printAssert(ctx: PrintContext, node: A.AssertStmt): Doc {
  if (!node.message) return ["assert ", ctx.print("cond")];
  return ["assert ", ctx.print("cond"), group([",", indent([line, ctx.print("message")])])];
}

export function printPattern(ctx: PrintContext): Doc {
  const node = ctx.path.node as unknown as A.Pattern;
  if (node.kind === "PatName") return node.name.name;
  return bracketList("(", ")", printAll(ctx, "elements"));
}
