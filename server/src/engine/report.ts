// The engine's report: each problem with its message, its sites and its
// shortest trace; the lock-order graph and its inversions; the lock facts
// per statement for hover; and the search's figures.

import { findingText, type FindingWords, type HangForm, type ReleaserWhere, type SiteWords } from "../language/messages";
import type { Span } from "../language/span";
import { DEFAULT_MAX_STATES, explore, problemDepth, problemPath, type ExploreOptions, type ExploreResult, type FoundProblem, type Goal, type ProblemKind, type Stats } from "./explore";
import { stepChoice, stepCpu } from "./store";
import { buildLockGraph, type LockGraph } from "./lockgraph";
import { irqReports, lockIrqUsage, type IrqReport, type LockIrqUsage } from "./irqReport";
import { isReaderWriter, lockClassNames, PC_DONE, rcuLockClass, type CExpr, type Frame, type Instr, type Model, type ThreadKind } from "./model";
import { semantics } from "./primitives";
import type { AccessSink, WaitFacts } from "./primitives/types";
import type { IrqSiteFacts } from "./primitives/irq";
import { CpuStatus, type Layout } from "./state";
import { distancesTo } from "./controlFlow";
import { stuckForever } from "./stuckReport";
import { sleepsInAtomic, type SleepInAtomic } from "./sleepReport";
import { escapes } from "./search/escapes";
import { Growth } from "./search/growth";
import { ValueEstimates } from "./search/valueDistance";
import { buildTrace, type TraceStep } from "./trace";
import { unreachable } from "../language/ast";

/** How a reader/writer lock is held or wanted. */
export type LockMode = "read" | "write";

export interface HeldLock {
  readonly lock: string;
  /** For a reader/writer lock. */
  readonly mode?: LockMode;
  /** Where the CPU took it in the trace. */
  readonly span: Span | undefined;
  readonly stack: readonly Frame[];
}

export interface ProblemSite {
  readonly cpu: string;
  readonly label: string | undefined;
  readonly span: Span;
  readonly stack: readonly Frame[];
  /** The statement it is blocked on, or that failed. */
  readonly action: string;
  /** For a blocked CPU: the lock it waits for, and who holds it. */
  readonly waitsFor: string | undefined;
  readonly heldBy: readonly string[];
  /** For a reader/writer lock: how this CPU wants it, and how it is held. */
  readonly wants?: LockMode;
  readonly heldMode?: LockMode;
  /** A reader that waits behind these queued writers (fair rwsem). */
  readonly behind?: readonly string[];
  readonly holds: readonly HeldLock[];
  /** In a livelock: this CPU loops for ever (it is not blocked). */
  readonly looping?: boolean;
  /** `waitsFor` is not a lock but what a wait waits for (`poller to exit`). */
  readonly notALock?: boolean;
  /** Threads it waits for that do not hold `waitsFor` yet: a work item pending, not started. */
  readonly pending?: readonly string[];
  /** Threads a synchronize_rcu waits for in an atomic region (consolidated RCU), each with why: `C0 (holding A)`. */
  readonly atomic?: readonly string[];
  /** For a wait on threads that is not a lock (kthread_stop, a completion): the threads whose steps could end it. */
  readonly waitsOn?: readonly string[];
  /** A synchronize: lockdep prints its wait as `sync(S)`. */
  readonly sync?: boolean;
  /** A synchronize_rcu: lockdep sees no dependency through it (synchronize_rcu() acquires nothing). */
  readonly gracePeriod?: true;
  /** It cannot step because this interrupt handler runs on top of it (§10). */
  readonly interrupted?: string;
  /** An interrupt handler's site: the CPU it runs on. */
  readonly on?: string;
  /**
   * In a deadlock: why lockdep records no dependency for this thread's wait
   * (a lock declared `novalidate`, a wait with no lockdep class such as
   * kthread_stop), so that lockdep cannot report the cycle.
   */
  readonly lockdepBlind?: string;
  /**
   * In a deadlock: a class this thread's wait also acquires that it already
   * holds (a flush on an ordered queue from one of its own items takes the
   * queue's `(wq_completion)` again): lockdep reports the cycle as
   * recursive locking on it.
   */
  readonly retakes?: string;
}

export type { HangForm, WaitFacts, IrqSiteFacts, LockIrqUsage };

export interface Problem {
  readonly kind: ProblemKind;
  /** For a hang. */
  readonly form?: HangForm;
  /** For a livelock: the steps from the end of `trace` into the loop, then once round the loop. */
  readonly loop?: { readonly prefix: readonly TraceStep[]; readonly cycle: readonly TraceStep[] };
  /** What its header and sentence say (the words are the catalogue's: language/messages.ts). */
  readonly words: FindingWords;
  /** lockdep's header for it, e.g. "possible circular locking dependency detected". */
  readonly title: string;
  readonly message: string;
  readonly span: Span;
  readonly cpus: readonly string[];
  readonly sites: readonly ProblemSite[];
  readonly trace: readonly TraceStep[];
}

