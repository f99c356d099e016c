// explore(): stateful search over every interleaving in order of distance
// (up to the order of independent steps, unless `reduce: false`: stubborn
// sets and merged chains; see reduce.ts and docs/ARCHITECTURE.md
// "Reduction"). Finds each distinct problem once, at the first (hence
// shallowest in the graph searched) state where it shows, collects per-site
// lock facts and lock-order occurrences along the way, and keeps the state
// graph for the stuck-forever analysis (stuck.ts). Bounded by a state
// budget, a time budget and a cancellation check polled every few thousand
// steps. Its parts: search/view.ts (what CPUs can do in a state),
// search/detect.ts (problems), search/facts.ts (lock facts),
// search/frontier.ts (the queue), search/chains.ts (merged chains),
// search/goals.ts (the goal-directed mode).

import { StateGraph } from "./graph";
import { PC_DONE, type Model } from "./model";
import { Packer, workState, type WorkState } from "./pack";
import { successors } from "./controlFlow";
import { Reduction } from "./reduce";
import { Chains } from "./search/chains";
import { behindWaits, deadEndHang, findDeadlocks, reportStep, type Found } from "./search/detect";
import { FactsRecorder } from "./search/facts";
import { Frontier, withRoom } from "./search/frontier";
import { GoalBook } from "./search/goals";
import { levelOf, type ExploreOptions, type ExploreResult, type FoundProblem, type Goal, type GoalSources, type SearchMode, type Stats, type StuckTargets } from "./search/types";
import { StateView } from "./search/view";
import { Layout, StepResult } from "./state";
import { encodeStep, MAX_STORED_STATES, StateStore, stepChoice, stepCpu } from "./store";

export * from "./search/types";
export { findDeadlocks, reportStep } from "./search/detect";

export const DEFAULT_MAX_STATES = 1_000_000;
const POLL_EVERY = 4096;

/**
 * Whether merged chains pay is worked out on the scenario itself: a main
 * search that may choose starts with them and, once it has stored
 * PILOT_STATES states, goes on only if its chains passed at least
 * CHAINS_PAY states per stored one; else it starts again without. A chain
 * saves storing and expanding the states it passes but costs an analysis
 * of every new state, the bucket queue and the chain cache: about 1.5 to
 * 1.8 times the work per stored state (docs/benchmarks.md). Where CPUs
 * share locks a few at a time (the philosophers: ring-16 has passed 5
 * states per stored one at the pilot, 15 at 1,024) chains cut the states
 * by an order of magnitude; where every statement touches the same
 * variable (the differential corpus: at most 2.1 at the pilot) they cost
 * more than they save. Scenarios smaller than the pilot keep their chains,
 * and so does a search that, without them, runs out of its state budget.
 */
const PILOT_STATES = 256;
const CHAINS_PAY = 3;

/**
 * The search. In `goals` mode a goal-directed search instead (see
 * exploreGoals); in `stuck` mode a complete search for stuck.ts (see
 * exploreStuck).
 */
export function explore(model: Model, options: ExploreOptions = {}, mode: SearchMode = { kind: "main" }, shared?: SharedParts): ExploreResult {
  const started = performance.now();
  const search = new Search(model, options, mode, started, shared);
  const pilot = search.run();
  if (!search.chainsDontPay) return pilot;
  // The pilot's time and steps count; its states are dropped.
  const result = new Search(model, { ...options, chains: false }, mode, started, pilot, pilot.stats.transitions).run();
  // Without chains the search stores more states: where the state budget
  // stopped it, it tries again with them, which may fit (differential
  // kernel seed 4418: 408,324 states with chains, over 1,000,000 without).
  if (result.stats.stoppedBy !== "states") return result;
  return new Search(model, { ...options, chains: true }, mode, started, result, result.stats.transitions).run();
}

/** What a search may take over from an earlier one of the same model (each a function of the model alone). */
export interface SharedParts {
  readonly layout: Layout;
  readonly reduction: Reduction;
  readonly store: { readonly packer: Packer };
}

/**
 * The goal-directed search: only the stubborn set around the CPUs each open
 * goal needs is expanded, and the search ends when every goal is reached or
 * has reached its bound; its problems are the goals it reached (each by a
 * shortest path).
 */
export function exploreGoals(model: Model, options: ExploreOptions, goals: readonly Goal[], from?: GoalSources): ExploreResult {
  return explore(model, options, { kind: "goals", goals, ...(from ? { from } : {}) });
}

