// The checker: resolves every name used in a body, checks kinds, arity,
// instances and types, finds recursion and unused declarations. Parameters
// are untyped until a call binds them, so function bodies are checked once
// on their own (what does not depend on the arguments) and once per distinct
// set of arguments they are called with from a CPU (what does). Diagnostics
// are deduplicated, so both passes may find the same static error.

import type * as A from "./ast";
import { EXPECT_KINDS, forEachExpr, trylockCondition, unreachable, verbCondition } from "./ast";
import { bind, describeSymbol, type GlobalSymbol, type Scope } from "./binder";
import { TARGETS, VERBS, type TargetKind, type VerbInfo } from "./verbs";
import { expansionDiagnostics } from "./expansion";
import { isKernelSpelling, kernelAdvice } from "./kernelSpellings";
import { MAX_CALL_DEPTH, MAX_EITHER_BRANCHES, MAX_EXPANDED_NESTING, MAX_EXPRESSION_SIZE } from "./limits";
import { catalogue, diagnostic, relatedText, withRelated, type Diagnostic, type TypeWords } from "./messages";
import { bodyName, referentKey, type BodyOwner, type LocalRef, type Referent } from "./referent";
import { globalReferent, noun, recordedAs, resolve, type Binding, type LocalScope, type Place, type Resolved, type ValueType } from "./resolve";
import { Sources } from "./sources";
import type { Span } from "./span";

/** A use or declaration of a named thing, for navigation and rename. */
export interface Reference {
  readonly span: Span;
  /** What the name refers to. */
  readonly symbol: Referent;
  /** `referentKey(symbol)`: the same for every reference to one thing; for equality and maps only. */
  readonly key: string;
  readonly declaration: boolean;
}

export interface CheckResult {
  readonly scope: Scope;
  readonly diagnostics: readonly Diagnostic[];
  readonly references: readonly Reference[];
  readonly expectation: A.Expectation;
  /** Functions and callbacks on a call cycle (their `referentKey`s); never expanded. */
  readonly recursive: ReadonlySet<string>;
  /**
   * Ranges already explained by one diagnostic (a kernel spelling such as
   * `mutex_lock(&m)`): any other diagnostic inside one is a cascade and is dropped.
   */
  readonly quiet: readonly Span[];
}

export interface CheckOptions {
  /** Parsing stopped early (parse.ts cutAt): the file's end is missing, so nothing is "never used". */
  readonly truncated?: boolean;
  /**
   * The files the items come from (program.ts): spans of imported files are
   * named by file in sentences, and only the scenario's own declarations
   * can be "never used". Default: one file, the text given.
   */
  readonly sources?: Sources;
  /** The scenario only declares (no CPU, `scenario` or `expect`): it needs no CPU, and its declarations are for others to use. */
  readonly declarationsOnly?: boolean;
}

interface Body {
  readonly owner: BodyOwner;
  /** `referentKey(owner)`: a node of the call graph. */
  readonly key: string;
  /** `bodyName(owner)`. */
  readonly name: string;
  readonly params: readonly A.Ident[];
  readonly block: A.Block;
}

interface Ctx {
  readonly body: Body;
  readonly env: ReadonlyMap<string, Binding>;
  /** Record references and call edges (the one pass per body that does). */
  readonly record: boolean;
  /** Follow calls into callees with this pass's arguments. */
  readonly expand: boolean;
  readonly locals: LocalScope | undefined;
  /** Calls active around this body (0 in a CPU's own). */
  readonly depth: number;
  /** Blocks around this point, counted through calls: one more than expansion.ts counts (the body's own block). */
  readonly nesting: number;
  /** The thread running this code, when known (a function checked on its own runs on an unknown one). */
  readonly thread: ThreadWho | undefined;
}

/** A thread: a CPU, a work item or a kthread, by name. */
interface ThreadWho {
  readonly kind: "cpu" | "work" | "kthread" | "irq" | "softirq";
  readonly name: string;
}

const THREAD_NOUN: Readonly<Record<ThreadWho["kind"], string>> = { cpu: "CPU", work: "work item", kthread: "kthread", irq: "interrupt handler", softirq: "softirq handler" };


export const INT_MIN = -128;
export const INT_MAX = 127;

export function varType(decl: A.VarDecl): ValueType {
  if (!decl.init) return "unknown";
  return decl.init.kind === "IntLiteral" ? "int" : "bool";
}

function makeBody(owner: BodyOwner, params: readonly A.Ident[], block: A.Block): Body {
  return { owner, key: referentKey(owner), name: bodyName(owner), params, block };
}

class Checker {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly seenDiagnostics = new Set<string>();
  readonly references: Reference[] = [];
  private readonly callEdges: { from: string; to: string; at: Span }[] = [];
  /** The name of each body on the call graph, by key. */
  private readonly bodyNames = new Map<string, string>();
  private recursive = new Set<string>();
  private readonly expanded = new Set<string>();
  /** The calls being expanded in pass 2, outermost first (their signatures). */
  private readonly expanding: { signature: string; name: string }[] = [];
  /** Callbacks called through a driver argument (`drv.remove(d)`): used, though no reference names them. */
  private readonly calledThrough = new Set<string>();
  readonly quiet: Span[] = [];
  private readonly oversized = new Set<A.Expr>();
  private readonly sources: Sources;

  constructor(
    private readonly scope: Scope,
    text: string,
    private readonly options: CheckOptions,
  ) {
    this.sources = options.sources ?? Sources.single(text);
  }

