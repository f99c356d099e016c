// Packed states and the semantics of one step (race-language.md §6).
//
// A state is a Uint8Array: each CPU's pc (2 bytes, little endian; PC_DONE
// when finished, PC_STOPPED_FLAG|pc when stopped by an error at pc), each
// lock's owner (CPU+1, 0 = free) and depth, each rwsem's per-CPU reader
// counts, and each variable's value as an int8. The explorer and the trace
// replay both go through `status` and `step` here, so they cannot disagree.

import { unreachable } from "../language/ast";
import { PC_DONE, PC_STOPPED_FLAG, type CExpr, type Instr, type Model } from "./model";

export const enum CpuStatus {
  Finished = 0,
  Enabled = 1,
  BlockedOnLock = 2,
  BlockedOnWait = 3,
}

export const enum StepResult {
  Ok = 0,
  Violation = 1,
  BadUnlock = 2,
  Overflow = 3,
  /** The CPU finished its block while holding locks. */
  HeldAtExit = 4,
}

export class Layout {
  readonly size: number;
  readonly cpuCount: number;
  readonly lockBase: number;
  readonly varBase: number;
  /** Per lock: offset of its reader counts, or -1 if it is not an rwsem. */
  readonly readerBase: Int32Array;
  readonly isRecursive: Uint8Array;
  readonly isRwsem: Uint8Array;
  private readonly codes: readonly (readonly Instr[])[];

  constructor(readonly model: Model) {
    const n = model.cpus.length;
    this.cpuCount = n;
    this.codes = model.cpus.map((c) => c.code);
    this.lockBase = 2 * n;
    let off = this.lockBase + 2 * model.locks.length;
    this.readerBase = new Int32Array(model.locks.length).fill(-1);
    this.isRecursive = new Uint8Array(model.locks.length);
    this.isRwsem = new Uint8Array(model.locks.length);
    model.locks.forEach((l, i) => {
      if (l.kind === "rwsem") {
        this.readerBase[i] = off;
        this.isRwsem[i] = 1;
        off += n;
      }
      if (l.kind === "recursive mutex") this.isRecursive[i] = 1;
    });
    this.varBase = off;
    this.size = off + model.vars.length;
  }

  initial(): Uint8Array {
    const st = new Uint8Array(this.size);
    this.model.cpus.forEach((c, i) => this.setPc(st, i, c.entry));
    this.model.vars.forEach((v, i) => (st[this.varBase + i] = v.init & 0xff));
    return st;
  }

  pc(st: Uint8Array, cpu: number): number {
    return st[2 * cpu]! | (st[2 * cpu + 1]! << 8);
  }

  setPc(st: Uint8Array, cpu: number, pc: number): void {
    st[2 * cpu] = pc & 0xff;
    st[2 * cpu + 1] = pc >> 8;
  }

  owner(st: Uint8Array, lock: number): number {
    return st[this.lockBase + 2 * lock]!;
  }

  readers(st: Uint8Array, lock: number, cpu: number): number {
    const base = this.readerBase[lock]!;
    return base < 0 ? 0 : st[base + cpu]!;
  }

  anyReader(st: Uint8Array, lock: number): boolean {
    const base = this.readerBase[lock]!;
    if (base < 0) return false;
    for (let c = 0; c < this.cpuCount; c++) if (st[base + c]! > 0) return true;
    return false;
  }

  holds(st: Uint8Array, cpu: number, lock: number): boolean {
    return this.owner(st, lock) === cpu + 1 || this.readers(st, lock, cpu) > 0;
  }

  isLocked(st: Uint8Array, lock: number): boolean {
    return this.owner(st, lock) !== 0 || this.anyReader(st, lock);
  }

  value(st: Uint8Array, v: number): number {
    return (st[this.varBase + v]! << 24) >> 24;
  }

  instrAt(st: Uint8Array, cpu: number): Instr | undefined {
    const pc = this.pc(st, cpu);
    if (pc === PC_DONE || pc & PC_STOPPED_FLAG) return undefined;
    return this.codes[cpu]![pc];
  }

