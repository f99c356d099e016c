// npm run bench:engine: full exploration of the dining-philosophers families
// (ring: each CPU takes its left then its right fork; ordered: the lower
// fork first), N = 6…10. Reports states, transitions, time to verdict
// (best of 3, compile + explore + report) and states per second.
import { analyze } from "../server/src/analysis";
import { philosophers } from "./generate";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 1);
const ns = sizes.length > 0 ? sizes : [6, 7, 8, 9, 10];
const rows: string[] = ["| family | N | verdict | states | transitions | time to verdict | states/s | bytes/state |", "|---|---|---|---|---|---|---|---|"];
for (const ordered of [false, true]) {
  for (const n of ns) {
    const text = philosophers(n, ordered);
    let best = Infinity;
    let last: ReturnType<typeof analyze> | undefined;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      last = analyze(text, { maxStates: 50_000_000 });
      best = Math.min(best, performance.now() - t0);
    }
    const s = last!.report!.stats;
    if (!s.complete) throw new Error(`incomplete search for N=${n}`);
    rows.push(
      `| ${ordered ? "ordered" : "ring"} | ${n} | ${last!.verdict} | ${s.states.toLocaleString("en-US")} | ${s.transitions.toLocaleString("en-US")} | ${best.toFixed(0)} ms | ${Math.round(s.states / (best / 1000)).toLocaleString("en-US")} | ${s.bytesPerState.toFixed(0)} |`,
    );
    console.error(rows[rows.length - 1]);
  }
}
console.log(rows.join("\n"));