  report(d: Diagnostic): void {
    const key = `${d.code}:${d.span.start}:${d.span.end}:${d.message}`;
    if (this.seenDiagnostics.has(key)) return;
    this.seenDiagnostics.add(key);
    this.diagnostics.push(d);
  }

  result(): Diagnostic[] {
    return this.diagnostics;
  }

  private ref(span: Span, symbol: Referent, declaration = false): void {
    this.references.push({ span, symbol, key: referentKey(symbol), declaration });
  }

  /** `line:column` in the scenario, `file:line:column` in an imported file. */
  private at(s: Span): string {
    return this.sources.where(s);
  }

  // ---- entry -------------------------------------------------------------

  run(file: A.SourceFile): void {
    this.declarations(file);
    const bodies = this.callableBodies();
    // Pass 1: every function and callback on its own, arguments unknown;
    // so is a work item's body that binds a parameter.
    const fresh = { expand: false, locals: undefined, depth: 0, nesting: 0, thread: undefined } as const;
    for (const body of bodies) {
      const env = new Map<string, Binding>(body.params.map((p) => [p.name, { kind: "unknown" }]));
      this.block(body.block, { ...fresh, body, env, record: true });
    }
    this.findRecursion();
    for (const d of expansionDiagnostics(this.scope, this.recursive)) this.report(d);
    // Pass 2: each thread, following calls with the arguments it passes.
    for (const { body, thread, envs, record } of this.threadBodies()) {
      for (const env of envs) this.block(body.block, { body, env, record, expand: true, locals: undefined, depth: 0, nesting: 0, thread });
    }
    this.structure(file);
    if (!this.options.truncated) this.unused();
  }

  private declarations(file: A.SourceFile): void {
    for (const item of file.items) {
      switch (item.kind) {
        case "LockDecl":
        case "VarDecl":
          this.ref(item.name.span, { kind: item.kind === "LockDecl" ? "lock" : "var", name: item.name.name }, true);
          if (!item.star) for (const inst of item.instances ?? []) this.ref(inst.span, { kind: "object", name: inst.name }, true);
          if (item.kind === "VarDecl" && item.init) this.expr(item.init, undefined);
          break;
        case "FnDecl": {
          const owner = { kind: "fn", name: item.name.name } as const;
          this.ref(item.name.span, owner, true);
          for (const p of item.params) this.ref(p.span, { kind: "param", owner, name: p.name }, true);
          break;
        }
        case "DriverDecl":
          this.ref(item.name.span, { kind: "driver", name: item.name.name }, true);
          for (const cb of item.callbacks) {
            const owner = { kind: "callback", driver: item.name.name, name: cb.name.name } as const;
            this.ref(cb.name.span, owner, true);
            for (const p of cb.params) this.ref(p.span, { kind: "param", owner, name: p.name }, true);
          }
          break;
        case "CpuDecl":
          this.ref(item.name.span, { kind: "cpu", name: item.name.name }, true);
          break;
        case "WorkqueueDecl":
          this.ref(item.name.span, { kind: "workqueue", name: item.name.name }, true);
          if (item.maxActive && item.ordered) this.report(diagnostic("maxActive", item.maxActive.span, "ordered"));
          else if (item.maxActive && (item.maxActive.value < 1 || item.maxActive.value > 255)) this.report(diagnostic("maxActive", item.maxActive.span, "range", item.maxActive.text));
          break;
        case "WorkDecl":
          this.workDecl(item);
          break;
        case "KthreadDecl":
          this.ref(item.name.span, { kind: "kthread", name: item.name.name }, true);
          break;
        case "HandlerDecl":
          this.ref(item.name.span, { kind: "handler", name: item.name.name }, true);
          if (item.cpu.name !== "") {
            if (this.scope.cpus.some((c) => c.name.name === item.cpu.name)) this.ref(item.cpu.span, { kind: "cpu", name: item.cpu.name });
            else {
              const thread = this.scope.works.some((w) => w.name.name === item.cpu.name) ? "work item" : this.scope.kthreads.some((k) => k.name.name === item.cpu.name) ? "kthread" : undefined;
              this.report(diagnostic("unknownCpu", item.cpu.span, item.cpu.name, item.name.name, thread));
            }
          }
          break;
        case "PrimitiveDecl":
          this.ref(item.name.span, { kind: item.what, name: item.name.name }, true);
          if (!item.star) for (const inst of item.instances ?? []) this.ref(inst.span, { kind: "object", name: inst.name }, true);
          break;
        case "ObjectDecl":
          for (const o of item.names) if (o.name !== "") this.ref(o.span, { kind: "object", name: o.name }, true);
          break;
        case "ScenarioDecl":
        case "ExpectDecl":
        case "ImportDecl":
          break;
        default:
          unreachable(item);
      }
    }
  }

  private workDecl(item: A.WorkDecl): void {
    const owner = { kind: "work", name: item.name.name } as const;
    this.ref(item.name.span, owner, true);
    if (!item.star) for (const inst of item.instances ?? []) this.ref(inst.span, { kind: "object", name: inst.name }, true);
    for (const p of item.params) this.ref(p.span, { kind: "param", owner, name: p.name }, true);
    if (item.params.length > 1) this.report(diagnostic("workParams", item.params[1]!.span, item.name.name, "several"));
    else if (item.params.length === 1 && !item.instances) this.report(diagnostic("workParams", item.params[0]!.span, item.name.name, "noObjects"));
    const q = item.queue;
    if (q.name === "") return;
    const sym = this.scope.globals.get(q.name);
    if (sym?.kind === "workqueue") this.ref(q.span, globalReferent(sym));
    else if (sym) this.report(diagnostic("wrongTarget", q.span, `work ${item.name.name} on`, "workqueue", q.name, describeSymbol(sym)));
    else this.report(diagnostic("unknownPrimitive", q.span, "workqueue", q.name, TARGETS.workqueue.example(q.name)));
  }

