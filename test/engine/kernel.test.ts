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
import { join } from "node:path";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { Layout } from "../../server/src/engine/state";
import { read, run, samplesDir, summarize } from "../helpers";
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

describe("what a hang names as holding a thread-wait's pseudo-lock", () => {
  it("a flush of a queue: its running items, whatever was queued before the flush (differential seed 16)", () => {
    // C1's flush may come after a was queued or after both: two 5-step
    // traces to a hang with the same threads stuck at the same statements,
    // where the flush waits for a, or for a and b. Both items run, stuck,
    // holding (wq_completion)q in either: that is what the report names,
    // so the full and the reduced search (which end their traces in
    // different ones of the two states) say the same.
    const o = outcome(`
      workqueue q
      var go = false
      work a on q { wait until go }
      work b on q { wait until go }
      cpu C0 { queue_work a; queue_work b }
      cpu C1 { flush_workqueue q }
      expect deadlock`);
    expect(pick(o)).toEqual({ verdict: "hang", problems: ["hang [C1,a,b] 5 steps"], states: 24, reduced: 12 });
    expect(o.red.report!.problems[0]!.message).toBe(
      "Hang: C1 waits for (wq_completion)q, held by a and b, which can no longer release it; a is stuck at 'wait until go', which no CPU writes; b is stuck at 'wait until go', which no CPU writes; nothing can ever let them go on.",
    );
  });

  it("a synchronize: every reader inside a section, whether or not its section was open at the call (differential seed 103)", () => {
    const o = outcome(`
      var go = false
      cpu R0 { rcu_read_lock; wait until go; rcu_read_unlock }
      cpu R1 { rcu_read_lock; wait until go; rcu_read_unlock }
      cpu S { synchronize_rcu }
      expect deadlock`);
    // R0 and R1 open their sections, S calls (3 steps); or S calls after R0 alone, then R1 opens its own.
    expect(pick(o)).toEqual({ verdict: "hang", problems: ["hang [R0,R1,S] 3 steps"], states: 13, reduced: 8 });
    expect(o.full.report!.problems[0]!.message).toContain("S waits for an RCU grace period, which R0 (in rcu_read_lock) and R1 (in rcu_read_lock) hold off; nothing can ever let them go on.");
  });
});

describe("who could release a completion, in a livelock", () => {
  it("a completer that loops for ever is named by its loop, not by where the trace leaves it (differential seed 196)", () => {
    // t is never stopped, so it polls for ever and never reaches `complete
    // done`. States (full): A at kthread_run; A waiting with t not yet
    // started; then t at `while`, at `x = true`, at `x = false` (x false,
    // false, true): 5. The trace: kthread_run (1 step), then the loop.
    const o = outcome(`
      completion done
      var x = false
      kthread t { while !kthread_should_stop() { x = true; x = false } complete done }
      cpu A { kthread_run t; wait_for_completion done }
      expect deadlock`);
    expect(pick(o)).toEqual({ verdict: "hang", problems: ["hang [A,t] 1 steps"], states: 5, reduced: 2 });
    expect(o.full.report!.problems[0]!.message).toBe(
      "Livelock: A waits for completion done at 'wait_for_completion done', which only 'complete done' on t could (t loops for ever in the loop at 'while !kthread_should_stop()' and never gets there); t loops for ever in the loop at 'while !kthread_should_stop()' and can never finish; nothing can ever let them finish.",
    );
  });
});

