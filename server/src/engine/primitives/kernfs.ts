// kernfs active references (race-language.md §9): `kernfs KN`, the block
// `sysfs KN { … }` (kernfs_get_active … kernfs_put_active around a sysfs
// attribute's store), kernfs_remove and kernfs_remove_self.
//
// Per node: whether it is deactivated (a removal has begun), removed (a
// removal's drain is done and the node unlinked), and, where the code calls
// kernfs_remove_self, which thread won its arbitration and whether that
// one's removal is done (KERNFS_SUICIDAL, KERNFS_SUICIDED); per thread whose
// code enters it, how many active references that thread holds. `sysfs KN`
// is one step: on a deactivated node it skips its body (the write fails
// with -ENODEV), else it takes a reference, dropped by the block's end
// (`end sysfs KN`). kernfs_remove returns at once on a removed node, else
// deactivates it and waits until no reference remains (two steps,
// waits.ts); inside the node's own block it waits for itself.
//
// kernfs_remove_self follows fs/kernfs/dir.c kernfs_remove_self(): it drops
// one of the caller's references (kernfs_break_active_protection); the first
// caller wins, removes the node (waiting for the other references), and takes
// its reference back (kernfs_unbreak_active_protection): true, and the rest
// of its block still holds kn->active. A later caller loses: it waits until
// the winner's removal is done and no reference remains (so until the
// winner's whole sysfs operation has ended), takes its own back: false. A
// plain kernfs_remove does not take part in the arbitration.
//
// Lockdep's view: `sysfs` is a read-trylock of kn->active (no edge into
// it, held for the block), a removal a write acquire.

import type { InstrBase, Model } from "../model";
import { CpuStatus, StepResult, waitingFor } from "../status";
import type { Layout } from "../state";
import { PerThreadCounts } from "./counters";
import { bitsFor, byOwners, NO_THREAD, NO_WORDS, threadNames, type AccessSink, type InstrOf, type ObjectState, type OpSemantics, type StatePart, type WaitFacts } from "./types";

export type KernfsInstr =
  /** next: the body (a reference taken); alt: after the block (the node is deactivated). */
  | (InstrBase & { readonly op: "sysfs_enter"; readonly kn: number; readonly next: number; readonly alt: number })
  | (InstrBase & { readonly op: "sysfs_exit" | "kernfs_remove"; readonly kn: number; readonly next: number })
  /** next: this thread won the removal (true); alt: another kernfs_remove_self had (false). */
  | (InstrBase & { readonly op: "kernfs_remove_self"; readonly kn: number; readonly next: number; readonly alt: number });

/** A node's flag bits (its byte at base + kn). */
const DEACTIVATED = 1;
const REMOVED = 2;
/** The winner of kernfs_remove_self has removed the node (KERNFS_SUICIDED). */
const SUICIDED = 4;

export class KernfsState implements StatePart {
  readonly size: number;
  readonly resources: number;
  /** Per node and thread whose code enters the node: its active references. */
  private readonly refCounts: PerThreadCounts;
  private readonly threads: number;
  /** Per node: the threads whose code calls kernfs_remove on it (a mask). */
  private readonly plainRemovers: Int32Array;

  constructor(
    private readonly model: Model,
    readonly base: number,
    private readonly resBase: number,
  ) {
    const K = model.kernfs.length;
    this.threads = model.cpus.length;
    this.refCounts = new PerThreadCounts(model, K, base + 2 * K, (t) => model.cpus[t]!.code.flatMap((ins) => (ins.op === "sysfs_enter" ? [ins.kn] : [])));
    this.size = 2 * K + this.refCounts.size;
    this.resources = K;
    this.plainRemovers = new Int32Array(K);
    model.cpus.forEach((c, t) => c.code.forEach((ins) => ins.op === "kernfs_remove" && (this.plainRemovers[ins.kn]! |= 1 << t)));
  }

  init(): void {}

  private flags(st: Uint8Array, kn: number): number {
    return st[this.base + kn]!;
  }

  private setFlags(st: Uint8Array, kn: number, bits: number): void {
    st[this.base + kn] = st[this.base + kn]! | bits;
  }

  deactivated(st: Uint8Array, kn: number): boolean {
    return (this.flags(st, kn) & DEACTIVATED) !== 0;
  }

  deactivate(st: Uint8Array, kn: number): void {
    this.setFlags(st, kn, DEACTIVATED);
  }

  /** Has a removal's drain finished (the node unlinked)? Then kernfs_remove returns at once. */
  removed(st: Uint8Array, kn: number): boolean {
    return (this.flags(st, kn) & REMOVED) !== 0;
  }

  unlink(st: Uint8Array, kn: number): void {
    this.setFlags(st, kn, DEACTIVATED | REMOVED);
  }

