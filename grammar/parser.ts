// The .flow grammar as a chevrotain CstParser (LL(2), no backtracking, no error recovery: the
// first error aborts the parse and is turned into a hand-written diagnostic by syntax-errors.ts).
//
// The grammar is newline-insensitive except for two rules, both implemented as GATEs below:
//
//  1. A `(` or `[` continues an expression (a call or an index) only when it is on the SAME LINE as
//     the previous token. On a new line it starts a new expression, so that
//         let y = f
//         (a, b)          // a tuple: the block's result, not a call `f(a, b)`
//     A `.` (member access) may start a line, for method chains.
//
//  2. A `-`, `+` or `@` that starts a line and is glued to the next token (`-e`, `@custom_vjp`) is a
//     prefix, not a binary operator continuing the previous line. This makes a block like
//         set count = count + 1
//         -e / 2          // the block's result, not `count + 1 - e / 2`
//     and an attribute line `@custom_vjp` after a module item mean what they look like, while a
//     continuation line written with a space (`  + b`, `  @ w`) still continues the expression.
//     For `-` and `+` the rule only applies to the value of a statement in a block (`let`, `~`,
//     `set`), the one place where another expression can follow; everywhere else — inside `(...)`
//     or `[...]`, in a block's result, in top-level and module items — nothing could follow, so a
//     line starting with `-x` continues the expression as usual.
//
// Binary operators are parsed as a flat chain (`operand (op operand)*`); precedence and
// associativity are applied in operators.ts. This keeps the parser's recursion shallow (one rule
// chain per nesting level, not one per precedence level). Deep input is still bounded: parse.ts
// rejects brackets nested deeper than 200, MAX_PARSER_NESTING bounds the recursion that brackets
// do not show (`else if` chains, lambdas), and a stack overflow, should one still happen, is
// reported as E0113 too.

import { CstParser, EOF, tokenMatcher, type CstNode, type IToken, type IParserErrorMessageProvider, type TokenType } from "chevrotain";
import * as T from "./tokens.js";

/** Nested expressions / types / patterns / if-chains deeper than this are rejected (E0113). */
export const MAX_PARSER_NESTING = 256;

/** Thrown from inside the parser when MAX_PARSER_NESTING is exceeded; `token` is where. */
export class NestingTooDeep extends Error {
  constructor(readonly token: IToken) {
    super("nesting too deep");
  }
}

/**
 * The structured content of a chevrotain error, carried in its `message` as JSON so that
 * syntax-errors.ts can write its own message from the expected token types.
 */
export interface ExpectedInfo {
  readonly kind: "mismatch" | "noViableAlt" | "earlyExit" | "notAllInput";
  /** Names of the token types that would have been accepted (first token of each path). */
  readonly expected: readonly string[];
  readonly ruleName: string;
}

const firstTokens = (paths: TokenType[][]): string[] => paths.map((p) => p[0]?.name ?? "EOF");
const info = (i: ExpectedInfo) => JSON.stringify(i);

const structuredMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) => info({ kind: "mismatch", expected: [expected.name], ruleName }),
  buildNotAllInputParsedMessage: ({ ruleName }) => info({ kind: "notAllInput", expected: [], ruleName }),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) =>
    info({ kind: "noViableAlt", expected: [...new Set(expectedPathsPerAlt.flatMap(firstTokens))], ruleName }),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    info({ kind: "earlyExit", expected: [...new Set(firstTokens(expectedIterationPaths))], ruleName }),
};

/** Where an expression is, as far as rule 2 of the file comment cares. */
type ExpressionContext = "statement" | "result" | "brackets";

class FlowParser extends CstParser {
  private nesting = 0;
  /** Innermost-last: where the current expression is (for rule 2). */
  private readonly contexts: ExpressionContext[] = [];

  constructor() {
    super(T.allTokens, {
      maxLookahead: 2,
      recoveryEnabled: false,
      nodeLocationTracking: "onlyOffset",
      errorMessageProvider: structuredMessages,
    });
    this.performSelfAnalysis();
  }

  /** Parses a whole token list; afterwards `this.errors` holds at most one error. */
  parseProgram(tokens: IToken[]): CstNode {
    this.input = tokens;
    this.nesting = 0;
    this.contexts.length = 0;
    return this.program();
  }

  // ------------------------------------------------------------ helpers used in GATEs and ACTIONs

