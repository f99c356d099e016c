// The §9 side of compiling (race-language.md §9): the model's workqueues,
// work items (one per object), kthreads, completions, kernfs nodes and SRCU
// domains with lockdep's pseudo-locks; the threads to compile (CPUs, then
// each work item's, then each kthread's); and, per verb, the instruction a
// `VERB target` statement or condition becomes.

import type * as A from "../language/ast";
import { unreachable } from "../language/ast";
import type { Scope } from "../language/binder";
import { forEachStmt } from "../language/ast";
import { RCU_DOMAIN, type ConditionVerb, type TargetKind, type Verb } from "../language/verbs";
import type { HandlerInfo, InstrBase, Instr, KthreadInfo, NamedInfo, PseudoLockInfo, ThreadKind, WorkInfo, WorkqueueInfo } from "./model";

/** The objects of a declaration: `N[a]`, `N[b]`, or `N` alone. */
/** The verbs of the built-in RCU domain. */
const RCU_VERBS: ReadonlySet<string> = new Set(["rcu_read_lock", "rcu_read_unlock", "synchronize_rcu"]);

export function instanceNames(name: string, instances: readonly A.Ident[] | undefined): string[] {
  return instances ? instances.map((i) => `${name}[${i.name}]`) : [name];
}

/** A thread to compile. */
export interface ThreadSpec {
  readonly kind: ThreadKind;
  readonly name: string;
  readonly label: string | undefined;
  readonly declSpan: A.Ident["span"];
  readonly body: A.Block;
  /** A work item's parameter and the object it is bound to. */
  readonly param: { readonly name: string; readonly object: string } | undefined;
  /** Its work item or kthread (index in the model's list), else -1. */
  readonly index: number;
}

/** The §9 part of the model, and the names each target kind resolves through. */
export class Primitives {
  readonly workqueues: WorkqueueInfo[] = [];
  readonly works: WorkInfo[] = [];
  readonly kthreads: KthreadInfo[] = [];
  readonly completions: NamedInfo[] = [];
  readonly kernfs: NamedInfo[] = [];
  readonly srcus: NamedInfo[] = [];
  readonly handlers: HandlerInfo[] = [];
  readonly pseudoLocks: PseudoLockInfo[] = [];
  readonly threads: ThreadSpec[] = [];
  private readonly ids: { readonly [K in TargetKind]: Map<string, number> } = {
    work: new Map(),
    workqueue: new Map(),
    kthread: new Map(),
    completion: new Map(),
    kernfs: new Map(),
    srcu: new Map(),
  };
  /** The built-in `rcu` domain's index, if the file uses it. */
  readonly rcu: number;

  constructor(file: A.SourceFile, scope: Scope, lockCount: number) {
    const pseudo = (name: string, declSpan: A.Ident["span"]): number => {
      this.pseudoLocks.push({ name, declSpan });
      return lockCount + this.pseudoLocks.length - 1;
    };
    for (const cpu of scope.cpus) this.threads.push({ kind: "cpu", name: cpu.name.name, label: cpu.label, declSpan: cpu.name.span, body: cpu.body, param: undefined, index: -1 });
    for (const item of file.items) {
      if (item.kind === "WorkqueueDecl") {
        this.ids.workqueue.set(item.name.name, this.workqueues.length);
        const maxActive = item.ordered ? 1 : (item.maxActive?.value ?? 0);
        this.workqueues.push({ name: item.name.name, declSpan: item.name.span, ordered: item.ordered, maxActive, lockClass: pseudo(`(wq_completion)${item.name.name}`, item.name.span) });
      } else if (item.kind === "PrimitiveDecl") {
        const list = item.what === "completion" ? this.completions : item.what === "kernfs" ? this.kernfs : this.srcus;
        for (const name of instanceNames(item.name.name, item.instances)) {
          this.ids[item.what].set(name, list.length);
          const lockClass = item.what === "completion" ? -1 : pseudo(item.what === "kernfs" ? `kn->active#${name}` : name, item.name.span);
          list.push({ name, declSpan: item.name.span, lockClass });
        }
      }
    }
    let usesRcu = false;
    for (const item of file.items) {
      // Interrupt handlers too (an RCU reader in a handler alone once met no domain); only the RCU verbs (not local_irq_*, which take no target either).
      if (item.kind !== "FnDecl" && item.kind !== "CpuDecl" && item.kind !== "WorkDecl" && item.kind !== "KthreadDecl" && item.kind !== "DriverDecl" && item.kind !== "HandlerDecl") continue;
      const blocks = item.kind === "DriverDecl" ? item.callbacks.map((c) => c.body) : [item.body];
      for (const b of blocks) forEachStmt(b, (s) => (usesRcu ||= s.kind === "VerbStmt" && RCU_VERBS.has(s.verb)));
    }
    this.rcu = usesRcu ? this.srcus.push({ name: RCU_DOMAIN, declSpan: { start: 0, end: 0 }, lockClass: pseudo(RCU_DOMAIN, { start: 0, end: 0 }) }) - 1 : -1;
    // Threads: the CPUs, then each work item's (one per object), then each kthread's.
    for (const w of scope.works) {
      const queue = this.ids.workqueue.get(w.queue.name);
      if (queue === undefined) continue;
      const objects = w.instances ?? [undefined];
      for (const o of objects) {
        const name = o ? `${w.name.name}[${o.name}]` : w.name.name;
        const index = this.works.length;
        this.ids.work.set(name, index);
        const thread = scope.cpus.length + index;
        this.works.push({ name, declSpan: w.name.span, queue, thread, lockClass: pseudo(`(work_completion)(&${name})`, w.name.span) });
        const param = o && w.params[0] ? { name: w.params[0].name, object: o.name } : undefined;
        this.threads.push({ kind: "work", name, label: undefined, declSpan: w.name.span, body: w.body, param, index });
      }
    }
    for (const k of scope.kthreads) {
      const index = this.kthreads.length;
      this.ids.kthread.set(k.name.name, index);
      const thread = scope.cpus.length + this.works.length + index;
      this.kthreads.push({ name: k.name.name, declSpan: k.name.span, thread });
      this.threads.push({ kind: "kthread", name: k.name.name, label: k.label, declSpan: k.name.span, body: k.body, param: undefined, index });
    }
    // Interrupt handlers (§10), each on the CPU it interrupts.
    const cpuIndex = new Map(scope.cpus.map((c, i) => [c.name.name, i]));
    for (const h of scope.handlers) {
      const cpu = cpuIndex.get(h.cpu.name);
      if (cpu === undefined) continue;
      const index = this.handlers.length;
      this.handlers.push({ name: h.name.name, declSpan: h.name.span, kind: h.context, cpu, thread: this.threads.length });
      this.threads.push({ kind: h.context, name: h.name.name, label: `${h.context === "irq" ? "hardirq" : "softirq"} on ${h.cpu.name}`, declSpan: h.name.span, body: h.body, param: undefined, index });
    }
  }

