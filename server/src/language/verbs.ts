// The statements of race-language.md §9 that are written like the kernel
// call they model, `VERB target` (`flush_work reset[pf]`, `complete done`,
// `sysfs remove_attr[pf] { … }`, `rcu_read_lock`): one table says, per
// verb, what its target is, whether it takes a block or may stand as the
// whole condition of an `if`/`while`, and what it does (hover, completion).
// The words are contextual: they are verbs only where a statement or a
// condition starts, followed by a target (or, without one, by nothing that
// would make them a variable or a call), so older files keep their names.

/** What a verb's target names: a declared work item, workqueue, kthread, completion, kernfs node or SRCU domain. */
export type TargetKind = "work" | "workqueue" | "kthread" | "completion" | "kernfs" | "srcu";

/**
 * Each kind of §9 declaration, as the front end and the editor need it: one
 * row per kind, which the binder, checker, resolver, navigation and
 * completion read (a new kind is a row here, not an edit in each).
 */
export interface TargetInfo {
  /** "work item": what messages and hovers call one. */
  readonly noun: string;
  /** How to declare one named `n` ("declare it, e.g. …"). */
  readonly example: (n: string) => string;
  /** The warning for one never used: "Work item 'w' is never queued, flushed or cancelled". */
  readonly unused: { readonly what: string; readonly never: string };
  /** Declared `KIND NAME[objects]` (PrimitiveDecl), rather than by a rule of its own. */
  readonly simple: boolean;
  /** Its semantic-token type in the editor. */
  readonly token: "namespace" | "class" | "type";
}

export const TARGETS = {
  work: { noun: "work item", example: (n: string) => `work ${n} on events { … }`, unused: { what: "Work item", never: "never queued, flushed or cancelled" }, simple: false, token: "class" },
  workqueue: { noun: "workqueue", example: (n: string) => `workqueue ${n}`, unused: { what: "Workqueue", never: "never used" }, simple: false, token: "namespace" },
  kthread: { noun: "kthread", example: (n: string) => `kthread ${n} { … }`, unused: { what: "Kthread", never: "never run" }, simple: false, token: "class" },
  completion: { noun: "completion", example: (n: string) => `completion ${n}`, unused: { what: "Completion", never: "never used" }, simple: true, token: "type" },
  kernfs: { noun: "kernfs node", example: (n: string) => `kernfs ${n}`, unused: { what: "kernfs node", never: "never used" }, simple: true, token: "type" },
  srcu: { noun: "SRCU domain", example: (n: string) => `srcu ${n}`, unused: { what: "SRCU domain", never: "never used" }, simple: true, token: "type" },
} as const satisfies { readonly [K in TargetKind]: TargetInfo };

export const TARGET_KINDS = Object.keys(TARGETS) as TargetKind[];

/** The kinds declared `KIND NAME[objects]`. */
export type SimpleKind = { [K in TargetKind]: (typeof TARGETS)[K]["simple"] extends true ? K : never }[TargetKind];

export function isTargetKind(k: string): k is TargetKind {
  return Object.prototype.hasOwnProperty.call(TARGETS, k);
}

export interface VerbInfo {
  /** Its target's kind; none for the RCU verbs (`rcu` is the one built-in domain). */
  readonly target: TargetKind | undefined;
  /** `sysfs KN { … }`: the statement is a block. */
  readonly block?: true;
  /** May be the whole condition of an `if` or `while`, negated or not. */
  readonly condition?: true;
  /** Only as a condition (`try_wait_for_completion`). */
  readonly conditionOnly?: true;
  /** One line for hover and completion: what the kernel call does here. */
  readonly doc: string;
}

