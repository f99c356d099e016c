// npm run bench:corpus [-- --count N --from SEED]: the reductions on the
// differential corpus (test/differential/generate.ts, default seeds 1–1000)
// and on the samples. Per scenario the full search (`reduce: false`) and the
// reduced one (the default); totals of stored states (main search, and the
// searches for shortest traces), steps taken,
// and time. Scenarios whose full search does not finish within 2,000,000
// states are left out of the totals (and counted).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { analyze } from "../server/src/analysis";
import { generateScenario } from "../test/differential/generate";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg("--count", 1000);
const from = arg("--from", 1);
const budget = 2_000_000;

interface Totals {
  scenarios: number;
  skipped: number;
  full: number;
  fullSteps: number;
  fullMs: number;
  main: number;
  trace: number;
  steps: number;
  ms: number;
}

function measure(texts: string[]): Totals {
  const t: Totals = { scenarios: 0, skipped: 0, full: 0, fullSteps: 0, fullMs: 0, main: 0, trace: 0, steps: 0, ms: 0 };
  for (const text of texts) {
    const full = analyze(text, { reduce: false, maxStates: budget });
    const fs = full.report?.stats;
    if (!fs?.complete) {
      t.skipped++;
      continue;
    }
    const red = analyze(text, { maxStates: budget }).report!.stats;
    t.scenarios++;
    t.full += fs.states;
    t.fullSteps += fs.transitions;
    t.fullMs += fs.ms;
    t.main += red.states;
    t.trace += red.traceSearchStates;
    t.steps += red.transitions;
    t.ms += red.ms;
  }
  return t;
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;
const samplesDir = join(__dirname, "..", "samples");
const sets: [string, string[]][] = [
  [`corpus seeds ${from}–${from + count - 1}`, Array.from({ length: count }, (_, i) => generateScenario(from + i))],
  ["samples", readdirSync(samplesDir).filter((f) => f.endsWith(".race")).sort().map((f) => readFileSync(join(samplesDir, f), "utf8"))],
];
const rows = [
  "| scenarios | full: states | reduced: states stored (main + traces) | stored / full | full: steps | reduced: steps | full: ms | reduced: ms |",
  "|---|---|---|---|---|---|---|---|",
];
for (const [name, texts] of sets) {
  const t = measure(texts);
  const stored = t.main + t.trace;
  rows.push(
    `| ${name}: ${t.scenarios}${t.skipped ? ` (${t.skipped} over budget left out)` : ""} | ${fmt(t.full)} | ${fmt(stored)} (${fmt(t.main)} + ${fmt(t.trace)}) | ${pct(stored, t.full)} | ${fmt(t.fullSteps)} | ${fmt(t.steps)} | ${fmt(t.fullMs)} | ${fmt(t.ms)} |`,
  );
  console.error(rows[rows.length - 1]);
}
console.log(rows.join("\n"));
