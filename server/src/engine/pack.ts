// Bit-packing of states for storage. The semantics (state.ts) work on an
// unpacked byte array; the store keeps each state in as few 32-bit words as
// its fields need: a pc takes ceil(log2(2·len + 2)) bits (its code's
// statements, "done", and "stopped at" each statement), a lock owner
// ceil(log2(CPUs + 1)), a non-recursive lock's depth one bit (it is 0 or 1),
// a recursive depth, a reader count or a variable eight.

import { PC_DONE, PC_STOPPED_FLAG } from "./model";
import type { Layout } from "./state";

const bitsFor = (values: number): number => Math.max(1, Math.ceil(Math.log2(values)));

/** An unpacked state: its bytes, and the same memory as words (padded with zeros). */
export interface WorkState {
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}

export function workState(size: number): WorkState {
  const buffer = new ArrayBuffer(Math.max(4, Math.ceil(size / 4) * 4));
  return { bytes: new Uint8Array(buffer), words: new Int32Array(buffer) };
}

export class Packer {
  /** Words per packed state. */
  readonly words: number;
  readonly bits: number;
  private readonly fieldByte: Int32Array;
  private readonly fieldBits: Int32Array;
  /** For pc fields: the CPU's code length; -1 for byte fields. */
  private readonly pcLen: Int32Array;
  /** The first bit of each field, and the field of each byte of the unpacked state. */
  private readonly fieldBit: Int32Array;
  private readonly byteField: Int32Array;

  constructor(layout: Layout) {
    const model = layout.model;
    const bytes: number[] = [];
    const widths: number[] = [];
    const lens: number[] = [];
    model.cpus.forEach((c, i) => {
      bytes.push(2 * i);
      widths.push(bitsFor(2 * c.code.length + 2));
      lens.push(c.code.length);
    });
    const ownerBits = bitsFor(model.cpus.length + 1);
    model.locks.forEach((l, i) => {
      bytes.push(layout.lockBase + 2 * i, layout.lockBase + 2 * i + 1);
      widths.push(ownerBits, l.kind === "recursive mutex" ? 8 : 1);
      lens.push(-1, -1);
      if (layout.readerBase[i]! >= 0) {
        for (let c = 0; c < model.cpus.length; c++) {
          bytes.push(layout.readerBase[i]! + c);
          widths.push(8);
          lens.push(-1);
        }
      }
    });
    model.vars.forEach((_, i) => {
      bytes.push(layout.varBase + i);
      widths.push(8);
      lens.push(-1);
    });
    this.fieldByte = Int32Array.from(bytes);
    this.fieldBits = Int32Array.from(widths);
    this.pcLen = Int32Array.from(lens);
    this.bits = widths.reduce((a, b) => a + b, 0);
    this.words = Math.max(1, Math.ceil(this.bits / 32));
    this.fieldBit = new Int32Array(widths.length);
    for (let f = 1; f < widths.length; f++) this.fieldBit[f] = this.fieldBit[f - 1]! + widths[f - 1]!;
    this.byteField = new Int32Array(layout.size).fill(-1);
    bytes.forEach((b, f) => {
      this.byteField[b] = f;
      if (lens[f]! >= 0) this.byteField[b + 1] = f;
    });
  }

  private value(st: Uint8Array, f: number): number {
    const at = this.fieldByte[f]!;
    const len = this.pcLen[f]!;
    if (len < 0) return st[at]!;
    const pc = st[at]! | (st[at + 1]! << 8);
    return pc === PC_DONE ? len : pc & PC_STOPPED_FLAG ? len + 1 + (pc & ~PC_STOPPED_FLAG) : pc;
  }

  /**
   * `out` = the packed form of `next`, given `base`, the packed form of
   * `cur`: only the fields whose bytes differ are rewritten (a step changes
   * two or three bytes).
   */
  packDelta(base: Int32Array, cur: WorkState, next: WorkState, out: Int32Array): void {
    for (let i = 0; i < this.words; i++) out[i] = base[i]!;
    let last = -1;
    const cw = cur.words;
    const nw = next.words;
    for (let i = 0; i < nw.length; i++) {
      if (nw[i] === cw[i]) continue; // most words are unchanged: skip four bytes at once
      for (let b = 4 * i; b < 4 * i + 4; b++) {
        if (next.bytes[b] === cur.bytes[b]) continue;
        const f = this.byteField[b]!;
        if (f < 0 || f === last) continue;
        last = f;
        this.setField(out, f, this.value(next.bytes, f));
      }
    }
  }

  private setField(out: Int32Array, f: number, v: number): void {
    const w = this.fieldBits[f]!;
    const pos = this.fieldBit[f]!;
    const word = pos >>> 5;
    const bit = pos & 31;
    const lowBits = Math.min(w, 32 - bit);
    const lowMask = (lowBits === 32 ? -1 : (1 << lowBits) - 1) << bit;
    out[word] = (out[word]! & ~lowMask) | ((v << bit) & lowMask);
    if (lowBits < w) {
      const highMask = (1 << (w - lowBits)) - 1;
      out[word + 1] = (out[word + 1]! & ~highMask) | (v >>> lowBits);
    }
  }

  pack(st: Uint8Array, out: Int32Array): void {
    out.fill(0);
    for (let f = 0; f < this.fieldByte.length; f++) this.setField(out, f, this.value(st, f));
  }

  /** Unpacks the state stored at `words[offset…]` into `st`. */
  unpack(words: Int32Array, st: Uint8Array, offset = 0): void {
    let word = offset;
    let bit = 0;
    const n = this.fieldByte.length;
    for (let f = 0; f < n; f++) {
      const w = this.fieldBits[f]!;
      let v = words[word]! >>> bit;
      if (bit + w > 32) v |= words[word + 1]! << (32 - bit);
      v &= w === 32 ? -1 : (1 << w) - 1;
      bit += w;
      if (bit >= 32) {
        word++;
        bit -= 32;
      }
      const at = this.fieldByte[f]!;
      const len = this.pcLen[f]!;
      if (len >= 0) {
        const pc = v < len ? v : v === len ? PC_DONE : PC_STOPPED_FLAG | (v - len - 1);
        st[at] = pc & 0xff;
        st[at + 1] = pc >> 8;
      } else st[at] = v;
    }
  }
}
