// Top-level declarations and module items.

import { doc, type Doc } from "prettier";
import type * as A from "../../grammar/ast.js";
import { danglingComments, printCommentLines, printDanglingLines } from "../comments/print.js";
import { bracketIndexOf, type FlowComment, type FlowNode } from "../nodes.js";
import { printAssignment } from "./assignment.js";
import type { PrintContext } from "./context.js";
import { printAll, printAssert } from "./expressions.js";
import { bracketList, printSequence } from "./lists.js";

const { group, hardline, ifBreak, indent } = doc.builders;
const { removeLines, willBreak } = doc.utils;

const inParens = (c: FlowComment) => c.marker?.char === "(";
const notInParens = (c: FlowComment) => !inParens(c);

export function printProgram(ctx: PrintContext): Doc {
  const node = ctx.path.node as unknown as A.Program;
  if (node.items.length > 0) return [printSequence(ctx.path, ctx.print, "items", ctx.options.originalText), hardline];
  const comments = danglingComments(ctx.path.node);
  return comments.length > 0 ? [printCommentLines(comments, ctx.options.originalText), hardline] : "";
}

export function printDeclaration(ctx: PrintContext): Doc {
  const { print } = ctx;
  const node = ctx.path.node as unknown as A.TopItem | A.ModuleItem | A.ConfigEntry | A.UseName | A.Attribute | A.Param;
  switch (node.kind) {
    case "UseDecl":
      return printUse(ctx, node);
    case "UseName":
      return [node.name.name, node.alias ? [" as ", node.alias.name] : ""];
    case "LetDecl":
      return printAssignment(ctx, ["let ", node.name.name, node.type ? [": ", print("type")] : ""], " =", "value");
    case "FnDecl":
      return printFn(ctx, node);
    case "Attribute": {
      const dangling = danglingComments(ctx.path.node);
      const args = node.args.length > 0 || dangling.length > 0 ? bracketList("(", ")", printAll(ctx, "args"), { dangling }) : "";
      return ["@", node.name.name, args];
    }
    case "Param":
      return [node.name.name, node.type ? [": ", print("type")] : "", node.default ? [" = ", print("default")] : ""];
    case "ModuleDecl":
    case "ModelDecl": {
      const paramsDangling = danglingComments(ctx.path.node, inParens);
      const params =
        node.params.length > 0 || paramsDangling.length > 0 ? printParams(ctx, paramsDangling) : "";
      const keyword = node.kind === "ModuleDecl" ? "module" : "model";
      return [group([keyword, " ", node.name.name, params]), " ", printBody(ctx, "items", danglingComments(ctx.path.node, notInParens))];
    }
    case "DataDecl":
      return printAssignment(ctx, ["data ", node.name.name], " =", "value");
    case "TrainDecl":
      return [group(["train ", node.name ? [node.name.name, " = "] : "", print("model"), " on ", print("data")]), " ", printConfig(ctx)];
    case "SamplerDecl": {
      const paramsId = Symbol("params");
      return [group(["sampler ", node.name.name, printParams(ctx, undefined, paramsId), printReturnType(ctx, paramsId)]), " ", print("body")];
    }
    case "ExpectDecl":
      return ["expect ", print("title"), " ", printConfig(ctx)];
    case "ConfigEntry":
      return [node.key.name, ": ", print("value")];
    case "ParamDecl":
      return printAssignment(ctx, [node.role, " ", node.name.name, ": ", print("type")], ` ${node.init.op}`, ["init", "value"]);
    case "SubmoduleDecl":
      return printAssignment(ctx, node.name.name, " =", "value");
    case "LetItem":
      return printAssignment(ctx, ["let ", node.name.name], " =", "value");
    case "IfItem":
      return printIfItem(ctx, node);
    case "Assert":
      return printAssert(ctx, node);
    case "LossDecl":
      return [group(["loss", node.name ? ` ${node.name.name}` : " ", printParams(ctx)]), " ", print("body")];
  }
}

