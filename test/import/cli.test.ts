// `race import` as a developer runs it on a report: the built dist/cli.js
// (npm test builds first), its output, its notes on stderr, its exit codes.

import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { numbered } from "../../server/src/cli/importCommand";
import { importLockdep } from "../../server/src/import";
import { runCli, scratchFile } from "../helpers";
import { fixtures, splat } from "./splats";

const race = runCli;
const scratch = scratchFile;

describe("race import", () => {
  it("writes the scenario of a report file to stdout, with its notes on stderr, exit 0; the scenario checks", () => {
    const file = scratch("01.txt", splat("01_pci_p2sb_rescan_flush_work.txt"));
    const r = race(["import", file]);
    expect(r.code).toBe(0);
    const expected = importLockdep(splat("01_pci_p2sb_rescan_flush_work.txt"), file);
    expect(expected.ok && expected.scenarios[0]!.text).toBe(r.stdout);
    expect(r.stderr).toContain(`race import: note RACE177: Report 1 (possible circular locking dependency detected, bash/1615, input lines 3–79) → stdout; check it with 'race check'.`);
    expect(r.stderr).toContain("race import: note RACE173: (work_completion)(&wfc.work) is a work item: lockdep holds it while the item runs and takes it in flush_work()/cancel_work_sync(); the scenario writes it as `work W on Q { … }` with `flush_work` / `cancel_work_sync` (race-language.md §9).");
    const out = scratch("01.race", r.stdout);
    const check = race(["check", out]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("NOTE (expected): possible circular locking dependency detected   [RACE100]");
    expect(check.stdout).toMatch(/: deadlock · expect deadlock: met · /);
  });

  it("reads stdin (no file, or -) and writes -o OUT.race", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-import-"));
    const out = join(dir, "rtnl.race");
    const r = race(["import", "-", "-o", out], splat("13_syz_rtnl_recursive.txt"));
    expect([r.code, r.stdout]).toEqual([0, ""]);
    expect(r.stderr).toContain(`→ ${out};`);
    expect(race(["check", out]).code).toBe(0);
    expect(race(["import"], splat("13_syz_rtnl_recursive.txt")).stdout).toBe(readFileSync(out, "utf8"));
  });

  it("several reports: -o writes OUT-1.race, OUT-2.race…; stdout separates them with a marker line", () => {
    const log = scratch("console.log", [splat("12_syz_ip_setsockopt_rtnl.txt"), splat("13_syz_rtnl_recursive.txt")].join("\n"));
    const dir = mkdtempSync(join(tmpdir(), "race-import-"));
    const r = race(["import", log, "-o", join(dir, "syz.race")]);
    expect(r.code).toBe(0);
    for (const n of [1, 2]) {
      expect(existsSync(join(dir, `syz-${n}.race`))).toBe(true);
      expect(race(["check", join(dir, `syz-${n}.race`)]).code).toBe(0);
    }
    const stdout = race(["import", log]).stdout;
    const parts = stdout.split(/^\/\/ race import: scenario \d of 2\n/m);
    expect(parts.map((p) => p.length > 0)).toEqual([false, true, true]);
    expect(parts[1]!.trimEnd()).toBe(readFileSync(join(dir, "syz-1.race"), "utf8").trimEnd());
    expect(numbered("out.race", 2, 3)).toBe("out-2.race");
    expect(numbered("dir.v2/out", 1, 2)).toBe("dir.v2/out-1");
  });

  it("an irq report says on stderr which handler it wrote, on which CPU", () => {
    const r = race(["import"], splat("16_syz_inconsistent_softirq_io_uring.txt"));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "race import: note RACE175: The softirq is written as the handler 'rcu_core_si_softirq' on task_sys_io_uring_register (race-language.md §10): the check lets it fire wherever task_sys_io_uring_register has softirqs on, not only where lockdep's scenario shows it; check that it can fire there.",
    );
  });

  it("input without a report, an unreadable input, an unwritable output: a clear error, exit 2", () => {
    const r = race(["import", join(fixtures, "not_a_report.txt")]);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toMatch(/^race import: error RACE171: No lockdep report found in .*not_a_report\.txt; it reads/);
    const missing = race(["import", "/nonexistent/report.txt"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("race import: error RACE179: Cannot read /nonexistent/report.txt: ENOENT.\n");
    // An output that cannot be written (its directory does not exist): said as such, exit 2, not an internal error.
    const unwritable = race(["import", "-", "-o", "/nonexistent/dir/r.race"], splat("13_syz_rtnl_recursive.txt"));
    expect([unwritable.code, unwritable.stdout, unwritable.stderr]).toEqual([2, "", "race import: error RACE179: Cannot write /nonexistent/dir/r.race: ENOENT.\n"]);
    const bad = race(["import", "--frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("race import: error RACE178: unknown option '--frobnicate'");
  });

  it("race check on a raw report file: one RACE170 pointing at race import, exit 2", () => {
    const file = scratch("report.race", splat("04_zram_kn_active_kernfs_drain.txt"));
    const r = race(["check", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("error RACE170: This looks like a lockdep report (WARNING: possible circular locking dependency detected)");
    expect(r.stdout).toContain("invalid · 1 error(s)");
  });
});
