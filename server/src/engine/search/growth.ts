// How many steps, at least, before an assignment can leave -128..127: a
// lower bound for an overflow goal of the goal-directed search
// (docs/ARCHITECTURE.md "The goal-directed search"). A counter climbing
// one at a time around a loop overflows after some 250 steps, and the
// CPUs' distances in their code alone bound that trace by 2: the search
// would then prove it shortest by visiting nearly every state. Here the
// bound counts the climb.
//
// Every stored value lies in -128..127. Let `top` be the largest value
// held by any variable that can feed the one overflowing (itself, and
// whatever is added into an assignment to one of them, transitively: no
// other variable can bring it nearer). An assignment to one of them
// `x = y + k` can raise `top` by at most
// k; one whose value is bounded by a constant K raises it to at most K; an
// overflow upwards is a step whose value exceeds 127. So from `top`, at
// least ceil((128 - max(top, K)) / k) raising steps are taken, the last of
// them the overflow. A CPU's first raising step costs it at least its
// distance to a raising statement plus that step; each further one at least
// the fewest steps around its code from one raising statement to the next;
// no more than the raising statements it can still reach, if none is on a
// loop. The sum of the cheapest such costs is a bound on the steps (each
// step moves one CPU). Downwards, likewise. Where some assignment's value
// is not of these forms (`x + y`), the bound is 0 in that direction.

import { PC_DONE, type CExpr, type Model } from "../model";
import { distancesTo, loopComponents, successors } from "../controlFlow";
import type { Layout } from "../state";
import { unreachable } from "../../language/ast";

/** A bound on an expression's value as `top·a + bottom·b + c` (top, bottom: the largest and least values held). */
interface Linear {
  a: number;
  b: number;
  c: number;
}

function hiLo(e: CExpr): [Linear, Linear] {
  switch (e.k) {
    case "const":
      return [{ a: 0, b: 0, c: e.v }, { a: 0, b: 0, c: e.v }];
    case "var":
      return [{ a: 1, b: 0, c: 0 }, { a: 0, b: 1, c: 0 }];
    case "neg": {
      const [hi, lo] = hiLo(e.e);
      return [{ a: -lo.a, b: -lo.b, c: -lo.c }, { a: -hi.a, b: -hi.b, c: -hi.c }];
    }
    case "bin": {
      if (e.op !== "+" && e.op !== "-") return [{ a: 0, b: 0, c: 1 }, { a: 0, b: 0, c: 0 }]; // a truth value
      const [lh, ll] = hiLo(e.l);
      const [rh, rl] = hiLo(e.r);
      if (e.op === "+") return [{ a: lh.a + rh.a, b: lh.b + rh.b, c: lh.c + rh.c }, { a: ll.a + rl.a, b: ll.b + rl.b, c: ll.c + rl.c }];
      return [{ a: lh.a - rl.a, b: lh.b - rl.b, c: lh.c - rl.c }, { a: ll.a - rh.a, b: ll.b - rh.b, c: ll.c - rh.c }];
    }
    case "not":
    case "held":
    case "locked":
    case "shouldStop":
      return [{ a: 0, b: 0, c: 1 }, { a: 0, b: 0, c: 0 }];
    default:
      return unreachable(e);
  }
}

/** One direction (up: past 127; down: past -128), as seen from the top (or, mirrored, the bottom). */
class Climb {
  /** No bound in this direction (an assignment of another form). */
  unbounded = false;
  /** The most one raising step adds. */
  step = 0;
  /** The highest value a constant-bounded assignment can write. */
  ceiling = -Infinity;
  /** Per CPU, per pc: whether that statement raises. */
  readonly raises: Uint8Array[];
  /** Per CPU, per pc: the steps to its first raising step, that step included (Infinity: none ahead). */
  first: Float64Array[] = [];
  /** Per CPU, per pc: how many raising steps it can still take (Infinity: one is on a loop). */
  cap: Float64Array[] = [];
  /** Per CPU: the fewest steps from one raising step to its next. */
  gap: number[] = [];

  constructor(
    model: Model,
    /** The least value (mirrored for down) that overflows: 128 up, 129 (-129 mirrored) down. */
    readonly over: number,
  ) {
    this.raises = model.cpus.map((cpu) => new Uint8Array(cpu.code.length));
  }

  /** Classifies an assignment by its bound in this direction (already mirrored for down). */
  assignment(cpu: number, pc: number, bound: Linear): void {
    if (bound.b !== 0 || (bound.a !== 0 && bound.a !== 1)) this.unbounded = true;
    else if (bound.a === 0) this.ceiling = Math.max(this.ceiling, Math.min(bound.c, this.over - 1)); // a larger one is stopped, not written
    else if (bound.c > 0) {
      this.raises[cpu]![pc] = 1;
      this.step = Math.max(this.step, bound.c);
    }
  }

  /** `loops`: per CPU, its code's loops (controlFlow.loopComponents). */
  finish(model: Model, loops: readonly Int32Array[]): void {
    model.cpus.forEach((cpu, c) => {
      const { code } = cpu;
      const raising = [...this.raises[c]!.keys()].filter((pc) => this.raises[c]![pc]);
      const dists = raising.map((r) => distancesTo(code, r));
      const first = new Float64Array(code.length).fill(Infinity);
      const cap = new Float64Array(code.length);
      let gap = Infinity;
      raising.forEach((r, i) => {
        const d = dists[i]!;
        for (let pc = 0; pc < code.length; pc++) {
          if (d[pc] === Infinity) continue;
          first[pc] = Math.min(first[pc]!, d[pc]! + 1);
          cap[pc] = loops[c]![r]! >= 0 ? Infinity : cap[pc]! + 1;
        }
        // From a raising statement to the next raising one: its own step, the moves between, the next one's step.
        for (const s of successors(code[r]!)) if (s !== PC_DONE) for (const d2 of dists) gap = Math.min(gap, d2[s]! + 1);
      });
      this.first.push(first);
      this.cap.push(cap);
      this.gap.push(gap);
    });
  }
}