  private callableBodies(): Body[] {
    const bodies: Body[] = [];
    for (const sym of this.scope.globals.values()) {
      if (sym.kind === "fn") bodies.push(makeBody({ kind: "fn", name: sym.decl.name.name }, sym.decl.params, sym.decl.body));
      if (sym.kind === "driver") {
        for (const cb of sym.decl.callbacks) bodies.push(makeBody({ kind: "callback", driver: sym.decl.name.name, name: cb.name.name }, cb.params, cb.body));
      }
      if (sym.kind === "work" && sym.decl.params.length > 0) bodies.push(makeBody({ kind: "work", name: sym.decl.name.name }, sym.decl.params, sym.decl.body));
    }
    return bodies;
  }

  /**
   * Each thread's body with the parameter bindings it runs with: a CPU's
   * and a kthread's once, a work item's once per object (its parameter
   * bound to it). References are recorded where pass 1 did not already.
   */
  private threadBodies(): { body: Body; thread: ThreadWho; envs: Map<string, Binding>[]; record: boolean }[] {
    const out: { body: Body; thread: ThreadWho; envs: Map<string, Binding>[]; record: boolean }[] = [];
    for (const cpu of this.scope.cpus) out.push({ body: makeBody({ kind: "cpu", name: cpu.name.name }, [], cpu.body), thread: { kind: "cpu", name: cpu.name.name }, envs: [new Map()], record: true });
    for (const w of this.scope.works) {
      const name = w.name.name;
      const param = w.params.length === 1 ? w.params[0]! : undefined;
      const envs = param && w.instances ? w.instances.map((o) => new Map<string, Binding>([[param.name, { kind: "object", name: o.name, origin: o.span }]])) : [new Map<string, Binding>(w.params.map((p) => [p.name, { kind: "unknown" }]))];
      out.push({ body: makeBody({ kind: "work", name }, w.params, w.body), thread: { kind: "work", name }, envs, record: w.params.length === 0 });
    }
    for (const k of this.scope.kthreads) out.push({ body: makeBody({ kind: "kthread", name: k.name.name }, [], k.body), thread: { kind: "kthread", name: k.name.name }, envs: [new Map()], record: true });
    for (const h of this.scope.handlers) out.push({ body: makeBody({ kind: "handler", name: h.name.name }, [], h.body), thread: { kind: h.context, name: h.name.name }, envs: [new Map()], record: true });
    return out;
  }

  private structure(file: A.SourceFile): void {
    if (this.scope.cpus.length === 0 && !this.options.truncated && !this.options.declarationsOnly) {
      const first = file.items.find((i) => this.sources.inMain(i.span));
      const at = first ? (first.kind === "ScenarioDecl" ? first.span : { start: first.span.start, end: first.span.start }) : { start: 0, end: 0 };
      this.report(diagnostic("noCpu", at));
    }
    const words = this.scope.expect?.words ?? [];
    const seen = new Set<string>();
    for (const w of words) {
      if (w.name === "") continue;
      if (w.name !== "safe" && !(EXPECT_KINDS as readonly string[]).includes(w.name)) this.report(diagnostic("badExpect", w.span, w.name));
      else if (seen.has(w.name)) this.report(diagnostic("duplicate", w.span, "expectation", w.name, undefined, "remove"));
      else if (w.name === "safe" && words.length > 1) this.report(diagnostic("safeNotAlone", w.span));
      seen.add(w.name);
    }
  }

  // ---- statements --------------------------------------------------------

  /** Checks a block in a scope of its own: its locals end with it. */
  private block(b: A.Block, ctx: Ctx): void {
    const inner: Ctx = { ...ctx, locals: { vars: new Map(), parent: ctx.locals }, nesting: ctx.nesting + 1 };
    for (const s of b.stmts) this.stmt(s, inner);
  }

  private stmt(s: A.Stmt, ctx: Ctx): void {
    switch (s.kind) {
      case "LockStmt":
        this.lockOp(s.op, s.lock, ctx, s.irq);
        break;
      case "TrylockStmt":
        this.report(diagnostic("trylockOutsideIf", s.span, s.op));
        this.lockOp(s.op, s.lock, ctx);
        break;
      case "LocalVarStmt":
        this.declareLocal(s, ctx);
        break;
      case "AssignStmt": {
        const target = this.varRef(s.target, ctx, "write");
        const value = this.expr(s.value, ctx);
        if (target && target !== "unknown" && value !== "unknown" && target !== value) {
          this.report(diagnostic("typeMismatch", s.value.span, { kind: "assign", value: this.typeWords(value, s.value, ctx), target: s.target.name.name, targetType: target }));
        }
        break;
      }
      case "AssertStmt":
      case "WaitStmt":
        this.condition(s.cond, ctx, s.kind === "AssertStmt" ? "assert" : "wait until");
        break;
      case "WhileStmt":
      case "IfStmt": {
        const trylock = trylockCondition(s.cond);
        const test = verbCondition(s.cond);
        if (trylock) this.lockOp(trylock.trylock.op, trylock.trylock.lock, ctx);
        else if (test) this.targetRef(test.test.verb, VERBS[test.test.verb].target, test.test.target, ctx);
        else this.condition(s.cond, ctx, s.kind === "IfStmt" ? "if" : "while");
        if (s.kind === "WhileStmt") this.block(s.body, ctx);
        else {
          this.block(s.then, ctx);
          if (s.otherwise?.kind === "Block") this.block(s.otherwise, ctx);
          else if (s.otherwise) this.stmt(s.otherwise, ctx);
        }
        break;
      }
      case "EitherStmt": {
        const keyword = { start: s.span.start, end: s.span.start + "either".length };
        if (s.branches.length < 2) this.report(diagnostic("eitherBranches", keyword));
        if (s.branches.length > MAX_EITHER_BRANCHES) this.report(diagnostic("tooManyBranches", keyword, s.branches.length, MAX_EITHER_BRANCHES));
        for (const b of s.branches) this.block(b.body, ctx);
        break;
      }
      case "CallStmt":
        if (this.kernelSpelling(s, s.callee, s.driver === undefined ? s.args : undefined, ctx)) break;
        this.call(s, ctx);
        break;
      case "ReturnStmt":
        break;
      case "VerbStmt":
        this.verbStmt(s, ctx);
        break;
      default:
        unreachable(s);
    }
  }

