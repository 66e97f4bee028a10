// Hand-written diagnostics for syntax errors. Each says what is wrong and, as `help`, what to write
// instead. Parser errors are classified by a list of recognizers, tried in order; the first that
// matches wins, and the last one is a generic "expected X, found Y" that never uses chevrotain's
// own wording.

import { tokenMatcher, type IRecognitionException, type IToken, type TokenType } from "chevrotain";
import { diagnostic, type Diagnostic, type RelatedNote } from "../compiler/diagnostics/index.js";
import type { Span } from "../compiler/source.js";
import type { SpanMaker } from "./cst.js";
import type { LexProblem } from "./lexer.js";
import type { ExpectedInfo } from "./parser.js";
import * as T from "./tokens.js";
import { describeExpected, describeToken, isEof, startsExpression, tokenTypeNamed } from "./token-text.js";

// ================================================================= lexical problems

export function lexProblemDiagnostic(problem: LexProblem, spans: SpanMaker): Diagnostic {
  switch (problem.kind) {
    case "encoding":
      return diagnostic("E0111", spans.range(problem.offset, problem.offset + 1), "file is not valid UTF-8 text", {
        help: "this character stands for bytes that are not valid UTF-8; re-save the file with UTF-8 encoding",
      });
    case "badChar":
      return unexpectedCharacter(problem.offset, spans);
    case "badEscape": {
      const text = spans.text.slice(problem.offset, problem.offset + problem.length);
      return diagnostic("E0114", spans.range(problem.offset, problem.offset + problem.length), `unknown escape sequence \`${text}\` in string`, {
        help: 'the escapes are `\\"`, `\\\\`, `\\n` and `\\t`; write a literal backslash as `\\\\`',
      });
    }
    case "invalidToken":
      return invalidToken(problem.token, spans);
  }
}

const CHARACTER_HELP: Record<string, string> = {
  "#": "comments start with `//` (or are enclosed in `/* ... */`)",
  $: "names are made of ASCII letters, digits and `_`",
  "`": "backticks have no meaning in .flow; strings are written in double quotes",
  "&": "write `and` for a logical and",
  "?": "write a conditional as `if c { a } else { b }`",
  "\\": "a backslash may only appear inside a string, as an escape like `\\n`",
  "\0": "the file looks binary; .flow files are UTF-8 text",
};

function unexpectedCharacter(offset: number, spans: SpanMaker): Diagnostic {
  const code = spans.text.codePointAt(offset) ?? 0;
  const char = String.fromCodePoint(code);
  const span = spans.range(offset, offset + char.length);
  const printable = /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char);
  const shown = char === "`" ? "`` ` ``" : printable ? `\`${char}\`` : `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  const message = code === 0 ? "unexpected NUL byte" : `unexpected character ${shown}`;
  let help = CHARACTER_HELP[char];
  if (!help && /\p{L}/u.test(char)) help = "names use ASCII letters, digits and `_` only";
  if (!help && /\s/u.test(char)) help = "this is an unusual space character; replace it with an ordinary space";
  return diagnostic("E0100", span, message, { help: help ?? "remove this character" });
}

const FOREIGN_OPERATOR_HELP: Record<string, { message: string; help: string }> = {
  "**": { message: "`**` is not an operator in .flow", help: "write powers with `^`, e.g. `x^2`" },
  "&&": { message: "`&&` is not an operator in .flow", help: "write `a and b`" },
  "||": { message: "`||` is not an operator in .flow", help: "write `a or b`" },
  "!": { message: "`!` is not an operator in .flow", help: "write `not x` (and `a != b` for not-equal)" },
  "===": { message: "`===` is not an operator in .flow", help: "compare with `==`" },
  "!==": { message: "`!==` is not an operator in .flow", help: "compare with `!=`" },
  ":=": { message: "`:=` is not an operator in .flow", help: "bind a name with `let name = value`" },
};

function invalidToken(t: IToken, spans: SpanMaker): Diagnostic {
  const span = spans.token(t);
  if (tokenMatcher(t, T.BadNumber)) return badNumber(t.image, span);
  if (tokenMatcher(t, T.UnterminatedString)) {
    return diagnostic("E0103", span, "unterminated string", {
      help: 'close the string with `"` on the same line; write a line break inside a string as `\\n`',
    });
  }
  if (tokenMatcher(t, T.SingleQuotedString)) {
    return diagnostic("E0100", spans.range(t.startOffset, t.startOffset + 1), "unexpected character `'`", {
      help: `strings are written in double quotes, e.g. "${t.image.replace(/'/g, "")}"`,
    });
  }
  if (tokenMatcher(t, T.UnterminatedComment)) {
    return diagnostic("E0102", spans.range(t.startOffset, t.startOffset + 2), "unterminated block comment", {
      help: "close the comment with `*/` (block comments do not nest)",
    });
  }
  if (tokenMatcher(t, T.CompoundAssign)) {
    return diagnostic("E0101", span, `\`${t.image}\` is not an operator in .flow`, {
      help: `values cannot be updated in place: bind a new name (\`let y = x ${t.image[0]} 1\`), or update module state with \`set x = x ${t.image[0]} 1\``,
    });
  }
  const known = FOREIGN_OPERATOR_HELP[t.image];
  if (known) return diagnostic("E0101", span, known.message, { help: known.help });
  return diagnostic("E0101", span, `unexpected ${describeToken(t)}`);
}

