// The CLI as CI pipelines use it: the built dist/cli.js, its output formats
// and its exit codes. (npm test builds first.)

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { handDir, listRace, root, samplesDir } from "../helpers";

const cli = join(root, "dist", "cli.js");
// The seed series as modelled by hand: these tests pin its lines and steps (samples/ has it on the library).
const sample = (name: string): string => join(handDir, name);

function race(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: root });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function scratch(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "race-cli-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("race check (text)", () => {
  it("prints a lockdep-style report and a verdict line; exit 0 when the expectation is met", () => {
    const r = race("check", "test/fixtures/seed-by-hand/v9-remove-vs-unbind.race");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("possible circular locking dependency detected");
    expect(r.stdout).toContain('CPU0 "echo 1 > /sys/bus/pci/devices/$PF/remove" is trying to acquire lock:');
    expect(r.stdout).toMatch(/^\s+CPU0\s+CPU1$/m);
    expect(r.stdout).toContain("*** DEADLOCK ***");
    expect(r.stdout).toContain("the dependency chain:");
    expect(r.stdout).toMatch(/✓ test\/fixtures\/seed-by-hand\/v9-remove-vs-unbind.race .*: deadlock · expect deadlock: met · 6 states \(reduced\) · /);
  });

  it("a synchronize in its caller's own read-side section: what it waits for is a grace period, not a lock it takes again", () => {
    const file = scratch("rcu-self.race", "var p = 1\ncpu CPU0 { rcu_read_lock; p = 2; synchronize_rcu; rcu_read_unlock }\nexpect deadlock\n");
    const r = race("check", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("NOTE (expected): suspicious RCU usage   [RACE100]");
    expect(r.stdout).toMatch(/^CPU0 waits for an RCU grace period, at .*rcu-self\.race:2:34\nbut CPU0 itself is in a read-side section \(rcu_read_lock\)\.$/m);
    expect(r.stdout).not.toContain("is trying to acquire lock");
    expect(r.stdout).toContain("  CPU0: holds rcu_read_lock → waits for an RCU grace period, held off by CPU0 (in rcu_read_lock)\n");
  });

  it("a reader behind a queued writer says the rule of its kind of lock: an rwlock_t's, not a fair rwsem's (found trying the product as a new user)", () => {
    const text = "R S\ncpu A { rlock R; lock S; unlock S; runlock R }\ncpu B { lock S; rlock R; runlock R; unlock S }\ncpu W { lock R; unlock R }\nexpect deadlock\n";
    const rwlock = race("check", scratch("rwlock.race", text.replace("R S", "rwlock R\nspinlock S")));
    expect(rwlock.stdout).toContain("but W is queued to write it first (a queued rwlock_t lets a waiting writer go before new readers in task context).");
    const rwsem = race("check", scratch("rwsem.race", text.replace("R S", "rwsem R\nmutex S")));
    expect(rwsem.stdout).toContain("but W is queued to write it first (a fair rwsem lets a waiting writer go before new readers).");
  });

  it("the trace's columns are the CPUs in the order the scenario declares them, not the order they first step in (found trying the product as a new user)", () => {
    const file = scratch("order.race", "mutex rtnl\nvar done = false\ncpu CPU0 { while !trylock rtnl { } done = true; unlock rtnl }\ncpu CPU1 { lock rtnl; wait until done; unlock rtnl }\n");
    const r = race("check", file);
    // CPU1 takes rtnl first; CPU0 then loops.
    expect(r.stdout).toMatch(/^ {7}CPU0 +CPU1\n {7}---- +----\n +4 +lock rtnl\n/m);
  });

  it("a deadlock lockdep cannot see says why, and prints no lockdep scenario table", () => {
    const r = race("check", "samples/v9-remove-vs-unbind.race");
    expect(r.stdout).toContain("NOTE (expected): possible deadlock that lockdep cannot see   [RACE100]");
    expect(r.stdout).toContain("Lockdep records no dependency for this cycle: device_lock[pf] is not validated (declared novalidate: lockdep_set_novalidate_class()).");
    expect(r.stdout).not.toContain("Possible unsafe locking scenario");
  });

  it("a call stack's locations line up in one column, however long a frame", () => {
    const r = race("check", "samples/v9-remove-vs-unbind.race");
    const stacks = r.stdout.split(/\n(?=CPU\d .* call stack:\n)/).slice(1).map((part) => part.split("\n\n")[0]!.split("\n").slice(1).filter((l) => l !== "" && !l.startsWith("  locks held") && !l.startsWith("   #")));
    expect(stacks).toHaveLength(2);
    for (const frames of stacks) {
      // Each frame: two spaces, the frame, at least one space, its file:line:column.
      const columns = frames.map((l) => l.search(/\S+\.race:\d+:\d+$/));
      expect(frames.some((l) => l.includes("device_release_driver(pf, pf_drv)")), frames.join("\n")).toBe(true);
      expect(new Set(columns).size, frames.join("\n")).toBe(1);
      expect(frames.every((l, i) => l[columns[i]! - 1] === " ")).toBe(true);
    }
  });

  it("a livelock shows its loop in the text, JSON and SARIF reports, and fails expect safe", () => {
    const file = scratch(
      "livelock.race",
      "mutex rtnl\nvar done = false\nvar got = false\ncpu A { lock rtnl; wait until done; unlock rtnl }\ncpu B { while !got { if trylock rtnl { got = true } } done = true; unlock rtnl }\nexpect safe\n",
    );
    const text = race("check", file);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("WARNING: livelock: A and B can never finish   [RACE101]");
    expect(text.stdout).toMatch(/then, repeating for ever:\n\s+5\s+while !got → true\n\s+5\s+trylock rtnl → failed\n/);
    expect(text.stdout).toMatch(/wait until done <-- WAITS\s+while !got <-- LOOPS/);
    expect(text.stdout).toContain("*** LIVELOCK ***");
    const json = JSON.parse(race("check", "--json", file).stdout).files[0];
    const hang = json.problems.find((p: { kind: string }) => p.kind === "hang");
    expect(hang.form).toBe("livelock");
    expect(hang.trace.map((s: { action: string }) => s.action)).toEqual(["lock rtnl"]);
    expect(hang.loop.cycle.map((s: { cpu: string; action: string }) => `${s.cpu} ${s.action}`)).toEqual(["B while !got → true", "B trylock rtnl → failed"]);
    const sarif = JSON.parse(race("check", "--sarif", file).stdout);
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === "RACE101");
    expect(result.codeFlows).toHaveLength(2);
    expect(result.codeFlows[1].message.text).toBe("livelock: then 0 steps into a loop of 2 steps that repeats for ever");
  });

  it("a livelock whose loop is reached through an interrupt handler's steps draws them in its CPU's column (found by review: the reduced search's trace has none of them, and check crashed)", () => {
    const file = scratch("loop-handler.race", "var x = 0\nvar y = 0\nsoftirq H0 on C2 { x = 1 }\ncpu C2 { local_bh_disable; x = 2; local_bh_enable; while y == 0 { x = 1 } }\n");
    const text = race("check", file);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/then:\n(.*\n)*\s+3 {2}<Interrupt> H0\n\s+3 {4}x = 1\n\s+then, repeating for ever:/);
    expect(race("check", "--no-reduce", file).code).toBe(1);
  });

  it("the trace's CPU headers and its last row start where the steps do, however long the labels of imported files (they started 7 columns in)", () => {
    const out = race("check", join(root, "samples", "v9-remove-vs-unbind.race")).stdout.split("\n");
    const header = out.findIndex((l) => /^\s+CPU0\s+CPU1$/.test(l));
    const step = out[header + 2]!;
    expect(step).toMatch(/^\s+pci-reentrant\.race:\d+ {2}sysfs remove_attr/);
    const column = (l: string): number => l.length - l.trimStart().length;
    expect(column(out[header]!)).toBe(step.indexOf("sysfs"));
    expect(column(out[header + 1]!)).toBe(step.indexOf("sysfs"));
    const waits = out.find((l) => l.includes("<-- WAITS"))!;
    expect(column(waits)).toBe(step.indexOf("sysfs"));
  });

  it("--no-reduce explores every interleaving: the same report from more states", () => {
    const reduced = race("check", sample("v9-remove-vs-unbind.race"));
    const full = race("check", "--no-reduce", sample("v9-remove-vs-unbind.race"));
    expect(full.code).toBe(0);
    expect(full.stdout).toMatch(/: deadlock · expect deadlock: met · 28 states · /);
    const report = (s: string): string => s.slice(0, s.lastIndexOf("\n✓"));
    expect(report(full.stdout)).toBe(report(reduced.stdout));
  });

  it("says how many states the search for shortest traces took", () => {
    const r = race("check", join(root, "samples", "probe-remove-lock-contexts.race"));
    expect(r.stdout).toMatch(/· 10 states \(reduced\) \+ \d+ for shortest traces · /);
  });

  it("exit 1 when an expectation is not met", () => {
    const file = scratch("unmet.race", "mutex A\nmutex B\ncpu C0 { lock A; lock B; unlock B; unlock A }\ncpu C1 { lock B; lock A; unlock A; unlock B }\n");
    const r = race("check", file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("WARNING: possible circular locking dependency detected");
    expect(r.stdout).toMatch(/✗ .*: deadlock · expect safe: NOT met/);
  });

  it("exit 0 for a lock leak that says what it shows: expect deadlock, misuse", () => {
    const file = scratch("leak.race", "mutex m\ncpu A { lock m }\ncpu B { lock m; unlock m }\nexpect deadlock, misuse\n");
    const r = race("check", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("NOTE (expected): task hung");
    expect(r.stdout).toContain("NOTE (expected): lock held when returning to user space");
    expect(r.stdout).toMatch(/✓ .*: hang · expect deadlock, misuse: met/);
    const json = JSON.parse(race("check", "--json", file).stdout) as { files: { expect: string; expectKinds: string[]; verdict: string; met: boolean }[] };
    expect(json.files[0]).toMatchObject({ expect: "deadlock, misuse", expectKinds: ["deadlock", "misuse"], verdict: "hang", met: true });
    expect(race("check", scratch("leak1.race", "mutex m\ncpu A { lock m }\ncpu B { lock m; unlock m }\nexpect deadlock\n")).code).toBe(1);
  });

  it("exit 2 and compiler-style lines for an invalid file", () => {
    const file = scratch("bad.race", "cpu C0 { lock nosuch }\n");
    const r = race("check", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${file}:1:15: error RACE010: Unknown lock 'nosuch'`);
  });

  it("exit 2 for usage errors and unreadable files", () => {
    expect(race().code).toBe(2);
    expect(race("check").code).toBe(2);
    expect(race("check", "--bogus", "x.race").code).toBe(2);
    expect(race("check", "--max-states", "zero", sample("v9-remove-vs-unbind.race")).code).toBe(2);
    const missing = race("check", "no/such/file.race");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read no/such/file.race");
  });

  it("checks every sample with exit 0", () => {
    const r = race("check", ...["v9-remove-vs-unbind.race", "v11-kill-device.race", "vfio-numvfs-show.race", "stale-numvfs-after-uevent.race"].map(sample));
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^✓ /gm)?.length).toBe(4);
  });

  it("a reader that stops early (race check … | head -1) ends it quietly, with the verdicts' exit status (found trying the product: Node's EPIPE stack trace)", () => {
    const files = listRace(samplesDir).map((f) => JSON.stringify(join(samplesDir, f)));
    const err = join(mkdtempSync(join(tmpdir(), "race-cli-")), "stderr");
    // head exits after the first file's line; the CLI writes the next one a few ms later, into a closed pipe.
    const script = `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} check ${files.join(" ")} 2>${JSON.stringify(err)} | head -n 1 >/dev/null; echo "exit \${PIPESTATUS[0]}"; cat ${JSON.stringify(err)}`;
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8", cwd: root });
    expect(r.stdout).toBe("exit 0\n");
  });

  it("--max-states stops the search and never claims safety", () => {
    const r = race("check", "--max-states", "5", sample("v11-kill-device.race"));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("RACE109");
    expect(r.stdout).toMatch(/incomplete · expect safe: NOT met/);
  });
});

describe("control characters from the scenario and the command line", () => {
  // A title that clears the screen and prints a fake verdict, a label that
  // reverses the rest of its line, an assert message that rings and sends a
  // C1 CSI, a file name with an escape sequence and a line break.
  const hostile = [
    'scenario "\x1b[2J\x1b[H✓ all good\x07"',
    "var ok = false",
    'cpu C0 "\u202eevil\u2066 label\x7f" { assert ok "bad\x9b31m\u2028message\x00" }',
    "expect violation",
    "",
  ].join("\n");
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  it("are escaped in the text report, file names included", () => {
    const file = scratch("a\x1b]0;pwned\x07\nb.race", hostile);
    const r = race("check", file);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(unsafe);
    expect(r.stdout).toContain("\\x1b[2J\\x1b[H✓ all good\\x07");
    expect(r.stdout).toContain('C0 "\\u202eevil\\u2066 label\\x7f"');
    expect(r.stdout).toContain('"bad\\x9b31m\\u2028message\\x00"');
    expect(r.stdout).toContain("a\\x1b]0;pwned\\x07\\nb.race");
    // The verdict is still the last line, whole.
    expect(r.stdout.trimEnd().split("\n").at(-1)).toMatch(/^✓ .*\(\\x1b\[2J.*\): violation · expect violation: met · /);
  });

  it("are escaped in messages on stderr", () => {
    const r = race("check", "no/such/\x1b[2Jfile\u202e.race", "--\x1b[31m");
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(unsafe);
    expect(r.stderr).toContain("unknown option '--\\x1b[31m'");
    const missing = race("check", "no/such/\x1b[2Jfile\u202e.race");
    expect(missing.stderr).toBe("race: cannot read no/such/\\x1b[2Jfile\\u202e.race: ENOENT\n");
  });

  it("are escaped by race test and --coverage too", () => {
    const file = scratch("t\x1b[2J\u202e.race", hostile.replace("expect violation", "expect safe"));
    const tested = race("test", file);
    expect(tested.code).toBe(1);
    expect(tested.stdout).not.toMatch(unsafe);
    expect(tested.stdout).toContain("t\\x1b[2J\\u202e.race");
    const covered = race("check", "--coverage", file);
    expect(covered.stdout).not.toMatch(unsafe);
  });

  it("JSON and SARIF write them as \\u escapes: the same strings, nothing raw", () => {
    const file = scratch("hostile.race", hostile);
    for (const format of ["--json", "--sarif"]) {
      const r = race("check", format, file);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(unsafe);
      expect(r.stdout).toContain("bad\\u009b31m\\u2028message");
    }
    const json = JSON.parse(race("check", "--json", file).stdout);
    expect(json.files[0].title).toBe("\x1b[2J\x1b[H✓ all good\x07");
  });
});

describe("race check --json", () => {
  it("follows the documented shape", () => {
    const r = race("check", "--json", sample("v9-remove-vs-unbind.race"), sample("v11-kill-device.race"));
    expect(r.code).toBe(0);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON under test, checked field by field
    const out = JSON.parse(r.stdout) as { files: any[] };
    expect(out.files).toHaveLength(2);
    const [v9, v11] = out.files;
    expect(Object.keys(v9).sort()).toEqual(["expect", "expectKinds", "file", "inversions", "irqReports", "met", "problems", "stats", "title", "verdict"]);
    expect(v9.irqReports).toEqual([]);
    expect(v9).toMatchObject({ title: "v9: remove_store vs unbind_store (AB-BA)", expect: "deadlock", expectKinds: ["deadlock"], verdict: "deadlock", met: true });
    expect(v9.inversions).toEqual([{ locks: ["rescan_remove", "device_lock[pf]"], status: "confirmed" }]);
    expect(Object.keys(v9.stats).sort()).toEqual(["chains", "complete", "inversionsComplete", "ms", "reduced", "shortestTraces", "states", "traceSearchStates", "transitions"]);
    expect(v9.stats).toMatchObject({ states: 6, reduced: true, chains: true, shortestTraces: true, traceSearchStates: 0, inversionsComplete: true });
    const p = v9.problems[0];
    expect(p).toMatchObject({ kind: "deadlock", code: "RACE100", cpus: ["CPU0", "CPU1"], expected: true });
    // line 24 of the sample: "  lock device_lock[d]", CPU0's blocked statement
    expect(p.range).toEqual({ start: { line: 23, character: 2 }, end: { line: 23, character: 21 } });
    expect(p.trace).toHaveLength(3);
    expect(p.trace[0]).toEqual({
      cpu: "CPU0",
      action: "lock rescan_remove",
      range: { start: { line: 32, character: 2 }, end: { line: 32, character: 20 } }, // line 33
      stack: [{ fn: "remove_store(pf)", range: { start: { line: 41, character: 54 }, end: { line: 41, character: 70 } } }], // line 42
      held: { CPU0: ["rescan_remove"], CPU1: [] },
      changed: {},
    });
    expect(v11).toMatchObject({ expect: "safe", expectKinds: [], verdict: "safe", met: true, problems: [] });
  });

  it("reports an invalid file with 0-based ranges", () => {
    const file = scratch("bad.race", "mutex m\ncpu C0 { rlock m }\n");
    const r = race("check", "--json", file);
    expect(r.code).toBe(2);
    const f = JSON.parse(r.stdout).files[0];
    expect(f.verdict).toBe("invalid");
    expect(f.problems).toEqual([
      {
        kind: "error",
        code: "RACE024",
        message: "'rlock' takes the shared side of an rwsem, but 'm' is a mutex; use 'lock' or declare it 'rwsem'.",
        range: { start: { line: 1, character: 15 }, end: { line: 1, character: 16 } },
      },
    ]);
  });

  it("is byte-identical across runs apart from times", () => {
    const strip = (s: string): string => s.replace(/"ms": [\d.]+/g, '"ms": 0');
    const a = race("check", "--json", sample("v10-rebind-window.race"));
    const b = race("check", "--json", sample("v10-rebind-window.race"));
    expect(strip(a.stdout)).toBe(strip(b.stdout));
  });
});

describe("race check --sarif", () => {
  it("writes SARIF 2.1.0 with a rule per code and a codeFlow per trace", () => {
    const r = race("check", "--sarif", sample("v9-remove-vs-unbind.race"));
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout);
    expect(log.version).toBe("2.1.0");
    const run = log.runs[0];
    const ids = run.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain("RACE100");
    const deadlocks = run.results.filter((x: { ruleId: string }) => x.ruleId === "RACE100");
    expect(deadlocks).toHaveLength(2); // one per blocked CPU
    for (const res of deadlocks) {
      expect(run.tool.driver.rules[res.ruleIndex].id).toBe("RACE100");
      expect(res.level).toBe("note"); // expected by the scenario
      const flows = res.codeFlows[0].threadFlows;
      expect(flows.map((t: { id: string }) => t.id)).toEqual(["CPU0", "CPU1"]);
      const order = flows.flatMap((t: { locations: { executionOrder: number }[] }) => t.locations.map((l) => l.executionOrder)).sort();
      expect(order).toEqual([1, 2, 3]);
      expect(res.locations[0].physicalLocation.artifactLocation.uri).toMatch(/seed-by-hand\/v9-remove-vs-unbind\.race$/);
      expect(res.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
    }
    expect(run.properties.scenarios).toEqual([{ file: expect.stringMatching(/v9-remove-vs-unbind\.race$/), expect: "deadlock", expectKinds: ["deadlock"], verdict: "deadlock", met: true }]);
  });

  it("keeps SARIF 2.1.0's minimums: every codeFlow has a threadFlow, every threadFlow a location (found trying the product: a thread with no step, or a 0-step trace, gave empty ones)", () => {
    // C0 loops from the start (a 0-step trace); in the samples, threads the trace names that take no step of it.
    const file = scratch("spin-at-start.race", "var x = 0\ncpu C0 { while true { } }\ncpu C1 { x = 1 }\n");
    const files = [file, join(root, "samples", "flush-work-ordered-d6e89786bed9.race"), join(root, "samples", "nvmet-ordered-flush-2922e3507f6d.race")];
    let flows = 0;
    for (const f of files) {
      const log = JSON.parse(race("check", "--sarif", f).stdout);
      for (const res of log.runs[0].results as { codeFlows?: { threadFlows: { locations: unknown[] }[] }[] }[]) {
        if (res.codeFlows === undefined) continue;
        expect(res.codeFlows.length).toBeGreaterThan(0);
        for (const cf of res.codeFlows) {
          expect(cf.threadFlows.length).toBeGreaterThan(0);
          for (const t of cf.threadFlows) expect(t.locations.length).toBeGreaterThan(0);
          flows++;
        }
      }
    }
    expect(flows).toBeGreaterThan(2);
  });
});
