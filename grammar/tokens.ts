// Token types of .flow. The order of `allTokens` is the order in which the lexer tries them, so
// longer operators come before their prefixes (`...` before `.`, `==` before `=`) and keywords
// come before identifiers (with `longer_alt` so that `letter` is a name, not `let` + `ter`).
//
// Besides the real tokens there are "invalid" tokens: text that is certainly a mistake but is
// common enough to deserve its own message (`**`, `&&`, an unterminated string, `1e`, ...).
// The parser never accepts them; grammar/parse.ts reports the first one it meets.

import { createToken, Lexer, type TokenType } from "chevrotain";

// ---------------------------------------------------------------- categories

/** Abstract: any keyword. */
export const Keyword = createToken({ name: "Keyword", pattern: Lexer.NA });
/** Abstract: any word usable as an argument name or config key (`in: 3`, `data: moons`): names and keywords. */
export const AnyName = createToken({ name: "AnyName", pattern: Lexer.NA, label: "a name" });
/** Abstract: any binary operator of the expression grammar (precedence is applied in to-ast.ts). */
export const BinaryOp = createToken({ name: "BinaryOp", pattern: Lexer.NA, label: "an operator" });
/** Abstract: a prefix operator: `-`, `+`, `not`. */
export const PrefixOp = createToken({ name: "PrefixOp", pattern: Lexer.NA });
/** Abstract: a token that is always an error (see the file comment). */
export const Invalid = createToken({ name: "Invalid", pattern: Lexer.NA });

// ---------------------------------------------------------------- trivia

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n]*/, group: "comments" });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
  line_breaks: true,
});

// ---------------------------------------------------------------- names and literals

export const Ident = createToken({ name: "Ident", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name", categories: [AnyName] });
export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\n]|\\[^\n])*"/, label: "a string" });

const VALID_NUMBER = /^\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?$/;

/**
 * The longest run of text that looks like one number: it starts with a digit and continues through
 * letters, digits, `_`, a `.` followed by a digit, and a sign right after an exponent `e`.
 * Lexing the whole run (rather than the longest valid prefix) is what lets `1.2.3` or `2x` be
 * reported as one bad number instead of a confusing token sequence.
 */
function numberRun(text: string, offset: number): string | undefined {
  if (!isDigit(text.charCodeAt(offset))) return undefined;
  let i = offset + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (/[A-Za-z0-9_]/.test(c)) i++;
    else if (c === "." && isDigit(text.charCodeAt(i + 1))) i++;
    else if ((c === "+" || c === "-") && isDigit(text.charCodeAt(i + 1)) && /^\d[\d_]*(?:\.[\d_]+)?[eE]$/.test(text.slice(offset, i))) i++;
    else break;
  }
  return text.slice(offset, i);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

export const NumberLit = createToken({
  name: "NumberLit",
  label: "a number",
  line_breaks: false,
  start_chars_hint: DIGITS,
  pattern: {
    exec: (text: string, offset: number) => {
      const run = numberRun(text, offset);
      return run !== undefined && VALID_NUMBER.test(run) ? ([run] as [string]) : null;
    },
  },
});

// ---------------------------------------------------------------- invalid tokens (always errors)

