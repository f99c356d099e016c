// The explored state graph, kept for the analyses that need every edge and
// not only the shortest-path tree the store holds: whether a CPU can still
// finish, move, or end up in a deadlock (stuck.ts). Edges join stored
// states; a merged chain is one edge, labelled with its first step and the
// CPUs that moved along it. A state's edges are recorded together when it
// is expanded, so each state keeps the range of its edges and no edge keeps
// its source. Strongly connected components (Tarjan, iterative: no
// recursion on deep graphs) come out sinks first, which is the order the
// backward analyses need.

import { stepCpu } from "./store";

type IntArray = Int32Array | Uint16Array | Uint8Array;

/** A growable typed array (by half again, so that little room is wasted). */
class IntList<T extends IntArray> {
  length = 0;

  constructor(
    public data: T,
    private readonly make: (size: number) => T,
  ) {}

  static of(bits: 8 | 16 | 32, capacity = 64): IntList<IntArray> {
    if (bits === 8) return new IntList<IntArray>(new Uint8Array(capacity), (n) => new Uint8Array(n));
    if (bits === 16) return new IntList<IntArray>(new Uint16Array(capacity), (n) => new Uint16Array(n));
    return new IntList<IntArray>(new Int32Array(capacity), (n) => new Int32Array(n));
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length);
    this.data[this.length++] = v;
  }

  set(i: number, v: number): void {
    if (i >= this.data.length) this.grow(i);
    if (i >= this.length) this.length = i + 1;
    this.data[i] = v;
  }

  private grow(atLeast: number): void {
    let size = Math.ceil(this.data.length * 1.5);
    while (size <= atLeast) size = Math.ceil(size * 1.5);
    const grown = this.make(size);
    grown.set(this.data);
    this.data = grown;
  }
}

export class StateGraph {
  private readonly to = IntList.of(32, 1024);
  private readonly via = IntList.of(16, 1024);
  /** Per edge, the CPUs that stepped along it; only with merged chains (else the first step's CPU). */
  private readonly moved: IntList<IntArray> | undefined;
  /** Per state: its edges are `[begin, end)`. */
  private readonly begin = IntList.of(32);
  private readonly end = IntList.of(32);
  /** Stored states in the order they were expanded: nondecreasing distance. */
  readonly order = IntList.of(32);
  /** Per state: the CPUs that have finished (or stopped at an error). */
  private readonly doneMask: IntList<IntArray>;
  /** Per state: the CPUs in, or blocked behind, a wait-for cycle. */
  private readonly deadMask: IntList<IntArray>;
  /** Per state: the CPUs that can take a step. */
  private readonly enabledMask: IntList<IntArray>;

  constructor(chains: boolean, cpus: number) {
    // CPU masks in as few bytes as the CPUs need.
    const bits = cpus <= 8 ? 8 : cpus <= 16 ? 16 : 32;
    this.moved = chains ? IntList.of(bits, 1024) : undefined;
    this.doneMask = IntList.of(bits);
    this.deadMask = IntList.of(bits);
    this.enabledMask = IntList.of(bits);
  }

  /**
   * State `id` is being expanded: the edges recorded until the next call
   * are its own.
   */
  expanding(id: number, done: number, dead: number, enabled: number): void {
    this.order.push(id);
    this.doneMask.set(id, done);
    this.deadMask.set(id, dead);
    this.enabledMask.set(id, enabled);
    this.begin.set(id, this.to.length);
    this.end.set(id, this.to.length);
  }

  /** An edge of the state being expanded to `to`, first step `via`, `moved`: the CPUs that stepped along it. */
  edge(to: number, via: number, moved: number): void {
    this.to.push(to);
    this.via.push(via);
    this.moved?.push(moved);
  }

  /** State `id`'s expansion is over: its edges are those recorded since expanding(id). */
  expanded(id: number): void {
    this.end.set(id, this.to.length);
  }

  /** Memory the graph takes, in bytes. */
  get bytes(): number {
    const lists = [this.to, this.via, this.moved, this.begin, this.end, this.order, this.doneMask, this.deadMask, this.enabledMask];
    return lists.reduce((sum, l) => sum + (l ? l.data.byteLength : 0), 0);
  }

  /** The first edge of state s (its edges are `edgesBegin(s) … edgesEnd(s) - 1`). */
  edgesBegin(s: number): number {
    return this.begin.data[s]!;
  }

  edgesEnd(s: number): number {
    return this.end.data[s]!;
  }

  done(id: number): number {
    return this.doneMask.data[id]!;
  }

  dead(id: number): number {
    return this.deadMask.data[id]!;
  }

  enabled(id: number): number {
    return this.enabledMask.data[id]!;
  }

  edgeTo(e: number): number {
    return this.to.data[e]!;
  }

  edgeVia(e: number): number {
    return this.via.data[e]!;
  }

  edgeMoved(e: number): number {
    return this.moved ? this.moved.data[e]! : 1 << stepCpu(this.via.data[e]!);
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
 * Visits the states reachable from `from` in the graph (`from` too; in no
 * particular order), each once, until `visit` returns true; whether it did.
 * `states`: how many the graph has.
 */
export function someReachable(graph: StateGraph, from: number, states: number, visit: (s: number) => boolean): boolean {
  const seen = new Uint8Array(states);
  seen[from] = 1;
  for (const todo = [from]; todo.length > 0; ) {
    const s = todo.pop()!;
    if (visit(s)) return true;
    for (let e = graph.edgesBegin(s); e < graph.edgesEnd(s); e++) {
      const t = graph.edgeTo(e);
      if (seen[t]) continue;
      seen[t] = 1;
      todo.push(t);
    }
  }
  return false;
}

/**
 * Tarjan's strongly connected components, iteratively. A component is
 * numbered when it is complete, that is after every component it reaches:
 * component numbers increase from the sinks up.
 */
export function components(graph: StateGraph, states: number): Components {
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
    callEdge[cp++] = graph.edgesBegin(root);
    num[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (cp > 0) {
      const v = callState[cp - 1]!;
      const e = callEdge[cp - 1]!;
      if (e < graph.edgesEnd(v)) {
        callEdge[cp - 1] = e + 1;
        const w = graph.edgeTo(e);
        if (num[w] === -1) {
          num[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callState[cp] = w;
          callEdge[cp++] = graph.edgesBegin(w);
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
      if (!cyclic) for (let k = graph.edgesBegin(v); k < graph.edgesEnd(v); k++) if (graph.edgeTo(k) === v) cyclic = true;
      cyclicList.push(cyclic ? 1 : 0);
      count++;
    }
  }
  return { of, count, cyclic: Uint8Array.from(cyclicList) };
}
