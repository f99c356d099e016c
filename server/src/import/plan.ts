// From a parsed report to the scenario's threads, lockdep's way. A circular
// report gives one thread per edge of its dependency chain (the `-> #k`
// entry: the path that took lock k while holding lock k-1) plus the task
// that triggered the report (holding the last lock, trying the first). A
// recursive report is one task taking one class twice. The irq reports give
// the irq-unsafe user with the interrupt written where it fires, and the path
// along the chain from the irq-safe lock. Each thread's path keeps the stack
// frames that matter, with each lock placed at the frame that took it where
// the report says which.

import { contextWord, irqContextOf, pathOf, type Frame, type IrqContext, type Primitive } from "./frames";
import { identifier, lockIdentifier } from "./names";
import type { ChainEntry, DependencyBlock, LockdepReport, LockLine, ScenarioOp } from "./report";
import { natureOf, usageHasRead, usageHasWrite, WRITE_AS, type Evidence, type Nature, type Take, type Wait } from "./writeAs";
import { unreachable } from "../language/ast";

/** A lock held across a path's inner code, placed at a frame. */
export interface Hold {
  readonly cls: string;
  readonly read: boolean;
  /** Taken with §10's lock form that disables this interrupt (`lock_irqsave`, `lock_bh`). */
  readonly irqsOff?: IrqContext;
  /** Why it is here (a comment). */
  readonly note: string;
}

/** The acquisition the report is about on this path, in its innermost frame. */
export interface Target {
  readonly cls: string;
  readonly take: Take;
  readonly note: string;
}

export interface PathPlan {
  /** Outermost first. */
  readonly frames: readonly Frame[];
  /** Holds per frame index; -1 is the thread's own block. */
  readonly holds: ReadonlyMap<number, readonly Hold[]>;
  readonly target: Target;
  /** The interrupt the report says fires while the target is held. */
  readonly interrupt: { readonly context: IrqContext; readonly handler: PathPlan; readonly label: string } | undefined;
}

export type ThreadRole = "trigger" | "chain" | "writer" | "irq-unsafe" | "irq-chain";

export interface ThreadPlan {
  readonly role: ThreadRole;
  /** The name before it is made unique: task or context, and the function that took the lock. */
  readonly name: string;
  readonly label: string;
  /** Comment lines above the thread's code. */
  readonly heading: readonly string[];
  readonly path: PathPlan;
  /** The thread is a work item's body: lockdep saw it holding these (`process_one_work` took them). */
  readonly work?: WorkBody;
}

/** A work item whose body a path is: its `(work_completion)` class (undefined: only its queue is named) and its queue's. */
export interface WorkBody {
  readonly cls: string | undefined;
  readonly queue: string | undefined;
}

export interface PlannedLock {
  readonly cls: string;
  readonly nature: Nature;
  readonly usage: string | undefined;
  readonly wait: string | undefined;
  /** Only lockdep's scenario table says it spins (taken there with interrupts off or under a spinning lock). */
  readonly spinsByScenario?: true;
  /** Held or taken by an interrupt handler of the scenario: a lock declared with no kind of its own (a plain mutex) spins there. */
  readonly inHandler?: true;
}

export interface ScenarioPlan {
  readonly report: LockdepReport;
  readonly title: string;
  /** The classes of lockdep's cycle (or the recursive class, or the irq chain), in the report's order. */
  readonly chain: readonly string[];
  readonly locks: readonly PlannedLock[];
  readonly threads: readonly ThreadPlan[];
  /** For the irq reports: the context the interrupt runs in. */
  readonly irq: IrqContext | undefined;
  /** What the report lacked, in words (the scenario says so). */
  readonly gaps: readonly string[];
  /** Workqueues lockdep shows to be ordered (flush_work() took the queue's map). */
  readonly ordered: ReadonlySet<string>;
}

/** Lockdep's wait type of a sleeping lock (`-{4:4}`: LD_WAIT_SLEEP where PROVE_RAW_LOCK_NESTING numbers spinlock_t 3; without it 3 is a sleeping lock too, but also spinlock_t's with it, so 3 says nothing). */
const SLEEPS = "4:4";

/** Everything the report says about each class, for natureOf. */
class Classes {
  private readonly evidence = new Map<string, { usage?: string; wait?: string; prims: Primitive[] }>();
  private readonly order: string[] = [];

