// A readable, stable text rendering of the AST for `flowc dump --stage ast` and golden tests.
// One node per line: `Kind details @line:col`, children indented by two spaces. Children whose role
// is not obvious from their position carry a label (`cond:`, `then:`, `callee:`, ...).

import type * as A from "./ast.js";
import type { Span } from "../compiler/source.js";

export function dumpAst(p: A.Program): string {
  const w = new Writer();
  w.line(0, `Program${at(p.span)}`);
  for (const item of p.items) topItem(w, 1, item);
  for (const c of p.comments) w.line(1, `Comment ${c.style} ${JSON.stringify(c.text)}${at(c.span)}`);
  return w.text();
}

class Writer {
  private readonly lines: string[] = [];
  line(depth: number, text: string): void {
    this.lines.push("  ".repeat(depth) + text);
  }
  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

const at = (s: Span) => ` @${s.line}:${s.column}`;
const label = (l: string | undefined) => (l ? `${l}: ` : "");

function topItem(w: Writer, d: number, item: A.TopItem | A.ModuleItem): void {
  switch (item.kind) {
    case "UseDecl": {
      const src = item.source.kind === "std" ? `std.${item.source.path.map((p) => p.name).join(".")}` : JSON.stringify(item.source.path);
      w.line(d, `UseDecl ${src}${item.alias ? ` as ${item.alias.name}` : ""}${at(item.span)}`);
      for (const n of item.names) w.line(d + 1, `UseName ${n.name.name}${n.alias ? ` as ${n.alias.name}` : ""}${at(n.span)}`);
      return;
    }
    case "LetDecl":
      w.line(d, `LetDecl ${item.name.name}${at(item.span)}`);
      if (item.type) type(w, d + 1, item.type, "type");
      expr(w, d + 1, item.value);
      return;
    case "FnDecl":
      w.line(d, `FnDecl ${item.name?.name ?? "(forward)"}${at(item.span)}`);
      for (const a of item.attributes) {
        w.line(d + 1, `Attribute ${a.name.name}${at(a.span)}`);
        args(w, d + 2, a.args);
      }
      params(w, d + 1, item.params);
      if (item.returnType) type(w, d + 1, item.returnType, "returns");
      expr(w, d + 1, item.body, "body");
      return;
    case "ModuleDecl":
    case "ModelDecl":
      w.line(d, `${item.kind} ${item.name.name}${at(item.span)}`);
      params(w, d + 1, item.params);
      for (const i of item.items) topItem(w, d + 1, i);
      return;
    case "DataDecl":
      w.line(d, `DataDecl ${item.name.name}${at(item.span)}`);
      expr(w, d + 1, item.value);
      return;
    case "TrainDecl":
      w.line(d, `TrainDecl${item.name ? ` ${item.name.name}` : ""}${at(item.span)}`);
      expr(w, d + 1, item.model, "model");
      expr(w, d + 1, item.data, "data");
      config(w, d + 1, item.config);
      return;
    case "SamplerDecl":
      w.line(d, `SamplerDecl ${item.name.name}${at(item.span)}`);
      params(w, d + 1, item.params);
      if (item.returnType) type(w, d + 1, item.returnType, "returns");
      expr(w, d + 1, item.body, "body");
      return;
    case "ExpectDecl":
      w.line(d, `ExpectDecl ${JSON.stringify(item.title.value)}${at(item.span)}`);
      config(w, d + 1, item.config);
      return;
    case "ParamDecl":
      w.line(d, `ParamDecl ${item.role} ${item.name.name} ${item.init.op}${at(item.span)}`);
      type(w, d + 1, item.type, "type");
      expr(w, d + 1, item.init.value, "init");
      return;
    case "SubmoduleDecl":
      w.line(d, `SubmoduleDecl ${item.name.name}${at(item.span)}`);
      expr(w, d + 1, item.value);
      return;
    case "LetItem":
      w.line(d, `LetItem ${item.name.name}${at(item.span)}`);
      expr(w, d + 1, item.value);
      return;
    case "IfItem":
      w.line(d, `IfItem${at(item.span)}`);
      expr(w, d + 1, item.cond, "cond");
      w.line(d + 1, "then:");
      for (const i of item.then) topItem(w, d + 2, i);
      if (item.else) {
        w.line(d + 1, "else:");
        for (const i of item.else) topItem(w, d + 2, i);
      }
      return;
    case "Assert":
      statement(w, d, item);
      return;
    case "LossDecl":
      w.line(d, `LossDecl${item.name ? ` ${item.name.name}` : ""}${at(item.span)}`);
      params(w, d + 1, item.params);
      expr(w, d + 1, item.body, "body");
      return;
  }
}

function params(w: Writer, d: number, ps: readonly A.Param[]): void {
  for (const p of ps) {
    w.line(d, `Param ${p.name.name}${at(p.span)}`);
    if (p.type) type(w, d + 1, p.type, "type");
    if (p.default) expr(w, d + 1, p.default, "default");
  }
}

function args(w: Writer, d: number, as: readonly A.Arg[]): void {
  for (const a of as) {
    if (a.name) {
      w.line(d, `Arg ${a.name.name}${at(a.span)}`);
      expr(w, d + 1, a.value);
    } else {
      expr(w, d, a.value, "arg");
    }
  }
}

function config(w: Writer, d: number, entries: readonly A.ConfigEntry[]): void {
  for (const e of entries) {
    w.line(d, `ConfigEntry ${e.key.name}${at(e.span)}`);
    expr(w, d + 1, e.value);
  }
}

function type(w: Writer, d: number, t: A.TypeExpr, role?: string): void {
  const l = label(role);
  switch (t.kind) {
    case "TensorType":
      w.line(d, `${l}TensorType ${t.dtype}${t.dims ? `[${t.dims.map(dim).join(", ")}]` : ""}${at(t.span)}`);
      return;
    case "NamedType":
      w.line(d, `${l}NamedType ${t.name.name}${at(t.span)}`);
      return;
    case "EnumType":
      w.line(d, `${l}EnumType ${t.members.map((m) => JSON.stringify(m.value)).join(" | ")}${at(t.span)}`);
      return;
    case "TupleType":
      w.line(d, `${l}TupleType${at(t.span)}`);
      for (const e of t.elements) type(w, d + 1, e);
      return;
    case "ListType":
      w.line(d, `${l}ListType${at(t.span)}`);
      type(w, d + 1, t.element);
      return;
  }
}

/** Dimensions are printed inline, fully parenthesized: `(d + 1)`, `...`. */
function dim(x: A.DimExpr): string {
  switch (x.kind) {
    case "DimName":
      return x.name;
    case "DimNumber":
      return String(x.value);
    case "DimEllipsis":
      return "...";
    case "DimBinary":
      return `(${dim(x.left)} ${x.op} ${dim(x.right)})`;
  }
}

function expr(w: Writer, d: number, e: A.Expr, role?: string): void {
  const l = label(role);
  switch (e.kind) {
    case "Number":
      w.line(d, `${l}Number ${e.raw} ${e.isFloat ? "float" : "int"}${at(e.span)}`);
      return;
    case "String":
      w.line(d, `${l}String ${JSON.stringify(e.value)}${at(e.span)}`);
      return;
    case "Bool":
      w.line(d, `${l}Bool ${e.value}${at(e.span)}`);
      return;
    case "Name":
      w.line(d, `${l}Name ${e.name}${at(e.span)}`);
      return;
    case "Unary":
      w.line(d, `${l}Unary ${e.op}${at(e.span)}`);
      expr(w, d + 1, e.operand);
      return;
    case "Binary":
      w.line(d, `${l}Binary ${e.op}${at(e.span)}`);
      expr(w, d + 1, e.left);
      expr(w, d + 1, e.right);
      return;
    case "Call":
      w.line(d, `${l}Call${at(e.span)}`);
      expr(w, d + 1, e.callee, "callee");
      args(w, d + 1, e.args);
      return;
    case "Index":
      w.line(d, `${l}Index${at(e.span)}`);
      expr(w, d + 1, e.target, "target");
      for (const i of e.indices) indexItem(w, d + 1, i);
      return;
    case "Member":
      w.line(d, `${l}Member .${e.member.name}${at(e.span)}`);
      expr(w, d + 1, e.target);
      return;
    case "Tuple":
      w.line(d, `${l}Tuple${at(e.span)}`);
      for (const x of e.elements) expr(w, d + 1, x);
      return;
    case "List":
      w.line(d, `${l}List${at(e.span)}`);
      for (const x of e.elements) expr(w, d + 1, x);
      return;
    case "ListComprehension":
      w.line(d, `${l}ListComprehension for ${e.variable.name}${at(e.span)}`);
      expr(w, d + 1, e.element, "element");
      expr(w, d + 1, e.iterable, "in");
      return;
    case "Block":
      w.line(d, `${l}Block${at(e.span)}`);
      for (const s of e.statements) statement(w, d + 1, s);
      expr(w, d + 1, e.result, "result");
      return;
    case "If":
      w.line(d, `${l}If${at(e.span)}`);
      expr(w, d + 1, e.cond, "cond");
      expr(w, d + 1, e.then, "then");
      expr(w, d + 1, e.else, "else");
      return;
    case "Lambda":
      w.line(d, `${l}Lambda${at(e.span)}`);
      params(w, d + 1, e.params);
      expr(w, d + 1, e.body, "body");
      return;
  }
}

function indexItem(w: Writer, d: number, i: A.IndexItem): void {
  switch (i.kind) {
    case "IndexExpr":
      expr(w, d, i.value, "index");
      return;
    case "NewAxis":
      w.line(d, `NewAxis${at(i.span)}`);
      return;
    case "Ellipsis":
      w.line(d, `Ellipsis${at(i.span)}`);
      return;
    case "Slice":
      w.line(d, `Slice${at(i.span)}`);
      if (i.start) expr(w, d + 1, i.start, "start");
      if (i.stop) expr(w, d + 1, i.stop, "stop");
      if (i.step) expr(w, d + 1, i.step, "step");
      return;
  }
}

function statement(w: Writer, d: number, s: A.Statement): void {
  switch (s.kind) {
    case "Let":
      w.line(d, `Let ${pattern(s.pattern)}${at(s.span)}`);
      if (s.type) type(w, d + 1, s.type, "type");
      expr(w, d + 1, s.value);
      return;
    case "Draw":
      w.line(d, `Draw ${s.name.name} ~${at(s.span)}`);
      expr(w, d + 1, s.distribution);
      return;
    case "Set":
      w.line(d, `Set ${s.target.name}${at(s.span)}`);
      expr(w, d + 1, s.value);
      return;
    case "Assert":
      w.line(d, `Assert${s.message ? ` ${JSON.stringify(s.message.value)}` : ""}${at(s.span)}`);
      expr(w, d + 1, s.cond, "cond");
      return;
  }
}

function pattern(p: A.Pattern): string {
  return p.kind === "PatName" ? p.name.name : `(${p.elements.map(pattern).join(", ")})`;
}
