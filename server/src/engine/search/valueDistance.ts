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
import { applyOperator, PC_DONE, type CExpr, type Instr, type Model } from "../model";
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

/** The estimates of one analysis: the abstraction of each CPU and variable is built once, for all the goals of that CPU. */
export class ValueEstimates {
  private readonly built = new Map<number, Abstraction>();
  /** Per CPU: the variable its conditions read most (undefined: none), worked out on demand. */
  private readonly mostRead = new Map<number, number | undefined>();
  /** Per variable: the writes of it, by CPU (an assignment's value; undefined for a statement of another kind, any value). */
  private readonly writers: { readonly cpu: number; readonly value: CExpr | undefined }[][];

  constructor(
    private readonly model: Model,
    private readonly layout: Layout,
  ) {
    this.writers = model.vars.map(() => []);
    model.cpus.forEach((c, cpu) => {
      for (const ins of c.code) {
        if (ins.op === "assign") this.writers[ins.target]!.push({ cpu, value: ins.value });
        else for (const v of writtenVars(ins, layout, cpu)) this.writers[v]!.push({ cpu, value: undefined });
      }
    });
  }

  /**
   * Per state, a lower bound on the steps before the goal can show
   * (Infinity: never), or undefined where the abstraction does not apply
   * (no variable the CPU's way depends on). `plain` is the CPU's distance
   * in its code to the target (distancesTo), per pc.
   */
  estimate(goal: ValueGoal, plain: Float64Array): ((st: Uint8Array) => number) | undefined {
    const { model, layout } = this;
    const v = this.trackedVar(goal);
    if (v === undefined) return undefined;
    const key = goal.cpu * model.vars.length + v;
    let abstraction = this.built.get(key);
    if (!abstraction) {
      const others = this.writers[v]!.filter((w) => w.cpu !== goal.cpu).map((w) => w.value);
      this.built.set(key, (abstraction = new Abstraction(model, layout, goal.cpu, v, others)));
    }
    const { lo, width, done } = abstraction;
    const dist = abstraction.distances(goal, plain);
    return (st) => {
      const pc = layout.pc(st, goal.cpu);
      const at = pc === PC_DONE ? done : pc;
      if (at > done) return Infinity; // stopped
      const x = layout.vars.value(st, v) - lo;
      return x >= 0 && x < width ? dist[at * width + x]! : 0;
    };
  }

  /** The variable read by the goal's condition if it reads one; else the one the most conditions on the CPU's way read. */
  private trackedVar(goal: ValueGoal): number | undefined {
    if (goal.cond) {
      const read = new Set<number>();
      varsOf(goal.cond, read);
      if (read.size === 1) return [...read][0];
    }
    if (!this.mostRead.has(goal.cpu)) this.mostRead.set(goal.cpu, mostRead(this.model.cpus[goal.cpu]!.code));
    return this.mostRead.get(goal.cpu);
  }
}

function mostRead(code: readonly Instr[]): number | undefined {
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
  eachLeaf(e, (x) => void (x.k === "var" && into.add(x.id)));
}

/** Calls `leaf` on each operand of `e` that has none of its own (constants, variables, lock and kthread questions). */
function eachLeaf(e: CExpr, leaf: (x: CExpr) => void): void {
  switch (e.k) {
    case "not":
    case "neg":
      eachLeaf(e.e, leaf);
      return;
    case "bin":
      eachLeaf(e.l, leaf);
      eachLeaf(e.r, leaf);
      return;
    case "const":
    case "var":
    case "held":
    case "locked":
    case "shouldStop":
      leaf(e);
      return;
    default:
      unreachable(e);
  }
}

/**
 * The abstraction of one CPU and one variable `v` over the window of
 * values (node: pc × width + value − lo; pc `code.length` is the CPU's
 * end): its edges, which do not depend on the goal; distances() works
 * them out for one goal.
 */
class Abstraction {
  readonly lo: number;
  readonly width: number;
  readonly done: number;
  /** Reverse edges of the CPU's own steps between nodes of the window (CSR). */
  private readonly predStart: Int32Array;
  private readonly preds: Int32Array;
  /** Own steps that leave the window: node, then the pc they lead to. */
  private readonly leaving: number[] = [];
  /** Per pc: the pcs whose step writes a value the window cannot tell and leads there. */
  private readonly havocInto: number[][];
  /** Per value (index in the window): the values another CPU's step turns into it; `envHavoc`: any value. */
  private readonly envInto: number[][];
  private envHavoc = false;
  /** Values another CPU's step turns into one outside the window. */
  private readonly envLeaving: number[] = [];

