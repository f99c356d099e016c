// A scenario as a test: a `.race` file with an `expect` line passes when the
// checker meets its expectation. Shared by `race test` (CI, JUnit) and the
// editor's Testing view (race/test), so both judge a file the same way and
// point at the same place: the finding that was not expected, the `expect`
// line that was not met, or the first error.

import { analyze, type AnalyzeOptions } from "../analysis";
import { expectationText } from "../language/ast";
import { catalogue } from "../language/messages";
import type { Span } from "../language/span";

export type TestStatus = "passed" | "failed" | "errored";

export interface ScenarioTestResult {
  readonly status: TestStatus;
  readonly verdict: string;
  /** As written after `expect`: `deadlock, misuse`, or `safe`. */
  readonly expectation: string;
  /** One line: `deadlock · expect deadlock: met · 6 states`. */
  readonly summary: string;
  /** Why it failed, in the checker's words (empty when it passed). */
  readonly message: string;
  /** Where to look: the unexpected finding, the `expect` line, the first error. */
  readonly span: Span | undefined;
  readonly ms: number;
}

/** Does this text declare an expectation (and so count as a test)? */
export function isScenarioTest(text: string): boolean {
  return /^\s*expect\b/m.test(text);
}

export function runScenarioTest(text: string, options: AnalyzeOptions = {}): ScenarioTestResult {
  const started = performance.now();
  const a = analyze(text, options);
  const ms = performance.now() - started;
  const states = a.report ? ` · ${a.report.stats.states.toLocaleString("en-US")} states` : "";
  const expectation = expectationText(a.expectation);
  const summary = `${a.verdict} · expect ${expectation}: ${a.met ? "met" : "NOT met"}${states}`;
  const base = { verdict: a.verdict, expectation, summary, ms };
  if (a.verdict === "invalid") {
    const err = a.diagnostics.find((d) => d.severity === "error");
    return { ...base, status: "errored", message: err ? `${err.code}: ${err.message}` : "The scenario is invalid.", span: err?.span };
  }
  if (a.met) return { ...base, status: "passed", message: "", span: undefined };
  const index = a.findings.findIndex((f) => !f.expected);
  const unexpected = a.findings[index]?.problem;
  // Where it is, or, when that is in a file the scenario imports, where its diagnostic shows in the scenario.
  const at = unexpected && (a.frontEnd.program.sources.inMain(unexpected.span) ? unexpected.span : a.diagnostics.find((d) => d.finding === index)?.span);
  if (unexpected) return { ...base, status: "failed", message: `${unexpected.message} (${unexpected.trace.length} steps)`, span: at };
  const why = a.diagnostics.find((d) => d.code === catalogue.expectationNotMet.code || d.code === catalogue.incomplete.code);
  return { ...base, status: "failed", message: why?.message ?? summary, span: why?.span };
}
