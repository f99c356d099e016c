// analyze(): the whole pipeline in a few lines. The CLI, the language
// server, its worker and the tests all call this and nothing deeper.
//
//   text ─parse─▶ AST ─check─▶ diagnostics ─compile─▶ Model ─runEngine─▶ EngineReport
//   then the scenario's `expect` decides which findings are errors.

import { expectationText, type Expectation, type ExpectKind, type SourceFile } from "./language/ast";
import { check, type CheckResult } from "./language/checker";
import { catalogue, diagnostic, withRelated, withSeverity, type Diagnostic, type Related } from "./language/messages";
import { parse } from "./language/parse";
import { span } from "./language/span";
import { compile, CompileError } from "./engine/compile";
import type { ExploreOptions, ProblemKind } from "./engine/explore";
import type { Model } from "./engine/model";
import { runEngine, type EngineReport, type Problem } from "./engine/report";
import { coverage, vacuityDiagnostics, type Coverage } from "./coverage";
import { lockdepReportDiagnostic } from "./import/editor";

export interface FrontEnd {
  readonly text: string;
  readonly ast: SourceFile;
  readonly checked: CheckResult;
  /** Parse and check diagnostics together, in source order. */
  readonly diagnostics: readonly Diagnostic[];
  readonly hasErrors: boolean;
}

/** The worst that was found: `deadlock` > `hang` > `violation` > `misuse`; else `safe` or `incomplete`. */
export type Verdict = "safe" | "deadlock" | "hang" | "violation" | "misuse" | "incomplete" | "invalid";

/**
 * Which word of `expect` claims each kind of problem (race-language.md §7).
 * The one table: a new kind of problem must say here what it is.
 */
export const EXPECT_KIND_OF: Readonly<Record<ProblemKind, ExpectKind>> = {
  deadlock: "deadlock",
  hang: "deadlock",
  violation: "violation",
  "bad-unlock": "misuse",
  "lock-held-at-exit": "misuse",
  overflow: "misuse",
};

/** How an expect word reads in "no … was found". */
const NOT_FOUND: Readonly<Record<ExpectKind, string>> = {
  deadlock: "deadlock or hang",
  violation: "failed assert",
  misuse: "lock misuse (bad unlock, lock held at exit, overflow)",
};

export interface Analysis {
  readonly frontEnd: FrontEnd;
  readonly model: Model | undefined;
  readonly report: EngineReport | undefined;
  readonly expectation: Expectation;
  readonly verdict: Verdict;
  /** The scenario's `expect` holds and nothing unexpected was found. */
  readonly met: boolean;
  /** Each engine problem with the severity the expectation gives it. */
  readonly findings: readonly { readonly problem: Problem; readonly expected: boolean }[];
  /** Everything to show: front end, engine findings, inversions, expectation. */
  readonly diagnostics: readonly Diagnostic[];
  /** Statements no interleaving reaches (coverage.ts); undefined without a search. */
  readonly coverage: Coverage | undefined;
}

export type AnalyzeOptions = ExploreOptions;

export const MAX_CPUS = 31;

