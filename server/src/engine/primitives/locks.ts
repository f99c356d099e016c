// Locks (race-language.md §3, §4, §6, §7, §10): mutex, recursive mutex,
// spinlock, rwsem and rwlock (rwlock_t), and the statements lock, unlock,
// rlock, runlock, trylock and rtrylock. Each lock keeps its owner (CPU+1,
// 0 = free) and depth; a reader/writer lock also keeps a reader count per
// thread. A fair rwsem lets a queued writer (a thread standing at `lock` of
// it while it is held) go before new readers; so does an rwlock, except for
// a reader in an interrupt handler, which gets the lock as long as no writer
// holds it (qrwlock's in_interrupt() rule).

import { isReaderWriter, PC_DONE, spins, type InstrBase, type Model } from "../model";
import { CpuStatus, StepResult } from "../status";
import type { Layout } from "../state";
import { bitsFor, byOwners, LockMode, type AccessSink, type InstrOf, type OpSemantics, type PromelaContext, type StatePart, type StepWords } from "./types";

export type LockInstr =
  | (InstrBase & { readonly op: "lock" | "rlock"; readonly lock: number; readonly next: number })
  | (InstrBase & { readonly op: "unlock" | "runlock"; readonly lock: number; readonly next: number })
  /** next: acquired; alt: not. `rtrylock` takes the read side of an rwsem exactly when `rlock` would be enabled. */
  | (InstrBase & { readonly op: "trylock" | "rtrylock"; readonly lock: number; readonly next: number; readonly alt: number });

type LockOp = InstrOf<"lock" | "unlock" | "rlock" | "runlock">;
type TryOp = InstrOf<"trylock" | "rtrylock">;


/** The locks' part of the state. */
export class LockState implements StatePart {
  readonly size: number;
  /** Per lock: offset of its reader counts, or -1 if it is not an rwsem. */
  readonly readerBase: Int32Array;
  readonly isRecursive: Uint8Array;
  readonly isRwsem: Uint8Array;
  private readonly cpuCount: number;
  private readonly lockCount: number;

  constructor(
    private readonly model: Model,
    /** Where the locks' bytes start: owner and depth per lock, then rwsem reader counts. */
    readonly base: number,
  ) {
    const n = model.cpus.length;
    this.cpuCount = n;
    this.lockCount = model.locks.length;
    let off = base + 2 * model.locks.length;
    this.readerBase = new Int32Array(model.locks.length).fill(-1);
    this.isRecursive = new Uint8Array(model.locks.length);
    this.isRwsem = new Uint8Array(model.locks.length);
    model.locks.forEach((l, i) => {
      if (isReaderWriter(l.kind)) {
        this.readerBase[i] = off;
        this.isRwsem[i] = 1;
        off += n;
      }
      if (l.kind === "recursive mutex") this.isRecursive[i] = 1;
    });
    this.size = off - base;
    this.derivedDepths = Int32Array.from(model.locks.flatMap((_, l) => (this.isRecursive[l] ? [] : [base + 2 * l])));
  }

  init(): void {}

  owner(st: Uint8Array, lock: number): number {
    return st[this.base + 2 * lock]!;
  }

  readers(st: Uint8Array, lock: number, cpu: number): number {
    const rb = this.readerBase[lock]!;
    return rb < 0 ? 0 : st[rb + cpu]!;
  }

  anyReader(st: Uint8Array, lock: number): boolean {
    const rb = this.readerBase[lock]!;
    if (rb < 0) return false;
    for (let c = 0; c < this.cpuCount; c++) if (st[rb + c]! > 0) return true;
    return false;
  }

  holds(st: Uint8Array, cpu: number, lock: number): boolean {
    return this.owner(st, lock) === cpu + 1 || this.readers(st, lock, cpu) > 0;
  }

  isLocked(st: Uint8Array, lock: number): boolean {
    return this.owner(st, lock) !== 0 || this.anyReader(st, lock);
  }

  holdsAny(st: Uint8Array, cpu: number): boolean {
    for (let l = 0; l < this.lockCount; l++) if (this.holds(st, cpu, l)) return true;
    return false;
  }

