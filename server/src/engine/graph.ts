// The explored state graph, kept for the analyses that need every edge and
// not only the shortest-path tree the store holds: whether a CPU can still
// finish, move, or end up in a deadlock (stuck.ts). Edges join stored
// states; a merged chain is one edge, labelled with its first step and the
// CPUs that moved along it. Strongly connected components (Tarjan,
// iterative: no recursion on deep graphs) come out sinks first, which is
// the order the backward analyses need.

/** A growable Int32Array. */
class IntList {
  data: Int32Array;
  length = 0;

  constructor(capacity = 64) {
    this.data = new Int32Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }

  set(i: number, v: number): void {
    while (i >= this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    if (i >= this.length) this.length = i + 1;
    this.data[i] = v;
  }
}

export class StateGraph {
  private readonly from = new IntList();
  private readonly to = new IntList();
  private readonly via = new IntList();
  private readonly moved = new IntList();
  /** Stored states in the order they were expanded: nondecreasing distance. */
  readonly order = new IntList();
  /** Per state: the CPUs that have finished (or stopped at an error). */
  private readonly doneMask = new IntList();
  /** Per state: the CPUs in, or blocked behind, a wait-for cycle. */
  private readonly deadMask = new IntList();
  /** Per state: the CPUs that can take a step. */
  private readonly enabledMask = new IntList();

  get edgeCount(): number {
    return this.from.length;
  }

  /** An edge from `from` to `to`, first step `via`, `moved`: the CPUs that stepped along it. */
  edge(from: number, to: number, via: number, moved: number): void {
    this.from.push(from);
    this.to.push(to);
    this.via.push(via);
    this.moved.push(moved);
  }

  /** State `id` was expanded (its edges follow or precede in any order). */
  expanded(id: number, done: number, dead: number, enabled: number): void {
    this.order.push(id);
    this.doneMask.set(id, done);
    this.deadMask.set(id, dead);
    this.enabledMask.set(id, enabled);
  }

  enabled(id: number): number {
    return this.enabledMask.data[id]!;
  }

  done(id: number): number {
    return this.doneMask.data[id]!;
  }

  dead(id: number): number {
    return this.deadMask.data[id]!;
  }

  edgeFrom(e: number): number {
    return this.from.data[e]!;
  }

  edgeTo(e: number): number {
    return this.to.data[e]!;
  }

  edgeVia(e: number): number {
    return this.via.data[e]!;
  }

  edgeMoved(e: number): number {
    return this.moved.data[e]!;
  }

  /** Out-edges per state as CSR: edges of state s are `index[start[s] … start[s+1])`. */
  outEdges(states: number): { start: Int32Array; index: Int32Array } {
    const start = new Int32Array(states + 1);
    const m = this.from.length;
    const from = this.from.data;
    for (let e = 0; e < m; e++) start[from[e]! + 1]!++;
    for (let s = 0; s < states; s++) start[s + 1]! += start[s]!;
    const fill = start.slice(0, states);
    const index = new Int32Array(m);
    for (let e = 0; e < m; e++) index[fill[from[e]!]!++] = e;
    return { start, index };
  }
}

export interface Components {
  /** Per state, its component; components are numbered sinks first. */
  readonly of: Int32Array;
  readonly count: number;
  /** Per component, whether it contains a cycle (more than one state, or a self-loop). */
  readonly cyclic: Uint8Array;
}

/**
 * Tarjan's strongly connected components, iteratively. A component is
 * numbered when it is complete, that is after every component it reaches:
 * component numbers increase from the sinks up.
 */
export function components(graph: StateGraph, states: number, out: { start: Int32Array; index: Int32Array }): Components {
  const of = new Int32Array(states).fill(-1);
  const low = new Int32Array(states);
  const num = new Int32Array(states).fill(-1);
  const onStack = new Uint8Array(states);
  const stack = new Int32Array(states);
  let sp = 0;
  const callState = new Int32Array(states);
  const callEdge = new Int32Array(states);
  let cp = 0;
  let counter = 0;
  let count = 0;
  const cyclicList: number[] = [];
  for (let root = 0; root < states; root++) {
    if (num[root] !== -1) continue;
    callState[cp] = root;
    callEdge[cp++] = out.start[root]!;
    num[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (cp > 0) {
      const v = callState[cp - 1]!;
      const e = callEdge[cp - 1]!;
      if (e < out.start[v + 1]!) {
        callEdge[cp - 1] = e + 1;
        const w = graph.edgeTo(out.index[e]!);
        if (num[w] === -1) {
          num[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callState[cp] = w;
          callEdge[cp++] = out.start[w]!;
        } else if (onStack[w] && num[w]! < low[v]!) low[v] = num[w]!;
        continue;
      }
      cp--;
      if (cp > 0) {
        const parent = callState[cp - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] !== num[v]) continue;
      let size = 0;
      let w: number;
      do {
        w = stack[--sp]!;
        onStack[w] = 0;
        of[w] = count;
        size++;
      } while (w !== v);
      let cyclic = size > 1;
      if (!cyclic) for (let k = out.start[v]!; k < out.start[v + 1]!; k++) if (graph.edgeTo(out.index[k]!) === v) cyclic = true;
      cyclicList.push(cyclic ? 1 : 0);
      count++;
    }
  }
  return { of, count, cyclic: Uint8Array.from(cyclicList) };
}
