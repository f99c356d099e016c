// Completions (race-language.md §9): `completion C` / `completion C[o, …]`;
// wait_for_completion (one step, taken when it passes, like `wait until`),
// complete, complete_all, reinit_completion, and
// `if try_wait_for_completion C`. Each completion keeps its count (`done`,
// 0..255; one more complete is an overflow) and whether complete_all has
// released every waiter until the next reinit_completion.
//
// Mainline lockdep does not see completions at all: a wait no thread can
// complete any more is a hang (§8), reported with the complete statements
// that could have ended it.

import type { InstrBase, Model } from "../model";
import { CpuStatus, StepResult } from "../status";
import type { Layout } from "../state";
import { byOwners, NO_WORDS, type InstrOf, type ObjectState, type OpSemantics, type StatePart } from "./types";

export type CompletionInstr =
  | (InstrBase & { readonly op: "wait_for_completion" | "complete" | "complete_all" | "reinit_completion"; readonly completion: number; readonly next: number })
  /** next: it took one; alt: none was there. */
  | (InstrBase & { readonly op: "try_wait_for_completion"; readonly completion: number; readonly next: number; readonly alt: number });

/** Two bytes per completion: its count, and the complete_all flag. */
export class CompletionState implements StatePart {
  readonly size: number;
  readonly resources: number;

  constructor(
    private readonly model: Model,
    readonly base: number,
    private readonly resBase: number,
  ) {
    this.size = 2 * model.completions.length;
    this.resources = model.completions.length;
  }

  init(): void {}

  count(st: Uint8Array, c: number): number {
    return st[this.base + 2 * c]!;
  }

  all(st: Uint8Array, c: number): boolean {
    return st[this.base + 2 * c + 1]! !== 0;
  }

  /** Would wait_for_completion C pass now? */
  ready(st: Uint8Array, c: number): boolean {
    return this.all(st, c) || this.count(st, c) > 0;
  }

  /** Takes one (unless complete_all released every waiter). */
  take(st: Uint8Array, c: number): void {
    if (!this.all(st, c)) st[this.base + 2 * c] = this.count(st, c) - 1;
  }

  res(c: number): number {
    return this.resBase + c;
  }

