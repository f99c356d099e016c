// explore(): stateful breadth-first search over every interleaving (up to
// the order of independent steps, unless `reduce: false`; see reduce.ts and
// docs/ARCHITECTURE.md "Reduction"). Finds each distinct problem once, at the
// first (hence shallowest in the graph searched) state where it shows, and
// collects per-site lock facts and lock-order occurrences along the way.
// Bounded by a state budget, a time budget and a cancellation check polled
// every few thousand states.

import { PC_DONE, type Model } from "./model";
import { CpuStatus, Layout, StepResult } from "./state";
import { Packer, workState } from "./pack";
import { Reduction } from "./reduce";
import { encodeStep, MAX_STORED_STATES, StateStore } from "./store";

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
  /** (site * locks + held) → intersection of held sets over the occurrences of held → target at site. */
  readonly edgeOccurrences: ReadonlyMap<number, Uint32Array>;
}

export interface ExploreResult {
  /** The first state where no CPU can move and one is unfinished (SPIN's invalid end state), or -1. */
  readonly stuckState: number;
  readonly layout: Layout;
  readonly store: StateStore;
  readonly problems: readonly FoundProblem[];
  readonly facts: Facts;
  readonly stats: Stats;
}

export const DEFAULT_MAX_STATES = 1_000_000;
const POLL_EVERY = 2048;

/**
 * The search. With `goals`, a goal-directed search instead: only the
 * stubborn set around the CPUs each open goal needs is expanded, and the
 * search ends when every goal is reached or has reached its bound; its
 * problems are the goals it reached (each by a shortest path).
 */
