// `race check --sarif`: SARIF 2.1.0 for code-scanning tools. One rule per
// message code; each engine finding carries a codeFlow whose threadFlows are
// the CPUs, their steps ordered globally by executionOrder.

import type { Analysis } from "../analysis";
import { catalogue, diagnostic, type Severity } from "../language/messages";
import { span, type LineIndex, type Span } from "../language/span";

export interface Entry {
  file: string;
  analysis: Analysis;
  lines: LineIndex;
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

/** The results of one checked file: a result per diagnostic, a codeFlow per finding's trace. */
export function sarifResults({ file, analysis, lines }: Entry): object[] {
  const results: object[] = [];
  const uri = uriOf(file);
  const region = (s: Span): object => {
    const r = lines.range(s);
    return { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
  };
  const location = (s: Span, message?: string): object => ({
    physicalLocation: { artifactLocation: { uri }, region: region(s) },
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
      const cpus = [...new Set([...finding.problem.trace.map((s) => s.cpu), ...finding.problem.cpus])];
      result["codeFlows"] = [
        {
          message: { text: `shortest trace: ${finding.problem.trace.length} steps` },
          threadFlows: cpus.map((cpu) => ({
            id: cpu,
            locations: finding.problem.trace
              .map((s, order) => ({ s, order }))
              .filter(({ s }) => s.cpu === cpu)
              .map(({ s, order }) => ({
                executionOrder: order + 1,
                nestingLevel: s.stack.length,
                location: location(s.span, `${cpu}: ${s.action}`),
              })),
          })),
        },
      ];
    }
    results.push(result);
  }
  return results;
}

/** A file whose check failed inside the checker. */
export interface Failure {
  readonly file: string;
  readonly detail: string;
}

/**
 * The log: every file's results; a file whose check failed inside the
 * checker gets a RACE199 result, and the run says it did not succeed
 * (invocations[0].executionSuccessful, with a notification per failure).
 */
export function toSarif(results: readonly object[], failures: readonly Failure[], version: string): object {
  const failed = failures.map((f) => {
    const d = diagnostic("internal", span(0, 0), f.detail);
    return { file: f.file, d, locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(f.file) } } }] };
  });
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "race", fullName: "Race Scenarios checker", version, semanticVersion: version, rules } },
        invocations: [
          {
            executionSuccessful: failures.length === 0,
            toolExecutionNotifications: failed.map((f) => ({ level: "error", message: { text: f.d.message }, locations: f.locations })),
          },
        ],
        columnKind: "utf16CodeUnits",
        results: [...results, ...failed.map((f) => ({ ruleId: f.d.code, ruleIndex: ruleIndex.get(f.d.code), level: "error", message: { text: f.d.message }, locations: f.locations }))],
      },
    ],
  };
}