function badNumber(text: string, span: Span): Diagnostic {
  const message = `invalid number literal \`${text}\``;
  let help = "numbers are written like `42`, `10_000`, `1.5` or `2.5e-3`";
  if (/^0[xXbBoO]/.test(text)) help = "hexadecimal, octal and binary literals are not supported; write the decimal value";
  else if (/^[\d_.]+[eE][+-]?$/.test(text)) help = "an exponent needs digits, e.g. `1e-3` or `2.5E+4`";
  else if ((text.match(/\./g) ?? []).length > 1) help = "a number has at most one `.`";
  else if (/_(?!\d)|(?<!\d)_/.test(text) && /^[\d_.eE+-]+$/.test(text)) help = "`_` may only separate digits, e.g. `10_000`";
  else if (/^\d+(?:\.\d+)?[A-Za-z_]/.test(text)) {
    const [, digits, name] = /^([\d.]+)(.*)$/.exec(text)!;
    help = `a number cannot be followed directly by a name; to multiply, write \`${digits} * ${name}\``;
  }
  return diagnostic("E0106", span, message, { help });
}

export function nestingTooDeep(span: Span): Diagnostic {
  return diagnostic("E0113", span, "nesting too deep: this is nested more deeply than flowc accepts", {
    help: "split deeply nested or very long expressions into smaller `let` bindings",
  });
}

// ================================================================= parser errors

interface Situation {
  readonly kind: ExpectedInfo["kind"];
  /** The token where parsing failed (EOF at the end). */
  readonly found: IToken;
  readonly foundSpan: Span;
  readonly previous: IToken | undefined;
  readonly next: IToken | undefined;
  readonly expected: readonly TokenType[];
  /** Rule names from the outermost (`program`) to the one that failed. */
  readonly rules: readonly string[];
  /** The tokens before `found`, for bracket matching. */
  readonly before: readonly IToken[];
  readonly spans: SpanMaker;
}

type Recognizer = (s: Situation) => Diagnostic | undefined;

export function parseErrorDiagnostic(error: IRecognitionException, tokens: readonly IToken[], spans: SpanMaker): Diagnostic {
  const info = decodeInfo(error.message);
  const found = error.token;
  const index = isEof(found) ? tokens.length : tokens.findIndex((t) => t.startOffset === found.startOffset);
  const before = tokens.slice(0, Math.max(0, index));
  const rules = error.context?.ruleStack ?? [];
  const situation: Situation = {
    kind: info.kind,
    found,
    foundSpan: isEof(found) ? spans.endOfFile() : spans.token(found),
    previous: before.at(-1),
    next: tokens[index + 1],
    expected: info.expected.map(tokenTypeNamed).filter((t): t is TokenType => t !== undefined),
    rules: info.kind === "notAllInput" ? ["program"] : rules,
    before,
    spans,
  };
  for (const recognize of RECOGNIZERS) {
    const d = recognize(situation);
    if (d) return d;
  }
  return genericError(situation);
}

