// The abstract syntax tree of a .flow file. Produced by grammar/to-ast.ts from the chevrotain CST;
// consumed by compiler/sema, compiler/elaborate and the formatter. Every node has a span.
// Comments are not in the tree: they are kept in `Program.comments` for the formatter.

import type { Span } from "../compiler/source.js";

interface NodeBase {
  readonly span: Span;
}

export interface Ident extends NodeBase {
  readonly kind: "Ident";
  readonly name: string;
}

export interface Comment extends NodeBase {
  readonly kind: "Comment";
  readonly style: "line" | "block";
  /** The comment's full text including `//` or `/* ... *\/`. */
  readonly text: string;
}

export interface Program extends NodeBase {
  readonly kind: "Program";
  readonly items: readonly TopItem[];
  readonly comments: readonly Comment[];
}

// ---------------------------------------------------------------- declarations

export type TopItem =
  | UseDecl
  | LetDecl
  | FnDecl
  | ModuleDecl
  | ModelDecl
  | DataDecl
  | TrainDecl
  | SamplerDecl
  | ExpectDecl;

/**
 * `use std.nn.MLP`, `use std.nn.{MLP, Linear as Lin}`, `use std.nn` (namespace, referenced as `nn.MLP`),
 * `use std.nn as layers`, `use "./blocks.flow".{Block}`, `use "./blocks.flow" as blocks`.
 */
export interface UseDecl extends NodeBase {
  readonly kind: "UseDecl";
  /** `std.nn` → { kind: "std", path: ["nn"] }; a string → { kind: "file", path: "./blocks.flow" }. */
  readonly source: { readonly kind: "std"; readonly path: readonly Ident[] } | { readonly kind: "file"; readonly path: string; readonly span: Span };
  /** Imported names; empty means the module file itself is bound as a namespace. */
  readonly names: readonly UseName[];
  /** `as x` for a namespace import. */
  readonly alias?: Ident;
}

export interface UseName extends NodeBase {
  readonly kind: "UseName";
  readonly name: Ident;
  readonly alias?: Ident;
}

/** Top-level compile-time constant: `let width = 256`. */
export interface LetDecl extends NodeBase {
  readonly kind: "LetDecl";
  readonly name: Ident;
  readonly type?: TypeExpr;
  readonly value: Expr;
}

/** Hyper-parameter of a module/model or parameter of a function: `name: type = default`. */
export interface Param extends NodeBase {
  readonly kind: "Param";
  readonly name: Ident;
  readonly type?: TypeExpr;
  readonly default?: Expr;
}

/**
 * `fn gelu(x: f32[...]) -> f32[...] = expr` or with a block body `{ let ...; expr }`.
 * Inside a module, a function without a name is the module's forward function (`fn (x) -> ... = ...`).
 */
export interface FnDecl extends NodeBase {
  readonly kind: "FnDecl";
  readonly name?: Ident;
  readonly params: readonly Param[];
  readonly returnType?: TypeExpr;
  readonly body: Expr;
  /** `custom_vjp` and similar attributes written as `@name` before `fn` (given meaning by later stages). */
  readonly attributes: readonly Attribute[];
}

export interface Attribute extends NodeBase {
  readonly kind: "Attribute";
  readonly name: Ident;
  readonly args: readonly Arg[];
}

export interface ModuleDecl extends NodeBase {
  readonly kind: "ModuleDecl";
  readonly name: Ident;
  readonly params: readonly Param[];
  readonly items: readonly ModuleItem[];
}

/** `model rf(d: int = 2) { ...module items..., loss (x1: f32[B, d]) { ... } }` */
export interface ModelDecl extends NodeBase {
  readonly kind: "ModelDecl";
  readonly name: Ident;
  readonly params: readonly Param[];
  readonly items: readonly ModuleItem[];
}

export type ModuleItem = ParamDecl | SubmoduleDecl | FnDecl | LossDecl | SamplerDecl | LetItem | IfItem | AssertStmt;

/** `param w: f32[in, out] ~ uniform(-k, k)` or `param b: f32[out] = 0`; `state` for non-learnable. */
export interface ParamDecl extends NodeBase {
  readonly kind: "ParamDecl";
  readonly role: "param" | "state";
  readonly name: Ident;
  readonly type: TypeExpr;
  /** `=` gives a deterministic initial value (broadcast to the type), `~` draws it from a distribution. */
  readonly init: { readonly op: "=" | "~"; readonly value: Expr };
}

/** `net = MLP(in: d + 1, hidden: [w, w], out: d)` or `blocks = [Block(d) for i in range(depth)]`. */
export interface SubmoduleDecl extends NodeBase {
  readonly kind: "SubmoduleDecl";
  readonly name: Ident;
  readonly value: Expr;
}

