// Waits that must remember what they wait for (race-language.md §8, "Steps
// of v2 operations"): `flush_work`, `cancel_work_sync`, `flush_workqueue`,
// `drain_workqueue`, `destroy_workqueue`, `kthread_stop`, `kernfs_remove`,
// `kernfs_remove_self`, `synchronize_*`. Each is one instruction taken in
// two steps: the call (its effect, and a record of the instance, the items
// or the sections it waits for) and the return, enabled once those are
// done. This part keeps that record per thread: a phase (0: not called,
// 1: called, waiting) and the bytes its statement asks for (recordBytes),
// which the primitive that owns the statement reads and the events that
// end a wait (a work item's run ending, a section closing) update.

import type { Model } from "../model";
import { semantics } from ".";
import type { StatePart } from "./types";

export class WaitState implements StatePart {
  readonly size: number;
  /** Per thread: offset of its phase byte (its data bytes follow), or -1 if it never waits in two steps. */
  private readonly at: Int32Array;
  private readonly dataBytes: Int32Array;

  constructor(
    model: Model,
    readonly base: number,
  ) {
    this.at = new Int32Array(model.cpus.length).fill(-1);
    this.dataBytes = new Int32Array(model.cpus.length);
    let off = base;
    model.cpus.forEach((c, t) => {
      let need = -1;
      for (const ins of c.code) {
        const b = semantics(ins).recordBytes?.(ins, model);
        if (b !== undefined) need = Math.max(need, b);
      }
      if (need < 0) return;
      this.at[t] = off;
      this.dataBytes[t] = need;
      off += 1 + need;
    });
    this.size = off - base;
  }

  init(): void {}

  /** Has thread t made its call and not yet returned? */
  waiting(st: Uint8Array, t: number): boolean {
    const a = this.at[t]!;
    return a >= 0 && st[a] !== 0;
  }

  setWaiting(st: Uint8Array, t: number, on: boolean): void {
    st[this.at[t]!] = on ? 1 : 0;
  }

  /** Offset of thread t's data byte i. */
  data(t: number, i: number): number {
    return this.at[t]! + 1 + i;
  }

  /** Clears thread t's record (on return). */
  clear(st: Uint8Array, t: number): void {
    const a = this.at[t]!;
    st.fill(0, a, a + 1 + this.dataBytes[t]!);
  }

  pack(field: (byte: number, bits: number) => void): void {
    this.at.forEach((a, t) => {
      if (a < 0) return;
      field(a, 1);
      for (let i = 0; i < this.dataBytes[t]!; i++) field(a + 1 + i, 8);
    });
  }

  derive(): void {}

  /** In Promela: wt_phase[t], wt_data[t * D + i] with D the largest record. */
  get promelaWidth(): number {
    return Math.max(1, ...this.dataBytes);
  }

  promelaDecls(): string[] {
    if (![...this.at].some((a) => a >= 0)) return [];
    // wt_what[t]: pc+1 of the statement thread t waits at (our states read it from the pc).
    return [`byte wt_phase[${this.at.length}];`, `byte wt_what[${this.at.length}];`, `byte wt_data[${this.at.length * this.promelaWidth}];`];
  }

  /** Promela: is thread t waiting at its statement `pc`? */
  promelaWaitingAt(t: number, pc: number): string {
    return `(wt_phase[${t}] == 1 && wt_what[${t}] == ${pc + 1})`;
  }

  /** Promela: thread t makes its call at `pc` and waits. */
  promelaArm(t: number, pc: number): string {
    return `wt_phase[${t}] = 1; wt_what[${t}] = ${pc + 1}; `;
  }

  /** Promela: thread t returns (its record cleared). */
  promelaDisarm(t: number): string {
    const w = this.promelaWidth;
    let s = `wt_phase[${t}] = 0; wt_what[${t}] = 0; `;
    for (let i = 0; i < this.dataBytes[t]!; i++) s += `wt_data[${t * w + i}] = 0; `;
    return s;
  }

  promelaData(t: number, i: number): string {
    return `wt_data[${t * this.promelaWidth + i}]`;
  }

  promelaInit(): string[] {
    return [];
  }

  promelaJump(): string {
    return "";
  }
}
