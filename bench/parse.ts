// npm run bench:parse: parse and check a generated 5,000-line scenario.
// Prints the median, p95 and minimum of whole front-end runs, and of the
// parse and check phases on their own.
import { analyzeFrontEnd } from "../server/src/analysis";
import { check } from "../server/src/language/checker";
import { parse } from "../server/src/language/parse";
import { generateLargeScenario } from "./generate";

const text = generateLargeScenario(5000);
const lines = text.split("\n").length - 1;
const runs = 40;
const warmup = 5;

function measure(fn: () => void): { median: number; p95: number; min: number } {
  const times: number[] = [];
  for (let i = 0; i < runs + warmup; i++) {
    const t0 = performance.now();
    fn();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { median: at(0.5), p95: at(0.95), min: times[0]! };
}

const fe = analyzeFrontEnd(text);
if (fe.hasErrors) throw new Error("generated scenario should check clean: " + fe.diagnostics[0]?.message);
const parsed = parse(text);
const fmt = (m: { median: number; p95: number; min: number }): string => `median ${m.median.toFixed(1)} ms, p95 ${m.p95.toFixed(1)} ms, min ${m.min.toFixed(1)} ms`;
console.log(`input: ${lines} lines, ${text.length} characters; ${runs} runs after ${warmup} warm-up runs`);
console.log(`parse + check: ${fmt(measure(() => analyzeFrontEnd(text)))}`);
console.log(`parse only:    ${fmt(measure(() => parse(text)))}`);
console.log(`check only:    ${fmt(measure(() => check(parsed.ast, text)))}`);
