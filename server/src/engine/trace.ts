// Traces: the steps of a path the search found (explore.ts rebuilds it from
// the store's parent links, following merged chains again), replayed through
// the same step semantics the search used, with what each step did to locks
// and variables.

import type { LineIndex, LineRange, Span } from "../language/span";
import type { Frame } from "./model";
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
  /** Set when the step itself is the error (failed assert, bad unlock, overflow). */
  readonly error: "violation" | "bad-unlock" | "overflow" | undefined;
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
    const held: Record<string, string[]> = {};
    // A reader/writer lock says how it is held.
    const named = (l: number, i: number): string => (model.locks[l]!.kind === "rwsem" ? `${model.locks[l]!.name} (${layout.locks.owner(st, l) === i + 1 ? "write" : "read"})` : model.locks[l]!.name);
    model.cpus.forEach((c, i) => (held[c.name] = layout.locks.heldLocks(st, i).map((l) => named(l, i))));
    const error = result === StepResult.Violation ? "violation" : result === StepResult.BadUnlock ? "bad-unlock" : result === StepResult.Overflow ? "overflow" : undefined;
    const words = semantics(ins).words(ins, layout, before, st, cpu, choice, error !== undefined);
    const action = ins.text + words.outcome;
    const lock = words.lock !== undefined ? model.locks[words.lock]!.name : undefined;
    const { acquired, released } = words;
    steps.push({ cpu: model.cpus[cpu]!.name, cpuIndex: cpu, action, op: ins.op, lock, acquired, released, span: ins.span, stack: ins.stack, held, changed, error });
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
  readonly stack: readonly { readonly fn: string; readonly range: LineRange }[];
  readonly held: Readonly<Record<string, readonly string[]>>;
  readonly changed: Readonly<Record<string, number | boolean>>;
}

export function locateStep(s: TraceStep, lines: LineIndex): LocatedStep {
  return {
    cpu: s.cpu,
    action: s.action,
    range: lines.range(s.span),
    stack: s.stack.map((f) => ({ fn: f.fn, range: lines.range(f.call) })),
    held: s.held,
    changed: s.changed,
  };
}
