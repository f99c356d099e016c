// The trace view: swimlanes (a lane per CPU, a bar per lock held, the wait
// edges at the end; pictures.ts), then one column per CPU, one row per step
// of the shortest trace, acquisitions and releases marked, the blocked
// statements of a deadlock or hang highlighted in a last row. Stepping forward and back
// (buttons, or ←/→, Home/End, j/k) moves a highlight in the editor to the
// step's source line and shows each CPU's held locks and what changed.

import * as vscode from "vscode";
import type { TracePayload } from "../../server/src/lsp/payloads";
import { PICTURE_STYLE, renderSwimlaneSvg } from "./pictures";
import { embedJson, escapeHtml, nonce, page } from "./webview";

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
      editor.setDecorations(this.current, [{ range: toRange(step.range), renderOptions: { after: { contentText: `  step ${index + 1}: ${step.cpu} ${step.action}${held ? `   [held ${held}]` : ""}` } } }]);
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

export function render(p: TracePayload, stale = false): string {
  const n = nonce();
  const cpus = p.cpus.filter((c) => p.steps.some((s) => s.cpu === c.name) || p.blocked.some((b) => b.cpu === c.name));
  const head = cpus.map((c) => `<th>${escapeHtml(c.name)}${c.label ? `<div class="label">${escapeHtml(c.label)}</div>` : ""}</th>`).join("");
  const rows = p.steps
    .map((s, i) => {
      const cells = cpus
        .map((c) => {
          if (c.name !== s.cpu) return "<td></td>";
          const cls = s.error ? "error" : s.acquired ? "acquire" : s.released ? "release" : "";
          const mark = s.acquired ? "⬇ " : s.released ? "⬆ " : s.error ? "✗ " : "";
          return `<td class="step ${cls}">${mark}${escapeHtml(s.action)}</td>`;
        })
        .join("");
      // A livelock's steps past the trace: into the loop, then the loop that repeats for ever.
      const span = cpus.length + 2;
      const heading =
        p.loop && i === p.loop.cycleFrom
          ? `<tr class="loophead"><td colspan="${span}">↻ then, repeating for ever:</td></tr>`
          : p.loop && i === p.loop.from
            ? `<tr class="loophead"><td colspan="${span}">then, into the loop:</td></tr>`
            : "";
      const cls = p.loop && i >= p.loop.from ? ' class="loop"' : "";
      // A step in an imported file shows that file's name with the line.
      const where = `${s.file ? `${escapeHtml(decodeURIComponent(s.file.replace(/^.*\//, "")))}:` : ""}${s.range.start.line + 1}`;
      return `${heading}<tr data-index="${i}"${cls}><td class="num">${i + 1}</td><td class="line">${where}</td>${cells}</tr>`;
    })
    .join("\n");
  const blockedRow =
    p.blocked.length > 0
      ? `<tr data-index="${p.steps.length}" class="blocked"><td class="num">✗</td><td class="line"></td>${cpus
          .map((c) => {
            const b = p.blocked.find((x) => x.cpu === c.name);
            if (!b) return "<td></td>";
            if (b.looping) return `<td class="step">↻ ${escapeHtml(b.action)}<div class="label">loops for ever</div></td>`;
            const verb = b.wants === "read" ? "waits to read" : b.wants === "write" ? "waits to write" : "waits for";
            const behind = b.behind.length ? ` behind the queued writer ${escapeHtml(b.behind.join(", "))}` : "";
            const held = b.heldBy.length ? ` held${b.heldMode ? ` for ${b.heldMode === "read" ? "reading" : "writing"}` : ""} by ${escapeHtml(b.heldBy.join(", "))}` : "";
            return `<td class="step">■ ${escapeHtml(b.action)}<div class="label">${b.waitsFor ? `${verb} ${escapeHtml(b.waitsFor)}` : "waits"}${behind}${held}</div></td>`;
          })
          .join("")}</tr>`
      : "";
  const body = `
<div id="stale"${stale ? "" : " hidden"}>The document has changed since this trace was found; replay it again from the code lens.</div>
<h2>${escapeHtml(p.headline)}${p.expected ? ' <span class="expected">(expected)</span>' : ""}</h2>
<p class="message">${escapeHtml(p.message)}</p>
<div class="controls">
  <button id="first" title="First step (Home)">|◀ First</button><button id="prev" title="Previous step (← or k)">◀ Back</button><button id="next" title="Next step (→ or j)">Forward ▶</button><button id="last" title="Final state (End)">Last ▶|</button>
  <span id="position" class="mono"></span>
  <button id="debug" title="Replay this trace in the debugger: step per CPU, step back, breakpoints">↺ Debug trace</button><button id="save" title="Save this trace as a trace file">Save trace…</button>
</div>
<div class="scroll">${renderSwimlaneSvg({ cpus: cpus.map((c) => c.name), steps: p.steps, blocked: p.blocked })}</div>
<table id="trace"><thead><tr><th>#</th><th>line</th>${head}</tr></thead><tbody>
${rows}
${blockedRow}
</tbody></table>
<div id="details"></div>`;
  const style = `
.label { font-weight: normal; opacity: 0.75; font-size: 90%; }
.expected { font-weight: normal; opacity: 0.8; }
td.num, td.line { opacity: 0.7; text-align: right; }
td.acquire { color: var(--vscode-charts-orange, var(--vscode-editorWarning-foreground)); }
td.release { color: var(--vscode-charts-green, var(--vscode-testing-iconPassed)); }
td.error { color: var(--vscode-errorForeground); font-weight: bold; }
tr.blocked td.step { background: var(--vscode-inputValidation-errorBackground, rgba(255,0,0,0.15)); color: var(--vscode-errorForeground); font-weight: bold; }
tr.current { outline: 2px solid var(--vscode-focusBorder); background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
tr.future { opacity: 0.45; }
tr.loophead td { font-style: italic; opacity: 0.8; padding-top: 6px; }
tr.loop td.step { border-left: 2px dashed var(--vscode-charts-purple, var(--vscode-focusBorder)); }
.controls { margin: 8px 0; }
#details { margin-top: 12px; }
#stale { margin: 8px 0; padding: 4px 8px; border: 1px solid var(--vscode-inputValidation-warningBorder, orange); background: var(--vscode-inputValidation-warningBackground, transparent); }
#details h3 { margin: 8px 0 4px; }
${PICTURE_STYLE}`;
  const script = `
const vscode = acquireVsCodeApi();
const data = ${embedJson({ steps: p.steps.map((s) => ({ cpu: s.cpu, action: s.action, held: s.held, changed: s.changed, stack: s.stack.map((f) => f.fn) })), blocked: p.blocked.length, cpus: cpus.map((c) => c.name) })};
const last = data.steps.length + (data.blocked ? 0 : -1);
let index = last;
const rows = Array.from(document.querySelectorAll('#trace tbody tr[data-index]'));
function esc(s) { return String(s).replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]); }
function show(i) {
  index = Math.max(0, Math.min(last, i));
  rows.forEach(r => {
    const k = Number(r.dataset.index);
    r.classList.toggle('current', k === index);
    r.classList.toggle('future', k > index);
  });
  const step = data.steps[Math.min(index, data.steps.length - 1)];
  const final = index >= data.steps.length;
  document.getElementById('position').textContent = final ? 'final state (after ' + data.steps.length + ' steps)' : 'step ' + (index + 1) + ' of ' + data.steps.length;
  let html = '';
  if (step) {
    html += '<h3>' + (final ? 'Locks held at the end' : 'After step ' + (index + 1) + ': ' + esc(step.cpu) + ' ' + esc(step.action)) + '</h3><table>';
    for (const cpu of data.cpus) html += '<tr><td>' + esc(cpu) + '</td><td class="mono">' + (step.held[cpu] && step.held[cpu].length ? esc(step.held[cpu].join(', ')) : '—') + '</td></tr>';
    html += '</table>';
    const changed = Object.entries(step.changed);
    if (!final && changed.length) html += '<h3>Changed</h3><div class="mono">' + changed.map(([k, v]) => esc(k) + ' = ' + esc(v)).join('<br>') + '</div>';
    if (!final && step.stack.length) html += '<h3>Call stack</h3><div class="mono">' + step.stack.slice().reverse().map(esc).join('<br>') + '</div>';
  }
  document.getElementById('details').innerHTML = html;
  document.getElementById('first').disabled = index === 0;
  document.getElementById('prev').disabled = index === 0;
  document.getElementById('next').disabled = index === last;
  document.getElementById('last').disabled = index === last;
  const svg = document.querySelector('svg.swimlane');
  if (svg) {
    // The cursor sits after the current step (between the last step and the end for the final state).
    const x = Number(svg.dataset.left) + Number(svg.dataset.column) * (final ? data.steps.length + 0.5 : index + 1);
    const cursor = document.getElementById('cursor');
    cursor.setAttribute('x1', x);
    cursor.setAttribute('x2', x);
  }
  vscode.postMessage({ type: 'step', index });
}
document.addEventListener('click', e => {
  const t = e.target.closest('[data-step]');
  if (t) show(Number(t.dataset.step));
});
document.getElementById('first').addEventListener('click', () => show(0));
document.getElementById('prev').addEventListener('click', () => show(index - 1));
document.getElementById('next').addEventListener('click', () => show(index + 1));
document.getElementById('last').addEventListener('click', () => show(last));
document.getElementById('debug').addEventListener('click', () => vscode.postMessage({ type: 'debug' }));
document.getElementById('save').addEventListener('click', () => vscode.postMessage({ type: 'save' }));
rows.forEach(r => r.addEventListener('click', () => show(Number(r.dataset.index))));
window.addEventListener('keydown', e => {
  if (e.key === 'ArrowRight' || e.key === 'j') show(index + 1);
  else if (e.key === 'ArrowLeft' || e.key === 'k') show(index - 1);
  else if (e.key === 'Home') show(0);
  else if (e.key === 'End') show(last);
  else return;
  e.preventDefault();
});
show(last);
`;
  return page(n, `Trace: ${p.kind}`, body, style, script);
}
