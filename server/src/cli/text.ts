// `race check` human output, modelled on lockdep's reports: a banner with the
// header, who is trying to take what and who holds it, the CPU-column table
// of the shortest trace, each blocked CPU's call stack, the locks held, and
// the lock-order chain; then one verdict line per file.
//
// Every line is built from our words and the scenario's (titles, labels,
// assert messages, names) and the file's name, then goes out through
// textLines(), which escapes control characters in the line as a whole: our
// own line breaks are the ones between lines, so none inside a line is ours.

import { problemCode, type Analysis } from "../analysis";
import type { Problem, ProblemSite } from "../engine/report";
import type { TraceStep } from "../engine/trace";
import { escapeControls } from "../escape";
import { expectationText } from "../language/ast";
import { deadlockView, type Diagnostic } from "../language/messages";
import type { Locator } from "../language/sources";
import type { Span } from "../language/span";

/** Call-stack frames longer than this push their location further right, alone. */
const MAX_FRAME_COLUMN = 60;

const RULE = "=".repeat(62);
const DASH = "-".repeat(62);

/** `FILE:LINE:COL`, 1-based, as compilers print it; an imported file's span with that file's name. */
export function location(file: string, lines: Locator, s: Span): string {
  const p = lines.range(s).start;
  return `${lines.file?.(s) ?? file}:${p.line + 1}:${p.character + 1}`;
}

/** A diagnostic as one compiler-style line: `FILE:LINE:COL: error RACE010: …`. */
export function diagnosticLine(file: string, lines: Locator, d: Diagnostic): string {
  const kind = d.severity === "information" ? "note" : d.severity;
  return `${location(file, lines, d.span)}: ${kind} ${d.code}: ${d.message}`;
}

/** Lines as they are written to a terminal or a log: each escaped, each ended by a line break. */
export function textLines(lines: readonly string[]): string {
  return lines.map((l) => escapeControls(l) + "\n").join("");
}

export function formatFile(file: string, a: Analysis, lines: Locator): string {
  const out: string[] = [];
  const at = (s: Span): string => location(file, lines, s);
  // Checker diagnostics and non-finding engine notes, compiler style.
  for (const d of a.diagnostics) if (d.finding === undefined) out.push(diagnosticLine(file, lines, d));
  a.findings.forEach(({ problem, expected }) => out.push(...formatProblem(problem, expected, a, at, lines)));
  out.push(verdictLine(file, a));
  return textLines(out);
}

export function verdictLine(file: string, a: Analysis): string {
  const title = a.frontEnd.checked.scope.scenario?.title;
  const name = title ? `${file} (${title})` : file;
  if (a.verdict === "declarations") return `✓ ${name}: declarations only · nothing runs here; scenarios import it`;
  if (!a.report) return `${name}: invalid · ${a.diagnostics.filter((d) => d.severity === "error").length} error(s)`;
  const s = a.report.stats;
  const n = (x: number): string => x.toLocaleString("en-US");
  const states = `${n(s.states)} states${s.reduced ? " (reduced)" : ""}${s.traceSearchStates > 0 ? ` + ${n(s.traceSearchStates)} for shortest traces` : ""}`;
  const caveat = s.shortestTraces ? "" : " · budget ran out before every trace was made shortest";
  const figures = `${states} · ${n(s.transitions)} transitions · ${Math.round(s.ms)} ms${s.complete ? "" : ` · stopped by ${s.stoppedBy}`}${caveat}`;
  const expectation = `expect ${expectationText(a.expectation)}: ${a.met ? "met" : "NOT met"}`;
  const mark = a.met ? "✓" : "✗";
  return `${mark} ${name}: ${a.verdict} · ${expectation} · ${figures}`;
}

/**
 * lockdep's "Possible unsafe locking scenario" for a deadlock: each CPU
 * takes what it holds that another waits for, then each asks for what it
 * waits for (`lock(X)`, `sync(S)` for a synchronize, the statement for a
 * wait that no lock stands for, like kthread_stop).
 */
