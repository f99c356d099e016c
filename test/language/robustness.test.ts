// Bad input is normal input: random text and mutated samples never make the
// pipeline throw, and every diagnostic range lies inside the document.

import fc from "fast-check";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, analyzeFrontEnd } from "../../server/src/analysis";
import { MAX_NESTING } from "../../server/src/language/limits";
import { listRace, read, samplesDir } from "../helpers";

const samples = listRace(samplesDir).map((f) => read(join(samplesDir, f)));
const alphabet = [..."{}()[];,.=!<>+-&|\"/* \n\tabcxyz019_"].map((c) => fc.constant(c));
const tokens = ["lock ", "unlock ", "rlock ", "trylock ", "if ", "else ", "while ", "either ", "or ", "wait until ", "assert ", "fn ", "cpu ", "mutex ", "rwsem ", "var ", "driver ", "expect ", "held(", "return ", "scenario ", "rtrylock ", "misuse", ", ", "#include ", "mutex_lock(&", "->", "\"label\" "].map((t) => fc.constant(t));

function assertSane(text: string): void {
  const fe = analyzeFrontEnd(text);
  for (const d of fe.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.code).toMatch(/^RACE\d{3}$/);
  }
}

describe("robustness", () => {
  it("random character soup", () => {
    fc.assert(fc.property(fc.array(fc.oneof(...alphabet, ...tokens), { maxLength: 200 }).map((a) => a.join("")), assertSane), { numRuns: 400, seed: 42 });
  });

  it("arbitrary unicode strings", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), assertSane), { numRuns: 300, seed: 7 });
  });

  it("samples with a slice deleted, duplicated or swapped", () => {
    const mutated = fc
      .tuple(fc.integer({ min: 0, max: samples.length - 1 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 }))
      .map(([i, a, b, how]) => {
        const s = samples[i]!;
        const x = a % (s.length + 1);
        const y = b % (s.length + 1);
        const [lo, hi] = x < y ? [x, y] : [y, x];
        if (how === 0) return s.slice(0, lo) + s.slice(hi);
        if (how === 1) return s.slice(0, hi) + s.slice(lo, hi) + s.slice(hi);
        return s.slice(hi) + s.slice(0, lo);
      });
    fc.assert(fc.property(mutated, assertSane), { numRuns: 300, seed: 1 });
  });

  it("every prefix of a sample (typing it from the start) is handled, and valid ones run", () => {
    const text = samples[0]!;
    for (let i = 0; i <= text.length; i += 7) {
      const prefix = text.slice(0, i);
      assertSane(prefix);
      expect(() => analyze(prefix, { maxStates: 5000 })).not.toThrow();
    }
  });

  it("nesting up to the limit runs", () => {
    const depth = MAX_NESTING - 1; // the CPU's own block is a level too
    const text = "var x = 0\ncpu C {" + " if x == 0 {".repeat(depth) + " x = 1" + " }".repeat(depth) + " }\n";
    const fe = analyzeFrontEnd(text);
    expect(fe.diagnostics).toEqual([]);
    expect(analyze(text).verdict).toBe("safe");
  });
});
