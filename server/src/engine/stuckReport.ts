// The stuck-forever problems of a complete search (stuck.ts finds them),
// each placed at its shortest distance: directly in a full search, and in a
// reduced one by a second complete search whose stubborn sets contain the
// CPUs that must move before such a state can show (explore's `stuck`
// mode; docs/ARCHITECTURE.md "Stuck forever").

import { DEFAULT_MAX_STATES, explore, type ExploreOptions, type ExploreResult, type FoundProblem, type Site, type StuckTargets } from "./explore";
import { PC_DONE, type Model } from "./model";
import { semantics } from "./primitives";
import { distancesTo, loopComponents, loopHead, nearestLoop } from "./controlFlow";
import type { Reduction } from "./reduce";
import { someReachable } from "./graph";
import { CpuStatus, type Layout } from "./state";
import { analyseStuck, findLoop, firstHolding, keyCpu, keyPc, loopsAhead, LOOP, stuckProblems, type Imported, type LoopEdge, type StuckAnalysis, type StuckKey } from "./stuck";
import { stepCpu, type StateStore } from "./store";

export interface StuckOutcome {
  /** Each problem with the search its state belongs to. */
  readonly problems: readonly { readonly problem: FoundProblem; readonly search: ExploreResult }[];
  /** False if the analysis itself ran out of time (nothing stuck is then claimed or denied). */
  readonly complete: boolean;
  /** The traces are shortest (false if a second search ran out of budget, or found a nearer livelock whose loop it could not show). */
  readonly shortest: boolean;
  readonly states: number;
  readonly ms: number;
}

/**
 * A problem's trace ends at the first state where its keys hold and the
 * CPUs `quiet` have stopped moving (blocked or finished): the stuck CPUs
 * and every CPU whose code may interact with theirs from where they hang
 * (their whole code for one that loops; looping CPUs themselves never
 * stop). So the trace shows the hang settled, with what the CPUs involved
 * can still do done, and nothing of CPUs that cannot matter to it.
 */
interface Wanted {
  readonly keys: readonly StuckKey[];
  readonly looping: number;
  readonly quiet: number;
  /**
   * The threads that may affect the stuck ones (their code from its entry,
   * transitively; stuck.ts's `affects`): while one of them can still reach
   * a deadlock, the stuck threads belong to that deadlock's report (§8
   * precedence), so where the problem first shows depends on their steps
   * too. 0 when the search found no deadlock.
   */
  readonly affects: number;
}