  /** Is some other CPU queued to write-lock this (held) rwsem? Fair rwsems let it go first. */
  writerWaiting(st: Uint8Array, lock: number, except: number): boolean {
    if (!this.isLocked(st, lock)) return false;
    for (let c = 0; c < this.cpuCount; c++) {
      if (c === except) continue;
      const ins = this.instrAt(st, c);
      if (ins && ins.op === "lock" && ins.lock === lock) return true;
    }
    return false;
  }

  eval(e: CExpr, st: Uint8Array, cpu: number): number {
    switch (e.k) {
      case "const":
        return e.v;
      case "var":
        return this.value(st, e.id);
      case "not":
        return this.eval(e.e, st, cpu) ? 0 : 1;
      case "neg":
        return -this.eval(e.e, st, cpu);
      case "held":
        return this.holds(st, cpu, e.lock) ? 1 : 0;
      case "locked":
        return this.isLocked(st, e.lock) ? 1 : 0;
      case "bin": {
        if (e.op === "&&") return this.eval(e.l, st, cpu) && this.eval(e.r, st, cpu) ? 1 : 0;
        if (e.op === "||") return this.eval(e.l, st, cpu) || this.eval(e.r, st, cpu) ? 1 : 0;
        const l = this.eval(e.l, st, cpu);
        const r = this.eval(e.r, st, cpu);
        switch (e.op) {
          case "==":
            return l === r ? 1 : 0;
          case "!=":
            return l !== r ? 1 : 0;
          case "<":
            return l < r ? 1 : 0;
          case "<=":
            return l <= r ? 1 : 0;
          case ">":
            return l > r ? 1 : 0;
          case ">=":
            return l >= r ? 1 : 0;
          case "+":
            return l + r;
          case "-":
            return l - r;
        }
      }
    }
  }

  /**
   * Can `cpu` take a step? For a CPU blocked on a lock, `waitsFor` gets the
   * bitmask of CPUs it waits for (itself for recursive locking).
   */
  status(st: Uint8Array, cpu: number, waitsFor: Int32Array): CpuStatus {
    const ins = this.instrAt(st, cpu);
    waitsFor[cpu] = 0;
    if (!ins) return CpuStatus.Finished;
    switch (ins.op) {
      case "lock": {
        const l = ins.lock;
        const owner = this.owner(st, l);
        if (owner === 0 && !this.anyReader(st, l)) return CpuStatus.Enabled;
        if (owner === cpu + 1 && this.isRecursive[l]) return CpuStatus.Enabled;
        let mask = owner !== 0 ? 1 << (owner - 1) : 0;
        const rb = this.readerBase[l]!;
        if (rb >= 0) for (let c = 0; c < this.cpuCount; c++) if (st[rb + c]! > 0) mask |= 1 << c;
        waitsFor[cpu] = mask;
        return CpuStatus.BlockedOnLock;
      }
      case "rlock": {
        const l = ins.lock;
        const owner = this.owner(st, l);
        if (owner !== 0) {
          waitsFor[cpu] = 1 << (owner - 1);
          return CpuStatus.BlockedOnLock;
        }
        let mask = 0;
        if (this.anyReader(st, l)) {
          for (let c = 0; c < this.cpuCount; c++) {
            if (c === cpu) continue;
            const other = this.instrAt(st, c);
            if (other && other.op === "lock" && other.lock === l) mask |= 1 << c;
          }
        }
        if (mask !== 0) {
          waitsFor[cpu] = mask;
          return CpuStatus.BlockedOnLock;
        }
        return CpuStatus.Enabled;
      }
      case "wait":
        return this.eval(ins.cond, st, cpu) ? CpuStatus.Enabled : CpuStatus.BlockedOnWait;
      case "unlock":
      case "runlock":
      case "trylock":
      case "rtrylock":
      case "assign":
      case "assert":
      case "branch":
      case "either":
        return CpuStatus.Enabled;
      default:
        return unreachable(ins);
    }
  }

  /** Number of distinct successors an enabled CPU has (either's branches). */
  choices(st: Uint8Array, cpu: number): number {
    const ins = this.instrAt(st, cpu);
    return ins && ins.op === "either" ? ins.choices.length : 1;
  }

