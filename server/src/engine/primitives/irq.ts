// Interrupt contexts (race-language.md §10): `irq H on C { … }` and
// `softirq H on C { … }` handlers, per-context interrupt state
// (local_irq_disable/enable, local_irq_save/restore, local_bh_disable/
// enable, and the lock forms, which compile.ts writes as one of these then
// the plain lock; the unlock forms are one step here: unlock, then the
// interrupt state).
//
// A handler is a thread standing at its `<Interrupt> H` (pc 0) until it
// fires: a step of its own, enabled while the context on top of its CPU
// lets it in (a hardirq: hardirqs enabled there and not in a hardirq; a
// softirq: the CPU's task on top, with hardirqs and softirqs enabled). Its
// body then runs on top of what it interrupted, which cannot step until it
// returns (`gate`: the interrupted thread waits for the handler, so a
// handler waiting for a lock its task holds is a wait-for cycle); it fires
// at most once. Who is on top is read from the handlers' pcs: a running
// hardirq of the CPU, else a running softirq, else the task.
//
// Each thread (a CPU's task, a handler, a work item, a kthread) has its own
// interrupt state, one byte each where its code changes it: hardirqs
// disabled by it, its bh-disable count, the stack of saved flags (which
// of its 8 slots are in use, and their bits), and how many
// local_irq_disable (lock_irq) it has not yet enabled. A save pushes; a
// restore takes the topmost slot saved by the same kind of call (the
// same lock's lock_irqsave for an unlock_irqrestore, a local_irq_save for
// a local_irq_restore), else the topmost one: each spin_lock_irqsave() has
// its own flags variable, so unlock_irqrestore out of order restores its
// own lock's flags, while `local_irq_save; lock L; unlock_irqrestore L`
// still pairs as written. The slots' owners (0, or a lock + 1) are kept
// only for threads whose code has lock_irqsave or unlock_irqrestore.
//
// As in the kernel, local_irq_enable turns hardirqs on whatever the count
// (an inner spin_unlock_irq() inside an outer irq-off section enables them
// early: omapdrm's bug); only an enable where the context disabled nothing
// (no disable, no save) is a misuse, and only ending with hardirqs or
// softirqs disabled is one at a thread's end. A hardirq handler runs with
// hardirqs disabled, a softirq handler with softirqs disabled; when a
// handler returns, its CPU's state is its task's again (the task's own
// bytes were never touched).

import { PC_DONE, PC_STOPPED_FLAG, type InstrBase, type Model } from "../model";
import { CpuStatus, StepResult } from "../status";
import type { Layout } from "../state";
import { unlockOp, runlockOp } from "./locks";
import { bitsFor, byOwners, NO_WORDS, popcount, type AccessSink, type InstrOf, type ObjectState, type OpSemantics, type PromelaContext, type StatePart } from "./types";

export type IrqInstr =
  /** pc 0 of a handler's thread: it fires on its CPU. */
  | (InstrBase & { readonly op: "start_irq"; readonly handler: number; readonly next: number })
  | (InstrBase & { readonly op: "irq_disable" | "irq_enable" | "irq_restore" | "bh_disable" | "bh_enable"; readonly next: number })
  /** `lock`: the save of `lock_irqsave lock` (its slot is that lock's, for its `unlock_irqrestore`). */
  | (InstrBase & { readonly op: "irq_save"; readonly lock?: number; readonly next: number })
  /** `unlock_irq L` and friends: the unlock (`runlock` for `read`), then `after`, in one step. */
  | (InstrBase & { readonly op: "irq_unlock"; readonly lock: number; readonly read: boolean; readonly after: "irq_enable" | "irq_restore" | "bh_enable"; readonly next: number });

/** What a thread was found in at a statement (observeAt), OR-ed over the explored states. */
export const enum IrqSeen {
  HardOn = 1,
  HardOff = 2,
  SoftOn = 4,
  SoftOff = 8,
  /** in_interrupt() (a handler, or softirqs disabled by the thread), where a read of an rwlock_t is recursive; and not. */
  InInterrupt = 16,
  NotInInterrupt = 32,
}

/**
 * A statement's interrupt state for one thread (the hover's "hardirqs on"):
 * the context it runs in, and whether hardirqs and softirqs are enabled
 * there in every explored state, in none, or in some. Softirqs count as off
 * wherever hardirqs are (no softirq runs there), as lockdep's usage does.
 */
