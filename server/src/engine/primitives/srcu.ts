// SRCU and RCU (race-language.md §9): `srcu S` declares a domain, `rcu` is
// built in. srcu_read_lock / srcu_read_unlock (rcu_read_lock /
// rcu_read_unlock) open and close read-side sections: nestable, never
// blocking, a depth per thread. synchronize_srcu / synchronize_rcu wait (two
// steps, waits.ts) until every section of the domain open at the call has
// closed: the call records the threads inside one (itself included: then
// it waits for itself, a deadlock), and a thread's depth falling to 0
// clears its bit in every such record. Sections opened later never delay
// it.
//
// RCU is consolidated RCU, as in every kernel since v4.20
// (Documentation/RCU/checklist.rst, item 7): synchronize_rcu also waits
// for code that disables preemption, softirqs or hardirqs. So its call
// records, besides the threads in an rcu_read_lock section, every other
// thread holding a spinlock or an rwlock_t (spin_lock disables
// preemption), with hardirqs or softirqs disabled, or running an interrupt
// handler; such a thread stops delaying it once it is in none of these
// (a quiescent state), and a step that may take it there says so
// (OpSemantics.atomicContext, and every step of a handler), which
// Layout.step follows with quiesce(). The caller's own region does not
// delay it: sleeping there is RACE122's bug, and the kernel's context
// switch is a quiescent state. A thread standing at the acquire of a
// spinning lock that is taken (spinning: the kernel disables preemption
// before it spins) counts too; the checklist's item 8 warns of "other
// CPUs spinning on the lock". The arrival there is a step the reduction
// orders against the call (the lock ops' `arrival`), and the Promela
// export mirrors where a thread stands in rc_spin[].
//
// Lockdep's view: a section is a recursive read of the domain (no edge into
// it, held while open), a synchronize an acquire and release of it,
// printed `sync(S)`.

import { PC_DONE, spins, type InstrBase, type Model } from "../model";
import { CpuStatus, StepResult, waitingFor } from "../status";
import type { Layout } from "../state";
import { RCU_DOMAIN } from "../../language/verbs";
import { PerThreadCounts } from "./counters";
import { byOwners, NO_THREAD, NO_WORDS, threadNames, type AccessSink, type InstrOf, type ObjectState, type OpSemantics, type StatePart } from "./types";

export type SrcuInstr = InstrBase & { readonly op: "srcu_read_lock" | "srcu_read_unlock" | "synchronize_srcu"; readonly domain: number; readonly next: number };

/** Bytes of a synchronize's record: a mask of threads. */
const maskBytes = (model: Model): number => Math.ceil(model.cpus.length / 8);

export class SrcuState implements StatePart {
  readonly size: number;
  readonly resources: number;
  /** Per domain and thread whose code opens a section of it: the section depth. */
  private readonly depths: PerThreadCounts;
  private readonly threads: number;
  private layout: Layout | undefined;
  /** The RCU domain's index, if the scenario synchronizes it (then RCU's grace period also waits for atomic regions), else -1. */
  private readonly consolidated: number;
  /** The spinning locks (spinlock, rwlock_t): holding one disables preemption. */
  private readonly spinLocks: readonly number[];
  /** The resource a consolidated synchronize_rcu writes and each step entering or leaving an atomic region reads. */
  private readonly quiescence: number;
  /** Per thread and pc, for consolidated RCU: 1 + 2 * lock + (1 for a read) at the acquire of a spinning lock, else 0. */
  private readonly spinAt: readonly Int32Array[];

  constructor(
    private readonly model: Model,
    readonly base: number,
    private readonly resBase: number,
  ) {
    this.threads = model.cpus.length;
    this.depths = new PerThreadCounts(model, model.srcus.length, base, (t) => model.cpus[t]!.code.flatMap((ins) => (ins.op === "srcu_read_lock" ? [ins.domain] : [])));
    this.size = this.depths.size;
    const rcu = model.srcus.findIndex((d) => d.name === RCU_DOMAIN);
    this.consolidated = rcu >= 0 && model.cpus.some((c) => c.code.some((ins) => ins.op === "synchronize_srcu" && ins.domain === rcu)) ? rcu : -1;
    this.spinLocks = model.locks.flatMap((l, i) => (spins(l.kind) ? [i] : []));
    this.quiescence = resBase + model.srcus.length;
    this.resources = model.srcus.length + 1;
    this.spinAt = model.cpus.map((c) =>
      Int32Array.from(c.code, (ins) => ((ins.op === "lock" || ins.op === "rlock") && this.consolidated >= 0 && spins(model.locks[ins.lock]!.kind) ? 1 + 2 * ins.lock + (ins.op === "rlock" ? 1 : 0) : 0)),
    );
  }

