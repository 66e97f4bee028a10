// Type annotations: evaluating tensor types with symbolic dimensions and checking values against
// them. Dimension names not bound to a hyper-parameter are dimension variables: the first use
// binds them (B in `x: f32[B, d]`), later uses must agree.

import type * as A from "../../grammar/ast.js";
import { fail } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import { dimAdd, dimConst, dimDivConst, dimEquals, dimMul, dimSub, dimSym, dimToString, dimValue, type Dim } from "../ir/dims.js";
import { shapeToString, typeToString, type TensorType } from "../ir/types.js";
import type { Env } from "./env.js";
import type { TensorCtx } from "./tensors.js";
import { asTensor } from "./tensors.js";
import { describe, type Value } from "./values.js";

/** Dimension variables bound so far in one signature; "..." holds the dims matched by an ellipsis. */
export type DimBindings = Map<string, Dim | readonly Dim[]>;

/** Evaluates a dimension expression; returns undefined when it mentions an unbound name. */
export function evalDim(d: A.DimExpr, env: Env, dims: DimBindings): Dim | undefined {
  switch (d.kind) {
    case "DimNumber":
      return dimConst(d.value);
    case "DimEllipsis":
      return undefined;
    case "DimName": {
      const bound = dims.get(d.name);
      if (bound && !Array.isArray(bound)) return bound as Dim;
      const v = env.lookup(d.name);
      if (v?.kind === "int") return dimConst(v.value);
      if (v?.kind === "dim") return v.dim;
      if (v !== undefined && v.kind !== "module-decl" && v.kind !== "closure" && v.kind !== "builtin")
        fail("E0408", d.span, `\`${d.name}\` is ${describe(v)}, which cannot be a dimension`, { help: "dimensions are ints or size names like `B`" });
      return undefined;
    }
    case "DimBinary": {
      const l = evalDim(d.left, env, dims);
      const r = evalDim(d.right, env, dims);
      if (!l || !r) return undefined;
      switch (d.op) {
        case "+":
          return dimAdd(l, r);
        case "-":
          return dimSub(l, r);
        case "*":
          return dimMul(l, r);
        case "/": {
          const divisor = dimValue(r);
          const q = divisor === undefined ? undefined : dimDivConst(l, divisor);
          if (!q) fail("E0408", d.span, `${dimToString(l)} / ${dimToString(r)} is not a whole number`);
          return q;
        }
      }
    }
  }
}

/** A tensor type whose dims are all determined (used for parameter declarations and entry inputs). */
export function evalTensorType(t: A.TensorTypeExpr, env: Env, dims: DimBindings, freeAsSymbols: boolean): TensorType {
  const shape: Dim[] = [];
  for (const d of t.dims ?? []) {
    if (d.kind === "DimEllipsis") fail("E0408", d.span, "`...` is only allowed in function parameter and result types");
    let v = evalDim(d, env, dims);
    if (!v && freeAsSymbols && d.kind === "DimName") {
      v = dimSym(d.name);
      dims.set(d.name, v);
    }
    if (!v) fail("E0408", d.span, `the size \`${dimText(d)}\` is not known here`, { help: "use a hyper-parameter or a number" });
    shape.push(v);
  }
  return { dtype: t.dtype, shape };
}

export function dimText(d: A.DimExpr): string {
  switch (d.kind) {
    case "DimName":
      return d.name;
    case "DimNumber":
      return String(d.value);
    case "DimEllipsis":
      return "...";
    case "DimBinary":
      return `${dimText(d.left)} ${d.op} ${dimText(d.right)}`;
  }
}

/** The annotation as the user wrote it, with what is known substituted ("f32[B, 3]"). */
function expectedText(t: A.TensorTypeExpr, env: Env, dims: DimBindings): string {
  if (!t.dims) return `${t.dtype}`;
  const parts = t.dims.map((d) => {
    if (d.kind === "DimEllipsis") return "...";
    const v = evalDim(d, env, dims);
    return v ? dimToString(v) : dimText(d);
  });
  return `${t.dtype}[${parts.join(", ")}]`;
}

/**
 * Checks a tensor against an annotation, binding dimension variables. `what` names the thing
 * checked ("argument `x` of `f`"), `span` is where the value came from, `declSpan` the annotation.
 */
