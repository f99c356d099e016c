// The table of every instruction kind's semantics, and the registry of the
// primitives' parts of the state (types.ts says what each module provides).
// Naming every kind is what makes a new one without its semantics a type
// error: OpTable is a mapped type over Instr["op"]. A new part is one line
// in PARTS; the layout (state.ts) places the parts in this order and
// exposes each under its key (`layout.p.work`).

import type { Instr, Model } from "../model";
import { CompletionState, completeAllOp, completeOp, reinitCompletionOp, tryWaitForCompletionOp, waitForCompletionOp } from "./completion";
import { assertOp, branchOp, eitherOp, waitOp } from "./flow";
import { bhDisableOp, bhEnableOp, irqDisableOp, irqEnableOp, irqRestoreOp, irqSaveOp, IrqState, irqUnlockOp, startIrqOp } from "./irq";
import { KernfsState, kernfsRemoveOp, kernfsRemoveSelfOp, sysfsEnterOp, sysfsExitOp } from "./kernfs";
import { KthreadState, kthreadRunOp, kthreadStopOp, startKthreadOp } from "./kthread";
import { LockState, lockOp, rlockOp, rtrylockOp, runlockOp, trylockOp, unlockOp } from "./locks";
import { SrcuState, srcuReadLockOp, srcuReadUnlockOp, synchronizeSrcuOp } from "./srcu";
import type { OpSemantics, OpTable, StatePart } from "./types";
import { assignOp, VarState } from "./vars";
import { WaitState } from "./waits";
import { cancelWorkOp, cancelWorkSyncOp, destroyWorkqueueOp, drainWorkqueueOp, flushWorkOp, flushWorkqueueOp, queueWorkOp, startWorkOp, WorkState } from "./work";

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
  start_work: startWorkOp,
  queue_work: queueWorkOp,
  flush_work: flushWorkOp,
  cancel_work_sync: cancelWorkSyncOp,
  cancel_work: cancelWorkOp,
  flush_workqueue: flushWorkqueueOp,
  drain_workqueue: drainWorkqueueOp,
  destroy_workqueue: destroyWorkqueueOp,
  start_kthread: startKthreadOp,
  kthread_run: kthreadRunOp,
  kthread_stop: kthreadStopOp,
  wait_for_completion: waitForCompletionOp,
  complete: completeOp,
  complete_all: completeAllOp,
  reinit_completion: reinitCompletionOp,
  try_wait_for_completion: tryWaitForCompletionOp,
  sysfs_enter: sysfsEnterOp,
  sysfs_exit: sysfsExitOp,
  kernfs_remove: kernfsRemoveOp,
  kernfs_remove_self: kernfsRemoveSelfOp,
  srcu_read_lock: srcuReadLockOp,
  srcu_read_unlock: srcuReadUnlockOp,
  synchronize_srcu: synchronizeSrcuOp,
  start_irq: startIrqOp,
  irq_disable: irqDisableOp,
  irq_enable: irqEnableOp,
  irq_save: irqSaveOp,
  irq_restore: irqRestoreOp,
  bh_disable: bhDisableOp,
  bh_enable: bhEnableOp,
  irq_unlock: irqUnlockOp,
};

/** The semantics of an instruction (the table is keyed by kind; this is the one place that says so to the type checker). */
export function semantics<I extends Instr>(ins: I): OpSemantics<I> {
  return OPS[ins.op] as unknown as OpSemantics<I>;
}

/** Makes a part: its bytes from `base`, its resources (for the reduction) from `resBase`. */
type PartMaker = (model: Model, base: number, resBase: number) => StatePart;

export const PARTS = {
  locks: (model: Model, base: number) => new LockState(model, base),
  vars: (model: Model, base: number) => new VarState(model, base),
  waits: (model: Model, base: number) => new WaitState(model, base),
  work: (model: Model, base: number, res: number) => new WorkState(model, base, res),
  kthreads: (model: Model, base: number, res: number) => new KthreadState(model, base, res),
  completions: (model: Model, base: number, res: number) => new CompletionState(model, base, res),
  kernfs: (model: Model, base: number, res: number) => new KernfsState(model, base, res),
  srcus: (model: Model, base: number, res: number) => new SrcuState(model, base, res),
  irq: (model: Model, base: number, res: number) => new IrqState(model, base, res),
} satisfies Record<string, PartMaker>;

export type Parts = { readonly [K in keyof typeof PARTS]: ReturnType<(typeof PARTS)[K]> };
