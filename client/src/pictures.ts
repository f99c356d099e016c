// Pictures as SVG strings, drawn in the extension host so the webviews only
// show them (no layout code, no remote resource, nothing the CSP forbids:
// classes and SVG attributes, never inline style attributes; colours come
// from the theme through CSS variables in the page's nonce'd style).
//
// - The lock-order graph, laid out by dagre (layered, Sugiyama-style: it
//   breaks cycles, ranks the locks in the order they are taken and places
//   edge labels; pure JavaScript, bundled, nothing downloaded).
// - A trace as swimlanes: a lane per CPU, a bar per lock over the steps it
//   is held, a mark per step, and at the end the blocked CPUs' wait edges to
//   the holders. An interrupt handler (§10) has no lane: its steps and bars
//   are drawn on its CPU's lane, inside an `<Interrupt> H` band over the
//   steps it runs on top of that CPU.

import dagre from "@dagrejs/dagre";
import { escapeHtml as esc } from "./webview";

export interface GraphSite {
  cpu: string;
  range: { start: { line: number; character: number } };
  /** Its document, when that is not the scenario (a file it imports). */
  file?: string;
}

export interface LockGraphInput {
  locks: readonly string[];
  edges: readonly { from: string; to: string; sites: readonly GraphSite[] }[];
  inversions: readonly { locks: readonly string[]; status: string }[];
}

export type EdgeStatus = "confirmed" | "unreached" | "gated" | "plain";

const rank: Record<EdgeStatus, number> = { confirmed: 3, unreached: 2, gated: 1, plain: 0 };

/** Each edge's colour: the most serious cycle it is part of. */
export function edgeStatuses(g: LockGraphInput): Map<string, EdgeStatus> {
  const out = new Map<string, EdgeStatus>(g.edges.map((e) => [`${e.from}\u0000${e.to}`, "plain"]));
  for (const inv of g.inversions) {
    const status = (["confirmed", "gated", "unreached"] as const).find((s) => s === inv.status) ?? "plain";
    inv.locks.forEach((from, i) => {
      const key = `${from}\u0000${inv.locks[(i + 1) % inv.locks.length]!}`;
      const now = out.get(key);
      if (now !== undefined && rank[status] > rank[now]) out.set(key, status);
    });
  }
  return out;
}

const CHAR = 7.2; // average width of a character of the editor font at 12px
const MAX_SITES = 3;

interface Point {
  x: number;
  y: number;
}

