// Schedules: a run written as the CPU that moves at each step and, where the
// statement is an `either`, the branch it takes. The simulator, trace files,
// the trace debugger and `race replay` all replay schedules through
// `Layout.step`, the explorer's own semantics.

import type { Span } from "../language/span";
import { CpuStatus, type Layout } from "./state";
import { encodeStep } from "./store";

export interface ScheduledStep {
  readonly cpu: number;
  readonly choice: number;
}

/** The steps as store.ts encodes them (what `buildTrace` replays). */
export function encodeSchedule(schedule: readonly ScheduledStep[]): number[] {
  return schedule.map((s) => encodeStep(s.cpu, s.choice));
}

/** Can `cpu` take `choice` in `st`? */
export function canTake(layout: Layout, st: Uint8Array, step: ScheduledStep): boolean {
  if (step.cpu < 0 || step.cpu >= layout.cpuCount) return false;
  if (layout.status(st, step.cpu, new Int32Array(layout.cpuCount)) !== CpuStatus.Enabled) return false;
  return step.choice >= 0 && step.choice < layout.choices(st, step.cpu);
}

/** The states along a schedule, initial state first; undefined if a step cannot be taken. */
export function statesOf(layout: Layout, schedule: readonly ScheduledStep[]): Uint8Array[] | undefined {
  const states = [layout.initial()];
  for (const s of schedule) {
    const st = states[states.length - 1]!.slice();
    if (!canTake(layout, st, s)) return undefined;
    layout.step(st, s.cpu, s.choice);
    states.push(st);
  }
  return states;
}

/**
 * The schedule of a reported trace, whose steps name their CPU and the
 * statement they ran but not which `either` branch they took: at an
 * `either`, the branch whose continuation replays the rest of the trace
 * statement by statement. Undefined if no branch does.
 */
export function scheduleOfTrace(layout: Layout, steps: readonly { readonly cpuIndex: number; readonly span: Span }[]): ScheduledStep[] | undefined {
  const code = layout.model.cpus;
  const out: ScheduledStep[] = [];
  const walk = (st: Uint8Array, i: number): boolean => {
    if (i === steps.length) return true;
    const { cpuIndex: cpu, span } = steps[i]!;
    const ins = cpu < layout.cpuCount ? layout.instrAt(st, cpu) : undefined;
    if (!ins || ins.span.start !== span.start || ins.span.end !== span.end) return false;
    const choices = layout.choices(st, cpu);
    for (let k = 0; k < choices; k++) {
      const step = { cpu, choice: k };
      if (!canTake(layout, st, step)) return false;
      const next = st.slice();
      layout.step(next, cpu, k);
      out.push(step);
      if (walk(next, i + 1)) return true;
      out.pop();
    }
    return false;
  };
  return code.length > 0 && walk(layout.initial(), 0) ? out : undefined;
}
