// A one-CPU goal's estimate that counts the values its way needs
// (server/src/engine/search/valueDistance.ts) is a lower bound: at every
// state of the full search from which the CPU can still fail at (or end
// by) a statement, no more than the fewest steps left to it. The
// goal-directed search prunes by it, so an estimate too high would lose a
// shorter trace.

import { describe, expect, it } from "vitest";
import { analyze, analyzeFrontEnd } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { distancesTo } from "../../server/src/engine/controlFlow";
import { explore, problemPath } from "../../server/src/engine/explore";
import { PC_DONE, PC_STOPPED_FLAG, type Model } from "../../server/src/engine/model";
import { ValueEstimates } from "../../server/src/engine/search/valueDistance";
import { generateScenario, type Flavour } from "../differential/generate";

function model(text: string): Model {
  const fe = analyzeFrontEnd(text);
  expect(fe.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return compile(fe.program.ast, fe.checked!.scope);
}

/**
 * Over every state of the full search and every statement some state
 * stops a CPU at (a failed step) and every thread's end: the estimate
 * against the true distance there (breadth first backwards). Counts the
 * pairs checked and those where the estimate is above the CPU's own
 * distance in its code.
 */
function check(text: string): { checked: number; tighter: number; over: string[] } {
  const m = model(text);
  const r = explore(m, { reduce: false, maxStates: 100_000 });
  expect(r.stats.complete).toBe(true);
  const { layout } = r;
  const g = r.graph!;
  const n = r.store.count;
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let s = 0; s < n; s++) for (let e = g.edgesBegin(s); e < g.edgesEnd(s); e++) preds[g.edgeTo(e)]!.push(s);
  const st = new Uint8Array(layout.size);
  const states = Array.from({ length: n }, (_, s) => {
    const x = new Uint8Array(layout.size);
    r.store.load(s, x);
    return x;
  });
  let checked = 0;
  let tighter = 0;
  const over: string[] = [];
  m.cpus.forEach((cpu, c) => {
    for (const site of [...cpu.code.keys(), PC_DONE]) {
      const target = site === PC_DONE ? layout.endPc[c]! : site;
      // A thread's end is where its pc is the end; a failed step stops the CPU at the statement.
      const arrived = site === PC_DONE ? target : site | PC_STOPPED_FLAG;
      const dist = new Float64Array(n).fill(Infinity);
      const queue: number[] = [];
      for (let s = 0; s < n; s++) {
        if (layout.pc(states[s]!, c) !== arrived) continue;
        dist[s] = 0;
        queue.push(s);
      }
      if (queue.length === 0) continue;
      for (let i = 0; i < queue.length; i++) {
        for (const p of preds[queue[i]!]!) {
          if (dist[p] !== Infinity) continue;
          dist[p] = dist[queue[i]!]! + 1;
          queue.push(p);
        }
      }
      const ins = site === PC_DONE ? undefined : cpu.code[site]!;
      const plain = distancesTo(cpu.code, target);
      const failing = site === PC_DONE ? 0 : 1;
      const least = new ValueEstimates(m, layout).estimate({ cpu: c, target, failing, ...(ins?.op === "assert" ? { cond: ins.cond } : {}) }, plain);
      if (!least) continue;
      for (let s = 0; s < n; s++) {
        if (dist[s] === Infinity || dist[s] === 0) continue;
        st.set(states[s]!);
        const e = least(st);
        const pc = layout.pc(st, c);
        checked++;
        if (e > (pc === target ? 0 : plain[pc]!) + failing) tighter++;
        if (e > dist[s]! && over.length < 3) over.push(`${cpu.name} at ${ins?.text ?? "its end"}, state ${s}: estimate ${e}, ${dist[s]} steps left`);
      }
    }
  });
  return { checked, tighter, over };
}

