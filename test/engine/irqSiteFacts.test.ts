// A statement's interrupt state per thread (SiteFacts.irq, the hover's
// "hardirqs on · softirqs off in task context"): what local_irq_* and
// local_bh_* and the lock forms leave at each statement, "on or off" where
// paths join, a handler's own context, a function run by a task and by a
// handler; and lockdep's irq usage per lock (EngineReport.irqUsage). Each
// scenario is checked reduced against full (test/observable.ts compares
// these facts too).

import { describe, expect, it } from "vitest";
import type { Analysis } from "../../server/src/analysis";
import { run } from "../helpers";
import { observable } from "../observable";

function both(text: string): Analysis {
  const full = run(text, { reduce: false });
  expect(full.frontEnd.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const reduced = run(text);
  expect(observable(reduced)).toEqual(observable(full));
  return reduced;
}

/** Per statement of `thread` (its compiled text, in code order): the context and interrupt state there. */
function states(a: Analysis, thread: string): string[] {
  return a.report!.lockFacts.filter((f) => f.cpu === thread).map((f) => `${f.action}: ${f.irq ? `${f.irq.context}${f.irq.on ? ` on ${f.irq.on}` : ""}, hardirqs ${f.irq.hardirqs}, softirqs ${f.irq.softirqs}` : "-"}`);
}

describe("the interrupt state at each statement", () => {
  it("lock_irqsave turns hardirqs off before the lock is taken; unlock_irqrestore puts them back", () => {
    const a = both("spinlock L\nirq h on C { lock L; unlock L }\ncpu C { lock_irqsave L; unlock_irqrestore L; lock L; unlock L }\n");
    expect(states(a, "C")).toEqual([
      "local_irq_save (lock_irqsave L): task, hardirqs on, softirqs on",
      "lock L: task, hardirqs off, softirqs off",
      "unlock_irqrestore L: task, hardirqs off, softirqs off",
      "lock L: task, hardirqs on, softirqs on",
      "unlock L: task, hardirqs on, softirqs on",
    ]);
  });

  it("local_bh_disable turns softirqs off only; a nested local_irq_save under local_irq_disable restores 'off'", () => {
    const a = both("var x = 0\ncpu C { local_bh_disable; x = 1; local_bh_enable; local_irq_disable; local_irq_save; local_irq_restore; x = 2; local_irq_enable; x = 3 }\n");
    expect(states(a, "C")).toEqual([
      "local_bh_disable: task, hardirqs on, softirqs on",
      "x = 1: task, hardirqs on, softirqs off",
      "local_bh_enable: task, hardirqs on, softirqs off",
      "local_irq_disable: task, hardirqs on, softirqs on",
      "local_irq_save: task, hardirqs off, softirqs off",
      "local_irq_restore: task, hardirqs off, softirqs off",
      "x = 2: task, hardirqs off, softirqs off",
      "local_irq_enable: task, hardirqs off, softirqs off",
      "x = 3: task, hardirqs on, softirqs on",
    ]);
  });

  it("where a path with interrupts off joins one with them on, it says 'on or off'", () => {
    const a = both("var d = 0\nvar x = 0\ncpu C { either { local_irq_disable; d = 1 } or { d = 2 } x = 2; if d == 1 { local_irq_enable } }\n");
    expect(a.verdict).toBe("safe");
    expect(states(a, "C").find((s) => s.startsWith("x = 2"))).toBe("x = 2: task, hardirqs on or off, softirqs on or off");
  });

  it("a handler runs in its own context on its CPU: a hardirq with both off, a softirq with softirqs off", () => {
    const a = both("spinlock L\nirq h on C { lock L; unlock L }\nsoftirq s on C { lock_irq L; unlock_irq L }\ncpu C { }\n");
    expect(states(a, "h").slice(1)).toEqual(["lock L: hardirq on C, hardirqs off, softirqs off", "unlock L: hardirq on C, hardirqs off, softirqs off"]);
    expect(states(a, "s").slice(1)).toEqual([
      "local_irq_disable (lock_irq L): softirq on C, hardirqs on, softirqs off",
      "lock L: softirq on C, hardirqs off, softirqs off",
      "unlock_irq L: softirq on C, hardirqs off, softirqs off",
    ]);
  });

  it("a function run by a task and by a handler has one line per thread, each in its own context", () => {
    const a = both("spinlock L\nfn f() { lock L; unlock L }\nirq h on C { f() }\ncpu C { local_irq_disable; f(); local_irq_enable }\ncpu D { f() }\n");
    const at = a.report!.lockFacts.filter((f) => f.action === "lock L").map((f) => `${f.cpu}: ${f.irq!.context}, hardirqs ${f.irq!.hardirqs}`);
    expect(at).toEqual(["C: task, hardirqs off", "D: task, hardirqs on", "h: hardirq, hardirqs off"]);
  });

  it("a scenario without handlers or interrupt state has no interrupt facts", () => {
    const a = both("mutex L\ncpu C { lock L; unlock L }\n");
    expect(a.report!.lockFacts.map((f) => f.irq)).toEqual([undefined, undefined]);
    expect(a.report!.irqUsage).toEqual([]);
  });
});

describe("lockdep's irq usage per lock", () => {
  it("a lock taken in a hardirq and with interrupts on in its task; one only ever held with them off has no usage", () => {
    const a = both("spinlock L\nspinlock M\nirq h on C { lock L; unlock L }\ncpu C { lock L; unlock L; lock_irq M; unlock_irq M }\n");
    expect(a.report!.irqUsage).toEqual([{ lock: "L", usage: ["IN-HARDIRQ-W", "HARDIRQ-ON-W", "SOFTIRQ-ON-W"] }]);
  });

  it("a reader in a softirq of an rwlock, a writer with softirqs off: IN-SOFTIRQ-R, HARDIRQ-ON-W", () => {
    const a = both("rwlock T\nsoftirq s on C { rlock T; runlock T }\ncpu C { lock_bh T; unlock_bh T }\n");
    expect(a.report!.irqUsage).toEqual([{ lock: "T", usage: ["IN-SOFTIRQ-R", "HARDIRQ-ON-W", "HARDIRQ-ON-R"] }]);
  });
});