export interface IrqSiteFacts {
  readonly context: "task" | "hardirq" | "softirq";
  /** For a handler: the CPU it runs on. */
  readonly on?: string;
  readonly hardirqs: "on" | "off" | "on or off";
  readonly softirqs: "on" | "off" | "on or off";
}

type StateOp = InstrOf<"irq_disable" | "irq_enable" | "irq_save" | "irq_restore" | "bh_disable" | "bh_enable">;

/** The saved-flags slots of a thread (its flags are bits of one byte). */
const MAX_SAVES = 8;

export class IrqState implements StatePart {
  readonly size: number;
  readonly resources: number;
  readonly gates: readonly number[];
  /** Per thread: offset of its 5 bytes (irq off, bh count, saved slots in use, their bits, disables not yet enabled), or -1 if its code never changes them. */
  private readonly at: Int32Array;
  /** Per thread: offset of its MAX_SAVES bytes naming each slot's saver (0: local_irq_save, l + 1: lock_irqsave of lock l), or -1 (all 0). */
  private readonly tagAt: Int32Array;
  /** Per thread: the CPU (task thread) it runs on as a context, or -1 (work items, kthreads; CPUs without handlers). */
  private readonly cpuOf: Int32Array;
  /** Per CPU task thread with handlers: its hardirq and softirq handlers' threads. */
  private readonly hardirqs: Map<number, number[]> = new Map();
  private readonly softirqs: Map<number, number[]> = new Map();
  /** Per CPU task thread with handlers: its resource number ("who is on top, and with what state"). */
  private readonly ctxRes: Map<number, number> = new Map();
  private readonly kinds: readonly string[];
  private layout: Layout | undefined;

  constructor(
    private readonly model: Model,
    readonly base: number,
    resBase: number,
  ) {
    const n = model.cpus.length;
    this.kinds = model.cpus.map((c) => c.kind);
    this.cpuOf = new Int32Array(n).fill(-1);
    for (const h of model.handlers) {
      (h.kind === "irq" ? this.hardirqs : this.softirqs).set(h.cpu, [...((h.kind === "irq" ? this.hardirqs : this.softirqs).get(h.cpu) ?? []), h.thread]);
      this.cpuOf[h.cpu] = h.cpu;
      this.cpuOf[h.thread] = h.cpu;
    }
    let res = resBase;
    for (let t = 0; t < n; t++) if (this.cpuOf[t] === t) this.ctxRes.set(t, res++);
    this.resources = res - resBase;
    // Gated: a CPU's task and its softirq handlers (a hardirq can interrupt those); a hardirq is never interrupted.
    this.gates = [...this.ctxRes.keys(), ...model.handlers.filter((h) => h.kind === "softirq").map((h) => h.thread)];
    this.at = new Int32Array(n).fill(-1);
    let off = base;
    model.cpus.forEach((c, t) => {
      if (c.code.some((ins) => STATE_OPS.has(ins.op))) {
        this.at[t] = off;
        off += 5;
      }
    });
    this.tagAt = new Int32Array(n).fill(-1);
    model.cpus.forEach((c, t) => {
      if (c.code.some((ins) => (ins.op === "irq_save" && ins.lock !== undefined) || (ins.op === "irq_unlock" && ins.after === "irq_restore"))) {
        this.tagAt[t] = off;
        off += MAX_SAVES;
      }
    });
    this.size = off - base;
  }

  link(m: Layout): void {
    this.layout = m;
  }

  init(): void {}

  // ---- a context's state ---------------------------------------------------

  private irqOff(st: Uint8Array, t: number): boolean {
    const a = this.at[t]!;
    return a >= 0 && st[a] !== 0;
  }

  private bh(st: Uint8Array, t: number): number {
    const a = this.at[t]!;
    return a < 0 ? 0 : st[a + 1]!;
  }

  /** Are hardirqs disabled in context `t` (a hardirq handler's always)? */
  hardOff(st: Uint8Array, t: number): boolean {
    return this.kinds[t] === "irq" || this.irqOff(st, t);
  }

  /**
   * The kernel's in_interrupt() in context `t`: in a handler, or with
   * softirqs disabled by local_bh_disable (its count is in the preempt
   * count in_interrupt() reads); hardirqs disabled alone do not count.
   */
  inInterrupt(st: Uint8Array, t: number): boolean {
    return this.kinds[t] === "irq" || this.kinds[t] === "softirq" || this.bh(st, t) > 0;
  }

