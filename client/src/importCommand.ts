// "Race: New Scenario from Lockdep Report": the selection (or, without one,
// the clipboard) read by `race import`, each report opened as a new untitled
// scenario. The import runs here, in the extension host: it is plain text
// processing, with no need of the language server.

import * as vscode from "vscode";
import { importLockdep } from "../../server/src/import";

export const IMPORT_COMMAND = "race.importLockdepReport";

async function reportText(): Promise<{ text: string; source: string }> {
  const editor = vscode.window.activeTextEditor;
  if (editor && !editor.selection.isEmpty) return { text: editor.document.getText(editor.selection), source: "the selection" };
  return { text: await vscode.env.clipboard.readText(), source: "the clipboard" };
}

export function registerImportCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(IMPORT_COMMAND, async () => {
      const { text, source } = await reportText();
      const result = importLockdep(text, source);
      if (!result.ok) return void vscode.window.showErrorMessage(`Race: ${result.error.message} [${result.error.code}]`);
      for (const s of result.scenarios) {
        const doc = await vscode.workspace.openTextDocument({ language: "race", content: s.text });
        await vscode.window.showTextDocument(doc, { preview: false });
      }
      // What the scenarios cannot say exactly (interrupt nesting, reports with gaps) deserves a word; the
      // pseudo-locks are explained in each scenario's header.
      const warnings = [...new Set([...result.skipped, ...result.scenarios.flatMap((s) => s.notes)].filter((n) => n.severity === "warning").map((n) => `${n.message} [${n.code}]`))];
      const n = result.scenarios.length;
      const done = `Race: ${n} scenario${n === 1 ? "" : "s"} from the lockdep report${n === 1 ? "" : "s"} in ${source}.`;
      void vscode.window.showInformationMessage([done, ...warnings].join(" "));
    }),
  );
}
