// The CLI side of the editor's exploration features, as CI uses it:
// `race test` (JUnit XML, sharding, exit codes), `race check --coverage`,
// `--trace-out` and `race replay` (including a scenario that changed).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { handDir, listRace, read, root, samplesDir } from "../helpers";

const cli = join(root, "dist", "cli.js");

function race(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: root });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** A strict little XML reader: throws unless every element is closed in order and attributes are quoted. */
function parseXml(xml: string): XmlNode {
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, "");
  const root: XmlNode = { name: "#document", attrs: {}, children: [], text: "" };
  const stack = [root];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < body.length && (m = token.exec(body))) {
    at = token.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[5])) throw new Error(`bad entity in ${m[5]}`);
      top.text += m[5];
    } else if (m[1]) {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const a of m[3]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
      const node = { name: m[2]!, attrs, children: [], text: "" };
      top.children.push(node);
      if (!m[4]) stack.push(node);
    }
  }
  if (at !== body.length || stack.length !== 1 || root.children.length !== 1) throw new Error("not well-formed");
  return root.children[0]!;
}

function scratchDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "race-test-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("race test", () => {
  it("runs every sample as a test and writes JUnit XML that CI reads", () => {
    const out = join(mkdtempSync(join(tmpdir(), "race-junit-")), "out.xml");
    const r = race("test", "samples", "--junit", out);
    expect(r.code).toBe(0);
    const n = listRace(samplesDir).length;
    expect(r.stdout).toContain(`race test: ${n} of ${n} scenarios met their expectation`);
    // On the kernel library, found beside the sample as the CLI finds it.
    expect(r.stdout).toMatch(/^✓ samples\/v9-remove-vs-unbind.race: deadlock · expect deadlock: met · 9 states \(\d+ ms\)$/m);
    const doc = parseXml(readFileSync(out, "utf8"));
    expect(doc.name).toBe("testsuites");
    const suite = doc.children[0]!;
    expect(suite).toMatchObject({ name: "testsuite", attrs: { tests: String(n), failures: "0", errors: "0" } });
    expect(suite.children.map((c) => [c.name, c.attrs["classname"], c.attrs["name"]])).toEqual(listRace(samplesDir).map((f) => ["testcase", "samples", f]));
    expect(suite.children.every((c) => /^\d+\.\d{3}$/.test(c.attrs["time"]!))).toBe(true);
  });

  it("fails an unmet expectation with the finding's place, errors an invalid file, skips files without expect", () => {
    const dir = scratchDir({
      "abba.race": "mutex A\nmutex B\ncpu C0 { lock A; lock B; unlock B; unlock A }\ncpu C1 { lock B; lock A; unlock A; unlock B }\nexpect safe\n",
      "broken.race": "cpu C0 { lock nosuch }\nexpect safe\n",
      "sketch.race": "mutex A\ncpu C0 { lock A; unlock A }\n",
      "claims.race": "mutex A\ncpu C0 { lock A; unlock A }\nexpect deadlock\n",
    });
    const out = join(dir, "junit.xml");
    const r = race("test", dir, "--junit", out);
    expect(r.code).toBe(2); // an invalid scenario outranks failures
    expect(r.stdout).toContain("race test: 0 of 3 scenarios met their expectation (1 file without `expect` left out)\n");
    // Named on the command line, a file without expect says it is no test (found trying the product: "0 of 0", silently).
    const sketch = race("test", join(dir, "sketch.race"));
    expect(sketch.code).toBe(0);
    expect(sketch.stdout).toMatch(/^- .*sketch\.race: no `expect` line, so not a test/m);
    expect(sketch.stdout).toContain("race test: 0 of 0 scenarios met their expectation (1 file without `expect` left out)");
    const cases = parseXml(readFileSync(out, "utf8")).children[0]!.children;
    expect(cases.map((c) => [c.attrs["name"], c.children[0]!.name])).toEqual([
      ["abba.race", "failure"],
      ["broken.race", "error"],
      ["claims.race", "failure"],
    ]);
    expect(cases[0]!.children[0]!.text).toMatch(/abba\.race:3:18: Deadlock: C0 waits for B/);
    expect(cases[2]!.children[0]!.attrs["message"]).toMatch(/^Expected deadlock, but no deadlock or hang was found in any of the \d+ reachable states\.$/);
    expect(cases[2]!.children[0]!.text).toMatch(/claims\.race:3:1: /);
    expect(race("test", join(dir, "abba.race")).code).toBe(1);
    const missing = race("test", join(dir, "nosuch.race"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file or directory");
  });

  it("--shard K/N splits the files between jobs, each file in exactly one shard", () => {
    const ran = (k: number): string[] => [...race("test", "samples", "--shard", `${k}/3`).stdout.matchAll(/^✓ samples\/(\S+):/gm)].map((m) => m[1]!);
    const shards = [1, 2, 3].map(ran);
    expect(shards.flat().sort()).toEqual(listRace(samplesDir));
    expect(shards.every((s) => s.length > 0)).toBe(true);
    expect(race("test", "samples", "--shard", "4/3").code).toBe(2);
  });
});