  /** Promela: inInterrupt(), for thread t ("1" in a handler, "0" where its code never disables softirqs). */
  promelaInInterrupt(t: number): string {
    if (this.kinds[t] === "irq" || this.kinds[t] === "softirq") return "1";
    return this.at[t]! >= 0 ? `irq_bh[${t}] != 0` : "0";
  }

  /** Are softirqs disabled in context `t` (in any handler, under local_bh_disable, or with hardirqs off)? */
  softOff(st: Uint8Array, t: number): boolean {
    return this.kinds[t] === "irq" || this.kinds[t] === "softirq" || this.bh(st, t) > 0 || this.hardOff(st, t);
  }

  /**
   * Is context `t` one RCU's grace period waits for as a reader (a
   * consolidated-RCU quiescent state is not possible there): a handler
   * running, or a task with hardirqs or softirqs disabled (srcu.ts).
   */
  atomic(st: Uint8Array, t: number): boolean {
    return this.contextOf(t) ? this.running(st, t) : this.bh(st, t) > 0 || this.irqOff(st, t);
  }

  /** Promela: atomic() for thread t in the state as it is. */
  promelaAtomicNow(t: number): string {
    return this.contextOf(t) ? `h_run[${t}] == 1` : this.promelaTaskAtomic(t);
  }

  /** Promela: atomic() for thread t after a jump of its to `to` (a handler runs until it jumps to its end). */
  promelaAtomic(t: number, to: number): string {
    if (this.contextOf(t)) return to === PC_DONE || (to & PC_STOPPED_FLAG) !== 0 ? "0" : "1";
    return this.promelaTaskAtomic(t);
  }

  /** Promela: a task's hardirqs or softirqs disabled ("0" where its code never changes them). */
  private promelaTaskAtomic(t: number): string {
    return this.at[t]! >= 0 ? `(irq_off[${t}] != 0 || irq_bh[${t}] != 0)` : "0";
  }

  /** Has handler thread `h` fired and not yet returned? */
  private running(st: Uint8Array, h: number): boolean {
    const pc = this.layout!.pc(st, h);
    return pc !== 0 && pc !== PC_DONE && (pc & PC_STOPPED_FLAG) === 0;
  }

  /** The context on top of CPU task `c`: a running hardirq, else a running softirq, else the task. */
  top(st: Uint8Array, c: number): number {
    for (const h of this.hardirqs.get(c) ?? []) if (this.running(st, h)) return h;
    for (const h of this.softirqs.get(c) ?? []) if (this.running(st, h)) return h;
    return c;
  }

  /** Can handler thread `h` (of CPU task `c`, kind `kind`) fire now? */
  canFire(st: Uint8Array, h: number, c: number): boolean {
    const top = this.top(st, c);
    if (this.kinds[h] === "irq") return !this.hardOff(st, top);
    return top === c && !this.softOff(st, c);
  }

  /**
   * The contexts handler thread `h`, running, runs on top of: its CPU's
   * task and, for a hardirq, a softirq of that CPU that has fired and not
   * returned (a mask; 0 for a thread that is no handler). Lockdep counts
   * their locks as held by the handler (`held`: lockdep_is_held sees the
   * interrupted task's held locks).
   */
  below(st: Uint8Array, h: number): number {
    const c = this.cpuOf[h]!;
    if (c < 0 || c === h) return 0;
    let mask = 1 << c;
    if (this.kinds[h] === "irq") for (const s of this.softirqs.get(c) ?? []) if (this.running(st, s)) mask |= 1 << s;
    return mask;
  }

  /** below() in Promela: whether thread `t` is one of handler `h`'s, for its `held`. */
  promelaBelow(h: number, t: number): string | undefined {
    const c = this.cpuOf[h]!;
    if (c < 0 || c === h) return undefined;
    if (t === c) return "true";
    return this.kinds[h] === "irq" && (this.softirqs.get(c) ?? []).includes(t) ? `h_run[${t}] == 1` : undefined;
  }

  /** The thread on top of `t`'s CPU when that is not `t`: the handler `t` waits for. */
  interruptedBy(st: Uint8Array, t: number): number {
    const c = this.cpuOf[t]!;
    if (c < 0) return -1;
    const top = this.top(st, c);
    if (top === t) return -1;
    // A handler below the top one (a softirq under a hardirq), or the task under either.
    return t === c || this.kinds[top] === "irq" ? top : -1;
  }

  gate(st: Uint8Array, t: number, waitsFor: Int32Array): CpuStatus | undefined {
    const h = this.interruptedBy(st, t);
    if (h < 0) return undefined;
    waitsFor[t] = 1 << h;
    return CpuStatus.BlockedOnLock;
  }