  note(lock: LockLine | { cls: string; usage?: string; wait?: string }, prims: readonly Primitive[] = []): void {
    let e = this.evidence.get(lock.cls);
    if (!e) {
      e = { prims: [] };
      this.evidence.set(lock.cls, e);
      this.order.push(lock.cls);
    }
    if (lock.usage && !e.usage) e.usage = lock.usage;
    if (lock.wait && !e.wait) e.wait = lock.wait;
    e.prims.push(...prims);
  }

  nature(cls: string, scenario = true): Nature {
    const e = this.evidence.get(cls);
    const prims = e?.prims ?? [];
    const ev: Evidence = {
      usage: e?.usage,
      wait: e?.wait,
      readTaken: prims.some((p) => p.read && p.wait === undefined),
      // Lockdep's own wait type 4:4 (LD_WAIT_SLEEP with PROVE_RAW_LOCK_NESTING) says it sleeps, wherever the table has it.
      spins: prims.some((p) => p.spins) || (scenario && this.atomic.has(cls) && e?.wait !== SLEEPS),
      rwlock: prims.some((p) => p.rwlock),
      rwsemOp: prims.some((p) => p.rwsem),
    };
    return natureOf(cls, ev);
  }

  /** Classes lockdep's scenario table shows taken with interrupts off or under a spinning lock. */
  private readonly atomic = new Set<string>();

  /**
   * What lockdep's "Possible unsafe locking scenario" says of the classes
   * in it: one a column takes after `local_irq_disable()`, or while it
   * holds a lock that spins, is taken in atomic context, so it spins too
   * (a sleeping lock there would be a bug of its own; splat 08's
   * `&new->fa_lock`, an rwlock_t the report shows no usage of, was
   * written as a mutex, and the check then warned that the import's own
   * mutex slept under a spinlock). Call after every other note.
   */
  noteScenario(ops: readonly ScenarioOp[]): void {
    for (const cpu of [0, 1] as const) {
      let atomic = false;
      for (const o of ops) {
        if (o.cpu !== cpu) continue;
        if (o.op === "irqs-off") atomic = true;
        if ((o.op === "lock" || o.op === "rlock") && o.cls !== undefined) {
          if (atomic) this.atomic.add(o.cls);
          const n = this.nature(o.cls);
          if (n === "spinlock" || n === "rwlock") atomic = true;
        }
      }
    }
  }

  usage(cls: string): string | undefined {
    return this.evidence.get(cls)?.usage;
  }

  all(): PlannedLock[] {
    return this.order.map((cls) => {
      const nature = this.nature(cls);
      const byScenario = nature !== this.nature(cls, false);
      return { cls, nature, usage: this.usage(cls), wait: this.evidence.get(cls)?.wait, ...(byScenario ? { spinsByScenario: true as const } : {}) };
    });
  }
}

/** How a path holds a class when the report does not say: the row's rule, else the usage string. */
function holdsForReading(classes: Classes, cls: string): boolean {
  const row = WRITE_AS[classes.nature(cls)];
  if (row.holdsForReading !== undefined) return row.holdsForReading;
  const nature = classes.nature(cls);
  if (nature !== "rwsem" && nature !== "rwlock" && nature !== "hotplug") return false;
  const usage = classes.usage(cls);
  return usageHasRead(usage) || !usageHasWrite(usage);
}

/** How a path takes a class: the dropped primitives say, else lockdep's scenario line, else the usage. */
function takeOf(classes: Classes, cls: string, stack: readonly Frame[], scenarioOp: "lock" | "rlock" | "sync" | undefined): Take {
  const prims = primitivesOf(stack);
  // The outermost wait: destroy_workqueue() drains, which flushes.
  let wait: Wait | undefined = [...prims].reverse().find((p) => p.wait)?.wait ?? (scenarioOp === "sync" ? "synchronize_srcu" : undefined);
  if (wait === "kernfs_remove" && stack.some((f) => /^(kernfs_remove_self|sysfs_remove_file_self|device_remove_file_self)$/.test(f.name))) wait = "kernfs_remove_self";
  const irqsOff = prims.find((p) => p.irqsOff)?.irqsOff;
  const off = irqsOff ? { irqsOff } : {};
  if (WRITE_AS[classes.nature(cls)].pseudo) return { read: wait === undefined && (prims.some((p) => p.read) || scenarioOp === "rlock"), wait };
  if (prims.length > 0) return { read: prims.some((p) => p.read), wait, ...off };
  if (scenarioOp) return { read: scenarioOp === "rlock", wait };
  return { read: holdsForReading(classes, cls), wait };
}

