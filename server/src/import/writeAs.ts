// THE mapping table: what each lockdep class (or interrupt context) really
// is, and how a scenario writes it. Lockdep names work items, workqueues,
// kernfs nodes, SRCU domains and reclaim as "locks" (pseudo-locks); each that
// the language has a construct for (race-language.md §9–§10) is written as
// that construct: a work item as `work W on Q { … }` (the path lockdep saw
// holding it is its body) waited for by `flush_work`/`cancel_work_sync`, a
// workqueue as `workqueue Q` waited for by `flush_workqueue`/`drain_workqueue`/
// `destroy_workqueue`, `kn->active` as a `kernfs` node held by `sysfs KN { … }`
// and waited for by `kernfs_remove`, SRCU and RCU as read-side sections and
// `synchronize_srcu`/`synchronize_rcu`, rwlock_t as an `rwlock`. What no
// construct models (fs_reclaim, a timer's map) is the plain lock that behaves
// as lockdep assumes, with a comment saying so. A row says how to declare,
// hold and wait for a class; the writer (write.ts) places the rows' lines.

import type { IrqContext } from "./frames";
import { lockFormOf } from "../language/verbs";

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

/** A wait lockdep writes as an acquisition (the primitive frame it was seen in). */
export type Wait =
  | "flush_work"
  | "cancel_work_sync"
  | "flush_workqueue"
  | "drain_workqueue"
  | "destroy_workqueue"
  | "kernfs_remove"
  | "kernfs_remove_self"
  | "synchronize_srcu"
  | "synchronize_rcu";

/** How a path takes a lock: the mode, the wait lockdep wrote as an acquisition, interrupts disabled by the lock call. */
export interface Take {
  readonly read: boolean;
  readonly wait: Wait | undefined;
  /** `spin_lock_irqsave` (or `_irq`) for a hardirq, `spin_lock_bh` for a softirq: §10's lock forms. */
  readonly irqsOff?: IrqContext;
}

export interface Statements {
  readonly acquire: readonly string[];
  readonly release: readonly string[];
}

/** How a path holds a class across the code inside it. */
export type Holding =
  /** Statements before and after the code. */
  | { readonly kind: "statements"; readonly before: string; readonly after: string }
  /** A block around the code (`sysfs KN { … }`). */
  | { readonly kind: "block"; readonly open: string; readonly close: string }
  /** The thread itself holds it: the path is a work item's body (`work W on Q { … }`). */
  | { readonly kind: "thread" };

export interface Row {
  /** What the class really is, for the scenario's comments. */
  readonly what: string;
  /** The construct that models it, for the comments; undefined when none does (written as a plain lock). */
  readonly primitive: string | undefined;
  /** A pseudo-lock (lockdep's name for something that is not a lock). */
  readonly pseudo: boolean;
  /**
   * The declaration (`mutex X`, `kernfs X`, `srcu X`, `workqueue X`), or
   * undefined: `rcu` is built in, and a work item is declared with its body.
   * `inHandler`: an interrupt handler holds or takes it, where what is
   * otherwise written as a plain mutex is a spinlock (lockdep saw it there,
   * so it does not sleep; as a mutex the check would say it may).
   */
  declare(id: string, inHandler?: boolean): string | undefined;
  /** The name the check's reports give it: lockdep's own form (`(work_completion)(&W)`, `kn->active#KN`). */
  reported(id: string): string;
  /** How a path that holds it writes the holding. */
  hold(id: string, read: boolean, irqsOff?: IrqContext): Holding;
  /** What a path runs where lockdep says it acquires it: the acquisition or wait, and the release after it (an interrupt may fire between). */
  take(id: string, how: Take): Statements;
  /** Frames of the kernel that hold it (the scenario places the hold there). */
  readonly holderFrames: readonly string[];
  /** How a path holding it reads lockdep's usage (held for reading, whatever the usage says). */
  readonly holdsForReading: boolean | undefined;
  /** A reader/writer lock whose readers queue behind a waiting writer (lockdep's cycle through two reads needs one). */
  readonly readersQueue: boolean;
}