/** A complete search whose stubborn sets contain the CPUs the stuck targets need (stuckReport.ts); it reports no problems. */
export function exploreStuck(model: Model, options: ExploreOptions, targets: StuckTargets): ExploreResult {
  return explore(model, options, { kind: "stuck", targets });
}

class Search {
  private readonly maxStates: number;
  private readonly deadline: number;
  private readonly layout: Layout;
  private readonly n: number;
  private readonly packer: Packer;
  private readonly store: StateStore;
  private readonly view: StateView;
  private readonly facts: FactsRecorder;
  /** Lock facts come from the main search: the searches for shortest traces do not collect them. */
  private readonly recordFacts: boolean;
  private readonly reduction: Reduction | undefined;
  /** Who could release a `wait until`, for CPUs waiting on a deadlock through one. */
  private readonly releasers: Reduction;
  private readonly graph: StateGraph | undefined;
  private readonly goals: GoalBook | undefined;
  private readonly targets: StuckTargets | undefined;
  /** Chains of steps through states with a single reduced successor are merged into weighted edges. */
  private readonly merge: boolean;
  /** A goal-directed search from the main search's states (GoalSources); its first states are those, in order. */
  private readonly from: GoalSources | undefined;
  /** The queue orders by distance, not by id (merged chains, or starting states at several depths). */
  private readonly weighted: boolean;
  /** A main search without chains: the states it expanded with a stubborn set short of every enabled CPU (ExploreResult.narrowed). */
  private narrowedIds: Int32Array | undefined;
  private narrowedOutside: Int32Array | undefined;
  private narrowedCount = 0;
  private readonly frontier: Frontier;
  private readonly chains: Chains;
  /** Per site: the statement can jump back (to itself or an earlier statement). */
  private readonly loopsBack: Uint8Array;
  private readonly problems: FoundProblem[] = [];
  private readonly seen = new Set<string>();
  private readonly reach: Int32Array;
  private readonly cur: WorkState;
  private readonly curPacked: Int32Array;
  private readonly nextPacked: Int32Array;
  private readonly scratch: [WorkState, WorkState];
  /** The state the last successor() ended at (one of `scratch`). */
  private endState: WorkState;
  private transitions = 0;
  /**
   * Per stored state, what chainStep worked out about it when a chain ended
   * there as a new state (main and stuck searches): -2 nothing, -1 its
   * facts recorded, else also its expansion (a CPU mask), which expandState
   * then need not work out again.
   */
  private analysed: Int32Array = new Int32Array(1024).fill(-2);
  /** A stuck search has expanded a state at its targets' bound (passBound). */
  private pastBound = false;
  /** The expansion chainStep last worked out, or -1. */
  private lastSet = -1;
  private stoppedBy: Stats["stoppedBy"];
  private stuckState = -1;
  /** A search that chooses whether to merge chains has yet to (PILOT_STATES). */
  private piloting: boolean;
  /** The pilot found that chains do not pay here: the search stopped, to start again without them. */
  chainsDontPay = false;

  constructor(
    model: Model,
    private readonly options: ExploreOptions,
    mode: SearchMode,
    private readonly started: number,
    shared: SharedParts | undefined,
    /** Steps a pilot took before this search started again. */
    private readonly pilotSteps = 0,
  ) {
    this.maxStates = Math.min(options.maxStates ?? DEFAULT_MAX_STATES, MAX_STORED_STATES);
    this.deadline = options.timeoutMs !== undefined ? this.started + options.timeoutMs : Infinity;
    const layout = (this.layout = shared?.layout ?? new Layout(model));
    this.n = model.cpus.length;
    this.packer = shared?.store.packer ?? new Packer(layout, options.reduce !== false);
    this.store = new StateStore(this.packer);
    this.view = new StateView(layout);
    this.facts = new FactsRecorder(model, layout);
    this.recordFacts = mode.kind === "main";
    this.goals = mode.kind === "goals" ? new GoalBook(mode.goals) : undefined;
    this.targets = mode.kind === "stuck" ? mode.targets : undefined;
    this.releasers = shared?.reduction ?? new Reduction(model, layout);
    this.reduction = options.reduce === false && mode.kind === "main" ? undefined : this.releasers;
    this.merge = this.reduction !== undefined && options.chains !== false;
    this.from = mode.kind === "goals" ? mode.from : undefined;
    this.weighted = this.merge || this.from !== undefined;
    if (this.reduction && !this.merge && mode.kind === "main") {
      this.narrowedIds = new Int32Array(256);
      this.narrowedOutside = new Int32Array(256);
    }
    this.piloting = this.merge && options.chains === undefined && mode.kind === "main";
    this.graph = this.goals ? undefined : new StateGraph(this.merge, this.n);
    this.reach = new Int32Array(this.n);
    this.cur = workState(layout.size);
    this.curPacked = new Int32Array(this.packer.words);
    this.nextPacked = new Int32Array(this.packer.words);
    this.scratch = [workState(layout.size), workState(layout.size)];
    this.endState = this.scratch[0];
    this.loopsBack = new Uint8Array(this.facts.sites);
    if (!this.from) this.store.insert(layout.initial(), -1, 0);
    model.cpus.forEach((cpu, c) => cpu.code.forEach((ins, pc) => (this.loopsBack[this.facts.siteBase[c]! + pc] = successors(ins).some((t) => t !== PC_DONE && t <= pc) ? 1 : 0)));
    this.frontier = new Frontier(this.store, this.weighted, this.goals !== undefined, this.from ? this.insertSources(this.from) : undefined);
    this.chains = new Chains(layout, this.packer, this.store, (st) => this.chainStep(st, true), this.facts.sites);
  }

