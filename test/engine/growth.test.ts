// An overflow goal's estimate (server/src/engine/search/growth.ts) counts
// the climb a value must make, and is a lower bound: at every state along
// the full search's shortest trace to an overflow, no more than the steps
// left. The goal-directed search prunes by it, so an estimate too high
// would lose a shorter trace.

import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { explore, problemPath } from "../../server/src/engine/explore";
import { PC_DONE, type Model } from "../../server/src/engine/model";
import { Growth } from "../../server/src/engine/search/growth";
import { stepChoice, stepCpu } from "../../server/src/engine/store";
import { generateScenario } from "../differential/generate";

function model(text: string): Model {
  const fe = analyzeFrontEnd(text);
  expect(fe.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return compile(fe.program.ast, fe.checked!.scope);
}

/** Per overflow the full search finds at an assignment: the estimate along its shortest trace, and the steps left there. */
function alongTraces(text: string): { estimates: number[]; left: number[] }[] {
  const m = model(text);
  const r = explore(m, { reduce: false });
  expect(r.stats.complete).toBe(true);
  const growth = new Growth(m, r.layout);
  const out: { estimates: number[]; left: number[] }[] = [];
  for (const p of r.problems) {
    const { cpu, pc } = p.sites[0]!;
    if (p.kind !== "overflow" || pc === PC_DONE || m.cpus[cpu]!.code[pc]!.op !== "assign") continue;
    const least = growth.least(cpu, pc);
    if (!least) continue;
    const steps = problemPath(r, p);
    const st = r.layout.initial();
    const estimates: number[] = [];
    const left: number[] = [];
    // The state before each step, and the failing step's own.
    for (let i = 0; i < steps.length; i++) {
      estimates.push(least(st));
      left.push(steps.length - i);
      r.layout.step(st, stepCpu(steps[i]!), stepChoice(steps[i]!));
    }
    out.push({ estimates, left });
  }
  return out;
}

describe("an overflow's estimate counts the climb", () => {
  it("a lone counter: exactly the 256 steps to its overflow (128 tests and 128 increments), and one less per step", () => {
    const [t] = alongTraces(`
      var x = 0
      cpu C0 { while true { x = x + 1 } }`);
    expect(t!.estimates).toEqual(t!.left);
    expect(t!.left[0]).toBe(256);
  });

  it("downwards, by twos, from a constant: exact once the constant is written (before, its own step is not counted)", () => {
    const [t] = alongTraces(`
      var x = 0
      cpu C0 { x = -100; while true { x = x - 2 } }`);
    // -100 to -128 in 14 decrements, the 15th overflows: 1 + 15 tests + 15 decrements.
    expect(t!.left[0]).toBe(31);
    expect(t!.estimates[0]).toBe(30);
    expect(t!.estimates.slice(1)).toEqual(t!.left.slice(1));
  });

  it("two CPUs feeding one counter: never above the steps left", () => {
    const [t] = alongTraces(`
      var x = 0
      var y = 0
      cpu C0 { while y < 100 { x = x + 1 } }
      cpu C1 { while x < 100 { y = x + 2 } }`);
    expect(t).toBeDefined();
    t!.estimates.forEach((e, i) => expect(e).toBeLessThanOrEqual(t!.left[i]!));
  });

  it("a variable that cannot feed the overflowing one does not bring it nearer: exact for each of two counters", () => {
    const traces = alongTraces(`
      var x = 0
      var y = 100
      cpu C0 { while true { x = x + 1 } }
      cpu C1 { while true { y = y + 1 } }`);
    expect(traces.map((t) => t.left[0])).toEqual([56, 256]);
    for (const t of traces) expect(t.estimates).toEqual(t.left);
  });

  it("`x = x + y` leaves no bound upwards", () => {
    expect(alongTraces(`
      var x = 1
      var y = 1
      cpu C0 { while true { x = x + y } }`)).toEqual([]);
  });

  // Every corpus seed of 1–1000 with an overflow at an assignment, but 398 (the slowest).
  const seeds = [3, 80, 98, 252, 270, 298, 329, 343, 345, 360, 411, 417, 467, 505, 535, 541, 550, 600, 656, 772, 820, 824, 856];
  it(`never above the steps left along the corpus' shortest overflow traces (seeds ${seeds.join(", ")})`, () => {
    let traces = 0;
    for (const seed of seeds) {
      for (const { estimates, left } of alongTraces(generateScenario(seed))) {
        traces++;
        estimates.forEach((e, i) => expect(e, `seed ${seed}, step ${i}`).toBeLessThanOrEqual(left[i]!));
      }
    }
    expect(traces).toBeGreaterThanOrEqual(seeds.length);
  });

  // Random counter programs (1–3 variables, assignments `x = y ± k`, constants,
  // `x + y`, `-x`, `while` and `if` on them, a mutex; 1–3 CPUs): the kinds
  // of climb the estimate reasons about, and those it must give up on.
  it("never above the steps left along the shortest overflow traces of 300 random counter programs", () => {
    let bounded = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const text = counterProgram(seed);
      const fe = analyzeFrontEnd(text);
      if (fe.diagnostics.some((d) => d.severity === "error")) continue;
      const m = compile(fe.program.ast, fe.checked!.scope);
      if (!explore(m, { reduce: false, maxStates: 50_000 }).stats.complete) continue;
      for (const { estimates, left } of alongTraces(text)) {
        bounded++;
        estimates.forEach((e, i) => expect(e, `program ${seed}, step ${i}:\n${text}`).toBeLessThanOrEqual(left[i]!));
      }
    }
    expect(bounded).toBeGreaterThan(20);
  });
});

function counterProgram(seed: number): string {
  let s = seed * 7919 + 1;
  const r = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const vars = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => `x${i}`);
  const expr = (): string => {
    const v = pick(vars);
    const k = 1 + Math.floor(r() * 3);
    const f = r();
    if (f < 0.45) return `${v} + ${k}`;
    if (f < 0.65) return `${v} - ${k}`;
    if (f < 0.8) return `${Math.floor(r() * 250) - 125}`;
    if (f < 0.9) return v;
    if (f < 0.95) return `-${v}`;
    return `${v} + ${pick(vars)}`;
  };
  const cond = (): string => `${pick(vars)} ${pick(["<", ">", "!=", ">="])} ${Math.floor(r() * 200) - 100}`;
  const stmt = (depth: number): string => {
    const f = r();
    if (depth < 2 && f < 0.3) return `while ${cond()} { ${stmt(depth + 1)}; ${r() < 0.5 ? stmt(depth + 1) : ""} }`;
    if (depth < 2 && f < 0.4) return `if ${cond()} { ${stmt(depth + 1)} } else { ${stmt(depth + 1)} }`;
    if (f < 0.45) return "lock m";
    if (f < 0.5) return "unlock m";
    return `${pick(vars)} = ${expr()}`;
  };
  const cpus = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, c) => `cpu C${c} { ${Array.from({ length: 1 + Math.floor(r() * 4) }, () => stmt(0)).join("; ")} }`);
  return ["mutex m", ...vars.map((v) => `var ${v} = ${Math.floor(r() * 240) - 120}`), ...cpus].join("\n");
}
