// SPIN on our exported models, with the real-tool tests. race export
// --promela on scenarios with imports (race-language.md §11):
// the CLI flattens the scenario and every file it imports into one model,
// and SPIN's answer on that model agrees with ours (the differential run's
// comparison, test/differential/spin.ts). Every sample on the kernel
// library, and relative imports with objects, [*] and a driver passed as an
// argument; and pan's weak fairness on an interrupt handler looping on top
// of its task (differential irq seed 23). SPIN is a real tool like the editors here: .ci/run installs it
// and runs this with them (npm run test:e2e); `npm test` needs only Node.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { toPromela } from "../../server/src/export/promela";
import { disagreement, spinVerdict } from "../differential/spin";
import { fixturesDir, listRace, read, runCli, samplesDir } from "../helpers";

const withImports = listRace(samplesDir).filter((f) => /^import "/m.test(read(join(samplesDir, f))));

describe("race export --promela with imports, under SPIN", () => {
  it("has samples with imports to try", () => {
    expect(withImports.length).toBeGreaterThanOrEqual(10);
  });

  for (const f of withImports) {
    it(`${f}: one complete model, and SPIN agrees with our verdict`, async () => {
      const file = join("samples", f);
      const r = runCli(["export", "--promela", file]);
      expect(r.code, r.stderr).toBe(0);
      const a = analyze(read(join(samplesDir, f)), { source: { path: join(samplesDir, f) } });
      expect(a.frontEnd.hasErrors).toBe(false);
      // Every thread of the compiled program is a proctype, and every instruction of it (the imported
      // functions' bodies expanded at their calls) one labelled statement with its text in a comment.
      const model = a.model!;
      expect(r.stdout.match(/^proctype CPU\d+\(\)/gm)).toHaveLength(model.cpus.length);
      model.cpus.forEach((cpu, ci) => {
        const statements = r.stdout.split("\n").filter((l) => new RegExp(`^(end)?L${ci}_\\d+: `).test(l));
        expect(statements.map((l) => l.slice(l.lastIndexOf("/* ") + 3, -3))).toEqual(cpu.code.map((ins) => ins.text));
      });
      expect(r.stdout).not.toMatch(/^import /m);
      const dir = mkdtempSync(join(tmpdir(), "race-pml-imports-"));
      try {
        const spin = await spinVerdict(r.stdout, dir);
        expect(disagreement(a, spin), JSON.stringify(spin)).toBeUndefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }

  it("a relative import, two levels deep, with objects, [*] and a driver as an argument: one model, and SPIN agrees", async () => {
    const dir = mkdtempSync(join(tmpdir(), "race-pml-relative-"));
    try {
      writeFileSync(join(dir, "locks.race"), "object a, b\nmutex obj_lock[*]\n");
      writeFileSync(join(dir, "paths.race"), 'import "locks.race"\nfn both(x, y, drv) {\n  lock obj_lock[x]\n  drv.remove(y)\n  unlock obj_lock[x]\n}\n');
      const main = 'import "paths.race"\ndriver d {\n  remove(o) { lock obj_lock[o]; unlock obj_lock[o] }\n}\ncpu C0 { both(a, b, d) }\ncpu C1 { both(b, a, d) }\nexpect deadlock\n';
      writeFileSync(join(dir, "main.race"), main);
      const r = runCli(["export", "--promela", join(dir, "main.race")]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(" * locks: 0 = obj_lock[a] (mutex), 1 = obj_lock[b] (mutex)");
      expect(r.stdout.match(/^L0_\d+: .*\/\* (.*) \*\/$/gm)!.map((l) => l.replace(/^.*\/\* (.*) \*\/$/, "$1"))).toEqual(["lock obj_lock[a]", "lock obj_lock[b]", "unlock obj_lock[b]", "unlock obj_lock[a]"]);
      const a = analyze(main, { source: { path: join(dir, "main.race") } });
      expect(a.verdict).toBe("deadlock");
      const spin = await spinVerdict(r.stdout, dir);
      expect(spin.stuck).toBe(true);
      expect(disagreement(a, spin)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("pan's weak fairness on interrupt handlers", () => {
  it("irq seed 23: h0 looping for ever on top of C2 is a fair non-progress cycle once no `provided` clause hides C2's being blocked", async () => {
    const a = analyze(read(join(fixturesDir, "differential", "irq-seed-23.race")), { maxStates: 1_000_000 });
    expect(a.report!.problems.some((p) => p.form === "livelock" && p.cpus.join() === "C2,h0")).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "race-spin-"));
    try {
      const spin = await spinVerdict(toPromela(compile(a.frontEnd.ast, a.frontEnd.checked.scope)), dir);
      expect(spin).toEqual({ stuck: true, violation: false, cycle: true });
      expect(disagreement(a, spin)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
