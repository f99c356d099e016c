// Elementary cycles of a directed graph (the lock-order graph), by Johnson's
// algorithm: for each start vertex s in increasing order, a depth-first
// search over the vertices >= s of s's strongly connected component, which
// emits a cycle each time it gets back to s and blocks every vertex it has
// found to lead nowhere until something it depends on changes. Between two
// cycles it does O(vertices + edges) work, where a plain search of every
// path may do exponential work (one CPU taking 28 nested locks: a DAG with
// 2^26 paths and no cycle at all).
//
// Output, as the plain search gave it: each cycle once, starting from its
// smallest vertex, in the order a search visiting neighbours in increasing
// order finds them (blocking only skips subtrees with no cycle). The search
// stops after `maxCycles`, at a work budget, at a deadline or when
// cancelled, and says which; iterative throughout, so a long path cannot
// overflow the stack.

export const MAX_CYCLES = 100;
/** Steps (edges looked at, vertices set up or unblocked) before the search gives up. */
export const CYCLE_WORK_BUDGET = 5_000_000;

export interface CycleLimits {
  /** A `performance.now()` time (the explorer's deadline) after which the search stops. */
  readonly deadline?: number;
  readonly isCancelled?: () => boolean;
  readonly workBudget?: number;
  /** Only the cycles this keeps are listed, and only they count toward the cap. */
  readonly keep?: (cycle: readonly number[]) => boolean;
}

export type CyclesStoppedBy = "cap" | "budget" | "time" | "cancelled";

export interface CycleSearch {
  readonly cycles: number[][];
  /** Every elementary cycle is in `cycles`. */
  readonly complete: boolean;
  readonly stoppedBy: CyclesStoppedBy | undefined;
  /** Steps taken (what the budget counts). */
  readonly work: number;
}

/** Clock and cancellation are looked at once per this many steps. */
const POLL = 1024;

/** `adjacency[v]`: the successors of v, in increasing order. */
export function elementaryCycles(adjacency: readonly (readonly number[])[], limits: CycleLimits = {}, maxCycles = MAX_CYCLES): CycleSearch {
  return new Johnson(adjacency, limits, maxCycles).run();
}

/** Johnson's algorithm, iteratively, with a work budget, a deadline and cancellation. */
class Johnson {
  private readonly n: number;
  private readonly budget: number;
  private readonly deadline: number;
  private readonly cycles: number[][] = [];
  private work = 0;
  private nextPoll = POLL;
  private stoppedBy: CyclesStoppedBy | undefined;
  private readonly blocked: Uint8Array;
  /** blockedBy[w]: vertices to unblock when w is (they were blocked for want of w). */
  private readonly blockedBy: Set<number>[];
  private readonly sccs: Components;

  constructor(
    private readonly adjacency: readonly (readonly number[])[],
    private readonly limits: CycleLimits,
    private readonly maxCycles: number,
  ) {
    this.n = adjacency.length;
    this.budget = limits.workBudget ?? CYCLE_WORK_BUDGET;
    this.deadline = limits.deadline ?? Infinity;
    this.blocked = new Uint8Array(this.n);
    this.blockedBy = Array.from({ length: this.n }, () => new Set<number>());
    this.sccs = new Components(adjacency);
  }

  run(): CycleSearch {
    for (let from = 0; from < this.n && this.stoppedBy === undefined; ) {
      const s = this.nextStart(from);
      if (s < 0) break;
      this.circuitsFrom(s);
      from = s + 1;
    }
    const { cycles, stoppedBy, work } = this;
    if (cycles.length > this.maxCycles) cycles.length = this.maxCycles;
    return { cycles, complete: stoppedBy === undefined, stoppedBy, work };
  }

  /** Counts work; true once the search must stop. */
  private spend(steps: number): boolean {
    this.work += steps;
    if (this.work > this.budget) this.stoppedBy = "budget";
    else if (this.work >= this.nextPoll) {
      this.nextPoll = this.work + POLL;
      if (this.limits.isCancelled?.()) this.stoppedBy = "cancelled";
      else if (performance.now() > this.deadline) this.stoppedBy = "time";
    }
    return this.stoppedBy !== undefined;
  }

  /**
   * The next start: the smallest vertex >= from on a cycle of the graph
   * restricted to vertices >= from, i.e. in a component with more than one
   * vertex or with a loop (-1 if none, or the search must stop). Every start
   * found gives a cycle, so this costs O(vertices + edges) per cycle
   * (Johnson's bound); the vertices skipped start no cycle.
   */
  private nextStart(from: number): number {
    if (this.spend(this.sccs.compute(from))) return -1;
    let s = from;
    while (s < this.n && !(this.sccs.size(s) > 1 || this.adjacency[s]!.includes(s))) s++;
    if (this.spend(s - from) || s === this.n) return -1;
    return s;
  }

