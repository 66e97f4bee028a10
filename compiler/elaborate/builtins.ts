// The builtin functions of .flow: thin, checked front ends of the IR primitives (exp, sum,
// reshape, gather, ...), compile-time helpers (range, len, fold), distributions for `~`, and the
// toy data sources. Layers, activations and losses are NOT here: they are written in std/*.flow.

import { fail } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import { jvp as jvpTransform } from "../ad/jvp.js";
import { withDerivativeErrors } from "./derivative-errors.js";
import { dimConst, dimDivConst, dimEquals, dimMul, dimToString, dimValue, type Dim } from "../ir/dims.js";
import { shapeToString, typeToString } from "../ir/types.js";
import type { Elaborator } from "./elaborator.js";
import { asTensor, castTensor, dimOrInt, emitTensor, scalarConstant, unifyOperands, type TensorValue } from "./tensors.js";
import { describe, type Value } from "./values.js";
import { bind, boolArg, FALSE, float, int, intArg, NONE, numberArg, p, TRUE, type Bound, type BuiltinImpl, type ParamSpec } from "./builtin-args.js";

import { PIPELINE_BUILTINS } from "./pipeline-builtins.js";
import { adaptiveSolveBuiltin } from "./adaptive.js";

export type { BuiltinImpl, EvaluatedArg } from "./builtin-args.js";

function tensorArg(el: Elaborator, b: Bound, key: string, fnName: string, prefer?: "f32" | "i32" | "bool"): TensorValue {
  const a = b[key]!;
  if (!(a.value.kind === "tensor" || a.value.kind === "int" || a.value.kind === "float" || a.value.kind === "bool" || a.value.kind === "dim"))
    fail("E0301", a.span, `\`${fnName}\` needs a tensor for \`${key}\`, found ${describe(a.value)}`);
  return asTensor(el, a.value, a.span, prefer);
}




function normalizeAxis(axis: number, rank: number, span: Span, type: TensorValue): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail("E0403", span, `axis ${axis} is out of range for ${typeToString(type.type)} (rank ${rank})`, { help: rank ? `use an axis from ${-rank} to ${rank - 1}` : "a scalar has no axes" });
  return a;
}

/** Reads `axis:` given as an int, a list of ints, or None (all axes). */
function axesArg(b: Bound, x: TensorValue, fnName: string): number[] {
  const a = b["axis"]!;
  const rank = x.type.shape.length;
  if (a.value.kind === "none") return [...Array(rank).keys()];
  const raw = a.value.kind === "list" || a.value.kind === "tuple" ? a.value.items : [a.value];
  const axes = raw.map((v) => {
    if (v.kind !== "int") fail("E0300", a.span, `\`axis\` of \`${fnName}\` must be an int or a list of ints, found ${describe(v)}`);
    return normalizeAxis(v.value, rank, a.span, x);
  });
  if (new Set(axes).size !== axes.length) fail("E0403", a.span, `\`axis\` of \`${fnName}\` names an axis twice`);
  return axes.sort((m, n) => m - n);
}

/** Reads a shape given as a list of ints and sizes. */
function shapeArg(b: Bound, key: string, fnName: string): Dim[] {
  const a = b[key]!;
  const items = a.value.kind === "list" || a.value.kind === "tuple" ? a.value.items : a.value.kind === "int" || a.value.kind === "dim" ? [a.value] : undefined;
  if (!items) fail("E0300", a.span, `\`${key}\` of \`${fnName}\` must be a list of sizes such as \`[B, d]\`, found ${describe(a.value)}`);
  return items.map((v) => {
    if (v.kind === "int") {
      if (v.value < 0 || !Number.isInteger(v.value)) fail("E0408", a.span, `a size must be a non-negative int, found ${v.value}`);
      return dimConst(v.value);
    }
    if (v.kind === "dim") return v.dim;
    return fail("E0300", a.span, `\`${key}\` of \`${fnName}\` must contain sizes, found ${describe(v)}`);
  });
}

const MATH: Record<string, ((x: number) => number) | undefined> = {
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  atanh: Math.atanh,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)),
  erf: undefined,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
  abs: Math.abs,
  sign: Math.sign,
  reciprocal: (x) => 1 / x,
};
/** Functions that keep an integer dtype (the others compute in f32). */
const INTEGER_PRESERVING = new Set(["abs", "sign", "neg"]);