  /** Does thread t stand at the acquire of a spinning lock that is taken (spinning, preemption disabled)? */
  private spinning(st: Uint8Array, t: number): number {
    const mark = this.markAt(t, this.layout!.pc(st, t));
    if (mark === 0) return -1;
    const l = markLock(mark);
    const locks = this.layout!.locks;
    return (isReadMark(mark) ? locks.owner(st, l) !== 0 : locks.isLocked(st, l)) ? l : -1;
  }

  /** Promela: where thread t stands, as spinAt says (rc_spin[t]), after a jump from `from` to `to`. */
  private promelaSpinMark(t: number, from: number, to: number): string {
    const mark = this.markAt(t, to);
    return this.markAt(t, from) === mark ? "" : `rc_spin[${t}] = ${mark}; `;
  }

  /** spinAt at pc (PC_DONE or a stopped pc: 0). */
  private markAt(t: number, pc: number): number {
    return pc < this.spinAt[t]!.length ? this.spinAt[t]![pc]! : 0;
  }

  /** Promela: spinning() for thread t, over the spinning acquires its code has. */
  private promelaSpinning(t: number): string {
    const locks = this.layout!.locks;
    const marks = [...new Set(this.spinAt[t]!)].filter((m) => m !== 0);
    return marks.map((m) => `(rc_spin[${t}] == ${m} && ${isReadMark(m) ? `lk_owner[${markLock(m)}] != 0` : locks.promelaLocked(markLock(m))})`).join(" || ") || "0";
  }

  private get tracksSpinners(): boolean {
    return this.spinAt.some((a) => a.some((m) => m !== 0));
  }

  /** Does synchronize_rcu wait for atomic regions here (the scenario calls it)? Then Layout.quiescing says which steps may enter or leave one. */
  get waitsForAtomic(): boolean {
    return this.consolidated >= 0;
  }

  /**
   * What a step Layout.quiescing names touches besides its own: what a
   * consolidated synchronize_rcu's call reads, and writes (`write`).
   */
  quiescingAccess(a: AccessSink, write = false): void {
    a.resource(this.quiescence, write);
  }

  /** Does a synchronize of domain d wait for atomic regions too (consolidated RCU)? */
  quiescesFor(d: number): boolean {
    return d === this.consolidated;
  }

  /** Is thread t somewhere consolidated RCU's grace period must wait for it to leave? */
  private inReader(st: Uint8Array, t: number): boolean {
    const m = this.layout!;
    if (this.depth(st, this.consolidated, t) > 0 || m.p.irq.atomic(st, t) || this.spinning(st, t) >= 0) return true;
    for (const l of this.spinLocks) if (m.locks.holds(st, t, l)) return true;
    return false;
  }

  /** Where thread t is an RCU reader, in words: what keeps it from a quiescent state. */
  readerWords(st: Uint8Array, t: number): string {
    const m = this.layout!;
    const kind = this.model.cpus[t]!.kind;
    const why: string[] = [];
    if (this.depth(st, this.consolidated, t) > 0) why.push("in rcu_read_lock");
    for (const l of this.spinLocks) if (m.locks.holds(st, t, l)) why.push(`holding ${this.model.locks[l]!.name}`);
    const spin = this.spinning(st, t);
    if (spin >= 0) why.push(`spinning on ${this.model.locks[spin]!.name}`);
    if (kind === "irq" || kind === "softirq") why.push(`in its ${kind === "irq" ? "hardirq" : "softirq"} handler`);
    else if (m.p.irq.atomic(st, t)) why.push(m.p.irq.hardOff(st, t) ? "hardirqs off" : "softirqs off");
    return why.join(", ");
  }

  /** Thread t may have reached a quiescent state: if so, no synchronize_rcu waits for it any more. */
  quiesce(st: Uint8Array, t: number): void {
    if (!this.inReader(st, t)) this.release(st, this.consolidated, t);
  }

  /** The threads a synchronize of domain d by `cpu` waits for, found at its call. */
  awaited(st: Uint8Array, d: number, cpu: number): number {
    let mask = this.readers(st, d);
    if (d === this.consolidated) for (let t = 0; t < this.threads; t++) if (t !== cpu && this.inReader(st, t)) mask |= 1 << t;
    return mask;
  }

