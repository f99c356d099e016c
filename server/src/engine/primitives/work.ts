// Workqueues and work items (race-language.md §9): `workqueue`, `ordered
// workqueue`, `max_active N`, `work W on Q { … }`; the statements
// queue_work (also as a condition), flush_work, cancel_work_sync,
// cancel_work, flush_workqueue, drain_workqueue, destroy_workqueue; and the
// `start W` step of a work item's own thread.
//
// A work item is idle, pending, running, or running and pending again
// (one byte). A queue with max_active (ordered: 1) keeps its pending items
// in FIFO order (one byte per item it has, each a work index + 1, 0 after
// the last) and starts the first pending one that is not running while
// fewer than max_active run; a queue without it starts any pending item at
// once, each on its own worker. A running item's thread executes its body;
// when the body ends (Layout's thread end: a jump back to pc 0) the item is
// idle again, or pending if it was queued meanwhile.
//
// Waits that remember what they wait for keep it in waits.ts's record: a
// flush or cancel_work_sync the number of runs of its item still to end
// (1: the running or the pending instance; 2: the running one and the
// pending one behind it), flush_workqueue one such count per item of its
// queue. A run's end counts down every record waiting on the item; taking
// a pending instance off the queue (cancel) ends the waits for it.

import type { InstrBase, Model } from "../model";
import { CpuStatus, StepResult, waitingFor } from "../status";
import type { Layout } from "../state";
import { bitsFor, byOwners, NO_THREAD, popcount, NO_WORDS, threadNames, type AccessSink, type Acquire, type InstrOf, type OpSemantics, type ObjectState, type StatePart, type StepWords, type WaitFacts } from "./types";

export type WorkInstr =
  /** pc 0 of a work item's thread: the item starts on a worker. */
  | (InstrBase & { readonly op: "start_work"; readonly work: number; readonly next: number })
  /** next: queued; alt: not (already pending, or being cancelled). As a statement both are the same. */
  | (InstrBase & { readonly op: "queue_work"; readonly work: number; readonly next: number; readonly alt: number })
  | (InstrBase & { readonly op: "flush_work" | "cancel_work_sync" | "cancel_work"; readonly work: number; readonly next: number })
  | (InstrBase & { readonly op: "flush_workqueue" | "drain_workqueue" | "destroy_workqueue"; readonly queue: number; readonly next: number });

export const enum Work {
  Idle = 0,
  Pending = 1,
  Running = 2,
  /** Running, and queued again meanwhile. */
  RunningPending = 3,
}


export class WorkState implements StatePart {
  readonly size: number;
  readonly resources: number;
  /** Per queue: its items (work indices) in declaration order. */
  readonly items: readonly (readonly number[])[];
  /** Per queue: offset of its FIFO (max_active queues), else -1. */
  private readonly fifoAt: Int32Array;
  /** Per work item: offset of its count of cancel_work_sync calls under way, or -1 if it is never cancelled so. */
  private readonly cancelAt: Int32Array;
  /** Per queue: offset of its count of drains under way, and of its destroyed flag, or -1 where never used. */
  private readonly drainAt: Int32Array;
  private readonly deadAt: Int32Array;
  /** Per thread: the work item it runs, or -1. */
  readonly workOfThread: Int32Array;
  private layout: Layout | undefined;

  constructor(
    private readonly model: Model,
    readonly base: number,
    private readonly resBase: number,
  ) {
    const W = model.works.length;
    const Q = model.workqueues.length;
    this.items = model.workqueues.map((_, q) => model.works.flatMap((w, i) => (w.queue === q ? [i] : [])));
    this.workOfThread = new Int32Array(model.cpus.length).fill(-1);
    model.works.forEach((w, i) => (this.workOfThread[w.thread] = i));
    const cancelled = new Set<number>();
    const drained = new Set<number>();
    const destroyed = new Set<number>();
    for (const c of model.cpus) {
      for (const ins of c.code) {
        if (ins.op === "cancel_work_sync") cancelled.add(ins.work);
        if (ins.op === "drain_workqueue" || ins.op === "destroy_workqueue") drained.add(ins.queue);
        if (ins.op === "destroy_workqueue") destroyed.add(ins.queue);
      }
    }
    let off = base + W;
    this.cancelAt = new Int32Array(W).fill(-1);
    for (let w = 0; w < W; w++) if (cancelled.has(w)) this.cancelAt[w] = off++;
    this.fifoAt = new Int32Array(Q).fill(-1);
    this.drainAt = new Int32Array(Q).fill(-1);
    this.deadAt = new Int32Array(Q).fill(-1);
    model.workqueues.forEach((wq, q) => {
      if (wq.maxActive > 0) {
        this.fifoAt[q] = off;
        off += this.items[q]!.length;
      }
      if (drained.has(q)) this.drainAt[q] = off++;
      if (destroyed.has(q)) this.deadAt[q] = off++;
    });
    this.size = off - base;
    this.resources = W + Q;
  }

  link(m: Layout): void {
    this.layout = m;
  }

  init(): void {}

  state(st: Uint8Array, w: number): Work {
    return st[this.base + w]! as Work;
  }

  queueOf(w: number): number {
    return this.model.works[w]!.queue;
  }

  bounded(q: number): boolean {
    return this.fifoAt[q]! >= 0;
  }

