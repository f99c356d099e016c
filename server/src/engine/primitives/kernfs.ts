// kernfs active references (race-language.md §9): `kernfs KN`, the block
// `sysfs KN { … }` (kernfs_get_active … kernfs_put_active around a sysfs
// attribute's store), kernfs_remove and kernfs_remove_self.
//
// Per node: whether it is deactivated (a removal has begun), and per
// thread whose code enters it, how many active references that thread
// holds. `sysfs KN` is one step: on a deactivated node it skips its body
// (the write fails with -ENODEV), else it takes a reference, dropped by the
// block's end (`end sysfs KN`). kernfs_remove deactivates the node and
// waits until no reference remains (two steps, waits.ts); inside the
// node's own block it waits for itself. kernfs_remove_self drops the
// caller's own reference first; as a condition it is false when a removal
// was already under way, and then it waits for that removal to finish.
//
// Lockdep's view: `sysfs` is a read-trylock of kn->active (no edge into
// it, held for the block), a removal a write acquire.

import type { InstrBase, Model } from "../model";
import { CpuStatus, StepResult, waitingFor } from "../status";
import type { Layout } from "../state";
import { PerThreadCounts } from "./counters";
import { byOwners, NO_THREAD, NO_WORDS, threadNames, type AccessSink, type InstrOf, type ObjectState, type OpSemantics, type StatePart, type WaitFacts } from "./types";

export type KernfsInstr =
  /** next: the body (a reference taken); alt: after the block (the node is deactivated). */
  | (InstrBase & { readonly op: "sysfs_enter"; readonly kn: number; readonly next: number; readonly alt: number })
  | (InstrBase & { readonly op: "sysfs_exit" | "kernfs_remove"; readonly kn: number; readonly next: number })
  /** next: this thread removed the node (true); alt: another removal was under way (false). */
  | (InstrBase & { readonly op: "kernfs_remove_self"; readonly kn: number; readonly next: number; readonly alt: number });

export class KernfsState implements StatePart {
  readonly size: number;
  readonly resources: number;
  /** Per node and thread whose code enters the node: its active references. */
  private readonly refCounts: PerThreadCounts;
  private readonly threads: number;

  constructor(
    private readonly model: Model,
    readonly base: number,
    private readonly resBase: number,
  ) {
    this.threads = model.cpus.length;
    this.refCounts = new PerThreadCounts(model, model.kernfs.length, base + model.kernfs.length, (t) => model.cpus[t]!.code.flatMap((ins) => (ins.op === "sysfs_enter" ? [ins.kn] : [])));
    this.size = model.kernfs.length + this.refCounts.size;
    this.resources = model.kernfs.length;
  }

  init(): void {}

  deactivated(st: Uint8Array, kn: number): boolean {
    return st[this.base + kn]! !== 0;
  }

  deactivate(st: Uint8Array, kn: number): void {
    st[this.base + kn] = 1;
  }

  refs(st: Uint8Array, kn: number, t: number): number {
    return this.refCounts.get(st, kn, t);
  }

  /** Offset of thread t's reference count on kn (it enters kn). */
  refByte(kn: number, t: number): number {
    return this.refCounts.byte(kn, t);
  }

  /** The threads holding an active reference on kn (a mask). */
  holders(st: Uint8Array, kn: number): number {
    return this.refCounts.positive(st, kn);
  }

  res(kn: number): number {
    return this.resBase + kn;
  }

  held(st: Uint8Array, add: (thread: number, lockClass: number, read: boolean) => void): void {
    this.model.kernfs.forEach((k, kn) => {
      for (let t = 0; t < this.threads; t++) if (this.refs(st, kn, t) > 0) add(t, k.lockClass, true);
    });
  }