export interface SiteFacts {
  readonly cpu: string;
  readonly span: Span;
  readonly stack: readonly Frame[];
  readonly action: string;
  readonly always: readonly string[];
  readonly sometimes: readonly string[];
  /** At a waiting statement (flush_work, kthread_stop, wait_for_completion, a synchronize, …): what its thread found at the call. */
  readonly wait?: WaitFacts;
  /** With interrupt handlers or interrupt state in the scenario (§10): the context its thread runs in there, and whether hardirqs and softirqs are on. */
  readonly irq?: IrqSiteFacts;
}

export interface EngineReport {
  /** Some reachable state has no CPU able to move and one unfinished (SPIN: invalid end state). */
  readonly globallyStuck: boolean;
  readonly problems: readonly Problem[];
  readonly lockGraph: LockGraph;
  /** Lockdep's irq-state reports (race-language.md §10), each confirmed or unreached. */
  readonly irqReports: readonly IrqReport[];
  /** Lockdep's irq usage of each lock held in some explored state, where the scenario has interrupt handlers: `IN-HARDIRQ-W`, `HARDIRQ-ON-W`, … */
  readonly irqUsage: readonly LockIrqUsage[];
  /** Statements that may sleep, reached where their thread cannot (sleepReport.ts): the kernel's might_sleep() warning. */
  readonly sleepsInAtomic: readonly SleepInAtomic[];
  readonly lockFacts: readonly SiteFacts[];
  readonly stats: Stats & {
    /** Every problem's trace is a shortest one (false only if the goal-directed search ran out of budget). */
    readonly shortestTraces: boolean;
    /** States visited by the goal-directed search for shortest traces. */
    readonly traceSearchStates: number;
  };
}

const order: Record<ProblemKind, number> = {
  deadlock: 0,
  hang: 1,
  violation: 2,
  "bad-unlock": 3,
  "lock-held-at-exit": 4,
  overflow: 5,
  "section-unbalanced": 6,
  "section-open-at-exit": 7,
  "queue-destroyed": 8,
  "queue-draining": 9,
  "kthread-run-twice": 10,
  "remove-self-outside": 11,
  "irq-unbalanced": 12,
  "irq-state-at-exit": 13,
};

/**
 * A task under an interrupt handler that never returns is stuck at the
 * statement the handler came in at, so the stuck analysis finds one hang
 * per such statement, and the search one deadlock per statement of a
 * critical section the handler's lock can come in at, each worded the
 * same ("C0 is interrupted by h and cannot go on until it returns; …").
 * Those that differ only in where interrupted tasks were interrupted,
 * holding the same locks taken at the same statements (one critical
 * section; two sections are two bugs, found by review), are one problem
 * to a reader (lockdep, too, reports the lock's inconsistent usage once):
 * the one whose interrupted tasks were interrupted earliest in the text
 * stays.
 * Chosen by the text alone, not by trace length, so that it is the same
 * for a reduced search as for a full one, which find the same problems but
 * may not prove the same traces shortest (irq differential seed 907).
 */
function oncePerInterruptedTask(problems: readonly Problem[]): Problem[] {
  const signature = (p: Problem): string | undefined =>
    (p.kind === "hang" || p.kind === "deadlock") && p.sites.some((x) => x.interrupted !== undefined)
      ? [p.form ?? "", p.message, ...p.sites.map((x) => (x.interrupted !== undefined ? `${x.cpu}<${x.interrupted}:${x.holds.map((h) => [h.span?.start ?? -1, ...h.stack.map((f) => f.call.start)].join("/")).join("+")}` : `${x.cpu}@${x.span.start}`))].join("\u0000")
      : undefined;
  // Same signature: the same threads in the same order, so sites compare pairwise.
  const earlier = (p: Problem, q: Problem): boolean => {
    const i = p.sites.findIndex((x, j) => x.span.start !== q.sites[j]!.span.start);
    return i >= 0 && p.sites[i]!.span.start < q.sites[i]!.span.start;
  };
  const keyed = problems.map((p) => ({ p, k: signature(p) }));
  const best = new Map<string, Problem>();
  for (const { p, k } of keyed) {
    if (k === undefined) continue;
    const b = best.get(k);
    if (b === undefined || earlier(p, b)) best.set(k, p);
  }
  return keyed.filter(({ p, k }) => k === undefined || best.get(k) === p).map(({ p }) => p);
}

