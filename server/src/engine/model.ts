// The model: what the explorer runs. Each CPU's code is an array of
// instructions with calls expanded in place (every lock reference names one
// concrete lock), control flow resolved to successor indices (jumps, calls,
// returns and block ends are not steps and do not appear), and each
// instruction keeps its source span and call stack for traces and hover.

import type { Callee } from "../language/referent";
import type { Span } from "../language/span";
import type { FlowInstr } from "./primitives/flow";
import type { LockInstr } from "./primitives/locks";
import type { VarInstr } from "./primitives/vars";

export type LockKind = "mutex" | "recursive mutex" | "spinlock" | "rwsem";

export interface LockInfo {
  readonly name: string; // `L` or `L[obj]`
  readonly kind: LockKind;
  readonly declSpan: Span;
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
  | { readonly k: "locked"; readonly lock: number };

export interface InstrBase {
  readonly span: Span;
  readonly stack: readonly Frame[];
  /** The action as a reader would write it, arguments substituted: `lock device_lock[pf]`. */
  readonly text: string;
}

/** Every instruction kind: each primitive module (primitives/) defines its own. */
export type Instr = LockInstr | VarInstr | FlowInstr;

export interface CpuCode {
  readonly name: string;
  readonly label: string | undefined;
  readonly declSpan: Span;
  readonly entry: number;
  readonly code: readonly Instr[];
}

export interface Model {
  readonly title: string | undefined;
  readonly locks: readonly LockInfo[];
  readonly vars: readonly VarInfo[];
  readonly cpus: readonly CpuCode[];
}

/** Program counter values with a meaning of their own (see state.ts). */
export const PC_DONE = 0x7fff;
export const PC_STOPPED_FLAG = 0x8000;
export const MAX_PC = 0x7ffe;
