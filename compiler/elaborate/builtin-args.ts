// Argument binding for builtins: by position and name, with defaults, reporting the same
// errors as calls of user functions; and readers for compile-time arguments.

import { fail } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import type { Elaborator } from "./elaborator.js";
import { describe, type Value } from "./values.js";

export interface EvaluatedArg {
  readonly name?: string;
  readonly nameSpan?: Span;
  readonly value: Value;
  readonly span: Span;
}

export type BuiltinImpl = (el: Elaborator, args: readonly EvaluatedArg[], span: Span) => Value;

export interface ParamSpec {
  readonly name: string;
  readonly default?: Value;
  /** Collects all remaining positional arguments as a list. */
  readonly rest?: boolean;
}

export type Bound = Record<string, { value: Value; span: Span }>;

export const NONE: Value = { kind: "none" };
export const FALSE: Value = { kind: "bool", value: false };
export const TRUE: Value = { kind: "bool", value: true };
export const int = (value: number): Value => ({ kind: "int", value });
export const float = (value: number): Value => ({ kind: "float", value });

/** Binds builtin arguments by position and name, with the same errors as user functions. */
export function bind(name: string, specs: readonly ParamSpec[], args: readonly EvaluatedArg[], span: Span): Bound {
  const out: Bound = {};
  let position = 0;
  let seenNamed = false;
  const rest = specs.find((s) => s.rest);
  const restItems: Value[] = [];
  for (const a of args) {
    if (a.name === undefined) {
      if (seenNamed) fail("E0504", a.span, "positional argument after a named argument", { help: "put positional arguments first" });
      const spec = specs[position];
      if (spec?.rest || (!spec && rest)) {
        restItems.push(a.value);
        if (spec) out[spec.name] = { value: { kind: "list", items: restItems }, span: a.span };
        continue;
      }
      if (!spec) fail("E0500", a.span, `\`${name}\` takes at most ${specs.length} argument${specs.length === 1 ? "" : "s"}`, { help: `its parameters are ${specs.map((s) => `\`${s.name}\``).join(", ")}` });
      out[spec.name] = { value: a.value, span: a.span };
      position++;
    } else {
      seenNamed = true;
      const spec = specs.find((s) => s.name === a.name);
      if (!spec) fail("E0501", a.nameSpan ?? a.span, `\`${name}\` has no parameter \`${a.name}\``, { help: `its parameters are ${specs.map((s) => `\`${s.name}\``).join(", ")}` });
      if (out[spec.name] && !spec.rest) fail("E0502", a.nameSpan ?? a.span, `\`${a.name}\` is given twice`);
      out[spec.name] = { value: a.value, span: a.span };
    }
  }
  for (const s of specs) {
    if (out[s.name]) continue;
    if (s.rest) {
      out[s.name] = { value: { kind: "list", items: [] }, span };
      continue;
    }
    if (s.default === undefined) fail("E0503", span, `\`${name}\` is missing the argument \`${s.name}\``);
    out[s.name] = { value: s.default, span };
  }
  return out;
}

export const p = (name: string, def?: Value): ParamSpec => ({ name, default: def });

export function intArg(b: Bound, key: string, fnName: string): number {
  const a = b[key]!;
  if (a.value.kind !== "int") fail("E0300", a.span, `\`${key}\` of \`${fnName}\` must be a compile-time int, found ${describe(a.value)}`);
  return a.value.value;
}

export function boolArg(b: Bound, key: string, fnName: string): boolean {
  const a = b[key]!;
  if (a.value.kind !== "bool") fail("E0300", a.span, `\`${key}\` of \`${fnName}\` must be true or false, found ${describe(a.value)}`);
  return a.value.value;
}

export function numberArg(b: Bound, key: string, fnName: string): number {
  const a = b[key]!;
  if (a.value.kind !== "int" && a.value.kind !== "float") fail("E0300", a.span, `\`${key}\` of \`${fnName}\` must be a compile-time number, found ${describe(a.value)}`);
  return a.value.value;
}
