// A lockdep report pasted into a `.race` file: one diagnostic (RACE170) in
// place of the syntax errors, and a quick fix that writes the scenario.

import { describe, expect, it } from "vitest";
import { analyze, analyzeFrontEnd } from "../../server/src/analysis";
import { importLockdep } from "../../server/src/import";
import { CONVERT_TITLE } from "../../server/src/import/editor";
import { catalogue } from "../../server/src/language/messages";
import { parse } from "../../server/src/language/parse";
import { applyEdits } from "../../server/src/services/edits";
import { checkerFixes } from "../../server/src/services/fixes";
import { inNoise, quoted, splat } from "./splats";

const report = splat("01_pci_p2sb_rescan_flush_work.txt");

describe("a report pasted into a scenario file", () => {
  it("gives one RACE170 on the WARNING line instead of the syntax errors", () => {
    expect(parse(report).diagnostics.length).toBeGreaterThan(20);
    const fe = analyzeFrontEnd(report);
    expect(fe.hasErrors).toBe(true);
    expect(fe.diagnostics.map((d) => d.code)).toEqual([catalogue.lockdepReport.code]);
    const d = fe.diagnostics[0]!;
    expect(report.slice(d.span.start, d.span.end)).toBe("WARNING: possible circular locking dependency detected");
    expect(d.message).toBe(
      "This looks like a lockdep report (WARNING: possible circular locking dependency detected), not a scenario: use the quick fix 'Convert lockdep report to a scenario' (or `race import`) to write it as one.",
    );
  });

  it("finds it quoted and among console lines too", () => {
    for (const text of [quoted(report), inNoise(report)]) {
      const ds = analyzeFrontEnd(text).diagnostics;
      expect(ds.map((d) => d.code)).toEqual([catalogue.lockdepReport.code]);
      expect(text.slice(ds[0]!.span.start, ds[0]!.span.end)).toBe("WARNING: possible circular locking dependency detected");
    }
  });

  it("leaves a report quoted in a comment alone, and a scenario's own errors too", () => {
    const documented = `/*\n${report}\n*/\nmutex A\ncpu C0 { lock A; unlock A }\n`;
    expect(analyzeFrontEnd(documented).diagnostics).toEqual([]);
    const broken = `${report
      .split("\n")
      .map((l) => `// ${l}`)
      .join("\n")}\nmutex A\ncpu C0 { lock A; unlock B }\n`;
    expect(analyzeFrontEnd(broken).diagnostics.map((d) => d.code)).toEqual(["RACE010"]);
  });

  it("offers 'Convert lockdep report to a scenario', which writes the imported scenario, and it checks", () => {
    const fe = analyzeFrontEnd(report);
    const fixes = checkerFixes(report, fe, fe.diagnostics[0]!);
    expect(fixes.map((f) => [f.title, f.preferred])).toEqual([[CONVERT_TITLE, true]]);
    const fixed = applyEdits(report, fixes[0]!.edits);
    const imported = importLockdep(report);
    expect(imported.ok && imported.scenarios[0]!.text).toBe(fixed);
    const a = analyze(fixed);
    expect([a.verdict, a.met]).toEqual(["deadlock", true]);
  });

  it("says so when the conversion would replace a scenario the report was pasted under", () => {
    const text = `mutex A\ncpu C0 { lock A; unlock A }\n${report}`;
    const fe = analyzeFrontEnd(text);
    expect(fe.diagnostics.map((d) => d.code)).toEqual([catalogue.lockdepReport.code]);
    expect(checkerFixes(text, fe, fe.diagnostics[0]!).map((f) => f.title)).toEqual([`${CONVERT_TITLE}, replacing this file's text`]);
  });

  it("offers one conversion per report when the paste has several", () => {
    const text = [splat("13_syz_rtnl_recursive.txt"), splat("16_syz_inconsistent_softirq_io_uring.txt")].join("\n");
    const fe = analyzeFrontEnd(text);
    expect(fe.diagnostics).toHaveLength(1);
    expect(fe.diagnostics[0]!.message).toContain("(WARNING: possible recursive locking detected, and 1 more)");
    expect(checkerFixes(text, fe, fe.diagnostics[0]!).map((f) => f.title)).toEqual([
      `${CONVERT_TITLE} (1 of 2: possible recursive locking detected, syz-executor0/14230)`,
      `${CONVERT_TITLE} (2 of 2: inconsistent lock state, swapper/0/0)`,
    ]);
  });
});
