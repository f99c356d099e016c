// The `race` debug type in VS Code: the adapter runs in the extension host
// (DebugAdapterInlineImplementation), a launch without launch.json debugs
// the active scenario's first finding, and "Debug trace" / "Save trace"
// take a finding's trace from the server as a trace file.

import * as vscode from "vscode";
import type { TraceFile } from "../../server/src/traceFile";
import { RaceDebugSession } from "./debugAdapter";

type Request = <T>(method: string, params: unknown) => Promise<T>;

export function registerDebugging(context: vscode.ExtensionContext, request: Request, uriOf: (arg: unknown) => string | undefined): void {
  const traceOf = async (uri: string, index: number): Promise<TraceFile | undefined> => {
    const file = await request<TraceFile | null>("race/traceFile", { uri, index });
    if (!file) void vscode.window.showInformationMessage("Race: no trace for that finding (the scenario has not been checked, or has changed).");
    return file ?? undefined;
  };
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory("race", {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new RaceDebugSession() as unknown as vscode.DebugAdapter),
    }),
    vscode.debug.registerDebugConfigurationProvider("race", {
      resolveDebugConfiguration(_folder, config) {
        if (config.type) return config;
        const doc = vscode.window.activeTextEditor?.document;
        if (doc?.languageId !== "race") return undefined;
        return { type: "race", request: "launch", name: "Debug the scenario's first finding", program: doc.uri.fsPath, finding: 0 };
      },
    }),
    vscode.commands.registerCommand("race.debugTrace", async (arg?: unknown, index?: unknown) => {
      const uri = uriOf(arg);
      if (!uri) return;
      const finding = typeof index === "number" ? index : 0;
      const traceData = await traceOf(uri, finding);
      if (!traceData) return;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(uri)), {
        type: "race",
        request: "launch",
        name: `Trace: ${traceData.finding?.kind ?? "finding"} ${finding + 1}`,
        program: vscode.Uri.parse(uri).fsPath,
        traceData,
        // Unsaved edits: the adapter replays on the editor's text, not the file's.
        ...(doc?.isDirty ? { text: doc.getText() } : {}),
      });
    }),
    vscode.commands.registerCommand("race.saveTrace", async (arg?: unknown, index?: unknown) => {
      const uri = uriOf(arg);
      if (!uri) return;
      const file = await traceOf(uri, typeof index === "number" ? index : 0);
      if (!file) return;
      const source = vscode.Uri.parse(uri);
      const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(source, "..", source.path.replace(/^.*\//, "").replace(/\.race$/, ".trace.json")), filters: { "Race trace": ["json"] } });
      if (!target) return;
      await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(file, null, 2) + "\n", "utf8"));
    }),
  );
}
