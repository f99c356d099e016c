// The checking worker: runs analyze() and the quick-fix verification off the
// language server's main thread, so typing stays responsive. A job is
// cancelled through a shared flag the explorer polls.

import { parentPort } from "node:worker_threads";
import { analyze } from "./analysis";
import { engineFixes } from "./services/fixes";
import type { CheckReply, CheckRequest, CheckSummary } from "./workerProtocol";

export function runCheck(req: Omit<CheckRequest, "id" | "cancel">, isCancelled: () => boolean): CheckSummary | undefined {
  const options = { maxStates: req.maxStates, timeoutMs: req.timeoutMs, isCancelled };
  const a = analyze(req.text, options);
  if (isCancelled()) return undefined;
  // Candidate fixes are re-checked with a smaller budget each; they only need to be exact on small scenarios.
  const fixes = a.report?.stats.complete ? engineFixes(req.text, a, { ...options, timeoutMs: Math.min(req.timeoutMs, 2000) }) : [];
  if (isCancelled()) return undefined;
  return {
    verdict: a.verdict,
    met: a.met,
    expectation: a.expectation,
    diagnostics: a.diagnostics,
    findings: a.findings,
    lockFacts: a.report?.lockFacts ?? [],
    lockGraph: a.report?.lockGraph,
    stats: a.report?.stats,
    cpus: (a.model?.cpus ?? []).map((c) => ({ name: c.name, label: c.label })),
    fixes,
  };
}

if (parentPort) {
  const port = parentPort;
  port.on("message", (req: CheckRequest) => {
    const flag = new Int32Array(req.cancel);
    const isCancelled = (): boolean => Atomics.load(flag, 0) !== 0;
    let reply: CheckReply;
    try {
      const summary = runCheck(req, isCancelled);
      reply = summary ? { id: req.id, kind: "done", summary } : { id: req.id, kind: "cancelled" };
    } catch (e) {
      reply = { id: req.id, kind: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    port.postMessage(reply);
  });
}