  constructor(
    model: Model,
    layout: Layout,
    cpu: number,
    private readonly v: number,
    /** What other CPUs' writes of `v` write (undefined: any value). */
    others: readonly (CExpr | undefined)[],
  ) {
    const code = model.cpus[cpu]!.code;
    const done = (this.done = code.length);
    const consts: number[] = [model.vars[v]!.init];
    for (const ins of code) for (const e of exprsOf(ins)) constsOf(e, consts);
    for (const e of others) if (e) constsOf(e, consts);
    // (A loop, not Math.min(...consts): a huge model's constants would overflow the call stack.)
    let least = consts[0]!;
    let most = consts[0]!;
    for (const c of consts) {
      least = Math.min(least, c);
      most = Math.max(most, c);
    }
    const lo = (this.lo = Math.max(-128, least - PAD));
    const width = (this.width = Math.min(127, most + PAD) - lo + 1);
    this.havocInto = Array.from({ length: done + 1 }, () => []);
    this.envInto = Array.from({ length: width }, () => []);
    for (const e of others) this.addEnv(e);
    for (let pc = 0; pc < done; pc++) {
      const ins = code[pc]!;
      // A statement that neither reads nor writes `v` goes on with it unchanged.
      if (!involves(ins, v, layout, cpu)) {
        for (const next of successors(ins)) for (let xi = 0; xi < width; xi++) this.edge(pc * width + xi, next, xi + lo);
        continue;
      }
      for (let xi = 0; xi < width; xi++) this.ownStep(ins, pc, xi + lo);
    }
    const nodes = (done + 1) * width;
    const { from, to } = this;
    this.predStart = new Int32Array(nodes + 1);
    for (const t of to) this.predStart[t + 1]!++;
    for (let i = 0; i < nodes; i++) this.predStart[i + 1]! += this.predStart[i]!;
    this.preds = new Int32Array(to.length);
    const fill = this.predStart.slice(0, nodes);
    to.forEach((t, i) => (this.preds[fill[t]!++] = from[i]!));
    this.from.length = 0;
    this.to.length = 0;
  }

  /** Forward edges of the CPU's own steps inside the window, while building. */
  private readonly from: number[] = [];
  private readonly to: number[] = [];

  /** An own step from `node` to `next` with `v` at `y`: inside the window an edge, else one leaving it. */
  private edge(node: number, next: number, y: number): void {
    const q = next === PC_DONE ? this.done : next;
    const yi = y - this.lo;
    if (yi >= 0 && yi < this.width) {
      this.from.push(node);
      this.to.push(q * this.width + yi);
    } else this.leaving.push(node, q);
  }

  /** The CPU's own step at `pc` with `v` at `x`, as edges. */
  private ownStep(ins: Instr, pc: number, x: number): void {
    const { v } = this;
    const node = pc * this.width + x - this.lo;
    switch (ins.op) {
      case "assign": {
        if (ins.target !== v) return this.edge(node, ins.next, x);
        const y = valueOf(ins.value, v, x);
        if (y === undefined) {
          if (x === this.lo) this.havocInto[ins.next === PC_DONE ? this.done : ins.next]!.push(pc);
        } else if (y >= -128 && y <= 127) this.edge(node, ins.next, y); // else an overflow stops the CPU
        return;
      }
      case "branch": {
        const c = valueOf(ins.cond, v, x);
        if (c === undefined || c !== 0) this.edge(node, ins.next, x);
        if (c === undefined || c === 0) this.edge(node, ins.alt, x);
        return;
      }
      case "assert":
      case "wait": {
        // A failed assert stops the CPU; a `wait until` that cannot pass waits.
        const c = valueOf(ins.cond, v, x);
        if (c === undefined || c !== 0) this.edge(node, ins.next, x);
        return;
      }
      default:
        // A statement of another kind that writes `v` (none does today) writes a value the window cannot tell.
        if (x === this.lo) for (const s of successors(ins)) this.havocInto[s === PC_DONE ? this.done : s]!.push(pc);
    }
  }