export function runEngine(model: Model, options: ExploreOptions = {}): EngineReport {
  const started = performance.now();
  const result = explore(model, options);
  const exact = result.stats.reduced ? shortestTraces(model, result, options) : { searches: [], complete: true, states: 0, ms: 0 };
  // With the whole graph, the stuck-forever analysis gives every hang; a
  // search stopped early keeps those where nothing could move.
  const stuck = result.stats.complete ? stuckForever(model, result, options) : undefined;
  const found = stuck?.complete ? result.problems.filter((p) => p.kind !== "hang") : result.problems;
  const problems = found.map((p) => {
    // The goal-directed search's trace where it is shorter; of two as short, the main search's.
    for (const s of exact.searches) {
      const q = s.problems.find((x) => x.key === p.key);
      if (q && problemDepth(s, q) < problemDepth(result, p)) return describe(model, s, q);
    }
    return describe(model, result, p);
  });
  for (const { problem, search } of stuck?.problems ?? []) problems.push(describe(model, search, problem));
  // Stable order: by kind, then by where the first site is, then trace length.
  const indexed = problems.map((p, i) => ({ p, i }));
  // The rest of the key makes the order independent of the search (reduced or not).
  const rest = (p: Problem): string => p.sites.map((s) => `${s.cpu}@${s.span.start}`).join(",") + " " + p.message;
  indexed.sort(
    (a, b) =>
      order[a.p.kind] - order[b.p.kind] ||
      a.p.span.start - b.p.span.start ||
      a.p.trace.length - b.p.trace.length ||
      (rest(a.p) < rest(b.p) ? -1 : rest(a.p) > rest(b.p) ? 1 : 0) ||
      a.i - b.i,
  );
  const lockGraph = buildLockGraph(model, result, { deadline: options.timeoutMs !== undefined ? started + options.timeoutMs : undefined, isCancelled: options.isCancelled });
  return {
    globallyStuck: result.stuckState >= 0,
    problems: oncePerInterruptedTask(indexed.map((x) => x.p)),
    lockGraph,
    irqReports: irqReports(model, result, lockGraph),
    sleepsInAtomic: sleepsInAtomic(model, result),
    irqUsage: lockIrqUsage(model, result),
    lockFacts: lockFacts(model, result),
    // Time to verdict includes the searches for shortest traces and the stuck analysis.
    stats: {
      ...result.stats,
      ...(stuck && !stuck.complete ? { complete: false, stoppedBy: options.isCancelled?.() ? "cancelled" : "time" } : {}),
      ms: result.stats.ms + exact.ms + (stuck?.ms ?? 0),
      shortestTraces: exact.complete && (stuck?.shortest ?? true),
      traceSearchStates: exact.states + (stuck?.states ?? 0),
    },
  };
}

/**
 * Below this many states in the main search, the search for shortest
 * traces does without the values' estimate (search/valueDistance.ts):
 * working it out costs more than the states it saves there (corpus seeds
 * 1–200: the traces' phase 9% faster with it from 4,096 states on, no
 * faster with it everywhere; docs/benchmarks.md).
 */
const VALUE_ESTIMATES_FROM = 4096;

/**
 * A reduced search reaches every problem, and a state where no CPU can move
 * at its true shortest distance, but a problem that shows while other CPUs
 * can still move (a failed step, a partial deadlock) may be reached later
 * than it could be. For those, one goal-directed search: it expands only
 * the stubborn set around the CPUs each goal needs, which keeps every
 * shortest path to a goal (docs/ARCHITECTURE.md, "Reduction").
 */
