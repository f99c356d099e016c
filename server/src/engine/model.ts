// The model: what the explorer runs. Each CPU's code is an array of
// instructions with calls expanded in place (every lock reference names one
// concrete lock), control flow resolved to successor indices (jumps, calls,
// returns and block ends are not steps and do not appear), and each
// instruction keeps its source span and call stack for traces and hover.

import { unreachable } from "../language/ast";
import type { Callee } from "../language/referent";
import type { Span } from "../language/span";
import { RCU_DOMAIN } from "../language/verbs";
import type { FlowInstr } from "./primitives/flow";
import type { LockInstr } from "./primitives/locks";
import type { VarInstr } from "./primitives/vars";
import type { WorkInstr } from "./primitives/work";
import type { KthreadInstr } from "./primitives/kthread";
import type { CompletionInstr } from "./primitives/completion";
import type { KernfsInstr } from "./primitives/kernfs";
import type { SrcuInstr } from "./primitives/srcu";
import type { IrqInstr } from "./primitives/irq";

/** `rwlock` is rwlock_t (race-language.md §10): spinning; a handler's read gets it unless a writer holds it. */
export type LockKind = "mutex" | "recursive mutex" | "spinlock" | "rwsem" | "rwlock";

/** Has a read side (reader counts, `rlock`): an rwsem or an rwlock_t. */
export const isReaderWriter = (kind: LockKind): boolean => kind === "rwsem" || kind === "rwlock";

/** Spins rather than sleeps: a spinlock or an rwlock_t (holding one, a thread cannot sleep). */
export const spins = (kind: LockKind): boolean => kind === "spinlock" || kind === "rwlock";

export interface LockInfo {
  readonly name: string; // `L` or `L[obj]`
  readonly kind: LockKind;
  readonly declSpan: Span;
  /** Declared `novalidate`: lockdep does not validate it (lockdep_set_novalidate_class(): no dependencies, no irq usage). */
  readonly novalidate?: true;
}

export interface VarInfo {
  /**
   * `x` or `x[obj]` for a shared variable; for a local (`var` inside a body),
   * one per instance: `B.got` in CPU B's own code, `B:f#2.got` in B's second
   * expansion of f (`B:drv.cb#1.got` for a callback); a second local of one
   * name in the same instance is `B.got#2`.
   */
  readonly name: string;
  readonly type: "int" | "bool";
  readonly init: number;
  readonly declSpan: Span;
}

export interface Frame {
  /** What the call entered. */
  readonly callee: Callee;
  /** How traces show the call, arguments substituted: `f(pf)`, `drv.probe(a)`. */
  readonly fn: string;
  /** The call statement that entered it. */
  readonly call: Span;
}

/** Compiled expression: evaluated by the interpreter in state.ts. */
export type CExpr =
  | { readonly k: "const"; readonly v: number }
  | { readonly k: "var"; readonly id: number }
  | { readonly k: "not"; readonly e: CExpr }
  | { readonly k: "neg"; readonly e: CExpr }
  | { readonly k: "bin"; readonly op: "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-"; readonly l: CExpr; readonly r: CExpr }
  | { readonly k: "held"; readonly lock: number }
  | { readonly k: "locked"; readonly lock: number }
  /** `kthread_should_stop()` inside kthread `kthread` (its index in Model.kthreads). */
  | { readonly k: "shouldStop"; readonly kthread: number };

/** The operators of a binary expression that evaluate both sides (`&&` and `||` need only the left one sometimes). */
export type StrictOperator = Exclude<Extract<CExpr, { k: "bin" }>["op"], "&&" | "||">;

/** `a op b`: a truth value (1 or 0) or a number. */
export function applyOperator(op: StrictOperator, a: number, b: number): number {
  switch (op) {
    case "==":
      return a === b ? 1 : 0;
    case "!=":
      return a !== b ? 1 : 0;
    case "<":
      return a < b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case ">=":
      return a >= b ? 1 : 0;
    case "+":
      return a + b;
    case "-":
      return a - b;
    default:
      return unreachable(op);
  }
}

export interface InstrBase {
  readonly span: Span;
  readonly stack: readonly Frame[];
  /** The action as a reader would write it, arguments substituted: `lock device_lock[pf]`. */
  readonly text: string;
}

/** Every instruction kind: each primitive module (primitives/) defines its own. */
export type Instr = LockInstr | VarInstr | FlowInstr | WorkInstr | KthreadInstr | CompletionInstr | KernfsInstr | SrcuInstr | IrqInstr;

