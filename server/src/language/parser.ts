// The grammar of race-language.md, and nothing else: a chevrotain CstParser
// with error recovery, no embedded actions. toAst.ts turns its CST into the
// AST. One instance is created and reused for every parse.

import { CstParser, tokenMatcher, type CstNode, type IRecognitionException, type IToken } from "chevrotain";
import * as T from "./tokens";
import { errorMessageProvider } from "./syntaxMessages";
import { DECLARATION_WORDS, isConditionVerb, isLockForm, isVerb, TARGET_KINDS, TARGETS, VERBS, type VerbInfo } from "./verbs";

/** `import "x.race"` and `object a, b` (race-language.md §11): contextual words too. */
const MODULE_WORDS = ["import", "object"] as const;

/** The §9 declaration words are contextual: a declaration only where an item starts and a name follows. */
const PRIMITIVE_DECLS: ReadonlySet<string> = new Set(TARGET_KINDS.filter((k) => TARGETS[k].simple));
const DECLARATION_STARTS: ReadonlySet<string> = new Set([...DECLARATION_WORDS, ...MODULE_WORDS]);

class RaceParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "onlyOffset", errorMessageProvider });
    this.performSelfAnalysis();
  }

  public file = this.RULE("file", () => {
    // A name starts an item only as a §9 declaration word: any other stays
    // an unexpected token, with the error and recovery it had before.
    this.MANY({ GATE: this.atItem, DEF: () => this.SUBRULE(this.item) });
  });

  private readonly atItem = (): boolean => !tokenMatcher(this.LA(1), T.Identifier) || DECLARATION_STARTS.has(this.LA(1).image);

  private item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.scenarioDecl) },
      { ALT: () => this.SUBRULE(this.lockDecl) },
      { ALT: () => this.SUBRULE(this.varDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.driverDecl) },
      { ALT: () => this.SUBRULE(this.cpuDecl) },
      { ALT: () => this.SUBRULE(this.expectDecl) },
      { GATE: this.atWorkqueueDecl, ALT: () => this.SUBRULE(this.workqueueDecl), IGNORE_AMBIGUITIES: true },
      { GATE: () => this.atDecl("work"), ALT: () => this.SUBRULE(this.workDecl), IGNORE_AMBIGUITIES: true },
      { GATE: () => this.atDecl("kthread"), ALT: () => this.SUBRULE(this.kthreadDecl), IGNORE_AMBIGUITIES: true },
      { GATE: () => PRIMITIVE_DECLS.has(this.LA(1).image) && tokenMatcher(this.LA(2), T.Identifier), ALT: () => this.SUBRULE(this.primitiveDecl), IGNORE_AMBIGUITIES: true },
      { GATE: () => this.atDecl("irq") || this.atDecl("softirq"), ALT: () => this.SUBRULE(this.handlerDecl), IGNORE_AMBIGUITIES: true },
      { GATE: () => this.atDecl("rwlock"), ALT: () => this.SUBRULE(this.rwlockDecl), IGNORE_AMBIGUITIES: true },
      { GATE: () => this.LA(1).image === "import" && tokenMatcher(this.LA(2), T.StringLiteral), ALT: () => this.SUBRULE(this.importDecl), IGNORE_AMBIGUITIES: true },
      { GATE: () => this.atDecl("object"), ALT: () => this.SUBRULE(this.objectDecl), IGNORE_AMBIGUITIES: true },
      { ALT: () => this.CONSUME(T.Semicolon) },
    ]);
  });

  /** `import "relative/path.race"` or `import "linux/driver-core"`. */
  private importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Identifier, { LABEL: "keyword" });
    this.CONSUME(T.StringLiteral);
  });

  /** `object pf, vf0`. */
  private objectDecl = this.RULE("objectDecl", () => {
    this.CONSUME(T.Identifier, { LABEL: "keyword" });
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Identifier, { LABEL: "name" }) });
  });

  private readonly atDecl = (word: string): boolean => this.LA(1).image === word && tokenMatcher(this.LA(2), T.Identifier);

  private readonly atWorkqueueDecl = (): boolean => this.atDecl("workqueue") || (this.LA(1).image === "ordered" && this.LA(2).image === "workqueue");

  /** `workqueue Q`, `ordered workqueue Q`, `workqueue Q max_active 2`. */
  private workqueueDecl = this.RULE("workqueueDecl", () => {
    this.OPTION({ GATE: () => this.LA(1).image === "ordered", DEF: () => this.CONSUME(T.Identifier, { LABEL: "ordered" }) });
    this.CONSUME2(T.Identifier, { LABEL: "keyword" });
    this.CONSUME3(T.Identifier, { LABEL: "name" });
    this.OPTION2({
      GATE: () => this.LA(1).image === "max_active",
      DEF: () => {
        this.CONSUME4(T.Identifier, { LABEL: "maxActive" });
        this.CONSUME(T.Integer);
      },
    });
  });

  /** `work W on Q { … }`, `work W[a, b] on Q (d) { … }`. */
  private workDecl = this.RULE("workDecl", () => {
    this.CONSUME(T.Identifier, { LABEL: "keyword" });
    this.CONSUME2(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.SUBRULE(this.instanceList));
    this.CONSUME3(T.Identifier, { LABEL: "on" });
    this.CONSUME4(T.Identifier, { LABEL: "queue" });
    this.OPTION2(() => this.SUBRULE(this.paramList));
    this.SUBRULE(this.block);
  });

  /** `kthread T "label" { … }`. */
  private kthreadDecl = this.RULE("kthreadDecl", () => {
    this.CONSUME(T.Identifier, { LABEL: "keyword" });
    this.CONSUME2(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.SUBRULE(this.block);
  });

  /** `irq H on C { … }`, `softirq H on C { … }` (§10). */
  private handlerDecl = this.RULE("handlerDecl", () => {
    this.CONSUME(T.Identifier, { LABEL: "keyword" });
    this.CONSUME2(T.Identifier, { LABEL: "name" });
    this.CONSUME3(T.Identifier, { LABEL: "on" });
    this.CONSUME4(T.Identifier, { LABEL: "cpu" });
    this.SUBRULE(this.block);
  });

  /** `rwlock L`, `rwlock L[a, b]` (rwlock_t, §10): contextual, unlike the v1 lock kinds. */
  private rwlockDecl = this.RULE("rwlockDecl", () => {
    this.CONSUME(T.Identifier, { LABEL: "keyword" });
    this.CONSUME2(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.SUBRULE(this.instanceList));
    this.OPTION2({ GATE: this.atNovalidate, DEF: () => this.CONSUME3(T.Identifier, { LABEL: "novalidate" }) });
  });

  /** `… novalidate` after a lock's declaration (docs/language.md): lockdep_set_novalidate_class(), a contextual word. */
  private readonly atNovalidate = (): boolean => tokenMatcher(this.LA(1), T.Identifier) && this.LA(1).image === "novalidate";

  /** `completion C`, `kernfs KN[pf]`, `srcu S`. */
  private primitiveDecl = this.RULE("primitiveDecl", () => {
    this.CONSUME(T.Identifier, { LABEL: "keyword" });
    this.CONSUME2(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.SUBRULE(this.instanceList));
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
    this.OPTION2({ GATE: this.atNovalidate, DEF: () => this.CONSUME2(T.Identifier, { LABEL: "novalidate" }) });
  });

  private instanceList = this.RULE("instanceList", () => {
    this.CONSUME(T.LBracket);
    this.OR([{ ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) }) }]);
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
      { GATE: this.atVerbStmt, ALT: () => this.SUBRULE(this.verbStmt), IGNORE_AMBIGUITIES: true },
      { GATE: () => isLockForm(this.LA(1).image) && tokenMatcher(this.LA(2), T.Identifier), ALT: () => this.SUBRULE(this.lockFormStmt), IGNORE_AMBIGUITIES: true },
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

  /**
   * A §9 verb (verbs.ts) starts a statement where nothing follows it that
   * would make it a variable or a call (`complete = true`, `complete()`):
   * so a verb missing its target is still read as one, and explained.
   */
  private readonly atVerbStmt = (): boolean => {
    if (!isVerb(this.LA(1).image)) return false;
    const next = this.LA(2);
    return !tokenMatcher(next, T.Assign) && !tokenMatcher(next, T.Dot) && !tokenMatcher(next, T.LParen) && !tokenMatcher(next, T.LBracket);
  };

  private readonly atVerbTest = (): boolean => isConditionVerb(this.LA(1).image) && tokenMatcher(this.LA(2), T.Identifier);

  private verbStmt = this.RULE("verbStmt", () => {
    const verb = this.CONSUME(T.Identifier, { LABEL: "verb" });
    this.OPTION({ GATE: () => isVerb(verb.image) && (VERBS[verb.image] as VerbInfo).target !== undefined, DEF: () => this.SUBRULE(this.ref) });
    // Any verb may be followed by a block here; the checker says which take one (`sysfs`).
    this.OPTION2(() => this.SUBRULE(this.block));
  });

  /** `lock_irq L`, `unlock_irqrestore L`, `rlock_bh L`, … (§10). */
  private lockFormStmt = this.RULE("lockFormStmt", () => {
    this.CONSUME(T.Identifier, { LABEL: "form" });
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
        GATE: this.atVerbTest,
        ALT: () => {
          this.CONSUME3(T.Identifier, { LABEL: "verbTest" });
          this.SUBRULE5(this.ref);
        },
        IGNORE_AMBIGUITIES: true,
      },
      {
        // Never valid as a value (but `kthread_should_stop()`); parsed whole so that `if mutex_trylock(&m) { … }` gets one clear message.
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
