// `race check` and `race export` on scenarios with imports (race-language.md
// §11), through the built CLI: imports found beside the file and in the
// kernel library, imported files named by their paths relative to the
// current directory (absolute outside it), in text, JSON and SARIF.

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { read, root } from "../helpers";

/** The 1-based line of a library file on which `needle` first stands. */
function lineIn(file: string, needle: string): number {
  return read(join(root, "library", "linux", file)).split("\n").findIndex((l) => l.includes(needle)) + 1;
}

function race(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "dist", "cli.js"), ...args], { encoding: "utf8", cwd: root });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("race check with imports", () => {
  it("reports a deadlock in library code with the library's paths, and the trace's steps by file and line", () => {
    const r = race("check", "samples/v9-remove-vs-unbind.race");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`  device_lock[pf], at library/linux/driver-core.race:${lineIn("driver-core.race", "lock device_lock[d]")}:3\n`);
    expect(r.stdout).toContain(`  pci_rescan_remove_lock, at library/linux/pci-reentrant.race:${lineIn("pci-reentrant.race", "lock pci_rescan_remove_lock")}:3\n`);
    const sysfs = lineIn("pci-reentrant.race", "sysfs remove_attr[d]");
    expect(r.stdout).toContain(`\n  pci-reentrant.race:${sysfs}  sysfs remove_attr[pf] → active reference taken\n`);
    // Call stacks: the library's frames by path, the scenario's own by its name as given.
    expect(r.stdout).toMatch(/^ {2}remove_store_v9\(pf, pf_drv\) +samples\/v9-remove-vs-unbind\.race:19:/m);
    expect(r.stdout).toMatch(/✓ samples\/v9-remove-vs-unbind\.race \(v9: remove_store vs unbind_store \(AB-BA\)\): deadlock · expect deadlock: met/);
  });

  it("names the file of each place in JSON and SARIF", () => {
    const json = JSON.parse(race("check", "--json", "samples/v9-remove-vs-unbind.race").stdout) as { files: { problems: { kind: string; file?: string; trace?: { file?: string; action: string }[] }[] }[] };
    const deadlock = json.files[0]!.problems.find((p) => p.kind === "deadlock")!;
    expect(deadlock.file).toBe("library/linux/driver-core.race");
    expect(deadlock.trace!.map((s) => s.file)).toEqual(["library/linux/pci-reentrant.race", "library/linux/pci-reentrant.race", "library/linux/pci-reentrant.race", "library/linux/driver-core.race", "library/linux/driver-core.race"]);
    const sarif = JSON.parse(race("check", "--sarif", "samples/v9-remove-vs-unbind.race").stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[]; codeFlows?: { threadFlows: { locations: { location: { physicalLocation: { artifactLocation: { uri: string } } } }[] }[] }[] }[] }[] };
    const result = sarif.runs[0]!.results.find((x) => x.ruleId === "RACE100")!;
    // The result at the scenario's own call; the steps of its flow where their code is.
    expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toBe("samples/v9-remove-vs-unbind.race");
    const uris = result.codeFlows![0]!.threadFlows.flatMap((t) => t.locations.map((l) => l.location.physicalLocation.artifactLocation.uri));
    expect(new Set(uris)).toEqual(new Set(["library/linux/pci-reentrant.race", "library/linux/driver-core.race"]));
  });

  it("finds a file beside the scenario, and names it by its absolute path outside the current directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-cli-imports-"));
    writeFileSync(join(dir, "locks.race"), "mutex a\nmutex b\nfn ab() { lock a; lock b; unlock b; unlock a }\n");
    writeFileSync(join(dir, "main.race"), 'import "locks.race"\ncpu C0 { ab() }\ncpu C1 { lock b; lock a; unlock a; unlock b }\nexpect deadlock\n');
    const r = race("check", join(dir, "main.race"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`  b, at ${join(dir, "locks.race")}:3:`);
  });

  it("says at the import what is wrong in an imported file, and exits 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-cli-imports-"));
    writeFileSync(join(dir, "broken.race"), "fn f() { lock nosuch }\n");
    writeFileSync(join(dir, "main.race"), 'import "broken.race"\nimport "missing.race"\ncpu C { f() }\n');
    const r = race("check", join(dir, "main.race"));
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${join(dir, "main.race")}:1:8: error RACE084: In broken.race:1:15: Unknown lock 'nosuch'`);
    expect(r.stdout).toContain(`${join(dir, "main.race")}:2:8: error RACE080: Cannot import 'missing.race': there is no such file`);
  });

  it("takes a file of the library for what it is: declarations, exit 0", () => {
    const r = race("check", "library/linux/pci.race");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("✓ library/linux/pci.race: declarations only · nothing runs here; scenarios import it\n");
  });
});

describe("race export --promela with imports", () => {
  it("flattens the scenario and everything it imports into one model", () => {
    const r = race("export", "--promela", "samples/v9-remove-vs-unbind.race");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(" * locks: 0 = device_lock[pf] (mutex), 1 = pci_rescan_remove_lock (recursive mutex)");
    expect(r.stdout).toMatch(/proctype CPU0\(\)/);
  });
});
