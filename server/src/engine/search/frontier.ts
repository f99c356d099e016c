// The queue of states to expand, in order of distance. Without merged
// chains every edge is one step: ids are handed out level by level and the
// store's arena is the BFS queue. With chains, edges weigh their steps and
// the queue is a bucket per distance (Dijkstra with small integer
// weights): each time a state is reached nearer than before, (state,
// parent, step, goals closed) goes into the bucket of that distance; the
// first time a state comes out of a bucket is at its shortest distance,
// and that entry's parent and step become the stored ones (later entries
// are skipped).

import type { StateStore } from "../store";

export class Frontier {
  /** The distance of the state last handed out. */
  depth = 0;
  private levelEnd = 1;
  private nextId = 0;
  /** Per distance: entries of four numbers (state, parent, step, goals closed), `bucketLength` of them used. */
  private readonly buckets: (Int32Array | undefined)[] = [];
  private readonly bucketLength: number[] = [];
  private bucketAt = 0;
  private bucketPos = 0;
  private expandedBits = new Uint32Array(32);
  /** Per state (goal-directed search): how many goals had closed when the edge that reached it was followed. */
  readonly edgeEpoch: number[] = [];

  constructor(
    private readonly store: StateStore,
    /** Edges weigh their steps (merged chains). */
    private readonly weighted: boolean,
    private readonly keepEpochs: boolean,
    /** Where the search starts (weighted only; else the first state): state ids and their distances. */
    roots: readonly { readonly id: number; readonly dist: number }[] = [{ id: 0, dist: 0 }],
  ) {
    if (!weighted) return;
    for (const { id, dist } of roots) {
      this.best = withRoom(this.best, id, 0);
      this.best[id] = dist + 1;
      this.push(dist, id, -1, 0, 0);
    }
  }

  /** What its per-state arrays hold (the buckets come and go). */
  get bytes(): number {
    return this.best.byteLength + this.expandedBits.byteLength;
  }

  /** An expanded state's distance (weighted: its least one, at which it came out). */
  distance(id: number): number {
    return Math.max(0, this.best[id]! - 1);
  }

  isExpanded(id: number): boolean {
    return (this.expandedBits[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  /** Per state (weighted): the least distance it was pushed at, plus one; 0 if never. */
  private best: Int32Array = new Int32Array(64);

  /**
   * State `to` reached at `dist` from `parent` by `via` (an expanded
   * state's successors are settled). Only an entry nearer than every
   * earlier one for `to` goes into a bucket: the first entry at its least
   * distance is the one that comes out first, as if all had gone in.
   */
  reached(to: number, parent: number, via: number, dist: number, epoch: number): void {
    if (!this.weighted || this.isExpanded(to)) return;
    this.best = withRoom(this.best, to, 0);
    // Stored as dist + 1 (0: not pushed yet).
    const known = this.best[to]!;
    if (known !== 0 && known <= dist + 1) return;
    this.best[to] = dist + 1;
    this.push(dist, to, parent, via, epoch);
  }

  private push(dist: number, id: number, parent: number, via: number, epoch: number): void {
    let b = this.buckets[dist];
    const at = this.bucketLength[dist] ?? 0;
    if (b === undefined || at + 4 > b.length) {
      const grown = new Int32Array(Math.max(64, (b?.length ?? 0) * 2));
      if (b) grown.set(b);
      b = this.buckets[dist] = grown;
    }
    b[at] = id;
    b[at + 1] = parent;
    b[at + 2] = via;
    b[at + 3] = epoch;
    this.bucketLength[dist] = at + 4;
  }

  /** The next state to expand, or -1. */
  next(): number {
    return this.weighted ? this.nextWeighted() : this.nextLevel();
  }

  private nextLevel(): number {
    if (this.nextId >= this.store.count) return -1;
    if (this.nextId === this.levelEnd) {
      this.depth++;
      this.levelStarts.push(this.nextId);
      this.levelEnd = this.store.count;
    }
    return this.nextId++;
  }

  /** Unweighted: the first id of each distance begun (ids are handed out level by level). */
  readonly levelStarts: number[] = [0];

  private nextWeighted(): number {
    for (;;) {
      if (this.bucketAt >= this.buckets.length) return -1;
      const b = this.buckets[this.bucketAt];
      if (b === undefined || this.bucketPos >= this.bucketLength[this.bucketAt]!) {
        this.buckets[this.bucketAt] = undefined;
        this.bucketAt++;
        this.bucketPos = 0;
        continue;
      }
      const at = this.bucketPos;
      const id = b[at]!;
      this.bucketPos += 4;
      if (this.isExpanded(id)) continue; // came out of an earlier bucket
      this.markExpanded(id);
      if (id > 0) {
        this.store.reparent(id, b[at + 1]!, b[at + 2]!);
        if (this.keepEpochs) this.edgeEpoch[id] = b[at + 3]!;
      }
      this.depth = this.bucketAt;
      return id;
    }
  }

  private markExpanded(id: number): void {
    if (id >>> 5 >= this.expandedBits.length) {
      const grown = new Uint32Array(Math.max(this.expandedBits.length * 2, (id >>> 5) + 1));
      grown.set(this.expandedBits);
      this.expandedBits = grown;
    }
    this.expandedBits[id >>> 5]! |= 1 << (id & 31);
  }
}

/** `a`, or a copy at least twice as long if index `id` is past its end, the new part filled with `fill`. */
export function withRoom(a: Int32Array, id: number, fill: number): Int32Array {
  if (id < a.length) return a;
  const grown = new Int32Array(Math.max(id + 1, a.length * 2)).fill(fill);
  grown.set(a);
  return grown;
}