  /** Stores the main search's states a search from them starts at (ids 0, 1, …, as given); where it starts. */
  private insertSources(from: GoalSources): { id: number; dist: number }[] {
    const main = from.main.store;
    const words = new Int32Array(this.packer.words);
    const bytes = new Uint8Array(this.layout.size);
    return from.ids.map((m, i) => {
      main.load(m, bytes, words);
      return { id: this.store.insertPacked(words, -1, 0), dist: from.depths[i]! };
    });
  }

  private readonly found: Found = (p) => {
    if (this.targets || this.seen.has(p.key)) return;
    if (this.goals && !this.goals.reach(p.key)) return;
    this.seen.add(p.key);
    this.problems.push(p);
  };

  run(): ExploreResult {
    for (let id = this.frontier.next(); id >= 0; id = this.frontier.next()) {
      if (this.outOfBudget()) break;
      if (!this.expandState(id)) break;
      if (this.piloting && this.store.count >= PILOT_STATES && this.pilotDone()) break;
    }
    return this.result();
  }

  /** The pilot's verdict, once it has stored PILOT_STATES states: true to stop and start again without chains. */
  private pilotDone(): boolean {
    this.piloting = false;
    this.chainsDontPay = this.chains.steps < CHAINS_PAY * this.store.count;
    return this.chainsDontPay;
  }

  /** Polled by steps taken, not states: one expansion may follow long chains. */
  private nextPoll = POLL_EVERY;
  private outOfBudget(): boolean {
    const steps = this.transitions + this.chains.steps;
    if (steps >= this.nextPoll) {
      this.nextPoll = steps + POLL_EVERY;
      if (this.options.isCancelled?.()) this.stoppedBy = "cancelled";
      else if (performance.now() > this.deadline) this.stoppedBy = "time";
    }
    if (this.stoppedBy === undefined && this.store.count >= this.maxStates) this.stoppedBy = "states";
    return this.stoppedBy !== undefined;
  }

  /** Looks at state `id` and adds its successors; false when the goal-directed search is done. */
  private expandState(id: number): boolean {
    const { view, cur } = this;
    this.store.load(id, cur.bytes, this.curPacked);
    view.look(cur.bytes);
    if (this.targets && !this.pastBound && this.frontier.depth >= this.targets.bound) this.passBound();
    const known = id < this.analysed.length ? this.analysed[id]! : -2;
    if (known === -2 && this.recordFacts) this.facts.record(cur.bytes, view.status);
    // Goals close at their bound before this state's own problems are looked
    // at: pruning leaves depths with no state, so the next one may be past
    // a bound, and a goal shown there is no shorter than its known trace.
    if (this.goals) {
      this.goals.closeAt(this.frontier.depth);
      if (this.goals.left === 0) return false;
    }
    if (this.from && this.heldByMain(id)) return true;
    this.detect(id);
    if (this.goals && !this.goals.worthExpanding(cur.bytes, this.frontier.depth)) return true;
    if (this.pastBound && this.leafFor(id)) return true;
    // Which CPUs to expand: all enabled ones, or a stubborn set of them.
    // (Following chains overwrites the view: keep these.)
    const expand = known >= 0 ? known : this.expansion(cur.bytes, true);
    const all = view.enabledMask;
    const depth = this.frontier.depth;
    let reachedOld = false;
    for (let c = 0; c < this.n; c++) if (expand & (1 << c)) reachedOld = this.expandCpu(c, id, depth) || reachedOld;
    // Cycle proviso: a cycle of the reduced graph could postpone a CPU's
    // step forever. Every cycle has a step from a later-numbered state back
    // to an earlier one (numbers are handed out as states are found);
    // expanding such states fully breaks them all.
    if (reachedOld && !this.goals && this.reduction?.hasLoops && expand !== all) {
      for (let c = 0; c < this.n; c++) if (all & ~expand & (1 << c)) this.expandCpu(c, id, depth);
    } else if (this.narrowedIds && expand !== all) this.narrowed(id);
    this.graph?.expanded(id);
    return true;
  }

