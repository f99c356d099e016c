// Variables (race-language.md §3, §4, §7): shared `var`s and locals, ints
// bounded to -128..127 and bools, one byte each; the assignment statement.

import type { CExpr, InstrBase, Model } from "../model";
import { CpuStatus, StepResult } from "../status";
import { byOwners, NO_WORDS, type InstrOf, type OpSemantics, type StatePart } from "./types";

export class VarState implements StatePart {
  readonly size: number;

  constructor(
    private readonly model: Model,
    readonly base: number,
  ) {
    this.size = model.vars.length;
  }

  init(st: Uint8Array): void {
    this.model.vars.forEach((v, i) => (st[this.base + i] = v.init & 0xff));
  }

  value(st: Uint8Array, v: number): number {
    return (st[this.base + v]! << 24) >> 24;
  }

  pack(field: (byte: number, bits: number) => void): void {
    for (let i = 0; i < this.model.vars.length; i++) field(this.base + i, 8);
  }

  derive(): void {}

  promelaDecls(): string[] {
    return [`short gv[${Math.max(1, this.model.vars.length)}];`];
  }

  promelaInit(): string[] {
    return this.model.vars.flatMap((v, i) => (v.init !== 0 ? [`gv[${i}] = ${v.init};`] : []));
  }

  promelaJump(): string {
    return "";
  }
}

/** `x = e`: an overflow out of -128..127 stops the CPU at the assignment. */
export const assignOp: OpSemantics<InstrOf<"assign">> = {
  unblockers: byOwners,
  successors: (ins) => [ins.next],
  choices: () => 1,
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const v = m.eval(ins.value, st, cpu);
    if (v < -128 || v > 127) return -StepResult.Overflow;
    st[m.vars.base + ins.target] = v & 0xff;
    return ins.next;
  },
  access(ins, a) {
    a.write(ins.target);
    a.expr(ins.value);
  },
  arrival: () => {},
  canStop: () => true, // overflow
  acquires: () => undefined,
  releases: () => undefined,
  words: (_ins, _m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: " → overflow" } : NO_WORDS),
  promela: (ins, p) => `atomic { t = ${p.expr(ins.value)}; if :: (t < -128 || t > 127) -> ${p.stop} :: else -> gv[${ins.target}] = t; t = 0; ${p.go(ins.next)} fi }`,
};

export type VarInstr = InstrBase & { readonly op: "assign"; readonly target: number; readonly value: CExpr; readonly next: number };
