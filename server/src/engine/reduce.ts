// Partial-order reduction: strong stubborn sets computed from the static
// conflicts between what CPUs' statements touch (race-language.md §6 gives
// the semantics; docs/ARCHITECTURE.md "Reduction" gives the argument).
//
// A stubborn set here is a set S of CPUs. Expanding only the enabled CPUs
// of S is sound when
//  (E) for an enabled CPU d in S, no CPU outside S can, now or later, run a
//      statement that conflicts with d's next statement (touches the same
//      lock, or the same variable with one of the two writing it); and
//  (D) for a blocked CPU d in S, every CPU whose step could unblock it is in
//      S (the holders of the lock it waits for, the writers of what its
//      `wait until` reads).
// Then steps outside S commute with the enabled steps of S and cannot
// enable a blocked one, which is all the correctness arguments use.
//
// The static summaries are per CPU and statement: the locks and variables
// the statement touches, and the union of that over every statement
// reachable from it ("what this CPU may still touch from here").

import { unreachable } from "../language/ast";
import { isReaderWriter, PC_DONE, PC_STOPPED_FLAG, type CExpr, type Model } from "./model";
import { loopComponents, successors } from "./controlFlow";
import { semantics } from "./primitives";
import { LockMode, popcount, type AccessSink } from "./primitives/types";
import { CpuStatus, type Layout } from "./state";

/**
 * Bitsets over locks and variables, `lw` + `vw` words per entry. A lock is
 * touched in one of four ways, because not every pair of lock operations
 * is dependent: a blocking `lock` of a mutex-like lock (`acquire`) cannot
 * run while another CPU holds the lock, so it never meets that CPU's
 * `unlock` (`release`) with both enabled; `try` (trylock, and every
 * operation on an rwsem, whose readers and queued writers interact in more
 * ways) and `query` (`locked()`) read the lock's state whoever holds it.
 */
class Access {
  constructor(
    readonly lw: number,
    readonly vw: number,
    readonly acquire: Uint32Array,
    readonly release: Uint32Array,
    readonly tries: Uint32Array,
    readonly query: Uint32Array,
    readonly reads: Uint32Array,
    readonly writes: Uint32Array,
  ) {
    this.lockModes = [acquire, release, tries, query];
  }

  /** The per-lock arrays, indexed by mode (ACQUIRE …). */
  readonly lockModes: readonly Uint32Array[];

  static alloc(entries: number, lw: number, vw: number): Access {
    const l = (): Uint32Array => new Uint32Array(entries * lw);
    return new Access(lw, vw, l(), l(), l(), l(), new Uint32Array(entries * vw), new Uint32Array(entries * vw));
  }
}

/** The largest table of conflict answers kept for one pair of CPUs (entries, one byte each). */
const MAX_CONFLICT_TABLE = 1 << 16;

const ACQUIRE = LockMode.Acquire;
const RELEASE = LockMode.Release;
const TRY = LockMode.Try;
const QUERY = LockMode.Query;

/**
 * Which modes of one step conflict with which modes of another CPU's
 * steps (a bitmask over the other's modes, per mode of this one). Acquire
 * and release of a mutex-like lock are never enabled together on two CPUs
 * (the lock is free, or held by the releaser); two releases only meet as a
 * bad unlock, which stops its CPU whatever the order; two queries both
 * only read.
 */
const STEP_CONFLICTS = [
  /* acquire */ (1 << ACQUIRE) | (1 << TRY) | (1 << QUERY),
  /* release */ (1 << TRY) | (1 << QUERY),
  /* try     */ (1 << ACQUIRE) | (1 << RELEASE) | (1 << TRY) | (1 << QUERY),
  /* query   */ (1 << ACQUIRE) | (1 << RELEASE) | (1 << TRY),
];
/**
 * Between two CPUs' futures a release does matter to an acquire: the
 * lock one holds is the one the other will wait for.
 */
const FUTURE_CONFLICTS = [
  /* acquire */ (1 << ACQUIRE) | (1 << RELEASE) | (1 << TRY) | (1 << QUERY),
  /* release */ (1 << ACQUIRE) | (1 << RELEASE) | (1 << TRY) | (1 << QUERY),
  /* try     */ (1 << ACQUIRE) | (1 << RELEASE) | (1 << TRY) | (1 << QUERY),
  /* query   */ (1 << ACQUIRE) | (1 << RELEASE) | (1 << TRY),
];

