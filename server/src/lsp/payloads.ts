// Custom requests' answers for the client's views: a trace (race/trace), a
// finding's trace as a trace file (race/traceFile) and the lock-order graph
// (race/lockGraph), with LSP ranges.

import type { Range } from "vscode-languageserver/node";
import { scheduleOfTrace } from "../engine/schedule";
import { Layout } from "../engine/state";
import { locateStep, type LocatedStep } from "../engine/trace";
import { modelOf, traceFileOf, type TraceFile } from "../traceFile";
import type { Span } from "../language/span";
import type { DocumentState } from "./documentState";

export interface TracePayload {
  uri: string;
  version: number;
  /** Which finding of the document this is. */
  index: number;
  title: string;
  kind: string;
  headline: string;
  message: string;
  expected: boolean;
  /** Every thread; an interrupt handler (§10) has the CPU it runs on and its kind, and is shown on that CPU. */
  cpus: { name: string; label: string | undefined; on?: string; context?: "hardirq" | "softirq" }[];
  steps: (LocatedStep & {
    acquired: boolean;
    released: boolean;
    lock: string | undefined;
    error: string | undefined;
    /** What kind of step (`start_irq`: an interrupt handler fires). */
    op: string;
    /** An interrupt handler's step: the CPU it runs on, on top of that CPU's task. */
    on?: string;
  })[];
  blocked: {
    cpu: string;
    action: string;
    range: Range;
    /** The document `range` is in when it is not the scenario (a file it imports, race-language.md §11). */
    file?: string;
    waitsFor: string | undefined;
    heldBy: readonly string[];
    /** A wait on threads nobody holds yet or that is not a lock: the threads it waits for (a pending work item, a kthread to exit, who may complete). */
    waitsOn: readonly string[];
    looping: boolean;
    /** For a reader/writer lock: how it is wanted, how held, and the queued writers a reader waits behind. */
    wants: string | undefined;
    heldMode: string | undefined;
    behind: readonly string[];
    /** An interrupt handler's site: the CPU it runs on. */
    on?: string;
    /** A context under an interrupt handler: it waits for the handler to return. */
    interrupted: boolean;
  }[];
  /** For a livelock, `steps` goes on past the trace into the loop: where those steps start, and where the loop that repeats starts. */
  loop?: { from: number; cycleFrom: number };
}

export function tracePayload(s: DocumentState, index: number): TracePayload | null {
  const f = s.summary?.findings[index];
  if (!f) return null;
  const p = f.problem;
  return {
    uri: s.uri,
    version: s.version,
    index,
    title: s.frontEnd.checked.scope.scenario?.title ?? s.uri.replace(/^.*\//, ""),
    kind: p.kind,
    headline: p.title,
    message: p.message,
    expected: f.expected,
    cpus: [...(s.summary?.cpus ?? [])],
    // A step whose code is in an imported file names that file's URI (LocatedStep.file).
    steps: [...p.trace, ...(p.loop?.prefix ?? []), ...(p.loop?.cycle ?? [])].map((t) => ({
      ...locateStep(t, s.locator()),
      acquired: t.acquired,
      released: t.released,
      lock: t.lock,
      error: t.error,
      op: t.op,
      ...(t.on ? { on: t.on } : {}),
    })),
    blocked:
      p.kind === "deadlock" || p.kind === "hang"
        ? p.sites.map((x) => ({
            cpu: x.cpu,
            action: x.action,
            ...inFile(s, x.span),
            waitsFor: x.waitsFor,
            heldBy: x.heldBy,
            waitsOn: [...(x.pending ?? []), ...(x.waitsOn ?? [])],
            looping: x.looping === true,
            wants: x.wants,
            heldMode: x.heldMode,
            behind: x.behind ?? [],
            ...(x.on ? { on: x.on } : {}),
            interrupted: x.interrupted !== undefined,
          }))
        : [],
    ...(p.loop ? { loop: { from: p.trace.length, cycleFrom: p.trace.length + p.loop.prefix.length } } : {}),
  };
}

/** A range, and its document when that is not the scenario. */
function inFile(s: DocumentState, span: Span): { range: Range; file?: string } {
  const at = s.locate(span);
  return at.uri === s.uri ? { range: at.range } : { range: at.range, file: at.uri };
}

export interface LockGraphPayload {
  uri: string;
  locks: readonly string[];
  /** A site's `file`: its document when that is not the scenario. */
  edges: { from: string; to: string; sites: { cpu: string; range: Range; file?: string; alsoHeld: readonly string[] }[] }[];
  inversions: { locks: readonly string[]; status: string; gate: readonly string[] | undefined }[];
}

export function lockGraphPayload(s: DocumentState): LockGraphPayload | null {
  const g = s.summary?.lockGraph;
  if (!g) return null;
  return {
    uri: s.uri,
    locks: g.locks,
    edges: g.edges.map((e) => ({ from: e.from, to: e.to, sites: e.sites.map((x) => ({ cpu: x.cpu, ...inFile(s, x.span), alsoHeld: x.alsoHeld })) })),
    inversions: g.inversions.map((i) => ({ locks: i.locks, status: i.status, gate: i.gate })),
  };
}

/** Finding `index`'s trace as a trace file (docs/trace-format.md), for the debugger and "Save trace". */
export function traceFilePayload(s: DocumentState, index: number): TraceFile | null {
  const f = s.summary?.findings[index];
  const m = modelOf(s.text, s.source);
  if (!f || "error" in m) return null;
  const schedule = scheduleOfTrace(new Layout(m.model), f.problem.trace);
  if (!schedule) return null;
  return traceFileOf(s.text, m.model, schedule, { file: s.uri.replace(/^.*\//, ""), finding: { kind: f.problem.kind, message: f.problem.message } }, m.lines);
}