  heldLocks(st: Uint8Array, cpu: number): number[] {
    const out: number[] = [];
    for (let l = 0; l < this.lockCount; l++) if (this.holds(st, cpu, l)) out.push(l);
    return out;
  }

  /** Is some other CPU queued to write-lock this (held) rwsem? Fair rwsems let it go first. */
  writerWaiting(m: Layout, st: Uint8Array, lock: number, except: number): boolean {
    return this.isLocked(st, lock) && this.queuedWriters(m, st, lock, except) !== 0;
  }

  /**
   * Does a reader `cpu` of `lock` wait behind queued writers? Not a read of
   * an rwlock_t in_interrupt(): in a handler, or with softirqs disabled by
   * the thread itself (local_bh_disable, read_lock_bh), whose preempt
   * count in_interrupt() also counts (kernel/locking/qrwlock.c
   * queued_read_lock_slowpath()).
   */
  readerQueues(m: Layout, st: Uint8Array, lock: number, cpu: number): boolean {
    return !(this.model.locks[lock]!.kind === "rwlock" && m.p.irq.inInterrupt(st, cpu));
  }

  /** The CPUs other than `except` queued to write-lock rwsem `lock` (standing at `lock` of it). */
  queuedWriters(m: Layout, st: Uint8Array, lock: number, except: number): number {
    let mask = 0;
    for (let c = 0; c < this.cpuCount; c++) {
      const ins = c === except ? undefined : m.instrAt(st, c);
      if (ins && ins.op === "lock" && ins.lock === lock) mask |= 1 << c;
    }
    return mask;
  }

  /** Did a step of `cpu` take `lock` (as owner, once more, or as a reader)? */
  took(before: Uint8Array, after: Uint8Array, lock: number, cpu: number): boolean {
    const at = this.base + 2 * lock;
    if (after[at] === cpu + 1 && (before[at] !== cpu + 1 || after[at + 1]! > before[at + 1]!)) return true;
    return this.readers(after, lock, cpu) > this.readers(before, lock, cpu);
  }

  /**
   * Packed: an owner as an index among the CPUs whose code takes the lock;
   * a depth only for a recursive mutex (any other lock is held once or not
   * at all); reader counts only for CPUs whose code read-locks it.
   */
  pack(field: (byte: number, bits: number, code?: { encode: Int32Array; decode: Int32Array }) => void): void {
    const n = this.cpuCount;
    const takers = this.model.locks.map(() => [] as number[]);
    const readers = this.model.locks.map(() => new Set<number>());
    this.model.cpus.forEach((c, i) =>
      c.code.forEach((ins) => {
        if ((ins.op === "lock" || ins.op === "trylock") && !takers[ins.lock]!.includes(i)) takers[ins.lock]!.push(i);
        if (ins.op === "rlock" || ins.op === "rtrylock") readers[ins.lock]!.add(i);
      }),
    );
    this.model.locks.forEach((_, l) => {
      const at = this.base + 2 * l;
      const who = takers[l]!;
      const encode = new Int32Array(n + 1).fill(-1);
      encode[0] = 0;
      who.forEach((cpu, k) => (encode[cpu + 1] = k + 1));
      field(at, bitsFor(who.length + 1), { encode, decode: Int32Array.from([0, ...who.map((c) => c + 1)]) });
      if (this.isRecursive[l]) field(at + 1, 8);
      const rb = this.readerBase[l]!;
      if (rb >= 0) for (let c = 0; c < n; c++) if (readers[l]!.has(c)) field(rb + c, 8);
    });
  }

  /** Owner offsets of the locks whose depth is not stored (1 exactly when owned). */
  private readonly derivedDepths: Int32Array;

  derive(st: Uint8Array): void {
    const d = this.derivedDepths;
    for (let i = 0; i < d.length; i++) st[d[i]! + 1] = st[d[i]!] === 0 ? 0 : 1;
  }

  // ---- Promela ----------------------------------------------------------