  /** Another CPU's write of `e` (undefined: any value) to `v`, as edges between values. */
  private addEnv(e: CExpr | undefined): void {
    const { width, lo } = this;
    for (let xi = 0; xi < width && !this.envHavoc; xi++) {
      const y = e && valueOf(e, this.v, xi + lo);
      if (y === undefined) this.envHavoc = true;
      else if (y !== xi + lo && y >= -128 && y <= 127) {
        if (y - lo >= 0 && y - lo < width) this.envInto[y - lo]!.push(xi);
        else this.envLeaving.push(xi);
      }
    }
  }

  /**
   * The goal's estimate at every node: Dijkstra's algorithm backwards over
   * the unit edges, from the goal's nodes and from every edge leaving the
   * window (there: the plain distance of where it leads, a lower bound).
   */
  distances(goal: ValueGoal, plain: Float64Array): Float64Array {
    const { width, done, lo } = this;
    const dist = new Float64Array((done + 1) * width).fill(Infinity);
    const buckets: number[][] = [];
    const offer = (node: number, d: number): void => {
      if (!(d < dist[node]!)) return;
      dist[node] = d;
      (buckets[d] ??= []).push(node);
    };
    // A value outside the window: the CPU's distance in its code (the failed step counted).
    const outside = (pc: number): number => (pc === done ? (goal.target === PC_DONE ? goal.failing : Infinity) : plain[pc]! + goal.failing);
    for (let i = 0; i < this.leaving.length; i += 2) offer(this.leaving[i]!, 1 + outside(this.leaving[i + 1]!));
    for (let pc = 0; pc <= done; pc++) {
      const out = 1 + outside(pc);
      if (this.envHavoc) for (let xi = 0; xi < width; xi++) offer(pc * width + xi, out);
      else for (const xi of this.envLeaving) offer(pc * width + xi, out);
      // A step writing a value the window cannot tell may leave it too.
      for (const p of this.havocInto[pc]!) for (let xi = 0; xi < width; xi++) offer(p * width + xi, out);
    }
    // The goal's nodes: at the target, with the condition false (or not known).
    const t = goal.target === PC_DONE ? done : goal.target;
    for (let xi = 0; xi < width; xi++) {
      const c = goal.cond ? valueOf(goal.cond, this.v, xi + lo) : 0;
      if (c === undefined || c === 0) offer(t * width + xi, goal.failing);
    }
    const havocked = new Uint8Array(done + 1);
    for (let d = 0; d < buckets.length; d++) {
      const bucket = buckets[d];
      if (!bucket) continue;
      for (let i = 0; i < bucket.length; i++) {
        const node = bucket[i]!;
        if (dist[node] !== d) continue; // settled earlier, nearer
        const pc = (node / width) | 0;
        const xi = node - pc * width;
        for (let k = this.predStart[node]!; k < this.predStart[node + 1]!; k++) offer(this.preds[k]!, d + 1);
        if (this.envHavoc) for (let y = 0; y < width; y++) offer(pc * width + y, d + 1);
        else for (const x of this.envInto[xi]!) offer(pc * width + x, d + 1);
        // A step writing a value the window cannot tell leads here from any value.
        if (!havocked[pc]) {
          havocked[pc] = 1;
          for (const p of this.havocInto[pc]!) for (let y = 0; y < width; y++) offer(p * width + y, d + 1);
        }
      }
    }
    return dist;
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
  eachLeaf(e, (x) => void (x.k === "const" && into.push(x.v)));
}

/** The variables a statement of a kind other than an assignment writes, by what its primitive says it touches (none today). */
function writtenVars(ins: Instr, layout: Layout, thread: number): number[] {
  const out: number[] = [];
  const sink: AccessSink = { lock: () => {}, read: () => {}, write: (x) => out.push(x), expr: () => {}, resource: () => {} };
  semantics(ins).access(ins, sink, layout, thread);
  return out;
}

/** Does the statement read or write `v` (its conditions, its assigned value, its target)? */
function involves(ins: Instr, v: number, layout: Layout, thread: number): boolean {
  if (ins.op === "assign" && ins.target === v) return true;
  const read = new Set<number>();
  for (const e of exprsOf(ins)) varsOf(e, read);
  return read.has(v) || (ins.op !== "assign" && writtenVars(ins, layout, thread).includes(v));
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
      return a === undefined || b === undefined ? undefined : applyOperator(e.op, a, b);
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