  /** Each node: active or deactivated (a removal begun), and who holds active references. */
  describe(_m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void {
    this.model.kernfs.forEach((k, kn) => {
      const refs: string[] = [];
      for (let t = 0; t < this.threads; t++) {
        const n = this.refs(st, kn, t);
        if (n > 0) refs.push(`${this.model.cpus[t]!.name}${n > 1 ? ` ×${n}` : ""}`);
      }
      const dead = this.deactivated(st, kn);
      const state = dead
        ? refs.length > 0
          ? `deactivated (being removed); active references: ${refs.join(", ")}`
          : "removed (deactivated, no active reference)"
        : refs.length > 0
          ? `active; active references: ${refs.join(", ")}`
          : "active, no active reference";
      add({ kind: "kernfs", name: k.name, state });
    });
  }

  pack(field: (byte: number, bits: number) => void): void {
    const removed = new Set<number>();
    for (const c of this.model.cpus) for (const ins of c.code) if (ins.op === "kernfs_remove" || ins.op === "kernfs_remove_self") removed.add(ins.kn);
    for (let kn = 0; kn < this.model.kernfs.length; kn++) if (removed.has(kn)) field(this.base + kn, 1);
    this.refCounts.pack(field);
  }

  derive(): void {}

  // Promela: kn_dead[kn], kn_ref[kn * threads + t].
  promelaDecls(): string[] {
    const K = this.model.kernfs.length;
    return K > 0 ? [`byte kn_dead[${K}];`, `byte kn_ref[${K * this.threads}];`] : [];
  }

  promelaInit(): string[] {
    return [];
  }

  promelaJump(): string {
    return "";
  }

  /** Promela: no thread holds a reference on kn. */
  promelaDrained(kn: number): string {
    const terms: string[] = [];
    for (let t = 0; t < this.threads; t++) if (this.refCounts.byte(kn, t) >= 0) terms.push(`kn_ref[${kn * this.threads + t}] == 0`);
    return terms.length > 0 ? `(${terms.join(" && ")})` : "true";
  }
}

const kernfs = (m: Layout): KernfsState => m.p.kernfs;

const plain = {
  unblockers: byOwners,
  choices: () => 1,
  arrival: () => {},
  releases: () => undefined,
  access: (ins: { readonly kn: number }, a: AccessSink, m: Layout) => a.resource(kernfs(m).res(ins.kn), true),
} as const;

const removal = (ins: { readonly kn: number }, model: Model) => ({ lock: model.kernfs[ins.kn]!.lockClass, read: false });

/** `sysfs KN {`: takes an active reference, or skips the block on a deactivated node. */
export const sysfsEnterOp: OpSemantics<InstrOf<"sysfs_enter">> = {
  ...plain,
  successors: (ins) => [ins.next, ins.alt],
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const k = kernfs(m);
    if (k.deactivated(st, ins.kn)) return ins.alt;
    const at = k.refByte(ins.kn, cpu);
    if (st[at] === 255) return -StepResult.Overflow;
    st[at] = st[at]! + 1;
    return ins.next;
  },
  canStop: () => true,
  // A read-trylock of kn->active: no lock-order edge into it.
  acquires: () => undefined,
  words: (ins, m, before, _after, _cpu, _ch, failed) =>
    failed
      ? { ...NO_WORDS, outcome: " → overflow" }
      : kernfs(m).deactivated(before, ins.kn)
        ? { ...NO_WORDS, outcome: " → removed: skipped (-ENODEV)" }
        : { ...NO_WORDS, outcome: " → active reference taken", lock: m.model.kernfs[ins.kn]!.lockClass, acquired: true },
  promela(ins, p) {
    const r = `kn_ref[${ins.kn * p.model.cpus.length + p.cpu}]`;
    return `atomic { if :: kn_dead[${ins.kn}] != 0 -> ${p.go(ins.alt)} :: kn_dead[${ins.kn}] == 0 && ${r} == 255 -> ${p.stop} :: kn_dead[${ins.kn}] == 0 && ${r} < 255 -> ${r}++; ${p.go(ins.next)} fi }`;
  },
};