  /** Each completion: its count (`done`), or done for all waiters after complete_all. */
  describe(_m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void {
    this.model.completions.forEach((c, i) =>
      add({ kind: "completion", name: c.name, state: this.all(st, i) ? "done for every waiter (complete_all)" : `done = ${this.count(st, i)}${this.count(st, i) === 0 ? " (a wait blocks)" : ""}` }),
    );
  }

  pack(field: (byte: number, bits: number) => void): void {
    const completes = new Set<number>();
    const alls = new Set<number>();
    for (const c of this.model.cpus) {
      for (const ins of c.code) {
        if (ins.op === "complete") completes.add(ins.completion);
        if (ins.op === "complete_all") alls.add(ins.completion);
      }
    }
    for (let c = 0; c < this.model.completions.length; c++) {
      // A count that is never raised stays 0; nor is the flag ever set without complete_all.
      if (completes.has(c)) field(this.base + 2 * c, 8);
      if (alls.has(c)) field(this.base + 2 * c + 1, 1);
    }
  }

  derive(): void {}

  promelaDecls(): string[] {
    const n = this.model.completions.length;
    return n > 0 ? [`byte cp_done[${n}];`, `bit cp_all[${n}];`] : [];
  }

  promelaInit(): string[] {
    return [];
  }

  promelaJump(): string {
    return "";
  }
}

const completions = (m: Layout): CompletionState => m.p.completions;

const plain = {
  unblockers: byOwners,
  choices: () => 1,
  arrival: () => {},
  acquires: () => undefined,
  releases: () => undefined,
  access: (ins: { readonly completion: number }, a: { resource(id: number, write: boolean): void }, m: Layout) => a.resource(completions(m).res(ins.completion), true),
} as const;

const one = (ins: { readonly next: number }): readonly number[] => [ins.next];

/** Every `complete C` and `complete_all C` of the model. */
function completers(model: Model, c: number): { thread: number; pc: number }[] {
  const out: { thread: number; pc: number }[] = [];
  model.cpus.forEach((t, thread) => t.code.forEach((ins, pc) => (ins.op === "complete" || ins.op === "complete_all") && ins.completion === c && out.push({ thread, pc })));
  return out;
}

/** `wait_for_completion C`: blocks until C's count is positive (or complete_all), then takes one. */
export const waitForCompletionOp: OpSemantics<InstrOf<"wait_for_completion">> = {
  sleeps: () => true,
  ...plain,
  waitsOn: (ins, model) => `completion ${model.completions[ins.completion]!.name}`,
  releasers: (ins, model) => completers(model, ins.completion),
  successors: one,
  status: (m, st, _cpu, ins) => (completions(m).ready(st, ins.completion) ? CpuStatus.Enabled : CpuStatus.BlockedOnWait),
  // Only the case where it passes is a step that reads the count: only that one is seen alike reduced and full.
  observe: (ins, m, st) => (completions(m).ready(st, ins.completion) ? 1 : 0),
  seen(ins, model, _thread, bits, reached) {
    const releasers = completers(model, ins.completion).map(({ thread, pc }) => {
      const i = model.cpus[thread]!.code[pc]!;
      return { thread: model.cpus[thread]!.name, action: i.text, span: i.span, stack: i.stack, reached: reached(thread, pc) };
    });
    const found = bits & 1 ? ["completed in some states: passes at once there"] : ["never completed when called: waits for a complete"];
    return { on: `completion ${model.completions[ins.completion]!.name}`, found, threads: [...new Set(releasers.map((r) => r.thread))], releasers };
  },
  step(m, st, _cpu, ins) {
    completions(m).take(st, ins.completion);
    return ins.next;
  },
  canStop: () => false,
  words: () => NO_WORDS,
  promela: (ins, p) => {
    const c = ins.completion;
    return `atomic { (cp_all[${c}] != 0 || cp_done[${c}] > 0) -> if :: cp_all[${c}] == 0 -> cp_done[${c}]-- :: else -> skip fi; ${p.go(ins.next)} }`;
  },
};

/** `complete C`: one more waiter may pass (255 pending completions are the most: one more is an overflow). */
export const completeOp: OpSemantics<InstrOf<"complete">> = {
  ...plain,
  successors: one,
  status: () => CpuStatus.Enabled,
  step(m, st, _cpu, ins) {
    const k = completions(m);
    if (k.all(st, ins.completion)) return ins.next;
    if (k.count(st, ins.completion) === 255) return -StepResult.Overflow;
    st[k.base + 2 * ins.completion] = k.count(st, ins.completion) + 1;
    return ins.next;
  },
  canStop: () => true,
  words: (_ins, _m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: " → overflow" } : NO_WORDS),
  promela: (ins, p) => {
    const c = ins.completion;
    return `atomic { if :: cp_all[${c}] != 0 -> ${p.go(ins.next)} :: cp_all[${c}] == 0 && cp_done[${c}] == 255 -> ${p.stop} :: cp_all[${c}] == 0 && cp_done[${c}] < 255 -> cp_done[${c}]++; ${p.go(ins.next)} fi }`;
  },
};

/** Sets C's count to 0 and its complete_all flag to `all`: complete_all (1) and reinit_completion (0). */
function setCompletion(all: 0 | 1): OpSemantics<InstrOf<"complete_all" | "reinit_completion">> {
  return {
    ...plain,
    successors: one,
    status: () => CpuStatus.Enabled,
    step(m, st, _cpu, ins) {
      const k = completions(m);
      st[k.base + 2 * ins.completion] = 0;
      st[k.base + 2 * ins.completion + 1] = all;
      return ins.next;
    },
    canStop: () => false,
    words: () => NO_WORDS,
    promela: (ins, p) => `atomic { cp_done[${ins.completion}] = 0; cp_all[${ins.completion}] = ${all}; ${p.go(ins.next)} }`,
  };
}

/** `complete_all C`: releases every present and future waiter until reinit_completion. */
export const completeAllOp: OpSemantics<InstrOf<"complete_all">> = setCompletion(1);

/** `reinit_completion C`: count 0, complete_all forgotten. */
export const reinitCompletionOp: OpSemantics<InstrOf<"reinit_completion">> = setCompletion(0);

/** `if try_wait_for_completion C`: takes one if wait_for_completion would pass, never waits. */
export const tryWaitForCompletionOp: OpSemantics<InstrOf<"try_wait_for_completion">> = {
  ...plain,
  successors: (ins) => [ins.next, ins.alt],
  status: () => CpuStatus.Enabled,
  step(m, st, _cpu, ins) {
    const k = completions(m);
    if (!k.ready(st, ins.completion)) return ins.alt;
    k.take(st, ins.completion);
    return ins.next;
  },
  canStop: () => false,
  words: (ins, m, before) => ({ ...NO_WORDS, outcome: completions(m).ready(before, ins.completion) ? " → true" : " → false" }),
  promela: (ins, p) => {
    const c = ins.completion;
    return `atomic { if :: (cp_all[${c}] != 0 || cp_done[${c}] > 0) -> if :: cp_all[${c}] == 0 -> cp_done[${c}]-- :: else -> skip fi; ${p.go(ins.next)} :: else -> ${p.go(ins.alt)} fi }`;
  },
};
