// The lock-order graph view: every edge (held → taken) with its sites, and
// each inversion with its status (confirmed, gated by a named lock, unreached).

import * as vscode from "vscode";
import { escapeHtml, nonce, page } from "./webview";

interface Graph {
  uri: string;
  locks: string[];
  edges: { from: string; to: string; sites: { cpu: string; range: { start: { line: number } }; alsoHeld: string[] }[] }[];
  inversions: { locks: string[]; status: string; gate?: string[] }[];
}

export function renderLockGraph(g: Graph): string {
  const n = nonce();
  const edges = g.edges
    .map(
      (e) =>
        `<tr><td class="mono">${escapeHtml(e.from)}</td><td>→</td><td class="mono">${escapeHtml(e.to)}</td><td>${e.sites
          .map((s) => `${escapeHtml(s.cpu)} at line ${s.range.start.line + 1}${s.alsoHeld.length ? ` (also holding ${escapeHtml(s.alsoHeld.join(", "))})` : ""}`)
          .join("<br>")}</td></tr>`,
    )
    .join("");
  const inversions =
    g.inversions.length === 0
      ? "<p>No lock-order inversions: every path takes these locks in one order.</p>"
      : `<ul>${g.inversions
          .map((i) => `<li class="${escapeHtml(i.status)}"><span class="mono">${escapeHtml([...i.locks, i.locks[0]].join(" → "))}</span>: <b>${escapeHtml(i.status)}</b>${i.gate ? ` by ${escapeHtml(i.gate.join(", "))}` : ""}</li>`)
          .join("")}</ul>`;
  const body = `<h2>Lock-order graph</h2><h3>Inversions</h3>${inversions}<h3>Edges (held → taken)</h3><table><thead><tr><th>held</th><th></th><th>taken</th><th>where</th></tr></thead><tbody>${edges}</tbody></table>`;
  const style = `.confirmed { color: var(--vscode-errorForeground); } .gated { color: var(--vscode-charts-green, inherit); }`;
  return page(n, "Lock-order graph", body, style, "");
}

export function showLockGraph(g: Graph): void {
  const panel = vscode.window.createWebviewPanel("race.lockGraph", "Lock-order graph", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: false, localResourceRoots: [] });
  panel.webview.html = renderLockGraph(g);
}