  /** A §9 statement: its target of the kind the verb takes, its block where it takes one. */
  private verbStmt(s: A.VerbStmt, ctx: Ctx): void {
    const info: VerbInfo = VERBS[s.verb];
    if (info.conditionOnly) this.report(diagnostic("verbOutsideCondition", s.verbSpan, s.verb));
    if (info.target) {
      if (s.target) this.targetRef(s.verb, info.target, s.target, ctx);
      else this.report(diagnostic("verbNeedsTarget", s.verbSpan, s.verb, TARGETS[info.target].noun));
    }
    if (info.block && !s.body) this.report(diagnostic("verbBlock", s.verbSpan, s.verb, true));
    if (!info.block && s.body) this.report(diagnostic("verbBlock", s.body.span, s.verb, false));
    if (s.body) this.block(s.body, ctx);
  }

  /** The target of a §9 verb: a declared primitive of the kind it takes, indexed as declared. */
  private targetRef(verb: string, kind: TargetKind, r: A.Ref, ctx: Ctx): void {
    const name = r.name.name;
    if (name === "") return;
    const found = this.resolve(r.name, ctx, kind);
    if (found.kind === "global" && found.sym.kind === kind) {
      const decl = found.sym.decl;
      this.index(name, "instances" in decl ? decl.instances : undefined, r, ctx);
      return;
    }
    this.report(found.kind === "unknown" ? diagnostic("unknownPrimitive", r.name.span, TARGETS[kind].noun, name, TARGETS[kind].example(name)) : diagnostic("wrongTarget", r.name.span, verb, TARGETS[kind].noun, name, noun(found)));
  }

  /** A lock statement or trylock: the lock, the shared side only on an rwsem or rwlock_t, §10's interrupt forms only on a lock that spins. */
  private lockOp(op: A.LockOp | A.TrylockOp, lock: A.Ref, ctx: Ctx, irq?: A.LockStmt["irq"]): void {
    const sym = this.lockRef(lock, ctx);
    if (sym && (op === "rlock" || op === "runlock" || op === "rtrylock") && sym.decl.lockKind !== "rwsem" && sym.decl.lockKind !== "rwlock") {
      this.report(diagnostic("notRwsem", lock.name.span, op, lock.name.name, sym.decl.lockKind));
    }
    // spin_lock_irq() and friends exist for spinlocks and rwlock_t only: a mutex or an rwsem sleeps, which it cannot with interrupts off.
    if (sym && irq && sym.decl.lockKind !== "spinlock" && sym.decl.lockKind !== "rwlock") {
      const form = irq === "irqsave" ? (op === "unlock" || op === "runlock" ? `${op}_irqrestore` : `${op}_irqsave`) : `${op}_${irq}`;
      this.report(diagnostic("irqFormOnSleepingLock", lock.name.span, form, lock.name.name, sym.decl.lockKind));
    }
  }

  private declareLocal(s: A.LocalVarStmt, ctx: Ctx): void {
    const name = s.name.name;
    if (s.init) this.expr(s.init, ctx);
    const scope = ctx.locals!;
    if (name === "") return;
    const symbol: LocalRef = { kind: "local", owner: ctx.body.owner, name, at: s.name.span.start };
    // Like a duplicate global, a duplicate local is reported and the first declaration stays.
    if (scope.vars.has(name)) return this.report(diagnostic("duplicate", s.name.span, "local variable", name));
    if (scope.parent === undefined && ctx.body.params.some((p) => p.name === name)) return this.report(diagnostic("duplicate", s.name.span, "name", name, "parameter"));
    if (ctx.record) this.ref(s.name.span, symbol, true);
    const type: ValueType = !s.init ? "unknown" : s.init.kind === "IntLiteral" ? "int" : "bool";
    scope.vars.set(name, { decl: s, symbol, type });
  }

  /**
   * `mutex_lock(&m)` and friends, as a statement or a value: one hint on the
   * call, its range kept quiet (the `&` is a bad character, the arguments
   * are not names of the scenario). A scenario's own `fn mutex_lock` wins.
   */
  private kernelSpelling(s: { span: Span }, callee: A.Ident, args: readonly A.Expr[] | undefined, ctx: Ctx): boolean {
    if (!args || !isKernelSpelling(callee.name) || this.scope.globals.has(callee.name)) return false;
    const first = args[0];
    const ref = first?.kind === "NameExpr" ? first.ref : undefined;
    const sym = ref ? this.scope.globals.get(ref.name.name) : undefined;
    // The name as parsed: tokenScan.ts turned `&dev->mutex` into `dev_mutex`.
    const lock = ref && ref.name.name !== "" ? (ref.index ? `${ref.name.name}[${ref.index.name}]` : ref.name.name) : "L";
    if (sym?.kind === "lock" && ctx.record) this.ref(ref!.name.span, globalReferent(sym));
    const { instead, note } = kernelAdvice(callee.name, lock, sym?.kind === "lock" ? sym.decl.lockKind : undefined);
    const written = this.sources.slice(s.span).replace(/\s+/g, " ");
    this.report(diagnostic("kernelSpelling", s.span, written.length > 60 ? `${callee.name}(…)` : written, instead, note));
    this.quiet.push(s.span);
    return true;
  }

