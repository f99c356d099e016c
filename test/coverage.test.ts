// Coverage and vacuity: which statements no interleaving reaches, the
// warning on an `expect safe` whose assert is never reached, "not known"
// after an early stop, and the reduced search's coverage equal to the full
// one's on every sample and on a slice of the differential corpus.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Analysis } from "../server/src/analysis";
import { LineIndex } from "../server/src/language/span";
import { generateScenario } from "./differential/generate";
import { handDir, listRace, read, run, samplesDir } from "./helpers";

function unreached(a: Analysis): string[] {
  const lines = new LineIndex(a.frontEnd.text);
  return (a.coverage?.unreached ?? []).map((u) => `${lines.position(u.span.start).line + 1}: ${u.text}`);
}

describe("coverage", () => {
  it("finds the probe path a dead device never takes (v11-bind-after-kill)", () => {
    const a = run(read(join(samplesDir, "v11-bind-after-kill.race")));
    expect(a.verdict).toBe("safe");
    expect(a.coverage!.known).toBe(true);
    // The driver's .probe() body; the library's probe path (linux/driver-core) is not this scenario's claim.
    expect(unreached(a)).toEqual(["13: call pci_enable_sriov(pf, 2)"]);
    // Its assert is reached: the claim is not vacuous.
    expect(a.diagnostics.map((d) => d.code)).not.toContain("RACE151");
  });

  it("finds the same in the scenario written by hand, every path of its own", () => {
    const a = run(read(join(handDir, "v11-bind-after-kill.race")));
    expect(unreached(a)).toEqual(["15: call sriov_add_vfs(pf)", "20: lock rescan_remove", "21: unlock rescan_remove", "47: call pf_drv.probe(pf)", "48: bound[pf] = true"]);
  });

  it("counts only the scenario's own statements when it imports: a library assert never reached is not a vacuous claim", () => {
    // linux/driver-core's kill_device() asserts the device lock; device_del() calls it, on a path no interleaving takes.
    const a = run('import "linux/driver-core"\nobject pf\nvar never = false\ndriver drv { remove(d) { } }\ncpu C { if never { device_del(pf, drv) } }\nexpect safe\n');
    expect(a.met).toBe(true);
    expect(a.coverage!.statements).toBe(2);
    expect(unreached(a)).toEqual(["5: call device_del(pf, drv)"]);
    expect(a.diagnostics.map((d) => d.code)).not.toContain("RACE151");
  });

  it("reaches every statement of v11-kill-device, where a bind may come first", () => {
    expect(unreached(run(read(join(samplesDir, "v11-kill-device.race"))))).toEqual([]);
  });

  it("warns that `expect safe` is vacuous about an assert no interleaving reaches", () => {
    const text = `var armed = false\nvar n = 0\ncpu C0 { n = 1 }\ncpu C1 {\n  if armed {\n    assert n == 0 "never checked"\n  }\n}\nexpect safe\n`;
    const a = run(text);
    expect(a.met).toBe(true);
    const w = a.diagnostics.filter((d) => d.code === "RACE151");
    expect(w.map((d) => [d.severity, text.slice(d.span.start, d.span.end)])).toEqual([["warning", 'assert n == 0 "never checked"']]);
    expect(w[0]!.message).toBe("This assert is never reached in any interleaving, so 'expect safe' claims nothing about it (vacuous).");
    // The same assert under `expect violation` is an unmet expectation, not a vacuity warning.
    expect(run(text.replace("expect safe", "expect violation")).diagnostics.map((d) => d.code)).not.toContain("RACE151");
  });

  it("is not known when the search stopped early, and then claims nothing", () => {
    const text = `var armed = false\ncpu C0 { if armed { assert false } }\ncpu C1 { armed = false }\nexpect safe\n`;
    const a = run(text, { maxStates: 1 });
    expect(a.report!.stats.complete).toBe(false);
    expect(a.coverage).toMatchObject({ known: false, unreached: [] });
    expect(a.diagnostics.map((d) => d.code)).not.toContain("RACE151");
  });

  const same = (text: string): void => {
    const full = run(text, { reduce: false, maxStates: 3_000_000 });
    const reduced = run(text, { maxStates: 3_000_000 });
    expect(full.report!.stats.complete && reduced.report!.stats.complete).toBe(true);
    expect(reduced.coverage).toEqual(full.coverage);
  };

  describe("reduced search reaches exactly what the full one reaches", () => {
    for (const file of listRace(samplesDir)) it(file, () => same(read(join(samplesDir, file))));
    it("on 40 corpus seeds", () => {
      let withUnreached = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const text = generateScenario(seed);
        same(text);
        if (run(text).coverage!.unreached.length > 0) withUnreached++;
      }
      // The comparison means something only if some seeds have unreached code.
      expect(withUnreached).toBeGreaterThan(0);
    });
  });
});