  /** Promela: quiesce() after thread t's jump from `from` to `to`, where quiescing() says so. */
  promelaJump(t: number, from: number, to: number): string {
    const mark = this.consolidated >= 0 ? this.promelaSpinMark(t, from, to) : "";
    if (!this.layout!.quiescing?.[t]![from]) return mark;
    return mark + this.promelaQuiesce(t, this.layout!.p.irq.promelaAtomic(t, to));
  }

  /** Promela: inReader() for thread t, in the state as it is. */
  promelaReader(t: number): string {
    return this.promelaReaderWith(t, this.layout!.p.irq.promelaAtomicNow(t));
  }

  private promelaReaderWith(t: number, atomic: string): string {
    const locks = this.layout!.locks;
    const spin = this.tracksSpinners ? [this.promelaSpinning(t)] : [];
    return `(${[`sr_depth[${this.consolidated * this.threads + t}] > 0`, atomic, ...spin, ...this.spinLocks.map((l) => locks.promelaHeld(l, t))].join(" || ")})`;
  }

  private promelaQuiesce(t: number, atomic: string): string {
    return `if :: !${this.promelaReaderWith(t, atomic)} -> ${this.promelaRelease(this.consolidated, t)}skip :: else -> skip fi; `;
  }

  link(m: Layout): void {
    this.layout = m;
  }

  init(): void {}

  depth(st: Uint8Array, d: number, t: number): number {
    return this.depths.get(st, d, t);
  }

  depthByte(d: number, t: number): number {
    return this.depths.byte(d, t);
  }

  /** The threads inside a section of domain d (a mask). */
  readers(st: Uint8Array, d: number): number {
    return this.depths.positive(st, d);
  }

  res(d: number): number {
    return this.resBase + d;
  }

  /** Thread t's section of d has closed: no synchronize waits for it any more (for consolidated RCU: unless it is still atomic). */
  closed(st: Uint8Array, d: number, t: number): void {
    if (d === this.consolidated) this.quiesce(st, t);
    else this.release(st, d, t);
  }

  private release(st: Uint8Array, d: number, t: number): void {
    const m = this.layout!;
    const waits = m.waits;
    for (let u = 0; u < this.threads; u++) {
      if (!waits.waiting(st, u)) continue;
      const ins = m.instrAt(st, u);
      if (ins?.op !== "synchronize_srcu" || ins.domain !== d) continue;
      const at = waits.data(u, t >>> 3);
      st[at] = st[at]! & ~(1 << (t & 7));
    }
  }

  /** The threads a synchronize of `cpu` still waits for. */
  waitingFor(st: Uint8Array, cpu: number): number {
    const waits = this.layout!.waits;
    let mask = 0;
    for (let i = 0; i < maskBytes(this.model); i++) mask |= st[waits.data(cpu, i)]! << (8 * i);
    return mask;
  }

  threadEnd(_m: Layout, st: Uint8Array, thread: number): StepResult {
    for (let d = 0; d < this.model.srcus.length; d++) if (this.depth(st, d, thread) > 0) return StepResult.SectionOpenAtExit;
    return StepResult.Ok;
  }

  held(st: Uint8Array, add: (thread: number, lockClass: number, read: boolean) => void): void {
    this.model.srcus.forEach((s, d) => {
      for (let t = 0; t < this.threads; t++) if (this.depth(st, d, t) > 0) add(t, s.lockClass, true);
    });
  }

