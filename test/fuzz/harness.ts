// One fuzz case: the text goes through every entry point a user reaches —
// the front end (every keystroke), analyze() with a small budget (the
// editor's worker and the CLI), the formatter and the Promela export — and
// each must hold its contract:
// - nothing throws;
// - no RACE199 (an internal error is a bug, whatever the input);
// - every diagnostic, related location, problem and trace step lies inside
//   the text, start before end;
// - formatting is idempotent;
// - the case ends within the search's time budget plus a second (more is
//   reported as a hang: the budget did not bound it). A case over time is
//   run once more and reported only if it is over again, so that a pause
//   of the machine (other processes, a collection of an earlier case's
//   garbage) is not taken for a hang.

import { analyze, analyzeFrontEnd, type Analysis } from "../../server/src/analysis";
import { compile, CompileError } from "../../server/src/engine/compile";
import { ExportError, toPromela } from "../../server/src/export/promela";
import type { Sources } from "../../server/src/language/sources";
import type { Span } from "../../server/src/language/span";
import { format } from "../../server/src/services/format";

export interface CaseBudget {
  readonly maxStates: number;
  readonly timeoutMs: number;
}

export type Stage = "front-end" | "analyze" | "format" | "export";
export type FailureKind = "crash" | "race199" | "range" | "format" | "hang";

export interface CaseFailure {
  readonly kind: FailureKind;
  readonly stage: Stage;
  /** One line: the error and where it was thrown, or what did not hold. */
  readonly detail: string;
}

export interface CaseResult {
  readonly failures: CaseFailure[];
  readonly ms: number;
  readonly stageMs: Readonly<Record<Stage, number>>;
}

/** Time over the search's budget that a case may take before it counts as a hang. */
export const HANG_SLACK_MS = 1000;

/** `Name: message (at the first frame of ours)`: short enough to group failures by. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const frame = (e.stack ?? "")
    .split("\n")
    .slice(1)
    .map((l) => l.trim())
    .find((l) => l.includes("server/src") || l.includes("dist/"));
  const where = frame?.match(/([\w.]+\.ts|[\w.-]+\.js):\d+/)?.[0];
  return `${e.name}: ${e.message.split("\n")[0]!.slice(0, 200)}${where ? ` (at ${where})` : ""}`;
}

export function runCase(text: string, budget: CaseBudget): CaseResult {
  const failures: CaseFailure[] = [];
  const stageMs: Record<Stage, number> = { "front-end": 0, analyze: 0, format: 0, export: 0 };
  const stage = <T>(name: Stage, work: () => T): T | undefined => {
    const t0 = performance.now();
    try {
      return work();
    } catch (e) {
      failures.push({ kind: "crash", stage: name, detail: describeError(e) });
      return undefined;
    } finally {
      stageMs[name] += performance.now() - t0;
    }
  };
  const inside = (where: Stage, what: string, s: Span): void => {
    if (!(s.start >= 0 && s.start <= s.end && s.end <= text.length)) failures.push({ kind: "range", stage: where, detail: `${what} at ${s.start}..${s.end} outside 0..${text.length}` });
  };
  // A related place or a trace step may be in a file the scenario imports (race-language.md §11): inside one file of the program.
  const inProgram = (sources: Sources | undefined) => (where: Stage, what: string, s: Span): void => {
    if (!sources || sources.inMain(s)) return inside(where, what, s);
    const file = sources.files[sources.fileAt(s.start)]!;
    if (!(s.start <= s.end && s.end <= file.base + file.text.length)) failures.push({ kind: "range", stage: where, detail: `${what} at ${s.start}..${s.end} outside ${file.path ?? "?"}` });
  };

  const fe = stage("front-end", () => analyzeFrontEnd(text));
  if (fe) {
    for (const d of fe.diagnostics) {
      inside("front-end", d.code, d.span);
      for (const r of d.related ?? []) inProgram(fe.program.sources)("front-end", `${d.code} related`, r.span);
      if (d.code === "RACE199") failures.push({ kind: "race199", stage: "front-end", detail: d.message });
    }
  }
  const a = stage("analyze", () => analyze(text, budget));
  if (a) checkAnalysis(a, failures, inside, inProgram(a.frontEnd.program.sources));
  stage("format", () => {
    const once = format(text);
    if (format(once) !== once) failures.push({ kind: "format", stage: "format", detail: "format(format(x)) !== format(x)" });
  });
  if (fe && !fe.hasErrors) {
    stage("export", () => {
      try {
        toPromela(compile(fe.program.ast, fe.checked.scope), "fuzz.race");
      } catch (e) {
        // What cannot be exported exactly is refused with a reason; a model that does not compile is analyze()'s RACE199.
        if (!(e instanceof ExportError) && !(e instanceof CompileError)) throw e;
      }
    });
  }
  const ms = Object.values(stageMs).reduce((x, y) => x + y, 0);
  if (ms > budget.timeoutMs + HANG_SLACK_MS) {
    const slowest = (Object.entries(stageMs) as [Stage, number][]).sort((x, y) => y[1] - x[1])[0]!;
    failures.push({ kind: "hang", stage: slowest[0], detail: `${Math.round(ms)} ms over a budget of ${budget.timeoutMs} ms` });
  }
  return { failures, ms, stageMs };
}

type Inside = (where: Stage, what: string, s: Span) => void;

function checkAnalysis(a: Analysis, failures: CaseFailure[], inside: Inside, inProgram: Inside): void {
  for (const d of a.diagnostics) {
    inside("analyze", d.code, d.span);
    for (const r of d.related ?? []) inProgram("analyze", `${d.code} related`, r.span);
    if (d.code === "RACE199") failures.push({ kind: "race199", stage: "analyze", detail: d.message.slice(0, 200) });
  }
  for (const { problem } of a.findings) {
    inProgram("analyze", `${problem.kind} problem`, problem.span);
    for (const step of problem.trace) inProgram("analyze", `${problem.kind} trace step`, step.span);
  }
}

/** runCase, with a hang confirmed by a second run (see above). */
export function runCaseConfirmed(text: string, budget: CaseBudget): CaseResult {
  const first = runCase(text, budget);
  if (!first.failures.some((f) => f.kind === "hang")) return first;
  return runCase(text, budget);
}
