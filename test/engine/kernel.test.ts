// The engine on race-language.md §9, one small scenario per rule: work
// items and workqueues, kthreads, completions, kernfs active references,
// SRCU and RCU. Each pins the verdict, the problems (kind, threads,
// shortest trace length) and the number of states of the full search
// (`reduce: false`) and of the reduced one, which must report the same
// (test/observable.ts: problems, messages, trace lengths, lock facts, the
// lock-order graph). Counts worked out by hand say how in a comment; the
// others are regression pins.

import { describe, expect, it } from "vitest";
import type { Analysis } from "../../server/src/analysis";
import { run, summarize } from "../helpers";
import { observable } from "../observable";

interface Outcome {
  verdict: string;
  problems: string[];
  /** States of the full search, and stored by the reduced one (main search). */
  states: number;
  reduced: number;
}

/** Full and reduced searches agree on everything a user sees; the numbers of both. */
function outcome(text: string): Outcome & { full: Analysis; red: Analysis } {
  const full = run(text, { reduce: false });
  expect(full.frontEnd.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(full.report!.stats.complete).toBe(true);
  const red = run(text);
  expect(red.report!.stats.shortestTraces).toBe(true);
  expect(observable(red)).toEqual(observable(full));
  return { verdict: full.verdict, problems: summarize(full), states: full.report!.stats.states, reduced: red.report!.stats.states, full, red };
}

const pick = ({ verdict, problems, states, reduced }: Outcome): Outcome => ({ verdict, problems, states, reduced });
const steps = (a: Analysis, i = 0): string[] => a.report!.problems[i]!.trace.map((s) => `${s.cpu}: ${s.action}`);

describe("shortest traces through threads", () => {
  it("a work item's lock held at exit: the goal-directed search knows its body ends at its start (differential seed 133)", () => {
    // x = 1, queue_work w, start w, lock m (its last statement: the body
    // ends there, holding m). B's steps are independent and not needed.
    const o = outcome(`
      var x = 0
      mutex m
      workqueue events
      work w on events { lock m }
      cpu A { x = 1; queue_work w }
      cpu B { x = 2; x = 3 }
      expect misuse`);
    expect(pick(o)).toEqual({ verdict: "misuse", problems: ["lock-held-at-exit [w] 4 steps"], states: 23, reduced: 6 });
    expect(steps(o.red)).toEqual(["A: x = 1", "A: queue_work w → queued", "w: start w", "w: lock m"]);
  });
});
