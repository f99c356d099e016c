// The AST: plain, immutable data with a span on every node. No semantic
// information is hung on nodes; the binder and checker keep theirs in side
// tables keyed by node identity.

import type { Span } from "./span";
import type { ConditionVerb, SimpleKind, Verb } from "./verbs";

export interface Ident {
  readonly name: string;
  readonly span: Span;
}

export type LockKind = "mutex" | "recursive mutex" | "spinlock" | "rwsem" | "rwlock";

/** What `expect` may list (race-language.md §7); `expect safe` lists none. */
export type ExpectKind = "deadlock" | "violation" | "misuse";
export const EXPECT_KINDS: readonly ExpectKind[] = ["deadlock", "violation", "misuse"];

/** The author's claim: the kinds of problem that must be found; nothing else may be. Empty is `expect safe`. */
export interface Expectation {
  readonly kinds: readonly ExpectKind[];
}

/** `deadlock, misuse` or `safe`: the expectation as written after `expect`. */
export function expectationText(e: Expectation): string {
  return e.kinds.length === 0 ? "safe" : e.kinds.join(", ");
}

export interface SourceFile {
  readonly kind: "SourceFile";
  readonly items: readonly Item[];
  readonly span: Span;
}

export type Item = ScenarioDecl | LockDecl | VarDecl | FnDecl | DriverDecl | CpuDecl | ExpectDecl | WorkqueueDecl | WorkDecl | KthreadDecl | PrimitiveDecl | HandlerDecl | ImportDecl | ObjectDecl;

/** `import "common.race"` (a file beside this one) or `import "linux/pci"` (the kernel library): race-language.md §11. */
export interface ImportDecl {
  readonly kind: "ImportDecl";
  /** As written between the quotes. */
  readonly path: string;
  readonly pathSpan: Span;
  readonly span: Span;
}

/** `object pf, vf0`: object names of the scenario, which `[*]` declarations range over. */
export interface ObjectDecl {
  readonly kind: "ObjectDecl";
  readonly names: readonly Ident[];
  readonly span: Span;
}

/**
 * Where a declaration wrote `[*]`: one instance per object of the scenario.
 * The parser leaves its `instances` empty; the program (program.ts) fills
 * them in with every object of the file and everything it imports.
 */
export interface AllObjects {
  readonly star?: Span;
}

/** `irq H on C { … }`, `softirq H on C { … }` (race-language.md §10). */
export interface HandlerDecl {
  readonly kind: "HandlerDecl";
  readonly context: "irq" | "softirq";
  readonly name: Ident;
  /** The CPU it interrupts. */
  readonly cpu: Ident;
  readonly body: Block;
  readonly span: Span;
}

export interface ScenarioDecl {
  readonly kind: "ScenarioDecl";
  readonly title: string;
  readonly titleSpan: Span;
  readonly span: Span;
}

export interface LockDecl extends AllObjects {
  readonly kind: "LockDecl";
  readonly lockKind: LockKind;
  readonly name: Ident;
  /** Undefined for a single lock; the listed object names for `L[a, b]`. */
  readonly instances: readonly Ident[] | undefined;
  /** `novalidate`: lockdep does not validate its class (lockdep_set_novalidate_class()): where the word is. */
  readonly novalidate?: Span;
  readonly span: Span;
}

export interface VarDecl extends AllObjects {
  readonly kind: "VarDecl";
  readonly name: Ident;
  readonly instances: readonly Ident[] | undefined;
  readonly init: IntLiteral | BoolLiteral | undefined;
  readonly span: Span;
}

export interface FnDecl {
  readonly kind: "FnDecl";
  readonly name: Ident;
  readonly params: readonly Ident[];
  readonly body: Block;
  readonly span: Span;
}

export interface DriverDecl {
  readonly kind: "DriverDecl";
  readonly name: Ident;
  readonly callbacks: readonly CallbackDecl[];
  readonly span: Span;
}

export interface CallbackDecl {
  readonly kind: "CallbackDecl";
  readonly name: Ident;
  readonly params: readonly Ident[];
  readonly body: Block;
  readonly span: Span;
}

export interface CpuDecl {
  readonly kind: "CpuDecl";
  readonly name: Ident;
  readonly label: string | undefined;
  readonly body: Block;
  readonly span: Span;
}

