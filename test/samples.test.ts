// The samples are the seed threads' scenarios and pieces of kernel history
// (each with its fix, named after the commit). Each must check clean, open
// with a comment saying what it models (citing the commit), state its
// `expect`, meet it, and give the verdict the history proves (pinned here
// with its findings).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listRace, read, run, samplesDir, summarize } from "./helpers";

const expected: Record<string, { verdict: string; problems: string[]; states: number; reduced: number; inversions?: string[]; irq?: string[] }> = {
  // The seed series on the kernel library (library/linux): each trace counts the library's steps,
  // so most are longer than the hand-written models were (see each line).
  // v9: the AB-BA of the cover letter, 5 steps (the write to `remove`: its sysfs reference and
  // kernfs_remove_self; rescan lock; device lock; .remove() branch). By hand, without sysfs: 3.
  // device_lock is the driver core's dev->mutex, which lockdep does not validate (device_initialize():
  // lockdep_set_novalidate_class; the library declares it `novalidate`): no inversion lockdep could report
  // in the whole series (it said "confirmed" / "lockdep would report it" before; found trying the product).
  "v9-remove-vs-unbind.race": { verdict: "deadlock", problems: ["deadlock [CPU0,CPU1] 5 steps"], states: 77, reduced: 9, inversions: [] },
  // v10 fixes the two-CPU race; lockdep sees no order through device_lock either.
  "v10-remove-vs-unbind.race": { verdict: "safe", problems: [], states: 82, reduced: 8, inversions: [] },
  // v10's window: a bind in it deadlocks via .probe() at pci_stop_dev()'s release (13 steps; 9 by
  // hand) and at device_del()'s kill_device() (17: device_del() is modelled now), a rebind then
  // unbind via .remove() (20; 15 by hand).
  "v10-rebind-window.race": {
    verdict: "deadlock",
    problems: ["deadlock [CPU0,CPU1] 13 steps", "deadlock [CPU0,CPU2] 20 steps", "deadlock [CPU0,CPU1] 17 steps"],
    states: 326, reduced: 39,
    inversions: [],
  },
  "v11-kill-device.race": { verdict: "safe", problems: [], states: 301, reduced: 26, inversions: [] },
  // A bind after kill_device(): safe, and its .probe() path is never reached (coverage).
  "v11-bind-after-kill.race": { verdict: "safe", problems: [], states: 101, reduced: 18, inversions: [] },
  // 3 steps (by hand 4: it set `dead` itself, which pciehp_unconfigure_device() does not until device_del()).
  "known-limitation-hotplug.race": { verdict: "deadlock", problems: ["deadlock [CPU0,CPU1] 3 steps"], states: 57, reduced: 8, inversions: [] },
  // 5 steps: sysfs reference, kernfs_remove_self, rescan lock, device lock, .remove() branch (3 by hand).
  "patch1-plain-rescan-lock.race": { verdict: "deadlock", problems: ["deadlock [CPU0] 5 steps"], states: 6, reduced: 2 },
  "patch1-reentrant-rescan-lock.race": { verdict: "safe", problems: [], states: 51, reduced: 3 },
  "eeh-vf-without-rescan-lock.race": { verdict: "violation", problems: ["violation [CPU0] 7 steps", "violation [CPU1] 7 steps"], states: 67, reduced: 30 },
  "eeh-vf-with-rescan-lock.race": { verdict: "safe", problems: [], states: 32, reduced: 3 },
  "probe-remove-lock-contexts.race": { verdict: "violation", problems: ["violation [CPU1] 3 steps", "violation [CPU2] 11 steps"], states: 424, reduced: 10 },
  // 4 steps: the library's device_release_driver() checks that a driver is bound (3 by hand).
  "vfio-numvfs-show.race": { verdict: "hang", problems: ["hang [CPU0,CPU1] 4 steps"], states: 5, reduced: 2 },
  "vfio-numvfs-show-reverted.race": { verdict: "safe", problems: [], states: 10, reduced: 2 },
  // 7 steps: sriov_numvfs_store()'s checks and a5338e365c45's rescan lock come before the uevent (4 by hand).
  "stale-numvfs-after-uevent.race": { verdict: "violation", problems: ["violation [CPU1] 7 steps"], states: 26, reduced: 6 },
  "stale-numvfs-serialized.race": { verdict: "safe", problems: [], states: 16, reduced: 2 },
  // Kernel history (race-language.md §9), each with its fix.
  // The flush waits for the work item that waits for the rescan lock the flusher holds: lock, queue, flush, start.
  "p2sb-rescan-flush-work-5913320eb0b3.race": { verdict: "deadlock", problems: ["deadlock [CPU0,wfc] 4 steps"], states: 6, reduced: 3, inversions: ["confirmed"] },
  "p2sb-rescan-flush-work-5913320eb0b3-fixed.race": { verdict: "safe", problems: [], states: 13, reduced: 5 },
  // release_work starts, then flushes async_event_work queued behind it on the one-at-a-time queue.
  "nvmet-ordered-flush-2922e3507f6d.race": { verdict: "deadlock", problems: ["deadlock [async_event_work,release_work] 4 steps"], states: 14, reduced: 10 },
  "nvmet-ordered-flush-2922e3507f6d-fixed.race": { verdict: "safe", problems: [], states: 14, reduced: 8 },
  // Completions have no owner: the wait no thread can complete is a hang, not a cycle.
  "ipoib-join-completion-rtnl-e8224e4b804b.race": { verdict: "hang", problems: ["hang [STOP,mcast_work] 10 steps"], states: 81, reduced: 16 },
  "ipoib-join-completion-rtnl-e8224e4b804b-fixed.race": { verdict: "safe", problems: [], states: 182, reduced: 37 },
  "kvm-xen-srcu-under-kvm-lock-a79b53aaaab5.race": { verdict: "deadlock", problems: ["deadlock [VCPU,VMM] 3 steps"], states: 20, reduced: 6, inversions: ["confirmed"] },
  "kvm-xen-srcu-under-kvm-lock-a79b53aaaab5-fixed.race": { verdict: "safe", problems: [], states: 40, reduced: 9 },
  // The store's own active reference: kernfs_remove waits for itself.
  "sysfs-remove-self-6b0afc2a2172.race": { verdict: "deadlock", problems: ["deadlock [CPU0] 2 steps"], states: 3, reduced: 2 },
  "sysfs-remove-self-6b0afc2a2172-fixed.race": { verdict: "safe", problems: [], states: 40, reduced: 14 },
  // The worker, spinning in its kthread_should_stop() loop, is part of the deadlock: only ctl would stop it (§8 precedence).
  // Also: ctl stopped before its first step exits without its body (kernel/kthread.c kthread()), so nothing stops the worker, which polls for ever.
  "pvrusb2-nested-kthread-stop-18ecbb4771eb.race": { verdict: "deadlock", problems: ["deadlock [A,ctl] 6 steps", "hang [worker] 7 steps"], states: 23, reduced: 14 },
  "pvrusb2-nested-kthread-stop-18ecbb4771eb-fixed.race": { verdict: "safe", problems: [], states: 28, reduced: 10 },
  // ipvs: kthread_run, kthread_stop (waits), the thread's start finds the stop flag and exits without
  // threadfn, kthread_stop returns, the assert that tinfo was freed fails: 5 steps.
  "ipvs-sync-thread-tinfo-998e7a76804b.race": { verdict: "violation", problems: ["violation [C0] 5 steps"], states: 12, reduced: 7 },
  "ipvs-sync-thread-tinfo-998e7a76804b-fixed.race": { verdict: "safe", problems: [], states: 9, reduced: 5 },
  // Safe whatever the interleaving, though lockdep before d6e89786bed9 flagged it; with flush_work it deadlocks (lockdep's cycle, confirmed).
  "cancel-work-sync-ordered-d6e89786bed9.race": { verdict: "safe", problems: [], states: 21, reduced: 12 },
  // Queue both, lock, flush (it waits), work1 starts and waits for m: work2 waits behind work1.
  // §10: a handler runs on top of its CPU's task; a lock it waits for that the task holds is a deadlock.
  "fuse-aio-poll-softirq-76e43c8ccaa3.race": {
    verdict: "deadlock",
    problems: ["deadlock [CPU0,CPU1,aio_complete] 4 steps"],
    states: 60,
    reduced: 13,
    irq: ["SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected: confirmed"],
  },
  "fuse-aio-poll-softirq-76e43c8ccaa3-fixed.race": { verdict: "safe", problems: [], states: 106, reduced: 13 },
  "omapdrm-vblank-event-lock-7fd5b25499bc.race": {
    verdict: "deadlock",
    problems: ["deadlock [CPU0,vblank] 6 steps"],
    states: 19,
    reduced: 4,
    irq: ["inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage: confirmed"],
  },
  "omapdrm-vblank-event-lock-7fd5b25499bc-fixed.race": { verdict: "safe", problems: [], states: 20, reduced: 3 },
  "fasync-fa-lock-irqsave-2f488f698fda.race": {
    verdict: "deadlock",
    problems: ["deadlock [CPU0,CPU1,CPU2,i8042] 7 steps"],
    states: 377,
    reduced: 64,
    irq: ["HARDIRQ-safe -> HARDIRQ-unsafe lock order detected: confirmed"],
  },
  "fasync-fa-lock-irqsave-2f488f698fda-fixed.race": { verdict: "safe", problems: [], states: 428, reduced: 49 },
  // An rwlock_t read in a softirq does not wait for a queued writer; in task context it does.
  "leds-trigger-softirq-reader-9de0c9bbcedf.race": { verdict: "safe", problems: [], states: 42, reduced: 19 },
  "leds-trigger-libata-27af8e2c90fb.race": {
    verdict: "deadlock",
    problems: ["deadlock [CPU0,CPU1,CPU2,ata_bmdma] 5 steps"],
    states: 204,
    reduced: 35,
    irq: ["HARDIRQ-safe -> HARDIRQ-unsafe lock order detected: confirmed"],
  },
  // The writer still takes leddev_list_lock with interrupts on: lockdep would still warn, no interleaving here deadlocks.
  "leds-trigger-libata-27af8e2c90fb-fixed.race": { verdict: "safe", problems: [], states: 210, reduced: 26, irq: ["HARDIRQ-safe -> HARDIRQ-unsafe lock order detected: unreached"] },
  // The other NIC's NAPI poll fires after gve_close() freed the rings: 3 steps. Fixed, the grace period waits
  // for the poll (softirqs disabled: consolidated RCU), which no longer passes the check once it is over.
  "gve-xdp-xmit-close-ff7c2dea9dd1.race": { verdict: "violation", problems: ["violation [redirect_napi] 3 steps"], states: 11, reduced: 8 },
  "gve-xdp-xmit-close-ff7c2dea9dd1-fixed.race": { verdict: "safe", problems: [], states: 20, reduced: 8 },
  "flush-work-ordered-d6e89786bed9.race": { verdict: "deadlock", problems: ["deadlock [CPU0,work1,work2] 5 steps"], states: 20, reduced: 13, inversions: ["confirmed"] },
  // Lockdep reports through `race import` (docs/import.md), settled as history did; test/importSamples.test.ts
  // ties each to the importer's output. A real deadlock: all three assumptions hold, lockdep's cycle in
  // 8 steps (bash queues wfc.work, takes its locks down to rescan_store, the work item starts, bash's
  // flush_work waits for it, the item waits for pci_rescan_remove_lock). Imported with wfc.work as a mutex it
  // was 6 steps: the queue_work and the flush_work are steps of the §9 work item the importer now writes.
  "import-p2sb-rescan-flush-work-5913320eb0b3.race": {
    verdict: "deadlock",
    problems: ["deadlock [bash_work_on_cpu_key,wfc_work] 8 steps"],
    states: 31,
    reduced: 7,
    // Lockdep's extension through dev_mutex first (it waits for the flush now, not for a mutex), then the cycle.
    inversions: ["unreached", "confirmed"],
  },
  "import-p2sb-rescan-flush-work-5913320eb0b3-fixed.race": { verdict: "safe", problems: [], states: 21, reduced: 4 },
  // A false positive by instance: as imported (one reset_lock), the second rlock queues behind the writer lockdep
  // assumes, 3 steps; with the parent's and the dock port's controllers as two instances, safe.
  "import-pciehp-two-controllers-085a9f43433f.race": { verdict: "deadlock", problems: ["deadlock [irq_124_pciehp_pciehp_check_presence,writer_ctrl_reset_lock] 3 steps"], states: 14, reduced: 3 },
  "import-pciehp-two-controllers-085a9f43433f-settled.race": { verdict: "safe", problems: [], states: 58, reduced: 4 },
  // A false positive by concurrency: as imported, the two paths on two CPUs and the writer, 2 steps; in the one
  // IRQ thread, safe, and lockdep's inversion is still shown, as one no interleaving reaches.
  "import-pciehp-one-thread-f5eff5591b8f.race": {
    verdict: "deadlock",
    problems: ["deadlock [irq_50_pciehp_pciehp_configure_device,irq_thread_pci_lock_rescan_remove,writer_ctrl_reset_lock] 2 steps"],
    states: 49,
    reduced: 14,
    inversions: ["confirmed"],
  },
  "import-pciehp-one-thread-f5eff5591b8f-settled.race": { verdict: "safe", problems: [], states: 23, reduced: 3, inversions: ["unreached"] },
};