function unaryMath(name: string): BuiltinImpl {
  return (el, args, span) => {
    const b = bind(name, [p("x")], args, span);
    const x = b["x"]!;
    const fold = MATH[name];
    if (fold && (x.value.kind === "int" || x.value.kind === "float")) {
      const r = fold(x.value.value);
      return x.value.kind === "int" && INTEGER_PRESERVING.has(name) ? int(r) : ["floor", "ceil", "round"].includes(name) ? int(r) : float(r);
    }
    let t = tensorArg(el, b, "x", name, "f32");
    if (t.type.dtype === "bool") fail("E0304", x.span, `\`${name}\` needs a number tensor, found ${typeToString(t.type)}`);
    if (t.type.dtype === "i32" && !INTEGER_PRESERVING.has(name)) t = castTensor(el, t, "f32", x.span);
    return emitTensor(el, name, [t.id], {}, span);
  };
}

function binaryElementwise(name: string, primitive: string): BuiltinImpl {
  return (el, args, span) => {
    const b = bind(name, [p("a"), p("b")], args, span);
    const [ta, tb] = unifyOperands(el, b["a"]!.value, b["b"]!.value, [b["a"]!.span, b["b"]!.span], name, span);
    return emitTensor(el, primitive, [ta.id, tb.id], {}, span);
  };
}

function reduction(name: string, primitive: string): BuiltinImpl {
  return (el, args, span) => {
    const b = bind(name, [p("x"), p("axis", NONE), p("keepdims", FALSE)], args, span);
    const x = b["x"]!.value;
    // max(3, 4) on compile-time numbers is the ordinary maximum.
    if ((name === "max" || name === "min") && (x.kind === "int" || x.kind === "float")) {
      const y = b["axis"]!.value;
      if (y.kind !== "int" && y.kind !== "float") fail("E0300", b["axis"]!.span, `\`${name}\` of numbers needs two numbers`);
      const r = name === "max" ? Math.max(x.value, y.value) : Math.min(x.value, y.value);
      return x.kind === "int" && y.kind === "int" ? int(r) : float(r);
    }
    let t = tensorArg(el, b, "x", name);
    if (t.type.dtype === "bool") t = castTensor(el, t, "f32", b["x"]!.span);
    if (primitive === "reduce_mean" && t.type.dtype === "i32") t = castTensor(el, t, "f32", b["x"]!.span);
    const axes = axesArg(b, t, name);
    return emitTensor(el, primitive, [t.id], { axes, keepdims: boolArg(b, "keepdims", name) }, span);
  };
}

function argReduction(name: string): BuiltinImpl {
  return (el, args, span) => {
    const b = bind(name, [p("x"), p("axis", int(-1)), p("keepdims", FALSE)], args, span);
    const t = tensorArg(el, b, "x", name);
    const axis = normalizeAxis(intArg(b, "axis", name), t.type.shape.length, b["axis"]!.span, t);
    return emitTensor(el, name, [t.id], { axis, keepdims: boolArg(b, "keepdims", name) }, span);
  };
}

function softmaxLike(name: string): BuiltinImpl {
  return (el, args, span) => {
    const b = bind(name, [p("x"), p("axis", int(-1))], args, span);
    const t = tensorArg(el, b, "x", name, "f32");
    const axis = normalizeAxis(intArg(b, "axis", name), t.type.shape.length, b["axis"]!.span, t);
    return emitTensor(el, name, [castTensor(el, t, "f32", span).id], { axis }, span);
  };
}

function tensorList(el: Elaborator, b: Bound, key: string, fnName: string): TensorValue[] {
  const a = b[key]!;
  let items: readonly Value[] = a.value.kind === "list" ? a.value.items : [];
  // concat([a, b]) and concat(a, b) are both accepted.
  if (items.length === 1 && (items[0]!.kind === "list" || items[0]!.kind === "tuple")) items = (items[0] as { items: readonly Value[] }).items;
  if (items.length === 0) fail("E0503", a.span, `\`${fnName}\` needs at least one tensor`);
  return items.map((v) => {
    if (v.kind !== "tensor") fail("E0301", a.span, `\`${fnName}\` joins tensors, found ${describe(v)}`);
    return v;
  });
}

function reshapeTo(el: Elaborator, t: TensorValue, shape: Dim[], span: Span): TensorValue {
  return emitTensor(el, "reshape", [t.id], { shape }, span);
}

function distribution(name: string, params: [string, number][]): BuiltinImpl {
  return (_el, args, span) => {
    const b = bind(name, [p("shape", NONE), ...params.map(([k, v]) => p(k, float(v)))], args, span);
    const shape = b["shape"]!.value.kind === "none" ? undefined : shapeArg(b, "shape", name);
    const out: Record<string, number> = {};
    for (const [k] of params) out[k] = numberArg(b, k, name);
    return { kind: "distribution", name, shape, args: out, span };
  };
}