function decodeInfo(message: string): ExpectedInfo {
  try {
    return JSON.parse(message) as ExpectedInfo;
  } catch {
    return { kind: "mismatch", expected: [], ruleName: "" };
  }
}

// ----------------------------------------------------------------- helpers

const innermostRule = (s: Situation) => s.rules.at(-1) ?? "program";
const is = (t: IToken | undefined, type: TokenType) => t !== undefined && !isEof(t) && tokenMatcher(t, type);
const expects = (s: Situation, type: TokenType) => s.expected.includes(type);
const expectsExpression = (s: Situation) => expects(s, T.NumberLit) && expects(s, T.LParen);
const startsNewLine = (t: IToken, previous: IToken | undefined) => previous === undefined || previous.endLine !== t.startLine;

/**
 * Where a new item or statement could have started at the failure point: at the top level, in a
 * module body, or in a block (as a statement or the result). Undefined when the parser was in the
 * middle of something else (a parameter list, an expression after an operator, ...).
 */
function atItemPosition(s: Situation): "program" | "moduleBody" | "block" | undefined {
  const rule = innermostRule(s);
  if (rule === "program") return "program";
  if (rule === "moduleBody" || rule === "moduleItem") return "moduleBody";
  const blockAt = s.rules.lastIndexOf("block");
  if (blockAt < 0) return undefined;
  const after = s.rules.slice(blockAt + 1).join(" ");
  return after === "" || after === "expression operand primary" ? "block" : undefined;
}

/** Opening brackets not closed before the failure point, innermost last. */
function openBrackets(before: readonly IToken[]): IToken[] {
  const stack: IToken[] = [];
  for (const t of before) {
    if (T.OPENERS.has(t.tokenType)) stack.push(t);
    else if (T.CLOSERS.has(t.tokenType) && stack.length > 0 && T.CLOSERS.get(t.tokenType) === stack.at(-1)!.tokenType) stack.pop();
  }
  return stack;
}

const closerText = (opener: IToken) => (T.OPENERS.get(opener.tokenType)!.LABEL ?? "").replace(/`/g, "");

// ----------------------------------------------------------------- recognizers

/** Keywords of other languages, used where a declaration or statement starts. */
const FOREIGN_WORDS: Record<string, string> = {
  def: "declare functions with `fn name(x) = expr` or `fn name(x) { ...; result }`",
  function: "declare functions with `fn name(x) = expr` or `fn name(x) { ...; result }`",
  return: "a block's value is its last expression: write the value itself as the last line, without `return`",
  lambda: "write an anonymous function as `fn (x) => expr`",
  class: "declare a reusable layer with `module Name(params) { ... }`",
  import: 'import with `use`: `use std.nn.MLP`, `use std.nn.{MLP, Linear as Lin}` or `use "./file.flow"`',
  from: 'import with `use`: `use std.nn.MLP`, `use std.nn.{MLP, Linear as Lin}` or `use "./file.flow"`',
  var: "bind names with `let name = value`",
  const: "bind names with `let name = value`",
  elif: "write `else if`",
};

const foreignWord: Recognizer = (s) => {
  const atStatementStart = (t: IToken, previous: IToken | undefined) =>
    startsNewLine(t, previous) || is(previous, T.LCurly) || is(previous, T.RCurly) || is(previous, T.Semicolon);
  let word: IToken | undefined;
  if (is(s.found, T.Ident) && FOREIGN_WORDS[s.found.image] && atStatementStart(s.found, s.previous)) word = s.found;
  else if (s.previous && is(s.previous, T.Ident) && FOREIGN_WORDS[s.previous.image] && !startsNewLine(s.found, s.previous)) {
    const beforePrevious = s.before.at(-2);
    if (s.previous.image === "lambda" || atStatementStart(s.previous, beforePrevious)) word = s.previous;
  }
  if (!word) return undefined;
  return diagnostic("E0101", s.spans.token(word), `\`${word.image}\` is not a keyword in .flow`, { help: FOREIGN_WORDS[word.image] });
};

