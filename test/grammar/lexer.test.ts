import { tokenMatcher } from "chevrotain";
import { describe, expect, it } from "vitest";
import { lex, stringValue } from "../../grammar/lexer.js";
import * as T from "../../grammar/tokens.js";

const kinds = (text: string) => lex(text).tokens.map((t) => t.tokenType.name);
const images = (text: string) => lex(text).tokens.map((t) => t.image);

describe("lexer", () => {
  it("splits a declaration into tokens, skipping whitespace", () => {
    expect(kinds("let x: f32[B, d] = 1.5")).toEqual(["Let", "Ident", "Colon", "Ident", "LBracket", "Ident", "Comma", "Ident", "RBracket", "Equals", "NumberLit"]);
  });

  it("prefers the longest operator", () => {
    expect(images("... -> => == != <= >= < > = ~ : , . ; |")).toEqual(["...", "->", "=>", "==", "!=", "<=", ">=", "<", ">", "=", "~", ":", ",", ".", ";", "|"]);
    expect(kinds("a->b")).toEqual(["Ident", "Arrow", "Ident"]);
    expect(kinds("x[...,0]")).toEqual(["Ident", "LBracket", "Ellipsis", "Comma", "NumberLit", "RBracket"]);
  });

  it("tells keywords from identifiers that start with one", () => {
    expect(kinds("let letter model model_ modeling if iff in inner")).toEqual(["Let", "Ident", "Model", "Ident", "Ident", "If", "Ident", "In", "Ident"]);
    // `assert` starts with the keyword `as`: each is lexed whole.
    expect(kinds("as assert asserts assertion as_")).toEqual(["As", "Assert", "Ident", "Ident", "Ident"]);
  });

  it("lexes every keyword", () => {
    const words = "use as let fn module model param state loss data train on sampler expect if else for in set assert true false and or not";
    const tokens = lex(words).tokens;
    expect(tokens).toHaveLength(words.split(" ").length);
    for (const t of tokens) expect(tokenMatcher(t, T.Keyword) || tokenMatcher(t, T.In)).toBe(true);
  });

  it("treats `in` as a soft keyword that is also a name", () => {
    const [t] = lex("in").tokens;
    expect(tokenMatcher(t!, T.In)).toBe(true);
    expect(tokenMatcher(t!, T.Ident)).toBe(true);
    expect(tokenMatcher(t!, T.Keyword)).toBe(false);
  });

  it.each(["123", "0", "10_000", "1.5", "1e-3", "2.5E+4", "1_000.000_1", "3e10"])("accepts the number %s as one token", (n) => {
    const { tokens, problem } = lex(n);
    expect(problem).toBeUndefined();
    expect(tokens.map((t) => [t.tokenType.name, t.image])).toEqual([["NumberLit", n]]);
  });

  it.each(["1e", "1.2.3", "2x", "1_", "1__0", "0x1F", "1e+", "3.5f"])("rejects the number-like run %s as one bad number", (n) => {
    const { tokens, problem } = lex(n);
    expect(tokens.map((t) => t.tokenType.name)).toContain("BadNumber");
    expect(problem).toMatchObject({ kind: "invalidToken", offset: 0 });
  });

  it("does not swallow a member access or a slice into a number", () => {
    expect(images("x[1:-1:2]")).toEqual(["x", "[", "1", ":", "-", "1", ":", "2", "]"]);
    expect(images("1.e")).toEqual(["1", ".", "e"]);
  });

  it("lexes strings with escapes and computes their values", () => {
    const [t] = lex(String.raw`"a \"quoted\" \\ line\nnext"`).tokens;
    expect(t!.tokenType).toBe(T.StringLit);
    expect(stringValue(t!.image)).toBe('a "quoted" \\ line\nnext');
  });

  it("keeps comments, in order, out of the token stream", () => {
    const { tokens, comments } = lex("// one\nlet a = 1 /* two\n spans lines */ // three\n");
    expect(tokens.map((t) => t.image)).toEqual(["let", "a", "=", "1"]);
    expect(comments.map((c) => c.image)).toEqual(["// one", "/* two\n spans lines */", "// three"]);
    expect(comments.map((c) => [c.startLine, c.startColumn])).toEqual([
      [1, 1],
      [2, 11],
      [3, 17],
    ]);
  });

  it("tracks lines with `\\n` only, like LineIndex", () => {
    const tokens = lex("a\r\nb\rc").tokens;
    expect(tokens.map((t) => [t.image, t.startLine])).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 2],
    ]);
  });

  describe("problems", () => {
    it.each([
      ["let a = $", "badChar", 8],
      ['let s = "abc', "invalidToken", 8],
      ["/* open", "invalidToken", 0],
      ["x ** 2", "invalidToken", 2],
      ["a && b", "invalidToken", 2],
      ["a || b", "invalidToken", 2],
      ["!a", "invalidToken", 0],
      ["x += 1", "invalidToken", 2],
      ["'pre'", "invalidToken", 0],
      ['"a\\qb"', "badEscape", 2],
      ["let a\0", "badChar", 5],
      ["// \uFFFD in a comment", "encoding", 3],
    ] as const)("%j has a %s problem at offset %i", (text, kind, offset) => {
      expect(lex(text).problem).toMatchObject({ kind, offset });
    });

    it("reports the earliest of several problems", () => {
      expect(lex("a ** b $ 1e").problem).toMatchObject({ kind: "invalidToken", offset: 2 });
      expect(lex("$ a ** b").problem).toMatchObject({ kind: "badChar", offset: 0 });
    });

    it("has no problem on valid text", () => {
      expect(lex("let a = b != c and not d // ok\n").problem).toBeUndefined();
    });
  });
});
