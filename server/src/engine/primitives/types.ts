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

import type { CExpr, Instr, Model } from "../model";
import type { CpuStatus } from "../status";
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

/** What a statement touches, as told to the reduction. */
export interface AccessSink {
  lock(lock: number, mode: LockMode): void;
  read(variable: number): void;
  write(variable: number): void;
  expr(e: CExpr): void;
}

/** A lock a statement acquires: lock-order edges go to it from every lock held, and a CPU blocked there waits for it. */
export interface Acquire {
  readonly lock: number;
  /** The read side of a reader/writer lock. */
  readonly read: boolean;
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
   * For a CPU blocked on others (`waitsFor`): every CPU whose step could
   * release it (the reduction's condition D), `waitsFor` and any more.
   */
  unblockers(m: Layout, st: Uint8Array, cpu: number, ins: I, waitsFor: number): number;
  /** Takes the step in place: the next pc, or a negated StepResult error, which stops the CPU there. */
  step(m: Layout, st: Uint8Array, cpu: number, ins: I, choice: number): number;
  /** What the step touches (reduce.ts). */
  access(ins: I, a: AccessSink, m: Layout): void;
  /** What standing at it touches for others (a queued rwsem writer blocks new readers). */
  arrival(ins: I, a: AccessSink, m: Layout): void;
  /** Can its step stop the CPU (a failed assert, a bad unlock, an overflow)? */
  canStop(ins: I, m: Layout): boolean;
  acquires(ins: I): Acquire | undefined;
  /** The lock it releases, if any. */
  releases(ins: I): number | undefined;
  /** How a trace words the step that went from `before` to `after`. */
  words(ins: I, m: Layout, before: Uint8Array, after: Uint8Array, cpu: number, choice: number, failed: boolean): StepWords;
  promela(ins: I, p: PromelaContext): string;
}

export type OpTable = { readonly [K in Op]: OpSemantics<InstrOf<K>> };

/** A primitive's part of the state, and what it adds to Promela. */
export interface StatePart {
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

export const NO_WORDS: StepWords = { outcome: "", lock: undefined, acquired: false, released: false };
