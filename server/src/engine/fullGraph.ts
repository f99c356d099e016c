// The whole state graph of a scenario, unreduced, for guided simulation and
// for placing a hand-made schedule among the engine's findings. The user may
// take any step, so every interleaving's states are kept (the reduced graph
// the explorer stores skips most of them). Problems are found exactly as the
// explorer finds them (its `reportStep` and `findDeadlocks`, same keys), and
// for each state the graph knows which problems can still happen from it,
// whether one can no longer be avoided, and which CPUs can never finish
// (§8's stuck CPUs: partial hangs and livelocks too). Bounded: past
// `maxStates` the graph is incomplete and every "can still happen" answer
// is "not known".

import { findDeadlocks, reportStep, type FoundProblem } from "./explore";
import { PC_DONE, PC_STOPPED_FLAG } from "./model";
import { semantics } from "./primitives";
import { CpuStatus, StepResult, type Layout } from "./state";
import { encodeStep } from "./store";

export interface GraphEdge {
  readonly cpu: number;
  readonly choice: number;
  readonly target: number;
  /** Indices into `problems` of what this step itself shows (a failed step, a lock held at exit). */
  readonly shows: readonly number[];
}

// The graph is built on the language server's thread when a simulation
// starts: 20,000 states take about a quarter of a second (philosophers, 2
// cores). Past that, what can still happen is "not known".
export const DEFAULT_GRAPH_STATES = 20_000;

export class FullGraph {
  /** Every distinct problem of the graph; the indices below point here. */
  readonly problems: FoundProblem[] = [];
  readonly complete: boolean;
  private readonly ids = new Map<string, number>();
  private readonly states: Uint8Array[] = [];
  private readonly edgesOf: GraphEdge[][] = [];
  /** Problems that show in the state itself (deadlock cycles, hangs). */
  private readonly here: number[][] = [];
  private readonly keys = new Map<string, number>();
  private words = 1;
  private reach = new Uint32Array(0);
  private doomed = new Uint8Array(0);
  /** Per state and CPU: 1 if some continuation lets the CPU finish (or it has, or it stopped on an error). */
  private finishable = new Uint8Array(0);

  constructor(
    readonly layout: Layout,
    maxStates = DEFAULT_GRAPH_STATES,
  ) {
    this.complete = this.build(maxStates);
    this.settle();
  }

  get size(): number {
    return this.states.length;
  }

  idOf(st: Uint8Array): number | undefined {
    return this.ids.get(keyOf(st));
  }

  edges(id: number): readonly GraphEdge[] {
    return this.edgesOf[id] ?? [];
  }

  /** Problems showing in state `id` (not counting the step that led there). */
  showing(id: number): readonly number[] {
    return this.here[id] ?? [];
  }

  /** Problems some continuation from `id` runs into (its own included); undefined when not known. */
  reachable(id: number): number[] | undefined {
    if (!this.complete) return undefined;
    const out: number[] = [];
    for (let p = 0; p < this.problems.length; p++) if (this.reach[id * this.words + (p >>> 5)]! & (1 << (p & 31))) out.push(p);
    return out;
  }

  /** Does every continuation from `id` run into a problem? Undefined when not known. */
  unavoidable(id: number): boolean | undefined {
    return this.complete ? this.doomed[id] === 1 : undefined;
  }

  /**
   * The CPUs stuck in `id` (race-language.md §8): unfinished, and no
   * continuation lets them finish. A CPU stopped by an error is not
   * counted (its error is the problem). Undefined when not known.
   */
  stuck(id: number): number[] | undefined {
    if (!this.complete) return undefined;
    const out: number[] = [];
    for (let c = 0; c < this.layout.cpuCount; c++) if (!this.finishable[id * this.layout.cpuCount + c]) out.push(c);
    return out;
  }

  private intern(p: FoundProblem): number {
    let i = this.keys.get(p.key);
    if (i === undefined) {
      i = this.problems.length;
      this.keys.set(p.key, i);
      this.problems.push(p);
    }
    return i;
  }

