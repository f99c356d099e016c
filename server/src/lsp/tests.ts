// race/test: runs one scenario as a test for the editor's Testing view, in
// a worker thread of its own (started on first use), and answers with the
// verdict and where to look, as an LSP range.

import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { ResponseError, type Connection, type Range } from "vscode-languageserver/node";
import { LineIndex } from "../language/span";
import type { ScenarioTestResult } from "../services/scenarioTest";
import type { TestJob, TestReply } from "../testWorker";

export interface TestPayload extends Omit<ScenarioTestResult, "span"> {
  range: Range | undefined;
}

export function registerTests(connection: Connection, options: () => TestJob["options"]): { dispose(): void } {
  let worker: Worker | undefined;
  let next = 1;
  const waiting = new Map<number, (r: TestReply) => void>();
  const start = (): Worker => {
    const w = new Worker(path.join(__dirname, "testWorker.js"));
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
      worker!.postMessage({ id, text: p.text, options: options() } satisfies TestJob);
    });
    if ("error" in reply) throw new ResponseError(-32603, `race: the test of ${p.uri} failed to run: ${reply.error}`);
    const { span, ...rest } = reply.result;
    return { ...rest, range: span ? new LineIndex(p.text).range(span) : undefined };
  });
  return { dispose: () => void worker?.terminate() };
}
