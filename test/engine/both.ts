// The engine tests' shared check: a scenario checked by the full search
// and by the reduced one (the default), which must report the same
// (test/observable.ts: problems, traces and their lengths, lock facts, the
// lock-order graph), the scenario itself free of errors.

import { expect } from "vitest";
import type { Analysis } from "../../server/src/analysis";
import { run } from "../helpers";
import { observable } from "../observable";

export function fullAndReduced(text: string): { full: Analysis; reduced: Analysis } {
  const full = run(text, { reduce: false });
  expect(full.frontEnd.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const reduced = run(text);
  expect(observable(reduced)).toEqual(observable(full));
  return { full, reduced };
}