function shortestTraces(model: Model, result: ExploreResult, options: ExploreOptions): { searches: ExploreResult[]; complete: boolean; states: number; ms: number } {
  // Its time includes working out the goals' estimates.
  const started = performance.now();
  const n = model.cpus.length;
  const goals: Goal[] = [];
  // The fewest steps before the CPU is at the site (a thread's end: has
  // taken its last step); Infinity once it can no longer get there, where
  // its goal needs nothing. A thread's end (the site of a lock held at
  // exit, a section left open) is PC_DONE, but a work item's body ends by
  // going back to its `start` (Layout.endPc): that is what its statements reach.
  const initial = result.layout.initial();
  let growth: Growth | undefined;
  let values: ValueEstimates | undefined;
  const targetOf = (cpu: number, site: number): number => (site === PC_DONE ? result.layout.endPc[cpu]! : site);
  const stepsTo = (cpu: number, site: number, dist = distancesTo(model.cpus[cpu]!.code, targetOf(cpu, site))): ((st: Uint8Array) => number) => {
    const target = targetOf(cpu, site);
    return (st) => {
      const pc = result.layout.pc(st, cpu);
      return pc === target ? 0 : pc < dist.length ? dist[pc]! : Infinity;
    };
  };
  const goalOf = (p: FoundProblem, bound: number): Goal => {
    if (p.kind === "deadlock") {
      // The cycle is a function of its CPUs' own positions and of who holds
      // its locks: one of them, or a CPU that may still touch those locks, moves.
      let cpus = 0;
      for (const s of p.sites) cpus |= 1 << s.cpu;
      const locks = p.sites.map((s) => s.lock).filter((l): l is number => l !== undefined);
      const steps = p.sites.map((s) => stepsTo(s.cpu, s.pc));
      return {
        key: p.key,
        bound,
        needs: (st, red) => (steps.every((f) => f(st) < Infinity) ? locks.reduce((m, l) => m | red.touching(st, l), cpus) : 0),
        mayNeed: -1,
        least: (st) => steps.reduce((sum, f) => sum + f(st), 0),
      };
    }
    // A failed step or a CPU's last step: that CPU must move (and a failed step is itself a step).
    const { cpu, pc } = p.sites[0]!;
    const plain = distancesTo(model.cpus[cpu]!.code, targetOf(cpu, pc));
    const steps = stepsTo(cpu, pc, plain);
    const failing = pc === PC_DONE ? 0 : 1;
    // An overflow also waits for the values to climb that far.
    const ins = pc === PC_DONE ? undefined : model.cpus[cpu]!.code[pc]!;
    const climb = p.kind === "overflow" && ins?.op === "assign" ? (growth ??= new Growth(model, result.layout)).least(cpu, pc) : undefined;
    // Otherwise the way there may need values written first (and a failed
    // assert, its condition false): worked out where the CPU's own steps
    // leave room under the bound and the search is large enough to pay.
    const worthValues = !climb && steps(initial) + failing < bound && result.stats.states >= VALUE_ESTIMATES_FROM;
    const valued = worthValues ? (values ??= new ValueEstimates(model, result.layout)).estimate({ cpu, target: targetOf(cpu, pc), failing, ...(ins?.op === "assert" ? { cond: ins.cond } : {}) }, plain) : undefined;
    const further = climb ?? valued;
    const least = further ? (st: Uint8Array) => Math.max(steps(st) + failing, further(st)) : (st: Uint8Array) => steps(st) + failing;
    return { key: p.key, bound, needs: (st) => (steps(st) < Infinity ? 1 << cpu : 0), mayNeed: 1 << cpu, least };
  };
  for (const p of result.problems) {
    if (p.kind === "hang" || (p.kind === "deadlock" && p.sites.length === n)) continue; // no CPU can move there
    const goal = goalOf(p, problemDepth(result, p));
    // As short as the CPUs' own steps to where it shows: nothing shorter exists.
    if (goal.least(initial) >= goal.bound) continue;
    goals.push(goal);
  }
  if (goals.length === 0) return { searches: [], complete: true, states: 0, ms: performance.now() - started };
  const spent = result.stats.states;
  const maxStates = Math.max(1, (options.maxStates ?? DEFAULT_MAX_STATES) - spent);
  const timeoutMs = options.timeoutMs !== undefined ? Math.max(1, options.timeoutMs - result.stats.ms - (performance.now() - started)) : undefined;
  // Only where a shorter trace can leave the main search, and from there (search/escapes.ts).
  const leaving = escapes(result, goals);
  if (leaving?.goals.length === 0) return { searches: [], complete: true, states: 0, ms: performance.now() - started };
  const mode = leaving ? { kind: "goals" as const, goals: leaving.goals, from: leaving.from } : { kind: "goals" as const, goals };
  const search = explore(model, { ...options, maxStates, timeoutMs, chains: result.stats.chains }, mode, result);
  // A goal the search did not reach was closed at its bound (the main trace is
  // then a shortest one), unless the search stopped early.
  return { searches: [search], complete: search.stats.complete, states: search.stats.states, ms: performance.now() - started };
}

function lockFacts(model: Model, result: ExploreResult): SiteFacts[] {
  const { facts } = result;
  const classes = lockClassNames(model);
  const w = facts.words;
  const out: SiteFacts[] = [];
  const reached = (thread: number, pc: number): boolean => facts.reached[facts.siteBase[thread]! + pc] === 1;
  model.cpus.forEach((cpu, c) => {
    cpu.code.forEach((ins, pc) => {
      const site = facts.siteBase[c]! + pc;
      if (!facts.reached[site]) return;
      const at = (a: Uint32Array, l: number): boolean => a.length > 0 && (a[site * w + (l >>> 5)]! & (1 << (l & 31))) !== 0;
      // A reader/writer lock says how it is held there: (read), (write) or (read or write).
      const name = (l: number): string => {
        const read = at(facts.sometimesRead, l);
        const written = at(facts.sometimesWritten, l);
        if (l >= model.locks.length) return classes[l]!;
        return `${model.locks[l]!.name}${read && written ? " (read or write)" : read ? " (read)" : written ? " (write)" : ""}`;
      };
      const always: string[] = [];
      const sometimes: string[] = [];
      for (let l = 0; l < classes.length; l++) {
        if (at(facts.always, l)) always.push(name(l));
        else if (at(facts.sometimes, l)) sometimes.push(name(l));
      }
      const sem = semantics(ins);
      const wait = sem.seen?.(ins, model, c, facts.seen[site]!, reached);
      const irq = facts.irqSeen.length > 0 ? result.layout.p.irq.siteFacts(c, facts.irqSeen[site]!) : undefined;
      out.push({ cpu: cpu.name, span: ins.span, stack: ins.stack, action: ins.text, always, sometimes, ...(wait ? { wait } : {}), ...(irq ? { irq } : {}) });
    });
  });
  return out;
}

