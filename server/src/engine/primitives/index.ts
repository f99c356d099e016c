// The table of every instruction kind's semantics (types.ts says what each
// module provides). Naming every kind is what makes a new one without its
// semantics a type error: OpTable is a mapped type over Instr["op"].

import type { Instr } from "../model";
import { assertOp, branchOp, eitherOp, waitOp } from "./flow";
import { lockOp, rlockOp, rtrylockOp, runlockOp, trylockOp, unlockOp } from "./locks";
import type { OpSemantics, OpTable } from "./types";
import { assignOp } from "./vars";

export const OPS: OpTable = {
  lock: lockOp,
  unlock: unlockOp,
  rlock: rlockOp,
  runlock: runlockOp,
  trylock: trylockOp,
  rtrylock: rtrylockOp,
  assign: assignOp,
  assert: assertOp,
  wait: waitOp,
  branch: branchOp,
  either: eitherOp,
};

/** The semantics of an instruction (the table is keyed by kind; this is the one place that says so to the type checker). */
export function semantics<I extends Instr>(ins: I): OpSemantics<I> {
  return OPS[ins.op] as unknown as OpSemantics<I>;
}
