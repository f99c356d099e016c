// Every checker and parser code has a fixture (test/fixtures/diagnostics/
// CODE-name.race) whose diagnostics, with exact ranges, are pinned in a
// baseline beside it. `npm run test:update` rewrites the baselines.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { catalogue } from "../../server/src/language/messages";
import { fixturesDir, frontEndDiagnostics, listRace, read, renderDiagnostics } from "../helpers";

const dir = join(fixturesDir, "diagnostics");
const fixtures = listRace(dir);

describe("diagnostic fixtures", () => {
  for (const file of fixtures) {
    const code = file.slice(0, 7);
    it(`${file} reports ${code} with exact ranges`, async () => {
      // Read from where it is, so that its imports (fixtures/diagnostics/imported/) are found.
      const text = read(join(dir, file));
      const fe = analyzeFrontEnd(text, { path: join(dir, file) });
      expect(fe.diagnostics.map((d) => d.code)).toContain(code);
      await expect(renderDiagnostics(text, fe.diagnostics, fe.program.sources)).toMatchFileSnapshot(join(dir, file.replace(/\.race$/, ".diagnostics.txt")));
    });
  }

  it("every front-end code in the catalogue has a fixture", () => {
    const frontEndCodes = Object.values(catalogue)
      .map((e) => e.code)
      .filter((c) => c < "RACE100");
    const covered = new Set(fixtures.map((f) => f.slice(0, 7)));
    expect(frontEndCodes.filter((c) => !covered.has(c))).toEqual([]);
  });
});

describe("recovery", () => {
  it("reports several independent errors in one file, each at its place", () => {
    const text = [
      "mutex A",
      "cpu C0 { lock A; x = ; unlock A }", // syntax error inside a statement
      "cpu C1 { lock nosuch }", // name error after it
      "fn f( { }", // broken parameter list
      "cpu C2 { y = 1 }", // another name error
    ].join("\n");
    const ds = frontEndDiagnostics(text);
    const lines = ds.map((d) => text.slice(0, d.span.start).split("\n").length);
    expect(ds.filter((d) => d.code === "RACE001").length).toBeGreaterThanOrEqual(2);
    expect(ds.some((d) => d.code === "RACE010" && lines[ds.indexOf(d)] === 3)).toBe(true);
    expect(ds.some((d) => d.code === "RACE011" && lines[ds.indexOf(d)] === 5)).toBe(true);
  });

  it("keeps declarations after a broken one usable", () => {
    const text = "mutex\nmutex B\ncpu C0 { lock B; unlock B }\n";
    const ds = frontEndDiagnostics(text);
    expect(ds.map((d) => d.code)).toEqual(["RACE001"]);
  });

  it("the empty file only lacks a CPU", () => {
    expect(frontEndDiagnostics("").map((d) => d.code)).toEqual(["RACE030"]);
  });
});