/** The variables whose values an arithmetic expression adds up (not those a truth value only compares). */
function summands(e: CExpr, out: number[]): void {
  if (e.k === "var") out.push(e.id);
  else if (e.k === "neg") summands(e.e, out);
  else if (e.k === "bin" && (e.op === "+" || e.op === "-")) {
    summands(e.l, out);
    summands(e.r, out);
  }
}

/** What the climb of one variable depends on: the variables that feed it, and each direction's climb. */
interface Feeding {
  readonly vars: Int32Array;
  readonly up: Climb;
  readonly down: Climb;
}

export class Growth {
  private readonly feeding = new Map<number, Feeding>();
  /** Every assignment, where, and each CPU's loops: what each variable's climb is worked out from. */
  private readonly assigns: readonly { c: number; pc: number; target: number; value: CExpr }[];
  private readonly loops: readonly Int32Array[];
  // Scratch for the cheapest costs: per CPU, its first step's cost, and its further steps' cost and number.
  private readonly costs: Float64Array;
  private readonly counts: Float64Array;

  constructor(
    private readonly model: Model,
    private readonly layout: Layout,
  ) {
    this.costs = new Float64Array(2 * model.cpus.length);
    this.counts = new Float64Array(2 * model.cpus.length);
    this.assigns = model.cpus.flatMap((cpu, c) => cpu.code.flatMap((ins, pc) => (ins.op === "assign" ? [{ c, pc, target: ins.target, value: ins.value }] : [])));
    this.loops = model.cpus.map((cpu) => loopComponents(cpu.code));
  }

  /**
   * The variables that can feed variable `v`'s value (itself, and what is
   * added up into an assignment to one of them), and how they climb: the
   * others cannot bring it nearer an overflow.
   */
  private feed(v: number): Feeding {
    const known = this.feeding.get(v);
    if (known) return known;
    const { model, assigns } = this;
    const inSet = new Uint8Array(model.vars.length);
    inSet[v] = 1;
    for (let grew = true; grew; ) {
      grew = false;
      for (const a of assigns) {
        if (!inSet[a.target]) continue;
        const read: number[] = [];
        summands(a.value, read);
        for (const r of read) {
          if (inSet[r]) continue;
          inSet[r] = 1;
          grew = true;
        }
      }
    }
    const up = new Climb(model, 128);
    const down = new Climb(model, 129);
    for (const a of assigns) {
      if (!inSet[a.target]) continue;
      const [hi, lo] = hiLo(a.value);
      up.assignment(a.c, a.pc, hi);
      // The mirror image: x ≥ top·a + bottom·b + c, so -x ≤ (-bottom)·b + (-top)·a - c.
      down.assignment(a.c, a.pc, { a: lo.b, b: lo.a, c: -lo.c });
    }
    up.finish(model, this.loops);
    down.finish(model, this.loops);
    const f: Feeding = { vars: Int32Array.from(inSet.keys()).filter((i) => inSet[i] === 1), up, down };
    this.feeding.set(v, f);
    return f;
  }

  /**
   * For an overflow at assignment `pc` of `cpu`: at least how many steps
   * from `st` to it, the overflowing step included (undefined where nothing is known).
   */
  least(cpu: number, pc: number): ((st: Uint8Array) => number) | undefined {
    const ins = this.model.cpus[cpu]!.code[pc]!;
    if (ins.op !== "assign") return undefined;
    const f = this.feed(ins.target);
    const dirs = [f.up, f.down].filter((d) => !d.unbounded && d.raises[cpu]![pc] === 1);
    if (dirs.length === 0) return undefined;
    return (st) => {
      let best = Infinity;
      for (const d of dirs) best = Math.min(best, this.steps(st, f.vars, d, d === f.up));
      return best;
    };
  }

  private steps(st: Uint8Array, feeding: Int32Array, d: Climb, up: boolean): number {
    const { layout, model, costs, counts } = this;
    const vars = layout.vars;
    let top = d.ceiling;
    for (let i = 0; i < feeding.length; i++) {
      const x = vars.value(st, feeding[i]!);
      top = Math.max(top, up ? x : -x);
    }
    let need = Math.ceil((d.over - top) / d.step);
    let n = 0;
    for (let c = 0; c < model.cpus.length; c++) {
      const pc = layout.pc(st, c);
      const first = pc < d.first[c]!.length ? d.first[c]![pc]! : Infinity;
      if (first === Infinity) continue;
      costs[n] = first;
      counts[n++] = 1;
      const more = d.cap[c]![pc]! - 1;
      if (more > 0 && d.gap[c]! < Infinity) {
        costs[n] = d.gap[c]!;
        counts[n++] = more;
      }
    }
    // The cheapest `need` steps, taking the cheapest cost first.
    let sum = 0;
    while (need > 0) {
      let k = -1;
      for (let i = 0; i < n; i++) if (counts[i]! > 0 && (k < 0 || costs[i]! < costs[k]!)) k = i;
      if (k < 0) return Infinity;
      const take = Math.min(need, counts[k]!);
      sum += take * costs[k]!;
      need -= take;
      counts[k] = 0;
    }
    return sum;
  }
}