describe("kernfs_remove_self as fs/kernfs/dir.c has it (found by review: its reference never came back, and any removal decided it)", () => {
  it("a loser waits for the winner's whole sysfs operation: the winner's lock after its remove_self, held by the loser, is a deadlock", () => {
    // A wins (its removal waits for B's reference), B loses and waits for
    // A's removal and A's reference, taken back, to go; A returns and waits
    // for L, which B holds: 6 steps. (Safe before: B's wait ended with A's
    // removal, before A's block had ended.)
    const o = outcome(`
      kernfs kn
      mutex L
      cpu A { sysfs kn { if kernfs_remove_self kn { lock L; unlock L } } }
      cpu B { lock L; sysfs kn { if kernfs_remove_self kn { } }; unlock L }
      expect deadlock`);
    expect(pick(o)).toEqual({ verdict: "deadlock", problems: ["deadlock [A,B] 6 steps"], states: 36, reduced: 12 });
    expect(steps(o.red)[4]).toBe("B: kernfs_remove_self kn → own reference dropped; A is removing it: waits for its sysfs operation to end");
  });

  it("so a loser never returns before the winning store has ended", () => {
    const o = outcome(`
      kernfs kn
      var winner_done = false
      fn store() { if kernfs_remove_self kn { winner_done = true } else { assert winner_done } }
      cpu A { sysfs kn { store() } }
      cpu B { sysfs kn { store() } }
      expect safe`);
    expect(pick(o)).toEqual({ verdict: "safe", problems: [], states: 30, reduced: 10 });
  });

  it("the winner holds kn->active again after it: a kernfs_remove under L that waits for the drain deadlocks with its lock L", () => {
    // B, holding L, waits in kernfs_remove's drain for A's reference; A
    // drops it (the drain is done for a moment), removes, takes it back,
    // and waits for L; B, not having looked in that moment, waits for A's
    // reference again: 5 steps. (Safe before: A's reference never came back.)
    const o = outcome(`
      kernfs kn
      mutex L
      cpu A { sysfs kn { if kernfs_remove_self kn { lock L; unlock L } } }
      cpu B { lock L; kernfs_remove kn; unlock L }
      expect deadlock`);
    expect(pick(o)).toEqual({ verdict: "deadlock", problems: ["deadlock [A,B] 5 steps"], states: 27, reduced: 10 });
    expect(steps(o.red).slice(3)).toEqual(["A: kernfs_remove_self kn → own reference dropped; another removal is under way; drained", "A: kernfs_remove_self kn → removed: true"]);
  });

  it("only kernfs_remove_self callers take part in the arbitration: with a kernfs_remove under way the one caller still wins", () => {
    const o = outcome(`
      kernfs kn
      cpu A { sysfs kn { if kernfs_remove_self kn { } else { assert false } } }
      cpu B { kernfs_remove kn }
      expect safe`);
    expect(pick(o)).toEqual({ verdict: "safe", problems: [], states: 13, reduced: 6 });
  });

  it("drops one reference of the caller's: with two (nested blocks) it waits for itself", () => {
    const o = outcome(`
      kernfs kn
      cpu A { sysfs kn { sysfs kn { if kernfs_remove_self kn { } } } }
      expect deadlock`);
    expect(pick(o)).toEqual({ verdict: "deadlock", problems: ["deadlock [A] 3 steps"], states: 4, reduced: 2 });
  });
});

describe("a kthread stopped before it is scheduled", () => {
  it("exits without running its body, even after kthread_run (kernel/kthread.c kthread() tests the stop flag before threadfn)", () => {
    // kthread_run only wakes t; kthread_stop may set the stop flag before
    // t is first scheduled, and then threadfn never runs (kthread_stop
    // returns -EINTR). So `ran` may still be false after the stop: A's
    // run, its stop (waits), t's start (exits), A's wake-up, the assert.
    // States (full): A at kthread_run; A at kthread_stop with t at its
    // start; t at `ran = true`, or A waiting with t at its start; t done
    // before the stop, t at `ran = true` with A waiting, or t exited
    // unrun; then A at its assert with ran true (by either way), t done
    // with A waiting, A at its assert with ran false; A done, or stopped
    // at the failed assert: 12.
    const o = outcome(`
      var ran = false
      kthread t { ran = true }
      cpu A { kthread_run t; kthread_stop t; assert ran }
      expect safe`);
    expect(pick(o)).toEqual({ verdict: "violation", problems: ["violation [A] 5 steps"], states: 12, reduced: 6 });
    expect(steps(o.red)).toEqual(["A: kthread_run t", "A: kthread_stop t → waits for t to exit", "t: start t → stopped before it ran: exits", "A: kthread_stop t → t has exited", "A: assert ran → FAILED"]);
  });
});

