// Interrupt contexts (race-language.md §10) for the differential generator
// (generate.ts, flavour `irq`), in the shapes kernel code and lockdep's
// reports have them: `irq H on C { … }` and `softirq H on C { … }` handlers
// taking spinlocks and rwlocks (read side too) that tasks take as well,
// with every lock form (lock_irq/unlock_irq, lock_irqsave/
// unlock_irqrestore, lock_bh/unlock_bh, rlock_… on rwlocks) and the bare
// interrupt-state statements (local_irq_disable/enable, local_irq_save/
// restore, local_bh_disable/enable). Each handler is paired (its
// `protocol`) with a section of a lock it takes: on its own CPU's task, in
// a form that may or may not keep it out (plain: the textbook
// `lock(X); <Interrupt> lock(X)` deadlock; _irq or _irqsave: safe; _bh:
// safe from a softirq only), or on another CPU (lockdep's warning that no
// interleaving confirms, unless an inversion through it does). Random
// statements then nest forms and sections anywhere, so irq-off sections
// inside irq-off sections (omapdrm's early unlock_irq), inversions through
// handlers on several CPUs, and now and then a misuse: an enable with no
// disable, a lock form unlocked with another form, a section left open.

import type { Rng } from "./generate";
import type { Where } from "./kernel";

export interface IrqLock {
  readonly name: string;
  readonly kind: "spinlock" | "rwlock";
  readonly indexed: boolean;
}

export interface HandlerSpec {
  readonly name: string;
  readonly context: "irq" | "softirq";
  /** The index of the CPU (`C<cpu>`) it interrupts. */
  readonly cpu: number;
}


/** What the irq statements need from the generator around them. */
export interface IrqHelpers {
  /** `lock`'s name, with a random object (`[d]` inside a function) if it is indexed. */
  lockRef(lock: IrqLock, inFn: boolean): string;
  /** A random assignment. */
  assign(inFn: boolean): string;
  /** A nested block of statements (ordinary and irq ones). */
  block(depth: number, inFn: boolean, budget: number, where: Where): string[];
}

type Form = "" | "_irq" | "_irqsave" | "_bh";

/** The unlock form that undoes a lock form. */
const UNDO: Readonly<Record<Form, string>> = { "": "", _irq: "_irq", _irqsave: "_irqrestore", _bh: "_bh" };

/** The bare interrupt-state sections: what opens one, what closes it. */
const SECTIONS: readonly (readonly [string, string])[] = [
  ["local_irq_disable", "local_irq_enable"],
  ["local_irq_save", "local_irq_restore"],
  ["local_bh_disable", "local_bh_enable"],
];

export class Irq {
  readonly handlers: HandlerSpec[] = [];
  /** The handlers (by index) that are timer ticks. */
  private readonly tick = new Set<number>();

  constructor(
    private readonly r: Rng,
    readonly cpus: number,
    private readonly locks: readonly IrqLock[],
    /** Timer ticks among the hardirq handlers (Flavour.ticks). */
    private readonly ticks = false,
  ) {
    // One to three handlers, at most five threads in all: both searches (ours reduced and full, SPIN's three) stay small.
    const n = r.int(1, 5 - cpus);
    for (let i = 0; i < n; i++) this.handlers.push({ name: `h${i}`, context: r.chance(0.55) ? "irq" : "softirq", cpu: r.int(0, cpus - 1) });
  }

  /**
   * Per handler: the lock it takes (first in its body) and a section of that
   * lock on a task, in a form that decides whether the handler can
   * deadlock on it. Returns the statements to put first in each CPU's code
   * and in each handler's.
   */
  protocol(h: IrqHelpers): { cpus: string[][]; handlers: string[][] } {
    const r = this.r;
    const cpus: string[][] = Array.from({ length: this.cpus }, () => []);
    const handlers: string[][] = this.handlers.map((hd, i) => {
      if (this.ticks && hd.context === "irq" && r.chance(0.6)) {
        this.tick.add(i);
        // A tick: an empty section of the handlers' own lock, assignments around it (or only those).
        const section = ["lock tick_lock", "unlock tick_lock"];
        return r.pick([section, [h.assign(false), ...section], [...section, h.assign(false)], [h.assign(false)]]);
      }
      const l = r.pick(this.locks);
      const read = l.kind === "rwlock" && r.chance(0.45);
      // In a handler: mostly the plain form (interrupts are already off as far as they need be), sometimes _irqsave.
      const inHandler: Form = hd.context === "irq" ? (r.chance(0.2) ? "_irqsave" : "") : r.chance(0.15) ? "_irqsave" : r.chance(0.1) ? "_bh" : "";
      const name = h.lockRef(l, false);
      const body = [...this.lockLine(read, inHandler, name), `  ${h.assign(false)}`, this.unlockLine(read, inHandler, name)];
      // The task side: the handler's CPU (most often) or another one.
      const on = this.cpus > 1 && r.chance(0.25) ? r.int(0, this.cpus - 1) : hd.cpu;
      const taskRead = l.kind === "rwlock" && r.chance(0.4);
      const form = r.pick<Form>(["", "", "_irq", "_irqsave", "_bh"]);
      cpus[on]!.push(...this.lockLine(taskRead, form, name), `  ${h.assign(false)}`, this.unlockLine(taskRead, form, name));
      return body;
    });
    return { cpus, handlers };
  }

