// Bit-packing of states for storage. The semantics (state.ts) work on an
// unpacked byte array; the store keeps each state in as few 32-bit words as
// the values its fields can actually take, known from the code: a pc takes
// its code's statements, "done", and "stopped at" only the statements
// whose step can stop the CPU (the primitive says which); each primitive
// packs its own part (primitives/: a lock owner as an index among the CPUs
// that take the lock, a depth only for a recursive mutex, reader counts
// only for CPUs that read-lock, a variable in 8 bits). Bytes a part does
// not pack are zero, or rebuilt by it on unpacking (a depth from its owner).

import { PC_DONE, PC_STOPPED_FLAG } from "./model";
import { semantics } from "./primitives";
import { bitsFor } from "./primitives/types";
import type { Layout } from "./state";


/** An unpacked state: its bytes, and the same memory as words (padded with zeros). */
export interface WorkState {
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}

export function workState(size: number): WorkState {
  const buffer = new ArrayBuffer(Math.max(4, Math.ceil(size / 4) * 4));
  return { bytes: new Uint8Array(buffer), words: new Int32Array(buffer) };
}

const enum FieldKind {
  Byte = 0,
  Pc = 1,
  /** A byte stored as its index in a table (a lock owner among the CPUs that take it). */
  Coded = 2,
}

export class Packer {
  /** Words per packed state. */
  readonly words: number;
  readonly bits: number;
  private readonly fieldByte: Int32Array;
  private readonly fieldBits: Int32Array;
  private readonly fieldKind: Uint8Array;
  /** For pc fields: the CPU's code length. */
  private readonly pcLen: Int32Array;
  /** Per field: raw value → code (coded bytes; pcs: stopped pc), and code → raw value. */
  private readonly encode: (Int32Array | undefined)[];
  private readonly decode: (Int32Array | undefined)[];
  /** The first bit of each field, and the field of each byte of the unpacked state. */
  private readonly fieldBit: Int32Array;
  private readonly byteField: Int32Array;
  /** Bytes no field holds: zero on unpacking (before the parts rebuild theirs). */
  private readonly zeroBytes: Int32Array;

  constructor(
    private readonly layout: Layout,
    /**
     * A plain CPU stopped at an error packs as one that has finished (and
     * unpacks so): neither ever moves again, and nothing another thread
     * does can tell them apart (the reduced searches' states: see
     * docs/ARCHITECTURE.md "Reduction", ends alike).
     */
    readonly endsAlike = false,
  ) {
    const model = layout.model;
    const bytes: number[] = [];
    const widths: number[] = [];
    const kinds: FieldKind[] = [];
    const lens: number[] = [];
    const encode: (Int32Array | undefined)[] = [];
    const decode: (Int32Array | undefined)[] = [];
    const field = (byte: number, bits: number, kind: FieldKind, len: number, enc?: Int32Array, dec?: Int32Array): void => {
      bytes.push(byte);
      widths.push(bits);
      kinds.push(kind);
      lens.push(len);
      encode.push(enc);
      decode.push(dec);
    };
    model.cpus.forEach((c, i) => {
      const len = c.code.length;
      const enc = new Int32Array(len).fill(-1);
      const dec: number[] = [];
      for (let pc = 0; pc < len; pc++) dec.push(pc);
      dec.push(PC_DONE);
      c.code.forEach((ins, pc) => {
        if (!semantics(ins).canStop(ins, layout)) return;
        if (endsAlike && c.kind === "cpu") {
          enc[pc] = len; // PC_DONE's code
          return;
        }
        enc[pc] = dec.length;
        dec.push(PC_STOPPED_FLAG | pc);
      });
      field(2 * i, bitsFor(dec.length), FieldKind.Pc, len, enc, Int32Array.from(dec));
    });
    for (const part of layout.parts) {
      part.pack((byte, bits, code) => (code ? field(byte, bits, FieldKind.Coded, -1, code.encode, code.decode) : field(byte, bits, FieldKind.Byte, -1)));
    }

    this.fieldByte = Int32Array.from(bytes);
    this.fieldBits = Int32Array.from(widths);
    this.fieldKind = Uint8Array.from(kinds);
    this.pcLen = Int32Array.from(lens);
    this.encode = encode;
    this.decode = decode;
    this.bits = widths.reduce((a, b) => a + b, 0);
    this.words = Math.max(1, Math.ceil(this.bits / 32));
    this.fieldBit = new Int32Array(widths.length);
    for (let f = 1; f < widths.length; f++) this.fieldBit[f] = this.fieldBit[f - 1]! + widths[f - 1]!;
    this.byteField = new Int32Array(layout.size).fill(-1);
    bytes.forEach((b, f) => {
      this.byteField[b] = f;
      if (kinds[f] === FieldKind.Pc) this.byteField[b + 1] = f;
    });
    const zero: number[] = [];
    for (let b = 2 * model.cpus.length; b < layout.size; b++) if (this.byteField[b] === -1) zero.push(b);
    this.zeroBytes = Int32Array.from(zero);
  }

  private value(st: Uint8Array, f: number): number {
    const at = this.fieldByte[f]!;
    switch (this.fieldKind[f]) {
      case FieldKind.Byte:
        return st[at]!;
      case FieldKind.Coded:
        return this.encode[f]![st[at]!]!;
      default: {
        const len = this.pcLen[f]!;
        const pc = st[at]! | (st[at + 1]! << 8);
        return pc === PC_DONE ? len : pc & PC_STOPPED_FLAG ? this.encode[f]![pc & ~PC_STOPPED_FLAG]! : pc;
      }
    }
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
      const kind = this.fieldKind[f];
      if (kind === FieldKind.Byte) st[at] = v;
      else if (kind === FieldKind.Coded) st[at] = this.decode[f]![v]!;
      else {
        const pc = v < this.pcLen[f]! ? v : this.decode[f]![v]!;
        st[at] = pc & 0xff;
        st[at + 1] = pc >> 8;
      }
    }
    const z = this.zeroBytes;
    for (let i = 0; i < z.length; i++) st[z[i]!] = 0;
    const parts = this.layout.parts;
    for (let i = 0; i < parts.length; i++) parts[i]!.derive(st);
  }
}
