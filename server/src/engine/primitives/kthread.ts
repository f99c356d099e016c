// Kthreads (race-language.md §9): `kthread T "label" { … }`, the statements
// kthread_run and kthread_stop, and kthread_should_stop() (an expression,
// CExpr "shouldStop", evaluated in state.ts).
//
// A kthread's thread stands at its pc 0 (`start T`) until kthread_run sets
// its `started` flag; its start is then a step of its own. kthread_stop
// sets its `stop` flag and waits (two steps, waits.ts) until the thread has
// exited; a kthread stopped before its `start T` step (never run, or run
// but not yet scheduled: kernel/kthread.c kthread() tests the stop flag
// before calling threadfn) exits there without running its body. One byte
// per kthread: started (bit 0), stop (bit 1).

import { PC_DONE, PC_STOPPED_FLAG, type InstrBase, type Model } from "../model";
import { CpuStatus, StepResult } from "../status";
import type { Layout } from "../state";
import { byOwners, NO_WORDS, type AccessSink, type InstrOf, type ObjectState, type OpSemantics, type StatePart } from "./types";

/** What kthread_stop finds at its call (OpSemantics.observe's bits). */
const enum Found {
  NotRun = 1,
  Running = 2,
  Exited = 4,
}

export type KthreadInstr =
  /** pc 0 of a kthread's thread: it starts (next), or exits unstarted once stopped. */
  | (InstrBase & { readonly op: "start_kthread"; readonly kthread: number; readonly next: number })
  | (InstrBase & { readonly op: "kthread_run" | "kthread_stop"; readonly kthread: number; readonly next: number });

const STARTED = 1;
const STOP = 2;

export class KthreadState implements StatePart {
  readonly size: number;
  readonly resources: number;
  /** Per thread: the kthread it runs, or -1. */
  readonly kthreadOfThread: Int32Array;

  constructor(
    private readonly model: Model,
    readonly base: number,
    private readonly resBase: number,
  ) {
    this.size = model.kthreads.length;
    this.resources = model.kthreads.length;
    this.kthreadOfThread = new Int32Array(model.cpus.length).fill(-1);
    model.kthreads.forEach((k, i) => (this.kthreadOfThread[k.thread] = i));
  }

  init(): void {}

  started(st: Uint8Array, k: number): boolean {
    return (st[this.base + k]! & STARTED) !== 0;
  }

  stopping(st: Uint8Array, k: number): boolean {
    return (st[this.base + k]! & STOP) !== 0;
  }

  /** The reduction's resource for kthread k: its flags, and its having exited. */
  res(k: number): number {
    return this.resBase + k;
  }

  threadOf(k: number): number {
    return this.model.kthreads[k]!.thread;
  }

  /** Has kthread k's thread exited (or stopped at an error)? */
  exited(m: Layout, st: Uint8Array, k: number): boolean {
    const pc = m.pc(st, this.threadOf(k));
    return pc === PC_DONE || (pc & PC_STOPPED_FLAG) !== 0;
  }

  endAccess(thread: number, a: AccessSink): void {
    const k = this.kthreadOfThread[thread]!;
    if (k >= 0) a.resource(this.res(k), true);
  }

  /** A kthread stopped at an error has exited too (`exited`): kthread_stop finds it so. */
  stopAccess(thread: number, a: AccessSink): void {
    this.endAccess(thread, a);
  }