  gateWords(st: Uint8Array, t: number): string | undefined {
    const h = this.interruptedBy(st, t);
    return h < 0 ? undefined : `${this.model.cpus[h]!.name} (the interrupt on top of it) to return`;
  }

  /** The resource of `t`'s CPU context (who is on top of it), or -1 where no handler runs on it. */
  contextResource(t: number): number {
    const c = this.cpuOf[t]!;
    return c >= 0 ? this.ctxRes.get(c)! : -1;
  }

  /** A CPU's contexts read who is on top of it with every step. */
  threadAccess(t: number, a: AccessSink): void {
    const r = this.contextResource(t);
    if (r >= 0) a.resource(r, false);
  }

  /** What changing `t`'s interrupt state, or a handler of it firing or returning, writes. */
  touchContext(t: number, a: AccessSink): void {
    const r = this.contextResource(t);
    if (r >= 0) a.resource(r, true);
  }

  endAccess(t: number, a: AccessSink): void {
    if (this.kinds[t] === "irq" || this.kinds[t] === "softirq") this.touchContext(t, a);
  }

  /** A thread ends with an interrupt-disabled section open: a misuse. */
  threadEnd(_m: Layout, st: Uint8Array, t: number): StepResult {
    const a = this.at[t]!;
    if (a < 0) return StepResult.Ok;
    // What the thread leaves behind: interrupts disabled. Saved flags never
    // restored, or a local_irq_disable matched by a restore, leave nothing
    // wrong once interrupts are on again (flags are a local variable).
    return st[a] !== 0 || st[a + 1] !== 0 ? StepResult.IrqStateAtExit : StepResult.Ok;
  }

  /** The slot a restore by thread `t` takes: the topmost saved by the same kind of call (`lock`'s lock_irqsave, or a local_irq_save), else the topmost; -1 if none is in use. */
  private restoredSlot(st: Uint8Array, t: number, lock: number | undefined): number {
    const used = st[this.at[t]! + 2]!;
    if (used === 0) return -1;
    const tags = this.tagAt[t]!;
    const want = lock === undefined ? 0 : lock + 1;
    if (tags >= 0) for (let k = MAX_SAVES - 1; k >= 0; k--) if (used & (1 << k) && st[tags + k] === want) return k;
    return 31 - Math.clz32(used);
  }

  /** Applies an interrupt-state operation of thread `t`: OK, or the misuse it is; `lock`, the lock of a lock_irqsave's save or an unlock_irqrestore's restore. */
  apply(st: Uint8Array, t: number, op: StateOp["op"], lock?: number): StepResult {
    const a = this.at[t]!;
    switch (op) {
      case "irq_disable":
        if (st[a + 4] === 255) return StepResult.Overflow;
        st[a + 4] = st[a + 4]! + 1;
        st[a] = 1;
        return StepResult.Ok;
      case "irq_enable":
        // Unbalanced only where this context disabled nothing: a save disables too (local_irq_save; local_irq_enable; … is the kernel's own idiom).
        if (st[a + 4] === 0 && st[a + 2] === 0) return StepResult.IrqUnbalanced;
        if (st[a + 4]! > 0) st[a + 4] = st[a + 4]! - 1;
        st[a] = 0;
        return StepResult.Ok;
      case "irq_save": {
        const top = 32 - Math.clz32(st[a + 2]!);
        if (top === MAX_SAVES) return StepResult.Overflow;
        st[a + 3] = (st[a + 3]! & ~(1 << top)) | (st[a]! << top);
        st[a + 2] = st[a + 2]! | (1 << top);
        if (this.tagAt[t]! >= 0) st[this.tagAt[t]! + top] = lock === undefined ? 0 : lock + 1;
        st[a] = 1;
        return StepResult.Ok;
      }
      case "irq_restore": {
        const k = this.restoredSlot(st, t, lock);
        if (k < 0) return StepResult.IrqUnbalanced;
        st[a] = (st[a + 3]! >> k) & 1;
        st[a + 3] = st[a + 3]! & ~(1 << k);
        st[a + 2] = st[a + 2]! & ~(1 << k);
        if (this.tagAt[t]! >= 0) st[this.tagAt[t]! + k] = 0;
        return StepResult.Ok;
      }
      case "bh_disable":
        if (st[a + 1] === 255) return StepResult.Overflow;
        st[a + 1] = st[a + 1]! + 1;
        return StepResult.Ok;
      case "bh_enable":
        if (st[a + 1] === 0) return StepResult.IrqUnbalanced;
        st[a + 1] = st[a + 1]! - 1;
        return StepResult.Ok;
      default:
        return unreachableOp(op);
    }
  }