  private condition(e: A.Expr, ctx: Ctx, where: string): void {
    const t = this.expr(e, ctx);
    if (t === "int") this.report(diagnostic("typeMismatch", e.span, { kind: "condition", statement: where, value: this.typeWords(t, e, ctx) }));
  }

  /** The type of `e` as a type error names it, with the value a parameter is bound to. */
  private typeWords(type: "int" | "bool", e: A.Expr, ctx: Ctx): TypeWords {
    const name = e.kind === "NameExpr" ? e.ref.name.name : "";
    const found = resolve(name, this.scope, ctx, "read");
    const bound = found.kind === "param" ? found.binding : undefined;
    if (!bound || bound.kind === "unknown") return { type };
    return { type, bound: { param: name, value: String(bound.kind === "object" || bound.kind === "driver" ? bound.name : bound.value), at: this.at(bound.origin) } };
  }

  // ---- calls -------------------------------------------------------------

  private call(s: A.CallStmt, ctx: Ctx): void {
    const target = this.callee(s, ctx);
    const bindings = s.args.map((a) => this.argument(a, ctx));
    if (!target) return;
    if (ctx.record) {
      this.callEdges.push({ from: ctx.body.key, to: target.key, at: s.callee.span });
      this.bodyNames.set(ctx.body.key, ctx.body.name).set(target.key, target.name);
    }
    if (target.params.length !== bindings.length) {
      this.report(diagnostic("arity", s.callee.span, target.name, target.params.length, bindings.length));
      return;
    }
    // Past a limit (where expansionDiagnostics has reported), following calls would only recurse deeper.
    if (!ctx.expand || this.recursive.has(target.key) || ctx.depth >= MAX_CALL_DEPTH || ctx.nesting > MAX_EXPANDED_NESTING) return;
    const env = new Map<string, Binding>();
    target.params.forEach((p, i) => env.set(p.name, bindings[i]!));
    const signature = `${target.key}(${bindings.map((b) => (b.kind === "unknown" ? "?" : `${b.kind}:${b.kind === "object" || b.kind === "driver" ? b.name : String(b.value)}@${b.origin.start}`)).join(",")})`;
    // A driver passed as an argument can close a call cycle that no static edge shows: the same call again inside itself.
    const open = this.expanding.findIndex((e) => e.signature === signature);
    if (open >= 0) {
      const names = [...this.expanding.slice(open).map((e) => e.name), target.name];
      this.report(diagnostic("recursion", s.callee.span, names));
      return;
    }
    if (this.expanded.has(signature)) return;
    this.expanded.add(signature);
    this.expanding.push({ signature, name: target.name });
    this.block(target.block, { body: target, env, record: false, expand: true, locals: undefined, depth: ctx.depth + 1, nesting: ctx.nesting, thread: ctx.thread });
    this.expanding.pop();
  }

  private callee(s: A.CallStmt, ctx: Ctx): Body | undefined {
    const name = s.callee.name;
    if (name === "") return undefined;
    if (s.driver) {
      const drvName = s.driver.name;
      if (drvName === "") return undefined;
      const drv = this.resolve(s.driver, ctx, "driver");
      let driver: (GlobalSymbol & { kind: "driver" }) | undefined;
      let passed: Span | undefined;
      if (drv.kind === "param") {
        // A driver passed in: known only once a call binds it (pass 2, or a thread's own call).
        const bound = drv.binding;
        if (bound.kind === "unknown") return undefined;
        if (bound.kind !== "driver") {
          const what = bound.kind === "object" ? `object instance ${bound.name}` : `${bound.kind} ${String(bound.value)}`;
          this.report(withRelated(diagnostic("notADriver", s.driver.span, drvName, what, this.at(bound.origin)), [{ span: bound.origin, message: relatedText.passedHere(bound.kind === "object" ? bound.name : String(bound.value)) }]));
          return undefined;
        }
        const sym = this.scope.globals.get(bound.name);
        if (sym?.kind !== "driver") return undefined;
        driver = sym;
        passed = bound.origin;
      } else if (drv.kind === "global" && drv.sym.kind === "driver") {
        driver = drv.sym;
      } else {
        this.report(drv.kind === "unknown" ? diagnostic("unknownDriver", s.driver.span, drvName) : diagnostic("notAFunction", s.driver.span, drvName, noun(drv)));
        return undefined;
      }
      const driverName = driver.decl.name.name;
      const cb = driver.callbacks.get(name);
      if (!cb) {
        const d = diagnostic("unknownCallback", s.callee.span, driverName, name);
        this.report(passed ? withRelated(d, [{ span: passed, message: relatedText.passedHere(driverName) }]) : d);
        return undefined;
      }
      const body = makeBody({ kind: "callback", driver: driverName, name }, cb.params, cb.body);
      if (passed) this.calledThrough.add(body.key);
      else if (ctx.record) this.ref(s.callee.span, body.owner);
      return body;
    }
    const found = this.resolve(s.callee, ctx, "callee");
    if (found.kind === "global" && found.sym.kind === "fn") return makeBody({ kind: "fn", name }, found.sym.decl.params, found.sym.decl.body);
    this.report(found.kind === "unknown" ? diagnostic("unknownFunction", s.callee.span, name) : diagnostic("notAFunction", s.callee.span, name, noun(found)));
    return undefined;
  }