describe("a pending item that can never start", () => {
  it("is stuck: its ordered queue's one slot is held by an item stopped at an error (differential seed 381)", () => {
    // s0 C to queue a; s1 a pending; s2 a, b pending (C done); s3 a running,
    // C to queue b; s4 a running, b pending; s5 a stopped, C to queue b;
    // s6 a stopped (still running for its queue), b pending: 7 states. b
    // can never start in s6, and nothing else can move: a hang (SPIN: an
    // invalid end state, through WorkPending in the export).
    const o = outcome(`
      ordered workqueue q
      mutex m
      work a on q { unlock m }
      work b on q { }
      cpu C { queue_work a; queue_work b }
      expect deadlock, misuse`);
    expect(pick(o)).toEqual({ verdict: "hang", problems: ["hang [b] 4 steps", "bad-unlock [a] 3 steps"], states: 7, reduced: 6 });
    expect(o.full.report!.globallyStuck).toBe(true);
    expect(o.full.report!.problems[0]!.message).toBe("Hang: b waits for (wq_completion)q, held by a, which can no longer release it; nothing can ever let it go on.");
  });
});

describe("waiting for a slot on a max_active queue", () => {
  it("waits for any one running item, not for each: a cycle through one of two running items, the other of which ends, is no deadlock", () => {
    // Z needs one of wq's two slots, taken by X (which flushes Z) and Y
    // (which waits for `go`, which CPU0 always sets): Y ends, Z runs, X's
    // flush returns (found by review: reported as a deadlock X ↔ Z before).
    const o = outcome(`
      workqueue wq max_active 2
      var go = false
      work X on wq { queue_work Z; flush_work Z }
      work Y on wq { wait until go }
      work Z on wq { }
      cpu CPU0 { queue_work Y; queue_work X; go = true }
      expect safe`);
    expect(pick(o)).toEqual({ verdict: "safe", problems: [], states: 20, reduced: 14 });
  });

  it("is a deadlock when every running item waits for it", () => {
    const o = outcome(`
      workqueue wq max_active 2
      work X on wq { queue_work Z; flush_work Z }
      work Y on wq { flush_work Z }
      work Z on wq { }
      cpu CPU0 { queue_work Y; queue_work X }
      expect deadlock`);
    expect(o.verdict).toBe("deadlock");
    expect(o.full.report!.problems[0]!.message).toContain("Z waits for (wq_completion)wq, held by X and Y");
  });
});

describe("an item queued again while it runs, on a max_active queue", () => {
  // A runs, queues itself and then B, and waits for B's flag.
  const requeue = (maxActive: number, expectation: string): string => `
      workqueue wq max_active ${maxActive}
      var flag = false
      var started = false
      work A on wq { if !started { started = true; queue_work A; queue_work B; wait until flag } }
      work B on wq { flag = true }
      cpu CPU0 { queue_work A }
      expect ${expectation}`;

  it("takes a slot of its own in its turn, so an item queued after it waits (the kernel activates the second instance; found by review: B overtook it)", () => {
    // With two slots A's second instance takes the second one, B stays behind it: a hang.
    const o = outcome(requeue(2, "deadlock"));
    expect(o.verdict).toBe("hang");
    expect(o.full.report!.problems.map((p) => p.cpus.join(","))).toEqual(["A,B"]);
  });

  it("with three slots the item queued after it still starts", () => {
    expect(outcome(requeue(3, "safe")).verdict).toBe("safe");
  });
});