  private enterNested(): void {
    this.ACTION(() => {
      if (++this.nesting > MAX_PARSER_NESTING) throw new NestingTooDeep(this.LA(1));
    });
  }

  private leaveNested(): void {
    this.ACTION(() => this.nesting--);
  }

  private enterContext(context: ExpressionContext): void {
    this.ACTION(() => this.contexts.push(context));
  }

  private leaveContext(): void {
    this.ACTION(() => this.contexts.pop());
  }

  /** Rule 1 of the file comment: may the next `(`, `[` or `.` continue the current expression? */
  private postfixContinues(): boolean {
    const next = this.LA(1);
    if (tokenMatcher(next, T.Dot)) return true;
    const prev = this.LA(0);
    return prev.tokenType !== EOF && prev.endLine === next.startLine;
  }

  /** Rule 2 of the file comment: is the next binary-operator token really continuing the chain? */
  private binaryContinues(): boolean {
    const op = this.LA(1);
    const isAt = tokenMatcher(op, T.At);
    const isSign = tokenMatcher(op, T.Minus) || tokenMatcher(op, T.Plus);
    if (!isAt && !(isSign && this.contexts.at(-1) === "statement")) return true;
    const prev = this.LA(0);
    const next = this.LA(2);
    const startsLine = prev.tokenType !== EOF && prev.endLine !== op.startLine;
    const glued = next.tokenType !== EOF && op.endOffset! + 1 === next.startOffset;
    return !(startsLine && glued);
  }

  // ------------------------------------------------------------ top level

