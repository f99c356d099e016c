// Control flow and conditions (race-language.md §4, §6): `if`/`while`
// (one step: the condition's evaluation), `either` (one step: the choice),
// `wait until` (one step, taken when the condition holds), `assert` (a
// failed one stops its CPU: a violation).

import type { CExpr, InstrBase } from "../model";
import { CpuStatus, StepResult } from "../status";
import { byOwners, NO_WORDS, type InstrOf, type OpSemantics } from "./types";

const nothing = {
  arrival: () => {},
  acquires: () => undefined,
  releases: () => undefined,
} as const;

export const branchOp: OpSemantics<InstrOf<"branch">> = {
  ...nothing,
  unblockers: byOwners,
  successors: (ins) => [ins.next, ins.alt],
  choices: () => 1,
  status: () => CpuStatus.Enabled,
  step: (m, st, cpu, ins) => (m.eval(ins.cond, st, cpu) ? ins.next : ins.alt),
  access: (ins, a) => a.expr(ins.cond),
  canStop: () => false,
  words: (ins, m, _before, after, cpu) => ({ ...NO_WORDS, outcome: m.pc(after, cpu) === ins.next && ins.next !== ins.alt ? " → true" : " → false" }),
  promela: (ins, p) => `atomic { if :: ${p.expr(ins.cond)} -> ${p.go(ins.next)} :: else -> ${p.go(ins.alt)} fi }`,
};

export const eitherOp: OpSemantics<InstrOf<"either">> = {
  ...nothing,
  unblockers: byOwners,
  successors: (ins) => ins.choices,
  choices: (ins) => ins.choices.length,
  status: () => CpuStatus.Enabled,
  step: (_m, _st, _cpu, ins, choice) => ins.choices[choice]!,
  access: () => {},
  canStop: () => false,
  words: (ins, _m, _b, _a, _c, choice) => ({ ...NO_WORDS, outcome: ` → ${ins.branchNames[choice] ?? `branch ${choice + 1} of ${ins.choices.length}`}` }),
  promela: (ins, p) => `atomic { if ${ins.choices.map((c) => `:: ${p.go(c)}`).join(" ")} fi }`,
};

export const waitOp: OpSemantics<InstrOf<"wait">> = {
  ...nothing,
  unblockers: byOwners,
  successors: (ins) => [ins.next],
  choices: () => 1,
  status: (m, st, cpu, ins) => (m.eval(ins.cond, st, cpu) ? CpuStatus.Enabled : CpuStatus.BlockedOnWait),
  step: (_m, _st, _cpu, ins) => ins.next,
  access: (ins, a) => a.expr(ins.cond),
  canStop: () => false,
  words: () => NO_WORDS,
  promela: (ins, p) => `atomic { ${p.expr(ins.cond)} -> ${p.go(ins.next)} }`,
};

export const assertOp: OpSemantics<InstrOf<"assert">> = {
  ...nothing,
  unblockers: byOwners,
  successors: (ins) => [ins.next],
  choices: () => 1,
  status: () => CpuStatus.Enabled,
  step: (m, st, cpu, ins) => (m.eval(ins.cond, st, cpu) ? ins.next : -StepResult.Violation),
  access: (ins, a) => a.expr(ins.cond),
  canStop: () => true, // a failed assert
  words: (_ins, _m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: " → FAILED" } : NO_WORDS),
  promela: (ins, p) => `atomic { if :: ${p.expr(ins.cond)} -> ${p.go(ins.next)} :: else -> assert(false); ${p.stop} fi }`,
};

export type FlowInstr =
  | (InstrBase & { readonly op: "assert"; readonly cond: CExpr; readonly message: string | undefined; readonly next: number })
  | (InstrBase & { readonly op: "wait"; readonly cond: CExpr; readonly next: number })
  | (InstrBase & { readonly op: "branch"; readonly cond: CExpr; readonly next: number; readonly alt: number })
  | (InstrBase & {
      readonly op: "either";
      readonly choices: readonly number[];
      /** Each branch's label as written (`or "kzalloc fails" { … }`), if any. */
      readonly labels: readonly (string | undefined)[];
      /** How a trace names each branch: `"kzalloc fails"`, or `branch 2 of 2 (line 14)`. */
      readonly branchNames: readonly string[];
    });