const unclosedAtEndOfFile: Recognizer = (s) => {
  if (!isEof(s.found)) return undefined;
  const opener = openBrackets(s.before).at(-1);
  if (!opener) return undefined;
  const open = opener.image;
  const close = closerText(opener);
  return diagnostic("E0104", s.foundSpan, `unclosed \`${open}\`: the file ends before its \`${close}\``, {
    notes: [{ message: `the \`${open}\` opened here`, span: s.spans.token(opener) }],
    help: `add the missing \`${close}\``,
  });
};

const strayOrMismatchedCloser: Recognizer = (s) => {
  if (!T.CLOSERS.has(s.found.tokenType)) return undefined;
  const opener = openBrackets(s.before).at(-1);
  if (!opener) {
    return diagnostic("E0101", s.foundSpan, `unmatched \`${s.found.image}\`: there is no open bracket to close`, {
      help: "remove it, or look for a missing opening bracket before it",
    });
  }
  if (T.OPENERS.get(opener.tokenType) === s.found.tokenType) return undefined;
  const close = closerText(opener);
  return diagnostic("E0104", s.foundSpan, `mismatched \`${s.found.image}\`: the innermost open bracket is a \`${opener.image}\``, {
    notes: [{ message: `this \`${opener.image}\` is still open`, span: s.spans.token(opener) }],
    help: `close the \`${opener.image}\` with \`${close}\` first`,
  });
};

const equalsInExpression: Recognizer = (s) => {
  if (is(s.found, T.Equals)) {
    const rule = innermostRule(s);
    if (rule === "configEntry") {
      return diagnostic("E0108", s.foundSpan, "configuration entries are written `key: value`, not `key = value`", {
        help: "replace `=` with `:`, e.g. `{ batch: 256, steps: 5_000 }`",
      });
    }
    if (rule === "callArgs" || rule === "attribute") {
      return diagnostic("E0108", s.foundSpan, "named arguments are written `name: value`, not `name = value`", {
        help: "replace `=` with `:`, e.g. `sum(x, axis: -1)`",
      });
    }
    return diagnostic("E0108", s.foundSpan, "`=` cannot be used inside an expression", {
      help: "use `==` to compare, or `let name = value` to bind (`set name = value` updates module state)",
    });
  }
  // `x = 1` at the top level of a file: a binding without `let`.
  if (innermostRule(s) === "program" && is(s.found, T.Ident) && is(s.next, T.Equals)) {
    return diagnostic("E0108", s.foundSpan, `\`${s.found.image} = ...\` at the top level needs \`let\``, {
      help: `bind a constant with \`let ${s.found.image} = ...\``,
    });
  }
  return undefined;
};

const TOKENS_THAT_NEED_AN_OPERAND = [T.BinaryOp, T.PrefixOp, T.Equals, T.Tilde, T.Colon, T.Comma, T.Arrow, T.FatArrow, T.Dot];

const blockWithoutResult: Recognizer = (s) => {
  if (!is(s.found, T.RCurly)) return undefined;
  const blockAt = s.rules.lastIndexOf("block");
  if (blockAt < 0 || s.rules[blockAt + 1] !== "expression") return undefined;
  if (TOKENS_THAT_NEED_AN_OPERAND.some((t) => is(s.previous, t))) return undefined;
  const opener = openBrackets(s.before).at(-1);
  const empty = is(s.previous, T.LCurly);
  return diagnostic("E0110", s.foundSpan, empty ? "empty block `{}` has no value" : "block must end with an expression: this block has no value", {
    notes: opener ? [{ message: "the block starts here", span: s.spans.token(opener) }] : [],
    help: "a block's value is its last expression; add it before `}`, e.g. `{ let a = 1; a * 2 }`",
  });
};

const MODULE_ONLY: readonly TokenType[] = [T.Param, T.State, T.Loss];
const TOP_LEVEL_ONLY: readonly TokenType[] = [T.Use, T.Data, T.Train, T.Expect, T.Module, T.Model];

