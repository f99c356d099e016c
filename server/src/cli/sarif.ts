// `race check --sarif`: SARIF 2.1.0 for code-scanning tools. One rule per
// message code; each engine finding carries a codeFlow whose threadFlows are
// the CPUs, their steps ordered globally by executionOrder. Each file is
// made into its part of the log as soon as it is checked (sarifFile), so
// that a file whose check failed inside the checker still gets its place.

import type { Analysis } from "../analysis";
import type { TraceStep } from "../engine/trace";
import { expectationText } from "../language/ast";
import { catalogue, diagnostic, type Severity } from "../language/messages";
import type { Locator } from "../language/sources";
import { span, type Span } from "../language/span";

export interface Entry {
  file: string;
  analysis: Analysis;
  lines: Locator;
}

/** One file's part of the log: its results, and what it claims and whether that holds. */
export interface SarifFile {
  readonly results: readonly object[];
  readonly scenario: object;
}

const level = (s: Severity): "error" | "warning" | "note" => (s === "error" ? "error" : s === "warning" ? "warning" : "note");

function words(id: string): string {
  return id.replace(/([A-Z])/g, " $1").toLowerCase().replace(/^./, (c) => c.toUpperCase());
}

const rules = Object.entries(catalogue).map(([id, entry]) => ({
  id: entry.code,
  name: id.replace(/^./, (c) => c.toUpperCase()),
  shortDescription: { text: words(id) },
  defaultConfiguration: { level: level(entry.severity) },
}));
const ruleIndex = new Map<string, number>(rules.map((r, i) => [r.id, i]));

const uriOf = (file: string): string => file.replace(/\\/g, "/");

/** A result per diagnostic, a codeFlow per finding's trace (and one more for a livelock's loop). */
export function sarifFile({ file, analysis, lines }: Entry): SarifFile {
  const results: object[] = [];
  const uri = uriOf(file);
  const region = (s: Span): object => {
    const r = lines.range(s);
    return { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
  };
  // A place in an imported file names that file (race-language.md §11).
  const location = (s: Span, message?: string): object => ({
    physicalLocation: { artifactLocation: { uri: uriOf(lines.file?.(s) ?? file) }, region: region(s) },
    ...(message ? { message: { text: message } } : {}),
  });
  for (const d of analysis.diagnostics) {
    const result: Record<string, unknown> = {
      ruleId: d.code,
      ruleIndex: ruleIndex.get(d.code),
      level: level(d.severity),
      message: { text: d.message },
      locations: [location(d.span)],
    };
    if (d.related && d.related.length > 0) result["relatedLocations"] = d.related.map((r, i) => ({ id: i + 1, ...location(r.span, r.message) }));
    const finding = d.finding === undefined ? undefined : analysis.findings[d.finding];
    if (finding) {
      const p = finding.problem;
      const cpus = [...new Set([...p.trace.map((s) => s.cpu), ...p.cpus])];
      // SARIF 2.1.0 wants at least one location per threadFlow and one
      // threadFlow per codeFlow: a thread with no step in it is left out,
      // and so is a flow with no step at all (a 0-step trace).
      const flow = (text: string, steps: readonly TraceStep[]): object[] => {
        const threadFlows = cpus
          .map((cpu) => ({
            id: cpu,
            locations: steps
              .map((s, order) => ({ s, order }))
              .filter(({ s }) => s.cpu === cpu)
              .map(({ s, order }) => ({
                executionOrder: order + 1,
                nestingLevel: s.stack.length,
                location: location(s.span, `${cpu}: ${s.action}`),
              })),
          }))
          .filter((t) => t.locations.length > 0);
        return threadFlows.length > 0 ? [{ message: { text }, threadFlows }] : [];
      };
      const codeFlows = flow(`shortest trace: ${p.trace.length} steps`, p.trace);
      // A livelock's loop: the trace, then into the loop, then once round it (it repeats for ever).
      if (p.loop) codeFlows.push(...flow(`livelock: then ${p.loop.prefix.length} steps into a loop of ${p.loop.cycle.length} steps that repeats for ever`, [...p.trace, ...p.loop.prefix, ...p.loop.cycle]));
      if (codeFlows.length > 0) result["codeFlows"] = codeFlows;
    }
    results.push(result);
  }
  // What the scenario claims and whether it holds: what `race check`'s exit status is made of.
  const scenario = { file: uri, expect: expectationText(analysis.expectation), expectKinds: analysis.expectation.kinds, verdict: analysis.verdict, met: analysis.met };
  return { results, scenario };
}

/** A file whose check failed inside the checker. */
export interface Failure {
  readonly file: string;
  readonly detail: string;
}

/** The RACE199 result of a failed file, at the file. */
function failureResult(f: Failure): { ruleId: string; ruleIndex: number | undefined; level: "error"; message: { text: string }; locations: object[] } {
  const d = diagnostic("internal", span(0, 0), f.detail);
  return { ruleId: d.code, ruleIndex: ruleIndex.get(d.code), level: "error", message: { text: d.message }, locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(f.file) } } }] };
}

/** A failed file's part: its RACE199 result and no verdict. The run then says it did not succeed (toSarif). */
export function sarifFailure(f: Failure): SarifFile {
  return { results: [failureResult(f)], scenario: { file: uriOf(f.file), expect: "unknown", expectKinds: [], verdict: "internal-error", met: false } };
}

/**
 * The log, files in order; with failures, invocations[0] says the run did
 * not succeed and carries a notification per failed file.
 */
export function toSarif(files: readonly SarifFile[], failures: readonly Failure[], version: string): object {
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "race", fullName: "Race Scenarios checker", version, semanticVersion: version, rules } },
        invocations: [
          {
            executionSuccessful: failures.length === 0,
            toolExecutionNotifications: failures.map((f) => {
              const r = failureResult(f);
              return { level: "error", message: r.message, locations: r.locations };
            }),
          },
        ],
        columnKind: "utf16CodeUnits",
        results: files.flatMap((f) => f.results),
        properties: { scenarios: files.map((f) => f.scenario) },
      },
    ],
  };
}
