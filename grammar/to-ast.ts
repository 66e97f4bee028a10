// CST → AST. The CST has one node per grammar rule (see parser.ts); this file turns it into the
// node types of ast.ts, attaching a precise span to every node. A few rules that are easier to
// check on the tree than in the grammar are checked here and reported with `fail` (which throws a
// CompileError that parse.ts turns into the file's one diagnostic): `use` paths, dims on non-tensor
// types, chained comparisons and misplaced `not` (operators.ts).

import type { CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import type { Span } from "../compiler/source.js";
import { fail } from "../compiler/diagnostics/index.js";
import { node, nodes, onlyChild, optNode, optToken, token, tokens, type SpanMaker } from "./cst.js";
import { buildOperatorTree, type Operand } from "./operators.js";
import { stringValue } from "./lexer.js";

export function toAst(cst: CstNode, comments: readonly IToken[], spans: SpanMaker): A.Program {
  return new AstBuilder(spans).program(cst, comments);
}

const TENSOR_DTYPES = new Set(["f32", "i32", "bool"]);

class AstBuilder {
  constructor(private readonly spans: SpanMaker) {}

  program(n: CstNode, comments: readonly IToken[]): A.Program {
    return {
      kind: "Program",
      items: nodes(n, "item").map((item) => this.topItem(onlyChild(item)!)),
      comments: comments.map((c) => this.comment(c)),
      span: this.spans.range(0, this.spans.text.length),
    };
  }

  private comment(t: IToken): A.Comment {
    return { kind: "Comment", style: t.image.startsWith("//") ? "line" : "block", text: t.image, span: this.spans.token(t) };
  }

  private ident(t: IToken): A.Ident {
    return { kind: "Ident", name: t.image, span: this.spans.token(t) };
  }

  private optIdent(n: CstNode, key: string): A.Ident | undefined {
    const t = optToken(n, key);
    return t && this.ident(t);
  }

  // ------------------------------------------------------------ declarations

  private topItem(n: CstNode): A.TopItem {
    switch (n.name) {
      case "useDecl":
        return this.useDecl(n);
      case "letDecl":
        return this.letDecl(n);
      case "fnDecl":
        return this.fnDecl(n);
      case "moduleDecl":
      case "modelDecl":
        return this.moduleOrModel(n);
      case "dataDecl":
        return { kind: "DataDecl", name: this.ident(token(n, "Ident")), value: this.expr(node(n, "expression")), span: this.spans.node(n) };
      case "trainDecl":
        return this.trainDecl(n);
      case "samplerDecl":
        return this.samplerDecl(n);
      case "expectDecl":
        return {
          kind: "ExpectDecl",
          title: this.stringLit(token(n, "StringLit")),
          config: this.configBlock(node(n, "configBlock")),
          span: this.spans.node(n),
        };
      default:
        throw new Error(`internal: unknown item rule '${n.name}'`);
    }
  }

  /**
   * `use std.nn` (namespace), `use std.nn.MLP [as M]` (one name), `use std.nn.{A, B as C}`,
   * `use "./file.flow" [as f]`, `use "./file.flow".{A}`.
   */
  private useDecl(n: CstNode): A.UseDecl {
    const span = this.spans.node(n);
    const braceNames = nodes(n, "useName").map((u) => this.useName(u));
    const hasBraces = optToken(n, "LCurly") !== undefined;
    const aliasToken = optToken(n, "alias");
    if (hasBraces && aliasToken) {
      fail("E0112", this.spans.token(aliasToken), "an import list cannot be renamed as a whole", {
        help: "rename single names inside the braces instead, e.g. `use std.nn.{MLP as M}`",
      });
    }
    const file = optToken(n, "StringLit");
    if (file) {
      const source = { kind: "file", path: stringValue(file.image), span: this.spans.token(file) } as const;
      return { kind: "UseDecl", source, names: braceNames, alias: aliasToken && this.ident(aliasToken), span };
    }

    const components = tokens(node(n, "usePath"), "AnyName");
    const [root, module, name, extra] = components;
    if (root!.image !== "std") {
      fail("E0112", this.spans.token(root!), `\`use ${components.map((c) => c.image).join(".")}\` does not name a standard library module or a file`, {
        help: 'standard library paths start with `std.` (e.g. `use std.nn.MLP`); your own files are imported by path in quotes, e.g. `use "./blocks.flow"`',
      });
    }
    if (!module) {
      fail("E0112", this.spans.token(root!), "`use std` must name a module of the standard library", {
        help: "write e.g. `use std.nn` or `use std.nn.MLP`",
      });
    }
    const tooLong = hasBraces ? name : extra;
    if (tooLong) {
      fail("E0112", this.spans.between(this.spans.token(root!), this.spans.token(components.at(-1)!)), "this `use` path has too many components", {
        help: "write `use std.<module>` for the whole module, `use std.<module>.<Name>` for one name, or `use std.<module>.{A, B}`",
      });
    }
    const source = { kind: "std", path: [this.ident(module)] } as const;
    if (hasBraces) return { kind: "UseDecl", source, names: braceNames, span };
    if (!name) return { kind: "UseDecl", source, names: [], alias: aliasToken && this.ident(aliasToken), span };
    // `use std.nn.MLP as M`: the alias renames the imported name.
    const nameSpan = this.spans.token(name);
    const single: A.UseName = {
      kind: "UseName",
      name: this.ident(name),
      alias: aliasToken && this.ident(aliasToken),
      span: aliasToken ? this.spans.between(nameSpan, this.spans.token(aliasToken)) : nameSpan,
    };
    return { kind: "UseDecl", source, names: [single], span };
  }

  private useName(n: CstNode): A.UseName {
    return { kind: "UseName", name: this.ident(token(n, "name")), alias: this.optIdent(n, "alias"), span: this.spans.node(n) };
  }

  private letDecl(n: CstNode): A.LetDecl {
    const typeNode = optNode(n, "type");
    return {
      kind: "LetDecl",
      name: this.ident(token(n, "Ident")),
      type: typeNode && this.type(typeNode),
      value: this.expr(node(n, "expression")),
      span: this.spans.node(n),
    };
  }

  private fnDecl(n: CstNode): A.FnDecl {
    const typeNode = optNode(n, "type");
    const valueNode = optNode(n, "expression");
    return {
      kind: "FnDecl",
      name: this.optIdent(n, "Ident"),
      params: this.paramList(node(n, "paramList")),
      returnType: typeNode && this.type(typeNode),
      body: valueNode ? this.expr(valueNode) : this.block(node(n, "block")),
      attributes: nodes(n, "attribute").map((a) => this.attribute(a)),
      span: this.spans.node(n),
    };
  }

  private attribute(n: CstNode): A.Attribute {
    const args = optNode(n, "callArgs");
    return { kind: "Attribute", name: this.ident(token(n, "Ident")), args: args ? this.args(args) : [], span: this.spans.node(n) };
  }

  private paramList(n: CstNode): A.Param[] {
    return nodes(n, "param").map((p) => {
      const typeNode = optNode(p, "type");
      const defaultNode = optNode(p, "expression");
      return {
        kind: "Param",
        name: this.ident(token(p, "Ident")),
        type: typeNode && this.type(typeNode),
        default: defaultNode && this.expr(defaultNode),
        span: this.spans.node(p),
      };
    });
  }

  private moduleOrModel(n: CstNode): A.ModuleDecl | A.ModelDecl {
    const params = optNode(n, "paramList");
    return {
      kind: n.name === "moduleDecl" ? "ModuleDecl" : "ModelDecl",
      name: this.ident(token(n, "Ident")),
      params: params ? this.paramList(params) : [],
      items: this.moduleBody(node(n, "moduleBody")),
      span: this.spans.node(n),
    };
  }

  private moduleBody(n: CstNode): A.ModuleItem[] {
    return nodes(n, "moduleItem").map((item) => this.moduleItem(onlyChild(item)!));
  }

  private moduleItem(n: CstNode): A.ModuleItem {
    const span = this.spans.node(n);
    switch (n.name) {
      case "paramDecl":
        return {
          kind: "ParamDecl",
          role: token(n, "role").image as "param" | "state",
          name: this.ident(token(n, "Ident")),
          type: this.type(node(n, "type")),
          init: { op: token(n, "initOp").image as "=" | "~", value: this.expr(node(n, "expression")) },
          span,
        };
      case "submoduleDecl":
        return { kind: "SubmoduleDecl", name: this.ident(token(n, "Ident")), value: this.expr(node(n, "expression")), span };
      case "letItem":
        return { kind: "LetItem", name: this.ident(token(n, "Ident")), value: this.expr(node(n, "expression")), span };
      case "ifItem":
        return this.ifItem(n);
      case "assertStatement":
        return this.assertStatement(n);
      case "fnDecl":
        return this.fnDecl(n);
      case "lossDecl":
        return {
          kind: "LossDecl",
          name: this.optIdent(n, "Ident"),
          params: this.paramList(node(n, "paramList")),
          body: this.block(node(n, "block")),
          span,
        };
      case "samplerDecl":
        return this.samplerDecl(n);
      default:
        throw new Error(`internal: unknown module item rule '${n.name}'`);
    }
  }

  private ifItem(n: CstNode): A.IfItem {
    const elseBody = optNode(n, "else");
    const elseIf = optNode(n, "elseIf");
    return {
      kind: "IfItem",
      cond: this.expr(node(n, "expression")),
      then: this.moduleBody(node(n, "then")),
      else: elseBody ? this.moduleBody(elseBody) : elseIf ? [this.ifItem(elseIf)] : undefined,
      span: this.spans.node(n),
    };
  }

  private trainDecl(n: CstNode): A.TrainDecl {
    return {
      kind: "TrainDecl",
      name: this.optIdent(n, "Ident"),
      model: this.expr(node(n, "model")),
      data: this.expr(node(n, "data")),
      config: this.configBlock(node(n, "configBlock")),
      span: this.spans.node(n),
    };
  }

  private samplerDecl(n: CstNode): A.SamplerDecl {
    const typeNode = optNode(n, "type");
    return {
      kind: "SamplerDecl",
      name: this.ident(token(n, "Ident")),
      params: this.paramList(node(n, "paramList")),
      returnType: typeNode && this.type(typeNode),
      body: this.block(node(n, "block")),
      span: this.spans.node(n),
    };
  }

  private configBlock(n: CstNode): A.ConfigEntry[] {
    return nodes(n, "configEntry").map((e) => ({
      kind: "ConfigEntry",
      key: this.ident(token(e, "AnyName")),
      value: this.expr(node(e, "expression")),
      span: this.spans.node(e),
    }));
  }

  // ------------------------------------------------------------ types

  private type(n: CstNode): A.TypeExpr {
    const inner = onlyChild(n)!;
    const span = this.spans.node(inner);
    switch (inner.name) {
      case "tupleType":
        return { kind: "TupleType", elements: nodes(inner, "type").map((t) => this.type(t)), span };
      case "listType":
        return { kind: "ListType", element: this.type(node(inner, "type")), span };
      case "enumType":
        return { kind: "EnumType", members: tokens(inner, "StringLit").map((t) => this.stringLit(t)), span };
      case "tensorOrNamedType":
        return this.tensorOrNamedType(inner, span);
      default:
        throw new Error(`internal: unknown type rule '${inner.name}'`);
    }
  }

  private tensorOrNamedType(n: CstNode, span: Span): A.TypeExpr {
    const nameToken = token(n, "name");
    const name = nameToken.image;
    const hasBrackets = optToken(n, "LBracket") !== undefined;
    if (hasBrackets && !TENSOR_DTYPES.has(name)) {
      fail("E0101", this.spans.token(nameToken), `\`${name}\` cannot have dimensions`, {
        help: "tensor types are written `f32[...]`, `i32[...]` or `bool[...]`, e.g. `f32[B, d]`",
      });
    }
    if (hasBrackets) return { kind: "TensorType", dtype: name as "f32" | "i32" | "bool", dims: nodes(n, "dim").map((d) => this.dim(d)), span };
    if (name === "f32" || name === "i32") return { kind: "TensorType", dtype: name, span };
    return { kind: "NamedType", name: this.ident(nameToken), span };
  }

  private dim(n: CstNode): A.DimExpr {
    const ellipsis = optToken(n, "Ellipsis");
    if (ellipsis) return { kind: "DimEllipsis", span: this.spans.token(ellipsis) };
    return this.dimChain(node(n, "dimSum"), "dimProduct", (p) => this.dimChain(p, "dimAtom", (a) => this.dimAtom(a)));
  }

  /** Left-associative fold of `operand (op operand)*` for dimension arithmetic. */
  private dimChain(n: CstNode, operandKey: string, operand: (n: CstNode) => A.DimExpr): A.DimExpr {
    const operands = nodes(n, operandKey).map(operand);
    const ops = tokens(n, "op");
    return operands.slice(1).reduce(
      (left, right, i) => ({ kind: "DimBinary", op: ops[i]!.image as "+" | "-" | "*" | "/", left, right, span: this.spans.between(left.span, right.span) }),
      operands[0]!,
    );
  }

  private dimAtom(n: CstNode): A.DimExpr {
    const num = optToken(n, "NumberLit");
    if (num) {
      const literal = this.numberLit(num);
      if (literal.isFloat) {
        fail("E0106", literal.span, `\`${num.image}\` is not a valid dimension size`, {
          help: "dimension sizes are whole numbers or names, e.g. `f32[B, 3]`",
        });
      }
      return { kind: "DimNumber", value: literal.value, span: literal.span };
    }
    const name = optToken(n, "Ident");
    if (name) return { kind: "DimName", name: name.image, span: this.spans.token(name) };
    // `(d + 1)`: the inner dimension, widened to cover its parentheses (as for expressions).
    const inner = this.dimChain(node(n, "dimSum"), "dimProduct", (p) => this.dimChain(p, "dimAtom", (a) => this.dimAtom(a)));
    return { ...inner, span: this.spans.node(n) };
  }

  // ------------------------------------------------------------ blocks and statements

  private block(n: CstNode): A.Block {
    return {
      kind: "Block",
      statements: nodes(n, "statement").map((s) => this.statement(onlyChild(s)!)),
      result: this.expr(node(n, "result")),
      span: this.spans.node(n),
    };
  }

  private statement(n: CstNode): A.Statement {
    const span = this.spans.node(n);
    switch (n.name) {
      case "letStatement": {
        const typeNode = optNode(n, "type");
        return { kind: "Let", pattern: this.pattern(node(n, "pattern")), type: typeNode && this.type(typeNode), value: this.expr(node(n, "expression")), span };
      }
      case "drawStatement":
        return { kind: "Draw", name: this.ident(token(n, "Ident")), distribution: this.expr(node(n, "expression")), span };
      case "setStatement":
        return { kind: "Set", target: this.ident(token(n, "Ident")), value: this.expr(node(n, "expression")), span };
      case "assertStatement":
        return this.assertStatement(n);
      default:
        throw new Error(`internal: unknown statement rule '${n.name}'`);
    }
  }

  private assertStatement(n: CstNode): A.AssertStmt {
    const message = optToken(n, "message");
    return { kind: "Assert", cond: this.expr(node(n, "expression")), message: message && this.stringLit(message), span: this.spans.node(n) };
  }

  private pattern(n: CstNode): A.Pattern {
    const name = optToken(n, "Ident");
    const span = this.spans.node(n);
    if (name) return { kind: "PatName", name: this.ident(name), span };
    return { kind: "PatTuple", elements: nodes(n, "pattern").map((p) => this.pattern(p)), span };
  }

  // ------------------------------------------------------------ expressions

  expr(n: CstNode): A.Expr {
    const operands: Operand[] = nodes(n, "operand").map((o) => ({ prefixes: tokens(o, "PrefixOp"), value: this.postfixChain(o) }));
    const ops = tokens(n, "BinaryOp");
    if (ops.length === 0 && operands[0]!.prefixes.length === 0) return operands[0]!.value;
    return buildOperatorTree(operands, ops, this.spans);
  }

  /** A primary followed by calls, indexing and member accesses, applied left to right. */
  private postfixChain(operand: CstNode): A.Expr {
    let target = this.primary(onlyChildOrToken(node(operand, "primary")));
    for (const op of nodes(operand, "postfixOp")) {
      const span = this.spans.between(target.span, this.spans.node(op));
      const call = optNode(op, "callArgs");
      const index = optNode(op, "indexSuffix");
      if (call) target = { kind: "Call", callee: target, args: this.args(call), span };
      else if (index) target = { kind: "Index", target, indices: nodes(index, "indexItem").map((i) => this.indexItem(i)), span };
      else target = { kind: "Member", target, member: this.ident(token(op, "member")), span };
    }
    return target;
  }

  private args(n: CstNode): A.Arg[] {
    return nodes(n, "arg").map((a) => ({
      kind: "Arg",
      name: this.optIdent(a, "name"),
      value: this.expr(node(a, "expression")),
      span: this.spans.node(a),
    }));
  }

  private indexItem(n: CstNode): A.IndexItem {
    const span = this.spans.node(n);
    if (optToken(n, "Ellipsis")) return { kind: "Ellipsis", span };
    const startNode = optNode(n, "start");
    const start = startNode && this.expr(startNode);
    const rest = optNode(n, "sliceRest");
    if (!rest) {
      if (start!.kind === "Name" && start!.name === "None") return { kind: "NewAxis", span };
      return { kind: "IndexExpr", value: start!, span };
    }
    const stop = optNode(rest, "stop");
    const step = optNode(rest, "step");
    return { kind: "Slice", start, stop: stop && this.expr(stop), step: step && this.expr(step), span };
  }

  private primary(p: CstNode | IToken): A.Expr {
    if ("image" in p) return this.literalOrName(p);
    const span = this.spans.node(p);
    switch (p.name) {
      case "parenExpr": {
        const elements = nodes(p, "expression").map((e) => this.expr(e));
        const isTuple = elements.length !== 1 || tokens(p, "Comma").length > 0;
        // A parenthesized expression is its inner node, widened to cover the parentheses so that
        // every node's span covers exactly its source text (`(a + b) * c` starts at the `(`).
        return isTuple ? { kind: "Tuple", elements, span } : { ...elements[0]!, span };
      }
      case "listExpr":
        return this.listExpr(p, span);
      case "block":
        return this.block(p);
      case "ifExpr":
        return this.ifExpr(p);
      case "lambdaExpr":
        return { kind: "Lambda", params: this.paramList(node(p, "paramList")), body: this.expr(node(p, "expression")), span };
      default:
        throw new Error(`internal: unknown primary rule '${p.name}'`);
    }
  }

  private literalOrName(t: IToken): A.Expr {
    const span = this.spans.token(t);
    switch (t.tokenType.name) {
      case "NumberLit":
        return this.numberLit(t);
      case "StringLit":
        return this.stringLit(t);
      case "True":
        return { kind: "Bool", value: true, span };
      case "False":
        return { kind: "Bool", value: false, span };
      default:
        return { kind: "Name", name: t.image, span };
    }
  }

  private listExpr(n: CstNode, span: Span): A.Expr {
    const first = optNode(n, "first");
    if (!first) return { kind: "List", elements: [], span };
    const variable = optToken(n, "variable");
    if (variable) {
      return { kind: "ListComprehension", element: this.expr(first), variable: this.ident(variable), iterable: this.expr(node(n, "iterable")), span };
    }
    return { kind: "List", elements: [first, ...nodes(n, "rest")].map((e) => this.expr(e)), span };
  }

  private ifExpr(n: CstNode): A.IfExpr {
    const elseBlock = optNode(n, "else");
    return {
      kind: "If",
      cond: this.expr(node(n, "cond")),
      then: this.block(node(n, "then")),
      else: elseBlock ? this.block(elseBlock) : this.ifExpr(node(n, "elseIf")),
      span: this.spans.node(n),
    };
  }

  private numberLit(t: IToken): A.NumberLit {
    const raw = t.image;
    return { kind: "Number", value: Number(raw.replace(/_/g, "")), isFloat: /[.eE]/.test(raw), raw, span: this.spans.token(t) };
  }

  private stringLit(t: IToken): A.StringLit {
    return { kind: "String", value: stringValue(t.image), raw: t.image, span: this.spans.token(t) };
  }
}

/** `primary` has exactly one child: a literal/name token or a sub-rule node. */
function onlyChildOrToken(n: CstNode): CstNode | IToken {
  for (const elements of Object.values(n.children)) if (elements[0]) return elements[0];
  throw new Error("internal: empty primary");
}
