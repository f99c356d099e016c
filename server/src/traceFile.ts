// Trace files (docs/trace-format.md): a schedule saved as JSON with each
// step's CPU, branch, statement and source range, and the SHA-256 of the
// scenario's text so that a changed scenario is noticed. Written by
// `race check --trace-out`, the simulator and the trace view; read by the
// trace debugger and `race replay`. Replay goes by statement, not by line:
// a trace still applies after edits that move code around, and says
// exactly which step no longer applies when the code it ran changed.

import { createHash } from "node:crypto";
import { analyzeFrontEnd } from "./analysis";
import { compile, CompileError } from "./engine/compile";
import type { Model } from "./engine/model";
import { canTake, encodeSchedule, statesOf, type ScheduledStep } from "./engine/schedule";
import { Layout } from "./engine/state";
import { buildTrace, type TraceStep } from "./engine/trace";
import type { SourceContext } from "./language/program";
import { ScenarioLines } from "./language/relocate";
import type { Sources } from "./language/sources";
import type { ScenarioRanges } from "./services/simulation";
import { LineIndex, type LineRange } from "./language/span";

export const TRACE_FORMAT = "race-trace";
export const TRACE_VERSION = 1;

export interface TraceFileStep {
  readonly cpu: string;
  /** The `either` branch taken (0-based); absent for other statements. */
  readonly choice?: number;
  /** The statement as the engine names it: `lock device_lock[pf]`. */
  readonly statement: string;
  /** What it did: `if bound[pf] → true`. */
  readonly action: string;
  readonly range: LineRange;
}

export interface TraceFile {
  readonly format: typeof TRACE_FORMAT;
  readonly version: number;
  /** `imports`: each file the scenario imports (race-language.md §11), by the name messages give it (`linux/pci`), and its text's hash. */
  readonly scenario: { readonly file?: string; readonly title?: string; readonly sha256: string; readonly imports?: readonly { readonly name: string; readonly sha256: string }[] };
  /** The finding this trace leads to, if it is one the checker reported. */
  readonly finding?: { readonly kind: string; readonly message: string };
  readonly steps: readonly TraceFileStep[];
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The hash of each file a program imports (not the scenario itself), in the order they were loaded. */
function importHashes(sources: Sources): { name: string; sha256: string }[] {
  return sources.files.slice(1).map((f, i) => ({ name: sources.displayName(i + 1), sha256: sha256(f.text) }));
}

/** The imported files whose text is not the one a trace was written with (one it no longer imports included). */
function changedImports(now: readonly { name: string; sha256: string }[], then: readonly { name: string; sha256: string }[]): string[] {
  const was = new Map(then.map((f) => [f.name, f.sha256]));
  const is = new Map(now.map((f) => [f.name, f.sha256]));
  return [...new Set([...now.filter((f) => was.get(f.name) !== f.sha256).map((f) => f.name), ...then.filter((f) => !is.has(f.name)).map((f) => f.name)])];
}

/**
 * The compiled model of a scenario (its imports read as `source` says), or
 * why there is none; with the ranges its statements have in the scenario's
 * text (a statement of an imported file at the scenario's call on the way).
 */
export function modelOf(text: string, source?: SourceContext): { model: Model; lines: ScenarioLines; sources: Sources } | { error: string } {
  const fe = analyzeFrontEnd(text, source);
  if (fe.hasErrors) return { error: `the scenario has ${fe.diagnostics.filter((d) => d.severity === "error").length} error(s)` };
  try {
    return { model: compile(fe.program.ast, fe.checked.scope), lines: new ScenarioLines(new LineIndex(text), fe.program), sources: fe.program.sources };
  } catch (e) {
    if (e instanceof CompileError) return { error: e.message };
    throw e;
  }
}

/** `lines`: the ranges of statements in the scenario's text (ScenarioLines when it imports files). */
export function traceFileOf(text: string, model: Model, schedule: readonly ScheduledStep[], meta: { file?: string; finding?: { kind: string; message: string } } = {}, lines: ScenarioRanges = new LineIndex(text)): TraceFile {
  const layout = new Layout(model);
  const trace = buildTrace(layout, encodeSchedule(schedule));
  const states = statesOf(layout, schedule);
  if (!states) throw new Error("traceFileOf: the schedule cannot be taken");
  const imports = lines instanceof ScenarioLines ? importHashes(lines.sources) : [];
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario: { ...(meta.file ? { file: meta.file } : {}), ...(model.title ? { title: model.title } : {}), sha256: sha256(text), ...(imports.length > 0 ? { imports } : {}) },
    ...(meta.finding ? { finding: meta.finding } : {}),
    steps: schedule.map((s, i) => {
      const t = trace[i]!;
      const statement = layout.instrAt(states[i]!, s.cpu)!.text;
      return { cpu: t.cpu, ...(t.op === "either" ? { choice: s.choice } : {}), statement, action: t.action, range: lines.range(t.span, t.stack) };
    }),
  };
}