/** `lock X` / `lock_irqsave X` / `rlock_bh X` …: the plain operation, or §10's form when the call disables interrupts. */
function lockStatement(op: "lock" | "unlock" | "rlock" | "runlock", id: string, irqsOff: IrqContext | undefined): string {
  return irqsOff ? `${lockFormOf(op, irqsOff === "hardirq" ? "irqsave" : "bh")} ${id}` : `${op} ${id}`;
}

const lockOrRead = (id: string, read: boolean, irqsOff?: IrqContext): Holding => ({
  kind: "statements",
  before: lockStatement(read ? "rlock" : "lock", id, irqsOff),
  after: lockStatement(read ? "runlock" : "unlock", id, irqsOff),
});

const takeRelease = (id: string, how: Take): Statements => ({
  acquire: [lockStatement(how.read ? "rlock" : "lock", id, how.irqsOff)],
  release: [lockStatement(how.read ? "runlock" : "unlock", id, how.irqsOff)],
});

const plainLock = (kind: string, what: string, readersQueue = false): Row => ({
  what,
  primitive: undefined,
  pseudo: false,
  declare: (id) => `${kind} ${id}`,
  reported: (id) => id,
  hold: lockOrRead,
  take: takeRelease,
  holderFrames: [],
  holdsForReading: undefined,
  readersQueue,
});

/** A pseudo-lock no construct models: a plain mutex, held around the holder's code and waited for as an acquisition. */
const unmapped = (row: Pick<Row, "what" | "holderFrames">): Row => ({
  ...row,
  primitive: undefined,
  pseudo: true,
  declare: (id, inHandler) => `${inHandler ? "spinlock" : "mutex"} ${id}`,
  reported: (id) => id,
  hold: (id) => lockOrRead(id, false),
  take: (id) => ({ acquire: [`lock ${id}`], release: [`unlock ${id}`] }),
  holdsForReading: false,
  readersQueue: false,
});

const waitOnly = (line: string): Statements => ({ acquire: [line], release: [] });

