// An exception escaping the checker or the exporter (a bug of ours) is an
// internal error: exit 3, one line on stderr (the stack under --debug), and
// with --json or --sarif still a valid document with an entry for every
// file. The failure is injected with module mocks, not left to a real bug:
// a scenario containing a marker comment makes analyze() or toPromela()
// throw what a deep recursion throws.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../server/src/cli";

const CRASH = "// crash here";
const overflow = (): never => {
  throw new RangeError("Maximum call stack size exceeded");
};

vi.mock(import("../../server/src/analysis"), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, analyze: (text, options) => (text.includes(CRASH) ? overflow() : actual.analyze(text, options)) };
});

vi.mock(import("../../server/src/export/promela"), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, toPromela: (model, source) => (model.cpus.some((c) => c.label === "crash") ? overflow() : actual.toPromela(model, source)) };
});

const dir = mkdtempSync(join(tmpdir(), "race-internal-"));
function scratch(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
const safe = scratch("safe.race", "mutex m\ncpu C0 { lock m; unlock m }\n");
const crash = scratch("crash.race", `${CRASH}\nmutex m\ncpu C0 { lock m; unlock m }\n`);
const deadlock = scratch("abba.race", "mutex A\nmutex B\ncpu C0 { lock A; lock B; unlock B; unlock A }\ncpu C1 { lock B; lock A; unlock A; unlock B }\nexpect deadlock\n");

function race(...args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = main(
    args,
    (s) => (stdout += s),
    (s) => (stderr += s),
  );
  return { code, stdout, stderr };
}

const oneLine = new RegExp(`^race: internal error while checking ${crash.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: RangeError: Maximum call stack size exceeded \\(--debug shows the stack\\)\\n$`);

describe("an internal error", () => {
  it("exits 3 with one line on stderr; the other files are still checked", () => {
    const r = race("check", safe, crash, deadlock);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(oneLine);
    expect(r.stdout).toContain(`✓ ${safe}: safe`);
    expect(r.stdout).toContain(`✓ ${deadlock}: deadlock`);
    expect(r.stdout).not.toContain("crash.race");
  });

  it("prints the stack with --debug", () => {
    const r = race("check", "--debug", crash);
    expect(r.code).toBe(3);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`race: internal error while checking ${crash}: RangeError: Maximum call stack size exceeded`);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => /^\s+at /.test(l))).toBe(true);
  });

  it("--json: valid JSON with an entry for every file, the failed one with a RACE199 error", () => {
    const r = race("check", "--json", safe, crash, deadlock);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(oneLine);
    const out = JSON.parse(r.stdout) as { files: { file: string; verdict: string; met: boolean; problems: { code: string; kind: string; message: string }[] }[] };
    expect(out.files.map((f) => [f.file, f.verdict, f.met])).toEqual([
      [safe, "safe", true],
      [crash, "internal-error", false],
      [deadlock, "deadlock", true],
    ]);
    expect(out.files[1]!.problems).toEqual([
      { kind: "error", code: "RACE199", message: "Internal error (please report it): RangeError: Maximum call stack size exceeded", range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
    ]);
  });

  it("--sarif: a RACE199 result and an unsuccessful invocation with its notification", () => {
    const r = race("check", "--sarif", crash, safe);
    expect(r.code).toBe(3);
    const run = JSON.parse(r.stdout).runs[0];
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(run.invocations[0].toolExecutionNotifications).toHaveLength(1);
    const failed = run.results.filter((x: { ruleId: string }) => x.ruleId === "RACE199");
    expect(failed).toHaveLength(1);
    expect(failed[0].level).toBe("error");
    expect(failed[0].locations[0].physicalLocation.artifactLocation.uri).toBe(crash.replace(/\\/g, "/"));
    expect(run.tool.driver.rules[failed[0].ruleIndex].id).toBe("RACE199");
  });

  it("outranks every other exit status", () => {
    expect(race("check", crash, "no/such/file.race").code).toBe(3);
    expect(race("check", scratch("bad.race", "cpu C { lock nosuch }\n"), crash).code).toBe(3);
  });

  it("in the exporter: exit 3, one line, nothing on stdout", () => {
    const file = scratch("export-crash.race", 'mutex m\ncpu C0 "crash" { lock m; unlock m }\n');
    const r = race("export", "--promela", file);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`race: internal error while exporting ${file}: RangeError: Maximum call stack size exceeded (--debug shows the stack)\n`);
    expect(race("export", "--promela", safe).code).toBe(0);
  });

  it("is documented in the usage text", () => {
    const r = race("--help");
    expect(r.stdout).toContain("3 internal error");
    expect(r.stdout).toContain("--debug");
  });
});
