// analyze(): the whole pipeline in a few lines. The CLI, the language
// server, its worker and the tests all call this and nothing deeper.
//
//   text ─parse─▶ AST ─check─▶ diagnostics ─compile─▶ Model ─runEngine─▶ EngineReport
//   then the scenario's `expect` decides which findings are errors.

import { expectationText, type Expectation, type ExpectKind, type SourceFile } from "./language/ast";
import { check, type CheckResult } from "./language/checker";
import { threadCount } from "./language/binder";
import { catalogue, diagnostic, relatedText, withRelated, withSeverity, type CycleRelation, type Diagnostic, type Related } from "./language/messages";
import { loadProgram, type Program, type SourceContext } from "./language/program";
import { importLine, placeElsewhere, placeFrontEnd } from "./language/relocate";
import { span, type Span } from "./language/span";
import { diskHost } from "./files";
import { compile, CompileError } from "./engine/compile";
import type { ExploreOptions, ProblemKind } from "./engine/explore";
import type { Frame, Model } from "./engine/model";
import { runEngine, type EngineReport, type Problem } from "./engine/report";
import { coverage, vacuityDiagnostics, type Coverage } from "./coverage";
import { lockdepReportDiagnostic } from "./import/editor";

export interface FrontEnd {
  readonly text: string;
  /** The scenario's own items (`[*]` filled in); what it imports is in `program`. */
  readonly ast: SourceFile;
  readonly checked: CheckResult;
  /** Parse and check diagnostics together, in source order, all in the scenario's text (those of imported files summed up at their import). */
  readonly diagnostics: readonly Diagnostic[];
  readonly hasErrors: boolean;
  /** The scenario with the files it imports (race-language.md §11): every span is a program span (language/sources.ts). */
  readonly program: Program;
  /** The front end's diagnostics that are in imported files, where they are (for an editor that has those files open). */
  readonly elsewhere: readonly Diagnostic[];
}

/**
 * The worst that was found: `deadlock` > `hang` > `violation` > `misuse`; else `safe` or `incomplete`.
 * `declarations`: a file with no CPU, `scenario` or `expect` only declares, for scenarios that import it.
 */
export type Verdict = "safe" | "deadlock" | "hang" | "violation" | "misuse" | "incomplete" | "invalid" | "declarations";

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
  "section-unbalanced": "misuse",
  "section-open-at-exit": "misuse",
  "queue-destroyed": "misuse",
  "queue-draining": "misuse",
  "kthread-run-twice": "misuse",
  "remove-self-outside": "misuse",
  "irq-unbalanced": "misuse",
  "irq-state-at-exit": "misuse",
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

export type AnalyzeOptions = ExploreOptions & {
  /** Where the text comes from, for its imports (default: no path; the library from the disk). */
  readonly source?: SourceContext;
};

export const MAX_CPUS = 31;

