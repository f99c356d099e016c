// The quick slice of the fuzz run (docs/reliability.md), in every `npm test`:
// about 2,500 cases from every generator over its whole size range, each
// through the front end, analyze() with a small budget, the formatter and
// the Promela export (harness.ts). Fewer cases of the generators whose
// cases are large, to stay near 8 s. The long run is `npm run fuzz`.

import { describe, expect, it } from "vitest";
import { caseSeed, caseText, corpus } from "./generators";
import { runCaseConfirmed, type CaseBudget } from "./harness";
import { root } from "../helpers";

const texts = corpus(root);
const budget: CaseBudget = { maxStates: 300, timeoutMs: 250 };

/** Generator, cases, and the largest size used (1: the generator's whole range). */
const slice: [string, number, number][] = [
  ["bytes", 600, 1],
  ["tokens", 400, 1],
  ["mutate", 900, 1],
  ["valid", 150, 1],
  ["deep-parens", 60, 1],
  ["deep-blocks", 40, 1],
  ["else-if-chain", 60, 1],
  ["long-expression", 25, 1],
  ["many-cpus", 50, 1],
  ["many-locks", 20, 1],
  ["many-vars", 25, 1],
  ["call-fan-out", 60, 1],
  ["call-chain", 25, 1],
  ["huge-either", 60, 1],
  ["many-handlers", 60, 1],
  ["many-work", 60, 1],
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
