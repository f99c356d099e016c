// Guided simulation: the user drives the scenario by hand, one step at a
// time, from its initial state. Offers every enabled step of every CPU
// (each `either` branch separately), steps back, jumps to the end of a
// reported finding's trace, and warns when a step leads into a state where
// a problem shows, or from which one can no longer be avoided (naming the
// checker's finding). An interrupt handler that can fire is offered as
// `<Interrupt> H on CPU0`; while it runs, its CPU shows as interrupted
// (§10). Built on `Layout.status/choices/step` and the full
// state graph (engine/fullGraph.ts), so it follows whatever steps the
// engine has. No protocol here: lsp/ exposes it as race/simulate/* requests.

import { lockClassNames, PC_DONE, PC_STOPPED_FLAG, type Instr, type Model } from "../engine/model";
import { semantics } from "../engine/primitives";
import type { ObjectState } from "../engine/primitives/types";
import type { FoundProblem } from "../engine/explore";
import type { Problem } from "../engine/report";
import { canTake, encodeSchedule, scheduleOfTrace, type ScheduledStep } from "../engine/schedule";
import { CpuStatus, Layout } from "../engine/state";
import { DEFAULT_GRAPH_STATES, problemsIn, FullGraph, stepProblems } from "../engine/fullGraph";
import { buildTrace, type TraceStep } from "../engine/trace";
import type { LineRange, Span } from "../language/span";

/**
 * Ranges in the scenario's text: a LineIndex, or relocate.ts's
 * ScenarioLines, which puts a statement of an imported file at the
 * scenario's call on the way there (its `stack`).
 */
export interface ScenarioRanges {
  range(s: Span, stack?: readonly { readonly call: Span }[]): LineRange;
  /** For a span in a file the scenario imports: where it is there (`linux/pci:74:3`); undefined in the scenario. */
  imported?(s: Span): string | undefined;
}
import { traceFileOf, type TraceFile } from "../traceFile";

/**
 * What a thread can do: `idle` has nothing to do until another starts it (a
 * work item not pending, a kthread not run, an interrupt handler that cannot
 * fire here); `interrupted` is under an interrupt handler, which runs to its
 * end before it goes on (§10).
 */
export type CpuState = "ready" | "blocked" | "waiting" | "finished" | "stopped" | "idle" | "interrupted";

export interface HeldLockView {
  readonly lock: string;
  readonly mode: "exclusive" | "shared";
  /** Times taken: recursive locks and rwsem readers count. */
  readonly depth: number;
  /** One of lockdep's pseudo-locks (a running work item's `(work_completion)`, a sysfs block's `kn->active`, an SRCU section), held as lockdep sees it. */
  readonly pseudo?: true;
}

export interface CpuView {
  readonly index: number;
  readonly name: string;
  readonly label: string | undefined;
  readonly state: CpuState;
  /** The statement it runs next (or is blocked on, or failed at). */
  readonly statement: { readonly text: string; readonly range: LineRange } | undefined;
  /** Calls it is inside, outermost first: each function and the call that entered it. */
  readonly stack: readonly { readonly fn: string; readonly range: LineRange }[];
  readonly holds: readonly HeldLockView[];
  /** For a blocked CPU: the lock, or the condition, it waits for; for an interrupted one, the handler on top of it. */
  readonly waitsFor: string | undefined;
  /** An interrupt handler (§10): the CPU it runs on, and its kind. */
  readonly on?: string;
  readonly context?: "hardirq" | "softirq";
}

export interface StateView {
  readonly cpus: readonly CpuView[];
  readonly locks: readonly { readonly name: string; readonly kind: string; readonly holders: readonly (HeldLockView & { readonly cpu: string })[] }[];
  /** Shared variables and locals; a local has the CPU it belongs to (its name then starts `CPU.` or `CPU:`). */
  readonly vars: readonly { readonly name: string; readonly type: "int" | "bool"; readonly value: number | boolean; readonly owner?: string }[];
  /** The §9–§10 state: each work item, workqueue, kthread, completion, kernfs node and SRCU domain, and each context's interrupt state, in words. */
  readonly objects: readonly ObjectState[];
}