  /** The reduction's resource for work item w, and for queue q. */
  resWork(w: number): number {
    return this.resBase + w;
  }

  resQueue(q: number): number {
    return this.resBase + this.model.works.length + q;
  }

  threadOf(w: number): number {
    return this.model.works[w]!.thread;
  }

  /** The threads of q's items that are running (as a mask), and how many. */
  running(st: Uint8Array, q: number): number {
    let mask = 0;
    for (const w of this.items[q]!) if (this.state(st, w) >= Work.Running) mask |= 1 << this.threadOf(w);
    return mask;
  }

  /** The threads of q's items that are not idle. */
  busy(st: Uint8Array, q: number): number {
    let mask = 0;
    for (const w of this.items[q]!) if (this.state(st, w) !== Work.Idle) mask |= 1 << this.threadOf(w);
    return mask;
  }

  /**
   * On a max_active queue: the place in q's FIFO of its head, the first
   * item that is pending and not running, or -1. The items before it are
   * queued again while they run: as in the kernel, each such instance was
   * activated in its turn and takes a slot, waiting for its running one.
   */
  headIndex(st: Uint8Array, q: number): number {
    const at = this.fifoAt[q]!;
    for (let i = 0; i < this.items[q]!.length; i++) {
      const v = st[at + i]!;
      if (v === 0) break;
      if (this.state(st, v - 1) === Work.Pending) return i;
    }
    return -1;
  }

  /** The item at place `i` of q's FIFO. */
  itemAt(st: Uint8Array, q: number, i: number): number {
    return st[this.fifoAt[q]! + i]! - 1;
  }

  /** The items in q's FIFO, in order (for traces and hovers). */
  fifo(st: Uint8Array, q: number): number[] {
    const at = this.fifoAt[q]!;
    const out: number[] = [];
    if (at < 0) return out;
    for (let i = 0; i < this.items[q]!.length && st[at + i]! !== 0; i++) out.push(st[at + i]! - 1);
    return out;
  }

  private append(st: Uint8Array, w: number): void {
    const q = this.queueOf(w);
    const at = this.fifoAt[q]!;
    if (at < 0) return;
    let i = 0;
    while (st[at + i]! !== 0) i++;
    st[at + i] = w + 1;
  }

  remove(st: Uint8Array, w: number): void {
    const q = this.queueOf(w);
    const at = this.fifoAt[q]!;
    if (at < 0) return;
    const k = this.items[q]!.length;
    let i = 0;
    while (i < k && st[at + i]! !== w + 1) i++;
    for (; i < k - 1; i++) st[at + i] = st[at + i + 1]!;
    if (i === k - 1) st[at + i] = 0;
  }

  cancelling(st: Uint8Array, w: number): boolean {
    const at = this.cancelAt[w]!;
    return at >= 0 && st[at]! > 0;
  }

  addCancel(st: Uint8Array, w: number, d: number): void {
    st[this.cancelAt[w]!] = st[this.cancelAt[w]!]! + d;
  }

  draining(st: Uint8Array, q: number): boolean {
    const at = this.drainAt[q]!;
    return at >= 0 && st[at]! > 0;
  }

  addDrain(st: Uint8Array, q: number, d: number): void {
    st[this.drainAt[q]!] = st[this.drainAt[q]!]! + d;
  }

  destroyed(st: Uint8Array, q: number): boolean {
    const at = this.deadAt[q]!;
    return at >= 0 && st[at]! !== 0;
  }

  setDestroyed(st: Uint8Array, q: number): void {
    st[this.deadAt[q]!] = 1;
  }

  /** queue_work: the item becomes pending (true), unless it is already or is being cancelled. */
  queue(st: Uint8Array, w: number): boolean {
    if (this.cancelling(st, w)) return false;
    const s = this.state(st, w);
    if (s === Work.Pending || s === Work.RunningPending) return false;
    st[this.base + w] = s === Work.Idle ? Work.Pending : Work.RunningPending;
    this.append(st, w);
    return true;
  }

  /** Takes w's pending instance off its queue (cancel): true if it was pending. Waits for that instance end. */
  dequeue(st: Uint8Array, w: number): boolean {
    const s = this.state(st, w);
    if (s !== Work.Pending && s !== Work.RunningPending) return false;
    this.remove(st, w);
    st[this.base + w] = s === Work.Pending ? Work.Idle : Work.Running;
    this.settleWaiters(st, w, s === Work.Pending ? 0 : 1);
    return true;
  }

  /** Runs that an instance queued or running now still has to end: 0 idle, 1, or 2 (running, and pending behind it). */
  runsToEnd(st: Uint8Array, w: number): number {
    const s = this.state(st, w);
    return s === Work.Idle ? 0 : s === Work.RunningPending ? 2 : 1;
  }

  /**
   * Every thread waiting on w (a flush or cancel_work_sync of it, a
   * flush_workqueue of its queue): its count for w becomes at most `limit`
   * (a run ended: one less; a pending instance dequeued: no more than the
   * runs left).
   */
  private settleWaiters(st: Uint8Array, w: number, limit: number | undefined): void {
    const m = this.layout!;
    const waits = m.waits;
    const q = this.queueOf(w);
    for (let t = 0; t < m.cpuCount; t++) {
      if (!waits.waiting(st, t)) continue;
      const ins = m.instrAt(st, t);
      if (!ins) continue;
      let at = -1;
      if ((ins.op === "flush_work" || ins.op === "cancel_work_sync") && ins.work === w) at = waits.data(t, 0);
      else if (ins.op === "flush_workqueue" && ins.queue === q) at = waits.data(t, this.items[q]!.indexOf(w));
      if (at < 0 || st[at] === 0) continue;
      st[at] = limit === undefined ? st[at]! - 1 : Math.min(st[at]!, limit);
    }
  }

