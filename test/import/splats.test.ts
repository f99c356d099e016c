// Every real report of ../shared/splats imports into a scenario with no
// front-end errors whose check finds lockdep's deadlock on the report's own
// locks, reduced and full alike (and, for the irq reports, confirms lockdep's
// irq report); the pseudo-locks classify as what they are and are written as
// their §9–§10 constructs (work items, kernfs nodes, SRCU, rwlock, handlers);
// the same report pasted with or without timestamps, quoted, or among other
// console lines gives the same scenario.

import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { importLockdep, type ImportedScenario } from "../../server/src/import";
import type { Nature } from "../../server/src/import/writeAs";
import { summarize } from "../helpers";
import { body, checkBoth, confirmedIrqReports, deadlockLocks, inNoise, quoted, splat, splatFiles, withoutTimestamps } from "./splats";

interface Expected {
  readonly kind: ImportedScenario["kind"];
  /** Lockdep's cycle (chain reports: -> #0 … -> #N), the class taken twice, or the irq chain. */
  readonly chain: readonly string[];
  /** The classes the check's deadlock waits for. */
  readonly deadlock: readonly string[];
  readonly natures: Readonly<Record<string, Nature>>;
  /** `cpu` blocks (or work items) by role. */
  readonly roles: readonly string[];
  /** Lines the mapping writes (each must appear, trimmed, as a line of the scenario). */
  readonly mapped: readonly string[];
  /** What must not be written: a pseudo-lock as a plain lock. */
  readonly unmapped?: readonly string[];
  /** Lockdep's irq report the check confirms (the engine's title and chain). */
  readonly irq?: string;
}