/** The CPU a variable is local to, from its instance name (`B.got`, `B:f#2.got`; model.ts), or undefined if shared. */
export function ownerOf(model: Model, name: string): string | undefined {
  return model.cpus.find((c) => name.startsWith(`${c.name}.`) || name.startsWith(`${c.name}:`))?.name;
}

/** Each CPU's position, held locks and what it waits for; every lock and variable. */
export function describeState(layout: Layout, st: Uint8Array, lines: ScenarioRanges): StateView {
  const model = layout.model;
  const waits = new Int32Array(layout.cpuCount);
  const classNames = lockClassNames(model);
  // Lockdep's pseudo-locks each thread holds, after its real locks.
  const pseudo: HeldLockView[][] = model.cpus.map(() => []);
  for (const part of layout.parts) part.held?.(st, (t, l, read) => pseudo[t]!.push({ lock: classNames[l]!, mode: read ? "shared" : "exclusive", depth: 1, pseudo: true }));
  // What a thread blocked at `ins` waits for: the lock class it acquires (a real lock or a pseudo-lock), else the primitive's words (`ctl to exit`).
  const blockedOn = (ins: Instr): string | undefined => {
    const sem = semantics(ins);
    const acquires = sem.acquires(ins, model);
    return acquires ? classNames[acquires.lock] : sem.waitsOn?.(ins, model);
  };
  const holdsOf = (c: number): HeldLockView[] => [
    ...layout.locks.heldLocks(st, c).map((l): HeldLockView => {
      const readers = layout.locks.readers(st, l, c);
      return readers > 0 ? { lock: model.locks[l]!.name, mode: "shared", depth: readers } : { lock: model.locks[l]!.name, mode: "exclusive", depth: st[layout.locks.base + 2 * l + 1]! };
    }),
    ...pseudo[c]!,
  ];
  const cpus = model.cpus.map((cpu, c): CpuView => {
    const pc = layout.pc(st, c);
    const stopped = pc !== PC_DONE && (pc & PC_STOPPED_FLAG) !== 0;
    const ins = pc === PC_DONE ? undefined : cpu.code[pc & ~PC_STOPPED_FLAG];
    const status = layout.status(st, c, waits);
    // Under an interrupt handler: it waits for the handler to return, whatever its own statement would do.
    const under = status === CpuStatus.Finished ? -1 : layout.p.irq.interruptedBy(st, c);
    const state: CpuState = stopped
      ? "stopped"
      : status === CpuStatus.Finished
        ? "finished"
        : under >= 0
          ? "interrupted"
          : status === CpuStatus.BlockedOnLock
            ? "blocked"
            : status === CpuStatus.BlockedOnWait
              ? "waiting"
              : status === CpuStatus.Idle
                ? "idle"
                : "ready";
    const waitsFor = state === "interrupted" ? model.cpus[under]!.name : state === "blocked" && ins ? blockedOn(ins) : state === "waiting" && ins ? ins.text.replace(/^wait until /, "") : undefined;
    const handler = model.handlers.find((h) => h.thread === c);
    return {
      ...(handler ? { on: model.cpus[handler.cpu]!.name, context: handler.kind === "irq" ? ("hardirq" as const) : ("softirq" as const) } : {}),
      index: c,
      name: cpu.name,
      label: cpu.label,
      state,
      statement: ins ? { text: ins.text, range: lines.range(ins.span, ins.stack) } : undefined,
      stack: (ins?.stack ?? []).map((f, i) => ({ fn: f.fn, range: lines.range(f.call, ins!.stack.slice(0, i)) })),
      holds: holdsOf(c),
      waitsFor,
    };
  });
  const locks = [...model.locks.map((l) => ({ name: l.name, kind: l.kind as string })), ...model.pseudoLocks.map((p) => ({ name: p.name, kind: "pseudo-lock" }))].map((l) => ({
    ...l,
    holders: cpus.flatMap((c) => c.holds.filter((h) => h.lock === l.name).map((h) => ({ ...h, cpu: c.name }))),
  }));
  const objects: ObjectState[] = [];
  for (const part of layout.parts) part.describe?.(layout, st, (o) => objects.push(o));
  const vars = model.vars.map((v, i) => {
    const raw = layout.vars.value(st, i);
    const owner = ownerOf(model, v.name);
    return { name: v.name, type: v.type, value: v.type === "bool" ? raw !== 0 : raw, ...(owner ? { owner } : {}) };
  });
  return { cpus, locks, vars, objects };
}

