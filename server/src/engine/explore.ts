// explore(): stateful search over every interleaving in order of distance
// (up to the order of independent steps, unless `reduce: false`: stubborn
// sets and merged chains; see reduce.ts and docs/ARCHITECTURE.md
// "Reduction"). Finds each distinct problem once, at the first (hence
// shallowest in the graph searched) state where it shows, collects per-site
// lock facts and lock-order occurrences along the way, and keeps the state
// graph for the stuck-forever analysis (stuck.ts). Bounded by a state
// budget, a time budget and a cancellation check polled every few thousand
// steps.

import { StateGraph } from "./graph";
import { PC_DONE, type Model } from "./model";
import { semantics } from "./primitives";
import { CpuStatus, Layout, StepResult } from "./state";
import { Packer, workState } from "./pack";
import { Reduction, successors } from "./reduce";
import { encodeStep, MAX_STORED_STATES, StateStore, stepChoice, stepCpu } from "./store";

export interface ExploreOptions {
  /** Stop after this many distinct states (default 1,000,000). */
  readonly maxStates?: number;
  /** Stop after this many milliseconds (default: no limit). */
  readonly timeoutMs?: number;
  /** Polled every few thousand states; true stops the search. */
  readonly isCancelled?: () => boolean;
  /** Partial-order reduction (stubborn sets; default on). `false` explores every interleaving. */
  readonly reduce?: boolean;
}

/**
 * A problem to reach by a shortest path (goal-directed search): its key and,
 * per state, the CPUs one of which must move before it can show.
 */
export interface Goal {
  readonly key: string;
  readonly needs: (st: Uint8Array, reduction: Reduction) => number;
  /** A trace of this length is known: the search need not look at or past this depth for it. */
  readonly bound: number;
}

/**
 * States where CPUs are stuck forever are known only once the whole graph
 * is (stuck.ts), so their shortest traces come from a search that is
 * complete, like the main one, but expands in every state the stubborn set
 * around the CPUs one of which must move before such a state can show.
 */
export interface StuckTargets {
  readonly needs: (st: Uint8Array, reduction: Reduction) => number;
  /** A state that may be a target: chains do not pass it, so it is stored. */
  readonly candidate: (st: Uint8Array) => boolean;
}

/**
 * What a search is for: every problem (`main`), the shortest traces of
 * problems the main search found (`goals`), or a graph in which the
 * stuck-forever states are at their shortest distance (`stuck`).
 */
export type SearchMode =
  | { readonly kind: "main" }
  | { readonly kind: "goals"; readonly goals: readonly Goal[] }
  | { readonly kind: "stuck"; readonly targets: StuckTargets };

export type ProblemKind = "deadlock" | "hang" | "violation" | "bad-unlock" | "lock-held-at-exit" | "overflow";

/** A CPU's part in a problem: where it is and, when blocked on a lock, which. */
export interface Site {
  readonly cpu: number;
  readonly pc: number;
  readonly lock: number | undefined;
}

export interface FoundProblem {
  readonly kind: ProblemKind;
  readonly key: string;
  /** The state where the problem shows; the trace is the path to it. */
  readonly state: number;
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
}

/** Lock sets as bitmask words (W = ceil(locks / 32) words each). */
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
  /** (site * locks + held) → intersection of held sets over the occurrences of held → target at site. */
  readonly edgeOccurrences: ReadonlyMap<number, Uint32Array>;
}

export interface ExploreResult {
  /** The first state where no CPU can move and one is unfinished (SPIN's invalid end state), or -1. */
  readonly stuckState: number;
  readonly layout: Layout;
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
}

export const DEFAULT_MAX_STATES = 1_000_000;
const POLL_EVERY = 4096;
const CHAIN_WINDOW = 1024;
const CHAIN_SAMPLE = 16;

/**
 * The search. In `goals` mode a goal-directed search instead: only the
 * stubborn set around the CPUs each open goal needs is expanded, and the
 * search ends when every goal is reached or has reached its bound; its
 * problems are the goals it reached (each by a shortest path). In `stuck`
 * mode a complete search whose stubborn sets contain the CPUs the stuck
 * targets need, for stuck.ts to analyse; it reports no problems.
 */
