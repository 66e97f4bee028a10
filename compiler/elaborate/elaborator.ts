// The elaborator: abstract interpretation of the AST. Compile-time values are computed outright;
// tensor expressions become IR nodes in the current graph, each shape checked by its primitive's
// shape rule as it is emitted. Functions are inlined at their call sites, so every call is
// checked with the concrete hyper-parameters and symbolic sizes it is called with.

import { dirname, resolve as resolvePath } from "node:path";
import type * as A from "../../grammar/ast.js";
import { atStandardLibraryUse, CompileError, diagnostic, fail, inStandardLibrary, type RelatedNote } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import { GraphBuilder } from "../ir/builder.js";
import { dimEquals, dimSym, dimValue, type Dim } from "../ir/dims.js";
import type { SamplerRef } from "../artifacts/pipeline.js";
import { compileTimeText, measureBinary, measureCall, samplerWithArguments } from "./measures.js";
import { mapsPoints, mapThrough } from "./pipeline-builtins.js";
import type { Attrs, ValueId } from "../ir/graph.js";
import { ShapeRuleError } from "../ir/primitive.js";
import { shapeToString, typesEqual, typeToString, type TensorType } from "../ir/types.js";
import type { LoadedFile } from "../sema/loader.js";
import { suggestion, type FileScope, type TopBinding } from "../sema/scope.js";
import { declaredMemberNames } from "../sema/members.js";
import { checkAssertion, type AssertSite } from "./assertions.js";
import { BUILTINS, type EvaluatedArg } from "./builtins.js";
import { BUILTIN_NAMES } from "./builtin-names.js";

/** The values `call` can call (anything else is E0307). */
const CALLABLE_KINDS: ReadonlySet<string> = new Set(["closure", "builtin", "module", "sampler-ref", "module-decl"]);
import { customVjpAttribute, declareCustomVjp } from "./custom-vjp.js";
import { checkSolveResult, type AdaptiveSolve, type SolveContext } from "./adaptive.js";
import { Env } from "./env.js";
import { indexTensor } from "./indexing.js";
import { ModuleInstance, type Initializer, type ParamSlot } from "./module-instance.js";
import { checkValue, evalTensorType, type DimBindings } from "./signature.js";
import { asTensor, castTensor, dimOrInt, emitTensor, foldBinary, operatorPrimitive, scalarConstant, tensorValue, unifyOperands, type TensorCtx, type TensorValue } from "./tensors.js";
import { describe, fromSetting, type Value } from "./values.js";

/** Where an expression is evaluated: its environment, its file, and the module instance whose function it is in. */
export interface Frame {
  readonly env: Env;
  readonly file: LoadedFile;
  readonly self?: ModuleInstance;
}

export interface ProgramScopes {
  readonly scopes: ReadonlyMap<LoadedFile, FileScope>;
  readonly prelude?: LoadedFile;
}

export interface ElaborateOptions {
  /** Initial value of a parameter or state slot (row-major). */
  readonly initialValue: (slot: ParamSlot) => Float32Array | Int32Array;
  /** When given, receives one line per typed binding for `flowc dump --stage typed`. */
  readonly typedLog?: string[];
  /** Command-line overrides (`--set d=3`) of the hyper-parameters of trained models. */
  readonly hyper?: Readonly<Record<string, number | boolean | string>>;
}

/** A sampler graph of a trained model that claims or generated pairs need. */
export interface SamplerRequest {
  readonly graph: string;
  readonly ref: Extract<Value, { kind: "sampler-ref" }>;
  /** Where it was asked for, to blame if the graph cannot be built. */
  readonly span: Span;
}

type Closure = Extract<Value, { kind: "closure" }>;
type Callable = Closure["fn"];

export class Elaborator implements TensorCtx {
  private builder?: GraphBuilder;
  /** What `training` reads in the spec while the current graph is built. */
  private training = false;
  private readonly paramTensors = new Map<ParamSlot, TensorValue>();
  private readonly stateUpdates = new Map<ParamSlot, ValueId>();
  private readonly dimSources = new Map<string, { value: ValueId; axis: number }>();
  private readonly noiseNames = new Set<string>();
  private readonly callStack: Callable[] = [];
  /** The call sites of the functions being elaborated, outermost first. */
  private readonly callSites: Span[] = [];
  private readonly fileEnvs = new Map<LoadedFile, Env>();
  private readonly topValues = new Map<TopBinding, Value>();
  private readonly evaluatingTop = new Set<TopBinding>();
  /** Naming of module instances created while evaluating a sub-module declaration. */
  private instanceNaming?: { base: string; indexed: boolean; next: number };

  constructor(
    private readonly program: ProgramScopes,
    private readonly options: ElaborateOptions,
  ) {}

  /**
   * The data files that `file(...)` sources read, by absolute path, with the SHA-256 of their
   * bytes: the spec hash includes them (compiler/compile.ts), so a changed file is trained anew.
   */
  readonly dataFiles = new Map<string, string>();

  /** The directory of the source file a span lies in: a spec's paths are relative to it. */
  directoryOf(span: Span): string {
    for (const file of this.program.scopes.keys()) if (file.path === span.file) return dirname(file.absPath);
    return dirname(resolvePath(span.file));
  }

  // ------------------------------------------------------------------ TensorCtx

  emit(op: string, inputs: readonly ValueId[], attrs: Attrs, span: Span, notes: RelatedNote[] = []): ValueId[] {
    if (!this.builder)
      fail("E0302", span, "tensor computations are not allowed here: this is evaluated at compile time", {
        help: "compute tensors inside a function (`fn`), a loss or a sampler",
      });
    try {
      return this.builder.emit(op, inputs, attrs, span);
    } catch (e) {
      if (e instanceof ShapeRuleError) throw new CompileError(diagnostic(e.code, span, e.message, { help: e.help, notes }));
      throw e;
    }
  }

  typeOf(id: ValueId): TensorType {
    return this.builder!.typeOf(id);
  }

  dimSource(symbol: string): { value: ValueId; axis: number } | undefined {
    return this.dimSources.get(symbol);
  }

  // ------------------------------------------------------------------ environments and names

  fileEnv(file: LoadedFile): Env {
    let env = this.fileEnvs.get(file);
    if (!env) {
      env = new Env(undefined, (name) => this.lookupTop(file, name));
      this.fileEnvs.set(file, env);
    }
    return env;
  }

  private lookupTop(file: LoadedFile, name: string): Value | undefined {
    const binding = this.program.scopes.get(file)?.get(name) ?? (this.program.prelude ? this.program.scopes.get(this.program.prelude)?.get(name) : undefined);
    if (binding) return this.bindingValue(binding);
    if (name === "training") return { kind: "bool", value: this.training };
    if (BUILTINS.has(name)) return { kind: "builtin", name };
    return undefined;
  }

