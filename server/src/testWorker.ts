// The Testing view's worker thread: runs scenarios as tests
// (services/scenarioTest.ts) off the language server's main thread, one at
// a time, so a long test never holds up typing.

import { parentPort } from "node:worker_threads";
import type { AnalyzeOptions } from "./analysis";
import { runScenarioTest, type ScenarioTestResult } from "./services/scenarioTest";

export interface TestJob {
  readonly id: number;
  readonly text: string;
  /** The scenario's path, for the files it imports (race-language.md §11); read from the disk. */
  readonly path: string | undefined;
  readonly options: Pick<AnalyzeOptions, "maxStates" | "timeoutMs">;
}

export type TestReply = { readonly id: number; readonly result: ScenarioTestResult } | { readonly id: number; readonly error: string };

if (parentPort) {
  const port = parentPort;
  port.on("message", (job: TestJob) => {
    try {
      port.postMessage({ id: job.id, result: runScenarioTest(job.text, { ...job.options, source: { path: job.path } }) } satisfies TestReply);
    } catch (e) {
      port.postMessage({ id: job.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies TestReply);
    }
  });
}