export const VERBS = {
  queue_work: { target: "work", condition: true, doc: "queue_work(): idle → pending (running → running and pending again); nothing if already pending. As a condition: true when it queued." },
  flush_work: { target: "work", doc: "flush_work(): waits for the instance pending or running at the call to finish; returns at once if the item is idle. Lockdep: acquires (work_completion)." },
  cancel_work_sync: { target: "work", doc: "cancel_work_sync(): takes a pending instance off the queue, waits for a running one; idle on return, and queueing it meanwhile does nothing." },
  cancel_work: { target: "work", doc: "cancel_work(): takes a pending instance off the queue; never waits." },
  flush_workqueue: { target: "workqueue", doc: "flush_workqueue(): waits until every item queued on the queue before the call has finished. Lockdep: acquires (wq_completion)." },
  drain_workqueue: { target: "workqueue", doc: "drain_workqueue(): flushes until the queue is empty, items queued by its own items included; queueing from outside meanwhile is a misuse." },
  destroy_workqueue: { target: "workqueue", doc: "destroy_workqueue(): drains the queue, then destroys it; queueing on it afterwards is a misuse." },
  kthread_run: { target: "kthread", doc: "kthread_run(): starts the kthread (its `start` is then a step of its own); running it twice is a misuse." },
  kthread_stop: { target: "kthread", doc: "kthread_stop(): sets the kthread's stop flag, then waits until it has exited (a kthread stopped before its first step, run or not, exits without running its body, as kthread() tests the flag before threadfn)." },
  wait_for_completion: { target: "completion", doc: "wait_for_completion(): blocks until the completion's count is positive (or complete_all), then takes one. Not tracked by lockdep." },
  complete: { target: "completion", doc: "complete(): lets one waiter pass (now or later)." },
  complete_all: { target: "completion", doc: "complete_all(): lets every present and future waiter pass until reinit_completion." },
  reinit_completion: { target: "completion", doc: "reinit_completion(): the count back to 0, complete_all forgotten." },
  try_wait_for_completion: { target: "completion", condition: true, conditionOnly: true, doc: "try_wait_for_completion(): takes one if wait_for_completion would pass; never waits. Only as a condition." },
  sysfs: { target: "kernfs", block: true, doc: "kernfs_get_active() … kernfs_put_active(): the block runs holding an active reference on the node; on a node being removed it is skipped (-ENODEV). Lockdep: a read-trylock of kn->active." },
  kernfs_remove: { target: "kernfs", doc: "kernfs_remove() (device_del(), sysfs_remove_file()): deactivates the node, then waits until no active reference remains. Lockdep: a write acquire of kn->active." },
  kernfs_remove_self: { target: "kernfs", condition: true, doc: "kernfs_remove_self() (device_remove_file_self()): inside the node's own sysfs block, drops one of this thread's references; the first caller removes the node (true), a later one waits for that caller's whole sysfs operation to end (false); either takes its reference back before it returns." },
  srcu_read_lock: { target: "srcu", doc: "srcu_read_lock(): opens a read-side section of the domain (nestable, never blocks)." },
  srcu_read_unlock: { target: "srcu", doc: "srcu_read_unlock(): closes the innermost section; without one open it is a misuse." },
  synchronize_srcu: { target: "srcu", doc: "synchronize_srcu(): waits until every section of the domain open at the call has closed; sections opened later do not delay it. Lockdep: sync(S)." },
  rcu_read_lock: { target: undefined, doc: "rcu_read_lock(): opens an RCU read-side section (nestable, never blocks)." },
  rcu_read_unlock: { target: undefined, doc: "rcu_read_unlock(): closes the innermost RCU section; without one open it is a misuse." },
  synchronize_rcu: { target: undefined, doc: "synchronize_rcu(): waits until every RCU read-side section open at the call has closed, and (consolidated RCU, v4.20 on) every other thread then holding (or spinning on) a spinlock or rwlock_t, with hardirqs or softirqs off, or running a handler has left that region." },
  // §10: the running context's interrupt state.
  local_irq_disable: { target: undefined, doc: "local_irq_disable(): hardirqs off on this CPU until local_irq_enable (no handler fires meanwhile)." },
  local_irq_enable: { target: undefined, doc: "local_irq_enable(): hardirqs on again; enabling where this context disabled nothing (no local_irq_disable, no save) is a misuse." },
  local_irq_save: { target: undefined, doc: "local_irq_save(flags): saves whether hardirqs were on, then turns them off; local_irq_restore puts back what was saved (nestable)." },
  local_irq_restore: { target: undefined, doc: "local_irq_restore(flags): hardirqs as they were at the latest local_irq_save not yet restored (else the latest lock_irqsave's)." },
  local_bh_disable: { target: undefined, doc: "local_bh_disable(): softirqs off on this CPU (nestable, counted) until as many local_bh_enable." },
  local_bh_enable: { target: undefined, doc: "local_bh_enable(): one local_bh_disable undone; a pending softirq may run once the count is 0." },
} as const satisfies Record<string, VerbInfo>;

/**
 * The lock forms of §10 (`spin_lock_irq(&l)` is `lock_irq l`): the plain
 * lock operation, and what it does to the interrupt state — before a lock
 * (irqs or softirqs off, then spin for the lock), after an unlock.
 */
export const LOCK_FORMS = {
  lock_irq: { op: "lock", irq: "irq" },
  unlock_irq: { op: "unlock", irq: "irq" },
  lock_irqsave: { op: "lock", irq: "irqsave" },
  unlock_irqrestore: { op: "unlock", irq: "irqsave" },
  lock_bh: { op: "lock", irq: "bh" },
  unlock_bh: { op: "unlock", irq: "bh" },
  rlock_irq: { op: "rlock", irq: "irq" },
  runlock_irq: { op: "runlock", irq: "irq" },
  rlock_irqsave: { op: "rlock", irq: "irqsave" },
  runlock_irqrestore: { op: "runlock", irq: "irqsave" },
  rlock_bh: { op: "rlock", irq: "bh" },
  runlock_bh: { op: "runlock", irq: "bh" },
} as const satisfies Record<string, { op: "lock" | "unlock" | "rlock" | "runlock"; irq: "irq" | "irqsave" | "bh" }>;

