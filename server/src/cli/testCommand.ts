// `race test [DIR|FILE]... [--junit OUT.xml] [--shard K/N] [--max-states N] [--timeout MS]`:
// every .race file with an `expect` line is a test that passes when the
// checker meets its expectation (services/scenarioTest.ts, the same verdict
// as the editor's Testing view). Directories are searched recursively;
// `--shard K/N` takes every N-th file (sorted), so CI can split the run by
// file across N jobs. Exit: 0 all passed, 1 some failed, 2 invalid scenario
// or usage error.

import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { LineIndex } from "../language/span";
import { isScenarioTest, runScenarioTest } from "../services/scenarioTest";
import { toJUnit, type JUnitCase } from "./junit";
import { textLines } from "./text";

export const TEST_USAGE = `       race test [DIR | FILE]... [--junit OUT.xml] [--shard K/N] [--max-states N] [--timeout MS]`;

class TestUsage extends Error {}

function racesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => !e.name.startsWith(".") && e.name !== "node_modules")
    .flatMap((e) => (e.isDirectory() ? racesUnder(join(path, e.name)) : e.name.endsWith(".race") ? [join(path, e.name)] : []));
}

export function testCommand(argv: readonly string[], write: (s: string) => void, writeErr: (s: string) => void, usage: string): number {
  let junit: string | undefined;
  let shard = { k: 1, n: 1 };
  let maxStates: number | undefined;
  let timeoutMs: number | undefined;
  const paths: string[] = [];
  try {
    const positive = (flag: string, v: string | undefined): number => {
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n <= 0) throw new TestUsage(`${flag} needs a positive whole number`);
      return n;
    };
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === "--junit") {
        junit = argv[++i];
        if (!junit) throw new TestUsage("--junit needs a file name");
      } else if (a === "--shard") {
        const m = /^(\d+)\/(\d+)$/.exec(argv[++i] ?? "");
        if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new TestUsage("--shard takes K/N with 1 ≤ K ≤ N");
        shard = { k: Number(m[1]), n: Number(m[2]) };
      } else if (a === "--max-states") maxStates = positive(a, argv[++i]);
      else if (a === "--timeout") timeoutMs = positive(a, argv[++i]);
      else if (a.startsWith("-")) throw new TestUsage(`unknown option '${a}'`);
      else paths.push(a);
    }
  } catch (e) {
    if (e instanceof TestUsage) {
      writeErr(textLines([`race: ${e.message}`]) + usage + "\n");
      return 2;
    }
    throw e;
  }
  let files: string[];
  try {
    files = [...new Set((paths.length > 0 ? paths : ["."]).flatMap(racesUnder))].sort();
  } catch (e) {
    writeErr(textLines([`race: ${(e as Error).message}`]));
    return 2;
  }
  const read = (f: string): string | undefined => {
    try {
      return readFileSync(f, "utf8");
    } catch (e) {
      writeErr(textLines([`race: cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]));
      return undefined;
    }
  };
  const texts = new Map(files.map((f) => [f, read(f)] as const));
  if ([...texts.values()].includes(undefined)) return 2;
  const tests = files.filter((f) => isScenarioTest(texts.get(f)!)).filter((_, i) => i % shard.n === shard.k - 1);
  // A file named on the command line that is no test says so: else the run
  // reports "0 of 0" as if there were nothing there (found trying the product).
  const named = new Set(paths.filter((p) => !statSync(p).isDirectory()));
  // (Said once, by the first shard, not by every one: found by review.)
  const notTests = shard.k === 1 ? files.filter((f) => !isScenarioTest(texts.get(f)!)) : [];
  for (const f of notTests) if (named.has(f)) write(textLines([`- ${relative(".", f) || f}: no \`expect\` line, so not a test (say what the check should find: \`expect safe\`, \`expect deadlock\`, …)`]));
  const cases: JUnitCase[] = [];
  for (const file of tests) {
    const text = texts.get(file)!;
    const r = runScenarioTest(text, { maxStates, timeoutMs, source: { path: file } });
    const shown = relative(".", file) || file;
    const at = r.span ? new LineIndex(text).position(r.span.start) : undefined;
    const location = at ? `${shown}:${at.line + 1}:${at.character + 1}` : undefined;
    cases.push({ file: shown, status: r.status, summary: r.summary, message: r.message, location, ms: r.ms });
    const mark = r.status === "passed" ? "✓" : "✗";
    write(textLines([`${mark} ${shown}: ${r.summary} (${Math.round(r.ms)} ms)`]));
    if (r.status !== "passed") write(textLines([`    ${location ? `${location}: ` : ""}${r.message}`]));
  }
  const passed = cases.filter((c) => c.status === "passed").length;
  const shardNote = shard.n > 1 ? ` (shard ${shard.k} of ${shard.n})` : "";
  const skipped = notTests.length > 0 ? ` (${notTests.length} ${notTests.length === 1 ? "file" : "files"} without \`expect\` left out)` : "";
  write(textLines([`race test: ${passed} of ${cases.length} scenarios met their expectation${shardNote}${skipped}`]));
  if (junit) writeFileSync(junit, toJUnit(cases));
  if (cases.some((c) => c.status === "errored")) return 2;
  return cases.some((c) => c.status === "failed") ? 1 : 0;
}