/** Parse and check: what the editor shows on every keystroke. */
export function analyzeFrontEnd(text: string): FrontEnd {
  const parsed = parse(text);
  const cutAt = parsed.cutAt;
  const checked = check(parsed.ast, text, { truncated: cutAt !== undefined });
  // A kernel spelling's range is explained by its hint (its `&` lexes as a bad character).
  const explained = (d: Diagnostic): boolean => checked.quiet.some((q) => q.start <= d.span.start && d.span.end <= q.end);
  // The item where reading stopped is missing its end: what the checker says about it is noise.
  const cutItem = cutAt === undefined ? undefined : Math.min(cutAt, parsed.ast.items.at(-1)?.span.start ?? cutAt);
  const checkerFindings = cutItem === undefined ? checked.diagnostics : checked.diagnostics.filter((d) => d.span.start < cutItem);
  const all = sortDiagnostics([...parsed.diagnostics.filter((d) => !explained(d)), ...checkerFindings]);
  // A pasted lockdep report: one diagnostic offering its conversion, not hundreds of syntax errors (import/editor.ts).
  const report = all.some((d) => d.severity === "error") ? lockdepReportDiagnostic(text) : undefined;
  const diagnostics = report ? [report] : all;
  return { text, ast: parsed.ast, checked, diagnostics, hasErrors: diagnostics.some((d) => d.severity === "error") };
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const frontEnd = analyzeFrontEnd(text);
  const expectation = frontEnd.checked.expectation;
  const invalid = (extra: Diagnostic[] = []): Analysis => ({
    frontEnd,
    model: undefined,
    report: undefined,
    expectation,
    verdict: "invalid",
    met: false,
    findings: [],
    diagnostics: sortDiagnostics([...frontEnd.diagnostics, ...extra]),
    coverage: undefined,
  });
  if (frontEnd.hasErrors) return invalid();
  if (frontEnd.checked.scope.cpus.length > MAX_CPUS) {
    return invalid([diagnostic("syntax", frontEnd.checked.scope.cpus[MAX_CPUS]!.name.span, { kind: "tooManyCpus", max: MAX_CPUS })]);
  }
  let model: Model;
  try {
    model = compile(frontEnd.ast, frontEnd.checked.scope, text);
  } catch (e) {
    if (e instanceof CompileError) return invalid([diagnostic("internal", span(0, 0), e.message)]);
    throw e;
  }
  const report = runEngine(model, options);
  return judge(frontEnd, model, report, expectation);
}

function isExpected(p: Problem, expectation: Expectation): boolean {
  return expectation.kinds.includes(EXPECT_KIND_OF[p.kind]);
}

