// The trace view: the page (tracePage.ts: swimlanes, then a column per CPU
// and a row per step, an interrupt handler's rows nested in its CPU's
// column) in a webview panel. Stepping forward and back (buttons, or ←/→,
// Home/End, j/k) moves a highlight in the editor to the step's source line
// and shows each CPU's held locks and what changed.

import * as vscode from "vscode";
import type { TracePayload } from "../../server/src/lsp/payloads";
import { renderTracePage as render } from "./tracePage";

// The payload is the server's (lsp/payloads.ts); only its type crosses over.
export type { TracePayload } from "../../server/src/lsp/payloads";

interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** A range from the server's payloads (LSP's shape) as VS Code's. */
export const toRange = (r: LspRange): vscode.Range => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

export class TraceView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private payload: TracePayload | undefined;
  private readonly current = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("editor.rangeHighlightBackground"),
    border: "1px solid",
    borderColor: new vscode.ThemeColor("focusBorder"),
    after: { margin: "0 0 0 2em", color: new vscode.ThemeColor("editorCodeLens.foreground") },
  });
  private readonly blockedDecoration = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("inputValidation.errorBackground"),
  });

  private stale = false;

  /** `toCode`: how a URI of the server's is opened (a library file read-only, library.ts). */
  constructor(private readonly toCode: (uri: string) => vscode.Uri = (uri) => vscode.Uri.parse(uri)) {}

  // An edit makes the trace describe an older text: say so and drop the highlight.
  // The page is rendered again (not messaged), because VS Code reloads a hidden
  // webview from its HTML when it is shown again.
  private readonly onEdit = vscode.workspace.onDidChangeTextDocument((e) => {
    if (!this.payload || this.stale || e.document.uri.toString() !== this.payload.uri || e.contentChanges.length === 0) return;
    this.stale = true;
    this.clear();
    if (this.panel) this.panel.webview.html = render(this.payload, true);
  });

  async show(payload: TracePayload): Promise<void> {
    this.payload = payload;
    this.stale = false;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel("race.trace", "Race trace", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [] });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.clear();
      });
      this.panel.webview.onDidReceiveMessage((m: { type: string; index: number }) => {
        if (m.type === "step") void this.highlight(m.index);
        if (m.type === "debug" && this.payload) void vscode.commands.executeCommand("race.debugTrace", this.payload.uri, this.payload.index);
        if (m.type === "save" && this.payload) void vscode.commands.executeCommand("race.saveTrace", this.payload.uri, this.payload.index);
      });
    }
    this.panel.title = `Trace: ${payload.kind} · ${payload.title}`;
    this.panel.webview.html = render(payload);
    this.panel.reveal(vscode.ViewColumn.Beside, true);
    await this.highlight(payload.steps.length);
  }

  /** The editor of a document: the scenario's, or a file it imports where a step's code is (race-language.md §11). */
  private async editorOf(uri: string): Promise<vscode.TextEditor> {
    const target = this.toCode(uri);
    return (
      vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.toString()) ??
      (await vscode.window.showTextDocument(target, { viewColumn: vscode.ViewColumn.One, preserveFocus: true, preview: false }))
    );
  }

  /** Highlights step `index` (steps.length: the final, blocked state) in the editor of the file its code is in. */
  private async highlight(index: number): Promise<void> {
    const p = this.payload;
    if (!p || this.stale) return;
    const step = p.steps[index];
    this.clear();
    const editor = await this.editorOf(step?.file ?? p.blocked[0]?.file ?? p.uri);
    if (step) {
      const held = Object.entries(step.held)
        .filter(([, locks]) => locks.length > 0)
        .map(([cpu, locks]) => `${cpu}: ${locks.join(", ")}`)
        .join(" · ");
      const who = step.on ? `${step.cpu} (<Interrupt> on ${step.on})` : step.cpu;
      editor.setDecorations(this.current, [{ range: toRange(step.range), renderOptions: { after: { contentText: `  step ${index + 1}: ${who} ${step.action}${held ? `   [held ${held}]` : ""}` } } }]);
      editor.setDecorations(this.blockedDecoration, []);
      editor.revealRange(toRange(step.range), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } else {
      editor.setDecorations(this.current, []);
      const here = editor.document.uri.toString();
      editor.setDecorations(
        this.blockedDecoration,
        p.blocked.filter((b) => this.toCode(b.file ?? p.uri).toString() === here).map((b) => ({ range: toRange(b.range), hoverMessage: `${b.cpu} blocked${b.waitsFor ? ` waiting for ${b.waitsFor}` : ""}` })),
      );
      if (p.blocked[0]) editor.revealRange(toRange(p.blocked[0].range), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  private clear(): void {
    for (const e of vscode.window.visibleTextEditors) {
      e.setDecorations(this.current, []);
      e.setDecorations(this.blockedDecoration, []);
    }
  }

  dispose(): void {
    this.onEdit.dispose();
    this.panel?.dispose();
    this.current.dispose();
    this.blockedDecoration.dispose();
  }
}
