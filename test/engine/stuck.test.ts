// Stuck forever (race-language.md §8): a CPU that can no longer finish is
// reported even while others still run (a partial hang) or loop (a
// livelock), with the shortest trace to where it is settled, reduced and
// full alike; a loop that still has a way out is not a hang. State counts
// are regression pins (full, reduced).

import { describe, expect, it } from "vitest";
import type { Analysis } from "../../server/src/analysis";
import { run, summarize } from "../helpers";
import { fullAndReduced } from "./both";

function both(text: string): { full: Analysis; reduced: Analysis } {
  const x = fullAndReduced(text);
  expect(x.reduced.report!.stats.shortestTraces).toBe(true);
  return x;
}

// IPoIB's ipoib_reap_ah (commit 65936bf25f90) in miniature: B retries a
// trylock in a loop while A holds the lock waiting for B.
const TRYLOCK_LIVELOCK = `
  mutex rtnl
  var done = false
  var got = false
  cpu A { lock rtnl; wait until done; unlock rtnl }
  cpu B { while !got { if trylock rtnl { got = true } }
          done = true; unlock rtnl }
  expect safe`;

describe("livelock", () => {
  it("a trylock retry loop against a holder that waits for the looper is never called safe", () => {
    const { full, reduced } = both(TRYLOCK_LIVELOCK);
    expect(summarize(reduced)).toEqual(["hang [A,B] 1 steps"]);
    expect(reduced.met).toBe(false);
    const p = reduced.report!.problems[0]!;
    expect(p.form).toBe("livelock");
    expect(p.title).toBe("livelock: A and B can never finish");
    expect(p.message).toContain("B loops for ever in the loop at 'while !got'");
    expect(p.trace.map((s) => `${s.cpu} ${s.action}`)).toEqual(["A lock rtnl"]);
    expect(p.sites.map((s) => [s.cpu, s.action, s.looping ?? false])).toEqual([
      ["A", "wait until done", false],
      ["B", "while !got", true],
    ]);
    // The loop that repeats: B tests its loop and fails the trylock, for ever.
    expect(p.loop!.cycle.map((s) => `${s.cpu} ${s.action}`)).toEqual(["B while !got → true", "B trylock rtnl → failed"]);
    expect([full.report!.stats.states, reduced.report!.stats.states]).toEqual([12, 5]);
  });

  it("the issue's own shape, with a local flag and the open-coded retry loop, is the same livelock", () => {
    for (const loop of ["var got = false\n while !got { if trylock rtnl { got = true } }", "while !trylock rtnl { }"]) {
      const { reduced } = both(`
        mutex rtnl
        var done = false
        cpu A { lock rtnl; wait until done; unlock rtnl }
        cpu B { ${loop}
                done = true; unlock rtnl }
        expect deadlock`);
      expect(summarize(reduced)).toEqual(["hang [A,B] 1 steps"]);
      expect(reduced.report!.problems[0]!.form).toBe("livelock");
      expect([reduced.verdict, reduced.met]).toEqual(["hang", true]);
    }
  });

  it("a retry loop that can still get the lock is no hang (no unfair scheduler)", () => {
    const { reduced } = both(`
      mutex L
      var got = false
      var x = 0
      cpu A { lock L; x = 1; unlock L }
      cpu B { while !got { if trylock L { got = true } } unlock L }`);
    expect(reduced.verdict).toBe("safe");
  });

  it("an either inside a loop is a way out, taken or not", () => {
    const { reduced } = both(`
      var done = false
      cpu A { while !done { either "finish" { done = true } or "again" { } } }`);
    expect(reduced.verdict).toBe("safe");
  });

  it("a CPU spinning alone for ever is stuck", () => {
    const { reduced } = both("var x = 0\ncpu A { while x == 0 { x = 0 } }");
    expect(summarize(reduced)).toEqual(["hang [A] 0 steps"]);
    expect(reduced.report!.problems[0]!.form).toBe("livelock");
  });
});

describe("partial hang", () => {
  it("one CPU waits for ever while another runs a long bounded loop", () => {
    const { full, reduced } = both(`
      var flag = false
      var i = 0
      cpu A { i = i; wait until flag }
      cpu B { while i < 40 { i = i + 1 } }`);
    // A's own first step brings it to the wait nobody can satisfy: stuck
    // there after 1 step, whatever B does (B's loop is not part of it).
    expect(summarize(reduced)).toEqual(["hang [A] 1 steps"]);
    const p = reduced.report!.problems[0]!;
    expect(p.form).toBe("partial");
    expect(p.title).toBe("task hung: A can never finish (other CPUs still run)");
    expect(p.trace.map((s) => s.cpu)).toEqual(["A"]);
    expect([full.report!.stats.states, reduced.report!.stats.states]).toEqual([164, 122]);
  });

  it("a wait that only a CPU stuck elsewhere could satisfy hangs once that CPU is stuck", () => {
    const { reduced } = both(`
      mutex m
      var released = false
      var n = 0
      cpu C0 { lock m; wait until released; unlock m }
      cpu C1 { n = 1; lock m; released = true; unlock m }
      cpu C2 { n = 2; n = 3; n = 4 }`);
    // C0 takes m and waits; C1 steps to its lock and blocks: both stuck, C2 runs on.
    expect(summarize(reduced)).toEqual(["hang [C0,C1] 2 steps"]);
  });
});