/**
 * A toy data source; `dimArg` names the argument giving its number of features (default 2);
 * `classes` gives the number of classes of its points, for the sources whose points have one.
 */
/**
 * A toy source with its numeric parameters and defaults. A parameter marked "optional" is left out
 * of the source's description (its args, its label) unless given, so adding one changes nothing
 * for the specs that do not use it.
 */
function toySource(name: string, params: [string, number, "optional"?][], dimArg?: string, classes?: (args: Record<string, number>) => number): BuiltinImpl {
  return (_el, args, span) => {
    const b = bind(`toy.${name}`, params.map(([k, v]) => p(k, k === dimArg || k === "components" || k === "layout" ? int(v) : float(v))), args, span);
    const given = new Set(args.map((a, i) => a.name ?? params[i]?.[0]));
    const out: Record<string, number> = {};
    for (const [k, , optional] of params) {
      if (optional && !given.has(k)) continue;
      out[k] = k === dimArg || k === "components" || k === "layout" ? intArg(b, k, `toy.${name}`) : numberArg(b, k, `toy.${name}`);
    }
    const features = dimArg ? out[dimArg]! : 2;
    if (features < 1 || (out["components"] ?? 1) < 1) fail("E0300", span, `\`toy.${name}\` needs at least one ${features < 1 ? "dimension" : "component"}`);
    const label = `toy.${name}(${Object.entries(out).map(([k, v]) => `${k}: ${v}`).join(", ")})`;
    return { kind: "data", spec: { kind: "toy", source: `toy.${name}`, args: out, features, ...(classes ? { classes: classes(out) } : {}) }, label };
  };
}