  private bindingValue(binding: TopBinding): Value {
    const cached = this.topValues.get(binding);
    if (cached) return cached;
    let value: Value;
    if (binding.kind === "namespace") {
      const scope = this.program.scopes.get(binding.file)!;
      const own = [...scope.values()].filter((b) => b.kind === "decl" && b.file === binding.file);
      value = {
        kind: "namespace",
        name: binding.name,
        lookup: (member) => {
          const b = own.find((x) => x.name === member);
          return b ? this.bindingValue(b) : undefined;
        },
        members: () => own.map((b) => b.name),
      };
    } else {
      const decl = binding.decl;
      switch (decl.kind) {
        case "FnDecl":
          value = { kind: "closure", fn: decl, env: this.fileEnv(binding.file), file: binding.file, name: binding.name };
          break;
        case "ModuleDecl":
        case "ModelDecl":
          value = { kind: "module-decl", decl, file: binding.file };
          break;
        case "LetDecl":
        case "DataDecl": {
          if (this.evaluatingTop.has(binding))
            fail("E0207", decl.name.span, `\`${binding.name}\` is defined in terms of itself`, { help: "break the cycle between these definitions" });
          this.evaluatingTop.add(binding);
          const saved = this.builder;
          this.builder = undefined; // top-level lets are compile-time constants
          try {
            const frame: Frame = { env: this.fileEnv(binding.file), file: binding.file };
            value = this.expr(decl.value, frame);
            // A named data source is called by its name in messages and reports.
            if (decl.kind === "DataDecl" && value.kind === "data") value = { ...value, label: binding.name };
            // So is a tensor computed between stages (`let grid2 = bellman_grid(...)`).
            if (decl.kind === "LetDecl" && value.kind === "computed") value = { ...value, label: binding.name };
            if (decl.kind === "LetDecl" && decl.type) value = checkValue(undefined, value, decl.type, frame.env, new Map(), `\`${binding.name}\``, decl.value.span);
          } finally {
            this.builder = saved;
            this.evaluatingTop.delete(binding);
          }
          break;
        }
        case "TrainDecl":
          value = { kind: "training", name: binding.name, decl, file: binding.file };
          break;
        default:
          return fail("E0302", binding.span, `\`${binding.name}\` cannot be used as a value`, { help: "train and sampler declarations are run by `flowc train`/`flowc sample`" });
      }
    }
    this.topValues.set(binding, value);
    return value;
  }

  private name(name: string, span: Span, frame: Frame): Value {
    const v = frame.env.lookup(name);
    if (v === undefined)
      fail("E0200", span, `\`${name}\` is not defined here`, {
        help: suggestion(name, frame.env.names()) ?? "it may be declared in a branch of `if` that was not taken for these hyper-parameters",
      });
    if (v.kind === "param") return this.paramTensor(v.slot);
    if (v.kind === "hyper") return this.hyperTensor(v, span);
    return v;
  }

  private readonly hyperTensors = new Map<string, TensorValue>();

  private hyperTensor(h: Extract<Value, { kind: "hyper" }>, span: Span): TensorValue {
    const existing = this.hyperTensors.get(h.name);
    if (existing) return existing;
    if (!this.builder)
      fail("E0302", span, `\`${h.name}\` is a run-time hyper-parameter (a tensor) and cannot be used at compile time`, {
        help: "declare it as `float` instead of `f32` if it must be known when compiling",
      });
    const t = tensorValue(this, this.builder.input(h.name, h.type, "hyper", { default: h.default }));
    this.hyperTensors.set(h.name, t);
    return t;
  }

  private paramTensor(slot: ParamSlot): TensorValue {
    const existing = this.paramTensors.get(slot);
    if (existing) return existing;
    if (!this.builder) fail("E0302", slot.decl.name.span, `the ${slot.role} \`${slot.fullName}\` is a tensor and cannot be used at compile time`);
    const id = this.builder.input(slot.fullName, slot.type, slot.role, { initial: this.options.initialValue(slot) });
    const t = tensorValue(this, id);
    this.paramTensors.set(slot, t);
    return t;
  }

  // ------------------------------------------------------------------ expressions

  expr(e: A.Expr, frame: Frame): Value {
    switch (e.kind) {
      case "Number":
        return e.isFloat ? { kind: "float", value: e.value } : { kind: "int", value: e.value };
      case "String":
        return { kind: "str", value: e.value };
      case "Bool":
        return { kind: "bool", value: e.value };
      case "Name":
        return this.name(e.name, e.span, frame);
      case "Unary":
        return this.unary(e, frame);
      case "Binary":
        return this.binary(e, frame);
      case "Call":
        return this.callExpr(e, frame);
      case "Index": {
        const target = this.expr(e.target, frame);
        return this.index(target, e, frame);
      }
      case "Member":
        return this.member(this.expr(e.target, frame), e.member, frame);
      case "Tuple":
        return { kind: "tuple", items: e.elements.map((x) => this.expr(x, frame)) };
      case "List":
        if (this.instanceNaming) this.instanceNaming.indexed = true;
        return { kind: "list", items: e.elements.map((x) => this.expr(x, frame)) };
      case "ListComprehension": {
        const iterable = this.expr(e.iterable, frame);
        if (iterable.kind !== "list" && iterable.kind !== "tuple")
          fail("E0300", e.iterable.span, `a comprehension iterates over a list, found ${describe(iterable)}`, { help: "use `range(n)` for n steps" });
        if (this.instanceNaming) this.instanceNaming.indexed = true;
        return {
          kind: "list",
          items: iterable.items.map((item) => {
            const env = frame.env.child();
            env.define(e.variable.name, item);
            return this.expr(e.element, { ...frame, env });
          }),
        };
      }
      case "Block":
        return this.block(e, frame);
      case "If": {
        const cond = this.expr(e.cond, frame);
        if (cond.kind !== "bool")
          fail("E0305", e.cond.span, `\`if\` needs a compile-time bool, found ${describe(cond)}`, {
            help: cond.kind === "tensor" ? "select element-wise with `where(cond, a, b)`" : undefined,
          });
        return this.expr(cond.value ? e.then : e.else, frame);
      }
      case "Lambda":
        return { kind: "closure", fn: e, env: frame.env, file: frame.file, self: frame.self, name: `fn (${e.params.map((p) => p.name.name).join(", ")}) => …` };
    }
  }

  private unary(e: A.UnaryExpr, frame: Frame): Value {
    const v = this.expr(e.operand, frame);
    if (e.op === "not") {
      if (v.kind === "bool") return { kind: "bool", value: !v.value };
      if (v.kind === "tensor" && v.type.dtype === "bool") return emitTensor(this, "not", [v.id], {}, e.span);
      return fail("E0300", e.operand.span, `\`not\` needs a bool, found ${describe(v)}`);
    }
    if (v.kind === "int" || v.kind === "float") return { kind: v.kind, value: e.op === "-" ? -v.value : v.value };
    if (v.kind === "dim") return e.op === "-" ? dimOrInt(new Map([...v.dim].map(([k, c]) => [k, -c]))) : v;
    const t = asTensor(this, v, e.operand.span);
    if (t.type.dtype === "bool") fail("E0304", e.span, `\`${e.op}\` needs a number, found a bool tensor`);
    return e.op === "-" ? emitTensor(this, "neg", [t.id], {}, e.span) : t;
  }

