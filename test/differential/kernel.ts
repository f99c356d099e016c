// The kernel wait primitives of race-language.md §9 for the differential
// generator (generate.ts, flavour `kernel`), in the shapes kernel code uses
// them: a driver's probe queues work and runs a kthread, its remove cancels
// or flushes the work and stops the kthread (often under a lock the work or
// the kthread takes: the bugs lockdep reports); work bodies queue further
// work and complete completions; sysfs stores run inside `sysfs KN { }` and
// may remove their own attribute; readers sit in SRCU/RCU sections while
// someone synchronizes. A scenario declares a few of these primitives, every
// one of them used (a `protocol`: who queues, runs, completes, removes, and
// who waits for it), and random statements use them anywhere else.

import type { Rng } from "./generate";
import type { HandlerSpec } from "./irq";

export interface QueueSpec {
  readonly name: string;
  /** `workqueue q0`, `ordered workqueue q0`, `workqueue q0 max_active 2`. */
  readonly decl: string;
}

export interface WorkSpec {
  readonly name: string;
  readonly queue: QueueSpec;
  /** One item per object (`work w0[o0, o1] on q0 (d) { … }`). */
  readonly indexed: boolean;
  /** Statements the protocol adds at the end of its body. */
  readonly extra: string[];
}

export interface KthreadSpec {
  readonly name: string;
  /** `while !kthread_should_stop() { … }`, else a body that runs once. */
  readonly loop: boolean;
  readonly extra: string[];
}

export interface NamedSpec {
  readonly name: string;
  readonly indexed: boolean;
}

/** Where a statement is generated: which thread's body (a function may run in any). */
export type Where =
  | { readonly kind: "cpu" }
  | { readonly kind: "fn" }
  | { readonly kind: "work"; readonly work: WorkSpec }
  | { readonly kind: "kthread"; readonly kthread: KthreadSpec }
  /** An interrupt handler's body (flavour `irq`, irq.ts). */
  | { readonly kind: "handler"; readonly handler: HandlerSpec };

/** What the kernel statements need from the generator around them. */
export interface Helpers {
  /** `name`, or `name[o]` (a random object; `name[d]` inside a body with an object parameter). */
  ref(name: string, indexed: boolean, inFn: boolean): string;
  /** An assignment; `where` a work item's or kthread's body (or a function): no counters. */
  assign(inFn: boolean, where: Where): string;
  /** A nested block of statements (ordinary and kernel ones) for `where`. */
  block(depth: number, inFn: boolean, budget: number, where: Where): string[];
  /** `lines` as the critical section of a random lock. */
  locked(lines: string[], inFn: boolean): string[];
}

/** One choice among the statements a place allows, with its weight. */
type Option = readonly [number, () => string[]];

export class Kernel {
  readonly queues: QueueSpec[] = [];
  readonly works: WorkSpec[] = [];
  readonly kthreads: KthreadSpec[] = [];
  readonly completions: NamedSpec[] = [];
  readonly kernfs: NamedSpec[] = [];
  /** SRCU domains by name; `rcu` is the built-in one. */
  readonly domains: string[] = [];

  constructor(
    private readonly r: Rng,
    private readonly objects: readonly string[],
  ) {
    const on = { work: r.chance(0.55), kthread: r.chance(0.35), completion: r.chance(0.5), kernfs: r.chance(0.35), srcu: r.chance(0.35) };
    if (!Object.values(on).some((x) => x)) on[r.pick(["work", "kthread", "completion", "kernfs", "srcu"] as const)] = true;
    if (on.work) {
      // Every queue has an item: the first items go one to each queue.
      const nWorks = r.int(1, 2);
      const nQueues = r.int(1, nWorks);
      for (let i = 0; i < nQueues; i++) {
        const name = `q${i}`;
        const decl = r.pick([`workqueue ${name}`, `workqueue ${name}`, `ordered workqueue ${name}`, `workqueue ${name} max_active 1`, `workqueue ${name} max_active 2`]);
        this.queues.push({ name, decl });
      }
      for (let i = 0; i < nWorks; i++) {
        // At most one item per object (two threads): the state space stays within reach of both tools.
        const indexed = !this.works.some((w) => w.indexed) && r.chance(0.2);
        this.works.push({ name: `w${i}`, queue: this.queues[i < this.queues.length ? i : r.int(0, this.queues.length - 1)]!, indexed, extra: [] });
      }
    }
    if (on.kthread) this.kthreads.push({ name: "t0", loop: r.chance(0.7), extra: [] });
    if (on.completion) {
      const n = r.int(1, 2);
      for (let i = 0; i < n; i++) this.completions.push({ name: `c${i}`, indexed: r.chance(0.25) });
    }
    if (on.kernfs) this.kernfs.push({ name: "kn0", indexed: r.chance(0.3) });
    if (on.srcu) this.domains.push(...r.pick([["s0"], ["rcu"], ["s0", "rcu"]]));
  }