/** What evaluating `e` touches: the variables it reads, the locks `locked()` asks about. */
function exprAccess(e: CExpr, a: AccessSink, layout: Layout): void {
  switch (e.k) {
    case "const":
      return;
    case "var":
      a.read(e.id);
      return;
    case "not":
    case "neg":
      exprAccess(e.e, a, layout);
      return;
    case "bin":
      exprAccess(e.l, a, layout);
      exprAccess(e.r, a, layout);
      return;
    case "shouldStop":
      a.resource(layout.p.kthreads.res(e.kthread), false);
      return;
    case "held":
      // Only the CPU itself can change whether it holds a lock (a handler's
      // also counts the contexts below it, which cannot step until it
      // returns): no conflict.
      return;
    case "locked":
      a.lock(e.lock, LockMode.Query);
      return;
    default:
      unreachable(e);
  }
}

export class Reduction {
  readonly cpuCount: number;
  /** Per CPU: index of its pc 0 in the flat per-statement arrays. */
  private readonly base: Int32Array;
  /** What each statement touches. */
  private readonly own: Access;
  /** What a CPU may touch from each statement on (inclusive). */
  private readonly future: Access;
  /** Some CPU's control flow has a cycle (a `while`): the search needs the cycle proviso. */
  readonly hasLoops: boolean;
  /** Per CPU, per statement: the loop of its control flow it is on (controlFlow.loopComponents). */
  private readonly loops: readonly Int32Array[];
  /**
   * The same summaries as `own` and `future` without the rules for
   * handlers (silent locks, transparent handlers): what the stuck analysis
   * asks (which CPUs can affect which, which may still touch a lock), where
   * a handler that gates its task for a few steps does affect it.
   */
  private readonly ownAll: Access;
  private readonly futureAll: Access;
  /** Per-state dependency masks, filled on demand (see depsOf). */
  private readonly deps: Int32Array;

  constructor(
    model: Model,
    private readonly layout: Layout,
  ) {
    const n = model.cpus.length;
    this.cpuCount = n;
    const lw = Math.max(1, Math.ceil(model.locks.length / 32));
    // Variables and the primitives' resources (work items, completions, …) share the variable words.
    const vw = Math.max(1, Math.ceil(layout.resourceCount / 32));
    this.base = new Int32Array(n);
    let total = 0;
    model.cpus.forEach((c, i) => {
      this.base[i] = total;
      total += c.code.length;
    });
    this.deps = new Int32Array(n);
    this.conflicts = new Array<Uint8Array | undefined | null>(n * n).fill(undefined);
    this.codeLength = Int32Array.from(model.cpus.map((c) => c.code.length));
    const silent = silentLocks(model, layout);
    const transparent = transparentHandlers(model, silent);
    this.own = Access.alloc(total, lw, vw);
    this.future = Access.alloc(total, lw, vw);
    this.hasLoops = this.summarize(model, this.own, this.future, silent, transparent);
    this.loops = model.cpus.map((c) => loopComponents(c.code));
    // Where neither rule applies (every scenario without such handlers), both kinds of summary are the same.
    if (silent.some((x) => x === 1) || transparent.some((x) => x === 1)) {
      const none = new Uint8Array(Math.max(model.locks.length, n));
      this.ownAll = Access.alloc(total, lw, vw);
      this.futureAll = Access.alloc(total, lw, vw);
      this.summarize(model, this.ownAll, this.futureAll, none, none);
    } else {
      this.ownAll = this.own;
      this.futureAll = this.future;
    }
  }

