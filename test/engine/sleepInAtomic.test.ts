// Sleeping in atomic context (engine/sleepReport.ts): a statement that may
// sleep, reached where its thread cannot sleep, gets the kernel's
// might_sleep() warning (RACE122) beside the verdict, with the reason; the
// full and the reduced search give the same warnings.

import { describe, expect, it } from "vitest";
import type { Analysis } from "../../server/src/analysis";
import { fullAndReduced } from "./both";

/** The RACE122 warnings as "line:column text", the same from both searches. */
function warnings(text: string): string[] {
  const { full, reduced } = fullAndReduced(text);
  const of = (a: Analysis): string[] =>
    a.diagnostics.filter((d) => d.code === "RACE122").map((d) => {
      const before = text.slice(0, d.span.start);
      const line = before.split("\n").length;
      return `${line}: ${d.message}`;
    });
  expect(of(full)).toEqual(of(reduced));
  return of(reduced);
}

const BUG = `the kernel reports "BUG: sleeping function called from invalid context" (might_sleep()).`;

describe("sleeping in atomic context (might_sleep)", () => {
  it("a mutex taken holding a spinlock, or with hardirqs off, is reported with its reason; a spinlock under a spinlock, or a mutex after the unlock, is not", () => {
    expect(
      warnings(`scenario "s"
spinlock s
spinlock t
mutex m
cpu C0 { lock s; lock t; unlock t; lock m; unlock m; unlock s; lock m; unlock m }
cpu C1 { local_irq_disable; lock m; unlock m; local_irq_enable }
expect safe`),
    ).toEqual([`5: C0 may sleep in 'lock m' holding spinlock s: ${BUG}`, `6: C1 may sleep in 'lock m' with hardirqs off: ${BUG}`]);
  });

  it("an rwsem read holding an rwlock_t; a flush with softirqs off; a synchronize_rcu in an RCU section (a deadlock besides); a kthread_stop, a wait and a removal in a handler", () => {
    expect(
      warnings(`scenario "s"
rwlock r
rwsem sem
workqueue q
work w on q { }
completion done
kthread t { }
kernfs kn
cpu C0 { rlock r; rlock sem; runlock sem; runlock r }
cpu C1 { local_bh_disable; flush_work w; local_bh_enable }
cpu C2 { rcu_read_lock; synchronize_rcu; rcu_read_unlock }
irq h on C3 { kthread_stop t; wait_for_completion done; kernfs_remove kn }
cpu C3 { kthread_run t; complete done }
expect deadlock`),
    ).toEqual([
      `9: C0 may sleep in 'rlock sem' holding rwlock_t r: ${BUG}`,
      `10: C1 may sleep in 'flush_work w' with softirqs off: ${BUG}`,
      `11: C2 may sleep in 'synchronize_rcu' inside an RCU read-side section: ${BUG}`,
      `12: h may sleep in 'kthread_stop t' in a hardirq handler: ${BUG}`,
      `12: h may sleep in 'wait_for_completion done' in a hardirq handler: ${BUG}`,
      `12: h may sleep in 'kernfs_remove kn' in a hardirq handler: ${BUG}`,
    ]);
  });

  it("what does not sleep is not reported: trylock, queue_work, complete, an SRCU section's synchronize outside it, a sleep in an SRCU section", () => {
    expect(
      warnings(`scenario "s"
spinlock s
mutex m
srcu S
workqueue q
work w on q { }
completion done
cpu C0 { lock s; if trylock m { unlock m }; queue_work w; complete done; unlock s }
cpu C1 { srcu_read_lock S; lock m; unlock m; srcu_read_unlock S; synchronize_srcu S }
expect safe`),
    ).toEqual([]);
  });

  it("a function called twice in atomic context is one statement: one warning (found by review: one per call)", () => {
    expect(
      warnings(`scenario "s"
spinlock s
mutex m
fn f() { lock m; unlock m }
cpu C0 { lock s; f(); f(); unlock s }
expect safe`),
    ).toEqual([`4: C0 may sleep in 'lock m' holding spinlock s: ${BUG}`]);
  });

  it("a statement never reached in atomic context is not reported (the facts are of the explored states)", () => {
    expect(
      warnings(`scenario "s"
spinlock s
mutex m
var late = false
cpu C0 { if late { lock s; lock m; unlock m; unlock s } }
expect safe`),
    ).toEqual([]);
  });
});