/**
 * Why lockdep records nothing for a deadlock site's wait, if it does not:
 * the lock it waits for is declared `novalidate` (check=0), or the wait has
 * no lock class at all (kthread_stop; not an interrupted task, whose cycle
 * lockdep sees through the irq usage, nor a synchronize_rcu, titled as a
 * grace period).
 */
function lockdepBlind(model: Model, lock: number | undefined, s: ProblemSite): string | undefined {
  if (s.interrupted || s.gracePeriod || s.waitsFor === undefined) return undefined;
  if (lock !== undefined) return lock < model.locks.length && model.locks[lock]!.novalidate ? `${s.waitsFor} is not validated (declared novalidate: lockdep_set_novalidate_class())` : undefined;
  return `'${s.action}' takes no lock class lockdep tracks`;
}

function describe(model: Model, result: ExploreResult, p: FoundProblem): Problem {
  const { layout } = result;
  const path = problemPath(result, p);
  const extra = p.loop ? [...p.loop.prefix, ...p.loop.cycle] : [];
  const full = buildTrace(layout, [...path, ...extra]);
  const trace = full.slice(0, path.length);
  const loop = p.loop ? { prefix: full.slice(path.length, path.length + p.loop.prefix.length), cycle: full.slice(path.length + p.loop.prefix.length) } : undefined;
  // The state it shows in, as the trace leaves it (a store may keep states
  // merged where they differ in nothing a thread can still tell apart).
  const st = layout.initial();
  for (const step of path) layout.step(st, stepCpu(step), stepChoice(step));
  const classes = lockClassNames(model);
  const at: SiteContext = { model, layout, st, trace, p, pseudoHeld: heldPseudoLocks(layout, st), lockName: (l) => classes[l]!, cpuName: (c) => model.cpus[c]!.name };
  const sites: ProblemSite[] = p.sites.map((s) => describeSite(at, s));

  // An interrupt handler's site says which CPU it runs on (lockdep's `<Interrupt>` scenario).
  p.sites.forEach((s, i) => {
    const h = model.handlers.find((x) => x.thread === s.cpu);
    if (h) sites[i] = { ...sites[i]!, on: model.cpus[h.cpu]!.name };
  });
  if (p.kind === "deadlock") p.sites.forEach((s, i) => {
    const blind = lockdepBlind(model, s.lock, sites[i]!);
    if (blind) sites[i] = { ...sites[i]!, lockdepBlind: blind };
    const ins = model.cpus[s.cpu]!.code[s.pc];
    const again = ins && semantics(ins).alsoAcquires?.(ins, model).find((a) => sites[i]!.holds.some((h) => h.lock === classes[a.lock]));
    if (again) sites[i] = { ...sites[i]!, retakes: classes[again.lock]! };
  });
  const cpus = sites.map((s) => s.cpu);
  const first = sites[0]!;
  let form: HangForm | undefined;
  if (p.kind === "hang") {
    const waitsFor = new Int32Array(layout.cpuCount);
    const moves = model.cpus.some((_, c) => layout.status(st, c, waitsFor) === CpuStatus.Enabled);
    form = p.looping ? "livelock" : moves ? "partial" : "total";
  }
  const words = findingWords(p, sites, layout, layout.model.cpus[p.sites[0]!.cpu]!.code[p.sites[0]!.pc], form, st);
  const { title, message } = findingText(words);
  return { kind: p.kind, form, loop, words, title, message, span: first.span, cpus, sites, trace };
}

/** What describing one problem's sites needs: its state, its trace so far, names. */
interface SiteContext {
  readonly model: Model;
  readonly layout: Layout;
  readonly st: Uint8Array;
  readonly trace: readonly TraceStep[];
  readonly p: FoundProblem;
  /** Per thread, the pseudo-locks it holds in `st`. */
  readonly pseudoHeld: ReadonlyMap<number, readonly number[]>;
  readonly lockName: (l: number) => string;
  readonly cpuName: (c: number) => string;
}