export function stuckForever(model: Model, result: ExploreResult, options: ExploreOptions): StuckOutcome {
  const started = performance.now();
  const deadline = options.timeoutMs !== undefined ? started - result.stats.ms + options.timeoutMs : Infinity;
  const expired = (): boolean => performance.now() > deadline || options.isCancelled?.() === true;
  const analysis = analyse(result, model.cpus.length, expired);
  if (!analysis) return { problems: [], complete: false, shortest: false, states: 0, ms: performance.now() - started };
  const { layout } = result;
  const wanted = wantedOf(model, result, analysis);
  const outcome = (problems: StuckOutcome["problems"], shortest: boolean, states: number): StuckOutcome => ({ problems, complete: true, shortest, states, ms: performance.now() - started });
  const main = wanted.map((w) => place(result, analysis, w)!);
  const problems = main.map(({ problem }) => ({ problem, search: result }));
  if (!result.stats.reduced) return outcome(problems, true, 0);

  // In a reduced search a state where nothing moves is at its shortest
  // distance, and so is any state reached by the stuck CPUs' own steps
  // alone; other problems need a second search.
  const movable = model.cpus.reduce((m, c, i) => (c.entry === PC_DONE ? m : m | (1 << i)), 0);
  // Where the main search found no state with the CPUs involved stopped
  // (one of them never stops: it loops, yet is not part of this problem),
  // the trace ends where the keys first hold, and the second search aims
  // there: steering it to stop a CPU that never stops would not keep that
  // distance.
  const aims = wanted.map((w, i) => (main[i]!.quiet ? w : { ...w, quiet: 0 }));
  const unsure = aims.filter((w, i) => !main[i]!.quiet || !((w.looping === 0 && (w.quiet & movable) === movable) || result.depth(main[i]!.problem.state) === ownSteps(model, w.keys)));
  if (unsure.length === 0) return outcome(problems, true, 0);
  // It may cost up to SECOND_SEARCH_FACTOR times the main search, no more:
  // past that the main search's traces stand, and the report says they may
  // not be shortest.
  const maxStates = Math.min((options.maxStates ?? DEFAULT_MAX_STATES) - result.stats.states, Math.max(SECOND_SEARCH_FACTOR * result.stats.states, MIN_SECOND_SEARCH));
  const timeoutMs = options.timeoutMs !== undefined ? Math.max(1, deadline - performance.now()) : undefined;
  if (maxStates <= 0 || expired()) return outcome(problems, false, 0);
  const depths = aims.map((_, i) => result.depth(main[i]!.problem.state));
  const bound = Math.max(...aims.map((w, i) => (unsure.includes(w) ? depths[i]! : 0)));
  // Past the bound, the second search leaves the states the main search
  // holds unexpanded and takes the main analysis for them; a livelock's
  // loop is then shown from the main graph, which goes on past them. If a
  // livelock shows first in a state the main search does not hold, the
  // second search runs again, expanding everything. (With merged chains the
  // main search holds too few states for that to pay where a problem loops.)
  const round = (leaves: StateStore | undefined, budget: number) => {
    const second = explore(model, { ...options, maxStates: budget, timeoutMs, chains: result.stats.chains }, { kind: "stuck", targets: targetsOf(unsure, unsure.map((w) => depths[aims.indexOf(w)]!), layout, bound, leaves) }, result);
    const secondAnalysis = second.stats.complete ? analyse(second, model.cpus.length, expired, second.leafOf ? { of: second.leafOf, from: analysis } : undefined) : undefined;
    const placed = aims.map((w, i) => (secondAnalysis && unsure.includes(w) ? place(second, secondAnalysis, w, leaves ? { search: result, analysis } : undefined, depths[i]) : undefined));
    return { second, secondAnalysis, placed };
  };
  const leaves = result.stats.chains && unsure.some((w) => w.looping !== 0) ? undefined : result.store;
  let { second, secondAnalysis, placed } = round(leaves, maxStates);
  let states = second.stats.states;
  if (placed.includes(null) && states < maxStates) {
    ({ second, secondAnalysis, placed } = round(undefined, maxStates - states));
    states += second.stats.states;
  }
  let shortest = secondAnalysis !== undefined;
  aims.forEach((w, i) => {
    if (!secondAnalysis || !unsure.includes(w)) return;
    const better = placed[i];
    // The second search followed this problem wherever a trace shorter than
    // the main one could pass (targetsOf), and only there: a state as it
    // aims at nearer than the main trace's end replaces it (place); without
    // one, the main trace is a shortest. (Where such a state's livelock
    // loop could not be shown, the main trace stands, unproven.)
    if (better === null) shortest = false;
    else if (better) problems[i] = { problem: better.problem, search: second };
  });
  return outcome(problems, shortest, states);
}

/** The stuck problems the analysis found, each with the CPUs its trace waits for (Wanted). */
function wantedOf(model: Model, result: ExploreResult, analysis: StuckAnalysis): Wanted[] {
  const { reduction } = result;
  const affects = affectsOf(model, reduction);
  const deadlocks = result.problems.some((p) => p.kind === "deadlock");
  return stuckProblems(analysis, reduction, model.cpus.map((c) => c.entry)).map((keys) => {
    const pcs = model.cpus.map((c) => c.entry);
    let cpus = 0;
    let looping = 0;
    for (const k of keys) {
      cpus |= 1 << keyCpu(k);
      if (keyPc(k) === LOOP) looping |= 1 << keyCpu(k);
      else pcs[keyCpu(k)] = keyPc(k);
    }
    let affected = 0;
    if (deadlocks) for (let c = 0; c < model.cpus.length; c++) if (cpus & (1 << c)) affected |= affects[c]!;
    return { keys, looping, quiet: reduction.interactingFrom(pcs, cpus) & ~looping, affects: affected };
  });
}

/** Where a livelock's loop is looked for: another search of the same model (it must hold the state). */
interface LoopsFrom {
  readonly search: ExploreResult;
  readonly analysis: StuckAnalysis;
}

/**
 * The problem at its first state, and whether that is one where the CPUs
 * involved have stopped; null if it loops and its loop can be shown
 * neither from `shownFrom` nor from `search` (problemAt). With `nearerThan`
 * (the main trace's length, for a second search): only a state where they
 * have stopped, nearer than that, else undefined.
 */
function place(search: ExploreResult, analysis: StuckAnalysis, w: Wanted, shownFrom?: LoopsFrom, nearerThan?: number): { problem: FoundProblem; quiet: boolean } | undefined | null {
  let state = firstHolding(analysis, search.graph!, w.keys, w.quiet);
  const quiet = state >= 0;
  if (nearerThan !== undefined && !(quiet && search.depth(state) < nearerThan)) return undefined;
  // Some CPU involved may never stop (it loops, yet is not part of this
  // problem): then the first state where the keys hold.
  if (!quiet) state = firstHolding(analysis, search.graph!, w.keys, 0);
  if (state < 0) return undefined;
  const problem = problemAt(search, analysis, w.keys, state, shownFrom);
  return problem ? { problem, quiet } : null;
}