  /**
   * Fills `own` and `future` for every CPU's statements, leaving out the
   * `silent` locks and giving `transparent` handlers' firing their whole
   * body (see transparentHandlers). Returns whether some CPU's control flow
   * has a cycle.
   */
  private summarize(model: Model, own: Access, future: Access, silent: Uint8Array, transparent: Uint8Array): boolean {
    const { lw, vw } = own;
    let loops = false;
    model.cpus.forEach((cpu, c) => {
      const b = this.base[c]!;
      const code = cpu.code;
      const readOnly = transparent[c] ? this.layout.p.irq.contextResource(c) : -1;
      code.forEach((ins, pc) => {
        // What the statement touches, and what arriving at each of its
        // successors touches (a queued rwsem writer blocks new readers).
        const sink = this.sink(own, (b + pc) * lw, (b + pc) * vw, silent, readOnly);
        semantics(ins).access(ins, sink, this.layout, c);
        if (this.layout.quiescing?.[c]![pc]) this.layout.p.srcus.quiescingAccess(sink);
        for (const part of this.layout.parts) part.threadAccess?.(c, sink);
        // A step that ends the thread's body also does what its end does (a work item's run ends);
        // one that can stop it at an error, what stopping does (a kthread stopped so has exited).
        if (successors(ins).includes(this.layout.endPc[c]!)) for (const part of this.layout.parts) part.endAccess?.(c, sink);
        if (semantics(ins).canStop(ins, this.layout)) for (const part of this.layout.parts) part.stopAccess?.(c, sink);
        for (const s of successors(ins)) {
          if (s === PC_DONE) continue;
          const t = code[s]!;
          semantics(t).arrival(t, sink, this.layout);
        }
      });
      // A transparent handler's firing stands for its whole body.
      if (transparent[c]) for (let pc = 1; pc < code.length; pc++) mergeInto(own, b, b + pc);
      // Future summaries: a backward fixpoint over the control-flow graph.
      const ownArrays = [...own.lockModes, own.reads, own.writes];
      const futureArrays = [...future.lockModes, future.reads, future.writes];
      const widths = [lw, lw, lw, lw, vw, vw];
      ownArrays.forEach((a, k) => {
        const w = widths[k]!;
        for (let i = 0; i < code.length * w; i++) futureArrays[k]![b * w + i] = a[b * w + i]!;
      });
      for (let changed = true; changed; ) {
        changed = false;
        for (let pc = code.length - 1; pc >= 0; pc--) {
          for (const s of successors(code[pc]!)) {
            if (s === PC_DONE) continue;
            if (s <= pc) loops = true;
            futureArrays.forEach((a, k) => {
              const w = widths[k]!;
              changed = orInto(a, (b + pc) * w, (b + s) * w, w) || changed;
            });
          }
        }
      }
    });
    return loops;
  }

  /**
   * Records what one statement touches, into its entry of `own` (lock words
   * at `la`, variable words at `va`), leaving out `silent` locks; writes of
   * resource `readOnly` (a transparent handler's CPU context) are recorded
   * as reads.
   */
  private sink(own: Access, la: number, va: number, silent: Uint8Array, readOnly: number): AccessSink {
    const sink: AccessSink = {
      lock: (l, mode) => {
        if (silent[l]) return;
        own.lockModes[mode]![la + (l >>> 5)]! |= 1 << (l & 31);
      },
      read: (v) => {
        own.reads[va + (v >>> 5)]! |= 1 << (v & 31);
      },
      write: (v) => {
        own.writes[va + (v >>> 5)]! |= 1 << (v & 31);
      },
      resource: (r, write) => (write && r !== readOnly ? sink.write(r) : sink.read(r)),
      expr: (e) => exprAccess(e, sink, this.layout),
    };
    return sink;
  }

  /**
   * Does the statement CPU d is at conflict with anything CPU e may still
   * run? A function of the two positions alone, so answers are kept per
   * pair of CPUs where the pair's table is small (0 unknown, 1 no, 2 yes).
   */
  private conflict(d: number, pcD: number, e: number, pcE: number): boolean {
    const table = this.conflictTable(d, e);
    if (!table) return this.overlapsFrom(d, pcD, this.own, e, pcE, this.future, STEP_CONFLICTS);
    const at = pcD * this.codeLength[e]! + pcE;
    let known = table[at]!;
    if (known === 0) table[at] = known = this.overlapsFrom(d, pcD, this.own, e, pcE, this.future, STEP_CONFLICTS) ? 2 : 1;
    return known === 2;
  }

  /** Per ordered pair of CPUs, their answers so far (undefined: too large a table to keep). */
  private readonly conflicts: (Uint8Array | undefined | null)[];
  private readonly codeLength: Int32Array;

  private conflictTable(d: number, e: number): Uint8Array | undefined {
    const k = d * this.cpuCount + e;
    let t = this.conflicts[k];
    if (t === undefined) {
      const size = this.codeLength[d]! * this.codeLength[e]!;
      t = this.conflicts[k] = size <= MAX_CONFLICT_TABLE ? new Uint8Array(size) : null;
    }
    return t ?? undefined;
  }