/** A smooth path through dagre's points (quadratic curves between midpoints). */
function curve(points: readonly Point[]): string {
  const f = (n: number): string => n.toFixed(1);
  if (points.length < 3) return points.map((p, i) => `${i === 0 ? "M" : "L"}${f(p.x)},${f(p.y)}`).join(" ");
  let d = `M${f(points[0]!.x)},${f(points[0]!.y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i]!;
    const q = points[i + 1]!;
    const end = i === points.length - 2 ? q : { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
    d += ` Q${f(p.x)},${f(p.y)} ${f(end.x)},${f(end.y)}`;
  }
  return d;
}

const siteLabel = (s: GraphSite): string => `${s.cpu} · line ${s.range.start.line + 1}`;

export function renderLockGraphSvg(g: LockGraphInput): string {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 110, edgesep: 30, marginx: 16, marginy: 16 });
  const involved = new Set(g.edges.flatMap((e) => [e.from, e.to]));
  for (const lock of g.locks) if (involved.has(lock)) graph.setNode(lock, { width: Math.max(70, lock.length * CHAR + 28), height: 34 });
  const labels = (e: LockGraphInput["edges"][number]): string[] => [...e.sites.slice(0, MAX_SITES).map(siteLabel), ...(e.sites.length > MAX_SITES ? [`+${e.sites.length - MAX_SITES} more`] : [])];
  g.edges.forEach((e, i) => {
    const lines = labels(e);
    graph.setEdge(e.from, e.to, { width: Math.max(...lines.map((l) => l.length)) * CHAR * 0.9 + 8, height: lines.length * 14 + 4, labelpos: "c" }, `e${i}`);
  });
  dagre.layout(graph);
  const statuses = edgeStatuses(g);
  const { width = 0, height = 0 } = graph.graph();
  const edges = g.edges.map((e, i) => {
    const label = graph.edge({ v: e.from, w: e.to, name: `e${i}` });
    const status = statuses.get(`${e.from}\u0000${e.to}`) ?? "plain";
    const lines = labels(e);
    const top = (label.y ?? 0) - (lines.length * 14) / 2 + 11;
    const labelWidth = Math.max(...lines.map((l) => l.length)) * CHAR * 0.9 + 8;
    const bg = `<rect class="label-bg" x="${((label.x ?? 0) - labelWidth / 2).toFixed(1)}" y="${(top - 11).toFixed(1)}" width="${labelWidth.toFixed(1)}" height="${lines.length * 14 + 2}" rx="3"/>`;
    const text = lines
      .map((l, k) => {
        const site = e.sites[k];
        const at = site ? ` data-line="${site.range.start.line}" data-character="${site.range.start.character}"${site.file ? ` data-uri="${esc(site.file)}"` : ""}` : "";
        return `<text class="site${site ? " link" : ""}" x="${(label.x ?? 0).toFixed(1)}" y="${(top + k * 14).toFixed(1)}"${at}>${esc(l)}</text>`;
      })
      .join("");
    const first = e.sites[0];
    const at = first ? ` data-line="${first.range.start.line}" data-character="${first.range.start.character}"${first.file ? ` data-uri="${esc(first.file)}"` : ""}` : "";
    return `<g class="edge ${status}" data-from="${esc(e.from)}" data-to="${esc(e.to)}"><title>${esc(`${e.from} → ${e.to} (${status === "plain" ? "in no cycle" : status})`)}</title><path class="link"${at} d="${curve(label.points ?? [])}" marker-end="url(#arrow-${status})"/>${bg}${text}</g>`;
  });
  const nodes = graph.nodes().map((id) => {
    const n = graph.node(id);
    const x = (n.x ?? 0) - n.width / 2;
    const y = (n.y ?? 0) - n.height / 2;
    return `<g class="node" data-lock="${esc(id)}"><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${n.width.toFixed(1)}" height="${n.height}" rx="6"/><text x="${(n.x ?? 0).toFixed(1)}" y="${((n.y ?? 0) + 4.5).toFixed(1)}">${esc(id)}</text></g>`;
  });
  const markers = (["confirmed", "unreached", "gated", "plain"] as const)
    .map((s) => `<marker id="arrow-${s}" class="${s}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`)
    .join("");
  return `<svg class="lock-graph" xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" role="img" aria-label="Lock-order graph"><defs>${markers}</defs>${edges.join("")}${nodes.join("")}</svg>`;
}

export interface SwimlaneInput {
  /** The lanes: the CPUs (and work items, kthreads), not interrupt handlers, which are drawn on their CPU's lane. */
  cpus: readonly string[];
  /** `on`: an interrupt handler's step (§10), the CPU it runs on. */
  steps: readonly { cpu: string; action: string; held: Readonly<Record<string, readonly string[]>>; error: string | undefined; on?: string }[];
  /** `waitsOn`: a wait on threads that do not hold what it waits for (a pending work item, a kthread to exit, who may complete): arrows to their lanes. */
  blocked: readonly { cpu: string; action: string; waitsFor: string | undefined; heldBy: readonly string[]; waitsOn?: readonly string[]; on?: string }[];
}

const LANE_LEFT = 120;
const COLUMN = 44;
const BAR = 13;

/** A bar's row in a lane: who holds the lock (the lane's CPU, or a handler on it) and the lock. */
interface Row {
  holder: string;
  lock: string;
}

/** Per thread, the locks it holds in the order it first takes them, and per lock the intervals [from, to) of positions it is held. */
function heldIntervals(t: SwimlaneInput, cpu: string): { lock: string; from: number; to: number }[] {
  const out: { lock: string; from: number; to: number }[] = [];
  const open = new Map<string, number>();
  const n = t.steps.length;
  for (let p = 1; p <= n; p++) {
    const now = new Set(t.steps[p - 1]!.held[cpu] ?? []);
    for (const lock of now) if (!open.has(lock)) open.set(lock, p);
    for (const [lock, from] of open) {
      if (!now.has(lock)) {
        out.push({ lock, from, to: p });
        open.delete(lock);
      }
    }
  }
  for (const [lock, from] of open) out.push({ lock, from, to: n + 1 });
  return out;
}