  /** Each domain: the threads in a read section (with their depth), and the synchronizes waiting for them. */
  describe(m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void {
    this.model.srcus.forEach((s, d) => {
      const readers: string[] = [];
      for (let t = 0; t < this.threads; t++) {
        const n = this.depth(st, d, t);
        if (n > 0) readers.push(`${this.model.cpus[t]!.name}${n > 1 ? ` (depth ${n})` : ""}`);
      }
      const syncs: string[] = [];
      for (let t = 0; t < this.threads; t++) {
        const ins = m.instrAt(st, t);
        if (ins?.op !== "synchronize_srcu" || ins.domain !== d || !m.waits.waiting(st, t)) continue;
        const on = threadNames(this.model, this.waitingFor(st, t));
        syncs.push(`${this.model.cpus[t]!.name} in synchronize${on.length > 0 ? `, waiting for ${on.join(", ")}` : ""}`);
      }
      const words = [readers.length > 0 ? `read sections open: ${readers.join(", ")}` : "no read section open", ...syncs];
      add({ kind: s.name === RCU_DOMAIN ? "rcu" : "srcu", name: s.name, state: words.join("; ") });
    });
  }

  pack(field: (byte: number, bits: number) => void): void {
    this.depths.pack(field);
  }

  derive(): void {}

  // Promela: sr_depth[d * threads + t]; a synchronize's record in wt_data, one bit per thread.
  promelaDecls(): string[] {
    const D = this.model.srcus.length;
    return [...(D > 0 ? [`byte sr_depth[${D * this.threads}];`] : []), ...(this.tracksSpinners ? [`byte rc_spin[${this.threads}];`] : [])];
  }

  promelaInit(): string[] {
    if (!this.tracksSpinners) return [];
    return this.model.cpus.flatMap((c, t) => (c.entry !== PC_DONE && this.spinAt[t]![c.entry]! !== 0 ? [`rc_spin[${t}] = ${this.spinAt[t]![c.entry]};`] : []));
  }

  /** Promela: thread t's section of d closed: its bit cleared in every synchronize of d waiting (closed()). */
  promelaClosed(d: number, t: number): string {
    // (An rcu_read_unlock in a handler leaves it running: pc 1 is in its body.)
    return d === this.consolidated ? this.promelaQuiesce(t, this.layout!.p.irq.promelaAtomic(t, 1)) : this.promelaRelease(d, t);
  }

  private promelaRelease(d: number, t: number): string {
    const waits = this.layout!.waits;
    let s = "";
    this.model.cpus.forEach((c, u) =>
      c.code.forEach((ins, pc) => {
        if (ins.op !== "synchronize_srcu" || ins.domain !== d) return;
        const at = waits.promelaData(u, t >>> 3);
        s += `if :: ${waits.promelaWaitingAt(u, pc)} -> ${at} = ${at} & ${255 & ~(1 << (t & 7))} :: else -> skip fi; `;
      }),
    );
    return s;
  }
}

const srcu = (m: Layout): SrcuState => m.p.srcus;

/** A spinAt mark (1 + 2 * lock + read) of a read acquire (`rlock`)? */
const isReadMark = (mark: number): boolean => ((mark - 1) & 1) === 1;
/** The lock of a spinAt mark. */
const markLock = (mark: number): number => (mark - 1) >>> 1;

const plain = {
  unblockers: byOwners,
  successors: (ins: { readonly next: number }): readonly number[] => [ins.next],
  choices: () => 1,
  arrival: () => {},
  releases: () => undefined,
} as const;

const touch = (ins: SrcuInstr, a: AccessSink, m: Layout, write: boolean): void => a.resource(srcu(m).res(ins.domain), write);

/** `srcu_read_lock S` / `rcu_read_lock`: one section deeper (never blocks). */
export const srcuReadLockOp: OpSemantics<InstrOf<"srcu_read_lock">> = {
  ...plain,
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const at = srcu(m).depthByte(ins.domain, cpu);
    if (st[at] === 255) return -StepResult.Overflow;
    st[at] = st[at]! + 1;
    return ins.next;
  },
  access: (ins, a, m) => touch(ins, a, m, true),
  canStop: () => true,
  // A recursive read: no lock-order edge into the domain.
  acquires: () => undefined,
  words: (ins, m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: " → overflow" } : { ...NO_WORDS, lock: m.model.srcus[ins.domain]!.lockClass, acquired: true }),
  promela(ins, p) {
    const r = `sr_depth[${ins.domain * p.model.cpus.length + p.cpu}]`;
    return `atomic { if :: ${r} == 255 -> ${p.stop} :: else -> ${r}++; ${p.go(ins.next)} fi }`;
  },
};

/** `srcu_read_unlock S` / `rcu_read_unlock`: closes a section; without one open it is a misuse. */
export const srcuReadUnlockOp: OpSemantics<InstrOf<"srcu_read_unlock">> = {
  ...plain,
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const s = srcu(m);
    const at = s.depthByte(ins.domain, cpu);
    if (at < 0 || st[at] === 0) return -StepResult.SectionUnbalanced;
    st[at] = st[at]! - 1;
    if (st[at] === 0) s.closed(st, ins.domain, cpu);
    return ins.next;
  },
  access: (ins, a, m) => touch(ins, a, m, true),
  canStop: () => true,
  acquires: () => undefined,
  words: (_ins, _m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: " → no section open" } : NO_WORDS),
  promela(ins, p) {
    const s = srcu(p.layout);
    const r = `sr_depth[${ins.domain * p.model.cpus.length + p.cpu}]`;
    return `atomic { if :: ${r} == 0 -> ${p.stop} :: else -> ${r}--; if :: ${r} == 0 -> ${s.promelaClosed(ins.domain, p.cpu)}skip :: else -> skip fi; ${p.go(ins.next)} fi }`;
  },
};