export const WRITE_AS: Readonly<Record<Nature, Row>> = {
  mutex: { ...plainLock("mutex", "a sleeping lock"), declare: (id, inHandler) => `${inHandler ? "spinlock" : "mutex"} ${id}` },
  spinlock: plainLock("spinlock", "a spinlock"),
  rwsem: plainLock("rwsem", "a reader/writer semaphore", true),
  hotplug: plainLock("rwsem", "the CPU hotplug lock, a per-CPU rwsem (cpus_read_lock / cpus_write_lock)", true),
  // §10: in a task a reader waits behind a queued writer, in a handler it does not.
  rwlock: { ...plainLock("rwlock", "an rwlock_t", true), primitive: "`rwlock` (race-language.md §10)" },
  work: {
    what: "a work item: lockdep holds it while the item runs and takes it in flush_work()/cancel_work_sync()",
    primitive: "`work W on Q { … }` with `flush_work` / `cancel_work_sync` (race-language.md §9)",
    pseudo: true,
    declare: () => undefined,
    reported: (id) => `(work_completion)(&${id})`,
    hold: () => ({ kind: "thread" }),
    take: (id, how) => waitOnly(`${how.wait === "cancel_work_sync" ? "cancel_work_sync" : "flush_work"} ${id}`),
    holderFrames: [],
    holdsForReading: false,
    readersQueue: false,
  },
  workqueue: {
    what: "a workqueue: lockdep holds it while any of its items runs and takes it in flush_workqueue()",
    primitive: "`workqueue Q` with `flush_workqueue` / `drain_workqueue` / `destroy_workqueue` (race-language.md §9)",
    pseudo: true,
    declare: (id) => `workqueue ${id}`,
    reported: (id) => `(wq_completion)${id}`,
    hold: () => ({ kind: "thread" }),
    // flush_work() on an ordered queue takes the queue's map too; the item it flushes is not named: the queue is flushed.
    take: (id, how) => waitOnly(`${how.wait === "drain_workqueue" || how.wait === "destroy_workqueue" ? how.wait : "flush_workqueue"} ${id}`),
    holderFrames: [],
    holdsForReading: true,
    readersQueue: false,
  },
  kernfs: {
    what: "a kernfs node's active references: a sysfs handler holds one while it runs, and removing the node (kernfs_drain) waits for them",
    primitive: "`kernfs KN`, `sysfs KN { … }`, `kernfs_remove` (race-language.md §9)",
    pseudo: true,
    declare: (id) => `kernfs ${id}`,
    reported: (id) => `kn->active#${id}`,
    hold: (id) => ({ kind: "block", open: `sysfs ${id} {`, close: "}" }),
    take: (id, how) => waitOnly(`${how.wait === "kernfs_remove_self" ? "kernfs_remove_self" : "kernfs_remove"} ${id}`),
    holderFrames: ["kernfs_fop_write_iter", "kernfs_fop_write", "kernfs_fop_read_iter", "kernfs_fop_read", "kernfs_seq_start", "kernfs_fop_mmap", "kernfs_fop_open"],
    holdsForReading: true,
    readersQueue: false,
  },
  srcu: {
    what: "an SRCU domain: readers hold it in read-side sections and synchronize_srcu() waits for them",
    primitive: "`srcu S`, `srcu_read_lock`, `synchronize_srcu` (race-language.md §9)",
    pseudo: true,
    declare: (id) => `srcu ${id}`,
    reported: (id) => id,
    hold: (id) => ({ kind: "statements", before: `srcu_read_lock ${id}`, after: `srcu_read_unlock ${id}` }),
    take: (id, how) => (how.wait === undefined && how.read ? { acquire: [`srcu_read_lock ${id}`], release: [`srcu_read_unlock ${id}`] } : waitOnly(`synchronize_srcu ${id}`)),
    holderFrames: ["__mmu_notifier_release", "__srcu_read_lock"],
    holdsForReading: true,
    readersQueue: false,
  },
  rcu: {
    what: "an RCU read-side section",
    primitive: "`rcu_read_lock`, `synchronize_rcu` (race-language.md §9)",
    pseudo: true,
    declare: () => undefined,
    reported: () => "rcu_read_lock",
    hold: () => ({ kind: "statements", before: "rcu_read_lock", after: "rcu_read_unlock" }),
    take: (_id, how) => (how.wait === undefined && how.read ? { acquire: ["rcu_read_lock"], release: ["rcu_read_unlock"] } : waitOnly("synchronize_rcu")),
    holderFrames: [],
    holdsForReading: true,
    readersQueue: false,
  },
  reclaim: unmapped({
    what: "lockdep's annotation of memory reclaim (an allocation that may enter filesystem reclaim, and kswapd), not a lock; no construct models it",
    holderFrames: [],
  }),
  map: unmapped({
    what: "a lockdep map the importer does not know (a timer, or another pseudo-lock), not a lock; no construct models it",
    holderFrames: ["call_timer_fn"],
  }),
};

/** Interrupt contexts: the handler's declaration keyword and the words for its interrupt. */
export const INTERRUPTS: Readonly<Record<IrqContext, { readonly keyword: "irq" | "softirq"; readonly kind: string; readonly off: string }>> = {
  hardirq: { keyword: "irq", kind: "hardirq", off: "interrupts" },
  softirq: { keyword: "softirq", kind: "softirq", off: "softirqs" },
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
  // Used in an interrupt handler, it spins: an rwlock_t, never an rwsem (which would sleep there, and take none of §10's lock forms: RACE029).
  if (e.rwsemOp || e.readTaken || usageHasRead(e.usage)) return e.spins || usedInIrq(e.usage) ? "rwlock" : "rwsem";
  if (e.spins || usedInIrq(e.usage) || e.wait === "2:2") return "spinlock";
  return "mutex";
}