describe("samples", () => {
  const files = listRace(samplesDir);

  it("are at least ten, and each has a pinned verdict", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it("the seed series' scenarios are written on the kernel library, and v11's race fits in under 20 lines on it", () => {
    const onLibrary = files.filter((f) => /^import "linux\//m.test(read(join(samplesDir, f))));
    expect(onLibrary).toEqual([
      "known-limitation-hotplug.race",
      "patch1-plain-rescan-lock.race",
      "patch1-reentrant-rescan-lock.race",
      "stale-numvfs-after-uevent.race",
      "stale-numvfs-serialized.race",
      "v10-rebind-window.race",
      "v10-remove-vs-unbind.race",
      "v11-bind-after-kill.race",
      "v11-kill-device.race",
      "v9-remove-vs-unbind.race",
      "vfio-numvfs-show-reverted.race",
      "vfio-numvfs-show.race",
    ]);
    const v11 = read(join(samplesDir, "v11-kill-device.race"));
    expect(v11.trimEnd().split("\n").length).toBeLessThan(20);
    // No function of its own: the kernel's paths are the library's.
    expect(v11).not.toMatch(/^fn /m);
  });

  for (const file of files) {
    it(`${file}: checks clean, meets its expect, gives its verdict`, () => {
      const text = read(join(samplesDir, file));
      // A seed thread's scenario, or a piece of kernel history citing its commit.
      expect(text.startsWith("// Seed 00") || /^\/\/ Kernel history: [\s\S]*?\b[0-9a-f]{12}\b/.test(text)).toBe(true);
      // (an imported report's `expect` keeps a comment after it: what settled it)
      expect(text).toMatch(/^expect (deadlock|violation|safe)( +\/\/ .*)?$/m);
      // Read from samples/, so that its imports (the kernel library) are found as the CLI finds them.
      const source = { path: join(samplesDir, file) };
      const a = run(text, { source });
      expect(a.frontEnd.diagnostics).toEqual([]);
      const want = expected[file]!;
      // `states` is the full search's count, `reduced` the default search's
      // (stubborn sets); both find the same problems with the same traces.
      const full = run(text, { reduce: false, source });
      expect({ verdict: a.verdict, met: a.met, problems: summarize(a), states: full.report!.stats.states, reduced: a.report!.stats.states }).toEqual({
        verdict: want.verdict,
        met: true,
        problems: want.problems,
        states: want.states,
        reduced: want.reduced,
      });
      expect(summarize(full)).toEqual(want.problems);
      expect(a.report!.lockGraph.inversions.map((i) => i.status)).toEqual(want.inversions ?? []);
      // Lockdep's irq-state reports (§10), with its wording, and whether a deadlock confirms each.
      expect(a.report!.irqReports.map((r) => `${r.title}: ${r.status}`)).toEqual(want.irq ?? []);
    });
  }
});