  /** The declarations without bodies (work items and kthreads are written with theirs, `thread`). */
  declarations(): string[] {
    const all = (n: NamedSpec): string => `${n.name}${n.indexed ? `[${this.objects.join(", ")}]` : ""}`;
    return [
      ...this.queues.map((q) => q.decl),
      ...this.completions.map((c) => `completion ${all(c)}`),
      ...this.kernfs.map((k) => `kernfs ${all(k)}`),
      ...this.domains.filter((d) => d !== "rcu").map((d) => `srcu ${d}`),
    ];
  }

  /** A work item's or a kthread's declaration with its body. */
  threads(h: Helpers): string[] {
    const out: string[] = [];
    for (const w of this.works) {
      const head = w.indexed ? `work ${w.name}[${this.objects.join(", ")}] on ${w.queue.name} (d) {` : `work ${w.name} on ${w.queue.name} {`;
      out.push(head, ...[...h.block(1, w.indexed, 2, { kind: "work", work: w }), ...w.extra].map((s) => "  " + s), "}");
    }
    for (const k of this.kthreads) {
      const where: Where = { kind: "kthread", kthread: k };
      const body = k.loop ? ["while !kthread_should_stop() {", ...h.block(2, false, 2, where).map((s) => "  " + s), "}"] : h.block(1, false, 2, where);
      out.push(`kthread ${k.name} {`, ...[...body, ...k.extra].map((s) => "  " + s), "}");
    }
    return out;
  }

  /**
   * Every primitive used: per CPU, statements before its random ones (a
   * probe: queue the work, run the kthread, a sysfs store, a reader) and
   * after them (a remove: cancel or flush, stop, remove the attribute,
   * synchronize, destroy the queue), and statements at the end of the
   * threads' bodies (a work item or kthread completing a completion).
   */
  protocol(cpus: number, h: Helpers): { pre: string[][]; post: string[][] } {
    const r = this.r;
    const pre: string[][] = Array.from({ length: cpus }, () => []);
    const post: string[][] = Array.from({ length: cpus }, () => []);
    const cpu = (): number => r.int(0, cpus - 1);
    const maybeLocked = (lines: string[], p: number): string[] => (r.chance(p) ? h.locked(lines, false) : lines);
    for (const w of this.works) {
      pre[cpu()]!.push(`queue_work ${h.ref(w.name, w.indexed, false)}`);
      if (r.chance(0.6)) post[cpu()]!.push(...maybeLocked([`${r.pick(["cancel_work_sync", "flush_work", "flush_work", "cancel_work"])} ${h.ref(w.name, w.indexed, false)}`], 0.4));
    }
    for (const q of this.queues) {
      const roll = r.next();
      if (roll < 0.2) post[cpu()]!.push(`destroy_workqueue ${q.name}`);
      else if (roll < 0.35) post[cpu()]!.push(`drain_workqueue ${q.name}`);
      else if (roll < 0.55) post[cpu()]!.push(...maybeLocked([`flush_workqueue ${q.name}`], 0.3));
    }
    for (const k of this.kthreads) {
      pre[cpu()]!.push(`kthread_run ${k.name}`);
      if (r.chance(0.85)) post[cpu()]!.push(...maybeLocked([`kthread_stop ${k.name}`], 0.35));
    }
    // A completion: someone waits for it, and (nearly always) some thread completes it.
    const bodies: string[][] = [...this.works.map((w) => w.extra), ...this.kthreads.map((k) => k.extra)];
    for (const c of this.completions) {
      const name = h.ref(c.name, c.indexed, false);
      post[cpu()]!.push(...maybeLocked([`wait_for_completion ${name}`], 0.3));
      if (r.chance(0.9)) {
        const done = r.chance(0.8) ? `complete ${name}` : `complete_all ${name}`;
        if (bodies.length > 0 && r.chance(0.6)) r.pick(bodies).push(done);
        else pre[cpu()]!.push(...maybeLocked([done], 0.25));
      }
    }
    for (const k of this.kernfs) {
      const name = h.ref(k.name, k.indexed, false);
      pre[cpu()]!.push(...this.sysfs(name, 1, false, { kind: "cpu" }, h));
      post[cpu()]!.push(...maybeLocked([`kernfs_remove ${name}`], 0.4));
    }
    for (const d of this.domains) {
      pre[cpu()]!.push(...this.section(d, 1, false, { kind: "cpu" }, h));
      post[cpu()]!.push(...maybeLocked([d === "rcu" ? "synchronize_rcu" : `synchronize_srcu ${d}`], 0.35));
    }
    return { pre, post };
  }

