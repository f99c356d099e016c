// SRCU and RCU (race-language.md §9): `srcu S` declares a domain, `rcu` is
// built in. srcu_read_lock / srcu_read_unlock (rcu_read_lock /
// rcu_read_unlock) open and close read-side sections: nestable, never
// blocking, a depth per thread. synchronize_srcu / synchronize_rcu wait (two
// steps, waits.ts) until every section of the domain open at the call has
// closed: the call records the threads inside one (itself included: then
// it waits for itself, a deadlock), and a thread's depth falling to 0
// clears its bit in every such record. Sections opened later never delay
// it.
//
// Lockdep's view: a section is a recursive read of the domain (no edge into
// it, held while open), a synchronize an acquire and release of it,
// printed `sync(S)`.

import type { InstrBase, Model } from "../model";
import { CpuStatus, StepResult, waitingFor } from "../status";
import type { Layout } from "../state";
import { RCU_DOMAIN } from "../../language/verbs";
import { PerThreadCounts } from "./counters";
import { byOwners, NO_THREAD, NO_WORDS, threadNames, type AccessSink, type InstrOf, type ObjectState, type OpSemantics, type StatePart } from "./types";

export type SrcuInstr = InstrBase & { readonly op: "srcu_read_lock" | "srcu_read_unlock" | "synchronize_srcu"; readonly domain: number; readonly next: number };

/** Bytes of a synchronize's record: a mask of threads. */
const maskBytes = (model: Model): number => Math.ceil(model.cpus.length / 8);

export class SrcuState implements StatePart {
  readonly size: number;
  readonly resources: number;
  /** Per domain and thread whose code opens a section of it: the section depth. */
  private readonly depths: PerThreadCounts;
  private readonly threads: number;
  private layout: Layout | undefined;

  constructor(
    private readonly model: Model,
    readonly base: number,
    private readonly resBase: number,
  ) {
    this.threads = model.cpus.length;
    this.depths = new PerThreadCounts(model, model.srcus.length, base, (t) => model.cpus[t]!.code.flatMap((ins) => (ins.op === "srcu_read_lock" ? [ins.domain] : [])));
    this.size = this.depths.size;
    this.resources = model.srcus.length;
  }

  link(m: Layout): void {
    this.layout = m;
  }

  init(): void {}

  depth(st: Uint8Array, d: number, t: number): number {
    return this.depths.get(st, d, t);
  }

  depthByte(d: number, t: number): number {
    return this.depths.byte(d, t);
  }

  /** The threads inside a section of domain d (a mask). */
  readers(st: Uint8Array, d: number): number {
    return this.depths.positive(st, d);
  }

  res(d: number): number {
    return this.resBase + d;
  }

  /** Thread t's section of d has closed: no synchronize waits for it any more. */
  closed(st: Uint8Array, d: number, t: number): void {
    const m = this.layout!;
    const waits = m.waits;
    for (let u = 0; u < this.threads; u++) {
      if (!waits.waiting(st, u)) continue;
      const ins = m.instrAt(st, u);
      if (ins?.op !== "synchronize_srcu" || ins.domain !== d) continue;
      const at = waits.data(u, t >>> 3);
      st[at] = st[at]! & ~(1 << (t & 7));
    }
  }

  /** The threads a synchronize of `cpu` still waits for. */
  waitingFor(st: Uint8Array, cpu: number): number {
    const waits = this.layout!.waits;
    let mask = 0;
    for (let i = 0; i < maskBytes(this.model); i++) mask |= st[waits.data(cpu, i)]! << (8 * i);
    return mask;
  }

  threadEnd(_m: Layout, st: Uint8Array, thread: number): StepResult {
    for (let d = 0; d < this.model.srcus.length; d++) if (this.depth(st, d, thread) > 0) return StepResult.SectionOpenAtExit;
    return StepResult.Ok;
  }

  held(st: Uint8Array, add: (thread: number, lockClass: number, read: boolean) => void): void {
    this.model.srcus.forEach((s, d) => {
      for (let t = 0; t < this.threads; t++) if (this.depth(st, d, t) > 0) add(t, s.lockClass, true);
    });
  }

