// Lockdep's irq-state analysis (race-language.md §10) over the explored
// states, as the lock-order graph is lockdep's dependency analysis: from
// each lock class's usage (pseudo-locks too; not RCU's, which lockdep
// acquires with check=0) (held in a hardirq or softirq handler, held with
// hardirqs or softirqs enabled, for reading or writing: search/facts.ts)
// and the lock-order edges, lockdep's three reports —
//  - "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage": one lock used in
//    a handler and held with that interrupt enabled elsewhere;
//  - "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected": an edge from a
//    lock used in a handler to one held with that interrupt enabled;
//  - "possible irq lock inversion dependency detected": the same through a
//    longer chain of edges [choice: lockdep prints one or the other by which
//    event it sees last; here the chain's length decides];
// and the softirq forms. On one lock two read usages never conflict (a
// reader in a handler of an rwlock_t is recursive); along a chain they do,
// as lockdep has them since v5.10 (kernel/locking/lockdep.c
// exclusive_mask(): USED_IN_IRQ_*_READ -> ENABLED_IRQ_*_READ may
// deadlock). A chain is one of lockdep's strong dependency paths: each
// edge has the kinds of dependency seen on it (the lock held shared or
// exclusively, the next taken as a recursive read — an rwlock_t read
// in_interrupt() — or not: search/facts.ts), and no -(*R)-> dependency is
// followed by an -(S*)-> one (__bfs()); its safe lock's read usages count
// only if it can start -(E*)-> (usage_accumulate() with only_xr), its
// unsafe lock's only if it can end -(*N)-> (usage_match() with only_xr).
// [choice: a chain is reported if such a path exists; lockdep's search,
// visiting each lock once, can miss a longer one whose kinds would match.] Each
// report is confirmed by a deadlock the search found in which an interrupt
// handler of its class waits for one of its locks, or marked unreached:
// lockdep would warn, no interleaving deadlocks on it.

import type { Span } from "../language/span";
import type { ExploreResult, FoundProblem } from "./explore";
import type { LockGraph } from "./lockgraph";
import { lockClassNames, type Frame, type Model } from "./model";
import { successors } from "./controlFlow";
import { semantics } from "./primitives";
import { DepKind, E_DEPS, IrqUsage, N_DEPS, R_DEPS, S_DEPS } from "./search/types";

export type IrqReportKind = "inconsistent" | "safe-unsafe" | "inversion";

/** Where a usage was first seen: a thread at a statement (undefined: at its end). */
export interface UsageSite {
  readonly usage: string;
  readonly cpu: string;
  readonly span: Span | undefined;
  readonly stack: readonly Frame[];
}

export interface IrqReport {
  readonly kind: IrqReportKind;
  /** `HARDIRQ` or `SOFTIRQ`. */
  readonly irq: "HARDIRQ" | "SOFTIRQ";
  /** lockdep's header, e.g. "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage". */
  readonly title: string;
  /** The lock (inconsistent), or the chain from the irq-safe lock to the irq-unsafe one. */
  readonly locks: readonly string[];
  /** Where each usage involved is seen: the lowest-numbered such statement (threads in declaration order, then their code), whatever order the search met them in. */
  readonly sites: readonly UsageSite[];
  readonly status: "confirmed" | "unreached";
}

const NAMES = ["IN-HARDIRQ-W", "IN-HARDIRQ-R", "IN-SOFTIRQ-W", "IN-SOFTIRQ-R", "HARDIRQ-ON-W", "HARDIRQ-ON-R", "SOFTIRQ-ON-W", "SOFTIRQ-ON-R"] as const;

/** The used-in and enabled bits of one interrupt class. */
const CLASSES = [
  { irq: "HARDIRQ", inW: IrqUsage.InHardirqW, onW: IrqUsage.HardirqOnW },
  { irq: "SOFTIRQ", inW: IrqUsage.InSoftirqW, onW: IrqUsage.SoftirqOnW },
] as const;

/**
 * The statement lockdep marks a usage at, given the first statement a
 * thread is seen standing at with the usage (holding `lock` in that
 * state): the step that brought it there, if that statement is the only
 * way there and it took the lock (lockdep marks usage in
 * __lock_acquire()) or turned interrupts on while the lock was held
 * (mark_held_locks() at the enable); else that statement itself. With
 * several ways there (a loop's head, the statement after an `either`)
 * the state does not say which one was taken (found by review: a `lock`
 * with interrupts off was cited for a usage with them on).
 */
