// Unpacked states and the semantics of one step (race-language.md §6).
//
// A state is a Uint8Array: each CPU's pc (2 bytes, little endian; PC_DONE
// when finished, PC_STOPPED_FLAG|pc when stopped by an error at pc), then
// each primitive's part (primitives/: the locks' owners, depths and reader
// counts, the variables' values). What a statement does is its primitive's
// (primitives/index.ts); the explorer and the trace replay both go through
// `status` and `step` here, so they cannot disagree.

import { unreachable } from "../language/ast";
import { applyOperator, PC_DONE, PC_STOPPED_FLAG, type CExpr, type Instr, type Model } from "./model";
import { PARTS, semantics, type Parts } from "./primitives";
import type { LockState } from "./primitives/locks";
import type { OpSemantics, StatePart } from "./primitives/types";
import type { VarState } from "./primitives/vars";
import type { WaitState } from "./primitives/waits";
import { CpuStatus, StepResult } from "./status";

export { CpuStatus, StepResult };

export class Layout {
  readonly size: number;
  readonly cpuCount: number;
  /** Each primitive's part of the state, by its key in primitives/index.ts PARTS. */
  readonly p: Parts;
  readonly locks: LockState;
  readonly vars: VarState;
  readonly waits: WaitState;
  /** Every primitive's part of the state, in the order they are laid out. */
  readonly parts: readonly StatePart[];
  /** Variables, then each part's resources (see AccessSink): how many the reduction tracks. */
  readonly resourceCount: number;
  /** Per thread: the pc its body's end goes to (PC_DONE; 0, its `start W`, for a work item). */
  readonly endPc: Int32Array;
  private readonly codes: readonly (readonly Instr[])[];
  /**
   * Per thread and pc: does the step enter or leave a region consolidated
   * RCU waits for (primitives/srcu.ts)? Undefined where no synchronize_rcu
   * waits for such regions.
   */
  readonly quiescing: readonly Uint8Array[] | undefined;
  /** Each statement's semantics, looked up once (the hot path calls through it). */
  private readonly sems: readonly (readonly OpSemantics<Instr>[])[];

  constructor(readonly model: Model) {
    const n = model.cpus.length;
    this.cpuCount = n;
    this.codes = model.cpus.map((c) => c.code);
    this.sems = model.cpus.map((c) => c.code.map((ins) => semantics(ins)));
    let base = 2 * n;
    let res = model.vars.length;
    const parts: StatePart[] = [];
    const made: Record<string, StatePart> = {};
    for (const [key, make] of Object.entries(PARTS)) {
      const part = make(model, base, res);
      made[key] = part;
      parts.push(part);
      base += part.size;
      res += (part as StatePart).resources ?? 0;
    }
    this.p = made as unknown as Parts;
    this.parts = parts;
    this.size = base;
    this.resourceCount = res;
    this.locks = this.p.locks;
    this.vars = this.p.vars;
    this.waits = this.p.waits;
    this.endPc = Int32Array.from(model.cpus.map((c) => (c.kind === "work" ? 0 : PC_DONE)));
    this.ending = parts.filter((part) => part.threadEnd !== undefined);
    this.gating = model.cpus.map((_, t) => parts.filter((part) => part.gates?.includes(t)));
    this.quiescing = this.p.srcus.waitsForAtomic
      ? model.cpus.map((c, t) => Uint8Array.from(c.code, (ins, pc) => (c.kind === "irq" || c.kind === "softirq" || this.sems[t]![pc]!.atomicContext?.(ins, model) ? 1 : 0)))
      : undefined;
    for (const part of parts) part.link?.(this);
  }

  /** Per thread: the parts that may keep it from stepping (StatePart.gate). */
  private readonly gating: readonly (readonly StatePart[])[];

  /** The parts with something to do when a thread's body ends. */
  private readonly ending: readonly StatePart[];

  initial(): Uint8Array {
    const st = new Uint8Array(this.size);
    this.model.cpus.forEach((c, i) => this.setPc(st, i, c.entry));
    for (const p of this.parts) p.init(st);
    return st;
  }

  pc(st: Uint8Array, cpu: number): number {
    return st[2 * cpu]! | (st[2 * cpu + 1]! << 8);
  }

  setPc(st: Uint8Array, cpu: number, pc: number): void {
    st[2 * cpu] = pc & 0xff;
    st[2 * cpu + 1] = pc >> 8;
  }

  instrAt(st: Uint8Array, cpu: number): Instr | undefined {
    const pc = this.pc(st, cpu);
    if (pc === PC_DONE || pc & PC_STOPPED_FLAG) return undefined;
    return this.codes[cpu]![pc];
  }