  /** Notes that state `id` was expanded with the stubborn set the reduction last chose (ExploreResult.narrowed). */
  private narrowed(id: number): void {
    const stubborn = this.reduction!.lastStubborn;
    if (stubborn < 0) return;
    const i = this.narrowedCount++;
    if (i === this.narrowedIds!.length) {
      this.narrowedIds = withRoom(this.narrowedIds!, i, 0);
      this.narrowedOutside = withRoom(this.narrowedOutside!, i, 0);
    }
    this.narrowedIds![i] = id;
    this.narrowedOutside![i] = ~stubborn & ((1 << this.n) - 1);
  }

  /**
   * In a search from the main search's states: is state `id` (packed in
   * `curPacked`, at the frontier's depth) one the main search holds
   * no deeper, other than a state this search started from? Then every
   * trace through it is the main search's, or leaves it at a state this
   * search starts from (docs/ARCHITECTURE.md "The goal-directed search"):
   * it need not be looked at again.
   */
  private heldByMain(id: number): boolean {
    const from = this.from!;
    const m = from.main.store.find(this.curPacked);
    if (m < 0) return false;
    const d = levelOf(from.levelStarts, m);
    return d < this.frontier.depth || (d === this.frontier.depth && id >= from.ids.length);
  }

  /** The problems state `id` shows by itself (cycles, nothing moving), and its masks for the graph. */
  private detect(id: number): void {
    const { view, cur, layout } = this;
    const stuck = view.stuck;
    if (stuck && this.stuckState < 0) this.stuckState = id;
    let dead = view.blockedOnLock > 0 ? findDeadlocks(layout, cur.bytes, id, view.status, view.waitsFor, this.reach, this.found) : 0;
    const cycle = dead !== 0;
    if (cycle && view.blocked > view.blockedOnLock) dead = behindWaits(cur.bytes, dead, view.status, this.releasers);
    this.graph?.expanding(id, view.finishedMask, dead, view.enabledMask);
    // With the whole graph, stuck.ts finds every CPU stuck forever; this
    // finds those of states where nothing moves, which a search stopped by
    // its budget still confirms.
    if (stuck && !cycle) deadEndHang(layout, cur.bytes, id, view, this.found);
  }

  /** The CPUs to expand in the state the view just looked at (enabled ones only); `expanding`: the state being expanded, not a chain's. */
  private expansion(st: Uint8Array, expanding = false): number {
    const { view, reduction } = this;
    if (!reduction || view.enabled === 0) return view.enabledMask;
    reduction.prepare(st, view.status, view.waitsFor);
    if (this.goals) return reduction.closure(this.goals.needs(st, reduction, expanding)) & view.enabledMask;
    if (this.targets && !this.pastBound) {
      // A set without an enabled CPU cannot lead to a target: any stubborn set will do then.
      const set = reduction.closure(this.targets.needs(st, reduction, expanding ? this.frontier.depth : undefined)) & view.enabledMask;
      if (set !== 0) return set;
    }
    return view.enabled > 1 ? reduction.smallest(view.enabledMask) : view.enabledMask;
  }

