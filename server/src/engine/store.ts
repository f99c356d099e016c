// The set of visited states: packed states laid end to end in one growing
// byte arena, an open-addressing hash table of state ids keyed on the
// bytes, and for each state its parent and the step that reached it (so the
// shortest trace to any state can be rebuilt). Ids are given in BFS order,
// so the arena is also the search queue.

export class StateStore {
  private arena: Uint8Array;
  private table: Int32Array;
  private mask: number;
  private hashes: Int32Array;
  parent: Int32Array;
  /** cpu | choice << 8 of the step that first reached the state. */
  via: Int32Array;
  count = 0;

  constructor(readonly stateSize: number, initialCapacity = 1024) {
    this.arena = new Uint8Array(Math.max(1, stateSize) * initialCapacity);
    this.hashes = new Int32Array(initialCapacity);
    this.parent = new Int32Array(initialCapacity);
    this.via = new Int32Array(initialCapacity);
    this.table = new Int32Array(initialCapacity * 2);
    this.mask = this.table.length - 1;
  }

  /** Bytes held per stored state, all tables included. */
  get bytesPerState(): number {
    return this.stateSize + 4 * 3 + (4 * this.table.length) / Math.max(1, this.capacity);
  }

  private get capacity(): number {
    return this.parent.length;
  }

  static hash(st: Uint8Array, size: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < size; i++) h = Math.imul(h ^ st[i]!, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h;
  }

  /** Copies state `id` into `out`. */
  load(id: number, out: Uint8Array): void {
    const off = id * this.stateSize;
    out.set(this.arena.subarray(off, off + this.stateSize));
  }

  private equals(id: number, st: Uint8Array): boolean {
    const a = this.arena;
    const off = id * this.stateSize;
    for (let i = 0; i < this.stateSize; i++) if (a[off + i] !== st[i]) return false;
    return true;
  }

  /** The id of `st`, adding it if new; `added` tells which. */
  insert(st: Uint8Array, parent: number, via: number): { id: number; added: boolean } {
    const h = StateStore.hash(st, this.stateSize);
    let slot = h & this.mask;
    for (;;) {
      const entry = this.table[slot]!;
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === h && this.equals(id, st)) return { id, added: false };
      slot = (slot + 1) & this.mask;
    }
    if (this.count === this.capacity) this.grow();
    const id = this.count++;
    this.arena.set(st, id * this.stateSize);
    this.hashes[id] = h;
    this.parent[id] = parent;
    this.via[id] = via;
    if (this.count * 2 > this.table.length) this.rehash();
    else this.table[slot] = id + 1;
    return { id, added: true };
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const arena = new Uint8Array(cap * Math.max(1, this.stateSize));
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
