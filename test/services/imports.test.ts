// What shows only the scenario's own text (race-language.md §11): the
// guided simulation, trace files and their replay, on a sample written on
// the kernel library. A statement of an imported file is shown at the
// scenario's call on the way to it, never at an offset of another file
// read as one of the scenario's.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
    // Each also says where the statement is in the library, which the view shows beside the scenario's line.
    for (const o of v.options) {
      const [, lib, line] = /^linux\/([\w-]+):(\d+):\d+$/.exec(o.at ?? "") ?? [];
      const library = read(join(samplesDir, "..", "library", "linux", `${lib}.race`)).split("\n");
      // The library's own line, with its own parameter names (`remove_attr[d]` where the scenario passes pf).
      expect(library[Number(line) - 1], o.label).toContain(o.label.replace(/\[pf\]/g, "[d]"));
    }
    // Into the driver's .remove(): the scenario's own code again, its own line.
    sim.take(1, 0);
    sim.take(1, 0);
    expect(sim.view().options.find((o) => o.cpuName === "CPU1")!.range.start.line).toBe(lineOf("remove(d) { pci_disable_sriov(d) }"));
    expect(sim.jumpToFinding(0)).toBe(true);
    for (const h of sim.view().history) expect(h.range.start.line).toBeLessThan(text.split("\n").length);
    expect(new Set(sim.view().history.map((h) => h.at?.replace(/:\d+:\d+$/, "") ?? "scenario"))).toEqual(new Set(["linux/pci-reentrant", "linux/driver-core"]));
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

describe("a trace file remembers the files the scenario imports", () => {
  it("names each import with its hash; replay says which imported file changed, and stops where a step no longer applies", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-imports-"));
    const scenario = join(dir, "main.race");
    const lib = join(dir, "common.race");
    const trace = join(dir, "trace.json");
    writeFileSync(lib, "mutex a\nmutex b\nfn ab() { lock a; lock b; unlock b; unlock a }\n");
    writeFileSync(scenario, 'import "common.race"\ncpu C0 { ab() }\ncpu C1 { lock b; lock a; unlock a; unlock b }\n');
    expect(runCli(["check", "--trace-out", trace, scenario]).code).toBe(1);
    const file = parseTraceFile(readFileSync(trace, "utf8"));
    if ("error" in file) throw new Error(file.error);
    expect(file.scenario.imports?.map((f) => f.name)).toEqual(["common.race"]);
    expect(runCli(["replay", scenario, "--trace", trace]).stdout).not.toContain("note:");

    // A comment added to the imported file: every step still applies, and the note names that file.
    writeFileSync(lib, "// ab takes a then b\n" + readFileSync(lib, "utf8"));
    const again = runCli(["replay", scenario, "--trace", trace]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`note: common.race changed since ${trace} was written; every step still applies`);

    // The imported function changed: the step that no longer applies is named, and so is the file.
    writeFileSync(lib, "mutex a\nmutex b\nfn ab() { lock b; lock a; unlock a; unlock b }\n");
    const stale = runCli(["replay", scenario, "--trace", trace]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/common\.race changed since the trace was written, and step \d no longer applies/);
  });
});
