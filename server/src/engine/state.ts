// Unpacked states and the semantics of one step (race-language.md §6).
//
// A state is a Uint8Array: each CPU's pc (2 bytes, little endian; PC_DONE
// when finished, PC_STOPPED_FLAG|pc when stopped by an error at pc), then
// each primitive's part (primitives/: the locks' owners, depths and reader
// counts, the variables' values). What a statement does is its primitive's
// (primitives/index.ts); the explorer and the trace replay both go through
// `status` and `step` here, so they cannot disagree.

import { unreachable } from "../language/ast";
import { PC_DONE, PC_STOPPED_FLAG, type CExpr, type Instr, type Model } from "./model";
import { semantics } from "./primitives";
import { LockState } from "./primitives/locks";
import type { StatePart } from "./primitives/types";
import { VarState } from "./primitives/vars";
import { CpuStatus, StepResult } from "./status";

export { CpuStatus, StepResult };

export class Layout {
  readonly size: number;
  readonly cpuCount: number;
  readonly locks: LockState;
  readonly vars: VarState;
  /** Every primitive's part of the state, in the order they are laid out. */
  readonly parts: readonly StatePart[];
  private readonly codes: readonly (readonly Instr[])[];

  constructor(readonly model: Model) {
    const n = model.cpus.length;
    this.cpuCount = n;
    this.codes = model.cpus.map((c) => c.code);
    this.locks = new LockState(model, 2 * n);
    this.vars = new VarState(model, this.locks.base + this.locks.size);
    this.parts = [this.locks, this.vars];
    this.size = this.vars.base + this.vars.size;
  }

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
        return this.locks.holds(st, cpu, e.lock) ? 1 : 0;
      case "locked":
        return this.locks.isLocked(st, e.lock) ? 1 : 0;
      case "bin":
        return this.binary(e.op, e.l, e.r, st, cpu);
      default:
        return unreachable(e);
    }
  }

  private binary(op: Extract<CExpr, { k: "bin" }>["op"], l: CExpr, r: CExpr, st: Uint8Array, cpu: number): number {
    if (op === "&&") return this.eval(l, st, cpu) && this.eval(r, st, cpu) ? 1 : 0;
    if (op === "||") return this.eval(l, st, cpu) || this.eval(r, st, cpu) ? 1 : 0;
    const a = this.eval(l, st, cpu);
    const b = this.eval(r, st, cpu);
    switch (op) {
      case "==":
        return a === b ? 1 : 0;
      case "!=":
        return a !== b ? 1 : 0;
      case "<":
        return a < b ? 1 : 0;
      case "<=":
        return a <= b ? 1 : 0;
      case ">":
        return a > b ? 1 : 0;
      case ">=":
        return a >= b ? 1 : 0;
      case "+":
        return a + b;
      case "-":
        return a - b;
      default:
        return unreachable(op);
    }
  }

  /**
   * Can `cpu` take a step? For a CPU blocked on others that hold what it
   * needs, `waitsFor` gets the bitmask of the CPUs it waits for (itself for
   * recursive locking).
   */
  status(st: Uint8Array, cpu: number, waitsFor: Int32Array): CpuStatus {
    const ins = this.instrAt(st, cpu);
    waitsFor[cpu] = 0;
    if (!ins) return CpuStatus.Finished;
    return semantics(ins).status(this, st, cpu, ins, waitsFor);
  }

  /** Number of distinct successors an enabled CPU has (either's branches). */
  choices(st: Uint8Array, cpu: number): number {
    const ins = this.instrAt(st, cpu);
    return ins ? semantics(ins).choices(ins) : 1;
  }

  /**
   * Applies one step of `cpu` (which must be enabled) to `st` in place.
   * An error stops the CPU where it happened.
   */
  step(st: Uint8Array, cpu: number, choice: number): StepResult {
    const pc = this.pc(st, cpu);
    const ins = this.codes[cpu]![pc]!;
    const next = semantics(ins).step(this, st, cpu, ins, choice);
    if (next < 0) {
      this.setPc(st, cpu, pc | PC_STOPPED_FLAG);
      return -next as StepResult;
    }
    this.setPc(st, cpu, next);
    if (next === PC_DONE && this.locks.holdsAny(st, cpu)) return StepResult.HeldAtExit;
    return StepResult.Ok;
  }
}
