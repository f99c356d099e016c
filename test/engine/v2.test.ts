// The engine side of design v2 §7: expectation lists and the `hang`
// verdict, rtrylock, trylock conditions of if/while, either labels in
// traces, local variables (one per CPU and call instance; a step only in a
// loop or a work item's body). Each scenario is also checked reduced against full: the reduction
// must not see the difference.

import { describe, expect, it } from "vitest";
import type { Analysis } from "../../server/src/analysis";
import { run, summarize } from "../helpers";
import { fullAndReduced } from "./both";

/** Full and reduced searches agree; returns the reduced (default) analysis. */
const both = (text: string): Analysis => fullAndReduced(text).reduced;

const actions = (a: Analysis, i = 0): string[] => a.report!.problems[i]!.trace.map((s) => `${s.cpu}: ${s.action}`);

describe("expectation lists", () => {
  const leak = "mutex m\ncpu A { lock m }\ncpu B { lock m; unlock m }\n";

  it("a lock leak shows a hang and a lock held at exit: expect deadlock, misuse is met", () => {
    const a = both(leak + "expect deadlock, misuse");
    expect(summarize(a)).toEqual(["hang [B] 1 steps", "lock-held-at-exit [A] 1 steps"]);
    expect(a.verdict).toBe("hang");
    expect(a.met).toBe(true);
    expect(a.findings.map((f) => f.expected)).toEqual([true, true]);
    expect(a.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("something unlisted found is not met, and is an error", () => {
    const a = run(leak + "expect deadlock");
    expect(a.met).toBe(false);
    expect(a.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual(["RACE104"]);
  });

  it("a listed kind not found is not met; the message names what is missing", () => {
    const a = run("mutex m\ncpu A { lock m; unlock m }\ncpu B { lock m; unlock m; unlock m }\nexpect violation, misuse");
    expect(a.met).toBe(false);
    const d = a.diagnostics.find((x) => x.code === "RACE106")!;
    expect(d.message).toMatch(/^Expected violation, misuse, but no failed assert was found in any of the \d+ reachable states\.$/);
  });

  it("the verdict is the worst kind found: deadlock, hang, violation, misuse", () => {
    expect(run("mutex a\nmutex b\ncpu A { lock a; lock b }\ncpu B { lock b; lock a }").verdict).toBe("deadlock");
    expect(run("var go = false\ncpu A { wait until go }").verdict).toBe("hang");
    expect(run("var x = 0\ncpu A { x = 1; assert x == 0 }\ncpu B { x = 100; x = x + 100 }").verdict).toBe("violation");
    expect(run("var x = 0\ncpu A { x = 100; x = x + 100 }").verdict).toBe("misuse");
  });
});

describe("rtrylock", () => {
  it("succeeds beside other readers and fails under a writer", () => {
    const a = both(`
      rwsem s
      var got = 0
      cpu R { rlock s; runlock s }
      cpu T { if rtrylock s { got = 1; runlock s } else { got = 2 } }
      cpu W { lock s; unlock s }`);
    expect(a.verdict).toBe("safe");
    const seen = new Set(a.report!.lockFacts.filter((f) => f.cpu === "T").map((f) => f.action));
    expect(seen).toEqual(new Set(["rtrylock s", "got = 1", "runlock s", "got = 2"]));
  });

  it("fails while a writer is queued behind a reader, exactly when rlock would block", () => {
    // R reads; W queues (s is held); T's rtrylock then fails, as its rlock would wait.
    const a = both(`
      rwsem s
      cpu R { rlock s; runlock s }
      cpu W { lock s; unlock s }
      cpu T { if rtrylock s { runlock s } else { assert false "read-trylock failed" } }
      expect violation`);
    expect(actions(a)).toEqual(["R: rlock s", "T: rtrylock s → failed", "T: assert false → FAILED"]);
    const held = run(`
      rwsem s
      cpu W { lock s; unlock s }
      cpu T { if rtrylock s { assert false "read side taken"; runlock s } }
      expect violation`);
    expect(actions(held)).toEqual(["T: rtrylock s → acquired (read)", "T: assert false → FAILED"]);
  });

  it("the read side it takes must be released", () => {
    const a = both("rwsem s\ncpu T { if rtrylock s { } }\nexpect misuse");
    expect(summarize(a)).toEqual(["lock-held-at-exit [T] 1 steps"]);
  });

  it("adds no lock-order edge", () => {
    const a = both("mutex m\nrwsem s\ncpu A { lock m; if rtrylock s { runlock s } unlock m }\ncpu B { lock s; lock m; unlock m; unlock s }");
    expect(a.report!.lockGraph.edges.map((e) => `${e.from}>${e.to}`)).toEqual(["s>m"]);
    expect(a.verdict).toBe("safe");
  });
});

describe("trylock conditions", () => {
  it("while !trylock retries until the holder lets go", () => {
    const a = both("mutex rtnl\nvar n = 0\ncpu A { while !trylock rtnl { n = 1 } unlock rtnl }\ncpu B { lock rtnl; unlock rtnl }");
    expect(a.verdict).toBe("safe");
  });

  it("while !trylock against a holder that waits for the looper is a livelock, which expect deadlock meets", () => {
    const a = both("mutex rtnl\nvar done = false\ncpu A { while !trylock rtnl { } done = true; unlock rtnl }\ncpu B { lock rtnl; wait until done; unlock rtnl }\nexpect deadlock");
    expect(summarize(a)).toEqual(["hang [A,B] 1 steps"]);
    expect(a.report!.problems[0]!.form).toBe("livelock");
    expect(a.verdict).toBe("hang");
    expect(a.met).toBe(true);
  });

  it("if !trylock runs its then-branch when the lock is taken elsewhere", () => {
    const a = both(`
      mutex m
      cpu H { lock m; unlock m }
      cpu T { if !trylock m { assert false "busy" } else { unlock m } }
      expect violation`);
    expect(actions(a)).toEqual(["H: lock m", "T: trylock m → failed", "T: assert false → FAILED"]);
  });

  it("while trylock loops while it gets the lock", () => {
    const a = both("mutex m\nvar n = 0\ncpu T { while trylock m { unlock m; n = n + 1; if n == 3 { return } } }\nexpect safe");
    expect(a.met).toBe(true);
  });

  it("a trylock taking a recursive mutex past depth 255 is an overflow, as `lock` is (found by review: the depth wrapped to 0)", () => {
    const a = both(`
      recursive mutex R
      cpu A { while true { if trylock R { } } }
      expect misuse`);
    // 256 rounds of the condition and the trylock; the 256th trylock overflows.
    expect(summarize(a)).toEqual(["overflow [A] 512 steps"]);
    expect(actions(a).at(-1)).toBe("A: trylock R → overflow");
    expect(a.report!.problems[0]!.message).toBe("Integer overflow on A: 'trylock R' takes the depth of R past 255.");
    expect(a.met).toBe(true);
  });

  it("a trylock whose branches meet still says it acquired", () => {
    const a = both("mutex m\ncpu T { if trylock m { } }\nexpect misuse");
    expect(actions(a)).toEqual(["T: trylock m → acquired"]);
  });
});

describe("either labels in traces", () => {
  it("name the branch by its label, or by position and line", () => {
    const text = 'var x = 0\ncpu C {\n  either "kzalloc fails" { x = 1 }\n  or { x = 2 }\n  assert x == 0 "x set"\n}\nexpect violation';
    const a = both(text);
    const traces = a.report!.problems.map((p) => p.trace[0]!.action);
    expect(traces).toEqual(['either → "kzalloc fails"']);
    const other = run(text.replace('"kzalloc fails" ', ""));
    expect(other.report!.problems[0]!.trace[0]!.action).toBe("either → branch 1 of 2 (line 3)");
    expect(a.model!.cpus[0]!.code[0]).toMatchObject({ op: "either", labels: ["kzalloc fails", undefined] });
  });
});

describe("local variables", () => {
  it("one per CPU and per call expansion, named for traces", () => {
    const a = both(`
      fn f() { var got = 0; got = got + 1; assert got == 1 }
      cpu A { var got = true; f(); f(); got = false; assert got "A.got stays true" }
      cpu B { var got = 5; f() }
      expect violation`);
    expect(a.model!.vars.map((v) => `${v.name}=${v.init}`)).toEqual(["A.got=1", "A:f#1.got=0", "A:f#2.got=0", "B.got=5", "B:f#1.got=0"]);
    expect(a.report!.problems[0]!.trace.map((s) => JSON.stringify(s.changed))).toEqual(['{"A:f#1.got":1}', "{}", '{"A:f#2.got":1}', "{}", '{"A.got":false}', "{}"]);
  });

  it("outside loops the declaration is no step; inside a loop each iteration starts it afresh", () => {
    const a = both(`
      cpu A {
        var i = 0
        while i < 2 { var j = 5; j = j + i; i = i + 1; assert j == 5 "j starts at 5 each time" }
      }
      expect violation`);
    expect(actions(a)).toEqual(["A: while i < 2 → true", "A: var j = 5", "A: j = j + i", "A: i = i + 1", "A: assert j == 5", "A: while i < 2 → true", "A: var j = 5", "A: j = j + i", "A: i = i + 1", "A: assert j == 5 → FAILED"]);
  });

  it("a work item's body runs each time the item is queued: its locals start afresh each time, a step", () => {
    const safe = both(`
      workqueue events
      var runs = 0
      work W on events { var got = 0; assert got == 0; got = 1; runs = runs + 1 }
      cpu C0 { queue_work W; wait until runs == 1; queue_work W }
      expect safe`);
    expect(safe.verdict).toBe("safe");
    expect(safe.met).toBe(true);
    // The declaration is a step of each run (a deadlock shows the trace).
    const twice = both(`
      workqueue events
      mutex m
      var runs = 0
      work W on events { var got = 0; got = 1; runs = runs + 1; if runs == 2 { lock m; lock m } }
      cpu C0 { queue_work W; wait until runs == 1; queue_work W }
      expect deadlock`);
    expect(actions(twice).filter((a) => a.startsWith("W: var got"))).toEqual(["W: var got = 0", "W: var got = 0"]);
  });

  it("a second local of one name in one instance gets a suffix", () => {
    const a = both("cpu A { if true { var t = 1; assert t == 1 } else { var t = 2; assert t == 2 } }");
    expect(a.model!.vars.map((v) => v.name)).toEqual(["A.t", "A.t#2"]);
  });

  it("are touched by one CPU only: the reduction takes their steps alone", () => {
    const full = run("mutex m\ncpu A { var n = 0; n = 1; n = 2; n = 3; lock m; unlock m }\ncpu B { var n = 0; n = 1; n = 2; n = 3; lock m; unlock m }", { reduce: false });
    const reduced = run("mutex m\ncpu A { var n = 0; n = 1; n = 2; n = 3; lock m; unlock m }\ncpu B { var n = 0; n = 1; n = 2; n = 3; lock m; unlock m }");
    expect(reduced.report!.stats.states).toBeLessThan(full.report!.stats.states);
  });
});
