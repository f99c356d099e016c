// Problems the search sees in one state or one step: wait-for cycles
// (deadlocks, with the CPUs blocked behind them), states where nothing can
// move (hangs a search stopped early still confirms), and failed steps
// (violations, bad unlocks, overflows, locks held at exit).

import { PC_DONE } from "../model";
import { semantics } from "../primitives";
import type { Reduction } from "../reduce";
import { CpuStatus, StepResult, type Layout } from "../state";
import type { FoundProblem, ProblemKind, Site } from "./types";
import type { StateView } from "./view";
import { unreachable } from "../../language/ast";

export type Found = (p: FoundProblem) => void;

/** A CPU's site in state `st`, with the lock it is blocked on, if any. */
function siteOf(layout: Layout, st: Uint8Array, cpu: number): Site {
  const ins = layout.instrAt(st, cpu)!;
  return { cpu, pc: layout.pc(st, cpu), lock: semantics(ins).acquires(ins, layout.model)?.lock };
}

/** The misuses a step makes, by what the step returned. */
const MISUSE_OF = {
  [StepResult.SectionUnbalanced]: "section-unbalanced",
  [StepResult.QueueDestroyed]: "queue-destroyed",
  [StepResult.QueueDraining]: "queue-draining",
  [StepResult.KthreadRunTwice]: "kthread-run-twice",
  [StepResult.RemoveSelfOutside]: "remove-self-outside",
  [StepResult.IrqUnbalanced]: "irq-unbalanced",
} as const satisfies Partial<Record<StepResult, ProblemKind>>;

/**
 * The problem step `step` (store.ts encodes it) of `cpu` at `pc` showed,
 * taken in state `state` (its trace: the path to `state`, then the step),
 * by what it returned; `after`: the state it led to.
 */
export function reportStep(result: StepResult, layout: Layout, after: Uint8Array, cpu: number, pc: number, state: number, step: number, found: Found): void {
  const ins = layout.model.cpus[cpu]!.code[pc]!;
  const site: Site = { cpu, pc, lock: semantics(ins).releases(ins) };
  switch (result) {
    case StepResult.Violation:
      found({ kind: "violation", key: `violation:${cpu}@${pc}`, state, step, sites: [site], locks: [] });
      break;
    case StepResult.BadUnlock:
      found({ kind: "bad-unlock", key: `bad-unlock:${cpu}@${pc}`, state, step, sites: [site], locks: [] });
      break;
    case StepResult.Overflow:
      found({ kind: "overflow", key: `overflow:${cpu}@${pc}`, state, step, sites: [site], locks: [] });
      break;
    case StepResult.HeldAtExit: {
      const locks = layout.locks.heldLocks(after, cpu);
      found({ kind: "lock-held-at-exit", key: `held-at-exit:${cpu}:${locks.join(",")}`, state, step, sites: [{ cpu, pc: PC_DONE, lock: undefined }], locks });
      break;
    }
    case StepResult.SectionOpenAtExit:
      found({ kind: "section-open-at-exit", key: `section-open-at-exit:${cpu}`, state, step, sites: [{ cpu, pc: PC_DONE, lock: undefined }], locks: [] });
      break;
    case StepResult.IrqStateAtExit:
      found({ kind: "irq-state-at-exit", key: `irq-state-at-exit:${cpu}`, state, step, sites: [{ cpu, pc: PC_DONE, lock: undefined }], locks: [] });
      break;
    case StepResult.IrqUnbalanced:
    case StepResult.SectionUnbalanced:
    case StepResult.QueueDestroyed:
    case StepResult.QueueDraining:
    case StepResult.KthreadRunTwice:
    case StepResult.RemoveSelfOutside: {
      const kind = MISUSE_OF[result];
      found({ kind, key: `${kind}:${cpu}@${pc}`, state, step, sites: [site], locks: [] });
      break;
    }
    case StepResult.Ok:
      break;
    default:
      unreachable(result);
  }
}

/** A state where nothing can move and no cycle explains it: the blocked CPUs hang. */
export function deadEndHang(layout: Layout, st: Uint8Array, state: number, view: StateView, found: Found): void {
  const sites: Site[] = [];
  for (let c = 0; c < layout.cpuCount; c++) {
    if (view.status[c] === CpuStatus.BlockedOnLock || view.status[c] === CpuStatus.BlockedOnWait) sites.push(siteOf(layout, st, c));
  }
  found({ kind: "hang", key: "hang:" + sites.map((s) => `${s.cpu}@${s.pc}`).join(","), state, sites, locks: [] });
}

const waitsAny = new WeakMap<Layout, readonly Uint8Array[] | null>();

