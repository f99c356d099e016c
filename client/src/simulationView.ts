// The guided simulation view: the scenario's current state (each CPU's
// statement, state, call stack and held locks; every lock and variable; a
// CPU under an interrupt handler shows as interrupted by it; the kernel
// state: work items, kthreads, completions, kernfs nodes, SRCU sections and
// each context's interrupt state),
// the steps that can be taken (a button per CPU and `either` branch, with a
// warning where a step runs into a problem), back / reset, "jump to a
// reported problem" and "save trace". The server computes every state
// (race/simulate/*); this view only shows them and highlights each CPU's
// current statement in the editor.

import * as vscode from "vscode";
import type { SimulatePayload } from "../../server/src/lsp/simulate";
import type { TraceFile } from "../../server/src/traceFile";
import { toRange } from "./traceView";
import { nonce, page } from "./webview";

export type { SimulatePayload } from "../../server/src/lsp/simulate";

type Request = <T>(method: string, params: unknown) => Promise<T>;

type FromView =
  | { type: "step"; cpu: number; choice: number }
  | { type: "back" | "reset" | "save" | "ready" }
  | { type: "jump"; finding: number }
  | { type: "reveal"; line: number };

export class SimulationView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private current: SimulatePayload | undefined;
  private readonly statement = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor("editor.rangeHighlightBackground"),
    border: "1px solid",
    borderColor: new vscode.ThemeColor("focusBorder"),
    after: { margin: "0 0 0 1.5em", color: new vscode.ThemeColor("editorCodeLens.foreground") },
  });
  private readonly blocked = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor("inputValidation.warningBackground"),
    after: { margin: "0 0 0 1.5em", color: new vscode.ThemeColor("editorWarning.foreground") },
  });

  constructor(private readonly request: Request) {}

  async start(uri: string): Promise<void> {
    if (this.current) void this.request("race/simulate/stop", { session: this.current.session }).catch(() => undefined);
    const started = await this.request<SimulatePayload>("race/simulate/start", { uri });
    this.current = started;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel("race.simulate", "Simulate", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        if (this.current) void this.request("race/simulate/stop", { session: this.current.session }).catch(() => undefined);
        this.current = undefined;
        this.clear();
      });
      this.panel.webview.onDidReceiveMessage((m: FromView) => void this.onMessage(m));
      this.panel.webview.html = render();
    } else {
      this.post();
    }
    this.panel.title = `Simulate: ${started.view.title ?? uri.replace(/^.*\//, "")}`;
    this.panel.reveal(vscode.ViewColumn.Beside, true);
    await this.decorate();
  }

  private post(error?: string): void {
    void this.panel?.webview.postMessage({ type: "view", payload: this.current, error });
  }

  private async onMessage(m: FromView): Promise<void> {
    const s = this.current;
    if (!s) return;
    if (m.type === "ready") return this.post();
    if (m.type === "reveal") {
      const editor = await this.editor(s.uri);
      const at = new vscode.Range(m.line, 0, m.line, 0);
      editor.revealRange(at, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      editor.selection = new vscode.Selection(at.start, at.start);
      return;
    }
    if (m.type === "save") return this.save(s);
    const method = { step: "race/simulate/step", back: "race/simulate/back", reset: "race/simulate/reset", jump: "race/simulate/jump" }[m.type];
    try {
      this.current = await this.request<SimulatePayload>(method, { ...m, session: s.session });
      this.post();
      await this.decorate();
    } catch (e) {
      this.post(e instanceof Error ? e.message : String(e));
    }
  }

  private async save(s: SimulatePayload): Promise<void> {
    const source = vscode.Uri.parse(s.uri);
    const name = source.path.replace(/^.*\//, "").replace(/\.race$/, "");
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(source, "..", `${name}.trace.json`), filters: { "Race trace": ["json"] } });
    if (!target) return;
    const file = await this.request<TraceFile>("race/simulate/traceFile", { session: s.session, file: source.path.replace(/^.*\//, "") });
    await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(file, null, 2) + "\n", "utf8"));
    void vscode.window.showInformationMessage(`Race: saved ${file.steps.length} steps to ${target.path.replace(/^.*\//, "")}.`);
  }

  private async editor(uri: string): Promise<vscode.TextEditor> {
    return (
      vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri) ??
      (await vscode.window.showTextDocument(vscode.Uri.parse(uri), { viewColumn: vscode.ViewColumn.One, preserveFocus: true, preview: false }))
    );
  }

  /** Each CPU's current statement, labelled with the CPU and its state. */
  private async decorate(): Promise<void> {
    const s = this.current;
    if (!s) return;
    const editor = await this.editor(s.uri);
    const byRange = new Map<string, { range: vscode.Range; words: string[]; stuck: boolean }>();
    for (const c of s.view.cpus) {
      if (!c.statement) continue;
      const key = JSON.stringify(c.statement.range);
      const entry = byRange.get(key) ?? { range: toRange(c.statement.range), words: [], stuck: false };
      entry.words.push(`${c.name} ${c.state}${c.waitsFor ? ` ${c.state === "interrupted" ? "by" : "on"} ${c.waitsFor}` : ""}`);
      entry.stuck ||= c.state !== "ready" && c.state !== "idle" && c.state !== "finished";
      byRange.set(key, entry);
    }
    const options = (stuck: boolean): vscode.DecorationOptions[] =>
      [...byRange.values()].filter((e) => e.stuck === stuck).map((e) => ({ range: e.range, renderOptions: { after: { contentText: `◀ ${e.words.join(" · ")}` } } }));
    editor.setDecorations(this.statement, options(false));
    editor.setDecorations(this.blocked, options(true));
  }

  private clear(): void {
    for (const e of vscode.window.visibleTextEditors) {
      e.setDecorations(this.statement, []);
      e.setDecorations(this.blocked, []);
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.statement.dispose();
    this.blocked.dispose();
  }
}

