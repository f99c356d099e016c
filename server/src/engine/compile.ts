// compile(): checked AST → Model. Runs only on a scenario with no errors,
// so every name resolves; calls are expanded with their arguments bound.
// Every limit of language/limits.ts was checked by the checker, so the
// CompileErrors here are internal errors, never the author's.

import type * as A from "../language/ast";
import { forEachStmt, trylockCondition, unreachable, verbCondition } from "../language/ast";
import type { Scope } from "../language/binder";
import { varType } from "../language/checker";
import { MAX_CALL_DEPTH, MAX_EITHER_BRANCHES } from "../language/limits";
import { bodyName, type Callee } from "../language/referent";
import type { Sources } from "../language/sources";
import type { Span } from "../language/span";
import { VERBS } from "../language/verbs";
import { Primitives, testInstr, verbInstr, type ThreadSpec } from "./compileThreads";
import { MAX_PC, PC_DONE, type CExpr, type CpuCode, type Frame, type Instr, type LockInfo, type Model, type VarInfo } from "./model";

type Value = { kind: "object"; name: string } | { kind: "driver"; name: string } | { kind: "int"; value: number } | { kind: "bool"; value: boolean };

/** The locals of one block (name → variable id), inside those of the blocks around it. */
interface Locals {
  readonly vars: Map<string, number>;
  readonly parent: Locals | undefined;
}

/** One expansion of a body: the CPU's own code or one call. */
interface Instance {
  /** `B` or `B:f#2`: what its locals' names start with. */
  readonly prefix: string;
  /** How many locals of each name it has declared so far. */
  readonly names: Map<string, number>;
}

/** What names mean at a point of the code: locals first, then parameters, then globals. */
interface Env {
  readonly params: ReadonlyMap<string, Value>;
  readonly locals: Locals | undefined;
  readonly instance: Instance;
}

