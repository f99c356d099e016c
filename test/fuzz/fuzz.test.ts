// The quick slice of the fuzz run (docs/reliability.md), in every `npm test`:
// a few thousand cases from the generators that pass today, each through
// the front end, analyze() with a small budget, the formatter and the
// Promela export (harness.ts). The long run is `npm run fuzz`; the
// structural generators that still fail (deep parentheses, long call
// chains, call fan-out beyond the statement limit) are run there and listed
// in docs/reliability.md, not here.

import { describe, expect, it } from "vitest";
import { caseSeed, caseText, corpus } from "./generators";
import { runCaseConfirmed, type CaseBudget } from "./harness";
import { root } from "../helpers";

const texts = corpus(root);
const budget: CaseBudget = { maxStates: 300, timeoutMs: 250 };

/** Generator, cases, and the largest size used (1: the generator's whole range). */
const slice: [string, number, number][] = [
  ["bytes", 600, 1],
  ["tokens", 600, 1],
  ["mutate", 900, 1],
  ["valid", 150, 1],
  ["deep-blocks", 80, 0.2],
  ["else-if-chain", 80, 0.2],
  ["long-expression", 80, 0.05],
  ["many-cpus", 60, 1],
  ["many-locks", 40, 0.3],
  ["many-vars", 40, 0.3],
  ["huge-either", 60, 0.3],
];

describe("fuzz slice", () => {
  for (const [name, count, maxSize] of slice) {
    it(`${name}: ${count} cases hold every contract`, () => {
      const failed: string[] = [];
      for (let i = 0; i < count; i++) {
        const seed = caseSeed(20_250, i);
        const text = caseText(name, seed, texts, maxSize);
        const { failures } = runCaseConfirmed(text, budget);
        for (const f of failures) failed.push(`${f.kind} in ${f.stage}: ${f.detail} — npm run fuzz -- --replay ${name}:${seed} --max-size ${maxSize}`);
      }
      expect(failed).toEqual([]);
    });
  }
});
