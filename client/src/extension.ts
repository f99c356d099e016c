// The VS Code side: starts the bundled language server for .race files and
// adds what the protocol has no words for: the trace view, the lock-order
// graph view, the "check now" command and a status bar item with the verdict.

import * as path from "node:path";
import * as vscode from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import { registerDebugging } from "./debug";
import { Library } from "./library";
import { registerImportCommand } from "./importCommand";
import { showLockGraph, type LockGraphPayload } from "./lockGraphView";
import { SimulationView } from "./simulationView";
import { registerTesting } from "./testing";
import { StatusBar, type RaceStatus } from "./statusBar";
import { TraceView, type TracePayload } from "./traceView";

let client: LanguageClient | undefined;

function settings(): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration("race");
  return { maxStates: c.get("maxStates"), timeoutMs: c.get("timeoutMs"), debounceMs: c.get("debounceMs"), workerMemoryMb: c.get("workerMemoryMb") };
}

function activeRaceUri(arg: unknown): string | undefined {
  if (typeof arg === "string") return arg;
  if (arg instanceof vscode.Uri) return arg.toString();
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === "race" ? doc.uri.toString() : undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join("dist", "server.js"));
  // A larger young generation halves the garbage-collection share of parsing
  // big scenarios on every keystroke (docs/benchmarks.md).
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: ["--max-semi-space-size=64"] } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6009"] } },
  };
  // The kernel library ships beside the bundles; it opens read-only (library.ts).
  const library = new Library(context.asAbsolutePath("library"));
  library.register(context);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "race" }],
    initializationOptions: settings(),
    synchronize: { configurationSection: "race" },
    uriConverters: { code2Protocol: (uri) => library.toProtocol(uri), protocol2Code: (uri) => library.toCode(uri) },
  };
  client = new LanguageClient("race", "Race Scenarios", serverOptions, clientOptions);
  const c = client;

  const status = new StatusBar();
  const traceView = new TraceView((uri) => library.toCode(uri));
  const simulation = new SimulationView((method, params) => c.sendRequest(method, params));
  context.subscriptions.push(status, traceView, simulation);

  context.subscriptions.push(
    vscode.commands.registerCommand("race.checkNow", async (arg?: unknown) => {
      const uri = activeRaceUri(arg);
      if (!uri) return void vscode.window.showInformationMessage("Open a .race file to check it.");
      const r = await c.sendRequest<{ scheduled: boolean; reason?: string }>("race/check", { uri });
      if (!r.scheduled) void vscode.window.showWarningMessage(`Race: not checked: ${r.reason ?? "unknown document"}.`);
    }),
    vscode.commands.registerCommand("race.replayTrace", async (arg?: unknown, index?: unknown) => {
      const uri = activeRaceUri(arg);
      if (!uri) return void vscode.window.showInformationMessage("Open a .race file with a finding to replay its trace.");
      const payload = await c.sendRequest<TracePayload | null>("race/trace", { uri, index: typeof index === "number" ? index : 0 });
      if (!payload) return void vscode.window.showInformationMessage("Race: no trace to replay (the scenario has no finding yet).");
      await traceView.show(payload);
    }),
    vscode.commands.registerCommand("race.showLockGraph", async (arg?: unknown) => {
      const uri = activeRaceUri(arg);
      if (!uri) return;
      const graph = await c.sendRequest<LockGraphPayload | null>("race/lockGraph", { uri });
      if (!graph) return void vscode.window.showInformationMessage("Race: no lock-order graph yet (the scenario has not been checked).");
      showLockGraph(graph, (uri) => library.toCode(uri));
    }),
    vscode.commands.registerCommand("race.simulate", async (arg?: unknown) => {
      const uri = activeRaceUri(arg);
      if (!uri) return void vscode.window.showInformationMessage("Open a .race file to simulate it.");
      try {
        await simulation.start(uri);
      } catch (e) {
        void vscode.window.showWarningMessage(`Race: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
    vscode.window.onDidChangeActiveTextEditor(() => status.render()),
  );

  registerDebugging(context, (method, params) => c.sendRequest(method, params), activeRaceUri);
  registerImportCommand(context);

  await client.start();
  // Tests are run by the server: register them once it answers.
  registerTesting(context, (method, params) => c.sendRequest(method, params));
  context.subscriptions.push(client.onNotification("race/status", (s: RaceStatus) => status.update(s)));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
