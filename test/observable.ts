// What a user sees from the engine for one scenario, apart from the search's
// own figures: the verdict, each problem with its sites, message and trace
// length, the lock facts per statement (with what each wait found at its
// call, and the interrupt state there), lockdep's irq usage per lock and
// the lock-order graph. Reduced and
// full searches must agree on all of it (test/engine/reduction.test.ts, the
// differential runner).

import { isDeepStrictEqual } from "node:util";
import type { Analysis } from "../server/src/analysis";
import type { Model } from "../server/src/engine/model";
import { scheduleOfTrace } from "../server/src/engine/schedule";
import { Layout } from "../server/src/engine/state";

// Where the reduced search's traces are not proven shortest (its search
// for them ran out of budget: `withTraceLengths` false), a trace may end in
// another state than the full search's, and a message words that state
// (who holds what a thread waits for, where a thread that could release it
// is): then neither the lengths nor the messages are compared, only what
// each problem is (its kind, threads and sites).
export function observable(a: Analysis, withTraceLengths = true): unknown {
  const r = a.report;
  if (!r) return { verdict: a.verdict };
  const problems = r.problems.map((p) => ({
    kind: p.kind,
    cpus: p.cpus,
    sites: p.sites.map((s) => [s.cpu, s.span.start, s.waitsFor]),
    steps: withTraceLengths ? p.trace.length : undefined,
    message: withTraceLengths ? p.message : undefined,
  }));
  return {
    verdict: a.verdict,
    met: a.met,
    globallyStuck: r.globallyStuck,
    // Without lengths, the order (which ranks by length) is not compared either.
    problems: withTraceLengths ? problems : problems.map((p) => JSON.stringify(p)).sort(),
    facts: r.lockFacts.map((f) => `${f.cpu}@${f.span.start}:${f.stack.map((s) => s.call.start).join("/")} always[${f.always}] sometimes[${f.sometimes}]${f.wait ? ` wait${JSON.stringify(f.wait)}` : ""}${f.irq ? ` irq${JSON.stringify(f.irq)}` : ""}`),
    irqUsage: r.irqUsage.map((u) => `${u.lock}: ${u.usage}`),
    // Lockdep's irq reports with the statement each cites (its anchor in the editor and SARIF).
    irqReports: r.irqReports.map((x) => `${x.title} [${x.locks.join(" → ")}] ${x.status} ${x.sites.map((s) => `${s.usage}@${s.cpu}:${s.span?.start ?? "-"}`).join(" ")}`),
    edges: r.lockGraph.edges.map((e) => `${e.from}>${e.to} ${e.sites.map((s) => `${s.cpu}@${s.span.start}(${s.alsoHeld})`).join(" ")}`),
    inversions: r.lockGraph.inversions.map((i) => `${i.locks} ${i.status} ${i.gate ?? ""}`),
  };
}

/**
 * Reduced and full searches agree, or differ only by a tie: two traces of
 * the same, shortest length that end in different states (differential
 * seed 758: w1's assert fails before C1 sets x0, or passes after it; seed
 * 834: C0 ends holding L1[o1] taken at its `lock`, or taken again at a
 * later `trylock` after dropping it). Which of them a search meets first
 * is its order of exploration, and a message words the state its trace
 * ends in, as a thread-end site names where its trace took the lock still
 * held; so with shortest traces proven, each problem that differs must
 * have the same kind, threads, sites (a thread end standing for its own
 * span), trace length and everything else, and the reduced search's trace
 * must replay on the model step by step (scheduleOfTrace): a real run that
 * short, which the full search could have reported as well. (That the
 * problem shows in the state it ends in holds under the reduction: the
 * reduced graph keeps each state's findings, docs/ARCHITECTURE.md.)
 */
export function agreeUpToTies(reduced: Analysis, full: Analysis, model: Model, withTraceLengths: boolean): boolean {
  if (isDeepStrictEqual(observable(reduced, withTraceLengths), observable(full, withTraceLengths))) return true;
  if (!withTraceLengths || !reduced.report || !full.report) return false;
  const untied = (a: Analysis): unknown => {
    const o = observable(a, true) as { problems: { message?: string; sites: unknown[][] }[] };
    return { ...o, problems: o.problems.map((p, i) => ({ ...p, message: undefined, sites: a.report!.problems[i]!.sites.map((s) => [s.cpu, s.action.startsWith("end of ") ? s.action : s.span.start, s.waitsFor]) })) };
  };
  if (!isDeepStrictEqual(untied(reduced), untied(full))) return false;
  const layout = new Layout(model);
  const r = reduced.report.problems;
  const f = full.report.problems;
  return r.every((p, i) => isDeepStrictEqual(observable1(p), observable1(f[i]!)) || scheduleOfTrace(layout, p.trace)?.length === f[i]!.trace.length);
}

/** One problem as observable() writes it. */
function observable1(p: NonNullable<Analysis["report"]>["problems"][number]): unknown {
  return { kind: p.kind, cpus: p.cpus, sites: p.sites.map((s) => [s.cpu, s.span.start, s.waitsFor]), steps: p.trace.length, message: p.message };
}
