// race/test: runs one scenario as a test for the editor's Testing view, in
// a worker thread of its own (started on first use), and answers with the
// verdict and where to look, as an LSP range.

import { pathOfUri } from "./uris";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { ResponseError, type Connection, type Range } from "vscode-languageserver/node";
import { LineIndex } from "../language/span";
import { MIN_WORKER_MEMORY_MB } from "../scheduler";
import type { ScenarioTestResult } from "../services/scenarioTest";
import type { TestJob, TestReply } from "../testWorker";

export interface TestPayload extends Omit<ScenarioTestResult, "span"> {
  range: Range | undefined;
}

/** `memoryMb`: the heap cap of the test worker, the same as the checking worker's (race.workerMemoryMb), read when it starts. */
export function registerTests(connection: Connection, options: () => TestJob["options"], memoryMb: () => number): { dispose(): void } {
  let worker: Worker | undefined;
  let next = 1;
  const waiting = new Map<number, (r: TestReply) => void>();
  const start = (): Worker => {
    // A runaway test then ends this worker (ERR_WORKER_OUT_OF_MEMORY), not the server; the next request starts another.
    const w = new Worker(path.join(__dirname, "testWorker.js"), { resourceLimits: { maxOldGenerationSizeMb: Math.max(MIN_WORKER_MEMORY_MB, memoryMb()) } });
    w.on("message", (r: TestReply) => {
      waiting.get(r.id)?.(r);
      waiting.delete(r.id);
    });
    w.on("error", (e) => {
      for (const [id, done] of waiting) done({ id, error: e.message });
      waiting.clear();
      worker = undefined;
    });
    w.unref();
    return w;
  };
  connection.onRequest("race/test", async (p: { uri: string; text: string }): Promise<TestPayload> => {
    worker ??= start();
    const id = next++;
    const reply = await new Promise<TestReply>((resolve) => {
      waiting.set(id, resolve);
      worker!.postMessage({ id, text: p.text, path: pathOfUri(p.uri), options: options() } satisfies TestJob);
    });
    if ("error" in reply) throw new ResponseError(-32603, `race: the test of ${p.uri} failed to run: ${reply.error}`);
    const { span, ...rest } = reply.result;
    return { ...rest, range: span ? new LineIndex(p.text).range(span) : undefined };
  });
  return { dispose: () => void worker?.terminate() };
}