  /**
   * Does what CPU d touches at pcD (`mine`) conflict with what CPU e touches
   * at pcE (`other`): a lock in modes that conflict (`lockConflicts`), a
   * variable one side writes?
   */
  private overlapsFrom(d: number, pcD: number, mine: Access, e: number, pcE: number, other: Access, lockConflicts: readonly number[]): boolean {
    const { lw, vw } = this.own;
    const a = (this.base[d]! + pcD) * lw;
    const b = (this.base[e]! + pcE) * lw;
    const mineModes = mine.lockModes;
    const otherModes = other.lockModes;
    for (let m = 0; m < 4; m++) {
      const x = mineModes[m]!;
      const conflicts = lockConflicts[m]!;
      for (let o = 0; o < 4; o++) {
        if (!(conflicts & (1 << o))) continue;
        const y = otherModes[o]!;
        for (let i = 0; i < lw; i++) if (x[a + i]! & y[b + i]!) return true;
      }
    }
    const av = (this.base[d]! + pcD) * vw;
    const bv = (this.base[e]! + pcE) * vw;
    for (let i = 0; i < vw; i++) {
      if (mine.writes[av + i]! & (other.reads[bv + i]! | other.writes[bv + i]!)) return true;
      if (mine.reads[av + i]! & other.writes[bv + i]!) return true;
    }
    return false;
  }

  /**
   * Starts a new state: `status` and `waitsFor` are the explorer's for
   * `st`. Dependency masks are then worked out on demand, per CPU.
   */
  prepare(st: Uint8Array, status: Int32Array, waitsFor: Int32Array): void {
    this.st = st;
    this.status = status;
    this.waitsFor = waitsFor;
    this.known = 0;
  }

  private st: Uint8Array = new Uint8Array(0);
  private status: Int32Array = new Int32Array(0);
  private waitsFor: Int32Array = new Int32Array(0);
  /** CPUs whose mask in `deps` is computed for the current state. */
  private known = 0;

  /**
   * For an enabled CPU, the CPUs whose future conflicts with its next
   * statement (E); for a blocked one, the CPUs that could unblock it (D).
   */
  private depsOf(d: number): number {
    if (this.known & (1 << d)) return this.deps[d]!;
    const { st, layout } = this;
    const s = this.status[d]!;
    let mask = 0;
    if (s === CpuStatus.Enabled || s === CpuStatus.BlockedOnWait || s === CpuStatus.Idle) {
      // A blocked `wait until` (or an idle thread's start) is released only
      // by a write to what it reads: the same conflict test, from the
      // reading side; an idle thread also by whoever its primitive names.
      mask = this.conflicting(d);
      if (s === CpuStatus.Idle) {
        const ins = layout.instrAt(st, d)!;
        mask |= semantics(ins).idleEnablers?.(layout, st, d, ins) ?? 0;
      }
    } else if (s === CpuStatus.BlockedOnLock) {
      const ins = layout.instrAt(st, d)!;
      const sem = semantics(ins);
      mask = sem.unblockers(layout, st, d, ins, this.waitsFor[d]!);
      if (sem.releasedByWrites) mask |= this.conflicting(d);
      mask &= ~(1 << d);
    }
    this.deps[d] = mask;
    this.known |= 1 << d;
    return mask;
  }

  /** The CPUs whose future conflicts with what CPU d's statement touches, in the current state. */
  private conflicting(d: number): number {
    const { st, layout } = this;
    const pcD = layout.pc(st, d);
    let mask = 0;
    for (let e = 0; e < this.cpuCount; e++) {
      if (e === d) continue;
      const pcE = layout.pc(st, e);
      if (pcE === PC_DONE || pcE & PC_STOPPED_FLAG) continue;
      if (this.conflict(d, pcD, e, pcE)) mask |= 1 << e;
    }
    return mask;
  }

  /**
   * Can a step from `from` to `to` be part of a cycle of states? Only if
   * every CPU is where it was or on the same loop of its code (a pc changes
   * only along the control flow, by the CPU's own steps); the cycle
   * proviso need not fire for any other step.
   */
  mayCloseCycle(from: Uint8Array, to: Uint8Array): boolean {
    const { layout } = this;
    for (let c = 0; c < this.cpuCount; c++) {
      const a = layout.pc(from, c);
      const b = layout.pc(to, c);
      if (a === b) continue;
      const loops = this.loops[c]!;
      if (a >= loops.length || b >= loops.length) return false;
      const l = loops[a]!;
      if (l < 0 || l !== loops[b]) return false;
    }
    return true;
  }

  /** The smallest stubborn set (as a CPU mask) that contains all of `seeds`. */
  closure(seeds: number): number {
    let set = seeds;
    let todo = seeds;
    while (todo !== 0) {
      const d = 31 - Math.clz32(todo);
      todo &= ~(1 << d);
      const add = this.depsOf(d) & ~set;
      set |= add;
      todo |= add;
    }
    return set;
  }

