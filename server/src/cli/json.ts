// `race check --json`: the shape CI pipelines and other tools read.
// Ranges are 0-based {line, character}, as in LSP.

import { problemCode, type Analysis } from "../analysis";
import { locateStep, type LocatedStep } from "../engine/trace";
import { expectationText } from "../language/ast";
import { catalogue, diagnostic, type Diagnostic } from "../language/messages";
import type { Locator } from "../language/sources";
import { span, type LineRange } from "../language/span";

export type JsonStep = LocatedStep;

export interface JsonProblem {
  kind: string;
  code: string;
  message: string;
  range: LineRange;
  /** The file `range` is in, when it is not the scenario itself (a file it imports). */
  file?: string;
  expected?: boolean;
  cpus?: readonly string[];
  trace?: JsonStep[];
  /** For a hang: "total" (nothing moves), "partial" (others still run) or "livelock". */
  form?: string;
  /** For a livelock: the steps after `trace` into the loop, and the loop that repeats. */
  loop?: { prefix: JsonStep[]; cycle: JsonStep[] };
}

export interface JsonFile {
  file: string;
  title: string | undefined;
  /** As written after `expect`: `safe`, `deadlock`, `deadlock, misuse`. */
  expect: string;
  /** The kinds that must be found (empty for `expect safe`). */
  expectKinds: readonly string[];
  verdict: string;
  met: boolean;
  problems: JsonProblem[];
  inversions: { locks: readonly string[]; status: string; gate?: readonly string[] }[];
  /** Lockdep's irq-state reports (§10): its header, the lock or chain, confirmed or unreached. */
  irqReports: { title: string; kind: string; irq: string; locks: readonly string[]; status: string; usage: { usage: string; cpu: string; range: LineRange | undefined }[] }[];
  stats?: {
    states: number;
    transitions: number;
    ms: number;
    complete: boolean;
    /** Partial-order reduction was on (`--no-reduce` turns it off). */
    reduced: boolean;
    /** The reduced search merged chains (it drops them where they do not pay: docs/ARCHITECTURE.md "Reduction"). */
    chains: boolean;
    /** States of the goal-directed search that makes traces shortest (reduced searches only). */
    traceSearchStates: number;
    shortestTraces: boolean;
    /** Every lock-order cycle is in `inversions` (false: the search for them stopped at 100, its budget or the deadline). */
    inversionsComplete: boolean;
  };
}

// Findings come below with their traces, inversions in their own list.
const listedElsewhere = (d: Diagnostic): boolean =>
  d.finding !== undefined || d.code === catalogue.inversionGated.code || d.code === catalogue.inversionUnreached.code || d.code === catalogue.irqUnreached.code || d.code === catalogue.irqConfirmed.code;

export function toJsonFile(file: string, a: Analysis, lines: Locator): JsonFile {
  const problems: JsonProblem[] = [];
  // Checker and expectation diagnostics (engine findings come with traces below).
  for (const d of a.diagnostics) {
    if (listedElsewhere(d)) continue;
    problems.push({ kind: d.severity === "error" ? "error" : "warning", code: d.code, message: d.message, range: lines.range(d.span) });
  }
  for (const { problem: p, expected } of a.findings) {
    problems.push({
      kind: p.kind,
      code: problemCode(p.kind),
      message: p.message,
      range: lines.range(p.span),
      ...(lines.file?.(p.span) !== undefined ? { file: lines.file(p.span)! } : {}),
      expected,
      cpus: p.cpus,
      trace: p.trace.map((s) => locateStep(s, lines)),
      ...(p.form ? { form: p.form } : {}),
      ...(p.loop ? { loop: { prefix: p.loop.prefix.map((s) => locateStep(s, lines)), cycle: p.loop.cycle.map((s) => locateStep(s, lines)) } } : {}),
    });
  }
  const out: JsonFile = {
    file,
    title: a.frontEnd.checked.scope.scenario?.title,
    expect: expectationText(a.expectation),
    expectKinds: a.expectation.kinds,
    verdict: a.verdict,
    met: a.met,
    problems,
    inversions: (a.report?.lockGraph.inversions ?? []).map((i) => ({ locks: i.locks, status: i.status, ...(i.gate ? { gate: i.gate } : {}) })),
    irqReports: (a.report?.irqReports ?? []).map((r) => ({
      title: r.title,
      kind: r.kind,
      irq: r.irq,
      locks: r.locks,
      status: r.status,
      usage: r.sites.map((s) => ({ usage: s.usage, cpu: s.cpu, range: s.span ? lines.range(s.span) : undefined })),
    })),
  };
  if (a.report) {
    const s = a.report.stats;
    out.stats = {
      states: s.states,
      transitions: s.transitions,
      ms: Math.round(s.ms * 10) / 10,
      complete: s.complete,
      reduced: s.reduced,
      chains: s.chains,
      traceSearchStates: s.traceSearchStates,
      shortestTraces: s.shortestTraces,
      inversionsComplete: a.report.lockGraph.cyclesComplete,
    };
  }
  return out;
}

/**
 * A file whose check failed inside the checker (an exception, a bug of
 * ours): no verdict, the error as a RACE199 problem at the file's start.
 */
export function internalErrorJson(file: string, detail: string): JsonFile {
  const d = diagnostic("internal", span(0, 0), detail);
  const start = { line: 0, character: 0 };
  return {
    file,
    title: undefined,
    expect: "unknown",
    expectKinds: [],
    verdict: "internal-error",
    met: false,
    problems: [{ kind: "error", code: d.code, message: d.message, range: { start, end: start } }],
    inversions: [],
    irqReports: [],
  };
}
