// The samples are the seed threads' scenarios. Each must check clean, open
// with a comment saying what it models, state its `expect`, meet it, and give
// the verdict the threads' history proves (pinned here with its findings).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listRace, read, run, samplesDir, summarize } from "./helpers";

const expected: Record<string, { verdict: string; problems: string[]; states: number; reduced: number; inversions?: string[] }> = {
  // v9: the AB-BA of the cover letter, 3 steps (rescan lock; device lock; .remove() branch).
  "v9-remove-vs-unbind.race": { verdict: "deadlock", problems: ["deadlock [CPU0,CPU1] 3 steps"], states: 28, reduced: 6, inversions: ["confirmed"] },
  // v10 fixes the two-CPU race; lockdep would still see the order, which cannot deadlock here.
  "v10-remove-vs-unbind.race": { verdict: "safe", problems: [], states: 34, reduced: 5, inversions: ["unreached"] },
  // v10's window: a bind in it deadlocks via .probe(), a rebind then unbind via .remove().
  "v10-rebind-window.race": {
    verdict: "deadlock",
    problems: ["deadlock [CPU0,CPU1] 9 steps", "deadlock [CPU0,CPU2] 15 steps"],
    states: 137, reduced: 26,
    inversions: ["confirmed"],
  },
  "v11-kill-device.race": { verdict: "safe", problems: [], states: 137, reduced: 18, inversions: ["unreached"] },
  // A bind after kill_device(): safe, and its .probe() path is never reached (coverage).
  "v11-bind-after-kill.race": { verdict: "safe", problems: [], states: 44, reduced: 5 },
  "known-limitation-hotplug.race": { verdict: "deadlock", problems: ["deadlock [CPU0,CPU1] 4 steps"], states: 34, reduced: 6, inversions: ["confirmed"] },
  "patch1-plain-rescan-lock.race": { verdict: "deadlock", problems: ["deadlock [CPU0] 3 steps"], states: 4, reduced: 2 },
  "patch1-reentrant-rescan-lock.race": { verdict: "safe", problems: [], states: 24, reduced: 2 },
  "eeh-vf-without-rescan-lock.race": { verdict: "violation", problems: ["violation [CPU0] 7 steps", "violation [CPU1] 7 steps"], states: 67, reduced: 30 },
  "eeh-vf-with-rescan-lock.race": { verdict: "safe", problems: [], states: 32, reduced: 3 },
  "probe-remove-lock-contexts.race": { verdict: "violation", problems: ["violation [CPU1] 3 steps", "violation [CPU2] 11 steps"], states: 424, reduced: 10 },
  "vfio-numvfs-show.race": { verdict: "hang", problems: ["hang [CPU0,CPU1] 3 steps"], states: 4, reduced: 2 },
  "vfio-numvfs-show-reverted.race": { verdict: "safe", problems: [], states: 8, reduced: 2 },
  "stale-numvfs-after-uevent.race": { verdict: "violation", problems: ["violation [CPU1] 4 steps"], states: 13, reduced: 5 },
  "stale-numvfs-serialized.race": { verdict: "safe", problems: [], states: 11, reduced: 2 },
};

describe("samples", () => {
  const files = listRace(samplesDir);

  it("are at least ten, and each has a pinned verdict", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files).toEqual(Object.keys(expected).sort());
  });

  for (const file of files) {
    it(`${file}: checks clean, meets its expect, gives its verdict`, () => {
      const text = read(join(samplesDir, file));
      expect(text.startsWith("// Seed 00")).toBe(true);
      expect(text).toMatch(/^expect (deadlock|violation|safe)$/m);
      const a = run(text);
      expect(a.frontEnd.diagnostics).toEqual([]);
      const want = expected[file]!;
      // `states` is the full search's count, `reduced` the default search's
      // (stubborn sets); both find the same problems with the same traces.
      const full = run(text, { reduce: false });
      expect({ verdict: a.verdict, met: a.met, problems: summarize(a), states: full.report!.stats.states, reduced: a.report!.stats.states }).toEqual({
        verdict: want.verdict,
        met: true,
        problems: want.problems,
        states: want.states,
        reduced: want.reduced,
      });
      expect(summarize(full)).toEqual(want.problems);
      expect(a.report!.lockGraph.inversions.map((i) => i.status)).toEqual(want.inversions ?? []);
    });
  }
});