  private argument(a: A.Expr, ctx: Ctx): Binding {
    switch (a.kind) {
      case "IntLiteral":
        this.expr(a, ctx);
        return { kind: "int", value: a.value, origin: a.span };
      case "BoolLiteral":
        return { kind: "bool", value: a.value, origin: a.span };
      case "NameExpr": {
        const name = a.ref.name.name;
        if (name === "") return { kind: "unknown" };
        if (a.ref.index) {
          this.report(diagnostic("badArgument", a.span, { kind: "indexed", index: a.ref.index.name }));
          return { kind: "unknown" };
        }
        const found = this.resolve(a.ref.name, ctx, "argument");
        switch (found.kind) {
          case "param":
            return found.binding;
          case "object":
            return { kind: "object", name, origin: a.span };
          case "global":
            if (found.sym.kind === "driver") return { kind: "driver", name, origin: a.span };
            this.report(diagnostic("badArgument", a.span, { kind: "name", name, what: noun(found) }));
            return { kind: "unknown" };
          case "local":
            this.report(diagnostic("badArgument", a.span, { kind: "name", name, what: noun(found) }));
            return { kind: "unknown" };
          case "unknown":
            this.report(diagnostic("unknownName", a.ref.name.span, name));
            return { kind: "unknown" };
          default:
            return unreachable(found);
        }
      }
      case "CallExpr":
        this.expr(a, ctx);
        return { kind: "unknown" };
      case "UnaryExpr":
      case "BinaryExpr":
      case "LockQuery":
      case "TrylockExpr":
      case "VerbTest":
      case "ShouldStopExpr":
        this.report(diagnostic("badArgument", a.span, { kind: "expression" }));
        return { kind: "unknown" };
      default:
        return unreachable(a);
    }
  }

  // ---- names -------------------------------------------------------------

  /** Resolves a name where it stands and records the use for navigation. */
  private resolve(id: A.Ident, ctx: Ctx, place: Place): Resolved {
    const found = resolve(id.name, this.scope, ctx, place);
    const symbol = ctx.record ? recordedAs(found, id.name, ctx.body.owner, place) : undefined;
    if (symbol) this.ref(id.span, symbol);
    return found;
  }

  private lockRef(r: A.Ref, ctx: Ctx): (GlobalSymbol & { kind: "lock" }) | undefined {
    const name = r.name.name;
    if (name === "") return undefined;
    const found = this.resolve(r.name, ctx, "lock");
    if (found.kind === "global" && found.sym.kind === "lock") {
      this.index(name, found.sym.decl.instances, r, ctx);
      return found.sym;
    }
    this.report(found.kind === "unknown" ? diagnostic("unknownLock", r.name.span, name) : diagnostic("notALock", r.name.span, name, noun(found)));
    return undefined;
  }

  /** A variable read or assigned: its type, if known. A parameter is read as the value it is bound to. */
  private varRef(r: A.Ref, ctx: Ctx, mode: "read" | "write"): ValueType | undefined {
    const name = r.name.name;
    if (name === "") return undefined;
    const found = this.resolve(r.name, ctx, mode);
    switch (found.kind) {
      case "local":
        if (r.index && r.index.name !== "") this.report(diagnostic("notIndexed", r.index.span, name));
        return found.local.type;
      case "param": {
        const bound = found.binding;
        if (mode === "write") {
          this.report(diagnostic("notAVariable", r.name.span, name, noun(found)));
          return undefined;
        }
        if (r.index) this.report(diagnostic("notIndexed", r.index.span, name));
        if (bound.kind === "object") {
          this.report(withRelated(diagnostic("objectAsValue", r.span, bound.name), [{ span: bound.origin, message: relatedText.passedHere(bound.name) }]));
          return "unknown";
        }
        if (bound.kind === "driver") {
          this.report(withRelated(diagnostic("driverAsValue", r.span, bound.name, { param: name, at: this.at(bound.origin) }), [{ span: bound.origin, message: relatedText.passedHere(bound.name) }]));
          return "unknown";
        }
        return bound.kind === "unknown" ? "unknown" : bound.kind;
      }
      case "global":
        if (found.sym.kind === "var") {
          this.index(name, found.sym.decl.instances, r, ctx);
          return varType(found.sym.decl);
        }
        this.report(diagnostic("notAVariable", r.name.span, name, noun(found)));
        return undefined;
      case "object":
        this.report(mode === "write" ? diagnostic("notAVariable", r.name.span, name, noun(found)) : diagnostic("objectAsValue", r.name.span, name));
        return undefined;
      case "unknown":
        this.report(diagnostic("unknownVariable", r.name.span, name));
        return undefined;
      default:
        return unreachable(found);
    }
  }

