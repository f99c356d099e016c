// Guided simulation over the engine's step semantics: the v11 sample driven
// by hand to the point where bind sees the device dead, warnings on steps
// into the v9 deadlock, jumping to a finding, stepping back, and the walked
// schedule saved as a trace file that replays.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../server/src/analysis";
import { LineIndex } from "../../server/src/language/span";
import { Simulation, SimulationError } from "../../server/src/services/simulation";
import { parseTraceFile, replayTraceFile } from "../../server/src/traceFile";
import { handDir, read } from "../helpers";

function simulate(file: string): { sim: Simulation; text: string } {
  const text = read(join(handDir, file));
  const a = analyze(text);
  const sim = new Simulation(text, a.model!, new LineIndex(text), a.report!.problems);
  return { sim, text };
}

/** Takes the offered step of `cpu` whose label starts with `label`. */
function take(sim: Simulation, cpu: string, label: string): void {
  const o = sim.view().options.find((x) => x.cpuName === cpu && x.label.startsWith(label));
  if (!o) throw new Error(`${cpu} offers no '${label}': ${sim.view().options.map((x) => `${x.cpuName}: ${x.label}`).join(" | ")}`);
  sim.take(o.cpu, o.choice);
}

describe("guided simulation", () => {
  it("starts in the initial state with every CPU's first statement offered", () => {
    const { sim } = simulate("v11-kill-device.race");
    const v = sim.view();
    expect(v.steps).toBe(0);
    expect(v.options.map((o) => `${o.cpuName}: ${o.label}`)).toEqual(["CPU0: lock device_lock[pf]", "CPU1: lock device_lock[pf]", "CPU2: lock device_lock[pf]"]);
    expect(v.vars).toEqual([
      { name: "bound[pf]", type: "bool", value: true },
      { name: "dead[pf]", type: "bool", value: false },
    ]);
    expect(v.cpus[0]!.stack.map((f) => f.fn)).toEqual(["remove_store(pf)", "kill_device(pf)"]);
    expect(v.outlook).toBe("From here no interleaving runs into a further problem.");
  });

  it("drives v11 by hand until bind sees the device dead, with locks and variables", () => {
    const { sim } = simulate("v11-kill-device.race");
    take(sim, "CPU0", "lock device_lock[pf]");
    let v = sim.view();
    expect(v.locks.find((l) => l.name === "device_lock[pf]")!.holders).toEqual([{ cpu: "CPU0", lock: "device_lock[pf]", mode: "exclusive", depth: 1 }]);
    expect(v.cpus.map((c) => c.state)).toEqual(["ready", "blocked", "blocked"]);
    expect(v.cpus[1]!.waitsFor).toBe("device_lock[pf]");
    expect(v.options.map((o) => o.cpuName)).toEqual(["CPU0"]);
    take(sim, "CPU0", "dead[pf] = true");
    take(sim, "CPU0", "unlock device_lock[pf]");
    take(sim, "CPU1", "lock device_lock[pf]");
    take(sim, "CPU1", "if !dead[pf] && !bound[pf]");
    v = sim.view();
    expect(v.history.at(-1)!.action).toBe("if !dead[pf] && !bound[pf] → false");
    expect(v.vars.find((x) => x.name === "dead[pf]")!.value).toBe(true);
    expect(v.cpus[1]!.statement!.text).toBe("unlock device_lock[pf]"); // the probe is skipped
    expect(() => sim.take(2, 0)).toThrow(SimulationError); // CPU2 is blocked on the device lock
    expect(sim.back()).toBe(true);
    expect(sim.view().cpus[1]!.statement!.text).toBe("if !dead[pf] && !bound[pf]");
  });

  it("warns on the step that closes the v9 deadlock and names the finding", () => {
    const { sim } = simulate("v9-remove-vs-unbind.race");
    take(sim, "CPU0", "lock rescan_remove");
    const v = sim.view();
    const lockDev = v.options.find((o) => o.cpuName === "CPU1")!;
    // Past this step CPU0 and CPU1 can never finish (§8): the deadlock is certain.
    expect(lockDev.warning).toMatch(/^leads into a state where CPU0 and CPU1 can never finish \(finding 1: Deadlock/);
    expect(lockDev.findings).toEqual([0]);
    expect(v.outlook).toMatch(/^From here some interleavings still run into: finding 1: Deadlock/);
    take(sim, "CPU1", "lock device_lock[pf]");
    const last = sim.view().options.find((o) => o.cpuName === "CPU1")!;
    expect(last.label).toBe("if bound[pf]");
    expect(last.warning).toMatch(/^leads into finding 1: Deadlock: CPU0 waits for device_lock\[pf\]/);
    take(sim, "CPU1", "if bound[pf]");
    const end = sim.view();
    expect(end.problems).toEqual([{ text: expect.stringMatching(/^finding 1: Deadlock/), finding: 0 }]);
    expect(end.options).toEqual([]);
  });

  it("jumps to a reported finding and saves the schedule as a trace file that replays", () => {
    const { sim, text } = simulate("v9-remove-vs-unbind.race");
    expect(sim.jumpToFinding(0)).toBe(true);
    expect(sim.view().steps).toBe(3);
    const file = parseTraceFile(JSON.stringify(sim.traceFile("v9-remove-vs-unbind.race")));
    if ("error" in file) throw new Error(file.error);
    expect(file.steps.map((s) => `${s.cpu} ${s.statement}`)).toEqual(["CPU0 lock rescan_remove", "CPU1 lock device_lock[pf]", "CPU1 if bound[pf]"]);
    const replay = replayTraceFile(text, file);
    expect(replay.ok && replay.changed).toBe(false);
  });

  it("offers each either branch as its own step, and replays a finding through the right branch", () => {
    const text = `mutex A\nvar x = 0\ncpu C0 {\n  either "fast" { x = 1 } or { lock A; x = 2; unlock A }\n}\ncpu C1 { assert x != 2 "never two" }\nexpect violation\n`;
    const a = analyze(text);
    const sim = new Simulation(text, a.model!, new LineIndex(text), a.report!.problems);
    expect(sim.view().options.map((o) => `${o.cpuName}: ${o.label}`)).toEqual(['C0: either → "fast": x = 1', "C0: either → branch 2 of 2 (line 4): lock A", "C1: assert x != 2"]);
    take(sim, "C0", "either → branch 2 of 2");
    expect(sim.view().cpus[0]!.statement!.text).toBe("lock A");
    take(sim, "C0", "lock A");
    take(sim, "C0", "x = 2");
    expect(sim.view().options.find((o) => o.cpuName === "C1")!.warning).toMatch(/^leads into finding 1: Assertion failed on C1: "never two"/);
    // The reported trace names no branch: the replay finds the one that leads there.
    sim.reset();
    expect(sim.jumpToFinding(0)).toBe(true);
    expect(sim.schedule).toEqual([
      { cpu: 0, choice: 1 },
      { cpu: 0, choice: 0 },
      { cpu: 0, choice: 0 },
      { cpu: 1, choice: 0 },
    ]);
    const file = sim.traceFile();
    expect(file.steps.map((s) => [s.statement, s.choice])).toEqual([
      ["either", 1],
      ["lock A", undefined],
      ["x = 2", undefined],
      ["assert x != 2", undefined],
    ]);
    const replay = replayTraceFile(text, file);
    expect(replay.ok && replay.trace.map((t) => t.action)).toEqual(["either → branch 2 of 2", "lock A", "x = 2", "assert x != 2 → FAILED"]);
  });

  it("warns when a step leaves a CPU that can never finish, before anything is blocked for good", () => {
    const text = `var ready = false\nvar n = 0\ncpu C0 { either "ready" { ready = true } or "forget" { n = 1 } }\ncpu C1 { wait until ready }\nexpect deadlock\n`;
    const a = analyze(text);
    const sim = new Simulation(text, a.model!, new LineIndex(text), a.report!.problems);
    const forget = sim.view().options.find((o) => o.label.startsWith('either → "forget"'))!;
    expect(forget.warning).toMatch(/^leads into a state where C1 can never finish \(finding 1: Hang/);
    expect(sim.view().options.find((o) => o.label.startsWith('either → "ready"'))!.warning).toBeUndefined();
    sim.take(forget.cpu, forget.choice);
    expect(sim.view().outlook).toMatch(/^From here C1 can never finish/);
  });
});

describe("guided simulation with interrupt handlers (§10)", () => {
  function sim(text: string): Simulation {
    const a = analyze(text);
    return new Simulation(text, a.model!, new LineIndex(text), a.report!.problems);
  }
  const offered = (s: Simulation): string[] => s.view().options.map((o) => `${o.cpuName}: ${o.label}`);
  const states = (s: Simulation): string[] => s.view().cpus.map((c) => `${c.name} ${c.state}${c.waitsFor ? ` ${c.waitsFor}` : ""}`);

  it("offers a handler that can fire as '<Interrupt> H on CPU0', warns that it closes the deadlock, and shows CPU0 interrupted by it", () => {
    const s = sim("spinlock event_lock\nirq vblank on CPU0 { lock event_lock; unlock event_lock }\ncpu CPU0 { lock event_lock; unlock event_lock }\nexpect deadlock\n");
    expect(offered(s)).toEqual(["CPU0: lock event_lock", "vblank: <Interrupt> vblank on CPU0"]);
    expect(s.view().cpus.find((c) => c.name === "vblank")).toMatchObject({ on: "CPU0", context: "hardirq" });
    take(s, "CPU0", "lock event_lock");
    const fire = s.view().options.find((o) => o.cpuName === "vblank")!;
    expect(fire.warning).toMatch(/^leads into finding 1: Deadlock: CPU0 is interrupted by vblank and cannot go on until it returns/);
    take(s, "vblank", "<Interrupt> vblank");
    expect(states(s)).toEqual(["CPU0 interrupted vblank", "vblank blocked event_lock"]);
    expect(s.view().options).toEqual([]);
  });

  it("does not offer a hardirq while its CPU has hardirqs off; it shows as idle there", () => {
    const s = sim("var x = 0\nirq h on C { x = 2 }\ncpu C { local_irq_disable; x = 1; local_irq_enable }\n");
    take(s, "C", "local_irq_disable");
    expect(offered(s)).toEqual(["C: x = 1"]);
    expect(states(s)).toEqual(["C ready", "h idle"]);
    take(s, "C", "x = 1");
    take(s, "C", "local_irq_enable");
    expect(offered(s)).toEqual(["h: <Interrupt> h on C"]);
  });

  it("runs a handler to its end before its CPU goes on: the CPU is interrupted meanwhile, then ready again", () => {
    const s = sim("var x = 0\nirq h on C { x = 2; x = 3 }\ncpu C { x = 1 }\n");
    take(s, "h", "<Interrupt> h");
    expect(offered(s)).toEqual(["h: x = 2"]);
    expect(states(s)).toEqual(["C interrupted h", "h ready"]);
    take(s, "h", "x = 2");
    take(s, "h", "x = 3");
    expect(states(s)).toEqual(["C ready", "h finished"]);
    expect(offered(s)).toEqual(["C: x = 1"]);
  });

  it("shows a work item not queued as idle, and offers no step of it", () => {
    const s = sim("workqueue events\nvar x = 0\nwork w on events { x = 1 }\ncpu C { queue_work w }\n");
    expect(states(s)).toEqual(["C ready", "w idle"]);
    expect(offered(s)).toEqual(["C: queue_work w"]);
  });
});

describe("guided simulation: the kernel state and lockdep's pseudo-locks (§9)", () => {
  function sim(text: string): Simulation {
    const a = analyze(text);
    return new Simulation(text, a.model!, new LineIndex(text), a.report!.problems);
  }
  const objects = (s: Simulation): string[] => s.view().objects.map((o) => `${o.kind} ${o.name}: ${o.state}`);

  it("shows a work item pending, then running and holding its pseudo-locks, which a flush under the lock waits for", () => {
    const s = sim("mutex rtnl\nworkqueue events\nwork link on events { lock rtnl; unlock rtnl }\ncpu C { queue_work link; lock rtnl; flush_work link; unlock rtnl }\nexpect deadlock\n");
    expect(objects(s)).toEqual(["work link: idle", "workqueue events: no work pending or running"]);
    take(s, "C", "queue_work link");
    expect(objects(s)).toEqual(["work link: pending", "workqueue events: link pending"]);
    take(s, "link", "start link");
    const v = s.view();
    expect(objects(s)).toEqual(["work link: running", "workqueue events: link running"]);
    expect(v.cpus[1]!.holds).toEqual([
      { lock: "(wq_completion)events", mode: "exclusive", depth: 1, pseudo: true },
      { lock: "(work_completion)(&link)", mode: "exclusive", depth: 1, pseudo: true },
    ]);
    expect(v.locks.find((l) => l.name === "(work_completion)(&link)")).toMatchObject({ kind: "pseudo-lock", holders: [{ cpu: "link" }] });
    take(s, "C", "lock rtnl");
    take(s, "C", "flush_work link");
    expect(s.view().cpus.map((c) => `${c.name} ${c.state} ${c.waitsFor}`)).toEqual(["C blocked (work_completion)(&link)", "link blocked rtnl"]);
  });

  it("shows a completion's count, a kthread's life and a max_active queue's order", () => {
    const s = sim(
      "completion done\nworkqueue q max_active 1\nwork a on q { complete done }\nwork b on q { }\nkthread t \"poller\" { while !kthread_should_stop() { } }\ncpu C { kthread_run t; queue_work a; queue_work b; wait_for_completion done; kthread_stop t }\n",
    );
    expect(objects(s)).toEqual(["work a: idle", "work b: idle", "workqueue q: no work pending or running; max_active 1", "kthread t: not started (no kthread_run yet)", "completion done: done = 0 (a wait blocks)"]);
    take(s, "C", "kthread_run t");
    take(s, "C", "queue_work a");
    take(s, "C", "queue_work b");
    expect(objects(s)).toContain("workqueue q: a pending; b pending; max_active 1, queued in order: a, b");
    expect(objects(s)).toContain("kthread t: running");
    take(s, "a", "start a");
    take(s, "a", "complete done");
    expect(objects(s)).toContain("completion done: done = 1");
  });
});