function unsafeScenario(p: Problem): string[] {
  const sites = p.sites;
  // Lockdep prints nothing for a cycle through an RCU grace period (synchronize_rcu() acquires nothing),
  // nor for one through a wait it records no dependency of (a novalidate lock, kthread_stop).
  if (sites.length < 2 || sites.some((s) => s.waitsFor === undefined || s.gracePeriod || s.lockdepBlind)) return [];
  // A thread that takes again what it holds: lockdep's recursive locking table (print_deadlock_scenario()).
  const again = sites.find((s) => s.retakes !== undefined);
  if (again && deadlockView(sites) === "retaken" && !sites.some((s) => s.on !== undefined)) {
    const take = `lock(${again.retakes});`;
    return [" Possible unsafe locking scenario:", "", `  ${again.cpu}`, `  ${"-".repeat(again.cpu.length)}`, `  ${take}`, `  ${take}`, "", " *** DEADLOCK ***", "", " May be due to missing lock nesting notation", ""];
  }
  // An interrupt handler is drawn in its CPU's column, under `<Interrupt>`, as lockdep draws it.
  const columns = sites.filter((s) => s.on === undefined).map((s) => s.cpu);
  const column = (s: ProblemSite): number => columns.indexOf(s.on ?? s.cpu);
  if (sites.some((s) => column(s) < 0)) return [];
  const wanted = new Set(sites.map((s) => s.waitsFor!));
  const width = Math.max(24, ...columns.map((c) => c.length + 4), ...sites.flatMap((s) => [...s.holds.map((h) => h.lock.length + 8), (s.waitsFor?.length ?? 0) + 10, s.action.length + 4]));
  const cell = (i: number, text: string): string => `  ${" ".repeat(i * width)}${text}`;
  const wants = (s: ProblemSite): string => (s.notALock ? `${s.action};` : `${s.sync ? "sync" : "lock"}(${s.waitsFor});`);
  const handlers = sites.filter((s) => s.on !== undefined);
  const out = [handlers.length > 0 ? " Possible interrupt unsafe locking scenario:" : " Possible unsafe locking scenario:", ""];
  out.push("  " + columns.map((c) => c.padEnd(width)).join("").trimEnd());
  out.push("  " + columns.map((c) => "-".repeat(c.length).padEnd(width)).join("").trimEnd());
  for (const s of sites) for (const h of s.holds) if (wanted.has(h.lock)) out.push(cell(column(s), `lock(${h.lock});`));
  for (const s of sites) if (s.on === undefined && !s.interrupted) out.push(cell(column(s), wants(s)));
  for (const s of handlers) {
    out.push(cell(column(s), "<Interrupt>"));
    out.push(cell(column(s), `  ${wants(s)}`));
  }
  out.push("", " *** DEADLOCK ***", "");
  return out;
}

/**
 * A site that waits for a grace period rather than for a lock, as lockdep
 * sees it: a synchronize_rcu (which acquires nothing), or a synchronize
 * inside its caller's own read-side section (the kernel's
 * RCU_LOCKDEP_WARN, "suspicious RCU usage", not a lock report).
 */
function waitsForGracePeriod(s: ProblemSite): boolean {
  return s.gracePeriod === true || (s.atomic?.length ?? 0) > 0 || (s.sync === true && s.heldBy.includes(s.cpu));
}

function gracePeriodOf(s: ProblemSite): string {
  return s.gracePeriod || (s.atomic?.length ?? 0) > 0 ? "an RCU grace period" : `a grace period of ${s.waitsFor}`;
}

/** Why a reader waits behind a queued writer, by the kind of lock (an rwlock_t's readers queue only in task context). */
function queueRule(a: Analysis, lock: string): string {
  const kind = a.model?.locks.find((l) => l.name === lock)?.kind;
  return kind === "rwlock"
    ? "a queued rwlock_t lets a waiting writer go before new readers in task context"
    : "a fair rwsem lets a waiting writer go before new readers";
}

