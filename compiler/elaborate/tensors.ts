// Tensor-building helpers of the elaborator: turning compile-time values into tensors, dtype
// unification for operators, and folding of arithmetic on compile-time values.

import type { BinaryOp } from "../../grammar/ast.js";
import { fail, type RelatedNote } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import { dimAdd, dimConst, dimDivConst, dimEquals, dimMul, dimSub, dimSymbols, dimToString, dimValue, quotientOf, type Dim } from "../ir/dims.js";
import type { Attrs, ValueId } from "../ir/graph.js";
import type { DType, TensorType } from "../ir/types.js";
import { describe, type Value } from "./values.js";

/** What tensor helpers need from the elaborator: node emission with located errors, and where symbolic sizes come from. */
export interface TensorCtx {
  emit(op: string, inputs: readonly ValueId[], attrs: Attrs, span: Span, notes?: RelatedNote[]): ValueId[];
  typeOf(id: ValueId): TensorType;
  /** A graph value and axis whose size is the given symbol (from the graph inputs). */
  dimSource(symbol: string): { value: ValueId; axis: number } | undefined;
}

export type TensorValue = Extract<Value, { kind: "tensor" }>;

export function tensorValue(ctx: TensorCtx, id: ValueId): TensorValue {
  return { kind: "tensor", id, type: ctx.typeOf(id) };
}

export function emitTensor(ctx: TensorCtx, op: string, inputs: readonly ValueId[], attrs: Attrs, span: Span, notes?: RelatedNote[]): TensorValue {
  return tensorValue(ctx, ctx.emit(op, inputs, attrs, span, notes)[0]!);
}

export function scalarConstant(ctx: TensorCtx, value: number, dtype: DType, span: Span): TensorValue {
  return emitTensor(ctx, "constant", [], { value: Float64Array.of(value), shape: [], dtype }, span);
}

export function castTensor(ctx: TensorCtx, t: TensorValue, dtype: DType, span: Span): TensorValue {
  return t.type.dtype === dtype ? t : emitTensor(ctx, "cast", [t.id], { to: dtype }, span);
}

/** The run-time value of a symbolic size as an i32 scalar tensor. */
export function dimTensor(ctx: TensorCtx, d: Dim, span: Span): TensorValue {
  let total: TensorValue | undefined;
  for (const [monomial, coeff] of d) {
    // coeff · s1 · s2 · …: the product of the symbols' run-time sizes, times the coefficient
    // unless it is 1.
    let term: TensorValue | undefined = coeff === 1 && monomial ? undefined : scalarConstant(ctx, coeff, "i32", span);
    if (monomial)
      for (const sym of monomial.split("*")) {
        // A quotient size `T/4` is T's run-time size divided by 4 (i32 division; that T is a
        // multiple of 4 is checked where the size is used, e.g. by the reshape it shapes).
        const quotient = quotientOf(sym);
        const base = quotient?.base ?? sym;
        const source = ctx.dimSource(base);
        if (!source)
          fail("E0408", span, `the size \`${base}\` is not known in this graph`, {
            help: "sizes used as values must appear in the shape of an input of the entry function",
          });
        let size = emitTensor(ctx, "dim", [source.value], { axis: source.axis }, span);
        if (quotient) size = emitTensor(ctx, "div", [size.id, scalarConstant(ctx, quotient.divisor, "i32", span).id], {}, span);
        term = term ? emitTensor(ctx, "mul", [term.id, size.id], {}, span) : size;
      }
    total = total ? emitTensor(ctx, "add", [total.id, term!.id], {}, span) : term;
  }
  return total ?? scalarConstant(ctx, 0, "i32", span);
}

/** Converts a value to a tensor; `prefer` is the dtype a bare number should take. */
export function asTensor(ctx: TensorCtx, v: Value, span: Span, prefer?: DType): TensorValue {
  switch (v.kind) {
    case "tensor":
      return v;
    case "int":
      return scalarConstant(ctx, v.value, prefer ?? "i32", span);
    case "float":
      return scalarConstant(ctx, v.value, prefer === "bool" || prefer === undefined ? "f32" : prefer === "i32" ? "f32" : prefer, span);
    case "bool":
      return scalarConstant(ctx, v.value ? 1 : 0, "bool", span);
    case "dim": {
      const t = dimTensor(ctx, v.dim, span);
      return prefer === "f32" ? castTensor(ctx, t, "f32", span) : t;
    }
    default:
      return fail("E0301", span, `expected a tensor, found ${describe(v)}`);
  }
}

export function isNumeric(v: Value): v is Extract<Value, { kind: "int" | "float" | "dim" }> {
  return v.kind === "int" || v.kind === "float" || v.kind === "dim";
}

function toDim(v: Value): Dim | undefined {
  if (v.kind === "int") return dimConst(v.value);
  if (v.kind === "dim") return v.dim;
  return undefined;
}

/** A dim value that collapses to an int when it is concrete. */
export function dimOrInt(d: Dim): Value {
  const c = dimValue(d);
  return c === undefined ? { kind: "dim", dim: d } : { kind: "int", value: c };
}

const OP_PRIMITIVE: Partial<Record<BinaryOp, string>> = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "div",
  "%": "mod",
  "^": "pow",
  "@": "matmul",
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
  and: "and",
  or: "or",
};