describe("precedence", () => {
  it("a CPU blocked behind a deadlock belongs to it: no hang of its own", () => {
    const { reduced } = both(`
      mutex A
      mutex B
      var go = false
      cpu C0 { lock A; go = true; lock B; unlock B; unlock A }
      cpu C1 { lock B; lock A; unlock A; unlock B }
      cpu C2 { wait until go; lock A; unlock A }
      expect deadlock`);
    expect(summarize(reduced)).toEqual(["deadlock [C0,C1] 3 steps"]);
  });

  it("a CPU waiting until a CPU behind a deadlock writes a flag belongs to it too", () => {
    const { reduced } = both(`
      mutex A
      mutex B
      var c2done = false
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock B; lock A; unlock A; unlock B }
      cpu C2 { lock B; unlock B; c2done = true }
      cpu C3 { wait until c2done }
      expect deadlock`);
    // C2 may be blocked behind the cycle on B; C3 then waits for a write only C2 makes.
    expect(summarize(reduced)).toEqual(["deadlock [C0,C1] 2 steps"]);
  });

  it("CPUs stuck before their cycle forms belong to the deadlock", () => {
    const { reduced } = both(`
      mutex A
      mutex B
      var x = 0
      cpu C0 { lock A; x = 1; x = 2; lock B; unlock B; unlock A }
      cpu C1 { lock B; x = 3; lock A; unlock A; unlock B }
      expect deadlock`);
    expect(summarize(reduced)).toEqual(["deadlock [C0,C1] 5 steps"]);
  });

  it("a lock leak: the waiter hangs and the leak is lock misuse", () => {
    const { reduced } = both("mutex m\ncpu C0 { lock m }\ncpu C1 { lock m; unlock m }");
    expect(summarize(reduced)).toEqual(["hang [C1] 1 steps", "lock-held-at-exit [C0] 1 steps"]);
  });
});

describe("budgets", () => {
  it("a search stopped early claims no partial hang, only what it saw", () => {
    const a = run(
      `var flag = false
       var i = 0
       cpu A { wait until flag }
       cpu B { while i < 100 { i = i + 1 } }
       cpu C { while i > -100 { i = i - 1 } }`,
      { maxStates: 30 },
    );
    expect(a.report!.stats.complete).toBe(false);
    expect(a.verdict).toBe("incomplete");
    expect(summarize(a)).toEqual([]);
  });
});

describe("an interrupt handler that never returns (§8, §10)", () => {
  it("is one problem wherever on its CPU it came in, with the shortest trace", () => {
    const { reduced } = both(`
      var stop = false
      var x = 0
      irq h on C0 { while !stop { } }
      cpu C0 { x = 1; x = 2; x = 3 }
      expect deadlock`);
    // h can fire before each of C0's three steps, and C0 then never moves
    // again: the same hang, worded the same, whatever the point (the irq
    // differential's seed 11 reported 146 livelocks over 4 sets of threads).
    expect(summarize(reduced)).toEqual(["hang [C0,h] 1 steps"]);
  });
});

describe("precedence (§8): a thread only a deadlock could let finish belongs to that deadlock", () => {
  it("a kthread polling kthread_should_stop() whose only stopper is deadlocked is not a livelock of its own", () => {
    const { reduced } = both(`
      mutex m
      mutex n
      kthread poller { while !kthread_should_stop() { } }
      cpu A { lock m; lock n; unlock n; unlock m }
      cpu B { kthread_run poller; lock n; lock m; unlock m; unlock n; kthread_stop poller }
      expect deadlock`);
    // The AB-BA deadlock of A and B; poller spins for ever, but only B would stop it.
    expect(summarize(reduced)).toEqual(["deadlock [A,B] 3 steps"]);
  });

  it("a loop no deadlocked thread could end is still its own livelock", () => {
    const { reduced } = both(`
      mutex m
      var spin = true
      cpu A { lock m; wait until false; unlock m }
      cpu B { lock m; unlock m }
      cpu C { while spin { } }
      expect deadlock`);
    expect(summarize(reduced)).toEqual(["hang [A,B] 1 steps", "hang [C] 0 steps"]);
  });

  it("a poller that a live thread could also have stopped is its own livelock, even beside a deadlock", () => {
    const { reduced } = both(`
      mutex m
      mutex n
      var running = false
      kthread poller { while !kthread_should_stop() { } }
      cpu A { lock m; lock n; unlock n; unlock m }
      cpu B { kthread_run poller; running = true; lock n; lock m; unlock m; unlock n }
      cpu C { wait until running; either "stop" { kthread_stop poller } or "leave" { } }
      expect deadlock`);
    // C, in no deadlock, may leave the poller spinning: that is a livelock of
    // its own, not part of A and B's (differential seed 13).
    expect(summarize(reduced)).toEqual(["deadlock [A,B] 4 steps", "hang [poller] 6 steps"]);
  });
});