export function explore(model: Model, options: ExploreOptions = {}, goals?: readonly Goal[]): ExploreResult {
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
  // Lock-order occurrences, indexed densely: only lock/rlock sites get a row.
  const lockSiteRow = new Int32Array(sites).fill(-1);
  let lockSites = 0;
  model.cpus.forEach((c, i) =>
    c.code.forEach((ins, pc) => {
      if (ins.op === "lock" || ins.op === "rlock") lockSiteRow[siteBase[i]! + pc] = lockSites++;
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
  // BFS depth of state `id`: ids are handed out level by level.
  let depth = 0;
  let levelEnd = 1;
  const closed = new Set<string>();
  const found = (p: FoundProblem): void => {
    if (seen.has(p.key)) return;
    if (goalKeys) {
      if (!goalKeys.has(p.key) || closed.has(p.key)) return;
      goalsLeft--;
    }
    seen.add(p.key);
    problems.push(p);
  };
  const reduction = options.reduce === false && !goals ? undefined : new Reduction(model, layout);

  const curState = workState(layout.size);
  const nextState = workState(layout.size);
  const cur = curState.bytes;
  const next = nextState.bytes;
  const curWords = curState.words;
  const nextWords = nextState.words;
  const codes = model.cpus.map((c) => c.code);
  const status = new Int32Array(n);
  const waitsFor = new Int32Array(n);
  const reach = new Int32Array(n);
  const held = new Uint32Array(n * words);

  store.insert(layout.initial(), -1, 0);
  let transitions = 0;
  let stoppedBy: Stats["stoppedBy"];
  let stuckState = -1;

  for (let id = 0; id < store.count; id++) {
    if (id === levelEnd) {
      depth++;
      levelEnd = store.count;
    }
    if (id % POLL_EVERY === 0 && id > 0) {
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

    // Who holds what (one pass over the locks), then per-CPU status.
    for (let i = 0; i < held.length; i++) held[i] = 0;
    for (let l = 0; l < lockCount; l++) {
      const owner = layout.owner(cur, l);
      if (owner !== 0) held[(owner - 1) * words + (l >>> 5)]! |= 1 << (l & 31);
      const rb = layout.readerBase[l]!;
      if (rb >= 0) for (let c = 0; c < n; c++) if (cur[rb + c]! > 0) held[c * words + (l >>> 5)]! |= 1 << (l & 31);
    }
    let enabled = 0;
    let enabledMask = 0;
    let blocked = 0;
    let blockedOnLock = 0;
    for (let c = 0; c < n; c++) {
      const s = layout.status(cur, c, waitsFor);
      status[c] = s;
      if (s === CpuStatus.Enabled) {
        enabled++;
        enabledMask |= 1 << c;
      } else if (s === CpuStatus.BlockedOnLock) {
        blocked++;
        blockedOnLock++;
      } else if (s === CpuStatus.BlockedOnWait) blocked++;
      if (s === CpuStatus.Finished) continue;
      // Lock facts: the locks this CPU holds on arrival at its statement.
      const pc = layout.pc(cur, c);
      const site = siteBase[c]! + pc;
      reached[site] = 1;
      for (let w = 0; w < words; w++) {
        always[site * words + w]! &= held[c * words + w]!;
        sometimes[site * words + w]! |= held[c * words + w]!;
      }
      // Lock order (lockdep): each held lock → the one being acquired.
      const ins = codes[c]![pc]!;
      if (ins.op === "lock" || ins.op === "rlock") {
        const target = ins.lock;
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

    const stuck = enabled === 0 && blocked > 0;
    if (stuck && stuckState < 0) stuckState = id;
    let cycle = false;
    if (blockedOnLock > 0) cycle = findDeadlocks(layout, cur, id, status, waitsFor, reach, found);
    if (stuck && !cycle) {
      const hangSites: Site[] = [];
      for (let c = 0; c < n; c++) {
        if (status[c] === CpuStatus.BlockedOnLock || status[c] === CpuStatus.BlockedOnWait) {
          const ins = layout.instrAt(cur, c)!;
          hangSites.push({ cpu: c, pc: layout.pc(cur, c), lock: ins.op === "lock" || ins.op === "rlock" ? ins.lock : undefined });
        }
      }
      found({ kind: "hang", key: "hang:" + hangSites.map((s) => `${s.cpu}@${s.pc}`).join(","), state: id, sites: hangSites, locks: [] });
    }

    if (goals) {
      // A goal still open at its bound's depth has no shorter trace than the one known.
      for (const g of goals) {
        if (depth >= g.bound && !seen.has(g.key) && !closed.has(g.key)) {
          closed.add(g.key);
          goalsLeft--;
        }
      }
      if (goalsLeft === 0) break;
    }

    // Which CPUs to expand: all enabled ones, or a stubborn set of them.
    let expand = enabledMask;
    if (reduction && enabled > 0) {
      reduction.prepare(cur, status, waitsFor);
      if (goals) {
        let needs = 0;
        for (const g of goals) if (!seen.has(g.key) && !closed.has(g.key)) needs |= g.needs(cur, reduction);
        expand = reduction.closure(needs) & enabledMask;
      } else if (enabled > 1) expand = reduction.smallest(enabledMask);
    }
    let reachedOld = false;
    for (let c = 0; c < n; c++) {
      if (!(expand & (1 << c))) continue;
      reachedOld = expandCpu(c, id) || reachedOld;
    }
    // Cycle proviso: a cycle of the reduced graph could postpone a CPU's
    // step forever. Every cycle has a step from a later-numbered state back
    // to an earlier one; expanding such states fully breaks them all.
    if (reachedOld && !goals && reduction?.hasLoops && expand !== enabledMask) {
      for (let c = 0; c < n; c++) if (enabledMask & ~expand & (1 << c)) expandCpu(c, id);
    }
  }

  /** Adds the successors of enabled CPU `c`; true if one of them was already expanded (or is `id`). */
  function expandCpu(c: number, id: number): boolean {
    let old = false;
    const k = layout.choices(cur, c);
    for (let choice = 0; choice < k; choice++) {
      for (let w = 0; w < curWords.length; w++) nextWords[w] = curWords[w]!; // faster than set() for a few words
      const pc = layout.pc(cur, c);
      const result = layout.step(next, c, choice);
      transitions++;
      packer.packDelta(curPacked, curState, nextState, nextPacked);
      const to = store.insertPacked(nextPacked, id, encodeStep(c, choice));
      if (to <= id) old = true;
      if (result !== StepResult.Ok) reportStep(result, layout, next, c, pc, to, found);
    }
    return old;
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
    problems,
    facts: { words, siteBase, reached, always, sometimes, edgeOccurrences },
    stats: {
      states: store.count,
      transitions,
      ms: performance.now() - started,
      complete: stoppedBy === undefined,
      stoppedBy,
      bytesPerState: store.bytesPerState,
      reduced: reduction !== undefined,
    },
  };
}

function reportStep(result: StepResult, layout: Layout, after: Uint8Array, cpu: number, pc: number, state: number, found: (p: FoundProblem) => void): void {
  const ins = layout.model.cpus[cpu]!.code[pc]!;
  const lock = ins.op === "unlock" || ins.op === "runlock" ? ins.lock : undefined;
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
      const locks = layout.heldLocks(after, cpu);
      found({ kind: "lock-held-at-exit", key: `held-at-exit:${cpu}:${locks.join(",")}`, state, sites: [{ cpu, pc: PC_DONE, lock: undefined }], locks });
      break;
    }
    case StepResult.Ok:
      break;
  }
}

/**
 * Wait-for cycles among CPUs blocked on locks: each strongly connected
 * group (a CPU waiting for itself included) is one deadlock. Returns
 * whether this state has any.
 */
function findDeadlocks(
  layout: Layout,
  st: Uint8Array,
  stateId: number,
  status: Int32Array,
  waitsFor: Int32Array,
  reach: Int32Array,
  found: (p: FoundProblem) => void,
): boolean {
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
  if (candidates === 0) return false;
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
  let any = false;
  let done = 0;
  for (let c = 0; c < n; c++) {
    if (!(reach[c]! & (1 << c)) || done & (1 << c)) continue;
    any = true;
    const sites: Site[] = [];
    for (let d = 0; d < n; d++) {
      if (d === c || (reach[c]! & (1 << d) && reach[d]! & (1 << c))) {
        done |= 1 << d;
        const ins = layout.instrAt(st, d)!;
        sites.push({ cpu: d, pc: layout.pc(st, d), lock: ins.op === "lock" || ins.op === "rlock" ? ins.lock : undefined });
      }
    }
    found({ kind: "deadlock", key: "deadlock:" + sites.map((s) => `${s.cpu}@${s.pc}:${s.lock}`).join(","), state: stateId, sites, locks: [] });
  }
  return any;
}