function render(): string {
  const n = nonce();
  const body = `
<h2 id="title">Simulate</h2>
<div class="controls">
  <button id="back" title="Undo the last step">◀ Back</button><button id="reset" title="Back to the initial state">⟲ Reset</button><button id="save" title="Save the steps taken as a trace file">Save trace…</button>
  <select id="jump"><option value="">Jump to a reported problem…</option></select>
  <span id="position" class="mono"></span>
</div>
<div id="error" hidden></div>
<div id="problems"></div>
<p id="outlook"></p>
<h3>Next step</h3>
<div id="options"></div>
<h3>CPUs</h3>
<table id="cpus"><thead><tr><th>CPU</th><th>state</th><th>next statement</th><th>call stack</th><th>holds</th></tr></thead><tbody></tbody></table>
<div class="columns">
<div><h3>Locks</h3><table id="locks"><tbody></tbody></table></div>
<div><h3>Variables</h3><table id="vars"><tbody></tbody></table></div>
</div>
<div id="kernel-box" hidden><h3>Kernel state</h3><table id="kernel"><tbody></tbody></table></div>
<h3>Steps taken</h3>
<ol id="history"></ol>`;
  const style = `
.controls { margin: 8px 0; }
.label { font-weight: normal; opacity: 0.75; font-size: 90%; }
select { color: var(--vscode-dropdown-foreground); background: var(--vscode-dropdown-background); border: 1px solid var(--vscode-dropdown-border, transparent); padding: 2px; }
.option { display: block; margin: 3px 0; text-align: left; }
.option.warn { background: var(--vscode-inputValidation-warningBackground, #8a6d00); color: var(--vscode-editor-foreground); border: 1px solid var(--vscode-inputValidation-warningBorder, orange); }
.warning { font-size: 90%; color: var(--vscode-editorWarning-foreground); margin-left: 1em; }
.problem { padding: 4px 8px; margin: 4px 0; border-left: 3px solid var(--vscode-errorForeground); color: var(--vscode-errorForeground); }
#error { padding: 4px 8px; border: 1px solid var(--vscode-inputValidation-errorBorder, red); }
.state-ready { color: var(--vscode-testing-iconPassed, green); }
.state-blocked, .state-waiting, .state-stopped { color: var(--vscode-editorWarning-foreground); font-weight: bold; }
.state-interrupted { color: var(--vscode-charts-purple, var(--vscode-editorWarning-foreground)); font-weight: bold; }
.state-finished, .state-idle { opacity: 0.6; }
.columns { display: flex; gap: 32px; }
a { color: var(--vscode-textLink-foreground); cursor: pointer; }
#history li { font-family: var(--vscode-editor-font-family); }
`;
  const script = `
const vscode = acquireVsCodeApi();
const $ = (id) => document.getElementById(id);
function esc(s) { return String(s).replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]); }
function line(r) { return '<a data-line="' + r.start.line + '">line ' + (r.start.line + 1) + '</a>'; }
function render(p, error) {
  const v = p.view;
  $('title').textContent = 'Simulate: ' + (v.title || p.uri.replace(/^.*\\//, ''));
  $('position').textContent = v.steps === 0 ? 'initial state' : 'after ' + v.steps + ' step' + (v.steps === 1 ? '' : 's');
  $('back').disabled = v.steps === 0;
  $('reset').disabled = v.steps === 0;
  $('save').disabled = v.steps === 0;
  $('error').hidden = !error;
  $('error').textContent = error || '';
  $('problems').innerHTML = v.problems.map(x => '<div class="problem">✗ ' + esc(x.text) + '</div>').join('');
  $('outlook').textContent = v.outlook;
  $('jump').innerHTML = '<option value="">Jump to a reported problem…</option>' + v.findings.map(f => '<option value="' + f.index + '">' + (f.index + 1) + '. ' + esc(f.kind) + ' (' + f.steps + ' steps): ' + esc(f.message) + '</option>').join('');
  $('jump').disabled = v.findings.length === 0;
  $('options').innerHTML = v.options.length === 0 ? '<p>No CPU can move.</p>' : v.options.map((o, i) =>
    '<button class="option' + (o.warning ? ' warn' : '') + '" data-option="' + i + '">' + (o.warning ? '⚠ ' : '▶ ') + esc(o.cpuName) + ': ' + esc(o.label) + ' <span class="mono">(line ' + (o.range.start.line + 1) + (o.at ? ' → ' + esc(o.at) : '') + ')</span>' +
    (o.warning ? '<div class="warning">' + esc(o.warning) + '</div>' : '') + '</button>').join('');
  $('cpus').tBodies[0].innerHTML = v.cpus.map(c => '<tr><td>' + esc(c.name) + (c.label ? '<div class="label">' + esc(c.label) + '</div>' : '') + '</td>' +
    '<td class="state-' + c.state + '">' + c.state + (c.waitsFor ? (c.state === 'interrupted' ? ' by ' : ' on ') + esc(c.waitsFor) : '') + '</td>' +
    '<td class="mono">' + (c.statement ? esc(c.statement.text) + ' · ' + line(c.statement.range) : '—') + '</td>' +
    '<td class="mono">' + (c.stack.length ? c.stack.slice().reverse().map(f => esc(f.fn)).join(' ← ') : '—') + '</td>' +
    '<td class="mono">' + (c.holds.length ? c.holds.map(h => esc(h.lock) + (h.mode === 'shared' ? ' (read)' : '') + (h.depth > 1 ? ' ×' + h.depth : '')).join(', ') : '—') + '</td></tr>').join('');
  $('locks').tBodies[0].innerHTML = v.locks.map(l => '<tr><td class="mono">' + esc(l.name) + '</td><td>' + esc(l.kind) + '</td><td>' + (l.holders.length ? l.holders.map(h => 'held by ' + esc(h.cpu) + (h.mode === 'shared' ? ' (read)' : '') + (h.depth > 1 ? ' ×' + h.depth : '')).join(', ') : 'free') + '</td></tr>').join('');
  const objects = v.objects || [];
  $('kernel-box').hidden = objects.length === 0;
  $('kernel').tBodies[0].innerHTML = objects.map(o => '<tr><td>' + esc(o.kind) + '</td><td class="mono">' + esc(o.name) + '</td><td>' + esc(o.state) + '</td></tr>').join('');
  $('vars').tBodies[0].innerHTML = v.vars.map(x => '<tr><td class="mono">' + esc(x.name) + '</td><td class="mono">' + esc(x.value) + '</td></tr>').join('') || '<tr><td>none</td></tr>';
  $('history').innerHTML = v.history.map(h => '<li>' + esc(h.cpu) + ': ' + esc(h.action) + ' · ' + line(h.range) + (h.at ? ' <span class="mono">→ ' + esc(h.at) + '</span>' : '') + '</li>').join('');
  window.current = v;
}
document.addEventListener('click', e => {
  const t = e.target.closest('[data-option],[data-line]');
  if (!t) return;
  if (t.dataset.option !== undefined) { const o = window.current.options[Number(t.dataset.option)]; vscode.postMessage({ type: 'step', cpu: o.cpu, choice: o.choice }); }
  else vscode.postMessage({ type: 'reveal', line: Number(t.dataset.line) });
});
$('back').addEventListener('click', () => vscode.postMessage({ type: 'back' }));
$('reset').addEventListener('click', () => vscode.postMessage({ type: 'reset' }));
$('save').addEventListener('click', () => vscode.postMessage({ type: 'save' }));
$('jump').addEventListener('change', () => { const v = $('jump').value; if (v !== '') vscode.postMessage({ type: 'jump', finding: Number(v) }); });
window.addEventListener('keydown', e => { if (e.key === 'Backspace' || e.key === 'ArrowLeft') { vscode.postMessage({ type: 'back' }); e.preventDefault(); } });
window.addEventListener('message', e => { if (e.data.type === 'view' && e.data.payload) render(e.data.payload, e.data.error); });
vscode.postMessage({ type: 'ready' });
`;
  return page(n, "Simulate", body, style, script);
}