interface HoldSpec {
  readonly cls: string;
  readonly at: Frame | undefined;
  readonly read: boolean;
  readonly note: string;
  readonly irqsOff?: IrqContext;
}

/**
 * A path through `stack` to the acquisition of `target`, with `holds` placed:
 * at the frame lockdep names (`at:`), else at a frame that holds such a lock
 * (a worker holds its work item in process_one_work), else, for the task
 * that triggered the report (`unknownAtInnermost`), just before the next hold
 * it can place (an earlier call that returned took it), or before the
 * acquisition; for the other paths at the start of the thread.
 */
function placePath(classes: Classes, stack: readonly Frame[], holds: readonly HoldSpec[], target: Target, unknownAtInnermost: boolean): PathPlan {
  const names = stack.map((f) => f.name);
  const targetAt = pathOf(stack).frames.at(-1);
  // A work item and its queue are held by the thread itself: the path is the item's body.
  const byThread = (h: HoldSpec): boolean => WRITE_AS[classes.nature(h.cls)].hold(h.cls, h.read).kind === "thread";
  const sites = holds.map((h) => {
    if (byThread(h)) return undefined;
    if (h.at) {
      // The same call site as the acquisition: an earlier call, which has returned.
      const sameCall = targetAt !== undefined && h.at.name === targetAt.name && h.at.offset !== undefined && h.at.offset === targetAt.offset;
      if (!sameCall && names.includes(h.at.name)) return h.at.name;
    }
    return WRITE_AS[classes.nature(h.cls)].holderFrames.find((n) => names.includes(n));
  });
  const keep = new Set(sites.filter((s): s is string => s !== undefined));
  const { frames } = pathOf(stack, keep);
  const indexOf = (name: string | undefined): number | undefined => {
    if (name === undefined) return undefined;
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.name === name) return i;
    return -1; // a frame dropped as boilerplate: outside the path
  };
  const placed = sites.map(indexOf);
  const innermost = frames.length - 1;
  const map = new Map<number, Hold[]>();
  holds.forEach((h, i) => {
    let at = placed[i];
    if (byThread(h)) at = -1;
    else if (at === undefined) {
      const later = placed.slice(i + 1).find((p) => p !== undefined);
      at = unknownAtInnermost ? (later ?? innermost) : -1;
    }
    const list = map.get(at) ?? [];
    list.push({ cls: h.cls, read: h.read, note: h.note, ...(h.irqsOff ? { irqsOff: h.irqsOff } : {}) });
    map.set(at, list);
  });
  return { frames, holds: map, target, interrupt: undefined };
}

function scenarioOpFor(r: LockdepReport, cls: string): "lock" | "rlock" | "sync" | undefined {
  const op = [...r.scenario].reverse().find((o) => o.cls === cls);
  return op && op.op !== "interrupt" && op.op !== "irqs-off" ? op.op : undefined;
}

function primitivesOf(stack: readonly Frame[]): readonly Primitive[] {
  return pathOf(stack).primitives;
}

/** `bash/1615` → `bash`; `irq/50-pciehp/57` → `irq_50_pciehp`. */
function taskWord(task: string): string {
  return identifier(task.replace(/\/\d+$/, ""), "task");
}

function innermostName(path: PathPlan, fallback: string): string {
  return path.frames.at(-1)?.name ?? fallback;
}

function heldNote(lock: LockLine, task: string): string {
  return `held by ${task}${lock.at ? ` since ${lock.at.raw}()` : ""}`;
}