  /** The thread that won kernfs_remove_self's arbitration on kn, or -1. */
  winner(st: Uint8Array, kn: number): number {
    return st[this.base + this.model.kernfs.length + kn]! - 1;
  }

  setWinner(st: Uint8Array, kn: number, t: number): void {
    st[this.base + this.model.kernfs.length + kn] = t + 1;
  }

  suicided(st: Uint8Array, kn: number): boolean {
    return (this.flags(st, kn) & SUICIDED) !== 0;
  }

  markSuicided(st: Uint8Array, kn: number): void {
    this.setFlags(st, kn, SUICIDED);
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

  /** Is a kernfs_remove of kn waiting for its drain (then the drain's end is a moment of its own)? */
  drainWaited(m: Layout, st: Uint8Array, kn: number): boolean {
    for (let t = 0, mask = this.plainRemovers[kn]!; mask !== 0; t++, mask >>>= 1) {
      if (!(mask & 1) || !m.waits.waiting(st, t)) continue;
      const ins = m.instrAt(st, t);
      if (ins?.op === "kernfs_remove" && ins.kn === kn) return true;
    }
    return false;
  }

  res(kn: number): number {
    return this.resBase + kn;
  }

  held(st: Uint8Array, add: (thread: number, lockClass: number, read: boolean) => void): void {
    this.model.kernfs.forEach((k, kn) => {
      for (let t = 0; t < this.threads; t++) if (this.refs(st, kn, t) > 0) add(t, k.lockClass, true);
    });
  }

  /** Each node: active, deactivated (a removal under way) or removed; who holds active references; a kernfs_remove_self under way. */
  describe(_m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void {
    this.model.kernfs.forEach((k, kn) => {
      const refs: string[] = [];
      for (let t = 0; t < this.threads; t++) {
        const n = this.refs(st, kn, t);
        if (n > 0) refs.push(`${this.model.cpus[t]!.name}${n > 1 ? ` ×${n}` : ""}`);
      }
      const held = refs.length > 0 ? `active references: ${refs.join(", ")}` : "no active reference";
      const w = this.winner(st, kn);
      const self = w >= 0 && !this.suicided(st, kn) ? `; kernfs_remove_self by ${this.model.cpus[w]!.name} under way` : "";
      const state = this.removed(st, kn) ? (refs.length > 0 ? `removed; ${held}` : "removed (deactivated, no active reference)") : this.deactivated(st, kn) ? `deactivated (being removed); ${held}${self}` : refs.length > 0 ? `active; ${held}` : "active, no active reference";
      add({ kind: "kernfs", name: k.name, state });
    });
  }

  pack(field: (byte: number, bits: number) => void): void {
    const K = this.model.kernfs.length;
    const self = new Set<number>();
    for (const c of this.model.cpus) for (const ins of c.code) if (ins.op === "kernfs_remove_self") self.add(ins.kn);
    for (let kn = 0; kn < K; kn++) {
      if (self.has(kn)) {
        field(this.base + kn, 3);
        field(this.base + K + kn, bitsFor(this.threads + 1));
      } else if (this.plainRemovers[kn] !== 0) field(this.base + kn, 2);
    }
    this.refCounts.pack(field);
  }

  derive(): void {}

  // Promela: kn_dead[kn] (deactivated), kn_gone[kn] (removed), kn_win[kn]
  // (winner thread + 1), kn_sui[kn] (suicided), kn_ref[kn * threads + t].
  promelaDecls(): string[] {
    const K = this.model.kernfs.length;
    return K > 0 ? [`byte kn_dead[${K}];`, `byte kn_gone[${K}];`, `byte kn_win[${K}];`, `byte kn_sui[${K}];`, `byte kn_ref[${K * this.threads}];`] : [];
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

  /** Promela: drainWaited(). */
  promelaDrainWaited(m: Layout, kn: number): string {
    const terms: string[] = [];
    this.model.cpus.forEach((c, t) => c.code.forEach((ins, pc) => ins.op === "kernfs_remove" && ins.kn === kn && terms.push(m.waits.promelaWaitingAt(t, pc))));
    return terms.length > 0 ? `(${terms.join(" || ")})` : "false";
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

/** At a removal's call: the threads holding an active reference (a removal by itself drops one of its own first), or NO_THREAD. */
function observeHolders(m: Layout, st: Uint8Array, cpu: number, kn: number, self: boolean): number {
  if (m.waits.waiting(st, cpu)) return 0;
  const k = kernfs(m);
  const own = self && k.refs(st, kn, cpu) === 1 ? 1 << cpu : 0;
  return k.holders(st, kn) & ~own || NO_THREAD;
}

function holdersSeen(model: Model, kn: number, thread: number, bits: number): WaitFacts {
  const holders = threadNames(model, bits & ~NO_THREAD);
  const found = [
    ...(bits & NO_THREAD ? ["no active reference: removed at once"] : []),
    ...holders.map((t) => (t === model.cpus[thread]!.name ? "inside its own sysfs block: waits for itself" : `${t} inside its sysfs block: waits for it to leave`)),
  ];
  return { on: `kn->active#${model.kernfs[kn]!.name}`, found, threads: holders };
}

/** `kernfs_remove KN`: returns at once on a removed node; else deactivates KN, then waits until no active reference remains. */
export const kernfsRemoveOp: OpSemantics<InstrOf<"kernfs_remove">> = {
  sleeps: () => true,
  ...plain,
  successors: (ins) => [ins.next],
  releasedByWrites: true,
  recordBytes: () => 0,
  status: (m, st, cpu, ins, waitsFor) => drainStatus(m, st, cpu, ins.kn, waitsFor),
  step(m, st, cpu, ins) {
    const k = kernfs(m);
    if (m.waits.waiting(st, cpu)) {
      m.waits.clear(st, cpu);
      k.unlink(st, ins.kn);
      return ins.next;
    }
    if (k.removed(st, ins.kn)) return ins.next;
    k.deactivate(st, ins.kn);
    if (k.holders(st, ins.kn) === 0) {
      k.unlink(st, ins.kn);
      return ins.next;
    }
    m.waits.setWaiting(st, cpu, true);
    return m.pc(st, cpu);
  },
  canStop: () => false,
  acquires: removal,
  words(ins, m, before, after, cpu) {
    if (m.waits.waiting(before, cpu)) return { ...NO_WORDS, outcome: " → drained, removed" };
    if (m.waits.waiting(after, cpu)) return { ...NO_WORDS, outcome: " → deactivated; waits for the active references" };
    return { ...NO_WORDS, outcome: kernfs(m).removed(before, ins.kn) ? " → already removed" : " → removed" };
  },
  observe: (ins, m, st, cpu) => (kernfs(m).removed(st, ins.kn) ? NO_THREAD : observeHolders(m, st, cpu, ins.kn, false)),
  seen: (ins, model, thread, bits) => holdersSeen(model, ins.kn, thread, bits),
  promela(ins, p) {
    const waits = p.layout.waits;
    const kn = ins.kn;
    const drained = kernfs(p.layout).promelaDrained(kn);
    const unlink = `kn_dead[${kn}] = 1; kn_gone[${kn}] = 1; `;
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && kn_gone[${kn}] != 0 -> ${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && kn_gone[${kn}] == 0 && ${drained} -> ${unlink}${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 0 && kn_gone[${kn}] == 0 && !${drained} -> kn_dead[${kn}] = 1; ${waits.promelaArm(p.cpu, p.pc)}goto ${p.here} ` +
      `:: wt_phase[${p.cpu}] == 1 && ${drained} -> ${unlink}${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} fi }`
    );
  },
};

/**
 * What a kernfs_remove_self call waits for: the winner, for the other
 * references to go (its removal's drain); a loser, for the winner's removal
 * to be done and every reference to go (the winner's taken back too: the
 * whole sysfs operation that won). -1 when it can return.
 */
function removeSelfWaitsFor(k: KernfsState, st: Uint8Array, kn: number, won: boolean): number {
  const holders = k.holders(st, kn);
  if (won) return holders === 0 ? -1 : holders;
  const w = k.winner(st, kn);
  const pending = k.suicided(st, kn) || w < 0 ? 0 : 1 << w;
  return holders === 0 && pending === 0 ? -1 : holders | pending;
}

/** A kernfs_remove_self returning: the winner's removal done; the caller's reference taken back. */
function removeSelfReturn(k: KernfsState, st: Uint8Array, cpu: number, kn: number, won: boolean): void {
  if (won) {
    k.unlink(st, kn);
    k.markSuicided(st, kn);
  }
  const at = k.refByte(kn, cpu);
  st[at] = st[at]! + 1;
}

/**
 * `kernfs_remove_self KN` (device_remove_file_self, fs/kernfs/dir.c
 * kernfs_remove_self): inside KN's own block, drops one of this thread's
 * references; the first caller removes KN (true), a later one waits for
 * that removal and the winner's block to end (false); either takes its
 * reference back before it returns. The winner returns in its call's
 * step when nothing is left to drain and no kernfs_remove waits for the
 * drain (which may see it done in between).
 */
export const kernfsRemoveSelfOp: OpSemantics<InstrOf<"kernfs_remove_self">> = {
  sleeps: () => true,
  ...plain,
  successors: (ins) => [ins.next, ins.alt],
  releasedByWrites: true,
  recordBytes: () => 1,
  status(m, st, cpu, ins, waitsFor) {
    if (!m.waits.waiting(st, cpu)) return CpuStatus.Enabled;
    const mask = removeSelfWaitsFor(kernfs(m), st, ins.kn, st[m.waits.data(cpu, 0)] === 1);
    return waitingFor(waitsFor, cpu, mask < 0 ? 0 : mask);
  },
  step(m, st, cpu, ins) {
    const k = kernfs(m);
    const waits = m.waits;
    const kn = ins.kn;
    if (waits.waiting(st, cpu)) {
      const won = st[waits.data(cpu, 0)] === 1;
      waits.clear(st, cpu);
      removeSelfReturn(k, st, cpu, kn, won);
      return won ? ins.next : ins.alt;
    }
    const at = k.refByte(kn, cpu);
    if (at < 0 || st[at] === 0) return -StepResult.RemoveSelfOutside;
    st[at] = st[at]! - 1;
    const won = k.winner(st, kn) < 0;
    if (won) {
      k.setWinner(st, kn, cpu);
      k.deactivate(st, kn);
    }
    if (removeSelfWaitsFor(k, st, kn, won) < 0 && !(won && k.drainWaited(m, st, kn))) {
      removeSelfReturn(k, st, cpu, kn, won);
      return won ? ins.next : ins.alt;
    }
    waits.setWaiting(st, cpu, true);
    st[waits.data(cpu, 0)] = won ? 1 : 0;
    return m.pc(st, cpu);
  },
  canStop: () => true,
  acquires: removal,
  words(ins, m, before, after, cpu, _choice, failed) {
    if (failed) return { ...NO_WORDS, outcome: " → no active reference to drop (outside its sysfs block)" };
    const waits = m.waits;
    const k = kernfs(m);
    if (waits.waiting(before, cpu)) return { ...NO_WORDS, outcome: before[waits.data(cpu, 0)] === 1 ? " → removed: true" : " → removed by another: false" };
    if (!waits.waiting(after, cpu)) return { ...NO_WORDS, outcome: k.winner(before, ins.kn) < 0 ? " → removed: true" : " → removed by another: false" };
    if (after[waits.data(cpu, 0)] === 1) {
      const first = k.deactivated(before, ins.kn) ? "another removal is under way" : "deactivated";
      // With no other reference left it waits only for its own return, a moment in which a waiting kernfs_remove sees the drain done.
      const then = k.holders(after, ins.kn) === 0 ? "drained" : "waits for the other references";
      return { ...NO_WORDS, outcome: ` → own reference dropped; ${first}; ${then}` };
    }
    return { ...NO_WORDS, outcome: ` → own reference dropped; ${m.model.cpus[k.winner(before, ins.kn)]!.name} is removing it: waits for its sysfs operation to end` };
  },
  observe: (ins, m, st, cpu) => observeHolders(m, st, cpu, ins.kn, true),
  seen: (ins, model, thread, bits) => holdersSeen(model, ins.kn, thread, bits),
  promela(ins, p) {
    const waits = p.layout.waits;
    const k = kernfs(p.layout);
    const kn = ins.kn;
    const r = `kn_ref[${kn * p.model.cpus.length + p.cpu}]`;
    const d = waits.promelaData(p.cpu, 0);
    const drained = k.promelaDrained(kn);
    // The winner may return once drained; a loser once the winner's removal is done and nothing is held.
    const winnerDone = `(${drained} && ${d} == 1)`;
    const loserDone = `(${drained} && ${d} == 0 && kn_sui[${kn}] != 0)`;
    const winnerBack = `kn_dead[${kn}] = 1; kn_gone[${kn}] = 1; kn_sui[${kn}] = 1; ${r}++; ${d} = 0; `;
    const loserBack = `${r}++; `;
    return (
      `atomic { if :: wt_phase[${p.cpu}] == 0 && ${r} == 0 -> ${p.stop} ` +
      `:: wt_phase[${p.cpu}] == 0 && ${r} > 0 -> ${r}--; ` +
      `if :: kn_win[${kn}] == 0 -> kn_win[${kn}] = ${p.cpu + 1}; kn_dead[${kn}] = 1; ${d} = 1 :: else -> ${d} = 0 fi; ` +
      `if :: ${winnerDone} && !${k.promelaDrainWaited(p.layout, kn)} -> ${winnerBack}${p.go(ins.next)} ` +
      `:: ${loserDone} -> ${loserBack}${p.go(ins.alt)} ` +
      `:: else -> ${waits.promelaArm(p.cpu, p.pc)}goto ${p.here} fi ` +
      `:: wt_phase[${p.cpu}] == 1 && ${winnerDone} -> ${winnerBack}${waits.promelaDisarm(p.cpu)}${p.go(ins.next)} ` +
      `:: wt_phase[${p.cpu}] == 1 && ${loserDone} -> ${loserBack}${waits.promelaDisarm(p.cpu)}${p.go(ins.alt)} fi }`
    );
  },
};