const misplacedDeclaration: Recognizer = (s) => {
  const where = atItemPosition(s);
  const found = s.found;
  const word = found.image;
  const isDraw = is(found, T.Ident) && is(s.next, T.Tilde);
  if (where === "program") {
    if (MODULE_ONLY.some((t) => is(found, t))) {
      const owner = is(found, T.Loss) ? "a `model`" : "a `module` or `model`";
      return diagnostic("E0107", s.foundSpan, `\`${word}\` declarations belong inside ${owner}`, {
        help: is(found, T.Loss) ? "move it into the body of `model name(...) { ... }`" : "move it into the body of `module Name(...) { ... }` or `model name(...) { ... }`",
      });
    }
    if (is(found, T.Set) || isDraw) return statementOutsideFunction(s, isDraw);
    if (is(found, T.Assert)) {
      return diagnostic("E0107", s.foundSpan, "`assert` belongs in a module or model body, or in a function, `loss` or `sampler` body", {
        help: "put it beside the values it checks, e.g. in the body of the module whose hyper-parameters it reads",
      });
    }
    return undefined;
  }
  if (where === "moduleBody") {
    if (TOP_LEVEL_ONLY.some((t) => is(found, t))) {
      return diagnostic("E0107", s.foundSpan, `\`${word}\` declarations belong at the top level of the file, not inside a module`, {
        help: "move it after the closing `}` of the module",
      });
    }
    if (is(found, T.Set) || isDraw) return statementOutsideFunction(s, isDraw);
    return undefined;
  }
  // A declaration keyword at column 1 inside a block is more likely a missing `}` (see genericError).
  if (where === "block" && s.found.startColumn !== 1 && (MODULE_ONLY.some((t) => is(found, t)) || TOP_LEVEL_ONLY.some((t) => is(found, t)) || is(found, T.Sampler) || is(found, T.At) || (is(found, T.Fn) && is(s.next, T.Ident)))) {
    const help = MODULE_ONLY.some((t) => is(found, t))
      ? "declare it directly in the module body, outside any function"
      : is(found, T.Fn) || is(found, T.At)
        ? "declare functions at the top level or in a module body; for a local function write `let f = fn (x) => ...`"
        : "move it to the top level of the file";
    return diagnostic("E0107", s.foundSpan, `\`${word}\` cannot appear inside a block`, { help });
  }
  return undefined;
};

function statementOutsideFunction(s: Situation, isDraw: boolean): Diagnostic {
  const what = isDraw ? "random draws (`x ~ ...`)" : "`set` statements";
  return diagnostic("E0107", s.foundSpan, `${what} belong inside a function, \`loss\` or \`sampler\` body`, {
    help: isDraw ? "draw inside a block, e.g. `loss (x: f32[B, d]) { z ~ normal([B, d]); ... }`" : "update state inside a module function, e.g. `fn (x) { set count = count + 1; x }`",
  });
}

/** Keywords that name declarations; using them as a name is the likely mistake. */
const DECLARING_KEYWORDS: readonly TokenType[] = [T.Let, T.Fn, T.Module, T.Model, T.Data, T.Sampler, T.Loss, T.Param, T.State, T.Set, T.As, T.For, T.Train];
const NOT_NAME_LIKE: readonly TokenType[] = [T.Else, T.And, T.Or, T.If, T.Fn, T.Not, T.True, T.False, T.Let];

const keywordAsName: Recognizer = (s) => {
  const found = s.found;
  if (!is(found, T.Keyword)) return undefined;
  const afterDeclaringKeyword = DECLARING_KEYWORDS.some((t) => is(s.previous, t));
  const nameExpected = expects(s, T.Ident) && !NOT_NAME_LIKE.some((t) => is(found, t));
  const asExpression = expectsExpression(s) && startsNewLine(found, s.previous);
  const looksLikeParam = is(s.next, T.Colon) && innermostRule(s) === "paramList";
  if (!(afterDeclaringKeyword || (nameExpected && !asExpression) || looksLikeParam)) return undefined;
  return diagnostic("E0109", s.foundSpan, `\`${found.image}\` is a reserved word and cannot be used as a name`, {
    help: `choose another name, e.g. \`${found.image}_\` or \`my_${found.image}\``,
  });
};