/** `workqueue Q`, `ordered workqueue Q`, `workqueue Q max_active N` (race-language.md §9). */
export interface WorkqueueDecl {
  readonly kind: "WorkqueueDecl";
  readonly name: Ident;
  readonly ordered: boolean;
  readonly maxActive: IntLiteral | undefined;
  readonly span: Span;
}

/** `work W on Q { … }`, `work W[a, b] on Q (d) { … }`: one item per object, `d` bound to it. */
export interface WorkDecl extends AllObjects {
  readonly kind: "WorkDecl";
  readonly name: Ident;
  readonly instances: readonly Ident[] | undefined;
  readonly queue: Ident;
  /** `(d)`: the parameter each item's object is bound to (one at most; the checker says so). */
  readonly params: readonly Ident[];
  readonly body: Block;
  readonly span: Span;
}

/** `kthread T "label" { … }`. */
export interface KthreadDecl {
  readonly kind: "KthreadDecl";
  readonly name: Ident;
  readonly label: string | undefined;
  readonly body: Block;
  readonly span: Span;
}

/** What `KIND NAME[objects]` declares among the §9 primitives: `completion`, `kernfs`, `srcu` (verbs.ts TARGETS). */
export type PrimitiveKind = SimpleKind;

/** `completion C`, `kernfs KN[pf]`, `srcu S`. */
export interface PrimitiveDecl extends AllObjects {
  readonly kind: "PrimitiveDecl";
  readonly what: PrimitiveKind;
  readonly name: Ident;
  readonly instances: readonly Ident[] | undefined;
  readonly span: Span;
}

export interface ExpectDecl {
  readonly kind: "ExpectDecl";
  /** The words after `expect` as written, comma-separated (checked by the checker). */
  readonly words: readonly Ident[];
  readonly span: Span;
}

export interface Block {
  readonly kind: "Block";
  readonly stmts: readonly Stmt[];
  readonly span: Span;
}

/** `L`, `L[obj]` or `L[param]`; also used for variable references. */
export interface Ref {
  readonly name: Ident;
  readonly index: Ident | undefined;
  readonly span: Span;
}

export type LockOp = "lock" | "unlock" | "rlock" | "runlock";

export type Stmt =
  | LockStmt
  | TrylockStmt
  | LocalVarStmt
  | AssignStmt
  | AssertStmt
  | WaitStmt
  | IfStmt
  | WhileStmt
  | EitherStmt
  | CallStmt
  | ReturnStmt
  | VerbStmt;

/** A kernel primitive's statement (verbs.ts): `flush_work W[pf]`, `sysfs KN { … }`, `rcu_read_lock`. */
export interface VerbStmt {
  readonly kind: "VerbStmt";
  readonly verb: Verb;
  readonly verbSpan: Span;
  /** Undefined for the RCU verbs (and where the parser found none). */
  readonly target: Ref | undefined;
  /** `sysfs KN { … }`'s block; a block after any other verb is reported by the checker. */
  readonly body: Block | undefined;
  readonly span: Span;
}

export interface LockStmt {
  readonly kind: "LockStmt";
  readonly op: LockOp;
  readonly lock: Ref;
  /** §10's forms: `lock_irq` (irq), `lock_irqsave`/`unlock_irqrestore` (irqsave), `lock_bh` (bh). */
  readonly irq?: "irq" | "irqsave" | "bh";
  readonly span: Span;
}

/** `trylock` (exclusive) or `rtrylock` (the read side of an rwsem). */
export type TrylockOp = "trylock" | "rtrylock";

/** A bare `trylock L` statement: parsed so that the checker can explain it. */
export interface TrylockStmt {
  readonly kind: "TrylockStmt";
  readonly op: TrylockOp;
  readonly lock: Ref;
  readonly span: Span;
}

/** `var x = CONST` inside a body: a variable of the running CPU, visible to the end of its block. */
export interface LocalVarStmt {
  readonly kind: "LocalVarStmt";
  readonly name: Ident;
  readonly init: IntLiteral | BoolLiteral | undefined;
  readonly span: Span;
}

export interface AssignStmt {
  readonly kind: "AssignStmt";
  readonly target: Ref;
  readonly value: Expr;
  readonly span: Span;
}

export interface AssertStmt {
  readonly kind: "AssertStmt";
  readonly cond: Expr;
  readonly message: string | undefined;
  readonly span: Span;
}