describe("precedence (§8) needs a thread that may affect the stuck one", () => {
  it("a handler no other thread can affect hangs at once, whatever deadlock is still reachable elsewhere", () => {
    // d1 waits for a `c` nobody writes; d0 may deadlock on itself (`lock m`
    // twice) until t1 sets b. Nothing d1 does or waits for meets d0 or t1,
    // so that deadlock does not claim d1's hang: it shows once d1 fires.
    // It did only where the deadlock was out of reach (an empty set of
    // threads that may affect d1 counted as all deadlocked): 3 steps in the
    // full search (t1 fires, b = 2, d1 fires), 5 in the reduced one, whose
    // second search never let t1 into its stubborn sets.
    const { full, reduced } = both(`
      spinlock m
      var b = 0
      var c = 0
      cpu C { }
      cpu X { }
      cpu Y { }
      irq t0 on C { }
      irq d0 on X {
        wait until b <= 0
        lock m
        lock m
      }
      irq t1 on C { b = 2 }
      softirq d1 on Y { wait until c == 1 }
      expect deadlock`);
    expect(summarize(reduced)).toEqual(["deadlock [d0] 3 steps", "hang [d0] 4 steps", "hang [d1] 1 steps"]);
    const hang = full.report!.problems[2]!;
    expect(hang.title).toBe("task hung: d1 can never finish (other CPUs still run)");
    expect(hang.trace.map((s) => `${s.cpu} ${s.action}`)).toEqual(["d1 <Interrupt> d1"]);
  });
});

describe("a hang whose threads include one that never stops", () => {
  it("ends where its keys first hold, at the same distance in the reduced search", () => {
    // Y livelocks once d1's `c = 0` follows t2's write. The threads whose
    // code meets Y's (t2 and t1 share C; t1 writes the `a` d0 loops on)
    // include d0, which loops for ever on X: no state has them all stopped,
    // so the trace ends where Y's livelock first holds (3 steps). The
    // second reduced search steered towards stopping d0, which never
    // stops, and reached it a step later without proving it shortest.
    const { reduced } = both(`
      var a = 0
      var b = 0
      var c = 0
      cpu C { }
      cpu X { if b <= 0 { } }
      cpu Y { while c == 0 { } }
      softirq d1 on Y { c = 0 }
      softirq d0 on X { while a == 0 { } }
      irq t2 on C { c = c + 126 }
      irq t1 on C { a = 0 }
      irq t0 on C { }
      expect deadlock`);
    expect(summarize(reduced)).toEqual(["hang [X,d0] 9 steps", "hang [Y] 3 steps"]);
    expect(reduced.report!.problems[1]!.form).toBe("livelock");
  });
});

describe("a livelock's way into its loop", () => {
  it("has no step of a thread that never touches what the looping ones do: reduced and full show the same (found trying the product as a new user)", () => {
    // The reduced graph expands C1 first (the smaller stubborn set of two
    // independent CPUs) and meets C0's loop only after 'x = 1'; the full
    // one meets it at once. That step has nothing to do with the loop.
    const { full, reduced } = both(`
      var x = 0
      cpu C0 { while true { } }
      cpu C1 { x = 1 }`);
    for (const a of [full, reduced]) {
      const p = a.report!.problems[0]!;
      expect(p.form).toBe("livelock");
      expect(p.trace).toEqual([]);
      expect(p.loop!.prefix).toEqual([]);
      expect(p.loop!.cycle.map((s) => `${s.cpu} ${s.action}`)).toEqual(["C0 while true → true"]);
    }
  });

  it("goes round the looping thread's own loop, not another thread's in the same part of the graph, and replays (found by review)", () => {
    const { full, reduced } = both(`
      var x = 0
      cpu C0 { while true { } }
      cpu C1 { x = 1; while true { } }`);
    for (const a of [full, reduced]) {
      const byCpu = new Map(a.report!.problems.map((p) => [p.cpus.join(","), p]));
      expect(byCpu.get("C0")!.loop!.cycle.map((s) => `${s.cpu} ${s.action}`)).toEqual(["C0 while true → true"]);
      expect(byCpu.get("C1")!.loop!.cycle.map((s) => `${s.cpu} ${s.action}`)).toEqual(["C1 while true → true"]);
      expect([...byCpu.get("C1")!.trace, ...byCpu.get("C1")!.loop!.prefix].map((s) => `${s.cpu} ${s.action}`)).toEqual(["C1 x = 1"]);
    }
  });

  it("keeps the steps of a thread the looping one interacts with", () => {
    const { full, reduced } = both(`
      var x = 0
      cpu C0 { while x == 0 { } while true { } }
      cpu C1 { x = 1 }`);
    for (const a of [full, reduced]) {
      const p = a.report!.problems.find((q) => q.form === "livelock")!;
      expect([...p.trace, ...p.loop!.prefix, ...p.loop!.cycle].some((s) => s.cpu === "C1")).toBe(true);
    }
  });
});
