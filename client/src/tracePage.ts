// The trace view's page (no vscode import, so tests render it): swimlanes
// (a lane per CPU, a bar per lock held, the wait edges at the end;
// pictures.ts), then one column per CPU, one row per step of the shortest
// trace, acquisitions and releases marked, the blocked statements of a
// deadlock or hang highlighted in a last row. An interrupt handler (§10)
// has no column of its own: it runs on top of its CPU, so its rows are in
// that CPU's column, the first one `<Interrupt> H`, the others indented
// under it, as lockdep and `race check` draw it; at the end the handler's
// wait is shown under the interrupted context's.

import type { TracePayload } from "../../server/src/lsp/payloads";
import { PICTURE_STYLE, renderSwimlaneSvg } from "./pictures";
import { embedJson, escapeHtml, nonce, page } from "./webview";

export function renderTracePage(p: TracePayload, stale = false): string {
  const n = nonce();
  // An interrupt handler runs on its CPU: its rows go in that CPU's column.
  const onOf = new Map<string, string>();
  for (const c of p.cpus) if (c.on) onOf.set(c.name, c.on);
  for (const s of p.steps) if (s.on) onOf.set(s.cpu, s.on);
  for (const b of p.blocked) if (b.on) onOf.set(b.cpu, b.on);
  const columnOf = (thread: string): string => onOf.get(thread) ?? thread;
  const used = (name: string): boolean => p.steps.some((s) => s.cpu === name) || p.blocked.some((b) => b.cpu === name);
  const handlersOn = (cpu: string): string[] => p.cpus.filter((c) => onOf.get(c.name) === cpu && used(c.name)).map((c) => c.name);
  const contextOf = (thread: string): string => p.cpus.find((c) => c.name === thread)?.context ?? "interrupt";
  const cpus = p.cpus.filter((c) => !onOf.has(c.name) && (used(c.name) || handlersOn(c.name).length > 0));
  // Every thread in the trace, a handler after its CPU: the details' held locks.
  const threads = cpus.flatMap((c) => [{ name: c.name, title: c.name }, ...handlersOn(c.name).map((h) => ({ name: h, title: `${h} (${contextOf(h)} on ${c.name})` }))]);
  const head = cpus
    .map((c) => {
      const irqs = handlersOn(c.name).map((h) => `<div class="label irq">⚡ ${escapeHtml(h)} (${escapeHtml(contextOf(h))})</div>`);
      return `<th>${escapeHtml(c.name)}${c.label ? `<div class="label">${escapeHtml(c.label)}</div>` : ""}${irqs.join("")}</th>`;
    })
    .join("");
  const rows = p.steps
    .map((s, i) => {
      const cells = cpus
        .map((c) => {
          if (c.name !== columnOf(s.cpu)) return "<td></td>";
          const cls = s.error ? "error" : s.acquired ? "acquire" : s.released ? "release" : "";
          const mark = s.acquired ? "⬇ " : s.released ? "⬆ " : s.error ? "✗ " : "";
          if (s.on === undefined) return `<td class="step ${cls}">${mark}${escapeHtml(s.action)}</td>`;
          const ctx = escapeHtml(s.cpu);
          // The handler fires: `<Interrupt> H`, as lockdep writes it; its own steps are indented under it.
          if (s.op === "start_irq") return `<td class="step interrupt" data-context="${ctx}">⚡ ${escapeHtml(s.action)}<div class="label">${escapeHtml(contextOf(s.cpu))} on ${escapeHtml(s.on)}: ${escapeHtml(s.on)} cannot step until it returns</div></td>`;
          return `<td class="step ${cls} in-irq" data-context="${ctx}" title="${ctx} (${escapeHtml(contextOf(s.cpu))} on ${escapeHtml(s.on)})">${mark}${escapeHtml(s.action)}</td>`;
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
  /** One blocked site's words: what it is at, and what it waits for. */
  const blockedText = (b: TracePayload["blocked"][number]): string => {
    if (b.looping) return `↻ ${escapeHtml(b.action)}<div class="label">loops for ever</div>`;
    if (b.interrupted) return `■ ${escapeHtml(b.action)}<div class="label">interrupted: waits for ${escapeHtml(b.waitsFor ?? "the handler")}</div>`;
    const verb = b.wants === "read" ? "waits to read" : b.wants === "write" ? "waits to write" : "waits for";
    const behind = b.behind.length ? ` behind the queued writer ${escapeHtml(b.behind.join(", "))}` : "";
    const held = b.heldBy.length ? ` held${b.heldMode ? ` for ${b.heldMode === "read" ? "reading" : "writing"}` : ""} by ${escapeHtml(b.heldBy.join(", "))}` : "";
    return `■ ${escapeHtml(b.action)}<div class="label">${b.waitsFor ? `${verb} ${escapeHtml(b.waitsFor)}` : "waits"}${behind}${held}</div>`;
  };
  const blockedRow =
    p.blocked.length > 0
      ? `<tr data-index="${p.steps.length}" class="blocked"><td class="num">✗</td><td class="line"></td>${cpus
          .map((c) => {
            // The CPU's own context first, then the handler on top of it (nested, as in the rows).
            const here = p.blocked.filter((b) => columnOf(b.cpu) === c.name).sort((a, b) => Number(a.on !== undefined) - Number(b.on !== undefined));
            if (here.length === 0) return "<td></td>";
            if (here.length === 1 && here[0]!.on === undefined) return `<td class="step">${blockedText(here[0]!)}</td>`;
            return `<td class="step">${here.map((b) => (b.on !== undefined ? `<div class="in-irq" data-context="${escapeHtml(b.cpu)}">${escapeHtml(b.cpu)}: ${blockedText(b)}</div>` : `<div>${blockedText(b)}</div>`)).join("")}</td>`;
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
td.interrupt { color: var(--vscode-charts-purple, var(--vscode-foreground)); font-weight: bold; }
td.in-irq, div.in-irq { padding-left: 1.2em; border-left: 3px solid var(--vscode-charts-purple, var(--vscode-focusBorder)); }
.label.irq { color: var(--vscode-charts-purple, var(--vscode-foreground)); }
.controls { margin: 8px 0; }
#details { margin-top: 12px; }
#stale { margin: 8px 0; padding: 4px 8px; border: 1px solid var(--vscode-inputValidation-warningBorder, orange); background: var(--vscode-inputValidation-warningBackground, transparent); }
#details h3 { margin: 8px 0 4px; }
${PICTURE_STYLE}`;
  const script = `
const vscode = acquireVsCodeApi();
const data = ${embedJson({ steps: p.steps.map((s) => ({ cpu: s.cpu, on: s.on, action: s.action, held: s.held, changed: s.changed, stack: s.stack.map((f) => f.fn) })), blocked: p.blocked.length, threads })};
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
    html += '<h3>' + (final ? 'Locks held at the end' : 'After step ' + (index + 1) + ': ' + esc(step.cpu) + (step.on ? ' (on ' + esc(step.on) + ')' : '') + ' ' + esc(step.action)) + '</h3><table>';
    for (const t of data.threads) html += '<tr><td>' + esc(t.title) + '</td><td class="mono">' + (step.held[t.name] && step.held[t.name].length ? esc(step.held[t.name].join(', ')) : '—') + '</td></tr>';
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