export interface SimOption {
  readonly cpu: number;
  readonly cpuName: string;
  readonly choice: number;
  /** `lock device_lock[pf]`, `either → branch 2 of 2: lock A`. */
  readonly label: string;
  readonly range: LineRange;
  /** A statement of an imported file: where it is there (`range` is the scenario's call on the way). */
  readonly at?: string;
  /** Set when this step runs into a problem, or into a state from which one cannot be avoided. */
  readonly warning: string | undefined;
  /** The checker's findings the warning is about (indices into its findings). */
  readonly findings: readonly number[];
}

export interface SimView extends StateView {
  readonly title: string | undefined;
  readonly steps: number;
  readonly history: readonly { readonly cpu: string; readonly action: string; readonly range: LineRange; readonly at?: string }[];
  readonly options: readonly SimOption[];
  /** Problems that show in this state (or in the step that led here). */
  readonly problems: readonly { readonly text: string; readonly finding: number | undefined }[];
  /** What can still happen from here, in a sentence. */
  readonly outlook: string;
  readonly findings: readonly { readonly index: number; readonly kind: string; readonly message: string; readonly steps: number }[];
}

export class SimulationError extends Error {}

export class Simulation {
  private readonly graph: FullGraph;
  private readonly run: Run;

  constructor(
    private readonly text: string,
    readonly model: Model,
    private readonly lines: ScenarioRanges,
    private readonly findings: readonly Problem[],
    maxGraphStates = DEFAULT_GRAPH_STATES,
  ) {
    this.run = new Run(model);
    this.graph = new FullGraph(this.run.layout, maxGraphStates);
  }

  get schedule(): readonly ScheduledStep[] {
    return this.run.schedule;
  }

  private get layout(): Layout {
    return this.run.layout;
  }

  private get current(): Uint8Array {
    return this.run.current;
  }