/** Writers for every class some path takes for reading while another holds it for reading: lockdep assumes one may be waiting. */
function writers(threads: readonly ThreadPlan[], classes: Classes): ThreadPlan[] {
  const readHeld = new Set<string>();
  const readTaken = new Set<string>();
  const written = new Set<string>();
  const visit = (p: PathPlan): void => {
    for (const hs of p.holds.values()) for (const h of hs) (h.read ? readHeld : written).add(h.cls);
    (p.target.take.read ? readTaken : written).add(p.target.cls);
    // The interrupt fires while the target is held.
    if (p.interrupt && p.target.take.read) readHeld.add(p.target.cls);
    if (p.interrupt) visit(p.interrupt.handler);
  };
  threads.forEach((t) => visit(t.path));
  return [...readTaken]
    .filter((cls) => readHeld.has(cls) && !written.has(cls) && WRITE_AS[classes.nature(cls)].readersQueue)
    .map((cls) => ({
      role: "writer" as const,
      name: `writer_${lockIdentifier(cls)}`,
      label: `a writer of ${cls} waiting (lockdep assumes one may be)`,
      heading: [
        `A writer of ${cls} (${WRITE_AS[classes.nature(cls)].what}): readers wait behind a queued writer, so two readers can deadlock through it; lockdep reports the cycle assuming such a writer (assumption 1).`,
      ],
      path: { frames: [], holds: new Map(), target: { cls, take: { read: false, wait: undefined }, note: "the writer waits for the readers" }, interrupt: undefined },
    }));
}

function title(r: LockdepReport, what: string): string {
  return `${r.header.replace(/^WARNING: /, "")}: ${what} (${r.task}${r.kernel ? `, ${r.kernel}` : ""})`;
}

function planCircular(r: Extract<LockdepReport, { kind: "circular" }>): Omit<ScenarioPlan, "ordered"> {
  const classes = new Classes();
  const entries = [...r.chain].sort((a, b) => b.n - a.n);
  const byN = new Map<number, ChainEntry>(entries.map((e) => [e.n, e]));
  const top = entries[0]!.n;
  const gaps: string[] = [];
  for (let k = 0; k <= top; k++) if (!byN.has(k)) gaps.push(`entry #${k} of the dependency chain`);
  for (const e of entries) classes.note(e.lock, primitivesOf(e.stack));
  classes.note(r.trying);
  classes.note(r.holding);
  for (const h of r.held) classes.note(h);
  classes.noteScenario(r.scenario);
  const A = (k: number): string => byN.get(k)?.lock.cls ?? (k === 0 ? r.trying.cls : r.holding.cls);

  const threads: ThreadPlan[] = [];
  // The task that triggered the report: its locks held, then the new lock (#0's stack is its own).
  const e0 = byN.get(0);
  const stack0 = e0 && e0.stack.length > 0 ? e0.stack : r.backtrace.length > 0 ? r.backtrace : r.trying.at ? [r.trying.at] : [];
  if (e0 && e0.stack.length === 0) gaps.push("a stack for entry #0");
  const heldList = r.held.length > 0 ? r.held.filter((h) => h.cls !== A(0)) : [r.holding];
  const triggerHolds = heldList.map((h) => ({
    cls: h.cls,
    at: h.at,
    read: holdsForReading(classes, h.cls),
    note: h.cls === A(top) ? `${heldNote(h, r.task)}: the lock of the cycle it holds` : `${heldNote(h, r.task)} (not in the cycle)`,
  }));
  const trigTarget: Target = { cls: A(0), take: takeOf(classes, A(0), stack0, scenarioOpFor(r, A(0))), note: `${r.task} is trying to acquire ${A(0)}` };
  const trigger = placePath(classes, stack0, triggerHolds, trigTarget, true);
  threads.push({
    role: "trigger",
    name: `${taskWord(r.task)}_${innermostName(trigger, "path")}`,
    label: `${r.task}: takes ${A(0)} holding ${A(top)} (the report's task)`,
    heading: [`${r.task}, the task that triggered the report: holds ${A(top)}, tries ${A(0)} (-> #0).`],
    path: trigger,
  });
  for (let k = 1; k <= top; k++) {
    const e = byN.get(k);
    if (!e) continue;
    if (e.stack.length === 0) gaps.push(`a stack for entry #${k}`);
    const held = A(k - 1);
    const path = placePath(
      classes,
      e.stack,
      [{ cls: held, at: undefined, read: holdsForReading(classes, held), note: `lockdep: held when this path took ${A(k)}; where it was taken is not in the report` }],
      { cls: A(k), take: takeOf(classes, A(k), e.stack, undefined), note: `-> #${k}: takes ${A(k)} holding ${held}` },
      false,
    );
    const context = contextWord(e.stack);
    threads.push({
      role: "chain",
      name: `${context}_${innermostName(path, identifier(A(k)))}`,
      label: `-> #${k}: ${context}: takes ${A(k)} holding ${held}`,
      heading: [`-> #${k}: a path that took ${A(k)} while holding ${held} (lockdep recorded it; not necessarily ${r.task}).`],
      path,
    });
  }
  threads.push(...writers(threads, classes));
  const chain = Array.from({ length: top + 1 }, (_, k) => A(k));
  return { report: r, title: title(r, `${A(top)} -> ${A(0)}${top > 1 ? ` (a cycle of ${top + 1} locks)` : ""}`), chain, locks: classes.all(), threads, irq: undefined, gaps };
}

