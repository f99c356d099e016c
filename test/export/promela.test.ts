// race export --promela: the mapping is pinned by a baseline (reviewed by
// hand against docs/promela.md); SPIN itself checks it in the differential
// run (npm run test:differential).

import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { commentText, guardAtomic, toPromela } from "../../server/src/export/promela";
import { fixturesDir, handDir, read, root } from "../helpers";
import { generateScenario } from "../differential/generate";

function exportText(text: string, name: string): string {
  const fe = analyzeFrontEnd(text);
  expect(fe.hasErrors).toBe(false);
  return toPromela(compile(fe.program.ast, fe.checked.scope), name);
}

describe("Promela export", () => {
  it("writes the v9 scenario as pinned", async () => {
    const pml = exportText(read(join(handDir, "v9-remove-vs-unbind.race")), "test/fixtures/seed-by-hand/v9-remove-vs-unbind.race");
    await expect(pml).toMatchFileSnapshot(join(fixturesDir, "promela", "v9-remove-vs-unbind.pml"));
  });

  it("writes every lock kind, trylock, wait, either, while and asserts as pinned", async () => {
    const text = `
      mutex m
      recursive mutex r
      spinlock s
      rwsem w
      var n = 0
      var ok = true
      cpu A { lock m; lock r; lock r; unlock r; unlock r; unlock m; rlock w; runlock w; if trylock s { unlock s } else { n = 1 } }
      cpu B { lock w; while n < 2 { n = n + 1 } unlock w; either { ok = false } or { wait until n == 2 } assert ok "ok stays true" }`;
    await expect(exportText(text, "kinds")).toMatchFileSnapshot(join(fixturesDir, "promela", "kinds.pml"));
  });

  it("writes rtrylock as a read acquire guarded like rlock, or a jump to the failure branch", () => {
    const pml = exportText("rwsem w\ncpu A { if rtrylock w { runlock w } }\ncpu B { lock w; unlock w }", "x");
    expect(pml).toContain(
      "L0_0: atomic { if :: (lk_owner[0] == 0 && !((lk_owner[0] != 0 || (lk_readers[0] + lk_readers[1]) != 0) && (lk_wwait[1] == 1))) -> if :: lk_readers[0] == 255 -> goto L0_stop :: else -> lk_readers[0]++; goto L0_1 fi :: else -> goto L0_done fi } /* rtrylock w */",
    );
    expect(pml).toContain("lk_wwait[1] = 1");
  });

  it("tracks queued writers only when some CPU read-locks", () => {
    expect(exportText("rwsem w\ncpu A { rlock w; runlock w }\ncpu B { lock w; unlock w }", "x")).toContain("lk_wwait[1] = 1");
    expect(exportText("mutex m\ncpu A { lock m; unlock m }", "x")).not.toContain("lk_wwait");
  });

  it("leaves no valid end state where an item pending on a max_active queue can never start (WorkPending)", () => {
    // A work item's proctype waits at its start, an end label: right while
    // the item is idle, wrong while it is pending and its queue's slots stay
    // taken. WorkPending leaves its end label exactly when nothing else can
    // move and such an item is pending.
    const bounded = exportText("ordered workqueue q\nmutex m\nwork a on q { unlock m }\nwork b on q { }\ncpu C { queue_work a; queue_work b }", "x");
    expect(bounded).toContain("proctype WorkPending() {\nendWP: atomic { timeout && (wk_state[0] == 1 || wk_state[1] == 1) -> skip };\n  false\n}");
    expect(bounded).toContain("    run WorkPending();");
    // Without max_active every pending item can start at once: no such process.
    const plain = exportText("workqueue q\nwork a on q { }\ncpu C { queue_work a }", "x");
    expect(plain).not.toContain("WorkPending");
    expect(plain).toContain("endL1_0: ");
  });

  it("refuses a file with errors, naming them", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-export-"));
    const file = join(dir, "bad.race");
    writeFileSync(file, "cpu C { lock nosuch }\n");
    const r = spawnSync(process.execPath, [join(root, "dist", "cli.js"), "export", "--promela", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error RACE010: Unknown lock 'nosuch'");
    expect(r.stderr).toContain("has errors; nothing exported");
    expect(r.stdout).toBe("");
  });
});

// The model with its comments taken out, as the C preprocessor and SPIN see it.
function code(pml: string): string {
  return pml.replace(/\/\*[\s\S]*?\*\//g, " ");
}

// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const controls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe("Promela export of hostile text", () => {
  // Paths and labels that try to close a comment: directly, through a line
  // splice (`*\`, a line break, then `/`: the C preprocessor joins them), or
  // by opening a nested one.
  const hostilePaths = [
    "a*\\\n/\nc_code { int PWNED = 1; }\n/*.race",
    "x*/ c_code { int PWNED = 1; } /*.race",
    "x**//c_code { int PWNED = 1; }//**.race",
    "x/*/ c_code { int PWNED = 1; } */.race",
    "x\r\n#include </etc/passwd>\n\u2028\u202e\x1b[2J.race",
  ];
  const hostileText = 'mutex m\nvar ok = true\ncpu C0 "*/ c_code { int PWNED = 1; } /* *\\\\" { lock m; assert ok "*/ c_code { int PWNED = 1; } /*"; unlock m }\n';

  it("writes paths, labels and messages only inside comments, on one line, unable to close them", () => {
    for (const path of hostilePaths) {
      const pml = exportText(hostileText, path);
      expect(code(pml), path).not.toContain("PWNED");
      expect(code(pml), path).not.toContain("#include");
      expect(pml, path).not.toMatch(controls);
      expect(pml.split("\n").filter((l) => l.includes("/*")).every((l) => l.trimEnd().endsWith("*/") || l.startsWith("/* Promela export"))).toBe(true);
    }
  });

  it("commentText never leaves a comment, whatever the string", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("*", "/", "\\", "\n", "\r", "\u2028", "\x1b", "a", "?") }), (s) => {
        const t = commentText(s);
        expect(t).not.toContain("*/");
        expect(t).not.toContain("/*");
        expect(t).not.toMatch(controls);
        expect(code(`/* ${t} */`)).toBe(" ");
      }),
      { numRuns: 500, seed: 5 },
    );
  });

  it("through the CLI and SPIN: a crafted path compiles to a model without the attacker's code", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-hostile-"));
    // The first hostile path as real directories (a line break is a legal file-name character on POSIX).
    const parts = hostilePaths[0]!.split("/");
    mkdirSync(join(dir, ...parts.slice(0, -1)), { recursive: true });
    const file = join(dir, ...parts);
    writeFileSync(file, hostileText);
    const r = spawnSync(process.execPath, [join(root, "dist", "cli.js"), "export", "--promela", file], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(code(r.stdout)).not.toContain("PWNED");
    expect(r.stdout).not.toMatch(controls);
    const model = join(dir, "model.pml");
    writeFileSync(model, r.stdout);
    // SPIN's documented pipeline starts with `spin -a`, which copies any
    // c_code into pan.c. Only where SPIN is installed; the checks above hold anyway.
    const spin = spawnSync("spin", ["-a", "model.pml"], { cwd: dir, encoding: "utf8" });
    if (spin.error === undefined) {
      expect(spin.status, spin.stdout + spin.stderr).toBe(0);
      expect(readFileSync(join(dir, "pan.c"), "utf8")).not.toContain("PWNED");
    }
  });
});