function describeSite(at: SiteContext, s: FoundProblem["sites"][number]): ProblemSite {
  const { model, layout, st, trace, p } = at;
  const cpu = model.cpus[s.cpu]!;
  const mode = (l: number, c: number): LockMode | undefined => (l >= model.locks.length || !isReaderWriter(model.locks[l]!.kind) ? undefined : layout.locks.owner(st, l) === c + 1 ? "write" : "read");
  // In the order they were taken, as lockdep numbers them (#0 first); pseudo-locks too.
  const holds = [...layout.locks.heldLocks(st, s.cpu), ...(at.pseudoHeld.get(s.cpu) ?? [])]
    // A running work item's (wq_completion) is held since its start, as its (work_completion) is.
    .map((l) => ({ l, at: lastAcquireIndex(trace, cpu.name, at.lockName(l), l >= model.locks.length ? "start_work" : undefined) }))
    .sort((a, b) => a.at - b.at)
    .map(({ l, at: i }): HeldLock => ({ lock: at.lockName(l), mode: mode(l, s.cpu), span: trace[i]?.span, stack: trace[i]?.stack ?? [] }));
  if (s.pc === PC_DONE) {
    const first = holds[0];
    return { cpu: cpu.name, label: cpu.label, span: first?.span ?? cpu.declSpan, stack: first?.stack ?? [], action: END_OF[cpu.kind], waitsFor: undefined, heldBy: [], holds };
  }
  const ins = cpu.code[s.pc]!;
  const here = { cpu: cpu.name, label: cpu.label, span: ins.span, stack: ins.stack, action: ins.text };
  if (p.looping !== undefined && p.looping & (1 << s.cpu)) return { ...here, waitsFor: undefined, heldBy: [], holds, looping: true };
  const stuck = p.kind === "deadlock" || p.kind === "hang";
  // A task (or softirq) under an interrupt handler waits for the handler to return.
  const gated = stuck ? layout.gatedOn(st, s.cpu) : undefined;
  if (gated !== undefined) {
    const by = layout.p.irq.interruptedBy(st, s.cpu);
    const interrupted = by >= 0 ? model.cpus[by]!.name : "an interrupt";
    return { ...here, waitsFor: gated, heldBy: [], holds, notALock: true, interrupted };
  }
  const scratch = new Int32Array(layout.cpuCount);
  const blockedOn = stuck && layout.status(st, s.cpu, scratch) === CpuStatus.BlockedOnLock ? scratch[s.cpu]! : 0;
  // A wait no lock class stands for (kthread_stop, a completion): what it waits for, in words.
  const waitsFor = stuck ? (s.lock !== undefined ? at.lockName(s.lock) : blockedOn !== 0 ? semantics(ins).waitsOn?.(ins, model) : undefined) : undefined;
  if (waitsFor === undefined) return { ...here, waitsFor, heldBy: [], holds };
  const l = s.lock;
  if (l === undefined || l >= model.locks.length) {
    const { heldBy, extra } = threadWait(at, s.cpu, ins, l, blockedOn);
    return { ...here, waitsFor, heldBy, holds, ...extra };
  }
  const heldBy: string[] = [];
  for (let c = 0; c < layout.cpuCount; c++) if (layout.locks.holds(st, c, l)) heldBy.push(at.cpuName(c));
  const rw = isReaderWriter(model.locks[l]!.kind);
  const wants: LockMode | undefined = rw ? (semantics(ins).acquires(ins, model)?.read ? "read" : "write") : undefined;
  // A reader blocked while no writer holds the lock waits behind a queued writer (fair rwsem).
  const behind: string[] = [];
  if (wants === "read" && layout.locks.owner(st, l) === 0) {
    const queued = layout.locks.queuedWriters(layout, st, l, s.cpu);
    for (let c = 0; c < layout.cpuCount; c++) if (queued & (1 << c)) behind.push(at.cpuName(c));
  }
  const heldMode: LockMode | undefined = rw ? (layout.locks.owner(st, l) !== 0 ? "write" : "read") : undefined;
  return { ...here, waitsFor, wants, heldBy, heldMode, behind, holds };
}

/**
 * A wait for threads (a flush, a stop, a drain, a synchronize; `l` its
 * pseudo-lock, if it has one): it is "held" by the threads holding its
 * pseudo-lock in this state, as lockdep prints a class's holders and as a
 * real lock's are named (a flush of a queue: its running items; a
 * synchronize: every reader inside a section). Which of them the wait
 * itself counts on depends on the order things happened before it (what
 * was queued, which sections were open at the call), which two traces of
 * one problem need not share. Where nobody holds it, those it waits for
 * are pending (a work item holds its pseudo-lock only once it runs).
 */
function threadWait(at: SiteContext, me: number, ins: Instr, l: number | undefined, blockedOn: number): { heldBy: string[]; extra: Pick<ProblemSite, "notALock" | "pending" | "atomic" | "waitsOn" | "sync" | "gracePeriod"> } {
  const { layout, model } = at;
  const sem = semantics(ins);
  const atomic: string[] = [];
  const holders = l === undefined ? 0 : [...at.pseudoHeld].reduce((m, [t, ls]) => (ls.includes(l) ? m | (1 << t) : m), 0);
  const heldBy: string[] = [];
  const pending: string[] = [];
  for (let c = 0; c < layout.cpuCount; c++) {
    const why = holders & (1 << c) || !(blockedOn & (1 << c)) ? undefined : sem.awaitedWhy?.(ins, layout, at.st, c);
    if (holders & (1 << c)) heldBy.push(at.cpuName(c));
    else if (why !== undefined) atomic.push(`${at.cpuName(c)} (${why})`);
    else if (l !== undefined && holders === 0 && blockedOn & (1 << c)) pending.push(at.cpuName(c));
  }
  const sync = sem.acquires(ins, model)?.sync === true;
  const waitsOn: string[] = [];
  if (l === undefined) for (let c = 0; c < layout.cpuCount; c++) if (c !== me && blockedOn & (1 << c)) waitsOn.push(at.cpuName(c));
  return { heldBy, extra: { ...(l === undefined ? { notALock: true } : {}), ...(pending.length > 0 ? { pending } : {}), ...(atomic.length > 0 ? { atomic } : {}), ...(waitsOn.length > 0 ? { waitsOn } : {}), ...(sync ? { sync } : {}), ...(sync && l === rcuLockClass(model) ? { gracePeriod: true } : {}) } };
}