  /** The index of a target (`reset[pf]`), by kind; undefined if the checker would have reported it. */
  id(kind: TargetKind, name: string): number | undefined {
    return this.ids[kind].get(name);
  }
}

/** What the instruction of a §9 statement needs besides its target's index and successors. */
type Base = InstrBase;

/**
 * The instruction of `VERB target` (a statement) with its target's index
 * (-1 for the RCU verbs: `rcu`), going on to `next` (`alt`: where a false
 * condition goes; the same for a statement).
 */
export function verbInstr(verb: Exclude<Verb, "sysfs">, target: number, rcu: number, next: number, alt: number, base: Base): Instr {
  switch (verb) {
    case "queue_work":
      return { ...base, op: "queue_work", work: target, next, alt };
    case "flush_work":
    case "cancel_work_sync":
    case "cancel_work":
      return { ...base, op: verb, work: target, next };
    case "flush_workqueue":
    case "drain_workqueue":
    case "destroy_workqueue":
      return { ...base, op: verb, queue: target, next };
    case "kthread_run":
    case "kthread_stop":
      return { ...base, op: verb, kthread: target, next };
    case "wait_for_completion":
    case "complete":
    case "complete_all":
    case "reinit_completion":
      return { ...base, op: verb, completion: target, next };
    case "try_wait_for_completion":
      return { ...base, op: verb, completion: target, next, alt };
    case "kernfs_remove":
      return { ...base, op: verb, kn: target, next };
    case "kernfs_remove_self":
      return { ...base, op: verb, kn: target, next, alt };
    case "srcu_read_lock":
    case "srcu_read_unlock":
    case "synchronize_srcu":
      return { ...base, op: verb, domain: target, next };
    case "rcu_read_lock":
      return { ...base, op: "srcu_read_lock", domain: rcu, next };
    case "rcu_read_unlock":
      return { ...base, op: "srcu_read_unlock", domain: rcu, next };
    case "synchronize_rcu":
      return { ...base, op: "synchronize_srcu", domain: rcu, next };
    case "local_irq_disable":
      return { ...base, op: "irq_disable", next };
    case "local_irq_enable":
      return { ...base, op: "irq_enable", next };
    case "local_irq_save":
      return { ...base, op: "irq_save", next };
    case "local_irq_restore":
      return { ...base, op: "irq_restore", next };
    case "local_bh_disable":
      return { ...base, op: "bh_disable", next };
    case "local_bh_enable":
      return { ...base, op: "bh_enable", next };
    default:
      return unreachable(verb);
  }
}

/** A condition verb's instruction: `next` when the test is true (it queued, took one, removed here). */
export function testInstr(verb: ConditionVerb, target: number, whenTrue: number, whenFalse: number, base: Base): Instr {
  return verbInstr(verb, target, -1, whenTrue, whenFalse, base);
}