describe("the lock-order graph through SRCU and RCU, as lockdep records it", () => {
  const inversions = (a: Analysis): string[] => a.report!.lockGraph.inversions.map((i) => `${i.locks.join(" → ")}: ${i.status}`);

  it("an SRCU section against synchronize_srcu under a mutex is lockdep's cycle; the same through RCU is a deadlock lockdep cannot see", () => {
    // srcu_read_lock() is lockdep's recursive read of the domain and
    // synchronize_srcu() its lock_sync(): S → A and A → sync(S) close a cycle.
    const srcu = outcome(`
      srcu S
      mutex A
      cpu C0 { srcu_read_lock S; lock A; unlock A; srcu_read_unlock S }
      cpu C1 { lock A; synchronize_srcu S; unlock A }
      expect deadlock`);
    expect(srcu.verdict).toBe("deadlock");
    expect(inversions(srcu.red)).toEqual(["A → S: confirmed"]);
    // rcu_read_lock() acquires with check=0 and synchronize_rcu() acquires
    // nothing (include/linux/rcupdate.h): lockdep records no dependency
    // through RCU, so there is no inversion to call lockdep's (before:
    // one, confirmed here, and RACE108 "lockdep would report it" where no
    // interleaving deadlocked). The deadlock itself is reported as before.
    const rcu = outcome(`
      mutex A
      cpu C0 { rcu_read_lock; lock A; unlock A; rcu_read_unlock }
      cpu C1 { lock A; synchronize_rcu; unlock A }
      expect deadlock`);
    expect(rcu.verdict).toBe("deadlock");
    expect(inversions(rcu.red)).toEqual([]);
    expect(rcu.red.report!.lockGraph.edges.map((e) => `${e.from} → ${e.to}`)).toEqual([]);
    // Nor is it titled as lockdep's circular dependency (found by review).
    expect(rcu.red.report!.problems[0]!.title).toBe("possible deadlock through an RCU grace period");
  });
});

describe("a deadlock through a wait lockdep has no class for (found trying the product as a new user: titled and drawn as lockdep's circular dependency)", () => {
  it("kthread_stop under a lock the kthread takes: a deadlock lockdep cannot see, without lockdep's scenario table", () => {
    const o = outcome(`
      mutex cfg_lock
      kthread poller { while !kthread_should_stop() { lock cfg_lock; unlock cfg_lock } }
      cpu CPU0 { kthread_run poller; lock cfg_lock; kthread_stop poller; unlock cfg_lock }
      expect deadlock`);
    expect(o.verdict).toBe("deadlock");
    const p = o.red.report!.problems[0]!;
    expect(p.title).toBe("possible deadlock that lockdep cannot see");
    expect(p.sites.flatMap((s) => (s.lockdepBlind ? [s.lockdepBlind] : []))).toEqual(["'kthread_stop poller' takes no lock class lockdep tracks"]);
  });
});

describe("a flush records lockdep's dependency only when it waits (v6.9 on; found trying the product as a new user)", () => {
  // Tejun Heo's "workqueue: Update lock debugging code" (Jan 2024, the BH
  // workqueue series) moved touch_work_lockdep_map() into start_flush_work(),
  // after its already_gone check: flushing an idle item touches nothing.
  const edges = (a: Analysis): string[] => a.report!.lockGraph.edges.map((e) => `${e.from} → ${e.to}`).sort();
  // w takes m inside both of its maps (its own two edges); C's body varies.
  const withItem = (body: string): ReturnType<typeof outcome> => outcome(`mutex m\nworkqueue events\nwork w on events { lock m; unlock m }\ncpu C { ${body} }`);
  const own = ["(work_completion)(&w) → m", "(wq_completion)events → m"];

  it("an item never pending at the flush: no edge, so no inversion lockdep would report", () => {
    const o = withItem("lock m; flush_work w; unlock m; queue_work w");
    expect(o.verdict).toBe("safe");
    expect(edges(o.red)).toEqual(own);
    expect(o.red.report!.lockGraph.inversions).toEqual([]);
  });

  it("an item that may be pending at the flush: the edge, and the cycle a trace confirms", () => {
    const o = withItem("queue_work w; lock m; flush_work w; unlock m");
    expect(edges(o.red)).toEqual([...own, "m → (work_completion)(&w)"]);
    expect(o.red.report!.lockGraph.inversions.map((i) => i.status)).toEqual(["confirmed"]);
  });

  it("cancel_work_sync takes a pending instance off the queue first: only a running one is waited for, and only then is the edge recorded", () => {
    const o = withItem("queue_work w; lock m; cancel_work_sync w; unlock m");
    expect(o.verdict).toBe("deadlock");
    expect(edges(o.red)).toEqual([...own, "m → (work_completion)(&w)"]);
  });
});