/** The end of a `sysfs KN` block: drops the reference (none left after kernfs_remove_self). */
export const sysfsExitOp: OpSemantics<InstrOf<"sysfs_exit">> = {
  ...plain,
  successors: (ins) => [ins.next],
  status: () => CpuStatus.Enabled,
  step(m, st, cpu, ins) {
    const at = kernfs(m).refByte(ins.kn, cpu);
    if (at >= 0 && st[at]! > 0) st[at] = st[at]! - 1;
    return ins.next;
  },
  canStop: () => false,
  acquires: () => undefined,
  words: () => NO_WORDS,
  promela(ins, p) {
    const r = `kn_ref[${ins.kn * p.model.cpus.length + p.cpu}]`;
    return `atomic { if :: ${r} > 0 -> ${r}-- :: else -> skip fi; ${p.go(ins.next)} }`;
  },
};

/** The return of a removal: once no reference remains; else it waits for the holders. */
function drainStatus(m: Layout, st: Uint8Array, cpu: number, kn: number, waitsFor: Int32Array): CpuStatus {
  if (!m.waits.waiting(st, cpu)) return CpuStatus.Enabled;
  return waitingFor(waitsFor, cpu, kernfs(m).holders(st, kn));
}

/** At a removal's call: the threads holding an active reference (a removal by itself drops its own first), or NO_THREAD. */
function observeHolders(m: Layout, st: Uint8Array, cpu: number, kn: number, self: boolean): number {
  if (m.waits.waiting(st, cpu)) return 0;
  return kernfs(m).holders(st, kn) & ~(self ? 1 << cpu : 0) || NO_THREAD;
}

function holdersSeen(model: Model, kn: number, thread: number, bits: number): WaitFacts {
  const holders = threadNames(model, bits & ~NO_THREAD);
  const found = [
    ...(bits & NO_THREAD ? ["no active reference: removed at once"] : []),
    ...holders.map((t) => (t === model.cpus[thread]!.name ? "inside its own sysfs block: waits for itself" : `${t} inside its sysfs block: waits for it to leave`)),
  ];
  return { on: `kn->active#${model.kernfs[kn]!.name}`, found, threads: holders };
}

