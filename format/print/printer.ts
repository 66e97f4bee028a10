// The printer's entry point: dispatches on the node kind, adds the parentheses that the grammar
// needs (print/parens.ts) and the node's comments (attached by the hooks of comments/attach.ts,
// printed by comments/print.ts). A node after `// flowc-ignore` is printed as written.

import { doc, type AstPath, type Doc, type ParserOptions, type Printer } from "prettier";
import type * as A from "../../grammar/ast.js";
import { canAttachComment, handleComments, visitorKeys } from "../comments/attach.js";
import { commentDoc, hasIgnoreComment, withComments } from "../comments/print.js";
import { commentsOf, type FlowComment, type FlowNode } from "../nodes.js";
import type { PrintArgs, Print } from "./context.js";
import { printDeclaration, printProgram } from "./declarations.js";
import { printArg, printExpression, printIndexItem, printPattern, printStatement } from "./expressions.js";
import { dimNeedsParens, needsParens } from "./parens.js";
import { printDim, printType } from "./type-exprs.js";

const { replaceEndOfLine } = doc.utils;

const EXPRESSIONS = new Set(["Number", "String", "Bool", "Name", "Unary", "Binary", "Call", "Index", "Member", "Tuple", "List", "ListComprehension", "Block", "If", "Lambda"]);
const TYPES = new Set(["TensorType", "NamedType", "EnumType", "TupleType", "ListType"]);
const DIMS = new Set(["DimName", "DimNumber", "DimBinary", "DimEllipsis"]);
const INDEX_ITEMS = new Set(["IndexExpr", "Slice", "NewAxis", "Ellipsis"]);
const STATEMENTS = new Set(["Let", "Draw", "Set", "Assert"]);
const PATTERNS = new Set(["PatName", "PatTuple"]);

function print(path: AstPath<FlowNode>, options: ParserOptions<FlowNode>, printChild: Print, args?: PrintArgs): Doc {
  const { node } = path;
  const text = options.originalText;
  if (!hasIgnoreComment(node)) return withComments(node, printNode(path, options, printChild, args), text);
  // The comments inside an ignored node are part of its text.
  const outside = (c: FlowComment) => c.span.end <= node.span.start || c.span.start >= node.span.end;
  return withComments(node, printIgnored(node, path.root, text), text, outside);
}

function printNode(path: AstPath<FlowNode>, options: ParserOptions<FlowNode>, printChild: Print, args?: PrintArgs): Doc {
  const ctx = { path, options, print: printChild, args };
  const { node, parent, key } = path;
  if (node.kind === "Program") return printProgram(ctx);
  if (EXPRESSIONS.has(node.kind)) {
    const printed = printExpression(ctx);
    return parent && needsParens(node as unknown as A.Expr, parent, key) ? ["(", printed, ")"] : printed;
  }
  if (DIMS.has(node.kind)) {
    const printed = printDim(ctx);
    return parent && dimNeedsParens(node as unknown as A.DimExpr, parent as unknown as A.DimExpr, key) ? ["(", printed, ")"] : printed;
  }
  if (TYPES.has(node.kind)) return printType(ctx);
  if (node.kind === "Arg") return printArg(ctx);
  if (INDEX_ITEMS.has(node.kind)) return printIndexItem(ctx);
  if (STATEMENTS.has(node.kind)) return printStatement(ctx);
  if (PATTERNS.has(node.kind)) return printPattern(ctx);
  return printDeclaration(ctx);
}

/** The node exactly as written, continuation lines included (they keep their original indentation). */
function printIgnored(node: FlowNode, root: FlowNode, text: string): Doc {
  for (const c of commentsOf(root)) if (c.span.start >= node.span.start && c.span.end <= node.span.end) c.printed = true;
  return replaceEndOfLine(text.slice(node.span.start, node.span.end));
}

export const printer: Printer<FlowNode> = {
  print: print as Printer<FlowNode>["print"],
  // Prettier attaches comments with these hooks; `print` prints them (see comments/print.ts).
  willPrintOwnComments: () => true,
  printComment: (path) => commentDoc(path.node as unknown as FlowComment),
  canAttachComment,
  handleComments: handleComments as unknown as Printer<FlowNode>["handleComments"],
  getVisitorKeys: (node) => visitorKeys(node),
};
