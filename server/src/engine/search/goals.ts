// The goal-directed search's book of goals (docs/ARCHITECTURE.md "The
// goal-directed search"): which are still open, in which order they
// stopped being open (found, or closed at their bound), and what the open
// ones need to be expanded. What a state expands depends on the goals
// open, so each stored edge remembers how many had stopped when its chain
// was followed (the frontier's epochs), and trace replay follows the chain
// with the goals open then.

import type { Reduction } from "../reduce";
import type { Goal } from "./types";

export class GoalBook {
  /** Open goals left. */
  left: number;
  /** Goal index by key. */
  private readonly index: ReadonlyMap<string, number>;
  /** Per goal: the epoch at which it stopped being open, or -1 (asked once per state of the search: no map lookups). */
  private readonly stoppedAt: Int32Array;
  private stopped = 0;
  /** The depth closeAt last looked at: goals close only as it grows. */
  private closedTo = -1;
  /** During replay: the epoch of the edge being followed (goals stopped at or after it count as open); -1 otherwise. */
  replayEpoch = -1;

  constructor(private readonly goals: readonly Goal[]) {
    this.left = goals.length;
    this.index = new Map(goals.map((g, i) => [g.key, i]));
    this.stoppedAt = new Int32Array(goals.length).fill(-1);
    this.worth = new Uint8Array(goals.length);
  }

  /** How many goals have stopped being open. */
  get epoch(): number {
    return this.stopped;
  }

  private isOpen(i: number): boolean {
    const at = this.stoppedAt[i]!;
    return at < 0 || (this.replayEpoch >= 0 && at >= this.replayEpoch);
  }

  /** A problem found: true if it is an open goal, which it closes. */
  reach(key: string): boolean {
    const i = this.index.get(key);
    if (i === undefined || this.stoppedAt[i]! >= 0) return false; // not a goal, or closed at its bound
    this.close(i);
    return true;
  }

  /** A goal still open at its bound's depth has no shorter trace than the one known. */
  closeAt(depth: number): void {
    if (depth <= this.closedTo) return;
    this.closedTo = depth;
    this.goals.forEach((g, i) => {
      if (depth >= g.bound && this.stoppedAt[i]! < 0) this.close(i);
    });
  }

  private close(i: number): void {
    this.stoppedAt[i] = this.stopped++;
    this.left--;
  }

  /**
   * Whether expanding a state at `depth` can still lead to an open goal by
   * a trace shorter than its bound: the goal-directed search's pruning
   * (an admissible estimate, as in A*; docs/ARCHITECTURE.md "The
   * goal-directed search").
   */
  worthExpanding(st: Uint8Array, depth: number): boolean {
    const { goals, worth } = this;
    let any = false;
    for (let i = 0; i < goals.length; i++) {
      worth[i] = this.isOpen(i) && depth + goals[i]!.least(st) < goals[i]!.bound ? 1 : 0;
      if (worth[i]) any = true;
    }
    return any;
  }

  /** Per goal: worth expanding the state worthExpanding last looked at (1) or not. */
  private readonly worth: Uint8Array;

  /**
   * The CPUs one of which must move before some open goal can show. For
   * the state being expanded (`expanding`, after worthExpanding), only the
   * goals worth expanding it for count: a goal no trace through here
   * reaches within its bound needs nothing here. (Chains ask for every
   * open goal, so that what they do is a function of the state and the
   * goals open, which replay repeats.)
   */
  needs(st: Uint8Array, reduction: Reduction, expanding = false): number {
    const { goals } = this;
    let needs = 0;
    for (let i = 0; i < goals.length; i++) if (expanding ? this.worth[i] : this.isOpen(i)) needs |= goals[i]!.needs(st, reduction);
    return needs;
  }
}
