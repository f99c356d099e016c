// The set of visited states: packed states laid end to end in one growing
// Int32Array arena (a state's bytes padded to whole words, so hashing,
// comparing and copying go a word at a time), an open-addressing hash table
// of state ids keyed on the contents, and for each state its parent and the
// step that reached it (so the shortest trace to any state can be rebuilt).
// Ids are given in BFS order, so the arena is also the search queue.

export class StateStore {
  readonly stateWords: number;
  private arena: Int32Array;
  private table: Int32Array;
  private mask: number;
  private hashes: Int32Array;
  parent: Int32Array;
  /** cpu | choice << 8 of the step that first reached the state. */
  via: Int32Array;
  count = 0;

  constructor(
    readonly stateBytes: number,
    initialCapacity = 1024,
  ) {
    this.stateWords = Math.max(1, Math.ceil(stateBytes / 4));
    this.arena = new Int32Array(this.stateWords * initialCapacity);
    this.hashes = new Int32Array(initialCapacity);
    this.parent = new Int32Array(initialCapacity);
    this.via = new Int32Array(initialCapacity);
    this.table = new Int32Array(initialCapacity * 2);
    this.mask = this.table.length - 1;
  }

  /** A working state: bytes for the semantics, words for the store, one buffer. */
  newState(): { bytes: Uint8Array; words: Int32Array } {
    const buffer = new ArrayBuffer(this.stateWords * 4);
    return { bytes: new Uint8Array(buffer), words: new Int32Array(buffer) };
  }

  /** Bytes held per stored state: the packed state, its hash, parent and step, and its table slots. */
  get bytesPerState(): number {
    return 4 * this.stateWords + 4 * 3 + (4 * this.table.length) / Math.max(1, this.count);
  }

  private hash(st: Int32Array): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < this.stateWords; i++) {
      h = Math.imul(h ^ st[i]!, 0x9e3779b1);
      h ^= h >>> 15;
    }
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h;
  }

  /** Copies state `id` into `out`. */
  load(id: number, out: Int32Array): void {
    const off = id * this.stateWords;
    for (let i = 0; i < this.stateWords; i++) out[i] = this.arena[off + i]!;
  }

  /** A fresh copy of state `id`'s bytes. */
  bytes(id: number): Uint8Array {
    const s = this.newState();
    this.load(id, s.words);
    return s.bytes;
  }

  /** The id of `st`, adding it if new (then `count` grows by one). */
  insert(st: Int32Array, parent: number, via: number): number {
    const h = this.hash(st);
    const w = this.stateWords;
    const arena = this.arena;
    let slot = h & this.mask;
    for (;;) {
      const entry = this.table[slot]!;
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === h) {
        const off = id * w;
        let same = true;
        for (let i = 0; i < w; i++) {
          if (arena[off + i] !== st[i]) {
            same = false;
            break;
          }
        }
        if (same) return id;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.count === this.parent.length) this.grow();
    const id = this.count++;
    this.arena.set(st, id * w);
    this.hashes[id] = h;
    this.parent[id] = parent;
    this.via[id] = via;
    if (this.count * 2 > this.table.length) this.rehash();
    else this.table[slot] = id + 1;
    return id;
  }

  private grow(): void {
    const cap = this.parent.length * 2;
    const arena = new Int32Array(cap * this.stateWords);
    arena.set(this.arena);
    this.arena = arena;
    const grow32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.hashes = grow32(this.hashes);
    this.parent = grow32(this.parent);
    this.via = grow32(this.via);
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = this.hashes[id]! & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = id + 1;
    }
  }

  /** The steps (cpu | choice << 8) from the initial state to `id`. */
  pathTo(id: number): number[] {
    const steps: number[] = [];
    for (let s = id; s > 0; s = this.parent[s]!) steps.push(this.via[s]!);
    return steps.reverse();
  }
}