export const BadNumber = createToken({
  name: "BadNumber",
  categories: [Invalid],
  line_breaks: false,
  start_chars_hint: DIGITS,
  pattern: {
    exec: (text: string, offset: number) => {
      const run = numberRun(text, offset);
      return run !== undefined && !VALID_NUMBER.test(run) ? ([run] as [string]) : null;
    },
  },
});
export const UnterminatedString = createToken({ name: "UnterminatedString", pattern: /"(?:[^"\\\n]|\\[^\n])*\\?/, categories: [Invalid] });
export const SingleQuotedString = createToken({ name: "SingleQuotedString", pattern: /'[^'\n]*'?/, categories: [Invalid] });
export const UnterminatedComment = createToken({ name: "UnterminatedComment", pattern: /\/\*[\s\S]*/, categories: [Invalid], line_breaks: true });

/** Operators borrowed from other languages; each has a hand-written message in syntax-errors.ts. */
export const ForeignOperator = createToken({ name: "ForeignOperator", pattern: Lexer.NA, categories: [Invalid] });
const foreign = (name: string, pattern: RegExp) => createToken({ name, pattern, categories: [ForeignOperator, Invalid] });
export const StarStar = foreign("StarStar", /\*\*/);
export const AmpAmp = foreign("AmpAmp", /&&/);
export const PipePipe = foreign("PipePipe", /\|\|/);
export const TripleEq = foreign("TripleEq", /===/);
export const BangEqEq = foreign("BangEqEq", /!==/);
export const CompoundAssign = foreign("CompoundAssign", /[-+*/%^]=(?!=)/);
export const ColonEq = foreign("ColonEq", /:=/);

// ---------------------------------------------------------------- punctuation and operators

const punct = (name: string, pattern: RegExp, text: string, categories: TokenType[] = []) =>
  createToken({ name, pattern, label: `\`${text}\``, categories });

export const Ellipsis = punct("Ellipsis", /\.\.\./, "...");
export const Arrow = punct("Arrow", /->/, "->");
export const FatArrow = punct("FatArrow", /=>/, "=>");
export const EqEq = punct("EqEq", /==/, "==", [BinaryOp]);
export const NotEq = punct("NotEq", /!=/, "!=", [BinaryOp]);
export const Bang = foreign("Bang", /!/);
export const LessEq = punct("LessEq", /<=/, "<=", [BinaryOp]);
export const GreaterEq = punct("GreaterEq", />=/, ">=", [BinaryOp]);
export const Less = punct("Less", /</, "<", [BinaryOp]);
export const Greater = punct("Greater", />/, ">", [BinaryOp]);
export const Equals = punct("Equals", /=/, "=");
export const Tilde = punct("Tilde", /~/, "~");
export const Colon = punct("Colon", /:/, ":");
export const Comma = punct("Comma", /,/, ",");
export const Semicolon = punct("Semicolon", /;/, ";");
export const Dot = punct("Dot", /\./, ".");
export const Pipe = punct("Pipe", /\|/, "|");
export const LParen = punct("LParen", /\(/, "(");
export const RParen = punct("RParen", /\)/, ")");
export const LBracket = punct("LBracket", /\[/, "[");
export const RBracket = punct("RBracket", /]/, "]");
export const LCurly = punct("LCurly", /{/, "{");
export const RCurly = punct("RCurly", /}/, "}");
export const Plus = punct("Plus", /\+/, "+", [BinaryOp, PrefixOp]);
export const Minus = punct("Minus", /-/, "-", [BinaryOp, PrefixOp]);
export const Star = punct("Star", /\*/, "*", [BinaryOp]);
export const Slash = punct("Slash", /\//, "/", [BinaryOp]);
export const Percent = punct("Percent", /%/, "%", [BinaryOp]);
export const At = punct("At", /@/, "@", [BinaryOp]);
export const Caret = punct("Caret", /\^/, "^", [BinaryOp]);

// ---------------------------------------------------------------- keywords

const keyword = (word: string, categories: TokenType[] = []) =>
  createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Ident,
    label: `\`${word}\``,
    categories: [Keyword, AnyName, ...categories],
  });

export const Use = keyword("use");
export const As = keyword("as");
export const Let = keyword("let");
export const Fn = keyword("fn");
export const Module = keyword("module");
export const Model = keyword("model");
export const Param = keyword("param");
export const State = keyword("state");
export const Loss = keyword("loss");
export const Data = keyword("data");
export const Train = keyword("train");
export const On = keyword("on");
export const Sampler = keyword("sampler");
export const Expect = keyword("expect");
export const If = keyword("if");
export const Else = keyword("else");
export const For = keyword("for");
export const Set = keyword("set");
export const Assert = keyword("assert");
export const True = keyword("true");
export const False = keyword("false");
export const And = keyword("and", [BinaryOp]);
export const Or = keyword("or", [BinaryOp]);
export const Not = keyword("not", [PrefixOp]);
/**
 * `in` is a *soft* keyword: it is lexed as its own token type (so `for i in xs` can require it) but is
 * also an Ident, because `in` is the conventional name of an input width (`MLP(in: d, out: d)`) and
 * std modules must be able to declare and use a hyper-parameter of that name.
 */
export const In = createToken({ name: "In", pattern: /in/, longer_alt: Ident, label: "`in`", categories: [Ident, AnyName] });

// ---------------------------------------------------------------- vocabulary

export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLit,
  UnterminatedString,
  SingleQuotedString,
  NumberLit,
  BadNumber,
  // multi-character operators before their one-character prefixes
  Ellipsis,
  StarStar,
  AmpAmp,
  PipePipe,
  TripleEq,
  BangEqEq,
  CompoundAssign,
  ColonEq,
  Arrow,
  FatArrow,
  EqEq,
  NotEq,
  Bang,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Equals,
  Tilde,
  Colon,
  Comma,
  Semicolon,
  Dot,
  Pipe,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  At,
  Caret,
  // keywords before Ident
  Use,
  Assert, // before its prefix `as`
  As,
  Let,
  Fn,
  Module,
  Model,
  Param,
  State,
  Loss,
  Data,
  Train,
  On,
  Sampler,
  Expect,
  If,
  Else,
  For,
  Set,
  True,
  False,
  And,
  Or,
  Not,
  In,
  Ident,
  // abstract categories (never produced by the lexer, listed so the parser knows them)
  Keyword,
  AnyName,
  BinaryOp,
  PrefixOp,
  Invalid,
  ForeignOperator,
];

/** Token types that open / close a bracket pair. */
export const OPENERS = new Map<TokenType, TokenType>([
  [LParen, RParen],
  [LBracket, RBracket],
  [LCurly, RCurly],
]);
export const CLOSERS = new Map<TokenType, TokenType>([
  [RParen, LParen],
  [RBracket, LBracket],
  [RCurly, LCurly],
]);
