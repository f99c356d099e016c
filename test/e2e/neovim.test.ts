// A second real LSP client: headless Neovim attaches the built server to
// samples and reads back the engine's diagnostics and a hover. Needs nvim
// (Debian's neovim; .ci/run installs it).

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../helpers";


function nvim(sample: string, code: string): { status: number | null; out: string } {
  const r = spawnSync("timeout", ["60", "nvim", "--headless", "--noplugin", "-i", "NONE", "-u", join(__dirname, "nvim-init.lua"), join(root, "samples", sample)], {
    encoding: "utf8",
    env: { ...process.env, RACE_SERVER: join(root, "dist", "server.js"), RACE_WANT_CODE: code },
    cwd: root,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("Neovim as an LSP client", () => {
  it("shows the v9 deadlock on both blocked locks and hovers it", () => {
    const r = nvim("v9-remove-vs-unbind.race", "RACE100");
    expect(r.out).toContain("DIAG 19:3 3 RACE100 Deadlock: CPU0 waits for device_lock[pf]");
    expect(r.out).toContain("DIAG 24:3 3 RACE100 Deadlock:");
    expect(r.out).toMatch(/HOVER \*\*Locks held on arrival\*\*.*CPU1 → unbind_store\(pf\) → device_release_driver\(pf\) → pf_drv\.remove\(pf\) → sriov_del_vfs\(pf\)\*\*: always `device_lock\[pf\]`/);
    expect(r.status).toBe(0);
  }, 90_000);

  it("shows the vfio hang of seed 002", () => {
    const r = nvim("vfio-numvfs-show.race", "RACE101");
    expect(r.out).toMatch(/DIAG \d+:\d+ 3 RACE101 Hang: CPU0 is stuck at 'wait until released'/);
    expect(r.out).toContain("HOVER **Locks held while waiting**, per CPU and call path: | - **CPU0 → device_release_driver(pf) → vfio_pci.remove(pf)**: always `device_lock[pf]`");
    expect(r.status).toBe(0);
  }, 90_000);
});