const table: Record<string, BuiltinImpl> = {
  // ---- element-wise
  ...Object.fromEntries(Object.keys(MATH).map((n) => [n, unaryMath(n)])),
  maximum: binaryElementwise("maximum", "max"),
  minimum: binaryElementwise("minimum", "min"),
  pow: binaryElementwise("pow", "pow"),
  matmul: binaryElementwise("matmul", "matmul"),
  where(el, args, span) {
    const b = bind("where", [p("cond"), p("a"), p("b")], args, span);
    const c = b["cond"]!;
    if (c.value.kind === "bool") return c.value.value ? b["a"]!.value : b["b"]!.value;
    const cond = tensorArg(el, b, "cond", "where");
    if (cond.type.dtype !== "bool") fail("E0304", c.span, `the condition of \`where\` must be a bool tensor, found ${typeToString(cond.type)}`, { help: "compare to get a bool tensor, e.g. `x > 0`" });
    const [ta, tb] = unifyOperands(el, b["a"]!.value, b["b"]!.value, [b["a"]!.span, b["b"]!.span], "where", span);
    return emitTensor(el, "where", [cond.id, ta.id, tb.id], {}, span);
  },
  // jvp(f, primals, tangents) = (f(primals), the derivative of f at primals along tangents):
  // forward-mode autodiff of f's nodes, emitted into the current graph (MeanFlow's target).
  jvp(el, args, span) {
    const b = bind("jvp", [p("f"), p("primals"), p("tangents")], args, span);
    const asList = (v: Value): readonly Value[] => (v.kind === "tuple" || v.kind === "list" ? v.items : [v]);
    const primals = asList(b["primals"]!.value).map((v) => asTensor(el, v, b["primals"]!.span, "f32"));
    const tangentValues = asList(b["tangents"]!.value);
    if (tangentValues.length !== primals.length)
      fail("E0500", b["tangents"]!.span, `\`jvp\` needs one tangent per primal: ${primals.length} primals, ${tangentValues.length} tangents`);
    const builder = el.graphBuilder(span);
    const seeds = new Map<number, number>();
    primals.forEach((primal, i) => {
      if (primal.type.dtype !== "f32") fail("E0304", b["primals"]!.span, `\`jvp\` differentiates f32 values, but primal ${i} is ${typeToString(primal.type)}`);
      let tangent = asTensor(el, tangentValues[i]!, b["tangents"]!.span, "f32");
      if (tangent.type.shape.length !== primal.type.shape.length || !tangent.type.shape.every((d, k) => dimEquals(d, primal.type.shape[k]!)))
        tangent = emitTensor(el, "expand", [tangent.id], { shape: [...primal.type.shape] }, b["tangents"]!.span);
      if (seeds.has(primal.id)) fail("E0300", b["primals"]!.span, "`jvp` was given the same value twice as a primal");
      seeds.set(primal.id, tangent.id);
    });
    // f's nodes are exactly those emitted while calling it; values it closes over are constants.
    const start = builder.nodeCount;
    const result = el.call(b["f"]!.value, primals.map((c) => ({ value: c, span })), span, b["f"]!.span);
    const outputs = asList(result).map((v) => asTensor(el, v, span, "f32"));
    const tangents = withDerivativeErrors(span, () => jvpTransform(builder, builder.nodesFrom(start), seeds));
    const tangentOf = (o: TensorValue): TensorValue => {
      const t = tangents.get(o.id) ?? seeds.get(o.id);
      return t !== undefined ? { kind: "tensor", id: t, type: el.typeOf(t) } : emitTensor(el, "expand", [scalarConstant(el, 0, "f32", span).id], { shape: [...o.type.shape] }, span);
    };
    const outTangents = outputs.map(tangentOf);
    const single = result.kind !== "tuple" && result.kind !== "list";
    return {
      kind: "tuple",
      items: single ? [outputs[0]!, outTangents[0]!] : [{ kind: "tuple", items: outputs }, { kind: "tuple", items: outTangents }],
    };
  },
  stop_grad(el, args, span) {
    const b = bind("stop_grad", [p("x")], args, span);
    return emitTensor(el, "stop_grad", [tensorArg(el, b, "x", "stop_grad").id], {}, span);
  },
  f32(el, args, span) {
    const b = bind("f32", [p("x")], args, span);
    return castTensor(el, tensorArg(el, b, "x", "f32", "f32"), "f32", span);
  },
  i32(el, args, span) {
    const b = bind("i32", [p("x")], args, span);
    const x = b["x"]!.value;
    if (x.kind === "float") return int(Math.trunc(x.value));
    return castTensor(el, tensorArg(el, b, "x", "i32", "i32"), "i32", span);
  },
  // ---- reductions and scans
  sum: reduction("sum", "reduce_sum"),
  mean: reduction("mean", "reduce_mean"),
  max: reduction("max", "reduce_max"),
  min: reduction("min", "reduce_min"),
  argmax: argReduction("argmax"),
  argmin: argReduction("argmin"),
  softmax: softmaxLike("softmax"),
  log_softmax: softmaxLike("log_softmax"),
  cumsum(el, args, span) {
    const b = bind("cumsum", [p("x"), p("axis"), p("exclusive", FALSE), p("reverse", FALSE)], args, span);
    const t = tensorArg(el, b, "x", "cumsum");
    const axis = normalizeAxis(intArg(b, "axis", "cumsum"), t.type.shape.length, b["axis"]!.span, t);
    return emitTensor(el, "cumsum", [t.id], { axis, exclusive: boolArg(b, "exclusive", "cumsum"), reverse: boolArg(b, "reverse", "cumsum") }, span);
  },
  // ---- shapes
  concat(el, args, span) {
    const b = bind("concat", [{ name: "tensors", rest: true }, p("axis", int(0))], args, span);
    const ts = tensorList(el, b, "tensors", "concat");
    const axis = normalizeAxis(intArg(b, "axis", "concat"), ts[0]!.type.shape.length, b["axis"]!.span, ts[0]!);
    return emitTensor(el, "concat", ts.map((t) => t.id), { axis }, span);
  },
  stack(el, args, span) {
    const b = bind("stack", [{ name: "tensors", rest: true }, p("axis", int(0))], args, span);
    const ts = tensorList(el, b, "tensors", "stack");
    const rank = ts[0]!.type.shape.length;
    let axis = intArg(b, "axis", "stack");
    if (axis < 0) axis += rank + 1;
    if (axis < 0 || axis > rank) fail("E0403", b["axis"]!.span, `axis ${intArg(b, "axis", "stack")} is out of range for stacking rank-${rank} tensors`);
    const expanded = ts.map((t) => {
      const shape = [...t.type.shape];
      shape.splice(axis, 0, dimConst(1));
      return reshapeTo(el, t, shape, span);
    });
    return emitTensor(el, "concat", expanded.map((t) => t.id), { axis }, span);
  },
  split(el, args, span) {
    const b = bind("split", [p("x"), p("sections"), p("axis", int(-1))], args, span);
    const t = tensorArg(el, b, "x", "split");
    const axis = normalizeAxis(intArg(b, "axis", "split"), t.type.shape.length, b["axis"]!.span, t);
    const s = b["sections"]!;
    const size = dimValue(t.type.shape[axis]!);
    let sizes: number[];
    if (s.value.kind === "int") {
      if (size === undefined || s.value.value <= 0 || size % s.value.value !== 0)
        fail("E0408", s.span, `cannot split an axis of size ${shapeToString([t.type.shape[axis]!]).slice(1, -1)} into ${s.value.value} equal parts`);
      sizes = Array(s.value.value).fill(size / s.value.value);
    } else {
      sizes = shapeArg(b, "sections", "split").map((d) => dimValue(d) ?? fail("E0408", s.span, "split sizes must be numbers"));
      if (size !== undefined && sizes.reduce((x, y) => x + y, 0) !== size) fail("E0408", s.span, `split sizes add up to ${sizes.reduce((x, y) => x + y, 0)}, but the axis has size ${size}`);
    }
    let start = 0;
    return {
      kind: "tuple",
      items: sizes.map((n) => {
        const part = emitTensor(el, "slice", [t.id], { axis, start, stop: start + n, step: 1 }, span);
        start += n;
        return part;
      }),
    };
  },
  reshape(el, args, span) {
    const b = bind("reshape", [p("x"), p("shape")], args, span);
    const t = tensorArg(el, b, "x", "reshape");
    const a = b["shape"]!;
    const items = a.value.kind === "list" || a.value.kind === "tuple" ? a.value.items : undefined;
    if (!items) return fail("E0300", a.span, `the shape of \`reshape\` must be a list such as \`[B, T, d]\`, found ${describe(a.value)}`);
    const inferAt = items.findIndex((v) => v.kind === "int" && v.value === -1);
    if (items.filter((v) => v.kind === "int" && v.value === -1).length > 1) fail("E0405", a.span, "only one size of a reshape may be -1");
    const known = items.map((v, i) => (i === inferAt ? dimConst(1) : shapeArg({ s: { value: { kind: "list", items: [v] }, span: a.span } }, "s", "reshape")[0]!));
    if (inferAt >= 0) {
      const total = t.type.shape.reduce((x, y) => dimMul(x, y), dimConst(1));
      const rest = known.reduce((x, y) => dimMul(x, y), dimConst(1));
      const restValue = dimValue(rest);
      const inferred = restValue !== undefined ? dimDivConst(total, restValue) : dimEquals(rest, total) ? dimConst(1) : undefined;
      if (!inferred) fail("E0405", a.span, `cannot infer the -1 size: ${shapeToString(t.type.shape)} is not a multiple of the other sizes`, { help: "write every size explicitly" });
      known[inferAt] = inferred;
    }
    return reshapeTo(el, t, known, span);
  },
  transpose(el, args, span) {
    const b = bind("transpose", [p("x"), p("perm", NONE)], args, span);
    const t = tensorArg(el, b, "x", "transpose");
    const rank = t.type.shape.length;
    const pv = b["perm"]!.value;
    const perm =
      pv.kind === "none"
        ? [...Array(rank).keys()].reverse()
        : pv.kind === "list" || pv.kind === "tuple"
          ? pv.items.map((v) => (v.kind === "int" ? normalizeAxis(v.value, rank, b["perm"]!.span, t) : fail("E0300", b["perm"]!.span, "a permutation lists ints")))
          : fail("E0300", b["perm"]!.span, "`perm` must be a list of axes");
    if (perm.length !== rank || new Set(perm).size !== rank) fail("E0403", b["perm"]!.span, `[${perm.join(", ")}] is not a permutation of the ${rank} axes of ${typeToString(t.type)}`);
    return emitTensor(el, "transpose", [t.id], { perm }, span);
  },
  swapaxes(el, args, span) {
    const b = bind("swapaxes", [p("x"), p("a"), p("b")], args, span);
    const t = tensorArg(el, b, "x", "swapaxes");
    const rank = t.type.shape.length;
    const i = normalizeAxis(intArg(b, "a", "swapaxes"), rank, b["a"]!.span, t);
    const j = normalizeAxis(intArg(b, "b", "swapaxes"), rank, b["b"]!.span, t);
    const perm = [...Array(rank).keys()];
    perm[i] = j;
    perm[j] = i;
    return emitTensor(el, "transpose", [t.id], { perm }, span);
  },
  squeeze(el, args, span) {
    const b = bind("squeeze", [p("x"), p("axis")], args, span);
    const t = tensorArg(el, b, "x", "squeeze");
    const axis = normalizeAxis(intArg(b, "axis", "squeeze"), t.type.shape.length, b["axis"]!.span, t);
    if (dimValue(t.type.shape[axis]!) !== 1) fail("E0408", b["axis"]!.span, `cannot squeeze axis ${axis} of ${typeToString(t.type)}: its size is not 1`);
    return reshapeTo(el, t, t.type.shape.filter((_, i) => i !== axis), span);
  },
  unsqueeze(el, args, span) {
    const b = bind("unsqueeze", [p("x"), p("axis")], args, span);
    const t = tensorArg(el, b, "x", "unsqueeze");
    const rank = t.type.shape.length;
    let axis = intArg(b, "axis", "unsqueeze");
    if (axis < 0) axis += rank + 1;
    if (axis < 0 || axis > rank) fail("E0403", b["axis"]!.span, `axis ${intArg(b, "axis", "unsqueeze")} is out of range for inserting into ${typeToString(t.type)}`);
    const shape = [...t.type.shape];
    shape.splice(axis, 0, dimConst(1));
    return reshapeTo(el, t, shape, span);
  },
  broadcast_to(el, args, span) {
    const b = bind("broadcast_to", [p("x"), p("shape")], args, span);
    return emitTensor(el, "expand", [tensorArg(el, b, "x", "broadcast_to", "f32").id], { shape: shapeArg(b, "shape", "broadcast_to") }, span);
  },
  // ---- indexing
  gather(el, args, span) {
    const b = bind("gather", [p("x"), p("indices"), p("axis", int(0))], args, span);
    const t = tensorArg(el, b, "x", "gather");
    const idx = tensorArg(el, b, "indices", "gather", "i32");
    if (idx.type.dtype !== "i32") fail("E0304", b["indices"]!.span, `indices must be i32, found ${typeToString(idx.type)}`, { help: "convert with `i32(x)`" });
    const axis = normalizeAxis(intArg(b, "axis", "gather"), t.type.shape.length, b["axis"]!.span, t);
    return emitTensor(el, "gather", [t.id, idx.id], { axis }, span);
  },
  take_along_axis(el, args, span) {
    const b = bind("take_along_axis", [p("x"), p("indices"), p("axis")], args, span);
    const t = tensorArg(el, b, "x", "take_along_axis");
    const idx = tensorArg(el, b, "indices", "take_along_axis", "i32");
    const axis = normalizeAxis(intArg(b, "axis", "take_along_axis"), t.type.shape.length, b["axis"]!.span, t);
    return emitTensor(el, "gather_elements", [t.id, idx.id], { axis }, span);
  },
  topk(el, args, span) {
    const b = bind("topk", [p("x"), p("k"), p("axis", int(-1)), p("largest", TRUE)], args, span);
    const t = tensorArg(el, b, "x", "topk");
    const axis = normalizeAxis(intArg(b, "axis", "topk"), t.type.shape.length, b["axis"]!.span, t);
    const [values, indices] = el.emit("topk", [t.id], { k: intArg(b, "k", "topk"), axis, largest: boolArg(b, "largest", "topk") }, span);
    return { kind: "tuple", items: [values!, indices!].map((id) => ({ kind: "tensor" as const, id, type: el.typeOf(id) })) };
  },
  one_hot(el, args, span) {
    const b = bind("one_hot", [p("indices"), p("n")], args, span);
    const idx = tensorArg(el, b, "indices", "one_hot", "i32");
    const nValue = b["n"]!.value;
    const n = nValue.kind === "int" ? dimConst(nValue.value) : nValue.kind === "dim" ? nValue.dim : fail("E0300", b["n"]!.span, "`n` of `one_hot` must be a size");
    const range = emitTensor(el, "arange", [], { n, dtype: "i32" }, span);
    const expanded = reshapeTo(el, idx, [...idx.type.shape, dimConst(1)], span);
    const eq = emitTensor(el, "eq", [expanded.id, range.id], {}, span);
    return castTensor(el, eq, "f32", span);
  },
  arange(el, args, span) {
    const b = bind("arange", [p("n")], args, span);
    const v = b["n"]!.value;
    const n = v.kind === "int" ? dimConst(v.value) : v.kind === "dim" ? v.dim : fail("E0300", b["n"]!.span, `\`arange\` needs a size, found ${describe(v)}`);
    return emitTensor(el, "arange", [], { n, dtype: "i32" }, span);
  },
  zeros: filled("zeros", 0),
  zeros_like: filledLike("zeros_like", 0),
  ones_like: filledLike("ones_like", 1),
  ones: filled("ones", 1),
  // full([N], 0.5), or full([N], t) with a scalar tensor t (a time read from a grid fed at run time).
  full(el, args, span) {
    const b = bind("full", [p("shape"), p("value")], args, span);
    const v = b["value"]!.value;
    if (v.kind === "tensor") {
      if (v.type.shape.length !== 0)
        fail("E0300", b["value"]!.span, `\`value\` of \`full\` must be a number or a scalar tensor, found ${describe(v)}`, { help: "broadcast a tensor with `expand` or arithmetic instead" });
      return emitTensor(el, "expand", [v.id], { shape: shapeArg(b, "shape", "full") }, span);
    }
    const value = numberArg(b, "value", "full");
    return emitTensor(el, "expand", [scalarConstant(el, value, "f32", span).id], { shape: shapeArg(b, "shape", "full") }, span);
  },
  // ---- compile-time helpers
  shape(el, args, span) {
    const b = bind("shape", [p("x")], args, span);
    return { kind: "tuple", items: tensorArg(el, b, "x", "shape").type.shape.map(dimOrInt) };
  },
  size(el, args, span) {
    const b = bind("size", [p("x"), p("axis")], args, span);
    const t = tensorArg(el, b, "x", "size");
    return dimOrInt(t.type.shape[normalizeAxis(intArg(b, "axis", "size"), t.type.shape.length, b["axis"]!.span, t)]!);
  },
  rank(el, args, span) {
    const b = bind("rank", [p("x")], args, span);
    return int(tensorArg(el, b, "x", "rank").type.shape.length);
  },
  // The number of items of a list, or the size of a tensor's first axis when it is known at
  // compile time (a time grid f32[K + 1] fed at run time: its K + 1 times).
  len(_el, args, span) {
    const b = bind("len", [p("list")], args, span);
    const v = b["list"]!.value;
    if (v.kind === "tensor") {
      const first = v.type.shape[0];
      const size = first === undefined ? undefined : dimValue(first);
      if (size === undefined)
        fail("E0302", b["list"]!.span, `\`len\` needs the size of the first axis at compile time, but ${describe(v)} has ${first === undefined ? "no axes" : `the symbolic size ${dimToString(first)}`}`, {
          help: "give the tensor a size known when compiling, e.g. a grid bound to a sampler's parameter from `bellman_grid(..., steps: 2)`",
        });
      return int(size!);
    }
    if (v.kind !== "list" && v.kind !== "tuple") fail("E0300", b["list"]!.span, `\`len\` needs a list, found ${describe(v)}`);
    return int(v.items.length);
  },
  range(_el, args, span) {
    const b = bind("range", [p("a"), p("b", NONE), p("step", int(1))], args, span);
    const first = intArg(b, "a", "range");
    const [lo, hi] = b["b"]!.value.kind === "none" ? [0, first] : [first, intArg(b, "b", "range")];
    const step = intArg(b, "step", "range");
    if (step === 0) fail("E0300", b["step"]!.span, "`step` of `range` cannot be zero");
    const items: Value[] = [];
    for (let i = lo; step > 0 ? i < hi : i > hi; i += step) {
      items.push(int(i));
      if (items.length > 100_000) fail("E0300", span, "`range` is limited to 100000 elements");
    }
    return { kind: "list", items };
  },
  fold(el, args, span) {
    const b = bind("fold", [p("list"), p("init"), p("f")], args, span);
    const list = b["list"]!.value;
    if (list.kind !== "list" && list.kind !== "tuple") fail("E0300", b["list"]!.span, `\`fold\` needs a list, found ${describe(list)}`);
    let acc = b["init"]!.value;
    for (const item of list.items)
      acc = el.call(b["f"]!.value, [
        { value: acc, span: b["f"]!.span },
        { value: item, span: b["f"]!.span },
      ], b["f"]!.span, b["f"]!.span);
    return acc;
  },
  // An ODE solve with error control, run as a loop by the runtime (compiler/elaborate/adaptive.ts).
  adaptive_solve: adaptiveSolveBuiltin,
  map(el, args, span) {
    const b = bind("map", [p("list"), p("f")], args, span);
    const list = b["list"]!.value;
    if (list.kind !== "list" && list.kind !== "tuple") fail("E0300", b["list"]!.span, `\`map\` needs a list, found ${describe(list)}`);
    return { kind: "list", items: list.items.map((item) => el.call(b["f"]!.value, [{ value: item, span: b["f"]!.span }], b["f"]!.span, b["f"]!.span)) };
  },
  float(_el, args, span) {
    const b = bind("float", [p("x")], args, span);
    return float(numberArg(b, "x", "float"));
  },
  int(_el, args, span) {
    const b = bind("int", [p("x")], args, span);
    return int(Math.trunc(numberArg(b, "x", "int")));
  },
  // ---- distributions (for `~` draws and parameter initializers)
  normal: distribution("normal", [
    ["mean", 0],
    ["std", 1],
  ]),
  uniform: distribution("uniform", [
    ["low", 0],
    ["high", 1],
  ]),
  logit_normal: distribution("logit_normal", [
    ["mean", 0],
    ["std", 1],
  ]),
  // categorical([N], classes: k) (uniform) or categorical([N], probs: [p_0, ..., p_{k-1}]): class
  // indices 0..k-1 as i32. The runtime feeds a uniform draw u and the graph maps it to the class
  // whose cumulative probability interval holds u (compiler/elaborate/elaborator.ts `draw`), so
  // every execution provider draws the same classes from the same stream.
  categorical(_el, args, span) {
    const b = bind("categorical", [p("shape", NONE), p("classes", NONE), p("probs", NONE)], args, span);
    const shape = b["shape"]!.value.kind === "none" ? undefined : shapeArg(b, "shape", "categorical");
    const hasClasses = b["classes"]!.value.kind !== "none";
    const probsValue = b["probs"]!.value;
    if (hasClasses === (probsValue.kind !== "none"))
      fail("E0300", span, "`categorical` needs either `classes: k` (k equally likely classes) or `probs: [p_0, ..., p_{k-1}]`, not both or neither", {
        help: "e.g. `y ~ categorical([N], classes: 10)` or `y ~ categorical([N], probs: [0.2, 0.8])`",
      });
    if (hasClasses) {
      const k = intArg(b, "classes", "categorical");
      if (k < 1) fail("E0300", b["classes"]!.span, `\`classes\` of \`categorical\` must be at least 1, found ${k}`);
      return { kind: "distribution", name: "categorical", shape, args: { classes: k }, span };
    }
    if (probsValue.kind !== "list" || probsValue.items.length === 0 || probsValue.items.some((v) => v.kind !== "int" && v.kind !== "float"))
      return fail("E0300", b["probs"]!.span, `\`probs\` of \`categorical\` must be a list of numbers, found ${describe(probsValue)}`);
    const probs = probsValue.items.map((v) => (v as { value: number }).value);
    const total = probs.reduce((a, x) => a + x, 0);
    if (probs.some((x) => !(x >= 0)) || Math.abs(total - 1) > 1e-6)
      fail("E0300", b["probs"]!.span, `\`probs\` of \`categorical\` must be non-negative and sum to 1, found [${probs.join(", ")}] (sum ${total})`);
    return { kind: "distribution", name: "categorical", shape, args: Object.fromEntries(probs.map((x, i) => [`p${i}`, x])), span };
  },
  // ---- toy data sources (`data moons = toy.moons(noise: 0.05)`)
  toy(_el, _args, span) {
    return fail("E0307", span, "`toy` is a namespace of data sources, e.g. `toy.moons(noise: 0.05)`");
  },
  // `scale` multiplies the points (and their noise): moons larger than the unit noise of a flow.
  "toy.moons": toySource("moons", [["noise", 0.05], ["scale", 1, "optional"]], undefined, () => 2),
  "toy.gaussians8": toySource("gaussians8", [
    ["radius", 2],
    ["std", 0.02],
  ], undefined, () => 8),
  "toy.checkerboard": toySource("checkerboard", []),
  "toy.spirals": toySource("spirals", [["noise", 0.05]], undefined, () => 2),
  "toy.rings": toySource("rings", [["noise", 0.05]], undefined, () => 4),
  "toy.gaussian": toySource("gaussian", [["dim", 2], ["std", 1]], "dim"),
  "toy.gaussian_mixture": toySource("gaussian_mixture", [["dim", 2], ["components", 8], ["radius", 4], ["std", 0.5], ["layout", 0]], "dim", (args) => args["components"]!),
};

function filledLike(name: string, value: number): BuiltinImpl {
  return (el, args, span) => {
    const b = bind(name, [p("x")], args, span);
    const x = tensorArg(el, b, "x", name);
    return emitTensor(el, "expand", [scalarConstant(el, value, x.type.dtype, span).id], { shape: [...x.type.shape] }, span);
  };
}

function filled(name: string, value: number): BuiltinImpl {
  return (el, args, span) => {
    const b = bind(name, [p("shape")], args, span);
    return emitTensor(el, "expand", [scalarConstant(el, value, "f32", span).id], { shape: shapeArg(b, "shape", name) }, span);
  };
}

export const BUILTINS: ReadonlyMap<string, BuiltinImpl> = new Map(Object.entries({ ...table, ...PIPELINE_BUILTINS }));