/** `synchronize_srcu S` / `synchronize_rcu`: waits for the sections open at the call. */
export const synchronizeSrcuOp: OpSemantics<InstrOf<"synchronize_srcu">> = {
  sleeps: () => true,
  ...plain,
  releasedByWrites: true,
  recordBytes: (_ins, model) => maskBytes(model),
  status(m, st, cpu, _ins, waitsFor) {
    if (!m.waits.waiting(st, cpu)) return CpuStatus.Enabled;
    return waitingFor(waitsFor, cpu, srcu(m).waitingFor(st, cpu));
  },
  step(m, st, cpu, ins) {
    const waits = m.waits;
    if (waits.waiting(st, cpu)) {
      waits.clear(st, cpu);
      return ins.next;
    }
    const readers = srcu(m).awaited(st, ins.domain, cpu);
    if (readers === 0) return ins.next;
    waits.setWaiting(st, cpu, true);
    for (let i = 0; i < maskBytes(m.model); i++) st[waits.data(cpu, i)] = (readers >>> (8 * i)) & 0xff;
    return m.pc(st, cpu);
  },
  // Consolidated RCU's call also reads who is in an atomic region: written
  // here, so that it is ordered against every step entering or leaving one
  // (which read it, and so commute with each other).
  access: (ins, a, m) => {
    touch(ins, a, m, false);
    if (srcu(m).quiescesFor(ins.domain)) srcu(m).quiescingAccess(a, true);
  },
  canStop: () => false,
  acquires: (ins, model) => ({ lock: model.srcus[ins.domain]!.lockClass, read: false, sync: true }),
  words(ins, m, before, after, cpu) {
    if (m.waits.waiting(before, cpu)) return { ...NO_WORDS, outcome: " → grace period over" };
    if (!m.waits.waiting(after, cpu)) return { ...NO_WORDS, outcome: " → no reader: returns" };
    const s = srcu(m);
    const awaited = m.model.cpus.flatMap((c, t) => (s.waitingFor(after, cpu) & (1 << t) ? [{ name: c.name, t }] : []));
    if (!s.quiescesFor(ins.domain)) return { ...NO_WORDS, outcome: ` → waits for the sections of ${awaited.map((a) => a.name).join(", ")}` };
    return { ...NO_WORDS, outcome: ` → waits for ${awaited.map((a) => `${a.name} (${s.readerWords(after, a.t)})`).join(", ")}` };
  },
  awaitedWhy: (ins, m, st, t) => (srcu(m).quiescesFor(ins.domain) ? srcu(m).readerWords(st, t) || undefined : undefined),
  observe: (ins, m, st, cpu) => (m.waits.waiting(st, cpu) ? 0 : srcu(m).awaited(st, ins.domain, cpu) || NO_THREAD),
  seen(ins, model, thread, bits) {
    const name = model.srcus[ins.domain]!.name;
    const readers = bits & ~NO_THREAD;
    const found = [
      ...(bits & NO_THREAD ? [name === RCU_DOMAIN ? "no reader: returns at once" : "no section open: returns at once"] : []),
      ...threadNames(model, readers).map((t) =>
        t === model.cpus[thread]!.name ? "its own section open: waits for itself" : name === RCU_DOMAIN ? `${t} in a section or an atomic region: waits for it to leave` : `${t} in a section: waits for it to close`,
      ),
    ];
    return { on: name === RCU_DOMAIN ? "the RCU read-side sections" : `the sections of ${name}`, found, threads: threadNames(model, readers) };
  },
  promela(ins, p) {
    const waits = p.layout.waits;
    const n = p.model.cpus.length;
    const bytes = maskBytes(p.model);
    const s = srcu(p.layout);
    const reader = (t: number): string => (s.quiescesFor(ins.domain) && t !== p.cpu ? s.promelaReader(t) : `sr_depth[${ins.domain * n + t}] > 0`);
    const anyReader = p.model.cpus.map((_, t) => reader(t)).join(" || ");
    let fill = "";
    for (let t = 0; t < n; t++) fill += `if :: ${reader(t)} -> ${waits.promelaData(p.cpu, t >>> 3)} = ${waits.promelaData(p.cpu, t >>> 3)} | ${1 << (t & 7)} :: else -> skip fi; `;
    const done = Array.from({ length: bytes }, (_, i) => `${waits.promelaData(p.cpu, i)} == 0`).join(" && ");
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && !(${anyReader}) -> ${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && (${anyReader}) -> ${waits.promelaArm(p.cpu, p.pc)}${fill}goto ${p.here} ` +
      `:: wt_phase[${p.cpu}] == 1 && ${done} -> ${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};
