// What a user sees from the engine for one scenario, apart from the search's
// own figures: the verdict, each problem with its sites, message and trace
// length, the lock facts per statement (with what each wait found at its
// call) and the lock-order graph. Reduced and
// full searches must agree on all of it (test/engine/reduction.test.ts, the
// differential runner).

import type { Analysis } from "../server/src/analysis";

export function observable(a: Analysis, withTraceLengths = true): unknown {
  const r = a.report;
  if (!r) return { verdict: a.verdict };
  const problems = r.problems.map((p) => ({
    kind: p.kind,
    cpus: p.cpus,
    sites: p.sites.map((s) => [s.cpu, s.span.start, s.waitsFor]),
    steps: withTraceLengths ? p.trace.length : undefined,
    message: p.message,
  }));
  return {
    verdict: a.verdict,
    met: a.met,
    globallyStuck: r.globallyStuck,
    // Without lengths, the order (which ranks by length) is not compared either.
    problems: withTraceLengths ? problems : problems.map((p) => JSON.stringify(p)).sort(),
    facts: r.lockFacts.map((f) => `${f.cpu}@${f.span.start}:${f.stack.map((s) => s.call.start).join("/")} always[${f.always}] sometimes[${f.sometimes}]${f.wait ? ` wait${JSON.stringify(f.wait)}` : ""}`),
    edges: r.lockGraph.edges.map((e) => `${e.from}>${e.to} ${e.sites.map((s) => `${s.cpu}@${s.span.start}(${s.alsoHeld})`).join(" ")}`),
    inversions: r.lockGraph.inversions.map((i) => `${i.locks} ${i.status} ${i.gate ?? ""}`),
  };
}