  private binary(e: A.BinaryExpr, frame: Frame): Value {
    const a = this.expr(e.left, frame);
    const b = this.expr(e.right, frame);
    if (a.kind === "measure" || b.kind === "measure") return measureBinary(e, a, b);
    const folded = foldBinary(e.op, a, b, e.span);
    if (folded) return folded;
    for (const [v, span] of [
      [a, e.left.span],
      [b, e.right.span],
    ] as const)
      if (!(v.kind === "tensor" || v.kind === "int" || v.kind === "float" || v.kind === "bool" || v.kind === "dim"))
        fail("E0301", span, `\`${e.op}\` needs numbers or tensors, found ${describe(v)}`);
    // x^2 is common in losses: a multiplication is exact and cheaper than pow.
    if (e.op === "^" && b.kind === "int" && b.value === 2 && a.kind === "tensor") return emitTensor(this, "mul", [a.id, a.id], {}, e.span);
    const [ta, tb] = unifyOperands(this, a, b, [e.left.span, e.right.span], e.op, e.span);
    const notes: RelatedNote[] = [
      { message: `left side is ${typeToString(ta.type)}`, span: e.left.span },
      { message: `right side is ${typeToString(tb.type)}`, span: e.right.span },
    ];
    return emitTensor(this, operatorPrimitive(e.op), [ta.id, tb.id], {}, e.span, notes);
  }