function markedAt(model: Model, cpu: number, pc: number, lock: number): number {
  const code = model.cpus[cpu]!.code;
  let only = -1;
  for (let q = 0; q < code.length; q++) {
    if (!successors(code[q]!).includes(pc)) continue;
    if (only >= 0) return pc;
    only = q;
  }
  if (only < 0) return pc;
  const ins = code[only]!;
  const takes = semantics(ins).acquires(ins, model)?.lock === lock || ((ins.op === "trylock" || ins.op === "rtrylock") && ins.lock === lock && ins.next === pc);
  const enables = ins.op === "irq_enable" || ins.op === "irq_restore" || ins.op === "bh_enable" || ins.op === "irq_unlock";
  return takes || enables ? only : pc;
}

export function irqReports(model: Model, result: ExploreResult, graph: LockGraph): IrqReport[] {
  const { bits, sites } = result.facts.irqUsage;
  if (bits.length === 0) return [];
  const siteCpu: number[] = [];
  const sitePc: number[] = [];
  model.cpus.forEach((c, i) => c.code.forEach((_, pc) => (siteCpu.push(i), sitePc.push(pc))));
  const where = (lock: number, bit: number): UsageSite => {
    const site = sites[lock * 8 + bit]!;
    if (site < 0) return { usage: NAMES[bit]!, cpu: "?", span: undefined, stack: [] };
    const cpu = siteCpu[site]!;
    const ins = model.cpus[cpu]!.code[markedAt(model, cpu, sitePc[site]!, lock)]!;
    return { usage: NAMES[bit]!, cpu: model.cpus[cpu]!.name, span: ins.span, stack: ins.stack };
  };
  const has = (l: number, b: number): boolean => (bits[l]! & (1 << b)) !== 0;
  const deadlocks = result.problems.filter((p) => p.kind === "deadlock");
  // Per edge x → y between lock classes (lockdep's pseudo-locks too: a flush under an irq-safe lock),
  // the kinds of dependency seen (lockdep's SR/ER/SN/EN bits), in the lock-order graph's order.
  const names = lockClassNames(model);
  const n = names.length;
  const deps = new Map<number, number>();
  for (const e of result.facts.edges) deps.set(e.from * n + e.to, (deps.get(e.from * n + e.to) ?? 0) | e.deps);
  const index = new Map(names.map((name, i) => [name, i]));
  const succ = new Map<number, { to: number; deps: number }[]>();
  for (const e of graph.edges) {
    const f = index.get(e.from);
    const t = index.get(e.to);
    if (f !== undefined && t !== undefined) succ.set(f, [...(succ.get(f) ?? []), { to: t, deps: deps.get(f * n + t) ?? DepKind.EN }]);
  }
  const out: IrqReport[] = [];

  for (const { irq, inW, onW } of CLASSES) {
    // A conflicting pair of usages: in the handler and enabled; on one lock
    // not both reads; along a chain, the safe lock's read usage only if its
    // first dependency can hold it exclusively, the unsafe lock's only if
    // the last does not take it as a recursive read (usage_accumulate() and
    // usage_match() with only_xr).
    const conflict = (inL: number, onL: number, chain?: { anyIn: boolean; anyOn: boolean }): [number, number] | undefined => {
      for (const a of !chain || chain.anyIn ? [inW, inW + 1] : [inW])
        for (const b of !chain || chain.anyOn ? [onW, onW + 1] : [onW]) if (has(inL, a) && has(onL, b) && (chain !== undefined || !(a === inW + 1 && b === onW + 1))) return [a, b];
      return undefined;
    };
    names.forEach((name, l) => {
      const pair = conflict(l, l);
      if (!pair) return;
      const [a, b] = pair;
      const confirmed = deadlocks.some((d) => handlerWaitsFor(model, d, [l], irq));
      out.push({ kind: "inconsistent", irq, title: `inconsistent {${NAMES[b]}} -> {${NAMES[a]}} usage`, locks: [name], sites: [where(l, b), where(l, a)], status: confirmed ? "confirmed" : "unreached" });
    });
    names.forEach((_, s) => {
      if (!has(s, inW) && !has(s, inW + 1)) return;
      strongChains(s, succ, (chain, anyIn, anyOn) => {
        const y = chain[chain.length - 1]!;
        const pair = conflict(s, y, { anyIn, anyOn });
        if (!pair) return false;
        const [a, b] = pair;
        const direct = chain.length === 2;
        const title = direct ? `${irq}-safe -> ${irq}-unsafe lock order detected` : "possible irq lock inversion dependency detected";
        const confirmed = deadlocks.some((d) => handlerWaitsFor(model, d, chain, irq));
        out.push({ kind: direct ? "safe-unsafe" : "inversion", irq, title, locks: chain.map((c) => names[c]!), sites: [where(s, a), where(y, b)], status: confirmed ? "confirmed" : "unreached" });
        return true;
      });
    });
  }
  return out;
}

