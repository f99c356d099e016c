// Every real report of ../shared/splats imports into a scenario with no
// front-end errors whose check finds lockdep's deadlock on the report's own
// locks, reduced and full alike; the pseudo-locks classify as what they are;
// the same report pasted with or without timestamps, quoted, or among other
// console lines gives the same scenario.

import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { importLockdep, type ImportedScenario } from "../../server/src/import";
import type { Nature } from "../../server/src/import/writeAs";
import { summarize } from "../helpers";
import { body, checkBoth, deadlockLocks, inNoise, quoted, splat, splatFiles, withoutTimestamps } from "./splats";

interface Expected {
  readonly kind: ImportedScenario["kind"];
  /** Lockdep's cycle (chain reports: -> #0 … -> #N), the class taken twice, or the irq chain. */
  readonly chain: readonly string[];
  /** The classes the check's deadlock waits for. */
  readonly deadlock: readonly string[];
  readonly natures: Readonly<Record<string, Nature>>;
  /** `cpu` blocks by role. */
  readonly roles: readonly string[];
}

const EXPECTED: Readonly<Record<string, Expected>> = {
  "01_pci_p2sb_rescan_flush_work.txt": {
    kind: "circular",
    chain: ["(work_completion)(&wfc.work)", "pci_rescan_remove_lock"],
    deadlock: ["(work_completion)(&wfc.work)", "pci_rescan_remove_lock"],
    natures: { "(work_completion)(&wfc.work)": "work", "kn->active#136": "kernfs", pci_rescan_remove_lock: "mutex", "sb_writers#4": "rwsem", "&of->mutex": "mutex", "&dev->mutex": "mutex" },
    roles: ["trigger", "chain"],
  },
  "02_pciehp_reset_lock_vs_rescan_fp.txt": {
    kind: "circular",
    chain: ["&ctrl->reset_lock", "pci_rescan_remove_lock"],
    deadlock: ["&ctrl->reset_lock", "pci_rescan_remove_lock"],
    natures: { "&ctrl->reset_lock": "rwsem", pci_rescan_remove_lock: "mutex" },
    // Both sides read &ctrl->reset_lock: lockdep's cycle needs a writer waiting between them.
    roles: ["trigger", "chain", "writer"],
  },
  "03_pciehp_reset_lock_recursive_fp.txt": {
    kind: "recursive",
    chain: ["&ctrl->reset_lock"],
    deadlock: ["&ctrl->reset_lock"],
    natures: { "&ctrl->reset_lock": "rwsem", pci_rescan_remove_lock: "mutex", "&dev->mutex": "mutex" },
    roles: ["trigger", "writer"],
  },
  "04_zram_kn_active_kernfs_drain.txt": {
    kind: "circular",
    chain: ["kn->active#237", "zram_index_mutex"],
    deadlock: ["kn->active#237", "zram_index_mutex"],
    natures: { "kn->active#237": "kernfs", "kn->active#238": "kernfs", zram_index_mutex: "mutex", "&of->mutex": "mutex" },
    roles: ["trigger", "chain"],
  },
  "06_amdkfd_srcu_synchronize.txt": {
    kind: "circular",
    chain: ["srcu", "(work_completion)(&(&process->restore_work)->work)", "&info->lock#2", "(work_completion)(&svms->deferred_list_work)"],
    deadlock: ["srcu", "(work_completion)(&(&process->restore_work)->work)", "&info->lock#2", "(work_completion)(&svms->deferred_list_work)"],
    natures: { srcu: "srcu", "(work_completion)(&(&process->restore_work)->work)": "work", "&info->lock#2": "mutex", "(work_completion)(&svms->deferred_list_work)": "work" },
    roles: ["trigger", "chain", "chain", "chain"],
  },
  "08_snd_timer_irq_inversion.txt": {
    kind: "irq-inversion",
    chain: ["&timer->lock", "&new->fa_lock", "tasklist_lock"],
    deadlock: ["&timer->lock", "tasklist_lock"],
    natures: { "&timer->lock": "spinlock", tasklist_lock: "rwlock" },
    roles: ["irq-unsafe", "irq-chain", "writer"],
  },
  "12_syz_ip_setsockopt_rtnl.txt": {
    kind: "circular",
    chain: ["sk_lock-AF_INET", "&xt[i].mutex", "rtnl_mutex"],
    deadlock: ["sk_lock-AF_INET", "&xt[i].mutex", "rtnl_mutex"],
    natures: { "sk_lock-AF_INET": "mutex", "&xt[i].mutex": "mutex", rtnl_mutex: "mutex" },
    roles: ["trigger", "chain", "chain"],
  },
  "13_syz_rtnl_recursive.txt": {
    kind: "recursive",
    chain: ["rtnl_mutex"],
    deadlock: ["rtnl_mutex"],
    natures: { rtnl_mutex: "mutex", "ipvs->sync_mutex": "mutex" },
    roles: ["trigger"],
  },
  "16_syz_inconsistent_softirq_io_uring.txt": {
    kind: "inconsistent",
    chain: ["&file_data->lock"],
    deadlock: ["&file_data->lock"],
    natures: { "&file_data->lock": "spinlock", rcu_read_lock: "rcu", rcu_callback: "map" },
    roles: ["irq-unsafe"],
  },
  "18_syz_hardirq_safe_unsafe_input.txt": {
    kind: "safe-unsafe",
    chain: ["&dev->event_lock", "&client->buffer_lock", "&new->fa_lock"],
    deadlock: ["&dev->event_lock", "&new->fa_lock"],
    natures: { "&dev->event_lock": "spinlock", "&client->buffer_lock": "spinlock", "&new->fa_lock": "rwlock", rcu_read_lock: "rcu", "&evdev->mutex": "mutex" },
    roles: ["irq-unsafe", "irq-chain", "writer"],
  },
};