/** How a site at a thread's end is named. */
const END_OF: Readonly<Record<ThreadKind, string>> = { cpu: "end of CPU", work: "end of work item", kthread: "end of kthread", irq: "end of interrupt handler", softirq: "end of softirq handler" };

/** The pseudo-locks each thread holds in `st` (lockdep's view: a running work item's (work_completion), …). */
function heldPseudoLocks(layout: Layout, st: Uint8Array): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const part of layout.parts) part.held?.(st, (t, l) => out.set(t, [...(out.get(t) ?? []), l]));
  return out;
}

/**
 * For a thread stuck at a wait that statements of other threads could end
 * (wait_for_completion): what it waits for, and each such statement with
 * where its thread is in `st`. A thread of the problem that loops for ever
 * (`loops`: each with its loop's head) is named by its loop, not by where
 * in it the trace leaves it: two shortest traces of one problem may leave
 * it at different places.
 */
function waitsOnWords(layout: Layout, st: Uint8Array, cpuIndex: number, pc: number, loops: ReadonlyMap<number, number>): SiteWords["waitsOn"] {
  const model = layout.model;
  const ins = model.cpus[cpuIndex]!.code[pc];
  const sem = ins && semantics(ins);
  if (!ins || !sem?.releasers || !sem.waitsOn) return undefined;
  const scratch = new Int32Array(layout.cpuCount);
  const releasers = sem.releasers(ins, model).map(({ thread, pc: at }) => {
    const t = model.cpus[thread]!;
    const here = layout.pc(st, thread);
    const status = layout.status(st, thread, scratch);
    const where: ReleaserWhere =
      status === CpuStatus.Finished
        ? { kind: here === PC_DONE ? "finished" : "stopped" }
        : loops.has(thread)
          ? { kind: "loops", action: t.code[loops.get(thread)!]!.text }
          : status === CpuStatus.Idle
            ? { kind: "idle" }
            : here === at
              ? { kind: "stuck-there" }
              : { kind: "stuck-elsewhere", action: t.code[here]!.text };
    return { cpu: t.name, action: t.code[at]!.text, where };
  });
  return { what: sem.waitsOn(ins, model), releasers };
}

/** For a CPU stuck at `wait until e`: the CPUs whose code writes what it reads (undefined: it is not at a `wait`). */
function writers(layout: Layout, s: ProblemSite): string[] | undefined {
  const model = layout.model;
  const cpu = model.cpus.find((c) => c.name === s.cpu);
  const ins = cpu?.code.find((i) => i.span.start === s.span.start && i.op === "wait");
  if (!ins) return undefined;
  const reads = touched(ins, layout).reads;
  return model.cpus.filter((c) => c.code.some((i) => [...touched(i, layout).writes].some((v) => reads.has(v)))).map((c) => c.name);
}

/** The variables a statement reads and writes (what it tells the reduction). */
function touched(ins: Instr, layout: Layout): { reads: Set<number>; writes: Set<number> } {
  const reads = new Set<number>();
  const writes = new Set<number>();
  const sink: AccessSink = { lock: () => {}, read: (v) => reads.add(v), write: (v) => writes.add(v), resource: (r, w) => (w ? writes : reads).add(r), expr: (e) => exprVars(e, reads) };
  semantics(ins).access(ins, sink, layout, -1);
  return { reads, writes };
}

function exprVars(e: CExpr, into: Set<number>): void {
  if (e.k === "var") into.add(e.id);
  else if (e.k === "not" || e.k === "neg") exprVars(e.e, into);
  else if (e.k === "bin") {
    exprVars(e.l, into);
    exprVars(e.r, into);
  }
}

/** Where `lock` was last taken by `cpu` in the trace (its step index; -1 if not in it). */
function lastAcquireIndex(trace: readonly TraceStep[], cpu: string, lock: string, orOp?: string): number {
  for (let i = trace.length - 1; i >= 0; i--) if (trace[i]!.cpu === cpu && trace[i]!.lock === lock && trace[i]!.acquired) return i;
  if (orOp) for (let i = trace.length - 1; i >= 0; i--) if (trace[i]!.cpu === cpu && trace[i]!.op === orOp) return i;
  return -1;
}

