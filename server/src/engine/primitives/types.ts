// What a primitive is to the engine: one module per primitive (locks,
// variables, control flow, …) says, for each instruction it adds, when a
// step is enabled and whom a blocked CPU waits for, what the step does,
// what it touches for the partial-order reduction, whether it can stop its
// CPU, which lock it acquires or releases (lockdep's view), how traces word
// it and how it is written in Promela; and, for the primitive as a whole,
// its part of the state, its packed fields and its Promela declarations.
// The core (state.ts, pack.ts, reduce.ts, trace.ts, export/promela.ts)
// dispatches over the table in primitives/index.ts, which must name every
// instruction kind: a new kind without its semantics fails the type check.

import type { CExpr, Frame, Instr, Model } from "../model";
import type { Span } from "../../language/span";
import type { CpuStatus, StepResult } from "../status";
import type { Layout } from "../state";

export type Op = Instr["op"];
/** The instruction of kind K (one variant may serve several kinds: `lock` and `rlock` share a shape). */
export type InstrOf<K extends Op> = Instr extends infer I ? (I extends { readonly op: infer O } ? (K extends O ? Omit<I, "op"> & { readonly op: K } : never) : never) : never;

/**
 * How a statement touches a lock, for the reduction: a blocking acquire of
 * a mutex-like lock and another CPU's release are never enabled together
 * (docs/ARCHITECTURE.md "Lock modes").
 */
export const enum LockMode {
  Acquire = 0,
  Release = 1,
  /** trylock, and every operation on an rwsem. */
  Try = 2,
  /** `locked()`. */
  Query = 3,
}

/**
 * What a statement touches, as told to the reduction. Besides locks and
 * variables, a primitive's objects (a work item, a completion, a kernfs
 * node, …) are resources: each part numbers its own (StatePart.resources)
 * and the layout places them after the variables.
 */
export interface AccessSink {
  lock(lock: number, mode: LockMode): void;
  read(variable: number): void;
  write(variable: number): void;
  expr(e: CExpr): void;
  /** A resource (a global number from Layout.resource) read, or written. */
  resource(id: number, write: boolean): void;
}

/** A lock a statement acquires: lock-order edges go to it from every lock held, and a CPU blocked there waits for it. */
export interface Acquire {
  readonly lock: number;
  /** The read side of a reader/writer lock. */
  readonly read: boolean;
  /** A synchronize: lockdep's acquire and release of an SRCU domain, printed `sync(S)`. */
  readonly sync?: boolean;
}

/** What a trace says of one step. */
export interface StepWords {
  /** Appended to the statement's text: ` → acquired`, ` → true`, ` → "kzalloc fails"`. */
  readonly outcome: string;
  /** The lock it took or let go of, if any. */
  readonly lock: number | undefined;
  readonly acquired: boolean;
  readonly released: boolean;
}

export interface PromelaContext {
  readonly model: Model;
  readonly layout: Layout;
  readonly cpu: number;
  /** The statement's own pc, and its label (a wait that stays for its return jumps there). */
  readonly pc: number;
  readonly here: string;
  /** The CPU's number in the model's own encoding (owners are CPU + 1). */
  readonly me: number;
  /** Jump to `target` (with any bookkeeping a primitive keeps per position). */
  go(target: number): string;
  /** Stop the CPU at an error (a valid end state for SPIN, as for us). */
  readonly stop: string;
  expr(e: CExpr): string;
}

