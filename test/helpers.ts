// Shared helpers: scenario text in, findings out, rendered the same way for
// every baseline so that unrelated changes show up as clues.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyze, analyzeFrontEnd, type Analysis } from "../server/src/analysis";
import type { Diagnostic } from "../server/src/language/messages";
import type { Sources } from "../server/src/language/sources";
import { LineIndex } from "../server/src/language/span";

export const root = join(__dirname, "..");
export const samplesDir = join(root, "samples");
export const fixturesDir = join(__dirname, "fixtures");

export function listRace(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".race"))
    .sort();
}

export function read(path: string): string {
  return readFileSync(path, "utf8");
}

/**
 * `CODE severity L:C-L:C message` and the source line with carets under the
 * range; a related place in another file of the program as `file:L:C`.
 */
export function renderDiagnostics(text: string, diagnostics: readonly Diagnostic[], sources?: Sources): string {
  const lines = new LineIndex(text);
  const out: string[] = [];
  for (const d of diagnostics) {
    const r = lines.range(d.span);
    out.push(`${d.code} ${d.severity} ${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${d.message}`);
    const src = lines.lineText(r.start.line);
    const width = r.end.line === r.start.line ? Math.max(1, r.end.character - r.start.character) : Math.max(1, src.length - r.start.character);
    out.push(`    | ${src}`);
    out.push(`    | ${" ".repeat(r.start.character)}${"^".repeat(width)}`);
    for (const rel of d.related ?? []) {
      if (sources && !sources.inMain(rel.span)) {
        out.push(`    related ${sources.where(rel.span)}: ${rel.message}`);
        continue;
      }
      const rr = lines.range(rel.span);
      out.push(`    related ${rr.start.line + 1}:${rr.start.character + 1}: ${rel.message}`);
    }
  }
  return out.join("\n") + "\n";
}

/** The front end's diagnostics; with `path`, imports are found beside it on the disk. */
export function frontEndDiagnostics(text: string, path?: string): readonly Diagnostic[] {
  return analyzeFrontEnd(text, { path }).diagnostics;
}

/** The engine's findings in one line each: kind, CPUs, trace length. */
export function summarize(a: Analysis): string[] {
  return (a.report?.problems ?? []).map((p) => `${p.kind} [${p.cpus.join(",")}] ${p.trace.length} steps`);
}

export function run(text: string, options: Parameters<typeof analyze>[1] = {}): Analysis {
  return analyze(text, options);
}

/** The built CLI (dist/cli.js; npm test builds first), run from the repository root, with `input` on stdin. */
export function runCli(args: readonly string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "dist", "cli.js"), ...args], { encoding: "utf8", cwd: root, input });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `text` in a file `name` of a new temporary directory. */
export function scratchFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "race-test-")), name);
  writeFileSync(file, text);
  return file;
}

/**
 * The seed series as it was modelled by hand before the kernel library
 * (race-language.md §11): feature tests that pin lines, steps and names of
 * those scenarios read them here; samples/ has them written on the library.
 */
export const handDir = join(fixturesDir, "seed-by-hand");