  /** Each kthread: not started, running, asked to stop, exited. */
  describe(m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void {
    this.model.kthreads.forEach((k, i) => {
      const started = this.started(st, i);
      const stop = this.stopping(st, i);
      const pc = m.pc(st, k.thread);
      const state =
        pc !== PC_DONE && (pc & PC_STOPPED_FLAG) !== 0
          ? "stopped at an error"
          : pc === PC_DONE
            ? started
              ? stop
                ? "exited (after kthread_stop)"
                : "exited"
              : "stopped before it ran (kthread_stop)"
            : started
              ? stop
                ? "running, asked to stop (kthread_should_stop() is true)"
                : "running"
              : stop
                ? "asked to stop before it ran"
                : "not started (no kthread_run yet)";
      add({ kind: "kthread", name: k.name, state });
    });
  }

  pack(field: (byte: number, bits: number) => void): void {
    for (let k = 0; k < this.model.kthreads.length; k++) field(this.base + k, 2);
  }

  derive(): void {}

  // Promela: kt_flags[k] (started 1, stop 2, exited 4: set by the thread's last jump).
  promelaDecls(): string[] {
    return this.model.kthreads.length > 0 ? [`byte kt_flags[${this.model.kthreads.length}];`] : [];
  }

  promelaInit(): string[] {
    return [];
  }

  promelaJump(cpu: number, _from: number, to: number): string {
    const k = this.kthreadOfThread[cpu]!;
    return k >= 0 && to === PC_DONE ? `kt_flags[${k}] = kt_flags[${k}] | 4; ` : "";
  }
}

const kthreads = (m: Layout): KthreadState => m.p.kthreads;

const plain = {
  unblockers: byOwners,
  successors: (ins: { readonly next: number }): readonly number[] => [ins.next],
  choices: () => 1,
  arrival: () => {},
  acquires: () => undefined,
  releases: () => undefined,
} as const;

export const startKthreadOp: OpSemantics<InstrOf<"start_kthread">> = {
  ...plain,
  successors: (ins) => [ins.next, PC_DONE],
  status: (m, st, _cpu, ins) => (kthreads(m).started(st, ins.kthread) || kthreads(m).stopping(st, ins.kthread) ? CpuStatus.Enabled : CpuStatus.Idle),
  step: (m, st, _cpu, ins) => (kthreads(m).stopping(st, ins.kthread) ? PC_DONE : ins.next),
  access: (ins, a, m) => a.resource(kthreads(m).res(ins.kthread), false),
  canStop: () => false,
  words: (ins, m, before) => (kthreads(m).stopping(before, ins.kthread) ? { ...NO_WORDS, outcome: " → stopped before it ran: exits" } : NO_WORDS),
  promela(ins, p) {
    const k = ins.kthread;
    return `atomic { if :: (kt_flags[${k}] & 3) == 1 -> ${p.go(ins.next)} :: (kt_flags[${k}] & 2) != 0 -> ${p.go(PC_DONE)} fi }`;
  },
};

/** `kthread_run T`: starts T; running it a second time (or after kthread_stop) is a misuse. */
export const kthreadRunOp: OpSemantics<InstrOf<"kthread_run">> = {
  sleeps: () => true,
  ...plain,
  status: () => CpuStatus.Enabled,
  step(m, st, _cpu, ins) {
    const k = kthreads(m);
    if (k.started(st, ins.kthread) || k.stopping(st, ins.kthread)) return -StepResult.KthreadRunTwice;
    st[k.base + ins.kthread] = st[k.base + ins.kthread]! | STARTED;
    return ins.next;
  },
  access: (ins, a, m) => a.resource(kthreads(m).res(ins.kthread), true),
  canStop: () => true,
  words: (_ins, _m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: " → already run" } : NO_WORDS),
  promela: (ins, p) => `atomic { if :: (kt_flags[${ins.kthread}] & 3) != 0 -> ${p.stop} :: else -> kt_flags[${ins.kthread}] = kt_flags[${ins.kthread}] | 1; ${p.go(ins.next)} fi }`,
};

/** `kthread_stop T`: sets T's stop flag, then waits until T has exited. */
export const kthreadStopOp: OpSemantics<InstrOf<"kthread_stop">> = {
  sleeps: () => true,
  ...plain,
  waitsOn: (ins, model) => `${model.kthreads[ins.kthread]!.name} to exit`,
  releasedByWrites: true,
  recordBytes: () => 0,
  status(m, st, cpu, ins, waitsFor) {
    const k = kthreads(m);
    if (!m.waits.waiting(st, cpu) || k.exited(m, st, ins.kthread)) return CpuStatus.Enabled;
    waitsFor[cpu] = 1 << k.threadOf(ins.kthread);
    return CpuStatus.BlockedOnLock;
  },
  step(m, st, cpu, ins) {
    const k = kthreads(m);
    if (m.waits.waiting(st, cpu)) {
      m.waits.clear(st, cpu);
      return ins.next;
    }
    st[k.base + ins.kthread] = st[k.base + ins.kthread]! | STOP;
    if (k.exited(m, st, ins.kthread)) return ins.next;
    m.waits.setWaiting(st, cpu, true);
    return m.pc(st, cpu);
  },
  access: (ins, a, m) => a.resource(kthreads(m).res(ins.kthread), true),
  canStop: () => false,
  words(ins, m, before, after, cpu) {
    const name = m.model.kthreads[ins.kthread]!.name;
    if (m.waits.waiting(before, cpu)) return { ...NO_WORDS, outcome: ` → ${name} has exited` };
    return { ...NO_WORDS, outcome: m.waits.waiting(after, cpu) ? ` → waits for ${name} to exit` : ` → ${name} has already exited` };
  },
  observe(ins, m, st, cpu) {
    const k = kthreads(m);
    if (m.waits.waiting(st, cpu)) return 0;
    return k.exited(m, st, ins.kthread) ? Found.Exited : k.started(st, ins.kthread) ? Found.Running : Found.NotRun;
  },
  seen(ins, model, _thread, bits) {
    const k = model.kthreads[ins.kthread]!;
    const found = [
      ...(bits & Found.NotRun ? ["not run yet: waits for it to exit without running its body"] : []),
      ...(bits & Found.Running ? ["running: waits for it to exit"] : []),
      ...(bits & Found.Exited ? ["already exited: returns at once"] : []),
    ];
    return { on: k.name, found, threads: bits & (Found.NotRun | Found.Running) ? [model.cpus[k.thread]!.name] : [] };
  },
  promela(ins, p) {
    const k = ins.kthread;
    const waits = p.layout.waits;
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && (kt_flags[${k}] & 4) != 0 -> kt_flags[${k}] = kt_flags[${k}] | 2; ${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && (kt_flags[${k}] & 4) == 0 -> kt_flags[${k}] = kt_flags[${k}] | 2; ${waits.promelaArm(p.cpu, p.pc)}goto ${p.here} ` +
      `:: wt_phase[${p.cpu}] == 1 && (kt_flags[${k}] & 4) != 0 -> ${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};
