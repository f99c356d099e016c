// What a CPU can do in a state, and what one of its steps did: shared by
// the semantics (state.ts, primitives/) and everything that reads it.

export const enum CpuStatus {
  Finished = 0,
  Enabled = 1,
  /** Waiting for CPUs that hold what it needs (`waitsFor` says which): deadlock cycles go through these. */
  BlockedOnLock = 2,
  /** Waiting for a condition: whoever could make it true may release it. */
  BlockedOnWait = 3,
  /**
   * A thread with nothing to do until another starts it: a work item not
   * pending, a kthread not yet run. Done as far as being stuck goes; for
   * the reduction, released by whoever queues or runs it.
   */
  Idle = 4,
}

/** A wait for the threads in `mask`: enabled once there are none, else blocked on them (recorded in `waitsFor`). */
export function waitingFor(waitsFor: Int32Array, cpu: number, mask: number): CpuStatus {
  if (mask === 0) return CpuStatus.Enabled;
  waitsFor[cpu] = mask;
  return CpuStatus.BlockedOnLock;
}

export const enum StepResult {
  Ok = 0,
  Violation = 1,
  BadUnlock = 2,
  Overflow = 3,
  /** The CPU finished its block while holding locks. */
  HeldAtExit = 4,
  /** `srcu_read_unlock`/`rcu_read_unlock` with no section open. */
  SectionUnbalanced = 5,
  /** A thread ended inside a read-side section. */
  SectionOpenAtExit = 6,
  /** `queue_work` on a workqueue after `destroy_workqueue`. */
  QueueDestroyed = 7,
  /** `queue_work` from outside a workqueue while it is drained (the kernel warns and refuses it). */
  QueueDraining = 8,
  /** `kthread_run` of a kthread already run (or stopped). */
  KthreadRunTwice = 9,
  /** `kernfs_remove_self` without an active reference on the node (outside its `sysfs` block). */
  RemoveSelfOutside = 10,
  /** Enabling interrupts (or softirqs, or restoring saved flags) that this context did not disable (race-language.md §10). */
  IrqUnbalanced = 11,
  /** A thread or a handler ending with an interrupt-disabled section open. */
  IrqStateAtExit = 12,
}
