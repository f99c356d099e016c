// What each waiting statement of §9 found at its call (SiteFacts.wait, the
// hover's "what it may wait for"): the state of the work item flushed or
// cancelled, the busy items of a flushed queue, the kthread stopped, the
// readers in a section at a synchronize, the holders of kn->active at a
// removal, and for a completion whether it was already completed and which
// `complete`s can end the wait, reached or not. Each scenario is checked
// reduced against full (test/observable.ts compares these facts too).

import { describe, expect, it } from "vitest";
import type { Analysis } from "../../server/src/analysis";
import type { WaitFacts } from "../../server/src/engine/report";
import { run } from "../helpers";
import { observable } from "../observable";

function both(text: string): Analysis {
  const full = run(text, { reduce: false });
  expect(full.frontEnd.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const reduced = run(text);
  expect(observable(reduced)).toEqual(observable(full));
  return reduced;
}

/** The wait facts of the statement whose compiled text is `action`, per thread. */
function waitAt(a: Analysis, action: string): Record<string, WaitFacts | undefined> {
  const out: Record<string, WaitFacts | undefined> = {};
  for (const f of a.report!.lockFacts) if (f.action === action) out[f.cpu] = f.wait;
  return out;
}

describe("work items", () => {
  const item = "mutex L\nworkqueue events\nwork w on events { lock L; unlock L }\n";

  it("a flush after queue_work finds the item pending, running or already idle, and waits for its thread", () => {
    const a = both(item + "cpu C { queue_work w; flush_work w }\n");
    expect(waitAt(a, "flush_work w")).toEqual({
      C: { on: "w", found: ["idle: returns at once", "pending: waits for it to run and finish", "running: waits for this run to end"], threads: ["w"] },
    });
  });

  it("a flush before anything queues the item finds it idle: nothing to wait for", () => {
    const a = both(item + "cpu C { flush_work w; queue_work w }\n");
    expect(waitAt(a, "flush_work w")).toEqual({ C: { on: "w", found: ["idle: returns at once"], threads: [] } });
  });

  it("a flush racing a requeue from the item's own body sees it running and queued again", () => {
    const a = both("workqueue events\nvar again = true\nwork w on events { if again { queue_work w; again = false } }\ncpu C { queue_work w; flush_work w }\n");
    expect(waitAt(a, "flush_work w")["C"]!.found).toContain("running and queued again: waits for both runs");
  });

  it("cancel_work_sync once the item has started never finds it pending", () => {
    const a = both("completion started\n" + item.replace("{ lock L", "{ complete started; lock L") + "cpu C { queue_work w; wait_for_completion started; cancel_work_sync w }\n");
    expect(waitAt(a, "cancel_work_sync w")).toEqual({ C: { on: "w", found: ["idle: returns at once", "running: waits for this run to end"], threads: ["w"] } });
  });

  it("cancel_work_sync of an item stuck behind another on an ordered queue finds it only pending: it waits for nobody", () => {
    const a = both("completion go\nordered workqueue q\nwork a on q { wait_for_completion go }\nwork b on q { }\ncpu C { queue_work a; queue_work b; cancel_work_sync b; complete go }\n");
    expect(waitAt(a, "cancel_work_sync b")).toEqual({ C: { on: "b", found: ["pending: taken off the queue, returns at once"], threads: [] } });
  });

  it("flush_workqueue names the items queued or running at its call", () => {
    const a = both("workqueue events\nwork a on events { }\nwork b on events { }\ncpu C { queue_work a; flush_workqueue events }\n");
    expect(waitAt(a, "flush_workqueue events")).toEqual({ C: { on: "workqueue events", found: ["nothing queued or running: returns at once", "a queued or running: waits for it"], threads: ["a"] } });
  });
});

describe("kthreads", () => {
  const poller = 'kthread poller "poll" { while !kthread_should_stop() { } }\n';

  it("kthread_stop of a kthread never run finds it not run yet", () => {
    const a = both(poller + "cpu C { kthread_stop poller }\n");
    expect(waitAt(a, "kthread_stop poller")).toEqual({ C: { on: "poller", found: ["not run yet: waits for it to exit without running its body"], threads: ["poller"] } });
  });

  it("kthread_stop after kthread_run finds it running", () => {
    const a = both(poller + "cpu C { kthread_run poller; kthread_stop poller }\n");
    expect(waitAt(a, "kthread_stop poller")).toEqual({ C: { on: "poller", found: ["running: waits for it to exit"], threads: ["poller"] } });
  });

  it("a kthread that exits by itself may be found exited", () => {
    const a = both('kthread once "once" { }\ncpu C { kthread_run once; kthread_stop once }\n');
    expect(waitAt(a, "kthread_stop once")["C"]!.found).toEqual(["running: waits for it to exit", "already exited: returns at once"]);
  });
});

describe("completions", () => {
  it("a wait nobody can complete: never completed, no releaser, and a hang", () => {
    const a = both("completion done\ncpu C { wait_for_completion done }\n");
    expect(waitAt(a, "wait_for_completion done")).toEqual({ C: { on: "completion done", found: ["never completed when called: waits for a complete"], threads: [], releasers: [] } });
    expect(a.verdict).toBe("hang");
  });

  it("names each complete, and whether any explored state reaches it", () => {
    const text = "completion done\ncompletion never\ncpu A { wait_for_completion done }\ncpu B { wait_for_completion never; complete done }\n";
    const a = both(text);
    const w = waitAt(a, "wait_for_completion done")["A"]!;
    expect(w.threads).toEqual(["B"]);
    expect(w.releasers!.map((r) => [r.thread, r.action, text.slice(r.span.start, r.span.end), r.reached])).toEqual([["B", "complete done", "complete done", false]]);
  });

  it("a completion that may be done before the wait: found completed in some states", () => {
    const a = both("completion done\ncpu A { wait_for_completion done }\ncpu B { complete done }\n");
    expect(waitAt(a, "wait_for_completion done")["A"]!.found).toEqual(["completed in some states: passes at once there"]);
    expect(waitAt(a, "wait_for_completion done")["A"]!.releasers!.map((r) => r.reached)).toEqual([true]);
  });
});

describe("SRCU and RCU", () => {
  it("synchronize_srcu names the readers it may find inside a section", () => {
    const a = both("srcu S\ncpu R { srcu_read_lock S; srcu_read_unlock S }\ncpu W { synchronize_srcu S }\n");
    expect(waitAt(a, "synchronize_srcu S")).toEqual({ W: { on: "the sections of S", found: ["no section open: returns at once", "R in a section: waits for it to close"], threads: ["R"] } });
  });

  it("synchronize inside its own section waits for itself", () => {
    const a = both("cpu C { rcu_read_lock; synchronize_rcu; rcu_read_unlock }\n");
    expect(waitAt(a, "synchronize_rcu")).toEqual({ C: { on: "the RCU read-side sections", found: ["its own section open: waits for itself"], threads: ["C"] } });
    expect(a.verdict).toBe("deadlock");
  });
});

describe("kernfs", () => {
  it("kernfs_remove names the threads inside the node's sysfs block", () => {
    const a = both("kernfs attr\ncpu S { sysfs attr { } }\ncpu R { kernfs_remove attr }\n");
    expect(waitAt(a, "kernfs_remove attr")).toEqual({ R: { on: "kn->active#attr", found: ["no active reference: removed at once", "S inside its sysfs block: waits for it to leave"], threads: ["S"] } });
  });

  it("kernfs_remove_self does not count its own reference", () => {
    const a = both("kernfs attr\ncpu S { sysfs attr { if kernfs_remove_self attr { } } }\n");
    expect(waitAt(a, "kernfs_remove_self attr")).toEqual({ S: { on: "kn->active#attr", found: ["no active reference: removed at once"], threads: [] } });
  });

  it("kernfs_remove inside its own block waits for itself", () => {
    const a = both("kernfs attr\ncpu S { sysfs attr { kernfs_remove attr } }\n");
    expect(waitAt(a, "kernfs_remove attr")["S"]!.found).toEqual(["inside its own sysfs block: waits for itself"]);
  });
});

describe("lockdep's pseudo-locks in the lock facts and the lock-order graph", () => {
  const flushUnderLock = "mutex L\nworkqueue events\nwork w on events { lock L; unlock L }\ncpu C { lock L; queue_work w; flush_work w; unlock L }\n";

  it("only the running item holds its (work_completion) and (wq_completion); the flushing CPU holds only its mutex", () => {
    const a = both(flushUnderLock);
    const held = a.report!.lockFacts.map((f) => `${f.cpu}: ${f.action} [${f.always}]`);
    expect(held).toEqual(["C: lock L []", "C: queue_work w [L]", "C: flush_work w [L]", "w: start w []", "w: lock L [(wq_completion)events,(work_completion)(&w)]"]);
  });

  it("the flush under a lock the item takes is lockdep's cycle, confirmed", () => {
    const a = both(flushUnderLock);
    expect(a.report!.lockGraph.inversions.map((i) => `${i.locks.join(" → ")}: ${i.status}`)).toEqual(["L → (work_completion)(&w): confirmed"]);
  });
});
