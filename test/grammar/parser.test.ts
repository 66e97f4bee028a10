import { describe, expect, it } from "vitest";
import type * as A from "../../grammar/ast.js";
import { at, parseExpr, parseOk, range, sexpr } from "./helpers.js";
import { MAIN_EXAMPLE } from "./examples.js";

const first = <K extends A.TopItem["kind"]>(text: string, kind: K) => {
  const item = parseOk(text).items[0]!;
  expect(item.kind).toBe(kind);
  return item as Extract<A.TopItem, { kind: K }>;
};
const expr = (e: string) => sexpr(parseExpr(e));
/** The items of the one module in `text`. */
const moduleItems = (text: string) => first(`module M {\n${text}\n}`, "ModuleDecl").items;
/** The block body of `fn f() { ... }`. */
const block = (body: string) => first(`fn f() {\n${body}\n}`, "FnDecl").body as A.Block;

describe("the main example", () => {
  const program = parseOk(MAIN_EXAMPLE);

  it("has every top-level item, in order", () => {
    expect(program.items.map((i) => i.kind)).toEqual([
      "UseDecl",
      "UseDecl",
      "UseDecl",
      "LetDecl",
      "ModuleDecl",
      "ModelDecl",
      "DataDecl",
      "TrainDecl",
      "ExpectDecl",
      "FnDecl",
      "FnDecl",
      "LetDecl",
      "LetDecl",
    ]);
  });

  it("keeps the comments in order with exact spans", () => {
    expect(program.comments.map((c) => [c.style, c.text, range(c.span)])).toEqual([
      ["line", "// a constant", "5:19-5:32"],
      ["block", "/* Velocity field */", "7:1-7:21"],
    ]);
  });

  it("spans the whole file", () => {
    expect(program.span).toMatchObject({ file: "t.flow", start: 0, end: MAIN_EXAMPLE.length, line: 1, column: 1 });
  });

  it("has the module items of Velocity", () => {
    const velocity = program.items[4] as A.ModuleDecl;
    expect(velocity.name.name).toBe("Velocity");
    expect(velocity.params.map((p) => p.name.name)).toEqual(["d", "width", "act"]);
    expect(velocity.params[2]!.type).toMatchObject({ kind: "NamedType", name: { name: "fn" } });
    expect(velocity.items.map((i) => i.kind)).toEqual(["SubmoduleDecl", "ParamDecl", "ParamDecl", "IfItem", "FnDecl", "FnDecl"]);
    expect(range(velocity.span)).toBe("8:1-19:2");
    const forward = velocity.items[4] as A.FnDecl;
    expect(forward.name).toBeUndefined();
    expect(forward.params.map((p) => p.name.name)).toEqual(["x", "t"]);
    expect(sexpr(forward.body)).toBe("(* (call net (call concat x (index t : None) axis:(- 1))) scale)");
    const energy = velocity.items[5] as A.FnDecl;
    expect(sexpr(energy.body)).toBe("{let e = (call sum (^ x 2) axis:(- 1)); set count = (+ count 1); (/ (- e) 2)}");
  });

  it("has the loss and sampler of rf", () => {
    const rf = program.items[5] as A.ModelDecl;
    const [v, blocks, loss, sampler] = rf.items as [A.SubmoduleDecl, A.SubmoduleDecl, A.LossDecl, A.SamplerDecl];
    expect(sexpr(v.value)).toBe("(call Velocity d)");
    expect(sexpr(blocks.value)).toBe("[(call Block d) for i in (call range 4)]");
    expect(loss.name).toBeUndefined();
    expect(loss.body.statements.map((s) => s.kind)).toEqual(["Draw", "Draw", "Let", "Let"]);
    expect(sexpr(loss.body.result)).toBe("(call mean (call sum (^ (- (call v xt t) (- x1 x0)) 2) axis:(- 1)))");
    expect(sampler.name.name).toBe("euler");
    expect(sampler.returnType).toMatchObject({ kind: "TensorType", dtype: "f32", dims: [{ name: "N" }, { name: "d" }] });
    const norm = rf.params[1]!;
    expect(norm.type).toMatchObject({ kind: "EnumType", members: [{ value: "pre" }, { value: "post" }, { value: "peri" }] });
  });

  it("has exact spans for nodes on known lines", () => {
    const width = program.items[3] as A.LetDecl;
    expect(range(width.span)).toBe("5:1-5:16");
    expect(range(width.name.span)).toBe("5:5-5:10");
    const train = program.items[7] as A.TrainDecl;
    expect(range(train.span)).toBe("39:1-39:86");
    expect(train.config.map((c) => `${c.key.name}@${at(c.value.span)}`)).toEqual(["optimizer@39:32", "batch@39:55", "steps@39:67", "ema@39:79"]);
  });
});

