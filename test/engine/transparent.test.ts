// The reduction's two rules for interrupt handlers (docs/ARCHITECTURE.md
// "Reduction", Lipton's argument): a silent lock (every critical section of
// it an empty one in a hardirq handler) is left out of the conflicts, and a
// transparent hardirq handler (its body only assignments and silent
// sections) fires as one step carrying its body's accesses. Each scenario
// is checked full and reduced, which must report the same (test/
// observable.ts); the counts pin what the rules save.

import { describe, expect, it } from "vitest";
import type { Analysis } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { silentLocks, transparentHandlers } from "../../server/src/engine/reduce";
import { Layout } from "../../server/src/engine/state";
import { run } from "../helpers";
import { fullAndReduced } from "./both";

const states = (x: { full: Analysis; reduced: Analysis }): [number, number] => [x.full.report!.stats.states, x.reduced.report!.stats.states];
const found = (a: Analysis): string[] => a.report!.problems.map((p) => `${p.kind} (${p.trace.length} steps)`);

/** Which locks are silent and which threads transparent, by name. */
function rules(text: string): { silent: string[]; transparent: string[] } {
  const a = run(text);
  const model = compile(a.frontEnd.program.ast, a.frontEnd.checked.scope);
  const silent = silentLocks(model, new Layout(model));
  const transparent = transparentHandlers(model, silent);
  return {
    silent: model.locks.filter((_, i) => silent[i] === 1).map((l) => l.name),
    transparent: model.cpus.filter((_, i) => transparent[i] === 1).map((c) => c.name),
  };
}

function philosophersWithTicks(n: number): string {
  const lines = ["spinlock jiffies_lock", `mutex fork[${Array.from({ length: n }, (_, i) => `f${i}`).join(", ")}]`];
  for (let i = 0; i < n; i++) {
    lines.push(`irq tick${i} on P${i} { lock jiffies_lock; unlock jiffies_lock }`);
    lines.push(`cpu P${i} { lock fork[f${i}]; lock fork[f${(i + 1) % n}]; unlock fork[f${(i + 1) % n}]; unlock fork[f${i}] }`);
  }
  return lines.join("\n") + "\nexpect deadlock\n";
}

describe("which locks are silent and which handlers transparent", () => {
  it("a lock only ever taken and dropped at once in hardirq handlers is silent; their handlers are transparent", () => {
    expect(
      rules(`
        spinlock j
        var x = 0
        irq a on C { lock j; unlock j }
        irq b on D { x = 1; lock j; unlock j; x = 2 }
        cpu C { x = 3 }
        cpu D { x = 4 }`),
    ).toEqual({ silent: ["j"], transparent: ["a", "b"] });
  });

  it("not when a task takes it, a section holds anything, a softirq takes it, or it is tried or asked about", () => {
    const cases = [
      "irq a on C { lock j; unlock j }\ncpu C { lock j; unlock j }",
      "irq a on C { lock j; x = 1; unlock j }\ncpu C { x = 2 }",
      "softirq a on C { lock j; unlock j }\ncpu C { x = 2 }",
      "irq a on C { lock j; unlock j }\ncpu C { if trylock j { unlock j } }",
      "irq a on C { lock j; unlock j }\ncpu C { wait until !locked(j) }",
    ];
    for (const c of cases) expect(rules(`spinlock j\nvar x = 0\n${c}`).silent, c).toEqual([]);
  });

  it("a handler is not transparent when its body can wait, loop, branch or take a lock that is not silent", () => {
    const cases = [
      "irq a on C { lock m; unlock m }\ncpu C { lock m; unlock m }",
      "irq a on C { wait until x == 1 }\ncpu C { x = 1 }",
      "irq a on C { while x < 2 { x = x + 1 } }\ncpu C { x = 1 }",
      "irq a on C { if x == 1 { x = 2 } }\ncpu C { x = 1 }",
      "softirq a on C { x = 1 }\ncpu C { x = 2 }",
    ];
    for (const c of cases) expect(rules(`spinlock m\nvar x = 0\n${c}`).transparent, c).toEqual([]);
  });
});