describe("the differential generator", () => {
  it("writes scenarios that check clean, deterministically, with every construct somewhere", () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const text = generateScenario(seed);
      expect(generateScenario(seed)).toBe(text);
      const fe = analyzeFrontEnd(text);
      expect(fe.diagnostics.filter((d) => d.severity === "error"), `seed ${seed}`).toEqual([]);
      for (const word of ["recursive mutex", "spinlock", "rwsem", "rlock", "trylock", "wait until", "either", "while", "assert", "fn f0", "[o0, o1]"]) if (text.includes(word)) seen.add(word);
    }
    expect([...seen].sort()).toEqual(["[o0, o1]", "assert", "either", "fn f0", "recursive mutex", "rlock", "rwsem", "spinlock", "trylock", "wait until", "while"].sort());
  });

  it("with the kernel flavour, writes scenarios that check clean, with every §9 construct somewhere, and leaves the plain corpus as it was", () => {
    const words = [
      "ordered workqueue",
      "max_active",
      "] on q", // a work item per object
      "queue_work",
      "if queue_work",
      "flush_work",
      "cancel_work_sync",
      "cancel_work ",
      "flush_workqueue",
      "drain_workqueue",
      "destroy_workqueue",
      "kthread_run",
      "kthread_stop",
      "while !kthread_should_stop()",
      "wait_for_completion",
      "complete ",
      "complete_all",
      "reinit_completion",
      "if try_wait_for_completion",
      "sysfs kn0",
      "kernfs_remove ",
      "if kernfs_remove_self",
      "srcu_read_lock",
      "synchronize_srcu",
      "rcu_read_lock",
      "synchronize_rcu",
    ];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const text = generateScenario(seed, { loops: true, kernel: true });
      expect(generateScenario(seed, { loops: true, kernel: true })).toBe(text);
      const fe = analyzeFrontEnd(text);
      expect(fe.diagnostics.filter((d) => d.severity === "error"), `seed ${seed}`).toEqual([]);
      // Every primitive declared is used (no RACE069).
      expect(fe.diagnostics.filter((d) => d.code === "RACE069"), `seed ${seed}`).toEqual([]);
      for (const word of words) if (text.includes(word)) seen.add(word);
      // The flavour is an option: without it, no §9 word.
      expect(generateScenario(seed)).not.toMatch(/queue_work|kthread|completion|sysfs|srcu|rcu_/);
    }
    expect([...seen].sort()).toEqual([...words].sort());
  });

  it("with the irq flavour, writes scenarios that check clean, with every §10 construct somewhere, and leaves the other corpora as they were", () => {
    const words = [
      "rwlock L",
      "spinlock L",
      "irq h0 on C",
      "softirq h",
      "lock_irq ",
      "unlock_irq ",
      "lock_irqsave ",
      "unlock_irqrestore ",
      "lock_bh ",
      "unlock_bh ",
      "rlock_irq ",
      "runlock_irqrestore ",
      "rlock_bh ",
      "local_irq_disable",
      "local_irq_enable",
      "local_irq_save",
      "local_irq_restore",
      "local_bh_disable",
      "local_bh_enable",
    ];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 200; seed++) {
      const text = generateScenario(seed, { loops: true, irq: true });
      expect(generateScenario(seed, { loops: true, irq: true })).toBe(text);
      const fe = analyzeFrontEnd(text);
      expect(fe.diagnostics.filter((d) => d.severity === "error"), `seed ${seed}`).toEqual([]);
      // Spinning locks only (a handler cannot sleep).
      expect(text, `seed ${seed}`).not.toMatch(/^(mutex|recursive mutex|rwsem) /m);
      for (const word of words) if (text.includes(word)) seen.add(word);
      expect(generateScenario(seed)).not.toMatch(/irq|_bh|rwlock/);
      expect(generateScenario(seed, { loops: true, kernel: true })).not.toMatch(/irq|_bh|rwlock/);
    }
    expect([...seen].sort()).toEqual([...words].sort());
  });
});