/** A compile-time binding inside a module body: `let head_dim = d / heads`. */
export interface LetItem extends NodeBase {
  readonly kind: "LetItem";
  readonly name: Ident;
  readonly value: Expr;
}

/** Conditional module items: `if bias { param b: f32[out] = 0 } else { ... }`. */
export interface IfItem extends NodeBase {
  readonly kind: "IfItem";
  readonly cond: Expr;
  readonly then: readonly ModuleItem[];
  readonly else?: readonly ModuleItem[];
}

/** `loss (x1: f32[B, d]) { ... }` or a named loss `loss recon (x: ...) { ... }`, optionally `weight: 0.5`. */
export interface LossDecl extends NodeBase {
  readonly kind: "LossDecl";
  readonly name?: Ident;
  readonly params: readonly Param[];
  readonly body: Block;
}

/** `data moons = toy.moons(noise: 0.05)` */
export interface DataDecl extends NodeBase {
  readonly kind: "DataDecl";
  readonly name: Ident;
  readonly value: Expr;
}

/** `train rf on moons { optimizer: adam(lr: 1e-3), batch: 256, steps: 5000 }` */
export interface TrainDecl extends NodeBase {
  readonly kind: "TrainDecl";
  /** Optional name: `train rf2 = rf on pairs { ... }`. */
  readonly name?: Ident;
  readonly model: Expr;
  readonly data: Expr;
  readonly config: readonly ConfigEntry[];
}

/** `sampler euler(steps: int = 100) -> f32[N, d] { ... }` at top level or inside a model. */
export interface SamplerDecl extends NodeBase {
  readonly kind: "SamplerDecl";
  readonly name: Ident;
  readonly params: readonly Param[];
  readonly returnType?: TypeExpr;
  readonly body: Block;
}

/** `expect "one reflow straightens paths" { metric: ..., below: 0.1, seed: 0 }` */
export interface ExpectDecl extends NodeBase {
  readonly kind: "ExpectDecl";
  readonly title: StringLit;
  readonly config: readonly ConfigEntry[];
}

export interface ConfigEntry extends NodeBase {
  readonly kind: "ConfigEntry";
  readonly key: Ident;
  readonly value: Expr;
}

// ---------------------------------------------------------------- types

export type TypeExpr = TensorTypeExpr | NamedTypeExpr | EnumTypeExpr | TupleTypeExpr | ListTypeExpr;

/** `f32[B, d]`, `i32[B]`, `bool[T, T]`, `f32` (a scalar tensor), `f32[..., d]`. */
export interface TensorTypeExpr extends NodeBase {
  readonly kind: "TensorType";
  readonly dtype: "f32" | "i32" | "bool";
  /** undefined for a scalar written without brackets. */
  readonly dims?: readonly DimExpr[];
}

/** `int`, `float`, `bool`, `str`, `fn` (a function value), or a module name (e.g. `Block`). */
export interface NamedTypeExpr extends NodeBase {
  readonly kind: "NamedType";
  readonly name: Ident;
}

/** `"pre" | "post" | "peri"` */
export interface EnumTypeExpr extends NodeBase {
  readonly kind: "EnumType";
  readonly members: readonly StringLit[];
}

/** `(f32[B, d], f32[B])` */
export interface TupleTypeExpr extends NodeBase {
  readonly kind: "TupleType";
  readonly elements: readonly TypeExpr[];
}

/** `[int]` — a list of compile-time values. */
export interface ListTypeExpr extends NodeBase {
  readonly kind: "ListType";
  readonly element: TypeExpr;
}

/** A dimension inside a tensor type: `B`, `3`, `d + 1`, `2 * d`, `d / heads`, or `...` (any leading dims). */
export type DimExpr =
  | { readonly kind: "DimName"; readonly span: Span; readonly name: string }
  | { readonly kind: "DimNumber"; readonly span: Span; readonly value: number }
  | { readonly kind: "DimBinary"; readonly span: Span; readonly op: "+" | "-" | "*" | "/"; readonly left: DimExpr; readonly right: DimExpr }
  | { readonly kind: "DimEllipsis"; readonly span: Span };

// ---------------------------------------------------------------- expressions

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | NameExpr
  | UnaryExpr
  | BinaryExpr
  | CallExpr
  | IndexExpr
  | MemberExpr
  | TupleExpr
  | ListExpr
  | ListComprehension
  | Block
  | IfExpr
  | LambdaExpr;

