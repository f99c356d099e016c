// The status bar item: the verdict of the active .race document.

import * as vscode from "vscode";

export interface RaceStatus {
  uri: string;
  version: number;
  verdict: string;
  met: boolean;
  text: string;
  states?: number;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  private readonly byUri = new Map<string, RaceStatus>();

  constructor() {
    this.item.name = "Race Scenarios verdict";
    this.item.command = "race.checkNow";
  }

  update(s: RaceStatus): void {
    this.byUri.set(s.uri, s);
    this.render();
  }

  render(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const s = doc?.languageId === "race" ? this.byUri.get(doc.uri.toString()) : undefined;
    if (!s) {
      this.item.hide();
      return;
    }
    const icon = s.verdict === "checking" ? "$(sync~spin)" : s.met ? "$(pass)" : s.verdict === "invalid" ? "$(error)" : "$(warning)";
    this.item.text = `${icon} race: ${s.verdict}`;
    this.item.tooltip = `${s.text}${s.states !== undefined ? ` · ${s.states.toLocaleString("en-US")} states` : ""} — click to check again`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
