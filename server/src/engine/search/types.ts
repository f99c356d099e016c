// The search's vocabulary: its options and modes, what it finds (problems
// with their sites) and what it returns (the store, the graph, the facts
// per site, the figures). explore.ts re-exports all of it.

import type { StateGraph } from "../graph";
import type { Reduction } from "../reduce";
import type { Layout } from "../state";
import type { StateStore } from "../store";

export interface ExploreOptions {
  /** Stop after this many distinct states (default 1,000,000). */
  readonly maxStates?: number;
  /** Stop after this many milliseconds (default: no limit). */
  readonly timeoutMs?: number;
  /** Polled every few thousand states; true stops the search. */
  readonly isCancelled?: () => boolean;
  /** Partial-order reduction (stubborn sets; default on). `false` explores every interleaving. */
  readonly reduce?: boolean;
  /**
   * Merged chains in a reduced search (docs/ARCHITECTURE.md "Reduction").
   * Unset: the main search chooses (explore.ts, `PILOT_STATES`), and the
   * searches for shortest traces follow its choice.
   */
  readonly chains?: boolean;
}

/**
 * A problem to reach by a shortest path (goal-directed search): its key and,
 * per state, the CPUs one of which must move before it can show.
 */
export interface Goal {
  readonly key: string;
  readonly needs: (st: Uint8Array, reduction: Reduction) => number;
  /** Every CPU `needs` may name, in any state (a mask). */
  readonly mayNeed: number;
  /** A trace of this length is known: the search need not look at or past this depth for it. */
  readonly bound: number;
  /**
   * At least how many more steps a trace through `st` takes to this goal
   * (counted as `bound` is); Infinity if it cannot get there. A lower bound
   * (admissible), so a state whose depth plus this reaches `bound` leads to
   * no trace shorter than the known one.
   */
  readonly least: (st: Uint8Array) => number;
}

/**
 * States where CPUs are stuck forever are known only once the whole graph
 * is (stuck.ts), so their shortest traces come from a search that is
 * complete, like the main one, but expands in every state the stubborn set
 * around the CPUs one of which must move before such a state can show.
 */
export interface StuckTargets {
  /**
   * The CPUs one of which must move before a target can show. With the
   * depth of the state being expanded, only the targets a trace through
   * it could reach sooner than their known one (chains ask without it, so
   * that what they do is a function of the state alone, which replay repeats).
   */
  readonly needs: (st: Uint8Array, reduction: Reduction, depth?: number) => number;
  /** A state that may be a target: chains do not pass it, so it is stored. */
  readonly candidate: (st: Uint8Array) => boolean;
  /**
   * The depth of the traces known (the main search's, the longest of
   * them): no target at or past it is nearer, so a state there needs only
   * a stubborn set, any one, for the graph's stuck analysis.
   */
  readonly bound: number;
  /**
   * The main search's store: a state at or past the bound that it holds
   * is not expanded (`ExploreResult.leafOf`), since the main search's
   * analysis already says what can happen from there.
   */
  readonly main?: StateStore;
}

/**
 * What a search is for: every problem (`main`), the shortest traces of
 * problems the main search found (`goals`), or a graph in which the
 * stuck-forever states are at their shortest distance (`stuck`).
 */
export type SearchMode =
  | { readonly kind: "main" }
  | { readonly kind: "goals"; readonly goals: readonly Goal[]; readonly from?: GoalSources }
  | { readonly kind: "stuck"; readonly targets: StuckTargets };

/**
 * Where a goal-directed search starts when the main search (complete,
 * without merged chains) already holds every shortest trace but those
 * that leave it at a few states (docs/ARCHITECTURE.md "The goal-directed
 * search"): those states, at their depths there, instead of the initial
 * one. A state the main search holds no deeper than it is reached here
 * is not expanded again.
 */
export interface GoalSources {
  readonly main: ExploreResult;
  /** The first id at each depth of the main search (ExploreResult.narrowed). */
  readonly levelStarts: readonly number[];
  /** The states to start from (the main search's ids, ascending), and their depths there. */
  readonly ids: readonly number[];
  readonly depths: readonly number[];
}

/** The steps (store.ts encodes them) of problem `p`'s trace in `search`, which found it. */
export function problemPath(search: ExploreResult, p: FoundProblem): number[] {
  const path = search.path(p.state);
  return p.step === undefined ? path : [...path, p.step];
}

/** The length of problem `p`'s trace in `search`, which found it. */
export function problemDepth(search: ExploreResult, p: FoundProblem): number {
  return search.depth(p.state) + (p.step === undefined ? 0 : 1);
}