/** Each interrupt handler in the trace (§10), with the CPU it runs on: from its steps and the blocked sites. */
function handlersOf(t: SwimlaneInput): Map<string, string> {
  const on = new Map<string, string>();
  for (const s of t.steps) if (s.on) on.set(s.cpu, s.on);
  for (const b of t.blocked) if (b.on) on.set(b.cpu, b.on);
  return on;
}

export function renderSwimlaneSvg(t: SwimlaneInput): string {
  const n = t.steps.length;
  const on = handlersOf(t);
  const laneOf = (thread: string): string => on.get(thread) ?? thread;
  const lanes = t.cpus.map((cpu) => {
    // The lane's own thread, then the handlers that run on it.
    const threads = [cpu, ...[...on].filter(([, c]) => c === cpu).map(([h]) => h)];
    const intervals = threads.flatMap((holder) => heldIntervals(t, holder).map((iv) => ({ ...iv, holder })));
    const rows: Row[] = [];
    for (const iv of intervals) if (!rows.some((r) => r.holder === iv.holder && r.lock === iv.lock)) rows.push({ holder: iv.holder, lock: iv.lock });
    // Where each handler runs on top of this CPU: from the step it fires to its last step, or to the end if it is still there.
    const bands = threads.slice(1).flatMap((h) => {
      const mine = t.steps.flatMap((s, k) => (s.cpu === h ? [k + 1] : []));
      if (mine.length === 0) return [];
      const stays = t.blocked.some((b) => b.cpu === h);
      return [{ handler: h, from: mine[0]!, to: stays ? n + 1 : mine[mine.length - 1]! }];
    });
    return { cpu, intervals, rows, bands };
  });
  const laneHeight = (l: (typeof lanes)[number]): number => 30 + Math.max(1, l.rows.length) * (BAR + 4) + (l.bands.length > 0 ? 12 : 0);
  const laneTop: number[] = [];
  let y = 26;
  for (const l of lanes) {
    laneTop.push(y);
    y += laneHeight(l);
  }
  const x = (position: number): number => LANE_LEFT + position * COLUMN;
  const end = x(n + 1) + (t.blocked.length > 0 ? 150 : 20);
  const parts: string[] = [];
  // Step numbers on top, each a click target that moves the trace view.
  for (let k = 1; k <= n; k++) parts.push(`<text class="axis link" data-step="${k - 1}" x="${x(k)}" y="14">${k}</text>`);
  lanes.forEach((l, i) => {
    const top = laneTop[i]!;
    const h = laneHeight(l);
    // A lane with handlers keeps a strip at its bottom for the `<Interrupt>` bands' names.
    const barsTop = top + 24;
    parts.push(`<rect class="lane${i % 2 ? " odd" : ""}" x="0" y="${top}" width="${end}" height="${h}"/>`);
    parts.push(`<text class="lane-name" x="8" y="${top + 18}">${esc(l.cpu)}</text>`);
    for (const b of l.bands) {
      const x0 = x(b.from) - COLUMN / 2 + 3;
      const x1 = b.to > n ? x(n + 1) : x(b.to) + COLUMN / 2 - 3;
      parts.push(
        `<g class="irq-band" data-handler="${esc(b.handler)}"><title>${esc(`<Interrupt> ${b.handler} runs on top of ${l.cpu} from step ${b.from}${b.to > n ? " to the end" : ` to step ${b.to}`}; ${l.cpu} cannot step meanwhile`)}</title><rect x="${x0}" y="${top + 2}" width="${x1 - x0}" height="${h - 4}" rx="4"/><text class="irq-name" x="${x0 + 4}" y="${top + h - 5}">${esc(`<Interrupt> ${b.handler}`)}</text></g>`,
      );
    }
    for (const iv of l.intervals) {
      const row = l.rows.findIndex((r) => r.holder === iv.holder && r.lock === iv.lock);
      const by = barsTop + row * (BAR + 4);
      const w = x(iv.to) - x(iv.from);
      const irq = iv.holder !== l.cpu;
      const label = irq ? `${iv.holder}: ${iv.lock}` : iv.lock;
      parts.push(
        `<g class="held${irq ? " irq" : ""}"><title>${esc(`${iv.holder}${irq ? ` (<Interrupt> on ${l.cpu})` : ""} holds ${iv.lock} after steps ${iv.from}–${Math.min(iv.to, n + 1) - 1}${iv.to > n ? " (still at the end)" : ""}`)}</title><rect class="bar" x="${x(iv.from)}" y="${by}" width="${w}" height="${BAR}" rx="3"/>${w >= label.length * 6.2 + 8 ? `<text class="bar-label" x="${x(iv.from) + 4}" y="${by + 10}">${esc(label)}</text>` : ""}</g>`,
      );
    }
    t.steps.forEach((s, k) => {
      if (laneOf(s.cpu) !== l.cpu) return;
      const irq = s.on !== undefined;
      const who = irq ? `${s.cpu} (<Interrupt> on ${s.on})` : s.cpu;
      parts.push(`<circle class="step${irq ? " irq" : ""}${s.error ? " error" : ""} link" data-step="${k}" cx="${x(k + 1)}" cy="${top + 12}" r="5"><title>${esc(`step ${k + 1}: ${who} ${s.action}`)}</title></circle>`);
    });
  });
  // The end: each blocked CPU's wait for the lock another holds.
  const lockY = (holder: string, lock: string): number | undefined => {
    const i = lanes.findIndex((l) => l.cpu === laneOf(holder));
    // Held reader/writer locks are named with their mode (`s (read)`); a wait names the lock alone.
    const row = i < 0 ? -1 : lanes[i]!.rows.findIndex((r) => r.holder === holder && (r.lock === lock || r.lock.startsWith(`${lock} (`)));
    return row < 0 ? undefined : laneTop[i]! + 24 + row * (BAR + 4) + BAR / 2;
  };
  const xEnd = x(n + 1);
  t.blocked.forEach((b, k) => {
    const i = lanes.findIndex((l) => l.cpu === laneOf(b.cpu));
    if (i < 0) return;
    const from = laneTop[i]! + 12;
    // A handler's mark stands beside its CPU's, on top of which it runs.
    const at = b.on ? xEnd + 8 : xEnd - 6;
    const who = b.on ? `${b.cpu} (<Interrupt> on ${b.on})` : b.cpu;
    parts.push(`<rect class="blocked-mark${b.on ? " irq" : ""}" x="${at}" y="${from - 6}" width="12" height="12"><title>${esc(`${who} blocked at ${b.action}${b.waitsFor ? `: waits for ${b.waitsFor}` : ""}`)}</title></rect>`);
    const bend = xEnd + 40 + k * 24;
    const arrow = (to: number, title: string): void => {
      parts.push(
        `<g class="wait"><title>${esc(title)}</title><path d="M${at + 12},${from} C${bend},${from} ${bend},${to} ${xEnd + 2},${to}" marker-end="url(#arrow-wait)"/><text x="${bend + 6}" y="${from + 4}">${esc(`${b.cpu} waits for ${b.waitsFor}`)}</text></g>`,
      );
    };
    for (const holder of b.heldBy) {
      const to = b.waitsFor ? lockY(holder, b.waitsFor) : undefined;
      if (to !== undefined) arrow(to, `${b.cpu} waits for ${b.waitsFor}, held by ${holder}`);
    }
    // A wait on threads that hold nothing for it: to the head of each one's lane (not to its own lane: an interrupt's band shows that).
    for (const thread of b.waitsOn ?? []) {
      const j = lanes.findIndex((l) => l.cpu === laneOf(thread));
      if (j < 0 || j === i) continue;
      arrow(laneTop[j]! + 12, `${b.cpu} waits for ${b.waitsFor ?? thread} (on ${thread})`);
    }
  });
  parts.push(`<line id="cursor" class="cursor" x1="${x(n)}" x2="${x(n)}" y1="18" y2="${y}"/>`);
  const marker = `<marker id="arrow-wait" class="wait" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`;
  return `<svg class="swimlane" xmlns="http://www.w3.org/2000/svg" width="${end + 130}" height="${y + 4}" viewBox="0 0 ${end + 130} ${y + 4}" role="img" aria-label="Trace swimlanes" data-left="${LANE_LEFT}" data-column="${COLUMN}"><defs>${marker}</defs>${parts.join("")}</svg>`;
}

