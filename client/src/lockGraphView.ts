// The lock-order graph view: the graph drawn (pictures.ts: dagre layout,
// each cycle's edges coloured confirmed / unreached / gated), a click on an
// edge or one of its sites goes to that site in the editor; below it each
// inversion with its status and every edge with its sites as a table.

import * as vscode from "vscode";
import type { LockGraphPayload } from "../../server/src/lsp/payloads";
import { PICTURE_STYLE, renderLockGraphSvg } from "./pictures";
import { escapeHtml, nonce, page } from "./webview";

export type { LockGraphPayload } from "../../server/src/lsp/payloads";

export function renderLockGraph(g: LockGraphPayload): string {
  const n = nonce();
  const edges = g.edges
    .map(
      (e) =>
        `<tr><td class="mono">${escapeHtml(e.from)}</td><td>→</td><td class="mono">${escapeHtml(e.to)}</td><td>${e.sites
          .map((s) => `<a class="link" data-line="${s.range.start.line}" data-character="${s.range.start.character}"${s.file ? ` data-uri="${escapeHtml(s.file)}"` : ""}>${escapeHtml(s.cpu)} at ${s.file ? `${escapeHtml(decodeURIComponent(s.file.replace(/^.*\//, "")))}:` : "line "}${s.range.start.line + 1}</a>${s.alsoHeld.length ? ` (also holding ${escapeHtml(s.alsoHeld.join(", "))})` : ""}`)
          .join("<br>")}</td></tr>`,
    )
    .join("");
  const inversions =
    g.inversions.length === 0
      ? "<p>No lock-order inversions: every path takes these locks in one order.</p>"
      : `<ul>${g.inversions
          .map((i) => `<li class="${escapeHtml(i.status)}"><span class="mono">${escapeHtml([...i.locks, i.locks[0]].join(" → "))}</span>: <b>${escapeHtml(i.status)}</b>${i.gate ? ` by ${escapeHtml(i.gate.join(", "))}` : ""}</li>`)
          .join("")}</ul>`;
  const picture = g.edges.length === 0 ? "<p>No lock is taken while another is held: the graph has no edges.</p>" : `<div class="scroll">${renderLockGraphSvg(g)}</div>`;
  const legend = `<div class="legend"><span class="confirmed">━ cycle confirmed by a deadlock trace</span><span class="unreached">╍ cycle no interleaving deadlocks on</span><span class="gated">┅ cycle gated by a common outer lock</span><span>━ edge in no cycle</span> · click an edge to go to its site</div>`;
  const body = `<h2>Lock-order graph</h2>${legend}${picture}<h3>Inversions</h3>${inversions}<h3>Edges (held → taken)</h3><table><thead><tr><th>held</th><th></th><th>taken</th><th>where</th></tr></thead><tbody>${edges}</tbody></table>`;
  const style = `.confirmed { color: var(--vscode-errorForeground); } .gated { color: var(--vscode-charts-green, inherit); } a.link { color: var(--vscode-textLink-foreground); } ${PICTURE_STYLE}`;
  const script = `
const vscode = acquireVsCodeApi();
document.addEventListener('click', e => {
  const t = e.target.closest('[data-line]');
  if (t) vscode.postMessage({ type: 'goto', line: Number(t.dataset.line), character: Number(t.dataset.character), uri: t.dataset.uri || '' });
});`;
  return page(n, "Lock-order graph", body, style, script);
}

/** `toCode`: how a URI of the server's is opened (a library file read-only, library.ts). */
export function showLockGraph(g: LockGraphPayload, toCode: (uri: string) => vscode.Uri = (uri) => vscode.Uri.parse(uri)): void {
  const panel = vscode.window.createWebviewPanel("race.lockGraph", "Lock-order graph", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [] });
  panel.webview.html = renderLockGraph(g);
  panel.webview.onDidReceiveMessage(async (m: { type: string; line: number; character: number; uri?: string }) => {
    if (m.type !== "goto") return;
    const at = new vscode.Position(m.line, m.character);
    // A site in a file the scenario imports opens that file (race-language.md §11).
    await vscode.window.showTextDocument(toCode(m.uri || g.uri), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(at, at), preview: false });
  });
}