  take(cpu: number, choice: number): void {
    if (!this.run.take(cpu, choice)) throw new SimulationError(`${this.model.cpus[cpu]?.name ?? `CPU #${cpu}`} cannot take that step here`);
  }

  back(): boolean {
    return this.run.back();
  }

  reset(): void {
    while (this.back());
  }

  /** Replays finding `index`'s trace from the initial state; false if there is none. */
  jumpToFinding(index: number): boolean {
    const p = this.findings[index];
    if (!p) return false;
    const schedule = scheduleOfTrace(this.layout, p.trace);
    if (!schedule) return false;
    this.reset();
    for (const s of schedule) this.take(s.cpu, s.choice);
    return true;
  }

  traceFile(file?: string): TraceFile {
    return traceFileOf(this.text, this.model, this.schedule, file ? { file } : {});
  }

  view(): SimView {
    const { layout, lines, model } = this;
    const st = this.current;
    const base = describeState(layout, st, lines);
    const id = this.graph.idOf(st);
    const options: SimOption[] = [];
    for (const cpu of base.cpus) {
      if (cpu.state !== "ready") continue;
      const ins = layout.instrAt(st, cpu.index)!;
      const choices = layout.choices(st, cpu.index);
      for (let k = 0; k < choices; k++) {
        let label = ins.text;
        // An interrupt handler that can fire here: it interrupts its CPU.
        if (ins.op === "start_irq") label = `${ins.text} on ${cpu.on}`;
        if (ins.op === "either") {
          const first = ins.choices[k]! === PC_DONE ? "(empty)" : model.cpus[cpu.index]!.code[ins.choices[k]!]!.text;
          label = `either → ${ins.branchNames[k] ?? `branch ${k + 1} of ${choices}`}: ${first}`;
        }
        const next = st.slice();
        const now = [...stepProblems(layout, next, cpu.index, k), ...problemsIn(layout, next)].filter((p) => !this.showingKeys().has(p.key));
        let warning: string | undefined;
        let findings: number[] = [];
        if (now.length > 0) {
          findings = now.map((p) => this.findingOf(p)).filter((f): f is number => f !== undefined);
          warning = `leads into ${now.map((p) => this.describe(p)).join("; ")}`;
        } else {
          const target = this.graph.idOf(next);
          const before = new Set(this.graph.stuck(this.graph.idOf(st) ?? -1) ?? []);
          const stuck = target === undefined ? [] : (this.graph.stuck(target) ?? []).filter((c) => !before.has(c));
          if (stuck.length > 0) {
            findings = [...new Set(stuck.map((c) => this.stuckFinding(c)).filter((f): f is number => f !== undefined))];
            warning = `leads into a state where ${this.stuckText(stuck)}`;
          } else if (target !== undefined && this.graph.unavoidable(target)) {
            const ahead = (this.graph.reachable(target) ?? []).map((i) => this.graph.problems[i]!);
            findings = ahead.map((p) => this.findingOf(p)).filter((f): f is number => f !== undefined);
            warning = `leads into a state from which a problem can no longer be avoided: ${ahead.map((p) => this.describe(p)).join("; ")}`;
          }
        }
        const at = lines.imported?.(ins.span);
        options.push({ cpu: cpu.index, cpuName: cpu.name, choice: k, label, range: lines.range(ins.span, ins.stack), ...(at ? { at } : {}), warning, findings });
      }
    }
    const trace = buildTrace(layout, encodeSchedule(this.schedule));
    const showing = this.run.problems();
    return {
      ...base,
      title: model.title,
      steps: this.schedule.length,
      history: trace.map((t) => {
        const at = lines.imported?.(t.span);
        return { cpu: t.cpu, action: t.action, range: lines.range(t.span, t.stack), ...(at ? { at } : {}) };
      }),
      options,
      problems: showing.map((p) => ({ text: this.describe(p), finding: this.findingOf(p) })),
      outlook: this.outlook(id),
      findings: this.findings.map((p, index) => ({ index, kind: p.kind, message: p.message, steps: p.trace.length })),
    };
  }

  private showingKeys(): Set<string> {
    return new Set(this.run.problems().map((p) => p.key));
  }

  private outlook(id: number | undefined): string {
    const reach = id === undefined ? undefined : this.graph.reachable(id);
    if (reach === undefined) return `Not known what can still happen from here: the state graph has more than ${DEFAULT_GRAPH_STATES.toLocaleString("en-US")} states.`;
    const showing = this.showingKeys();
    const shownCpus = new Set(this.run.problems().flatMap((p) => p.sites.map((s) => s.cpu)));
    const stuck = (this.graph.stuck(id!) ?? []).filter((c) => !shownCpus.has(c));
    const ahead = reach.map((i) => this.graph.problems[i]!).filter((p) => !showing.has(p.key));
    if (stuck.length > 0) return `From here ${this.stuckText(stuck)}.`;
    if (ahead.length === 0) return "From here no interleaving runs into a further problem.";
    const list = ahead.map((p) => this.describe(p)).join("; ");
    return this.graph.unavoidable(id!) ? `From here a problem can no longer be avoided: ${list}.` : `From here some interleavings still run into: ${list}.`;
  }

  /** `CPU1 can never finish (finding 2: Hang: …)`: §8's stuck CPUs, with the finding that reports each. */
  private stuckText(cpus: readonly number[]): string {
    const names = cpus.map((c) => this.model.cpus[c]!.name);
    const findings = [...new Set(cpus.map((c) => this.stuckFinding(c)).filter((f): f is number => f !== undefined))];
    const which = findings.map((f) => `finding ${f + 1}: ${this.findings[f]!.message}`).join("; ");
    return `${names.join(" and ")} can never finish${which ? ` (${which})` : ""}`;
  }

  /** The checker's finding that reports `cpu` stuck: a hang or deadlock naming it. */
  private stuckFinding(cpu: number): number | undefined {
    const name = this.model.cpus[cpu]!.name;
    const i = this.findings.findIndex((f) => (f.kind === "hang" || f.kind === "deadlock") && f.cpus.includes(name));
    return i < 0 ? undefined : i;
  }

  /** The index of the checker's finding that is this problem (same kind, same CPUs at the same statements). */
  private findingOf(p: FoundProblem): number | undefined {
    const cpus = this.model.cpus;
    const i = this.findings.findIndex(
      (f) =>
        f.kind === p.kind &&
        f.sites.length === p.sites.length &&
        p.sites.every((s) => f.sites.some((fs) => fs.cpu === cpus[s.cpu]!.name && (s.pc === PC_DONE || fs.span.start === cpus[s.cpu]!.code[s.pc]!.span.start))),
    );
    return i < 0 ? undefined : i;
  }

  private describe(p: FoundProblem): string {
    const f = this.findingOf(p);
    return f !== undefined ? `finding ${f + 1}: ${this.findings[f]!.message}` : problemText(this.model, p);
  }
}

/** A problem the checker did not name (or was not asked about), in a few words. */
export function problemText(model: Model, p: FoundProblem): string {
  const cpus = model.cpus;
  const at = p.sites.map((s) => (s.pc === PC_DONE ? `${cpus[s.cpu]!.name} at its end` : `${cpus[s.cpu]!.name} at '${cpus[s.cpu]!.code[s.pc]!.text}'`)).join(", ");
  return `${p.kind} (${at})`;
}

/**
 * A run: the states after each step taken so far, and what each step showed
 * (a failed step, a lock held at exit). The simulator takes and undoes steps;
 * the debugger replays a whole schedule (`Replayed`).
 */
export class Run {
  readonly layout: Layout;
  readonly states: Uint8Array[];
  readonly schedule: ScheduledStep[] = [];
  private readonly shows: FoundProblem[][] = [];