export interface OpSemantics<I extends Instr> {
  /** Where control can go after it (pcs, or PC_DONE). */
  successors(ins: I): readonly number[];
  /** How many different steps it offers (an `either`: one per branch). */
  choices(ins: I): number;
  /**
   * Can `cpu`, standing at `ins`, take its step? A CPU blocked on others
   * that hold what it needs gets them in `waitsFor[cpu]` (a CPU mask).
   */
  status(m: Layout, st: Uint8Array, cpu: number, ins: I, waitsFor: Int32Array): CpuStatus;
  /**
   * The op may sleep: it calls might_sleep() (a mutex or rwsem taken, a
   * flush, a stop, a wait for a completion, a synchronize, a removal, a
   * kthread created). Where its thread cannot sleep there (a spinlock
   * held, interrupts or softirqs off, in a handler, inside an RCU
   * read-side section), the kernel reports "BUG: sleeping function called
   * from invalid context" (engine/sleepReport.ts).
   */
  sleeps?(ins: I, model: Model): boolean;
  /**
   * Its step may enter or leave a region where the thread cannot pass an
   * RCU quiescent state (a spinning lock taken or released, hardirqs or
   * softirqs disabled or enabled): consolidated RCU's synchronize_rcu
   * waits for such regions (primitives/srcu.ts). Every step of an
   * interrupt handler counts so too.
   */
  atomicContext?(ins: I, model: Model): boolean;
  /**
   * For a wait on threads, blocked in `st`: why thread `thread`, which does
   * not hold the wait's pseudo-lock, still keeps it waiting, in words
   * (consolidated RCU: `holding A`); undefined where it will hold it once
   * it runs (a pending work item).
   */
  awaitedWhy?(ins: I, m: Layout, st: Uint8Array, thread: number): string | undefined;
  /**
   * Blocked on others, the CPU waits for any one of `waitsFor` (a free
   * slot: one running item's end is enough), not for each of them (a lock's
   * holders): it is deadlocked only if all of them are (search/detect.ts).
   */
  readonly waitsForAny?: true;
  /**
   * For a CPU blocked on others (`waitsFor`): every CPU whose step could
   * release it (the reduction's condition D), `waitsFor` and any more.
   */
  unblockers(m: Layout, st: Uint8Array, cpu: number, ins: I, waitsFor: number): number;
  /**
   * For a thread idle at it (its step not enabled, nothing held): the
   * threads whose step could enable it besides the writers of what it
   * reads, which the reduction adds anyway (an interrupt handler kept out
   * by another one running on top of its CPU: that one's return).
   */
  idleEnablers?(m: Layout, st: Uint8Array, cpu: number, ins: I): number;
  /** Takes the step in place: the next pc, or a negated StepResult error, which stops the CPU there. */
  step(m: Layout, st: Uint8Array, cpu: number, ins: I, choice: number): number;
  /** What the step touches (reduce.ts), when thread `thread` takes it. */
  access(ins: I, a: AccessSink, m: Layout, thread: number): void;
  /** What standing at it touches for others (a queued rwsem writer blocks new readers). */
  arrival(ins: I, a: AccessSink, m: Layout): void;
  /** For a wait taken in two steps (waits.ts): the record bytes it needs besides the phase. */
  recordBytes?(ins: I, model: Model): number;
  /** Can its step stop the CPU (a failed assert, a bad unlock, an overflow)? */
  canStop(ins: I, m: Layout): boolean;
  /** The lock class it acquires (a real lock or a pseudo-lock): what a CPU blocked at it waits for. */
  acquires(ins: I, model: Model): Acquire | undefined;
  /** Further lock classes it acquires and releases at once, for lockdep's graph (a flush on an ordered queue: its `(wq_completion)`). */
  alsoAcquires?(ins: I, model: Model): readonly Acquire[];
  /**
   * Blocked on others (BlockedOnLock), it is also released by a write to
   * what it reads (a cancel ends a flush's wait as the item's end does):
   * the reduction adds those writers to `unblockers`.
   */
  readonly releasedByWrites?: boolean;
  /**
   * What a thread blocked here waits for, in words, where no lock class
   * stands for it (`completion done`, `poller to exit`).
   */
  waitsOn?(ins: I, model: Model): string;
  /** The statements that could let a thread blocked here pass (the `complete`s of its completion). */
  releasers?(ins: I, model: Model): readonly { readonly thread: number; readonly pc: number }[];
  /** The lock it releases, if any. */
  releases(ins: I): number | undefined;
  /**
   * What a thread about to take this step finds (for the hover: what a
   * wait may wait for), as bits OR-ed over every explored state where the
   * thread stands here with the step enabled (a wait under way: 0). Must
   * be a function of what the step reads (`access`): then the reduced
   * search finds the same bits as the full one.
   */
  observe?(ins: I, m: Layout, st: Uint8Array, cpu: number): number;
  /**
   * For lockdep's view: does its thread, standing at it in `st`, acquire
   * the classes `acquires` names (default: always)? A flush or
   * cancel_work_sync touches them only when it will wait (v6.9 on:
   * start_flush_work() after its already_gone check). Like `observe`, a
   * function of what the step reads.
   */
  recordsAcquire?(ins: I, m: Layout, st: Uint8Array, cpu: number): boolean;
  /** Those bits, found by `thread`, in words, with what the model says of the wait (who can end it); `reached`: is that statement reached in some explored state. */
  seen?(ins: I, model: Model, thread: number, bits: number, reached: (thread: number, pc: number) => boolean): WaitFacts;
  /** How a trace words the step that went from `before` to `after`. */
  words(ins: I, m: Layout, before: Uint8Array, after: Uint8Array, cpu: number, choice: number, failed: boolean): StepWords;
  promela(ins: I, p: PromelaContext): string;
}

