// Every hand-written syntax error: its code, message, help and where its caret points, checked on
// the rendered text (what a user sees).

import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { FILE, parseError, renderError } from "./helpers.js";

interface Case {
  readonly source: string;
  readonly code: string;
  readonly message: string;
  /** `line:column` of the caret. */
  readonly at: string;
  readonly help?: string;
  /** Text that must appear in a note. `help` and `note` are only checked when given. */
  readonly note?: string;
}

function check(c: Case): void {
  const rendered = renderError(c.source);
  expect(rendered).toContain(`error[${c.code}]: ${c.message}\n`);
  expect(rendered).toContain(` --> ${FILE}:${c.at}\n`);
  if (c.help) expect(rendered).toContain(`  = help: ${c.help}`);
  if (c.note) expect(rendered).toMatch(new RegExp(`note: ${c.note.replace(/[.*+?^${}()|[\]\\`]/g, "\\$&")}`));
  // No chevrotain wording leaks into messages.
  expect(rendered).not.toMatch(/Expecting|but found|--> \[/);
}

const lexical: Record<string, Case> = {
  "`**`": { source: "let y = x ** 2", code: "E0101", message: "`**` is not an operator in .flow", at: "1:11", help: "write powers with `^`, e.g. `x^2`" },
  "`&&`": { source: "let y = a && b", code: "E0101", message: "`&&` is not an operator in .flow", at: "1:11", help: "write `a and b`" },
  "`||`": { source: "let y = a || b", code: "E0101", message: "`||` is not an operator in .flow", at: "1:11", help: "write `a or b`" },
  "`!`": { source: "let y = !a", code: "E0101", message: "`!` is not an operator in .flow", at: "1:9", help: "write `not x` (and `a != b` for not-equal)" },
  "`===`": { source: "let y = a === b", code: "E0101", message: "`===` is not an operator in .flow", at: "1:11", help: "compare with `==`" },
  "`+=`": {
    source: "let y = x += 1",
    code: "E0101",
    message: "`+=` is not an operator in .flow",
    at: "1:11",
    help: "values cannot be updated in place: bind a new name (`let y = x + 1`), or update module state with `set x = x + 1`",
  },
  "unterminated string": {
    source: 'expect "never closed { seed: 0 }',
    code: "E0103",
    message: "unterminated string",
    at: "1:8",
    help: 'close the string with `"` on the same line; write a line break inside a string as `\\n`',
  },
  "unterminated block comment": {
    source: "let a = 1\n/* the velocity\nfn f(x) = x",
    code: "E0102",
    message: "unterminated block comment",
    at: "2:1",
    help: "close the comment with `*/` (block comments do not nest)",
  },
  "`$`": { source: "let width = $256", code: "E0100", message: "unexpected character `$`", at: "1:13", help: "names are made of ASCII letters, digits and `_`" },
  "`#`": { source: "# comment", code: "E0100", message: "unexpected character `#`", at: "1:1", help: "comments start with `//` (or are enclosed in `/* ... */`)" },
  backtick: {
    source: "let a = `b`",
    code: "E0100",
    message: "unexpected character `` ` ``",
    at: "1:9",
    help: "backticks have no meaning in .flow; strings are written in double quotes",
  },
  "single quotes": { source: "let a = 'pre'", code: "E0100", message: "unexpected character `'`", at: "1:9", help: 'strings are written in double quotes, e.g. "pre"' },
  "non-ASCII letter": { source: "let α = 1", code: "E0100", message: "unexpected character `α`", at: "1:5", help: "names use ASCII letters, digits and `_` only" },
  "NUL byte": { source: "let a = 1\0", code: "E0100", message: "unexpected NUL byte", at: "1:10", help: "the file looks binary; .flow files are UTF-8 text" },
  "invalid UTF-8": {
    source: "// caf\uFFFD\nlet a = 1",
    code: "E0111",
    message: "file is not valid UTF-8 text",
    at: "1:7",
    help: "this character stands for bytes that are not valid UTF-8; re-save the file with UTF-8 encoding",
  },
  "exponent without digits": { source: "let lr = 1e", code: "E0106", message: "invalid number literal `1e`", at: "1:10", help: "an exponent needs digits, e.g. `1e-3` or `2.5E+4`" },
  "two dots": { source: "let v = 1.2.3", code: "E0106", message: "invalid number literal `1.2.3`", at: "1:9", help: "a number has at most one `.`" },
  "number glued to a name": {
    source: "let v = 2x",
    code: "E0106",
    message: "invalid number literal `2x`",
    at: "1:9",
    help: "a number cannot be followed directly by a name; to multiply, write `2 * x`",
  },
  "misplaced underscore": { source: "let v = 1_", code: "E0106", message: "invalid number literal `1_`", at: "1:9", help: "`_` may only separate digits, e.g. `10_000`" },
  hexadecimal: {
    source: "let v = 0xFF",
    code: "E0106",
    message: "invalid number literal `0xFF`",
    at: "1:9",
    help: "hexadecimal, octal and binary literals are not supported; write the decimal value",
  },
  "unknown escape": {
    source: 'let s = "a\\qb"',
    code: "E0114",
    message: "unknown escape sequence `\\q` in string",
    at: "1:11",
    help: 'the escapes are `\\"`, `\\\\`, `\\n` and `\\t`; write a literal backslash as `\\\\`',
  },
};

