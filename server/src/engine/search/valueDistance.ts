// A lower bound on the steps before one CPU's goal can show that counts
// the values its way there needs: the goal-directed search's estimate for
// a goal of one CPU (docs/ARCHITECTURE.md "The goal-directed search").
// The CPU's distance in its code alone counts only its own steps, but its
// branches go the way one variable's value says, and a failed `assert`
// needs that value to be wrong: where the value is not what the way needs,
// some other CPU must write it first, which is a step too. A violation
// whose trace takes 36 steps was estimated at 18 that way (differential
// seed 87), and the search expanded nearly everything under 36 deep.
//
// The bound is a lower bound on the distance in an abstraction of the
// scenario: the CPU's position and one variable `v`, which the CPU's own
// statements change as they do (a value that depends on anything else:
// any value), and which one step of another CPU may change as one of that
// CPU's assignments to `v` would (again: any value, where it depends on
// anything else); every other step of another CPU costs nothing,
// everything else (locks, other variables, interrupts) is left open (a
// branch that depends on it may go either way, a `wait until` on it may
// pass). Every run of the scenario maps to a path of the abstraction no
// longer than its steps, so the distance there is never more than the
// true one. Only values near the constants the code uses are worked out
// (a window): a node outside it counts as the CPU's distance in its code,
// which is never more than its distance in the abstraction, and from
// those the distances inside follow by Dijkstra's algorithm, each no
// more than the true one.

import { unreachable } from "../../language/ast";
import { successors } from "../controlFlow";
import { semantics } from "../primitives";
import { PC_DONE, type CExpr, type Instr, type Model } from "../model";
import type { AccessSink } from "../primitives/types";
import type { Layout } from "../state";

/** Values further than this from every constant the code uses are outside the window. */
const PAD = 4;

/** What the goal is: CPU `cpu` at `target` (PC_DONE: its end); a violation also needs `cond` false there. */
export interface ValueGoal {
  readonly cpu: number;
  readonly target: number;
  /** Steps counted at the target (1: a failed step, which is a step too). */
  readonly failing: number;
  readonly cond?: CExpr;
}

/**
 * Per state, a lower bound on the steps before the goal can show
 * (Infinity: never), or undefined where the abstraction does not apply
 * (no variable the CPU's way depends on). `plain` is the CPU's distance in
 * its code to the target (distancesTo), per pc.
 */
export function valueDistance(model: Model, layout: Layout, goal: ValueGoal, plain: Float64Array): ((st: Uint8Array) => number) | undefined {
  const code = model.cpus[goal.cpu]!.code;
  const v = trackedVar(code, goal.cond);
  if (v === undefined) return undefined;
  const abstraction = new Abstraction(model, layout, goal, v, plain);
  const { lo, width, dist } = abstraction;
  const done = code.length;
  return (st) => {
    const pc = layout.pc(st, goal.cpu);
    const at = pc === PC_DONE ? done : pc;
    if (at > done) return Infinity; // stopped
    const x = layout.vars.value(st, v) - lo;
    return x >= 0 && x < width ? dist[at * width + x]! : 0;
  };
}

