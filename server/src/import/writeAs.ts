// THE mapping table: what each lockdep class (or interrupt context) really
// is, and how a scenario writes it today. Lockdep names work items, workqueues,
// kernfs nodes, SRCU domains and reclaim as "locks" (pseudo-locks). The
// language has work items, kernfs, SRCU, rwlock_t and interrupt handlers
// (race-language.md §9–§10), but the importer does not write them yet: each is
// written as the plain lock that behaves as lockdep assumes, with a comment
// saying what it really is. Mapping one onto its primitive changes its row
// here — the declaration, the holding statements, the waiting statements, or
// the thread — and nothing else.

export type Nature =
  | "mutex"
  | "spinlock"
  | "rwsem"
  | "rwlock"
  | "hotplug"
  | "work"
  | "workqueue"
  | "kernfs"
  | "srcu"
  | "rcu"
  | "reclaim"
  | "map";

/** How a path takes a lock: the mode, and the wait lockdep wrote as an acquisition. */
export interface Take {
  readonly read: boolean;
  readonly wait: string | undefined;
}

export interface Row {
  /** What the class really is, for the scenario's comments. */
  readonly what: string;
  /** The construct that will model it, or undefined when none is planned. */
  readonly primitive: string | undefined;
  /** A pseudo-lock (lockdep's name for something that is not a lock). */
  readonly pseudo: boolean;
  /** The declaration today. */
  declare(id: string): string;
  /** What a path that holds it runs before and after the code it holds it across. */
  hold(id: string, read: boolean): { readonly before: string; readonly after: string };
  /** What a path runs where lockdep says it acquires it: the acquisition, and the release after it (an interrupt may fire between). */
  take(id: string, how: Take): Statements;
  /** Frames of the kernel that hold it (the scenario places the hold there). */
  readonly holderFrames: readonly string[];
  /** How a path holding it reads lockdep's usage (held for reading, whatever the usage says). */
  readonly holdsForReading: boolean | undefined;
}

export interface Statements {
  readonly acquire: readonly string[];
  readonly release: readonly string[];
}

const lockOrRead = (id: string, read: boolean): { before: string; after: string } =>
  read ? { before: `rlock ${id}`, after: `runlock ${id}` } : { before: `lock ${id}`, after: `unlock ${id}` };
const takeRelease = (id: string, how: Take): Statements => (how.read ? { acquire: [`rlock ${id}`], release: [`runlock ${id}`] } : { acquire: [`lock ${id}`], release: [`unlock ${id}`] });
const waitAsLock = (id: string): Statements => ({ acquire: [`lock ${id}`], release: [`unlock ${id}`] });

const plainLock = (kind: string, what: string): Row => ({
  what,
  primitive: undefined,
  pseudo: false,
  declare: (id) => `${kind} ${id}`,
  hold: lockOrRead,
  take: takeRelease,
  holderFrames: [],
  holdsForReading: undefined,
});

/**
 * A pseudo-lock written as a plain lock: held around the holder's code (for
 * reading when `holdRead`), waited for as an acquisition and release.
 */
const pseudoLock = (kind: "mutex" | "rwsem", holdRead: boolean, row: Pick<Row, "what" | "primitive" | "holderFrames">): Row => ({
  ...row,
  pseudo: true,
  declare: (id) => `${kind} ${id}`,
  hold: (id) => lockOrRead(id, holdRead),
  take: waitAsLock,
  holdsForReading: holdRead,
});

export const WRITE_AS: Readonly<Record<Nature, Row>> = {
  mutex: plainLock("mutex", "a sleeping lock"),
  spinlock: plainLock("spinlock", "a spinlock"),
  rwsem: plainLock("rwsem", "a reader/writer semaphore"),
  hotplug: plainLock("rwsem", "the CPU hotplug lock, a per-CPU rwsem (cpus_read_lock / cpus_write_lock)"),
  rwlock: {
    ...plainLock("rwsem", "an rwlock_t"),
    // §10 `rwlock`: then a reader in an interrupt does not wait for a queued writer.
    primitive: "`rwlock` (race-language.md §10)",
  },
  // §9: `work ${id} on <queue> { … }` (the thread that holds it becomes the work body); the wait is
  // `flush_work ${id}` or `cancel_work_sync ${id}` by how.wait. As a lock, the wait covers a running
  // item, not a pending one.
  work: pseudoLock("mutex", false, {
    what: "a work item: lockdep holds it while the item runs and takes it in flush_work()/cancel_work_sync()",
    primitive: "`work`, `flush_work`, `cancel_work_sync` (race-language.md §9)",
    holderFrames: ["process_one_work"],
  }),
  // §9: `workqueue ${id}`; `flush_workqueue ${id}`. Items hold it for reading here, so that several may run at once.
  workqueue: pseudoLock("rwsem", true, {
    what: "a workqueue: lockdep holds it while any of its items runs and takes it in flush_workqueue()",
    primitive: "`workqueue`, `flush_workqueue` (race-language.md §9)",
    holderFrames: ["process_one_work"],
  }),
  // §9: `kernfs ${id}`; the holder's code goes inside `sysfs ${id} { … }`; the wait is `kernfs_remove ${id}`.
  kernfs: pseudoLock("rwsem", true, {
    what: "a kernfs node's active references: a sysfs handler holds one while it runs, and removing the node (kernfs_drain) waits for them",
    primitive: "`kernfs`, `sysfs KN { … }`, `kernfs_remove` (race-language.md §9)",
    holderFrames: ["kernfs_fop_write_iter", "kernfs_fop_write", "kernfs_fop_read_iter", "kernfs_fop_read", "kernfs_seq_start", "kernfs_fop_mmap", "kernfs_fop_open"],
  }),
  // §9: `srcu ${id}`; `srcu_read_lock ${id}` … `srcu_read_unlock ${id}`; `synchronize_srcu ${id}`.
  // As an rwsem a reader may wait behind a queued synchronize, which SRCU readers never do.
  srcu: pseudoLock("rwsem", true, {
    what: "an SRCU domain: readers hold it in read-side sections and synchronize_srcu() waits for them",
    primitive: "`srcu`, `srcu_read_lock`, `synchronize_srcu` (race-language.md §9)",
    holderFrames: ["__mmu_notifier_release", "__srcu_read_lock"],
  }),
  // §9: `rcu_read_lock` … `rcu_read_unlock`; `synchronize_rcu`.
  rcu: pseudoLock("rwsem", true, {
    what: "an RCU read-side section",
    primitive: "`rcu_read_lock`, `synchronize_rcu` (race-language.md §9)",
    holderFrames: [],
  }),
  reclaim: pseudoLock("mutex", false, {
    what: "lockdep's annotation of memory reclaim (an allocation that may enter filesystem reclaim, and kswapd), not a lock; no construct models it",
    primitive: undefined,
    holderFrames: [],
  }),
  map: pseudoLock("mutex", false, {
    what: "a lockdep map the importer does not know (a timer, or another pseudo-lock), not a lock; no construct models it",
    primitive: undefined,
    holderFrames: ["call_timer_fn"],
  }),
};