  /** Each domain: the threads in a read section (with their depth), and the synchronizes waiting for them. */
  describe(m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void {
    this.model.srcus.forEach((s, d) => {
      const readers: string[] = [];
      for (let t = 0; t < this.threads; t++) {
        const n = this.depth(st, d, t);
        if (n > 0) readers.push(`${this.model.cpus[t]!.name}${n > 1 ? ` (depth ${n})` : ""}`);
      }
      const syncs: string[] = [];
      for (let t = 0; t < this.threads; t++) {
        const ins = m.instrAt(st, t);
        if (ins?.op !== "synchronize_srcu" || ins.domain !== d || !m.waits.waiting(st, t)) continue;
        const on = threadNames(this.model, this.waitingFor(st, t));
        syncs.push(`${this.model.cpus[t]!.name} in synchronize${on.length > 0 ? `, waiting for ${on.join(", ")}` : ""}`);
      }
      const words = [readers.length > 0 ? `read sections open: ${readers.join(", ")}` : "no read section open", ...syncs];
      add({ kind: s.name === RCU_DOMAIN ? "rcu" : "srcu", name: s.name, state: words.join("; ") });
    });
  }

  pack(field: (byte: number, bits: number) => void): void {
    this.depths.pack(field);
  }

  derive(): void {}

  // Promela: sr_depth[d * threads + t]; a synchronize's record in wt_data, one bit per thread.
  promelaDecls(): string[] {
    const D = this.model.srcus.length;
    return D > 0 ? [`byte sr_depth[${D * this.threads}];`] : [];
  }

  promelaInit(): string[] {
    return [];
  }

  promelaJump(): string {
    return "";
  }

  /** Promela: thread t's section of d closed: its bit cleared in every synchronize of d waiting. */
  promelaClosed(d: number, t: number): string {
    const waits = this.layout!.waits;
    let s = "";
    this.model.cpus.forEach((c, u) =>
      c.code.forEach((ins, pc) => {
        if (ins.op !== "synchronize_srcu" || ins.domain !== d) return;
        const at = waits.promelaData(u, t >>> 3);
        s += `if :: ${waits.promelaWaitingAt(u, pc)} -> ${at} = ${at} & ${255 & ~(1 << (t & 7))} :: else -> skip fi; `;
      }),
    );
    return s;
  }
}

const srcu = (m: Layout): SrcuState => m.p.srcus;

const plain = {
  unblockers: byOwners,
  successors: (ins: { readonly next: number }): readonly number[] => [ins.next],
  choices: () => 1,
  arrival: () => {},
  releases: () => undefined,
} as const;

const touch = (ins: SrcuInstr, a: AccessSink, m: Layout, write: boolean): void => a.resource(srcu(m).res(ins.domain), write);

/** `srcu_read_lock S` / `rcu_read_lock`: one section deeper (never blocks). */
export const srcuReadLockOp: OpSemantics<InstrOf<"srcu_read_lock">> = {
  ...plain,
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const at = srcu(m).depthByte(ins.domain, cpu);
    if (st[at] === 255) return -StepResult.Overflow;
    st[at] = st[at]! + 1;
    return ins.next;
  },
  access: (ins, a, m) => touch(ins, a, m, true),
  canStop: () => true,
  // A recursive read: no lock-order edge into the domain.
  acquires: () => undefined,
  words: (ins, m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: " → overflow" } : { ...NO_WORDS, lock: m.model.srcus[ins.domain]!.lockClass, acquired: true }),
  promela(ins, p) {
    const r = `sr_depth[${ins.domain * p.model.cpus.length + p.cpu}]`;
    return `atomic { if :: ${r} == 255 -> ${p.stop} :: else -> ${r}++; ${p.go(ins.next)} fi }`;
  },
};