function planRecursive(r: Extract<LockdepReport, { kind: "recursive" }>): Omit<ScenarioPlan, "ordered"> {
  const classes = new Classes();
  const stack = r.backtrace.length > 0 ? r.backtrace : r.trying.at ? [r.trying.at] : [];
  const gaps = r.backtrace.length > 0 ? [] : ["a stack backtrace (the path is only the function lockdep names)"];
  classes.note(r.trying, primitivesOf(stack));
  classes.note(r.holding);
  for (const h of r.held) classes.note(h);
  classes.noteScenario(r.scenario);
  const heldList = r.held.length > 0 ? r.held : [r.holding];
  const holds = heldList.map((h) => ({
    cls: h.cls,
    at: h.at,
    read: holdsForReading(classes, h.cls),
    note: h.cls === r.trying.cls ? `${heldNote(h, r.task)}: the first time` : `${heldNote(h, r.task)}`,
  }));
  const target: Target = { cls: r.trying.cls, take: takeOf(classes, r.trying.cls, stack, scenarioOpFor(r, r.trying.cls)), note: `${r.task} takes ${r.trying.cls} again` };
  const path = placePath(classes, stack, holds, target, true);
  const threads: ThreadPlan[] = [
    {
      role: "trigger",
      name: `${taskWord(r.task)}_${innermostName(path, "path")}`,
      label: `${r.task}: takes ${r.trying.cls} twice`,
      heading: [`${r.task}: holds ${r.holding.cls}${r.holding.at ? ` (since ${r.holding.at.raw})` : ""} and takes it again.`],
      path,
    },
  ];
  threads.push(...writers(threads, classes));
  return { report: r, title: title(r, `${r.trying.cls} taken twice`), chain: [r.trying.cls], locks: classes.all(), threads, irq: undefined, gaps };
}

/**
 * In the irq reports the task's held locks may belong to the context an
 * interrupt interrupted: only those taken on the path itself are kept.
 */
function heldOnPath(held: readonly LockLine[], stack: readonly Frame[]): LockLine[] {
  const names = new Set(stack.map((f) => f.name));
  return held.filter((h) => h.at !== undefined && names.has(h.at.name));
}

/** A handler's path: the frames inside the interrupt's entry point. */
function handlerStack(stack: readonly Frame[]): readonly Frame[] {
  const irq = irqContextOf(stack);
  return irq ? stack.slice(0, irq.depth) : stack;
}

function interruptLabel(context: IrqContext, handler: PathPlan, cls: string, heldCls: string): string {
  const name = handler.frames[0]?.name ?? "handler";
  return `<Interrupt> ${context} ${name}: takes ${cls} while this CPU holds ${heldCls}`;
}

function withInterrupt(path: PathPlan, context: IrqContext, handler: PathPlan): PathPlan {
  return { ...path, interrupt: { context, handler, label: interruptLabel(context, handler, handler.target.cls, path.target.cls) } };
}