describe("use declarations", () => {
  it.each([
    ["use std.nn", { kind: "std", path: ["nn"] }, [], undefined],
    ["use std.nn as layers", { kind: "std", path: ["nn"] }, [], "layers"],
    ["use std.nn.MLP", { kind: "std", path: ["nn"] }, ["MLP"], undefined],
    ["use std.nn.MLP as M", { kind: "std", path: ["nn"] }, ["MLP as M"], undefined],
    ["use std.nn.{MLP, Linear as Lin,}", { kind: "std", path: ["nn"] }, ["MLP", "Linear as Lin"], undefined],
    ['use "./blocks.flow"', { kind: "file", path: "./blocks.flow" }, [], undefined],
    ['use "./blocks.flow" as b', { kind: "file", path: "./blocks.flow" }, [], "b"],
    ['use "./blocks.flow".{Block}', { kind: "file", path: "./blocks.flow" }, ["Block"], undefined],
    ["use std.data", { kind: "std", path: ["data"] }, [], undefined],
  ])("%s", (text, source, names, alias) => {
    const use = first(text, "UseDecl");
    const src = use.source.kind === "std" ? { kind: "std", path: use.source.path.map((p) => p.name) } : { kind: "file", path: use.source.path };
    expect(src).toEqual(source);
    expect(use.names.map((n) => n.name.name + (n.alias ? ` as ${n.alias.name}` : ""))).toEqual(names);
    expect(use.alias?.name).toBe(alias);
  });

  it("records the span of a file path", () => {
    const use = first('use "./b.flow"', "UseDecl");
    expect(use.source.kind === "file" && range(use.source.span)).toBe("1:5-1:15");
  });
});

describe("declarations", () => {
  it("parses a typed top-level let", () => {
    const d = first("let w: int = 3", "LetDecl");
    expect(d.type).toMatchObject({ kind: "NamedType", name: { name: "int" } });
  });

  it("parses functions with expression and block bodies", () => {
    const f = first("fn gelu(x: f32[...]) -> f32[...] = x", "FnDecl");
    expect(f.name?.name).toBe("gelu");
    expect(f.returnType).toMatchObject({ kind: "TensorType", dims: [{ kind: "DimEllipsis" }] });
    const g = first("fn g(a, b = 2,) { a + b }", "FnDecl");
    expect(g.params.map((p) => [p.name.name, p.default && sexpr(p.default)])).toEqual([
      ["a", undefined],
      ["b", "2"],
    ]);
    expect(g.body.kind).toBe("Block");
  });

  it("parses attributes before fn", () => {
    const f = first("@custom_vjp\n@inline(level: 2)\nfn f(x) = x", "FnDecl");
    expect(f.attributes.map((a) => [a.name.name, a.args.map((x) => `${x.name?.name}:${sexpr(x.value)}`)])).toEqual([
      ["custom_vjp", []],
      ["inline", ["level:2"]],
    ]);
    expect(at(f.span)).toBe("1:1");
  });

  it("parses data, named train and expect", () => {
    expect(sexpr(first("data moons = toy.moons(noise: 0.05)", "DataDecl").value)).toBe("(call (. toy moons) noise:0.05)");
    const t = first("train rf2 = rf on pairs { steps: 10 batch: 2, }", "TrainDecl");
    expect([t.name?.name, sexpr(t.model), sexpr(t.data), t.config.map((c) => c.key.name)]).toEqual(["rf2", "rf", "pairs", ["steps", "batch"]]);
    const e = first('expect "it works" { metric: 1, data: moons }', "ExpectDecl");
    expect(e.title.value).toBe("it works");
    expect(e.config.map((c) => c.key.name)).toEqual(["metric", "data"]);
  });

  it("parses a top-level sampler", () => {
    const s = first("sampler draw(n: int = 4) -> f32[n] { x ~ normal([n]); x }", "SamplerDecl");
    expect(s.params[0]!.name.name).toBe("n");
    expect(sexpr(s.body)).toBe("{x ~ (call normal [n]); x}");
  });

  it("accepts `;` as an optional separator", () => {
    expect(parseOk("let a = 1; let b = 2;;").items).toHaveLength(2);
    expect(sexpr(block("let a = 1; a;"))).toBe("{let a = 1; a}");
  });

  it("accepts an empty file and a file of comments", () => {
    expect(parseOk("").items).toEqual([]);
    expect(parseOk("// just a note\n/* and another */").comments).toHaveLength(2);
  });
});

