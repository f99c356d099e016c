// The lock-order graph, lockdep's way: an edge from each lock a CPU holds
// to each lock it goes on to acquire (trylock adds none), over the explored
// states. Each of lockdep's strong cycles (kernel/locking/lockdep.c: no
// dependency that takes its lock as a recursive read followed by one that
// holds it shared, -(*R)-> -(S*)->; facts.ts records each edge's kinds)
// is an inversion (only those count toward the cap), classified as confirmed (a deadlock
// the search found involves exactly its locks), gated (every occurrence of
// every edge holds a common outer lock, exclusively: facts.ts) or
// unreached. The cycles come from cycles.ts, bounded by a cap, a work
// budget, the search's deadline and its cancellation; `cyclesComplete` says
// whether every cycle was found.

import type { Span } from "../language/span";
import { elementaryCycles, type CycleLimits, type CyclesStoppedBy } from "./cycles";
import type { ExploreResult, FoundProblem } from "./explore";
import { lockClassNames, uncheckedClasses, type Frame, type Model } from "./model";
import { semantics } from "./primitives";
import { DepKind, R_DEPS, S_DEPS } from "./search/types";

export interface EdgeSite {
  readonly cpu: string;
  readonly span: Span;
  readonly stack: readonly Frame[];
  /** Locks held at every occurrence of the edge at this site (besides `from`). */
  readonly alsoHeld: readonly string[];
}

export interface LockEdge {
  readonly from: string;
  readonly to: string;
  readonly sites: readonly EdgeSite[];
}

export type InversionStatus = "confirmed" | "gated" | "unreached";

export interface Inversion {
  /** The cycle's locks in order: locks[i] is taken before locks[i+1] (and the last before the first). */
  readonly locks: readonly string[];
  readonly status: InversionStatus;
  readonly gate: readonly string[] | undefined;
  readonly edges: readonly LockEdge[];
}

export interface LockGraph {
  readonly locks: readonly string[];
  readonly edges: readonly LockEdge[];
  readonly inversions: readonly Inversion[];
  /** Every strong cycle of the graph is an inversion above (false: the search for them stopped early). */
  readonly cyclesComplete: boolean;
  /** Why it stopped: after 100 cycles ("cap"), its work budget, the deadline, or cancellation. */
  readonly cyclesStoppedBy?: CyclesStoppedBy;
}

export type { CycleLimits } from "./cycles";

/** `limits`: the search's deadline (a performance.now() time) and cancellation, and a work budget. */
export function buildLockGraph(model: Model, result: ExploreResult, limits: CycleLimits = {}): LockGraph {
  const { facts } = result;
  const names = lockClassNames(model);
  const lockCount = names.length;
  const edges = edgesOf(model, result, names);

  const adjacency: number[][] = Array.from({ length: lockCount }, () => []);
  for (const e of edges.values()) adjacency[e.from]!.push(e.to);
  for (const succ of adjacency) succ.sort((a, b) => a - b);
  const search = elementaryCycles(adjacency, { ...limits, keep: (cycle) => strongCycle(cycle.map((l, i) => edges.get(`${l}>${cycle[(i + 1) % cycle.length]}`)!.deps)) });
  const cycles = search.cycles;

  // Per deadlock, per site, the lock classes its statement acquires (a flush
  // on an ordered queue: its (work_completion) and its queue's (wq_completion)).
  const deadlockSites = result.problems
    .filter((p: FoundProblem) => p.kind === "deadlock")
    .map((p) =>
      p.sites.map((s) => {
        const ins = model.cpus[s.cpu]!.code[s.pc];
        const sem = ins && semantics(ins);
        const first = ins && sem!.acquires(ins, model);
        return new Set([...(first ? [first.lock] : []), ...(ins ? (sem!.alsoAcquires?.(ins, model) ?? []).map((a) => a.lock) : [])]);
      }),
    );
  /** A deadlock confirms a cycle when its sites acquire the cycle's locks and nothing else: each site one of them, every one by a site. */
  const confirms = (sites: readonly Set<number>[], cycle: ReadonlySet<number>): boolean =>
    sites.every((acq) => [...acq].some((l) => cycle.has(l))) && [...cycle].every((l) => sites.some((acq) => acq.has(l)));

  const toEdge = (a: Acc): LockEdge => ({ from: names[a.from]!, to: names[a.to]!, sites: a.sites });
  const inversions: Inversion[] = cycles.map((cycle) => {
    const cycleEdges = cycle.map((l, i) => edges.get(`${l}>${cycle[(i + 1) % cycle.length]}`)!);
    const lockSet = new Set(cycle);
    const confirmed = deadlockSites.some((sites) => confirms(sites, lockSet));
    let gate: string[] | undefined;
    if (!confirmed) {
      const mask = new Uint32Array(facts.words).fill(0xffffffff);
      for (const e of cycleEdges) for (let w = 0; w < facts.words; w++) mask[w]! &= e.mask[w]!;
      const common = maskNames(mask, names).filter((n) => !cycle.some((l) => names[l] === n));
      if (common.length > 0) gate = common;
    }
    return {
      locks: cycle.map((l) => names[l]!),
      status: confirmed ? "confirmed" : gate ? "gated" : "unreached",
      gate,
      edges: cycleEdges.map(toEdge),
    };
  });
  return {
    locks: names,
    edges: [...edges.values()].map(toEdge),
    inversions,
    cyclesComplete: search.complete,
    ...(search.stoppedBy ? { cyclesStoppedBy: search.stoppedBy } : {}),
  };
}

