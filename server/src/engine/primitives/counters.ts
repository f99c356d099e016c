// A count per (object, thread), one byte each, only for the threads whose
// code uses the object: a kernfs node's active references, an SRCU
// domain's section depth. Shared by the parts that keep such counts.

import type { Model } from "../model";

export class PerThreadCounts {
  /** Per object and thread (o * threads + t): the byte's offset, or -1 if that thread never counts on that object. */
  private readonly at: Int32Array;
  private readonly threads: number;
  /** Bytes placed from `base` on. */
  readonly size: number;

  /** `uses(thread)`: the objects a thread's code counts on. */
  constructor(model: Model, objects: number, base: number, uses: (thread: number) => Iterable<number>) {
    const n = model.cpus.length;
    this.threads = n;
    this.at = new Int32Array(objects * n).fill(-1);
    let off = base;
    for (let t = 0; t < n; t++) for (const o of uses(t)) if (this.at[o * n + t]! < 0) this.at[o * n + t] = off++;
    this.size = off - base;
  }

  get(st: Uint8Array, o: number, t: number): number {
    const a = this.at[o * this.threads + t]!;
    return a < 0 ? 0 : st[a]!;
  }

  /** The byte of thread t's count on o (-1: it never counts on o). */
  byte(o: number, t: number): number {
    return this.at[o * this.threads + t]!;
  }

  /** The threads with a positive count on o, as a mask. */
  positive(st: Uint8Array, o: number): number {
    let mask = 0;
    for (let t = 0; t < this.threads; t++) if (this.get(st, o, t) > 0) mask |= 1 << t;
    return mask;
  }

  pack(field: (byte: number, bits: number) => void): void {
    for (const a of this.at) if (a >= 0) field(a, 8);
  }
}