describe("an item that flushes one queued behind it on its own one-at-a-time queue (found trying the product as a new user: titled as lockdep's circular dependency)", () => {
  // Lockdep sees the flushing item, which holds the queue's (wq_completion)
  // (process_one_work()), take it again (touch_wq_lockdep_map() where
  // saved_max_active is 1): "possible recursive locking detected", as the
  // nvmet sample's splat (2922e3507f6d) says.
  it("is lockdep's recursive locking on the queue's (wq_completion)", () => {
    const o = outcome(read(join(samplesDir, "nvmet-ordered-flush-2922e3507f6d.race")));
    const p = o.red.report!.problems[0]!;
    expect(p.title).toBe("possible recursive locking detected");
    expect(p.message).toMatch(/ Lockdep sees release_work take \(wq_completion\)nvmet_wq again at 'flush_work async_event_work', which it holds\.$/);
    expect(p.sites.map((x) => x.retakes)).toEqual([undefined, "(wq_completion)nvmet_wq"]);
  });

  it("on a queue that runs several items at once there is no such deadlock", () => {
    const o = outcome(`
      workqueue q
      work b on q { }
      work a on q { queue_work b; flush_work b }
      cpu C { queue_work a }`);
    expect(o.verdict).toBe("safe");
  });
});

describe("a synchronize inside its caller's own read-side section (found trying the product as a new user)", () => {
  // The kernel warns before the wait: RCU_LOCKDEP_WARN in synchronize_rcu()
  // (kernel/rcu/tree.c; syzbot's "WARNING: suspicious RCU usage …
  // Illegal synchronize_rcu() in RCU read-side critical section!") and in
  // synchronize_srcu() (a488eee517ba for Tiny SRCU, "in line with Tree").
  // It was titled "possible recursive locking detected", as if the call
  // took rcu_read_lock again.
  it("synchronize_rcu: lockdep's suspicious RCU usage, a grace period the caller holds off", () => {
    const o = outcome(`
      cpu C0 { rcu_read_lock; synchronize_rcu; rcu_read_unlock }
      expect deadlock`);
    expect(pick(o)).toEqual({ verdict: "deadlock", problems: ["deadlock [C0] 2 steps"], states: 3, reduced: 2 });
    const p = o.red.report!.problems[0]!;
    expect(p.title).toBe("suspicious RCU usage");
    expect(p.message).toBe(
      "Illegal synchronize_rcu() in RCU read-side critical section: C0 calls 'synchronize_rcu' inside its own read-side section of rcu_read_lock, and the grace period waits for that section to end; it deadlocks on itself.",
    );
  });

  it("synchronize_srcu on the domain whose section it is in: the same, with SRCU's words", () => {
    const o = outcome(`
      srcu S
      cpu C0 { srcu_read_lock S; synchronize_srcu S; srcu_read_unlock S }
      expect deadlock`);
    expect(pick(o)).toEqual({ verdict: "deadlock", problems: ["deadlock [C0] 2 steps"], states: 3, reduced: 2 });
    expect(o.red.report!.problems[0]!.title).toBe("suspicious RCU usage");
    expect(o.red.report!.problems[0]!.message).toMatch(/^Illegal synchronize_srcu\(\) in same-type SRCU \(or in RCU\) read-side critical section: C0 calls 'synchronize_srcu S'/);
  });

  it("synchronize_rcu under a mutex a reader takes: the grace period is what it waits for, which the reader holds off", () => {
    const o = outcome(`
      mutex A
      cpu C0 { lock A; synchronize_rcu; unlock A }
      cpu C1 { rcu_read_lock; lock A; unlock A; rcu_read_unlock }
      expect deadlock`);
    expect(o.red.report!.problems[0]!.message).toBe("Deadlock: C0 waits for an RCU grace period, which C1 (in rcu_read_lock) holds off; C1 waits for A, held by C0.");
  });
});