function judge(frontEnd: FrontEnd, model: Model, report: EngineReport, expectation: Expectation): Analysis {
  const findings = report.problems.map((problem) => ({ problem, expected: isExpected(problem, expectation) }));
  const diagnostics: Diagnostic[] = [...frontEnd.diagnostics];
  findings.forEach(({ problem, expected }, i) => diagnostics.push(...problemDiagnostics(problem, expected).map((d) => ({ ...d, finding: i }))));
  if (!report.lockGraph.cyclesComplete) {
    const why = { cap: "at most 100 are listed", budget: "its work budget ran out", time: "the time budget ran out", cancelled: "cancelled" }[report.lockGraph.cyclesStoppedBy ?? "budget"];
    const first = report.lockGraph.inversions[0]?.edges[0]?.sites[0]?.span ?? span(0, 0);
    diagnostics.push(diagnostic("cyclesIncomplete", first, report.lockGraph.inversions.length, why));
  }
  for (const inv of report.lockGraph.inversions) {
    if (inv.status === "confirmed") continue;
    const at = inv.edges[0]?.sites[0]?.span ?? span(0, 0);
    const related: Related[] = inv.edges.flatMap((e) => e.sites.map((s) => ({ span: s.span, message: `${s.cpu} takes ${e.to} while holding ${e.from}` })));
    const chain = cycleText(inv.locks);
    // A cycle that shares locks with one that does deadlock: say how they
    // relate, so the note never reads as contradicting the deadlock report.
    const confirmed = report.lockGraph.inversions.filter((o) => o.status === "confirmed");
    const larger = confirmed.find((o) => o.locks.length < inv.locks.length && o.locks.every((l) => inv.locks.includes(l)));
    const smaller = confirmed.find((o) => o.locks.length > inv.locks.length && inv.locks.every((l) => o.locks.includes(l)));
    const relation = larger
      ? ` It extends the cycle ${cycleText(larger.locks)}, which does deadlock (reported);`
      : smaller
        ? ` Its locks are part of the cycle ${cycleText(smaller.locks)}, which does deadlock (reported);`
        : "";
    const d =
      inv.status === "gated"
        ? diagnostic("inversionGated", at, `Lock-order inversion ${chain} cannot deadlock: every path that takes these locks holds ${inv.gate!.join(", ")} first.`)
        : report.stats.complete
          ? diagnostic(
              "inversionUnreached",
              at,
              relation
                ? `Lock-order inversion ${chain} (lockdep would report it).${relation} no interleaving deadlocks on this cycle itself.`
                : `Lock-order inversion ${chain} (lockdep would report it), but no interleaving of this scenario deadlocks on it.`,
            )
          : withSeverity(diagnostic("inversionUnreached", at, `Lock-order inversion ${chain}: no deadlock on it found before the search stopped.`), "warning");
    diagnostics.push(withRelated(d, related));
  }
  const unexpected = findings.some((f) => !f.expected);
  const complete = report.stats.complete;
  const expectDecl = frontEnd.checked.scope.expect;
  const expectSpan = expectDecl?.span ?? frontEnd.checked.scope.scenario?.span ?? model.cpus[0]?.declSpan ?? span(0, 0);
  if (!complete) {
    const s = report.stats;
    const why = s.stoppedBy === "states" ? `its budget of states` : s.stoppedBy === "time" ? `its time budget` : `cancellation`;
    diagnostics.push(
      diagnostic("incomplete", expectSpan, `The search stopped at ${why} after ${s.states.toLocaleString("en-US")} states; it confirms only what it found and claims no safety.`),
    );
  }
  const found = new Set(report.problems.map((p) => EXPECT_KIND_OF[p.kind]));
  const missing = expectation.kinds.filter((k) => !found.has(k));
  if (missing.length > 0) {
    const scope = complete ? `in any of the ${report.stats.states.toLocaleString("en-US")} reachable states` : "before the search stopped";
    const none = missing.map((k) => `no ${NOT_FOUND[k]}`).join(", ");
    diagnostics.push(diagnostic("expectationNotMet", expectSpan, `Expected ${expectationText(expectation)}, but ${none} was found ${scope}.`));
  }
  const covered = coverage(model, report);
  diagnostics.push(...vacuityDiagnostics(covered, expectation));
  const met = !unexpected && missing.length === 0 && (expectation.kinds.length > 0 || complete);
  const kinds = new Set(report.problems.map((p) => p.kind));
  const verdict: Verdict = kinds.has("deadlock")
    ? "deadlock"
    : kinds.has("hang")
      ? "hang"
      : found.has("violation")
        ? "violation"
        : found.has("misuse")
          ? "misuse"
          : complete
            ? "safe"
            : "incomplete";
  return { frontEnd, model, report, expectation, verdict, met, findings, diagnostics: sortDiagnostics(diagnostics), coverage: covered };
}

const problemCodes = {
  deadlock: "deadlock",
  hang: "hang",
  violation: "violation",
  "bad-unlock": "badUnlock",
  "lock-held-at-exit": "lockHeldAtExit",
  overflow: "overflow",
} as const;

/** The message code of a kind of engine finding. */
export function problemCode(kind: Problem["kind"]): string {
  return catalogue[problemCodes[kind]].code;
}

/** A deadlock is shown on every CPU's blocked statement; other problems at their site. */
export function problemDiagnostics(p: Problem, expected: boolean): Diagnostic[] {
  const id = problemCodes[p.kind];
  const note = expected ? " (expected by this scenario)" : "";
  const sites = p.kind === "deadlock" ? p.sites : [p.sites[0]!];
  return sites.map((site) => {
    const related: Related[] = [];
    for (const other of p.sites) {
      if (other !== site) related.push({ span: other.span, message: `${other.cpu} is blocked here${other.waitsFor ? ` waiting for ${other.waitsFor}` : ""}` });
    }
    for (const s of p.sites) {
      for (const h of s.holds) if (h.span) related.push({ span: h.span, message: `${s.cpu} took ${h.lock} here and still holds it` });
    }
    const d = withRelated(diagnostic(id, site.span, p.message + note), related);
    return expected ? withSeverity(d, "information") : d;
  });
}

/** `A → B → A`. */
function cycleText(locks: readonly string[]): string {
  return [...locks, locks[0]].join(" → ");
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => a.span.start - b.span.start || a.code.localeCompare(b.code));
}