function planInconsistent(r: Extract<LockdepReport, { kind: "inconsistent" }>): Omit<ScenarioPlan, "ordered"> {
  const classes = new Classes();
  const toIsIrq = /^IN-/.test(r.to);
  const irqUsage = toIsIrq ? r.to : r.from;
  const onUsage = toIsIrq ? r.from : r.to;
  const context: IrqContext = /SOFTIRQ/.test(irqUsage) ? "softirq" : "hardirq";
  const handlerFull = toIsIrq ? r.backtrace : r.registered;
  const taskFull = toIsIrq ? r.registered : r.backtrace;
  const gaps: string[] = [];
  if (handlerFull.length === 0) gaps.push(`a stack for the ${irqUsage} use (the handler is only the function lockdep names)`);
  if (taskFull.length === 0) gaps.push(`a stack for the ${onUsage} use`);
  const at = r.lock.at ? [r.lock.at] : [];
  const hStack = handlerFull.length > 0 ? handlerStack(handlerFull) : at;
  const tStack = taskFull.length > 0 ? taskFull : at;
  classes.note(r.lock, [...primitivesOf(hStack), ...primitivesOf(tStack)]);
  const held = heldOnPath(r.held, toIsIrq ? hStack : tStack);
  for (const h of held) classes.note(h);
  classes.noteScenario(r.scenario);
  const heldHolds = held.map((h) => ({ cls: h.cls, at: h.at, read: holdsForReading(classes, h.cls), note: heldNote(h, r.task) }));
  const handler = placePath(classes, hStack, toIsIrq ? heldHolds : [], { cls: r.lock.cls, take: { read: /-R$/.test(irqUsage), wait: undefined }, note: `{${irqUsage}}: the handler takes ${r.lock.cls}` }, true);
  const task = placePath(classes, tStack, toIsIrq ? [] : heldHolds, { cls: r.lock.cls, take: { read: /-R$/.test(onUsage), wait: undefined }, note: `{${onUsage}}: taken with ${context === "softirq" ? "softirqs" : "interrupts"} enabled` }, true);
  const threads: ThreadPlan[] = [
    {
      role: "irq-unsafe",
      name: `${contextWord(tStack)}_${innermostName(task, "path")}`,
      label: `CPU0: takes ${r.lock.cls} {${onUsage}}, then the ${context} fires`,
      heading: [`CPU0 of lockdep's scenario: takes ${r.lock.cls} with ${context === "softirq" ? "softirqs" : "interrupts"} on ({${onUsage}}); the ${context} that takes it ({${irqUsage}}) fires on the same CPU.`],
      path: withInterrupt(task, context, handler),
    },
  ];
  threads.push(...writers(threads, classes));
  return { report: r, title: title(r, `${r.lock.cls} {${r.from}} -> {${r.to}}`), chain: [r.lock.cls], locks: classes.all(), threads, irq: context, gaps };
}

function usageStack(blocks: readonly DependencyBlock[], cls: string, re: RegExp): readonly Frame[] {
  const block = blocks.find((b) => b.lock.cls === cls);
  return block?.usages.find((u) => re.test(u.state))?.stack ?? [];
}