const delimiters: Record<string, Case> = {
  "unclosed `(` at end of file": {
    source: "fn f(x) = exp(x * (1.0 + x)",
    code: "E0104",
    message: "unclosed `(`: the file ends before its `)`",
    at: "1:28",
    help: "add the missing `)`",
    note: "the `(` opened here",
  },
  "unclosed `{` at end of file": {
    source: "module Foo(d: int) {\n  param w: f32[d] = 0.0\n\n",
    code: "E0104",
    message: "unclosed `{`: the file ends before its `}`",
    at: "2:24",
    help: "add the missing `}`",
  },
  "unclosed `[` at end of file": { source: "let a = [1, 2", code: "E0104", message: "unclosed `[`: the file ends before its `]`", at: "1:14", help: "add the missing `]`" },
  "mismatched closer": {
    source: "let a = f(x]",
    code: "E0104",
    message: "mismatched `]`: the innermost open bracket is a `(`",
    at: "1:12",
    help: "close the `(` with `)` first",
    note: "this `(` is still open",
  },
  "stray closer": { source: "let a = 1\n}", code: "E0101", message: "unmatched `}`: there is no open bracket to close", at: "2:1", help: "remove it, or look for a missing opening bracket before it" },
  "missing `}` before the next declaration": {
    source: "fn f(x) {\n  x + 1\n\nfn g(y) = y",
    code: "E0101",
    message: "expected `}`, found keyword `fn`",
    at: "4:1",
    help: "add the missing `}` before this line",
    note: "to close this `{`",
  },
};

