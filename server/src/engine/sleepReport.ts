// Sleeping in atomic context, as the kernel's might_sleep() reports it
// ("BUG: sleeping function called from invalid context"): a statement whose
// op may sleep (OpSemantics.sleeps) that its thread reaches, in some
// explored state, where it cannot sleep — in an interrupt handler, holding
// a spinlock or an rwlock_t, with hardirqs or softirqs off, or inside an
// RCU read-side section (kernel/sched/core.c __might_resched(): a preempt
// count, irqs disabled, or an RCU nesting depth; non-PREEMPT_RT, where
// spinlock_t and rwlock_t spin). From the lock facts (search/facts.ts), which are the
// thread's own state at its arrival, so reduced and full searches say the
// same. A warning beside the verdict, not a problem: the kernel prints it
// and goes on, and the search goes on as the code would.

import type { Frame } from "./model";
import { lockClassNames, rcuLockClass, spins, type Model } from "./model";
import type { ExploreResult } from "./explore";
import type { Span } from "../language/span";
import { semantics } from "./primitives";
import { IrqSeen } from "./primitives/irq";

export interface SleepInAtomic {
  readonly cpu: string;
  readonly span: Span;
  readonly stack: readonly Frame[];
  readonly action: string;
  /** Why the thread cannot sleep there, in words ("holding spinlock s", "with hardirqs off", …). */
  readonly why: string;
}

export function sleepsInAtomic(model: Model, result: ExploreResult): SleepInAtomic[] {
  const { facts } = result;
  const names = lockClassNames(model);
  const w = facts.words;
  const rcu = rcuLockClass(model);
  const out: SleepInAtomic[] = [];
  model.cpus.forEach((cpu, c) => {
    cpu.code.forEach((ins, pc) => {
      const site = facts.siteBase[c]! + pc;
      if (!facts.reached[site] || !semantics(ins).sleeps?.(ins, model)) return;
      const held = (l: number): boolean => (facts.sometimes[site * w + (l >>> 5)]! & (1 << (l & 31))) !== 0;
      const spinning = model.locks.findIndex((l, i) => spins(l.kind) && held(i));
      const seen = facts.irqSeen.length > 0 ? facts.irqSeen[site]! : 0;
      const why =
        cpu.kind === "irq"
          ? "in a hardirq handler"
          : cpu.kind === "softirq"
            ? "in a softirq handler"
            : spinning >= 0
              ? `holding ${model.locks[spinning]!.kind === "rwlock" ? "rwlock_t" : "spinlock"} ${names[spinning]}`
              : seen & IrqSeen.HardOff
                ? "with hardirqs off"
                : seen & IrqSeen.SoftOff
                  ? "with softirqs off"
                  : rcu !== undefined && held(rcu)
                    ? "inside an RCU read-side section"
                    : undefined;
      // A function called twice in one thread is one statement twice over: one warning.
      if (why && !out.some((o) => o.span.start === ins.span.start && o.span.end === ins.span.end && o.cpu === cpu.name && o.why === why)) out.push({ cpu: cpu.name, span: ins.span, stack: ins.stack, action: ins.text, why });
    });
  });
  return out;
}