  /**
   * Each context's interrupt state: a CPU's task (with what runs on top of
   * it), a handler while it runs, and any other thread whose code changes
   * its own (local_irq_save depth and local_bh_disable count when nested).
   */
  describe(_m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void {
    const onOff = (off: boolean): string => (off ? "off" : "on");
    this.model.cpus.forEach((c, t) => {
      const handler = this.kinds[t] === "irq" || this.kinds[t] === "softirq";
      if (handler ? !this.running(st, t) : this.at[t]! < 0 && this.cpuOf[t] !== t) return;
      const words = [`hardirqs ${onOff(this.hardOff(st, t))}, softirqs ${onOff(this.softOff(st, t))}`];
      const a = this.at[t]!;
      if (a >= 0 && st[a + 2]! > 0) words.push(`saved flags ${popcount(st[a + 2]!)}`);
      if (a >= 0 && st[a + 1]! > 1) words.push(`local_bh_disable ×${st[a + 1]!}`);
      // local_irq_disable (lock_irq) calls not yet matched by an enable: nested, or hardirqs already on again (omapdrm's inner spin_unlock_irq).
      if (a >= 0 && st[a + 4]! > 0 && (st[a + 4]! > 1 || st[a] === 0)) words.push(`${st[a + 4]!} local_irq_disable not yet enabled`);
      if (handler) words.unshift(`in ${this.contextOf(t)} context on ${this.model.cpus[this.cpuOf[t]!]!.name}`);
      else if (this.cpuOf[t] === t && this.top(st, t) !== t) words.push(`interrupted by ${this.model.cpus[this.top(st, t)]!.name}`);
      add({ kind: "interrupts", name: c.name, state: words.join("; ") });
    });
  }

  /** How a thread's context is called in traces and hovers: `hardirq`, `softirq`, or undefined for a task. */
  contextOf(t: number): "hardirq" | "softirq" | undefined {
    return this.kinds[t] === "irq" ? "hardirq" : this.kinds[t] === "softirq" ? "softirq" : undefined;
  }

  /** Is there interrupt state worth telling per statement (handlers, or statements that change it)? */
  get observed(): boolean {
    return this.model.handlers.length > 0 || this.size > 0;
  }

  /**
   * The interrupt state thread `t` stands in (IrqSeen bits), recorded at its
   * statement in every explored state (search/facts.ts). A function of
   * `t`'s own steps only (its bytes, its kind), so the reduced search finds
   * the same bits as the full one (the lock-facts argument).
   */
  observeAt(st: Uint8Array, t: number): number {
    return (this.hardOff(st, t) ? IrqSeen.HardOff : IrqSeen.HardOn) | (this.softOff(st, t) ? IrqSeen.SoftOff : IrqSeen.SoftOn) | (this.inInterrupt(st, t) ? IrqSeen.InInterrupt : IrqSeen.NotInInterrupt);
  }

  /** Those bits at a statement of thread `t`, in words (SiteFacts.irq). */
  siteFacts(t: number, bits: number): IrqSiteFacts {
    const state = (on: number, off: number): IrqSiteFacts["hardirqs"] => (bits & on && bits & off ? "on or off" : bits & off ? "off" : "on");
    const context = this.contextOf(t) ?? "task";
    const c = this.cpuOf[t]!;
    return { context, ...(context !== "task" && c >= 0 ? { on: this.model.cpus[c]!.name } : {}), hardirqs: state(IrqSeen.HardOn, IrqSeen.HardOff), softirqs: state(IrqSeen.SoftOn, IrqSeen.SoftOff) };
  }

  /** For lockdep's usage: the state thread `t` acquires in, as (in hardirq, in softirq, hardirqs on, softirqs on). */
  usageContext(st: Uint8Array, t: number): { inHard: boolean; inSoft: boolean; hardOn: boolean; softOn: boolean } {
    const inHard = this.kinds[t] === "irq";
    const inSoft = this.kinds[t] === "softirq";
    return { inHard, inSoft, hardOn: !this.hardOff(st, t), softOn: !this.softOff(st, t) };
  }

  pack(field: (byte: number, bits: number) => void): void {
    this.at.forEach((a) => {
      if (a < 0) return;
      field(a, 1);
      field(a + 1, 8);
      field(a + 2, 8);
      field(a + 3, 8);
      field(a + 4, 8);
    });
    const tagBits = bitsFor(this.model.locks.length + 1);
    for (const b of this.tagAt) if (b >= 0) for (let k = 0; k < MAX_SAVES; k++) field(b + k, tagBits);
  }

  derive(): void {}

  // ---- Promela --------------------------------------------------------------
  // irq_off[t], irq_bh[t], irq_used[t], irq_saved[t]; cpu_top[c] = the thread
  // number + 1 of the context on top of CPU task c (0: the task), kept by
  // handlers firing and returning; each context's proctype is `provided` it is
  // on top (export/promela.ts asks promelaProvided).

  promelaDecls(): string[] {
    const n = this.model.cpus.length;
    // irq_used[t]: the saved slots in use (a mask); irq_tag[t * MAX_SAVES + k]: slot k's saver, for threads with lock_irqsave.
    const decls = [`byte irq_off[${n}];`, `byte irq_bh[${n}];`, `byte irq_used[${n}];`, `byte irq_saved[${n}];`, `byte irq_dis[${n}];`];
    if (this.tagAt.some((b) => b >= 0)) decls.push(`byte irq_tag[${n * MAX_SAVES}];`);
    // h_run[h]: 0 not fired, 1 running, 2 returned.
    if (this.ctxRes.size > 0) decls.push(`byte cpu_top[${n}];`, `byte h_run[${n}];`);
    return this.at.some((a) => a >= 0) || this.ctxRes.size > 0 ? decls : [];
  }

  promelaInit(): string[] {
    return [];
  }

  promelaJump(t: number, _from: number, to: number): string {
    // A handler returning: the context below it is on top again.
    if ((this.kinds[t] === "irq" || this.kinds[t] === "softirq") && to === PC_DONE) {
      const c = this.cpuOf[t]!;
      const below = this.kinds[t] === "irq" ? this.promelaBelowHardirq(c) : "0";
      return `h_run[${t}] = 2; cpu_top[${c}] = ${below}; `;
    }
    return "";
  }

  /** Promela: the context a returning hardirq of CPU c leaves on top (a running softirq, else the task). */
  private promelaBelowHardirq(c: number): string {
    const soft = this.softirqs.get(c) ?? [];
    let s = "0";
    for (const h of soft) s = `(h_run[${h}] == 1 -> ${h + 1} : ${s})`;
    return s;
  }

  /** Promela: the `provided` clause of thread t's proctype (undefined: none). */
  promelaProvided(t: number): string | undefined {
    const c = this.cpuOf[t]!;
    if (c < 0) return undefined;
    if (t === c) return `cpu_top[${c}] == 0`;
    // A handler: before it fires its start statement's own guard decides; then it must be on top.
    return `(h_run[${t}] != 1 || cpu_top[${c}] == ${t + 1})`;
  }

  /** Does thread t keep its slots' savers (it has lock_irqsave or unlock_irqrestore)? */
  tagged(t: number): boolean {
    return this.tagAt[t]! >= 0;
  }

  /** Promela: hardirqs off in context t. */
  promelaHardOff(t: number): string {
    return this.kinds[t] === "irq" ? "1" : `irq_off[${t}]`;
  }

  /** Promela: the guard of handler h firing on CPU task c. */
  promelaCanFire(h: number, c: number): string {
    if (this.kinds[h] === "irq") {
      const soft = this.softirqs.get(c) ?? [];
      const hard = (this.hardirqs.get(c) ?? []).filter((x) => x !== h);
      // Not in a hardirq, and the context on top (a running softirq, else the task) has hardirqs on.
      const noHard = hard.map((x) => `h_run[${x}] != 1`).join(" && ") || "1";
      const topOn = soft.reduce((acc, s) => `(h_run[${s}] == 1 -> irq_off[${s}] == 0 : ${acc})`, `irq_off[${c}] == 0`);
      return `h_run[${h}] == 0 && (${noHard}) && ${topOn}`;
    }
    const others = [...(this.hardirqs.get(c) ?? []), ...(this.softirqs.get(c) ?? [])].filter((x) => x !== h);
    const none = others.map((x) => `h_run[${x}] != 1`).join(" && ") || "1";
    return `h_run[${h}] == 0 && (${none}) && irq_off[${c}] == 0 && irq_bh[${c}] == 0`;
  }

}

const STATE_OPS: ReadonlySet<string> = new Set(["irq_disable", "irq_enable", "irq_save", "irq_restore", "bh_disable", "bh_enable", "irq_unlock"]);

function unreachableOp(op: never): never {
  throw new Error(`unreachable: ${String(op)}`);
}

const irq = (m: Layout): IrqState => m.p.irq;
const one = (ins: { readonly next: number }): readonly number[] => [ins.next];

/** `<Interrupt> H`: the handler fires on its CPU, on top of whatever runs there. */
export const startIrqOp: OpSemantics<InstrOf<"start_irq">> = {
  unblockers: byOwners,
  successors: one,
  choices: () => 1,
  status(m, st, cpu, ins) {
    const h = m.model.handlers[ins.handler]!;
    return irq(m).canFire(st, cpu, h.cpu) ? CpuStatus.Enabled : CpuStatus.Idle;
  },
  // A handler running on top of its CPU keeps it out until it returns. The
  // context resource says so too, except between transparent handlers
  // (reduce.ts), whose firing and return only read it.
  idleEnablers(m, st, cpu, ins) {
    const task = m.model.handlers[ins.handler]!.cpu;
    const top = irq(m).top(st, task);
    return top !== cpu && top !== task ? 1 << top : 0;
  },
  step: (_m, _st, _cpu, ins) => ins.next,
  // Firing changes who is on top of its CPU.
  access: (_ins, a, m, thread) => irq(m).touchContext(thread, a),
  arrival: () => {},
  canStop: () => false,
  acquires: () => undefined,
  releases: () => undefined,
  words: () => NO_WORDS,
  promela(ins, p) {
    const k = irq(p.layout);
    const h = p.model.handlers[ins.handler]!;
    // On top first, then running: the proctype's `provided` clause holds at every statement of the step.
    return `atomic { ${k.promelaCanFire(p.cpu, h.cpu)} -> cpu_top[${h.cpu}] = ${p.cpu + 1}; h_run[${p.cpu}] = 1; ${p.go(ins.next)} }`;
  },
};

/**
 * How each operation writes its Promela state change (a misuse stops the
 * thread); `lock` as for IrqState.apply. The proctype's `t` is scratch:
 * the slot, 0 again after.
 */
function promelaApply(op: StateOp["op"], t: number, p: PromelaContext, then: string, lock?: number): string {
  const used = `irq_used[${t}]`;
  const tagged = irq(p.layout).tagged(t);
  const tag = (k: string): string => `irq_tag[${t * MAX_SAVES} + ${k}]`;
  // t = the number of slots up to the topmost in use (0: none).
  const top = `t = ${MAX_SAVES}; do :: t > 0 && (${used} & (1 << (t - 1))) == 0 -> t-- :: else -> break od`;
  switch (op) {
    case "irq_disable":
      return `if :: irq_dis[${t}] == 255 -> ${p.stop} :: else -> irq_dis[${t}]++; irq_off[${t}] = 1; ${then} fi`;
    case "irq_enable":
      return `if :: irq_dis[${t}] == 0 && ${used} == 0 -> ${p.stop} :: else -> if :: irq_dis[${t}] > 0 -> irq_dis[${t}]-- :: else -> skip fi; irq_off[${t}] = 0; ${then} fi`;
    case "irq_save":
      return (
        `${top}; if :: t == ${MAX_SAVES} -> t = 0; ${p.stop} :: else -> irq_saved[${t}] = (irq_saved[${t}] & (255 - (1 << t))) | (irq_off[${t}] << t); ${used} = ${used} | (1 << t); ` +
        `${tagged ? `${tag("t")} = ${lock === undefined ? 0 : lock + 1}; ` : ""}irq_off[${t}] = 1; t = 0; ${then} fi`
      );
    case "irq_restore": {
      // t = the topmost slot saved by the same kind of call, + 1; else the topmost.
      const want = lock === undefined ? 0 : lock + 1;
      const mine = tagged ? `t = ${MAX_SAVES}; do :: t > 0 && !((${used} & (1 << (t - 1))) != 0 && ${tag("t - 1")} == ${want}) -> t-- :: else -> break od; if :: t == 0 -> ${top} :: else -> skip fi` : top;
      return (
        `${mine}; if :: t == 0 -> ${p.stop} :: else -> t--; irq_off[${t}] = (irq_saved[${t}] >> t) & 1; irq_saved[${t}] = irq_saved[${t}] & (255 - (1 << t)); ${used} = ${used} & (255 - (1 << t)); ` +
        `${tagged ? `${tag("t")} = 0; ` : ""}t = 0; ${then} fi`
      );
    }
    case "bh_disable":
      return `if :: irq_bh[${t}] == 255 -> ${p.stop} :: else -> irq_bh[${t}]++; ${then} fi`;
    case "bh_enable":
      return `if :: irq_bh[${t}] == 0 -> ${p.stop} :: else -> irq_bh[${t}]--; ${then} fi`;
    default:
      return unreachableOp(op);
  }
}

const WORDS: Readonly<Record<StateOp["op"], string>> = {
  irq_disable: " → irqs off",
  irq_enable: " → irqs on",
  irq_save: " → irqs off (saved)",
  irq_restore: " → irqs restored",
  bh_disable: " → softirqs off",
  bh_enable: " → softirqs on",
};

const stateOp: OpSemantics<StateOp> = {
  unblockers: byOwners,
  atomicContext: () => true,
  successors: one,
  choices: () => 1,
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const r = irq(m).apply(st, cpu, ins.op, ins.op === "irq_save" ? ins.lock : undefined);
    return r === StepResult.Ok ? ins.next : -r;
  },
  access: (_ins, a, m, thread) => irq(m).touchContext(thread, a),
  arrival: () => {},
  canStop: () => true,
  acquires: () => undefined,
  releases: () => undefined,
  words: (ins, _m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: ins.op === "irq_save" || ins.op === "bh_disable" ? " → overflow" : " → was not disabled" } : { ...NO_WORDS, outcome: WORDS[ins.op] }),
  promela: (ins, p) => `atomic { ${promelaApply(ins.op, p.cpu, p, p.go(ins.next), ins.op === "irq_save" ? ins.lock : undefined)} }`,
};