  /**
   * If `st` is a state a chain passes through (some CPU can move, no
   * deadlock shows, and the reduced search would expand exactly one CPU
   * with one choice), that CPU; else -1. A function of the state alone, so
   * trace replay follows the same chains.
   */
  private chainStep(st: Uint8Array, record: boolean): number {
    const { view, layout } = this;
    this.lastSet = -1;
    view.look(st);
    if (record && this.recordFacts) this.facts.record(st, view.status);
    if (view.enabled === 0) return -1;
    if (view.blockedOnLock > 0 && findDeadlocks(layout, st, -1, view.status, view.waitsFor, this.reach, () => {}) !== 0) return -1;
    if (this.targets?.candidate(st)) return -1;
    const set = this.expansion(st);
    this.lastSet = set;
    if (set === 0 || set & (set - 1)) return -1;
    const e = 31 - Math.clz32(set);
    if (layout.choices(st, e) !== 1) return -1;
    // Never around a loop: chains stay acyclic (each step moves a CPU
    // forward in its code), so they are short and their length is the
    // distance they cover.
    return this.loopsBack[this.facts.siteBase[e]! + layout.pc(st, e)] ? -1 : e;
  }

  /**
   * Adds the successors of enabled CPU `c` in state `id` (in `cur`, at
   * distance `dist`), each at the end of its chain; true if one of them was
   * found before `id` (or is `id`).
   */
  private expandCpu(c: number, id: number, dist: number): boolean {
    const { layout, cur } = this;
    let old = false;
    const k = layout.choices(cur.bytes, c);
    const pc = layout.pc(cur.bytes, c);
    for (let choice = 0; choice < k; choice++) {
      const [x, spare] = this.scratch;
      for (let w = 0; w < cur.words.length; w++) x.words[w] = cur.words[w]!; // faster than set() for a few words
      const result = layout.step(x.bytes, c, choice);
      this.transitions++;
      const to = this.successor(x, spare, c, choice, id, dist, result);
      if (to <= id && !old && this.reduction?.mayCloseCycle(cur.bytes, this.endState.bytes) !== false) old = true;
      if (result !== StepResult.Ok) reportStep(result, layout, x.bytes, c, pc, id, encodeStep(c, choice), this.found);
    }
    return old;
  }

  /** Stores (or finds) the state a step led to, at the end of its chain; its id. */
  private successor(x: WorkState, spare: WorkState, c: number, choice: number, id: number, dist: number, result: StepResult): number {
    const via = encodeStep(c, choice);
    const epoch = this.goals?.epoch ?? (this.pastBound ? 1 : 0);
    let to: number;
    let steps = 1;
    let moved = 1 << c;
    if (this.merge && result === StepResult.Ok) {
      const end = this.chains.follow(this.curPacked, this.cur, x, spare, c, epoch);
      this.endState = end.state;
      steps = end.steps;
      moved = end.moved;
      // A new state is packed in chains.key, and the store's last lookup missed it.
      to = end.to >= 0 ? end.to : this.store.insertMissed(this.chains.key, id, via);
      // A new state the chain ended at after analysing it: keep what that
      // found (its expansion only where neither goals nor the depth can
      // change it: a chain asks for every open goal or target, an expanded
      // state only for those a shorter trace through it can still reach).
      if (end.to < 0 && end.analysed) this.keepAnalysis(to, this.goals || (this.targets && !this.pastBound) ? -1 : this.lastSet);
      this.chains.remember(to, steps);
    } else {
      this.endState = x;
      this.packer.packDelta(this.curPacked, this.cur, x, this.nextPacked);
      to = this.store.insertPacked(this.nextPacked, id, via);
    }
    this.frontier.reached(to, id, via, dist + steps, epoch);
    this.graph?.edge(to, via, moved);
    return to;
  }

  /**
   * A stuck search's expansions from the first state at its targets' bound
   * on: no target there or later is nearer than the traces known, so any
   * stubborn set will do, the smallest. What chains do changes with it
   * (their states cannot tell their own depth: they follow the state they
   * start from, and replay does so from its distance), so their cache
   * starts again (epoch 1), and expansions worked out before are forgotten.
   */
  private passBound(): void {
    this.pastBound = true;
    for (let i = 0; i < this.analysed.length; i++) if (this.analysed[i]! >= 0) this.analysed[i] = -1;
  }

  /** Per state of a stuck search past its bound: the main search's state it stands for, -1 if expanded (grown on demand). */
  private leafOf: Int32Array | undefined;

  /** Is state `id` (packed in `curPacked`) one the main search holds? Then it is a leaf here (StuckTargets.main). */
  private leafFor(id: number): boolean {
    const at = this.targets?.main?.find(this.curPacked) ?? -1;
    if (at < 0) return false;
    this.leafOf = withRoom(this.leafOf ?? new Int32Array(512).fill(-1), id, -1);
    this.leafOf[id] = at;
    return true;
  }

