// compile() never throws on what the checker accepted: its CompileErrors
// (RACE199) are for bugs only. Checked at every limit of
// language/limits.ts, on the samples, the differential corpus and mutated
// samples that still check clean.

import fc from "fast-check";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { MAX_PC } from "../../server/src/engine/model";
import { MAX_CALL_DEPTH, MAX_EITHER_BRANCHES, MAX_EXPRESSION_SIZE, MAX_NESTING } from "../../server/src/language/limits";
import { generateScenario } from "../differential/generate";
import { listRace, read, samplesDir } from "../helpers";

/** Compiles `text` if the front end accepts it; returns the number of instructions, or undefined. */
function compiled(text: string): number | undefined {
  const fe = analyzeFrontEnd(text);
  if (fe.hasErrors) return undefined;
  const model = compile(fe.program.ast, fe.checked.scope, fe.program.sources);
  for (const c of model.cpus) expect(c.code.length).toBeLessThanOrEqual(MAX_PC);
  return model.cpus.reduce((n, c) => n + c.code.length, 0);
}

describe("compile accepts whatever the checker accepts", () => {
  it("at every limit", () => {
    const chain = (n: number): string => Array.from({ length: n }, (_, i) => `fn f${i}() { ${i + 1 < n ? `f${i + 1}()` : "x = 1"} }`).join("\n");
    const cases = {
      calls: `var x = 0\n${chain(MAX_CALL_DEPTH)}\ncpu C { f0() }`,
      branches: `var x = 0\ncpu C { either ${Array(MAX_EITHER_BRANCHES).fill("{ x = 1 }").join(" or ")} }`,
      expression: `var x = 0\ncpu C { x = ${Array(Math.floor((MAX_EXPRESSION_SIZE + 1) / 2)).fill("0").join(" + ")} }`,
      nesting: `var x = 0\ncpu C {${" while x == 0 {".repeat(MAX_NESTING - 1)} x = 1${" }".repeat(MAX_NESTING - 1)} }`,
      locals: `fn f() { var got = 0; while got == 0 { var n = 1; got = n } }\ncpu C { var got = true; f(); f(); assert got }`,
    };
    for (const [name, text] of Object.entries(cases)) expect(compiled(text), name).toBeGreaterThan(0);
  });

  it("on the samples and the differential corpus", () => {
    for (const f of listRace(samplesDir)) expect(compiled(read(join(samplesDir, f))), f).toBeGreaterThan(0);
    for (let seed = 1; seed <= 100; seed++) expect(compiled(generateScenario(seed)), `seed ${seed}`).toBeGreaterThan(0);
  });

  it("on mutated samples that still check clean", () => {
    const samples = listRace(samplesDir).map((f) => read(join(samplesDir, f)));
    const mutated = fc
      .tuple(fc.integer({ min: 0, max: samples.length - 1 }), fc.nat(), fc.nat(), fc.boolean())
      .map(([i, a, b, dup]) => {
        const s = samples[i]!;
        const [lo, hi] = [a % (s.length + 1), b % (s.length + 1)].sort((x, y) => x - y) as [number, number];
        return dup ? s.slice(0, hi) + s.slice(lo, hi) + s.slice(hi) : s.slice(0, lo) + s.slice(hi);
      });
    fc.assert(fc.property(mutated, (text) => void compiled(text)), { numRuns: 300, seed: 11 });
  });
});
