// npm run bench:engine [-- --full] [--irq] [N ...]: exploration of the
// dining-philosophers families (ring: each CPU takes its left then its right
// fork; ordered: the lower fork first). By default the reduced search (what
// `race check` does), N = 6, 8, 10, 12, 14, 16, 20, 24; with --full the search
// without reduction (`--no-reduce`), N = 6…10. With --irq, the families with
// a timer interrupt on every CPU taking one shared spinlock (§10), N = 2…8. Reports the states stored
// (both searches), the steps taken (in merged chains too), time to verdict
// (best of 3, compile + explore + report), steps per second and bytes per
// stored state.
import { analyze } from "../server/src/analysis";
import { philosophers, philosophersIrq } from "./generate";

const full = process.argv.includes("--full");
const irq = process.argv.includes("--irq");
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 1);
const ns = sizes.length > 0 ? sizes : irq ? [2, 3, 4, 5, 6, 7, 8] : full ? [6, 7, 8, 9, 10] : [6, 8, 10, 12, 14, 16, 20, 24];
/** Past this a run is reported as over budget rather than waited for. */
const maxStates = irq ? 5_000_000 : 50_000_000;
const rows: string[] = ["| family | N | verdict | states stored | steps | time to verdict | steps/s | bytes/state |", "|---|---|---|---|---|---|---|---|"];
for (const ordered of [false, true]) {
  for (const n of ns) {
    const text = irq ? philosophersIrq(n, ordered) : philosophers(n, ordered);
    let best = Infinity;
    let last: ReturnType<typeof analyze> | undefined;
    for (let i = 0; i < (irq ? 1 : 3); i++) {
      const t0 = performance.now();
      last = analyze(text, { maxStates, reduce: !full });
      best = Math.min(best, performance.now() - t0);
    }
    const s = last!.report!.stats;
    if (!s.complete) {
      rows.push(`| ${irq ? "irq-" : ""}${ordered ? "ordered" : "ring"} | ${n} | over ${maxStates.toLocaleString("en-US")} states | | | ${best.toFixed(0)} ms | | |`);
      console.error(rows[rows.length - 1]);
      break;
    }
    const states = s.states + s.traceSearchStates;
    rows.push(
      `| ${irq ? "irq-" : ""}${ordered ? "ordered" : "ring"} | ${n} | ${last!.verdict} | ${states.toLocaleString("en-US")} | ${s.transitions.toLocaleString("en-US")} | ${best.toFixed(0)} ms | ${Math.round(s.transitions / (best / 1000)).toLocaleString("en-US")} | ${s.bytesPerState.toFixed(0)} |`,
    );
    console.error(rows[rows.length - 1]);
  }
}
console.log(rows.join("\n"));