/** Interrupt contexts: how the interrupt a report describes is written. */
export interface InterruptRow {
  readonly primitive: string;
  /** The interrupt firing on a CPU at this point, running `handler` (statements): today inside `either`. */
  fire(label: string, handler: readonly string[]): readonly string[];
  /** A section with interrupts disabled. */
  irqsOff(): { readonly before: string; readonly after: string };
}

// §10: the handler becomes `irq H on CPU { … }` (or `softirq`), declared once, and this `either` goes.
const inline = (label: string, handler: readonly string[]): string[] => [`either ${label} {`, ...handler.map((l) => `  ${l}`), `} or "no interrupt here" { }`];

export const INTERRUPTS: Readonly<Record<"hardirq" | "softirq", InterruptRow>> = {
  hardirq: {
    primitive: "`irq H on CPU { … }` (race-language.md §10)",
    fire: inline,
    // §10: `local_irq_disable` / `local_irq_enable`.
    irqsOff: () => ({ before: "// local_irq_disable(): interrupts off (not written as §10's local_irq_disable yet)", after: "// local_irq_enable()" }),
  },
  softirq: {
    primitive: "`softirq H on CPU { … }` (race-language.md §10)",
    fire: inline,
    irqsOff: () => ({ before: "// local_bh_disable(): softirqs off (not written as §10's local_bh_disable yet)", after: "// local_bh_enable()" }),
  },
};

/** What lockdep's printing of a class and its uses say about the lock. */
export interface Evidence {
  readonly usage: string | undefined;
  readonly wait: string | undefined;
  readonly readTaken: boolean;
  readonly spins: boolean;
  readonly rwlock: boolean;
  readonly rwsemOp: boolean;
}

/** Usage strings: per irq state a write and a read column; `-` in irq, `+` with irqs on, `?` both. */
export function usageHasRead(usage: string | undefined): boolean {
  return !!usage && [...usage].some((c, i) => i % 2 === 1 && c !== ".");
}

export function usageHasWrite(usage: string | undefined): boolean {
  return !!usage && [...usage].some((c, i) => i % 2 === 0 && c !== ".");
}

function usedInIrq(usage: string | undefined): boolean {
  return !!usage && /[-?]/.test(usage);
}

/** The nature of a lock class, from its name first (pseudo-locks), then from how it is used. */
export function natureOf(cls: string, e: Evidence): Nature {
  if (/^\(work_completion\)/.test(cls)) return "work";
  if (/^\(wq_completion\)/.test(cls)) return "workqueue";
  if (/^kn->active(#\d+)?$/.test(cls)) return "kernfs";
  if (/srcu$/i.test(cls) || /^sync\(/.test(cls)) return "srcu";
  if (/^rcu_read_lock(_bh|_sched)?$/.test(cls)) return "rcu";
  if (/^cpu_hotplug_lock(\.rw_sem)?$/.test(cls)) return "hotplug";
  if (/^fs_reclaim$|^mmu_notifier_invalidate_range_start$|^memalloc/.test(cls)) return "reclaim";
  if (/^\(.*\)$/.test(cls) || /^rcu_callback$/.test(cls)) return "map";
  if (e.rwlock) return "rwlock";
  if (e.rwsemOp || e.readTaken || usageHasRead(e.usage)) return e.spins ? "rwlock" : "rwsem";
  if (e.spins || usedInIrq(e.usage) || e.wait === "2:2") return "spinlock";
  return "mutex";
}
