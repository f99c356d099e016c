// Where a shortest trace can leave the main search (docs/ARCHITECTURE.md
// "The goal-directed search"). A reduced search finds every problem, but a
// problem that shows while other CPUs can still move may be reached later
// than it could be: a stubborn set that leaves out the CPUs the goal needs
// lets the search take other steps first. Everywhere else the main search's
// breadth-first order keeps the shortest traces: take a shortest trace of
// length k to a goal and a state s of the main search at depth d from which
// its rest takes at most k - d steps (at first, the initial state). If s
// was expanded with every enabled CPU, or with a stubborn set that holds a
// CPU the goal needs (so some step of the rest is in the set, and the first
// such step commutes to the front), a successor of s in the main search at
// depth d + 1 keeps a rest of at most k - d - 1 steps. So a trace shorter
// than the main search's own, found first at depth D, must leave it at a
// state expanded with a stubborn set outside which some CPU the goal needs
// lies, at a depth d whose estimate of the goal's remaining steps still
// makes d + estimate < D. Those states, usually a handful, are where the
// goal-directed search starts (GoalSources), each at its depth; a goal
// with none has its shortest trace already.

import type { ExploreResult, Goal, GoalSources } from "./types";

/**
 * The goals whose main trace may not be shortest and the states the
 * search for shorter ones starts from; undefined where the main search
 * does not allow it (not complete, or with merged chains, whose states
 * in between are not stored).
 */
export function escapes(main: ExploreResult, goals: readonly Goal[]): { goals: Goal[]; from: GoalSources } | undefined {
  const narrowed = main.narrowed;
  if (!narrowed || !main.stats.complete) return undefined;
  const { store, layout, reduction } = main;
  const { levelStarts } = narrowed;
  const bound = goals.reduce((m, g) => Math.max(m, g.bound), 0);
  const open = new Uint8Array(goals.length);
  const ids: number[] = [];
  const depths: number[] = [];
  const st = new Uint8Array(layout.size);
  // Ascending ids, so ascending depths: the level moves forward only.
  let d = 0;
  for (let i = 0; i < narrowed.count; i++) {
    const id = narrowed.ids[i]!;
    while (d + 1 < levelStarts.length && levelStarts[d + 1]! <= id) d++;
    if (d >= bound) break;
    const outside = narrowed.outside[i]!;
    let loaded = false;
    let leaves = false;
    for (let g = 0; g < goals.length; g++) {
      const goal = goals[g]!;
      if (d >= goal.bound || (goal.mayNeed & outside) === 0) continue;
      if (!loaded) store.load(id, st);
      loaded = true;
      if ((goal.needs(st, reduction) & outside) === 0 || d + goal.least(st) >= goal.bound) continue;
      open[g] = 1;
      leaves = true;
    }
    if (leaves) {
      ids.push(id);
      depths.push(d);
    }
  }
  return { goals: goals.filter((_, g) => open[g] === 1), from: { main, levelStarts, ids, depths } };
}
