// `assert cond, "message"`: a compile-time check of hyper-parameters and sizes (docs/language.md,
// Assertions). A false condition is E0309, shown with the compile-time values of the names it
// reads (`d = 10, heads = 3`); a condition that is not a compile-time bool is E0310. Inside the
// standard library the elaborator's `atStandardLibraryUse` adds the note at the user's line.

import type * as A from "../../grammar/ast.js";
import { CompileError, fail, inStandardLibrary, type RelatedNote } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import { dimToString } from "../ir/dims.js";
import { typeToString } from "../ir/types.js";
import type { Env } from "./env.js";
import { describe, type Value } from "./values.js";

/** Where a module-level assert is checked: the instantiation of its module, to point at. */
export interface AssertSite {
  readonly span: Span;
  /** The module's name. */
  readonly what: string;
}

/**
 * Checks `s`. `evaluate` computes an expression in the assert's scope (`env`); `text` is its
 * file's source; `site`, for an assert in a module body, is the instantiation being checked.
 */
export function checkAssertion(s: A.AssertStmt, env: Env, text: string, evaluate: (e: A.Expr) => Value, site?: AssertSite): void {
  const condText = sourceText(s.cond.span, text);
  let cond: Value;
  try {
    cond = evaluate(s.cond);
  } catch (e) {
    // E0302: the condition reads a tensor (a parameter, a run-time hyper-parameter) or computes one
    // where only compile-time values exist (a module body), or compares run-time sizes.
    if (e instanceof CompileError && e.diagnostic.code === "E0302")
      notCompileTime(s, condText, "reads a value known only when the graph runs", env, [{ message: e.diagnostic.message, span: e.diagnostic.span }]);
    throw e;
  }
  if (cond.kind !== "bool") {
    if (cond.kind === "tensor") notCompileTime(s, condText, `is ${describe(cond)}`, env);
    const parenthesized = s.cond.kind === "Tuple" && s.cond.elements.length === 2 && s.cond.elements[1]!.kind === "String";
    fail("E0310", s.cond.span, `\`assert\` needs a bool condition, and \`${condText}\` is ${describe(cond)}`, {
      help: parenthesized ? 'write `assert cond, "message"` without parentheses: in parentheses the two make a tuple' : "write a comparison of compile-time values, e.g. `assert heads > 0`",
    });
  }
  if (cond.value) return;
  // `assert causal`: the name's value is what the message already says.
  const values = s.cond.kind === "Name" ? [] : namedValues(s.cond, env);
  const notes: RelatedNote[] = [{ message: `\`${condText}\` is false${values.length > 0 ? ` for ${values.join(", ")}` : ""}` }];
  // Inside std/ the note at the user's line is added by the elaborator (atStandardLibraryUse).
  if (site && !inStandardLibrary(s.span)) notes.push({ message: `in this instantiation of \`${site.what}\``, span: site.span });
  fail("E0309", s.cond.span, s.message ? s.message.value : `assertion failed: \`${condText}\``, {
    notes,
    help: s.message ? undefined : 'change the values the condition reads; an assert can say what it requires with a message: `assert cond, "..."`',
  });
}

function notCompileTime(s: A.AssertStmt, condText: string, what: string, env: Env, notes: RelatedNote[] = []): never {
  const sizes = collectNames(s.cond).filter((n) => env.lookup(n)?.kind === "dim");
  const named = sizes.map((n) => `\`${n}\``).join(", ");
  const message =
    sizes.length > 0
      ? `\`assert\` needs a condition known at compile time, and \`${condText}\` depends on the size${sizes.length > 1 ? "s" : ""} ${named}, known only when the graph runs`
      : `\`assert\` needs a condition known at compile time, and \`${condText}\` ${what}`;
  const help =
    sizes.length > 0
      ? `assert on hyper-parameters and sizes fixed at compile time; ${named} can change from one run of the graph to the next`
      : "an assert can read hyper-parameters, compile-time `let`s and sizes fixed at compile time (`x.rank`, numbers in `x.shape`), not the values of tensors";
  return fail("E0310", s.cond.span, message, { notes: sizes.length > 0 ? [] : notes, help });
}

/** The source text of a span, on one line. */
function sourceText(span: Span, text: string): string {
  return text.slice(span.start, span.end).replace(/\s*\n\s*/g, " ");
}

/** `name = value` for each name the condition reads whose value is worth showing, in order. */
function namedValues(cond: A.Expr, env: Env): string[] {
  const out: string[] = [];
  for (const name of collectNames(cond)) {
    const v = env.lookup(name);
    const shown = v && shownValue(v);
    if (shown !== undefined) out.push(`${name} = ${shown}`);
  }
  return out;
}

function shownValue(v: Value): string | undefined {
  switch (v.kind) {
    case "int":
    case "bool":
      return String(v.value);
    case "float":
      // Written as a float, as in the source: `beta1 = 1.0`, not `1`.
      return Number.isInteger(v.value) ? v.value.toFixed(1) : String(v.value);
    case "str":
      return JSON.stringify(v.value);
    case "none":
      return "None";
    case "dim":
      return dimToString(v.dim);
    case "tensor":
      return typeToString(v.type);
    case "list":
    case "tuple": {
      const items = v.items.map(shownValue);
      if (items.some((x) => x === undefined)) return undefined;
      return v.kind === "list" ? `[${items.join(", ")}]` : `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
    }
    default:
      return undefined; // functions, modules, namespaces: their names say enough
  }
}

/** The distinct names an expression reads, in order of appearance (not those bound inside it). */
function collectNames(e: A.Expr): string[] {
  const seen = new Set<string>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (typeof x !== "object" || x === null) return;
    const kind = (x as { kind?: string }).kind;
    if (kind === "Name") seen.add((x as A.NameExpr).name);
    // Lambdas, comprehensions and blocks bind names of their own: not inputs of the condition.
    if (kind === "Lambda" || kind === "ListComprehension" || kind === "Block") return;
    for (const [key, value] of Object.entries(x)) if (key !== "span" && key !== "opSpan") walk(value);
  };
  walk(e);
  return [...seen];
}