export interface WaitStmt {
  readonly kind: "WaitStmt";
  readonly cond: Expr;
  readonly span: Span;
}

export interface IfStmt {
  readonly kind: "IfStmt";
  readonly cond: Expr;
  readonly then: Block;
  readonly otherwise: Block | IfStmt | undefined;
  readonly span: Span;
}

export interface WhileStmt {
  readonly kind: "WhileStmt";
  readonly cond: Expr;
  readonly body: Block;
  readonly span: Span;
}

export interface EitherStmt {
  readonly kind: "EitherStmt";
  readonly branches: readonly EitherBranch[];
  readonly span: Span;
}

/** One branch of `either`, with its optional label: `or "kzalloc fails" { … }`. */
export interface EitherBranch {
  readonly kind: "EitherBranch";
  readonly label: string | undefined;
  readonly labelSpan: Span | undefined;
  readonly body: Block;
  readonly span: Span;
}

export interface CallStmt {
  readonly kind: "CallStmt";
  /** Set for `drv.cb(args)`. */
  readonly driver: Ident | undefined;
  readonly callee: Ident;
  readonly args: readonly Expr[];
  readonly span: Span;
}

export interface ReturnStmt {
  readonly kind: "ReturnStmt";
  readonly span: Span;
}

export type Expr = IntLiteral | BoolLiteral | NameExpr | UnaryExpr | BinaryExpr | LockQuery | TrylockExpr | CallExpr | VerbTest | ShouldStopExpr;

/** `queue_work W`, `try_wait_for_completion C`, `kernfs_remove_self KN` as (the whole of) a condition. */
export interface VerbTest {
  readonly kind: "VerbTest";
  readonly verb: ConditionVerb;
  readonly verbSpan: Span;
  readonly target: Ref;
  readonly span: Span;
}

/** `kthread_should_stop()`: true inside a kthread once kthread_stop was called on it. */
export interface ShouldStopExpr {
  readonly kind: "ShouldStopExpr";
  readonly span: Span;
}

export interface IntLiteral {
  readonly kind: "IntLiteral";
  /** As written, sign folded in; range is the checker's business. */
  readonly value: number;
  readonly text: string;
  readonly span: Span;
}

export interface BoolLiteral {
  readonly kind: "BoolLiteral";
  readonly value: boolean;
  readonly span: Span;
}

/** A variable `x`, `x[obj]`, or a parameter / object name. */
export interface NameExpr {
  readonly kind: "NameExpr";
  readonly ref: Ref;
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: "UnaryExpr";
  readonly op: "!" | "-";
  readonly operand: Expr;
  readonly span: Span;
}

export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-";