export interface NumberLit extends NodeBase {
  readonly kind: "Number";
  readonly value: number;
  /** `true` when written with a `.` or exponent (`1.0`, `1e-3`): a float; otherwise an int. */
  readonly isFloat: boolean;
  readonly raw: string;
}

export interface StringLit extends NodeBase {
  readonly kind: "String";
  readonly value: string;
  readonly raw: string;
}

export interface BoolLit extends NodeBase {
  readonly kind: "Bool";
  readonly value: boolean;
}

/** A name; `None` in index position (`t[:, None]`) is also a NameExpr with name "None". */
export interface NameExpr extends NodeBase {
  readonly kind: "Name";
  readonly name: string;
}

export type UnaryOp = "-" | "+" | "not";

export interface UnaryExpr extends NodeBase {
  readonly kind: "Unary";
  readonly op: UnaryOp;
  readonly operand: Expr;
}

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "@" | "^" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

export interface BinaryExpr extends NodeBase {
  readonly kind: "Binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  /** Span of the operator token itself. */
  readonly opSpan: Span;
}

export interface Arg extends NodeBase {
  readonly kind: "Arg";
  /** Present for a named argument `axis: -1`. */
  readonly name?: Ident;
  readonly value: Expr;
}

export interface CallExpr extends NodeBase {
  readonly kind: "Call";
  readonly callee: Expr;
  readonly args: readonly Arg[];
}

/** One entry of an index list: an expression, a slice `a:b:c` (each part optional), `None` (new axis) or `...`. */
export type IndexItem =
  | { readonly kind: "IndexExpr"; readonly span: Span; readonly value: Expr }
  | { readonly kind: "Slice"; readonly span: Span; readonly start?: Expr; readonly stop?: Expr; readonly step?: Expr }
  | { readonly kind: "NewAxis"; readonly span: Span }
  | { readonly kind: "Ellipsis"; readonly span: Span };

export interface IndexExpr extends NodeBase {
  readonly kind: "Index";
  readonly target: Expr;
  readonly indices: readonly IndexItem[];
}

export interface MemberExpr extends NodeBase {
  readonly kind: "Member";
  readonly target: Expr;
  readonly member: Ident;
}

export interface TupleExpr extends NodeBase {
  readonly kind: "Tuple";
  readonly elements: readonly Expr[];
}

export interface ListExpr extends NodeBase {
  readonly kind: "List";
  readonly elements: readonly Expr[];
}

/** `[Block(d) for i in range(depth)]` */
export interface ListComprehension extends NodeBase {
  readonly kind: "ListComprehension";
  readonly element: Expr;
  readonly variable: Ident;
  readonly iterable: Expr;
}

/** `{ let a = ...; x ~ normal([B, d]); set count = count + 1; result }` */
export interface Block extends NodeBase {
  readonly kind: "Block";
  readonly statements: readonly Statement[];
  readonly result: Expr;
}

export type Statement = LetStmt | DrawStmt | SetStmt | AssertStmt;

/** `let y = e`, `let (a, b) = e`, `let y: f32[B, d] = e` */
export interface LetStmt extends NodeBase {
  readonly kind: "Let";
  readonly pattern: Pattern;
  readonly type?: TypeExpr;
  readonly value: Expr;
}

export type Pattern = { readonly kind: "PatName"; readonly span: Span; readonly name: Ident } | { readonly kind: "PatTuple"; readonly span: Span; readonly elements: readonly Pattern[] };

/** `x0 ~ normal([B, d])` — a random draw. */
export interface DrawStmt extends NodeBase {
  readonly kind: "Draw";
  readonly name: Ident;
  readonly distribution: Expr;
}

/** `set running_mean = ...` — the new value of a module state. */
export interface SetStmt extends NodeBase {
  readonly kind: "Set";
  readonly target: Ident;
  readonly value: Expr;
}

/**
 * `assert d % heads == 0, "d must be a multiple of heads"`: a compile-time check, checked when the
 * module is instantiated (as a module item) or the block is evaluated (as a statement). The same
 * node is a module item and a statement.
 */
export interface AssertStmt extends NodeBase {
  readonly kind: "Assert";
  readonly cond: Expr;
  readonly message?: StringLit;
}

/** `if cond { a } else { b }` on a compile-time condition; `else if` chains nest in `else`. */
export interface IfExpr extends NodeBase {
  readonly kind: "If";
  readonly cond: Expr;
  readonly then: Block;
  readonly else: Block | IfExpr;
}

/** `fn (x, t) => v(x, t)` — an anonymous function (parameters may carry types). */
export interface LambdaExpr extends NodeBase {
  readonly kind: "Lambda";
  readonly params: readonly Param[];
  readonly body: Expr;
}
