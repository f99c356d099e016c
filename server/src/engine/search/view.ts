// What each CPU can do in one state: its status (finished, enabled, blocked
// on others or on a condition), whom a blocked one waits for, and the
// counts and masks the search decides by.

import { CpuStatus, type Layout } from "../state";

export class StateView {
  readonly status: Int32Array;
  readonly waitsFor: Int32Array;
  enabled = 0;
  enabledMask = 0;
  /** CPUs blocked, on others or on a condition. */
  blocked = 0;
  /** CPUs blocked on others that hold what they need (deadlock cycles go through these). */
  blockedOnLock = 0;

  constructor(private readonly layout: Layout) {
    this.status = new Int32Array(layout.cpuCount);
    this.waitsFor = new Int32Array(layout.cpuCount);
  }

  look(st: Uint8Array): void {
    this.enabled = 0;
    this.enabledMask = 0;
    this.blocked = 0;
    this.blockedOnLock = 0;
    for (let c = 0; c < this.layout.cpuCount; c++) {
      const s = this.layout.status(st, c, this.waitsFor);
      this.status[c] = s;
      if (s === CpuStatus.Enabled) {
        this.enabled++;
        this.enabledMask |= 1 << c;
      } else if (s === CpuStatus.BlockedOnLock) {
        this.blocked++;
        this.blockedOnLock++;
      } else if (s === CpuStatus.BlockedOnWait) this.blocked++;
    }
  }

  /** No CPU can move and one is unfinished (SPIN's invalid end state). */
  get stuck(): boolean {
    return this.enabled === 0 && this.blocked > 0;
  }

  /**
   * The CPUs that have finished (or stopped at an error), and the threads
   * with nothing to do (an idle work item, a kthread not yet run): none of
   * them is stuck.
   */
  get finishedMask(): number {
    let done = 0;
    for (let c = 0; c < this.layout.cpuCount; c++) if (this.status[c] === CpuStatus.Finished || this.status[c] === CpuStatus.Idle) done |= 1 << c;
    return done;
  }
}
