// Traces: the steps of a path the search found (explore.ts rebuilds it from
// the store's parent links, following merged chains again), replayed through
// the same step semantics the search used, with what each step did to locks
// and variables.

import type { Locator } from "../language/sources";
import type { LineRange, Span } from "../language/span";
import { unreachable } from "../language/ast";
import { isReaderWriter, lockClassNames, type Frame } from "./model";
import type { ProblemKind } from "./search/types";
import { semantics } from "./primitives";
import { type Layout, StepResult } from "./state";
import { stepChoice, stepCpu } from "./store";

export interface TraceStep {
  readonly cpu: string;
  readonly cpuIndex: number;
  /** `lock rescan_remove`, `if bound[pf] → true`, `either → "kzalloc fails"`, `either → branch 2 of 2 (line 14)`. */
  readonly action: string;
  readonly op: string;
  /** The lock the step acquired or released, if any. */
  readonly lock: string | undefined;
  readonly acquired: boolean;
  readonly released: boolean;
  readonly span: Span;
  readonly stack: readonly Frame[];
  /** Each CPU's held locks after the step. */
  readonly held: Readonly<Record<string, readonly string[]>>;
  /** Variables the step changed, with their new values. */
  readonly changed: Readonly<Record<string, number | boolean>>;
  /** Set when the step itself is the error (failed assert, bad unlock, overflow, a misuse that stops its thread). */
  readonly error: StepError | undefined;
  /** An interrupt handler's step (§10): the CPU it runs on, on top of that CPU's task. */
  readonly on?: string;
}

/** The problems a step is itself: each stops its thread where it happened. */
export type StepError = Exclude<ProblemKind, "deadlock" | "hang" | "lock-held-at-exit" | "section-open-at-exit" | "irq-state-at-exit">;

/** What a step that returned `result` was, if it was itself an error. */
export function stepError(result: StepResult): StepError | undefined {
  switch (result) {
    case StepResult.Violation:
      return "violation";
    case StepResult.BadUnlock:
      return "bad-unlock";
    case StepResult.Overflow:
      return "overflow";
    case StepResult.SectionUnbalanced:
      return "section-unbalanced";
    case StepResult.QueueDestroyed:
      return "queue-destroyed";
    case StepResult.QueueDraining:
      return "queue-draining";
    case StepResult.KthreadRunTwice:
      return "kthread-run-twice";
    case StepResult.RemoveSelfOutside:
      return "remove-self-outside";
    case StepResult.IrqUnbalanced:
      return "irq-unbalanced";
    case StepResult.Ok:
    case StepResult.HeldAtExit:
    case StepResult.SectionOpenAtExit:
    case StepResult.IrqStateAtExit:
      return undefined;
    default:
      return unreachable(result);
  }
}

/**
 * Each thread's held lock classes in `st`, named: the locks (an rwsem
 * says how it is held) in class order, then the pseudo-locks lockdep would
 * list (a running work item's `(wq_completion)` and `(work_completion)`,
 * a sysfs block's `kn->active`, an open SRCU section).
 */
export function heldNames(layout: Layout, st: Uint8Array): Record<string, string[]> {
  const model = layout.model;
  const held: Record<string, string[]> = {};
  const named = (l: number, i: number): string => (isReaderWriter(model.locks[l]!.kind) ? `${model.locks[l]!.name} (${layout.locks.owner(st, l) === i + 1 ? "write" : "read"})` : model.locks[l]!.name);
  model.cpus.forEach((c, i) => (held[c.name] = layout.locks.heldLocks(st, i).map((l) => named(l, i))));
  for (const part of layout.parts) part.held?.(st, (t, l) => held[model.cpus[t]!.name]!.push(model.pseudoLocks[l - model.locks.length]!.name));
  return held;
}

/** The trace of `path` (steps as store.ts encodes them) from the initial state. */
export function buildTrace(layout: Layout, path: readonly number[]): TraceStep[] {
  const model = layout.model;
  const st = layout.initial();
  const steps: TraceStep[] = [];
  for (const via of path) {
    const cpu = stepCpu(via);
    const choice = stepChoice(via);
    const pc = layout.pc(st, cpu);
    const ins = model.cpus[cpu]!.code[pc]!;
    const before = st.slice();
    const result = layout.step(st, cpu, choice);
    const changed: Record<string, number | boolean> = {};
    model.vars.forEach((v, i) => {
      const now = layout.vars.value(st, i);
      if (now !== layout.vars.value(before, i)) changed[v.name] = v.type === "bool" ? now !== 0 : now;
    });
    const held = heldNames(layout, st);
    const error = stepError(result);
    const words = semantics(ins).words(ins, layout, before, st, cpu, choice, error !== undefined);
    const action = ins.text + words.outcome;
    const lock = words.lock !== undefined ? lockClassNames(model)[words.lock] : undefined;
    const { acquired, released } = words;
    const handler = model.handlers.find((h) => h.thread === cpu);
    const on = handler ? { on: model.cpus[handler.cpu]!.name } : {};
    steps.push({ cpu: model.cpus[cpu]!.name, cpuIndex: cpu, action, op: ins.op, lock, acquired, released, span: ins.span, stack: ins.stack, held, changed, error, ...on });
  }
  return steps;
}


/** Where `cpu` last took `lock` in a trace (for "held since" notes). */
export function lastAcquire(trace: readonly TraceStep[], cpu: string, lock: string): TraceStep | undefined {
  for (let i = trace.length - 1; i >= 0; i--) {
    const s = trace[i]!;
    if (s.cpu === cpu && s.lock === lock && s.acquired) return s;
  }
  return undefined;
}

/** A step as tools outside the engine show it: spans as line ranges. */
export interface LocatedStep {
  readonly cpu: string;
  readonly action: string;
  readonly range: LineRange;
  /** The file the step's code is in, when it is not the scenario itself (an imported file: race-language.md §11). */
  readonly file?: string;
  readonly stack: readonly { readonly fn: string; readonly range: LineRange; readonly file?: string }[];
  readonly held: Readonly<Record<string, readonly string[]>>;
  readonly changed: Readonly<Record<string, number | boolean>>;
}

export function locateStep(s: TraceStep, lines: Locator): LocatedStep {
  const inFile = (at: Span): { file?: string } => {
    const file = lines.file?.(at);
    return file === undefined ? {} : { file };
  };
  return {
    cpu: s.cpu,
    action: s.action,
    range: lines.range(s.span),
    ...inFile(s.span),
    stack: s.stack.map((f) => ({ fn: f.fn, range: lines.range(f.call), ...inFile(f.call) })),
    held: s.held,
    changed: s.changed,
  };
}