  threadEnd(_m: Layout, st: Uint8Array, thread: number): StepResult {
    const w = this.workOfThread[thread]!;
    if (w < 0) return StepResult.Ok;
    const s = this.state(st, w);
    st[this.base + w] = s === Work.RunningPending ? Work.Pending : Work.Idle;
    this.settleWaiters(st, w, undefined);
    return StepResult.Ok;
  }

  endAccess(thread: number, a: AccessSink): void {
    const w = this.workOfThread[thread]!;
    if (w < 0) return;
    a.resource(this.resWork(w), true);
    if (this.bounded(this.queueOf(w))) a.resource(this.resQueue(this.queueOf(w)), true);
  }

  /** A running item holds `(wq_completion)Q` and `(work_completion)(&W)` for the length of its body. */
  held(st: Uint8Array, add: (thread: number, lockClass: number, read: boolean) => void): void {
    this.model.works.forEach((w, i) => {
      if (this.state(st, i) < Work.Running) return;
      add(w.thread, this.model.workqueues[w.queue]!.lockClass, false);
      add(w.thread, w.lockClass, false);
    });
  }

  /** Each work item: idle, pending, running (and queued again), being cancelled; each queue: its FIFO on max_active, drained, destroyed. */
  describe(_m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void {
    const WORDS = ["idle", "pending", "running", "running, and pending again"];
    this.model.works.forEach((w, i) => {
      const cancel = this.cancelling(st, i) ? ", being cancelled (cancel_work_sync)" : "";
      add({ kind: "work", name: w.name, state: `${WORDS[this.state(st, i)]!}${cancel}` });
    });
    this.model.workqueues.forEach((wq, q) => {
      const items = this.items[q]!.filter((w) => this.state(st, w) !== Work.Idle).map((w) => `${this.model.works[w]!.name} ${WORDS[this.state(st, w)]!}`);
      const words = [items.length > 0 ? items.join("; ") : "no work pending or running"];
      if (this.bounded(q)) {
        const fifo = this.fifo(st, q).map((w) => this.model.works[w]!.name);
        words.push(`max_active ${wq.maxActive}${fifo.length > 0 ? `, queued in order: ${fifo.join(", ")}` : ""}`);
      }
      if (this.draining(st, q)) words.push("being drained");
      if (this.destroyed(st, q)) words.push("destroyed");
      add({ kind: "workqueue", name: wq.name, state: words.join("; ") });
    });
  }

  pack(field: (byte: number, bits: number, code?: { encode: Int32Array; decode: Int32Array }) => void): void {
    const threads = this.model.cpus.length;
    for (let w = 0; w < this.model.works.length; w++) {
      field(this.base + w, 2);
      if (this.cancelAt[w]! >= 0) field(this.cancelAt[w]!, bitsFor(threads + 1));
    }
    this.model.workqueues.forEach((_, q) => {
      const at = this.fifoAt[q]!;
      if (at >= 0) {
        const items = this.items[q]!;
        const encode = new Int32Array(this.model.works.length + 1).fill(-1);
        encode[0] = 0;
        items.forEach((w, k) => (encode[w + 1] = k + 1));
        const decode = Int32Array.from([0, ...items.map((w) => w + 1)]);
        for (let i = 0; i < items.length; i++) field(at + i, bitsFor(items.length + 1), { encode, decode });
      }
      if (this.drainAt[q]! >= 0) field(this.drainAt[q]!, bitsFor(threads + 1));
      if (this.deadAt[q]! >= 0) field(this.deadAt[q]!, 1);
    });
  }

  derive(): void {}

  // ---- Promela ----------------------------------------------------------
  // wk_state[w], wk_cancel[w], wq_fifo[fifoIndex(q) + i] (work + 1), wq_drain[q], wq_dead[q].

  private fifoBase(q: number): number {
    let b = 0;
    for (let p = 0; p < q; p++) if (this.bounded(p)) b += this.items[p]!.length;
    return b;
  }

  promelaDecls(): string[] {
    if (this.model.works.length === 0) return [];
    const W = this.model.works.length;
    const Q = Math.max(1, this.model.workqueues.length);
    const fifo = this.model.workqueues.reduce((n, _, q) => n + (this.bounded(q) ? this.items[q]!.length : 0), 0);
    const decls = [`byte wk_state[${W}];`, `byte wk_cancel[${W}];`, `byte wq_fifo[${Math.max(1, fifo)}];`, `byte wq_drain[${Q}];`, `byte wq_dead[${Q}];`];
    const waiting = this.slotWaiters();
    if (waiting.length === 0) return decls;
    // An item pending on a max_active queue whose slots stay taken (by items
    // that never end) can never start: its thread is not finished, so no
    // state where nothing else moves is a valid end. Its proctype waits at
    // its start, an end label for SPIN (where an idle item rightly waits),
    // so this process leaves that label exactly then: `timeout` holds when
    // no other statement can run, and `false` is no end.
    return [
      ...decls,
      "",
      "proctype WorkPending() {",
      `endWP: atomic { timeout && (${waiting.map((w) => `wk_state[${w}] == 1`).join(" || ")}) -> skip };`,
      "  false",
      "}",
    ];
  }

  /** The items that can be pending and unable to start: those of max_active queues. */
  private slotWaiters(): number[] {
    return this.model.works.flatMap((_, w) => (this.bounded(this.queueOf(w)) ? [w] : []));
  }

  promelaInit(): string[] {
    return this.slotWaiters().length > 0 ? ["run WorkPending();"] : [];
  }

  promelaJump(cpu: number, _from: number, to: number): string {
    // A work item's thread jumps back to its pc 0 only when its body ends.
    const w = this.workOfThread[cpu]!;
    if (w < 0 || to !== 0) return "";
    return `wk_state[${w}] = wk_state[${w}] - 2; ${this.promelaSettle(w, undefined)}`;
  }

  promelaAppend(w: number): string {
    const q = this.queueOf(w);
    if (!this.bounded(q)) return "";
    const b = this.fifoBase(q);
    const k = this.items[q]!.length;
    let s = "skip";
    for (let i = k - 1; i >= 0; i--) s = `if :: wq_fifo[${b + i}] == 0 -> wq_fifo[${b + i}] = ${w + 1} :: else -> ${s} fi`;
    return s + "; ";
  }

  promelaRemove(w: number): string {
    const q = this.queueOf(w);
    if (!this.bounded(q)) return "";
    const b = this.fifoBase(q);
    const k = this.items[q]!.length;
    let s = "";
    for (let i = 0; i < k; i++) {
      let shift = "";
      for (let j = i; j < k - 1; j++) shift += `wq_fifo[${b + j}] = wq_fifo[${b + j + 1}]; `;
      s += `if :: wq_fifo[${b + i}] == ${w + 1} -> ${shift}wq_fifo[${b + k - 1}] = 0 :: else -> skip fi; `;
    }
    return s;
  }

  /** Promela: how many of q's items run. */
  promelaRunning(q: number): string {
    return `(${this.items[q]!.map((w) => `(wk_state[${w}] >= 2)`).join(" + ") || "0"})`;
  }

  /**
   * Promela: w is the first pending, not running item of its (max_active)
   * queue, and a slot is free for it: fewer than `max` items run or, queued
   * again while they run, stand before it (WorkState.headIndex).
   */
  promelaHead(w: number, max: number): string {
    const q = this.queueOf(w);
    const b = this.fifoBase(q);
    const k = this.items[q]!.length;
    const running = this.promelaRunning(q);
    const terms: string[] = [];
    for (let i = 0; i < k; i++) {
      const before: string[] = [];
      for (let j = 0; j < i; j++) before.push(`(wq_fifo[${b + j}] == 0 || wk_state[wq_fifo[${b + j}] - 1] != 1)`);
      terms.push(`(wq_fifo[${b + i}] == ${w + 1}${before.map((x) => ` && ${x}`).join("")} && ${running} + ${i} < ${max})`);
    }
    return `(${terms.join(" || ")})`;
  }

  /** Promela: the waiters' counts for w, as settleWaiters (limit undefined: one less; else at most `limit`, an expression). */
  promelaSettle(w: number, limit: string | undefined): string {
    const m = this.layout!;
    const q = this.queueOf(w);
    let s = "";
    this.model.cpus.forEach((c, t) =>
      c.code.forEach((ins, pc) => {
        let i = -1;
        if ((ins.op === "flush_work" || ins.op === "cancel_work_sync") && ins.work === w) i = 0;
        else if (ins.op === "flush_workqueue" && ins.queue === q) i = this.items[q]!.indexOf(w);
        if (i < 0) return;
        const d = m.waits.promelaData(t, i);
        const change = limit === undefined ? `${d}--` : `${d} = (${d} > ${limit} -> ${limit} : ${d})`;
        s += `if :: (${m.waits.promelaWaitingAt(t, pc)} && ${d} > 0) -> ${change} :: else -> skip fi; `;
      }),
    );
    return s;
  }

  /** Promela: dequeue w's pending instance (cancel), if it has one. */
  promelaDequeue(w: number): string {
    return `if :: (wk_state[${w}] == 1 || wk_state[${w}] == 3) -> ${this.promelaRemove(w)}${this.promelaSettle(w, `wk_state[${w}] - 1 - (wk_state[${w}] == 3)`)}wk_state[${w}] = wk_state[${w}] - 1 :: else -> skip fi; `;
  }
}

const work = (m: Layout): WorkState => m.p.work;
const one = (ins: { readonly next: number }): readonly number[] => [ins.next];

/** What every work statement lacks: it acquires no real lock and releases none. */
const plain = {
  choices: () => 1,
  arrival: () => {},
  releases: () => undefined,
} as const;

/** The thread of `cpu` is one of queue q's own items (queueing from it while q drains is chaining, which is allowed). */
function chained(m: Layout, cpu: number, q: number): boolean {
  const w = work(m).workOfThread[cpu]!;
  return w >= 0 && work(m).queueOf(w) === q;
}

export const startWorkOp: OpSemantics<InstrOf<"start_work">> = {
  ...plain,
  waitsOn: (ins, model) => `its turn on ${model.workqueues[model.works[ins.work]!.queue]!.name}`,
  // Waiting for a slot, one running item's end will do.
  waitsForAny: true,
  unblockers: byOwners,
  successors: one,
  status(m, st, cpu, ins, waitsFor) {
    const k = work(m);
    if (k.state(st, ins.work) !== Work.Pending) return CpuStatus.Idle;
    const q = k.queueOf(ins.work);
    if (!k.bounded(q)) return CpuStatus.Enabled;
    const running = k.running(st, q);
    const head = k.headIndex(st, q);
    // Slots: the running items' and those of the items queued again while they run, ahead of the head.
    if (popcount(running) + Math.max(0, head) >= m.model.workqueues[q]!.maxActive) {
      // Every slot is taken: it waits for a running item of its queue to end.
      waitsFor[cpu] = running;
      return CpuStatus.BlockedOnLock;
    }
    return head >= 0 && k.itemAt(st, q, head) === ins.work ? CpuStatus.Enabled : CpuStatus.BlockedOnWait;
  },
  step(m, st, _cpu, ins) {
    const k = work(m);
    st[k.base + ins.work] = Work.Running;
    k.remove(st, ins.work);
    return ins.next;
  },
  access(ins, a, m) {
    a.resource(work(m).resWork(ins.work), true);
    const q = work(m).queueOf(ins.work);
    if (work(m).bounded(q)) a.resource(work(m).resQueue(q), true);
  },
  canStop: () => false,
  // From its start the item holds its (work_completion) (and its queue's (wq_completion)).
  words: (ins, m) => ({ ...NO_WORDS, lock: m.model.works[ins.work]!.lockClass, acquired: true }),
  // On a max_active queue it waits for a slot, which lockdep sees as (wq_completion)Q.
  acquires: (ins, model) => {
    const q = model.works[ins.work]!.queue;
    return model.workqueues[q]!.maxActive > 0 ? { lock: model.workqueues[q]!.lockClass, read: false } : undefined;
  },
  promela(ins, p) {
    const k = work(p.layout);
    const w = ins.work;
    const q = k.queueOf(w);
    const guard = k.bounded(q) ? `wk_state[${w}] == 1 && ${k.promelaHead(w, p.model.workqueues[q]!.maxActive)}` : `wk_state[${w}] == 1`;
    return `atomic { ${guard} -> wk_state[${w}] = 2; ${k.promelaRemove(w)}${p.go(ins.next)} }`;
  },
};

const workClass = (model: Model, w: number): Acquire => ({ lock: model.works[w]!.lockClass, read: false });
const queueClass = (model: Model, q: number): Acquire => ({ lock: model.workqueues[q]!.lockClass, read: false });

/** What touching work item w's state touches: the item, and its queue's FIFO if it has one. */
function touchItem(m: Layout, w: number, a: AccessSink): void {
  const k = work(m);
  a.resource(k.resWork(w), true);
  const q = k.queueOf(w);
  if (k.bounded(q)) a.resource(k.resQueue(q), true);
}

/** `queue_work W`: idle → pending, running → running and pending; else nothing (false as a condition). */
export const queueWorkOp: OpSemantics<InstrOf<"queue_work">> = {
  ...plain,
  unblockers: byOwners,
  successors: (ins) => (ins.next === ins.alt ? [ins.next] : [ins.next, ins.alt]),
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const k = work(m);
    const q = k.queueOf(ins.work);
    if (k.destroyed(st, q)) return -StepResult.QueueDestroyed;
    if (k.draining(st, q) && !chained(m, cpu, q)) return -StepResult.QueueDraining;
    return k.queue(st, ins.work) ? ins.next : ins.alt;
  },
  access(ins, a, m) {
    touchItem(m, ins.work, a);
    // Whether the queue is destroyed or drained: written by destroy_workqueue and drain_workqueue.
    a.resource(work(m).resQueue(work(m).queueOf(ins.work)), false);
  },
  canStop: (ins, m) => {
    const q = m.model.works[ins.work]!.queue;
    return m.model.cpus.some((c) => c.code.some((i) => (i.op === "drain_workqueue" || i.op === "destroy_workqueue") && i.queue === q));
  },
  acquires: () => undefined,
  words(ins, m, before, after, _cpu, _choice, failed): StepWords {
    if (failed) return { ...NO_WORDS, outcome: work(m).destroyed(before, work(m).queueOf(ins.work)) ? " → the workqueue is destroyed" : " → the workqueue is being drained" };
    const k = work(m);
    if (k.state(before, ins.work) !== k.state(after, ins.work)) return { ...NO_WORDS, outcome: " → queued" };
    return { ...NO_WORDS, outcome: k.cancelling(before, ins.work) ? " → not queued (being cancelled)" : " → already pending" };
  },
  promela(ins, p) {
    const k = work(p.layout);
    const w = ins.work;
    const q = k.queueOf(w);
    const outsider = chained(p.layout, p.cpu, q) ? "" : ` :: wq_drain[${q}] > 0 -> ${p.stop}`;
    return (
      `atomic { if :: wq_dead[${q}] != 0 -> ${p.stop}${outsider} :: else -> ` +
      `if :: wk_cancel[${w}] > 0 -> ${p.go(ins.alt)} ` +
      `:: (wk_cancel[${w}] == 0 && (wk_state[${w}] == 0 || wk_state[${w}] == 2)) -> wk_state[${w}] = wk_state[${w}] + 1; ${k.promelaAppend(w)}${p.go(ins.next)} ` +
      `:: (wk_cancel[${w}] == 0 && (wk_state[${w}] == 1 || wk_state[${w}] == 3)) -> ${p.go(ins.alt)} fi fi }`
    );
  },
};