  /**
   * Among the stubborn sets grown from one enabled CPU, one with the fewest
   * enabled CPUs (ties: the first found, from the highest CPU down), as
   * the mask of its enabled CPUs. `enabled` is the mask of enabled CPUs.
   */
  smallest(enabled: number): number {
    let best = enabled;
    let bestCount = popcount(enabled);
    this.lastStubborn = -1;
    for (let m = enabled; m !== 0 && bestCount > 1; ) {
      const d = 31 - Math.clz32(m);
      m &= ~(1 << d);
      const closed = this.closure(1 << d);
      const set = closed & enabled;
      const count = popcount(set);
      if (count < bestCount) {
        best = set;
        bestCount = count;
        this.lastStubborn = closed;
      }
    }
    return best;
  }

  /**
   * The whole stubborn set (blocked CPUs too) whose enabled CPUs the last
   * smallest() returned, or -1 if it returned every enabled CPU.
   */
  lastStubborn = -1;

  /**
   * The CPUs whose futures interact with the seeds', transitively: CPUs
   * outside it never touch, now or later, anything one inside touches, so
   * their steps commute with every step of those inside and cannot enable
   * or disable one. Whatever depends only on the CPUs inside (whether one
   * of them can still finish, for instance) is unchanged by steps outside.
   */
  interacting(st: Uint8Array, seeds: number): number {
    const pcs = new Int32Array(this.cpuCount);
    for (let c = 0; c < this.cpuCount; c++) pcs[c] = this.layout.pc(st, c);
    return this.interactingFrom(pcs, seeds);
  }

  /** interacting() with each CPU at `pcs[cpu]` (PC_DONE or a stopped pc: it does nothing more). */
  interactingFrom(pcs: ArrayLike<number>, seeds: number): number {
    let set = seeds;
    let todo = seeds;
    while (todo !== 0) {
      const d = 31 - Math.clz32(todo);
      todo &= ~(1 << d);
      const pcD = pcs[d]!;
      if (pcD === PC_DONE || pcD & PC_STOPPED_FLAG) continue;
      for (let e = 0; e < this.cpuCount; e++) {
        if (set & (1 << e)) continue;
        const pcE = pcs[e]!;
        if (pcE === PC_DONE || pcE & PC_STOPPED_FLAG) continue;
        if (this.overlapsFrom(d, pcD, this.futureAll, e, pcE, this.futureAll, FUTURE_CONFLICTS)) {
          set |= 1 << e;
          todo |= 1 << e;
        }
      }
    }
    return set;
  }

  /**
   * May what CPU d does at `pcD` (its statement, or with `dFuture` all it
   * may still do from there) conflict with what CPU e may still do from
   * `pcE`, or the other way round?
   */
  mayAffect(d: number, pcD: number, dFuture: boolean, e: number, pcE: number, eFuture: boolean): boolean {
    const dA = dFuture ? this.futureAll : this.ownAll;
    const eA = eFuture ? this.futureAll : this.ownAll;
    return this.overlapsFrom(d, pcD, dA, e, pcE, this.futureAll, FUTURE_CONFLICTS) || this.overlapsFrom(e, pcE, eA, d, pcD, this.futureAll, FUTURE_CONFLICTS);
  }

  /**
   * The CPUs that could still make CPU d's `wait until` (at `pcD`) pass:
   * those whose future writes what it reads (or touches a lock it asks
   * `locked()` of).
   */
  releasers(st: Uint8Array, d: number): number {
    const pcD = this.layout.pc(st, d);
    let mask = 0;
    for (let e = 0; e < this.cpuCount; e++) {
      if (e === d) continue;
      const pcE = this.layout.pc(st, e);
      if (pcE === PC_DONE || pcE & PC_STOPPED_FLAG) continue;
      if (this.conflict(d, pcD, e, pcE)) mask |= 1 << e;
    }
    return mask;
  }

  /** CPUs that may still run a statement touching `lock` (from their current one on). */
  touching(st: Uint8Array, lock: number): number {
    const lw = this.own.lw;
    let mask = 0;
    for (let e = 0; e < this.cpuCount; e++) {
      const pc = this.layout.pc(st, e);
      if (pc === PC_DONE || pc & PC_STOPPED_FLAG) continue;
      const at = (this.base[e]! + pc) * lw + (lock >>> 5);
      if (this.futureAll.lockModes.some((m) => m[at]! & (1 << (lock & 31)))) mask |= 1 << e;
    }
    return mask;
  }
}

