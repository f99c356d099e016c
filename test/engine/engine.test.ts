// Engine rules, one scenario each: verdict, problems (kind, CPUs, shortest
// trace length) and, where the count can be worked out by hand, the exact
// number of reachable states. Counts derived by hand say how in a comment;
// the others are regression pins.

import { describe, expect, it } from "vitest";
import { philosophers } from "../../bench/generate";
import { run, summarize } from "../helpers";

/** `states` is the full search's count; the default (reduced) search must report the same. */
function outcome(text: string): { verdict: string; met: boolean; problems: string[]; states: number } {
  const a = run(text, { reduce: false });
  expect(a.frontEnd.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const o = { verdict: a.verdict, met: a.met, problems: summarize(a) };
  const reduced = run(text);
  expect({ verdict: reduced.verdict, met: reduced.met, problems: summarize(reduced) }).toEqual(o);
  return { ...o, states: a.report!.stats.states };
}

describe("mutex", () => {
  it("AB/BA deadlocks after a 2-step trace; 19 reachable states", () => {
    // Positions 0..4 per CPU: 25 pairs, 5 break mutual exclusion, and (3,3)
    // is unreachable (each CPU must have held both locks to get there).
    const o = outcome(`
      mutex A
      mutex B
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock B; lock A; unlock A; unlock B }
      expect deadlock`);
    expect(o).toEqual({ verdict: "deadlock", met: true, problems: ["deadlock [C0,C1] 2 steps"], states: 19 });
  });

  it("the same order everywhere is safe", () => {
    const o = outcome(`
      mutex A
      mutex B
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock A; lock B; unlock B; unlock A }`);
    // 25 position pairs minus the 9 where both would hold A; all reachable.
    expect(o).toEqual({ verdict: "safe", met: true, problems: [], states: 16 });
  });

  it("taking a held mutex again is a self-deadlock found after 1 step", () => {
    const a = run("mutex m\ncpu C0 { lock m; lock m }\nexpect deadlock");
    expect(summarize(a)).toEqual(["deadlock [C0] 1 steps"]);
    expect(a.report!.problems[0]!.title).toBe("possible recursive locking detected");
  });

  it("spinlocks block like mutexes", () => {
    const o = outcome(`
      spinlock A
      spinlock B
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock B; lock A; unlock A; unlock B }
      expect deadlock`);
    expect(o.problems).toEqual(["deadlock [C0,C1] 2 steps"]);
    expect(o.states).toBe(19);
  });

  it("reports a cycle while a third CPU can still run", () => {
    const o = outcome(`
      mutex A
      mutex B
      var n = 0
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock B; lock A; unlock A; unlock B }
      cpu C2 { n = 1; n = 2; n = 3 }
      expect deadlock`);
    expect(o.problems).toEqual(["deadlock [C0,C1] 2 steps"]);
    expect(o.met).toBe(true);
  });

  it("finds every distinct deadlock of a 3-CPU scenario, each with its own shortest trace", () => {
    const o = outcome(`
      mutex A
      mutex B
      mutex C
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock B; lock A; unlock A; unlock B }
      cpu C2 { lock B; lock C; unlock C; unlock B }
      cpu C3 { lock C; lock B; unlock B; unlock C }
      expect deadlock`);
    expect(o.problems).toEqual(["deadlock [C0,C1] 2 steps", "deadlock [C2,C3] 2 steps"]);
  });

  it("the 5-philosopher ring deadlocks after 5 steps", () => {
    const o = outcome(philosophers(5, false));
    expect(o.problems).toEqual(["deadlock [P0,P1,P2,P3,P4] 5 steps"]);
    expect(o.states).toBe(1743); // regression pin
  });

  it("ordered philosophers are safe", () => {
    const o = outcome(philosophers(5, true));
    expect(o.verdict).toBe("safe");
    expect(o.met).toBe(true);
  });
});

describe("reports", () => {
  it("numbers held locks in the order they were taken, as lockdep does (#0 first)", () => {
    const a = run(`
      mutex A
      mutex B
      mutex C
      cpu C0 { lock C; lock A; lock B; unlock B; unlock A; unlock C }
      cpu C1 { lock B; lock C; unlock C; unlock B }
      expect deadlock`);
    const c0 = a.report!.problems[0]!.sites.find((x) => x.cpu === "C0")!;
    // Declared A, B, C; taken C, then A.
    expect(c0.holds.map((h) => h.lock)).toEqual(["C", "A"]);
  });
});

describe("recursive mutex", () => {
  it("lets the owner take it again and is free after as many unlocks", () => {
    const o = outcome(`
      recursive mutex r
      var inside = 0
      cpu C0 { lock r; lock r; unlock r; assert held(r); unlock r; assert !held(r) }
      cpu C1 { lock r; inside = 1; unlock r }`);
    expect(o.verdict).toBe("safe");
  });

  it("still excludes other CPUs while held at depth 2", () => {
    const o = outcome(`
      recursive mutex r
      var owner = 0
      cpu C0 { lock r; lock r; owner = 1; unlock r; assert owner == 1 "C1 got in at depth 1"; unlock r }
      cpu C1 { lock r; owner = 2; unlock r }`);
    expect(o.verdict).toBe("safe");
  });
});

describe("rwsem", () => {
  it("lets readers share it", () => {
    const o = outcome(`
      rwsem s
      var readers = 0
      cpu C0 { rlock s; readers = readers + 1; wait until readers == 2; runlock s }
      cpu C1 { rlock s; readers = readers + 1; wait until readers == 2; runlock s }`);
    expect(o.verdict).toBe("safe");
  });

  it("excludes readers while written", () => {
    const o = outcome(`
      rwsem s
      var writing = false
      cpu C0 { lock s; writing = true; writing = false; unlock s }
      cpu C1 { rlock s; assert !writing "read during write"; runlock s }`);
    expect(o.verdict).toBe("safe");
  });

  it("a recursive read deadlocks against a queued writer (fair rwsem) after 1 step", () => {
    const o = outcome(`
      rwsem s
      cpu R { rlock s; rlock s; runlock s; runlock s }
      cpu W { lock s; unlock s }
      expect deadlock`);
    // R reads; W queues (blocked, counts as waiting writer); R's second rlock waits behind W.
    expect(o.problems).toEqual(["deadlock [R,W] 1 steps"]);
  });

  it("the report names the queued writer a reader waits behind, and how each holds the lock", () => {
    const a = run(`
      rwsem s
      cpu R { rlock s; rlock s; runlock s; runlock s }
      cpu W { lock s; unlock s }
      expect deadlock`);
    const p = a.report!.problems[0]!;
    expect(p.message).toBe("Deadlock: R waits to read s behind the queued writer W (it is held for reading by R); W waits to write s, held for reading by R.");
    expect(p.sites.map((x) => [x.cpu, x.wants, x.heldMode, x.behind])).toEqual([
      ["R", "read", "read", ["W"]],
      ["W", "write", "read", []],
    ]);
    expect(p.sites[0]!.holds.map((h) => [h.lock, h.mode])).toEqual([["s", "read"]]);
    expect(p.trace[0]!.held).toEqual({ R: ["s (read)"], W: [] });
  });

  it("write-locking an rwsem held for reading by the same CPU deadlocks on itself", () => {
    expect(outcome("rwsem s\ncpu C0 { rlock s; lock s }\nexpect deadlock").problems).toEqual(["deadlock [C0] 1 steps"]);
  });
});

describe("trylock", () => {
  it("backs off instead of blocking: no lock-order edge, safe", () => {
    const a = run(`
      mutex A
      mutex B
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock B; if trylock A { unlock A } else { } unlock B }`);
    expect(a.verdict).toBe("safe");
    expect(a.report!.lockGraph.edges.map((e) => `${e.from}>${e.to}`)).toEqual(["A>B"]);
    expect(a.report!.lockGraph.inversions).toEqual([]);
  });

  it("fails on a mutex its own CPU holds, succeeds on a free one", () => {
    const o = outcome(`
      mutex m
      var got = false
      cpu C0 { lock m; if trylock m { got = true; unlock m } unlock m; assert !got; if trylock m { unlock m } else { assert false "free lock refused" } }`);
    expect(o.verdict).toBe("safe");
  });
});

describe("wait until, either, while, return", () => {
  it("wait until blocks until another CPU makes it true", () => {
    const o = outcome(`
      var ready = false
      var seen = 0
      cpu C0 { wait until ready; seen = 1 }
      cpu C1 { ready = true }`);
    // (C0 at wait|at seen|done) × (C1 before|after): C0 passes only after C1: 1 + 3 = 4.
    expect(o).toEqual({ verdict: "safe", met: true, problems: [], states: 4 });
  });

  it("a wait nobody satisfies is a hang", () => {
    const o = outcome("var ready = false\ncpu C0 { wait until ready }\nexpect deadlock");
    expect(o.problems).toEqual(["hang [C0] 0 steps"]);
    expect(o.met).toBe(true);
  });

  it("a lock whose owner finished is a hang (and a lock held at exit)", () => {
    const a = run("mutex m\ncpu C0 { lock m }\ncpu C1 { lock m; unlock m }");
    expect(summarize(a)).toEqual(["hang [C1] 1 steps", "lock-held-at-exit [C0] 1 steps"]);
    expect(a.met).toBe(false);
  });

  it("either explores every branch", () => {
    const o = outcome(`
      var x = 0
      cpu C0 { either { x = 1 } or { x = 2 } or { x = 3 } assert x != 3 "third branch" }
      expect violation`);
    expect(o.problems).toEqual(["violation [C0] 3 steps"]);
  });

  it("while loops on shared state and stays finite", () => {
    const o = outcome(`
      var n = 0
      cpu C0 { while n < 3 { n = n + 1 } assert n == 3 }`);
    // n=0..3 at the loop head (4) + n=0..2 at the body (3) + the assert (1) + done (1).
    expect(o).toEqual({ verdict: "safe", met: true, problems: [], states: 9 });
  });

  it("return leaves the function, not the CPU", () => {
    const o = outcome(`
      var a = 0
      fn f() { a = 1; return; a = 2 }
      cpu C0 { f(); assert a == 1; a = 3 }`);
    expect(o.verdict).toBe("safe");
  });

  it("return in a CPU block ends the CPU", () => {
    const o = outcome("var a = 0\ncpu C0 { a = 1; return; a = 2 }");
    expect(o.states).toBe(2);
  });
});

describe("violations and misuse", () => {
  it("a failed assert stops its CPU and reports the message", () => {
    const a = run(`
      var x = 0
      cpu C0 { x = 1; x = 0 }
      cpu C1 { assert x == 0 "x must stay 0" }
      expect violation`);
    expect(summarize(a)).toEqual(["violation [C1] 2 steps"]);
    expect(a.report!.problems[0]!.message).toContain('"x must stay 0"');
    expect(a.met).toBe(true);
  });

  it("bad unlock balance", () => {
    const a = run("mutex m\ncpu C0 { unlock m }");
    expect(summarize(a)).toEqual(["bad-unlock [C0] 1 steps"]);
    expect(a.verdict).toBe("misuse");
  });

  it("runlock without a read hold is a bad unlock", () => {
    expect(summarize(run("rwsem s\ncpu C0 { lock s; runlock s; unlock s }"))).toEqual(["bad-unlock [C0] 2 steps"]);
  });

  it("unlocking another CPU's mutex is a bad unlock", () => {
    const a = run("mutex m\ncpu C0 { lock m; wait until false }\ncpu C1 { unlock m }");
    expect(summarize(a)).toContain("bad-unlock [C1] 1 steps");
  });

  it("lock held at exit", () => {
    const a = run("mutex m\ncpu C0 { lock m }");
    expect(summarize(a)).toEqual(["lock-held-at-exit [C0] 1 steps"]);
  });

  it("integer overflow at the assignment", () => {
    const a = run("var n = 126\ncpu C0 { n = n + 1; n = n + 1 }");
    expect(summarize(a)).toEqual(["overflow [C0] 2 steps"]);
  });
});

describe("lock-order graph", () => {
  it("an AB/BA under a common outer lock is gated and not an error", () => {
    const a = run(`
      mutex outer
      mutex A
      mutex B
      cpu C0 { lock outer; lock A; lock B; unlock B; unlock A; unlock outer }
      cpu C1 { lock outer; lock B; lock A; unlock A; unlock B; unlock outer }`);
    expect(a.verdict).toBe("safe");
    expect(a.met).toBe(true);
    expect(a.report!.lockGraph.inversions).toMatchObject([{ locks: ["A", "B"], status: "gated", gate: ["outer"] }]);
    expect(a.diagnostics.filter((d) => d.code === "RACE107").map((d) => d.severity)).toEqual(["hint"]);
  });

  it("a lock both sides hold only for reading gates nothing: the AB/BA then deadlocks, confirmed (found once kernfs_remove_self kept its reference: kn->active gated v11's)", () => {
    // Both hold `outer` as readers at once, so it keeps neither out.
    const a = run(`
      rwsem outer
      mutex A
      mutex B
      cpu C0 { rlock outer; lock A; lock B; unlock B; unlock A; runlock outer }
      cpu C1 { rlock outer; lock B; lock A; unlock A; unlock B; runlock outer }
      expect deadlock`);
    expect(a.report!.lockGraph.inversions).toMatchObject([{ locks: ["A", "B"], status: "confirmed" }]);
    // Where no interleaving deadlocks (here A is taken only inside C0's sysfs block, ended before C1's), a read-held lock is no gate: unreached.
    const b = run(`
      kernfs kn
      mutex A
      mutex B
      var done = false
      cpu C0 { sysfs kn { lock A; lock B; unlock B; unlock A }; done = true }
      cpu C1 { wait until done; sysfs kn { lock B; lock A; unlock A; unlock B } }`);
    expect(b.verdict).toBe("safe");
    expect(b.report!.lockGraph.inversions).toMatchObject([{ locks: ["A", "B"], status: "unreached", gate: undefined }]);
  });

  it("an inversion that deadlocks is confirmed", () => {
    const a = run("mutex A\nmutex B\ncpu C0 { lock A; lock B; unlock B; unlock A }\ncpu C1 { lock B; lock A; unlock A; unlock B }");
    expect(a.report!.lockGraph.inversions).toMatchObject([{ locks: ["A", "B"], status: "confirmed" }]);
  });

  it("an inversion kept apart by shared state is unreached", () => {
    const a = run(`
      mutex A
      mutex B
      var turn = 0
      cpu C0 { lock A; lock B; unlock B; unlock A; turn = 1 }
      cpu C1 { wait until turn == 1; lock B; lock A; unlock A; unlock B }`);
    expect(a.verdict).toBe("safe");
    expect(a.report!.lockGraph.inversions).toMatchObject([{ locks: ["A", "B"], status: "unreached" }]);
  });

  it("an unreached cycle that extends a confirmed one says so instead of contradicting it", () => {
    const a = run(`
      mutex A
      mutex B
      mutex C
      var c2done = false
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock B; lock A; unlock A; unlock B }
      cpu C2 { lock B; lock C; unlock C; unlock B; c2done = true }
      cpu C3 { wait until c2done; lock C; lock A; unlock A; unlock C }
      expect deadlock`);
    expect(a.report!.lockGraph.inversions.map((i) => `${i.locks} ${i.status}`)).toEqual(["A,B confirmed", "A,B,C unreached"]);
    const note = a.diagnostics.find((d) => d.code === "RACE108")!;
    expect(note.message).toBe("Lock-order inversion A → B → C → A (lockdep would report it). It extends the cycle A → B → A, which does deadlock (reported); no interleaving deadlocks on this cycle itself.");
  });

  it("re-taking a held recursive mutex adds no edge", () => {
    const a = run("recursive mutex r\nmutex m\ncpu C0 { lock r; lock m; lock r; unlock r; unlock m; unlock r }");
    expect(a.report!.lockGraph.edges.map((e) => `${e.from}>${e.to}`)).toEqual(["r>m"]);
  });
});

describe("lock facts", () => {
  it("tells always-held from sometimes-held per CPU and call path", () => {
    const a = run(`
      mutex outer
      var x = 0
      fn work() { x = 1 }
      cpu C0 { lock outer; work(); unlock outer }
      cpu C1 { either { lock outer; work(); unlock outer } or { work() } }`);
    const facts = a.report!.lockFacts.filter((f) => f.action === "x = 1");
    expect(facts.map((f) => [f.cpu, f.always, f.sometimes])).toEqual([
      ["C0", ["outer"], []],
      ["C1", ["outer"], []],
      ["C1", [], []],
    ]);
  });
});

describe("bounds", () => {
  it("a search stopped by its state budget claims nothing", () => {
    const a = run(philosophers(6, true), { maxStates: 50 });
    expect(a.report!.stats.complete).toBe(false);
    expect(a.verdict).toBe("incomplete");
    expect(a.met).toBe(false);
    expect(a.diagnostics.map((d) => d.code)).toContain("RACE109");
  });

  it("cancellation stops the search", () => {
    let polls = 0;
    // ordered-20 takes 75,827 steps even reduced: the search polls.
    const a = run(philosophers(20, true), { isCancelled: () => ++polls > 1 });
    expect(a.report!.stats.stoppedBy).toBe("cancelled");
    expect(a.verdict).toBe("incomplete");
  });

  it("32 or more variables do not wedge the reduction's summaries (bit 31 of a word)", () => {
    // Regression: the future-summary fixpoint compared a signed int32 with
    // the unsigned stored word and never stopped once bit 31 was set.
    const vars = Array.from({ length: 33 }, (_, i) => `var v${i} = 0`).join("\n");
    const writes = Array.from({ length: 33 }, (_, i) => `v${i} = 1`).join("; ");
    const a = run(`${vars}\ncpu A { ${writes} }\ncpu B { v32 = 2 }`, { timeoutMs: 5000 });
    expect(a.report!.stats.complete).toBe(true);
    expect(a.verdict).toBe("safe");
  });

  it("a deadlock found before the budget still confirms expect deadlock", () => {
    // ring-7 has 34,527 states; its 7-step deadlock lies within the first
    // 20,000 of the full search (the reduced one needs only 1,000 in all).
    const a = run(philosophers(7, false), { maxStates: 20_000, reduce: false });
    expect(a.report!.stats.complete).toBe(false);
    expect(summarize(a)).toEqual(["deadlock [P0,P1,P2,P3,P4,P5,P6] 7 steps"]);
    expect(a.met).toBe(true);
  });
});

describe("expectations", () => {
  it("expect deadlock without one is an error on the expect line", () => {
    const text = "mutex m\ncpu C0 { lock m; unlock m }\nexpect deadlock";
    const a = run(text);
    expect(a.met).toBe(false);
    const d = a.diagnostics.find((x) => x.code === "RACE106")!;
    expect(text.slice(d.span.start, d.span.end)).toBe("expect deadlock");
  });

  it("expected findings are information, unexpected ones errors", () => {
    const a = run("mutex m\nvar x = 0\ncpu C0 { lock m; lock m }\ncpu C1 { unlock m }\nexpect deadlock");
    const byCode = Object.fromEntries(a.diagnostics.map((d) => [d.code, d.severity]));
    expect(byCode["RACE100"]).toBe("information");
    expect(byCode["RACE103"]).toBe("error");
    expect(a.met).toBe(false);
  });
});

describe("determinism", () => {
  it("the same input gives the same report", () => {
    const text = philosophers(6, false);
    const strip = (a: ReturnType<typeof run>): string => JSON.stringify({ ...a.report, stats: { ...a.report!.stats, ms: 0 } });
    expect(strip(run(text))).toBe(strip(run(text)));
  });
});

describe("a lock lockdep does not validate (`novalidate`: lockdep_set_novalidate_class(), the driver core's dev->mutex)", () => {
  const abba = (decl: string): string => `
      ${decl}
      mutex B
      cpu C0 { lock A; lock B; unlock B; unlock A }
      cpu C1 { lock B; lock A; unlock A; unlock B }
      expect deadlock`;

  it("deadlocks as it would otherwise, in the same states, but in no edge of lockdep's graph, and titled as a cycle lockdep cannot see", () => {
    const o = outcome(abba("mutex A novalidate"));
    expect(o).toEqual({ verdict: "deadlock", met: true, problems: ["deadlock [C0,C1] 2 steps"], states: 19 });
    const a = run(abba("mutex A novalidate"));
    expect(a.report!.lockGraph.edges).toEqual([]);
    expect(a.report!.lockGraph.inversions).toEqual([]);
    const p = a.report!.problems[0]!;
    expect(p.title).toBe("possible deadlock that lockdep cannot see");
    expect(p.sites.map((s) => s.lockdepBlind)).toEqual([undefined, "A is not validated (declared novalidate: lockdep_set_novalidate_class())"]);
    // Without the word: lockdep's cycle, as before.
    const plain = run(abba("mutex A"));
    expect(plain.report!.problems[0]!.title).toBe("possible circular locking dependency detected");
    expect(plain.report!.lockGraph.inversions.map((i) => i.status)).toEqual(["confirmed"]);
  });

  it("taken twice: recursive locking lockdep cannot see (check=0 skips its recursion check too)", () => {
    const a = run("mutex m novalidate\ncpu C0 { lock m; lock m }\nexpect deadlock");
    expect(summarize(a)).toEqual(["deadlock [C0] 1 steps"]);
    expect(a.report!.problems[0]!.title).toBe("possible recursive locking that lockdep cannot see");
  });

  it("marks no irq usage: no lockdep irq report, while the deadlock through the handler stays", () => {
    const text = (decl: string): string => `
      ${decl}
      irq h on C { lock l; unlock l }
      cpu C { lock l; unlock l }
      expect deadlock`;
    const a = run(text("spinlock l novalidate"));
    expect(summarize(a)).toEqual(["deadlock [C,h] 2 steps"]);
    expect(a.report!.irqReports).toEqual([]);
    expect(a.report!.irqUsage).toEqual([]);
    expect(run(text("spinlock l")).report!.irqReports.map((r) => r.status)).toEqual(["confirmed"]);
  });

  it("is a contextual word: parsed after a declaration and its instances, a name elsewhere", () => {
    for (const decl of ["mutex A novalidate", "mutex A[a, b] novalidate", "recursive mutex A novalidate", "rwsem A novalidate", "spinlock A novalidate", "rwlock A novalidate"]) {
      const a = run(`${decl}\nmutex novalidate\ncpu C0 { lock novalidate }`);
      expect(a.frontEnd.diagnostics.filter((d) => d.severity === "error").map((d) => d.message), decl).toEqual([]);
    }
    const twice = run("mutex A novalidate novalidate\ncpu C0 { }");
    expect(twice.frontEnd.diagnostics.some((d) => d.severity === "error")).toBe(true);
  });
});
