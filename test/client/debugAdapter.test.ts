// The trace debugger over the Debug Adapter Protocol, in process, as VS Code
// drives it: launch on the v9 deadlock, threads and call stacks per CPU,
// held locks and variables, step over per CPU, continue to the deadlock (an
// exception with the finding's message), step back and reverse continue,
// breakpoints, and trace files (including one the scenario no longer fits);
// the kernel state of §9–§10 (work items, kthreads, completions, kernfs
// nodes, SRCU sections, interrupt state) and lockdep's pseudo-locks in the
// Variables view, on the kernel-history samples; frames and breakpoints in
// the kernel library's files (§11).

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { beforeEach, describe, expect, it } from "vitest";
import { RaceDebugSession, type RaceLaunchArguments } from "../../client/src/debugAdapter";
import { analyze } from "../../server/src/analysis";
import { scheduleOfTrace } from "../../server/src/engine/schedule";
import { Layout } from "../../server/src/engine/state";
import { traceFileOf } from "../../server/src/traceFile";
import { handDir, read, samplesDir } from "../helpers";

const v9path = join(handDir, "v9-remove-vs-unbind.race");
const v9 = read(v9path);

/** A DAP client over the adapter's in-process interface (what DebugAdapterInlineImplementation uses). */
class Dap {
  readonly session = new RaceDebugSession();
  readonly events: DebugProtocol.Event[] = [];
  private seq = 1;
  private readonly pending = new Map<number, (r: DebugProtocol.Response) => void>();

  constructor() {
    this.session.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === "event") this.events.push(msg as DebugProtocol.Event);
      if (msg.type === "response") {
        const r = msg as DebugProtocol.Response;
        this.pending.get(r.request_seq)?.(r);
      }
    });
  }

  request<T extends DebugProtocol.Response>(command: string, args?: unknown): Promise<T> {
    const seq = this.seq++;
    return new Promise((resolve) => {
      this.pending.set(seq, (r) => resolve(r as T));
      this.session.handleMessage({ seq, type: "request", command, arguments: args } as DebugProtocol.Request);
    });
  }

  lastStop(): DebugProtocol.StoppedEvent {
    return this.events.filter((e) => e.event === "stopped").at(-1) as DebugProtocol.StoppedEvent;
  }

  async launch(args: Omit<RaceLaunchArguments, "program"> & { program?: string }, breakpointLines: number[] = []): Promise<DebugProtocol.Response> {
    const init = await this.request<DebugProtocol.InitializeResponse>("initialize", { adapterID: "race", linesStartAt1: true, columnsStartAt1: true, pathFormat: "path" });
    expect(init.body?.supportsStepBack).toBe(true);
    const launched = await this.request("launch", { program: v9path, ...args });
    if (!launched.success) return launched;
    await this.request("setBreakpoints", { source: { path: args.program ?? v9path }, breakpoints: breakpointLines.map((line) => ({ line })) });
    await this.request("configurationDone");
    return launched;
  }

  /** Each thread's top frame as `name @ line` (1-based lines, as VS Code shows them). */
  async tops(): Promise<string[]> {
    const threads = await this.request<DebugProtocol.ThreadsResponse>("threads");
    const out: string[] = [];
    for (const t of threads.body.threads) {
      const st = await this.request<DebugProtocol.StackTraceResponse>("stackTrace", { threadId: t.id });
      out.push(`${t.name} | ${st.body.stackFrames[0]!.name} @ ${st.body.stackFrames[0]!.line}`);
    }
    return out;
  }

  async variables(threadId: number, scope: string): Promise<string[]> {
    const st = await this.request<DebugProtocol.StackTraceResponse>("stackTrace", { threadId });
    const scopes = await this.request<DebugProtocol.ScopesResponse>("scopes", { frameId: st.body.stackFrames[0]!.id });
    const ref = scopes.body.scopes.find((s) => s.name.startsWith(scope))!.variablesReference;
    const vars = await this.request<DebugProtocol.VariablesResponse>("variables", { variablesReference: ref });
    return vars.body.variables.map((v) => `${v.name} = ${v.value}`);
  }
}

const line = (needle: string): number => v9.slice(0, v9.indexOf(needle)).split("\n").length;