/** `srcu_read_unlock S` / `rcu_read_unlock`: closes a section; without one open it is a misuse. */
export const srcuReadUnlockOp: OpSemantics<InstrOf<"srcu_read_unlock">> = {
  ...plain,
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const s = srcu(m);
    const at = s.depthByte(ins.domain, cpu);
    if (at < 0 || st[at] === 0) return -StepResult.SectionUnbalanced;
    st[at] = st[at]! - 1;
    if (st[at] === 0) s.closed(st, ins.domain, cpu);
    return ins.next;
  },
  access: (ins, a, m) => touch(ins, a, m, true),
  canStop: () => true,
  acquires: () => undefined,
  words: (_ins, _m, _b, _a, _c, _ch, failed) => (failed ? { ...NO_WORDS, outcome: " → no section open" } : NO_WORDS),
  promela(ins, p) {
    const s = srcu(p.layout);
    const r = `sr_depth[${ins.domain * p.model.cpus.length + p.cpu}]`;
    return `atomic { if :: ${r} == 0 -> ${p.stop} :: else -> ${r}--; if :: ${r} == 0 -> ${s.promelaClosed(ins.domain, p.cpu)}skip :: else -> skip fi; ${p.go(ins.next)} fi }`;
  },
};

/** `synchronize_srcu S` / `synchronize_rcu`: waits for the sections open at the call. */
export const synchronizeSrcuOp: OpSemantics<InstrOf<"synchronize_srcu">> = {
  sleeps: () => true,
  ...plain,
  releasedByWrites: true,
  recordBytes: (_ins, model) => maskBytes(model),
  status(m, st, cpu, _ins, waitsFor) {
    if (!m.waits.waiting(st, cpu)) return CpuStatus.Enabled;
    return waitingFor(waitsFor, cpu, srcu(m).waitingFor(st, cpu));
  },
  step(m, st, cpu, ins) {
    const waits = m.waits;
    if (waits.waiting(st, cpu)) {
      waits.clear(st, cpu);
      return ins.next;
    }
    const readers = srcu(m).readers(st, ins.domain);
    if (readers === 0) return ins.next;
    waits.setWaiting(st, cpu, true);
    for (let i = 0; i < maskBytes(m.model); i++) st[waits.data(cpu, i)] = (readers >>> (8 * i)) & 0xff;
    return m.pc(st, cpu);
  },
  access: (ins, a, m) => touch(ins, a, m, false),
  canStop: () => false,
  acquires: (ins, model) => ({ lock: model.srcus[ins.domain]!.lockClass, read: false, sync: true }),
  words(_ins, m, before, after, cpu) {
    if (m.waits.waiting(before, cpu)) return { ...NO_WORDS, outcome: " → grace period over" };
    if (!m.waits.waiting(after, cpu)) return { ...NO_WORDS, outcome: " → no reader: returns" };
    const names = m.model.cpus.filter((_, t) => srcu(m).waitingFor(after, cpu) & (1 << t)).map((c) => c.name);
    return { ...NO_WORDS, outcome: ` → waits for the sections of ${names.join(", ")}` };
  },
  observe: (ins, m, st, cpu) => (m.waits.waiting(st, cpu) ? 0 : srcu(m).readers(st, ins.domain) || NO_THREAD),
  seen(ins, model, thread, bits) {
    const name = model.srcus[ins.domain]!.name;
    const readers = bits & ~NO_THREAD;
    const found = [
      ...(bits & NO_THREAD ? ["no section open: returns at once"] : []),
      ...threadNames(model, readers).map((t) => (t === model.cpus[thread]!.name ? "its own section open: waits for itself" : `${t} in a section: waits for it to close`)),
    ];
    return { on: name === RCU_DOMAIN ? "the RCU read-side sections" : `the sections of ${name}`, found, threads: threadNames(model, readers) };
  },
  promela(ins, p) {
    const waits = p.layout.waits;
    const n = p.model.cpus.length;
    const bytes = maskBytes(p.model);
    const anyReader = p.model.cpus.map((_, t) => `sr_depth[${ins.domain * n + t}] > 0`).join(" || ");
    let fill = "";
    for (let t = 0; t < n; t++) fill += `if :: sr_depth[${ins.domain * n + t}] > 0 -> ${waits.promelaData(p.cpu, t >>> 3)} = ${waits.promelaData(p.cpu, t >>> 3)} | ${1 << (t & 7)} :: else -> skip fi; `;
    const done = Array.from({ length: bytes }, (_, i) => `${waits.promelaData(p.cpu, i)} == 0`).join(" && ");
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && !(${anyReader}) -> ${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && (${anyReader}) -> ${waits.promelaArm(p.cpu, p.pc)}${fill}goto ${p.here} ` +
      `:: wt_phase[${p.cpu}] == 1 && ${done} -> ${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};
