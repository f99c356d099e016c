// The set of visited states: each state bit-packed (pack.ts) into a few
// 32-bit words laid end to end in one growing arena, an open-addressing hash
// table of state ids keyed on those words, and for each state its parent and
// the step that reached it (so the shortest trace to any state can be
// rebuilt). Ids are given in the order states are found; in a BFS that is
// level order, so the arena is also the search queue.

import type { Packer } from "./pack";

/** Table entries hold id + 1 in the low 26 bits and 6 bits of the hash above. */
const ID_BITS = 26;
const ID_MASK = (1 << ID_BITS) - 1;
/** The most states a store can hold. */
export const MAX_STORED_STATES = ID_MASK - 1;

/** A step as stored: the CPU in the low 5 bits, the either-branch above. */
export const encodeStep = (cpu: number, choice: number): number => cpu | (choice << 5);
export const stepCpu = (via: number): number => via & 31;
export const stepChoice = (via: number): number => via >>> 5;

export class StateStore {
  readonly stateWords: number;
  private arena: Int32Array;
  private table: Int32Array;
  private mask: number;
  parent: Int32Array;
  via: Uint16Array;
  count = 0;
  private readonly scratch: Int32Array;

  constructor(
    readonly packer: Packer,
    initialCapacity = 64,
  ) {
    this.stateWords = packer.words;
    this.scratch = new Int32Array(this.stateWords);
    this.arena = new Int32Array(this.stateWords * initialCapacity);
    this.parent = new Int32Array(initialCapacity);
    this.via = new Uint16Array(initialCapacity);
    this.table = new Int32Array(initialCapacity * 2);
    this.mask = this.table.length - 1;
  }

  /** Bytes held per stored state: its packed words, parent (4), step (2) and its share of the table. */
  get bytesPerState(): number {
    return 4 * this.stateWords + 4 + 2 + (4 * this.table.length) / Math.max(1, this.count);
  }

  private hashAt(words: Int32Array, off: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < this.stateWords; i++) {
      h = Math.imul(h ^ words[off + i]!, 0x9e3779b1);
      h ^= h >>> 15;
    }
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h;
  }

  /** Unpacks state `id` into `out` (and copies its packed words into `words`, if given). */
  load(id: number, out: Uint8Array, words?: Int32Array): void {
    const off = id * this.stateWords;
    this.packer.unpack(this.arena, out, off);
    if (words) for (let i = 0; i < this.stateWords; i++) words[i] = this.arena[off + i]!;
  }

  /** A fresh unpacked copy of state `id`. */
  bytes(id: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    this.load(id, out);
    return out;
  }

  /** The id of state `st`, adding it if new (then `count` grows by one). */
  insert(st: Uint8Array, parent: number, via: number): number {
    this.packer.pack(st, this.scratch);
    return this.insertPacked(this.scratch, parent, via);
  }

  /** Where the last find() that missed would have put its key. */
  private missSlot = -1;
  private missTag = 0;

  /** The hash of the key the last find() looked up (chains.ts keys its cache with it too). */
  lastHash = 0;

  /** The id of the packed state `key`, or -1 if it is not stored. */
  find(key: Int32Array): number {
    const w = this.stateWords;
    const h = (this.lastHash = this.hashAt(key, 0));
    const tag = h >>> ID_BITS;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.table[slot]!;
      if (entry === 0) {
        this.missSlot = slot;
        this.missTag = tag;
        return -1;
      }
      // Compare the stored hash bits first: most probes end here, without touching the arena.
      if (entry >>> ID_BITS !== tag) continue;
      const id = (entry & ID_MASK) - 1;
      const off = id * w;
      let same = true;
      for (let i = 0; i < w; i++) {
        if (this.arena[off + i] !== key[i]) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
  }

  /**
   * Adds `key`, which the store's last call, find(key), did not find
   * (saves hashing and probing it again).
   */
  insertMissed(key: Int32Array, parent: number, via: number): number {
    const slot = this.missSlot;
    this.missSlot = -1;
    if (slot < 0) throw new Error("internal error: insertMissed without a missed find");
    return this.add(key, parent, via, slot, this.missTag);
  }

  /** As insert(), for a state already packed. */
  insertPacked(key: Int32Array, parent: number, via: number): number {
    const id = this.find(key);
    return id >= 0 ? id : this.insertMissed(key, parent, via);
  }

  private add(key: Int32Array, parent: number, via: number, slot: number, tag: number): number {
    if (this.count === this.parent.length) this.grow();
    const id = this.count++;
    this.arena.set(key, id * this.stateWords);
    this.parent[id] = parent;
    this.via[id] = via;
    this.missSlot = -1;
    // Keep the table at most 3/4 full; rehashing recomputes hashes from the arena.
    if (this.count * 4 > this.table.length * 3) this.rehash();
    else this.table[slot] = (id + 1) | (tag << ID_BITS);
    return id;
  }

  /** A shorter path to `id` was found (before it was expanded). */
  reparent(id: number, parent: number, via: number): void {
    this.parent[id] = parent;
    this.via[id] = via;
  }

  private grow(): void {
    const cap = this.parent.length * 2;
    const arena = new Int32Array(cap * this.stateWords);
    arena.set(this.arena);
    this.arena = arena;
    const parent = new Int32Array(cap);
    parent.set(this.parent);
    this.parent = parent;
    const via = new Uint16Array(cap);
    via.set(this.via);
    this.via = via;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let id = 0; id < this.count; id++) {
      const h = this.hashAt(this.arena, id * this.stateWords);
      let slot = h & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = (id + 1) | ((h >>> ID_BITS) << ID_BITS);
    }
  }

  /** The length of the stored (shortest) path to `id`. */
  depth(id: number): number {
    let d = 0;
    for (let s = id; s > 0; s = this.parent[s]!) d++;
    return d;
  }

  /** The steps from the initial state to `id`. */
  pathTo(id: number): number[] {
    const steps: number[] = [];
    for (let s = id; s > 0; s = this.parent[s]!) steps.push(this.via[s]!);
    return steps.reverse();
  }
}