describe("race check --coverage", () => {
  it("lists the statements no interleaving reaches", () => {
    const r = race("check", "--coverage", "samples/v11-bind-after-kill.race");
    expect(r.code).toBe(0);
    // The scenario's own statements: the kernel library's are not its claims (its .probe() path in
    // linux/driver-core is never reached either, and not listed).
    expect(r.stdout).toContain(
      [
        "coverage: 5 of 6 statements of samples/v11-bind-after-kill.race reached in some interleaving; never reached:",
        "  samples/v11-bind-after-kill.race:13:14: call pci_enable_sriov(pf, 2)",
      ].join("\n"),
    );
  });

  it("covers work items, kthreads and interrupt handlers (§9–§10): a kthread never run, a handler's branch never taken", () => {
    const dir = scratchDir({
      "threads.race": [
        "mutex m",
        "var x = 0",
        "workqueue events",
        "work w on events { lock m; x = 1; unlock m }",
        'kthread k "poller" { x = 2 }',
        "completion c",
        "irq h on C { if x == 5 { x = 3 } }",
        "cpu C { queue_work w; flush_work w; if x == 7 { kthread_run k }; complete c }",
        'cpu D { wait_for_completion c; assert x != 3 "never" }',
        "expect safe",
        "",
      ].join("\n"),
    });
    const r = race("check", "--coverage", join(dir, "threads.race"));
    expect(r.code).toBe(0);
    // The kthread's start (at its name), its body, the handler's assignment and the kthread_run; the work item's body is reached.
    expect(r.stdout).toContain(
      [
        `coverage: 12 of 16 statements of ${join(dir, "threads.race")} reached in some interleaving; never reached:`,
        `  ${join(dir, "threads.race")}:5:9: start k`,
        `  ${join(dir, "threads.race")}:5:22: x = 2`,
        `  ${join(dir, "threads.race")}:7:26: x = 3`,
        `  ${join(dir, "threads.race")}:8:49: kthread_run k`,
      ].join("\n"),
    );
  });

  it("says 'not known' when the search stopped early", () => {
    const r = race("check", "--coverage", "--max-states", "1", "samples/v11-kill-device.race");
    expect(r.stdout).toContain("coverage: not known for samples/v11-kill-device.race: the search stopped early");
  });

  it("is in the JSON too, with 0-based ranges", () => {
    const r = race("check", "--json", "--coverage", "samples/v11-bind-after-kill.race");
    const file = (JSON.parse(r.stdout) as { files: { coverage: { known: boolean; unreached: { text: string; range: { start: { line: number } } }[] } }[] }).files[0]!;
    expect(file.coverage.known).toBe(true);
    expect(file.coverage.unreached.map((u) => [u.range.start.line, u.text])).toEqual([[12, "call pci_enable_sriov(pf, 2)"]]);
  });
});

