// Name resolution over every declaration of every loaded file: each name used must be bound by
// an enclosing scope (let, parameter, dimension variable, module member, hyper-parameter,
// top-level declaration, import, the prelude, or a builtin). Unknown names are reported all at
// once with a suggestion, before elaboration starts.

import type * as A from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { BUILTIN_NAMES } from "../elaborate/builtin-names.js";
import type { LoadedFile } from "./loader.js";
import { declaredMemberNames } from "./members.js";
import { suggestion, type FileScope } from "./scope.js";

class Scopes {
  private readonly frames: Set<string>[] = [];
  constructor(
    private readonly fileScope: FileScope,
    private readonly prelude: FileScope | undefined,
  ) {}
  push(names: Iterable<string> = []): Set<string> {
    const frame = new Set(names);
    this.frames.push(frame);
    return frame;
  }
  pop(): void {
    this.frames.pop();
  }
  bind(name: string): void {
    this.frames[this.frames.length - 1]!.add(name);
  }
  has(name: string): boolean {
    return this.frames.some((f) => f.has(name)) || this.fileScope.has(name) || (this.prelude?.has(name) ?? false) || BUILTIN_NAMES.has(name);
  }
  candidates(): string[] {
    return [...this.frames.flatMap((f) => [...f]), ...this.fileScope.keys(), ...(this.prelude?.keys() ?? []), ...BUILTIN_NAMES];
  }
}

export function resolveNames(file: LoadedFile, fileScope: FileScope, prelude: FileScope | undefined): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const scopes = new Scopes(fileScope, file.isStd && file.path.endsWith("prelude.flow") ? fileScope : prelude);

  const use = (name: string, span: A.Ident["span"]) => {
    if (scopes.has(name)) return;
    diagnostics.push(
      diagnostic("E0200", span, `unknown name \`${name}\``, {
        help: suggestion(name, scopes.candidates()) ?? "define it with `let`, take it as a parameter, or import it with `use`",
      }),
    );
  };

  const typeDims = (t: A.TypeExpr | undefined, out: Set<string>) => {
    if (!t) return;
    if (t.kind === "TensorType") for (const d of t.dims ?? []) dimNames(d, out);
    if (t.kind === "TupleType") for (const e of t.elements) typeDims(e, out);
    if (t.kind === "ListType") typeDims(t.element, out);
  };

  const params = (ps: readonly A.Param[]) => {
    // Defaults see the enclosing scope; names and dimension variables are bound for the body.
    for (const p of ps) if (p.default) expr(p.default);
    const names = new Set<string>();
    for (const p of ps) {
      names.add(p.name.name);
      typeDims(p.type, names);
    }
    return names;
  };

  const fn = (f: A.FnDecl | A.LossDecl | A.SamplerDecl) => {
    for (const attr of f.kind === "FnDecl" ? f.attributes : []) {
      const problem = attributeProblem(attr);
      if (problem) diagnostics.push(problem);
      for (const a of attr.args) expr(a.value);
    }
    const bound = params(f.params);
    if (f.kind !== "LossDecl") typeDims(f.returnType, bound);
    scopes.push(bound);
    expr(f.body);
    scopes.pop();
  };


  const moduleItems = (items: readonly A.ModuleItem[]) => {
    for (const item of items) {
      switch (item.kind) {
        case "ParamDecl":
          expr(item.init.value);
          break;
        case "SubmoduleDecl":
        case "LetItem":
          expr(item.value);
          break;
        case "Assert":
          expr(item.cond);
          break;
        case "IfItem":
          expr(item.cond);
          moduleItems(item.then);
          if (item.else) moduleItems(item.else);
          break;
        default:
          fn(item);
      }
    }
  };

  const pattern = (p: A.Pattern) => {
    if (p.kind === "PatName") scopes.bind(p.name.name);
    else p.elements.forEach(pattern);
  };

  const expr = (e: A.Expr): void => {
    switch (e.kind) {
      case "Number":
      case "String":
      case "Bool":
        return;
      case "Name":
        return use(e.name, e.span);
      case "Unary":
        return expr(e.operand);
      case "Binary":
        expr(e.left);
        return expr(e.right);
      case "Call":
        expr(e.callee);
        for (const a of e.args) expr(a.value);
        return;
      case "Index":
        expr(e.target);
        for (const i of e.indices) {
          if (i.kind === "IndexExpr") expr(i.value);
          if (i.kind === "Slice") [i.start, i.stop, i.step].forEach((x) => x && expr(x));
        }
        return;
      case "Member":
        return expr(e.target);
      case "Tuple":
      case "List":
        return e.elements.forEach(expr);
      case "ListComprehension":
        expr(e.iterable);
        scopes.push([e.variable.name]);
        expr(e.element);
        scopes.pop();
        return;
      case "Block":
        scopes.push();
        for (const s of e.statements) {
          if (s.kind === "Let") {
            expr(s.value);
            pattern(s.pattern);
          } else if (s.kind === "Draw") {
            expr(s.distribution);
            scopes.bind(s.name.name);
          } else if (s.kind === "Assert") {
            expr(s.cond);
          } else {
            expr(s.value);
            use(s.target.name, s.target.span);
          }
        }
        expr(e.result);
        scopes.pop();
        return;
      case "If":
        expr(e.cond);
        expr(e.then);
        return expr(e.else);
      case "Lambda": {
        const bound = params(e.params);
        scopes.push(bound);
        expr(e.body);
        scopes.pop();
        return;
      }
    }
  };

  for (const item of file.program.items) {
    switch (item.kind) {
      case "UseDecl":
        break;
      case "LetDecl":
      case "DataDecl":
        expr(item.value);
        break;
      case "FnDecl":
      case "SamplerDecl":
        fn(item);
        break;
      case "ModuleDecl":
      case "ModelDecl": {
        const hyper = params(item.params);
        const members = new Set<string>(hyper);
        for (const name of declaredMemberNames(item.items)) members.add(name);
        scopes.push(members);
        moduleItems(item.items);
        scopes.pop();
        break;
      }
      case "TrainDecl":
        expr(item.model);
        expr(item.data);
        for (const c of item.config) expr(c.value);
        break;
      case "ExpectDecl":
        for (const c of item.config) expr(c.value);
        break;
    }
  }
  return diagnostics;
}

export function dimNames(d: A.DimExpr, out: Set<string>): void {
  if (d.kind === "DimName") out.add(d.name);
  else if (d.kind === "DimBinary") {
    dimNames(d.left, out);
    dimNames(d.right, out);
  }
}

/** The attributes a function may carry, with the arguments each takes. */
const ATTRIBUTES: Readonly<Record<string, { readonly usage: string; readonly args: number }>> = {
  custom_vjp: { usage: "@custom_vjp(backward_function)", args: 1 },
};

function attributeProblem(attr: A.Attribute): Diagnostic | undefined {
  const known = ATTRIBUTES[attr.name.name];
  if (!known)
    return diagnostic("E0208", attr.name.span, `unknown attribute \`@${attr.name.name}\``, {
      help: suggestion(attr.name.name, Object.keys(ATTRIBUTES)) ?? `the attributes are ${Object.values(ATTRIBUTES).map((a) => `\`${a.usage}\``).join(", ")}`,
    });
  if (attr.args.length !== known.args || attr.args.some((a) => a.name))
    return diagnostic("E0508", attr.span, `\`@${attr.name.name}\` takes ${known.args === 1 ? "one argument" : `${known.args} arguments`}, written \`${known.usage}\``, {
      help: "name the function that computes the backward pass, declared beside this one",
    });
  return undefined;
}
