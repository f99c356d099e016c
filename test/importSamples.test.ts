// The samples made with `race import` (issue #15, item 3): three lockdep
// reports of ../shared/splats, each settled in its scenario as history did.
//
// - 01, a real deadlock: all three assumptions hold (notes only), deadlock;
//   5913320eb0b3 written into it, safe.
// - 03, a false positive by instance: imported, lockdep's view deadlocks;
//   with two reset_lock instances (two hotplug controllers), safe.
// - 02, a false positive by concurrency: imported, lockdep's view deadlocks;
//   with both orders in the one IRQ thread, safe.
//
// samples.test.ts pins each file's verdict, traces and state counts. Here:
// the report, imported today, still gives lockdep's cycle with the same
// shortest trace (reduced and full) and still is the text each sample starts
// from — the "as imported" files verbatim but for line numbers, the settled
// ones with the import's title, lock classes and functions — and each
// sample's assumptions block points at the lines it names.
//
// When the importer's output changes, an "as imported" file is remade as
// `race import ../shared/splats/<splat>` under the sample's own `// Kernel
// history:` header, its assumptions' line numbers shifted by the header's
// length (the last test says which); the edits of the other files are each
// described in its header.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importLockdep } from "../server/src/import";
import { read, samplesDir, summarize } from "./helpers";
import { checkBoth, splatsDir } from "./import/splats";

interface Sample {
  readonly splat: string;
  /** The report as imported, unedited (lockdep's view), or the real deadlock with its notes. */
  readonly imported: string;
  /** The author's edit that settles it. */
  readonly settled: string;
  /** Which assumption the settled file corrects (the real one: none; the fix removes an edge). */
  readonly corrected: 1 | 2 | undefined;
  /** Lockdep's cycle as the check finds it in the report's import. */
  readonly cycle: string;
}

const SAMPLES: readonly Sample[] = [
  {
    splat: "01_pci_p2sb_rescan_flush_work.txt",
    imported: "import-p2sb-rescan-flush-work-5913320eb0b3.race",
    settled: "import-p2sb-rescan-flush-work-5913320eb0b3-fixed.race",
    corrected: undefined,
    // 8 steps since the importer writes (work_completion)(&wfc.work) as §9's work item (6 as a mutex): the item
    // is queued (queue_work, at the start of bash's block) and starts (start wfc_work) where the kworker took
    // the mutex, and bash's flush_work is a step of its own before it waits.
    cycle: "deadlock [bash_work_on_cpu_key,wfc_work] 8 steps",
  },
  {
    splat: "03_pciehp_reset_lock_recursive_fp.txt",
    imported: "import-pciehp-two-controllers-085a9f43433f.race",
    settled: "import-pciehp-two-controllers-085a9f43433f-settled.race",
    corrected: 2,
    cycle: "deadlock [irq_124_pciehp_pciehp_check_presence,writer_ctrl_reset_lock] 3 steps",
  },
  {
    splat: "02_pciehp_reset_lock_vs_rescan_fp.txt",
    imported: "import-pciehp-one-thread-f5eff5591b8f.race",
    settled: "import-pciehp-one-thread-f5eff5591b8f-settled.race",
    corrected: 1,
    cycle: "deadlock [irq_50_pciehp_pciehp_configure_device,irq_thread_pci_lock_rescan_remove,writer_ctrl_reset_lock] 2 steps",
  },
];

/** The splat file imported as it is (its `#` lines too, as `race import FILE` reads it: the input line numbers match). */
function imported(file: string): string {
  const r = importLockdep(read(join(splatsDir, file)));
  if (!r.ok) throw new Error(r.error.message);
  expect(r.scenarios).toHaveLength(1);
  return r.scenarios[0]!.text;
}

const sample = (name: string): string => read(join(samplesDir, name));

/** The sample without its `// Kernel history:` header (up to the importer's first line). */
function withoutHeader(text: string): string {
  const at = text.indexOf("// Imported by `race import`");
  expect(at).toBeGreaterThan(0);
  return text.slice(at);
}

/** The assumptions' references: the three lists of line numbers, in the order written (a thread is a `cpu` block or a work item). */
const REFS = /(one `cpu` block(?: or `work` item)?(?:\n\/\/)? each|each is declared once|marked \(3\) are)(?:\n\/\/)? \((lines? [\d, and\n/]+?)\)/g;
const KEYS: Readonly<Record<string, string>> = { "each is declared once": "decls", "marked (3) are": "state" };

function references(text: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of text.matchAll(REFS)) out[KEYS[m[1]!] ?? "threads"] = [...m[2]!.matchAll(/\d+/g)].map((n) => Number(n[0]));
  return out;
}

