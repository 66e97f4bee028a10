// The TextMate grammar of editors/vscode, run by the engine VS Code uses (vscode-textmate with the
// oniguruma regex library, both from npm; the regex engine is a WebAssembly file inside the
// package, so this runs offline). Checks the scopes of representative tokens of a sample spec.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";
import { ROOT } from "./helpers.js";

const SAMPLE = `use std.nn.{MLP, Linear as Lin}
/* a block
   comment */
module Velocity(d: int, width: int = 256, norm: "pre" | "post" = "pre") {
  net = MLP(d + 1, [width, width], d, act: silu) // a line comment
  param w: f32[d, d + 1] ~ normal(std: 0.02)
  @custom_vjp
  fn energy(x: f32[..., B, d]) -> f32[B] {
    let e = sum(x^2, axis: -1) @ w
    if training { e * 1e-3 } else { -e }
  }
}
sampler euler(n: int = 100) -> f32[N, d] { x0 ~ normal([N, d]); x0[:, None] }
data moons = toy.moons(noise: 0.05)
train rf on moons { steps: 5_000, ema: true }
module Heads(d: int, heads: int) { assert d % heads == 0, "d must be a multiple of heads" }
`;

type Token = { text: string; scopes: string[]; line: number };
let tokens: Token[];

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const grammarPath = join(ROOT, "editors/vscode/syntaxes/flowc.tmLanguage.json");
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope: string) => (scope === "source.flowc" ? textmate.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath) : null),
  });
  const grammar = (await registry.loadGrammar("source.flowc"))!;
  tokens = [];
  let stack = textmate.INITIAL;
  SAMPLE.split("\n").forEach((line, i) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const t of result.tokens) tokens.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, line: i + 1 });
    stack = result.ruleStack;
  });
});

/** The innermost scope of the first token with this text (on `line` if given). */
function scopeOf(text: string, line?: number): string {
  const token = tokens.find((t) => t.text === text && (line === undefined || t.line === line));
  if (!token) throw new Error(`no token ${JSON.stringify(text)}${line ? ` on line ${line}` : ""}`);
  return token.scopes.at(-1)!;
}

describe("TextMate grammar", () => {
  it("loads as a VS Code extension would", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "editors/vscode/package.json"), "utf8"));
    expect(manifest.contributes.languages[0].extensions).toEqual([".flow"]);
    expect(manifest.contributes.grammars[0].scopeName).toBe("source.flowc");
    const config = JSON.parse(readFileSync(join(ROOT, "editors/vscode/language-configuration.json"), "utf8"));
    expect(config.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    expect(tokens.every((t) => t.scopes[0] === "source.flowc")).toBe(true);
  });

  it("keywords", () => {
    expect(scopeOf("use")).toBe("keyword.control.import.flowc");
    expect(scopeOf("as")).toBe("keyword.control.import.flowc");
    expect(scopeOf("let")).toBe("storage.type.flowc");
    expect(scopeOf("if")).toBe("keyword.control.flowc");
    expect(scopeOf("else")).toBe("keyword.control.flowc");
    expect(scopeOf("assert")).toBe("keyword.control.flowc");
    expect(scopeOf("train")).toBe("keyword.other.flowc");
    expect(scopeOf("on")).toBe("keyword.other.flowc");
  });

  it("declared names", () => {
    expect(scopeOf("module")).toBe("storage.type.module.flowc");
    expect(scopeOf("Velocity")).toBe("entity.name.type.module.flowc");
    expect(scopeOf("energy")).toBe("entity.name.function.flowc");
    expect(scopeOf("euler")).toBe("entity.name.function.flowc");
    expect(scopeOf("moons", 14)).toBe("entity.name.variable.data.flowc");
    expect(scopeOf("custom_vjp")).toBe("entity.name.function.attribute.flowc");
  });

  it("tensor types and their dimensions", () => {
    expect(scopeOf("f32", 6)).toBe("storage.type.dtype.flowc");
    expect(scopeOf("d", 6)).toBe("variable.other.dimension.flowc");
    expect(scopeOf("1", 6)).toBe("constant.numeric.integer.flowc");
    expect(scopeOf("...", 8)).toBe("keyword.operator.ellipsis.flowc");
    expect(scopeOf("B", 8)).toBe("variable.other.dimension.flowc");
    expect(scopeOf("N", 13)).toBe("variable.other.dimension.flowc");
    expect(scopeOf("int")).toBe("support.type.primitive.flowc");
  });

  it("literals", () => {
    expect(scopeOf("256")).toBe("constant.numeric.integer.flowc");
    expect(scopeOf("0.02")).toBe("constant.numeric.float.flowc");
    expect(scopeOf("1e-3")).toBe("constant.numeric.float.flowc");
    expect(scopeOf("5_000")).toBe("constant.numeric.integer.flowc");
    expect(scopeOf("pre")).toBe("string.quoted.double.flowc");
    expect(scopeOf("true")).toBe("constant.language.boolean.flowc");
    expect(scopeOf("None")).toBe("constant.language.none.flowc");
  });

  it("comments", () => {
    expect(scopeOf(" a line comment")).toBe("comment.line.double-slash.flowc");
    expect(scopeOf("   comment ")).toBe("comment.block.flowc");
  });

  it("operators", () => {
    expect(scopeOf("~")).toBe("keyword.operator.random.flowc");
    expect(scopeOf("^")).toBe("keyword.operator.arithmetic.flowc");
    expect(scopeOf("@", 9)).toBe("keyword.operator.arithmetic.flowc");
    expect(scopeOf("->")).toBe("keyword.operator.arrow.flowc");
    expect(scopeOf("|")).toBe("keyword.operator.union.flowc");
    expect(scopeOf("=", 5)).toBe("keyword.operator.assignment.flowc");
  });
});
