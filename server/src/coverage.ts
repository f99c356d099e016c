// Coverage: which statements no interleaving reaches. A property that holds
// on code no run reaches proves nothing, so the editor fades such code and
// an `expect safe` whose assert is never reached is called vacuous.
//
// Free once the search is complete: the explorer records, for every
// statement of every CPU, whether some explored state has the CPU there
// (the lock facts, report.lockFacts, list exactly those). With partial-order
// reduction that is still every statement some interleaving reaches: a
// CPU's position is its own steps' doing, and the reduced graph keeps each
// CPU's lock configuration at every statement (docs/ARCHITECTURE.md,
// "Reduction"; tested reduced = full in test/coverage.test.ts). A search
// stopped early knows only what it reached: coverage is then "not known".

import { expectationText, type Expectation } from "./language/ast";
import { diagnostic, type Diagnostic } from "./language/messages";
import type { Span } from "./language/span";
import type { Model } from "./engine/model";
import type { EngineReport } from "./engine/report";

export interface CoveredStatement {
  readonly span: Span;
  /** `lock device_lock[pf]`, or `call pf_drv.probe(pf)` for a call. */
  readonly text: string;
  readonly isAssert: boolean;
}

export interface Coverage {
  /** False when the search stopped early: nothing is then known of what it did not reach. */
  readonly known: boolean;
  /** Distinct statements of the source that run as steps, or calls. */
  readonly statements: number;
  /** Those no explored interleaving reaches, in source order (empty when not known). */
  readonly unreached: readonly CoveredStatement[];
}

const key = (s: Span): string => `${s.start}:${s.end}`;

/**
 * `ownCode`: which statements count, when a scenario imports files (race-language.md §11):
 * the scenario's own; an imported file covers far more paths than one scenario takes.
 */
export function coverage(model: Model, report: EngineReport, ownCode: (s: Span) => boolean = () => true): Coverage {
  const all = new Map<string, CoveredStatement>();
  const reached = new Set<string>(report.lockFacts.map((f) => key(f.span)));
  // A call statement is reached when something it calls is.
  for (const f of report.lockFacts) for (const frame of f.stack) reached.add(key(frame.call));
  for (const cpu of model.cpus) {
    for (const ins of cpu.code) {
      all.set(key(ins.span), { span: ins.span, text: ins.text, isAssert: ins.op === "assert" });
      for (const frame of ins.stack) if (!all.has(key(frame.call))) all.set(key(frame.call), { span: frame.call, text: `call ${frame.fn}`, isAssert: false });
    }
  }
  const known = report.stats.complete;
  for (const [k, st] of all) if (!ownCode(st.span)) all.delete(k);
  const unreached = known ? [...all.entries()].filter(([k]) => !reached.has(k)).map(([, s]) => s) : [];
  unreached.sort((a, b) => a.span.start - b.span.start);
  return { known, statements: all.size, unreached };
}

/**
 * What every tool shows: the asserts no interleaving reaches, in a scenario
 * whose expectation claims that its asserts hold (`expect safe`, or a list
 * without `violation`): that claim is vacuous about them.
 */
export function vacuityDiagnostics(c: Coverage, expectation: Expectation): Diagnostic[] {
  if (expectation.kinds.includes("violation")) return [];
  return c.unreached.filter((s) => s.isAssert).map((s) => diagnostic("vacuousAssert", s.span, expectationText(expectation)));
}

/** What the editor shows: each statement no interleaving reaches (faded). */
export function unreachedDiagnostics(c: Coverage): Diagnostic[] {
  return c.unreached.map((s) => diagnostic("neverReached", s.span));
}