export function explore(model: Model, options: ExploreOptions = {}, mode: SearchMode = { kind: "main" }): ExploreResult {
  const goals = mode.kind === "goals" ? mode.goals : undefined;
  const targets = mode.kind === "stuck" ? mode.targets : undefined;
  const started = performance.now();
  const maxStates = Math.min(options.maxStates ?? DEFAULT_MAX_STATES, MAX_STORED_STATES);
  const deadline = options.timeoutMs !== undefined ? started + options.timeoutMs : Infinity;
  const layout = new Layout(model);
  const n = model.cpus.length;
  const lockCount = model.locks.length;
  const words = Math.max(1, Math.ceil(lockCount / 32));

  const siteBase: number[] = [];
  let sites = 0;
  for (const c of model.cpus) {
    siteBase.push(sites);
    sites += c.code.length;
  }
  const reached = new Uint8Array(sites);
  const always = new Uint32Array(sites * words).fill(0xffffffff);
  const sometimes = new Uint32Array(sites * words);
  // Modes only where there are reader/writer locks.
  const rwLocks = new Uint32Array(words);
  model.locks.forEach((l, i) => {
    if (l.kind === "rwsem") rwLocks[i >>> 5]! |= 1 << (i & 31);
  });
  const modes = rwLocks.some((w) => w !== 0);
  const sometimesRead = new Uint32Array(modes ? sites * words : 0);
  const sometimesWritten = new Uint32Array(modes ? sites * words : 0);
  const heldRead = new Uint32Array(modes ? n * words : 0);
  // Lock-order occurrences, indexed densely: only lock/rlock sites get a row.
  const lockSiteRow = new Int32Array(sites).fill(-1);
  let lockSites = 0;
  model.cpus.forEach((c, i) =>
    c.code.forEach((ins, pc) => {
      if (semantics(ins).acquires(ins)) lockSiteRow[siteBase[i]! + pc] = lockSites++;
    }),
  );
  const occurrences = new Uint32Array(lockSites * lockCount * words).fill(0xffffffff);
  const occurred = new Uint8Array(lockSites * lockCount);

  const packer = new Packer(layout);
  const store = new StateStore(packer);
  const curPacked = new Int32Array(packer.words);
  const nextPacked = new Int32Array(packer.words);
  const problems: FoundProblem[] = [];
  const seen = new Set<string>();
  const goalKeys = goals ? new Set(goals.map((g) => g.key)) : undefined;
  let goalsLeft = goals ? goals.length : 0;
  // Goals stop being open (found, or closed at their bound) in this order;
  // the goal-directed search's expansion depends on which are open, so each
  // stored edge remembers how many had stopped when its chain was followed
  // (`edgeEpoch`), and trace replay follows the chain with those.
  const goalOrder = new Map<string, number>();
  const edgeEpoch: number[] = [];
  let replayEpoch = -1;
  const isOpen = (key: string): boolean => {
    const at = goalOrder.get(key);
    return at === undefined || (replayEpoch >= 0 && at >= replayEpoch);
  };
  const found = (p: FoundProblem): void => {
    if (targets || seen.has(p.key)) return;
    if (goalKeys) {
      if (!goalKeys.has(p.key) || goalOrder.has(p.key)) return; // not a goal, or closed at its bound
      goalsLeft--;
      goalOrder.set(p.key, goalOrder.size);
    }
    seen.add(p.key);
    problems.push(p);
  };
  const reduction = options.reduce === false && !goals && !targets ? undefined : new Reduction(model, layout);
  const graph = goals ? undefined : new StateGraph(reduction !== undefined, n);
  // Chains of steps through states with a single reduced successor are
  // followed without storing those states (with reduction; in the
  // goal-directed search too, replayed with the goals open at the time).
  // Edges then weigh their number of steps.
  const merge = reduction !== undefined;

  const curState = workState(layout.size);
  const nextState = workState(layout.size);
  const auxState = workState(layout.size);
  const cur = curState.bytes;
  const curWords = curState.words;
  const codes = model.cpus.map((c) => c.code);
  const status = new Int32Array(n);
  const waitsFor = new Int32Array(n);
  const reach = new Int32Array(n);
  const held = new Uint32Array(n * words);

  // What analyse() found out about the state it looked at.
  let enabled = 0;
  let enabledMask = 0;
  let blocked = 0;
  let blockedOnLock = 0;

  /**
   * Per-CPU status of `st` (into `status`, `waitsFor`) and, with `record`,
   * its lock facts: what each CPU holds on arrival at its statement, and
   * the lock-order occurrences (each held lock → the one being acquired).
   */
  function analyse(st: Uint8Array, record: boolean): void {
    for (let i = 0; i < held.length; i++) held[i] = 0;
    for (let i = 0; i < heldRead.length; i++) heldRead[i] = 0;
    for (let l = 0; l < lockCount; l++) {
      const owner = layout.locks.owner(st, l);
      if (owner !== 0) held[(owner - 1) * words + (l >>> 5)]! |= 1 << (l & 31);
      const rb = layout.locks.readerBase[l]!;
      if (rb >= 0) {
        for (let c = 0; c < n; c++) {
          if (st[rb + c]! === 0) continue;
          held[c * words + (l >>> 5)]! |= 1 << (l & 31);
          heldRead[c * words + (l >>> 5)]! |= 1 << (l & 31);
        }
      }
    }
    enabled = 0;
    enabledMask = 0;
    blocked = 0;
    blockedOnLock = 0;
    for (let c = 0; c < n; c++) {
      const s = layout.status(st, c, waitsFor);
      status[c] = s;
      if (s === CpuStatus.Enabled) {
        enabled++;
        enabledMask |= 1 << c;
      } else if (s === CpuStatus.BlockedOnLock) {
        blocked++;
        blockedOnLock++;
      } else if (s === CpuStatus.BlockedOnWait) blocked++;
      if (s === CpuStatus.Finished || !record) continue;
      const pc = layout.pc(st, c);
      const site = siteBase[c]! + pc;
      reached[site] = 1;
      for (let w = 0; w < words; w++) {
        always[site * words + w]! &= held[c * words + w]!;
        sometimes[site * words + w]! |= held[c * words + w]!;
      }
      if (modes) {
        for (let w = 0; w < words; w++) {
          sometimesRead[site * words + w]! |= heldRead[c * words + w]!;
          sometimesWritten[site * words + w]! |= held[c * words + w]! & ~heldRead[c * words + w]! & rwLocks[w]!;
        }
      }
      const ins = codes[c]![pc]!;
      const acquire = semantics(ins).acquires(ins);
      if (acquire) {
        const target = acquire.lock;
        if (held[c * words + (target >>> 5)]! & (1 << (target & 31))) continue;
        const row = lockSiteRow[site]! * lockCount;
        for (let h = 0; h < lockCount; h++) {
          if (!(held[c * words + (h >>> 5)]! & (1 << (h & 31)))) continue;
          occurred[row + h] = 1;
          const at = (row + h) * words;
          for (let w = 0; w < words; w++) occurrences[at + w]! &= held[c * words + w]!;
        }
      }
    }
  }

  /** The CPUs to expand in the state analyse() just looked at (enabled ones only). */
  function expansion(st: Uint8Array): number {
    if (!reduction || enabled === 0) return enabledMask;
    reduction.prepare(st, status, waitsFor);
    if (goals) {
      let needs = 0;
      for (const g of goals) if (isOpen(g.key)) needs |= g.needs(st, reduction);
      return reduction.closure(needs) & enabledMask;
    }
    if (targets) {
      // A set without an enabled CPU cannot lead to a target: any stubborn set will do then.
      const set = reduction.closure(targets.needs(st, reduction)) & enabledMask;
      if (set !== 0) return set;
    }
    return enabled > 1 ? reduction.smallest(enabledMask) : enabledMask;
  }

  const noProblem = (): void => {};
  // Who could release a `wait until`, for CPUs waiting on a deadlock through one.
  const releasers = reduction ?? new Reduction(model, layout);
  /**
   * `dead` (the CPUs in or behind a wait-for cycle) with the CPUs blocked on
   * a `wait until` that only those CPUs could make pass: they too wait for
   * the deadlock (§8 precedence), through shared state rather than a lock.
   */
  function behindWaits(st: Uint8Array, dead: number): number {
    for (let changed = true; changed; ) {
      changed = false;
      for (let c = 0; c < n; c++) {
        if (status[c] !== CpuStatus.BlockedOnWait || dead & (1 << c)) continue;
        const r = releasers.releasers(st, c);
        if (r !== 0 && (r & ~dead) === 0) {
          dead |= 1 << c;
          changed = true;
        }
      }
    }
    return dead;
  }
  /** Per site: the statement can jump back (to itself or an earlier statement). */
  const loopsBack = new Uint8Array(sites);
  model.cpus.forEach((cpu, c) => cpu.code.forEach((ins, pc) => (loopsBack[siteBase[c]! + pc] = successors(ins).some((t) => t !== PC_DONE && t <= pc) ? 1 : 0)));
  /**
   * If `st` is a state a chain passes through (some CPU can move, no
   * deadlock shows, and the reduced search would expand exactly one CPU
   * with one choice), that CPU; else -1. A function of the state alone, so
   * trace replay follows the same chains.
   */
  function chainStep(st: Uint8Array, record: boolean): number {
    analyse(st, record);
    if (enabled === 0) return -1;
    if (blockedOnLock > 0 && findDeadlocks(layout, st, -1, status, waitsFor, reach, noProblem) !== 0) return -1;
    if (targets?.candidate(st)) return -1;
    const set = expansion(st);
    if (set === 0 || set & (set - 1)) return -1;
    const e = 31 - Math.clz32(set);
    if (layout.choices(st, e) !== 1) return -1;
    // Never around a loop: chains stay acyclic (each step moves a CPU
    // forward in its code), so they are short and their length is the
    // distance they cover.
    return loopsBack[siteBase[e]! + layout.pc(st, e)] ? -1 : e;
  }

  // The queue. Without chains, ids are handed out level by level and the
  // arena is the BFS queue. With chains, edges weigh their steps and the
  // queue is a bucket per distance (Dijkstra with small integer weights):
  // each time a state is reached, (state, parent, step, goals closed) goes
  // into the bucket of that distance; the first time a state comes out of a
  // bucket is at its shortest distance, and that entry's parent and step
  // become the stored ones. Later entries for it are skipped (`expanded`).
  let depth = 0;
  let levelEnd = 1;
  let nextId = 0;
  const buckets: (number[] | undefined)[] = [];
  let bucketAt = 0;
  let bucketPos = 0;
  let expandedBits = new Uint32Array(32);
  const isExpanded = (id: number): boolean => (expandedBits[id >>> 5]! & (1 << (id & 31))) !== 0;
  const push = (dist: number, id: number, parent: number, via: number): void => {
    (buckets[dist] ??= []).push(id, parent, via, goalOrder.size);
  };
  function nextOpen(): number {
    if (!merge) {
      if (nextId >= store.count) return -1;
      if (nextId === levelEnd) {
        depth++;
        levelEnd = store.count;
      }
      return nextId++;
    }
    for (;;) {
      if (bucketAt >= buckets.length) return -1;
      const b = buckets[bucketAt];
      if (b === undefined || bucketPos >= b.length) {
        buckets[bucketAt] = undefined;
        bucketAt++;
        bucketPos = 0;
        continue;
      }
      const id = b[bucketPos]!;
      const at = bucketPos;
      bucketPos += 4;
      if (isExpanded(id)) continue; // came out of an earlier bucket
      if (id >>> 5 >= expandedBits.length) {
        const grown = new Uint32Array(Math.max(expandedBits.length * 2, (id >>> 5) + 1));
        grown.set(expandedBits);
        expandedBits = grown;
      }
      expandedBits[id >>> 5]! |= 1 << (id & 31);
      if (id > 0) {
        store.reparent(id, b[at + 1]!, b[at + 2]!);
        if (goals) edgeEpoch[id] = b[at + 3]!;
      }
      depth = bucketAt;
      return id;
    }
  }
  /** Adds a state reached at `dist`, or shortens its path if it is not expanded yet. */
  function settle(to: number, parent: number, via: number, dist: number): number {
    if (merge && !isExpanded(to)) push(dist, to, parent, via); // an expanded state's successors are settled
    return to;
  }

  // Where chains went from the states they passed through (a bounded cache:
  // chains that meet are then walked once, mostly).
  const cache = new ChainCache(packer.words);
  let cacheEpoch = 0;
  const chainLimit = sites + 1;
  const keyWords = packer.words;
  const chainKey = new Int32Array(keyWords);
  const chainKeys = new Int32Array(chainLimit * keyWords);
  const passedAt = new Int32Array(chainLimit);
  const passedCpu = new Int32Array(chainLimit);
  // Finding out whether a chain passes a new state costs its analysis, and
  // then again when it is expanded. Where chains are rare (under 1 in
  // CHAIN_SAMPLE new states over the last CHAIN_WINDOW), new states are stored
  // without asking, but for 1 in CHAIN_SAMPLE, which keeps measuring. Storing
  // a state a chain could pass is always allowed: the graph stays a reduced
  // graph, and replay stops where the stored chain stopped.
  let chaining = true;
  let chainTries = 0;
  let chainHits = 0;
  let skipped = 0;

  store.insert(layout.initial(), -1, 0);
  if (merge) push(0, 0, -1, 0);
  let transitions = 0;
  let stoppedBy: Stats["stoppedBy"];
  let stuckState = -1;
  let nextPoll = POLL_EVERY;

  for (let id = nextOpen(); id >= 0; id = nextOpen()) {
    // Poll by steps taken, not states: one expansion may follow long chains.
    if (transitions >= nextPoll) {
      nextPoll = transitions + POLL_EVERY;
      if (options.isCancelled?.()) {
        stoppedBy = "cancelled";
        break;
      }
      if (performance.now() > deadline) {
        stoppedBy = "time";
        break;
      }
    }
    if (store.count >= maxStates) {
      stoppedBy = "states";
      break;
    }
    store.load(id, cur, curPacked);
    analyse(cur, true);

    const stuck = enabled === 0 && blocked > 0;
    if (stuck && stuckState < 0) stuckState = id;
    let dead = blockedOnLock > 0 ? findDeadlocks(layout, cur, id, status, waitsFor, reach, found) : 0;
    const cycle = dead !== 0;
    if (cycle && blocked > blockedOnLock) dead = behindWaits(cur, dead);
    if (graph) {
      let done = 0;
      for (let c = 0; c < n; c++) if (status[c] === CpuStatus.Finished) done |= 1 << c;
      graph.expanding(id, done, dead, enabledMask);
    }
    // With the whole graph, stuck.ts finds every CPU stuck forever; this
    // finds those of states where nothing moves, which a search stopped by
    // its budget still confirms.
    if (stuck && !cycle) {
      const hangSites: Site[] = [];
      for (let c = 0; c < n; c++) {
        if (status[c] === CpuStatus.BlockedOnLock || status[c] === CpuStatus.BlockedOnWait) {
          const ins = layout.instrAt(cur, c)!;
          hangSites.push({ cpu: c, pc: layout.pc(cur, c), lock: semantics(ins).acquires(ins)?.lock });
        }
      }
      found({ kind: "hang", key: "hang:" + hangSites.map((s) => `${s.cpu}@${s.pc}`).join(","), state: id, sites: hangSites, locks: [] });
    }

    if (goals) {
      // A goal still open at its bound's depth has no shorter trace than the one known.
      for (const g of goals) {
        if (depth >= g.bound && !goalOrder.has(g.key)) {
          goalOrder.set(g.key, goalOrder.size);
          goalsLeft--;
        }
      }
      if (goalsLeft === 0) break;
    }

    // Which CPUs to expand: all enabled ones, or a stubborn set of them.
    // (expandCpu overwrites the analysis while following chains: keep these.)
    const expand = expansion(cur);
    const all = enabledMask;
    let reachedOld = false;
    for (let c = 0; c < n; c++) {
      if (!(expand & (1 << c))) continue;
      reachedOld = expandCpu(c, id, depth) || reachedOld;
    }
    // Cycle proviso: a cycle of the reduced graph could postpone a CPU's
    // step forever. Every cycle has a step from a later-numbered state back
    // to an earlier one (numbers are handed out as states are found);
    // expanding such states fully breaks them all.
    if (reachedOld && !goals && reduction?.hasLoops && expand !== all) {
      for (let c = 0; c < n; c++) if (all & ~expand & (1 << c)) expandCpu(c, id, depth);
    }
    graph?.expanded(id);
  }

  /**
   * Adds the successors of enabled CPU `c` in state `id` (in `cur`, at
   * distance `dist`), each at the end of its chain; true if one of them was
   * found before `id` (or is `id`).
   */
  function expandCpu(c: number, id: number, dist: number): boolean {
    let old = false;
    const k = layout.choices(cur, c);
    const pc = layout.pc(cur, c);
    for (let choice = 0; choice < k; choice++) {
      let x = nextState;
      let spare = auxState;
      for (let w = 0; w < curWords.length; w++) x.words[w] = curWords[w]!; // faster than set() for a few words
      const result = layout.step(x.bytes, c, choice);
      transitions++;
      let steps = 1;
      let moved = 1 << c; // the CPUs that step along the edge
      let tail = 0; // the CPUs that step after a chain-cache hit
      let passed = 0; // states the chain passed through, their packed forms in chainKeys
      let to = -1;
      if (merge && result === StepResult.Ok) {
        cache.fit(store.count);
        if (goals && cacheEpoch !== goalOrder.size) {
          cache.clear(); // chains depend on the open goals
          cacheEpoch = goalOrder.size;
        }
        for (; ; steps++) {
          packer.packDelta(curPacked, curState, x, chainKey);
          // A stored state ends the chain: nothing to work out about it.
          const known = store.find(chainKey);
          if (known >= 0) {
            to = known;
            break;
          }
          const hit = cache.get(chainKey);
          if (hit >= 0) {
            // Another chain went on from here: it ends where this one would.
            to = cache.end[hit]!;
            steps += cache.steps[hit]!;
            tail = cache.moved[hit]!;
            moved |= tail;
            break;
          }
          // Stored without finding out whether a chain passes it (where chains are rare).
          if (steps === 1 && !chaining && ++skipped % CHAIN_SAMPLE !== 0) break;
          const e = chainStep(x.bytes, true);
          if (steps === 1) {
            chainTries++;
            if (e >= 0) chainHits++;
            if (chainTries === CHAIN_WINDOW) {
              chaining = chainHits * CHAIN_SAMPLE >= chainTries;
              chainTries = chainHits = 0;
            }
          }
          if (e < 0) break;
          for (let w = 0; w < curWords.length; w++) spare.words[w] = x.words[w]!;
          // A failing step ends the chain before it: the state it fails in is stored.
          if (layout.step(spare.bytes, e, 0) !== StepResult.Ok) break;
          transitions++;
          chainKeys.set(chainKey, passed * keyWords);
          passedAt[passed] = steps;
          passedCpu[passed++] = e;
          moved |= 1 << e;
          [x, spare] = [spare, x];
        }
      }
      const via = encodeStep(c, choice);
      if (to >= 0) to = settle(to, id, via, dist + steps);
      else if (merge && result === StepResult.Ok) {
        // x is packed in chainKey, and the store's last lookup missed it.
        to = settle(store.insertMissed(chainKey, id, via), id, via, dist + steps);
      }
      else {
        packer.packDelta(curPacked, curState, x, nextPacked);
        to = settle(store.insertPacked(nextPacked, id, via), id, via, dist + steps);
      }
      // Each passed state's chain ends at `to`, after the CPUs that step from it on.
      for (let i = passed - 1; i >= 0; i--) passedCpu[i] = tail |= 1 << passedCpu[i]!;
      for (let i = 0; i < passed; i++) cache.set(chainKeys, i * keyWords, to, steps - passedAt[i]!, passedCpu[i]!);
      graph?.edge(to, via, moved);
      if (to <= id) old = true;
      if (result !== StepResult.Ok) reportStep(result, layout, x.bytes, c, pc, to, found);
    }
    return old;
  }

  /** The steps of the path the search found to `id` (chains followed again). */
  function path(id: number): number[] {
    if (!merge) return store.pathTo(id);
    const edges: number[] = [];
    for (let s = id; s > 0; s = store.parent[s]!) edges.push(s);
    const st = layout.initial();
    const steps: number[] = [];
    for (let i = edges.length - 1; i >= 0; i--) {
      const to = edges[i]!;
      if (goals) replayEpoch = edgeEpoch[to]!;
      follow(st, store.via[to]!, to, steps);
    }
    replayEpoch = -1;
    return steps;
  }

  /** Takes step `via` in `st`, then the chain from there to stored state `to`, adding the steps to `steps`. */
  function follow(st: Uint8Array, via: number, to: number, steps: number[]): void {
    const target = new Uint8Array(layout.size);
    layout.step(st, stepCpu(via), stepChoice(via));
    steps.push(via);
    store.load(to, target);
    while (!sameBytes(st, target, layout.size)) {
      const e = merge ? chainStep(st, false) : -1;
      if (e < 0) throw new Error(`internal error: no chain leads to state ${to}`);
      layout.step(st, e, 0);
      steps.push(encodeStep(e, 0));
    }
  }

  function edgeSteps(from: number, via: number, to: number): number[] {
    const st = new Uint8Array(layout.size);
    store.load(from, st);
    const steps: number[] = [];
    follow(st, via, to, steps);
    return steps;
  }

  const edgeOccurrences = new Map<number, Uint32Array>();
  for (let site = 0; site < sites; site++) {
    const row = lockSiteRow[site]!;
    if (row < 0) continue;
    for (let h = 0; h < lockCount; h++) {
      const k = row * lockCount + h;
      if (occurred[k]) edgeOccurrences.set(site * lockCount + h, occurrences.slice(k * words, (k + 1) * words));
    }
  }

  return {
    stuckState,
    layout,
    store,
    graph,
    path,
    edgeSteps,
    depth: (id) => (merge ? path(id).length : store.depth(id)),
    problems,
    facts: { words, siteBase, reached, always, sometimes, sometimesRead, sometimesWritten, edgeOccurrences },
    stats: {
      states: store.count,
      transitions,
      ms: performance.now() - started,
      complete: stoppedBy === undefined,
      stoppedBy,
      // The graph kept for the stuck-forever analysis counts too.
      bytesPerState: store.bytesPerState + (graph ? graph.bytes / Math.max(1, store.count) : 0),
      reduced: reduction !== undefined,
    },
  };
}