  private keepAnalysis(id: number, set: number): void {
    this.analysed = withRoom(this.analysed, id, -2);
    this.analysed[id] = set;
  }

  /** The steps of the path the search found to `id` (chains followed again). */
  path(id: number): number[] {
    if (this.from) return this.pathFromSource(this.from, id);
    if (!this.merge) return this.store.pathTo(id);
    const edges: number[] = [];
    for (let s = id; s > 0; s = this.store.parent[s]!) edges.push(s);
    const st = this.layout.initial();
    const steps: number[] = [];
    const pastBound = this.pastBound;
    for (let i = edges.length - 1; i >= 0; i--) {
      const to = edges[i]!;
      if (this.goals) this.goals.replayEpoch = this.frontier.edgeEpoch[to]!;
      this.replayFrom(this.store.parent[to]!);
      this.follow(st, this.store.via[to]!, to, steps);
    }
    if (this.goals) this.goals.replayEpoch = -1;
    this.pastBound = pastBound;
    return steps;
  }

  /** A search from the main search's states: the main search's path to the state this one started from, then this one's. */
  private pathFromSource(from: GoalSources, id: number): number[] {
    const steps: number[] = [];
    let s = id;
    for (; this.store.parent[s]! >= 0; s = this.store.parent[s]!) steps.push(this.store.via[s]!);
    return [...from.main.path(from.ids[s]!), ...steps.reverse()];
  }

  /** Takes step `via` in `st`, then the chain from there to stored state `to`, adding the steps to `steps`. */
  private follow(st: Uint8Array, via: number, to: number, steps: number[]): void {
    const { layout, packer } = this;
    // Compared as the store keeps states (packed: Packer.endsAlike may merge two working states).
    const target = new Int32Array(packer.words);
    const at = new Int32Array(packer.words);
    this.store.load(to, new Uint8Array(layout.size), target);
    layout.step(st, stepCpu(via), stepChoice(via));
    steps.push(via);
    for (packer.pack(st, at); !sameWords(at, target); packer.pack(st, at)) {
      const e = this.merge ? this.chainStep(st, false) : -1;
      if (e < 0) throw new Error(`internal error: no chain leads to state ${to}`);
      layout.step(st, e, 0);
      steps.push(encodeStep(e, 0));
    }
  }

  private edgeSteps(from: number, via: number, to: number): number[] {
    const st = new Uint8Array(this.layout.size);
    this.store.load(from, st);
    const steps: number[] = [];
    const pastBound = this.pastBound;
    this.replayFrom(from);
    this.follow(st, via, to, steps);
    this.pastBound = pastBound;
    return steps;
  }

  /** For replay: chains from expanded state `from` went as they did then (a stuck search: before its bound or past it). */
  private replayFrom(from: number): void {
    if (this.targets) this.pastBound = this.frontier.distance(from) >= this.targets.bound;
  }

  private result(): ExploreResult {
    const { store, graph } = this;
    return {
      stuckState: this.stuckState,
      layout: this.layout,
      reduction: this.releasers,
      store,
      graph,
      path: (id) => this.path(id),
      edgeSteps: (from, via, to) => this.edgeSteps(from, via, to),
      // An expanded state came out of the queue at its least distance, the length of its path (no chains followed again).
      depth: (id) => (!this.weighted ? store.depth(id) : this.frontier.isExpanded(id) ? this.frontier.distance(id) : this.path(id).length),
      problems: this.problems,
      facts: this.facts.result(),
      ...(this.leafOf ? { leafOf: this.leafOf } : {}),
      ...(this.narrowedIds ? { narrowed: { ids: this.narrowedIds, outside: this.narrowedOutside!, count: this.narrowedCount, levelStarts: this.frontier.levelStarts } } : {}),
      stats: {
        states: store.count,
        transitions: this.pilotSteps + this.transitions + this.chains.steps,
        ms: performance.now() - this.started,
        complete: this.stoppedBy === undefined,
        stoppedBy: this.stoppedBy,
        // The graph kept for the stuck-forever analysis counts too, and the frontier's per-state arrays.
        bytesPerState: store.bytesPerState + ((graph?.bytes ?? 0) + this.frontier.bytes) / Math.max(1, store.count),
        reduced: this.reduction !== undefined,
        chains: this.merge,
      },
    };
  }
}

function sameWords(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