/** What a two-step wait's trace words say, from its record before and after the step. */
function waitWords(m: Layout, before: Uint8Array, after: Uint8Array, cpu: number, called: string, immediate: string): StepWords {
  const was = m.waits.waiting(before, cpu);
  const is = m.waits.waiting(after, cpu);
  return { ...NO_WORDS, outcome: was ? " → returns" : is ? called : immediate };
}

/** The return of a flush or cancel_work_sync: once its count is 0. */
function itemWaitStatus(m: Layout, st: Uint8Array, cpu: number, w: number, waitsFor: Int32Array): CpuStatus {
  if (!m.waits.waiting(st, cpu) || st[m.waits.data(cpu, 0)] === 0) return CpuStatus.Enabled;
  waitsFor[cpu] = 1 << work(m).threadOf(w);
  return CpuStatus.BlockedOnLock;
}

/** At the call (not once waiting): the item's state, as a bit (hover: what a flush or cancel found). */
function observeItem(m: Layout, st: Uint8Array, cpu: number, w: number): number {
  return m.waits.waiting(st, cpu) ? 0 : 1 << work(m).state(st, w);
}

/** The states of an item found at a flush or cancel_work_sync, each with what the call does then; and whom it waits for. */
function itemSeen(model: Model, w: number, bits: number, does: Readonly<Record<Work, string>>, waits: (s: Work) => boolean): WaitFacts {
  const states = [Work.Idle, Work.Pending, Work.Running, Work.RunningPending].filter((s) => bits & (1 << s));
  const item = model.works[w]!;
  return { on: item.name, found: states.map((s) => does[s]), threads: states.some(waits) ? [model.cpus[item.thread]!.name] : [] };
}