/** A site as a finding's words need it; who could unblock a stuck `wait until` only where a hang says so. */
function siteWords(s: ProblemSite, layout: Layout, hang: boolean, at?: { st: Uint8Array; cpu: number; pc: number; loops: ReadonlyMap<number, number> }): SiteWords {
  const stuckAtWait = hang && !s.looping && s.waitsFor === undefined;
  const waitsOn = stuckAtWait && at ? waitsOnWords(layout, at.st, at.cpu, at.pc, at.loops) : undefined;
  return {
    ...(waitsOn ? { waitsOn } : {}),
    cpu: s.cpu,
    inCall: s.stack[s.stack.length - 1]?.fn,
    action: s.action,
    waitsFor: s.waitsFor,
    heldBy: s.heldBy,
    wants: s.wants,
    heldMode: s.heldMode,
    behind: s.behind,
    looping: s.looping,
    ...(s.notALock ? { notALock: true } : {}),
    ...(s.interrupted ? { interrupted: s.interrupted } : {}),
    ...(s.on ? { on: s.on } : {}),
    ...(s.pending ? { pending: s.pending } : {}),
    ...(s.atomic ? { atomic: s.atomic } : {}),
    ...(s.gracePeriod ? { gracePeriod: true } : {}),
    ...(s.sync ? { sync: true } : {}),
    ...(s.lockdepBlind ? { lockdepBlind: s.lockdepBlind } : {}),
    ...(s.retakes ? { retakes: s.retakes } : {}),
    writers: stuckAtWait && !waitsOn ? writers(layout, s) : undefined,
  };
}

/** What a problem's header and sentence say, as plain data for the catalogue. */
function findingWords(p: FoundProblem, sites: readonly ProblemSite[], layout: Layout, firstIns: Instr | undefined, form: HangForm | undefined, st: Uint8Array): FindingWords {
  const model = layout.model;
  const site = siteWords(sites[0]!, layout, false);
  const target = firstIns ? targetName(model, firstIns) : "?";
  switch (p.kind) {
    case "deadlock":
      return { kind: p.kind, sites: sites.map((s) => siteWords(s, layout, false)) };
    case "hang": {
      // A looping thread's site is the head of the loop it goes round (stuckReport.ts problemAt).
      const loops = new Map(p.sites.filter((x) => (p.looping ?? 0) & (1 << x.cpu)).map((x) => [x.cpu, x.pc]));
      return { kind: p.kind, form: form!, sites: sites.map((s, i) => siteWords(s, layout, true, { st, cpu: p.sites[i]!.cpu, pc: p.sites[i]!.pc, loops })) };
    }
    case "violation":
      return { kind: p.kind, site, message: firstIns?.op === "assert" ? firstIns.message : undefined };
    case "bad-unlock":
      return { kind: p.kind, site, lock: firstIns && (firstIns.op === "unlock" || firstIns.op === "runlock") ? model.locks[firstIns.lock]!.name : "?", shared: firstIns?.op === "runlock" };
    case "lock-held-at-exit":
      return { kind: p.kind, site, locks: p.locks.map((l) => model.locks[l]!.name) };
    case "overflow": {
      // A lock's own counts are bounded at 255: a recursive mutex's depth, a CPU's read count.
      const op = firstIns?.op;
      if (firstIns && (op === "lock" || op === "trylock" || op === "rlock" || op === "rtrylock")) {
        const name = model.locks[firstIns.lock]!.name;
        return { kind: p.kind, site, counter: op === "rlock" || op === "rtrylock" ? `${site.cpu}'s read count of ${name}` : `the depth of ${name}` };
      }
      return { kind: p.kind, site };
    }
    case "section-unbalanced":
    case "kthread-run-twice":
    case "remove-self-outside":
      return { kind: p.kind, site, target };
    case "queue-destroyed":
    case "queue-draining": {
      const w = firstIns?.op === "queue_work" ? model.works[firstIns.work]! : undefined;
      return { kind: p.kind, site, target: w ? model.workqueues[w.queue]!.name : "?", work: w?.name ?? "?" };
    }
    case "irq-unbalanced":
      return { kind: p.kind, site, what: firstIns ? IRQ_WHAT[firstIns.op] ?? "interrupts" : "interrupts" };
    case "irq-state-at-exit":
      return { kind: p.kind, site };
    case "section-open-at-exit": {
      const cpu = p.sites[0]!.cpu;
      const open = new Set<string>();
      for (const part of layout.parts) part.held?.(st, (t, l) => t === cpu && model.srcus.some((d) => d.lockClass === l) && open.add(lockClassNames(model)[l]!));
      return { kind: p.kind, site, targets: [...open] };
    }
    default:
      return unreachable(p.kind);
  }
}

/** What an unbalanced enable re-enables, by the statement. */
const IRQ_WHAT: Partial<Record<Instr["op"], string>> = {
  irq_enable: "hardirqs (local_irq_enable)",
  irq_restore: "saved interrupt flags (local_irq_restore)",
  bh_enable: "softirqs (local_bh_enable)",
  irq_unlock: "the interrupt state it saved or disabled",
};

/** The primitive a §9 statement names (its domain, kthread or node), for the misuses' words. */
function targetName(model: Model, ins: Instr): string {
  if ("domain" in ins) return model.srcus[ins.domain]!.name;
  if ("kthread" in ins) return model.kthreads[ins.kthread]!.name;
  if ("kn" in ins) return model.kernfs[ins.kn]!.name;
  return "?";
}

export { explore };
