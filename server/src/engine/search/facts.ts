// Lock facts over the explored states: per statement (site), the locks a
// CPU holds on arrival in every / in some reachable state, and for
// reader/writer locks in which mode; and lockdep's lock-order occurrences:
// for each lock acquired at a site, each lock held then, with the
// intersection of the held sets over those occurrences (for gating).
// Locks here are lock classes: the real locks, then lockdep's pseudo-locks
// (a running work item's `(work_completion)`, a sysfs block's `kn->active`,
// …), which the primitives' parts say who holds. And per waiting statement
// (a flush, a kthread_stop, a synchronize, …), what its thread found at the
// call, as bits its primitive defines (OpSemantics.observe), OR-ed; and,
// with interrupt handlers or interrupt state (§10), at every statement the
// interrupt state its thread stood in (IrqState.observeAt), OR-ed.

import { isReaderWriter, lockClassCount, PC_DONE, PC_STOPPED_FLAG, uncheckedClasses, type Model } from "../model";
import { semantics } from "../primitives";
import type { Layout } from "../state";
import { CpuStatus } from "../status";
import { IrqUsage, type EdgeOccurrence, type Facts } from "./types";

export class FactsRecorder {
  readonly words: number;
  readonly siteBase: number[] = [];
  readonly sites: number;
  private readonly lockCount: number;
  /** The real locks (mutexes, rwsems, …): the lock classes before the pseudo-locks. */
  private readonly realLocks: number;
  private readonly reached: Uint8Array;
  private readonly always: Uint32Array;
  private readonly sometimes: Uint32Array;
  /** Reader/writer locks, as a mask; modes are only recorded if there is one. */
  private readonly rwLocks: Uint32Array;
  private readonly modes: boolean;
  private readonly sometimesRead: Uint32Array;
  private readonly sometimesWritten: Uint32Array;
  /** Per CPU, the locks it holds in the state being looked at (and those for reading). */
  private readonly held: Uint32Array;
  /** Per CPU, the locks it holds for reading, pseudo-locks (kn->active, SRCU sections) included. */
  private readonly heldRead: Uint32Array;
  /**
   * Lock-order occurrences, indexed densely: a row per lock a site
   * acquires (most acquire one; a flush on an ordered queue two).
   * `siteRows[site]` is its first row, `rowTarget[row]` the lock.
   */
  private readonly siteRows: Int32Array;
  private readonly rowSite: number[] = [];
  private readonly rowTarget: number[] = [];
  private readonly partsHolding: readonly ((st: Uint8Array, add: (thread: number, lockClass: number, read: boolean) => void) => void)[];
  private readonly occurrences: Uint32Array;
  /** Per (row, held lock): the kinds of dependency seen (EdgeOccurrence.deps; 0: none). */
  private readonly occurred: Uint8Array;
  /** Per site: an rwlock_t read, which lockdep takes as a recursive read where the thread is in_interrupt(). */
  private readonly recursiveSite: Uint8Array;
  /** Per site: what a thread about to take its step found (OR of the primitive's bits), and the function that looks, if its op has one. */
  private readonly seen: Uint32Array;
  private readonly observers: (((st: Uint8Array, cpu: number) => number) | undefined)[] = [];
  /** Per site: whether a thread standing there in a state acquires its op's classes (OpSemantics.recordsAcquire), if its op says. */
  private readonly recordsAt: (((st: Uint8Array, cpu: number) => boolean) | undefined)[] = [];

