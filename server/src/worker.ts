// The checking worker: runs analyze() and the quick-fix verification off the
// language server's main thread, so typing stays responsive. A job is
// cancelled through a shared flag the explorer polls.

import { parentPort } from "node:worker_threads";
import { analyze } from "./analysis";
import { snapshotHost } from "./files";
import { engineFixes } from "./services/fixes";
import type { Fix } from "./services/fixes";
import type { CheckReply, CheckRequest, CheckSummary } from "./workerProtocol";

/** Above this many states, quick fixes are not verified (nor offered). */
export const MAX_STATES_FOR_FIXES = 200_000;

/**
 * Analyzes the text and hands the summary to `deliver` at once, then
 * verifies quick-fix candidates and returns them (undefined if cancelled).
 */
export function runCheck(req: Omit<CheckRequest, "id" | "cancel">, isCancelled: () => boolean, deliver: (s: CheckSummary) => void): Fix[] | undefined {
  // The imported files exactly as the front end read them (race-language.md §11).
  const source = req.source ? { path: req.source.path, host: snapshotHost(new Map(req.source.files)) } : undefined;
  const options = { maxStates: req.maxStates, timeoutMs: req.timeoutMs, isCancelled, source };
  const a = analyze(req.text, options);
  if (isCancelled()) return undefined;
  deliver({
    verdict: a.verdict,
    met: a.met,
    expectation: a.expectation,
    diagnostics: a.diagnostics,
    findings: a.findings,
    lockFacts: a.report?.lockFacts ?? [],
    lockGraph: a.report?.lockGraph,
    irqUsage: a.report?.irqUsage ?? [],
    irqReports: a.report?.irqReports ?? [],
    stats: a.report?.stats,
    cpus: (a.model?.cpus ?? []).map((c, t) => {
      const h = a.model!.handlers.find((x) => x.thread === t);
      return { name: c.name, label: c.label, ...(h ? { on: a.model!.cpus[h.cpu]!.name, context: h.kind === "irq" ? ("hardirq" as const) : ("softirq" as const) } : {}) };
    }),
    fixes: [],
    coverage: a.coverage,
  });
  // Each candidate fix costs a search about as big as this one: only offer
  // verified fixes where that is quick, and give each re-check 2 s at most
  // (an incomplete re-check never verifies a fix).
  const small = a.report !== undefined && a.report.stats.complete && a.report.stats.states <= MAX_STATES_FOR_FIXES;
  const fixes = small ? engineFixes(req.text, a, { ...options, timeoutMs: Math.min(req.timeoutMs, 2000) }) : [];
  return isCancelled() ? undefined : fixes;
}

if (parentPort) {
  const port = parentPort;
  port.on("message", (req: CheckRequest) => {
    const flag = new Int32Array(req.cancel);
    const isCancelled = (): boolean => Atomics.load(flag, 0) !== 0;
    const send = (reply: CheckReply): void => port.postMessage(reply);
    let delivered = false;
    try {
      const fixes = runCheck(req, isCancelled, (summary) => {
        delivered = true;
        send({ id: req.id, kind: "done", summary });
      });
      // Every job ends with exactly one of: fixes, cancelled, error.
      send(fixes ? { id: req.id, kind: "fixes", fixes } : { id: req.id, kind: "cancelled" });
    } catch (e) {
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      // A typed array the system cannot give (the engine's arenas live outside the JS heap) is running out of memory too.
      const outOfMemory = e instanceof RangeError && /allocation failed/i.test(e.message);
      send(delivered ? { id: req.id, kind: "fixes", fixes: [] } : { id: req.id, kind: outOfMemory ? "out-of-memory" : "error", message });
    }
  });
}
