// What shows only the scenario's own text (race-language.md §11): the
// guided simulation, trace files and their replay, on a sample written on
// the kernel library. A statement of an imported file is shown at the
// scenario's call on the way to it, never at an offset of another file
// read as one of the scenario's.

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../server/src/analysis";
import { ScenarioLines } from "../../server/src/language/relocate";
import { LineIndex } from "../../server/src/language/span";
import { Simulation } from "../../server/src/services/simulation";
import { parseTraceFile, replayTraceFile } from "../../server/src/traceFile";
import { read, runCli, samplesDir } from "../helpers";

const path = join(samplesDir, "v9-remove-vs-unbind.race");
const text = read(path);
const lineOf = (needle: string): number => text.split("\n").findIndex((l) => l.includes(needle));

describe("the scenario's own lines, for a scenario on the kernel library", () => {
  it("simulates it with each CPU's next statement at its call in the scenario", () => {
    const a = analyze(text, { source: { path } });
    const sim = new Simulation(text, a.model!, new ScenarioLines(new LineIndex(text), a.frontEnd.program), a.report!.problems);
    const v = sim.view();
    expect(v.options.map((o) => [o.cpuName, o.label, o.range.start.line])).toEqual([
      ["CPU0", "sysfs remove_attr[pf]", lineOf("remove_store_v9(pf, pf_drv)")],
      ["CPU1", "lock device_lock[pf]", lineOf("unbind_store(pf, pf_drv)")],
    ]);
    // Into the driver's .remove(): the scenario's own code again, its own line.
    sim.take(1, 0);
    sim.take(1, 0);
    expect(sim.view().options.find((o) => o.cpuName === "CPU1")!.range.start.line).toBe(lineOf("remove(d) { pci_disable_sriov(d) }"));
    expect(sim.jumpToFinding(0)).toBe(true);
    for (const h of sim.view().history) expect(h.range.start.line).toBeLessThan(text.split("\n").length);
  });

  it("writes the finding's trace as a trace file with the scenario's lines, and replays it, naming the library's", () => {
    const trace = join(mkdtempSync(join(tmpdir(), "race-trace-")), "v9.json");
    expect(runCli(["check", "--trace-out", trace, "samples/v9-remove-vs-unbind.race"]).code).toBe(0);
    const file = parseTraceFile(readFileSync(trace, "utf8"));
    if ("error" in file) throw new Error(file.error);
    expect(file.steps.map((s) => [s.statement, s.range.start.line])).toEqual([
      ["sysfs remove_attr[pf]", lineOf("remove_store_v9")],
      ["kernfs_remove_self remove_attr[pf]", lineOf("remove_store_v9")],
      ["lock pci_rescan_remove_lock", lineOf("remove_store_v9")],
      ["lock device_lock[pf]", lineOf("unbind_store(pf")],
      ["if bound[pf]", lineOf("unbind_store(pf")],
    ]);
    expect(replayTraceFile(text, file, { path })).toMatchObject({ ok: true, changed: false });
    const r = runCli(["replay", "samples/v9-remove-vs-unbind.race", "--trace", trace]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {4}3 {2}library\/linux\/pci-reentrant\.race:\d+ {2}CPU0 {2}lock pci_rescan_remove_lock$/m);
    expect(r.stdout).toContain("The trace ends in deadlock");
  });
});