  /**
   * Applies one step of `cpu` (which must be enabled) to `st` in place.
   * An error stops the CPU where it happened.
   */
  step(st: Uint8Array, cpu: number, choice: number): StepResult {
    const pc = this.pc(st, cpu);
    const ins = this.codes[cpu]![pc]!;
    let next: number;
    switch (ins.op) {
      case "lock": {
        const at = this.lockBase + 2 * ins.lock;
        if (st[at + 1] === 255) return this.stop(st, cpu, pc, StepResult.Overflow);
        st[at] = cpu + 1;
        st[at + 1] = st[at + 1]! + 1;
        next = ins.next;
        break;
      }
      case "rlock": {
        const at = this.readerBase[ins.lock]! + cpu;
        if (st[at] === 255) return this.stop(st, cpu, pc, StepResult.Overflow);
        st[at] = st[at]! + 1;
        next = ins.next;
        break;
      }
      case "unlock": {
        const at = this.lockBase + 2 * ins.lock;
        if (st[at] !== cpu + 1) return this.stop(st, cpu, pc, StepResult.BadUnlock);
        const depth = st[at + 1]! - 1;
        st[at + 1] = depth;
        if (depth === 0) st[at] = 0;
        next = ins.next;
        break;
      }
      case "runlock": {
        const base = this.readerBase[ins.lock]!;
        if (base < 0 || st[base + cpu] === 0) return this.stop(st, cpu, pc, StepResult.BadUnlock);
        st[base + cpu] = st[base + cpu]! - 1;
        next = ins.next;
        break;
      }
      case "trylock": {
        const l = ins.lock;
        const at = this.lockBase + 2 * l;
        const owner = st[at]!;
        const free = owner === 0 && !this.anyReader(st, l);
        if (free || (owner === cpu + 1 && this.isRecursive[l])) {
          st[at] = cpu + 1;
          st[at + 1] = st[at + 1]! + 1;
          next = ins.next;
        } else next = ins.alt;
        break;
      }
      case "rtrylock": {
        // Exactly when `rlock` would be enabled: no writer holds it, none is queued.
        const l = ins.lock;
        if (this.owner(st, l) === 0 && !this.writerWaiting(st, l, cpu)) {
          const at = this.readerBase[l]! + cpu;
          if (st[at] === 255) return this.stop(st, cpu, pc, StepResult.Overflow);
          st[at] = st[at]! + 1;
          next = ins.next;
        } else next = ins.alt;
        break;
      }
      case "assign": {
        const v = this.eval(ins.value, st, cpu);
        if (v < -128 || v > 127) return this.stop(st, cpu, pc, StepResult.Overflow);
        st[this.varBase + ins.target] = v & 0xff;
        next = ins.next;
        break;
      }
      case "assert":
        if (!this.eval(ins.cond, st, cpu)) return this.stop(st, cpu, pc, StepResult.Violation);
        next = ins.next;
        break;
      case "wait":
        next = ins.next;
        break;
      case "branch":
        next = this.eval(ins.cond, st, cpu) ? ins.next : ins.alt;
        break;
      case "either":
        next = ins.choices[choice]!;
        break;
      default:
        return unreachable(ins);
    }
    this.setPc(st, cpu, next);
    if (next === PC_DONE && this.holdsAny(st, cpu)) return StepResult.HeldAtExit;
    return StepResult.Ok;
  }

  private stop(st: Uint8Array, cpu: number, pc: number, result: StepResult): StepResult {
    this.setPc(st, cpu, pc | PC_STOPPED_FLAG);
    return result;
  }

  holdsAny(st: Uint8Array, cpu: number): boolean {
    for (let l = 0; l < this.model.locks.length; l++) if (this.holds(st, cpu, l)) return true;
    return false;
  }

  heldLocks(st: Uint8Array, cpu: number): number[] {
    const out: number[] = [];
    for (let l = 0; l < this.model.locks.length; l++) if (this.holds(st, cpu, l)) out.push(l);
    return out;
  }
}