/**
 * The locks that matter to no interleaving's outcome: every statement
 * touching one is a plain `lock` in a hardirq handler directly followed by
 * the `unlock` of it (and that unlock is reached only from there). Such a
 * section cannot be interrupted or block once entered, so its holder is
 * always enabled and releases at its next step: the section is a step that
 * waits for the lock to be free and leaves it free, and any two orders of
 * two sections reach the same states once both are over (the intermediate
 * ones are passed by merged chains). See docs/ARCHITECTURE.md "Reduction".
 */
export function silentLocks(model: Model, layout: Layout): Uint8Array {
  const silent = new Uint8Array(model.locks.length);
  // Without hardirq handlers there is no such section (and nothing to work out).
  if (!model.cpus.some((cpu) => cpu.kind === "irq")) return silent;
  // Per lock: 1 while every statement touching it is one of its empty sections' two, 0 once one is not.
  const ok = new Uint8Array(model.locks.length).fill(1);
  model.cpus.forEach((cpu, c) => {
    const code = cpu.code;
    const preds = new Map<number, number[]>();
    code.forEach((ins, pc) => {
      for (const s of successors(ins)) if (s !== PC_DONE) (preds.get(s) ?? preds.set(s, []).get(s)!).push(pc);
    });
    const touched: number[] = [];
    const probe: AccessSink = {
      lock: (l) => touched.push(l),
      read: () => {},
      write: () => {},
      resource: () => {},
      expr: (e) => exprAccess(e, probe, layout),
    };
    code.forEach((ins, pc) => {
      touched.length = 0;
      semantics(ins).access(ins, probe, layout, c);
      const from = preds.get(pc) ?? [];
      for (const l of touched) {
        const next = ins.op === "lock" ? code[ins.next] : undefined;
        const emptySection = cpu.kind === "irq" && ins.op === "lock" && ins.lock === l && next?.op === "unlock" && next.lock === l;
        const itsUnlock = ins.op === "unlock" && ins.lock === l && from.length > 0 && from.every((q) => { const p = code[q]!; return p.op === "lock" && p.lock === l; });
        if (emptySection || itsUnlock) silent[l] = 1;
        else ok[l] = 0;
      }
    });
  });
  // Only a lock something touches (an untouched one changes no summary), never a reader/writer lock.
  model.locks.forEach((l, i) => {
    silent[i] = silent[i]! & ok[i]! & (isReaderWriter(l.kind) ? 0 : 1);
  });
  return silent;
}

/**
 * The hardirq handlers whose firing matters only through what their body
 * touches: every statement after the firing is an assignment or the
 * `lock`/`unlock` of a silent lock. Such a body cannot block (but for a
 * moment, on a silent lock), loop or be interrupted, so firing it and
 * running it to its return is one step in effect (Lipton's reduction): it
 * commutes with its task's steps unless one of them touches what the body
 * touches or changes the CPU's interrupt state. Its firing is therefore
 * given the body's accesses and reads (does not write) its CPU's context.
 */
export function transparentHandlers(model: Model, silent: Uint8Array): Uint8Array {
  return Uint8Array.from(
    model.cpus.map((cpu) =>
      cpu.kind === "irq" &&
      cpu.code.every((ins, pc) => (pc === 0 ? ins.op === "start_irq" : ins.op === "assign" || ((ins.op === "lock" || ins.op === "unlock") && silent[ins.lock] === 1)))
        ? 1
        : 0,
    ),
  );
}

/** ORs statement `from`'s entry of `a` into statement `to`'s (flat indices). */
function mergeInto(a: Access, to: number, from: number): void {
  for (const m of a.lockModes) orInto(m, to * a.lw, from * a.lw, a.lw);
  orInto(a.reads, to * a.vw, from * a.vw, a.vw);
  orInto(a.writes, to * a.vw, from * a.vw, a.vw);
}

function orInto(a: Uint32Array, to: number, from: number, words: number): boolean {
  let changed = false;
  for (let i = 0; i < words; i++) {
    // `|` gives a signed int32; the stored word reads back unsigned (>>> 0 makes them compare).
    const v = (a[to + i]! | a[from + i]!) >>> 0;
    if (v !== a[to + i]) {
      a[to + i] = v;
      changed = true;
    }
  }
  return changed;
}