  constructor(
    model: Model,
    private readonly layout: Layout,
  ) {
    const n = model.cpus.length;
    this.lockCount = lockClassCount(model);
    this.realLocks = model.locks.length;
    const words = (this.words = Math.max(1, Math.ceil(this.lockCount / 32)));
    let sites = 0;
    for (const c of model.cpus) {
      this.siteBase.push(sites);
      sites += c.code.length;
    }
    this.sites = sites;
    this.reached = new Uint8Array(sites);
    this.always = new Uint32Array(sites * words).fill(0xffffffff);
    this.sometimes = new Uint32Array(sites * words);
    this.rwLocks = new Uint32Array(words);
    model.locks.forEach((l, i) => {
      if (isReaderWriter(l.kind)) this.rwLocks[i >>> 5]! |= 1 << (i & 31);
    });
    this.modes = this.rwLocks.some((w) => w !== 0);
    this.sometimesRead = new Uint32Array(this.modes ? sites * words : 0);
    this.sometimesWritten = new Uint32Array(this.modes ? sites * words : 0);
    this.held = new Uint32Array(n * words);
    this.heldRead = new Uint32Array(n * words);
    this.siteRows = new Int32Array(sites + 1);
    this.recursiveSite = new Uint8Array(sites);
    model.cpus.forEach((c, i) =>
      c.code.forEach((ins, pc) => {
        const site = this.siteBase[i]! + pc;
        if (ins.op === "rlock" && model.locks[ins.lock]!.kind === "rwlock") this.recursiveSite[site] = 1;
        this.siteRows[site] = this.rowSite.length;
        const sem = semantics(ins);
        const observe = sem.observe;
        this.observers[site] = observe && ((st, cpu) => observe(ins, layout, st, cpu));
        const records = sem.recordsAcquire;
        this.recordsAt[site] = records && ((st, cpu) => records(ins, layout, st, cpu));
        const first = sem.acquires(ins, model);
        for (const a of first ? [first, ...(sem.alsoAcquires?.(ins, model) ?? [])] : []) {
          this.rowSite.push(site);
          this.rowTarget.push(a.lock);
        }
      }),
    );
    this.siteRows[sites] = this.rowSite.length;
    this.seen = new Uint32Array(sites);
    const rows = this.rowSite.length;
    this.occurrences = new Uint32Array(rows * this.lockCount * words).fill(0xffffffff);
    this.occurred = new Uint8Array(rows * this.lockCount);
    this.partsHolding = layout.parts.flatMap((p) => (p.held ? [p.held.bind(p)] : []));
    // Every lock class, lockdep's pseudo-locks too (a running work item's (work_completion) is held with
    // interrupts on: HARDIRQ-ON-W), but those lockdep acquires with check=0 (RCU's, a `novalidate` lock's): no usage.
    this.usage = new Uint8Array(model.handlers.length > 0 ? this.lockCount : 0);
    this.noUsage = uncheckedClasses(model);
    // -2: not seen; -1: seen only at a thread's end.
    this.usageSite = new Int32Array(this.usage.length * 8).fill(-2);
    this.irqSeen = new Uint8Array(layout.p.irq.observed ? sites : 0);
  }

  /** Per site: the interrupt state its thread stood in (IrqSeen bits, OR-ed); only with §10's handlers or interrupt state. */
  private readonly irqSeen: Uint8Array;

  /**
   * Lockdep's irq usage of each lock (race-language.md §10): per lock, 8
   * bits (IrqUsage) of the contexts it was held in and the interrupt state
   * then, and per bit the first site where it was seen; only with handlers.
   */
  private readonly usage: Uint8Array;
  /** Per lock class: 1 if it marks no usage (uncheckedClasses). */
  private readonly noUsage: Uint8Array;
  private readonly usageSite: Int32Array;

  /** Records the facts of state `st`, whose CPUs' statuses are `status`. */
  record(st: Uint8Array, status: Int32Array): void {
    this.holdings(st);
    if (this.usage.length > 0) this.irqUsage(st);
    for (let c = 0; c < this.layout.cpuCount; c++) {
      // A finished thread, or one with nothing to do (an idle work item, a kthread not yet run).
      if (status[c] === CpuStatus.Finished || status[c] === CpuStatus.Idle) continue;
      const pc = this.layout.pc(st, c);
      const site = this.siteBase[c]! + pc;
      this.arrival(site, c);
      const observe = this.observers[site];
      if (observe) this.seen[site]! |= observe(st, c);
      if (this.irqSeen.length > 0) this.irqSeen[site]! |= this.layout.p.irq.observeAt(st, c);
      const rows = this.siteRows[site + 1]! - this.siteRows[site]!;
      if (rows === 0) continue;
      const records = this.recordsAt[site];
      if (records && !records(st, c)) continue;
      const recursive = this.recursiveSite[site] === 1 && this.irqSeen.length > 0 && this.layout.p.irq.inInterrupt(st, c);
      for (let row = this.siteRows[site]!; row < this.siteRows[site + 1]!; row++) this.occurrence(row, c, this.rowTarget[row]!, recursive);
    }
  }

  /** Who holds which lock in `st` (into `held`, `heldRead`). */
  private holdings(st: Uint8Array): void {
    const { held, heldRead, words } = this;
    held.fill(0);
    heldRead.fill(0);
    const locks = this.layout.locks;
    // The real locks from their own bytes; the pseudo-locks after them, from the parts that say who holds them.
    for (let l = 0; l < this.realLocks; l++) {
      const owner = locks.owner(st, l);
      if (owner !== 0) held[(owner - 1) * words + (l >>> 5)]! |= 1 << (l & 31);
      const rb = locks.readerBase[l]!;
      if (rb < 0) continue;
      for (let c = 0; c < this.layout.cpuCount; c++) {
        if (st[rb + c]! === 0) continue;
        held[c * words + (l >>> 5)]! |= 1 << (l & 31);
        heldRead[c * words + (l >>> 5)]! |= 1 << (l & 31);
      }
    }
    for (const holding of this.partsHolding) holding(st, this.addHeld);
  }