describe("module items", () => {
  it("parses param and state declarations", () => {
    const [w, s] = moduleItems("param w: f32[in, out] ~ normal(0, 0.02)\nstate n: i32 = 0") as A.ParamDecl[];
    expect([w!.role, w!.name.name, w!.init.op, sexpr(w!.init.value)]).toEqual(["param", "w", "~", "(call normal 0 0.02)"]);
    expect(w!.type).toMatchObject({ kind: "TensorType", dtype: "f32", dims: [{ name: "in" }, { name: "out" }] });
    expect([s!.role, s!.init.op]).toEqual(["state", "="]);
    expect(s!.type).toMatchObject({ kind: "TensorType", dtype: "i32" });
    expect((s!.type as A.TensorTypeExpr).dims).toBeUndefined();
  });

  it("parses submodules, lets, named losses and samplers", () => {
    const items = moduleItems("net = MLP(in: d)\nlet h = d / 2\nloss recon(x) { x }\nsampler s() { 1 }");
    expect(items.map((i) => i.kind)).toEqual(["SubmoduleDecl", "LetItem", "LossDecl", "SamplerDecl"]);
    expect((items[2] as A.LossDecl).name?.name).toBe("recon");
  });

  it("nests `else if` items as a one-element else list", () => {
    const [item] = moduleItems("if a { let x = 1 } else if b { let x = 2 } else { let x = 3 }") as A.IfItem[];
    expect(item!.then.map((i) => i.kind)).toEqual(["LetItem"]);
    expect(item!.else).toHaveLength(1);
    const nested = item!.else![0] as A.IfItem;
    expect(nested.kind).toBe("IfItem");
    expect(sexpr(nested.cond)).toBe("b");
    expect(nested.else?.map((i) => i.kind)).toEqual(["LetItem"]);
    const [plain] = moduleItems("if a { param b: f32[3] = 0 }") as A.IfItem[];
    expect(plain!.else).toBeUndefined();
  });

  it("parses asserts as module items, with and without a message", () => {
    const [a, b] = moduleItems('assert d % heads == 0, "d must be a multiple of heads"\nassert heads > 0') as A.AssertStmt[];
    expect([a!.kind, sexpr(a!.cond), a!.message?.value]).toEqual(["Assert", "(== (% d heads) 0)", "d must be a multiple of heads"]);
    expect(range(a!.span)).toBe("2:1-2:55");
    expect([b!.kind, sexpr(b!.cond), b!.message]).toEqual(["Assert", "(> heads 0)", undefined]);
    const [item] = moduleItems("if causal { assert chunk > 0 }") as A.IfItem[];
    expect(item!.then.map((i) => i.kind)).toEqual(["Assert"]);
  });

  it("parses module parameters and an empty module", () => {
    const m = first("module Empty {}", "ModuleDecl");
    expect([m.params, m.items]).toEqual([[], []]);
    const n = first("model m() { }", "ModelDecl");
    expect(n.params).toEqual([]);
  });
});

describe("types", () => {
  const typeOf = (t: string) => first(`let x: ${t} = 0`, "LetDecl").type!;
  it.each([
    ["f32", { kind: "TensorType", dtype: "f32" }],
    ["i32", { kind: "TensorType", dtype: "i32" }],
    ["bool", { kind: "NamedType", name: { name: "bool" } }],
    ["bool[T, T]", { kind: "TensorType", dtype: "bool", dims: [{ name: "T" }, { name: "T" }] }],
    ["f32[]", { kind: "TensorType", dtype: "f32", dims: [] }],
    ["int", { kind: "NamedType", name: { name: "int" } }],
    ["Block", { kind: "NamedType", name: { name: "Block" } }],
    ["[int]", { kind: "ListType", element: { kind: "NamedType" } }],
    ["(f32[B], int,)", { kind: "TupleType", elements: [{ kind: "TensorType" }, { kind: "NamedType" }] }],
    ['"a" | "b"', { kind: "EnumType", members: [{ value: "a" }, { value: "b" }] }],
  ])("%s", (text, shape) => {
    const t = typeOf(text);
    expect(t).toMatchObject(shape);
    if (!text.includes("[") && t.kind === "TensorType") expect(t.dims).toBeUndefined();
  });

  it("parses dimension arithmetic with precedence", () => {
    const t = typeOf("f32[..., d + 1, 2 * d, (d + 1) * 2, d / heads - 1, 3]") as A.TensorTypeExpr;
    const show = (d: A.DimExpr): string =>
      d.kind === "DimBinary" ? `(${show(d.left)} ${d.op} ${show(d.right)})` : d.kind === "DimName" ? d.name : d.kind === "DimNumber" ? String(d.value) : "...";
    expect(t.dims!.map(show)).toEqual(["...", "(d + 1)", "(2 * d)", "((d + 1) * 2)", "((d / heads) - 1)", "3"]);
    expect(range(t.dims![1]!.span)).toBe("1:17-1:22");
  });
});