const EXPECTED: Readonly<Record<string, Expected>> = {
  "01_pci_p2sb_rescan_flush_work.txt": {
    kind: "circular",
    chain: ["(work_completion)(&wfc.work)", "pci_rescan_remove_lock"],
    deadlock: ["(work_completion)(&wfc.work)", "pci_rescan_remove_lock"],
    natures: { "(work_completion)(&wfc.work)": "work", "kn->active#136": "kernfs", pci_rescan_remove_lock: "mutex", "sb_writers#4": "rwsem", "&of->mutex": "mutex", "&dev->mutex": "mutex" },
    roles: ["trigger", "chain"],
    // The kworker holding (work_completion)(&wfc.work) is the item's body; bash flushes it, and queues it first.
    mapped: ["work wfc_work on events {", "flush_work wfc_work  // bash/1615 is trying to acquire (work_completion)(&wfc.work)", "queue_work wfc_work", "workqueue events  // system_wq, assumed: the report does not name the queue of wfc_work", "kernfs kn_active_136  // kn->active#136 {.+.+}: a kernfs node's active references: a sysfs handler holds one while it runs, and removing the node (kernfs_drain) waits for them", "sysfs kn_active_136 {  // held by bash/1615 since kernfs_fop_write_iter() (not in the cycle)"],
    unmapped: ["lock wfc_work", "mutex wfc_work", "rlock kn_active_136", "rwsem kn_active_136"],
  },
  "02_pciehp_reset_lock_vs_rescan_fp.txt": {
    kind: "circular",
    chain: ["&ctrl->reset_lock", "pci_rescan_remove_lock"],
    deadlock: ["&ctrl->reset_lock", "pci_rescan_remove_lock"],
    natures: { "&ctrl->reset_lock": "rwsem", pci_rescan_remove_lock: "mutex" },
    // Both sides read &ctrl->reset_lock: lockdep's cycle needs a writer waiting between them.
    roles: ["trigger", "chain", "writer"],
    mapped: ["rwsem ctrl_reset_lock  // &ctrl->reset_lock {.+.+}-{3:3}"],
  },
  "03_pciehp_reset_lock_recursive_fp.txt": {
    kind: "recursive",
    chain: ["&ctrl->reset_lock"],
    deadlock: ["&ctrl->reset_lock"],
    natures: { "&ctrl->reset_lock": "rwsem", pci_rescan_remove_lock: "mutex", "&dev->mutex": "mutex" },
    roles: ["trigger", "writer"],
    mapped: [],
  },
  "04_zram_kn_active_kernfs_drain.txt": {
    kind: "circular",
    chain: ["kn->active#237", "zram_index_mutex"],
    deadlock: ["kn->active#237", "zram_index_mutex"],
    natures: { "kn->active#237": "kernfs", "kn->active#238": "kernfs", zram_index_mutex: "mutex", "&of->mutex": "mutex" },
    roles: ["trigger", "chain"],
    // The removal waits (kernfs_drain) for the sysfs write that holds an active reference.
    mapped: ["kernfs kn_active_237", "kernfs_remove kn_active_237  // bash/1154 is trying to acquire kn->active#237", "sysfs kn_active_237 {  // lockdep: held when this path took zram_index_mutex; where it was taken is not in the report", "kernfs kn_active_238  // kn->active#238 {.+.+}: a kernfs node's active references: a sysfs handler holds one while it runs, and removing the node (kernfs_drain) waits for them"],
    unmapped: ["lock kn_active_237", "rlock kn_active_237", "rwsem kn_active_237"],
  },
  "06_amdkfd_srcu_synchronize.txt": {
    kind: "circular",
    chain: ["srcu", "(work_completion)(&(&process->restore_work)->work)", "&info->lock#2", "(work_completion)(&svms->deferred_list_work)"],
    deadlock: ["srcu", "(work_completion)(&(&process->restore_work)->work)", "&info->lock#2", "(work_completion)(&svms->deferred_list_work)"],
    natures: { srcu: "srcu", "(work_completion)(&(&process->restore_work)->work)": "work", "&info->lock#2": "mutex", "(work_completion)(&svms->deferred_list_work)": "work" },
    roles: ["trigger", "chain", "chain", "chain"],
    // synchronize_srcu in one work item, a read section around cancel_work_sync, another item's body, a flush.
    mapped: ["srcu srcu_", "synchronize_srcu srcu_  // kworker/0:2/996 is trying to acquire srcu", "srcu_read_lock srcu_  // lockdep: held when this path took (work_completion)(&(&process->restore_work)->work); where it was taken is not in the report", "srcu_read_unlock srcu_", "cancel_work_sync process_restore_work_work  // -> #1: takes (work_completion)(&(&process->restore_work)->work) holding srcu", "work process_restore_work_work on events {", "work svms_deferred_list_work on events {", "flush_work svms_deferred_list_work  // -> #3: takes (work_completion)(&svms->deferred_list_work) holding &info->lock#2", "queue_work svms_deferred_list_work", "queue_work process_restore_work_work"],
    unmapped: ["rwsem srcu_", "lock srcu_", "rlock srcu_", "mutex svms_deferred_list_work"],
  },
  "08_snd_timer_irq_inversion.txt": {
    kind: "irq-inversion",
    chain: ["&timer->lock", "&new->fa_lock", "tasklist_lock"],
    deadlock: ["&timer->lock", "tasklist_lock"],
    // &new->fa_lock: no usage of it in this copy, but lockdep's scenario takes it after local_irq_disable() and &timer->lock, so it spins
    // (fs/fcntl.c: an rwlock_t). As a mutex, the import slept under a spinlock (RACE122), found trying the product as a new user.
    natures: { "&timer->lock": "spinlock", tasklist_lock: "rwlock", "&new->fa_lock": "spinlock" },
    roles: ["irq-unsafe", "irq-chain", "writer"],
    // The softirq fires on the CPU that reads tasklist_lock; the chain takes the irq-safe &timer->lock with interrupts off (lockdep's scenario: local_irq_disable()).
    mapped: ["rwlock tasklist_lock  // tasklist_lock {.+.+}-{2:2}: an rwlock_t, `rwlock` (race-language.md §10)", "softirq snd_timer_interrupt_softirq on kworker_do_wait {", "lock_irqsave timer_lock  // lockdep's chain: where this path took it is not in the report", "unlock_irqrestore timer_lock"],
    unmapped: ["rwsem tasklist_lock"],
    // The engine names an inversion whose chain it sees as one edge "safe -> unsafe" (lockdep: by which event came last).
    irq: "SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected: timer_lock -> tasklist_lock",
  },
  "12_syz_ip_setsockopt_rtnl.txt": {
    kind: "circular",
    chain: ["sk_lock-AF_INET", "&xt[i].mutex", "rtnl_mutex"],
    deadlock: ["sk_lock-AF_INET", "&xt[i].mutex", "rtnl_mutex"],
    natures: { "sk_lock-AF_INET": "mutex", "&xt[i].mutex": "mutex", rtnl_mutex: "mutex" },
    roles: ["trigger", "chain", "chain"],
    mapped: [],
  },
  "13_syz_rtnl_recursive.txt": {
    kind: "recursive",
    chain: ["rtnl_mutex"],
    deadlock: ["rtnl_mutex"],
    natures: { rtnl_mutex: "mutex", "ipvs->sync_mutex": "mutex" },
    roles: ["trigger"],
    mapped: [],
  },
  "16_syz_inconsistent_softirq_io_uring.txt": {
    kind: "inconsistent",
    chain: ["&file_data->lock"],
    deadlock: ["&file_data->lock"],
    natures: { "&file_data->lock": "spinlock", rcu_read_lock: "rcu", rcu_callback: "map" },
    roles: ["irq-unsafe"],
    // rcu_core's softirq on the CPU that takes the lock with softirqs on; the RCU section is rcu_read_lock.
    mapped: ["softirq rcu_core_si_softirq on task_sys_io_uring_register {", "rcu_read_lock  // held by swapper/0/0 since percpu_ref_put_many.constprop.0()", "rcu_read_unlock", "spinlock rcu_callback  // rcu_callback {....}: a lockdep map the importer does not know (a timer, or another pseudo-lock), not a lock; no construct models it"],
    // The softirq handler holds rcu_callback (rcu_core()): as a mutex it slept there (RACE122, the import's own), found trying the product as a new user.
    unmapped: ["rwsem rcu_read_lock_", "either \"<Interrupt>"],
    irq: "inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage: file_data_lock",
  },
  "18_syz_hardirq_safe_unsafe_input.txt": {
    kind: "safe-unsafe",
    chain: ["&dev->event_lock", "&client->buffer_lock", "&new->fa_lock"],
    deadlock: ["&dev->event_lock", "&new->fa_lock"],
    natures: { "&dev->event_lock": "spinlock", "&client->buffer_lock": "spinlock", "&new->fa_lock": "rwlock", rcu_read_lock: "rcu", "&evdev->mutex": "mutex" },
    roles: ["irq-unsafe", "irq-chain", "writer"],
    // The hardirq on the CPU that reads &new->fa_lock with interrupts on; the task takes &dev->event_lock with them off.
    mapped: ["irq i8042_interrupt_irq on shutdown_kill_fasync {", "lock_irqsave dev_event_lock  // held by syz-executor.4/17509 since input_inject_event()", "unlock_irqrestore dev_event_lock", "rwlock new_fa_lock  // &new->fa_lock {.?.+}-{2:2}: an rwlock_t, `rwlock` (race-language.md §10)", "rcu_read_lock  // held by syz-executor.4/17509 since evdev_events()"],
    unmapped: ["rwsem new_fa_lock", "either \"<Interrupt>", "local_irq_disable"],
    irq: "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected: dev_event_lock -> new_fa_lock",
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
      const idOf = (cls: string): string => s.locks.find((l) => l.cls === cls)?.reported ?? `<no lock for ${cls}>`;

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
        // Nothing the import itself got wrong: no lock that sleeps where lockdep's report has it spin.
        expect(reduced.diagnostics.filter((d) => d.code === "RACE122").map((d) => d.message)).toEqual([]);
        expect(reduced.verdict).toBe("deadlock");
        expect(reduced.met).toBe(true);
        const wanted = exp.deadlock.map(idOf).sort();
        expect(deadlockLocks(reduced)).toContainEqual(wanted);
        expect(deadlockLocks(full)).toEqual(deadlockLocks(reduced));
        expect(summarize(full)).toEqual(summarize(reduced));
        for (const p of reduced.report!.problems) expect(p.trace.length).toBeGreaterThan(0);
        if (exp.irq) {
          expect(confirmedIrqReports(reduced)).toContain(exp.irq);
          expect(confirmedIrqReports(full)).toEqual(confirmedIrqReports(reduced));
        }
      });

      it("writes each pseudo-lock (and the interrupt) as its §9–§10 construct, not as a plain lock", () => {
        const lines = new Set(s.text.split("\n").map((l) => l.trim()));
        for (const m of exp.mapped) expect(lines.has(m), m).toBe(true);
        for (const u of exp.unmapped ?? []) expect([...lines].filter((l) => l.startsWith(u)), u).toEqual([]);
        expect(s.text).not.toMatch(/until the importer maps it|not modelled yet|does not write interrupt handlers/);
      });

      it("writes lockdep's three assumptions at the top, citing real lines", () => {
        const lines = s.text.split("\n");
        const cited = (n: number): string => lines[n - 1] ?? "";
        const nums = (label: RegExp): number[] => {
          const para = s.text.slice(s.text.search(label));
          const m = /\((lines? [\d, and]+)\)/.exec(para.replace(/\n\/\/ /g, " "));
          return m ? [...m[1]!.matchAll(/\d+/g)].map((x) => Number(x[0])) : [];
        };
        // Threads: each `cpu` block, work item and handler (a work item lockdep saw on two paths is one item).
        const threads = lines.filter((l) => /^(cpu|work|irq|softirq) \w+/.test(l));
        expect(nums(/\/\/ 1\. The paths run at the same time/).map(cited)).toEqual(threads);
        expect(threads.length).toBeGreaterThanOrEqual(new Set(s.cpus.map((c) => c.name)).size);
        expect(nums(/\/\/ 2\. Each lock class is one lock/).map(cited).every((l) => /^(mutex|rwsem|spinlock|rwlock|kernfs|srcu|workqueue|ordered workqueue|work) /.test(l))).toBe(true);
        expect(nums(/\/\/ 3\. No state keeps a wait/).map(cited).every((l) => l.trim().startsWith("// (3)"))).toBe(true);
        expect(nums(/\/\/ 3\. No state keeps a wait/).length).toBeGreaterThan(0);
        expect(s.text).toMatch(/\/\/ (mutex|rwsem|spinlock|rwlock|kernfs|srcu|work) \w+\[a, b\]/);
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

describe("a lock a handler holds, or lockdep's scenario takes in atomic context, spins: unless lockdep says it sleeps (found by review)", () => {
  const original = splat("16_syz_inconsistent_softirq_io_uring.txt");
  const held = "(rcu_callback){....}-{0:0}, at: rcu_core";
  const sleepIn = (text: string): string[] => checkBoth(importOne(text).text).reduced.diagnostics.filter((d) => d.code === "RACE122").map((d) => d.message);

  it("a lockdep map a softirq holds is a spinlock: no sleep the import made up", () => {
    expect(original).toContain(held);
    expect(importOne(original).text).toMatch(/^spinlock rcu_callback {2}\/\//m);
    expect(sleepIn(original)).toEqual([]);
  });

  it("a mutex with lockdep's sleeping wait type stays one: held in the softirq, the report's own bug (RACE122)", () => {
    const text = original.replace(held, "(&dev->mutex){+.+.}-{4:4}, at: rcu_core");
    expect(importOne(text).text).toMatch(/^mutex dev_mutex {2}\/\//m);
    expect(sleepIn(text)).toHaveLength(1);
  });

  it("memory reclaim stays what it is: an allocation that may reclaim, in a softirq, is the report's own bug", () => {
    const text = original.replace(held, "(fs_reclaim){+.+.}-{0:0}, at: rcu_core");
    expect(importOne(text).text).toMatch(/^mutex fs_reclaim {2}\/\//m);
    expect(sleepIn(text)).toHaveLength(1);
  });
});
