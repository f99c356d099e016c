// Stuck forever (race-language.md §8): in which reachable states can an
// unfinished CPU no longer finish, whatever the scheduling and `either`
// choices? Worked out backwards over the whole explored graph, one
// strongly connected component at a time (sinks first), as masks of CPUs:
//  - canFinish: the CPU finishes (or stops at an error) on some path;
//  - canMove:   the CPU takes a step on some path;
//  - explained: some path reaches a wait-for cycle the CPU is in or behind
//               (that deadlock is its report);
//  - canSettle: some path reaches a state where the CPU never moves again.
// A stuck CPU is *settled* where we can say how it is stuck: it never
// moves again (a hang, at the statement it is blocked on), or it can never
// come to that, so it loops forever (a livelock). Settled keys (CPU, pc or
// LOOP) hold from their state on; a problem is a maximal set of keys that
// hold together in some state, within a group of CPUs whose code can
// affect each other's, and its trace goes to the first such state.
//
// Exactness under the reduction (docs/ARCHITECTURE.md, "Stuck forever"):
// each mask is "some path from here contains a step of the CPU / reaches a
// state where ...", which a reduced graph with the cycle proviso keeps for
// every state it contains; the shortest distance to a problem's state comes
// from a second complete search (explore's `stuck` mode).

import { components, someReachable, type Components, type StateGraph } from "./graph";
import type { Reduction } from "./reduce";

/** The pc of a livelock key: the CPU loops without end. */
export const LOOP = 0xffff;

/** A settled stuck CPU: `cpu << 16 | pc` (pc LOOP for a livelock). */
export type StuckKey = number;
export const stuckKey = (cpu: number, pc: number): StuckKey => (cpu << 16) | pc;
export const keyCpu = (k: StuckKey): number => k >>> 16;
export const keyPc = (k: StuckKey): number => k & 0xffff;

export interface StuckAnalysis {
  readonly comps: Components;
  /** The states of component k: `members[memberStart[k] … memberStart[k+1])`. */
  readonly memberStart: Int32Array;
  readonly members: Int32Array;
  /** Per component: the index of its settled keys in `sets`, or -1. */
  readonly setOfComp: Int32Array;
  /** Distinct sets of settled keys, each sorted. */
  readonly sets: readonly (readonly StuckKey[])[];
  /** Per component, the masks of CPUs (see the top of this file). */
  readonly canFinish: Int32Array;
  readonly canMove: Int32Array;
  readonly explained: Int32Array;
  readonly canSettle: Int32Array;
}

/** States whose masks come from another analysis of the same model (a stuck search's leaves: `ExploreResult.leafOf`). */
export interface Imported {
  /** Per state: its id in `from`'s graph, or -1 (past the array's end: -1). */
  readonly of: Int32Array;
  readonly from: StuckAnalysis;
}

/** How often (in units of work) the analysis looks at the clock. */
const POLL = 1 << 16;

/**
 * The analysis of a complete graph of `states` states. `pcOf(state, cpu)`
 * reads a CPU's pc. Undefined if `expired` said to stop.
 *
 * `affects[c]`: the CPUs whose code may affect CPU c's (its whole code
 * from its entry, transitively): a stuck CPU from whose state a deadlock
 * of one of them is reachable belongs to that deadlock's report (§8
 * precedence: the kthread spinning in `while !kthread_should_stop()` whose
 * only stopper is deadlocked is part of that deadlock, not a livelock).
 * A CPU no other may affect is claimed by no deadlock but its own.
 */