describe("expressions", () => {
  it.each([
    ["a + b * c", "(+ a (* b c))"],
    ["a * b + c", "(+ (* a b) c)"],
    ["a - b - c", "(- (- a b) c)"],
    ["a / b % c @ d", "(@ (% (/ a b) c) d)"],
    ["2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"],
    ["-x^2", "(- (^ x 2))"],
    ["x^-1", "(^ x (- 1))"],
    ["-a * b", "(* (- a) b)"],
    ["+a", "(+ a)"],
    ["- -a", "(- (- a))"],
    ["a < b + 1", "(< a (+ b 1))"],
    ["a == b and c != d or e", "(or (and (== a b) (!= c d)) e)"],
    ["a or b and c", "(or a (and b c))"],
    ["not a == b", "(not (== a b))"],
    ["not a and b", "(and (not a) b)"],
    ["a and not b", "(and a (not b))"],
    ["not not a", "(not (not a))"],
    ["(a < b) < c", "(< (< a b) c)"],
    ["a <= b", "(<= a b)"],
    ["a >= b", "(>= a b)"],
    ["a > b", "(> a b)"],
    ["(a + b) * c", "(* (+ a b) c)"],
  ])("%s", (source, tree) => {
    expect(expr(source)).toBe(tree);
  });

  it.each([
    ["f(a, b,)", "(call f a b)"],
    ["f()", "(call f)"],
    ["f(x, axis: -1)", "(call f x axis:(- 1))"],
    ["MLP(in: 3, data: d)", "(call MLP in:3 data:d)"],
    ["x.shape", "(. x shape)"],
    ["a.b(c).d[0]", "(index (. (call (. a b) c) d) 0)"],
    ["f(a)(b)", "(call (call f a) b)"],
    ["x[..., 1:-1:2, 0]", "(index x ... 1:(- 1):2 0)"],
    ["x[:, None]", "(index x : None)"],
    ["x[::2]", "(index x ::2)"],
    ["x[1:]", "(index x 1:)"],
    ["x[:3]", "(index x :3)"],
    ["x[a::]", "(index x a:)"],
    ["x[i, j,]", "(index x i j)"],
    ["()", "(tuple)"],
    ["(a)", "a"],
    ["(a,)", "(tuple a)"],
    ["(a, b, c)", "(tuple a b c)"],
    ["[]", "[]"],
    ["[a, b,]", "[a b]"],
    ["[f(i) for i in range(3)]", "[(call f i) for i in (call range 3)]"],
    ['"s"', '"s"'],
    ["true", "true"],
    ["false", "false"],
    ["in + 1", "(+ in 1)"],
    ["if a { 1 } else { 2 }", "(if a {1} {2})"],
    ["if a { 1 } else if b { 2 } else { 3 }", "(if a {1} (if b {2} {3}))"],
    ["fn (x, t) => v(x, t)", "(fn (x t) (call v x t))"],
    ["fn () => 1", "(fn () 1)"],
    ["fn (x: f32[B]) => x * 2", "(fn (x) (* x 2))"],
    ["{ let a = 1; a }", "{let a = 1; a}"],
  ])("%s", (source, tree) => {
    expect(expr(source)).toBe(tree);
  });

  it("computes literal values", () => {
    expect(parseExpr("10_000")).toMatchObject({ kind: "Number", value: 10000, isFloat: false, raw: "10_000" });
    expect(parseExpr("2.5E+4")).toMatchObject({ value: 25000, isFloat: true });
    expect(parseExpr("1e-3")).toMatchObject({ value: 0.001, isFloat: true });
    expect(parseExpr("1.0")).toMatchObject({ value: 1, isFloat: true });
    expect(parseExpr(String.raw`"a\"b\\c\nd\te"`)).toMatchObject({ kind: "String", value: 'a"b\\c\nd\te', raw: String.raw`"a\"b\\c\nd\te"` });
  });

  it("gives binary nodes their operator span and full extent", () => {
    const e = parseExpr("(a + b) * c") as A.BinaryExpr;
    expect(range(e.span)).toBe("1:9-1:20");
    expect(range(e.opSpan)).toBe("1:17-1:18");
    expect(range(e.left.span)).toBe("1:9-1:16");
    const and = parseExpr("x and y") as A.BinaryExpr;
    expect([and.op, range(and.opSpan)]).toEqual(["and", "1:11-1:14"]);
  });

  it("gives calls, indexing and unary nodes exact spans", () => {
    const call = parseExpr("f(a, b: 2)") as A.CallExpr;
    expect(range(call.span)).toBe("1:9-1:19");
    expect(call.args.map((a) => range(a.span))).toEqual(["1:11-1:12", "1:14-1:18"]);
    const idx = parseExpr("x[1:2, None]") as A.IndexExpr;
    expect(idx.indices.map((i) => `${i.kind}@${range(i.span)}`)).toEqual(["Slice@1:11-1:14", "NewAxis@1:16-1:20"]);
    const neg = parseExpr("-x") as A.UnaryExpr;
    expect(range(neg.span)).toBe("1:9-1:11");
  });
});

