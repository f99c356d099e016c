// The conversion over the real protocol: the built server publishes RACE170
// for a pasted report, answers the code action with the conversion, and the
// converted document is checked like any scenario.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeAction, WorkspaceEdit } from "vscode-languageserver-protocol";
import { applyEdits } from "../../server/src/services/edits";
import { LineIndex } from "../../server/src/language/span";
import { LspClient } from "../server/lspClient";
import { splat } from "./splats";

function applyWorkspaceEdit(text: string, uri: string, edit: WorkspaceEdit): string {
  const lines = new LineIndex(text);
  return applyEdits(text, (edit.changes?.[uri] ?? []).map((e) => ({ span: { start: lines.offset(e.range.start), end: lines.offset(e.range.end) }, newText: e.newText })));
}

describe("a lockdep report pasted in the editor", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient();
    await client.initialize();
  });
  afterAll(async () => client.close());

  it("gets one diagnostic, whose quick fix converts it; the scenario then deadlocks as lockdep said", async () => {
    const uri = "file:///pasted.race";
    const report = splat("04_zram_kn_active_kernfs_drain.txt");
    await client.open(uri, report);
    const p = await client.diagnostics(uri, (x) => x.version === 1);
    expect(p.diagnostics.map((d) => [d.code, d.range.start.line, d.severity])).toEqual([["RACE170", 2, 1]]);
    const d = p.diagnostics[0]!;
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    expect(actions.map((a) => [a.title, a.kind, a.isPreferred])).toEqual([["Convert lockdep report to a scenario", "quickfix", true]]);
    const converted = applyWorkspaceEdit(report, uri, actions[0]!.edit!);
    expect(converted).toMatch(/^\/\/ Imported by `race import`/);
    await client.change(uri, converted, 2);
    const checked = await client.engineDiagnostics(uri, 2);
    const deadlocks = checked.diagnostics.filter((x) => x.code === "RACE100");
    expect(deadlocks.length).toBe(2);
    expect(deadlocks.every((x) => x.severity === 3 && typeof x.message === "string" && x.message.includes("(expected by this scenario)"))).toBe(true);
    expect(checked.diagnostics.filter((x) => x.severity === 1)).toEqual([]);
  });
});