  /** Each held lock's irq usage in `st`: held in which context, with which interrupts on (lockdep marks it so). */
  private irqUsage(st: Uint8Array): void {
    const irq = this.layout.p.irq;
    const { held, heldRead, words } = this;
    for (let c = 0; c < this.layout.cpuCount; c++) {
      const ctx = irq.usageContext(st, c);
      const pc = this.layout.pc(st, c);
      const site = pc === PC_DONE || pc & PC_STOPPED_FLAG ? -1 : this.siteBase[c]! + pc;
      for (let l = 0; l < this.lockCount; l++) {
        if (!(held[c * words + (l >>> 5)]! & (1 << (l & 31))) || this.noUsage[l]) continue;
        const read = (heldRead[c * words + (l >>> 5)]! & (1 << (l & 31))) !== 0 ? 1 : 0;
        const bits = ((ctx.inHard ? 1 << IrqUsage.InHardirqW : 0) | (ctx.inSoft ? 1 << IrqUsage.InSoftirqW : 0) | (ctx.hardOn ? 1 << IrqUsage.HardirqOnW : 0) | (ctx.softOn ? 1 << IrqUsage.SoftirqOnW : 0)) << read;
        this.usage[l] = this.usage[l]! | bits;
        // The site a usage is cited at: the lowest-numbered one it is seen at
        // (a thread's end only if none), not the first met, which depends on
        // the order the search goes in (reduced and full must cite the same).
        for (let b = 0; b < 8; b++) {
          if (!(bits & (1 << b))) continue;
          const was = this.usageSite[l * 8 + b]!;
          if (was === -2 || (site >= 0 && (was < 0 || site < was))) this.usageSite[l * 8 + b] = site;
        }
      }
    }
  }

  /** A pseudo-lock a part says thread c holds (for reading: kn->active, an SRCU domain). */
  private readonly addHeld = (c: number, l: number, read: boolean): void => {
    const { held, heldRead, words } = this;
    held[c * words + (l >>> 5)]! |= 1 << (l & 31);
    if (read) heldRead[c * words + (l >>> 5)]! |= 1 << (l & 31);
  };

  /** CPU c is at `site` holding `held[c]`. */
  private arrival(site: number, c: number): void {
    const { held, heldRead, words } = this;
    this.reached[site] = 1;
    for (let w = 0; w < words; w++) {
      this.always[site * words + w]! &= held[c * words + w]!;
      this.sometimes[site * words + w]! |= held[c * words + w]!;
    }
    if (!this.modes) return;
    for (let w = 0; w < words; w++) {
      this.sometimesRead[site * words + w]! |= heldRead[c * words + w]!;
      this.sometimesWritten[site * words + w]! |= held[c * words + w]! & ~heldRead[c * words + w]! & this.rwLocks[w]!;
    }
  }

  /**
   * CPU c is about to acquire row's lock (`recursive`: as a recursive
   * read): an edge from each lock it holds (not re-taking one it holds),
   * of lockdep's kind (EdgeOccurrence.deps) by how that one is held. An
   * edge's common locks (a gate, when a cycle's edges share one) count only
   * locks held exclusively: two threads can both hold a lock for reading
   * (kn->active, an SRCU section, an rwsem's read side), which then keeps
   * neither out.
   */
  private occurrence(rowIndex: number, c: number, target: number, recursive: boolean): void {
    const { held, heldRead, words, lockCount } = this;
    if (held[c * words + (target >>> 5)]! & (1 << (target & 31))) return;
    const row = rowIndex * lockCount;
    for (let h = 0; h < lockCount; h++) {
      if (!(held[c * words + (h >>> 5)]! & (1 << (h & 31)))) continue;
      // lockdep's __calc_dep_bit(): (prev->read == 0) + ((next->read != 2) << 1).
      const shared = (heldRead[c * words + (h >>> 5)]! & (1 << (h & 31))) !== 0;
      this.occurred[row + h]! |= 1 << ((shared ? 0 : 1) + (recursive ? 0 : 2));
      const at = (row + h) * words;
      for (let w = 0; w < words; w++) this.occurrences[at + w]! &= held[c * words + w]! & ~heldRead[c * words + w]!;
    }
  }

  result(): Facts {
    const { words, lockCount } = this;
    const edges: EdgeOccurrence[] = [];
    for (let row = 0; row < this.rowSite.length; row++) {
      for (let h = 0; h < lockCount; h++) {
        const k = row * lockCount + h;
        if (this.occurred[k]) edges.push({ site: this.rowSite[row]!, from: h, to: this.rowTarget[row]!, deps: this.occurred[k]!, common: this.occurrences.slice(k * words, (k + 1) * words) });
      }
    }
    const { siteBase, reached, always, sometimes, sometimesRead, sometimesWritten, seen, irqSeen } = this;
    return { words, siteBase, reached, always, sometimes, sometimesRead, sometimesWritten, edges, seen, irqSeen, irqUsage: { bits: this.usage, sites: this.usageSite } };
  }
}