  constructor(readonly model: Model) {
    this.layout = new Layout(model);
    this.states = [this.layout.initial()];
  }

  get current(): Uint8Array {
    return this.states[this.states.length - 1]!;
  }

  /** Takes a step if `cpu` can take `choice` here; false otherwise. */
  take(cpu: number, choice: number): boolean {
    if (!canTake(this.layout, this.current, { cpu, choice })) return false;
    const next = this.current.slice();
    this.shows.push(stepProblems(this.layout, next, cpu, choice));
    this.states.push(next);
    this.schedule.push({ cpu, choice });
    return true;
  }

  back(): boolean {
    if (this.schedule.length === 0) return false;
    this.states.pop();
    this.shows.pop();
    this.schedule.pop();
    return true;
  }

  /** Problems showing after `steps` steps (default: all taken). */
  problems(steps = this.schedule.length): FoundProblem[] {
    return [...this.shows.slice(0, steps).flat(), ...problemsIn(this.layout, this.states[steps]!)];
  }
}

/** A whole schedule replayed, with its trace as the trace view words it. */
export class Replayed extends Run {
  readonly trace: readonly TraceStep[];

  constructor(model: Model, schedule: readonly ScheduledStep[]) {
    super(model);
    for (const s of schedule) if (!this.take(s.cpu, s.choice)) throw new Error(`step ${this.schedule.length + 1} of the schedule cannot be taken`);
    this.trace = buildTrace(this.layout, encodeSchedule(schedule));
  }
}
