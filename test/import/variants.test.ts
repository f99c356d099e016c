// Reports made for the cases the splats do not have: a workqueue and the CPU
// hotplug lock in one cycle (and drain/destroy/ordered variants of it), every
// path in a work item, kernfs_remove_self, synchronize_rcu, fs_reclaim, an old (4.9) report with `[<addr>]`
// frames and a subclass `/1`, an inconsistent-state report whose interrupt is
// the registered use; several reports in one log; input that is not a report.

import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { importLockdep, type ImportedScenario } from "../../server/src/import";
import { catalogue } from "../../server/src/language/messages";
import { natureOf } from "../../server/src/import/writeAs";
import { summarize } from "../helpers";
import { checkBoth, confirmedIrqReports, deadlockLocks, fixture, inNoise, splat, withoutTimestamps } from "./splats";

function imported(text: string): ImportedScenario[] {
  const r = importLockdep(text);
  if (!r.ok) throw new Error(r.error.message);
  return [...r.scenarios];
}

/** Imports one report, checks that it is clean and deadlocks on `deadlock` (classes), reduced and full. */
function importChecked(text: string, deadlock: readonly string[]): ImportedScenario {
  const [s] = imported(text);
  expect(analyzeFrontEnd(s!.text).diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const { reduced, full } = checkBoth(s!.text);
  expect(reduced.met).toBe(true);
  const ids = deadlock.map((cls) => s!.locks.find((l) => l.cls === cls)!.reported).sort();
  expect(deadlockLocks(reduced)).toContainEqual(ids);
  expect(summarize(full)).toEqual(summarize(reduced));
  return s!;
}

const natures = (s: ImportedScenario): Record<string, string> => Object.fromEntries(s.locks.map((l) => [l.cls, l.nature]));

describe("reports made for the cases the splats lack", () => {
  it("a workqueue flush and the CPU hotplug lock in one cycle: (wq_completion) a workqueue, its holders work items, cpu_hotplug_lock an rwsem with a writer", () => {
    const s = importChecked(fixture("workqueue_hotplug_circular.txt"), ["cpu_hotplug_lock", "(wq_completion)events", "(work_completion)(&ctx->reset_work)"]);
    expect(natures(s)).toMatchObject({ "(wq_completion)events": "workqueue", cpu_hotplug_lock: "hotplug", "(work_completion)(&ctx->reset_work)": "work" });
    expect(s.locks.find((l) => l.cls === "(wq_completion)events")).toMatchObject({ id: "events", reported: "(wq_completion)events" });
    // The task is the body of its work item (held at process_one_work with its queue); #2 holds only the queue: an item of its own.
    expect(s.cpus).toEqual([
      { name: "ctx_reset_work", role: "trigger" },
      { name: "kthread_foo_cpu_offline", role: "chain" },
      { name: "foo_pm_notify_work", role: "chain" },
      { name: "writer_cpu_hotplug_lock", role: "writer" },
    ]);
    expect(s.text).toContain("\nworkqueue events\n");
    expect(s.text).toContain("\nwork ctx_reset_work on events {\n  foo_reset_work()\n}\n");
    expect(s.text).toContain("\nwork foo_pm_notify_work on events {\n  foo_pm_notify()\n}\n");
    expect(s.text).not.toMatch(/fn process_one_work|lock wq_events|lock ctx_reset_work/);
    // cpus_read_lock() is a read of the hotplug lock; flush_workqueue() and flush_work() wait as the language's primitives.
    expect(s.text).toMatch(/rlock cpu_hotplug_lock {2}\/\/ kworker\/3:1\/211 is trying to acquire cpu_hotplug_lock/);
    expect(s.text).toMatch(/\/\/ \(3\) lockdep assumes no state stops this wait \(flush_workqueue\)[^\n]*\n {2}flush_workqueue events {2}\/\/ -> #1/);
    expect(s.text).toMatch(/\n {2}flush_work ctx_reset_work {2}\/\/ -> #2/);
    // Neither item is waited for by a `cpu` of its own: the first `cpu` (the hotplug thread, which flushes their queue) queues both.
    expect(s.text).toMatch(/cpu kthread_foo_cpu_offline [^\n]*\{\n {2}\/\/ \(3\)[^\n]*\n {2}queue_work ctx_reset_work\n {2}\/\/ \(3\)[^\n]*\n {2}queue_work foo_pm_notify_work\n/);
  });

  it("drain_workqueue / destroy_workqueue by frame; flush_work taking a queue's map makes it ordered", () => {
    const text = fixture("workqueue_hotplug_circular.txt");
    const destroy = text.replace("       __flush_workqueue+0xb5/0x5a0\n", "       __flush_workqueue+0xb5/0x5a0\n[  101.234631]        drain_workqueue+0x9a/0x1c0\n[  101.234631]        destroy_workqueue+0x1d/0x2a0\n");
    expect(destroy).not.toBe(text);
    const d = importChecked(destroy, ["cpu_hotplug_lock", "(wq_completion)events", "(work_completion)(&ctx->reset_work)"]);
    expect(d.text).toMatch(/\n {2}destroy_workqueue events {2}\/\/ -> #1/);
    const drain = importChecked(destroy.replace(/\n[^\n]*destroy_workqueue\+0x1d\/0x2a0/, ""), ["cpu_hotplug_lock", "(wq_completion)events"]);
    expect(drain.text).toMatch(/\n {2}drain_workqueue events {2}\/\/ -> #1/);
    const ordered = importChecked(text.replace("__flush_workqueue+0xb5/0x5a0", "__flush_work+0xb5/0x5a0"), ["cpu_hotplug_lock", "(wq_completion)events"]);
    expect(ordered.text).toContain("\nordered workqueue events\n");
    expect(ordered.text).toMatch(/\n {2}flush_workqueue events {2}\/\/ -> #1/);
  });

  it("a report whose every path runs in a work item: a `cpu` of its own queues them", () => {
    const text = splat("13_syz_rtnl_recursive.txt")
      .replace("2 locks held by syz-executor0/14230:", "3 locks held by syz-executor0/14230:")
      .replace(/(\n[^\n]*#1: 000000000e50f4d1 \(ipvs->sync_mutex\)[^\n]*)/, "$1\n[  577.950999]  #2: 000000000e50f4d2 ((work_completion)(&ipvs->defense_work)){+.+.}, at: process_one_work+0x1/0x2");
    const s = importChecked(text, ["rtnl_mutex"]);
    expect(s.cpus.map((c) => c.name)).toEqual(["ipvs_defense_work"]);
    expect(s.text).toMatch(/\nwork ipvs_defense_work on events \{\n/);
    expect(s.text).toMatch(/\ncpu queue_work_items "queues the work items" \{\n {2}\/\/ \(3\)[^\n]*\n {2}queue_work ipvs_defense_work\n\}\n/);
  });

  it("kernfs_remove_self: written only inside the node's own sysfs block, so a report's (which has broken its active protection) is a kernfs_remove", () => {
    const text = splat("04_zram_kn_active_kernfs_drain.txt").replace(/kernfs_remove_by_name_ns\+0x[0-9a-f]+\/0x[0-9a-f]+/, "kernfs_remove_self+0x10/0x80");
    expect(text).toContain("kernfs_remove_self+0x10/0x80");
    const s = importChecked(text, ["kn->active#237", "zram_index_mutex"]);
    expect(s.text).toMatch(/\/\/ \(3\) lockdep assumes no state stops this wait \(kernfs_remove\)[^\n]*\n {2}kernfs_remove kn_active_237 {2}\/\/ bash\/1154/);
    expect(s.text).toContain("fn kernfs_remove_self_() { __kernfs_remove() }  // kernfs_remove_self");
  });

  it("synchronize_rcu under a lock an RCU reader's path takes: rcu_read_lock sections, the built-in domain", () => {
    const text = splat("06_amdkfd_srcu_synchronize.txt").replaceAll("(srcu)", "(rcu_read_lock)").replaceAll("srcu --> ", "rcu_read_lock --> ").replace("sync(srcu);", "sync(rcu_read_lock);").replaceAll("__synchronize_srcu+", "synchronize_rcu+");
    const s = importChecked(text, ["rcu_read_lock", "(work_completion)(&(&process->restore_work)->work)", "&info->lock#2", "(work_completion)(&svms->deferred_list_work)"]);
    expect(natures(s)).toMatchObject({ rcu_read_lock: "rcu" });
    expect(s.text).toMatch(/\n {2}synchronize_rcu {2}\/\/ kworker\/0:2\/996 is trying to acquire rcu_read_lock/);
    expect(s.text).toMatch(/\n {2}rcu_read_lock {2}\/\/ lockdep: held when/);
    expect(s.text).not.toMatch(/^(rwsem|srcu|mutex) rcu_read_lock/m);
  });

  it("fs_reclaim: not a lock and no construct models it — a plain mutex saying so, never a failure", () => {
    const r = importLockdep(fixture("fs_reclaim_circular.txt"));
    expect(r.ok).toBe(true);
    const s = importChecked(fixture("fs_reclaim_circular.txt"), ["fs_reclaim", "&sbi->s_lock"]);
    expect(natures(s)).toMatchObject({ fs_reclaim: "reclaim", "&sbi->s_lock": "mutex", shrinker_rwsem: "rwsem" });
    expect(s.text).toContain("// No construct of the language models it: written as a plain mutex.\nmutex fs_reclaim\n");
    expect(s.notes.map((n) => n.code)).toContain(catalogue.importUnmapped.code);
    // kswapd holds reclaim from balance_pgdat(), where lockdep says it took it.
    expect(s.text).toMatch(/fn balance_pgdat\(\) \{\n {2}lock fs_reclaim/);
  });

  it("an old (4.9) report: `[ INFO: … ]` header, `[<address>]` frames, a subclass `&pipe->mutex/1`, a per-CPU rwsem read on both sides", () => {
    const s = importChecked(fixture("pipe_mutex_old_format.txt"), ["&pipe->mutex/1", "sb_writers#5"]);
    expect(s.header).toBe("WARNING: possible circular locking dependency detected");
    expect(s.chain).toEqual([
      { cls: "&pipe->mutex/1", id: "pipe_mutex_1" },
      { cls: "sb_writers#5", id: "sb_writers_5" },
    ]);
    expect(natures(s)).toEqual({ "&pipe->mutex/1": "mutex", "sb_writers#5": "rwsem" });
    expect(s.cpus.map((c) => c.role)).toEqual(["trigger", "chain", "writer"]);
    expect(s.text).toContain("fn iter_file_splice_write() { pipe_lock() }");
  });

  it("an inconsistent lock state whose interrupt use was registered first ({IN-HARDIRQ-W} -> {HARDIRQ-ON-W}): an irq handler on the task's CPU", () => {
    const s = importChecked(fixture("inconsistent_hardirq.txt"), ["&host->lock"]);
    expect(s.kind).toBe("inconsistent");
    // The task path is the backtrace; the handler is the registered stack, cut at the irq entry, declared on the task's CPU.
    expect(s.text).toMatch(/fn foo_ioctl\(\) \{[\s\S]*lock host_lock[^\n]*\n {2}unlock host_lock\n/);
    expect(s.text).toMatch(/\nirq foo_irq_irq on finit_module_foo_ioctl \{\n {2}foo_irq\(\)\n\}\n/);
    expect(s.text).toMatch(/fn foo_probe\(\) \{\n {2}lock dev_mutex/);
    expect(s.notes.map((n) => n.code)).toContain(catalogue.importInterrupt.code);
    expect(confirmedIrqReports(checkBoth(s.text).reduced)).toContain("inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage: host_lock");
  });

  it("an interrupt whose handler has no frame at all has the acquisition in the handler itself", () => {
    const bare = splat("08_snd_timer_irq_inversion.txt").replace(", at: snd_timer_interrupt.part.0+0x33/0xe80 sound/core/timer.c:856", "");
    const s = importChecked(bare, ["&timer->lock", "tasklist_lock"]);
    expect(s.text).toMatch(/\nsoftirq handler_softirq on kworker_do_wait \{\n {2}\/\/ \(3\)[^\n]*\n {2}lock timer_lock[^\n]*\n {2}unlock timer_lock\n\}\n/);
  });

  it("a syzbot e-mail: its headers, the report without timestamps, its footer", () => {
    const mail = [
      "Hello,",
      "",
      "syzbot found the following issue on:",
      "",
      "HEAD commit:    1e72964b0111 Merge branch 'for-linus'",
      "git tree:       upstream",
      "console output: https://syzkaller.appspot.com/x/log.txt?x=1234",
      "dashboard link: https://syzkaller.appspot.com/bug?extid=abcd",
      "",
      "IMPORTANT: if you fix the issue, please add the following tag to the commit:",
      "Reported-by: syzbot+abcd@syzkaller.appspotmail.com",
      "",
      withoutTimestamps(splat("12_syz_ip_setsockopt_rtnl.txt")),
      "",
      "---",
      "This report is generated by a bot. It may contain errors.",
      "syzbot will keep track of this issue. See: https://goo.gl/tpsmEJ#status for how to communicate with syzbot.",
    ].join("\n");
    const [s] = imported(mail);
    expect(s!.chain.map((c) => c.cls)).toEqual(["sk_lock-AF_INET", "&xt[i].mutex", "rtnl_mutex"]);
    expect(deadlockLocks(checkBoth(s!.text).reduced)).toContainEqual(["rtnl_mutex", "sk_lock_AF_INET", "xt_i_mutex"]);
  });

  it("several reports in one console log: one scenario each, in order", () => {
    const log = inNoise([splat("01_pci_p2sb_rescan_flush_work.txt"), splat("12_syz_ip_setsockopt_rtnl.txt"), splat("13_syz_rtnl_recursive.txt")].join("\n[ 9999.000000] reboot: Restarting system\n"));
    const all = imported(log);
    expect(all.map((s) => [s.kind, s.task])).toEqual([
      ["circular", "bash/1615"],
      ["circular", "syz-executor5/5807"],
      ["recursive", "syz-executor0/14230"],
    ]);
    for (const s of all) {
      expect(analyzeFrontEnd(s.text).hasErrors).toBe(false);
      expect(checkBoth(s.text).reduced.verdict).toBe("deadlock");
    }
    expect(all[0]!.lastLine).toBeLessThan(all[1]!.firstLine);
  });
});

describe("a lock class's nature from its evidence", () => {
  it("a class read somewhere and used in an interrupt handler spins: an rwlock_t, not an rwsem (which takes none of §10's lock forms)", () => {
    const read = { wait: undefined, readTaken: true, spins: false, rwlock: false, rwsemOp: false };
    expect(natureOf("&foo->lock", { ...read, usage: "-.-." })).toBe("rwlock");
    expect(natureOf("&foo->sem", { ...read, usage: "++++" })).toBe("rwsem");
    expect(natureOf("&foo->lock", { ...read, readTaken: false, usage: "-..." })).toBe("spinlock");
  });
});

describe("input that is not a report, or not all of one", () => {
  it("a console log without a lockdep report (a WARN is not one): RACE171", () => {
    const r = importLockdep(fixture("not_a_report.txt"), "dmesg.txt");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(catalogue.importNoReport.code);
    expect(r.error.message).toMatch(/^No lockdep report found in dmesg\.txt; it reads 'possible circular locking dependency'/);
  });

  it("a lockdep report of a kind it does not read: the error names it", () => {
    const r = importLockdep(fixture("bad_unlock_balance.txt"), "log");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/^log has lockdep reports race import does not read \(bad unlock balance detected\)/);
  });

  it("a report cut short: skipped with RACE172 saying what it lacks; the others still import", () => {
    const cut = fixture("truncated.txt");
    const alone = importLockdep(cut);
    expect(alone.ok).toBe(false);
    if (!alone.ok) expect(alone.error.message).toBe("The report at input line 2 (WARNING: possible circular locking dependency detected) has no dependency chain (`-> #N (lock):` entries with their stacks); it is not imported.");
    const both = importLockdep(`${cut}\n${splat("13_syz_rtnl_recursive.txt")}`);
    expect(both.ok).toBe(true);
    if (!both.ok) return;
    expect(both.scenarios.map((s) => s.kind)).toEqual(["recursive"]);
    expect(both.skipped.map((n) => n.code)).toEqual([catalogue.importIncompleteReport.code]);
  });

  it("empty input: RACE171", () => {
    const r = importLockdep("");
    expect(r.ok ? "ok" : r.error.code).toBe(catalogue.importNoReport.code);
  });
});