function localId(env: Env, name: string): number | undefined {
  for (let l = env.locals; l; l = l.parent) {
    const id = l.vars.get(name);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** A parameter's value, unless a local of that name hides it. */
function param(env: Env, name: string): Value | undefined {
  return localId(env, name) === undefined ? env.params.get(name) : undefined;
}

/** An instruction under construction: targets are labels until resolved. */
type Draft =
  | { kind: "instr"; make: (resolve: (label: number) => number) => Instr }
  | { kind: "jump"; to: number };

export class CompileError extends Error {}

class CpuCompiler {
  private readonly drafts: Draft[] = [];
  /** label → draft index; a label past the end means "done". */
  private readonly labels: number[] = [];
  /** `while` bodies around the statement being compiled (calls included). */
  private loops = 0;
  /** Expansions so far per callee, for local instance names (`B:f#2`). */
  private readonly expansions = new Map<string, number>();
  private cpuName = "";
  /** The thread being compiled. */
  private thread: ThreadSpec | undefined;

  constructor(
    private readonly scope: Scope,
    private readonly lockIds: ReadonlyMap<string, number>,
    private readonly varIds: ReadonlyMap<string, number>,
    /** Shared with every CPU: locals are appended as they are declared. */
    private readonly vars: VarInfo[],
    private readonly sources: Sources | undefined,
    private readonly prims: Primitives,
  ) {}

  private newLabel(): number {
    this.labels.push(-1);
    return this.labels.length - 1;
  }

  private place(label: number): void {
    this.labels[label] = this.drafts.length;
  }

  private here(): number {
    const l = this.newLabel();
    this.place(l);
    return l;
  }

  /**
   * A thread's code. A work item's and a kthread's start with their
   * `start` step at pc 0; a work item's body ends by going back to it.
   */
  compile(t: ThreadSpec): CpuCode {
    const end = this.newLabel();
    this.cpuName = t.name;
    this.thread = t;
    const params = new Map<string, Value>(t.param ? [[t.param.name, { kind: "object", name: t.param.object }]] : []);
    const env: Env = { params, locals: undefined, instance: { prefix: t.name, names: new Map() } };
    const start = this.here();
    const at = t.declSpan;
    switch (t.kind) {
      case "cpu":
        break;
      case "work":
        this.step((next) => ({ op: "start_work", work: t.index, next, span: at, stack: [], text: `start ${t.name}` }));
        break;
      case "kthread":
        this.step((next) => ({ op: "start_kthread", kthread: t.index, next, span: at, stack: [], text: `start ${t.name}` }));
        break;
      case "irq":
      case "softirq":
        this.step((next) => ({ op: "start_irq", handler: t.index, next, span: at, stack: [], text: `<Interrupt> ${t.name}` }));
        break;
      default:
        unreachable(t.kind);
    }
    // A work item's body runs each time the item is queued: as in a loop,
    // its locals start afresh each time (an assignment step).
    if (t.kind === "work") this.loops++;
    this.block(t.body, env, [], end);
    if (t.kind === "work") this.loops--;
    this.place(end);
    // A work item's body ends back at its `start` (Layout's thread end).
    if (t.kind === "work") this.jump(start);
    // Resolve labels to real instruction indices, following jump chains.
    const draftToPc: number[] = [];
    let pc = 0;
    for (const d of this.drafts) draftToPc.push(d.kind === "instr" ? pc++ : -1);
    if (pc > MAX_PC) throw new CompileError(`CPU ${t.name} expands to ${pc} statements; at most ${MAX_PC} are supported.`);
    const resolveDraft = (index: number): number => {
      let i = index;
      for (let guard = 0; guard <= this.drafts.length; guard++) {
        if (i >= this.drafts.length) return PC_DONE;
        const d = this.drafts[i]!;
        if (d.kind === "instr") return draftToPc[i]!;
        i = this.labels[d.to]!;
      }
      throw new CompileError("a loop without a step");
    };
    const resolve = (label: number): number => resolveDraft(this.labels[label]!);
    const code: Instr[] = [];
    for (const d of this.drafts) if (d.kind === "instr") code.push(d.make(resolve));
    return { kind: t.kind, name: t.name, label: t.label, declSpan: t.declSpan, entry: resolveDraft(0), code };
  }

  /** A §9 statement (verbs.ts); `sysfs KN { … }` takes its reference around the block. */
  verbStmt(s: A.VerbStmt, { env, stack, ret }: Where): void {
    const info = VERBS[s.verb];
    const name = s.target ? this.lockName(s.target, env) : "";
    const target = info.target && s.target ? this.target(info.target, name) : -1;
    const text = info.target ? `${s.verb} ${name}` : s.verb;
    if (s.verb === "sysfs") {
      const body = this.newLabel();
      const after = this.newLabel();
      const exitText = `end sysfs ${name}`;
      this.emit((r) => ({ op: "sysfs_enter", kn: target, next: r(body), alt: r(after), span: s.span, stack, text }));
      this.place(body);
      // A `return` inside the block leaves it too: its reference is dropped on the way out.
      let inner = ret;
      if (s.body && containsReturn(s.body)) {
        inner = this.newLabel();
        const skip = this.newLabel();
        this.jump(skip);
        this.place(inner);
        this.step((next) => ({ op: "sysfs_exit", kn: target, next, span: s.body!.span, stack, text: exitText }));
        this.jump(ret);
        this.place(skip);
      }
      if (s.body) this.block(s.body, env, stack, inner);
      this.step((next) => ({ op: "sysfs_exit", kn: target, next, span: s.body?.span ?? s.span, stack, text: exitText }));
      this.place(after);
      return;
    }
    this.step((next) => verbInstr(s.verb as Exclude<A.VerbStmt["verb"], "sysfs">, target, this.prims.rcu, next, next, { span: s.span, stack, text }));
  }

  private target(kind: NonNullable<(typeof VERBS)[keyof typeof VERBS]["target"]>, name: string): number {
    const id = this.prims.id(kind, name);
    if (id === undefined) throw new CompileError(`unresolved ${kind} ${name}`);
    return id;
  }

  // ---- statements --------------------------------------------------------

  /** Emits `b` with a scope of its own; `ret` is where `return` goes. */
  private block(b: A.Block, outer: Env, stack: readonly Frame[], ret: number): void {
    const env: Env = { ...outer, locals: { vars: new Map(), parent: outer.locals } };
    for (const s of b.stmts) this.stmt(s, env, stack, ret);
  }

  private emit(make: (resolve: (label: number) => number) => Instr): void {
    this.drafts.push({ kind: "instr", make });
  }

  private jump(to: number): void {
    this.drafts.push({ kind: "jump", to });
  }

  private stmt(s: A.Stmt, env: Env, stack: readonly Frame[], ret: number): void {
    (STATEMENTS[s.kind] as (c: CpuCompiler, s: A.Stmt, at: Where) => void)(this, s, { env, stack, ret });
  }

  /** One instruction with a single successor, then control goes on after it. */
  step(make: (next: number) => Instr): void {
    const next = this.newLabel();
    this.emit((r) => make(r(next)));
    this.place(next);
  }

  lockStmt(s: A.LockStmt, { env, stack }: Where): void {
    const lock = this.lock(s.lock, env);
    const name = this.lockName(s.lock, env);
    const text = `${s.op} ${name}`;
    if (s.irq === undefined) return this.step((next) => ({ op: s.op, lock, next, span: s.span, stack, text }));
    const form = `${s.op}${IRQ_SUFFIX[s.op][s.irq]} ${name}`;
    if (s.op === "unlock" || s.op === "runlock") {
      // The unlock, then the interrupt state: one step (no handler can fire in between).
      const after = s.irq === "irq" ? "irq_enable" : s.irq === "irqsave" ? "irq_restore" : "bh_enable";
      return this.step((next) => ({ op: "irq_unlock", lock, read: s.op === "runlock", after, next, span: s.span, stack, text: form }));
    }
    // spin_lock_irq() is local_irq_disable() then spin_lock(): it spins with interrupts off.
    const before = s.irq === "irq" ? "irq_disable" : s.irq === "irqsave" ? "irq_save" : "bh_disable";
    // lock_irqsave's flags go with its lock, for its unlock_irqrestore (irq.ts).
    this.step((next) => ({ op: before, ...(before === "irq_save" ? { lock } : {}), next, span: s.span, stack, text: `${IRQ_STEP[before]} (${form})` }));
    this.step((next) => ({ op: s.op, lock, next, span: s.span, stack, text }));
  }

  /** A condition: a trylock attempt, or a branch on an expression. */
  private condition(cond: A.Expr, keyword: string, { env, stack }: Where, whenTrue: number, whenFalse: number): void {
    const trylock = trylockCondition(cond);
    if (trylock) return this.trylock(trylock, cond.span, env, stack, whenTrue, whenFalse);
    const test = verbCondition(cond);
    if (test) {
      const { verb, target: ref } = test.test;
      const name = this.lockName(ref, env);
      const target = this.target(VERBS[verb].target, name);
      const [yes, no] = test.negated ? [whenFalse, whenTrue] : [whenTrue, whenFalse];
      this.emit((r) => testInstr(verb, target, r(yes), r(no), { span: cond.span, stack, text: `${verb} ${name}` }));
      return;
    }
    const e = this.expr(cond, env);
    const text = `${keyword} ${render(cond, env)}`;
    this.emit((r) => ({ op: "branch", cond: e, next: r(whenTrue), alt: r(whenFalse), span: cond.span, stack, text }));
  }

  ifStmt(s: A.IfStmt, at: Where): void {
    const thenLabel = this.newLabel();
    const elseLabel = this.newLabel();
    const endLabel = this.newLabel();
    this.condition(s.cond, "if", at, thenLabel, elseLabel);
    this.place(thenLabel);
    this.block(s.then, at.env, at.stack, at.ret);
    this.jump(endLabel);
    this.place(elseLabel);
    if (s.otherwise?.kind === "Block") this.block(s.otherwise, at.env, at.stack, at.ret);
    else if (s.otherwise) this.stmt(s.otherwise, at.env, at.stack, at.ret);
    this.place(endLabel);
  }

  whileStmt(s: A.WhileStmt, at: Where): void {
    // The condition is the loop head: a trylock condition is retried there.
    const head = this.here();
    const body = this.newLabel();
    const exit = this.newLabel();
    this.condition(s.cond, "while", at, body, exit);
    this.place(body);
    this.loops++;
    this.block(s.body, at.env, at.stack, at.ret);
    this.loops--;
    this.jump(head);
    this.place(exit);
  }

  eitherStmt(s: A.EitherStmt, { env, stack, ret }: Where): void {
    if (s.branches.length > MAX_EITHER_BRANCHES) throw new CompileError(`an either with more than ${MAX_EITHER_BRANCHES} branches`);
    const branchLabels = s.branches.map(() => this.newLabel());
    const endLabel = this.newLabel();
    const at = { start: s.span.start, end: s.span.start + "either".length };
    const labels = s.branches.map((b) => b.label);
    const branchNames = s.branches.map((b, i) => {
      if (b.label !== undefined) return JSON.stringify(b.label);
      const line = this.sources ? ` (${branchLine(this.sources, b.body.span)})` : "";
      return `branch ${i + 1} of ${s.branches.length}${line}`;
    });
    this.emit((r) => ({ op: "either", choices: branchLabels.map(r), labels, branchNames, span: at, stack, text: "either" }));
    s.branches.forEach((b, i) => {
      this.place(branchLabels[i]!);
      this.block(b.body, env, stack, ret);
      this.jump(endLabel);
    });
    this.place(endLabel);
  }

  localVarStmt(s: A.LocalVarStmt, { env, stack }: Where): void {
    const init = !s.init ? 0 : s.init.kind === "IntLiteral" ? s.init.value : s.init.value ? 1 : 0;
    const id = this.declareLocal(s, init, env);
    // Run at most once (no loop around it, not in a work item's body), nothing can read it
    // before: its value is in the initial state. In a loop each iteration starts it afresh:
    // an assignment step.
    if (this.loops === 0) return;
    const text = `var ${s.name.name} = ${s.init ? render(s.init, env) : "0"}`;
    this.step((next) => ({ op: "assign", target: id, value: { k: "const", v: init }, next, span: s.span, stack, text }));
  }

  assignStmt(s: A.AssignStmt, { env, stack }: Where): void {
    const target = this.variable(s.target, env);
    const value = this.expr(s.value, env);
    const text = `${this.varName(s.target, env)} = ${render(s.value, env)}`;
    this.step((next) => ({ op: "assign", target, value, next, span: s.span, stack, text }));
  }

  assertStmt(s: A.AssertStmt, { env, stack }: Where): void {
    const cond = this.expr(s.cond, env);
    const text = `assert ${render(s.cond, env)}`;
    this.step((next) => ({ op: "assert", cond, message: s.message, next, span: s.span, stack, text }));
  }

  waitStmt(s: A.WaitStmt, { env, stack }: Where): void {
    const cond = this.expr(s.cond, env);
    const text = `wait until ${render(s.cond, env)}`;
    this.step((next) => ({ op: "wait", cond, next, span: s.span, stack, text }));
  }

  returnStmt(_s: A.ReturnStmt, { ret }: Where): void {
    this.jump(ret);
  }

  /** A trylock condition: `next` is where a true condition goes (for `!trylock`, a failed attempt). */
  private trylock(c: NonNullable<ReturnType<typeof trylockCondition>>, at: Span, env: Env, stack: readonly Frame[], whenTrue: number, whenFalse: number): void {
    const { op, lock: ref } = c.trylock;
    const lock = this.lock(ref, env);
    const text = `${op} ${this.lockName(ref, env)}`;
    const [acquired, failed] = c.negated ? [whenFalse, whenTrue] : [whenTrue, whenFalse];
    this.emit((r) => ({ op, lock, next: r(acquired), alt: r(failed), span: at, stack, text }));
  }

  private declareLocal(s: A.LocalVarStmt, init: number, env: Env): number {
    const name = s.name.name;
    const seen = (env.instance.names.get(name) ?? 0) + 1;
    env.instance.names.set(name, seen);
    const id = this.vars.length;
    const type = s.init?.kind === "IntLiteral" ? "int" : "bool";
    this.vars.push({ name: `${env.instance.prefix}.${name}${seen > 1 ? `#${seen}` : ""}`, type, init, declSpan: s.name.span });
    env.locals!.vars.set(name, id);
    return id;
  }

  call(s: A.CallStmt, env: Env, stack: readonly Frame[]): void {
    let params: readonly A.Ident[];
    let body: A.Block;
    let callee: Callee;
    if (s.driver) {
      // `drv.cb()` with `drv` a parameter: the driver passed in (race-language.md §11).
      const passed = param(env, s.driver.name);
      if (passed && passed.kind !== "driver") throw new CompileError(`${s.driver.name} is not bound to a driver`);
      const driver = passed?.name ?? s.driver.name;
      const drv = this.scope.globals.get(driver);
      const cb = drv?.kind === "driver" ? drv.callbacks.get(s.callee.name) : undefined;
      if (!cb) throw new CompileError(`unresolved callback ${driver}.${s.callee.name}`);
      params = cb.params;
      body = cb.body;
      callee = { kind: "callback", driver, name: s.callee.name };
    } else {
      const fn = this.scope.globals.get(s.callee.name);
      if (fn?.kind !== "fn") throw new CompileError(`unresolved function ${s.callee.name}`);
      params = fn.decl.params;
      body = fn.decl.body;
      callee = { kind: "fn", name: s.callee.name };
    }
    const fnName = bodyName(callee);
    if (stack.length >= MAX_CALL_DEPTH) throw new CompileError(`calls nested deeper than ${MAX_CALL_DEPTH} at ${fnName}`);
    const inner = new Map<string, Value>();
    params.forEach((p, i) => inner.set(p.name, this.argument(s.args[i]!, env)));
    const args = s.args.map((a) => render(a, env)).join(", ");
    const frame: Frame = { callee, fn: `${fnName}(${args})`, call: s.span };
    const after = this.newLabel();
    const nth = (this.expansions.get(fnName) ?? 0) + 1;
    this.expansions.set(fnName, nth);
    const instance: Instance = { prefix: `${this.cpuName}:${fnName}#${nth}`, names: new Map() };
    this.block(body, { params: inner, locals: undefined, instance }, [...stack, frame], after);
    this.place(after);
  }

  private argument(a: A.Expr, env: Env): Value {
    if (a.kind === "IntLiteral") return { kind: "int", value: a.value };
    if (a.kind === "BoolLiteral") return { kind: "bool", value: a.value };
    if (a.kind === "NameExpr") {
      const bound = param(env, a.ref.name.name);
      if (bound) return bound;
      const name = a.ref.name.name;
      // As the checker resolves an argument: an object first, then a driver.
      return !this.scope.objects.has(name) && this.scope.globals.get(name)?.kind === "driver" ? { kind: "driver", name } : { kind: "object", name };
    }
    throw new CompileError("argument is not a constant, object or parameter");
  }

  // ---- names -------------------------------------------------------------

  private instance(r: A.Ref, env: Env): string | undefined {
    if (!r.index) return undefined;
    const bound = param(env, r.index.name);
    if (bound) {
      if (bound.kind !== "object") throw new CompileError(`index ${r.index.name} is not an object`);
      return bound.name;
    }
    return r.index.name;
  }

  lockName(r: A.Ref, env: Env): string {
    const inst = this.instance(r, env);
    return inst === undefined ? r.name.name : `${r.name.name}[${inst}]`;
  }

  varName(r: A.Ref, env: Env): string {
    return this.lockName(r, env);
  }

  private lock(r: A.Ref, env: Env): number {
    const id = this.lockIds.get(this.lockName(r, env));
    if (id === undefined) throw new CompileError(`unresolved lock ${this.lockName(r, env)}`);
    return id;
  }

  private variable(r: A.Ref, env: Env): number {
    const local = localId(env, r.name.name);
    if (local !== undefined) return local;
    const id = this.varIds.get(this.varName(r, env));
    if (id === undefined) throw new CompileError(`unresolved variable ${this.varName(r, env)}`);
    return id;
  }

  private expr(e: A.Expr, env: Env): CExpr {
    switch (e.kind) {
      case "IntLiteral":
        return { k: "const", v: e.value };
      case "BoolLiteral":
        return { k: "const", v: e.value ? 1 : 0 };
      case "NameExpr": {
        const bound = param(env, e.ref.name.name);
        if (bound) {
          if (bound.kind === "object" || bound.kind === "driver") throw new CompileError(`${bound.kind} ${bound.name} used as a value`);
          return { k: "const", v: bound.kind === "int" ? bound.value : bound.value ? 1 : 0 };
        }
        return { k: "var", id: this.variable(e.ref, env) };
      }
      case "UnaryExpr":
        return e.op === "!" ? { k: "not", e: this.expr(e.operand, env) } : { k: "neg", e: this.expr(e.operand, env) };
      case "BinaryExpr":
        return { k: "bin", op: e.op, l: this.expr(e.left, env), r: this.expr(e.right, env) };
      case "LockQuery":
        return { k: e.query, lock: this.lock(e.lock, env) };
      case "TrylockExpr":
        throw new CompileError("trylock inside an expression (the checker reports this)");
      case "CallExpr":
        throw new CompileError("a call used as a value (the checker reports this)");
      case "VerbTest":
        throw new CompileError(`${e.verb} inside an expression (the checker reports this)`);
      case "ShouldStopExpr":
        if (this.thread?.kind !== "kthread") throw new CompileError("kthread_should_stop() outside a kthread (the checker reports this)");
        return { k: "shouldStop", kthread: this.thread.index };
      default:
        return unreachable(e);
    }
  }
}

/** The §10 lock forms' names, by base operation and interrupt flavour. */
const IRQ_SUFFIX = {
  lock: { irq: "_irq", irqsave: "_irqsave", bh: "_bh" },
  rlock: { irq: "_irq", irqsave: "_irqsave", bh: "_bh" },
  unlock: { irq: "_irq", irqsave: "_irqrestore", bh: "_bh" },
  runlock: { irq: "_irq", irqsave: "_irqrestore", bh: "_bh" },
} as const;

/** The kernel call a lock form's first step is. */
const IRQ_STEP = { irq_disable: "local_irq_disable", irq_save: "local_irq_save", bh_disable: "local_bh_disable" } as const;

/** Does a block contain a `return` (not counting nested function bodies, which are calls)? */
function containsReturn(b: A.Block): boolean {
  let found = false;
  forEachStmt(b, (s) => (found ||= s.kind === "ReturnStmt"));
  return found;
}

/** An expression as source text with parameters replaced by their arguments. */
function render(e: A.Expr, env: Env): string {
  const ref = (r: A.Ref): string => {
    if (!r.index) return r.name.name;
    const b = param(env, r.index.name);
    return `${r.name.name}[${b?.kind === "object" ? b.name : r.index.name}]`;
  };
  const go = (x: A.Expr, parent: number): string => {
    switch (x.kind) {
      case "IntLiteral":
        return x.text;
      case "BoolLiteral":
        return String(x.value);
      case "NameExpr": {
        const b = param(env, x.ref.name.name);
        if (b) return b.kind === "object" || b.kind === "driver" ? b.name : String(b.value);
        return ref(x.ref);
      }
      case "UnaryExpr":
        return x.op + go(x.operand, 7);
      case "BinaryExpr": {
        const prec = { "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5 }[x.op];
        const s = `${go(x.left, prec)} ${x.op} ${go(x.right, prec + 1)}`;
        return prec < parent ? `(${s})` : s;
      }
      case "LockQuery":
        return `${x.query}(${ref(x.lock)})`;
      case "TrylockExpr":
        return `${x.op} ${ref(x.lock)}`;
      case "CallExpr":
        return `${x.callee.name}(${x.args.map((a) => go(a, 0)).join(", ")})`;
      case "VerbTest":
        return `${x.verb} ${ref(x.target)}`;
      case "ShouldStopExpr":
        return "kthread_should_stop()";
      default:
        return unreachable(x);
    }
  };
  return go(e, 0);
}

/** `line 12` in the scenario, `linux/pci line 12` in an imported file. */
function branchLine(sources: Sources, s: Span): string {
  const { file, position } = sources.position(s);
  return `${file === 0 ? "" : `${sources.displayName(file)} `}line ${position.line + 1}`;
}

/** Where a statement is compiled: its variables, its call stack, and where `return` goes. */
interface Where {
  readonly env: Env;
  readonly stack: readonly Frame[];
  readonly ret: number;
}

type StmtOf<K extends A.Stmt["kind"]> = Extract<A.Stmt, { readonly kind: K }>;

/** Each statement kind's compiler (a new kind without one is a type error). */
const STATEMENTS: { readonly [K in A.Stmt["kind"]]: (c: CpuCompiler, s: StmtOf<K>, at: Where) => void } = {
  LockStmt: (c, s, at) => c.lockStmt(s, at),
  IfStmt: (c, s, at) => c.ifStmt(s, at),
  WhileStmt: (c, s, at) => c.whileStmt(s, at),
  EitherStmt: (c, s, at) => c.eitherStmt(s, at),
  LocalVarStmt: (c, s, at) => c.localVarStmt(s, at),
  AssignStmt: (c, s, at) => c.assignStmt(s, at),
  AssertStmt: (c, s, at) => c.assertStmt(s, at),
  WaitStmt: (c, s, at) => c.waitStmt(s, at),
  CallStmt: (c, s, at) => c.call(s, at.env, at.stack),
  ReturnStmt: (c, s, at) => c.returnStmt(s, at),
  TrylockStmt: () => {
    throw new CompileError("trylock outside if (the checker reports this)");
  },
  VerbStmt: (c, s, at) => c.verbStmt(s, at),
};

/** `sources` (the program's files) lets traces name an unlabelled `either` branch by its line. */
export function compile(file: A.SourceFile, scope: Scope, sources?: Sources): Model {
  const locks: LockInfo[] = [];
  const vars: VarInfo[] = [];
  const lockIds = new Map<string, number>();
  const varIds = new Map<string, number>();
  for (const item of file.items) {
    if (item.kind === "LockDecl") {
      const names = item.instances ? item.instances.map((i) => `${item.name.name}[${i.name}]`) : [item.name.name];
      for (const name of names) {
        lockIds.set(name, locks.length);
        locks.push({ name, kind: item.lockKind, declSpan: item.name.span, ...(item.novalidate ? { novalidate: true as const } : {}) });
      }
    } else if (item.kind === "VarDecl") {
      const names = item.instances ? item.instances.map((i) => `${item.name.name}[${i.name}]`) : [item.name.name];
      const type = varType(item) === "int" ? "int" : "bool";
      const init = item.init ? (item.init.kind === "IntLiteral" ? item.init.value : item.init.value ? 1 : 0) : 0;
      for (const name of names) {
        varIds.set(name, vars.length);
        vars.push({ name, type, init, declSpan: item.name.span });
      }
    }
  }
  const prims = new Primitives(file, scope, locks.length);
  const cpus = prims.threads.map((t) => new CpuCompiler(scope, lockIds, varIds, vars, sources, prims).compile(t));
  const { workqueues, works, kthreads, completions, kernfs, srcus, handlers, pseudoLocks } = prims;
  return { title: scope.scenario?.title, locks, vars, cpus, workqueues, works, kthreads, completions, kernfs, srcus, handlers, pseudoLocks };
}

export type { Span };