/** An edge of the graph as its occurrences add up. */
interface Acc {
  from: number;
  to: number;
  sites: EdgeSite[];
  /** The locks held at every occurrence. */
  mask: Uint32Array;
  /** Lockdep's kinds of dependency seen on the edge (DepKind bits). */
  deps: number;
}

/** The edges, keyed `from>to`, from the search's lock-order occurrences. */
function edgesOf(model: Model, result: ExploreResult, names: readonly string[]): Map<string, Acc> {
  const { facts } = result;
  const siteCpu: number[] = [];
  model.cpus.forEach((c, i) => c.code.forEach(() => siteCpu.push(i)));
  // Lockdep records no dependency through RCU: rcu_read_lock() acquires
  // with check=0, and synchronize_rcu() acquires nothing (include/linux/
  // rcupdate.h rcu_lock_acquire(); its lockdep check is only a warning
  // inside a section of its own). Nor through a lock declared
  // `novalidate` (lockdep_set_novalidate_class(): check=0 too; the
  // driver core's device_lock).
  const unchecked = uncheckedClasses(model);
  const edges = new Map<string, Acc>();
  for (const { site, from, to, deps, common: occ } of facts.edges) {
    if (unchecked[from] || unchecked[to]) continue;
    const cpu = siteCpu[site]!;
    const pc = site - facts.siteBase[cpu]!;
    const ins = model.cpus[cpu]!.code[pc]!;
    const id = `${from}>${to}`;
    let acc = edges.get(id);
    if (!acc) {
      acc = { from, to, sites: [], mask: new Uint32Array(facts.words).fill(0xffffffff), deps: 0 };
      edges.set(id, acc);
    }
    acc.deps |= deps;
    const alsoHeld = maskNames(occ, names).filter((n) => n !== names[from]);
    acc.sites.push({ cpu: model.cpus[cpu]!.name, span: ins.span, stack: ins.stack, alsoHeld });
    for (let w = 0; w < facts.words; w++) acc.mask[w]! &= occ[w]!;
  }
  return edges;
}

export function maskNames(mask: Uint32Array, names: readonly string[]): string[] {
  const out: string[] = [];
  for (let l = 0; l < names.length; l++) if (mask[l >>> 5]! & (1 << (l & 31))) out.push(names[l]!);
  return out;
}

/**
 * Is a cycle whose edges have the kinds of dependency `deps` (DepKind bits,
 * in order, the last edge leading back to the first) one of lockdep's
 * strong cycles: can each edge be given one of its kinds so that no edge
 * taking its lock as a recursive read (-(*R)->) is followed, around the
 * cycle, by one that holds that lock shared (-(S*)->)? (check_noncircular()
 * with hlock_conflict(): a cycle of recursive reads and shared holds is no
 * deadlock, the readers share.)
 */
export function strongCycle(deps: readonly number[]): boolean {
  // For each kind of the first edge, carry which kinds of the last edge
  // can end the chain: its -(*R)-> or -(*N)-> ending (bit 1: R, bit 2: N).
  for (const first of [DepKind.SR, DepKind.ER, DepKind.SN, DepKind.EN]) {
    if (!(deps[0]! & first)) continue;
    let ends = first & R_DEPS ? 1 : 2;
    for (let i = 1; i < deps.length && ends; i++) {
      const allowed = ends & 2 ? deps[i]! : deps[i]! & ~S_DEPS;
      ends = (allowed & R_DEPS ? 1 : 0) | (allowed & ~R_DEPS ? 2 : 0);
    }
    // Around the cycle: the last edge into the first one's lock.
    if (ends & 2 || (ends & 1 && !(first & S_DEPS))) return true;
  }
  return false;
}