const grammar: Record<string, Case> = {
  "`=` in an expression": {
    source: "fn f(x: f32[B]) -> bool[B] = x = 0.0",
    code: "E0108",
    message: "`=` cannot be used inside an expression",
    at: "1:32",
    help: "use `==` to compare, or `let name = value` to bind (`set name = value` updates module state)",
  },
  "`=` as a condition": { source: "let y = if a = b { 1 } else { 2 }", code: "E0108", message: "`=` cannot be used inside an expression", at: "1:14" },
  "`=` as a statement in a block": { source: "fn f() {\n  x = 2\n  x\n}", code: "E0108", message: "`=` cannot be used inside an expression", at: "2:5" },
  "`=` for a named argument": {
    source: "let a = sum(x, axis = -1)",
    code: "E0108",
    message: "named arguments are written `name: value`, not `name = value`",
    at: "1:21",
    help: "replace `=` with `:`, e.g. `sum(x, axis: -1)`",
  },
  "`=` in a config block": {
    source: "train rf on moons { batch = 256 }",
    code: "E0108",
    message: "configuration entries are written `key: value`, not `key = value`",
    at: "1:27",
    help: "replace `=` with `:`, e.g. `{ batch: 256, steps: 5_000 }`",
  },
  "top-level binding without let": { source: "width = 3", code: "E0108", message: "`width = ...` at the top level needs `let`", at: "1:1", help: "bind a constant with `let width = ...`" },
  "block without a final expression": {
    source: "fn f(x: f32[B]) -> f32[B] {\n  let y = x * 2.0\n}",
    code: "E0110",
    message: "block must end with an expression: this block has no value",
    at: "3:1",
    help: "a block's value is its last expression; add it before `}`, e.g. `{ let a = 1; a * 2 }`",
    note: "the block starts here",
  },
  "one-line block without a final expression": { source: "let g = { let a = 1 }", code: "E0110", message: "block must end with an expression: this block has no value", at: "1:21" },
  "empty block": { source: "let g = {}", code: "E0110", message: "empty block `{}` has no value", at: "1:10" },
  "keyword as a let name": { source: "let model = 1", code: "E0109", message: "`model` is a reserved word and cannot be used as a name", at: "1:5", help: "choose another name, e.g. `model_` or `my_model`" },
  "keyword as a function name": { source: "fn data(x) = x", code: "E0109", message: "`data` is a reserved word and cannot be used as a name", at: "1:4" },
  "keyword as a parameter name": { source: "fn f(loss: int) = 1", code: "E0109", message: "`loss` is a reserved word and cannot be used as a name", at: "1:6" },
  "keyword used as a value": { source: "let a = 1 + model", code: "E0109", message: "`model` is a reserved word and cannot be used as a name", at: "1:13" },
  "param at top level": {
    source: "param w: f32[4] = 0.0",
    code: "E0107",
    message: "`param` declarations belong inside a `module` or `model`",
    at: "1:1",
    help: "move it into the body of `module Name(...) { ... }` or `model name(...) { ... }`",
  },
  "state at top level": { source: "let a = 1\nstate s: f32 = 0", code: "E0107", message: "`state` declarations belong inside a `module` or `model`", at: "2:1" },
  "loss at top level": { source: "loss (x) { x }", code: "E0107", message: "`loss` declarations belong inside a `model`", at: "1:1", help: "move it into the body of `model name(...) { ... }`" },
  "draw at top level": { source: "x ~ normal([3])", code: "E0107", message: "random draws (`x ~ ...`) belong inside a function, `loss` or `sampler` body", at: "1:1" },
  "assert at top level": {
    source: "let d = 4\nassert d > 0",
    code: "E0107",
    message: "`assert` belongs in a module or model body, or in a function, `loss` or `sampler` body",
    at: "2:1",
    help: "put it beside the values it checks, e.g. in the body of the module whose hyper-parameters it reads",
  },
  "assert without a comma before its message": {
    source: 'module M(d: int) {\n  assert d > 0 "d must be positive"\n}',
    code: "E0101",
    message: "expected `,` between the condition of `assert` and its message",
    at: "2:16",
    help: 'write `assert cond, "message"`, e.g. `assert d % heads == 0, "d must be a multiple of heads"`',
  },
  "assert without a comma in a block": {
    source: 'fn f(x) {\n  assert x.rank == 2 "a matrix"; x\n}',
    code: "E0101",
    message: "expected `,` between the condition of `assert` and its message",
    at: "2:22",
  },
  "assert with a message that is not a string": {
    source: "module M(d: int) {\n  assert d > 0, d\n}",
    code: "E0101",
    message: "the message of `assert` must be a string in double quotes, found `d`",
    at: "2:17",
  },
  "assert without a condition": { source: "module M(d: int) {\n  assert\n}", code: "E0105", message: "expected an expression after `assert`, found `}`", at: "3:1" },
  "set in a module body": { source: "module M {\n  set n = 1\n}", code: "E0107", message: "`set` statements belong inside a function, `loss` or `sampler` body", at: "2:3" },
  "train inside a module": {
    source: "module M {\n  train m on d {}\n}",
    code: "E0107",
    message: "`train` declarations belong at the top level of the file, not inside a module",
    at: "2:3",
    help: "move it after the closing `}` of the module",
  },
  "param inside a function body": {
    source: "module M {\n  fn f(x) {\n    param w: f32 = 1\n    x\n  }\n}",
    code: "E0107",
    message: "`param` cannot appear inside a block",
    at: "3:5",
    help: "declare it directly in the module body, outside any function",
  },
  "missing comma between arguments": {
    source: "let a = f(a b)",
    code: "E0101",
    message: "expected `,` between arguments, found `b`",
    at: "1:13",
    help: "separate arguments with commas, e.g. `f(a, b)`",
  },
  "missing comma between dimensions": {
    source: "fn f(x: f32[B d]) = x",
    code: "E0101",
    message: "expected `,` between dimensions, found `d`",
    at: "1:15",
    help: "separate dimensions with commas, e.g. `f32[B, d]`",
  },
  "missing comma between list elements": { source: "let a = [1 2]", code: "E0101", message: "expected `,` between list elements, found number `2`", at: "1:12" },
  "missing comma between parameters": { source: "fn f(a b) = a", code: "E0101", message: "expected `,` between parameters, found `b`", at: "1:8" },
  "missing comma between indices": { source: "let a = x[1 2]", code: "E0101", message: "expected `,` between indices, found number `2`", at: "1:13" },
  "missing comma between tuple elements": { source: "let a = (b c)", code: "E0101", message: "expected `,` between tuple elements, found `c`", at: "1:12" },
  "doubled comma": {
    source: "let a = f(a,, b)",
    code: "E0105",
    message: "expected an expression before this `,`, found nothing after `,`",
    at: "1:13",
    help: "remove the extra comma, or write the missing element",
  },
  "chained comparison": {
    source: "fn f(x: f32[B]) -> bool[B] = 0.0 < x < 1.0",
    code: "E0101",
    message: "comparison operators cannot be chained: `<` followed by `<`",
    at: "1:38",
    help: "compare two values at a time and combine the results, e.g. `a < b and b < c`",
    note: "the first comparison is here",
  },
  "`not` after a comparison": {
    source: "let a = b == not c",
    code: "E0101",
    message: "`not` cannot appear directly after `==`: it binds more loosely than `==`",
    at: "1:14",
    help: "put the negated expression in parentheses, e.g. `a == (not b)`",
  },
  "missing expression": { source: "fn f(x) = x +", code: "E0105", message: "expected an expression after `+`, found end of file", at: "1:14" },
  "missing expression before `)`": { source: "let a = f(1 + )", code: "E0105", message: "expected an expression after `+`, found `)`", at: "1:15" },
  "if expression without else": {
    source: "let a = if x { 1 }\nlet b = 2",
    code: "E0101",
    message: "expected `else`, found keyword `let`: an `if` expression needs an `else` branch",
    at: "2:1",
    help: "add `else { ... }`: an `if` used as a value must produce one whichever way the condition goes",
  },
  "python-style if": { source: "let a = if x: 1", code: "E0101", message: "an `if` condition is followed by a block in braces, not `:`", at: "1:13", help: "write `if cond { ... } else { ... }`" },
  "`=>` in a named function": {
    source: "fn f(x) => x",
    code: "E0101",
    message: "a named function's body follows `=`, not `=>`",
    at: "1:9",
    help: "write `fn name(x) = expr`; `=>` is only for anonymous functions, `fn (x) => expr`",
  },
  "`=` in an anonymous function": {
    source: "let g = fn (x) = x",
    code: "E0101",
    message: "expected `=>` after the parameters of an anonymous function, found `=`",
    at: "1:16",
    help: "write an anonymous function as `fn (x) => expr` (it has no return type and no `=`)",
  },
  "param without a type": {
    source: "model m {\n  param w = 1\n}",
    code: "E0101",
    message: "expected `:` and a type after the name, found `=`",
    at: "2:11",
    help: "parameters and state need a type, e.g. `param w: f32[in, out] ~ normal(0, 0.02)`",
  },
  "dimensions on a non-tensor type": {
    source: "let x: int[3] = 1",
    code: "E0101",
    message: "`int` cannot have dimensions",
    at: "1:8",
    help: "tensor types are written `f32[...]`, `i32[...]` or `bool[...]`, e.g. `f32[B, d]`",
  },
  "fractional dimension": { source: "fn f(x: f32[1.5]) = x", code: "E0106", message: "`1.5` is not a valid dimension size", at: "1:13" },
  "generic fallback at top level": {
    source: "let a = 1 else 2",
    code: "E0101",
    message: "expected a declaration (`use`, `let`, `fn`, `module`, `model`, `data`, `train`, `sampler` or `expect`), found keyword `else`",
    at: "1:11",
  },
  "generic fallback: a name expected": { source: "let", code: "E0101", message: "expected a name, found end of file", at: "1:4" },
  "generic fallback: `=` expected": { source: "let a 1", code: "E0101", message: "expected `=`, found number `1`", at: "1:7" },
};

