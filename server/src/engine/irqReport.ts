// Lockdep's irq-state analysis (race-language.md §10) over the explored
// states, as the lock-order graph is lockdep's dependency analysis: from
// each lock's usage (held in a hardirq or softirq handler, held with
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
// deadlock), except that a chain whose last edge only ever acquires its
// lock as a recursive read (an rwlock_t read in_interrupt()) counts only
// that lock's write usages (lockdep's usage_match() with only_xr). Each
// report is confirmed by a deadlock the search found in which an interrupt
// handler of its class waits for one of its locks, or marked unreached:
// lockdep would warn, no interleaving deadlocks on it.

import type { Span } from "../language/span";
import type { ExploreResult, FoundProblem } from "./explore";
import type { LockGraph } from "./lockgraph";
import type { Frame, Model } from "./model";
import { IrqUsage } from "./search/types";
import { IrqSeen } from "./primitives/irq";

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

export function irqReports(model: Model, result: ExploreResult, graph: LockGraph): IrqReport[] {
  const { bits, sites } = result.facts.irqUsage;
  if (bits.length === 0) return [];
  const siteCpu: number[] = [];
  const sitePc: number[] = [];
  model.cpus.forEach((c, i) => c.code.forEach((_, pc) => (siteCpu.push(i), sitePc.push(pc))));
  const where = (lock: number, bit: number): UsageSite => {
    const site = sites[lock * 8 + bit]!;
    if (site < 0) return { usage: NAMES[bit]!, cpu: "?", span: undefined, stack: [] };
    const ins = model.cpus[siteCpu[site]!]!.code[sitePc[site]!]!;
    return { usage: NAMES[bit]!, cpu: model.cpus[siteCpu[site]!]!.name, span: ins.span, stack: ins.stack };
  };
  const has = (l: number, b: number): boolean => (bits[l]! & (1 << b)) !== 0;
  const deadlocks = result.problems.filter((p) => p.kind === "deadlock");
  // Per edge x → y (pseudo-locks included): does every occurrence acquire y as a recursive read (an rwlock_t's, in_interrupt())?
  const recursive = new Map<string, boolean>();
  for (const e of result.facts.edges) {
    const ins = model.cpus[siteCpu[e.site]!]!.code[sitePc[e.site]!]!;
    const seen = result.facts.irqSeen[e.site] ?? 0;
    const read = ins.op === "rlock" && model.locks[ins.lock]!.kind === "rwlock" && (seen & IrqSeen.InInterrupt) !== 0 && !(seen & IrqSeen.NotInInterrupt);
    const key = `${e.from}>${e.to}`;
    recursive.set(key, (recursive.get(key) ?? true) && read);
  }
  const recursiveReadOnly = (x: number, y: number): boolean => recursive.get(`${x}>${y}`) ?? false;
  const index = new Map(model.locks.map((l, i) => [l.name, i]));
  const out: IrqReport[] = [];

  for (const { irq, inW, onW } of CLASSES) {
    // A conflicting pair of usages: in the handler and enabled; on one lock not both reads; at the end of a chain into a recursive read, not its read usages.
    const conflict = (inL: number, onL: number, chain?: { onlyWrites: boolean }): [number, number] | undefined => {
      for (const a of [inW, inW + 1])
        for (const b of chain?.onlyWrites ? [onW] : [onW, onW + 1]) if (has(inL, a) && has(onL, b) && (chain !== undefined || !(a === inW + 1 && b === onW + 1))) return [a, b];
      return undefined;
    };
    model.locks.forEach((lock, l) => {
      const pair = conflict(l, l);
      if (!pair) return;
      const [a, b] = pair;
      const confirmed = deadlocks.some((d) => handlerWaitsFor(model, d, [l], irq));
      out.push({ kind: "inconsistent", irq, title: `inconsistent {${NAMES[b]}} -> {${NAMES[a]}} usage`, locks: [lock.name], sites: [where(l, b), where(l, a)], status: confirmed ? "confirmed" : "unreached" });
    });
    // Chains from an irq-safe lock to an irq-unsafe one along lock-order edges (breadth first: the shortest).
    const succ = new Map<number, number[]>();
    for (const e of graph.edges) {
      const f = index.get(e.from);
      const t = index.get(e.to);
      if (f !== undefined && t !== undefined) succ.set(f, [...(succ.get(f) ?? []), t]);
    }
    model.locks.forEach((_, s) => {
      if (!has(s, inW) && !has(s, inW + 1)) return;
      const prev = new Map<number, number>([[s, -1]]);
      const queue = [s];
      for (let q = 0; q < queue.length; q++) {
        const x = queue[q]!;
        for (const y of succ.get(x) ?? []) {
          if (prev.has(y)) continue;
          prev.set(y, x);
          queue.push(y);
          const pair = conflict(s, y, { onlyWrites: recursiveReadOnly(x, y) });
          if (!pair) continue;
          const chain: number[] = [];
          for (let z = y; z !== -1; z = prev.get(z)!) chain.unshift(z);
          const [a, b] = pair;
          const direct = chain.length === 2;
          const title = direct ? `${irq}-safe -> ${irq}-unsafe lock order detected` : "possible irq lock inversion dependency detected";
          const confirmed = deadlocks.some((d) => handlerWaitsFor(model, d, chain, irq));
          out.push({ kind: direct ? "safe-unsafe" : "inversion", irq, title, locks: chain.map((c) => model.locks[c]!.name), sites: [where(s, a), where(y, b)], status: confirmed ? "confirmed" : "unreached" });
        }
      }
    });
  }
  return out;
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
  const out: LockIrqUsage[] = [];
  for (let l = 0; l < bits.length; l++) {
    const usage = NAMES.filter((_, b) => (bits[l]! & (1 << b)) !== 0);
    if (usage.length > 0) out.push({ lock: model.locks[l]!.name, usage });
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