export type LockForm = keyof typeof LOCK_FORMS;

/** The form a lock statement is written in (`lock` with `irqsave` is `lock_irqsave`; `unlock` with it `unlock_irqrestore`). */
export function lockFormOf(op: "lock" | "unlock" | "rlock" | "runlock", irq: "irq" | "irqsave" | "bh"): LockForm {
  const suffix = irq === "irqsave" && (op === "unlock" || op === "runlock") ? "irqrestore" : irq;
  return `${op}_${suffix}` as LockForm;
}

/** One line per lock form, for hover and completion: the kernel call it is and what it does to the interrupt state. */
export function lockFormDoc(form: LockForm): string {
  const { op, irq } = LOCK_FORMS[form];
  const kernel = op === "lock" || op === "unlock" ? `spin_${form}() (write_${form}() on an rwlock)` : `read_${form.replace(/^r/, "")}()`;
  const side = op === "rlock" || op === "runlock" ? "the read side of an rwlock or rwsem" : "the lock";
  if (op === "lock" || op === "rlock") {
    const before = irq === "irq" ? "hardirqs off on this CPU" : irq === "irqsave" ? "saves whether hardirqs were on and turns them off" : "softirqs off on this CPU";
    const after = irq === "irq" ? `${op === "lock" ? "unlock" : "runlock"}_irq turns them on again` : irq === "irqsave" ? `${op === "lock" ? "unlock" : "runlock"}_irqrestore puts them back` : `${op === "lock" ? "unlock" : "runlock"}_bh turns them on again`;
    return `${kernel}: ${before}, then takes ${side} (spinning with them off); ${after}. No ${irq === "bh" ? "softirq" : "interrupt"} handler runs on this CPU meanwhile.`;
  }
  const after = irq === "irq" ? "hardirqs on" : irq === "irqsave" ? "hardirqs as they were at the matching lock_irqsave" : "softirqs on (one local_bh_disable undone)";
  return `${kernel}: releases ${side}, then ${after}, in one step.`;
}

export function isLockForm(word: string): word is LockForm {
  return Object.prototype.hasOwnProperty.call(LOCK_FORMS, word);
}

export type Verb = keyof typeof VERBS;
export type ConditionVerb = { [V in Verb]: (typeof VERBS)[V] extends { condition: true } ? V : never }[Verb];

export function isVerb(word: string): word is Verb {
  return Object.prototype.hasOwnProperty.call(VERBS, word);
}

export function verbInfo(v: Verb): VerbInfo {
  return VERBS[v];
}

export function isConditionVerb(word: string): word is ConditionVerb {
  return isVerb(word) && (VERBS[word] as VerbInfo).condition === true;
}

/** The words that start a §9–§10 declaration: `workqueue Q`, `ordered workqueue Q`, `work W on Q { … }`, `kthread T { … }`, `completion C`, `kernfs KN`, `srcu S`, `irq H on C { … }`, `softirq H on C { … }`, `rwlock L`. */
export const DECLARATION_WORDS = ["workqueue", "ordered", "work", "kthread", "completion", "kernfs", "srcu", "irq", "softirq", "rwlock"] as const;

/** One line per declaration word, for completion: how it is written and the kernel object it stands for. */
export const DECLARATION_DOCS: { readonly [W in (typeof DECLARATION_WORDS)[number]]: string } = {
  workqueue: "workqueue Q (alloc_workqueue()): its pending items may run at once, each on its own worker; `workqueue Q max_active N`: at most N at once.",
  ordered: "ordered workqueue Q (alloc_ordered_workqueue()): one item at a time, in queue order.",
  work: "work W on Q { … } (INIT_WORK()): a work item whose body runs on its own thread once queued; `work W[a, b] on Q (d) { … }`: one item per object, d bound to it.",
  kthread: 'kthread T "label" { … }: a kernel thread, started by kthread_run, stopped by kthread_stop (its loop asks kthread_should_stop()).',
  completion: "completion C (struct completion): wait_for_completion waits until complete; `completion C[a, b]`: one per object.",
  kernfs: "kernfs KN: a sysfs attribute's kernfs node and its active references (kn->active): `sysfs KN { … }` holds one, kernfs_remove drains them.",
  srcu: "srcu S (DEFINE_SRCU()): an SRCU domain, read sections and synchronize_srcu; `rcu` is built in.",
  irq: "irq H on C { … } (request_irq()): a hardirq handler that may interrupt CPU C wherever C has hardirqs on, once.",
  softirq: "softirq H on C { … } (a softirq or tasklet): may run on CPU C wherever C has hardirqs and softirqs on and is in no interrupt, once.",
  rwlock: "rwlock L (rwlock_t): a spinning reader/writer lock; a reader in an interrupt handler does not wait for a queued writer.",
};

/** The name of the built-in RCU domain, as traces and the lock-order graph print it (lockdep's class). */
export const RCU_DOMAIN = "rcu_read_lock";