/** The pictures' CSS: theme colours only. */
export const PICTURE_STYLE = `
svg text { fill: var(--vscode-editor-foreground); font-family: var(--vscode-editor-font-family); font-size: 12px; }
.link { cursor: pointer; }
svg.lock-graph { max-width: 100%; height: auto; }
.lock-graph .node rect { fill: var(--vscode-editorWidget-background, var(--vscode-editor-background)); stroke: var(--vscode-editorWidget-border, var(--vscode-foreground)); stroke-width: 1.5; }
.lock-graph .node text { text-anchor: middle; font-weight: bold; }
.lock-graph .edge path { fill: none; stroke-width: 2; }
.lock-graph .edge text.site { text-anchor: middle; font-size: 11px; }
.lock-graph .label-bg { fill: var(--vscode-editor-background); opacity: 0.9; stroke: none; }
.lock-graph .edge text.site.link:hover { fill: var(--vscode-textLink-activeForeground, var(--vscode-textLink-foreground)); text-decoration: underline; }
.confirmed path, marker.confirmed path { stroke: var(--vscode-errorForeground); }
marker.confirmed path { fill: var(--vscode-errorForeground); }
.unreached path { stroke: var(--vscode-editorWarning-foreground); stroke-dasharray: 6 3; }
marker.unreached path { fill: var(--vscode-editorWarning-foreground); stroke-dasharray: none; }
.gated path { stroke: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); stroke-dasharray: 2 3; }
marker.gated path { fill: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); stroke-dasharray: none; }
.plain path, marker.plain path { stroke: var(--vscode-descriptionForeground, var(--vscode-foreground)); }
marker.plain path { fill: var(--vscode-descriptionForeground, var(--vscode-foreground)); }
.legend span { margin-right: 16px; }
.legend .confirmed { color: var(--vscode-errorForeground); }
.legend .unreached { color: var(--vscode-editorWarning-foreground); }
.legend .gated { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
.scroll { overflow-x: auto; margin: 8px 0; }
.swimlane .lane { fill: transparent; stroke: var(--vscode-panel-border, rgba(128,128,128,0.35)); stroke-width: 0.5; }
.swimlane .lane.odd { fill: var(--vscode-list-hoverBackground, rgba(128,128,128,0.06)); }
.swimlane .lane-name { font-weight: bold; }
.swimlane .axis { text-anchor: middle; opacity: 0.7; font-size: 11px; }
.swimlane .bar { fill: var(--vscode-charts-orange, var(--vscode-editorWarning-foreground)); opacity: 0.55; stroke: var(--vscode-charts-orange, var(--vscode-editorWarning-foreground)); }
.swimlane .bar-label { font-size: 10px; }
.swimlane .step { fill: var(--vscode-charts-blue, var(--vscode-focusBorder)); }
.swimlane .step.error { fill: var(--vscode-errorForeground); }
.swimlane .blocked-mark { fill: var(--vscode-errorForeground); }
.swimlane .wait path, marker.wait path { stroke: var(--vscode-errorForeground); fill: none; stroke-width: 1.8; }
marker.wait path { fill: var(--vscode-errorForeground); }
.swimlane .wait text { fill: var(--vscode-errorForeground); font-size: 11px; }
.swimlane .cursor { stroke: var(--vscode-focusBorder); stroke-width: 2; }
.swimlane .irq-band rect { fill: var(--vscode-charts-purple, var(--vscode-focusBorder)); opacity: 0.12; stroke: var(--vscode-charts-purple, var(--vscode-focusBorder)); stroke-dasharray: 4 2; }
.swimlane .irq-name { font-size: 10px; fill: var(--vscode-charts-purple, var(--vscode-foreground)); }
.swimlane .step.irq { fill: var(--vscode-charts-purple, var(--vscode-focusBorder)); }
.swimlane .held.irq .bar { fill: var(--vscode-charts-purple, var(--vscode-editorWarning-foreground)); stroke: var(--vscode-charts-purple, var(--vscode-editorWarning-foreground)); }
`;