/** At least this many states for the second search, however small the main one. */
const MIN_SECOND_SEARCH = 20_000;
/**
 * The second search may store up to this many times the main search's
 * states (within the caller's budget). Once was too few for irq scenarios
 * whose traces then stood as upper bounds and whose hangs, worded from
 * where those traces end, merged differently from the full search's (irq
 * seeds 7084, 7182); four proves every trace on corpus seeds 1–1000, for
 * 5% more time.
 */
const SECOND_SEARCH_FACTOR = 4;

/** The fewest steps the waiting CPUs of a problem take to get where they wait (a lower bound on its trace). */
function ownSteps(model: Model, keys: readonly StuckKey[]): number {
  let total = 0;
  for (const k of keys) {
    if (keyPc(k) === LOOP) continue;
    const cpu = model.cpus[keyCpu(k)]!;
    if (cpu.entry !== keyPc(k)) total += distancesTo(cpu.code, keyPc(k))[cpu.entry] ?? 0;
  }
  return total;
}

function analyse(search: ExploreResult, cpuCount: number, expired: () => boolean, imported?: Imported): StuckAnalysis | undefined {
  const scratch = new Uint8Array(search.layout.size);
  let loaded = -1;
  const pcOf = (state: number, cpu: number): number => {
    if (loaded !== state) search.store.load(state, scratch);
    loaded = state;
    return search.layout.pc(scratch, cpu);
  };
  const affects = affectsOf(search.layout.model, search.reduction);
  return analyseStuck(search.graph!, search.store.count, cpuCount, pcOf, expired, affects, imported);
}

/** Per thread: the other threads whose code from its entry may affect its own (transitively). */
function affectsOf(model: Model, reduction: Reduction): Int32Array {
  const entries = model.cpus.map((c) => c.entry);
  return Int32Array.from(entries.map((_, c) => reduction.interactingFrom(entries, 1 << c) & ~(1 << c)));
}

/**
 * Where the second search must not skip ahead: for each problem, one of its
 * waiting CPUs not yet where it hangs must move (only its own steps bring
 * it there); else a CPU that must stop and can still move (only steps of
 * its stubborn closure can stop it); else one among the CPUs whose futures
 * interact with the stuck ones' or, when the scenario deadlocks somewhere,
 * with the threads that may affect them (a step that takes a deadlock out
 * of their reach is what makes them a problem of their own; steps of
 * others change nothing the problem depends on). A state where the
 * waiting CPUs are where they hang and none of the CPUs that must stop can
 * move may be a problem's state: chains do not pass it.
 */
function targetsOf(problems: readonly Wanted[], known: readonly number[], layout: Layout, bound: number, main: StateStore | undefined): StuckTargets {
  const codes = layout.model.cpus.map((c) => c.code);
  const parts = problems.map((w, i) => {
    const waiting = w.keys.filter((k) => keyPc(k) !== LOOP).map((k) => ({ cpu: keyCpu(k), pc: keyPc(k), dist: distancesTo(codes[keyCpu(k)]!, keyPc(k)) }));
    return {
      waiting,
      cpus: w.keys.reduce((m, k) => m | (1 << keyCpu(k)), 0) | w.affects,
      quiet: w.quiet,
      known: known[i]!,
      // The fewest steps before the waiting CPUs are all where they hang
      // (each moves only by its own steps): admissible, as the goals' estimates.
      least: (st: Uint8Array): number => {
        let sum = 0;
        for (const x of waiting) {
          const pc = layout.pc(st, x.cpu);
          sum += pc === x.pc ? 0 : pc < x.dist.length ? x.dist[pc]! : Infinity;
        }
        return sum;
      },
    };
  });
  const scratch = new Int32Array(layout.cpuCount);
  const moving = (st: Uint8Array, mask: number): number => {
    for (let c = 0; c < layout.cpuCount; c++) if (mask & (1 << c) && layout.status(st, c, scratch) === CpuStatus.Enabled) return 1 << c;
    return 0;
  };
  return {
    needs: (st, r, depth) => {
      let needs = 0;
      for (const p of parts) {
        // No trace through here reaches it sooner than the known one: it needs nothing here.
        if (depth !== undefined && depth + p.least(st) >= p.known) continue;
        const away = p.waiting.find((w) => layout.pc(st, w.cpu) !== w.pc);
        needs |= away ? 1 << away.cpu : moving(st, p.quiet) || r.interacting(st, p.cpus);
      }
      return needs;
    },
    candidate: (st) => parts.some((p) => p.waiting.every((w) => layout.pc(st, w.cpu) === w.pc) && moving(st, p.quiet) === 0),
    bound,
    main,
  };
}