describe("the reduction with transparent handlers reports what the full search does", () => {
  it("a handler's write seen by its own task: both orders stay (the violation is found)", () => {
    const x = fullAndReduced(`
      var x = 0
      var seen = 0
      irq h on C { x = 1 }
      cpu C { seen = x; assert seen == 0 "h fired first" }`);
    expect(found(x.reduced)).toEqual(["violation (4 steps)"]);
    expect(states(x)).toEqual([11, 4]);
  });

  it("a handler's write seen by another CPU, and two handlers of one CPU in either order", () => {
    const x = fullAndReduced(`
      var a = 0
      var b = 0
      irq h1 on C { a = 1 }
      irq h2 on C { b = a }
      cpu C { a = a }
      cpu D { assert b == 0 "h2 saw h1" }`);
    expect(found(x.reduced)).toEqual(["violation (5 steps)"]);
    // (20 before D stopped at its assert packed as D finished: Packer.endsAlike.)
    expect(states(x)).toEqual([38, 19]);
  });

  it("a handler cannot fire inside its task's irq-off section, silent lock or not", () => {
    const x = fullAndReduced(`
      spinlock j
      var x = 0
      var y = 0
      irq h on C { lock j; x = 1; unlock j }
      irq g on D { lock j; unlock j }
      cpu C { local_irq_disable; x = 2; assert x == 2 "h fired with irqs off"; local_irq_enable }
      cpu D { y = 3 }
      expect safe`);
    expect(x.reduced.verdict).toBe("safe");
    expect(states(x)).toEqual([128, 9]);
  });

  it("a handler waiting for its task's lock is still the deadlock it is (the lock is not silent)", () => {
    const x = fullAndReduced(`
      spinlock j
      irq h on C { lock j; unlock j }
      irq g on D { lock j; unlock j }
      cpu C { lock j; unlock j }
      cpu D { lock j; unlock j }
      expect deadlock`);
    expect(found(x.reduced)).toEqual(["deadlock (2 steps)", "deadlock (2 steps)"]);
    expect(states(x)).toEqual([96, 39]);
  });

  it("the philosophers with a timer tick per CPU: the ring's deadlock in N steps, the ticks firing once at the start", () => {
    const x = fullAndReduced(philosophersWithTicks(4));
    expect(found(x.reduced)).toEqual(["deadlock (4 steps)"]);
    expect(states(x)).toEqual([73_899, 28]);
  });
});

// Found by review (adversarial scenarios beside the differential's): with
// two transparent hardirqs on one CPU, the one kept out while the other
// runs had no enabler in the stubborn sets (both only read the CPU's
// context), so an observer on another CPU could run before it ever fired.
// The idle handler's enabler is now the handler on top of its CPU
// (startIrqOp.idleEnablers).
describe("two transparent handlers on one CPU, and a thread elsewhere that sees what the later one writes", () => {
  const pair = "var a = 0\nvar b = 0\nirq h2 on C { b = 1 }\nirq h1 on C { a = 1 }\ncpu C { }\ncpu X { }\n";

  it("an assert that fails only after h2 fired: found reduced as full", () => {
    const x = fullAndReduced(pair + 'irq d on X { assert b == 0 "h2 fired before d" }\nexpect violation\n');
    expect(found(x.reduced)).toEqual(["violation (4 steps)"]);
    expect(states(x)).toEqual([27, 6]);
  });

  it("a wait that can never pass once h2 fired: the hang is found", () => {
    const x = fullAndReduced(pair + "irq d on X { wait until b == 0 }\n");
    expect(found(x.reduced)).toEqual(["hang (5 steps)"]);
  });

  it("a deadlock only after h2 fired (a softirq taking a spinlock twice): found", () => {
    const x = fullAndReduced(pair + "spinlock m\nsoftirq d on X { if b == 1 { lock m; lock m; unlock m; unlock m } }\n");
    expect(found(x.reduced)).toEqual(["deadlock (5 steps)"]);
  });

  it("an overflow in the third handler of a CPU has its shortest trace", () => {
    const x = fullAndReduced(`
      var a = 0
      var b = 0
      var c = 0
      cpu C { }
      cpu X { assert b != 1 "A74" }
      irq d0 on C { a = 1 }
      irq t1 on C { a = a + 1; c = c + 126 }
      irq t0 on C { a = a + 126 }`);
    expect(found(x.reduced).filter((f) => f.startsWith("overflow"))).toEqual(["overflow (6 steps)", "overflow (7 steps)"]);
  });

  it("every statement the full search reaches is reached (coverage), with the same interrupt state", () => {
    const x = fullAndReduced(`
      spinlock j
      var a = 0
      var c = 0
      cpu C1 { }
      irq h1 on C0 { a = 2; a = a + 1; c = a }
      cpu C0 { }
      irq h0 on C0 { lock j; unlock j }
      irq h2 on C1 {
        either { a = c } or { c = 2 }
        local_bh_disable
        assert a != 0 "A87"
        local_bh_enable
      }`);
    expect(x.reduced.coverage).toEqual(x.full.coverage);
    expect(x.full.coverage!.unreached).toEqual([]);
  });
});