/**
 * A direct-mapped cache: packed state → the stored state its chain ends in
 * and how many steps away. A later entry evicts an earlier one in its slot.
 */
class ChainCache {
  private static readonly MAX_BITS = 16;
  private bits = 0;
  private keys = new Int32Array(0);
  end = new Int32Array(0);
  steps = new Int32Array(0);
  /** The CPUs that step along the rest of the chain. */
  moved = new Int32Array(0);

  constructor(private readonly words: number) {
    this.resize(10);
  }

  /** Grows with the search (1,024 to 65,536 slots), starting empty again. */
  fit(stored: number): void {
    if (this.bits < ChainCache.MAX_BITS && stored > 1 << this.bits) this.resize(Math.min(ChainCache.MAX_BITS, this.bits + 2));
  }

  private resize(bits: number): void {
    const n = 1 << bits;
    this.bits = bits;
    this.keys = new Int32Array(n * this.words);
    this.end = new Int32Array(n).fill(-1);
    this.steps = new Int32Array(n);
    this.moved = new Int32Array(n);
  }

  private slot(key: Int32Array, off: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < this.words; i++) h = Math.imul(h ^ key[off + i]!, 0x9e3779b1);
    h ^= h >>> 16;
    return Math.imul(h, 0x2c1b3c6d) >>> (32 - this.bits);
  }

  /** The slot holding `key`, or -1. */
  get(key: Int32Array): number {
    const s = this.slot(key, 0);
    if (this.end[s]! < 0) return -1;
    const at = s * this.words;
    for (let i = 0; i < this.words; i++) if (this.keys[at + i] !== key[i]) return -1;
    return s;
  }

  /** Caches the key at `keys[off…]`. */
  set(keys: Int32Array, off: number, end: number, steps: number, moved: number): void {
    const s = this.slot(keys, off);
    for (let i = 0; i < this.words; i++) this.keys[s * this.words + i] = keys[off + i]!;
    this.end[s] = end;
    this.steps[s] = steps;
    this.moved[s] = moved;
  }

  clear(): void {
    this.end.fill(-1);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, size: number): boolean {
  for (let i = 0; i < size; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function reportStep(result: StepResult, layout: Layout, after: Uint8Array, cpu: number, pc: number, state: number, found: (p: FoundProblem) => void): void {
  const ins = layout.model.cpus[cpu]!.code[pc]!;
  const lock = semantics(ins).releases(ins);
  const site: Site = { cpu, pc, lock };
  switch (result) {
    case StepResult.Violation:
      found({ kind: "violation", key: `violation:${cpu}@${pc}`, state, sites: [site], locks: [] });
      break;
    case StepResult.BadUnlock:
      found({ kind: "bad-unlock", key: `bad-unlock:${cpu}@${pc}`, state, sites: [site], locks: [] });
      break;
    case StepResult.Overflow:
      found({ kind: "overflow", key: `overflow:${cpu}@${pc}`, state, sites: [site], locks: [] });
      break;
    case StepResult.HeldAtExit: {
      const locks = layout.locks.heldLocks(after, cpu);
      found({ kind: "lock-held-at-exit", key: `held-at-exit:${cpu}:${locks.join(",")}`, state, sites: [{ cpu, pc: PC_DONE, lock: undefined }], locks });
      break;
    }
    case StepResult.Ok:
      break;
  }
}

/**
 * Wait-for cycles among CPUs blocked on locks: each strongly connected
 * group (a CPU waiting for itself included) is one deadlock. Returns the
 * CPUs in a cycle or blocked behind one (waiting, directly or not, for a
 * CPU of a cycle): 0 if this state has no cycle.
 */
export function findDeadlocks(
  layout: Layout,
  st: Uint8Array,
  stateId: number,
  status: Int32Array,
  waitsFor: Int32Array,
  reach: Int32Array,
  found: (p: FoundProblem) => void,
): number {
  const n = layout.cpuCount;
  // Peel CPUs whose waits lead out of the blocked set (to a CPU that can
  // move): what is left, if anything, contains a cycle. Usually nothing is.
  let candidates = 0;
  for (let c = 0; c < n; c++) if (status[c] === CpuStatus.BlockedOnLock) candidates |= 1 << c;
  for (let changed = true; changed && candidates !== 0; ) {
    changed = false;
    for (let c = 0; c < n; c++) {
      if (candidates & (1 << c) && (waitsFor[c]! & candidates) === 0) {
        candidates &= ~(1 << c);
        changed = true;
      }
    }
  }
  if (candidates === 0) return 0;
  for (let c = 0; c < n; c++) reach[c] = status[c] === CpuStatus.BlockedOnLock ? waitsFor[c]! : 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (let c = 0; c < n; c++) {
      let r = reach[c]!;
      let add = 0;
      for (let d = 0; d < n; d++) if (r & (1 << d)) add |= reach[d]!;
      r |= add;
      if (r !== reach[c]) {
        reach[c] = r;
        changed = true;
      }
    }
  }
  let done = 0;
  for (let c = 0; c < n; c++) {
    if (!(reach[c]! & (1 << c)) || done & (1 << c)) continue;
    const sites: Site[] = [];
    for (let d = 0; d < n; d++) {
      if (d === c || (reach[c]! & (1 << d) && reach[d]! & (1 << c))) {
        done |= 1 << d;
        const ins = layout.instrAt(st, d)!;
        sites.push({ cpu: d, pc: layout.pc(st, d), lock: semantics(ins).acquires(ins)?.lock });
      }
    }
    found({ kind: "deadlock", key: "deadlock:" + sites.map((s) => `${s.cpu}@${s.pc}:${s.lock}`).join(","), state: stateId, sites, locks: [] });
  }
  // `done` is the CPUs of the cycles; the blocked CPUs that reach one are behind them.
  let dead = done;
  for (let c = 0; c < n; c++) if (reach[c]! & done) dead |= 1 << c;
  return dead;
}