function formatProblem(p: Problem, expected: boolean, a: Analysis, at: (s: Span) => string, lines: Locator): string[] {
  const out: string[] = [""];
  const code = problemCode(p.kind);
  out.push(RULE);
  out.push(`${expected ? "NOTE (expected)" : "WARNING"}: ${p.title}   [${code}]`);
  out.push(DASH);
  out.push(p.message);
  out.push("");
  const blind = p.kind === "deadlock" && deadlockView(p.sites) === "blind" ? p.sites.flatMap((s) => (s.lockdepBlind ? [s.lockdepBlind] : [])) : [];
  if (blind.length > 0) {
    out.push(`Lockdep records no dependency for this cycle: ${[...new Set(blind)].join("; ")}.`);
    out.push("");
  }
  const label = (cpu: string): string => {
    const c = a.model?.cpus.find((x) => x.name === cpu);
    return c?.label ? `${cpu} "${c.label}"` : cpu;
  };
  for (const s of p.sites) {
    if (s.waitsFor && s.notALock) {
      out.push(`${label(s.cpu)} waits for ${s.waitsFor}, at ${at(s.span)}`);
      out.push("");
    } else if (s.waitsFor && waitsForGracePeriod(s)) {
      // synchronize_rcu acquires nothing, and a synchronize inside its own
      // section acquires nothing lockdep reports as a lock: what it waits
      // for is a grace period, which readers (and, for consolidated RCU,
      // atomic regions) hold off.
      out.push(`${label(s.cpu)} waits for ${gracePeriodOf(s)}, at ${at(s.span)}`);
      const readers = s.heldBy.map((h) => (h === s.cpu ? `${label(h)} itself` : label(h)));
      if (readers.length > 0) out.push(`but ${readers.join(" and ")} ${readers.length === 1 ? "is" : "are"} in a read-side section (${s.waitsFor}).`);
      if (s.atomic && s.atomic.length > 0) {
        out.push(`${readers.length > 0 ? "and" : "but"} ${s.atomic.map(label).join(" and ")} ${s.atomic.length === 1 ? "is" : "are"} in a region the grace period waits for (consolidated RCU: preemption, softirqs or hardirqs disabled).`);
      }
      out.push("");
    } else if (s.waitsFor) {
      out.push(`${label(s.cpu)} is trying to acquire lock:`);
      out.push(`  ${s.waitsFor}${s.wants ? ` (${s.wants})` : ""}, at ${at(s.span)}`);
      if (s.behind && s.behind.length > 0) out.push(`but ${s.behind.map(label).join(" and ")} ${s.behind.length === 1 ? "is" : "are"} queued to write it first (${queueRule(a, s.waitsFor)}).`);
      if (s.heldBy.length > 0) out.push(`${s.behind?.length ? "and" : "but"} ${s.heldBy.map(label).join(" and ")} already hold${s.heldBy.length === 1 ? "s" : ""} this lock${s.heldMode ? ` (${s.heldMode})` : ""}.`);
      if (s.pending && s.pending.length > 0) out.push(`${s.heldBy.length > 0 ? "and" : "but"} ${s.pending.map(label).join(" and ")} ${s.pending.length === 1 ? "is" : "are"} queued and will hold it once ${s.pending.length === 1 ? "it runs" : "they run"}.`);
      out.push("");
    }
  }
  // The CPU-column table of the shortest trace; an interrupt handler's steps
  // are nested in its CPU's column, under `<Interrupt> H` (§10).
  // A livelock's loop (its prefix and cycle) may have steps of threads the trace has not: they get columns too.
  const steps = [...p.trace, ...(p.loop?.prefix ?? []), ...(p.loop?.cycle ?? [])];
  const handlerOn = new Map<string, string>();
  for (const s of steps) if (s.on) handlerOn.set(s.cpu, s.on);
  for (const s of p.sites) if (s.on) handlerOn.set(s.cpu, s.on);
  const columnOf = (cpu: string): string => handlerOn.get(cpu) ?? cpu;
  // In the order the scenario declares them, as lockdep's CPU0, CPU1 (not the order they first step in).
  const declared = (cpu: string): number => {
    const i = a.model?.cpus.findIndex((c) => c.name === cpu) ?? -1;
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const cpus = [...new Set([...steps.map((s) => columnOf(s.cpu)), ...p.cpus.map(columnOf)])].sort((x, y) => declared(x) - declared(y));
  const width = Math.max(24, ...steps.map((s) => s.action.length + 2), ...p.sites.map((s) => s.action.length + 13));
  // The line of each step's code; in an imported file, `name.race:line` (the call stacks below give its path), every label as wide as the widest.
  const lineLabel = (step: TraceStep): string => {
    const line = String(lines.range(step.span).start.line + 1);
    const file = lines.file?.(step.span);
    return file === undefined ? line : `${file.replace(/^.*[\\/]/, "")}:${line}`;
  };
  const labelWidth = Math.max(3, ...steps.map((step) => lineLabel(step).length));
  // The columns start after the labels: headers and the last row line up with the steps (imported files have long labels).
  const indent = " ".repeat(labelWidth + 4);
  out.push(`Shortest trace (${p.trace.length} step${p.trace.length === 1 ? "" : "s"}):`);
  out.push("");
  out.push(indent + cpus.map((c) => c.padEnd(width)).join("").trimEnd());
  out.push(indent + cpus.map((c) => "-".repeat(c.length).padEnd(width)).join("").trimEnd());
  const row = (step: TraceStep): string => {
    const col = cpus.indexOf(columnOf(step.cpu));
    const nested = step.on && step.op !== "start_irq" ? "  " : "";
    return `  ${lineLabel(step).padStart(labelWidth)}  ${" ".repeat(col * width)}${nested}${step.action}`;
  };
  for (const step of p.trace) out.push(row(step));
  if (p.loop) {
    // A livelock: where the loop starts, then the steps that repeat for ever.
    if (p.loop.prefix.length > 0) {
      out.push("       then:");
      for (const step of p.loop.prefix) out.push(row(step));
    }
    out.push("       then, repeating for ever:");
    for (const step of p.loop.cycle) out.push(row(step));
  }
  if (p.kind === "deadlock" || p.kind === "hang") {
    const cells = cpus.map((c) => {
      // A handler on top of its CPU is what waits there; its task is under it.
      const handler = p.sites.find((s) => s.on === c);
      const site = handler ?? p.sites.find((s) => s.cpu === c);
      return site ? `${handler ? "  " : ""}${site.action} <-- ${site.looping ? "LOOPS" : "WAITS"}` : "";
    });
    out.push(indent + cells.map((c) => c.padEnd(width)).join("").trimEnd());
    out.push("");
    out.push(p.kind === "deadlock" ? " *** DEADLOCK ***" : p.form === "livelock" ? " *** LIVELOCK ***" : " *** HANG ***");
  }
  out.push("");
  // Call stacks, innermost first, as the kernel prints them.
  for (const s of p.sites) {
    out.push(`${label(s.cpu)} call stack:`);
    // One column for the locations, as wide as the longest frame needs (up to a point).
    const column = Math.min(MAX_FRAME_COLUMN, Math.max(32, s.action.length, ...s.stack.map((f) => f.fn.length)));
    out.push(`  ${s.action.padEnd(column)} ${at(s.span)}`);
    for (let i = s.stack.length - 1; i >= 0; i--) out.push(`  ${s.stack[i]!.fn.padEnd(column)} ${at(s.stack[i]!.call)}`);
    if (s.holds.length > 0) {
      out.push(`  locks held by ${s.cpu}:`);
      s.holds.forEach((h, i) => out.push(`   #${i}: ${h.lock}${h.mode ? ` (${h.mode})` : ""}${h.span ? `, taken at ${at(h.span)}${h.stack.length > 0 ? ` in ${h.stack[h.stack.length - 1]!.fn}` : ""}` : ""}`));
    }
    out.push("");
  }
  if (p.kind === "deadlock") out.push(...unsafeScenario(p));
  if (p.kind === "deadlock") {
    const chain = p.sites.filter((s) => s.waitsFor !== undefined);
    if (chain.length > 1 || (chain.length === 1 && chain[0]!.heldBy.length > 0)) {
      out.push("the dependency chain:");
      for (const s of chain) {
        const holding = s.holds.map((h) => `${h.lock}${h.mode ? ` (${h.mode})` : ""}`).join(", ") || "(nothing)";
        const holdingOff = [...s.heldBy.map((h) => `${h} (in ${s.waitsFor})`), ...(s.atomic ?? [])];
        const wants = waitsForGracePeriod(s) ? `waits for ${gracePeriodOf(s)}, held off by ${holdingOff.join(" and ")}` : `wants ${s.waitsFor}${s.wants ? ` (${s.wants})` : ""}`;
        out.push(`  ${s.cpu}: holds ${holding} → ${wants}`);
      }
      out.push("");
    }
  }
  return out;
}
