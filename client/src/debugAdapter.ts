// The trace debugger: a debug adapter (in process, no vscode import, so the
// tests drive it over the Debug Adapter Protocol directly) that replays a
// trace of a scenario. Each CPU is a debugger thread whose call stack ends
// at the statement it runs next; the Variables view has its held locks
// (mode, depth; lockdep's pseudo-locks too), its local variables, every
// shared variable and every lock, and the kernel state: each work item,
// workqueue, kthread, completion, kernfs node and SRCU section, and each
// context's interrupt state (§9–§10). Step over moves one
// CPU's next step forward (the trace's other steps before it run too),
// step back undoes one, continue and reverse continue run to the next (or
// previous) step on a line with a breakpoint, or to an end of the trace.
// The final state of a trace that ends in a problem stops as an exception
// carrying the problem's message.
//
// An interrupt handler (§10) is not a thread of its own here: it runs on
// top of its CPU, which cannot step until it returns, as an interrupt runs
// on a kernel stack above the task it interrupted. So the CPU's thread
// shows the handler's frames on top, a `<Interrupt> H` label frame, then
// the interrupted task's frames; stepping the CPU takes the next step on
// that CPU, whichever context it is (the interrupt arriving included). A
// separate "hardirq H on CPU0" thread would offer to step the CPU's task
// while the handler runs, which can never happen.
//
// A scenario with imports (race-language.md §11): a frame in imported code
// is at its own file and line (a file beside the scenario by its path, a
// file of the kernel library read-only, served by the adapter through a
// source reference), so stepping walks through the library's code. A
// breakpoint holds on a line of an imported file, or on the scenario's line
// of the call that leads there.

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { DebugSession, InitializedEvent, OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread, Variable } from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { analyze, analyzeFrontEnd } from "../../server/src/analysis";
import { scheduleOfTrace } from "../../server/src/engine/schedule";
import { Layout } from "../../server/src/engine/state";
import { LineIndex } from "../../server/src/language/span";
import { describeState, problemText, Replayed, type CpuView, type ScenarioRanges, type StateView } from "../../server/src/services/simulation";
import { ScenarioLines } from "../../server/src/language/relocate";
import type { Sources } from "../../server/src/language/sources";
import type { Span } from "../../server/src/language/span";
import { changedNames, parseTraceFile, replayTraceFile, type TraceFile } from "../../server/src/traceFile";

export interface RaceLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The scenario (.race file). */
  program: string;
  /** A trace file (docs/trace-format.md) to replay. */
  trace?: string;
  /** The same, inline (what "Debug trace" passes). */
  traceData?: TraceFile;
  /** Without a trace: replay the checker's finding with this index (0-based; default 0). */
  finding?: number;
  /** The scenario's text, when the editor has unsaved changes; read from `program` otherwise. */
  text?: string;
  /** Stop before the first step (default) or run to the end of the trace. */
  stopOnEntry?: boolean;
}

// Variable references: each CPU's held locks and locals, the shared variables, every lock, the trace position, the §9–§10 objects.
const SHARED = 1;
const LOCKS = 2;
const TRACE = 3;
const KERNEL = 4;
const HELD_BASE = 100;
const LOCALS_BASE = 200;