/** Parses and checks the shape of a trace file; a sentence on what is wrong otherwise. */
export function parseTraceFile(json: string): TraceFile | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  const o = v as Partial<TraceFile> | null;
  if (!o || typeof o !== "object" || o.format !== TRACE_FORMAT) return { error: `not a race trace file (no "format": "${TRACE_FORMAT}")` };
  if (o.version !== TRACE_VERSION) return { error: `trace format version ${String(o.version)} is not supported (this is version ${TRACE_VERSION})` };
  if (!o.scenario || typeof o.scenario.sha256 !== "string") return { error: "the trace names no scenario hash" };
  if (!Array.isArray(o.steps)) return { error: "the trace has no steps" };
  for (const [i, s] of o.steps.entries()) {
    const ok = s && typeof s.cpu === "string" && typeof s.statement === "string" && (s.choice === undefined || Number.isInteger(s.choice));
    if (!ok) return { error: `step ${i + 1} is malformed (it needs "cpu" and "statement")` };
  }
  return o as TraceFile;
}

export type Replay =
  | {
      readonly ok: true;
      /** The scenario's text, or a file it imports, is not the one the trace was written for (every step still applied). */
      readonly changed: boolean;
      /** The scenario's own text changed. */
      readonly scenarioChanged: boolean;
      /** The imported files that changed, by name (`linux/pci`). */
      readonly changedImports: readonly string[];
      readonly model: Model;
      readonly schedule: readonly ScheduledStep[];
      readonly trace: readonly TraceStep[];
    }
  | { readonly ok: false; readonly changed: boolean; readonly error: string; readonly step?: number };

/** Replays a trace file on a scenario's current text (its imports read as `source` says). */
export function replayTraceFile(text: string, file: TraceFile, source?: SourceContext): Replay {
  const textChanged = sha256(text) !== file.scenario.sha256;
  const m = modelOf(text, source);
  if ("error" in m) return { ok: false, changed: textChanged, error: `${textChanged ? "the scenario changed since the trace was written, and " : ""}${m.error}` };
  // A trace file written before `imports` existed says nothing of them: taken as unchanged.
  const then = file.scenario.imports;
  const imports = then ? changedImports(importHashes(m.sources), then) : [];
  const changed = textChanged || imports.length > 0;
  const stale = changed ? `${changedNames({ scenarioChanged: textChanged, changedImports: imports }, "the scenario").join(", ")} changed since the trace was written, and ` : "";
  const layout = new Layout(m.model);
  const lines = m.lines;
  const st = layout.initial();
  const schedule: ScheduledStep[] = [];
  for (const [i, s] of file.steps.entries()) {
    const n = i + 1;
    const cpu = m.model.cpus.findIndex((c) => c.name === s.cpu);
    if (cpu < 0) return { ok: false, changed, step: n, error: `${stale}step ${n} no longer applies: there is no CPU ${s.cpu}` };
    const ins = layout.instrAt(st, cpu);
    if (!ins) return { ok: false, changed, step: n, error: `${stale}step ${n} no longer applies: ${s.cpu} has finished before '${s.statement}'` };
    if (ins.text !== s.statement) {
      const line = lines.range(ins.span, ins.stack).start.line + 1;
      // A statement of an imported file: where it is, and the scenario's line of the call that leads there.
      const at = m.sources.inMain(ins.span) ? `line ${line}` : `${m.sources.where(ins.span)}, called at line ${line}`;
      return { ok: false, changed, step: n, error: `${stale}step ${n} no longer applies: ${s.cpu} should run '${s.statement}' but is at '${ins.text}' (${at})` };
    }
    const step = { cpu, choice: s.choice ?? 0 };
    if (!canTake(layout, st, step)) return { ok: false, changed, step: n, error: `${stale}step ${n} no longer applies: ${s.cpu} cannot take '${s.statement}' there (blocked, or no such branch)` };
    layout.step(st, cpu, step.choice);
    schedule.push(step);
  }
  return { ok: true, changed, scenarioChanged: textChanged, changedImports: imports, model: m.model, schedule, trace: buildTrace(layout, encodeSchedule(schedule)) };
}

/** What changed since a trace was written, named for a sentence: the scenario as `scenario` says, then each imported file. */
export function changedNames(r: { readonly scenarioChanged: boolean; readonly changedImports: readonly string[] }, scenario: string): string[] {
  return [...(r.scenarioChanged ? [scenario] : []), ...r.changedImports];
}
