// npm run bench:spin [-- --max-n 16 --cap 30]: SPIN 6.5.2 end to end
// (spin -a, gcc -O2, pan -c0: full exploration, all errors counted, SPIN's
// own partial-order reduction where it applies) against `race check` (the
// built CLI, a separate process, full exploration with our reduction; and
// again with --no-reduce) on the philosophers families (ring, ordered),
// N = 6…max-n, and on every sample. `--irq`: instead, the philosophers with
// a timer interrupt per CPU (race-language.md §10; bench/generate.ts
// philosophersIrq), N = 2…max-n, and no samples.
// Wall times include everything each tool does for a verdict. A run over the
// cap (seconds) is stopped and reported as such; larger N of that family are
// then skipped for that tool.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { philosophers, philosophersIrq } from "./generate";

const exec = promisify(execFile);
const root = join(__dirname, "..");
const cli = join(root, "dist", "cli.js");
const argOf = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const maxN = argOf("--max-n", 16);
const cap = argOf("--cap", 30);
const irq = process.argv.includes("--irq");

interface Outcome {
  verdict: string;
  states: number | undefined;
  seconds: number | undefined; // undefined: over the cap
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

async function spin(text: string, dir: string): Promise<Outcome> {
  const file = join(dir, "in.race");
  writeFileSync(file, text);
  try {
    const r = await timed(async () => {
      const pml = await exec(process.execPath, [cli, "export", "--promela", file], { maxBuffer: 1 << 26 });
      writeFileSync(join(dir, "model.pml"), pml.stdout);
      await exec("spin", ["-a", "model.pml"], { cwd: dir });
      const reduce = /lk_wwait/.test(pml.stdout) ? ["-DNOREDUCE"] : []; // remote state (queued writers) needs POR off
      await exec("gcc", ["-O2", "-w", "-DSAFETY", "-DMEMLIM=16000", ...reduce, "-o", "pan", "pan.c"], { cwd: dir });
      const pan = await exec("./pan", ["-c0", "-m1000000", "-w26"], { cwd: dir, timeout: cap * 1000, maxBuffer: 1 << 26 }).catch((e: { stdout?: string; killed?: boolean; signal?: string }) => {
        if (e.killed || e.signal) throw new Error("cap");
        return { stdout: e.stdout ?? "" };
      });
      return pan.stdout;
    });
    const out = r.value;
    const stored = /(\d+) states, stored/.exec(out);
    const errors = Number(/errors: (\d+)/.exec(out)?.[1] ?? 0);
    const kinds = [/invalid end state/.test(out) ? "invalid end state" : "", /assertion violated/.test(out) ? "assertion violated" : ""].filter(Boolean);
    return { verdict: errors > 0 ? kinds.join(" + ") || `${errors} errors` : "no errors", states: stored ? Number(stored[1]) : undefined, seconds: r.seconds };
  } catch (e) {
    if ((e as Error).message === "cap") return { verdict: "over the cap", states: undefined, seconds: undefined };
    throw e;
  }
}

async function race(text: string, dir: string, reduce: boolean): Promise<Outcome> {
  const file = join(dir, "in.race");
  writeFileSync(file, text);
  try {
    const flags = reduce ? [] : ["--no-reduce"];
    const r = await timed(() =>
      exec(process.execPath, [cli, "check", "--json", ...flags, "--max-states", "200000000", "--timeout", String(cap * 1000), file], { maxBuffer: 1 << 26 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" })),
    );
    const f = JSON.parse(r.value.stdout).files[0] as { verdict: string; stats: { states: number; complete: boolean; traceSearchStates: number; shortestTraces: boolean } };
    if (!f.stats.complete || !f.stats.shortestTraces) return { verdict: "over the cap", states: undefined, seconds: undefined };
    // States of both searches: the main one and the one for shortest traces.
    return { verdict: f.verdict, states: f.stats.states + f.stats.traceSearchStates, seconds: r.seconds };
  } catch (e) {
    throw new Error(`race check failed: ${(e as Error).message}`);
  }
}

const fmt = (o: Outcome): string => (o.seconds === undefined ? `> ${cap} s` : `${o.seconds.toFixed(2)} s`);
const num = (n: number | undefined): string => (n === undefined ? "—" : n.toLocaleString("en-US"));

async function main(): Promise<void> {
  if (spawnSync("spin", ["-V"]).status !== 0) throw new Error("spin is not installed (apt-get install -y spin)");
  const dir = mkdtempSync(join(tmpdir(), "race-bench-spin-"));
  const rows: string[] = [
    "| scenario | SPIN verdict | SPIN states | SPIN time | race verdict | race states | race time | race / SPIN | race --no-reduce states | --no-reduce time |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const row = (name: string, s: Outcome, r: Outcome, f: Outcome): void => {
    const ratio = s.seconds !== undefined && r.seconds !== undefined ? (r.seconds / s.seconds).toFixed(2) : s.seconds === undefined && r.seconds !== undefined ? `< ${(r.seconds / cap).toFixed(2)}` : "—";
    rows.push(`| ${name} | ${s.verdict} | ${num(s.states)} | ${fmt(s)} | ${r.verdict} | ${num(r.states)} | ${fmt(r)} | ${ratio} | ${num(f.states)} | ${fmt(f)} |`);
    console.error(rows[rows.length - 1]);
  };
  const skipped: Outcome = { verdict: "skipped (smaller N over the cap)", states: undefined, seconds: undefined };
  try {
    for (const ordered of [false, true]) {
      let spinOver = false;
      let raceOver = false;
      let fullOver = false;
      for (let n = irq ? 2 : 6; n <= maxN; n++) {
        const text = irq ? philosophersIrq(n, ordered) : philosophers(n, ordered);
        const s: Outcome = spinOver ? skipped : await spin(text, dir);
        const r: Outcome = raceOver ? skipped : await race(text, dir, true);
        const f: Outcome = fullOver ? skipped : await race(text, dir, false);
        spinOver ||= s.seconds === undefined;
        raceOver ||= r.seconds === undefined;
        fullOver ||= f.seconds === undefined;
        row(`${irq ? "irq-" : ""}${ordered ? "ordered" : "ring"}-${n}`, s, r, f);
      }
    }
    if (!irq) for (const f of readdirSync(join(root, "samples")).filter((x) => x.endsWith(".race")).sort()) {
      const text = readFileSync(join(root, "samples", f), "utf8");
      row(f.replace(/\.race$/, ""), await spin(text, dir), await race(text, dir, true), await race(text, dir, false));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(rows.join("\n"));
}

void main();