export class RaceDebugSession extends DebugSession {
  private replay: Replayed | undefined;
  private lines: ScenarioRanges = new LineIndex("");
  /** The scenario and the files it imports, to place a frame in imported code in its own file. */
  private sources: Sources | undefined;
  private program = "";
  /** Steps taken so far: 0 is the initial state, replay.schedule.length the end. */
  private position = 0;
  /** Breakpoint lines (0-based) per source: the scenario's and each imported file's by `sourceKey`. */
  private breakLines = new Map<string, Set<number>>();
  private finding: { kind: string; message: string } | undefined;
  private stopOnEntry = true;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(false);
    this.setDebuggerColumnsStartAt1(false);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsExceptionInfoRequest: true,
      supportsRestartRequest: false,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: RaceLaunchArguments): void {
    try {
      this.load(args);
    } catch (e) {
      this.sendErrorResponse(response, { id: 1, format: e instanceof Error ? e.message : String(e), showUser: true });
      return;
    }
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
    // Stopping waits for configurationDone, so that breakpoints are set first.
    this.stopOnEntry = args.stopOnEntry !== false;
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    if (this.stopOnEntry) this.stopped("entry", this.nextCpu());
    else this.run(1);
  }

  private load(args: RaceLaunchArguments): void {
    this.program = args.program;
    const text = args.text ?? readFileSync(args.program, "utf8");
    // Its imports beside it (race-language.md §11); a statement of an imported file at the scenario's call.
    const source = { path: args.program };
    const program = analyzeFrontEnd(text, source).program;
    this.lines = new ScenarioLines(new LineIndex(text), program);
    this.sources = program.sources;
    let file = args.traceData;
    if (!file && args.trace) {
      const parsed = parseTraceFile(readFileSync(args.trace, "utf8"));
      if ("error" in parsed) throw new Error(`${basename(args.trace)}: ${parsed.error}`);
      file = parsed;
    }
    if (file) {
      const r = replayTraceFile(text, file, source);
      if (!r.ok) throw new Error(`This trace does not apply to ${basename(args.program)}: ${r.error}.`);
      if (r.changed) this.sendEvent(new OutputEvent(`${changedNames(r, basename(args.program)).join(", ")} changed since the trace was written; every step still applies.\n`, "console"));
      this.replay = new Replayed(r.model, r.schedule);
      this.finding = file.finding;
      return;
    }
    const a = analyze(text, { source });
    if (!a.model || !a.report) throw new Error(`${basename(args.program)} has errors; fix them to replay a trace.`);
    const index = args.finding ?? 0;
    const problem = a.report.problems[index];
    if (!problem) throw new Error(`${basename(args.program)} has no finding ${index + 1} to replay (it has ${a.report.problems.length}).`);
    const schedule = scheduleOfTrace(new Layout(a.model), problem.trace);
    if (!schedule) throw new Error("The finding's trace cannot be replayed (internal error).");
    this.replay = new Replayed(a.model, schedule);
    this.finding = { kind: problem.kind, message: problem.message };
  }

  private get r(): Replayed {
    if (!this.replay) throw new Error("no trace loaded");
    return this.replay;
  }

  private view(): StateView {
    return describeState(this.r.layout, this.r.states[this.position]!, this.lines);
  }

  /** The debugger thread a thread's steps belong to: an interrupt handler's are its CPU's. */
  private threadOf(t: number): number {
    return this.r.model.handlers.find((h) => h.thread === t)?.cpu ?? t;
  }

  /** The CPU that takes the next step of the trace (or the first one at the end). */
  private nextCpu(): number {
    return this.threadOf(this.r.schedule[this.position]?.cpu ?? this.r.schedule[this.position - 1]?.cpu ?? 0);
  }

  /** The contexts of a thread's CPU, bottom first: the task, then each interrupt handler on top of the one below. */
  private contexts(v: StateView, thread: number): CpuView[] {
    const out: CpuView[] = [];
    for (let c: CpuView | undefined = v.cpus[thread]; c && out.length <= v.cpus.length; c = c.state === "interrupted" ? v.cpus.find((x) => x.name === c!.waitsFor) : undefined) out.push(c);
    return out;
  }

  private stopped(reason: string, cpu: number, text?: string): void {
    const end = this.position === this.r.schedule.length;
    const problems = end ? this.r.problems(this.position) : [];
    if (end && problems.length > 0) {
      // Focus the CPU whose step made the problem show: stepping back undoes that step first.
      const e = new StoppedEvent("exception", cpu + 1, this.finding?.message ?? problemText(this.r.model, problems[0]!));
      const body = e.body as DebugProtocol.StoppedEvent["body"];
      body.description = `Paused on ${this.finding?.kind ?? problems[0]!.kind}`;
      body.allThreadsStopped = true;
      this.sendEvent(e);
      return;
    }
    const e = new StoppedEvent(end ? "end of trace" : reason, cpu + 1, text);
    (e.body as DebugProtocol.StoppedEvent["body"]).allThreadsStopped = true;
    this.sendEvent(e);
  }

  /** Runs forward (direction 1) or back (-1) to a step on a breakpoint line, or to an end. */
  private run(direction: 1 | -1): void {
    const n = this.r.schedule.length;
    const scenarioKey = this.sourceKey(this.sourceOf(0));
    const onBreakpoint = (pos: number): boolean => {
      const st = this.r.states[pos]!;
      const next = this.r.schedule[pos];
      const ins = next ? this.r.layout.instrAt(st, next.cpu) : undefined;
      if (!ins) return false;
      // Its own file's line, or the scenario's line of the call that leads into imported code.
      const own = this.locate(ins.span);
      return this.breakLines.get(this.sourceKey(own.source))?.has(own.line) === true || this.breakLines.get(scenarioKey)?.has(this.lines.range(ins.span, ins.stack).start.line) === true;
    };
    do this.position += direction;
    while (this.position > 0 && this.position < n && !onBreakpoint(this.position));
    this.position = Math.max(0, Math.min(n, this.position));
    this.stopped(this.position === 0 ? "entry" : this.position === n ? "end of trace" : "breakpoint", this.nextCpu());
  }

  /** One step of `cpu` forward (or back): the trace's steps in between are taken (or undone) too. A CPU's step may be one of its interrupt handlers'. */
  private stepCpu(cpu: number, direction: 1 | -1): void {
    const n = this.r.schedule.length;
    if (direction === 1) {
      while (this.position < n && this.threadOf(this.r.schedule[this.position]!.cpu) !== cpu) this.position++;
      if (this.position < n) this.position++;
    } else {
      while (this.position > 0 && this.threadOf(this.r.schedule[this.position - 1]!.cpu) !== cpu) this.position--;
      if (this.position > 0) this.position--;
    }
    this.stopped("step", cpu);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const lines = (args.breakpoints ?? []).map((b) => this.convertClientLineToDebugger(b.line));
    const key = this.sourceKey(args.source);
    this.breakLines.set(key, new Set(lines));
    // A breakpoint holds on a line where some thread has a statement (in the scenario: or a call into imported code).
    const statementLines = new Set<number>();
    if (this.replay) {
      const scenario = key === this.sourceKey(this.sourceOf(0));
      for (const c of this.r.model.cpus) {
        for (const i of c.code) {
          const own = this.locate(i.span);
          if (this.sourceKey(own.source) === key) statementLines.add(own.line);
          if (scenario) statementLines.add(this.lines.range(i.span, i.stack).start.line);
        }
      }
    }
    response.body = { breakpoints: lines.map((l) => ({ verified: statementLines.has(l), line: this.convertDebuggerLineToClient(l) })) };
    this.sendResponse(response);
  }

  /** Which source a DAP source is, as breakpoints are kept: the path of a file on disk, else its source reference. */
  private sourceKey(s: DebugProtocol.Source): string {
    return s.sourceReference ? `ref:${s.sourceReference}` : `path:${s.path ?? ""}`;
  }

  /**
   * A file of the program as a DAP source: the scenario and a file beside
   * it by their paths; a file of the kernel library by a source reference
   * (file index + 1), its text served by `sourceRequest`, read-only.
   */
  private sourceOf(file: number): Source {
    const f = this.sources?.files[file];
    if (!f || file === 0) return new Source(basename(this.program), this.program);
    if (f.library !== undefined || f.path === undefined) return new Source(`${this.sources!.displayName(file)}.race`, undefined, file + 1, "kernel library");
    return new Source(basename(f.path), f.path);
  }

  /** A span in its own file: the source, 0-based line and character. */
  private locate(s: Span): { source: Source; line: number; character: number } {
    if (!this.sources) {
      const r = this.lines.range(s);
      return { source: this.sourceOf(0), line: r.start.line, character: r.start.character };
    }
    const { file, position } = this.sources.position(s);
    return { source: this.sourceOf(file), line: position.line, character: position.character };
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const ref = args.source?.sourceReference ?? args.sourceReference;
    const f = ref > 0 ? this.sources?.files[ref - 1] : undefined;
    if (!f) {
      this.sendErrorResponse(response, { id: 2, format: "No such source.", showUser: false });
      return;
    }
    response.body = { content: f.text, mimeType: "text/x-race" };
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const v = this.replay ? this.view() : undefined;
    const state = (c: CpuView): string => `${c.state}${c.waitsFor ? ` on ${c.waitsFor}` : ""}`;
    // Handlers are shown on their CPU's thread; a CPU under one says which, and what the handler is doing.
    const threads = (v?.cpus ?? []).filter((c) => c.on === undefined).map((c) => {
      const top = this.contexts(v!, c.index).at(-1)!;
      const doing = top === c ? state(c) : `in ${top.context ?? "interrupt"} ${top.name}: ${state(top)}`;
      return new Thread(c.index + 1, `${c.name}${c.label ? ` "${c.label}"` : ""} (${doing})`);
    });
    response.body = { threads };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const v = this.view();
    const st = this.r.states[this.position]!;
    const frames: StackFrame[] = [];
    const frame = (id: number, name: string, at: Span): StackFrame => {
      const l = this.locate(at);
      return new StackFrame(id, name, l.source, this.convertDebuggerLineToClient(l.line), this.convertDebuggerColumnToClient(l.character));
    };
    // Top first: each interrupt handler running on this CPU, above the context it interrupted.
    const contexts = v.cpus[args.threadId - 1] ? this.contexts(v, args.threadId - 1).reverse() : [];
    for (const cpu of contexts) {
      // Frame ids name the context (scopes show its locks and locals).
      const id = (depth: number): number => (cpu.index + 1) * 1000 + depth;
      const ins = this.r.layout.instrAt(st, cpu.index);
      if (cpu.statement && ins) {
        // Innermost first: the statement in the innermost function, then each call site, each in its own file.
        const names = [...cpu.stack.map((f) => f.fn)].reverse();
        frames.push(frame(id(0), `${names[0] ?? cpu.name}: ${cpu.statement.text}`, ins.span));
        const calls = [...ins.stack].reverse();
        calls.forEach((f, i) => frames.push(frame(id(i + 1), names[i + 1] ?? cpu.name, f.call)));
      } else {
        frames.push(frame(id(0), `${cpu.name} (finished)`, this.r.model.cpus[cpu.index]!.declSpan));
      }
      if (cpu.on !== undefined) {
        // Where the handler came in: a label between its frames and those of the context it interrupted.
        const label = frame(id(999), `<Interrupt> ${cpu.name} (${cpu.context ?? "interrupt"} on ${cpu.on})`, this.r.model.cpus[cpu.index]!.declSpan);
        (label as DebugProtocol.StackFrame).presentationHint = "label";
        frames.push(label);
      }
    }
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const cpu = Math.floor(args.frameId / 1000) - 1;
    const name = this.r.model.cpus[cpu]?.name ?? "CPU";
    response.body = {
      scopes: [
        new Scope(`Locks held by ${name}`, HELD_BASE + cpu, false),
        new Scope(`Locals of ${name}`, LOCALS_BASE + cpu, false),
        new Scope("Shared variables", SHARED, false),
        new Scope("All locks", LOCKS, false),
        // Work items, completions, sections, interrupt state: only where the scenario has them.
        ...(this.view().objects.length > 0 ? [new Scope("Kernel state", KERNEL, false)] : []),
        new Scope("Trace", TRACE, false),
      ],
    };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const v = this.view();
    const ref = args.variablesReference;
    let vars: Variable[] = [];
    const holding = (h: { mode: string; depth: number; pseudo?: true }): string =>
      h.pseudo ? `${h.mode === "shared" ? "read-held" : "held"} (lockdep's pseudo-lock)` : h.mode === "shared" ? `shared, ${h.depth} reader${h.depth === 1 ? "" : "s"}` : `exclusive, depth ${h.depth}`;
    if (ref >= LOCALS_BASE) {
      // A local's instance name without its CPU: `got`, or `f#2.got` inside f's second expansion.
      const cpu = v.cpus[ref - LOCALS_BASE]?.name;
      vars = v.vars.filter((x) => x.owner !== undefined && x.owner === cpu).map((x) => new Variable(x.name.slice(cpu!.length + 1), String(x.value)));
    } else if (ref >= HELD_BASE) vars = (v.cpus[ref - HELD_BASE]?.holds ?? []).map((h) => new Variable(h.lock, holding(h)));
    else if (ref === SHARED) vars = v.vars.filter((x) => x.owner === undefined).map((x) => new Variable(x.name, String(x.value)));
    else if (ref === KERNEL) vars = v.objects.map((o) => new Variable(`${o.kind} ${o.name}`, o.state));
    else if (ref === LOCKS) vars = v.locks.map((l) => new Variable(l.name, l.holders.length === 0 ? `free (${l.kind})` : l.holders.map((h) => `${h.cpu}: ${holding(h)}`).join("; ")));
    else if (ref === TRACE) {
      const n = this.r.schedule.length;
      const trace = this.r.trace;
      vars = [new Variable("position", this.position === 0 ? `initial state (0 of ${n} steps)` : `after step ${this.position} of ${n}`)];
      const who = (t: (typeof trace)[number]): string => (t.on ? `${t.cpu} (on ${t.on})` : t.cpu);
      if (this.position > 0) vars.push(new Variable("last step", `${who(trace[this.position - 1]!)}: ${trace[this.position - 1]!.action}`));
      if (this.position < n) vars.push(new Variable("next step", `${who(trace[this.position]!)}: ${trace[this.position]!.action}`));
      for (const p of this.r.problems(this.position)) vars.push(new Variable("problem", problemText(this.r.model, p)));
    }
    response.body = { variables: vars };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const problems = this.r.problems(this.position);
    response.body = {
      exceptionId: this.finding?.kind ?? problems[0]?.kind ?? "problem",
      description: this.finding?.message ?? (problems[0] ? problemText(this.r.model, problems[0]) : undefined),
      breakMode: "always",
    };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.run(1);
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.sendResponse(response);
    this.run(-1);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.sendResponse(response);
    this.stepCpu(args.threadId - 1, 1);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.sendResponse(response);
    this.stepCpu(args.threadId - 1, 1);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.sendResponse(response);
    this.stepCpu(args.threadId - 1, 1);
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.sendResponse(response);
    this.stepCpu(args.threadId - 1, -1);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }
}