const startsName = (t: IToken) => is(t, T.Ident);
const startsDim = (t: IToken) => is(t, T.Ident) || is(t, T.NumberLit) || is(t, T.LParen) || is(t, T.Ellipsis);
const startsType = (t: IToken) => is(t, T.Ident) || is(t, T.Fn) || is(t, T.LParen) || is(t, T.LBracket) || is(t, T.StringLit);

/** Comma-separated lists: what their elements are called, an example, and what can start one. */
const LIST_CONTEXTS: Record<string, { what: string; example: string; startsElement: (t: IToken) => boolean }> = {
  callArgs: { what: "arguments", example: "`f(a, b)`", startsElement: startsExpression },
  indexSuffix: { what: "indices", example: "`x[i, j]`", startsElement: startsExpression },
  parenExpr: { what: "tuple elements", example: "`(a, b)`", startsElement: startsExpression },
  listExpr: { what: "list elements", example: "`[a, b]`", startsElement: startsExpression },
  tensorOrNamedType: { what: "dimensions", example: "`f32[B, d]`", startsElement: startsDim },
  paramList: { what: "parameters", example: "`(x: f32[B, d], t: f32[B])`", startsElement: startsName },
  useDecl: { what: "imported names", example: "`use std.nn.{MLP, Linear}`", startsElement: startsName },
  tupleType: { what: "tuple element types", example: "`(f32[B], f32[B])`", startsElement: startsType },
  pattern: { what: "names", example: "`let (a, b) = pair`", startsElement: (t) => is(t, T.Ident) || is(t, T.LParen) },
};

const missingComma: Recognizer = (s) => {
  const context = LIST_CONTEXTS[innermostRule(s)];
  const closerExpected = s.expected.some((t) => T.CLOSERS.has(t));
  if (!context || !closerExpected || !context.startsElement(s.found)) return undefined;
  return diagnostic("E0101", s.foundSpan, `expected \`,\` between ${context.what}, found ${describeToken(s.found)}`, {
    help: `separate ${context.what} with commas, e.g. ${context.example}`,
  });
};

/** `f(a,, b)`, `[,a]`: a comma with nothing before it. */
const doubledComma: Recognizer = (s) => {
  if (!is(s.found, T.Comma) || !(is(s.previous, T.Comma) || (s.previous !== undefined && T.OPENERS.has(s.previous.tokenType)))) return undefined;
  return diagnostic("E0105", s.foundSpan, `expected an expression before this \`,\`, found nothing after \`${s.previous!.image}\``, {
    help: "remove the extra comma, or write the missing element",
  });
};

const specificMistakes: Recognizer = (s) => {
  const rule = innermostRule(s);
  const found = s.found;
  const parent = s.rules.at(-2);
  const inIfHead = rule === "ifExpr" || rule === "ifItem" || ((rule === "block" || rule === "moduleBody") && (parent === "ifExpr" || parent === "ifItem"));
  if (inIfHead && is(found, T.Colon) && expects(s, T.LCurly)) {
    return diagnostic("E0101", s.foundSpan, "an `if` condition is followed by a block in braces, not `:`", {
      help: "write `if cond { ... } else { ... }`",
    });
  }
  if (rule === "ifExpr" && expects(s, T.Else)) {
    return diagnostic("E0101", s.foundSpan, `expected \`else\`, found ${describeToken(found)}: an \`if\` expression needs an \`else\` branch`, {
      help: "add `else { ... }`: an `if` used as a value must produce one whichever way the condition goes",
    });
  }
  if (rule === "fnDecl" && is(found, T.FatArrow)) {
    return diagnostic("E0101", s.foundSpan, "a named function's body follows `=`, not `=>`", {
      help: "write `fn name(x) = expr`; `=>` is only for anonymous functions, `fn (x) => expr`",
    });
  }
  if (rule === "lambdaExpr" && expects(s, T.FatArrow)) {
    return diagnostic("E0101", s.foundSpan, `expected \`=>\` after the parameters of an anonymous function, found ${describeToken(found)}`, {
      help: "write an anonymous function as `fn (x) => expr` (it has no return type and no `=`)",
    });
  }
  if (rule === "paramDecl" && expects(s, T.Colon)) {
    return diagnostic("E0101", s.foundSpan, `expected \`:\` and a type after the name, found ${describeToken(found)}`, {
      help: "parameters and state need a type, e.g. `param w: f32[in, out] ~ normal(0, 0.02)`",
    });
  }
  return undefined;
};