  /** How many readers an rwsem has, as a Promela expression. */
  promelaReaders(l: number): string {
    const n = this.cpuCount;
    return isReaderWriter(this.model.locks[l]!.kind) ? `(${this.model.cpus.map((_, c) => `lk_readers[${l * n + c}]`).join(" + ")})` : "0";
  }

  promelaLocked(l: number): string {
    return `(lk_owner[${l}] != 0 || ${this.promelaReaders(l)} != 0)`;
  }

  promelaHeld(l: number, cpu: number): string {
    return `(lk_owner[${l}] == ${cpu + 1}${isReaderWriter(this.model.locks[l]!.kind) ? ` || lk_readers[${l * this.cpuCount + cpu}] > 0` : ""})`;
  }

  /**
   * A guard: no other CPU is queued to write-lock rwsem l while it is held;
   * `exempt`, a Promela condition under which that does not matter (a read
   * of an rwlock_t in_interrupt(), IrqState.promelaInInterrupt), or "0".
   */
  promelaNoQueuedWriter(l: number, cpu: number, exempt: string): string {
    if (exempt === "1") return "";
    const others = this.model.cpus.map((_, c) => c).filter((c) => c !== cpu);
    if (others.length === 0) return "";
    const queued = `${this.promelaLocked(l)} && (${others.map((c) => `lk_wwait[${c}] == ${l + 1}`).join(" || ")})`;
    return exempt === "0" ? ` && !(${queued})` : ` && (${exempt} || !(${queued}))`;
  }

  /** Readers (rlock, rtrylock) look for queued writers: then a CPU's position at a write lock is mirrored in lk_wwait. */
  private tracksWritersMemo: boolean | undefined;
  private get tracksWriters(): boolean {
    return (this.tracksWritersMemo ??= this.model.cpus.some((c) => c.code.some((ins) => ins.op === "rlock" || ins.op === "rtrylock")));
  }

  /** lk_wwait[] value for a CPU standing at `pc`: l+1 at a write lock of rwsem l. */
  private writeMark(cpu: number, pc: number): number {
    const ins = pc === PC_DONE ? undefined : this.model.cpus[cpu]!.code[pc];
    return ins && ins.op === "lock" && isReaderWriter(this.model.locks[ins.lock]!.kind) ? ins.lock + 1 : 0;
  }

  promelaDecls(): string[] {
    const L = Math.max(1, this.lockCount);
    const decls = [`byte lk_owner[${L}];`, `byte lk_depth[${L}];`, `byte lk_readers[${Math.max(1, this.lockCount * this.cpuCount)}];`];
    if (this.tracksWriters) decls.push(`byte lk_wwait[${this.cpuCount}];`);
    return decls;
  }

  promelaInit(): string[] {
    if (!this.tracksWriters) return [];
    return this.model.cpus.flatMap((c, i) => (this.writeMark(i, c.entry) !== 0 ? [`lk_wwait[${i}] = ${this.writeMark(i, c.entry)};`] : []));
  }

  promelaJump(cpu: number, from: number, to: number): string {
    if (!this.tracksWriters) return "";
    const a = this.writeMark(cpu, from);
    const b = this.writeMark(cpu, to);
    return a === b ? "" : `lk_wwait[${cpu}] = ${b}; `;
  }
}

const one = (ins: { readonly next: number }): readonly number[] => [ins.next];
const two = (ins: { readonly next: number; readonly alt: number }): readonly number[] => [ins.next, ins.alt];
/** Every operation on an rwsem is `try` for the reduction: readers, writers and the queue interact. */
const modeOf = (m: Layout, lock: number, mode: LockMode): LockMode => (m.locks.isRwsem[lock] ? LockMode.Try : mode);
const noArrival = (): void => {};
/** Holding a spinlock or an rwlock_t disables preemption (an RCU reader, for consolidated RCU). */
const spinning = (ins: { readonly lock: number }, model: Model): boolean => spins(model.locks[ins.lock]!.kind);
/** A thread arriving at the acquire of a spinning lock may spin there: consolidated RCU's synchronize_rcu reads that (srcu.ts). */
const spinArrival = (ins: { readonly lock: number }, a: AccessSink, m: Layout): void => {
  if (m.p.srcus.waitsForAtomic && spinning(ins, m.model)) m.p.srcus.quiescingAccess(a);
};