describe("trace files: race check --trace-out and race replay", () => {
  it("writes the first finding's trace and replays it", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-trace-"));
    const trace = join(dir, "v9.trace.json");
    expect(race("check", "--trace-out", trace, "test/fixtures/seed-by-hand/v9-remove-vs-unbind.race").code).toBe(0);
    const file = JSON.parse(readFileSync(trace, "utf8")) as { format: string; scenario: { sha256: string }; steps: { cpu: string; statement: string }[] };
    expect(file.format).toBe("race-trace");
    expect(file.scenario.sha256).toMatch(/^[0-9a-f]{64}$/);
    const r = race("replay", "test/fixtures/seed-by-hand/v9-remove-vs-unbind.race", "--trace", trace);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Replaying");
    expect(r.stdout).toMatch(/^\s+3 {2}test\/fixtures\/seed-by-hand\/v9-remove-vs-unbind.race:25 {2}CPU1 {2}if bound\[pf\] → true$/m);
    expect(r.stdout).toContain("The trace ends in deadlock (CPU0 at 'lock device_lock[pf]', CPU1 at 'lock rescan_remove').");
    expect(r.stdout).not.toContain("changed since");
  });

  it("says when the scenario changed: still applies after a moved comment, names the step that no longer does", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-trace-"));
    const trace = join(dir, "v9.trace.json");
    race("check", "--trace-out", trace, "test/fixtures/seed-by-hand/v9-remove-vs-unbind.race");
    const v9 = read(join(handDir, "v9-remove-vs-unbind.race"));
    const moved = join(dir, "moved.race");
    writeFileSync(moved, "// a new first line\n" + v9);
    const still = race("replay", moved, "--trace", trace);
    expect(still.code).toBe(0);
    expect(still.stdout).toContain(`note: ${moved} changed since ${trace} was written; every step still applies (replayed by statement).`);
    const changed = join(dir, "changed.race");
    writeFileSync(changed, v9.replace("if bound[d] {", "if !bound[d] {"));
    const broken = race("replay", changed, "--trace", trace);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toBe(`race: ${trace} does not apply to ${changed}: the scenario changed since the trace was written, and step 3 no longer applies: CPU1 should run 'if bound[pf]' but is at 'if !bound[pf]' (line 25).\n`);
  });

  it("writes and replays traces through a work item, a kthread and an interrupt handler (§9–§10); a fix's scenario no longer fits them", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-trace-"));
    const cases = [
      ["p2sb-rescan-flush-work-5913320eb0b3", "    4  samples/p2sb-rescan-flush-work-5913320eb0b3.race:21  wfc   start wfc", "step 2 no longer applies: CPU0 should run 'queue_work wfc' but is at 'cached = true' (line 32)"],
      // ctl starts before A stops it: stopped before its first step, it would exit without its body (kthread()).
      ["pvrusb2-nested-kthread-stop-18ecbb4771eb", "    4  samples/pvrusb2-nested-kthread-stop-18ecbb4771eb.race:32  ctl   start ctl", "step 5 no longer applies: A should run 'kthread_stop ctl' but is at 'kthread_stop worker' (line 18)"],
      ["omapdrm-vblank-event-lock-7fd5b25499bc", "    6  samples/omapdrm-vblank-event-lock-7fd5b25499bc.race:23  vblank  <Interrupt> vblank", "step 1 no longer applies: CPU0 should run 'local_irq_disable (lock_irq event_lock)' but is at 'local_irq_disable (lock_irq vbl_lock)' (line 13)"],
    ] as const;
    for (const [name, lastStep, stale] of cases) {
      const trace = join(dir, `${name}.json`);
      expect(race("check", "--trace-out", trace, `samples/${name}.race`).code).toBe(0);
      const r = race("replay", `samples/${name}.race`, "--trace", trace);
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n")).toContain(lastStep);
      expect(r.stdout).toMatch(/^The trace ends in deadlock \(/m);
      const fixed = race("replay", `samples/${name}-fixed.race`, "--trace", trace);
      expect(fixed.code).toBe(1);
      expect(fixed.stderr).toBe(`race: ${trace} does not apply to samples/${name}-fixed.race: the scenario changed since the trace was written, and ${stale}.\n`);
    }
  });

  it("names the imported file's place of a step that no longer applies (§11), and the scenario's call", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-trace-"));
    const trace = join(dir, "v9.json");
    expect(race("check", "--trace-out", trace, "samples/v9-remove-vs-unbind.race").code).toBe(0);
    const v11Remove = join(dir, "v9-changed.race");
    writeFileSync(v11Remove, read(join(samplesDir, "v9-remove-vs-unbind.race")).replace("remove_store_v9(pf, pf_drv)", "remove_store_v11(pf, pf_drv)"));
    const line = read(v11Remove).split("\n").findIndex((l) => l.includes("remove_store_v11(pf, pf_drv)")) + 1;
    // remove_store_v11's own `lock device_lock[d]` in linux/pci-reentrant, where v9's took the rescan lock.
    const lib = read(join(root, "library", "linux", "pci-reentrant.race")).split("\n");
    const libLine = lib.findIndex((l, i) => i > lib.findIndex((f) => f.startsWith("fn remove_store_v11")) && l.includes("lock device_lock[d]")) + 1;
    const r = race("replay", v11Remove, "--trace", trace);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `race: ${trace} does not apply to ${v11Remove}: the scenario changed since the trace was written, and step 3 no longer applies: CPU0 should run 'lock pci_rescan_remove_lock' but is at 'lock device_lock[pf]' (linux/pci-reentrant:${libLine}:7, called at line ${line}).\n`,
    );
  });

  it("rejects what is not a trace file", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-trace-"));
    writeFileSync(join(dir, "x.json"), '{"steps": []}');
    const r = race("replay", "test/fixtures/seed-by-hand/v9-remove-vs-unbind.race", "--trace", join(dir, "x.json"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a race trace file (no "format": "race-trace")');
  });
});
