// Settling a report in the scenario, the way the maintainers argued each
// (the splats' `#` headers; /work/notes/kernel-research.md, section D):
//
// - 01 is a real deadlock: the check confirms lockdep's cycle; the fix
//   5913320eb0b3 ("platform/x86: p2sb: Allow p2sb_bar() calls during PCI
//   device probe") stops p2sb_bar() from taking pci_rescan_remove_lock (it
//   reads resources cached at fs_initcall), and then the scenario is safe.
// - 03 is a false positive by instance: Hans de Goede's TB3 dock unplug has
//   the parent port's pciehp holding its reset_lock while the child port's
//   pciehp_check_presence() takes the child controller's — one lock class,
//   two locks. Fixed in the annotation only (085a9f43433f, nesting by
//   ctrl->depth). With the instance assumption corrected the scenario is safe.
// - 02 is a false positive by concurrency: Lukas Wunner, Nov 2024, "it's a
//   false positive": both orders happen in the one irq/50-pciehp thread, so
//   they never run at the same time. With both paths in one `cpu` block in
//   sequence the scenario is safe, and the lock-order inversion lockdep saw
//   is still shown, as one no interleaving reaches.

import { describe, expect, it } from "vitest";
import { importLockdep } from "../../server/src/import";
import { catalogue } from "../../server/src/language/messages";
import { checkBoth, splat } from "./splats";

function imported(file: string): string {
  const r = importLockdep(splat(file));
  if (!r.ok) throw new Error(r.error.message);
  return r.scenarios[0]!.text;
}

/** Replaces `from` by `to` where it occurs exactly `times` times (the edit is the one meant). */
function edit(text: string, from: string | RegExp, to: string, times = 1): string {
  const re = typeof from === "string" ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g") : new RegExp(from.source, `${from.flags.replace("g", "")}g`);
  expect(text.match(re)?.length ?? 0, `occurrences of ${String(from)}`).toBe(times);
  return text.replace(re, to);
}

/** The text of the function or cpu block that opens with `head` (to its closing brace at column 0). */
function block(text: string, head: RegExp): { start: number; end: number; text: string } {
  const m = head.exec(text);
  if (!m) throw new Error(`no block ${String(head)}`);
  const end = text.indexOf("\n}\n", m.index) + 3;
  return { start: m.index, end, text: text.slice(m.index, end) };
}

/** Edits inside one block only. */
function editIn(text: string, head: RegExp, from: string | RegExp, to: string, times = 1): string {
  const b = block(text, head);
  return text.slice(0, b.start) + edit(b.text, from, to, times) + text.slice(b.end);
}

function expectSafe(text: string): void {
  const { reduced, full } = checkBoth(text);
  expect(reduced.frontEnd.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  for (const a of [reduced, full]) {
    expect(a.report!.problems.map((p) => p.message)).toEqual([]);
    expect(a.verdict).toBe("safe");
    expect(a.met).toBe(true);
  }
}

describe("settling the reports", () => {
  it("01, a real deadlock: confirmed as imported; safe once p2sb_bar() no longer takes the rescan lock (5913320eb0b3)", () => {
    const text = imported("01_pci_p2sb_rescan_flush_work.txt");
    const { reduced } = checkBoth(text);
    expect(reduced.verdict).toBe("deadlock");
    expect(reduced.met).toBe(true);
    let fixed = editIn(text, /^fn p2sb_bar\(\) \{/m, /\n {2}\/\/ \(3\)[^\n]*\n {2}lock pci_rescan_remove_lock[^\n]*\n {2}unlock pci_rescan_remove_lock/, "\n  // reads the resources p2sb_cache_resources() cached at fs_initcall");
    fixed = edit(fixed, /^expect deadlock.*$/m, "expect safe");
    expectSafe(fixed);
  });

  it("03, a false positive by instance: two pciehp controllers' reset_lock, one class; safe as two instances (085a9f43433f)", () => {
    const text = imported("03_pciehp_reset_lock_recursive_fp.txt");
    expect(checkBoth(text).reduced.verdict).toBe("deadlock");
    // The parent port's controller (port0) and the dock's child port (port1).
    let fixed = edit(text, /^rwsem ctrl_reset_lock .*$/m, "rwsem ctrl_reset_lock[port0, port1]");
    fixed = editIn(fixed, /^fn pciehp_ist\(\) \{/m, /lock ctrl_reset_lock\b/, "lock ctrl_reset_lock[port0]", 2);
    fixed = editIn(fixed, /^fn pciehp_check_presence\(\) \{/m, /lock ctrl_reset_lock\b/, "lock ctrl_reset_lock[port1]", 2);
    // A reset of either slot may be waiting to write its own controller's lock.
    const writer = block(fixed, /^cpu writer_ctrl_reset_lock /m).text;
    fixed = edit(fixed, writer, edit(writer, /lock ctrl_reset_lock\b/, "lock ctrl_reset_lock[port1]", 2) + "\n" + edit(writer.replace("writer_ctrl_reset_lock", "writer_parent"), /lock ctrl_reset_lock\b/, "lock ctrl_reset_lock[port0]", 2));
    fixed = edit(fixed, /^expect deadlock.*$/m, "expect safe");
    expectSafe(fixed);
  });

  it("02, a false positive by concurrency: both orders in the one pciehp irq thread; safe in one cpu block in sequence (Wunner, Nov 2024)", () => {
    const text = imported("02_pciehp_reset_lock_vs_rescan_fp.txt");
    expect(checkBoth(text).reduced.verdict).toBe("deadlock");
    // The IRQ thread takes pci_rescan_remove_lock under reset_lock (-> #1), then reset_lock again under it (-> #0).
    const chain = block(text, /^cpu irq_thread_pci_lock_rescan_remove /m);
    const trigger = block(text, /^cpu irq_50_pciehp_pciehp_configure_device /m);
    const inside = (b: { text: string }): string => b.text.slice(b.text.indexOf("{\n") + 2, b.text.lastIndexOf("}"));
    let fixed = edit(text, chain.text, "");
    fixed = edit(fixed, trigger.text, trigger.text.replace(/\{\n[\s\S]*\}\n$/, `{\n${inside(chain)}${inside(trigger)}}\n`));
    fixed = edit(fixed, /^expect deadlock.*$/m, "expect safe");
    expectSafe(fixed);
    // Lockdep's view of it stays visible: the inversion, which no interleaving reaches.
    const { reduced } = checkBoth(fixed);
    expect(reduced.diagnostics.filter((d) => d.code === catalogue.inversionUnreached.code).map((d) => d.message)).toEqual([
      "Lock-order inversion pci_rescan_remove_lock → ctrl_reset_lock → pci_rescan_remove_lock (lockdep would report it), but no interleaving of this scenario deadlocks on it.",
    ]);
  });
});