function importOne(text: string): ImportedScenario {
  const r = importLockdep(text);
  if (!r.ok) throw new Error(r.error.message);
  expect(r.scenarios).toHaveLength(1);
  return r.scenarios[0]!;
}

describe("the real reports of ../shared/splats", () => {
  it("has an expectation for every splat", () => {
    expect(splatFiles()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of splatFiles()) {
    describe(file, () => {
      const exp = EXPECTED[file]!;
      const text = splat(file);
      const s = importOne(text);
      const idOf = (cls: string): string => s.locks.find((l) => l.cls === cls)?.id ?? `<no lock for ${cls}>`;

      it(`imports as a ${exp.kind} report with lockdep's chain, one cpu per path`, () => {
        expect(s.kind).toBe(exp.kind);
        expect(s.chain.map((c) => c.cls)).toEqual(exp.chain);
        expect(s.cpus.map((c) => c.role)).toEqual(exp.roles);
        for (const c of s.chain) expect(c.id).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      });

      it("classifies each lock class", () => {
        const natures = Object.fromEntries(s.locks.filter((l) => l.cls in exp.natures).map((l) => [l.cls, l.nature]));
        expect(natures).toEqual(exp.natures);
      });

      it("writes a scenario with no front-end errors or warnings", () => {
        const fe = analyzeFrontEnd(s.text);
        expect(fe.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      });

      it("checks as a deadlock on the report's locks, reduced and full alike", () => {
        const { reduced, full } = checkBoth(s.text);
        expect(reduced.verdict).toBe("deadlock");
        expect(reduced.met).toBe(true);
        const wanted = exp.deadlock.map(idOf).sort();
        expect(deadlockLocks(reduced)).toContainEqual(wanted);
        expect(deadlockLocks(full)).toEqual(deadlockLocks(reduced));
        expect(summarize(full)).toEqual(summarize(reduced));
        for (const p of reduced.report!.problems) expect(p.trace.length).toBeGreaterThan(0);
      });

      it("writes lockdep's three assumptions at the top, citing real lines", () => {
        const lines = s.text.split("\n");
        const cited = (n: number): string => lines[n - 1] ?? "";
        const nums = (label: RegExp): number[] => {
          const para = s.text.slice(s.text.search(label));
          const m = /\((lines? [\d, and]+)\)/.exec(para.replace(/\n\/\/ /g, " "));
          return m ? [...m[1]!.matchAll(/\d+/g)].map((x) => Number(x[0])) : [];
        };
        expect(nums(/\/\/ 1\. The paths run at the same time/).map(cited).every((l) => l.startsWith("cpu "))).toBe(true);
        expect(nums(/\/\/ 1\. The paths run at the same time/)).toHaveLength(s.cpus.length);
        expect(nums(/\/\/ 2\. Each lock class is one lock/).map(cited).every((l) => /^(mutex|rwsem|spinlock) /.test(l))).toBe(true);
        expect(nums(/\/\/ 3\. No state keeps a wait/).map(cited).every((l) => l.trim().startsWith("// (3)"))).toBe(true);
        expect(nums(/\/\/ 3\. No state keeps a wait/).length).toBeGreaterThan(0);
        expect(s.text).toMatch(/\/\/ (mutex|rwsem|spinlock) \w+\[a, b\]/);
        expect(s.text).toMatch(/\nexpect deadlock\b/);
      });

      it("gives the same scenario without timestamps, quoted with '> ', and among other console lines", () => {
        const expected = body(s);
        expect(body(importOne(withoutTimestamps(text)))).toBe(expected);
        expect(body(importOne(quoted(text)))).toBe(expected);
        expect(body(importOne(inNoise(text)))).toBe(expected);
        expect(body(importOne(quoted(inNoise(withoutTimestamps(text), 2))))).toBe(expected);
      });
    });
  }
});