describe("blocks and statements", () => {
  it("parses let, draws, set and patterns", () => {
    expect(sexpr(block("let (a, (b, c),) = t\nz ~ normal([B])\nset n = n + 1\na"))).toBe("{let (a, (b, c)) = t; z ~ (call normal [B]); set n = (+ n 1); a}");
    const b = block("let y: f32[B] = x\ny");
    expect((b.statements[0] as A.LetStmt).type).toMatchObject({ kind: "TensorType", dims: [{ name: "B" }] });
  });

  it("parses assert statements", () => {
    expect(sexpr(block('assert x.rank == 2, "a matrix"\nassert n > 0; x'))).toBe('{assert (== (. x rank) 2), "a matrix"; assert (> n 0); x}');
    // A line starting with `-` after an assert starts the block's result (rule 2 of parser.ts).
    expect(sexpr(block("assert n > 0\n-x"))).toBe("{assert (> n 0); (- x)}");
  });

  it("spans statements and the block", () => {
    const b = block("  let a = 1\n  a");
    expect(range(b.span)).toBe("1:8-4:2");
    expect(range(b.statements[0]!.span)).toBe("2:3-2:12");
  });
});

describe("line-break rules", () => {
  it("a `(` on a new line starts a new expression, on the same line it is a call", () => {
    expect(sexpr(block("let y = f\n(a, b)"))).toBe("{let y = f; (tuple a b)}");
    expect(sexpr(block("let y = f(a,\n  b)\ny"))).toBe("{let y = (call f a b); y}");
  });

  it("a `[` on a new line starts a new expression", () => {
    expect(sexpr(block("let y = x\n[1, 2]"))).toBe("{let y = x; [1 2]}");
    expect(expr("x[0]")).toBe("(index x 0)");
  });

  it("a `.` on a new line continues a method chain", () => {
    expect(expr("x\n  .sum()\n  .mean()")).toBe("(call (. (call (. x sum)) mean))");
  });

  it("a line starting with a glued `-x` in a block is the block's result", () => {
    expect(sexpr(block("set count = count + 1\n-e / 2"))).toBe("{set count = (+ count 1); (/ (- e) 2)}");
    expect(sexpr(block("let a = b\n+c"))).toBe("{let a = b; (+ c)}");
  });

  it("a continuation line written with a space still continues", () => {
    expect(sexpr(block("let a = b\n  - c\na"))).toBe("{let a = (- b c); a}");
    expect(sexpr(block("let a = b -\n  c\na"))).toBe("{let a = (- b c); a}");
  });

  it("inside brackets, in a block's result and in top-level items a line may start with `-x`", () => {
    expect(sexpr(block("let a = f(b\n  -c)\na"))).toBe("{let a = (call f (- b c)); a}");
    expect(sexpr(block("let a = 1\na\n-c"))).toBe("{let a = 1; (- a c)}");
    expect(expr("b\n-c")).toBe("(- b c)");
    expect(sexpr((moduleItems("y = a\n-b")[0] as A.SubmoduleDecl).value)).toBe("(- a b)");
  });

  it("the rule applies to each block's own statements", () => {
    expect(sexpr(block("let a = { let b = c\n-d }\n-a"))).toBe("{let a = {let b = c; (- d)}; (- a)}");
  });

  it("a line starting with `@name` after a module item is an attribute", () => {
    const items = moduleItems("net = MLP(d)\n@custom_vjp\nfn f(x) = x\ny = a\n  @ w");
    expect(items.map((i) => i.kind)).toEqual(["SubmoduleDecl", "FnDecl", "SubmoduleDecl"]);
    expect((items[1] as A.FnDecl).attributes[0]!.name.name).toBe("custom_vjp");
    expect(sexpr((items[2] as A.SubmoduleDecl).value)).toBe("(@ a w)");
  });
});