/**
 * Undefined if its loop is to be shown from `shownFrom` (a livelock), that
 * search does not hold its state, and this one left unexpanded a state
 * reachable from it.
 */
function problemAt(search: ExploreResult, analysis: StuckAnalysis, keys: readonly StuckKey[], state: number, shownFrom?: LoopsFrom): FoundProblem | undefined {
  const { layout } = search;
  const st = search.store.bytes(state, layout.size);
  let looping = 0;
  for (const k of keys) if (keyPc(k) === LOOP) looping |= 1 << keyCpu(k);
  let loop: FoundProblem["loop"];
  // A looping CPU is placed at the first loop, in the order its code
  // reaches them from where it stands, that it can go round for ever from
  // this state (a cycle of the graph where it steps): not simply the first
  // loop ahead, which it may pass and leave (two equally short traces, one
  // ending before such a loop and one inside the endless one, named
  // different loops), nor the first cycle the graph reaches, which
  // depends on what the search merged and left out. The loop shown is one
  // round it.
  const heads = new Map<number, number>();
  if (looping !== 0) {
    // The same state in the search the loop is shown from; or in this one,
    // if what can happen from there is all in its graph.
    let from: LoopsFrom = { search, analysis };
    let at = state;
    if (shownFrom) {
      const there = shownFrom.search.store.find(packedState(search, state));
      if (there >= 0) {
        from = shownFrom;
        at = there;
      } else if (reachesLeaf(search, state)) return undefined;
    }
    const { store, graph } = from.search;
    const codes = layout.model.cpus.map((c) => c.code);
    const loops = codes.map((code, c) => (looping & (1 << c) ? loopComponents(code) : new Int32Array(0)));
    const scratch = new Uint8Array(layout.size);
    const loopOf = (cpu: number, s: number): number => {
      store.load(s, scratch);
      const pc = layout.pc(scratch, cpu);
      return pc < loops[cpu]!.length ? loops[cpu]![pc]! : -1;
    };
    const ahead = loopsAhead(graph!, from.analysis, at, looping, loopOf);
    for (let c = 0; c < codes.length; c++) {
      if (!(looping & (1 << c))) continue;
      const pc = layout.pc(st, c);
      const among = ahead.get(c);
      const head = among ? nearestLoop(codes[c]!, loops[c]!, pc, (l) => among.has(l)) : -1;
      heads.set(c, head >= 0 ? head : loopHead(codes[c]!, pc));
    }
    const found = findLoop(graph!, from.analysis, at, looping, (s) => [...heads].every(([c, head]) => loopOf(c, s) === head));
    if (found) {
      const steps = (edges: readonly LoopEdge[]): number[] => edges.flatMap((e) => from.search.edgeSteps(e.from, graph!.edgeVia(e.edge), graph!.edgeTo(e.edge)));
      // The way into the loop leaves out the steps of threads that never
      // touch, now or later, anything the looping ones do: they commute
      // with every step of those, so the rest still runs, and they have
      // nothing to do with the loop (a reduced graph may enter it only
      // after them, the full one from here; found trying the product).
      // (The cycle's own threads too: a loop the graph shows through another
      // thread's steps replays only with that thread's way in; found by review.)
      const cycle = steps(found.cycle);
      const matter = search.reduction.interacting(st, cycle.reduce((m, x) => m | (1 << stepCpu(x)), looping));
      loop = { prefix: steps(found.prefix).filter((x) => (matter >> stepCpu(x)) & 1), cycle };
    }
  }
  const sites: Site[] = keys.map((k) => {
    const cpu = keyCpu(k);
    if (keyPc(k) === LOOP) return { cpu, pc: heads.get(cpu)!, lock: undefined };
    const ins = layout.instrAt(st, cpu);
    const lock = ins ? semantics(ins).acquires(ins, layout.model)?.lock : undefined;
    return { cpu, pc: layout.pc(st, cpu), lock };
  });
  return { kind: "hang", key: `stuck:${keys.join(",")}`, state, sites, locks: [], looping, loop };
}

/** State `state` of `search` in its packed form (the same for every search of the model). */
function packedState(search: ExploreResult, state: number): Int32Array {
  const words = new Int32Array(search.store.stateWords);
  search.store.load(state, new Uint8Array(search.layout.size), words);
  return words;
}

/** Can a leaf of a stuck search (`ExploreResult.leafOf`) be reached from `state` in its graph? */
function reachesLeaf(search: ExploreResult, state: number): boolean {
  const { leafOf } = search;
  return leafOf !== undefined && someReachable(search.graph!, state, search.store.count, (s) => s < leafOf.length && leafOf[s]! >= 0);
}