export function analyseStuck(
  graph: StateGraph,
  states: number,
  cpuCount: number,
  pcOf: (state: number, cpu: number) => number,
  expired: () => boolean,
  affects?: Int32Array,
  imported?: Imported,
): StuckAnalysis | undefined {
  const comps = components(graph, states);
  const all = cpuCount >= 31 ? 0x7fffffff : (1 << cpuCount) - 1;
  const a: Parts = {
    graph,
    comps,
    ...membersOf(comps, states),
    canFinish: new Int32Array(comps.count),
    canMove: new Int32Array(comps.count),
    explained: new Int32Array(comps.count),
    canSettle: new Int32Array(comps.count),
    imported,
  };
  const setOfComp = new Int32Array(comps.count).fill(-1);
  const sets: StuckKey[][] = [];
  const interned = new Map<string, number>();
  let work = 0;
  // Components are numbered sinks first: each one's successors are done before it.
  for (let k = 0; k < comps.count; k++) {
    work = gather(a, k, work, expired);
    if (work < 0) return undefined;
    const first = a.members[a.memberStart[k]!]!;
    // Finished CPUs are the same throughout a component (finishing is for good).
    const settledHere = all & ~graph.done(first) & ~a.canMove[k]!;
    a.canSettle[k]! |= settledHere;
    const stuck = all & ~a.canFinish[k]!;
    const explain = a.explained[k]!;
    let explainedHere = explain;
    if (affects && explain !== 0) for (let c = 0; c < cpuCount; c++) if (stuck & (1 << c) && affects[c]! !== 0 && (affects[c]! & ~explain) === 0) explainedHere |= 1 << c;
    const hang = stuck & settledHere & ~explainedHere;
    const live = stuck & ~a.canSettle[k]! & ~explainedHere;
    if ((hang | live) === 0) continue;
    const keys: StuckKey[] = [];
    for (let c = 0; c < cpuCount; c++) {
      if (hang & (1 << c)) keys.push(stuckKey(c, pcOf(first, c)));
      else if (live & (1 << c)) keys.push(stuckKey(c, LOOP));
    }
    const name = keys.join(",");
    let at = interned.get(name);
    if (at === undefined) {
      at = sets.length;
      sets.push(keys);
      interned.set(name, at);
    }
    setOfComp[k] = at;
  }
  const { memberStart, members, canFinish, canMove, explained, canSettle } = a;
  return { comps, memberStart, members, setOfComp, sets, canFinish, canMove, explained, canSettle };
}

/** An analysis under way: the graph, its components and their masks so far. */
interface Parts extends Pick<StuckAnalysis, "comps" | "memberStart" | "members" | "canFinish" | "canMove" | "explained" | "canSettle"> {
  readonly graph: StateGraph;
  readonly imported: Imported | undefined;
}

/** The states of each component, as CSR. */
function membersOf(comps: Components, states: number): { memberStart: Int32Array; members: Int32Array } {
  const memberStart = new Int32Array(comps.count + 1);
  for (let s = 0; s < states; s++) memberStart[comps.of[s]! + 1]!++;
  for (let k = 0; k < comps.count; k++) memberStart[k + 1]! += memberStart[k]!;
  const members = new Int32Array(states);
  const fill = memberStart.slice(0, comps.count);
  for (let s = 0; s < states; s++) members[fill[comps.of[s]!]!++] = s;
  return { memberStart, members };
}

/**
 * Sets component k's masks from its own states and edges and from the
 * components its edges lead to (each done before it). Returns the units of
 * work done so far (`work` plus its states), or -1 if `expired` said to stop.
 */
function gather(a: Parts, k: number, work: number, expired: () => boolean): number {
  const { graph, comps, imported, canFinish, canMove, explained, canSettle } = a;
  let finish = 0;
  let move = 0;
  let explain = 0;
  let settle = 0;
  for (let m = a.memberStart[k]!; m < a.memberStart[k + 1]!; m++) {
    const s = a.members[m]!;
    finish |= graph.done(s);
    explain |= graph.dead(s);
    // A leaf: what the other analysis found for its state (it has no edges here).
    const there = imported && s < imported.of.length ? imported.of[s]! : -1;
    if (there >= 0) {
      const { from } = imported!;
      const t = from.comps.of[there]!;
      finish |= from.canFinish[t]!;
      move |= from.canMove[t]!;
      explain |= from.explained[t]!;
      settle |= from.canSettle[t]!;
    }
    for (let e = graph.edgesBegin(s); e < graph.edgesEnd(s); e++) {
      move |= graph.edgeMoved(e);
      const t = comps.of[graph.edgeTo(e)]!;
      if (t === k) continue;
      finish |= canFinish[t]!;
      move |= canMove[t]!;
      explain |= explained[t]!;
      settle |= canSettle[t]!;
    }
    if (++work % POLL === 0 && expired()) return -1;
  }
  canFinish[k] = finish;
  canMove[k] = move;
  explained[k] = explain;
  canSettle[k] = settle;
  return work;
}