  public program = this.RULE("program", () => {
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.item) }, { ALT: () => this.CONSUME(T.Semicolon) }]));
  });

  private item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.useDecl) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.moduleDecl) },
      { ALT: () => this.SUBRULE(this.modelDecl) },
      { ALT: () => this.SUBRULE(this.dataDecl) },
      { ALT: () => this.SUBRULE(this.trainDecl) },
      { ALT: () => this.SUBRULE(this.samplerDecl) },
      { ALT: () => this.SUBRULE(this.expectDecl) },
    ]);
  });

  private useDecl = this.RULE("useDecl", () => {
    this.CONSUME(T.Use);
    this.OR([{ ALT: () => this.CONSUME(T.StringLit) }, { ALT: () => this.SUBRULE(this.usePath) }]);
    this.OPTION(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.LCurly);
      this.SUBRULE(this.useName);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.useName);
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
      this.CONSUME(T.RCurly);
    });
    this.OPTION3(() => {
      this.CONSUME(T.As);
      this.CONSUME(T.Ident, { LABEL: "alias" });
    });
  });

  /** `std.nn.MLP`: components may be keywords (`std.data`); meaning is checked in to-ast.ts. */
  private usePath = this.RULE("usePath", () => {
    this.CONSUME(T.AnyName);
    this.MANY({
      // `.{` belongs to useDecl (an import list); the path only continues with `.name`.
      GATE: () => tokenMatcher(this.LA(2), T.AnyName),
      DEF: () => {
        this.CONSUME(T.Dot);
        this.CONSUME2(T.AnyName);
      },
    });
  });

  private useName = this.RULE("useName", () => {
    this.CONSUME(T.Ident, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.As);
      this.CONSUME2(T.Ident, { LABEL: "alias" });
    });
  });

  private letDecl = this.RULE("letDecl", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Ident);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  private fnDecl = this.RULE("fnDecl", () => {
    this.MANY(() => this.SUBRULE(this.attribute));
    this.CONSUME(T.Fn);
    this.OPTION(() => this.CONSUME(T.Ident));
    this.SUBRULE(this.paramList);
    this.OPTION2(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.type);
    });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expression);
        },
      },
      { ALT: () => this.SUBRULE(this.block) },
    ]);
  });

  private attribute = this.RULE("attribute", () => {
    this.CONSUME(T.At);
    this.CONSUME(T.Ident);
    this.OPTION(() => this.SUBRULE(this.callArgs));
  });

  /** `( params? )` — always with its parentheses, so every parameter list has a span. */
  private paramList = this.RULE("paramList", () => {
    this.CONSUME(T.LParen);
    this.enterContext("brackets");
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.param);
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.leaveContext();
    this.CONSUME(T.RParen);
  });

  private param = this.RULE("param", () => {
    this.CONSUME(T.Ident);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  private moduleDecl = this.RULE("moduleDecl", () => {
    this.CONSUME(T.Module);
    this.CONSUME(T.Ident);
    this.OPTION(() => this.SUBRULE(this.paramList));
    this.SUBRULE(this.moduleBody);
  });

  private modelDecl = this.RULE("modelDecl", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Ident);
    this.OPTION(() => this.SUBRULE(this.paramList));
    this.SUBRULE(this.moduleBody);
  });

  private dataDecl = this.RULE("dataDecl", () => {
    this.CONSUME(T.Data);
    this.CONSUME(T.Ident);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  private trainDecl = this.RULE("trainDecl", () => {
    this.CONSUME(T.Train);
    this.OPTION(() => {
      this.CONSUME(T.Ident);
      this.CONSUME(T.Equals);
    });
    this.SUBRULE(this.expression, { LABEL: "model" });
    this.CONSUME(T.On);
    this.SUBRULE2(this.expression, { LABEL: "data" });
    this.SUBRULE(this.configBlock);
  });

  private samplerDecl = this.RULE("samplerDecl", () => {
    this.CONSUME(T.Sampler);
    this.CONSUME(T.Ident);
    this.SUBRULE(this.paramList);
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.type);
    });
    this.SUBRULE(this.block);
  });

  private expectDecl = this.RULE("expectDecl", () => {
    this.CONSUME(T.Expect);
    this.CONSUME(T.StringLit);
    this.SUBRULE(this.configBlock);
  });

  private configBlock = this.RULE("configBlock", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => {
      this.SUBRULE(this.configEntry);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  private configEntry = this.RULE("configEntry", () => {
    this.CONSUME(T.AnyName);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });

  // ------------------------------------------------------------ module bodies

  private moduleBody = this.RULE("moduleBody", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.moduleItem) }, { ALT: () => this.CONSUME(T.Semicolon) }]));
    this.CONSUME(T.RCurly);
  });

  private moduleItem = this.RULE("moduleItem", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.submoduleDecl) },
      { ALT: () => this.SUBRULE(this.letItem) },
      { ALT: () => this.SUBRULE(this.ifItem) },
      { ALT: () => this.SUBRULE(this.assertStatement) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.lossDecl) },
      { ALT: () => this.SUBRULE(this.samplerDecl) },
    ]);
  });

  private paramDecl = this.RULE("paramDecl", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Param, { LABEL: "role" }) }, { ALT: () => this.CONSUME(T.State, { LABEL: "role" }) }]);
    this.CONSUME(T.Ident);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.type);
    this.OR2([{ ALT: () => this.CONSUME(T.Equals, { LABEL: "initOp" }) }, { ALT: () => this.CONSUME(T.Tilde, { LABEL: "initOp" }) }]);
    this.SUBRULE(this.expression);
  });

  private submoduleDecl = this.RULE("submoduleDecl", () => {
    this.CONSUME(T.Ident);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  private letItem = this.RULE("letItem", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Ident);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  private ifItem = this.RULE("ifItem", () => {
    this.enterNested();
    this.CONSUME(T.If);
    this.SUBRULE(this.expression);
    this.SUBRULE(this.moduleBody, { LABEL: "then" });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([{ ALT: () => this.SUBRULE2(this.moduleBody, { LABEL: "else" }) }, { ALT: () => this.SUBRULE(this.ifItem, { LABEL: "elseIf" }) }]);
    });
    this.leaveNested();
  });

  private lossDecl = this.RULE("lossDecl", () => {
    this.CONSUME(T.Loss);
    this.OPTION(() => this.CONSUME(T.Ident));
    this.SUBRULE(this.paramList);
    this.SUBRULE(this.block);
  });

  // ------------------------------------------------------------ types

  private type = this.RULE("type", () => {
    this.enterNested();
    this.OR([
      { ALT: () => this.SUBRULE(this.tupleType) },
      { ALT: () => this.SUBRULE(this.listType) },
      { ALT: () => this.SUBRULE(this.enumType) },
      { ALT: () => this.SUBRULE(this.tensorOrNamedType) },
    ]);
    this.leaveNested();
  });

  private tupleType = this.RULE("tupleType", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.type);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.type);
    });
    this.OPTION(() => this.CONSUME2(T.Comma));
    this.CONSUME(T.RParen);
  });

  private listType = this.RULE("listType", () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.type);
    this.CONSUME(T.RBracket);
  });

  private enumType = this.RULE("enumType", () => {
    this.CONSUME(T.StringLit);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.CONSUME2(T.StringLit);
    });
  });

  /** `f32[B, d]`, `f32`, `int`, `fn`, `Block`. Which names may carry dims is checked in to-ast.ts. */
  private tensorOrNamedType = this.RULE("tensorOrNamedType", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Ident, { LABEL: "name" }) }, { ALT: () => this.CONSUME(T.Fn, { LABEL: "name" }) }]);
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.OPTION2(() => {
        this.SUBRULE(this.dim);
        this.MANY(() => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.dim);
        });
      });
      this.CONSUME(T.RBracket);
    });
  });

  private dim = this.RULE("dim", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Ellipsis) }, { ALT: () => this.SUBRULE(this.dimSum) }]);
  });

  private dimSum = this.RULE("dimSum", () => {
    this.enterNested();
    this.SUBRULE(this.dimProduct);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: "op" }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: "op" }) }]);
      this.SUBRULE2(this.dimProduct);
    });
    this.leaveNested();
  });

  private dimProduct = this.RULE("dimProduct", () => {
    this.SUBRULE(this.dimAtom);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star, { LABEL: "op" }) }, { ALT: () => this.CONSUME(T.Slash, { LABEL: "op" }) }]);
      this.SUBRULE2(this.dimAtom);
    });
  });

  private dimAtom = this.RULE("dimAtom", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.Ident) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.dimSum);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  // ------------------------------------------------------------ blocks and statements

  /** `{ statement* expr }`; a missing final expression is reported as E0110 by syntax-errors.ts. */
  private block = this.RULE("block", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.statement) }, { ALT: () => this.CONSUME(T.Semicolon) }]));
    this.enterContext("result");
    this.SUBRULE(this.expression, { LABEL: "result" });
    this.leaveContext();
    this.MANY2(() => this.CONSUME2(T.Semicolon));
    this.CONSUME(T.RCurly);
  });

  private statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStatement) },
      { ALT: () => this.SUBRULE(this.drawStatement) },
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.assertStatement) },
    ]);
  });

  private letStatement = this.RULE("letStatement", () => {
    this.CONSUME(T.Let);
    this.SUBRULE(this.pattern);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
    this.CONSUME(T.Equals);
    this.statementValue();
  });

  private drawStatement = this.RULE("drawStatement", () => {
    this.CONSUME(T.Ident);
    this.CONSUME(T.Tilde);
    this.statementValue();
  });

  private setStatement = this.RULE("setStatement", () => {
    this.CONSUME(T.Set);
    this.CONSUME(T.Ident);
    this.CONSUME(T.Equals);
    this.statementValue();
  });

  /**
   * `assert cond` or `assert cond, "message"`: a compile-time check, both a statement of a block and
   * an item of a module body. The message is a string literal.
   */
  private assertStatement = this.RULE("assertStatement", () => {
    this.CONSUME(T.Assert);
    this.statementValue();
    this.OPTION(() => {
      this.CONSUME(T.Comma);
      this.CONSUME(T.StringLit, { LABEL: "message" });
    });
  });

  /** The expression of a statement, where rule 2 applies. */
  private statementValue(): void {
    this.enterContext("statement");
    this.SUBRULE(this.expression);
    this.leaveContext();
  }

  private pattern = this.RULE("pattern", () => {
    this.enterNested();
    this.OR([
      { ALT: () => this.CONSUME(T.Ident) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.pattern);
          this.MANY(() => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.pattern);
          });
          this.OPTION(() => this.CONSUME2(T.Comma));
          this.CONSUME(T.RParen);
        },
      },
    ]);
    this.leaveNested();
  });

  // ------------------------------------------------------------ expressions

  /** `operand (op operand)*` — see the file comment for why the chain is flat. */
  public expression = this.RULE("expression", () => {
    this.enterNested();
    this.SUBRULE(this.operand);
    this.MANY({
      GATE: () => this.binaryContinues(),
      DEF: () => {
        this.CONSUME(T.BinaryOp);
        this.SUBRULE2(this.operand);
      },
    });
    this.leaveNested();
  });

  private operand = this.RULE("operand", () => {
    this.MANY(() => this.CONSUME(T.PrefixOp));
    this.SUBRULE(this.primary);
    this.MANY2({ GATE: () => this.postfixContinues(), DEF: () => this.SUBRULE(this.postfixOp) });
  });

  private postfixOp = this.RULE("postfixOp", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.callArgs) },
      { ALT: () => this.SUBRULE(this.indexSuffix) },
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.CONSUME(T.AnyName, { LABEL: "member" });
        },
      },
    ]);
  });

  private callArgs = this.RULE("callArgs", () => {
    this.CONSUME(T.LParen);
    this.enterContext("brackets");
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.arg);
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.leaveContext();
    this.CONSUME(T.RParen);
  });

  private arg = this.RULE("arg", () => {
    this.OPTION(() => {
      this.CONSUME(T.AnyName, { LABEL: "name" });
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.expression);
  });

  private indexSuffix = this.RULE("indexSuffix", () => {
    this.CONSUME(T.LBracket);
    this.enterContext("brackets");
    this.SUBRULE(this.indexItem);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.indexItem);
    });
    this.OPTION(() => this.CONSUME2(T.Comma));
    this.leaveContext();
    this.CONSUME(T.RBracket);
  });

  /** `...`, `e`, `None` (a NewAxis, recognized in to-ast.ts), or a slice `a:b:c` with optional parts. */
  private indexItem = this.RULE("indexItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Ellipsis) },
      {
        ALT: () => {
          this.SUBRULE(this.expression, { LABEL: "start" });
          this.OPTION(() => this.SUBRULE(this.sliceRest));
        },
      },
      { ALT: () => this.SUBRULE2(this.sliceRest) },
    ]);
  });

  /** `: stop? (: step?)?` */
  private sliceRest = this.RULE("sliceRest", () => {
    this.CONSUME(T.Colon);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: "stop" }));
    this.OPTION2(() => {
      this.CONSUME2(T.Colon, { LABEL: "stepColon" });
      this.OPTION3(() => this.SUBRULE2(this.expression, { LABEL: "step" }));
    });
  });

  private primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Ident) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.listExpr) },
      { ALT: () => this.SUBRULE(this.block) },
      { ALT: () => this.SUBRULE(this.ifExpr) },
      { ALT: () => this.SUBRULE(this.lambdaExpr) },
    ]);
  });

  /** `()`, `(e)`, `(e,)`, `(a, b, c)`. A comma makes it a tuple. */
  private parenExpr = this.RULE("parenExpr", () => {
    this.CONSUME(T.LParen);
    this.enterContext("brackets");
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expression);
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.leaveContext();
    this.CONSUME(T.RParen);
  });

  /** `[]`, `[a, b]`, `[e for x in xs]`. */
  private listExpr = this.RULE("listExpr", () => {
    this.CONSUME(T.LBracket);
    this.enterContext("brackets");
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: "first" });
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.For);
            this.CONSUME(T.Ident, { LABEL: "variable" });
            this.CONSUME(T.In);
            this.SUBRULE2(this.expression, { LABEL: "iterable" });
          },
        },
        {
          ALT: () => {
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE3(this.expression, { LABEL: "rest" });
            });
            this.OPTION2(() => this.CONSUME2(T.Comma));
          },
        },
      ]);
    });
    this.leaveContext();
    this.CONSUME(T.RBracket);
  });

  private ifExpr = this.RULE("ifExpr", () => {
    this.enterNested();
    this.CONSUME(T.If);
    this.SUBRULE(this.expression, { LABEL: "cond" });
    this.SUBRULE(this.block, { LABEL: "then" });
    this.CONSUME(T.Else);
    this.OR([{ ALT: () => this.SUBRULE2(this.block, { LABEL: "else" }) }, { ALT: () => this.SUBRULE(this.ifExpr, { LABEL: "elseIf" }) }]);
    this.leaveNested();
  });

  private lambdaExpr = this.RULE("lambdaExpr", () => {
    this.CONSUME(T.Fn);
    this.SUBRULE(this.paramList);
    this.CONSUME(T.FatArrow);
    this.SUBRULE(this.expression);
  });
}

let instance: FlowParser | undefined;

/** The parser is expensive to build (grammar analysis) and cheap to reuse: one per process. */
export function flowParser(): FlowParser {
  instance ??= new FlowParser();
  return instance;
}

/** Drops the shared parser after an unexpected exception (e.g. a stack overflow) may have left it inconsistent. */
export function discardFlowParser(): void {
  instance = undefined;
}

export type { FlowParser };
