// Code lenses over the scenario line (or the first CPU): the verdict with its
// figures, "▷ Simulate", and "▶ Replay trace" and "↺ Debug trace" for each finding.

import type { CodeLens } from "vscode-languageserver/node";
import { expectationText } from "../language/ast";
import { toRange } from "./convert";
import type { DocumentState } from "./documentState";

const n = (x: number): string => x.toLocaleString("en-US");

export function codeLenses(s: DocumentState): CodeLens[] {
  const scope = s.frontEnd.checked.scope;
  const anchorSpan = scope.scenario?.span ?? scope.cpus[0]?.span ?? { start: 0, end: 0 };
  const anchor = toRange(s.lines, { start: anchorSpan.start, end: anchorSpan.start });
  const lens = (title: string, command: string, args: unknown[] = []): CodeLens => ({ range: anchor, command: { title, command, arguments: args } });
  const errors = s.frontEnd.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) return [lens(`✗ invalid · ${n(errors)} error${errors === 1 ? "" : "s"}`, "workbench.actions.view.problems")];
  // No CPU, `scenario` or `expect`: a file of declarations for scenarios to import (race-language.md §11).
  if (s.frontEnd.program.declarationsOnly) return [lens("declarations only · nothing runs here; scenarios import this file", "race.checkNow", [s.uri])];
  const sum = s.summary;
  if (sum?.failure) return [lens(`✗ ${sum.failure} · check again`, "race.checkNow", [s.uri])];
  const simulate = lens("▷ Simulate", "race.simulate", [s.uri]);
  if (!sum || !sum.stats) return [lens("⋯ checking every interleaving", "race.checkNow", [s.uri]), simulate];
  const st = sum.stats;
  const figures = `${n(st.states)} states · ${Math.round(st.ms)} ms${st.complete ? "" : ` · stopped by ${st.stoppedBy}`}`;
  const first = sum.findings[0]?.problem;
  // An expectation not met says which: `expect deadlock, misuse` may fail on what is missing or on what is extra.
  const unmet = sum.met ? "" : ` · expect ${expectationText(sum.expectation)}: NOT met`;
  let verdict: string;
  if (sum.verdict === "safe") verdict = `${sum.met ? "✓" : "✗"} safe${unmet} · ${figures}`;
  else if (sum.verdict === "incomplete") verdict = `? incomplete · ${figures}`;
  else verdict = `${sum.met ? "✓" : "✗"} ${sum.verdict}${sum.met ? " (expected)" : unmet} · ${first ? `${first.trace.length} steps · ` : ""}${figures}`;
  const out = [lens(verdict, "race.checkNow", [s.uri]), simulate];
  sum.findings.forEach(({ problem }, index) => {
    out.push(lens(`▶ Replay trace: ${problem.kind} on ${problem.cpus.join(", ")} (${problem.trace.length} steps)`, "race.replayTrace", [s.uri, index]));
    out.push(lens("↺ Debug trace", "race.debugTrace", [s.uri, index]));
  });
  if ((sum.lockGraph?.edges.length ?? 0) > 0) out.push(lens("Lock-order graph", "race.showLockGraph", [s.uri]));
  return out;
}