  /** `irq H on C { … }` and `softirq H on C { … }` with their bodies. */
  declarations(first: readonly (readonly string[])[], h: IrqHelpers): string[] {
    return this.handlers.flatMap((hd, i) => [
      `${hd.context} ${hd.name} on C${hd.cpu} {`,
      // A tick mostly stays one (random statements would make it an ordinary handler).
      ...[...first[i]!, ...(this.r.chance(this.tick.has(i) ? 0.25 : 0.5) ? h.block(1, false, 2, { kind: "handler", handler: hd }) : [])].map((s) => "  " + s),
      "}",
    ]);
  }

  private lockLine(read: boolean, form: Form, name: string): string[] {
    return [`${read ? "rlock" : "lock"}${form} ${name}`];
  }

  private unlockLine(read: boolean, form: Form, name: string): string {
    return `${read ? "runlock" : "unlock"}${UNDO[form]} ${name}`;
  }

  /** One statement with interrupt state, as `where` allows (the generator's `block` calls it now and then). */
  statement(depth: number, inFn: boolean, where: Where, h: IrqHelpers): string[] {
    const r = this.r;
    const inner = (): string[] => (depth < 2 && r.chance(0.55) ? h.block(depth + 1, inFn, 2, where) : [h.assign(inFn)]);
    const hard = where.kind === "handler" && where.handler.context === "irq";
    const roll = r.next();
    if (roll < 0.55) {
      // A critical section in one of the lock forms (in a hardirq handler mostly plain or _irqsave).
      const l = r.pick(this.locks);
      const name = h.lockRef(l, inFn);
      const read = l.kind === "rwlock" && r.chance(0.4);
      const form: Form = hard ? r.pick<Form>(["", "", "_irqsave", "_irq"]) : r.pick<Form>(["", "_irq", "_irqsave", "_irqsave", "_bh"]);
      const body = inner().map((s) => "  " + s);
      const misuse = r.next();
      // Now and then a misuse: unlocked in another form (hardirqs left off, or
      // enabled though never disabled), or not unlocked at all.
      if (misuse < 0.05) return [...this.lockLine(read, form, name), ...body, this.unlockLine(read, r.pick<Form>(["", "_irq", "_irqsave", "_bh"].filter((f) => f !== form) as Form[]), name)];
      if (misuse < 0.08) return [...this.lockLine(read, form, name), ...body];
      return [...this.lockLine(read, form, name), ...body, this.unlockLine(read, form, name)];
    }
    if (roll < 0.85) {
      // A bare section: local_irq_disable/enable, local_irq_save/restore, local_bh_disable/enable.
      const [open, close] = r.pick(SECTIONS);
      const body = inner().map((s) => "  " + s);
      return r.chance(0.05) ? [open!, ...body] : [open!, ...body, close!];
    }
    if (roll < 0.92) {
      // spin_unlock_irq() inside an irq-off section: hardirqs on early, the outer lock still held (omapdrm).
      const [a, b] = [r.pick(this.locks), r.pick(this.locks)];
      if (a === b) return [h.assign(inFn)];
      const [na, nb] = [h.lockRef(a, inFn), h.lockRef(b, inFn)];
      const outer = r.pick<Form>(["_irq", "_irqsave"]);
      return [`lock${outer} ${na}`, `  lock_irq ${nb}`, `    ${h.assign(inFn)}`, `  unlock_irq ${nb}`, `  ${h.assign(inFn)}`, `unlock${UNDO[outer]} ${na}`];
    }
    // A lone enable or restore: a misuse unless something before it disabled.
    return [r.pick(["local_irq_enable", "local_irq_restore", "local_bh_enable"])];
  }
}