/** Per thread and pc: 1 where a blocked thread waits for any one of several (OpSemantics.waitsForAny); null if nowhere (most models). */
function waitsAnyAt(layout: Layout): readonly Uint8Array[] | null {
  let at = waitsAny.get(layout);
  if (at === undefined) {
    const table = layout.model.cpus.map((c) => Uint8Array.from(c.code, (ins) => (semantics(ins).waitsForAny ? 1 : 0)));
    at = table.some((t) => t.includes(1)) ? table : null;
    waitsAny.set(layout, at);
  }
  return at;
}

/**
 * The CPUs each blocked CPU waits for, directly or not (into `reach`), among
 * those that can never move again by their waits alone, if the blocked
 * ones contain a cycle at all; else false. `any`: the CPUs that wait for
 * any one of their `waitsFor` rather than for each (OpSemantics.waitsForAny).
 */
function waitClosure(n: number, status: Int32Array, waitsFor: Int32Array, any: number, reach: Int32Array): boolean {
  // Peel CPUs whose waits lead out of the blocked set (to a CPU that can
  // move; for one that waits for any of several, one such is enough): what
  // is left, if anything, contains a cycle. Usually nothing is.
  let candidates = 0;
  for (let c = 0; c < n; c++) if (status[c] === CpuStatus.BlockedOnLock) candidates |= 1 << c;
  for (let changed = true; changed && candidates !== 0; ) {
    changed = false;
    for (let c = 0; c < n; c++) {
      if (!(candidates & (1 << c))) continue;
      const out = any & (1 << c) ? (waitsFor[c]! & ~candidates) !== 0 : (waitsFor[c]! & candidates) === 0;
      if (out) {
        candidates &= ~(1 << c);
        changed = true;
      }
    }
  }
  if (candidates === 0) return false;
  // Waits among those left only: a cycle through one that waits for any of several, one of which can move, is none.
  for (let c = 0; c < n; c++) reach[c] = candidates & (1 << c) ? waitsFor[c]! & candidates : 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (let c = 0; c < n; c++) {
      let r = reach[c]!;
      let add = 0;
      for (let d = 0; d < n; d++) if (r & (1 << d)) add |= reach[d]!;
      r |= add;
      if (r !== reach[c]) {
        reach[c] = r;
        changed = true;
      }
    }
  }
  return true;
}

/**
 * Wait-for cycles among CPUs blocked on others: each strongly connected
 * group (a CPU waiting for itself included) is one deadlock. Returns the
 * CPUs in a cycle or blocked behind one (waiting, directly or not, for a
 * CPU of a cycle): 0 if this state has no cycle.
 */
export function findDeadlocks(layout: Layout, st: Uint8Array, stateId: number, status: Int32Array, waitsFor: Int32Array, reach: Int32Array, found: Found): number {
  const n = layout.cpuCount;
  let any = 0;
  const anyAt = waitsAnyAt(layout);
  if (anyAt) for (let c = 0; c < n; c++) if (status[c] === CpuStatus.BlockedOnLock && anyAt[c]![layout.pc(st, c)] === 1) any |= 1 << c;
  if (!waitClosure(n, status, waitsFor, any, reach)) return 0;
  let done = 0;
  for (let c = 0; c < n; c++) {
    if (!(reach[c]! & (1 << c)) || done & (1 << c)) continue;
    const sites: Site[] = [];
    for (let d = 0; d < n; d++) {
      if (d === c || (reach[c]! & (1 << d) && reach[d]! & (1 << c))) {
        done |= 1 << d;
        sites.push(siteOf(layout, st, d));
      }
    }
    found({ kind: "deadlock", key: "deadlock:" + sites.map((s) => `${s.cpu}@${s.pc}:${s.lock}`).join(","), state: stateId, sites, locks: [] });
  }
  // `done` is the CPUs of the cycles; the blocked CPUs that reach one are behind them.
  let dead = done;
  for (let c = 0; c < n; c++) if (reach[c]! & done) dead |= 1 << c;
  return dead;
}

/**
 * `dead` (the CPUs in or behind a wait-for cycle) with the CPUs blocked on
 * a `wait until` that only those CPUs could make pass: they too wait for
 * the deadlock (§8 precedence), through shared state rather than a lock.
 */
export function behindWaits(st: Uint8Array, dead: number, status: Int32Array, releasers: Reduction): number {
  for (let changed = true; changed; ) {
    changed = false;
    for (let c = 0; c < releasers.cpuCount; c++) {
      if (status[c] !== CpuStatus.BlockedOnWait || dead & (1 << c)) continue;
      const r = releasers.releasers(st, c);
      if (r !== 0 && (r & ~dead) === 0) {
        dead |= 1 << c;
        changed = true;
      }
    }
  }
  return dead;
}