/** `lock L` (on an rwsem: the write side) and `rlock L`. */
const acquire: Omit<OpSemantics<LockOp>, "status" | "step" | "canStop" | "acquires" | "promela" | "unblockers"> = {
  successors: one,
  atomicContext: spinning,
  choices: () => 1,
  access: (ins, a, m) => a.lock(ins.lock, modeOf(m, ins.lock, LockMode.Acquire)),
  arrival: noArrival,
  releases: () => undefined,
  words: (ins, _m, _b, _a, _c, _ch, failed) => ({ outcome: failed ? " → overflow" : "", lock: ins.lock, acquired: !failed, released: false }),
};

const release: Omit<OpSemantics<LockOp>, "step" | "promela"> = {
  successors: one,
  atomicContext: spinning,
  unblockers: byOwners,
  choices: () => 1,
  status: () => CpuStatus.Enabled,
  access: (ins, a, m) => a.lock(ins.lock, modeOf(m, ins.lock, LockMode.Release)),
  arrival: noArrival,
  canStop: () => true, // bad unlock balance
  acquires: () => undefined,
  releases: (ins) => ins.lock,
  words: (ins, _m, _b, _a, _c, _ch, failed) => ({ outcome: failed ? " → not held" : "", lock: ins.lock, acquired: false, released: !failed }),
};

/** Taking lock state `at` (owner, depth) for `cpu`: one deeper; past depth 255 (only a recursive mutex gets there) an overflow. */
function takeLock(st: Uint8Array, at: number, cpu: number, next: number): number {
  if (st[at + 1] === 255) return -StepResult.Overflow;
  st[at] = cpu + 1;
  st[at + 1] = st[at + 1]! + 1;
  return next;
}

/** takeLock in Promela, for a recursive mutex. */
function promelaTakeRecursive(l: number, p: PromelaContext, next: number): string {
  return `if :: lk_depth[${l}] == 255 -> ${p.stop} :: else -> lk_owner[${l}] = ${p.me}; lk_depth[${l}]++; ${p.go(next)} fi`;
}

export const lockOp: OpSemantics<InstrOf<"lock">> = {
  // A mutex or an rwsem sleeps; a spinlock or an rwlock_t spins.
  sleeps: (ins, m) => !spinning(ins, m),
  ...acquire,
  unblockers: byOwners,
  status(m, st, cpu, ins, waitsFor) {
    const locks = m.locks;
    const l = ins.lock;
    const owner = locks.owner(st, l);
    if (owner === 0 && !locks.anyReader(st, l)) return CpuStatus.Enabled;
    if (owner === cpu + 1 && locks.isRecursive[l]) return CpuStatus.Enabled;
    let mask = owner !== 0 ? 1 << (owner - 1) : 0;
    const rb = locks.readerBase[l]!;
    if (rb >= 0) for (let c = 0; c < m.cpuCount; c++) if (st[rb + c]! > 0) mask |= 1 << c;
    waitsFor[cpu] = mask;
    return CpuStatus.BlockedOnLock;
  },
  step: (m, st, cpu, ins) => takeLock(st, m.locks.base + 2 * ins.lock, cpu, ins.next),
  // On an rwsem a CPU standing at `lock` is a queued writer, which new readers wait behind.
  arrival: (ins, a, m) => {
    if (m.locks.isRwsem[ins.lock]) a.lock(ins.lock, LockMode.Try);
    spinArrival(ins, a, m);
  },
  // Only a recursive mutex can be taken again, up to depth 255.
  canStop: (ins, m) => m.locks.isRecursive[ins.lock] === 1,
  acquires: (ins) => ({ lock: ins.lock, read: false }),
  promela(ins, p) {
    const l = ins.lock;
    const kind = p.model.locks[l]!.kind;
    const locks = promelaLocks(p);
    if (kind === "recursive mutex") return `atomic { (lk_owner[${l}] == 0 || lk_owner[${l}] == ${p.me}) -> ${promelaTakeRecursive(l, p, ins.next)} }`;
    if (isReaderWriter(kind)) return `atomic { (lk_owner[${l}] == 0 && ${locks.promelaReaders(l)} == 0) -> lk_owner[${l}] = ${p.me}; lk_depth[${l}] = 1; ${p.go(ins.next)} }`;
    return `atomic { lk_owner[${l}] == 0 -> lk_owner[${l}] = ${p.me}; lk_depth[${l}] = 1; ${p.go(ins.next)} }`;
  },
};