/** Does `set` (sorted) contain every key of `wanted` (sorted)? */
export function holdsAll(set: readonly StuckKey[], wanted: readonly StuckKey[]): boolean {
  let i = 0;
  for (const k of wanted) {
    while (i < set.length && set[i]! < k) i++;
    if (i === set.length || set[i] !== k) return false;
  }
  return true;
}

/**
 * The stuck problems: CPUs are grouped where their code may affect each
 * other's (a key's statement, or a looping CPU's whole code, against the
 * other's future from its key), and each group's maximal sets of keys that
 * hold together in some state are its problems. Maximal sets are the same
 * in a reduced graph as in the full one (each reduced state's keys grow to
 * the full graph's along a path the reduced graph has), so are the problems.
 */
export function stuckProblems(analysis: StuckAnalysis, reduction: Reduction, entries: readonly number[]): StuckKey[][] {
  const keys = [...new Set(analysis.sets.flat())].sort((a, b) => a - b);
  const group = keys.map((_, i) => i);
  const find = (i: number): number => {
    while (group[i] !== i) i = group[i] = group[group[i]!]!;
    return i;
  };
  const at = (k: StuckKey): { cpu: number; pc: number; whole: boolean } => {
    const cpu = keyCpu(k);
    const pc = keyPc(k);
    return pc === LOOP ? { cpu, pc: entries[cpu]!, whole: true } : { cpu, pc, whole: false };
  };
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const a = at(keys[i]!);
      const b = at(keys[j]!);
      if (a.cpu !== b.cpu && reduction.mayAffect(a.cpu, a.pc, a.whole, b.cpu, b.pc, b.whole)) group[find(i)] = find(j);
    }
  }
  const problems: StuckKey[][] = [];
  const seen = new Set<string>();
  const byGroup = new Map<number, StuckKey[][]>();
  for (const set of analysis.sets) {
    const parts = new Map<number, StuckKey[]>();
    for (const k of set) {
      const g = find(keys.indexOf(k));
      parts.set(g, [...(parts.get(g) ?? []), k]);
    }
    for (const [g, part] of parts) {
      const name = part.join(",");
      if (seen.has(name)) continue;
      seen.add(name);
      byGroup.set(g, [...(byGroup.get(g) ?? []), part]);
    }
  }
  for (const parts of byGroup.values()) {
    for (const p of parts) {
      if (!parts.some((q) => q !== p && q.length > p.length && holdsAll(q, p))) problems.push(p);
    }
  }
  return problems.sort((a, b) => a[0]! - b[0]! || a.length - b.length || a.join().localeCompare(b.join()));
}

/**
 * The first state, in the order states were expanded (nondecreasing
 * distance), where every key of `wanted` holds and no CPU of `quiet` can
 * move; -1 if none.
 */
export function firstHolding(analysis: StuckAnalysis, graph: StateGraph, wanted: readonly StuckKey[], quiet: number): number {
  const order = graph.order;
  for (let i = 0; i < order.length; i++) {
    const s = order.data[i]!;
    if (graph.enabled(s) & quiet) continue;
    const set = analysis.setOfComp[analysis.comps.of[s]!]!;
    if (set >= 0 && holdsAll(analysis.sets[set]!, wanted)) return s;
  }
  return -1;
}

/** An edge of the graph, with the state it leaves. */
export interface LoopEdge {
  readonly from: number;
  readonly edge: number;
}

/**
 * A loop that a livelock goes round from state `from`: the edges of a
 * shortest path to a state on a cycle of the graph in which every CPU of
 * `movers` steps, and then of a shortest cycle through that state. Every
 * path from a livelocked state stays stuck, so any cycle it reaches shows
 * the livelock; one where the looping CPUs move is the one a reader
 * expects. Undefined if none is found (then any cycle is taken).
 */