/** What a waiting statement found at its call over the explored states (SiteFacts.wait), in the primitive's words. */
export interface WaitFacts {
  /** What it waits on, as traces name it: `wfc`, `completion done`, `the sections of kvm_srcu`. */
  readonly on: string;
  /** Each situation found at the call, in a fixed order: `pending: waits for it to run and finish`. */
  readonly found: readonly string[];
  /** The threads it was found to wait for at the call (a work item's, the readers in a section), in thread order. */
  readonly threads: readonly string[];
  /** For a completion: the statements that can let it pass, each reached by its thread in some explored state or not. */
  readonly releasers?: readonly { readonly thread: string; readonly action: string; readonly span: Span; readonly stack: readonly Frame[]; readonly reached: boolean }[];
}

/** One object of a primitive and its state in one state of the scenario, in words. */
export interface ObjectState {
  /** The word that declares it (`work`, `workqueue`, `kthread`, `completion`, `kernfs`, `srcu`, `rcu`), or `interrupts` for a context's interrupt state. */
  readonly kind: string;
  readonly name: string;
  /** `pending`, `running, and queued again`, `done = 1`, `read sections open: VCPU`, `hardirqs off, softirqs off`. */
  readonly state: string;
}

export type OpTable = { readonly [K in Op]: OpSemantics<InstrOf<K>> };

/** A primitive's part of the state, and what it adds to Promela. */
export interface StatePart {
  /** How many resources (for the reduction, see AccessSink) it numbers; the layout gives it `resBase`. */
  readonly resources?: number;
  /** Called once the layout is built (parts that read others' state, or their own threads' pcs). */
  link?(m: Layout): void;
  /**
   * Whether a part keeps thread `t` from stepping whatever its statement
   * says (an interrupted task: `waitsFor` gets the handler on top of it).
   * Asked only for the threads `gates` lists.
   */
  gate?(st: Uint8Array, t: number, waitsFor: Int32Array): CpuStatus | undefined;
  /** The threads `gate` may keep from stepping. */
  readonly gates?: readonly number[];
  /** What a gated thread waits for, in words (`irq_timer to return`). */
  gateWords?(st: Uint8Array, t: number): string | undefined;
  /** What every statement of thread `t` touches besides its own (a CPU's contexts read who is on top), for the reduction. */
  threadAccess?(t: number, a: AccessSink): void;
  /**
   * A thread's body has ended (a work item's run, a kthread, a CPU): the
   * part's bookkeeping, and a misuse it finds (a section left open), or Ok.
   */
  threadEnd?(m: Layout, st: Uint8Array, thread: number): StepResult;
  /** What a thread's end touches, for the reduction (added to every statement that can end it). */
  endAccess?(thread: number, a: AccessSink): void;
  /** What a thread's stopping at an error touches, for the reduction (added to every statement that can stop it). */
  stopAccess?(thread: number, a: AccessSink): void;
  /**
   * Its objects' state in `st`, in words, for the guided simulation and the
   * trace debugger (a work item pending or running, a completion's count,
   * the readers in a section, a context's interrupt state): `add` once per
   * object, in declaration order.
   */
  describe?(m: Layout, st: Uint8Array, add: (o: ObjectState) => void): void;
  /** The pseudo-locks each thread holds in `st` (lockdep's view): `add(thread, class, read)`. */
  held?(st: Uint8Array, add: (thread: number, lockClass: number, read: boolean) => void): void;
  /** Bytes it takes in an unpacked state (placed from `base` on by the layout). */
  readonly size: number;
  /** Its values in the initial state. */
  init(st: Uint8Array): void;
  /** Packed fields: each byte it keeps (others rebuilt by `derive` on unpacking). */
  pack(field: (byte: number, bits: number, code?: { encode: Int32Array; decode: Int32Array }) => void): void;
  /** Bytes rebuilt from the packed ones on unpacking. */
  derive(st: Uint8Array): void;
  /** Declarations and initial values in the Promela model. */
  promelaDecls(): string[];
  promelaInit(): string[];
  /** Statements to run along with a jump from `from` to `to` in CPU `cpu` (bookkeeping that mirrors positions). */
  promelaJump(cpu: number, from: number, to: number): string;
}

/** Released only by those it waits for. */
export const byOwners = (_m: Layout, _st: Uint8Array, _cpu: number, _ins: unknown, waitsFor: number): number => waitsFor;

/** In a mask of threads (at most 31) that `observe` returns: none was found (a wait that returns at once). */
/** The number of bits set in a 32-bit mask (of CPUs, of slots). */
export function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** The bits a packed field needs to tell `values` values apart (at least one). */
export const bitsFor = (values: number): number => Math.max(1, Math.ceil(Math.log2(values)));

export const NO_THREAD = 1 << 31;

/** The threads of a mask, by name, in thread order. */
export function threadNames(model: Model, mask: number): string[] {
  return model.cpus.flatMap((c, t) => (mask & (1 << t) ? [c.name] : []));
}

export const NO_WORDS: StepWords = { outcome: "", lock: undefined, acquired: false, released: false };
