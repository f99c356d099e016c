// What a CPU can do in a state, and what one of its steps did: shared by
// the semantics (state.ts, primitives/) and everything that reads it.

export const enum CpuStatus {
  Finished = 0,
  Enabled = 1,
  /** Waiting for CPUs that hold what it needs (`waitsFor` says which): deadlock cycles go through these. */
  BlockedOnLock = 2,
  /** Waiting for a condition: whoever could make it true may release it. */
  BlockedOnWait = 3,
}

export const enum StepResult {
  Ok = 0,
  Violation = 1,
  BadUnlock = 2,
  Overflow = 3,
  /** The CPU finished its block while holding locks. */
  HeldAtExit = 4,
}
