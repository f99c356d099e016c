// The Testing view: every .race file of the workspace with an `expect` line
// is a test, passed when the checker meets its expectation (the same
// judgement as `race test`, computed by the server: race/test). A failure
// links to the finding that was not expected, or to the `expect` line.

import * as vscode from "vscode";
import type { TestPayload } from "../../server/src/lsp/tests";

type Request = <T>(method: string, params: unknown) => Promise<T>;

const EXPECT = /^\s*expect\b.*$/m;

export function registerTesting(context: vscode.ExtensionContext, request: Request): vscode.TestController {
  const controller = vscode.tests.createTestController("race", "Race scenarios");
  context.subscriptions.push(controller);

  const textOf = async (uri: vscode.Uri): Promise<string> => {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    return open ? open.getText() : Buffer.from(await vscode.workspace.fs.readFile(uri)).toString("utf8");
  };

  /** Adds, updates or removes the test for one file. */
  const refresh = async (uri: vscode.Uri): Promise<void> => {
    let text: string;
    try {
      text = await textOf(uri);
    } catch {
      controller.items.delete(uri.toString());
      return;
    }
    const m = EXPECT.exec(text);
    if (!m) {
      controller.items.delete(uri.toString());
      return;
    }
    const item = controller.items.get(uri.toString()) ?? controller.createTestItem(uri.toString(), vscode.workspace.asRelativePath(uri), uri);
    const line = text.slice(0, m.index + m[0].indexOf("expect")).split("\n").length - 1;
    item.range = new vscode.Range(line, 0, line, 0);
    item.description = m[0].trim();
    controller.items.add(item);
  };

  const discover = async (): Promise<void> => {
    const files = await vscode.workspace.findFiles("**/*.race", "**/node_modules/**");
    await Promise.all(files.map(refresh));
  };
  controller.resolveHandler = async (item) => {
    if (!item) await discover();
  };
  controller.refreshHandler = discover;

  const watcher = vscode.workspace.createFileSystemWatcher("**/*.race");
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate(refresh),
    watcher.onDidChange(refresh),
    watcher.onDidDelete((uri) => controller.items.delete(uri.toString())),
  );

  controller.createRunProfile(
    "Check",
    vscode.TestRunProfileKind.Run,
    async (req, token) => {
      const run = controller.createTestRun(req);
      const queue: vscode.TestItem[] = [];
      if (req.include) queue.push(...req.include);
      else controller.items.forEach((i) => queue.push(i));
      const excluded = new Set((req.exclude ?? []).map((i) => i.id));
      for (const item of queue.filter((i) => !excluded.has(i.id))) run.enqueued(item);
      for (const item of queue) {
        if (token.isCancellationRequested || excluded.has(item.id) || !item.uri) continue;
        run.started(item);
        try {
          const text = await textOf(item.uri);
          const r = await request<TestPayload>("race/test", { uri: item.uri.toString(), text });
          run.appendOutput(`${item.label}: ${r.summary}\r\n`, undefined, item);
          if (r.status === "passed") {
            run.passed(item, r.ms);
            continue;
          }
          const message = new vscode.TestMessage(`${r.message}\n${r.summary}`);
          if (r.range) message.location = new vscode.Location(item.uri, new vscode.Range(r.range.start.line, r.range.start.character, r.range.end.line, r.range.end.character));
          if (r.status === "failed") run.failed(item, message, r.ms);
          else run.errored(item, message, r.ms);
        } catch (e) {
          run.errored(item, new vscode.TestMessage(e instanceof Error ? e.message : String(e)));
        }
      }
      run.end();
    },
    true,
  );
  void discover();
  return controller;
}
