// Claims are written as ordinary expressions over measurements: `w2(rf2.euler(steps: 1), moons)
// <= w2(rf1.euler(steps: 1), moons) / 3.0`. A metric call gives a `measure` value (a description
// the runtime evaluates); arithmetic with numbers and other measures builds a larger one; a
// comparison gives the claim's statement; `abs(m)`, `min(a, b)` and `max(a, b)` of measures are
// measures too (measureCall), so two-sided claims read as written: `abs(w2(a, d) - w2(b, d)) <=
// 0.02`. Also: a trained model's sampler called with
// compile-time arguments (`rf2.euler(steps: 1)`) is a variant of that sampler.

import type * as A from "../../grammar/ast.js";
import { fail } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import { MEASURE_FUNCTIONS, type Comparison, type Measure, type MeasureFunction } from "../artifacts/pipeline.js";
import { bind, p, type EvaluatedArg } from "./builtin-args.js";
import { matchTensorType } from "./signature.js";
import { describe, type Value } from "./values.js";
import { dimConst } from "../ir/dims.js";

const ARITHMETIC = new Set(["+", "-", "*", "/"]);
const COMPARISONS = new Set(["<", "<=", ">", ">="]);

function asMeasure(v: Value, span: Span, op: string): { measure: Measure; text: string } {
  if (v.kind === "measure") return { measure: v.measure, text: v.text };
  if (v.kind === "int" || v.kind === "float") return { measure: { kind: "number", value: v.value }, text: String(v.value) };
  return fail("E0301", span, `\`${op}\` combines measurements with numbers, found ${describe(v)}`, {
    help: "claims compare metrics such as `w2(rf2.euler, moons)` with numbers or other metrics",
  });
}

export function measureBinary(e: A.BinaryExpr, a: Value, b: Value): Value {
  const left = asMeasure(a, e.left.span, e.op);
  const right = asMeasure(b, e.right.span, e.op);
  if (ARITHMETIC.has(e.op)) {
    const wrap = (t: string, m: Measure) => (m.kind === "binary" ? `(${t})` : t);
    return {
      kind: "measure",
      measure: { kind: "binary", op: e.op as "+" | "-" | "*" | "/", left: left.measure, right: right.measure },
      text: `${wrap(left.text, left.measure)} ${e.op} ${wrap(right.text, right.measure)}`,
    };
  }
  if (COMPARISONS.has(e.op)) return { kind: "comparison", measured: left.measure, op: e.op as Comparison, threshold: right.measure };
  return fail("E0300", e.span, `\`${e.op}\` cannot be applied to measurements`, {
    help: "use + - * / to combine measurements and < <= > >= to state a claim",
  });
}

const isMeasureFunction = (name: string): name is MeasureFunction => Object.hasOwn(MEASURE_FUNCTIONS, name);
const MEASURE_FUNCTION_LIST = "`abs(m)`, `min(a, b)` and `max(a, b)`";

/**
 * A builtin called with a measurement among its arguments: `abs`, `min` and `max` build a
 * measure (numbers among the arguments become constant measures); any other builtin is an error,
 * since it would need the measurement as a tensor at compile time.
 */
export function measureCall(name: string, args: readonly EvaluatedArg[], span: Span): Value {
  const measured = args.find((a) => a.value.kind === "measure")!;
  if (!isMeasureFunction(name)) {
    const instead = name === "maximum" ? "max" : name === "minimum" ? "min" : undefined;
    return fail("E0301", measured.span, `\`${name}\` does not apply to measurements, found ${describe(measured.value)}`, {
      help: instead
        ? `of two measurements, \`${instead}(a, b)\` is the ${instead === "max" ? "larger" : "smaller"}`
        : `measurements combine with + - * / and the functions ${MEASURE_FUNCTION_LIST}`,
    });
  }
  const { arity, doc } = MEASURE_FUNCTIONS[name];
  const names = arity === 1 ? ["m"] : ["a", "b"];
  const usage = `\`${name}(${names.join(", ")})\` is the ${doc}`;
  if (args.length !== arity)
    fail(args.length > arity ? "E0500" : "E0503", args.length > arity ? args[arity]!.span : span, `\`${name}\` of measurements takes ${arity} argument${arity === 1 ? "" : "s"}, found ${args.length}`, {
      help: usage,
    });
  const b = bind(name, names.map((n) => p(n)), args, span);
  const operands = names.map((n) => {
    const { value, span: at } = b[n]!;
    if (value.kind === "measure") return { measure: value.measure, text: value.text };
    if (value.kind === "int" || value.kind === "float") return { measure: { kind: "number", value: value.value } as Measure, text: String(value.value) };
    return fail("E0300", at, `\`${name}\` of measurements takes measurements or numbers, found ${describe(value)}`, { help: usage });
  });
  return {
    kind: "measure",
    measure: { kind: "call", fn: name, args: operands.map((o) => o.measure) },
    text: `${name}(${operands.map((o) => o.text).join(", ")})`,
  };
}