/** The irq inversion and safe -> unsafe reports: the unsafe user with the interrupt, and the chain from the safe lock. */
function planIrqChain(r: Extract<LockdepReport, { kind: "irq-inversion" | "safe-unsafe" }>): Omit<ScenarioPlan, "ordered"> {
  const classes = new Classes();
  const irq = r.irq;
  const context: IrqContext = irq === "SOFTIRQ" ? "softirq" : "hardirq";
  const gaps: string[] = [];
  let safe: LockLine;
  let unsafe: LockLine;
  let safeFull: readonly Frame[];
  let unsafeFull: readonly Frame[];
  let unsafeRead: boolean;
  if (r.kind === "safe-unsafe") {
    safe = r.safe;
    unsafe = r.unsafe;
    safeFull = r.safeAt;
    unsafeFull = r.unsafeAt;
    unsafeRead = primitivesOf(unsafeFull).some((p) => p.read);
  } else if (r.otherIs === "unsafe") {
    safe = r.changed;
    unsafe = r.other;
    safeFull = r.backtrace.length > 0 ? r.backtrace : usageStack(r.blocks, safe.cls, new RegExp(`^IN-${irq}-`));
    unsafeFull = usageStack(r.blocks, unsafe.cls, new RegExp(`^${irq}-ON-${r.read ? "R" : "W"}$`));
    unsafeRead = r.read;
  } else {
    safe = r.other;
    unsafe = r.changed;
    safeFull = usageStack(r.blocks, safe.cls, new RegExp(`^IN-${irq}-`));
    unsafeFull = r.backtrace;
    unsafeRead = r.read;
  }
  const chain = r.chainOf.length >= 2 ? r.chainOf : [safe.cls, unsafe.cls];
  if (safeFull.length === 0) gaps.push(`a stack for the ${irq}-safe use of ${safe.cls} (the handler is only the function lockdep names)`);
  if (unsafeFull.length === 0) gaps.push(`a stack for the ${irq}-unsafe use of ${unsafe.cls}`);
  const hStack = safeFull.length > 0 ? handlerStack(safeFull) : safe.at ? [safe.at] : [];
  const uStack = unsafeFull.length > 0 ? unsafeFull : unsafe.at ? [unsafe.at] : [];
  classes.note(safe, primitivesOf(hStack));
  classes.note(unsafe, primitivesOf(uStack));
  for (const c of chain) classes.note({ cls: c });
  // A usage stack is the class's own acquisition; `... acquired at:` may be its neighbour's, depending on the
  // direction lockdep searched, so it says nothing about the class.
  for (const b of r.blocks) classes.note(b.lock, b.usages.flatMap((u) => primitivesOf(u.stack)));
  if (r.kind === "safe-unsafe") {
    classes.note(r.trying, primitivesOf(r.backtrace));
    classes.note(r.holding);
  }
  classes.noteScenario(r.scenario);
  const handler = placePath(classes, hStack, [], { cls: safe.cls, take: takeOf(classes, safe.cls, hStack, undefined), note: `IN-${irq}: the handler takes ${safe.cls}` }, true);
  const unsafePath = placePath(classes, uStack, [], { cls: unsafe.cls, take: { read: unsafeRead, wait: undefined }, note: `${irq}-ON-${unsafeRead ? "R" : "W"}: taken with ${context === "softirq" ? "softirqs" : "interrupts"} enabled` }, true);
  const threads: ThreadPlan[] = [
    {
      role: "irq-unsafe",
      name: `${contextWord(uStack)}_${innermostName(unsafePath, "path")}`,
      label: `CPU0: takes ${unsafe.cls} (${irq}-unsafe), then the ${context} fires`,
      heading: [`CPU0 of lockdep's scenario: takes ${unsafe.cls} with ${context === "softirq" ? "softirqs" : "interrupts"} on; the ${context} that takes ${safe.cls} fires on the same CPU.`],
      path: withInterrupt(unsafePath, context, handler),
    },
  ];
  // CPU1: the chain safe --> … --> unsafe. The task's own path when it holds the chain (safe -> unsafe
  // reports: it is creating the last dependency); else the chain's locks in order, the last one along the
  // stack lockdep printed for it.
  const taskHolds = r.kind === "safe-unsafe" ? new Set([...r.held.map((h) => h.cls), r.trying.cls]) : new Set<string>();
  if (r.kind === "safe-unsafe" && chain.every((c) => taskHolds.has(c)) && r.backtrace.length > 0) {
    const held = r.held.filter((h) => h.cls !== r.trying.cls);
    for (const h of held) classes.note(h);
    // The irq-safe lock is taken with the interrupt disabled (else lockdep would have reported its inconsistent use).
    const holds = held.map((h) => ({ cls: h.cls, at: h.at, read: holdsForReading(classes, h.cls), note: heldNote(h, r.task), ...(h.cls === safe.cls ? { irqsOff: context } : {}) }));
    const take = takeOf(classes, r.trying.cls, r.backtrace, undefined);
    const path = placePath(classes, r.backtrace, holds, { cls: r.trying.cls, take: r.trying.cls === safe.cls ? { ...take, irqsOff: context } : take, note: `${r.task} is trying to acquire ${r.trying.cls}` }, true);
    threads.push({
      role: "irq-chain",
      name: `${taskWord(r.task)}_${innermostName(path, "path")}`,
      label: `CPU1: ${r.task}: ${chain.join(" -> ")} (the report's task)`,
      heading: [`CPU1 of lockdep's scenario: ${r.task}, the task that triggered the report, takes the chain ${chain.join(" --> ")}.`],
      path,
    });
  } else {
    const last = chain.at(-1)!;
    // Under the unsafe lock's block, `... acquired at:` is where it was taken when lockdep searched forwards to it.
    const forwards = r.kind === "safe-unsafe" || r.otherIs === "unsafe";
    const acquired = (forwards ? r.blocks.find((b) => b.lock.cls === last)?.acquiredAt : undefined) ?? [];
    if (acquired.length === 0) gaps.push(`a stack for the chain's last step (${last})`);
    // Where the chain's path took the irq-safe lock is not in the report: as
    // lockdep's scenario prints it, with local_irq_disable() for either class
    // (`lock_irqsave`, which keeps a softirq out too). A `lock_bh` would make
    // a later read of an rwlock_t in_interrupt(), recursive, which lockdep's
    // report of the chain rules out (it would not have followed that edge).
    const holds = chain.slice(0, -1).map((cls, i) => ({ cls, at: undefined, read: holdsForReading(classes, cls), note: "lockdep's chain: where this path took it is not in the report", ...(i === 0 ? { irqsOff: "hardirq" as const } : {}) }));
    const path = placePath(classes, acquired, holds, { cls: last, take: { read: unsafeRead || primitivesOf(acquired).some((p) => p.read), wait: undefined }, note: `the chain's last step: ${last}` }, false);
    threads.push({
      role: "irq-chain",
      name: `chain_${innermostName(path, identifier(last))}`,
      label: `CPU1: ${chain.join(" -> ")}`,
      heading: [
        `CPU1 of lockdep's scenario: the chain ${chain.join(" --> ")}, interrupts off from the irq-safe ${chain[0]} on (lockdep's local_irq_disable()).`,
        `Lockdep recorded each step of the chain on some path; written here as one path (assumption 1).`,
      ],
      path,
    });
  }
  threads.push(...writers(threads, classes));
  return { report: r, title: title(r, `${chain.join(" -> ")}`), chain, locks: classes.all(), threads, irq: context, gaps };
}