  private member(target: Value, member: A.Ident, frame: Frame): Value {
    const unknown = (candidates: string[]): never =>
      fail("E0206", member.span, `${describe(target)} has no member \`${member.name}\``, { help: suggestion(member.name, candidates) });
    switch (target.kind) {
      case "namespace":
        return target.lookup(member.name) ?? unknown(target.members());
      case "module": {
        const inst = target.instance;
        if (inst.hyper.has(member.name) || inst.env.hasOwn(member.name)) return this.name(member.name, member.span, { ...frame, env: inst.env });
        const declared = ownMemberNames(inst).includes(member.name);
        return fail("E0601", member.span, declared
          ? `\`${member.name}\` of module \`${inst.decl.name.name}\` does not exist for these hyper-parameters`
          : `module \`${inst.decl.name.name}\` has no member \`${member.name}\``, {
          help: declared
            ? "it is declared under an `if` whose condition is false here"
            : (suggestion(member.name, [...inst.hyper.keys(), ...ownMemberNames(inst)]) ?? `its members are ${[...inst.hyper.keys(), ...ownMemberNames(inst)].map((n) => `\`${n}\``).join(", ")}`),
          notes: [{ message: "module declared here", span: inst.decl.name.span }],
        });
      }
      case "training": {
        const model = this.trainingModel(target.decl, target.file);
        const sampler = model.samplers.find((x) => x.name.name === member.name) ?? model.fns.get(member.name);
        if (!sampler || !member.name) {
          const names = [...model.samplers.map((x) => x.name.name), ...[...model.fns.keys()].filter(Boolean)];
          return fail("E0601", member.span, `the model \`${model.decl.name.name}\` trained by \`${target.name}\` has no sampler or function \`${member.name}\``, {
            help: suggestion(member.name, names) ?? (names.length ? `its samplers and functions are ${names.map((x) => `\`${x}\``).join(", ")}` : "declare one in the model: `sampler euler() -> f32[N, d] { ... }`"),
          });
        }
        return { kind: "sampler-ref", training: target.name, model, sampler, args: {}, label: `${target.name}.${member.name}` };
      }
      case "tensor":
        if (member.name === "shape") return { kind: "tuple", items: target.type.shape.map(dimOrInt) };
        if (member.name === "rank") return { kind: "int", value: target.type.shape.length };
        return unknown(["shape", "rank"]);
      case "builtin": {
        const full = `${target.name}.${member.name}`;
        if (BUILTINS.has(full)) return { kind: "builtin", name: full };
        return unknown([...BUILTINS.keys()].filter((k) => k.startsWith(`${target.name}.`)).map((k) => k.slice(target.name.length + 1)));
      }
      default:
        return unknown([]);
    }
  }

  private index(target: Value, e: A.IndexExpr, frame: Frame): Value {
    if (target.kind === "list" || target.kind === "tuple") {
      if (e.indices.length !== 1 || e.indices[0]!.kind !== "IndexExpr")
        fail("E0404", e.span, `index ${describe(target)} with a single int`, { help: "slicing lists is not supported" });
      const item = e.indices[0]! as Extract<A.IndexItem, { kind: "IndexExpr" }>;
      const i = this.expr(item.value, frame);
      if (i.kind !== "int") fail("E0300", item.span, `a list index must be a compile-time int, found ${describe(i)}`);
      const n = target.items.length;
      const k = i.value < 0 ? n + i.value : i.value;
      if (k < 0 || k >= n) fail("E0404", item.span, `index ${i.value} is out of range for ${describe(target)}`);
      return target.items[k]!;
    }
    if (target.kind !== "tensor") fail("E0301", e.target.span, `cannot index ${describe(target)}`);
    return indexTensor(this, target, e, (x) => this.expr(x, frame));
  }

  private block(b: A.Block, frame: Frame): Value {
    const env = frame.env.child();
    const inner: Frame = { ...frame, env };
    for (const s of b.statements) {
      switch (s.kind) {
        case "Let": {
          let v = this.expr(s.value, inner);
          if (s.type) v = checkValue(this.builder ? this : undefined, v, s.type, env, new Map(), `\`${patternText(s.pattern)}\``, s.value.span);
          this.bindPattern(s.pattern, v, env);
          this.log(s.span, `let ${patternText(s.pattern)}`, v);
          break;
        }
        case "Draw":
          env.define(s.name.name, this.draw(s, inner));
          break;
        case "Set":
          this.setState(s, inner);
          break;
        case "Assert":
          checkAssertion(s, env, frame.file.text, (x) => this.expr(x, inner));
          break;
      }
    }
    return this.expr(b.result, inner);
  }

  private bindPattern(p: A.Pattern, v: Value, env: Env): void {
    if (p.kind === "PatName") {
      env.define(p.name.name, v);
      return;
    }
    if (v.kind !== "tuple" && v.kind !== "list") fail("E0300", p.span, `cannot unpack ${describe(v)} into ${p.elements.length} names`);
    if (v.items.length !== p.elements.length)
      fail("E0300", p.span, `cannot unpack ${describe(v)} into ${p.elements.length} names`, { help: `the value has ${v.items.length} elements` });
    p.elements.forEach((q, i) => this.bindPattern(q, v.items[i]!, env));
  }

  private draw(s: A.DrawStmt, frame: Frame): Value {
    if (!this.builder) fail("E0702", s.span, "random draws are only allowed inside functions, losses and samplers");
    const dist = this.expr(s.distribution, frame);
    if (dist.kind !== "distribution") fail("E0300", s.distribution.span, `\`~\` needs a distribution such as \`normal([B, d])\`, found ${describe(dist)}`);
    if (!dist.shape) fail("E0408", s.distribution.span, `the draw \`${s.name.name}\` needs a shape`, { help: `give it as the first argument, e.g. \`${dist.name}([B, d])\`` });
    const base = `noise.${frame.self?.path ? `${frame.self.path}.` : ""}${s.name.name}`;
    let name = base;
    for (let i = 1; this.noiseNames.has(name); i++) name = `${base}.${i}`;
    this.noiseNames.add(name);
    // A categorical draw is fed as a uniform one and mapped to classes in the graph (`categoricalOf`).
    const categorical = dist.name === "categorical";
    const noise = categorical ? { distribution: "uniform", args: { low: 0, high: 1 } } : { distribution: dist.name, args: dist.args };
    const id = this.builder.input(name, { dtype: "f32", shape: dist.shape }, "noise", { noise });
    this.registerDimSources(id, dist.shape);
    const t = categorical ? this.categoricalOf(tensorValue(this, id), dist.args, s.span) : tensorValue(this, id);
    this.log(s.span, `${s.name.name} ~ ${dist.name}`, t);
    return t;
  }

  private setState(s: A.SetStmt, frame: Frame): void {
    const slot = frame.self?.params.find((p) => p.decl.name.name === s.target.name);
    if (!slot || slot.role !== "state")
      fail("E0603", s.target.span, slot ? `\`${s.target.name}\` is a learnable parameter; only \`state\` can be set` : `\`set\` assigns a \`state\` of the enclosing module, and \`${s.target.name}\` is not one`, {
        help: "declare it in the module with `state name: type = initial`",
      });
    const v = asTensor(this, this.expr(s.value, frame), s.value.span, slot.type.dtype);
    if (v.type.dtype !== slot.type.dtype || v.type.shape.length !== slot.type.shape.length || !v.type.shape.every((d, i) => dimEquals(d, slot.type.shape[i]!)))
      fail("E0401", s.value.span, `the new value of \`${s.target.name}\` should be ${typeToString(slot.type)}, found ${typeToString(v.type)}`, {
        notes: [{ message: "declared here", span: slot.decl.type.span }],
      });
    this.stateUpdates.set(slot, v.id);
  }

  /**
   * The classes of uniform draws u in [0, 1): class j where p_0 + ... + p_{j-1} <= u < p_0 + ... +
   * p_j, i.e. the number of cumulative probabilities c_j = p_0 + ... + p_j (j < k - 1) that u
   * reaches; for k equally likely classes min(floor(k u), k - 1) (the min guards float32 rounding).
   */
  private categoricalOf(u: TensorValue, args: Readonly<Record<string, number>>, span: Span): TensorValue {
    const k = args["classes"];
    if (k !== undefined) {
      const scaled = emitTensor(this, "floor", [emitTensor(this, "mul", [u.id, scalarConstant(this, k, "f32", span).id], {}, span).id], {}, span);
      const clipped = emitTensor(this, "min", [scaled.id, scalarConstant(this, k - 1, "f32", span).id], {}, span);
      return castTensor(this, clipped, "i32", span);
    }
    // `probs` as written: p0, p1, ... (compiler/elaborate/builtins.ts `categorical`).
    const probs = Object.values(args);
    let classes: TensorValue | undefined;
    let cumulative = 0;
    for (let j = 0; j < probs.length - 1; j++) {
      cumulative += probs[j]!;
      const reached = castTensor(this, emitTensor(this, "ge", [u.id, scalarConstant(this, cumulative, "f32", span).id], {}, span), "i32", span);
      classes = classes ? emitTensor(this, "add", [classes.id, reached.id], {}, span) : reached;
    }
    return classes!;
  }

  private log(span: Span, what: string, v: Value): void {
    if (!this.options.typedLog) return;
    const type = v.kind === "tensor" ? typeToString(v.type) : describe(v);
    this.options.typedLog.push(`${span.file}:${span.line}:${span.column}  ${what}: ${type}`);
  }

  // ------------------------------------------------------------------ calls

  evaluateArgs(args: readonly A.Arg[], frame: Frame): EvaluatedArg[] {
    return args.map((a) => ({ name: a.name?.name, nameSpan: a.name?.span, value: this.expr(a.value, frame), span: a.value.span }));
  }

  private callExpr(e: A.CallExpr, frame: Frame): Value {
    const callee = this.expr(e.callee, frame);
    if (callee.kind === "module-decl") return this.instantiateFromCall(callee, e, frame);
    // A spec's own name that hides a builtin of the same name (`train ot = ... on ot(data)`).
    if (e.callee.kind === "Name" && BUILTIN_NAMES.has(e.callee.name) && !CALLABLE_KINDS.has(callee.kind))
      fail("E0307", e.callee.span, `\`${e.callee.name}\` here is ${describe(callee)}, which hides the builtin \`${e.callee.name}(...)\``, {
        help: `give the spec's \`${e.callee.name}\` another name`,
      });
    return this.call(callee, this.evaluateArgs(e.args, frame), e.span, e.callee.span);
  }

  call(callee: Value, args: EvaluatedArg[], span: Span, calleeSpan: Span = span): Value {
    switch (callee.kind) {
      case "closure":
        return this.callClosure(callee, args, span);
      case "builtin":
        if (args.some((a) => a.value.kind === "measure")) return measureCall(callee.name, args, span);
        return BUILTINS.get(callee.name)!(this, args, span);
      case "module": {
        const forward = callee.instance.fns.get("");
        if (!forward)
          fail("E0600", calleeSpan, `module \`${callee.instance.decl.name.name}\` has no forward function, so it cannot be called`, {
            help: "declare one with `fn (x: ...) -> ... = ...` in the module, or call a named function with `m.name(...)`",
            notes: [{ message: "module declared here", span: callee.instance.decl.name.span }],
          });
        return this.callClosure(this.methodClosure(callee.instance, forward), args, span);
      }
      case "sampler-ref":
        // `ae.encode(digits)` maps points; `rf1.euler(steps: 1)` sets compile-time parameters.
        return mapsPoints(args) ? mapThrough(this, callee, args, span, calleeSpan) : samplerWithArguments(callee, args, calleeSpan);
      case "module-decl":
        return fail("E0604", calleeSpan, `modules are created in module bodies, not inside functions`, {
          help: `declare it as a member, e.g. \`layer = ${callee.decl.name.name}(...)\`, and call the member`,
        });
      default:
        return fail("E0307", calleeSpan, `${describe(callee)} cannot be called`);
    }
  }

  methodClosure(inst: ModuleInstance, fn: A.FnDecl | A.LossDecl | A.SamplerDecl): Closure {
    const what = fn.kind === "LossDecl" ? `loss${fn.name ? ` ${fn.name.name}` : ""}` : fn.name?.name;
    return { kind: "closure", fn, env: inst.env, file: inst.file, self: inst, name: `${inst.decl.name.name}${what ? `.${what}` : ""}` };
  }

  /** Binds arguments to parameters by position and name, with defaults; reports arity errors. */
  bindArguments(params: readonly A.Param[], args: readonly EvaluatedArg[], what: string, span: Span, defaultsFrame: Frame): Map<string, { value: Value; span: Span }> {
    const bound = new Map<string, { value: Value; span: Span }>();
    let seenNamed = false;
    let position = 0;
    for (const a of args) {
      if (a.name === undefined) {
        if (seenNamed) fail("E0504", a.span, "positional argument after a named argument", { help: "put positional arguments first" });
        const p = params[position++];
        if (!p)
          fail("E0500", a.span, `${what} takes ${params.length} argument${params.length === 1 ? "" : "s"}, but more were given`, {
            help: params.length ? `its parameters are ${params.map((q) => `\`${q.name.name}\``).join(", ")}` : undefined,
          });
        bound.set(p.name.name, { value: a.value, span: a.span });
      } else {
        seenNamed = true;
        const p = params.find((q) => q.name.name === a.name);
        if (!p)
          fail("E0501", a.nameSpan ?? a.span, `${what} has no parameter \`${a.name}\``, {
            help: suggestion(a.name, params.map((q) => q.name.name)) ?? `its parameters are ${params.map((q) => `\`${q.name.name}\``).join(", ") || "none"}`,
          });
        if (bound.has(p.name.name)) fail("E0502", a.nameSpan ?? a.span, `\`${a.name}\` is given twice`);
        bound.set(p.name.name, { value: a.value, span: a.span });
      }
    }
    const env = defaultsFrame.env.child();
    for (const p of params) {
      const got = bound.get(p.name.name);
      if (got) {
        env.define(p.name.name, got.value);
        continue;
      }
      if (!p.default)
        fail("E0503", span, `${what} is missing the argument \`${p.name.name}\``, { notes: [{ message: "parameter declared here", span: p.span }] });
      const value = this.expr(p.default, { ...defaultsFrame, env });
      env.define(p.name.name, value);
      bound.set(p.name.name, { value, span: p.default.span });
    }
    return bound;
  }

  callClosure(c: Closure, args: readonly EvaluatedArg[], span: Span, predefined?: ReadonlyMap<string, Value>): Value {
    return atStandardLibraryUse(span, c.name, () => this.callClosureBody(c, args, span, predefined));
  }

  private callClosureBody(c: Closure, args: readonly EvaluatedArg[], span: Span, predefined?: ReadonlyMap<string, Value>): Value {
    if (this.callStack.includes(c.fn))
      fail("E0505", span, `\`${c.name}\` calls itself; recursion is not allowed`, { help: "use `fold` over a list, or a fixed number of steps with `range`" });
    const defFrame: Frame = { env: c.env, file: c.file, self: c.self };
    const bound = this.bindArguments(c.fn.params, args, `\`${c.name}\``, span, defFrame);
    const env = c.env.child();
    const dims: DimBindings = new Map();
    for (const p of c.fn.params) {
      const arg = bound.get(p.name.name)!;
      const value = p.type ? checkValue(this.builder ? this : undefined, arg.value, p.type, c.env, dims, `argument \`${p.name.name}\` of \`${c.name}\``, arg.span) : arg.value;
      env.define(p.name.name, value);
    }
    for (const [name, d] of dims) if (name !== "..." && !Array.isArray(d) && c.env.lookup(name) === undefined) env.define(name, dimOrInt(d as Dim));
    for (const [name, v] of predefined ?? []) env.define(name, v);
    const customVjp = this.builder ? customVjpAttribute(c.fn) : undefined;
    const firstNode = this.builder?.nodeCount ?? 0;
    // A function evaluation of the model, for the sampler's NFE: the outermost call of a module's
    // function (its own nested calls are part of the same evaluation).
    const modelEvaluation = this.functionEvaluations !== undefined && c.self !== undefined && c.fn.kind === "FnDecl";
    if (modelEvaluation && this.modelCallDepth === 0) this.functionEvaluations!++;
    if (modelEvaluation) this.modelCallDepth++;
    this.callStack.push(c.fn);
    this.callSites.push(span);
    let result: Value;
    try {
      result = this.expr(c.fn.body, { env, file: c.file, self: c.self });
    } finally {
      this.callStack.pop();
      this.callSites.pop();
      if (modelEvaluation) this.modelCallDepth--;
    }
    const returnType = c.fn.kind === "FnDecl" || c.fn.kind === "SamplerDecl" ? c.fn.returnType : undefined;
    if (returnType) result = checkValue(this.builder ? this : undefined, result, returnType, env, dims, `the result of \`${c.name}\``, c.fn.body.span);
    if (customVjp) declareCustomVjp(this, { closure: c, attribute: customVjp, args: c.fn.params.map((p) => env.lookup(p.name.name)!), result, firstNode });
    if (result.kind === "tensor") this.log(span, `${c.name}(...)`, result);
    return result;
  }

  // ------------------------------------------------------------------ modules

  private instantiateFromCall(callee: Extract<Value, { kind: "module-decl" }>, e: A.CallExpr, frame: Frame): Value {
    if (!this.instanceNaming || !frame.self)
      return fail("E0604", e.callee.span, `modules are created in module bodies, not inside functions`, {
        help: `declare it as a member, e.g. \`layer = ${callee.decl.name.name}(...)\`, and call the member`,
      });
    const naming = this.instanceNaming;
    const index = naming.next++;
    const path = naming.indexed || index > 0 ? `${naming.base}.${index}` : naming.base;
    this.instanceNaming = undefined; // lists among the arguments must not change this naming
    try {
      const args = this.evaluateArgs(e.args, frame);
      const child = atStandardLibraryUse(e.span, callee.decl.name.name, () => this.instantiate(callee.decl, callee.file, args, path, e.span));
      frame.self.children.push(child);
      return { kind: "module", instance: child };
    } finally {
      this.instanceNaming = naming;
    }
  }

  /**
   * Instantiates the module an expression names, as `train` and claims do: `rf`, `rf(d: 3)`,
   * `adam(lr: 1e-3)`. `what` says what it must be, for the error message.
   */
  instantiateExpr(e: A.Expr, frame: Frame, path: string, what: string, overrides: Readonly<Record<string, number | boolean | string>> = {}): ModuleInstance {
    const callee = e.kind === "Call" ? this.expr(e.callee, frame) : this.expr(e, frame);
    if (callee.kind === "module" && e.kind !== "Call") return callee.instance;
    if (callee.kind !== "module-decl")
      return fail("E0300", e.kind === "Call" ? e.callee.span : e.span, `expected ${what}, found ${describe(callee)}`);
    // Positional arguments are named by the parameter they bind, so that an override can replace
    // a hyper-parameter however the expression gives it (`rf(3)` with `--set d=4`).
    const evaluated = e.kind === "Call" ? this.evaluateArgs(e.args, frame) : [];
    const firstNamed = evaluated.findIndex((a) => a.name !== undefined);
    const leading = firstNamed < 0 ? evaluated.length : firstNamed; // later positional ones are an error bindArguments reports
    const args = evaluated.map((a, i) => (i < leading && callee.decl.params[i] ? { ...a, name: callee.decl.params[i]!.name.name } : a));
    // Overrides replace what the expression gives for the hyper-parameters the module declares.
    for (const [name, raw] of Object.entries(overrides)) {
      if (!callee.decl.params.some((p) => p.name.name === name)) continue;
      const value = fromSetting(raw);
      const at = args.findIndex((a) => a.name === name);
      if (at >= 0) args.splice(at, 1);
      args.push({ name, value, span: e.span });
    }
    // An optimizer of the standard library (`adam(beta1: 1.0)`): an error inside it points at this use.
    return atStandardLibraryUse(e.span, callee.decl.name.name, () => this.instantiate(callee.decl, callee.file, args, path, e.span));
  }

  /** Instantiates a module or model with hyper-parameter arguments. */
  instantiate(decl: A.ModuleDecl | A.ModelDecl, file: LoadedFile, args: readonly EvaluatedArg[], path: string, span: Span): ModuleInstance {
    const fileFrame: Frame = { env: this.fileEnv(file), file };
    const bound = this.bindArguments(decl.params, args, `\`${decl.name.name}\``, span, fileFrame);
    const env = fileFrame.env.child();
    const hyper = new Map<string, Value>();
    for (const p of decl.params) {
      const arg = bound.get(p.name.name)!;
      if (p.type?.kind === "TensorType") {
        const runtime = this.runtimeHyper(p, arg, path);
        env.define(p.name.name, runtime);
        hyper.set(p.name.name, runtime);
        continue;
      }
      const v = p.type ? checkValue(undefined, arg.value, p.type, env, new Map(), `hyper-parameter \`${p.name.name}\` of \`${decl.name.name}\``, arg.span) : arg.value;
      env.define(p.name.name, v);
      hyper.set(p.name.name, v);
    }
    const inst = new ModuleInstance(decl, file, path, env, hyper);
    const saved = this.builder;
    this.builder = undefined; // module bodies are compile-time
    try {
      this.moduleItems(decl.items, inst, { span, what: decl.name.name });
    } finally {
      this.builder = saved;
    }
    return inst;
  }

  /** A hyper-parameter with a tensor type: a scalar fed at run time, with a compile-time default. */
  private runtimeHyper(p: A.Param, arg: { value: Value; span: Span }, path: string): Value {
    const t = p.type as A.TensorTypeExpr;
    if (t.dims && t.dims.length > 0)
      fail("E0300", p.type!.span, `a run-time hyper-parameter must be a scalar such as \`f32\`, not ${t.dtype}[...]`, { help: "pass tensors as function arguments instead" });
    const v = arg.value;
    if (v.kind === "hyper") return v; // passed through from an enclosing module
    if (v.kind !== "int" && v.kind !== "float")
      fail("E0300", arg.span, `the run-time hyper-parameter \`${p.name.name}\` needs a number as its default, found ${describe(v)}`);
    return { kind: "hyper", name: path ? `${path}.${p.name.name}` : p.name.name, type: { dtype: t.dtype, shape: [] }, default: v.value };
  }

  private moduleItems(items: readonly A.ModuleItem[], inst: ModuleInstance, site: AssertSite): void {
    const frame: Frame = { env: inst.env, file: inst.file, self: inst };
    for (const item of items) {
      switch (item.kind) {
        case "LetItem":
          inst.env.define(item.name.name, this.expr(item.value, frame));
          break;
        case "ParamDecl":
          inst.env.define(item.name.name, { kind: "param", slot: this.paramSlot(item, inst) });
          break;
        case "SubmoduleDecl": {
          const saved = this.instanceNaming;
          this.instanceNaming = { base: inst.qualified(item.name.name), indexed: false, next: 0 };
          try {
            inst.env.define(item.name.name, this.expr(item.value, frame));
          } finally {
            this.instanceNaming = saved;
          }
          break;
        }
        case "FnDecl":
          inst.fns.set(item.name?.name ?? "", item);
          if (item.name) inst.env.define(item.name.name, this.methodClosure(inst, item));
          break;
        case "LossDecl":
          inst.losses.push(item);
          break;
        case "SamplerDecl":
          inst.samplers.push(item);
          break;
        case "IfItem": {
          const cond = this.expr(item.cond, frame);
          if (cond.kind !== "bool") fail("E0305", item.cond.span, `\`if\` in a module body needs a compile-time bool, found ${describe(cond)}`);
          this.moduleItems(cond.value ? item.then : (item.else ?? []), inst, site);
          break;
        }
        case "Assert":
          checkAssertion(item, inst.env, inst.file.text, (x) => this.expr(x, frame), site);
          break;
      }
    }
  }

  private paramSlot(item: A.ParamDecl, inst: ModuleInstance): ParamSlot {
    if (item.type.kind !== "TensorType")
      fail("E0303", item.type.span, `a ${item.role} needs a tensor type such as \`f32[${"d"}]\``, { help: "compile-time values are declared with `let`" });
    const type = evalTensorType(item.type, inst.env, new Map(), false);
    const frame: Frame = { env: inst.env, file: inst.file, self: inst };
    const init = this.expr(item.init.value, frame);
    let initializer: Initializer;
    if (item.init.op === "=") {
      if (init.kind === "int" || init.kind === "float") initializer = { kind: "constant", value: init.value };
      else if (init.kind === "bool") initializer = { kind: "constant", value: init.value ? 1 : 0 };
      else
        return fail("E0602", item.init.value.span, `the initial value of \`${item.name.name}\` must be a number, found ${describe(init)}`, {
          help: "write `= 0` for a constant or `~ normal(std: 0.02)` to draw it",
        });
    } else {
      if (init.kind !== "distribution")
        return fail("E0602", item.init.value.span, `\`~\` needs a distribution such as \`normal(std: 0.02)\`, found ${describe(init)}`);
      if (init.name === "categorical")
        fail("E0602", item.init.value.span, `\`categorical\` draws class indices; the initial values of \`${item.name.name}\` need a distribution of real numbers`, {
          help: "draw them with `normal(std: 0.02)` or `uniform(low: -a, high: a)`",
        });
      if (init.shape && (init.shape.length !== type.shape.length || !init.shape.every((d, i) => dimEquals(d, type.shape[i]!))))
        fail("E0602", item.init.value.span, `the initializer draws ${shapeToString(init.shape)} but \`${item.name.name}\` is ${typeToString(type)}`, {
          help: "leave the shape out: it is taken from the declared type",
        });
      initializer = { kind: "distribution", name: init.name, args: init.args };
    }
    const slot: ParamSlot = { role: item.role, fullName: inst.qualified(item.name.name), type, init: initializer, decl: item };
    inst.params.push(slot);
    return slot;
  }

  // ------------------------------------------------------------------ graphs

  /** The graph being built, for builtins that transform it (jvp); fails outside graphs. */
  graphBuilder(span: Span): GraphBuilder {
    if (!this.builder) fail("E0302", span, "this needs tensors, which exist only inside functions, losses and samplers");
    return this.builder;
  }

  /** Starts a new graph; `training` is what the spec's `training` reads while it is built. */
  beginGraph(name: string, training: boolean): GraphBuilder {
    this.builder = new GraphBuilder(name);
    this.training = training;
    this.paramTensors.clear();
    this.hyperTensors.clear();
    this.stateUpdates.clear();
    this.dimSources.clear();
    this.noiseNames.clear();
    this.entryInputs.clear();
    return this.builder;
  }

  /** Ends the current graph (after its outputs were added). */
  endGraph(): ReturnType<GraphBuilder["finish"]> {
    const graph = this.builder!.finish();
    this.builder = undefined;
    return graph;
  }

  /** Aborts the current graph after an error. */
  abandonGraph(): void {
    this.builder = undefined;
  }

  /**
   * Makes graph inputs (role `input`) for the parameters of an entry function from their declared
   * tensor types; free sizes become symbolic dims. Inputs already created (by an earlier entry of
   * the same graph, e.g. a second loss) are shared by name. `inputTypes` gives the types of inputs
   * whose values are bound at run time (a sampler's grid): their sizes are known.
   */
  entryArguments(closure: Closure, compileTimeGiven: ReadonlySet<string> = new Set(), inputTypes: Readonly<Record<string, TensorType>> = {}): EvaluatedArg[] {
    const builder = this.builder!;
    const dims: DimBindings = new Map();
    const args: EvaluatedArg[] = [];
    for (const p of closure.fn.params) {
      if (compileTimeGiven.has(p.name.name)) continue; // given by the caller (a sampler variant)
      if (p.default && p.type?.kind !== "TensorType") continue; // a compile-time parameter: its default applies
      if (!p.type || p.type.kind !== "TensorType")
        fail("E0703", p.span, `\`${p.name.name}\` is a parameter of the entry point \`${closure.name}\`, so it needs a tensor type`, {
          help: `annotate it, e.g. \`${p.name.name}: f32[B, d]\``,
        });
      const type = inputTypes[p.name.name] ?? evalTensorType(p.type, closure.env, dims, true);
      const existing = this.entryInputs.get(p.name.name);
      if (existing) {
        if (!typesEqual(existing.type, type))
          fail("E0401", p.span, `\`${p.name.name}\` is ${typeToString(type)} here but ${typeToString(existing.type)} in another entry of this graph`);
        args.push({ name: p.name.name, value: existing, span: p.span });
        continue;
      }
      const id = builder.input(p.name.name, type, "input");
      this.registerDimSources(id, type.shape);
      const value = tensorValue(this, id);
      this.entryInputs.set(p.name.name, value);
      args.push({ name: p.name.name, value, span: p.span });
    }
    return args;
  }

  private readonly entryInputs = new Map<string, TensorValue>();

  /** Records which graph input carries each pure symbolic size, so sizes can be read at run time. */
  private registerDimSources(id: ValueId, shape: readonly Dim[]): void {
    shape.forEach((d, axis) => {
      const sym = [...d.keys()];
      if (sym.length === 1 && sym[0] && !sym[0].includes("*") && d.get(sym[0]) === 1 && !this.dimSources.has(sym[0])) this.dimSources.set(sym[0], { value: id, axis });
    });
  }

  /**
   * Builds one inference graph whose inputs are the parameters of `fn` and whose outputs are its
   * result and any updated state.
   */
  buildFunctionGraph(
    graphName: string,
    closure: Closure,
    compileTimeArgs: Readonly<Record<string, Value>> = {},
    inputTypes: Readonly<Record<string, TensorType>> = {},
  ): ReturnType<GraphBuilder["finish"]> {
    this.beginGraph(graphName, false);
    this.functionEvaluations = 0;
    this.modelCallDepth = 0;
    const solveContext: SolveContext | undefined = closure.fn.kind === "SamplerDecl" ? {} : undefined;
    this.solveContext = solveContext;
    try {
      const given = Object.entries(compileTimeArgs).map(([name, value]) => ({ name, value, span: ("name" in closure.fn && closure.fn.name ? closure.fn.name.span : closure.fn.span) }));
      const args = [...this.entryArguments(closure, new Set(Object.keys(compileTimeArgs)), inputTypes), ...given];
      const result = this.callClosure(closure, args, closure.fn.span, this.freeResultSizes(closure));
      if (solveContext) checkSolveResult(solveContext, result);
      this.addOutputs(result, "output", closure.fn.body.span);
      this.addStateOutputs();
      const solve = solveContext?.solve;
      // An adaptive solve's steps are counted at run time; the graph's own evaluations exclude them.
      this.lastFunctionEvaluations = this.functionEvaluations - (solve ? solve.stepNfe + solve.rhsNfe : 0);
      this.lastAdaptiveSolve = solve;
      return this.endGraph();
    } finally {
      this.builder = undefined;
      this.functionEvaluations = undefined;
      this.solveContext = undefined;
    }
  }

  /** The sampler being built by `buildFunctionGraph` (undefined elsewhere: no adaptive solve there). */
  solveContext?: SolveContext;
  /** The adaptive solve of the sampler `buildFunctionGraph` built last, if it has one. */
  lastAdaptiveSolve?: AdaptiveSolve;

  /**
   * Where the spec itself asks for what is being elaborated at `span`: `span` when it is in the
   * spec, else the innermost call site outside the standard library (the user's `ode.dopri5(...)`).
   */
  userSite(span: Span): Span {
    if (!inStandardLibrary(span)) return span;
    for (let i = this.callSites.length - 1; i >= 0; i--) if (!inStandardLibrary(this.callSites[i]!)) return this.callSites[i]!;
    return span;
  }

  /** Runs `f`, returning its result and the module-function evaluations it elaborated. */
  countingEvaluations<T>(f: () => T): [T, number] {
    const before = this.functionEvaluations ?? 0;
    const result = f();
    return [result, (this.functionEvaluations ?? 0) - before];
  }

  /** Counts evaluations of module functions while a function graph is built (undefined: not counting). */
  private functionEvaluations?: number;
  private modelCallDepth = 0;
  /** The number of module-function evaluations of the graph `buildFunctionGraph` built last (a sampler's NFE). */
  lastFunctionEvaluations = 0;

  // ------------------------------------------------------------------ trainings as values

  private readonly trainingModels = new Map<A.TrainDecl, ModuleInstance>();
  private readonly samplerRequests = new Map<string, SamplerRequest>();

  /** The model instance a `train` declaration trains (one per declaration, shared by its uses). */
  trainingModel(decl: A.TrainDecl, file: LoadedFile): ModuleInstance {
    let model = this.trainingModels.get(decl);
    if (!model) {
      const saved = this.builder;
      this.builder = undefined;
      try {
        model = this.instantiateExpr(decl.model, { env: this.fileEnv(file), file }, "", "a model", this.options.hyper ?? {});
      } finally {
        this.builder = saved;
      }
      this.trainingModels.set(decl, model);
    }
    return model;
  }

  /**
   * Asks for the graph of a trained model's sampler (built by compile() after the trainings). A
   * sampler's tensor parameters must be bound (`rf1.euler_on(grid2)`); the graph is built for the
   * shapes of their values and fed the values at run time.
   */
  requestSampler(ref: Extract<Value, { kind: "sampler-ref" }>, span: Span): SamplerRef {
    if (ref.sampler.kind === "SamplerDecl") {
      const unbound = ref.sampler.params.filter((p) => p.type?.kind === "TensorType" && !ref.inputs?.[p.name.name]);
      if (unbound.length)
        fail("E0300", span, `the sampler \`${ref.label}\` takes the tensor ${unbound.map((p) => `\`${p.name.name}\``).join(", ")}, which must be given to run it`, {
          help: `e.g. \`${ref.label.split("(")[0]}(${unbound[0]!.name.name}: grid2)\` with \`let grid2 = bellman_grid(...)\`, or a list of numbers`,
          notes: [{ message: "parameter declared here", span: unbound[0]!.span }],
        });
    }
    const inputs = Object.entries(ref.inputs ?? {});
    const argText = [
      ...Object.entries(ref.args).map(([k, v]) => `${k}=${compileTimeText(v)}`),
      ...inputs.map(([k, v]) => `${k}=${typeToString(v.type)}`),
    ].join(",");
    const graph = `${ref.training}.${ref.sampler.name!.name}${argText ? `(${argText})` : ""}`;
    if (!this.samplerRequests.has(graph)) this.samplerRequests.set(graph, { graph, ref, span });
    return { training: ref.training, graph, label: ref.label, ...(inputs.length ? { inputs: Object.fromEntries(inputs.map(([k, v]) => [k, v.tensor])) } : {}) };
  }

  private readonly deterministic = new Map<string, Span>();

  /** Records that a requested function graph maps data, so it must draw no random numbers. */
  requireDeterministic(ref: SamplerRef, span: Span): void {
    if (!this.deterministic.has(ref.graph)) this.deterministic.set(ref.graph, span);
  }

  /** Where a requested graph was used to map data (it must be deterministic), if it was. */
  deterministicUse(graph: string): Span | undefined {
    return this.deterministic.get(graph);
  }

  /** The sampler and function graphs of trained models asked for so far, in order. */
  requestedSamplers(): readonly SamplerRequest[] {
    return [...this.samplerRequests.values()];
  }

  /** The declared result type of a requested sampler, if it is one tensor. */
  samplerResultType(ref: SamplerRef): TensorType | undefined {
    const request = this.samplerRequests.get(ref.graph)!;
    const returnType = request.ref.sampler.returnType;
    return returnType?.kind === "TensorType" ? evalTensorType(returnType, request.ref.model.env, new Map(), true) : undefined;
  }

  /** Whether a sampler declares a list of states as its result (`-> [f32[N, d]]`, a trajectory). */
  samplerReturnsStates(ref: SamplerRef): boolean {
    return this.samplerRequests.get(ref.graph)!.ref.sampler.returnType?.kind === "ListType";
  }

  /** The feature size of a sampler's result `f32[N, d]`, which pairs generated from it have. */
  samplerPairFeatures(ref: SamplerRef, span: Span): number {
    const type = this.samplerResultType(ref);
    const features = type?.shape.length === 2 ? dimValue(type.shape[1]!) : undefined;
    if (features === undefined || type?.dtype !== "f32")
      return fail("E0300", span, `\`pairs\` needs a sampler whose result is f32[N, d] with a known d, but \`${ref.label}\` returns ${type ? typeToString(type) : "no declared tensor type"}`);
    return features;
  }

  /**
   * The feature size of the states of a trajectory sampler (`-> [f32[N, d]]`, a list of states at
   * evenly spaced times from 0 to 1), which segments and Bellman grids are made of.
   */
  samplerPathFeatures(ref: SamplerRef, span: Span, what: string): number {
    const request = this.samplerRequests.get(ref.graph)!;
    const returnType = request.ref.sampler.returnType;
    const element = returnType?.kind === "ListType" && returnType.element.kind === "TensorType" ? evalTensorType(returnType.element, request.ref.model.env, new Map(), true) : undefined;
    const features = element?.shape.length === 2 ? dimValue(element.shape[1]!) : undefined;
    if (features === undefined || element?.dtype !== "f32")
      return fail("E0300", span, `${what} needs a sampler that returns its trajectory, a list of states [f32[N, d]] with a known d, but \`${ref.label}\` returns ${element ? `[${typeToString(element)}]` : returnType?.kind === "TensorType" ? `one state, ${typeToString(evalTensorType(returnType, request.ref.model.env, new Map(), true))}` : returnType ? "something else" : "no declared type"}`, {
        help: "declare one with a trajectory solver of std/solvers.flow, e.g. `sampler euler_path(steps: int = 100) -> [f32[N, d]] { x0 ~ normal([N, d]) ode.euler_trajectory(velocity, x0, ode.uniform_grid(steps)) }`",
      });
    return features;
  }

  /**
   * Checks that a function of a trained model is a velocity field v(x: f32[B, d], t: f32[B]) ->
   * f32[B, d] for states of `features` features.
   */
  checkVelocity(ref: Extract<Value, { kind: "sampler-ref" }>, features: number, span: Span, what: string): void {
    const fn = ref.sampler;
    const types = fn.params.map((p) => (p.type?.kind === "TensorType" ? evalTensorType(p.type, ref.model.env, new Map(), true) : undefined));
    const [x, t] = types;
    const result = fn.returnType?.kind === "TensorType" ? evalTensorType(fn.returnType, ref.model.env, new Map(), true) : undefined;
    const fits =
      types.length === 2 &&
      x?.dtype === "f32" && x.shape.length === 2 && dimValue(x.shape[1]!) === features &&
      t?.dtype === "f32" && t.shape.length === 1 &&
      result?.dtype === "f32" && result.shape.length === 2 && dimValue(result.shape[1]!) === features;
    if (!fits)
      fail("E0300", span, `${what} needs the velocity field of the trajectories, a function (x: f32[B, ${features}], t: f32[B]) -> f32[B, ${features}], but \`${ref.label}\` is (${types.map((y) => (y ? typeToString(y) : "?")).join(", ")}) -> ${result ? typeToString(result) : "?"}`, {
        help: "name the model's velocity function, e.g. `rf1.velocity` for `fn velocity(x: f32[B, d], t: f32[B]) -> f32[B, d]`",
      });
  }

  /**
   * Sizes named only in an entry's result type (`sampler euler() -> f32[N, d]`) are symbolic sizes
   * of the graph: the body can use them (`normal([N, d])`), and the graph works for any N.
   */
  private freeResultSizes(closure: Closure): Map<string, Value> {
    const out = new Map<string, Value>();
    const returnType = closure.fn.kind === "FnDecl" || closure.fn.kind === "SamplerDecl" ? closure.fn.returnType : undefined;
    // Tensor types of the result, also inside a list or tuple (a sampler returning its trajectory).
    const tensorTypes = (t: A.TypeExpr | undefined): A.TensorTypeExpr[] =>
      !t ? [] : t.kind === "TensorType" ? [t] : t.kind === "ListType" ? tensorTypes(t.element) : t.kind === "TupleType" ? t.elements.flatMap(tensorTypes) : [];
    const bound = new Set(closure.fn.params.flatMap((p) => (p.type?.kind === "TensorType" ? (p.type.dims ?? []) : [])).flatMap((d) => (d.kind === "DimName" ? [d.name] : [])));
    for (const t of tensorTypes(returnType))
      for (const d of t.dims ?? [])
        if (d.kind === "DimName" && !bound.has(d.name) && closure.env.lookup(d.name) === undefined) out.set(d.name, { kind: "dim", dim: dimSym(d.name) });
    return out;
  }

  /** The new values of layer state assigned with `set` in this graph, as outputs that update their inputs. */
  addStateOutputs(): void {
    for (const [slot, value] of this.stateUpdates) this.builder!.output(`${slot.fullName}.next`, value, "state", slot.fullName);
  }

  /** The graph tensor of a parameter or state slot (created as an input on first use). */
  slotTensor(slot: ParamSlot): TensorValue {
    return this.paramTensor(slot);
  }

  /** The initial value of a parameter or state slot (the spec's seed). */
  initialValueOf(slot: ParamSlot): Float32Array | Int32Array {
    return this.options.initialValue(slot);
  }

  /** Whether a slot was read by the graph built so far. */
  slotUsed(slot: ParamSlot): boolean {
    return this.paramTensors.has(slot);
  }

  /** Layer-state slots given a new value by `set` in the current graph. */
  updatedState(): ReadonlyMap<ParamSlot, ValueId> {
    return this.stateUpdates;
  }

  addOutputs(v: Value, name: string, span: Span): void {
    if (v.kind === "tuple" || v.kind === "list") {
      v.items.forEach((item, i) => this.addOutputs(item, `${name}.${i}`, span));
      return;
    }
    if (v.kind === "int" || v.kind === "float" || v.kind === "bool") {
      this.builder!.output(name, asTensor(this, v, span).id);
      return;
    }
    if (v.kind !== "tensor") fail("E0704", span, `an entry point must return tensors, but this returns ${describe(v)}`);
    // ONNX forbids a graph input being an output directly; route it through an identity.
    const isInput = this.builder!.isInput(v.id);
    this.builder!.output(name, isInput ? emitTensor(this, "stop_grad", [v.id], {}, span).id : v.id);
  }
}

function ownMemberNames(inst: ModuleInstance): string[] {
  return declaredMemberNames(inst.decl.items);
}

function patternText(p: A.Pattern): string {
  return p.kind === "PatName" ? p.name.name : `(${p.elements.map(patternText).join(", ")})`;
}
