// Bad input never crashes the compiler: random bytes, truncations and mutations of real specs,
// and programs generated from the grammar all end in a result with diagnostics (or a successful
// compile), never an exception and never an internal compiler error (E0900).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/compile.js";
import { hasErrors } from "../compiler/diagnostics/index.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 2000);

const corpus = [
  ...["specs", "std"].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".flow")).map((f) => readFileSync(join(dir, f), "utf8"))),
  ...readdirSync("test/fixtures/bad", { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".flow"))
    .map((e) => readFileSync(join(e.parentPath, e.name), "utf8")),
];

function compilesWithoutCrashing(text: string): void {
  let result;
  try {
    result = compile({ entry: "fuzz/input.flow", text, stage: "ir" });
  } catch (e) {
    throw new Error(`compile() threw on:\n${text}\n---\n${String(e)}`);
  }
  const internal = result.diagnostics.find((d) => d.code === "E0900");
  if (internal) throw new Error(`internal compiler error on:\n${text}\n---\n${internal.message}\n${internal.notes.map((n) => n.message).join("\n")}`);
  // Every diagnostic is located in a file we know, or explicitly unlocated.
  for (const d of result.diagnostics) expect(d.span.line === 0 || result.sources.has(d.span.file)).toBe(true);
}

// ---- a generator of programs from the grammar (well-formed often, ill-typed often)

const names = fc.constantFrom("x", "y", "t", "B", "d", "w", "h", "net", "layer", "silu", "sum", "mean", "concat", "reshape", "MLP", "Linear", "foo");
const numbers = fc.oneof(fc.integer({ min: -3, max: 300 }).map(String), fc.constantFrom("0.5", "1e-3", "2.0", "-1"));
const dims = fc.array(fc.oneof(names, fc.integer({ min: 1, max: 8 }).map(String), fc.constant("..."), fc.constant("d + 1")), { maxLength: 3 });
const tensorType = fc.tuple(fc.constantFrom("f32", "i32", "bool"), dims).map(([t, ds]) => `${t}[${ds.join(", ")}]`);
const typeExpr = fc.oneof(tensorType, fc.constantFrom("int", "float", "bool", "fn", "[int]", '"a" | "b"'));

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    names,
    numbers,
    fc.tuple(tie("expr"), fc.constantFrom("+", "-", "*", "/", "@", "^", "<", "==", "and"), tie("expr")).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(names, fc.array(tie("expr"), { maxLength: 3 }), fc.option(fc.tuple(fc.constantFrom("axis", "keepdims", "d_in", "act"), tie("expr")))).map(
      ([f, args, named]) => `${f}(${[...args, ...(named ? [`${named[0]}: ${named[1]}`] : [])].join(", ")})`,
    ),
    fc.tuple(tie("expr"), fc.constantFrom("[:, None]", "[0]", "[..., 1:]", "[::2]", ".shape", ".w")).map(([a, s]) => `${a}${s}`),
    fc.array(tie("expr"), { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `{ let z = ${a}; z + ${b} }`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `{ assert ${a}; ${b} }`),
    fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([c, a, b]) => `if ${c} { ${a} } else { ${b} }`),
    fc.tuple(names, tie("expr")).map(([n, b]) => `fn (${n}) => ${b}`),
  ),
}));

const param = fc.tuple(names, fc.option(typeExpr), fc.option(expr)).map(([n, t, d]) => `${n}${t ? `: ${t}` : ""}${d ? ` = ${d}` : ""}`);
const params = fc.array(param, { maxLength: 3 }).map((ps) => ps.join(", "));
const fnDecl = fc.tuple(fc.option(names), params, fc.option(typeExpr), expr).map(([n, ps, r, body]) => `fn ${n ?? ""}(${ps})${r ? ` -> ${r}` : ""} = ${body}`);
const moduleItem = fc.oneof(
  fc.tuple(fc.constantFrom("param", "state"), names, tensorType, fc.constantFrom("=", "~"), expr).map(([k, n, t, op, e]) => `${k} ${n}: ${t} ${op} ${e}`),
  fc.tuple(names, expr).map(([n, e]) => `${n} = ${e}`),
  fnDecl,
  fc.tuple(names, expr).map(([n, e]) => `let ${n} = ${e}`),
  fc.tuple(expr, fc.boolean()).map(([e, message]) => `assert ${e}${message ? ', "a precondition"' : ""}`),
);
const topItem = fc.oneof(
  fc.constantFrom("use std.nn.MLP", "use std.nn.{Linear, LayerNorm}", "use std.nope", 'use "./missing.flow" as m', "use std.nn"),
  fc.tuple(names, expr).map(([n, e]) => `let ${n} = ${e}`),
  fnDecl,
  fc.tuple(fc.constantFrom("module", "model"), names, params, fc.array(moduleItem, { maxLength: 4 })).map(([k, n, ps, items]) => `${k} ${n}(${ps}) {\n  ${items.join("\n  ")}\n}`),
);
const program = fc.array(topItem, { minLength: 1, maxLength: 5 }).map((items) => items.join("\n\n"));

