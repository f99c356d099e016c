// npm run bench:parse: parse and check a generated 5,000-line scenario.
import { analyzeFrontEnd } from "../server/src/analysis";
import { generateLargeScenario } from "./generate";

const text = generateLargeScenario(5000);
const lines = text.split("\n").length;
const runs = 30;
const times: number[] = [];
for (let i = 0; i < runs + 5; i++) {
  const t0 = performance.now();
  const fe = analyzeFrontEnd(text);
  const t1 = performance.now();
  if (fe.hasErrors) throw new Error("generated scenario should check clean: " + fe.diagnostics[0]?.message);
  if (i >= 5) times.push(t1 - t0);
}
times.sort((a, b) => a - b);
const pct = (p: number): string => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(1);
console.log(`parse+check ${lines} lines (${text.length} chars): median ${pct(50)} ms, p95 ${pct(95)} ms, min ${times[0]!.toFixed(1)} ms over ${runs} runs (5 warm-up)`);