export function findLoop(graph: StateGraph, analysis: StuckAnalysis, from: number, movers: number, where: (s: number) => boolean = () => true): { prefix: LoopEdge[]; cycle: LoopEdge[] } | undefined {
  const { comps } = analysis;
  const movedWithin = moversWithin(graph, analysis);
  for (const strict of [true, false]) {
    const entry = bfs(graph, from, (s) => comps.cyclic[comps.of[s]!] === 1 && (!strict || ((movedWithin(comps.of[s]!) & movers) === movers && where(s))), () => true);
    if (!entry) continue;
    const k = comps.of[entry.state]!;
    // Round the looping CPUs' own steps where they go round alone (else
    // another thread's loop in the same component may be the shorter
    // cycle, shown as theirs; found by review), else any cycle there.
    const round = (edgeOk?: (e: number) => boolean): ReturnType<typeof bfs> => bfs(graph, entry.state, (s, depth) => depth > 0 && s === entry.state, (t) => comps.of[t] === k, edgeOk);
    const cycle = round((e) => (graph.edgeMoved(e) & ~movers) === 0) ?? round();
    if (cycle) return { prefix: entry.edges, cycle: cycle.edges };
  }
  return undefined;
}

/** Per component (asked lazily): the CPUs that step on an edge inside it. */
function moversWithin(graph: StateGraph, analysis: StuckAnalysis): (k: number) => number {
  const { comps, memberStart, members } = analysis;
  const moversIn = new Map<number, number>();
  return (k) => {
    let m = moversIn.get(k);
    if (m !== undefined) return m;
    m = 0;
    for (let j = memberStart[k]!; j < memberStart[k + 1]!; j++) {
      const s = members[j]!;
      for (let e = graph.edgesBegin(s); e < graph.edgesEnd(s); e++) {
        if (comps.of[graph.edgeTo(e)] === k) m |= graph.edgeMoved(e);
      }
    }
    moversIn.set(k, m);
    return m;
  };
}

/**
 * For each CPU of `cpus`, the loops of its code (their numbers, as
 * controlFlow.loopComponents gives them: `loopOf(cpu, state)`) that it goes
 * round on some cycle of the graph reachable from `from`: where it can
 * loop for ever from there. On a cycle of states where a CPU steps, its
 * pcs reach each other in its code, so they are all on one of its loops.
 */
export function loopsAhead(graph: StateGraph, analysis: StuckAnalysis, from: number, cpus: number, loopOf: (cpu: number, state: number) => number): Map<number, Set<number>> {
  const { comps, members, memberStart } = analysis;
  const movedWithin = moversWithin(graph, analysis);
  const out = new Map<number, Set<number>>();
  const seenComp = new Set<number>();
  someReachable(graph, from, comps.of.length, (s) => {
    const k = comps.of[s]!;
    if (comps.cyclic[k] !== 1 || seenComp.has(k)) return false;
    seenComp.add(k);
    const moved = movedWithin(k) & cpus;
    for (let c = 0; moved >> c !== 0; c++) {
      if (!(moved & (1 << c))) continue;
      const loop = loopOf(c, members[memberStart[k]!]!);
      if (loop < 0) continue;
      if (!out.has(c)) out.set(c, new Set());
      out.get(c)!.add(loop);
    }
    return false;
  });
  return out;
}

/**
 * Breadth-first from `from` to the first state `goal` accepts (at depth ≥
 * 0), through states `allowed` accepts: the state, and the edges there,
 * each with the state it leaves.
 */
function bfs(
  graph: StateGraph,
  from: number,
  goal: (s: number, depth: number) => boolean,
  allowed: (s: number) => boolean,
  edgeAllowed: (e: number) => boolean = () => true,
): { state: number; edges: { from: number; edge: number }[] } | undefined {
  if (goal(from, 0)) return { state: from, edges: [] };
  const parent = new Map<number, { from: number; edge: number }>();
  let frontier = [from];
  const seen = new Set<number>([from]);
  for (let depth = 1; frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const s of frontier) {
      for (let e = graph.edgesBegin(s); e < graph.edgesEnd(s); e++) {
        const t = graph.edgeTo(e);
        if (!allowed(t) || !edgeAllowed(e)) continue;
        if (goal(t, depth)) {
          const edges = [{ from: s, edge: e }];
          for (let x = s; x !== from; ) {
            const pe = parent.get(x)!;
            edges.push(pe);
            x = pe.from;
          }
          return { state: t, edges: edges.reverse() };
        }
        if (seen.has(t)) continue;
        seen.add(t);
        parent.set(t, { from: s, edge: e });
        next.push(t);
      }
    }
    frontier = next;
  }
  return undefined;
}