/**
 * Lockdep's strong dependency paths from lock `s` (kernel/locking/lockdep.c
 * __bfs(): none has a -(*R)-> dependency followed by an -(S*)-> one),
 * breadth first, shortest first: `found(chain, anyIn, anyOn)` for each
 * path's end in turn, until it says it reported that lock (true). anyIn:
 * the path can start by holding `s` exclusively (-(E*)->), so `s`'s read
 * usages count too; anyOn: it can end by taking its lock other than as a
 * recursive read (-(*N)->), so that lock's read usages count too.
 */
function strongChains(s: number, succ: ReadonlyMap<number, readonly { to: number; deps: number }[]>, found: (chain: number[], anyIn: boolean, anyOn: boolean) => boolean): void {
  // A search state: lock × 4 + (arrived by an -(*R)-> dependency: 1) + (the first was -(E*)->: 2).
  const prev = new Map<number, number>();
  const queue: number[] = [];
  const enter = (state: number, from: number): void => {
    if (prev.has(state)) return;
    prev.set(state, from);
    queue.push(state);
  };
  // From a state arrived at by an -(*R)-> dependency, no -(S*)-> one follows.
  const step = (from: number, y: number, deps: number, first: number): void => {
    for (const r of [0, 1]) {
      const kinds = deps & (r ? R_DEPS : N_DEPS);
      if (from < 0) {
        if (kinds & E_DEPS) enter(y * 4 + r + 2, from);
        if (kinds & S_DEPS) enter(y * 4 + r, from);
      } else if (kinds) enter(y * 4 + r + first, from);
    }
  };
  for (const { to, deps } of succ.get(s) ?? []) if (to !== s) step(-1, to, deps, 0);
  const reported = new Set<number>([s]);
  for (let q = 0; q < queue.length; q++) {
    const state = queue[q]!;
    const x = state >> 2;
    if (!reported.has(x)) {
      const chain: number[] = [];
      for (let z = state; z >= 0; z = prev.get(z)!) chain.unshift(z >> 2);
      if (found([s, ...chain], (state & 2) !== 0, (state & 1) === 0)) reported.add(x);
    }
    const viaRecursive = (state & 1) !== 0;
    for (const { to, deps } of succ.get(x) ?? []) if (to !== s) step(state, to, viaRecursive ? deps & ~S_DEPS : deps, state & 2);
  }
}

/** A lock's irq usage as lockdep would record it (race-language.md §10). */
export interface LockIrqUsage {
  readonly lock: string;
  /** In lockdep's order: `IN-HARDIRQ-W`, `IN-HARDIRQ-R`, `IN-SOFTIRQ-W`, …, `SOFTIRQ-ON-R`. */
  readonly usage: readonly string[];
}

/** Each lock's usage bits in words, for the locks held in some explored state; none without handlers. */
export function lockIrqUsage(model: Model, result: ExploreResult): LockIrqUsage[] {
  const { bits } = result.facts.irqUsage;
  const names = lockClassNames(model);
  const out: LockIrqUsage[] = [];
  for (let l = 0; l < bits.length; l++) {
    const usage = NAMES.filter((_, b) => (bits[l]! & (1 << b)) !== 0);
    if (usage.length > 0) out.push({ lock: names[l]!, usage });
  }
  return out;
}

/**
 * Does deadlock `d` have an interrupt handler of the report's class (a
 * hardirq for HARDIRQ, a softirq for SOFTIRQ) waiting for one of `locks`?
 * (A hardirq's deadlock does not show a softirq one: found by review.)
 */
function handlerWaitsFor(model: Model, d: FoundProblem, locks: readonly number[], irq: IrqReport["irq"]): boolean {
  const kind = irq === "HARDIRQ" ? "irq" : "softirq";
  const handlers = new Set(model.handlers.filter((h) => h.kind === kind).map((h) => h.thread));
  return d.sites.some((s) => handlers.has(s.cpu) && s.lock !== undefined && locks.includes(s.lock));
}