  /** `sysfs KN { … }`: a store; sometimes one that removes its own attribute. */
  private sysfs(name: string, depth: number, inFn: boolean, where: Where, h: Helpers): string[] {
    const r = this.r;
    const body = depth < 2 && r.chance(0.6) ? h.block(depth + 1, inFn, 2, where) : [h.assign(inFn, where)];
    if (r.chance(0.3)) {
      const removeSelf = r.chance(0.6) ? [`if kernfs_remove_self ${name} {`, h.assign(inFn, where), "} else {", h.assign(inFn, where), "}"] : [`kernfs_remove_self ${name}`];
      body.push(...removeSelf);
    }
    return [`sysfs ${name} {`, ...body.map((s) => "  " + s), "}"];
  }

  /** A read-side section of domain `d`, sometimes left unbalanced on purpose. */
  private section(d: string, depth: number, inFn: boolean, where: Where, h: Helpers): string[] {
    const r = this.r;
    const body = depth < 2 && r.chance(0.5) ? h.block(depth + 1, inFn, 2, where) : [h.assign(inFn, where)];
    const [open, close] = d === "rcu" ? ["rcu_read_lock", "rcu_read_unlock"] : [`srcu_read_lock ${d}`, `srcu_read_unlock ${d}`];
    return [open, ...body, ...(r.chance(0.06) ? [] : [close])];
  }

  /** One statement using the primitives, as `where` allows (the generator's `block` calls it now and then). */
  statement(depth: number, inFn: boolean, where: Where, h: Helpers): string[] {
    const r = this.r;
    const options: Option[] = [];
    const maybeLocked = (lines: string[], p: number): string[] => (r.chance(p) ? h.locked(lines, inFn) : lines);
    if (this.works.length > 0) {
      const w = (): WorkSpec => r.pick(this.works);
      const ref = (x: WorkSpec): string => h.ref(x.name, x.indexed, inFn);
      // Items queue only items declared after them; a polling kthread and
      // functions (which any body may call) queue none: no item can be kept
      // running for ever (counting a completion up), so runs stay finite.
      const queueable =
        where.kind === "cpu" || (where.kind === "kthread" && !where.kthread.loop) ? this.works : where.kind === "work" ? this.works.slice(this.works.indexOf(where.work) + 1) : [];
      if (queueable.length > 0) {
        options.push([3, () => [`queue_work ${ref(r.pick(queueable))}`]], [1, () => [`if queue_work ${ref(r.pick(queueable))} {`, h.assign(inFn, where), "}"]]);
      }
      options.push(
        [2, () => maybeLocked([`flush_work ${ref(w())}`], 0.5)],
        [1.5, () => maybeLocked([`cancel_work_sync ${ref(w())}`], 0.3)],
        [0.5, () => [`cancel_work ${ref(w())}`]],
        [1, () => maybeLocked([`flush_workqueue ${r.pick(this.queues).name}`], 0.3)],
        [0.3, () => [`drain_workqueue ${r.pick(this.queues).name}`]],
      );
    }
    if (this.completions.length > 0) {
      const c = (): string => {
        const x = r.pick(this.completions);
        return h.ref(x.name, x.indexed, inFn);
      };
      // A kthread's loop (and a function it may call) would count a completion up for ever: there only complete_all.
      const counts = where.kind === "cpu" || where.kind === "work";
      options.push(
        [2, () => maybeLocked([`wait_for_completion ${c()}`], 0.3)],
        [counts ? 2 : 0.5, () => [`${counts ? "complete" : "complete_all"} ${c()}`]],
        [0.5, () => [`complete_all ${c()}`]],
        [0.5, () => [`reinit_completion ${c()}`]],
        [1, () => [`if try_wait_for_completion ${c()} {`, h.assign(inFn, where), "} else {", h.assign(inFn, where), "}"]],
      );
    }
    if (this.kthreads.length > 0 && where.kind === "cpu") {
      options.push([1, () => maybeLocked([`kthread_stop ${r.pick(this.kthreads).name}`], 0.4)], [0.2, () => [`kthread_run ${r.pick(this.kthreads).name}`]]);
    }
    if (where.kind === "kthread") options.push([1, () => ["if kthread_should_stop() {", h.assign(inFn, where), "}"]]);
    if (this.kernfs.length > 0) {
      const kn = (): string => {
        const x = r.pick(this.kernfs);
        return h.ref(x.name, x.indexed, inFn);
      };
      if (depth < 2) options.push([2, () => this.sysfs(kn(), depth, inFn, where, h)]);
      options.push([1, () => maybeLocked([`kernfs_remove ${kn()}`], 0.4)]);
    }
    if (this.domains.length > 0) {
      options.push([2, () => this.section(r.pick(this.domains), depth, inFn, where, h)]);
      options.push([
        1,
        () => {
          const d = r.pick(this.domains);
          return maybeLocked([d === "rcu" ? "synchronize_rcu" : `synchronize_srcu ${d}`], 0.4);
        },
      ]);
    }
    if (options.length === 0) return [h.assign(inFn, where)];
    let x = r.next() * options.reduce((n, [weight]) => n + weight, 0);
    for (const [weight, make] of options) {
      if (x < weight) return make();
      x -= weight;
    }
    return options[options.length - 1]![1]();
  }
}