  eval(e: CExpr, st: Uint8Array, cpu: number): number {
    switch (e.k) {
      case "const":
        return e.v;
      case "var":
        return this.vars.value(st, e.id);
      case "not":
        return this.eval(e.e, st, cpu) ? 0 : 1;
      case "neg":
        return -this.eval(e.e, st, cpu);
      case "held":
        return this.locks.holds(st, cpu, e.lock) || this.heldBelow(st, cpu, e.lock) ? 1 : 0;
      case "locked":
        return this.locks.isLocked(st, e.lock) ? 1 : 0;
      case "shouldStop":
        return this.p.kthreads.stopping(st, e.kthread) ? 1 : 0;
      case "bin":
        return this.binary(e.op, e.l, e.r, st, cpu);
      default:
        return unreachable(e);
    }
  }

  /** In an interrupt handler, a lock held by a context it runs on top of (IrqState.below) is held too. */
  private heldBelow(st: Uint8Array, cpu: number, lock: number): boolean {
    const below = this.p.irq.below(st, cpu);
    for (let t = 0; below >> t !== 0; t++) if (below & (1 << t) && this.locks.holds(st, t, lock)) return true;
    return false;
  }

  private binary(op: Extract<CExpr, { k: "bin" }>["op"], l: CExpr, r: CExpr, st: Uint8Array, cpu: number): number {
    if (op === "&&") return this.eval(l, st, cpu) && this.eval(r, st, cpu) ? 1 : 0;
    if (op === "||") return this.eval(l, st, cpu) || this.eval(r, st, cpu) ? 1 : 0;
    return applyOperator(op, this.eval(l, st, cpu), this.eval(r, st, cpu));
  }

  /**
   * Can `cpu` take a step? For a CPU blocked on others that hold what it
   * needs, `waitsFor` gets the bitmask of the CPUs it waits for (itself for
   * recursive locking).
   */
  status(st: Uint8Array, cpu: number, waitsFor: Int32Array): CpuStatus {
    const pc = this.pc(st, cpu);
    waitsFor[cpu] = 0;
    if (pc === PC_DONE || pc & PC_STOPPED_FLAG) return CpuStatus.Finished;
    const gates = this.gating[cpu]!;
    for (let i = 0; i < gates.length; i++) {
      const s = gates[i]!.gate!(st, cpu, waitsFor);
      if (s !== undefined) return s;
    }
    return this.sems[cpu]![pc]!.status(this, st, cpu, this.codes[cpu]![pc]!, waitsFor);
  }

  /** Is thread `cpu` kept from stepping by a part (an interrupted task), and on what, in words? */
  gatedOn(st: Uint8Array, cpu: number): string | undefined {
    const scratch = new Int32Array(this.cpuCount);
    for (const part of this.gating[cpu]!) if (part.gate!(st, cpu, scratch) !== undefined) return part.gateWords?.(st, cpu) ?? "another context";
    return undefined;
  }

  /** Number of distinct successors an enabled CPU has (either's branches). */
  choices(st: Uint8Array, cpu: number): number {
    const pc = this.pc(st, cpu);
    if (pc === PC_DONE || pc & PC_STOPPED_FLAG) return 1;
    return this.sems[cpu]![pc]!.choices(this.codes[cpu]![pc]!);
  }

  /**
   * Applies one step of `cpu` (which must be enabled) to `st` in place.
   * An error stops the CPU where it happened.
   */
  step(st: Uint8Array, cpu: number, choice: number): StepResult {
    const pc = this.pc(st, cpu);
    const next = this.sems[cpu]![pc]!.step(this, st, cpu, this.codes[cpu]![pc]!, choice);
    this.setPc(st, cpu, next < 0 ? pc | PC_STOPPED_FLAG : next);
    // After a step that may leave an atomic region, the thread at its new pc may be quiescent for RCU.
    if (this.quiescing?.[cpu]![pc]) this.p.srcus.quiesce(st, cpu);
    if (next < 0) return -next as StepResult;
    return next === this.endPc[cpu] ? this.threadEnd(st, cpu) : StepResult.Ok;
  }

  /** Thread `cpu`'s body has just ended: each part's bookkeeping, then what was left behind. */
  private threadEnd(st: Uint8Array, cpu: number): StepResult {
    let result = this.locks.holdsAny(st, cpu) ? StepResult.HeldAtExit : StepResult.Ok;
    for (const part of this.ending) {
      const r = part.threadEnd!(this, st, cpu);
      if (result === StepResult.Ok) result = r;
    }
    return result;
  }
}
