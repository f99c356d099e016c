// A CPU's code as a control-flow graph: which statements reach which, how
// far, and where its loops start. Static: worked out from the code alone.

import { PC_DONE, type CpuCode } from "./model";
import { successors } from "./reduce";

type Code = CpuCode["code"];

/** Statements of `code` from which `target` (a pc, or PC_DONE) can be reached: 1, else 0. */
export function reachers(code: Code, target: number): Uint8Array {
  const from = new Uint8Array(code.length);
  for (let changed = true; changed; ) {
    changed = false;
    for (let pc = code.length - 1; pc >= 0; pc--) {
      if (from[pc]) continue;
      if (successors(code[pc]!).some((s) => s === target || (s !== PC_DONE && from[s] === 1))) {
        from[pc] = 1;
        changed = true;
      }
    }
  }
  return from;
}

/** Steps from `from` to `to` in a CPU's control flow (breadth first). */
export function distanceInCode(code: Code, from: number, to: number): number {
  const dist = new Map<number, number>([[from, 0]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const pc = queue[i]!;
    if (pc === to) return dist.get(pc)!;
    if (pc === PC_DONE) continue;
    for (const s of successors(code[pc]!)) {
      if (dist.has(s)) continue;
      dist.set(s, dist.get(pc)! + 1);
      queue.push(s);
    }
  }
  return 0;
}

/**
 * Where a looping CPU at `pc` loops: the first statement of the loop it is
 * in (its code's strongly connected part around `pc`), or else of the first
 * loop ahead of it. Worked out from the code, so that the report does not
 * depend on where in the loop the trace happens to leave it.
 */
export function loopHead(code: Code, pc: number): number {
  const reach = (from: number): Set<number> => {
    const seen = new Set<number>();
    const todo = [from];
    while (todo.length > 0) {
      const x = todo.pop()!;
      if (x === PC_DONE) continue;
      for (const t of successors(code[x]!)) {
        if (t === PC_DONE || seen.has(t)) continue;
        seen.add(t);
        todo.push(t);
      }
    }
    return seen;
  };
  const ahead = reach(pc);
  // Statements on a cycle with `pc`: reachable from it and reaching it.
  if (ahead.has(pc)) return Math.min(...[...ahead].filter((x) => reach(x).has(pc)));
  // Otherwise the statement ahead, in the order control reaches it, that is on a cycle.
  const queue = [pc];
  const seen = new Set<number>([pc]);
  for (let i = 0; i < queue.length; i++) {
    const x = queue[i]!;
    if (x !== pc && reach(x).has(x)) return Math.min(...[...reach(x)].filter((y) => reach(y).has(x)));
    if (x === PC_DONE) continue;
    for (const t of successors(code[x]!)) {
      if (seen.has(t)) continue;
      seen.add(t);
      queue.push(t);
    }
  }
  return pc;
}