describe("consolidated RCU: synchronize_rcu also waits for atomic regions (Documentation/RCU/checklist.rst, item 7; v4.20 on)", () => {
  it("a spinlock section open at the call holds the grace period off: spinning in it for the caller is a hang", () => {
    // C0 locks A (1), C1 calls synchronize_rcu and waits for C0 (2); C0
    // then waits for a flag only C1 sets after it returns.
    const o = outcome(`
      spinlock A
      var flag = false
      cpu C0 { lock A; wait until flag; unlock A }
      cpu C1 { synchronize_rcu; flag = true }
      expect deadlock`);
    expect(pick(o)).toEqual({ verdict: "hang", problems: ["hang [C0,C1] 2 steps"], states: 9, reduced: 3 });
    expect(steps(o.red)).toEqual(["C0: lock A", "C1: synchronize_rcu → waits for C0 (holding A)"]);
    expect(o.red.report!.problems[0]!.message).toBe(
      "Hang: C0 is stuck at 'wait until flag', which only C1 writes; C1 waits for an RCU grace period, which C0 (holding A) holds off; nothing can ever let them go on.",
    );
  });

  it("returns only once every region open at the call has ended: hardirqs off, softirqs off, an rwlock_t read-held, a handler running", () => {
    const regions = outcome(`
      rwlock R
      var a = 0
      var b = 0
      var c = 0
      var go = false
      cpu C0 { local_irq_disable; a = 1; wait until go; a = 2; local_irq_enable }
      cpu C1 { local_bh_disable; b = 1; wait until go; b = 2; local_bh_enable }
      cpu C2 { rlock R; c = 1; wait until go; c = 2; runlock R }
      cpu S {
        wait until a == 1 && b == 1 && c == 1
        go = true
        synchronize_rcu
        assert a == 2 && b == 2 && c == 2
      }
      expect safe`);
    expect(pick(regions)).toEqual({ verdict: "safe", problems: [], states: 158, reduced: 67 });
    const handler = outcome(`
      var d = 0
      irq H on C0 { d = 1; d = 2 }
      cpu C0 { wait until d == 2 }
      cpu S { wait until d != 0; synchronize_rcu; assert d == 2 }
      expect safe`);
    expect(pick(handler)).toEqual({ verdict: "safe", problems: [], states: 15, reduced: 4 });
  });

  it("an rcu_read_unlock inside a spinlock section leaves it a reader; a region entered after the call does not delay it", () => {
    const o = outcome(`
      spinlock A
      var x = 0
      var round = 0
      cpu C0 {
        rcu_read_lock; lock A; x = 1; rcu_read_unlock; x = 2; unlock A
        wait until round == 1
        lock A; x = 1; x = 2; unlock A
      }
      cpu C1 {
        wait until x != 0
        synchronize_rcu
        assert x == 2
        round = 1
        synchronize_rcu
        assert x != 1
      }
      expect safe`);
    // Only the second assert fails, after C0's first section (6 steps),
    // C1's wait, call (no reader: returns), assert, round = 1 and second
    // call (5), C0's wait, lock A and x = 1 (3), and the assert.
    expect(pick(o)).toEqual({ verdict: "violation", problems: ["violation [C1] 15 steps"], states: 42, reduced: 16 });
    expect(o.red.report!.problems[0]!.message).toBe("Assertion failed on C1: assert x != 1.");
  });

  it("the caller's own region does not delay it (RACE122 says it may sleep there)", () => {
    const o = outcome(`
      spinlock A
      var x = 0
      cpu C0 { lock A; synchronize_rcu; unlock A }
      cpu C1 { x = 1; x = 2 }
      expect safe`);
    expect(pick(o)).toEqual({ verdict: "safe", problems: [], states: 12, reduced: 2 });
    expect(o.red.report!.sleepsInAtomic.map((s) => `${s.cpu}: ${s.action}: ${s.why}`)).toEqual(["C0: synchronize_rcu: holding spinlock A"]);
  });

  it("a CPU spinning at spin_lock holds it off (checklist.rst item 8: \"other CPUs spinning on the lock\"): waiting for it under that lock is a deadlock lockdep cannot see (found by review)", () => {
    // C0 takes A and calls synchronize_rcu while C1 spins on A (C1's lock A is blocked, so it counts).
    const o = outcome(`
      spinlock A
      cpu C0 { lock A; synchronize_rcu; unlock A }
      cpu C1 { lock A; unlock A }
      expect safe`);
    expect(pick(o)).toEqual({ verdict: "deadlock", problems: ["deadlock [C0,C1] 2 steps"], states: 8, reduced: 3 });
    expect(o.red.report!.problems[0]!.title).toBe("possible deadlock through an RCU grace period");
    expect(o.red.report!.problems[0]!.message).toBe("Deadlock: C0 waits for an RCU grace period, which C1 (spinning on A) holds off; C1 waits for A, held by C0.");
    expect(o.red.report!.lockGraph.inversions).toEqual([]);
  });

  it("an rwlock_t: a writer at write_lock while readers hold it spins, a reader at read_lock then gets in at once and does not (found by review: the two were swapped)", () => {
    // T0 read-holds R, then calls synchronize_rcu: whom does the call record?
    const recorded = (other: string): number => {
      const fe = analyzeFrontEnd(`rwlock R\ncpu T0 { rlock R; synchronize_rcu; runlock R }\ncpu T1 { ${other}; unlock R }\n`);
      const m = compile(fe.program.ast, fe.checked!.scope);
      const layout = new Layout(m);
      const st = layout.initial();
      layout.step(st, 0, 0);
      return layout.p.srcus.awaited(st, m.srcus.findIndex((d) => d.name === "rcu_read_lock"), 0);
    };
    expect(recorded("lock R")).toBe(0b10);
    expect(recorded("rlock R").toString(2)).toBe("0");
    const writer = outcome(`
      rwlock R
      cpu T0 { rlock R; synchronize_rcu; runlock R }
      cpu T1 { lock R; unlock R }
      expect safe`);
    expect(pick(writer)).toEqual({ verdict: "deadlock", problems: ["deadlock [T0,T1] 2 steps"], states: 8, reduced: 3 });
  });

  it("gve's fix (samples/gve-xdp-xmit-close-ff7c2dea9dd1-fixed.race) needs its synchronize_net(): the napi_enabled check alone lets the poll pass it just before the close", () => {
    const fixed = read(join(samplesDir, "gve-xdp-xmit-close-ff7c2dea9dd1-fixed.race"));
    expect(pick(outcome(fixed))).toEqual({ verdict: "safe", problems: [], states: 20, reduced: 8 });
    const checkOnly = fixed.replace(/^ {2}synchronize_rcu .*\n/m, "").replace("expect safe", "expect violation");
    expect(checkOnly).not.toMatch(/^\s+synchronize_rcu\b/m);
    // The poll passes the check (2), the close clears napi_enabled and frees the rings (2), the assert fails.
    expect(pick(outcome(checkOnly))).toEqual({ verdict: "violation", problems: ["violation [redirect_napi] 5 steps"], states: 17, reduced: 9 });
  });

  it("SRCU is not consolidated: synchronize_srcu waits for its own domain's sections only", () => {
    const o = outcome(`
      srcu S
      spinlock A
      var flag = false
      cpu C0 { lock A; wait until flag; unlock A }
      cpu C1 { synchronize_srcu S; flag = true }
      cpu C2 { synchronize_rcu }
      expect safe`);
    // C2's synchronize_rcu may wait for C0's section of A, which ends once C1's synchronize_srcu has returned.
    expect(pick(o)).toEqual({ verdict: "safe", problems: [], states: 21, reduced: 4 });
  });
});
