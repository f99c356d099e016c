// The real lockdep reports of ../shared/splats (their `#` header lines
// stripped, as the README there says) and the ways people paste them: with
// and without timestamps, quoted in a mail, inside other console output.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { analyze, type Analysis } from "../../server/src/analysis";
import type { ImportedScenario } from "../../server/src/import";
import { root } from "../helpers";

export const splatsDir = join(root, "..", "shared", "splats");
export const fixtures = join(__dirname, "fixtures");

export function splatFiles(): string[] {
  return readdirSync(splatsDir)
    .filter((f) => /^\d+_.*\.txt$/.test(f))
    .sort();
}

/** A splat as raw input: the file without its `#` lines. */
export function splat(file: string): string {
  return readFileSync(join(splatsDir, file), "utf8")
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
}

export function fixture(name: string): string {
  return readFileSync(join(fixtures, name), "utf8");
}

/** Without `[  242.922091]` timestamps and `[T17509]` caller ids. */
export function withoutTimestamps(text: string): string {
  return text
    .split("\n")
    .map((l) => l.replace(/^\[\s*\d+\.\d+\](\[\s*[CT]\d+\])? ?/, ""))
    .join("\n");
}

/** Quoted in a reply, as mail clients do. */
export function quoted(text: string): string {
  return text
    .split("\n")
    .map((l) => (l === "" ? ">" : `> ${l}`))
    .join("\n");
}

const NOISE = [
  "usb 3-1: New USB device found, idVendor=0926, idProduct=3333, bcdDevice= 0.40",
  "mpt3sas_cm1: 63 BIT PCI BUS DMA ADDRESSING SUPPORTED, total mem (56799464 kB)",
  "xt_TCPMSS: Only works on TCP SYN packets",
  'audit: type=1400 audit(1600000000.123:42): avc:  denied  { read } for  pid=1 comm="init" name="x"',
  "EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: (null)",
  "device veth0 entered promiscuous mode",
];

/**
 * Other tasks' console lines between the report's lines (every `every` lines,
 * inside stacks too), as a busy machine prints them; with a timestamp when the
 * report has them, and another caller id when it has those. Lines before and
 * after the report too.
 */
export function inNoise(text: string, every = 3): string {
  const lines = text.split("\n");
  const stamped = lines.find((l) => /^\[\s*\d+\.\d+\]/.test(l));
  const caller = lines.map((l) => /^\[\s*\d+\.\d+\]\[\s*([CT]\d+)\]/.exec(l)?.[1]).find((c) => c !== undefined);
  const noise = (i: number): string => {
    const msg = NOISE[i % NOISE.length]!;
    if (!stamped) return msg;
    return caller ? `[  999.${String(100000 + i)}][ T9807] ${msg}` : `[  999.${String(100000 + i)}] ${msg}`;
  };
  const out: string[] = [noise(0), noise(1)];
  lines.forEach((l, i) => {
    out.push(l);
    if (i % every === every - 1) out.push(noise(i));
  });
  out.push(noise(2), noise(3));
  return out.join("\n");
}

/** The scenario without the header line that cites input line numbers (which noise shifts). */
export function body(s: ImportedScenario): string {
  return s.text.replace(/^\/\/ Imported by .*\n/, "");
}

/** The locks each deadlock waits for, as a sorted set (a CPU waiting for the interrupt on top of it to return waits for no lock). */
export function deadlockLocks(a: Analysis): string[][] {
  return (a.report?.problems ?? [])
    .filter((p) => p.kind === "deadlock")
    .map((p) => [...new Set(p.sites.map((s) => s.waitsFor ?? "?").filter((w) => !/\(the interrupt on top of it\) to return$/.test(w)))].sort());
}

/** Lockdep's irq reports the check confirms with a deadlock: `title: locks`. */
export function confirmedIrqReports(a: Analysis): string[] {
  return (a.report?.irqReports ?? []).filter((r) => r.status === "confirmed").map((r) => `${r.title}: ${r.locks.join(" -> ")}`);
}

/** Checked reduced and in full: both must agree. */
export function checkBoth(text: string): { reduced: Analysis; full: Analysis } {
  return { reduced: analyze(text), full: analyze(text, { reduce: false }) };
}