export function compileTimeText(v: Value): string {
  switch (v.kind) {
    case "int":
    case "float":
    case "bool":
      return String(v.value);
    case "str":
      return JSON.stringify(v.value);
    default:
      return describe(v);
  }
}

/**
 * `rf2.euler(steps: 1)`: the sampler with its compile-time parameters set; `rf1.euler_on(grid2)`:
 * its tensor parameters bound to values fed at run time (a tensor computed between stages such as
 * `bellman_grid(...)`, or a compile-time list of numbers).
 */
export function samplerWithArguments(ref: Extract<Value, { kind: "sampler-ref" }>, args: readonly EvaluatedArg[], span: Span): Value {
  const params = ref.sampler.params;
  const given: Record<string, Value> = { ...ref.args };
  const inputs: Record<string, Extract<Value, { kind: "computed" }>> = { ...ref.inputs };
  args.forEach((a, i) => {
    const param = a.name !== undefined ? params.find((q) => q.name.name === a.name) : params[i];
    if (!param)
      return fail(a.name !== undefined ? "E0501" : "E0500", a.nameSpan ?? a.span, a.name !== undefined ? `the sampler \`${ref.label}\` has no parameter \`${a.name}\`` : `the sampler \`${ref.label}\` takes ${params.length} arguments`, {
        help: params.length ? `its parameters are ${params.map((q) => `\`${q.name.name}\``).join(", ")}` : "it takes none",
      });
    if (param.type?.kind === "TensorType") {
      if (ref.sampler.kind !== "SamplerDecl")
        return fail("E0300", a.span, `\`${param.name.name}\` of \`${ref.label}\` is a tensor input of a function; only a sampler's tensor parameters can be bound here`, {
          help: `measure a function on data with \`value(${ref.label}, data)\``,
        });
      const value = runTimeTensor(a.value, a.span, `\`${param.name.name}\` of the sampler \`${ref.label}\``);
      matchTensorType(value.type, param.type, ref.model.env, new Map(), `\`${param.name.name}\` of the sampler \`${ref.label}\``, a.span, param.type.span);
      inputs[param.name.name] = value;
      return;
    }
    if (!(a.value.kind === "int" || a.value.kind === "float" || a.value.kind === "bool" || a.value.kind === "str"))
      return fail("E0300", a.span, `\`${param.name.name}\` of the sampler \`${ref.label}\` must be a number, bool or string, found ${describe(a.value)}`);
    given[param.name.name] = a.value;
  });
  void span;
  const text = [...Object.entries(given).map(([k, v]) => `${k}: ${compileTimeText(v)}`), ...Object.entries(inputs).map(([k, v]) => `${k}: ${v.label}`)];
  const label = `${ref.label.split("(")[0]}(${text.join(", ")})`;
  return { ...ref, args: given, label, ...(Object.keys(inputs).length ? { inputs } : {}) };
}

/**
 * A value fed to a tensor parameter at run time: a tensor computed between stages as it is, or a
 * compile-time list of numbers (`ode.uniform_grid(2)`) as a constant f32 vector.
 */
export function runTimeTensor(v: Value, span: Span, what: string): Extract<Value, { kind: "computed" }> {
  if (v.kind === "computed") return v;
  if (v.kind === "list" && v.items.length > 0 && v.items.every((x) => x.kind === "int" || x.kind === "float")) {
    const values = v.items.map((x) => (x as { value: number }).value);
    return { kind: "computed", tensor: { kind: "constant", values }, type: { dtype: "f32", shape: [dimConst(values.length)] }, label: `[${values.join(", ")}]` };
  }
  return fail("E0300", span, `${what} is a tensor fed at run time: give it a tensor computed between stages, such as \`bellman_grid(...)\`, or a list of numbers, found ${describe(v)}`, {
    help: "e.g. `let grid2 = bellman_grid(rf1.velocity, rf1.euler_path, steps: 2)`, then `rf1.euler_on(grid2)`",
  });
}