export const rlockOp: OpSemantics<InstrOf<"rlock">> = {
  // A mutex or an rwsem sleeps; a spinlock or an rwlock_t spins.
  sleeps: (ins, m) => !spinning(ins, m),
  ...acquire,
  arrival: spinArrival,
  // Behind a queued writer, a reader is also released when the current readers leave.
  unblockers(m, st, _cpu, ins, waitsFor) {
    let mask = waitsFor;
    if (m.locks.owner(st, ins.lock) === 0) for (let e = 0; e < m.cpuCount; e++) if (m.locks.readers(st, ins.lock, e) > 0) mask |= 1 << e;
    return mask;
  },
  status(m, st, cpu, ins, waitsFor) {
    const locks = m.locks;
    const l = ins.lock;
    const owner = locks.owner(st, l);
    if (owner !== 0) {
      waitsFor[cpu] = 1 << (owner - 1);
      return CpuStatus.BlockedOnLock;
    }
    // A fair rwsem: a writer queued while readers hold it goes first.
    const mask = locks.anyReader(st, l) && locks.readerQueues(m, st, l, cpu) ? locks.queuedWriters(m, st, l, cpu) : 0;
    if (mask === 0) return CpuStatus.Enabled;
    waitsFor[cpu] = mask;
    return CpuStatus.BlockedOnLock;
  },
  step(m, st, cpu, ins) {
    const at = m.locks.readerBase[ins.lock]! + cpu;
    if (st[at] === 255) return -StepResult.Overflow;
    st[at] = st[at]! + 1;
    return ins.next;
  },
  canStop: () => true, // reader-count overflow
  acquires: (ins) => ({ lock: ins.lock, read: true }),
  promela(ins, p) {
    const l = ins.lock;
    const exempt = p.model.locks[l]!.kind === "rwlock" ? p.layout.p.irq.promelaInInterrupt(p.cpu) : "0";
    return `atomic { (lk_owner[${l}] == 0${promelaLocks(p).promelaNoQueuedWriter(l, p.cpu, exempt)}) -> lk_readers[${l * p.model.cpus.length + p.cpu}]++; ${p.go(ins.next)} }`;
  },
};

export const unlockOp: OpSemantics<InstrOf<"unlock">> = {
  ...release,
  step(m, st, cpu, ins) {
    const at = m.locks.base + 2 * ins.lock;
    if (st[at] !== cpu + 1) return -StepResult.BadUnlock;
    const depth = st[at + 1]! - 1;
    st[at + 1] = depth;
    if (depth === 0) st[at] = 0;
    return ins.next;
  },
  promela(ins, p) {
    const l = ins.lock;
    return `atomic { if :: lk_owner[${l}] == ${p.me} -> lk_depth[${l}]--; if :: lk_depth[${l}] == 0 -> lk_owner[${l}] = 0 :: else -> skip fi; ${p.go(ins.next)} :: else -> ${p.stop} fi }`;
  },
};

export const runlockOp: OpSemantics<InstrOf<"runlock">> = {
  ...release,
  step(m, st, cpu, ins) {
    const base = m.locks.readerBase[ins.lock]!;
    if (base < 0 || st[base + cpu] === 0) return -StepResult.BadUnlock;
    st[base + cpu] = st[base + cpu]! - 1;
    return ins.next;
  },
  promela(ins, p) {
    const l = ins.lock;
    const r = `lk_readers[${l * p.model.cpus.length + p.cpu}]`;
    return isReaderWriter(p.model.locks[l]!.kind) ? `atomic { if :: ${r} > 0 -> ${r}--; ${p.go(ins.next)} :: else -> ${p.stop} fi }` : `atomic { ${p.stop} }`;
  },
};