const FLUSH_DOES: Readonly<Record<Work, string>> = {
  [Work.Idle]: "idle: returns at once",
  [Work.Pending]: "pending: waits for it to run and finish",
  [Work.Running]: "running: waits for this run to end",
  [Work.RunningPending]: "running and queued again: waits for both runs",
};

const CANCEL_DOES: Readonly<Record<Work, string>> = {
  [Work.Idle]: "idle: returns at once",
  [Work.Pending]: "pending: taken off the queue, returns at once",
  [Work.Running]: "running: waits for this run to end",
  [Work.RunningPending]: "running and queued again: the queued run taken off, waits for the running one",
};

/** What flush_work and cancel_work_sync share: a wait for runs of one item, counted in a one-byte record. */
const itemWait = {
  ...plain,
  unblockers: byOwners,
  releasedByWrites: true,
  successors: one,
  recordBytes: () => 1,
  status: (m: Layout, st: Uint8Array, cpu: number, ins: { readonly work: number }, waitsFor: Int32Array) => itemWaitStatus(m, st, cpu, ins.work, waitsFor),
  canStop: () => false,
  acquires: (ins: { readonly work: number }, model: Model) => workClass(model, ins.work),
} as const;

/** `flush_work W`: waits for the instance pending or running at the call; returns at once if W is idle. */
export const flushWorkOp: OpSemantics<InstrOf<"flush_work">> = {
  sleeps: () => true,
  ...itemWait,
  step(m, st, cpu, ins) {
    const waits = m.waits;
    if (waits.waiting(st, cpu)) {
      waits.clear(st, cpu);
      return ins.next;
    }
    const runs = work(m).runsToEnd(st, ins.work);
    if (runs === 0) return ins.next;
    waits.setWaiting(st, cpu, true);
    st[waits.data(cpu, 0)] = runs;
    return m.pc(st, cpu);
  },
  access: (ins, a, m) => a.resource(work(m).resWork(ins.work), false),
  // On an ordered queue lockdep also takes the queue's (wq_completion).
  alsoAcquires: (ins, model) => (model.workqueues[model.works[ins.work]!.queue]!.maxActive === 1 ? [queueClass(model, model.works[ins.work]!.queue)] : []),
  words: (ins, m, before, after, cpu) => waitWords(m, before, after, cpu, ` → waits for ${m.model.works[ins.work]!.name} to finish`, ` → returns (${m.model.works[ins.work]!.name} is idle)`),
  observe: (ins, m, st, cpu) => observeItem(m, st, cpu, ins.work),
  // Pending or running: it waits, and lockdep touches (work_completion) (and an ordered queue's map).
  recordsAcquire: (ins, m, st, cpu) => m.waits.waiting(st, cpu) || work(m).state(st, ins.work) !== Work.Idle,
  seen: (ins, model, _thread, bits) => itemSeen(model, ins.work, bits, FLUSH_DOES, (s) => s !== Work.Idle),
  promela(ins, p) {
    const w = ins.work;
    const waits = p.layout.waits;
    const d = waits.promelaData(p.cpu, 0);
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && wk_state[${w}] == 0 -> ${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && wk_state[${w}] != 0 -> ${waits.promelaArm(p.cpu, p.pc)}${d} = (wk_state[${w}] == 3 -> 2 : 1); goto ${p.here} ` +
      `:: wt_phase[${p.cpu}] == 1 && ${d} == 0 -> ${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};

/**
 * `cancel_work_sync W`: a pending instance is taken off the queue, a
 * running one waited for; W is idle on return, and queueing it meanwhile
 * does nothing (the kernel holds its PENDING bit).
 */
export const cancelWorkSyncOp: OpSemantics<InstrOf<"cancel_work_sync">> = {
  sleeps: () => true,
  ...itemWait,
  step(m, st, cpu, ins) {
    const waits = m.waits;
    const k = work(m);
    if (waits.waiting(st, cpu)) {
      waits.clear(st, cpu);
      k.addCancel(st, ins.work, -1);
      return ins.next;
    }
    k.dequeue(st, ins.work);
    if (k.state(st, ins.work) === Work.Idle) return ins.next;
    k.addCancel(st, ins.work, 1);
    waits.setWaiting(st, cpu, true);
    st[waits.data(cpu, 0)] = 1;
    return m.pc(st, cpu);
  },
  access: (ins, a, m) => touchItem(m, ins.work, a),
  words(ins, m, before, after, cpu) {
    const name = m.model.works[ins.work]!.name;
    const dequeued = work(m).state(before, ins.work) !== work(m).state(after, ins.work) && !m.waits.waiting(before, cpu);
    const called = dequeued ? ` → dequeued; waits for the running ${name}` : ` → waits for the running ${name}`;
    return waitWords(m, before, after, cpu, called, dequeued ? " → dequeued, returns" : ` → returns (${name} is idle)`);
  },
  observe: (ins, m, st, cpu) => observeItem(m, st, cpu, ins.work),
  // A pending instance is taken off the queue first: only a running one is waited for, and only then touched.
  recordsAcquire: (ins, m, st, cpu) => m.waits.waiting(st, cpu) || work(m).state(st, ins.work) >= Work.Running,
  seen: (ins, model, _thread, bits) => itemSeen(model, ins.work, bits, CANCEL_DOES, (s) => s >= Work.Running),
  promela(ins, p) {
    const w = ins.work;
    const k = work(p.layout);
    const waits = p.layout.waits;
    const d = waits.promelaData(p.cpu, 0);
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 -> ${k.promelaDequeue(w)}` +
      `if :: wk_state[${w}] == 0 -> ${p.go(ins.next)} :: else -> wk_cancel[${w}]++; ${waits.promelaArm(p.cpu, p.pc)}${d} = 1; goto ${p.here} fi ` +
      `:: wt_phase[${p.cpu}] == 1 && ${d} == 0 -> wk_cancel[${w}]--; ${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};

/** `cancel_work W`: takes a pending instance off the queue; never waits. */
export const cancelWorkOp: OpSemantics<InstrOf<"cancel_work">> = {
  ...plain,
  unblockers: byOwners,
  successors: one,
  status: () => CpuStatus.Enabled,
  step(m, st, _cpu, ins) {
    work(m).dequeue(st, ins.work);
    return ins.next;
  },
  access: (ins, a, m) => touchItem(m, ins.work, a),
  canStop: () => false,
  acquires: () => undefined,
  words: (ins, m, before, after) => ({ ...NO_WORDS, outcome: work(m).state(before, ins.work) !== work(m).state(after, ins.work) ? " → dequeued" : " → not pending" }),
  promela: (ins, p) => `atomic { ${work(p.layout).promelaDequeue(ins.work)}${p.go(ins.next)} }`,
};

/** The return of flush_workqueue: every count of its record is 0; else it waits for those items. */
function queueFlushPending(m: Layout, st: Uint8Array, cpu: number, q: number): number {
  const k = work(m);
  let mask = 0;
  k.items[q]!.forEach((w, i) => {
    if (st[m.waits.data(cpu, i)]! > 0) mask |= 1 << k.threadOf(w);
  });
  return mask;
}

/** At the call of a queue's flush or drain: the threads of its items that are not idle, or NO_THREAD. */
function observeQueue(m: Layout, st: Uint8Array, cpu: number, q: number): number {
  if (m.waits.waiting(st, cpu)) return 0;
  return work(m).busy(st, q) || NO_THREAD;
}

function queueSeen(model: Model, q: number, bits: number): WaitFacts {
  const items = model.works.filter((w) => w.queue === q && bits & (1 << w.thread));
  const found = [...(bits & NO_THREAD ? ["nothing queued or running: returns at once"] : []), ...items.map((w) => `${w.name} queued or running: waits for it`)];
  return { on: `workqueue ${model.workqueues[q]!.name}`, found, threads: threadNames(model, bits & ~NO_THREAD) };
}

/** `flush_workqueue Q`: waits until every item queued on Q before the call has finished. */
export const flushWorkqueueOp: OpSemantics<InstrOf<"flush_workqueue">> = {
  sleeps: () => true,
  ...plain,
  unblockers: byOwners,
  releasedByWrites: true,
  successors: one,
  recordBytes: (ins, model) => model.works.filter((w) => w.queue === ins.queue).length,
  status(m, st, cpu, ins, waitsFor) {
    if (!m.waits.waiting(st, cpu)) return CpuStatus.Enabled;
    return waitingFor(waitsFor, cpu, queueFlushPending(m, st, cpu, ins.queue));
  },
  step(m, st, cpu, ins) {
    const waits = m.waits;
    const k = work(m);
    if (waits.waiting(st, cpu)) {
      waits.clear(st, cpu);
      return ins.next;
    }
    let any = false;
    k.items[ins.queue]!.forEach((w, i) => {
      const runs = k.runsToEnd(st, w);
      st[waits.data(cpu, i)] = runs;
      any ||= runs > 0;
    });
    if (!any) return ins.next;
    waits.setWaiting(st, cpu, true);
    return m.pc(st, cpu);
  },
  access: (ins, a, m) => {
    for (const w of work(m).items[ins.queue]!) a.resource(work(m).resWork(w), false);
  },
  canStop: () => false,
  acquires: (ins, model) => queueClass(model, ins.queue),
  words(ins, m, before, after, cpu) {
    const names = work(m).items[ins.queue]!.filter((_, i) => after[m.waits.data(cpu, i)]! > 0).map((w) => m.model.works[w]!.name);
    return waitWords(m, before, after, cpu, ` → waits for ${names.join(", ")}`, " → returns (nothing queued)");
  },
  observe: (ins, m, st, cpu) => observeQueue(m, st, cpu, ins.queue),
  seen: (ins, model, _thread, bits) => queueSeen(model, ins.queue, bits),
  promela(ins, p) {
    const k = work(p.layout);
    const waits = p.layout.waits;
    const items = k.items[ins.queue]!;
    const d = (i: number): string => waits.promelaData(p.cpu, i);
    const busy = items.map((w) => `wk_state[${w}] != 0`).join(" || ") || "false";
    const fill = items.map((w, i) => `${d(i)} = (wk_state[${w}] == 0 -> 0 : (wk_state[${w}] == 3 -> 2 : 1)); `).join("");
    const done = items.map((_, i) => `${d(i)} == 0`).join(" && ") || "true";
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && !(${busy}) -> ${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && (${busy}) -> ${waits.promelaArm(p.cpu, p.pc)}${fill}goto ${p.here} ` +
      `:: wt_phase[${p.cpu}] == 1 && (${done}) -> ${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};

/**
 * `drain_workqueue Q` / `destroy_workqueue Q`: flush until Q is empty, items
 * queued by its own items included (queueing from outside meanwhile is a
 * misuse, as the kernel warns); a destroyed queue takes no more work.
 */
const drain: OpSemantics<InstrOf<"drain_workqueue" | "destroy_workqueue">> = {
  sleeps: () => true,
  ...plain,
  unblockers: byOwners,
  releasedByWrites: true,
  successors: one,
  recordBytes: () => 0,
  status(m, st, cpu, ins, waitsFor) {
    if (!m.waits.waiting(st, cpu)) return CpuStatus.Enabled;
    return waitingFor(waitsFor, cpu, work(m).busy(st, ins.queue));
  },
  step(m, st, cpu, ins) {
    const waits = m.waits;
    const k = work(m);
    if (!waits.waiting(st, cpu)) {
      if (k.busy(st, ins.queue) !== 0) {
        k.addDrain(st, ins.queue, 1);
        waits.setWaiting(st, cpu, true);
        return m.pc(st, cpu);
      }
    } else {
      waits.clear(st, cpu);
      k.addDrain(st, ins.queue, -1);
    }
    if (ins.op === "destroy_workqueue") k.setDestroyed(st, ins.queue);
    return ins.next;
  },
  access: (ins, a, m) => {
    for (const w of work(m).items[ins.queue]!) a.resource(work(m).resWork(w), false);
    a.resource(work(m).resQueue(ins.queue), true);
  },
  canStop: () => false,
  acquires: (ins, model) => queueClass(model, ins.queue),
  words(ins, m, before, after, cpu) {
    const names = work(m).items[ins.queue]!.filter((w) => work(m).state(after, w) !== Work.Idle).map((w) => m.model.works[w]!.name);
    const done = ins.op === "destroy_workqueue" ? "destroyed" : "returns";
    if (m.waits.waiting(before, cpu)) return { ...NO_WORDS, outcome: ` → ${done}` };
    return { ...NO_WORDS, outcome: m.waits.waiting(after, cpu) ? ` → waits for ${names.join(", ")}` : ` → ${done} (empty)` };
  },
  observe: (ins, m, st, cpu) => observeQueue(m, st, cpu, ins.queue),
  seen: (ins, model, _thread, bits) => queueSeen(model, ins.queue, bits),
  promela(ins, p) {
    const k = work(p.layout);
    const waits = p.layout.waits;
    const q = ins.queue;
    const busy = k.items[q]!.map((w) => `wk_state[${w}] != 0`).join(" || ") || "false";
    const dead = ins.op === "destroy_workqueue" ? `wq_dead[${q}] = 1; ` : "";
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && !(${busy}) -> ${dead}${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && (${busy}) -> wq_drain[${q}]++; ${waits.promelaArm(p.cpu, p.pc)}goto ${p.here} ` +
      `:: wt_phase[${p.cpu}] == 1 && !(${busy}) -> wq_drain[${q}]--; ${dead}${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};

export const drainWorkqueueOp: OpSemantics<InstrOf<"drain_workqueue">> = drain;
export const destroyWorkqueueOp: OpSemantics<InstrOf<"destroy_workqueue">> = drain;
