// Types (`f32[B, d]`, `int`, `"a" | "b"`, `(T, U)`, `[T]`) and the dimensions of tensor types.

import { doc, type Doc } from "prettier";
import type * as A from "../../grammar/ast.js";
import { danglingComments } from "../comments/print.js";
import { codeStart } from "../trivia.js";
import type { PrintContext } from "./context.js";
import { printAll } from "./expressions.js";
import { bracketList } from "./lists.js";

const { group, indent, line, softline } = doc.builders;

export function printType(ctx: PrintContext): Doc {
  const node = ctx.path.node as unknown as A.TypeExpr;
  switch (node.kind) {
    case "TensorType":
      if (!node.dims) return node.dtype;
      // The grammar has no trailing comma in a tensor type's dimensions.
      return [node.dtype, bracketList("[", "]", printAll(ctx, "dims"), { trailingComma: false, dangling: danglingComments(ctx.path.node) })];
    case "NamedType":
      return node.name.name;
    case "EnumType": {
      const [first, ...rest] = printAll(ctx, "members");
      return group([first!, indent(rest.map((m) => [" |", line, m]))]);
    }
    case "TupleType":
      return bracketList("(", ")", printAll(ctx, "elements"));
    case "ListType":
      return group(["[", indent([softline, ctx.print("element")]), softline, "]"]);
  }
}

export function printDim(ctx: PrintContext): Doc {
  const node = ctx.path.node as unknown as A.DimExpr;
  switch (node.kind) {
    case "DimName":
      return node.name;
    case "DimNumber": {
      // As written (`1_024`); the span may include parentheses around the number.
      const text = ctx.options.originalText;
      return /^[0-9_]+/.exec(text.slice(codeStart(text, node.span.start), node.span.end))?.[0] ?? String(node.value);
    }
    case "DimEllipsis":
      return "...";
    case "DimBinary":
      return [ctx.print("left"), ` ${node.op} `, ctx.print("right")];
  }
}
