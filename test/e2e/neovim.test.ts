// A second real LSP client: headless Neovim attaches the built server to
// samples and reads back the engine's diagnostics, hovers, definitions,
// references, renames and completions, and opens the files the server names (nvim-init.lua says
// how). Several files (race-language.md §11) over plain LSP: the kernel
// library's files are file: URIs of the shipped library, which Neovim opens
// like any file; a relative import with an error shows at the import line
// and in that file once it is open, and fixing it there (unsaved) checks
// the importer again; so does fixing it on the disk, which Neovim 0.7 does
// not watch for the server (the server watches it itself). Needs nvim (Debian's neovim; .ci/run installs it).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../helpers";

function nvim(file: string, code: string, ask = "", cwd = root): { status: number | null; out: string } {
  const r = spawnSync("timeout", ["60", "nvim", "--headless", "--noplugin", "-i", "NONE", "-u", join(__dirname, "nvim-init.lua"), file], {
    encoding: "utf8",
    env: { ...process.env, RACE_SERVER: join(root, "dist", "server.js"), RACE_WANT_CODE: code, RACE_ASK: ask },
    cwd,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** 1-based `line:col` of the nth `needle` in `text`, plus `delta` columns, as Neovim shows it. */
function at(text: string, needle: string, nth = 0, delta = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`'${needle}' not found`);
  }
  const before = text.slice(0, i).split("\n");
  return `${before.length}:${before[before.length - 1]!.length + 1 + delta}`;
}

describe("Neovim as an LSP client", () => {
  it("shows the v9 deadlock on both blocked calls and hovers it", () => {
    const r = nvim(join("samples", "v9-remove-vs-unbind.race"), "RACE100");
    // CPU1 blocks in the driver's .remove() the scenario declares, CPU0 inside its call of the library's remove_store_v9().
    expect(r.out).toContain("DIAG 16:15 3 RACE100 Deadlock: CPU0 waits for device_lock[pf] in device_release_driver(pf, pf_drv), held by CPU1; CPU1 waits for pci_rescan_remove_lock in pci_lock_rescan_remove(), held by CPU0.");
    expect(r.out).toContain("DIAG 19:55 3 RACE100 Deadlock:");
    expect(r.out).toMatch(/HOVER \*\*function\*\* `pci_disable_sriov` \| {2}\| _Declared in `linux\/pci-reentrant`\._.*CPU1 → unbind_store\(pf, pf_drv\) → device_driver_detach\(pf, pf_drv\) → device_release_driver\(pf, pf_drv\) → pf_drv\.remove\(pf\) → pci_disable_sriov\(pf\)\*\*: always `device_lock\[pf\]`/);
    expect(r.status).toBe(0);
  }, 90_000);

  it("shows the vfio hang of seed 002", () => {
    const r = nvim(join("samples", "vfio-numvfs-show.race"), "RACE101");
    expect(r.out).toMatch(/DIAG \d+:\d+ 3 RACE101 Hang: CPU0 is stuck at 'wait until released'/);
    expect(r.out).toContain("HOVER **Locks held while waiting**, per CPU and call path: | - **CPU0 → device_release_driver(pf, vfio_pci) → vfio_pci.remove(pf)**: always `device_lock[pf]`");
    expect(r.status).toBe(0);
  }, 90_000);

  it("on a scenario of the kernel library: its findings in library code, definition into the library, hover, references across files, no rename of the library, completion of its names", () => {
    // v10's rebind window (v11's lock-order inversion, which showed at the import, is gone:
    // the library's device_lock is novalidate, as the kernel's dev->mutex).
    const file = join("samples", "v10-rebind-window.race");
    const text = ['import "linux/pci-reentrant"', 'cpu CPU0 "echo 1 > remove" { remove_store_v10(pf, pf_drv) }', 'cpu CPU1 "echo $PF > bind" { bind_store(pf, pf_drv) }'];
    const sample = readFileSync(join(root, file), "utf8");
    for (const line of text) expect(sample).toContain(line);
    // (Past the header comment, which names bind_store too.)
    const bind = at(sample, "bind_store(pf", 0, 1);
    const importAt = at(sample, '"linux/pci-reentrant"', 0, 2);
    const r = nvim(file, "RACE100", [`definition ${bind}`, `hover ${bind}`, `references ${bind}`, `rename ${bind} grab`, `complete ${at(sample, "bind_store(pf")}`, `definition ${importAt}`, `hover ${importAt}`, `jump ${at(sample, "remove_store_v10(pf", 0, 2)}`].join(";"));
    // Its deadlocks wait at locks in library code: each shows at the scenario's own call into it.
    expect(r.out).toMatch(/DIAG \d+:\d+ \d RACE100 Deadlock: CPU0 /);
    // bind_store is two imports away (pci-reentrant → pci-core → driver-core): a file: URI of the shipped library.
    expect(r.out).toContain("DEF library/linux/driver-core.race 94:4");
    expect(r.out).toContain(`HOVERAT ${bind} **function** \`bind_store\` |  | _Declared in \`linux/driver-core\`._ |  | bind_store() (drivers/base/bus.c, v6.x)`);
    expect(r.out.split("\n").filter((l) => l.startsWith("REF "))).toEqual(["REF library/linux/driver-core.race 94:4", `REF samples/v10-rebind-window.race ${at(sample, "bind_store(pf")}`]);
    // On the import's string: the file it names, and what it is.
    expect(r.out).toContain("DEF library/linux/pci-reentrant.race 1:1");
    expect(r.out).toContain(`HOVERAT ${importAt} **import** \`linux/pci-reentrant\`: a file of the kernel library (read-only) |  | linux/pci-reentrant: linux/pci with the seed series applied`);
    expect(r.out).toContain("RENAMEERR This name is declared in the kernel library (linux/driver-core), which is read-only.");
    const completed = r.out.split("\n").find((l) => l.startsWith("COMPLETE "))!.slice(9).split(",");
    for (const name of ["bind_store", "remove_store_v10", "device_release_driver", "device_lock", "pci_rescan_remove_lock"]) expect(completed).toContain(name);
    // Neovim opens the library file the server names, and the server takes it as a file of declarations: no diagnostics.
    expect(r.out).toMatch(/JUMP library\/linux\/pci-reentrant\.race 59:4 \d+ lines\n/);
    expect(r.out).not.toContain("INFILE");
    expect(r.out).not.toContain("FAIL");
    expect(r.status).toBe(0);
  }, 90_000);

  it("on a relative import with an error: at the import line, in the file once open, and the importer checked again when it is fixed there", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-nvim-"));
    const helpers = "// Helpers for main.race: two locks, taken in a function.\nmutex a\nmutex b\nfn take_ab() {\n  lock a\n  lock b\n  unlock b\n  unlock nosuch\n}\n";
    const main = 'scenario "AB-BA across two files"\nimport "helpers.race"\nfn take_ba() { lock b; lock a; unlock a; unlock b }\ncpu C0 { take_ab() }\ncpu C1 { take_ba() }\nexpect deadlock\n';
    writeFileSync(join(dir, "helpers.race"), helpers);
    writeFileSync(join(dir, "main.race"), main);
    const call = at(main, "take_ab", 0, 1);
    const r = nvim("main.race", "RACE084", [`definition ${call}`, `hover ${call}`, `references ${call}`, `rename ${call} grab`, `complete ${at(main, "take_ab")}`, `jump ${call}`, "edit 8   unlock a", "wait RACE100"].join(";"), dir);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe(`DIAG ${at(main, '"helpers.race"')} 1 RACE084 In helpers.race:8:10: Unknown lock 'nosuch'; declare it, e.g. 'mutex nosuch'. [RACE010]`);
    expect(r.out).toContain(`DEF helpers.race ${at(helpers, "take_ab")}`);
    expect(r.out).toContain(`HOVERAT ${call} **function** \`take_ab\` |  | _Declared in \`helpers.race\`._`);
    expect(lines.filter((l) => l.startsWith("REF "))).toEqual([`REF helpers.race ${at(helpers, "take_ab")}`, `REF main.race ${at(main, "take_ab")}`]);
    expect(lines.filter((l) => l.startsWith("RENAME"))).toEqual([`RENAME helpers.race ${at(helpers, "take_ab")}`, `RENAME main.race ${at(main, "take_ab")}`]);
    expect(lines.find((l) => l.startsWith("COMPLETE "))!.slice(9).split(",")).toEqual(expect.arrayContaining(["take_ab", "take_ba", "a", "b"]));
    expect(r.out).toContain(`JUMP helpers.race ${at(helpers, "take_ab")} 9 lines`);
    // Open, the imported file shows its own error where it is.
    expect(r.out).toContain("INFILE 8:10 1 RACE010 Unknown lock 'nosuch'; declare it, e.g. 'mutex nosuch'.");
    // Fixed in the buffer, unsaved: the importer is checked again, and now deadlocks as it expects.
    const after = r.out.slice(r.out.indexOf("FOUND RACE100"));
    expect(after).toContain(`DIAG ${at(main, "take_ab()")} 3 RACE100 Deadlock: C0 waits for b in take_ab(), held by C1; C1 waits for a in take_ba(), held by C0.`);
    expect(after).not.toContain("RACE084");
    expect(r.status).toBe(0);
  }, 90_000);

  it("checks the importer again when the imported file is fixed on the disk, which Neovim does not watch", () => {
    const dir = mkdtempSync(join(tmpdir(), "race-nvim-"));
    writeFileSync(join(dir, "helpers.race"), "mutex a\nmutex b\nfn take_ab() {\n  lock a\n  lock b\n  unlock b\n  unlock nosuch\n}\n");
    writeFileSync(join(dir, "main.race"), 'import "helpers.race"\nfn take_ba() { lock b; lock a; unlock a; unlock b }\ncpu C0 { take_ab() }\ncpu C1 { take_ba() }\nexpect deadlock\n');
    const r = nvim("main.race", "RACE084", ["disk helpers.race 7   unlock a", "wait RACE100"].join(";"), dir);
    expect(r.out).toMatch(/^DIAG 1:8 1 RACE084 In helpers\.race:7:10: Unknown lock 'nosuch'/);
    const after = r.out.slice(r.out.indexOf("FOUND RACE100"));
    expect(after).toContain("DIAG 3:10 3 RACE100 Deadlock: C0 waits for b in take_ab(), held by C1;");
    expect(after).not.toContain("RACE084");
    expect(r.status).toBe(0);
  }, 90_000);
});