/**
 * `use std.nn.MLP` for one name (the same import as `use std.nn.{MLP}`), `use std.nn.{A, B}` for
 * several, `use "./file.flow".{A}` (files always take braces), `use std.nn as layers`.
 */
function printUse(ctx: PrintContext, node: A.UseDecl): Doc {
  const text = ctx.options.originalText;
  const source = node.source.kind === "std" ? ["std", ...node.source.path.map((p) => p.name)].join(".") : text.slice(node.source.span.start, node.source.span.end);
  const alias = node.alias ? [" as ", node.alias.name] : "";
  if (node.names.length === 0) return ["use ", source, alias];
  const only = node.names[0] as unknown as FlowNode;
  if (node.source.kind === "std" && node.names.length === 1 && !only.comments?.length) return ["use ", source, ".", ctx.print(["names", 0]), alias];
  return ["use ", source, ".", bracketList("{", "}", printAll(ctx, "names")), alias];
}

function printParams(ctx: PrintContext, dangling = danglingComments(ctx.path.node), id?: symbol): Doc {
  return bracketList("(", ")", printAll(ctx, "params"), { dangling, id });
}

/**
 * ` -> T`. With parameters, the return type stays on one line unless the parameters broke, so a long
 * signature breaks its parameter list (one per line) before it breaks the dimensions of `T`.
 */
function printReturnType(ctx: PrintContext, paramsId?: symbol): Doc {
  const node = ctx.path.node as unknown as A.FnDecl | A.SamplerDecl;
  if (!node.returnType) return "";
  const type = ctx.print("returnType");
  const flatUnlessParamsBreak = paramsId && node.params.length > 0 && !willBreak(type);
  return [" -> ", flatUnlessParamsBreak ? ifBreak(type, removeLines(type), { groupId: paramsId }) : type];
}

function printFn(ctx: PrintContext, node: A.FnDecl): Doc {
  const { print } = ctx;
  const attributes = node.attributes.map((_, i) => [print(["attributes", i]), hardline]);
  const paramsId = Symbol("params");
  const signature = ["fn", node.name ? ` ${node.name.name}` : " ", printParams(ctx, undefined, paramsId), printReturnType(ctx, paramsId)];
  const body = node.body as unknown as FlowNode;
  if (body.kind === "Block") return [attributes, group(signature), " ", print("body")];
  return [attributes, printAssignment(ctx, signature, " =", "body")];
}

/** `{ key: value, ... }` of `train` and `expect`. */
function printConfig(ctx: PrintContext): Doc {
  return bracketList("{", "}", printAll(ctx, "config"), { spaced: true, dangling: danglingComments(ctx.path.node) });
}

/** A module body or an `if` branch of module items: always one item per line. */
function printBody(ctx: PrintContext, key: string, dangling: readonly FlowComment[]): Doc {
  const items = ctx.path.node[key] as FlowNode[];
  if (items.length === 0 && dangling.length === 0) return "{}";
  const content = items.length > 0 ? [hardline, printSequence(ctx.path, ctx.print, key, ctx.options.originalText)] : "";
  return ["{", indent([content, printDanglingLines(dangling)]), hardline, "}"];
}

function printIfItem(ctx: PrintContext, node: A.IfItem): Doc {
  const brackets = bracketIndexOf(ctx.path.root);
  const thenBraces = brackets.nextOpening(node.cond.span.end, "{")!;
  const inElse = (c: FlowComment) => c.marker !== undefined && c.marker.open > thenBraces.close;
  const parts: Doc[] = ["if ", ctx.print("cond"), " ", printBody(ctx, "then", danglingComments(ctx.path.node, (c) => !inElse(c)))];
  if (node.else) {
    const elseDangling = danglingComments(ctx.path.node, inElse);
    const only = node.else[0] as unknown as FlowNode | undefined;
    const elseIf = node.else.length === 1 && only?.kind === "IfItem" && !only.comments?.some((c) => c.leading) && elseDangling.length === 0;
    parts.push(" else ", elseIf ? ctx.print(["else", 0]) : printBody(ctx, "else", elseDangling));
  }
  return parts;
}