// ---- models that mostly type-check, so that elaboration and ONNX lowering are exercised too

const { tensorExpr } = fc.letrec<{ tensorExpr: string }>((tie) => ({
  tensorExpr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("x", "lin(x)", "norm(x)", "net(x)", "w", "1.0", "2", "t[:, None]"),
    fc.tuple(tie("tensorExpr"), fc.constantFrom("+", "-", "*", "/", "^", "@"), tie("tensorExpr")).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom("exp", "tanh", "silu", "gelu", "relu", "softplus", "sigmoid", "stop_grad", "lin", "norm", "net", "abs", "sqrt"), tie("tensorExpr")).map(([f, a]) => `${f}(${a})`),
    fc.tuple(fc.constantFrom("sum", "mean", "max", "softmax", "logsumexp", "cumsum"), tie("tensorExpr"), fc.constantFrom("-1", "0", "1", "[0, 1]", "None")).map(([f, a, ax]) => `${f}(${a}, axis: ${ax})`),
    fc.tuple(tie("tensorExpr"), fc.constantFrom("[:, 0]", "[:, None]", "[..., :2]", "[0]", "[:, ::-1]", "[:, 1:]", ".shape[0]")).map(([a, i]) => `${a}${i}`),
    fc.tuple(tie("tensorExpr"), tie("tensorExpr")).map(([a, b]) => `concat(${a}, ${b}, axis: -1)`),
    fc.tuple(tie("tensorExpr"), tie("tensorExpr")).map(([a, b]) => `where(${a} > 0.0, ${a}, ${b})`),
    fc.tuple(tie("tensorExpr"), fc.constantFrom("[B, d]", "[d, B]", "[-1]", "[B, 1, d]", "[2, -1]")).map(([a, sh]) => `reshape(${a}, ${sh})`),
    fc.tuple(tie("tensorExpr")).map(([a]) => `transpose(${a})`),
    fc.tuple(tie("tensorExpr")).map(([a]) => `{ z ~ normal([B, d]); ${a} + z }`),
  ),
}));
const typedModel = fc
  .tuple(fc.integer({ min: 1, max: 4 }), tensorExpr, fc.constantFrom("f32[B, d]", "f32[B]", "f32[...]", "f32[B, d, 1]"), fc.boolean())
  .map(
    ([d, body, ret, bias]) => `use std.nn.{Linear, MLP, LayerNorm}
model m(d: int = ${d}) {
  lin = Linear(d, d, bias: ${bias})
  norm = LayerNorm(d)
  net = MLP(d, [8], d)
  param w: f32[d, d] ~ normal(std: 0.1)
  fn (x: f32[B, d], t: f32[B]) -> ${ret} = ${body}
}`,
  );

function lowersWithoutCrashing(text: string): void {
  const result = compile({ entry: "fuzz/model.flow", text });
  const internal = result.diagnostics.find((d) => d.code === "E0900");
  if (internal) throw new Error(`internal compiler error on:\n${text}\n---\n${internal.message}\n${internal.notes.map((n) => n.message).join("\n")}`);
  if (!hasErrors(result.diagnostics)) expect(result.graphs[0]?.onnx?.length ?? 0).toBeGreaterThan(0);
}

// ---- mutations of real files

const edit = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom("", "(", ")", "{", "}", "[", "]", ",", ":", "=", "~", "@", "fn ", "let ", "1", "B", "\n", "//", "/*", '"', "^", "..."));
const mutation = fc.tuple(fc.constantFrom(...corpus), fc.array(edit, { maxLength: 4 })).map(([text, edits]) => {
  let s = text;
  for (const [at, len, insert] of edits) {
    const i = s.length ? at % s.length : 0;
    s = s.slice(0, i) + insert + s.slice(i + (len % 8));
  }
  return s;
});
const truncation = fc.tuple(fc.constantFrom(...corpus), fc.nat()).map(([text, n]) => text.slice(0, text.length ? n % text.length : 0));

describe("fuzzing the front end and the type checker", () => {
  it(`survives ${RUNS} generated, mutated, truncated and random inputs`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { arbitrary: program, weight: 4 },
          { arbitrary: mutation, weight: 3 },
          { arbitrary: truncation, weight: 1 },
          { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 1 },
          { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("utf8")), weight: 1 },
        ),
        compilesWithoutCrashing,
      ),
      { numRuns: RUNS, seed: Number(process.env["FUZZ_SEED"] ?? 20261128) },
    );
  }, 300_000);

  it(`compiles ${Math.floor(RUNS / 4)} generated models to ONNX or reports why not`, () => {
    fc.assert(fc.property(typedModel, lowersWithoutCrashing), { numRuns: Math.floor(RUNS / 4), seed: Number(process.env["FUZZ_SEED"] ?? 20261128) });
  }, 300_000);
});