const imports: Record<string, Case> = {
  "path outside std": {
    source: "use nn.MLP",
    code: "E0112",
    message: "`use nn.MLP` does not name a standard library module or a file",
    at: "1:5",
    help: 'standard library paths start with `std.` (e.g. `use std.nn.MLP`); your own files are imported by path in quotes, e.g. `use "./blocks.flow"`',
  },
  "too many components": {
    source: "use std.nn.layers.MLP",
    code: "E0112",
    message: "this `use` path has too many components",
    at: "1:5",
    help: "write `use std.<module>` for the whole module, `use std.<module>.<Name>` for one name, or `use std.<module>.{A, B}`",
  },
  "too many components before braces": { source: "use std.nn.x.{A}", code: "E0112", message: "this `use` path has too many components", at: "1:5" },
  "bare std": { source: "use std", code: "E0112", message: "`use std` must name a module of the standard library", at: "1:5" },
  "renamed import list": { source: "use std.nn.{A} as n", code: "E0112", message: "an import list cannot be renamed as a whole", at: "1:19" },
};

const foreign: Record<string, Case> = {
  def: {
    source: "def f(x):\n  return x",
    code: "E0101",
    message: "`def` is not a keyword in .flow",
    at: "1:1",
    help: "declare functions with `fn name(x) = expr` or `fn name(x) { ...; result }`",
  },
  function: { source: "function f(x) { x }", code: "E0101", message: "`function` is not a keyword in .flow", at: "1:1" },
  return: {
    source: "fn f(x: f32[B]) -> f32[B] {\n  return x\n}",
    code: "E0101",
    message: "`return` is not a keyword in .flow",
    at: "2:3",
    help: "a block's value is its last expression: write the value itself as the last line, without `return`",
  },
  "return on one line": { source: "fn f(x) { return x }", code: "E0101", message: "`return` is not a keyword in .flow", at: "1:11" },
  lambda: { source: "let f = lambda x: x + 1", code: "E0101", message: "`lambda` is not a keyword in .flow", at: "1:9", help: "write an anonymous function as `fn (x) => expr`" },
  class: { source: "class Block:\n  pass", code: "E0101", message: "`class` is not a keyword in .flow", at: "1:1", help: "declare a reusable layer with `module Name(params) { ... }`" },
  import: {
    source: "import numpy as np",
    code: "E0101",
    message: "`import` is not a keyword in .flow",
    at: "1:1",
    help: 'import with `use`: `use std.nn.MLP`, `use std.nn.{MLP, Linear as Lin}` or `use "./file.flow"`',
  },
  from: { source: "from std.nn import MLP", code: "E0101", message: "`from` is not a keyword in .flow", at: "1:1" },
  "def inside a module": { source: "module M {\n  def forward(x):\n}", code: "E0101", message: "`def` is not a keyword in .flow", at: "2:3" },
  elif: { source: "let a = if x { 1 } elif y { 2 } else { 3 }", code: "E0101", message: "`elif` is not a keyword in .flow", at: "1:20", help: "write `else if`" },
};

