// `race check --sarif`: SARIF 2.1.0 for code-scanning tools. One rule per
// message code; each engine finding carries a codeFlow whose threadFlows are
// the CPUs, their steps ordered globally by executionOrder.

import type { Analysis } from "../analysis";
import type { TraceStep } from "../engine/trace";
import { expectationText } from "../language/ast";
import { catalogue, type Severity } from "../language/messages";
import type { LineIndex, Span } from "../language/span";

interface Entry {
  file: string;
  analysis: Analysis;
  lines: LineIndex;
}

const level = (s: Severity): "error" | "warning" | "note" => (s === "error" ? "error" : s === "warning" ? "warning" : "note");

function words(id: string): string {
  return id.replace(/([A-Z])/g, " $1").toLowerCase().replace(/^./, (c) => c.toUpperCase());
}

export function toSarif(entries: readonly Entry[], version: string): object {
  const rules = Object.entries(catalogue).map(([id, entry]) => ({
    id: entry.code,
    name: id.replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: words(id) },
    defaultConfiguration: { level: level(entry.severity) },
  }));
  const ruleIndex = new Map<string, number>(rules.map((r, i) => [r.id, i]));
  const results: object[] = [];
  for (const { file, analysis, lines } of entries) {
    const uri = file.replace(/\\/g, "/");
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
        const p = finding.problem;
        const cpus = [...new Set([...p.trace.map((s) => s.cpu), ...p.cpus])];
        const flow = (text: string, steps: readonly TraceStep[]): object => ({
          message: { text },
          threadFlows: cpus.map((cpu) => ({
            id: cpu,
            locations: steps
              .map((s, order) => ({ s, order }))
              .filter(({ s }) => s.cpu === cpu)
              .map(({ s, order }) => ({
                executionOrder: order + 1,
                nestingLevel: s.stack.length,
                location: location(s.span, `${cpu}: ${s.action}`),
              })),
          })),
        });
        result["codeFlows"] = [flow(`shortest trace: ${p.trace.length} steps`, p.trace)];
        // A livelock's loop: the trace, then into the loop, then once round it (it repeats for ever).
        if (p.loop) (result["codeFlows"] as object[]).push(flow(`livelock: then ${p.loop.prefix.length} steps into a loop of ${p.loop.cycle.length} steps that repeats for ever`, [...p.trace, ...p.loop.prefix, ...p.loop.cycle]));
      }
      results.push(result);
    }
  }
  // What each scenario claims and whether it holds: what `race check`'s exit status is made of.
  const scenarios = entries.map(({ file, analysis }) => ({
    file: file.replace(/\\/g, "/"),
    expect: expectationText(analysis.expectation),
    expectKinds: analysis.expectation.kinds,
    verdict: analysis.verdict,
    met: analysis.met,
  }));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "race", fullName: "Race Scenarios checker", version, semanticVersion: version, rules } },
        columnKind: "utf16CodeUnits",
        results,
        properties: { scenarios },
      },
    ],
  };
}