export interface BinaryExpr {
  readonly kind: "BinaryExpr";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface LockQuery {
  readonly kind: "LockQuery";
  readonly query: "held" | "locked";
  readonly lock: Ref;
  readonly span: Span;
}

export interface TrylockExpr {
  readonly kind: "TrylockExpr";
  readonly op: TrylockOp;
  readonly lock: Ref;
  readonly span: Span;
}

/** `f(args)` where a value is expected: never valid, parsed so that the checker can explain it (`mutex_trylock(&m)`). */
export interface CallExpr {
  readonly kind: "CallExpr";
  readonly callee: Ident;
  readonly args: readonly Expr[];
  readonly span: Span;
}

export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

/**
 * Visits every statement in a block, depth first, in source order, with
 * its depth: the blocks around it inside `block`, each `else if` one more
 * (as compiling recurses into it).
 */
export function forEachStmt(block: Block, visit: (s: Stmt, depth: number) => void, depth = 0): void {
  for (const s of block.stmts) {
    visit(s, depth);
    switch (s.kind) {
      case "IfStmt": {
        forEachStmt(s.then, visit, depth + 1);
        let other = s.otherwise;
        let d = depth;
        while (other) {
          if (other.kind === "Block") {
            forEachStmt(other, visit, d + 1);
            other = undefined;
          } else {
            d++;
            visit(other, d);
            forEachStmt(other.then, visit, d + 1);
            other = other.otherwise;
          }
        }
        break;
      }
      case "WhileStmt":
        forEachStmt(s.body, visit, depth + 1);
        break;
      case "EitherStmt":
        for (const b of s.branches) forEachStmt(b.body, visit, depth + 1);
        break;
      case "VerbStmt":
        if (s.body) forEachStmt(s.body, visit, depth + 1);
        break;
      case "LockStmt":
      case "TrylockStmt":
      case "LocalVarStmt":
      case "AssignStmt":
      case "AssertStmt":
      case "WaitStmt":
      case "CallStmt":
      case "ReturnStmt":
        break;
      default:
        unreachable(s);
    }
  }
}

/** A body of code: a function's, a driver callback's (`drv.cb`), a CPU's, a work item's or a kthread's. */
export interface Body {
  readonly owner: string;
  readonly params: readonly Ident[];
  readonly block: Block;
  /** The whole item or callback, header included. */
  readonly span: Span;
}

/** Every body of the file, in source order. */
export function bodies(file: SourceFile): Body[] {
  const out: Body[] = [];
  for (const item of file.items) {
    if (item.kind === "FnDecl") out.push({ owner: item.name.name, params: item.params, block: item.body, span: item.span });
    if (item.kind === "CpuDecl" || item.kind === "KthreadDecl" || item.kind === "HandlerDecl") out.push({ owner: item.name.name, params: [], block: item.body, span: item.span });
    if (item.kind === "WorkDecl") out.push({ owner: item.name.name, params: item.params, block: item.body, span: item.span });
    if (item.kind === "DriverDecl") for (const cb of item.callbacks) out.push({ owner: `${item.name.name}.${cb.name.name}`, params: cb.params, block: cb.body, span: cb.span });
  }
  return out;
}

/** Every block of the file: each body and every block nested in it, with the body's owner. */
export function allBlocks(file: SourceFile): { block: Block; owner: string }[] {
  const out: { block: Block; owner: string }[] = [];
  for (const { block, owner } of bodies(file)) {
    out.push({ block, owner });
    forEachStmt(block, (s) => {
      if (s.kind === "IfStmt") {
        out.push({ block: s.then, owner });
        if (s.otherwise?.kind === "Block") out.push({ block: s.otherwise, owner });
      } else if (s.kind === "WhileStmt") out.push({ block: s.body, owner });
      else if (s.kind === "EitherStmt") s.branches.forEach((x) => out.push({ block: x.body, owner }));
      else if (s.kind === "VerbStmt" && s.body) out.push({ block: s.body, owner });
    });
  }
  return out;
}

/**
 * Visits an expression and all its subexpressions, outer before inner, left
 * before right. Iterative: an expression the checker rejects as too large
 * may still be thousands of operators deep.
 */
export function forEachExpr(e: Expr, visit: (e: Expr) => void): void {
  const todo: Expr[] = [e];
  for (let x = todo.pop(); x; x = todo.pop()) {
    visit(x);
    switch (x.kind) {
      case "UnaryExpr":
        todo.push(x.operand);
        break;
      case "BinaryExpr":
        todo.push(x.right, x.left);
        break;
      case "CallExpr":
        for (let i = x.args.length - 1; i >= 0; i--) todo.push(x.args[i]!);
        break;
      case "IntLiteral":
      case "BoolLiteral":
      case "NameExpr":
      case "LockQuery":
      case "TrylockExpr":
      case "VerbTest":
      case "ShouldStopExpr":
        break;
      default:
        unreachable(x);
    }
  }
}

/**
 * A condition that is a §9 test, negated or not (`queue_work W`,
 * `!try_wait_for_completion C`): like a trylock, only the whole condition.
 */
export function verbCondition(e: Expr): { readonly test: VerbTest; readonly negated: boolean } | undefined {
  if (e.kind === "VerbTest") return { test: e, negated: false };
  if (e.kind === "UnaryExpr" && e.op === "!" && e.operand.kind === "VerbTest") return { test: e.operand, negated: true };
  return undefined;
}

/**
 * A condition that is a trylock, negated or not (`trylock L`, `!rtrylock L`):
 * the one place a trylock may stand (race-language.md §7).
 */
export function trylockCondition(e: Expr): { readonly trylock: TrylockExpr; readonly negated: boolean } | undefined {
  if (e.kind === "TrylockExpr") return { trylock: e, negated: false };
  if (e.kind === "UnaryExpr" && e.op === "!" && e.operand.kind === "TrylockExpr") return { trylock: e.operand, negated: true };
  return undefined;
}