describe("syntax errors", () => {
  for (const [group, cases] of Object.entries({ lexical, delimiters, grammar, imports, foreign })) {
    describe(group, () => {
      for (const [name, c] of Object.entries(cases)) it(name, () => check(c));
    });
  }

  it("renders a complete diagnostic with a note at the opening delimiter", () => {
    expect(renderError("let y = f(a,\n  g(b)\n")).toBe(
      [
        "error[E0104]: unclosed `(`: the file ends before its `)`",
        " --> t.flow:2:7",
        "  |",
        "2 |   g(b)",
        "  |       ^",
        "note: the `(` opened here",
        " --> t.flow:1:10",
        "  |",
        "1 | let y = f(a,",
        "  |          -",
        "  = help: add the missing `)`",
      ].join("\n"),
    );
  });

  it("reports only the first error", () => {
    const result = parse("let a = $\nlet b = ) ** 2\nparam w: f32 = 0", FILE);
    expect(result.program).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]!.code).toBe("E0100");
  });

  it("orders a parse error before a later lexical problem, and vice versa", () => {
    expect(parseError("let a = )\nlet b = $").code).toBe("E0101");
    expect(parseError("let a = $\nlet b = )").code).toBe("E0100");
    expect(parseError("let a = f(\nlet b = 1 ** 2").message).toBe("expected an expression after `(`, found keyword `let`");
    expect(parseError("use nn.X\nlet b = 2 ** 2").code).toBe("E0112");
    expect(parseError("let b = $\nuse nn.X").code).toBe("E0100");
  });

  it("gives spans that agree with the file and line/column", () => {
    const text = "let a = 1\n\nlet b = [1, 2\n";
    const d = parseError(text);
    expect(d.span.file).toBe(FILE);
    expect(text.slice(0, d.span.start).split("\n").length).toBe(d.span.line);
  });
});
