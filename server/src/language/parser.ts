// The grammar of race-language.md, and nothing else: a chevrotain CstParser
// with error recovery, no embedded actions. toAst.ts turns its CST into the
// AST. One instance is created and reused for every parse.

import { CstParser, tokenMatcher, type CstNode, type IRecognitionException, type IToken } from "chevrotain";
import * as T from "./tokens";
import { errorMessageProvider } from "./syntaxMessages";

class RaceParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "onlyOffset", errorMessageProvider });
    this.performSelfAnalysis();
  }

  public file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.item));
  });

  private item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.scenarioDecl) },
      { ALT: () => this.SUBRULE(this.lockDecl) },
      { ALT: () => this.SUBRULE(this.varDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.driverDecl) },
      { ALT: () => this.SUBRULE(this.cpuDecl) },
      { ALT: () => this.SUBRULE(this.expectDecl) },
      { ALT: () => this.CONSUME(T.Semicolon) },
    ]);
  });

  private scenarioDecl = this.RULE("scenarioDecl", () => {
    this.CONSUME(T.Scenario);
    this.CONSUME(T.StringLiteral);
  });

  private lockDecl = this.RULE("lockDecl", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Mutex) },
      {
        ALT: () => {
          this.CONSUME(T.Recursive);
          this.CONSUME2(T.Mutex);
        },
      },
      { ALT: () => this.CONSUME(T.Rwsem) },
      { ALT: () => this.CONSUME(T.Spinlock) },
    ]);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.SUBRULE(this.instanceList));
  });

  private instanceList = this.RULE("instanceList", () => {
    this.CONSUME(T.LBracket);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
    this.CONSUME(T.RBracket);
  });

  private varDecl = this.RULE("varDecl", () => {
    this.CONSUME(T.Var);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.SUBRULE(this.instanceList));
    this.CONSUME(T.Assign);
    this.SUBRULE(this.constant);
  });

  private constant = this.RULE("constant", () => {
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.Integer);
        },
      },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
    ]);
  });

  private fnDecl = this.RULE("fnDecl", () => {
    this.CONSUME(T.Fn);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.paramList);
    this.SUBRULE(this.block);
  });

  private paramList = this.RULE("paramList", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
    this.CONSUME(T.RParen);
  });

  private driverDecl = this.RULE("driverDecl", () => {
    this.CONSUME(T.Driver);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.callbackDecl));
    this.CONSUME(T.RBrace);
  });

  private callbackDecl = this.RULE("callbackDecl", () => {
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.paramList);
    this.SUBRULE(this.block);
  });

  private cpuDecl = this.RULE("cpuDecl", () => {
    this.CONSUME(T.Cpu);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.SUBRULE(this.block);
  });

  private expectDecl = this.RULE("expectDecl", () => {
    this.CONSUME(T.Expect);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
  });

  /**
   * `rtrylock` is a keyword only where it starts a trylock (race-language.md
   * §7 prefers contextual words): followed by a lock name, and not by what
   * would make it a variable (`rtrylock = 1`, `rtrylock.cb()`, `rtrylock(…)`).
   */
  private readonly atRtrylock = (): boolean => {
    if (this.LA(1).image !== "rtrylock" || !tokenMatcher(this.LA(2), T.Identifier)) return false;
    const third = this.LA(3);
    return !tokenMatcher(third, T.Assign) && !tokenMatcher(third, T.Dot) && !tokenMatcher(third, T.LParen);
  };

  private block = this.RULE("block", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.stmt));
    this.CONSUME(T.RBrace);
  });

  private stmt = this.RULE("stmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.lockStmt) },
      { ALT: () => this.SUBRULE(this.trylockStmt) },
      { GATE: this.atRtrylock, ALT: () => this.SUBRULE(this.rtrylockStmt) },
      { ALT: () => this.SUBRULE(this.localVarStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.whileStmt) },
      { ALT: () => this.SUBRULE(this.eitherStmt) },
      { ALT: () => this.SUBRULE(this.waitStmt) },
      { ALT: () => this.SUBRULE(this.assertStmt) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.SUBRULE(this.nameStmt) },
      { ALT: () => this.CONSUME(T.Semicolon) },
    ]);
  });

  private lockStmt = this.RULE("lockStmt", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Lock) },
      { ALT: () => this.CONSUME(T.Unlock) },
      { ALT: () => this.CONSUME(T.Rlock) },
      { ALT: () => this.CONSUME(T.Runlock) },
    ]);
    this.SUBRULE(this.ref);
  });

  private trylockStmt = this.RULE("trylockStmt", () => {
    this.CONSUME(T.Trylock);
    this.SUBRULE(this.ref);
  });

  private rtrylockStmt = this.RULE("rtrylockStmt", () => {
    this.CONSUME(T.Identifier, { LABEL: "rtrylock" });
    this.SUBRULE(this.ref);
  });

  private localVarStmt = this.RULE("localVarStmt", () => {
    this.CONSUME(T.Var);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Assign);
    this.SUBRULE(this.constant);
  });

  private ref = this.RULE("ref", () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.CONSUME2(T.Identifier);
      this.CONSUME(T.RBracket);
    });
  });

  private ifStmt = this.RULE("ifStmt", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.block);
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([{ ALT: () => this.SUBRULE2(this.ifStmt) }, { ALT: () => this.SUBRULE2(this.block) }]);
    });
  });

  private whileStmt = this.RULE("whileStmt", () => {
    this.CONSUME(T.While);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.block);
  });

  private eitherStmt = this.RULE("eitherStmt", () => {
    this.CONSUME(T.Either);
    this.SUBRULE(this.eitherBranch);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.eitherBranch);
    });
  });

  private eitherBranch = this.RULE("eitherBranch", () => {
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.SUBRULE(this.block);
  });

  private waitStmt = this.RULE("waitStmt", () => {
    this.CONSUME(T.Wait);
    this.CONSUME(T.Until);
    this.SUBRULE(this.expr);
  });

  private assertStmt = this.RULE("assertStmt", () => {
    this.CONSUME(T.Assert);
    this.SUBRULE(this.expr);
    this.OPTION(() => this.CONSUME(T.StringLiteral));
  });

  private returnStmt = this.RULE("returnStmt", () => {
    this.CONSUME(T.Return);
  });

  /** Statements that start with a name: `x = e`, `x[o] = e`, `f(a)`, `drv.cb(a)`. */
  private nameStmt = this.RULE("nameStmt", () => {
    this.CONSUME(T.Identifier);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.CONSUME2(T.Identifier);
          this.SUBRULE(this.argList);
        },
      },
      { ALT: () => this.SUBRULE2(this.argList) },
      {
        ALT: () => {
          this.OPTION(() => {
            this.CONSUME(T.LBracket);
            this.CONSUME3(T.Identifier);
            this.CONSUME(T.RBracket);
          });
          this.CONSUME(T.Assign);
          this.SUBRULE(this.expr);
        },
      },
    ]);
  });

  private argList = this.RULE("argList", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expr) });
    this.CONSUME(T.RParen);
  });

  /** Operands and binary operators in a flat row; precedence is applied by toAst. */
  public expr = this.RULE("expr", () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      this.CONSUME(T.BinaryOperator);
      this.SUBRULE2(this.unaryExpr);
    });
  });

  private unaryExpr = this.RULE("unaryExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(T.Bang) }, { ALT: () => this.CONSUME(T.Minus) }]);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  private primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Integer) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expr);
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(T.Held) }, { ALT: () => this.CONSUME(T.Locked) }]);
          this.CONSUME2(T.LParen);
          this.SUBRULE(this.ref);
          this.CONSUME2(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Trylock);
          this.SUBRULE2(this.ref);
        },
      },
      {
        GATE: this.atRtrylock,
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "rtrylock" });
          this.SUBRULE4(this.ref);
        },
      },
      {
        // Never valid as a value; parsed whole so that `if mutex_trylock(&m) { … }` gets one clear message.
        ALT: () => {
          this.CONSUME2(T.Identifier, { LABEL: "callee" });
          this.SUBRULE(this.argList);
        },
      },
      { ALT: () => this.SUBRULE3(this.ref) },
    ]);
  });
}

const parserInstance = new RaceParser();

export interface CstResult {
  readonly cst: CstNode;
  readonly parseErrors: readonly IRecognitionException[];
}

/** Parses lexed tokens (parse.ts lexes and screens them first, see tokenScan.ts). */
export function parseTokens(tokens: IToken[]): CstResult {
  parserInstance.input = tokens;
  const cst = parserInstance.file();
  return { cst, parseErrors: parserInstance.errors };
}

/**
 * The sub-rules an alternatives-only rule (`item`, `stmt`) chooses among,
 * read from the grammar itself (for the test that every one has an AST
 * builder in toAst.ts).
 */
export function ruleAlternatives(rule: string): string[] {
  const production = parserInstance.getGAstProductions()[rule];
  const names: string[] = [];
  interface Production {
    readonly definition?: readonly Production[];
    readonly nonTerminalName?: string;
  }
  const walk = (p: Production): void => {
    if (p.nonTerminalName !== undefined) names.push(p.nonTerminalName);
    else for (const d of p.definition ?? []) walk(d);
  };
  if (production) walk(production as unknown as Production);
  return names;
}