  private unblock(u: number): void {
    const todo = [u];
    while (todo.length > 0) {
      const x = todo.pop()!;
      if (!this.blocked[x]) continue;
      this.blocked[x] = 0;
      for (const y of this.blockedBy[x]!) todo.push(y);
      this.spend(this.blockedBy[x]!.size + 1);
      this.blockedBy[x]!.clear();
    }
  }

  /** Every elementary cycle through s within its component (of the vertices >= s). */
  private circuitsFrom(s: number): void {
    const { sccs, blocked, blockedBy } = this;
    const comp = sccs.component[s]!;
    const inside = (w: number): boolean => sccs.component[w] === comp;
    for (const v of sccs.members(s)) {
      blocked[v] = 0;
      blockedBy[v]!.clear();
    }
    const path = [s];
    const next = [0]; // per path entry: the index of the next neighbour to look at
    const found = [false]; // per path entry: a cycle was found below it
    blocked[s] = 1;
    while (path.length > 0 && this.stoppedBy === undefined) {
      const top = path.length - 1;
      const v = path[top]!;
      const succ = this.adjacency[v]!;
      if (next[top]! < succ.length) {
        const w = succ[next[top]!++]!;
        if (this.spend(1) || !inside(w)) continue;
        if (w === s) {
          // (A cycle not kept still unblocks its vertices: it exists.)
          found[top] = true;
          if (this.limits.keep && !this.limits.keep(path)) continue;
          this.cycles.push([...path]);
          if (this.cycles.length > this.maxCycles) this.stoppedBy = "cap";
        } else if (!blocked[w]) {
          blocked[w] = 1;
          path.push(w);
          next.push(0);
          found.push(false);
        }
        continue;
      }
      // Every neighbour of v is done: unblock it if it led to s, else
      // keep it blocked until one of its neighbours is unblocked.
      const led = found[top]!;
      if (led) this.unblock(v);
      else {
        for (const w of succ) if (inside(w)) blockedBy[w]!.add(v);
        this.spend(succ.length);
      }
      path.pop();
      next.pop();
      found.pop();
      if (led && top > 0) found[top - 1] = true;
    }
  }
}

/**
 * Tarjan's strongly connected components of the graph restricted to the
 * vertices >= `from`, iteratively (a long path cannot overflow the stack);
 * the arrays are reused from one call to the next.
 */
export class Components {
  /** Component id per vertex (-1 below `from`). */
  readonly component: Int32Array;
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly onStack: Uint8Array;
  private sizes: number[] = [];

  constructor(private readonly adjacency: readonly (readonly number[])[]) {
    const n = adjacency.length;
    this.component = new Int32Array(n);
    this.index = new Int32Array(n);
    this.low = new Int32Array(n);
    this.onStack = new Uint8Array(n);
  }

  /** Computes the components from `from` up; returns the steps taken (vertices and edges). */
  compute(from: number): number {
    const { adjacency, component, index, low, onStack } = this;
    const n = adjacency.length;
    component.fill(-1);
    index.fill(-1, from);
    this.sizes = [];
    const stack: number[] = [];
    let counter = 0;
    let steps = n;
    for (let root = from; root < n; root++) {
      if (index[root] !== -1) continue;
      const frames: { v: number; i: number }[] = [{ v: root, i: 0 }];
      index[root] = low[root] = counter++;
      stack.push(root);
      onStack[root] = 1;
      while (frames.length > 0) {
        const frame = frames[frames.length - 1]!;
        const { v } = frame;
        const succ = adjacency[v]!;
        if (frame.i < succ.length) {
          const w = succ[frame.i++]!;
          steps++;
          if (w < from) continue;
          if (index[w] === -1) {
            index[w] = low[w] = counter++;
            stack.push(w);
            onStack[w] = 1;
            frames.push({ v: w, i: 0 });
          } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
          continue;
        }
        frames.pop();
        if (frames.length > 0) {
          const parent = frames[frames.length - 1]!.v;
          low[parent] = Math.min(low[parent]!, low[v]!);
        }
        if (low[v] === index[v]) {
          const id = this.sizes.length;
          let size = 0;
          for (;;) {
            const w = stack.pop()!;
            onStack[w] = 0;
            component[w] = id;
            size++;
            if (w === v) break;
          }
          this.sizes.push(size);
        }
      }
    }
    return steps;
  }

  size(v: number): number {
    return this.sizes[this.component[v]!] ?? 0;
  }

  /** The vertices of v's component. */
  members(v: number): number[] {
    const out: number[] = [];
    const id = this.component[v]!;
    for (let w = v; w < this.component.length; w++) if (this.component[w] === id) out.push(w);
    return out;
  }
}