/** The depth of state `id` of a breadth-first search whose levels start at `levelStarts`. */
export function levelOf(levelStarts: readonly number[], id: number): number {
  let lo = 0;
  let hi = levelStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (levelStarts[mid]! <= id) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** What the search finds; every kind after "overflow" is a misuse of a v2 primitive (race-language.md §9). */
export type ProblemKind =
  | "deadlock"
  | "hang"
  | "violation"
  | "bad-unlock"
  | "lock-held-at-exit"
  | "overflow"
  | "section-unbalanced"
  | "section-open-at-exit"
  | "queue-destroyed"
  | "queue-draining"
  | "kthread-run-twice"
  | "remove-self-outside"
  | "irq-unbalanced"
  | "irq-state-at-exit";

/** A CPU's part in a problem: where it is and, when blocked on a lock, which. */
export interface Site {
  readonly cpu: number;
  readonly pc: number;
  readonly lock: number | undefined;
}

export interface FoundProblem {
  readonly kind: ProblemKind;
  readonly key: string;
  /**
   * The state where the problem shows; the trace is the path to it. For a
   * problem a step shows (a failed step, a thread's last step): the state
   * the step was taken in, the trace that path and then `step`.
   */
  readonly state: number;
  /** The step (store.ts encodes it) that shows the problem, taken in `state`. */
  readonly step?: number;
  readonly sites: readonly Site[];
  /** For lock-held-at-exit: the locks still held. */
  readonly locks: readonly number[];
  /** For a hang: the CPUs of `sites` that loop forever (a livelock) rather than wait. */
  readonly looping?: number;
  /** For a livelock: the steps from `state` into the loop, and once round it. */
  readonly loop?: { readonly prefix: readonly number[]; readonly cycle: readonly number[] };
}

export interface Stats {
  readonly states: number;
  readonly transitions: number;
  readonly ms: number;
  readonly complete: boolean;
  readonly stoppedBy: "states" | "time" | "cancelled" | undefined;
  readonly bytesPerState: number;
  readonly reduced: boolean;
  /** The search merged chains (reduced only). */
  readonly chains: boolean;
}

/** Lock sets as bitmask words (W = ceil(lock classes / 32) words each: the locks, then the pseudo-locks). */
export interface Facts {
  readonly words: number;
  /** Per CPU, the first site index of its code. */
  readonly siteBase: readonly number[];
  readonly reached: Uint8Array;
  /** Locks held on arrival in every reachable state at the site. */
  readonly always: Uint32Array;
  /** Locks held on arrival in some reachable state at the site. */
  readonly sometimes: Uint32Array;
  /** Reader/writer locks held for reading, and for writing, on arrival in some reachable state (empty without rwsems). */
  readonly sometimesRead: Uint32Array;
  readonly sometimesWritten: Uint32Array;
  /** Lockdep's lock-order occurrences, by site, then held lock, then target. */
  readonly edges: readonly EdgeOccurrence[];
  /** Lockdep's irq usage per lock (IrqUsage bits; empty without interrupt handlers), and the first site of each bit (lock * 8 + bit; -1: at a thread's end). */
  readonly irqUsage: { readonly bits: Uint8Array; readonly sites: Int32Array };
  /** Per site of a waiting statement: what its thread found at the call (bits of its primitive's `observe`, OR-ed; 0 elsewhere). */
  readonly seen: Uint32Array;
  /** Per site: the interrupt state its thread stood in (IrqSeen bits, OR-ed); empty without §10's handlers or interrupt state. */
  readonly irqSeen: Uint8Array;
}

/** Lockdep's usage bits of a lock (race-language.md §10); each `…W` bit's read form is the next bit. */
export const enum IrqUsage {
  InHardirqW = 0,
  InHardirqR = 1,
  InSoftirqW = 2,
  InSoftirqR = 3,
  HardirqOnW = 4,
  HardirqOnR = 5,
  SoftirqOnW = 6,
  SoftirqOnR = 7,
}

/** Lock `from` was held when a CPU at `site` acquired `to`; `common`: the locks held at every such occurrence. */
export interface EdgeOccurrence {
  readonly site: number;
  readonly from: number;
  readonly to: number;
  /**
   * The kinds of dependency seen, as lockdep's bits (kernel/locking/lockdep.c
   * __calc_dep_bit): `from` held shared or exclusively, `to` taken as a
   * recursive read or not — DepKind.SR, ER, SN, EN, OR-ed.
   */
  readonly deps: number;
  readonly common: Uint32Array;
}

/** Lockdep's kinds of dependency x → y: x held (S)hared or (E)xclusively, y taken as a (R)ecursive read or (N)ot. */
export const enum DepKind {
  SR = 1,
  ER = 2,
  SN = 4,
  EN = 8,
}

/** The kinds that take the next lock as a recursive read (-(*R)->), or not (-(*N)->); that leave the lock held shared (-(S*)->), or exclusively (-(E*)->). */
export const R_DEPS = DepKind.SR | DepKind.ER;
export const N_DEPS = DepKind.SN | DepKind.EN;
export const S_DEPS = DepKind.SR | DepKind.SN;
export const E_DEPS = DepKind.ER | DepKind.EN;

export interface ExploreResult {
  /** The first state where no CPU can move and one is unfinished (SPIN's invalid end state), or -1. */
  readonly stuckState: number;
  readonly layout: Layout;
  /** The model's access summaries (the stubborn sets' in a reduced search; who releases a wait in any). */
  readonly reduction: Reduction;
  readonly store: StateStore;
  /** Every edge between stored states (not in the goal-directed search). */
  readonly graph: StateGraph | undefined;
  /** The steps (as store.ts encodes them) of a shortest path found to state `id`. */
  readonly path: (id: number) => number[];
  /** The steps of a graph edge: its first step `via`, then its chain followed again. */
  readonly edgeSteps: (from: number, via: number, to: number) => number[];
  /** Its length. */
  readonly depth: (id: number) => number;
  readonly problems: readonly FoundProblem[];
  readonly facts: Facts;
  readonly stats: Stats;
  /**
   * A main search without merged chains: the states it expanded with a
   * stubborn set smaller than every enabled CPU (ascending ids) and, per
   * state, the CPUs outside that set (a mask).
   */
  readonly narrowed?: {
    readonly ids: Int32Array;
    readonly outside: Int32Array;
    readonly count: number;
    /** The first id at each depth (breadth first, ids are handed out level by level). */
    readonly levelStarts: readonly number[];
  };
  /** A stuck search's states left unexpanded, as the main search's (`StuckTargets.main`): per state its id there, or -1 (past the end too). */
  readonly leafOf?: Int32Array;
}