const attempt: Omit<OpSemantics<TryOp>, "step" | "canStop" | "promela"> = {
  successors: two,
  atomicContext: spinning,
  unblockers: byOwners,
  choices: () => 1,
  status: () => CpuStatus.Enabled,
  access: (ins, a) => a.lock(ins.lock, LockMode.Try),
  arrival: noArrival,
  // A trylock adds no lock-order edge: it never waits.
  acquires: () => undefined,
  releases: () => undefined,
  words(ins, m, before, after, cpu, _choice, failed): StepWords {
    // From the lock's state, not the pc: both outcomes may lead to the same statement.
    const acquired = !failed && m.locks.took(before, after, ins.lock, cpu);
    const outcome = acquired ? (ins.op === "rtrylock" ? " → acquired (read)" : " → acquired") : failed ? " → overflow" : " → failed";
    return { outcome, lock: ins.lock, acquired, released: false };
  },
};

/** `if trylock L`: takes the lock exactly when `lock` would be enabled and not deadlock on itself. */
export const trylockOp: OpSemantics<InstrOf<"trylock">> = {
  ...attempt,
  step(m, st, cpu, ins) {
    const locks = m.locks;
    const l = ins.lock;
    const at = locks.base + 2 * l;
    const owner = st[at]!;
    // As `lock`: a recursive mutex taken again past depth 255 is an overflow (found by review: it wrapped to 0).
    if ((owner === 0 && !locks.anyReader(st, l)) || (owner === cpu + 1 && locks.isRecursive[l])) return takeLock(st, at, cpu, ins.next);
    return ins.alt;
  },
  // Only a recursive mutex can be taken again, up to depth 255.
  canStop: (ins, m) => m.locks.isRecursive[ins.lock] === 1,
  promela(ins, p) {
    const l = ins.lock;
    const free = `(lk_owner[${l}] == 0 && ${promelaLocks(p).promelaReaders(l)} == 0)`;
    if (p.model.locks[l]!.kind !== "recursive mutex") return `atomic { if :: (${free}) -> lk_owner[${l}] = ${p.me}; lk_depth[${l}]++; ${p.go(ins.next)} :: else -> ${p.go(ins.alt)} fi }`;
    return `atomic { if :: (${free} || lk_owner[${l}] == ${p.me}) -> ${promelaTakeRecursive(l, p, ins.next)} :: else -> ${p.go(ins.alt)} fi }`;
  },
};

/**
 * `if rtrylock L` (down_read_trylock, read_trylock): takes the read side
 * unless a writer holds it or is queued, in any context: an rwlock_t's
 * read_trylock fails on a waiting writer in a handler too, where a blocking
 * read would get in (include/asm-generic/qrwlock.h queued_read_trylock()
 * tests _QW_WMASK, waiting or locked).
 */
export const rtrylockOp: OpSemantics<InstrOf<"rtrylock">> = {
  ...attempt,
  step(m, st, cpu, ins) {
    const l = ins.lock;
    if (m.locks.owner(st, l) !== 0 || m.locks.writerWaiting(m, st, l, cpu)) return ins.alt;
    const at = m.locks.readerBase[l]! + cpu;
    if (st[at] === 255) return -StepResult.Overflow;
    st[at] = st[at]! + 1;
    return ins.next;
  },
  canStop: () => true, // reader-count overflow
  promela(ins, p) {
    const l = ins.lock;
    const r = `lk_readers[${l * p.model.cpus.length + p.cpu}]`;
    return `atomic { if :: (lk_owner[${l}] == 0${promelaLocks(p).promelaNoQueuedWriter(l, p.cpu, "0")}) -> if :: ${r} == 255 -> ${p.stop} :: else -> ${r}++; ${p.go(ins.next)} fi :: else -> ${p.go(ins.alt)} fi }`;
  },
};

/** The locks' part of the state the Promela writer works from. */
function promelaLocks(p: PromelaContext): LockState {
  return p.layout.locks;
}