  private index(name: string, instances: readonly A.Ident[] | undefined, r: A.Ref, ctx: Ctx): void {
    const index = r.index;
    if (!instances) {
      if (index && index.name !== "") this.report(diagnostic("notIndexed", index.span, name));
      return;
    }
    const known = instances.map((i) => i.name);
    if (!index) {
      this.report(diagnostic("missingIndex", r.span, name, known));
      return;
    }
    if (index.name === "") return;
    const found = this.resolve(index, ctx, "index");
    switch (found.kind) {
      case "param": {
        const bound = found.binding;
        if (bound.kind === "object" && !known.includes(bound.name)) {
          const via = { param: index.name, at: this.at(bound.origin) };
          this.report(withRelated(diagnostic("noSuchInstance", index.span, name, bound.name, known, via), [{ span: bound.origin, message: relatedText.passedHere(bound.name) }]));
        } else if (bound.kind === "int" || bound.kind === "bool") {
          this.report(diagnostic("valueAsObject", index.span, { kind: "bound", type: bound.kind, value: String(bound.value), param: index.name, at: this.at(bound.origin) }));
        } else if (bound.kind === "driver") {
          this.report(withRelated(diagnostic("driverAsValue", index.span, bound.name, { param: index.name, at: this.at(bound.origin) }), [{ span: bound.origin, message: relatedText.passedHere(bound.name) }]));
        }
        return;
      }
      case "object":
        if (!known.includes(index.name)) this.report(diagnostic("noSuchInstance", index.span, name, index.name, known));
        return;
      case "local":
      case "global":
        this.report(diagnostic("valueAsObject", index.span, { kind: "name", what: noun(found), name: index.name }));
        return;
      case "unknown":
        this.report(diagnostic("unknownName", index.span, index.name));
        return;
      default:
        return unreachable(found);
    }
  }

  // ---- expressions -------------------------------------------------------

  /**
   * Types a whole expression; ctx is undefined for declaration initializers.
   * One too large to walk safely is reported instead, before any recursion.
   */
  private expr(e: A.Expr, ctx: Ctx | undefined): ValueType {
    if (this.oversized.has(e)) return "unknown";
    let size = 0;
    forEachExpr(e, () => size++);
    if (size > MAX_EXPRESSION_SIZE) {
      this.oversized.add(e);
      this.report(diagnostic("expressionTooLarge", e.span, size, MAX_EXPRESSION_SIZE));
      return "unknown";
    }
    return this.typeOf(e, ctx);
  }

  private typeOf(e: A.Expr, ctx: Ctx | undefined): ValueType {
    switch (e.kind) {
      case "IntLiteral":
        if (e.value < INT_MIN || e.value > INT_MAX || !Number.isSafeInteger(e.value)) this.report(diagnostic("intRange", e.span, e.text));
        return "int";
      case "BoolLiteral":
        return "bool";
      case "NameExpr":
        return (ctx && this.varRef(e.ref, ctx, "read")) ?? "unknown";
      case "UnaryExpr": {
        const t = this.typeOf(e.operand, ctx);
        const want = e.op === "!" ? "bool" : "int";
        if (t !== "unknown" && t !== want && ctx) {
          this.report(diagnostic("typeMismatch", e.operand.span, { kind: "operand", op: e.op, binary: false, wants: want, value: this.typeWords(t, e.operand, ctx) }));
          return "unknown"; // one error per mistake, not one per enclosing expression
        }
        return want;
      }
      case "BinaryExpr":
        return this.binary(e, ctx);
      case "LockQuery":
        if (ctx) this.lockRef(e.lock, ctx);
        return "bool";
      case "TrylockExpr":
        this.report(diagnostic("trylockOutsideIf", e.span, e.op));
        if (ctx) this.lockOp(e.op, e.lock, ctx);
        return "bool";
      case "CallExpr":
        if (ctx && this.kernelSpelling(e, e.callee, e.args, ctx)) return "unknown";
        this.report(diagnostic("callAsValue", e.span, e.callee.name));
        return "unknown";
      case "VerbTest":
        this.report(diagnostic("verbOutsideCondition", e.verbSpan, e.verb));
        if (ctx) this.targetRef(e.verb, VERBS[e.verb].target, e.target, ctx);
        return "bool";
      case "ShouldStopExpr":
        if (ctx?.thread && ctx.thread.kind !== "kthread") this.report(diagnostic("shouldStopOutsideKthread", e.span, `${THREAD_NOUN[ctx.thread.kind]} '${ctx.thread.name}'`));
        return "bool";
      default:
        return unreachable(e);
    }
  }

  private binary(e: A.BinaryExpr, ctx: Ctx | undefined): ValueType {
    const l = this.typeOf(e.left, ctx);
    const r = this.typeOf(e.right, ctx);
    if (!ctx) return "unknown";
    let failed = false;
    const need = (side: A.Expr, t: ValueType, want: "int" | "bool"): void => {
      if (t !== "unknown" && t !== want) {
        failed = true;
        this.report(diagnostic("typeMismatch", side.span, { kind: "operand", op: e.op, binary: true, wants: want, value: this.typeWords(t, side, ctx) }));
      }
    };
    switch (e.op) {
      case "||":
      case "&&":
        need(e.left, l, "bool");
        need(e.right, r, "bool");
        return "bool";
      case "==":
      case "!=":
        if (l !== "unknown" && r !== "unknown" && l !== r) {
          this.report(diagnostic("typeMismatch", e.span, { kind: "compare", op: e.op, left: this.typeWords(l, e.left, ctx), right: this.typeWords(r, e.right, ctx) }));
        }
        return "bool";
      case "<":
      case "<=":
      case ">":
      case ">=":
        need(e.left, l, "int");
        need(e.right, r, "int");
        return "bool";
      case "+":
      case "-":
        need(e.left, l, "int");
        need(e.right, r, "int");
        return failed ? "unknown" : "int";
      default:
        return unreachable(e.op);
    }
  }

  // ---- whole-file checks -------------------------------------------------

