// The SPIN side of the differential run (spin.ts), where it is plain
// arithmetic and text: the fairness slots pan needs for a model's
// processes, pan's refusals read as "could not search" rather than as an
// answer, and the comparison of answers. (The run itself, `npm run
// test:differential`, replays test/fixtures/differential/ with SPIN.)

import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { analyze } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { toPromela } from "../../server/src/export/promela";
import { fixturesDir, read } from "../helpers";
import { disagreement, fairnessSlots, incomplete } from "./spin";

/** A Promela text with `n` proctypes (all fairnessSlots reads). */
const withThreads = (n: number): string => Array.from({ length: n }, (_, i) => `proctype CPU${i}() {\n  skip\n}\n`).join("");

describe("pan's weak fairness", () => {
  it("gets NFAIR large enough for init, every thread and the non-progress claim", () => {
    // pan.c refuses when `now._nr_pr + 1 >= (8 * NFAIR) / 2` once the last process is added.
    for (let threads = 1; threads <= 40; threads++) {
      const nfair = fairnessSlots(withThreads(threads));
      const processes = threads + 2;
      expect(processes + 1, `${threads} threads`).toBeLessThan((8 * nfair) / 2);
    }
    // The default (2) where it suffices: up to 5 threads (7 processes with init and the claim).
    expect(fairnessSlots(withThreads(4))).toBe(2);
    expect(fairnessSlots(withThreads(5))).toBe(3);
  });

  it("counts the threads of the exported model: CPUs, work items, kthreads (fixture seed-13: five, and the process that watches pending items)", () => {
    const text = read(join(fixturesDir, "differential", "seed-13.race"));
    const a = analyze(text);
    const promela = toPromela(compile(a.frontEnd.ast, a.frontEnd.checked.scope));
    expect(promela.match(/^proctype /gm)).toHaveLength(6);
    expect(fairnessSlots(promela)).toBe(3);
  });

  it("a refusal is no answer: the run stops instead of reading 'no cycle' into it", () => {
    expect(incomplete.test("pan: error: too many processes -- current max is 6 procs (-DNFAIR=2)\n\trecompile with -DNFAIR=3\n")).toBe(true);
    expect(incomplete.test("error: max search depth too small\n")).toBe(true);
    expect(incomplete.test("pan:1: non-progress cycle (at depth 12)\nState-vector 64 byte, depth reached 30, errors: 1\n")).toBe(false);
  });
});

describe("comparing the answers", () => {
  it("seed-13's livelock (t0 polling kthread_should_stop() after C0 stopped) is a fair non-progress cycle for SPIN", () => {
    const a = analyze(read(join(fixturesDir, "differential", "seed-13.race")), { maxStates: 100_000 });
    expect(a.report!.problems.some((p) => p.form === "livelock" && p.cpus.join() === "t0")).toBe(true);
    expect(disagreement(a, { stuck: true, violation: false, cycle: true })).toBeUndefined();
    // What the run saw when pan refused the model: a disagreement.
    expect(disagreement(a, { stuck: true, violation: false, cycle: false })).toBe("a livelock we report is no non-progress cycle for SPIN");
  });
});
