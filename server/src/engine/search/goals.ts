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
  private readonly keys: ReadonlySet<string>;
  private readonly stopped = new Map<string, number>();
  /** During replay: the epoch of the edge being followed (goals stopped at or after it count as open); -1 otherwise. */
  replayEpoch = -1;

  constructor(private readonly goals: readonly Goal[]) {
    this.left = goals.length;
    this.keys = new Set(goals.map((g) => g.key));
  }

  /** How many goals have stopped being open. */
  get epoch(): number {
    return this.stopped.size;
  }

  private isOpen(key: string): boolean {
    const at = this.stopped.get(key);
    return at === undefined || (this.replayEpoch >= 0 && at >= this.replayEpoch);
  }

  /** A problem found: true if it is an open goal, which it closes. */
  reach(key: string): boolean {
    if (!this.keys.has(key) || this.stopped.has(key)) return false; // not a goal, or closed at its bound
    this.close(key);
    return true;
  }

  /** A goal still open at its bound's depth has no shorter trace than the one known. */
  closeAt(depth: number): void {
    for (const g of this.goals) if (depth >= g.bound && !this.stopped.has(g.key)) this.close(g.key);
  }

  private close(key: string): void {
    this.stopped.set(key, this.stopped.size);
    this.left--;
  }

  /**
   * Whether expanding a state at `depth` can still lead to an open goal by
   * a trace no longer than its bound: the goal-directed search's pruning
   * (an admissible estimate, as in A*; docs/ARCHITECTURE.md "The
   * goal-directed search").
   */
  worthExpanding(st: Uint8Array, depth: number): boolean {
    for (const g of this.goals) if (this.isOpen(g.key) && depth + g.least(st) <= g.bound) return true;
    return false;
  }

  /** The CPUs one of which must move before some open goal can show. */
  needs(st: Uint8Array, reduction: Reduction): number {
    let needs = 0;
    for (const g of this.goals) if (this.isOpen(g.key)) needs |= g.needs(st, reduction);
    return needs;
  }
}
