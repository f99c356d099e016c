// A CPU's code as a control-flow graph: which statements reach which, how
// far, and where its loops start. Static: worked out from the code alone.

import { PC_DONE, type CpuCode, type Instr } from "./model";
import { semantics } from "./primitives";

type Code = CpuCode["code"];

/** The statements control can go to from `ins` (PC_DONE for the thread's end). */
export function successors(ins: Instr): readonly number[] {
  return semantics(ins).successors(ins);
}

/**
 * Per statement of `code`, the fewest steps from it to `target` (a pc, or
 * PC_DONE) in the CPU's control flow; Infinity where it cannot get there.
 * Breadth first backwards from `target`.
 */
export function distancesTo(code: Code, target: number): Float64Array {
  const preds: number[][] = code.map(() => []);
  const into: number[] = [];
  code.forEach((ins, pc) => {
    for (const s of successors(ins)) {
      if (s === target) into.push(pc);
      else if (s !== PC_DONE) preds[s]!.push(pc);
    }
  });
  const dist = new Float64Array(code.length).fill(Infinity);
  if (target !== PC_DONE) dist[target] = 0;
  const queue: number[] = [];
  for (const pc of into) {
    if (dist[pc] !== Infinity) continue;
    dist[pc] = 1;
    queue.push(pc);
  }
  if (target !== PC_DONE) queue.unshift(target);
  for (let i = 0; i < queue.length; i++) {
    const pc = queue[i]!;
    for (const p of preds[pc]!) {
      if (dist[p] !== Infinity) continue;
      dist[p] = dist[pc]! + 1;
      queue.push(p);
    }
  }
  return dist;
}

/**
 * Per statement of `code`, which loop it is on: statements that reach each
 * other share a number (the least pc among them); -1 for a statement on
 * no cycle of the control flow. Tarjan's strongly connected components,
 * iteratively (linear in the code, however long).
 */
export function loopComponents(code: Code): Int32Array {
  const n = code.length;
  const comp = new Int32Array(n).fill(-1);
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const succs = code.map((ins) => successors(ins).filter((t) => t !== PC_DONE));
  const selfLoop = (pc: number): boolean => succs[pc]!.includes(pc);
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    // Frames of the depth-first walk: a statement and how many of its successors it has tried.
    const frames: [number, number][] = [[root, 0]];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const [v, i] = frame;
      if (i < succs[v]!.length) {
        frame[1]++;
        const w = succs[v]![i]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          frames.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const u = frames[frames.length - 1]![0];
        low[u] = Math.min(low[u]!, low[v]!);
      }
      if (low[v] !== index[v]) continue;
      const members: number[] = [];
      for (let w = -1; w !== v; ) {
        w = stack.pop()!;
        onStack[w] = 0;
        members.push(w);
      }
      if (members.length > 1 || selfLoop(v)) {
        const id = members.reduce((a, b) => Math.min(a, b));
        for (const w of members) comp[w] = id;
      }
    }
  }
  return comp;
}

/**
 * Where a looping CPU at `pc` loops: the first statement of the loop it is
 * in (its code's strongly connected part around `pc`), or else of the first
 * loop ahead of it. Worked out from the code, so that the report does not
 * depend on where in the loop the trace happens to leave it.
 */
export function loopHead(code: Code, pc: number): number {
  if (pc >= code.length) return pc;
  // Each loop is numbered by its least pc: that is its first statement.
  const head = nearestLoop(code, loopComponents(code), pc, (loop) => loop >= 0);
  return head >= 0 ? head : pc;
}

/**
 * The first loop `accept`s (by its number in `loops`, from loopComponents)
 * in the order control reaches statements from `pc`, breadth first, `pc`
 * itself first; -1 if none. A function of the code alone.
 */
export function nearestLoop(code: Code, loops: Int32Array, pc: number, accept: (loop: number) => boolean): number {
  if (pc >= code.length) return -1;
  const queue = [pc];
  const seen = new Set<number>([pc]);
  for (let i = 0; i < queue.length; i++) {
    const x = queue[i]!;
    if (loops[x]! >= 0 && accept(loops[x]!)) return loops[x]!;
    for (const t of successors(code[x]!)) {
      if (t === PC_DONE || seen.has(t)) continue;
      seen.add(t);
      queue.push(t);
    }
  }
  return -1;
}