export function matchTensorType(type: TensorType, t: A.TensorTypeExpr, env: Env, dims: DimBindings, what: string, span: Span, declSpan: Span): void {
  const mismatch = (detail: string): never =>
    fail("E0401", span, `${what} should be ${expectedText(t, env, dims)}, found ${typeToString(type)}${detail}`, {
      notes: [{ message: "declared here", span: declSpan }],
    });
  if (type.dtype !== t.dtype) mismatch("");
  const annot = t.dims ?? [];
  const ellipsisAt = annot.findIndex((d) => d.kind === "DimEllipsis");
  const shape = type.shape;
  const prefix = ellipsisAt < 0 ? annot : annot.slice(0, ellipsisAt);
  const suffix = ellipsisAt < 0 ? [] : annot.slice(ellipsisAt + 1);
  if (ellipsisAt < 0 ? shape.length !== annot.length : shape.length < prefix.length + suffix.length)
    mismatch(` (rank ${shape.length} instead of ${ellipsisAt < 0 ? annot.length : `at least ${prefix.length + suffix.length}`})`);
  const pairs: [A.DimExpr, Dim][] = [
    ...prefix.map((d, i): [A.DimExpr, Dim] => [d, shape[i]!]),
    ...suffix.map((d, i): [A.DimExpr, Dim] => [d, shape[shape.length - suffix.length + i]!]),
  ];
  if (ellipsisAt >= 0) {
    const middle = shape.slice(prefix.length, shape.length - suffix.length);
    const previous = dims.get("...");
    if (previous && Array.isArray(previous)) {
      const prev = previous as readonly Dim[];
      if (prev.length !== middle.length || !prev.every((d, i) => dimEquals(d, middle[i]!)))
        mismatch(` (the leading dimensions \`...\` were ${shapeToString(prev)} elsewhere in this signature)`);
    } else dims.set("...", middle);
  }
  const boundBefore = new Set(dims.keys());
  // Bind plain names first so that compound dims (d + 1) can refer to them.
  for (const [d, actual] of pairs) {
    if (d.kind === "DimName" && evalDim(d, env, dims) === undefined) dims.set(d.name, actual);
  }
  for (const [d, actual] of pairs) {
    const expected = evalDim(d, env, dims);
    if (!expected) fail("E0408", d.span, `cannot infer the size \`${dimText(d)}\` from ${typeToString(type)}`, { help: "name each unknown size on its own, e.g. `f32[B, n]`" });
    if (!dimEquals(expected, actual)) {
      if (d.kind === "DimName" && boundBefore.has(d.name))
        fail("E0407", span, `the size \`${d.name}\` is ${dimToString(expected)} elsewhere in this signature, but ${what} gives ${dimToString(actual)}`, {
          notes: [{ message: `\`${d.name}\` appears here`, span: declSpan }],
          help: `every use of \`${d.name}\` in one call must be the same size`,
        });
      mismatch("");
    }
  }
}

/** Checks (and where needed converts) a value against any annotation. */
export function checkValue(ctx: TensorCtx | undefined, v: Value, t: A.TypeExpr, env: Env, dims: DimBindings, what: string, span: Span): Value {
  const wrong = (expected: string): never =>
    fail("E0300", span, `${what} should be ${expected}, found ${describe(v)}`, { notes: [{ message: "declared here", span: t.span }] });
  switch (t.kind) {
    case "TensorType": {
      let value = v;
      if (value.kind !== "tensor") {
        if (t.dims && t.dims.length > 0) wrong(`a tensor ${t.dtype}[...]`);
        if (!ctx || !(value.kind === "int" || value.kind === "float" || value.kind === "bool" || value.kind === "dim")) return wrong(`a tensor ${t.dtype}`);
        value = asTensor(ctx, value, span, t.dtype);
      }
      matchTensorType(value.type, t, env, dims, what, span, t.span);
      return value;
    }
    case "NamedType":
      switch (t.name.name) {
        case "int":
          if (v.kind === "int" || v.kind === "dim") return v;
          return wrong("an int");
        case "float":
          if (v.kind === "float") return v;
          if (v.kind === "int") return { kind: "float", value: v.value };
          return wrong("a float");
        case "bool":
          return v.kind === "bool" ? v : wrong("a bool");
        case "str":
          return v.kind === "str" ? v : wrong("a string");
        case "fn":
          return v.kind === "closure" || v.kind === "builtin" || v.kind === "module" ? v : wrong("a function");
        default: {
          const target = env.lookup(t.name.name);
          if (target?.kind === "module-decl") {
            if (v.kind === "module" && v.instance.decl === target.decl) return v;
            return wrong(`an instance of \`${t.name.name}\``);
          }
          return fail("E0303", t.span, `unknown type \`${t.name.name}\``, {
            help: "types are f32[...], i32[...], bool[...], int, float, bool, str, fn, a module name, [T], (T, U) or \"a\" | \"b\"",
          });
        }
      }
    case "EnumType": {
      const members = t.members.map((m) => m.value);
      if (v.kind !== "str") return wrong(`one of ${members.map((m) => `"${m}"`).join(", ")}`);
      if (!members.includes(v.value))
        fail("E0306", span, `"${v.value}" is not one of ${members.map((m) => `"${m}"`).join(", ")}`, { notes: [{ message: "declared here", span: t.span }] });
      return v;
    }
    case "ListType":
      if (v.kind !== "list") return wrong("a list");
      return { kind: "list", items: v.items.map((item, i) => checkValue(ctx, item, t.element, env, dims, `element ${i} of ${what}`, span)) };
    case "TupleType":
      if (v.kind !== "tuple" || v.items.length !== t.elements.length) return wrong(`a tuple of ${t.elements.length}`);
      return { kind: "tuple", items: v.items.map((item, i) => checkValue(ctx, item, t.elements[i]!, env, dims, `element ${i} of ${what}`, span)) };
  }
}