/** Folds an operator on compile-time values; returns undefined if it must be computed as a tensor. */
export function foldBinary(op: BinaryOp, a: Value, b: Value, span: Span): Value | undefined {
  if (a.kind === "list" && b.kind === "list" && op === "+") return { kind: "list", items: [...a.items, ...b.items] };
  if (a.kind === "str" && b.kind === "str") {
    if (op === "==") return { kind: "bool", value: a.value === b.value };
    if (op === "!=") return { kind: "bool", value: a.value !== b.value };
    if (op === "+") return { kind: "str", value: a.value + b.value };
  }
  if (a.kind === "bool" && b.kind === "bool") {
    if (op === "and") return { kind: "bool", value: a.value && b.value };
    if (op === "or") return { kind: "bool", value: a.value || b.value };
    if (op === "==") return { kind: "bool", value: a.value === b.value };
    if (op === "!=") return { kind: "bool", value: a.value !== b.value };
  }
  if (a.kind === "dim" || b.kind === "dim") return foldDims(op, a, b, span);
  if ((a.kind === "int" || a.kind === "float") && (b.kind === "int" || b.kind === "float")) {
    const x = a.value;
    const y = b.value;
    const ints = a.kind === "int" && b.kind === "int";
    const num = (v: number, isInt: boolean): Value => (isInt ? { kind: "int", value: v } : { kind: "float", value: v });
    switch (op) {
      case "+":
        return num(x + y, ints);
      case "-":
        return num(x - y, ints);
      case "*":
        return num(x * y, ints);
      case "/":
        if (y === 0) fail("E0308", span, "division by zero in a compile-time expression");
        // An int divided by an int stays an int when the division is exact (`d / heads`), like a size.
        return num(x / y, ints && x % y === 0);
      case "%":
        if (y === 0) fail("E0308", span, "modulo by zero in a compile-time expression");
        return num(x - Math.floor(x / y) * y, ints);
      case "^":
        return num(x ** y, ints && y >= 0);
      case "==":
        return { kind: "bool", value: x === y };
      case "!=":
        return { kind: "bool", value: x !== y };
      case "<":
        return { kind: "bool", value: x < y };
      case "<=":
        return { kind: "bool", value: x <= y };
      case ">":
        return { kind: "bool", value: x > y };
      case ">=":
        return { kind: "bool", value: x >= y };
      default:
        return fail("E0300", span, `\`${op}\` needs bools, found ${describe(a)} and ${describe(b)}`);
    }
  }
  return undefined;
}

function foldDims(op: BinaryOp, a: Value, b: Value, span: Span): Value | undefined {
  const da = toDim(a);
  const db = toDim(b);
  if (!da || !db) return undefined; // e.g. size * float: computed as a tensor
  switch (op) {
    case "+":
      return dimOrInt(dimAdd(da, db));
    case "-":
      return dimOrInt(dimSub(da, db));
    case "*":
      return dimOrInt(dimMul(da, db));
    case "/": {
      const divisor = dimValue(db);
      const q = divisor === undefined ? undefined : dimDivConst(da, divisor);
      return q ? dimOrInt(q) : undefined;
    }
    case "==":
    case "!=": {
      if (dimEquals(da, db)) return { kind: "bool", value: op === "==" };
      return fail("E0302", span, `cannot decide at compile time whether ${dimToString(da)} ${op} ${dimToString(db)}`, {
        help: `the sizes ${[...new Set([...dimSymbols(da), ...dimSymbols(db)])].join(", ")} are only known when the graph runs; compare tensors instead`,
      });
    }
    default:
      return undefined;
  }
}

/** The primitive for a binary operator on tensors. */
export function operatorPrimitive(op: BinaryOp): string {
  return OP_PRIMITIVE[op]!;
}

/** Brings two operands to tensors of one dtype, following the rules in docs/language.md (Numbers). */
export function unifyOperands(ctx: TensorCtx, a: Value, b: Value, spans: [Span, Span], opText: string, span: Span): [TensorValue, TensorValue] {
  if (a.kind === "tensor" && b.kind === "tensor") {
    if (a.type.dtype !== b.type.dtype)
      fail("E0304", span, `\`${opText}\` mixes ${a.type.dtype} and ${b.type.dtype} tensors`, {
        notes: [
          { message: `this is ${a.type.dtype}`, span: spans[0] },
          { message: `this is ${b.type.dtype}`, span: spans[1] },
        ],
        help: "convert one side explicitly, e.g. `f32(x)`",
      });
    return [a, b];
  }
  const tensorSide = a.kind === "tensor" ? a : b.kind === "tensor" ? b : undefined;
  const literal = a.kind === "tensor" ? b : a;
  let target: DType;
  if (tensorSide) {
    target = tensorSide.type.dtype;
    // A float literal meeting an integer tensor makes the operation a float operation.
    if (target === "i32" && literal.kind === "float") target = "f32";
    if ((target === "bool") !== (literal.kind === "bool"))
      fail("E0304", span, `\`${opText}\` mixes a ${tensorSide.type.dtype} tensor and ${describe(literal)}`, {
        help: "convert explicitly, e.g. `f32(mask)`",
      });
  } else {
    target = a.kind === "float" || b.kind === "float" ? "f32" : a.kind === "bool" || b.kind === "bool" ? "bool" : "i32";
  }
  const ta = castTensor(ctx, asTensor(ctx, a, spans[0], target), target, spans[0]);
  const tb = castTensor(ctx, asTensor(ctx, b, spans[1], target), target, spans[1]);
  return [ta, tb];
}
