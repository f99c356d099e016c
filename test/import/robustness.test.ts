// Reports come cut, garbled and mixed with other text: whatever the input,
// import never throws, and every scenario it writes has no front-end errors
// (a report that lacks what its kind needs is skipped with a note instead).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { importLockdep } from "../../server/src/import";
import { catalogue } from "../../server/src/language/messages";
import { splat, splatFiles } from "./splats";

const reports = splatFiles().map(splat);

function assertImportSane(text: string): void {
  const r = importLockdep(text);
  if (!r.ok) {
    expect([catalogue.importNoReport.code, catalogue.importIncompleteReport.code]).toContain(r.error.code);
    return;
  }
  for (const s of r.scenarios) {
    const errors = analyzeFrontEnd(s.text).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => `${d.code} ${d.message}`), s.text).toEqual([]);
  }
}

/** A report with lines deleted, duplicated or swapped, or cut short. */
const mutated = fc
  .tuple(fc.integer({ min: 0, max: reports.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 6 }))
  .map(([i, edits]) => {
    const lines = reports[i]!.split("\n");
    for (const [a, b, how] of edits) {
      const x = a % lines.length;
      const y = b % lines.length;
      if (how === 0) lines.splice(x, 1 + (y % 4));
      else if (how === 1) lines.splice(x, 0, lines[y]!);
      else if (how === 2) [lines[x], lines[y]] = [lines[y]!, lines[x]!];
      else lines.length = Math.max(1, Math.max(x, y));
    }
    return lines.join("\n");
  });

describe("import robustness", () => {
  it("real reports with lines deleted, duplicated, swapped or cut", () => {
    fc.assert(fc.property(mutated, assertImportSane), { numRuns: 300, seed: 11 });
  });

  it("report-shaped soup: headers, lock lines, chain entries and frames in any order", () => {
    const pieces = [
      "WARNING: possible circular locking dependency detected",
      "WARNING: possible recursive locking detected",
      "WARNING: inconsistent lock state",
      "WARNING: possible irq lock inversion dependency detected",
      "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected",
      "task/1 is trying to acquire lock:",
      "but task is already holding lock:",
      "ffff (A){+.+.}-{3:3}, at: f+0x1/0x2",
      "ffff (&x->lock#2){.+.+}, at: g+0x1/0x2",
      "((work_completion)(&w)){+.+.}-{0:0}, at: process_one_work+0x1/0x2",
      "the existing dependency chain (in reverse order) is:",
      "-> #1 (A){+.+.}-{3:3}:",
      "-> #0 (B){+.+.}-{3:3}:",
      "-> (C){-.-.} {",
      "  IN-HARDIRQ-W at:",
      "  HARDIRQ-ON-R at:",
      "  ... acquired at:",
      "}",
      "       __mutex_lock+0x1/0x2",
      "       down_read+0x1/0x2",
      "       _raw_spin_lock_irqsave+0x1/0x2",
      "       foo+0x1/0x2 [mod]",
      "       lock+0x1/0x2",
      "       __handle_irq_event_percpu+0x1/0x2",
      "       __do_softirq+0x1/0x2",
      "       process_one_work+0x1/0x2",
      "       ret_from_fork+0x1/0x2",
      "inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.",
      "t/0 [HC0[0]:SC1[1]:HE1:SE0] takes:",
      "{SOFTIRQ-ON-W} state was registered at:",
      "t just changed the state of lock:",
      "but this lock took another, SOFTIRQ-READ-unsafe lock in the past:",
      "Chain exists of:",
      "  A --> B --> C",
      "2 locks held by t/1:",
      " #0: ffff (A){+.+.}, at: f+0x1/0x2",
      "stack backtrace:",
      "",
      "> quoted",
      "[   1.000000][T1] noise",
    ].map((p) => fc.constant(p));
    fc.assert(fc.property(fc.array(fc.oneof(...pieces), { maxLength: 80 }).map((a) => a.join("\n")), assertImportSane), { numRuns: 400, seed: 5 });
  });

  it("a hostile report: terminal escapes and bidi overrides in its names are shown as escapes, never written into the scenario", () => {
    const hostile = reports[0]!.replaceAll("bash/1615", "ba\u001b[2Jsh/1615").replaceAll("pci_rescan_remove_lock", "pci_rescan\u202eremove_lock");
    const r = importLockdep(hostile);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const text = r.scenarios[0]!.text;
    // Nothing but line breaks below U+0020, no DEL, C1 or bidi control.
    expect([...text].filter((c) => (c < " " && c !== "\n") || /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(c))).toEqual([]);
    expect(text).toContain("ba\\x1b[2Jsh/1615");
    expect(text).toContain("pci_rescan\\u202eremove_lock");
    expect(analyzeFrontEnd(text).hasErrors).toBe(false);
  });

  it("arbitrary text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), assertImportSane), { numRuns: 200, seed: 3 });
  });
});