/** `assert cond "message"` (no comma) and `assert cond, message` (not a string). */
const assertMessage: Recognizer = (s) => {
  const help = 'write `assert cond, "message"`, e.g. `assert d % heads == 0, "d must be a multiple of heads"`';
  if (innermostRule(s) === "assertStatement" && expects(s, T.StringLit)) {
    return diagnostic("E0101", s.foundSpan, `the message of \`assert\` must be a string in double quotes, found ${describeToken(s.found)}`, {
      help: `${help}; when the assert fails, the values of the names in its condition are shown beside the message`,
    });
  }
  // The string may be the failing token, or (in a block) the block's result, with the error after it.
  const tokens = [...s.before, s.found];
  let assertAt = -1;
  for (let i = s.before.length - 1; i >= 0 && assertAt < 0; i--) if (is(s.before[i], T.Assert)) assertAt = i;
  if (assertAt < 0) return undefined;
  const depth = openBrackets(tokens.slice(0, assertAt)).length;
  for (let i = assertAt + 2; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.startLine !== tokens[assertAt]!.startLine) return undefined;
    if (!is(t, T.StringLit) || openBrackets(tokens.slice(0, i)).length !== depth) continue;
    const previous = tokens[i - 1]!;
    const endsExpression = is(previous, T.Ident) || is(previous, T.NumberLit) || is(previous, T.StringLit) || is(previous, T.True) || is(previous, T.False) || T.CLOSERS.has(previous.tokenType);
    if (endsExpression) return diagnostic("E0101", s.spans.token(t), "expected `,` between the condition of `assert` and its message", { help });
  }
  return undefined;
};

const missingExpression: Recognizer = (s) => {
  if (!expectsExpression(s)) return undefined;
  const after = s.previous && !isEof(s.previous) ? ` after \`${s.previous.image}\`` : "";
  return diagnostic("E0105", s.foundSpan, `expected an expression${after}, found ${describeToken(s.found)}`);
};

const RECOGNIZERS: readonly Recognizer[] = [
  foreignWord,
  unclosedAtEndOfFile,
  strayOrMismatchedCloser,
  specificMistakes,
  assertMessage,
  equalsInExpression,
  blockWithoutResult,
  misplacedDeclaration,
  keywordAsName,
  missingComma,
  doubledComma,
  missingExpression,
];

const TOP_LEVEL_EXPECTATION = "a declaration (`use`, `let`, `fn`, `module`, `model`, `data`, `train`, `sampler` or `expect`)";

function genericError(s: Situation): Diagnostic {
  const rule = innermostRule(s);
  const closerOfList = LIST_CONTEXTS[rule] && s.expected.length === 1 && T.CLOSERS.has(s.expected[0]!);
  const expected =
    s.kind === "notAllInput"
      ? TOP_LEVEL_EXPECTATION
      : rule === "type"
        ? "a type (e.g. `f32[B, d]`, `int` or `\"a\" | \"b\"`)"
        : closerOfList
          ? `\`,\` or ${describeExpected(s.expected)}`
          : describeExpected(s.expected);
  const notes: RelatedNote[] = [];
  const closer = s.expected.find((t) => T.CLOSERS.has(t));
  const opener = openBrackets(s.before).at(-1);
  let help: string | undefined;
  if (closer && opener && T.OPENERS.get(opener.tokenType) === closer) {
    notes.push({ message: `to close this \`${opener.image}\``, span: s.spans.token(opener) });
    // A declaration at the start of a line where a closer was expected: the closer was forgotten.
    if (s.found.startColumn === 1 && (is(s.found, T.Keyword) || is(s.found, T.At))) help = `add the missing \`${closerText(opener)}\` before this line`;
  }
  return diagnostic("E0101", s.foundSpan, `expected ${expected}, found ${describeToken(s.found)}`, { notes, help });
}