/** `kernfs_remove KN`: deactivates KN, then waits until no active reference remains. */
export const kernfsRemoveOp: OpSemantics<InstrOf<"kernfs_remove">> = {
  ...plain,
  successors: (ins) => [ins.next],
  releasedByWrites: true,
  recordBytes: () => 0,
  status: (m, st, cpu, ins, waitsFor) => drainStatus(m, st, cpu, ins.kn, waitsFor),
  step(m, st, cpu, ins) {
    const k = kernfs(m);
    if (m.waits.waiting(st, cpu)) {
      m.waits.clear(st, cpu);
      return ins.next;
    }
    k.deactivate(st, ins.kn);
    if (k.holders(st, ins.kn) === 0) return ins.next;
    m.waits.setWaiting(st, cpu, true);
    return m.pc(st, cpu);
  },
  canStop: () => false,
  acquires: removal,
  words(ins, m, before, after, cpu) {
    if (m.waits.waiting(before, cpu)) return { ...NO_WORDS, outcome: " → drained, removed" };
    if (m.waits.waiting(after, cpu)) return { ...NO_WORDS, outcome: " → deactivated; waits for the active references" };
    return { ...NO_WORDS, outcome: kernfs(m).deactivated(before, ins.kn) ? " → already removed" : " → removed" };
  },
  observe: (ins, m, st, cpu) => observeHolders(m, st, cpu, ins.kn, false),
  seen: (ins, model, thread, bits) => holdersSeen(model, ins.kn, thread, bits),
  promela(ins, p) {
    const waits = p.layout.waits;
    const drained = kernfs(p.layout).promelaDrained(ins.kn);
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && ${drained} -> kn_dead[${ins.kn}] = 1; ${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && !${drained} -> kn_dead[${ins.kn}] = 1; ${waits.promelaArm(p.cpu, p.pc)}goto ${p.here} ` +
      `:: wt_phase[${p.cpu}] == 1 && ${drained} -> ${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};

/**
 * `kernfs_remove_self KN` (device_remove_file_self): inside KN's own block,
 * drops this thread's reference, then removes KN (true), or, if a removal
 * was already under way, waits for it to finish (false).
 */
export const kernfsRemoveSelfOp: OpSemantics<InstrOf<"kernfs_remove_self">> = {
  ...plain,
  successors: (ins) => [ins.next, ins.alt],
  releasedByWrites: true,
  recordBytes: () => 1,
  status: (m, st, cpu, ins, waitsFor) => drainStatus(m, st, cpu, ins.kn, waitsFor),
  step(m, st, cpu, ins) {
    const k = kernfs(m);
    const waits = m.waits;
    if (waits.waiting(st, cpu)) {
      const removedHere = st[waits.data(cpu, 0)] === 1;
      waits.clear(st, cpu);
      return removedHere ? ins.next : ins.alt;
    }
    const at = k.refByte(ins.kn, cpu);
    if (at < 0 || st[at] === 0) return -StepResult.RemoveSelfOutside;
    st[at] = 0;
    const removedHere = !k.deactivated(st, ins.kn);
    k.deactivate(st, ins.kn);
    if (k.holders(st, ins.kn) === 0) return removedHere ? ins.next : ins.alt;
    waits.setWaiting(st, cpu, true);
    st[waits.data(cpu, 0)] = removedHere ? 1 : 0;
    return m.pc(st, cpu);
  },
  canStop: () => true,
  acquires: removal,
  words(ins, m, before, after, cpu, _choice, failed) {
    if (failed) return { ...NO_WORDS, outcome: " → no active reference to drop (outside its sysfs block)" };
    const waits = m.waits;
    if (waits.waiting(before, cpu)) return { ...NO_WORDS, outcome: before[waits.data(cpu, 0)] === 1 ? " → removed: true" : " → removed by another: false" };
    const first = kernfs(m).deactivated(before, ins.kn) ? "another removal is under way" : "deactivated";
    if (waits.waiting(after, cpu)) return { ...NO_WORDS, outcome: ` → own reference dropped; ${first}; waits for the other references` };
    return { ...NO_WORDS, outcome: kernfs(m).deactivated(before, ins.kn) ? " → removed by another: false" : " → removed: true" };
  },
  observe: (ins, m, st, cpu) => observeHolders(m, st, cpu, ins.kn, true),
  seen: (ins, model, thread, bits) => holdersSeen(model, ins.kn, thread, bits),
  promela(ins, p) {
    const waits = p.layout.waits;
    const kn = ins.kn;
    const r = `kn_ref[${kn * p.model.cpus.length + p.cpu}]`;
    const d = waits.promelaData(p.cpu, 0);
    const drained = kernfs(p.layout).promelaDrained(kn);
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && ${r} == 0 -> ${p.stop} ` +
      `:: wt_phase[${p.cpu}] == 0 && ${r} > 0 -> ${r} = 0; ${d} = (kn_dead[${kn}] == 0 -> 1 : 0); kn_dead[${kn}] = 1; ` +
      `if :: ${drained} && ${d} == 1 -> ${d} = 0; ${p.go(ins.next)} :: ${drained} && ${d} == 0 -> ${p.go(ins.alt)} :: else -> ${waits.promelaArm(p.cpu, p.pc)}goto ${p.here} fi ` +
      `:: wt_phase[${p.cpu}] == 1 && ${drained} && ${d} == 1 -> ${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 1 && ${drained} && ${d} == 0 -> ${waits.promelaDisarm(p.cpu)}${p.go(ins.alt)} fi }`
    );
  },
};