/** What the references must be: every `cpu` block and work item; the declarations of the report's classes (a work item's is its body); every `(3)` line. */
function targets(text: string): Record<string, number[]> {
  const lines = text.split("\n");
  const at = (p: (l: string) => boolean): number[] => lines.flatMap((l, i) => (p(l) ? [i + 1] : []));
  const first = lines.findIndex((l) => l.startsWith("// The lock classes of"));
  const end = lines.findIndex((l, i) => i > first && l.trim() === "");
  const decls = at((l) => /^[a-z_]+ [A-Za-z_]/.test(l)).filter((n) => n > first && n <= end);
  const works = at((l) => /^work \w+ on /.test(l));
  return { threads: at((l) => /^(cpu|work) /.test(l)), decls: [...decls, ...works].sort((a, b) => a - b), state: at((l) => l.trim().startsWith("// (3)")) };
}

const numbersOut = (text: string): string => text.replace(REFS, "$1 (…)");

const declared = (text: string): string[] =>
  [...text.matchAll(/^(?:mutex|rwsem|spinlock|rwlock|kernfs|srcu|workqueue|ordered workqueue|work) ([A-Za-z_]\w*)/gm)]
    .map((m) => m[1]!)
    .sort();
const functions = (text: string): string[] => [...text.matchAll(/^fn (\w+)\(/gm)].map((m) => m[1]!).sort();
const title = (text: string): string | undefined => /^scenario .*$/m.exec(text)?.[0];

describe("import samples", () => {
  for (const s of SAMPLES) {
    describe(s.splat, () => {
      it("imported today, the report still gives lockdep's cycle, with the same shortest trace reduced and full", () => {
        const { reduced, full } = checkBoth(imported(s.splat));
        expect([reduced.verdict, reduced.met, full.verdict]).toEqual(["deadlock", true, "deadlock"]);
        expect(summarize(reduced)).toEqual([s.cycle]);
        expect(summarize(full)).toEqual([s.cycle]);
      });

      it(`${s.imported} is the import${s.corrected ? ", unedited" : " with the author's notes"} (but for its header and line numbers); it deadlocks as lockdep said`, () => {
        const text = sample(s.imported);
        const now = imported(s.splat);
        if (s.corrected) expect(numbersOut(withoutHeader(text))).toBe(numbersOut(now));
        else {
          // The real one: each assumption checked and found to hold, said under it; the code is the import's.
          const code = (t: string): string[] => t.split("\n").filter((l) => !l.trimStart().startsWith("//")).map((l) => l.replace(/ *\/\/.*$/, ""));
          expect(code(text)).toEqual(code(now));
          expect(text.match(/^\/\/ Settled, it holds: /gm)).toHaveLength(3);
          expect(text).toMatch(/^expect deadlock +\/\/ settled: real/m);
        }
        const { reduced, full } = checkBoth(text);
        expect(summarize(reduced)).toEqual([s.cycle]);
        expect(summarize(full)).toEqual([s.cycle]);
      });

      it(`${s.settled} starts from the import (title, lock classes, functions) and is safe, reduced and full`, () => {
        const text = sample(s.settled);
        const now = imported(s.splat);
        expect(title(text)).toBe(title(now));
        expect(declared(text)).toEqual(declared(now));
        expect(functions(text)).toEqual(functions(now));
        if (s.corrected) {
          // The note saying which assumption was corrected and why sits under that assumption.
          const next = s.corrected + 1;
          expect(text).toMatch(new RegExp(`^// ${s.corrected}\\. [\\s\\S]*?^// Corrected: [\\s\\S]*?^// ${next}\\. `, "m"));
          expect(text.match(/^\/\/ Corrected: /gm)).toHaveLength(1);
        }
        expect(text).toMatch(/^expect safe\b/m);
        const { reduced, full } = checkBoth(text);
        for (const a of [reduced, full]) {
          expect(a.frontEnd.diagnostics).toEqual([]);
          expect([a.verdict, a.met, summarize(a)]).toEqual(["safe", true, []]);
        }
      });

      it("both files' assumptions point at the lines they name", () => {
        for (const f of [s.imported, s.settled]) {
          const text = sample(f);
          expect(references(text), f).toEqual(targets(text));
        }
      });
    });
  }

  it("02 settled: lockdep's inversion stays visible, as one no interleaving reaches", () => {
    const { reduced } = checkBoth(sample("import-pciehp-one-thread-f5eff5591b8f-settled.race"));
    expect(reduced.report!.lockGraph.inversions.map((i) => `${i.status}: ${i.locks.join(" → ")}`)).toEqual(["unreached: pci_rescan_remove_lock → ctrl_reset_lock"]);
  });
});