describe("the trace debugger (DAP, in process)", () => {
  let dap: Dap;
  beforeEach(() => {
    dap = new Dap();
  });

  it("stops on entry with a thread per CPU and its call stack at the right lines", async () => {
    await dap.launch({ finding: 0 });
    expect(dap.lastStop().body.reason).toBe("entry");
    expect(await dap.tops()).toEqual([
      `CPU0 "echo 1 > /sys/bus/pci/devices/$PF/remove" (ready) | remove_store(pf): lock rescan_remove @ ${line("lock rescan_remove               //")}`,
      `CPU1 "echo $PF > /sys/bus/pci/drivers/$DRV/unbind" (ready) | device_release_driver(pf): lock device_lock[pf] @ ${line("lock device_lock[d]")}`,
    ]);
    const st = await dap.request<DebugProtocol.StackTraceResponse>("stackTrace", { threadId: 2 });
    expect(st.body.stackFrames.map((f) => `${f.name} @ ${f.line}`)).toEqual([
      `device_release_driver(pf): lock device_lock[pf] @ ${line("lock device_lock[d]")}`,
      `unbind_store(pf) @ ${line("device_release_driver(d)         // device_driver_detach")}`,
      `CPU1 @ ${line("cpu CPU1")}`,
    ]);
  });

  it("steps per CPU, shows held locks and variables, and continues to the deadlock as an exception", async () => {
    await dap.launch({ finding: 0 });
    await dap.request("next", { threadId: 1 });
    expect(dap.lastStop().body).toMatchObject({ reason: "step", threadId: 1 });
    expect(await dap.variables(1, "Locks held by CPU0")).toEqual(["rescan_remove = exclusive, depth 1"]);
    expect(await dap.variables(1, "Shared variables")).toEqual(["bound[pf] = true"]);
    // Stepping CPU1 takes only CPU1's next step of the trace.
    await dap.request("next", { threadId: 2 });
    expect(await dap.variables(2, "Locks held by CPU1")).toEqual(["device_lock[pf] = exclusive, depth 1"]);
    expect(await dap.variables(2, "Trace")).toEqual(["position = after step 2 of 3", "last step = CPU1: lock device_lock[pf]", "next step = CPU1: if bound[pf] → true"]);
    await dap.request("continue", { threadId: 1 });
    const stop = dap.lastStop();
    expect(stop.body.reason).toBe("exception");
    // Focus goes to CPU1, whose step closed the cycle, with its own locks first.
    expect(stop.body).toMatchObject({ threadId: 2, allThreadsStopped: true });
    expect(await dap.variables(2, "Locks held by CPU1")).toEqual(["device_lock[pf] = exclusive, depth 1"]);
    expect(stop.body.text).toMatch(/^Deadlock: CPU0 waits for device_lock\[pf\]/);
    const info = await dap.request<DebugProtocol.ExceptionInfoResponse>("exceptionInfo", { threadId: stop.body.threadId });
    expect(info.body.exceptionId).toBe("deadlock");
    expect(await dap.tops()).toEqual([
      expect.stringMatching(/^CPU0 .*\(blocked on device_lock\[pf\]\) \| device_release_driver\(pf\): lock device_lock\[pf\]/),
      expect.stringMatching(/^CPU1 .*\(blocked on rescan_remove\) \| sriov_del_vfs\(pf\): lock rescan_remove/),
    ]);
  });

  it("steps back through the deadlock and reverse-continues to the start", async () => {
    await dap.launch({ finding: 0, stopOnEntry: false });
    expect(dap.lastStop().body.reason).toBe("exception");
    await dap.request("stepBack", { threadId: 2 });
    expect(await dap.variables(2, "Trace")).toEqual(["position = after step 2 of 3", "last step = CPU1: lock device_lock[pf]", "next step = CPU1: if bound[pf] → true"]);
    await dap.request("stepBack", { threadId: 2 });
    expect(await dap.variables(2, "Locks held by CPU1")).toEqual([]);
    expect(await dap.variables(1, "Locks held by CPU0")).toEqual(["rescan_remove = exclusive, depth 1"]);
    await dap.request("reverseContinue", { threadId: 1 });
    expect(dap.lastStop().body.reason).toBe("entry");
    expect(await dap.variables(1, "Trace")).toEqual(["position = initial state (0 of 3 steps)", "next step = CPU0: lock rescan_remove"]);
  });

  it("continues to the next step on a line with a breakpoint, and back", async () => {
    await dap.launch({ finding: 0 }, [line("if bound[d]")]);
    await dap.request("continue", { threadId: 1 });
    expect(dap.lastStop().body).toMatchObject({ reason: "breakpoint", threadId: 2 });
    expect(await dap.variables(2, "Trace")).toContainEqual("next step = CPU1: if bound[pf] → true");
    await dap.request("continue", { threadId: 1 });
    expect(dap.lastStop().body.reason).toBe("exception");
    await dap.request("reverseContinue", { threadId: 1 });
    expect(dap.lastStop().body.reason).toBe("breakpoint");
  });

  it("replays a trace file, and refuses one the scenario no longer fits, saying which step", async () => {
    const a = analyze(v9);
    const schedule = scheduleOfTrace(new Layout(a.model!), a.report!.problems[0]!.trace)!;
    const dir = mkdtempSync(join(tmpdir(), "race-dap-"));
    const trace = join(dir, "v9.trace.json");
    writeFileSync(trace, JSON.stringify(traceFileOf(v9, a.model!, schedule, { finding: { kind: "deadlock", message: "the v9 deadlock" } })));
    expect((await dap.launch({ trace })).success).toBe(true);
    await dap.request("continue", { threadId: 1 });
    expect(dap.lastStop().body.text).toBe("the v9 deadlock");

    const changed = join(dir, "v9-changed.race");
    writeFileSync(changed, v9.replace("  lock rescan_remove               // pci_stop", "  lock device_lock[d]\n  unlock device_lock[d]\n  lock rescan_remove               // pci_stop"));
    const other = new Dap();
    const refused = await other.launch({ program: changed, trace });
    expect(refused.success).toBe(false);
    expect((refused as DebugProtocol.ErrorResponse).body.error!.format).toBe(
      "This trace does not apply to v9-changed.race: the scenario changed since the trace was written, and step 1 no longer applies: CPU0 should run 'lock rescan_remove' but is at 'lock device_lock[pf]' (line 33).",
    );
  });

  it("shows each CPU's local variables apart from the shared ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "race-dap-"));
    const program = join(dir, "locals.race");
    writeFileSync(
      program,
      `var shared = 0\nfn bump() { var step = 1; shared = shared + step }\ncpu C0 { var limit = 2; bump(); assert shared == limit "both bumped" }\ncpu C1 { bump() }\nexpect violation\n`,
    );
    await dap.launch({ program, finding: 0, stopOnEntry: false });
    expect(await dap.variables(1, "Locals of C0")).toEqual(["limit = 2", "bump#1.step = 1"]);
    expect(await dap.variables(2, "Locals of C1")).toEqual(["bump#1.step = 1"]);
    expect(await dap.variables(1, "Shared variables")).toEqual(["shared = 1"]);
  });

  describe("an interrupt handler (§10), shown on top of its CPU's thread", () => {
    const text = "spinlock event_lock\nirq vblank on CPU0 {\n  lock event_lock\n  unlock event_lock\n}\ncpu CPU0 {\n  lock event_lock\n  unlock event_lock\n}\nexpect deadlock\n";
    const program = join(mkdtempSync(join(tmpdir(), "race-dap-")), "vblank.race");
    writeFileSync(program, text);
    const frames = async (threadId: number): Promise<DebugProtocol.StackFrame[]> => (await dap.request<DebugProtocol.StackTraceResponse>("stackTrace", { threadId })).body.stackFrames;
    const scopeOf = async (frameId: number, scope: string): Promise<string[]> => {
      const scopes = await dap.request<DebugProtocol.ScopesResponse>("scopes", { frameId });
      const ref = scopes.body.scopes.find((s) => s.name.startsWith(scope))!.variablesReference;
      return (await dap.request<DebugProtocol.VariablesResponse>("variables", { variablesReference: ref })).body.variables.map((v) => `${v.name} = ${v.value}`);
    };

    it("has one thread, the CPU's: the handler is not a thread of its own", async () => {
      await dap.launch({ program, finding: 0 });
      expect(await dap.tops()).toEqual(["CPU0 (ready) | CPU0: lock event_lock @ 7"]);
    });

    it("stepping the CPU takes the interrupt's arrival too; then the handler's frames are on top, a label, then the task's", async () => {
      await dap.launch({ program, finding: 0 });
      await dap.request("next", { threadId: 1 });
      expect(await dap.variables(1, "Trace")).toEqual(["position = after step 1 of 2", "last step = CPU0: lock event_lock", "next step = vblank (on CPU0): <Interrupt> vblank"]);
      await dap.request("next", { threadId: 1 });
      const stop = dap.lastStop();
      expect(stop.body).toMatchObject({ reason: "exception", threadId: 1 });
      expect(stop.body.text).toMatch(/^Deadlock: CPU0 is interrupted by vblank and cannot go on until it returns/);
      expect(await dap.tops()).toEqual(["CPU0 (in hardirq vblank: blocked on event_lock) | vblank: lock event_lock @ 3"]);
      const f = await frames(1);
      expect(f.map((x) => `${x.name} @ ${x.line}${x.presentationHint ? ` (${x.presentationHint})` : ""}`)).toEqual(["vblank: lock event_lock @ 3", "<Interrupt> vblank (hardirq on CPU0) @ 2 (label)", "CPU0: unlock event_lock @ 8"]);
      // Each frame's scopes are its own context's: the handler holds nothing, the task it interrupted holds the lock.
      expect(await scopeOf(f[0]!.id, "Locks held by vblank")).toEqual([]);
      expect(await scopeOf(f[2]!.id, "Locks held by CPU0")).toEqual(["event_lock = exclusive, depth 1"]);
    });

    it("steps back over the interrupt: the handler leaves the CPU's stack", async () => {
      await dap.launch({ program, finding: 0, stopOnEntry: false });
      expect((await frames(1)).length).toBe(3);
      await dap.request("stepBack", { threadId: 1 });
      expect((await frames(1)).map((x) => x.name)).toEqual(["CPU0: unlock event_lock"]);
      expect(await dap.tops()).toEqual(["CPU0 (ready) | CPU0: unlock event_lock @ 8"]);
    });
  });

  describe("the kernel state and lockdep's pseudo-locks (§9–§10), on the samples", () => {
    const sample = (name: string): string => join(samplesDir, `${name}.race`);
    /** Steps the trace forward to after step `n` (thread by thread, as the trace goes). */
    const forwardTo = async (n: number): Promise<void> => {
      for (;;) {
        const position = (await dap.variables(1, "Trace"))[0]!;
        if (position === `position = after step ${n} of ${/of (\d+)/.exec(position)![1]}`) return;
        const next = (await dap.variables(1, "Trace")).find((v) => v.startsWith("next step = "))!;
        const threads = (await dap.request<DebugProtocol.ThreadsResponse>("threads")).body.threads;
        // `next step = CPU0: …`, or `vblank (on CPU0): …` for a handler, whose steps are its CPU's.
        const m = /^next step = ([^\s:]+)(?: \(on ([^)]+)\))?:/.exec(next)!;
        const who = m[2] ?? m[1]!;
        await dap.request("next", { threadId: threads.find((t) => t.name.startsWith(`${who} `) || t.name.startsWith(`${who}(`))!.id });
      }
    };
    const threadId = async (name: string): Promise<number> => (await dap.request<DebugProtocol.ThreadsResponse>("threads")).body.threads.find((t) => t.name.startsWith(`${name} `))!.id;

    it("a work item (p2sb): pending, then running and holding (wq_completion) and (work_completion), which the flush waits for", async () => {
      await dap.launch({ program: sample("p2sb-rescan-flush-work-5913320eb0b3"), finding: 0 });
      expect(await dap.variables(1, "Kernel state")).toEqual(["work wfc = idle", "workqueue events = no work pending or running"]);
      await forwardTo(2);
      expect(await dap.variables(1, "Kernel state")).toEqual(["work wfc = pending", "workqueue events = wfc pending"]);
      await dap.request("continue", { threadId: 1 });
      expect(dap.lastStop().body.reason).toBe("exception");
      expect(await dap.variables(1, "Kernel state")).toEqual(["work wfc = running", "workqueue events = wfc running"]);
      const wfc = await threadId("wfc");
      expect(await dap.variables(wfc, "Locks held by wfc")).toEqual(["(wq_completion)events = held (lockdep's pseudo-lock)", "(work_completion)(&wfc) = held (lockdep's pseudo-lock)"]);
      expect(await dap.variables(1, "All locks")).toContain("(work_completion)(&wfc) = wfc: held (lockdep's pseudo-lock)");
      expect(await dap.tops()).toEqual([expect.stringMatching(/^CPU0 .*\(blocked on \(work_completion\)\(&wfc\)\)/), expect.stringMatching(/^wfc .*\(blocked on pci_rescan_remove_lock\)/)]);
    });

    it("kthreads (pvrusb2): not started, running, asked to stop; kthread_stop waits for the thread to exit", async () => {
      await dap.launch({ program: sample("pvrusb2-nested-kthread-stop-18ecbb4771eb"), finding: 0 });
      expect(await dap.variables(1, "Kernel state")).toEqual(["kthread worker = not started (no kthread_run yet)", "kthread ctl = not started (no kthread_run yet)"]);
      await dap.request("continue", { threadId: 1 });
      expect(await dap.variables(1, "Kernel state")).toEqual(["kthread worker = running", "kthread ctl = running, asked to stop (kthread_should_stop() is true)"]);
      expect((await dap.tops())[0]).toMatch(/^A .*\(blocked on ctl to exit\)/);
    });

    it("a completion (ipoib): its count", async () => {
      await dap.launch({ program: sample("ipoib-join-completion-rtnl-e8224e4b804b"), finding: 0, stopOnEntry: false });
      expect(await dap.variables(1, "Kernel state")).toContain("completion member_comp = done = 0 (a wait blocks)");
      expect((await dap.tops()).join(" | ")).toMatch(/STOP .*\(waiting on wait_for_completion member_comp\)/);
    });

    it("an SRCU section (kvm/xen): the reader inside it, lockdep's read of the domain, and the synchronize waiting for it", async () => {
      await dap.launch({ program: sample("kvm-xen-srcu-under-kvm-lock-a79b53aaaab5"), finding: 0, stopOnEntry: false });
      expect(await dap.variables(1, "Kernel state")).toEqual(["srcu kvm_srcu = read sections open: VCPU; VMM in synchronize, waiting for VCPU"]);
      expect(await dap.variables(await threadId("VCPU"), "Locks held by VCPU")).toEqual(["kvm_srcu = read-held (lockdep's pseudo-lock)"]);
      expect((await dap.tops()).join(" | ")).toMatch(/VMM .*\(blocked on kvm_srcu\)/);
    });

    it("a kernfs node (the v9 sample, on the kernel library): the sysfs block's active reference, then the node removed by kernfs_remove_self, which takes its reference back", async () => {
      await dap.launch({ program: sample("v9-remove-vs-unbind"), finding: 0 });
      await dap.request("next", { threadId: 1 });
      expect(await dap.variables(1, "Locks held by CPU0")).toEqual(["kn->active#remove_attr[pf] = read-held (lockdep's pseudo-lock)"]);
      expect(await dap.variables(1, "Kernel state")).toEqual(["kernfs dev_attrs[pf] = active, no active reference", "kernfs remove_attr[pf] = active; active references: CPU0"]);
      await dap.request("next", { threadId: 1 });
      expect(await dap.variables(1, "Kernel state")).toContain("kernfs remove_attr[pf] = removed; active references: CPU0");
    });

    it("interrupt state (omapdrm): the inner unlock_irq turns hardirqs on with event_lock held; then the handler on top", async () => {
      await dap.launch({ program: sample("omapdrm-vblank-event-lock-7fd5b25499bc"), finding: 0 });
      expect(await dap.variables(1, "Kernel state")).toEqual(["interrupts CPU0 = hardirqs on, softirqs on"]);
      await forwardTo(4);
      expect(await dap.variables(1, "Kernel state")).toEqual(["interrupts CPU0 = hardirqs off, softirqs off; 2 local_irq_disable not yet enabled"]);
      await forwardTo(5);
      expect(await dap.variables(1, "Kernel state")).toEqual(["interrupts CPU0 = hardirqs on, softirqs on; 1 local_irq_disable not yet enabled"]);
      await dap.request("next", { threadId: 1 });
      expect(await dap.variables(1, "Kernel state")).toEqual([
        "interrupts CPU0 = hardirqs on, softirqs on; 1 local_irq_disable not yet enabled; interrupted by vblank",
        "interrupts vblank = in hardirq context on CPU0; hardirqs off, softirqs off",
      ]);
    });

    it("has no kernel-state scope where the scenario has none of these", async () => {
      await dap.launch({ finding: 0 });
      const st = await dap.request<DebugProtocol.StackTraceResponse>("stackTrace", { threadId: 1 });
      const scopes = await dap.request<DebugProtocol.ScopesResponse>("scopes", { frameId: st.body.stackFrames[0]!.id });
      expect(scopes.body.scopes.map((s) => s.name)).toEqual(["Locks held by CPU0", "Locals of CPU0", "Shared variables", "All locks", "Trace"]);
    });
  });

  describe("a scenario on the kernel library (§11): frames in imported code at their own file and line", () => {
    const program = join(samplesDir, "v9-remove-vs-unbind.race");
    const sample = read(program);
    const library = read(join(samplesDir, "..", "library", "linux", "pci-reentrant.race"));
    const libLine = (needle: string): number => library.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const scenarioLine = (needle: string): number => sample.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const frames = async (threadId: number): Promise<string[]> =>
      (await dap.request<DebugProtocol.StackTraceResponse>("stackTrace", { threadId })).body.stackFrames.map((f) => `${f.name} @ ${f.source!.name}:${f.line}${f.source!.sourceReference ? " (ref)" : ""}`);

    it("shows CPU0's frames in linux/pci-reentrant, read-only through a source reference, then the scenario's call", async () => {
      await dap.launch({ program, finding: 0 });
      await dap.request("next", { threadId: 1 });
      await dap.request("next", { threadId: 1 });
      expect(await frames(1)).toEqual([
        `pci_lock_rescan_remove(): lock pci_rescan_remove_lock @ linux/pci-reentrant.race:${libLine("  lock pci_rescan_remove_lock")} (ref)`,
        `pci_stop_and_remove_bus_device_locked(pf, pf_drv) @ linux/pci-reentrant.race:${libLine("  pci_lock_rescan_remove()")} (ref)`,
        `remove_store_v9(pf, pf_drv) @ linux/pci-reentrant.race:${libLine("      pci_stop_and_remove_bus_device_locked(d, drv)")} (ref)`,
        `CPU0 @ v9-remove-vs-unbind.race:${scenarioLine("{ remove_store_v9(pf, pf_drv) }")}`,
      ]);
      const top = (await dap.request<DebugProtocol.StackTraceResponse>("stackTrace", { threadId: 1 })).body.stackFrames[0]!;
      const src = await dap.request<DebugProtocol.SourceResponse>("source", { source: top.source, sourceReference: top.source!.sourceReference });
      expect(src.body.content).toBe(library);
    });

    it("holds at a breakpoint on a line of the library, and on the scenario's line of a call into it", async () => {
      await dap.launch({ program, finding: 0 });
      const top = (await dap.request<DebugProtocol.StackTraceResponse>("stackTrace", { threadId: 1 })).body.stackFrames[0]!;
      const set = await dap.request<DebugProtocol.SetBreakpointsResponse>("setBreakpoints", { source: top.source, breakpoints: [{ line: libLine("  lock pci_rescan_remove_lock") }, { line: 1 }] });
      expect(set.body.breakpoints.map((b) => b.verified)).toEqual([true, false]);
      await dap.request("continue", { threadId: 1 });
      expect(dap.lastStop().body.reason).toBe("breakpoint");
      expect(await dap.variables(1, "Trace")).toContain("next step = CPU0: lock pci_rescan_remove_lock");
      // The scenario's breakpoints are kept apart: one on CPU1's call line holds at CPU1's first step.
      await dap.request("setBreakpoints", { source: { path: program }, breakpoints: [{ line: scenarioLine("{ unbind_store(pf, pf_drv) }") }] });
      await dap.request("continue", { threadId: 1 });
      expect(await dap.variables(1, "Trace")).toContain("next step = CPU1: lock device_lock[pf]");
    });
  });
});