function planOf(r: LockdepReport): Omit<ScenarioPlan, "ordered"> {
  switch (r.kind) {
    case "circular":
      return planCircular(r);
    case "recursive":
      return planRecursive(r);
    case "inconsistent":
      return planInconsistent(r);
    case "irq-inversion":
    case "safe-unsafe":
      return planIrqChain(r);
    default:
      return unreachable(r);
  }
}

/**
 * Which threads are work items' bodies (a path lockdep saw holding a
 * `(work_completion)` or `(wq_completion)`, which process_one_work takes), and
 * which queues are ordered: flush_work() takes a queue's map only on an
 * ordered queue (or one with a rescuer), and a name may say so.
 */
export function planScenario(r: LockdepReport): ScenarioPlan {
  const plan = planOf(r);
  const nature = new Map(plan.locks.map((l) => [l.cls, l.nature]));
  const ordered = new Set<string>();
  const inHandler = new Set<string>();
  const visit = (p: PathPlan, handler: boolean): void => {
    if (nature.get(p.target.cls) === "workqueue" && p.target.take.wait === "flush_work") ordered.add(p.target.cls);
    if (handler) for (const cls of [p.target.cls, ...[...p.holds.values()].flat().map((h) => h.cls)]) inHandler.add(cls);
    if (p.interrupt) visit(p.interrupt.handler, true);
  };
  plan.threads.forEach((t) => visit(t.path, false));
  // Not where lockdep's wait type says the lock sleeps, nor for memory reclaim:
  // held in a handler, those are the report's own bug (RACE122 then says so; found by review).
  const locks = plan.locks.map((l) => (inHandler.has(l.cls) && l.wait !== SLEEPS && l.nature !== "reclaim" ? { ...l, inHandler: true as const } : l));
  for (const l of plan.locks) if (l.nature === "workqueue" && /ordered/i.test(l.cls)) ordered.add(l.cls);
  const threads = plan.threads.map((t): ThreadPlan => {
    const own = t.path.holds.get(-1) ?? [];
    const cls = own.find((h) => nature.get(h.cls) === "work")?.cls;
    const queue = own.find((h) => nature.get(h.cls) === "workqueue")?.cls;
    // A handler fires on a `cpu`: a path an interrupt fires on stays one (its item's hold is then not written).
    return (cls === undefined && queue === undefined) || t.path.interrupt ? t : { ...t, work: { cls, queue } };
  });
  return { ...plan, locks, threads, ordered };
}