export const irqDisableOp: OpSemantics<InstrOf<"irq_disable">> = stateOp;
export const irqEnableOp: OpSemantics<InstrOf<"irq_enable">> = stateOp;
export const irqSaveOp: OpSemantics<InstrOf<"irq_save">> = stateOp;
export const irqRestoreOp: OpSemantics<InstrOf<"irq_restore">> = stateOp;
export const bhDisableOp: OpSemantics<InstrOf<"bh_disable">> = stateOp;
export const bhEnableOp: OpSemantics<InstrOf<"bh_enable">> = stateOp;

/** `unlock_irq L`, `unlock_irqrestore L`, `unlock_bh L` (and the `runlock_` forms): the unlock, then the interrupt state, one step. */
export const irqUnlockOp: OpSemantics<InstrOf<"irq_unlock">> = {
  unblockers: byOwners,
  atomicContext: () => true,
  successors: one,
  choices: () => 1,
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const plain = { op: ins.read ? "runlock" : "unlock", lock: ins.lock, next: ins.next, span: ins.span, stack: ins.stack, text: ins.text } as const;
    const r = ins.read ? runlockOp.step(m, st, cpu, plain as InstrOf<"runlock">, 0) : unlockOp.step(m, st, cpu, plain as InstrOf<"unlock">, 0);
    if (r < 0) return r;
    const s = irq(m).apply(st, cpu, ins.after, ins.lock);
    return s === StepResult.Ok ? ins.next : -s;
  },
  access(ins, a, m, thread) {
    unlockOp.access({ op: "unlock", lock: ins.lock, next: ins.next, span: ins.span, stack: ins.stack, text: ins.text }, a, m, thread);
    irq(m).touchContext(thread, a);
  },
  arrival: () => {},
  canStop: () => true,
  acquires: () => undefined,
  releases: (ins) => ins.lock,
  words: (ins, m, before, after, cpu, _ch, failed) => {
    const released = m.locks.holds(before, cpu, ins.lock) && !m.locks.holds(after, cpu, ins.lock);
    return { outcome: failed ? (released ? " → interrupt state was not disabled" : " → not held") : WORDS[ins.after], lock: ins.lock, acquired: false, released };
  },
  promela(ins, p) {
    const l = ins.lock;
    const then = promelaApply(ins.after, p.cpu, p, p.go(ins.next), ins.lock);
    if (ins.read) {
      const r = `lk_readers[${l * p.model.cpus.length + p.cpu}]`;
      return `atomic { if :: ${r} > 0 -> ${r}--; ${then} :: else -> ${p.stop} fi }`;
    }
    return `atomic { if :: lk_owner[${l}] == ${p.me} -> lk_depth[${l}]--; if :: lk_depth[${l}] == 0 -> lk_owner[${l}] = 0 :: else -> skip fi; ${then} :: else -> ${p.stop} fi }`;
  },
};