/** The variable read by the goal's condition if it reads one; else the one the most conditions on the way read. */
function trackedVar(code: readonly Instr[], cond: CExpr | undefined): number | undefined {
  if (cond) {
    const read = new Set<number>();
    varsOf(cond, read);
    if (read.size === 1) return [...read][0];
  }
  const counts = new Map<number, number>();
  for (const ins of code) {
    if (ins.op !== "branch" && ins.op !== "wait" && ins.op !== "assert") continue;
    const read = new Set<number>();
    varsOf(ins.cond, read);
    for (const x of read) counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  let best: number | undefined;
  for (const [x, n] of counts) if (best === undefined || n > counts.get(best)!) best = x;
  return best;
}

function varsOf(e: CExpr, into: Set<number>): void {
  switch (e.k) {
    case "var":
      into.add(e.id);
      return;
    case "not":
    case "neg":
      varsOf(e.e, into);
      return;
    case "bin":
      varsOf(e.l, into);
      varsOf(e.r, into);
      return;
    case "const":
    case "held":
    case "locked":
    case "shouldStop":
      return;
    default:
      unreachable(e);
  }
}

/** The abstraction over the window of values, its distances worked out. Node: pc × width + (value − lo); pc `code.length` is the CPU's end. */
class Abstraction {
  readonly lo: number;
  readonly width: number;
  readonly dist: Float64Array;
  private readonly done: number;
  /** Per pc: the lower bound for a value outside the window (the plain distance, the failed step counted). */
  private readonly outside: Float64Array;
  /** Reverse edges of the CPU's own steps between nodes of the window (CSR). */
  private readonly predStart: Int32Array;
  private readonly preds: Int32Array;
  /** Per pc: the pcs whose assignment of a value the window cannot tell leads there. */
  private readonly havocInto: number[][];
  /** Per value (index in the window): the values another CPU's step turns into it; `envHavoc`: any value. */
  private readonly envInto: number[][];
  private envHavoc = false;
  /** Bucket queue of nodes by tentative distance. */
  private readonly buckets: number[][] = [];

  constructor(
    model: Model,
    private readonly layout: Layout,
    private readonly goal: ValueGoal,
    private readonly v: number,
    plain: Float64Array,
  ) {
    const code = model.cpus[goal.cpu]!.code;
    const done = (this.done = code.length);
    const consts: number[] = [model.vars[v]!.init];
    for (const ins of code) for (const e of exprsOf(ins)) constsOf(e, consts);
    const writes = othersWrites(model, layout, goal.cpu, v);
    for (const e of writes) if (e) constsOf(e, consts);
    this.lo = Math.max(-128, Math.min(...consts) - PAD);
    const hi = Math.min(127, Math.max(...consts) + PAD);
    const width = (this.width = hi - this.lo + 1);
    const nodes = (done + 1) * width;
    this.dist = new Float64Array(nodes).fill(Infinity);
    this.outside = new Float64Array(done + 1);
    for (let pc = 0; pc <= done; pc++) this.outside[pc] = pc === done ? (goal.target === PC_DONE ? goal.failing : Infinity) : plain[pc]! + goal.failing;
    this.havocInto = Array.from({ length: done + 1 }, () => []);
    this.envInto = Array.from({ length: width }, () => []);
    for (const e of writes) this.addEnv(e);
    // Own steps: forward edges first, then reversed into CSR.
    const from: number[] = [];
    const to: number[] = [];
    const at = (pc: number): number => (pc === PC_DONE ? done : pc);
    for (let pc = 0; pc < done; pc++) {
      const ins = code[pc]!;
      for (let xi = 0; xi < width; xi++) {
        const x = xi + this.lo;
        const node = pc * width + xi;
        const edge = (next: number, y = x): void => {
          const q = at(next);
          if (y - this.lo >= 0 && y - this.lo < width) {
            from.push(node);
            to.push(q * width + y - this.lo);
          } else this.offer(node, 1 + this.outside[q]!);
        };
        this.ownStep(ins, pc, x, edge);
      }
    }
    this.predStart = new Int32Array(nodes + 1);
    for (const t of to) this.predStart[t + 1]!++;
    for (let i = 0; i < nodes; i++) this.predStart[i + 1]! += this.predStart[i]!;
    this.preds = new Int32Array(to.length);
    const fill = this.predStart.slice(0, nodes);
    to.forEach((t, i) => (this.preds[fill[t]!++] = from[i]!));
    this.seedGoal();
    this.run();
  }

  /** The CPU's own step at `pc` with `v` at `x`: `edge(next, value)` for each way it can go. */
  private ownStep(ins: Instr, pc: number, x: number, edge: (next: number, y?: number) => void): void {
    const { v } = this;
    switch (ins.op) {
      case "assign": {
        if (ins.target !== v) return edge(ins.next);
        const y = valueOf(ins.value, v, x);
        if (y === undefined) {
          if (x === this.lo) this.havocInto[ins.next === PC_DONE ? this.done : ins.next]!.push(pc);
        } else if (y >= -128 && y <= 127) edge(ins.next, y); // else an overflow stops the CPU
        return;
      }
      case "branch": {
        const c = valueOf(ins.cond, v, x);
        if (c === undefined || c !== 0) edge(ins.next);
        if (c === undefined || c === 0) edge(ins.alt);
        return;
      }
      case "assert":
      case "wait": {
        // A failed assert stops the CPU; a `wait until` that cannot pass waits.
        const c = valueOf(ins.cond, v, x);
        if (c === undefined || c !== 0) edge(ins.next);
        return;
      }
      default:
        // A statement of another kind that writes `v` (none does today) writes a value the window cannot tell.
        if (writesVar(ins, v, this.layout, this.goal.cpu)) {
          if (x === this.lo) for (const s of successors(ins)) this.havocInto[s === PC_DONE ? this.done : s]!.push(pc);
        } else for (const s of successors(ins)) edge(s);
    }
  }

  /** Another CPU's write of `e` (undefined: any value) to `v`, as edges between values. */
  private addEnv(e: CExpr | undefined): void {
    const { width, lo, done } = this;
    for (let xi = 0; xi < width && !this.envHavoc; xi++) {
      const y = e && valueOf(e, this.v, xi + lo);
      if (y === undefined) this.envHavoc = true;
      else if (y !== xi + lo && y >= -128 && y <= 127) {
        if (y - lo >= 0 && y - lo < width) this.envInto[y - lo]!.push(xi);
        else for (let pc = 0; pc <= done; pc++) this.offer(pc * width + xi, 1 + this.outside[pc]!);
      }
    }
    if (this.envHavoc) for (let pc = 0; pc <= done; pc++) for (let xi = 0; xi < width; xi++) this.offer(pc * width + xi, 1 + this.outside[pc]!);
  }

  /** The goal's nodes: at the target, with the condition false (or not known). */
  private seedGoal(): void {
    const { goal, width, done } = this;
    const t = goal.target === PC_DONE ? done : goal.target;
    for (let xi = 0; xi < width; xi++) {
      const c = goal.cond ? valueOf(goal.cond, this.v, xi + this.lo) : 0;
      if (c === undefined || c === 0) this.offer(t * width + xi, goal.failing);
    }
  }

  private offer(node: number, d: number): void {
    if (!(d < this.dist[node]!)) return;
    this.dist[node] = d;
    (this.buckets[d] ??= []).push(node);
  }

  /** Dijkstra's algorithm backwards over unit edges, from the tentative distances offered. */
  private run(): void {
    const { width, dist } = this;
    const havocked = new Uint8Array(this.done + 1);
    for (let d = 0; d < this.buckets.length; d++) {
      const bucket = this.buckets[d];
      if (!bucket) continue;
      for (let i = 0; i < bucket.length; i++) {
        const node = bucket[i]!;
        if (dist[node] !== d) continue; // settled earlier, nearer
        const pc = (node / width) | 0;
        const xi = node - pc * width;
        for (let k = this.predStart[node]!; k < this.predStart[node + 1]!; k++) this.offer(this.preds[k]!, d + 1);
        if (this.envHavoc) for (let y = 0; y < width; y++) this.offer(pc * width + y, d + 1);
        else for (const x of this.envInto[xi]!) this.offer(pc * width + x, d + 1);
        // An assignment of a value the window cannot tell leads here from any value.
        if (!havocked[pc]) {
          havocked[pc] = 1;
          for (const p of this.havocInto[pc]!) for (let y = 0; y < width; y++) this.offer(p * width + y, d + 1);
        }
      }
    }
  }
}

/** The expressions a statement evaluates (its conditions and assigned values). */
function exprsOf(ins: Instr): CExpr[] {
  switch (ins.op) {
    case "assign":
      return [ins.value];
    case "branch":
    case "assert":
    case "wait":
      return [ins.cond];
    default:
      return [];
  }
}

function constsOf(e: CExpr, into: number[]): void {
  switch (e.k) {
    case "const":
      into.push(e.v);
      return;
    case "not":
    case "neg":
      constsOf(e.e, into);
      return;
    case "bin":
      constsOf(e.l, into);
      constsOf(e.r, into);
      return;
    case "var":
    case "held":
    case "locked":
    case "shouldStop":
      return;
    default:
      unreachable(e);
  }
}

/** The values other CPUs' statements write to `v`: an assignment's value; undefined (any value) for a statement of another kind that writes it. */
function othersWrites(model: Model, layout: Layout, cpu: number, v: number): (CExpr | undefined)[] {
  return model.cpus.flatMap((c, i) => (i === cpu ? [] : c.code.flatMap((ins) => (ins.op === "assign" ? (ins.target === v ? [ins.value] : []) : writesVar(ins, v, layout, i) ? [undefined] : []))));
}

/** Does the statement write variable `v`, by what its primitive says it touches? */
function writesVar(ins: Instr, v: number, layout: Layout, thread: number): boolean {
  let writes = false;
  const sink: AccessSink = { lock: () => {}, read: () => {}, write: (x) => (writes ||= x === v), expr: () => {}, resource: () => {} };
  semantics(ins).access(ins, sink, layout, thread);
  return writes;
}

/** `e`'s value with `v` at `x`, undefined if it depends on anything else. */
function valueOf(e: CExpr, v: number, x: number): number | undefined {
  switch (e.k) {
    case "const":
      return e.v;
    case "var":
      return e.id === v ? x : undefined;
    case "not": {
      const a = valueOf(e.e, v, x);
      return a === undefined ? undefined : a ? 0 : 1;
    }
    case "neg": {
      const a = valueOf(e.e, v, x);
      return a === undefined ? undefined : -a;
    }
    case "held":
    case "locked":
    case "shouldStop":
      return undefined;
    case "bin": {
      const a = valueOf(e.l, v, x);
      // Either side decides these alone.
      if (e.op === "&&") return a === 0 ? 0 : both(a, valueOf(e.r, v, x), (p, q) => (p && q ? 1 : 0), 0);
      if (e.op === "||") return a !== undefined && a !== 0 ? 1 : both(a, valueOf(e.r, v, x), (p, q) => (p || q ? 1 : 0), 1);
      const b = valueOf(e.r, v, x);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
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
          return unreachable(e.op);
      }
    }
    default:
      return unreachable(e);
  }
}

/** `&&`/`||` with one side unknown: known only if the known side alone decides it (`decides`). */
function both(a: number | undefined, b: number | undefined, f: (p: number, q: number) => number, decides: number): number | undefined {
  if (a !== undefined && b !== undefined) return f(a, b);
  const known = a ?? b;
  return known !== undefined && (known !== 0 ? 1 : 0) === decides ? decides : undefined;
}
