// The editor's side of `race import`: a lockdep report pasted into a `.race`
// file gets one diagnostic (RACE170) instead of hundreds of syntax errors,
// and that diagnostic a quick fix that replaces the text with the scenario.

import { raceLexer } from "../language/tokens";
import { diagnostic, type Diagnostic } from "../language/messages";
import { span } from "../language/span";
import type { Fix } from "../services/fixes";
import { importLockdep } from ".";
import { reportHeaderSpan } from "./input";

export const CONVERT_TITLE = "Convert lockdep report to a scenario";

/**
 * RACE170 on the first report's WARNING line when `text` holds a lockdep
 * report outside comments (a report quoted in a comment of a scenario is
 * documentation, not a paste). Called only for text with errors.
 */
export function lockdepReportDiagnostic(text: string): Diagnostic | undefined {
  if (!/WARNING:|\[ INFO:/.test(text)) return undefined;
  const at = reportHeaderSpan(text);
  if (!at) return undefined;
  const comments = raceLexer.tokenize(text).groups["comments"] ?? [];
  if (comments.some((c) => c.startOffset <= at.start && at.start <= (c.endOffset ?? c.startOffset))) return undefined;
  return diagnostic("lockdepReport", span(at.start, at.end), at.header, at.count);
}

/** Scenario text outside the reports: declarations or CPUs at the start of a line. */
function scenarioOutside(text: string, reports: readonly { firstLine: number; lastLine: number }[]): boolean {
  return text.split("\n").some((l, i) => !reports.some((r) => r.firstLine <= i + 1 && i + 1 <= r.lastLine) && /^\s*(scenario|cpu|fn|driver|var|mutex|rwsem|spinlock|recursive mutex|expect)\b/.test(l));
}

/**
 * The quick fix of RACE170: the whole text becomes the scenario (one fix per
 * report when there are several). A report pasted below a scenario is
 * converted too, but the title says the file's text is replaced.
 */
export function lockdepReportFixes(text: string, d: Diagnostic): Fix[] {
  const result = importLockdep(text);
  if (!result.ok) return [];
  const n = result.scenarios.length;
  const title = scenarioOutside(text, result.scenarios) ? `${CONVERT_TITLE}, replacing this file's text` : CONVERT_TITLE;
  return result.scenarios.map((s, i) => ({
    title: n === 1 ? title : `${title} (${i + 1} of ${n}: ${s.header.replace(/^WARNING: /, "")}, ${s.task})`,
    code: d.code,
    spans: [d.span],
    edits: [{ span: span(0, text.length), newText: s.text }],
    preferred: i === 0,
  }));
}