  private add(st: Uint8Array): number {
    const key = keyOf(st);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.states.length;
      this.ids.set(key, id);
      this.states.push(st);
    }
    return id;
  }

  /** Breadth first from the initial state; false if the budget stopped it. */
  private build(maxStates: number): boolean {
    const { layout } = this;
    const n = layout.cpuCount;
    const status = new Int32Array(n);
    const waitsFor = new Int32Array(n);
    const reach = new Int32Array(n);
    this.add(layout.initial());
    for (let id = 0; id < this.states.length; id++) {
      if (this.states.length > maxStates) return false;
      const st = this.states[id]!;
      this.here[id] = problemsIn(layout, st, status, waitsFor, reach).map((p) => this.intern(p));
      const edges: GraphEdge[] = [];
      for (let c = 0; c < n; c++) {
        if (status[c] !== CpuStatus.Enabled) continue;
        for (let k = 0; k < layout.choices(st, c); k++) {
          const next = st.slice();
          const shows = stepProblems(layout, next, c, k).map((p) => this.intern(p));
          edges.push({ cpu: c, choice: k, target: this.add(next), shows });
        }
      }
      this.edgesOf[id] = edges;
    }
    return true;
  }

  /**
   * Per state: the problems reachable from it, and whether every maximal
   * path from it runs into one (least fixpoint: a loop that never fails
   * does not count as failing).
   */
  private settle(): void {
    if (!this.complete) return;
    const count = this.states.length;
    const w = (this.words = Math.max(1, Math.ceil(this.problems.length / 32)));
    const reach = (this.reach = new Uint32Array(count * w));
    const doomed = (this.doomed = new Uint8Array(count));
    const set = (id: number, p: number): void => void (reach[id * w + (p >>> 5)]! |= 1 << (p & 31));
    for (let id = 0; id < count; id++) {
      for (const p of this.here[id]!) set(id, p);
      for (const e of this.edgesOf[id]!) for (const p of e.shows) set(id, p);
      if (this.here[id]!.length > 0) doomed[id] = 1;
    }
    // Which CPUs can still finish: backwards from the states where they have.
    const n = this.layout.cpuCount;
    const fin = (this.finishable = new Uint8Array(count * n));
    const preds: number[][] = Array.from({ length: count }, () => []);
    for (let id = 0; id < count; id++) for (const e of this.edgesOf[id]!) preds[e.target]!.push(id);
    const scratch = new Int32Array(n);
    for (let c = 0; c < n; c++) {
      const queue: number[] = [];
      for (let id = 0; id < count; id++) {
        const pc = this.layout.pc(this.states[id]!, c);
        // Finished, stopped, or with nothing to do (an idle work item, a kthread not yet run).
        if (pc === PC_DONE || pc & PC_STOPPED_FLAG || this.layout.status(this.states[id]!, c, scratch) === CpuStatus.Idle) {
          fin[id * n + c] = 1;
          queue.push(id);
        }
      }
      while (queue.length > 0) {
        const id = queue.pop()!;
        for (const p of preds[id]!) {
          if (!fin[p * n + c]) {
            fin[p * n + c] = 1;
            queue.push(p);
          }
        }
      }
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (let id = count - 1; id >= 0; id--) {
        const edges = this.edgesOf[id]!;
        for (const e of edges) {
          for (let k = 0; k < w; k++) {
            const merged = reach[id * w + k]! | reach[e.target * w + k]!;
            if (merged !== reach[id * w + k]) {
              reach[id * w + k] = merged;
              changed = true;
            }
          }
        }
        if (!doomed[id] && edges.length > 0 && edges.every((e) => e.shows.length > 0 || doomed[e.target] === 1)) {
          doomed[id] = 1;
          changed = true;
        }
      }
    }
  }
}

/**
 * The problems showing in `st` itself, as the explorer finds them: wait-for
 * cycles, and a hang where nothing can move but something is unfinished.
 * Leaves each CPU's status in `status` (and `waitsFor`) for the caller.
 */
export function problemsIn(layout: Layout, st: Uint8Array, status = new Int32Array(layout.cpuCount), waitsFor = new Int32Array(layout.cpuCount), reach = new Int32Array(layout.cpuCount)): FoundProblem[] {
  const n = layout.cpuCount;
  let enabled = 0;
  let blocked = 0;
  let blockedOnLock = 0;
  for (let c = 0; c < n; c++) {
    const s = layout.status(st, c, waitsFor);
    status[c] = s;
    if (s === CpuStatus.Enabled) enabled++;
    else if (s === CpuStatus.BlockedOnLock) {
      blocked++;
      blockedOnLock++;
    }
    else if (s === CpuStatus.BlockedOnWait) blocked++;
  }
  const out: FoundProblem[] = [];
  const cycle = blockedOnLock > 0 && findDeadlocks(layout, st, -1, status, waitsFor, reach, (p) => out.push(p));
  if (enabled === 0 && blocked > 0 && !cycle) {
    const sites = [];
    for (let c = 0; c < n; c++) {
      if (status[c] !== CpuStatus.BlockedOnLock && status[c] !== CpuStatus.BlockedOnWait) continue;
      const ins = layout.instrAt(st, c)!;
      sites.push({ cpu: c, pc: layout.pc(st, c), lock: semantics(ins).acquires(ins, layout.model)?.lock });
    }
    out.push({ kind: "hang", key: "hang:" + sites.map((s) => `${s.cpu}@${s.pc}`).join(","), state: -1, sites, locks: [] });
  }
  return out;
}

/** Takes one step of `cpu` in `st` (in place) and returns what the step itself shows: a failed step, a lock held at exit. */
export function stepProblems(layout: Layout, st: Uint8Array, cpu: number, choice: number): FoundProblem[] {
  const pc = layout.pc(st, cpu);
  const result = layout.step(st, cpu, choice);
  const out: FoundProblem[] = [];
  if (result !== StepResult.Ok) reportStep(result, layout, st, cpu, pc, -1, encodeStep(cpu, choice), (p) => out.push(p));
  return out;
}

function keyOf(st: Uint8Array): string {
  return Buffer.from(st.buffer, st.byteOffset, st.byteLength).toString("latin1");
}
