// The editor's exploration features over the real protocol, as an editor
// uses them: guided simulation (race/simulate/*) and its trace files.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeLens } from "vscode-languageserver-protocol";
import type { SimulatePayload } from "../../server/src/lsp/simulate";
import type { TestPayload } from "../../server/src/lsp/tests";
import type { TraceFile } from "../../server/src/traceFile";
import { handDir, read, samplesDir } from "../helpers";
import { LspClient, positionOf } from "./lspClient";

const v9 = read(join(handDir, "v9-remove-vs-unbind.race"));
const v11 = read(join(handDir, "v11-kill-device.race"));
const bindAfterKill = read(join(handDir, "v11-bind-after-kill.race"));

describe("exploring interleavings over the protocol", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient();
    await client.initialize();
    await client.open("file:///v9.race", v9);
    await client.open("file:///v11.race", v11);
    await client.engineDiagnostics("file:///v9.race", 1);
    await client.engineDiagnostics("file:///v11.race", 1);
  });
  afterAll(async () => client.close());

  it("offers ▷ Simulate as a code lens", async () => {
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: "file:///v11.race" } });
    const sim = lenses.find((l) => l.command!.command === "race.simulate")!;
    expect(sim.command!.title).toBe("▷ Simulate");
    expect(sim.command!.arguments).toEqual(["file:///v11.race"]);
  });

  it("simulates v11 step by step until bind sees the device dead, and steps back", async () => {
    let p = await client.request<SimulatePayload>("race/simulate/start", { uri: "file:///v11.race" });
    const step = async (cpu: string, label: string): Promise<SimulatePayload> => {
      const o = p.view.options.find((x) => x.cpuName === cpu && x.label.startsWith(label))!;
      expect(o, `${cpu}: ${label}`).toBeDefined();
      p = await client.request<SimulatePayload>("race/simulate/step", { session: p.session, cpu: o.cpu, choice: o.choice });
      return p;
    };
    await step("CPU0", "lock device_lock[pf]");
    await step("CPU0", "dead[pf] = true");
    await step("CPU0", "unlock device_lock[pf]");
    await step("CPU1", "lock device_lock[pf]");
    await step("CPU1", "if !dead[pf]");
    expect(p.view.history.map((h) => `${h.cpu}: ${h.action}`).at(-1)).toBe("CPU1: if !dead[pf] && !bound[pf] → false");
    expect(p.view.vars).toContainEqual({ name: "dead[pf]", type: "bool", value: true });
    expect(p.view.cpus[1]!.statement).toEqual({ text: "unlock device_lock[pf]", range: { start: { line: 48, character: 2 }, end: { line: 48, character: 23 } } });
    p = await client.request<SimulatePayload>("race/simulate/back", { session: p.session });
    expect(p.view.steps).toBe(4);
    // A step that is not offered is refused with a sentence.
    await expect(client.request("race/simulate/step", { session: p.session, cpu: 2, choice: 0 })).rejects.toThrow("CPU2 cannot take that step here");
  });

  it("jumps to the reported v9 deadlock, warns on the way in, and saves a trace file", async () => {
    let p = await client.request<SimulatePayload>("race/simulate/start", { uri: "file:///v9.race" });
    expect(p.view.findings.map((f) => f.kind)).toEqual(["deadlock"]);
    p = await client.request<SimulatePayload>("race/simulate/step", { session: p.session, cpu: 0, choice: 0 });
    expect(p.view.options.find((o) => o.cpuName === "CPU1")!.warning).toMatch(/^leads into a state where CPU0 and CPU1 can never finish \(finding 1: Deadlock/);
    p = await client.request<SimulatePayload>("race/simulate/jump", { session: p.session, finding: 0 });
    expect(p.view.steps).toBe(3);
    expect(p.view.problems.map((x) => x.finding)).toEqual([0]);
    const file = await client.request<TraceFile>("race/simulate/traceFile", { session: p.session, file: "v9.race" });
    expect(file).toMatchObject({ format: "race-trace", version: 1, scenario: { file: "v9.race", title: "v9: remove_store vs unbind_store (AB-BA)" } });
    expect(file.steps[0]).toEqual({ cpu: "CPU0", statement: "lock rescan_remove", action: "lock rescan_remove", range: { start: { line: 32, character: 2 }, end: { line: 32, character: 20 } } });
  });

  it("offers ↺ Debug trace per finding and answers race/traceFile with the finding's trace", async () => {
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: "file:///v9.race" } });
    expect(lenses.find((l) => l.command!.command === "race.debugTrace")!.command!.arguments).toEqual(["file:///v9.race", 0]);
    const file = await client.request<TraceFile>("race/traceFile", { uri: "file:///v9.race", index: 0 });
    expect(file.finding).toMatchObject({ kind: "deadlock", message: expect.stringMatching(/^Deadlock: CPU0 waits for device_lock\[pf\]/) });
    expect(file.steps.map((s) => `${s.cpu}: ${s.action}`)).toEqual(["CPU0: lock rescan_remove", "CPU1: lock device_lock[pf]", "CPU1: if bound[pf] → true"]);
    expect(await client.request("race/traceFile", { uri: "file:///v9.race", index: 5 })).toBeNull();
  });

  it("fades the statements no interleaving reaches, with an information diagnostic", async () => {
    const uri = "file:///bind-after-kill.race";
    await client.open(uri, bindAfterKill);
    const p = await client.engineDiagnostics(uri, 1);
    const faded = p.diagnostics.filter((d) => d.code === "RACE150");
    expect(faded.map((d) => [d.range.start.line + 1, d.severity, d.tags, d.message])).toEqual([
      [15, 3, [1], "Never reached in any interleaving."], // probe(d) { sriov_add_vfs(d) }
      [20, 3, [1], "Never reached in any interleaving."],
      [21, 3, [1], "Never reached in any interleaving."],
      [47, 3, [1], "Never reached in any interleaving."], // pf_drv.probe(d)
      [48, 3, [1], "Never reached in any interleaving."],
    ]);
    // v11 proper reaches everything: nothing fades.
    expect((await client.engineDiagnostics("file:///v11.race", 1)).diagnostics.filter((d) => d.code === "RACE150")).toEqual([]);
  });

  it("runs a scenario as a test (race/test): passed, or failed with the place to look", async () => {
    const passed = await client.request<TestPayload>("race/test", { uri: "file:///v9.race", text: v9 });
    expect(passed).toMatchObject({ status: "passed", verdict: "deadlock", expectation: "deadlock", summary: "deadlock · expect deadlock: met · 6 states" });
    expect(passed.range).toBeUndefined();
    const unmet = v9.replace("expect deadlock", "expect safe");
    const failed = await client.request<TestPayload>("race/test", { uri: "file:///v9-safe.race", text: unmet });
    expect(failed.status).toBe("failed");
    expect(failed.message).toMatch(/^Deadlock: CPU0 waits for device_lock\[pf\].* \(3 steps\)$/);
    expect(failed.range!.start).toEqual(positionOf(unmet, "lock device_lock[d]"));
    const claims = await client.request<TestPayload>("race/test", { uri: "file:///claims.race", text: "mutex A\ncpu C0 { lock A; unlock A }\nexpect deadlock\n" });
    expect(claims).toMatchObject({ status: "failed", range: { start: { line: 2, character: 0 } } });
    const broken = await client.request<TestPayload>("race/test", { uri: "file:///broken.race", text: "cpu C0 { lock nosuch }\nexpect safe\n" });
    expect(broken).toMatchObject({ status: "errored", message: expect.stringMatching(/^RACE010: /) });
  });

  it("simulates a work item's deadlock (§9) with the kernel state and lockdep's pseudo-locks in the view", async () => {
    const path = join(samplesDir, "p2sb-rescan-flush-work-5913320eb0b3.race");
    const uri = `file://${path}`;
    await client.open(uri, read(path));
    await client.engineDiagnostics(uri, 1);
    let p = await client.request<SimulatePayload>("race/simulate/start", { uri });
    expect(p.view.objects).toEqual([
      { kind: "work", name: "wfc", state: "idle" },
      { kind: "workqueue", name: "events", state: "no work pending or running" },
    ]);
    p = await client.request<SimulatePayload>("race/simulate/jump", { session: p.session, finding: 0 });
    expect(p.view.objects.map((o) => `${o.kind} ${o.name}: ${o.state}`)).toEqual(["work wfc: running", "workqueue events: wfc running"]);
    expect(p.view.cpus.map((c) => `${c.name} ${c.state} on ${c.waitsFor} holding ${c.holds.map((h) => h.lock).join(", ")}`)).toEqual([
      "CPU0 blocked on (work_completion)(&wfc) holding pci_rescan_remove_lock",
      "wfc blocked on pci_rescan_remove_lock holding (wq_completion)events, (work_completion)(&wfc)",
    ]);
  });

  it("ends a simulation when its document changes", async () => {
    const p = await client.request<SimulatePayload>("race/simulate/start", { uri: "file:///v9.race" });
    await client.change("file:///v9.race", v9 + "\n", 2);
    await expect(client.request("race/simulate/step", { session: p.session, cpu: 0, choice: 0 })).rejects.toThrow("The scenario changed since this simulation started");
  });
});