describe("the on-top guard of interrupted contexts (§10)", () => {
  const on = "cpu_top[0] == 0";
  it("joins a condition's guard, and stands before a statement that is always executable", () => {
    expect(guardAtomic("atomic { lk_owner[1] == 0 -> lk_owner[1] = 1; goto L0_2 }", on)).toBe("atomic { (cpu_top[0] == 0) && (lk_owner[1] == 0) -> lk_owner[1] = 1; goto L0_2 }");
    expect(guardAtomic("atomic { t = !(gv[0]); goto L0_3 }", on)).toBe("atomic { (cpu_top[0] == 0) -> t = !(gv[0]); goto L0_3 }");
    expect(guardAtomic("atomic { cp_done[0] = 0; goto L0_3 }", on)).toBe("atomic { (cpu_top[0] == 0) -> cp_done[0] = 0; goto L0_3 }");
    expect(guardAtomic("atomic { r--; goto L0_3 }", on)).toBe("atomic { (cpu_top[0] == 0) -> r--; goto L0_3 }");
    // A selection with `else` is always executable; one without joins each option's guard.
    expect(guardAtomic("atomic { if :: gv[0] -> goto L0_1 :: else -> goto L0_2 fi }", on)).toBe("atomic { (cpu_top[0] == 0) -> if :: gv[0] -> goto L0_1 :: else -> goto L0_2 fi }");
    expect(guardAtomic("atomic { if :: (a > 0) -> if :: b -> skip :: else -> skip fi; goto L0_1 :: c == 1 -> goto L0_2 fi }", on)).toBe(
      "atomic { if :: (cpu_top[0] == 0) && ((a > 0)) -> if :: b -> skip :: else -> skip fi; goto L0_1 :: (cpu_top[0] == 0) && (c == 1) -> goto L0_2 fi }",
    );
    expect(guardAtomic("atomic { if :: goto L0_1 :: goto L0_2 fi }", on)).toBe("atomic { if :: (cpu_top[0] == 0) -> goto L0_1 :: (cpu_top[0] == 0) -> goto L0_2 fi }");
    // Conditional expressions keep their arrows inside parentheses.
    expect(guardAtomic("atomic { h_run[3] == 0 && (h_run[4] == 1 -> irq_off[4] == 0 : irq_off[2] == 0) -> cpu_top[2] = 4; goto L3_1 }", on)).toBe(
      "atomic { (cpu_top[0] == 0) && (h_run[3] == 0 && (h_run[4] == 1 -> irq_off[4] == 0 : irq_off[2] == 0)) -> cpu_top[2] = 4; goto L3_1 }",
    );
  });

  it("guards every statement of a task with handlers and of the handlers, with no `provided` clause (differential irq seed 23)", () => {
    const fe = analyzeFrontEnd(read(join(fixturesDir, "differential", "irq-seed-23.race")));
    const pml = toPromela(compile(fe.ast, fe.checked.scope));
    expect(pml).not.toContain("provided");
    const statements = pml.split("\n").filter((l) => /^(end)?L[0-9]+_[0-9]+: atomic/.test(l));
    const of = (cpu: number): string[] => statements.filter((l) => l.startsWith(`L${cpu}_`) || l.startsWith(`endL${cpu}_`));
    for (const l of of(2)) expect(l).toContain("cpu_top[2] == 0");
    for (const l of of(3)) expect(l).toContain("(h_run[3] != 1 || cpu_top[2] == 4)");
    // C1 has no handler: nothing to guard.
    for (const l of of(1)) expect(l).not.toContain("cpu_top");
  });
});