describe("a goal's estimate counts the values its way needs", () => {
  it("a failed assert that needs another CPU's writes before and after a wait: exactly the five steps", () => {
    const text = `
      var x = 0
      cpu C0 { wait until x == 2; assert x == 2 }
      cpu C1 { x = x + 1; x = x + 1; x = x + 1 }`;
    const m = model(text);
    const r = explore(m, { reduce: false });
    const violation = r.problems.find((p) => p.kind === "violation")!;
    expect(problemPath(r, violation)).toHaveLength(5);
    const { cpu, pc } = violation.sites[0]!;
    const ins = m.cpus[cpu]!.code[pc]!;
    const least = new ValueEstimates(m, r.layout).estimate({ cpu, target: pc, failing: 1, cond: ins.op === "assert" ? ins.cond : undefined }, distancesTo(m.cpus[cpu]!.code, pc))!;
    // C1's two increments, the wait, C1's third, the failing assert; the CPU's own steps alone: 2.
    expect(least(r.layout.initial())).toBe(5);
    const { over, tighter } = check(text);
    expect(over).toEqual([]);
    expect(tighter).toBeGreaterThan(0);
  });

  it("nobody else writes the value: an assert that holds on every way there is never reached failing", () => {
    const m = model(`
      var x = 1
      cpu C0 { x = 0; if x == 0 { assert x == 0 } }
      cpu C1 { }`);
    const code = m.cpus[0]!.code;
    const pc = code.findIndex((i) => i.op === "assert");
    const ins = code[pc]!;
    const r = explore(m, { reduce: false });
    const least = new ValueEstimates(m, r.layout).estimate({ cpu: 0, target: pc, failing: 1, cond: ins.op === "assert" ? ins.cond : undefined }, distancesTo(code, pc))!;
    expect(least(r.layout.initial())).toBe(Infinity);
  });

  it("a value written from another variable may lie outside the values worked out: there the CPU's own distance stands", () => {
    // The assert fails only with x at -10, below the window around the constants (0, 50, 60).
    const text = `
      var x = 0
      var y = -10
      cpu C0 { x = y; assert x - 50 != 0 - 60 }`;
    const m = model(text);
    const r = explore(m, { reduce: false });
    const violation = r.problems.find((p) => p.kind === "violation")!;
    expect(problemPath(r, violation)).toHaveLength(2);
    const code = m.cpus[0]!.code;
    const pc = violation.sites[0]!.pc;
    const ins = code[pc]!;
    const least = new ValueEstimates(m, r.layout).estimate({ cpu: 0, target: pc, failing: 1, cond: ins.op === "assert" ? ins.cond : undefined }, distancesTo(code, pc))!;
    expect(least(r.layout.initial())).toBe(2);
    expect(check(text).over).toEqual([]);
  });

  // Random programs over a few variables with values far from each other's
  // constants, assignments from other variables, arithmetic in conditions,
  // `wait until`, loops and a lock: the cases the window and its edges out
  // must get right.
  it("never above the steps left, at every state of the full search, in 600 random value programs", () => {
    let checked = 0;
    let tighter = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const text = valueProgram(seed);
      const fe = analyzeFrontEnd(text);
      if (fe.diagnostics.some((d) => d.severity === "error")) continue;
      if (!explore(compile(fe.program.ast, fe.checked!.scope), { reduce: false, maxStates: 50_000 }).stats.complete) continue;
      const res = check(text);
      expect(res.over, `program ${seed}:\n${text}`).toEqual([]);
      checked += res.checked;
      tighter += res.tighter;
    }
    expect(tighter).toBeGreaterThan(checked / 20);
  });

  const flavours: [string, Flavour, number, number][] = [
    ["plain", {}, 1, 40],
    ["loops", { loops: true }, 1, 25],
    ["kernel", { kernel: true }, 4001, 4025],
    ["irq", { irq: true }, 8101, 8125],
  ];
  for (const [name, flavour, from, to] of flavours) {
    it(`never above the steps left, at every state of the full search (${name} corpus seeds ${from}–${to})`, () => {
      let checked = 0;
      let tighter = 0;
      for (let seed = from; seed <= to; seed++) {
        const text = generateScenario(seed, flavour);
        if (!analyze(text, { reduce: false, maxStates: 100_000 }).report?.stats.complete) continue;
        const res = check(text);
        expect(res.over, `seed ${seed}`).toEqual([]);
        checked += res.checked;
        tighter += res.tighter;
      }
      // Not a vacuous bound: it is above the CPU's own distance at a good share of the states.
      expect(tighter).toBeGreaterThan(checked / 20);
    });
  }
});

/** A random program for the estimate (seeded): see the test above. */
export function valueProgram(seed: number): string {
  let s = seed * 7919 + 17;
  const r = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const vars = Array.from({ length: int(1, 3) }, (_, i) => `x${i}`);
  const k = (): number => pick([int(-3, 3), int(-40, 40)]);
  const signed = (n: number): string => (n < 0 ? `0 - ${-n}` : `${n}`);
  const expr = (): string => {
    const f = r();
    const v = pick(vars);
    if (f < 0.35) return `${v} ${pick(["+", "-"])} ${Math.abs(k())}`;
    if (f < 0.6) return signed(k());
    if (f < 0.8) return pick(vars);
    return `${v} + ${pick(vars)}`;
  };
  const cond = (): string => {
    const f = r();
    const v = pick(vars);
    const op = pick(["==", "!=", "<", ">=", ">"]);
    if (f < 0.5) return `${v} ${op} ${signed(k())}`;
    if (f < 0.8) return `${v} - ${Math.abs(k())} ${op} ${signed(k())}`;
    return `${v} ${op} ${pick(vars)}`;
  };
  const stmt = (depth: number): string => {
    const f = r();
    if (depth < 2 && f < 0.15) return `while ${cond()} { ${stmt(depth + 1)} }`;
    if (depth < 2 && f < 0.35) return `if ${cond()} { ${stmt(depth + 1)}; ${stmt(depth + 1)} } else { ${stmt(depth + 1)} }`;
    if (f < 0.5) return `assert ${cond()}`;
    if (f < 0.57) return `wait until ${cond()}`;
    if (f < 0.62) return "lock m";
    if (f < 0.67) return "unlock m";
    return `${pick(vars)} = ${expr()}`;
  };
  const cpus = Array.from({ length: int(1, 3) }, (_, c) => `cpu C${c} { ${Array.from({ length: int(1, 5) }, () => stmt(0)).join("; ")} }`);
  return ["mutex m", ...vars.map((v) => `var ${v} = ${int(-20, 20)}`), ...cpus].join("\n");
}