/** Parse and check: what the editor shows on every keystroke. */
export function analyzeFrontEnd(text: string, source: SourceContext = {}): FrontEnd {
  const program = loadProgram(text, { path: source.path, host: source.host ?? diskHost() });
  const cutAt = program.cutAt;
  const checked = check(program.ast, text, { truncated: cutAt !== undefined, sources: program.sources, declarationsOnly: program.declarationsOnly });
  // A kernel spelling's range is explained by its hint (its `&` lexes as a bad character).
  const explained = (d: Diagnostic): boolean => checked.quiet.some((q) => q.start <= d.span.start && d.span.end <= q.end);
  // The item where reading stopped is missing its end: what the checker says about it is noise.
  const cutItem = cutAt === undefined ? undefined : Math.min(cutAt, program.main.items.at(-1)?.span.start ?? cutAt);
  const inCutItem = (d: Diagnostic): boolean => cutItem !== undefined && cutItem <= d.span.start && program.sources.inMain(d.span);
  const checkerFindings = checked.diagnostics.filter((d) => !inCutItem(d));
  const placed = placeFrontEnd([...program.diagnostics.filter((d) => !explained(d)), ...checkerFindings], program);
  const all = sortDiagnostics(placed.here);
  // A pasted lockdep report: one diagnostic offering its conversion, not hundreds of syntax errors (import/editor.ts).
  const report = all.some((d) => d.severity === "error") ? lockdepReportDiagnostic(text) : undefined;
  const diagnostics = report ? [report] : all;
  return { text, ast: program.main, checked, diagnostics, hasErrors: diagnostics.some((d) => d.severity === "error"), program, elsewhere: placed.elsewhere };
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const frontEnd = analyzeFrontEnd(text, options.source);
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
  if (frontEnd.program.declarationsOnly) return { ...invalid(), verdict: "declarations", met: true };
  const scope = frontEnd.checked.scope;
  if (threadCount(scope) > MAX_CPUS) {
    // On the first thread past the limit, in source order.
    const threads = [...scope.cpus, ...scope.works, ...scope.kthreads, ...scope.handlers].sort((a, b) => a.span.start - b.span.start);
    let n = 0;
    const over = threads.find((t) => (n += t.kind === "WorkDecl" ? (t.instances?.length ?? 1) : 1) > MAX_CPUS) ?? threads[threads.length - 1]!;
    return invalid([placeElsewhere(diagnostic("syntax", over.name.span, { kind: "tooManyCpus", max: MAX_CPUS }), frontEnd.program)]);
  }
  let model: Model;
  try {
    model = compile(frontEnd.program.ast, frontEnd.checked.scope, frontEnd.program.sources);
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
  const program = frontEnd.program;
  findings.forEach(({ problem, expected }, i) => diagnostics.push(...problemDiagnostics(problem, expected, program).map((d) => ({ ...d, finding: i }))));
  if (!report.lockGraph.cyclesComplete) {
    const first = report.lockGraph.inversions[0]?.edges[0]?.sites[0]?.span ?? span(0, 0);
    diagnostics.push(diagnostic("cyclesIncomplete", first, report.lockGraph.inversions.length, report.lockGraph.cyclesStoppedBy ?? "budget"));
  }
  for (const r of report.irqReports) {
    const at = r.sites.find((s) => s.span)?.span ?? span(0, 0);
    const related: Related[] = r.sites.flatMap((s) => (s.span ? [{ span: s.span, message: relatedText.usageSeen(s.usage, s.cpu) }] : []));
    const d = r.status === "confirmed" ? diagnostic("irqConfirmed", at, r.title, r.locks) : diagnostic("irqUnreached", at, r.title, r.locks, report.stats.complete);
    diagnostics.push(withRelated(report.stats.complete || r.status === "confirmed" ? d : withSeverity(d, "warning"), related));
  }
  for (const s of report.sleepsInAtomic) diagnostics.push(inScenario(diagnostic("sleepInAtomic", s.span, s.cpu, s.action, s.why), s, program));
  for (const inv of report.lockGraph.inversions) {
    if (inv.status === "confirmed") continue;
    const at = inv.edges[0]?.sites[0]?.span ?? span(0, 0);
    const related: Related[] = inv.edges.flatMap((e) => e.sites.map((s) => ({ span: s.span, message: relatedText.takesWhileHolding(s.cpu, e.to, e.from) })));
    // A cycle that shares locks with one that does deadlock: say how they
    // relate, so the note never reads as contradicting the deadlock report.
    const confirmed = report.lockGraph.inversions.filter((o) => o.status === "confirmed");
    const larger = confirmed.find((o) => o.locks.length < inv.locks.length && o.locks.every((l) => inv.locks.includes(l)));
    const smaller = confirmed.find((o) => o.locks.length > inv.locks.length && inv.locks.every((l) => o.locks.includes(l)));
    const relation: CycleRelation | undefined = larger ? { kind: "extends", locks: larger.locks } : smaller ? { kind: "partOf", locks: smaller.locks } : undefined;
    const complete = report.stats.complete;
    const d =
      inv.status === "gated"
        ? diagnostic("inversionGated", at, inv.locks, inv.gate!)
        : complete
          ? diagnostic("inversionUnreached", at, inv.locks, complete, relation)
          : withSeverity(diagnostic("inversionUnreached", at, inv.locks, complete, relation), "warning");
    diagnostics.push(withRelated(d, related));
  }
  const unexpected = findings.some((f) => !f.expected);
  const complete = report.stats.complete;
  const expectDecl = frontEnd.checked.scope.expect;
  const expectSpan = expectDecl?.span ?? frontEnd.checked.scope.scenario?.span ?? model.cpus[0]?.declSpan ?? span(0, 0);
  if (!complete) {
    diagnostics.push(diagnostic("incomplete", expectSpan, report.stats.stoppedBy ?? "cancelled", report.stats.states));
  }
  const found = new Set(report.problems.map((p) => EXPECT_KIND_OF[p.kind]));
  const missing = expectation.kinds.filter((k) => !found.has(k));
  if (missing.length > 0) {
    diagnostics.push(diagnostic("expectationNotMet", expectSpan, expectationText(expectation), missing, complete ? report.stats.states : undefined));
  }
  const covered = coverage(model, report, (s) => program.sources.inMain(s));
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
  // Inversion notes and coverage in imported code: at the scenario's import.
  const placed = diagnostics.map((d) => placeElsewhere(d, program));
  return { frontEnd, model, report, expectation, verdict, met, findings, diagnostics: sortDiagnostics(placed), coverage: covered };
}

const problemCodes = {
  deadlock: "deadlock",
  hang: "hang",
  violation: "violation",
  "bad-unlock": "badUnlock",
  "lock-held-at-exit": "lockHeldAtExit",
  overflow: "overflow",
  "section-unbalanced": "sectionUnbalanced",
  "section-open-at-exit": "sectionOpenAtExit",
  "queue-destroyed": "queueDestroyed",
  "queue-draining": "queueDraining",
  "kthread-run-twice": "kthreadRunTwice",
  "remove-self-outside": "removeSelfOutside",
  "irq-unbalanced": "irqUnbalanced",
  "irq-state-at-exit": "irqStateAtExit",
} as const satisfies Record<Problem["kind"], keyof typeof catalogue>;

/** The message code of a kind of engine finding. */
export function problemCode(kind: Problem["kind"]): string {
  return catalogue[problemCodes[kind]].code;
}

/**
 * A deadlock is shown on every CPU's blocked statement; other problems at
 * their site. A site in an imported file is shown at the innermost call in
 * the scenario on the way there (else at the import), with the site itself
 * as the first related place.
 */
export function problemDiagnostics(p: Problem, expected: boolean, program?: Pick<Program, "sources" | "via">): Diagnostic[] {
  const id = problemCodes[p.kind];
  const sites = p.kind === "deadlock" ? p.sites : [p.sites[0]!];
  return sites.map((site) => inScenario(siteDiagnostic(p, site, id, expected), site, program));
}

/** A diagnostic at a statement in imported code, placed at the innermost call in the scenario on the way there (else at the import). */
function inScenario(d: Diagnostic, site: { readonly span: Span; readonly stack: readonly Frame[] }, program?: Pick<Program, "sources" | "via">): Diagnostic {
  if (!program || program.sources.inMain(site.span)) return d;
  const call = [...site.stack].reverse().find((f) => program.sources.inMain(f.call))?.call;
  return placeElsewhere(d, program, call ?? importLine(program, site.span));
}

function siteDiagnostic(p: Problem, site: Problem["sites"][number], id: (typeof problemCodes)[Problem["kind"]], expected: boolean): Diagnostic {
  const related: Related[] = [];
  for (const other of p.sites) {
    if (other !== site) related.push({ span: other.span, message: relatedText.blockedHere(other.cpu, other.waitsFor) });
  }
  for (const s of p.sites) {
    for (const h of s.holds) if (h.span) related.push({ span: h.span, message: relatedText.stillHeld(s.cpu, h.lock) });
  }
  const d = withRelated(diagnostic(id, site.span, p.words, expected), related);
  return expected ? withSeverity(d, "information") : d;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => a.span.start - b.span.start || a.code.localeCompare(b.code));
}