  private findRecursion(): void {
    const out = new Map<string, { to: string; at: Span }[]>();
    for (const e of this.callEdges) {
      const list = out.get(e.from) ?? [];
      list.push(e);
      out.set(e.from, list);
    }
    // Tarjan's SCC, iterative (call chains may be thousands long); a
    // component with a cycle is reported once, at the call that leaves its
    // first member along the cycle.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const components: string[][] = [];
    const strong = (root: string): void => {
      const work: { v: string; next: number }[] = [];
      const enter = (v: string): void => {
        index.set(v, counter);
        low.set(v, counter);
        counter++;
        stack.push(v);
        onStack.add(v);
        work.push({ v, next: 0 });
      };
      enter(root);
      while (work.length > 0) {
        const frame = work[work.length - 1]!;
        const edges = out.get(frame.v) ?? [];
        if (frame.next < edges.length) {
          const to = edges[frame.next++]!.to;
          if (!index.has(to)) enter(to);
          else if (onStack.has(to)) low.set(frame.v, Math.min(low.get(frame.v)!, index.get(to)!));
          continue;
        }
        work.pop();
        const v = frame.v;
        const parent = work[work.length - 1];
        if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(v)!));
        if (low.get(v) === index.get(v)) {
          const comp: string[] = [];
          let w: string;
          do {
            w = stack.pop()!;
            onStack.delete(w);
            comp.push(w);
          } while (w !== v);
          components.push(comp);
        }
      }
    };
    for (const v of out.keys()) if (!index.has(v)) strong(v);
    for (const comp of components) {
      const members = new Set(comp);
      const first = [...comp].sort()[0]!;
      const selfLoop = (out.get(first) ?? []).some((e) => e.to === first);
      if (comp.length === 1 && !selfLoop) continue;
      for (const m of comp) this.recursive.add(m);
      // A shortest way from `first` back to itself inside the component (breadth first).
      const via = new Map<string, { from: string; at: Span }>();
      const queue = [first];
      for (let qi = 0; qi < queue.length && !via.has(first); qi++) {
        const v = queue[qi]!;
        for (const e of out.get(v) ?? []) {
          if (!members.has(e.to) || via.has(e.to)) continue;
          via.set(e.to, { from: v, at: e.at });
          queue.push(e.to);
        }
      }
      const path: { node: string; at: Span }[] = [];
      for (let v = first, guard = 0; guard <= comp.length; guard++) {
        const step = via.get(v);
        if (!step) break;
        path.unshift({ node: v, at: step.at });
        v = step.from;
        if (v === first) break;
      }
      const names = [first, ...path.map((p) => p.node)].map((k) => this.bodyNames.get(k)!);
      const at = path[0]?.at ?? { start: 0, end: 0 };
      this.report(diagnostic("recursion", at, names));
    }
  }

  /**
   * Declarations nothing uses, in the scenario's own text: an imported
   * file's are there for whoever imports it (the library declares far more
   * than one scenario uses), and so are a declarations-only file's globals.
   */
  private unused(): void {
    const used = new Set(this.references.filter((r) => !r.declaration).map((r) => r.key));
    const unused = (r: Referent): boolean => !used.has(referentKey(r));
    for (const r of this.references) {
      if (r.declaration && r.symbol.kind === "local" && !used.has(r.key) && this.sources.inMain(r.span)) this.report(diagnostic("unusedVariable", r.span, r.symbol.name));
    }
    if (this.options.declarationsOnly) return;
    for (const sym of this.scope.globals.values()) {
      const name = sym.decl.name;
      if (!this.sources.inMain(name.span)) continue;
      switch (sym.kind) {
        case "lock":
          if (unused(globalReferent(sym))) this.report(diagnostic("unusedLock", name.span, name.name));
          break;
        case "var":
          if (unused(globalReferent(sym))) this.report(diagnostic("unusedVariable", name.span, name.name));
          break;
        case "fn":
          if (unused(globalReferent(sym))) this.report(diagnostic("unusedFunction", name.span, name.name));
          break;
        case "driver":
          for (const cb of sym.decl.callbacks) {
            const key = referentKey({ kind: "callback", driver: name.name, name: cb.name.name });
            if (cb.name.name !== "" && !this.calledThrough.has(key) && unused({ kind: "callback", driver: name.name, name: cb.name.name })) this.report(diagnostic("unusedCallback", cb.name.span, name.name, cb.name.name));
          }
          break;
        case "workqueue":
        case "work":
        case "kthread":
        case "completion":
        case "kernfs":
        case "srcu":
          if (unused(globalReferent(sym))) this.report(diagnostic("unusedPrimitive", name.span, TARGETS[sym.kind].unused.what, name.name, TARGETS[sym.kind].unused.never));
          break;
        default:
          unreachable(sym);
      }
    }
  }

  get recursiveKeys(): ReadonlySet<string> {
    return this.recursive;
  }
}

export function check(file: A.SourceFile, text: string, options: CheckOptions = {}): CheckResult {
  const bound = bind(file);
  const checker = new Checker(bound.scope, text, options);
  for (const d of bound.diagnostics) checker.report(d);
  checker.run(file);
  const words = new Set((bound.scope.expect?.words ?? []).map((w) => w.name));
  const expectation: A.Expectation = { kinds: EXPECT_KINDS.filter((k) => words.has(k)) };
  const quiet = checker.quiet;
  const diagnostics = [...checker.result()]
    .filter((d) => d.code === catalogue.kernelSpelling.code || !quiet.some((q) => q.start <= d.span.start && d.span.end <= q.end))
    .sort((a, b) => a.span.start - b.span.start || a.code.localeCompare(b.code));
  return { scope: bound.scope, diagnostics, references: checker.references, expectation, recursive: checker.recursiveKeys, quiet };
}