/**
 * What a thread is (race-language.md §9): a `cpu` block starts at once; a
 * work item's thread runs its body each time the item starts on a worker
 * (pc 0 is its `start W` step, and the body's end goes back to it); a
 * kthread's starts when `kthread_run` says so (pc 0 is its `start T`); an
 * interrupt handler's (§10) when it fires on its CPU (pc 0 is its
 * `<Interrupt> H`), at most once, on top of what it interrupted.
 */
export type ThreadKind = "cpu" | "work" | "kthread" | "irq" | "softirq";

export interface CpuCode {
  readonly kind: ThreadKind;
  readonly name: string;
  readonly label: string | undefined;
  readonly declSpan: Span;
  readonly entry: number;
  readonly code: readonly Instr[];
}

/** A workqueue: without `max_active` (0 here) every pending item may run at once; `ordered` is max_active 1. */
export interface WorkqueueInfo {
  readonly name: string;
  readonly declSpan: Span;
  readonly ordered: boolean;
  readonly maxActive: number;
  /** Its `(wq_completion)Q` pseudo-lock (an index among the lock classes, see lockClassNames). */
  readonly lockClass: number;
}

/** A work item (one per object for `work W[o1, o2]`), run by its own thread. */
export interface WorkInfo {
  readonly name: string;
  readonly declSpan: Span;
  readonly queue: number;
  /** The thread (index in Model.cpus) that runs its body. */
  readonly thread: number;
  /** Its `(work_completion)(&W)` pseudo-lock. */
  readonly lockClass: number;
}

/** An interrupt handler (race-language.md §10): `irq H on C { … }` or `softirq H on C { … }`. */
export interface HandlerInfo {
  readonly name: string;
  readonly declSpan: Span;
  readonly kind: "irq" | "softirq";
  /** The thread of the CPU it interrupts (a `cpu` block). */
  readonly cpu: number;
  /** Its own thread. */
  readonly thread: number;
}

export interface KthreadInfo {
  readonly name: string;
  readonly declSpan: Span;
  readonly thread: number;
}

/** A completion, a kernfs node or an SRCU domain (`rcu` is one, built in). */
export interface NamedInfo {
  readonly name: string;
  readonly declSpan: Span;
  /** Its pseudo-lock, for kernfs nodes (`kn->active`) and SRCU domains; else -1. */
  readonly lockClass: number;
}

/**
 * Lockdep's pseudo-locks: `(work_completion)(&W)`, `(wq_completion)Q`,
 * `kn->active#KN`, an SRCU domain. They are lock classes after the real
 * locks: class `model.locks.length + i` is `pseudoLocks[i]`.
 */
export interface PseudoLockInfo {
  readonly name: string;
  readonly declSpan: Span;
}

export interface Model {
  readonly title: string | undefined;
  readonly locks: readonly LockInfo[];
  readonly vars: readonly VarInfo[];
  /** Every thread: the CPUs, then the work items' threads, the kthreads', the interrupt handlers'. */
  readonly cpus: readonly CpuCode[];
  readonly workqueues: readonly WorkqueueInfo[];
  readonly works: readonly WorkInfo[];
  readonly kthreads: readonly KthreadInfo[];
  readonly completions: readonly NamedInfo[];
  readonly kernfs: readonly NamedInfo[];
  readonly srcus: readonly NamedInfo[];
  readonly handlers: readonly HandlerInfo[];
  readonly pseudoLocks: readonly PseudoLockInfo[];
}

/** The lock class of the built-in RCU domain (`rcu_read_lock` sections), if the scenario uses RCU. */
export function rcuLockClass(model: Model): number | undefined {
  return model.srcus.find((d) => d.name === RCU_DOMAIN)?.lockClass;
}

/**
 * Per lock class (lockClassNames' order): 1 if lockdep records no
 * dependency and no irq usage for it: a lock declared `novalidate`
 * (lockdep_set_novalidate_class(): __lock_acquire() then takes it with
 * check=0), and the RCU domain (rcu_read_lock() acquires with check=0).
 */
export function uncheckedClasses(model: Model): Uint8Array {
  const out = new Uint8Array(lockClassCount(model));
  model.locks.forEach((l, i) => (out[i] = l.novalidate ? 1 : 0));
  const rcu = rcuLockClass(model);
  if (rcu !== undefined) out[rcu] = 1;
  return out;
}

/** Every lock class by index: the locks, then the pseudo-locks. */
export function lockClassNames(model: Model): string[] {
  return [...model.locks.map((l) => l.name), ...model.pseudoLocks.map((p) => p.name)];
}

export function lockClassCount(model: Model): number {
  return model.locks.length + model.pseudoLocks.length;
}

/** Program counter values with a meaning of their own (see state.ts). */
export const PC_DONE = 0x7fff;
export const PC_STOPPED_FLAG = 0x8000;
export const MAX_PC = 0x7ffe;
