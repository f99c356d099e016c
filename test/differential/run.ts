// npm run test:differential [-- --count N --from SEED]: generates scenarios,
// checks each with our engine and with SPIN 6.5.2 on the exported Promela
// model (spin -a, gcc, pan), and compares what both can express:
//   stuck:     some reachable state where no CPU can move and one is
//              unfinished (ours) ⇔ SPIN reports an invalid end state (pan -A);
//   violation: some assert can fail (ours) ⇔ SPIN reports an assertion
//              violation (pan -E);
//   stuck for ever (race-language.md §8): a livelock we report ⇒ SPIN
//              finds a non-progress cycle under weak fairness (gcc -DNP,
//              pan -l -f: our model has no progress labels, so any fair
//              cycle is one); any CPU we find stuck (deadlock, hang or
//              livelock) ⇒ SPIN finds an invalid end state or such a cycle;
//              and when SPIN finds neither, we find nothing stuck. (The
//              converse does not hold: a loop with a way out, e.g. an
//              `either` that may leave it, is a fair cycle for SPIN but no
//              hang for us, as §8 assumes no unfair choices.)
// Each scenario is also checked without reduction (--no-reduce): the two
// searches must report the same (test/observable.ts), traces included.
// It first replays test/fixtures/differential/*.race (earlier
// disagreements, SPIN's answers in their first line) and the samples, then
// the generated seeds. A new disagreement is written there as a fixture and
// the run exits 1. Two scenarios run at a time (one per core).

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual, promisify } from "node:util";
import { analyze, type Analysis } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import { toPromela } from "../../server/src/export/promela";
import { observable } from "../observable";
import { generateScenario } from "./generate";

const run = promisify(execFile);
const root = join(__dirname, "..");
const fixtures = join(root, "test", "fixtures", "differential");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export interface SpinVerdict {
  stuck: boolean;
  violation: boolean;
  /** A non-progress cycle under weak fairness. */
  cycle: boolean;
}

/** Runs SPIN on a Promela model; throws if SPIN could not search completely. */
export async function spinVerdict(promela: string, dir: string): Promise<SpinVerdict> {
  writeFileSync(join(dir, "model.pml"), promela);
  await run("spin", ["-a", "model.pml"], { cwd: dir });
  // Remote references (the fair rwsem's queued writer) need partial-order reduction off.
  await run("gcc", ["-O0", "-w", "-DSAFETY", "-DNOREDUCE", "-DNOFAIR", "-o", "pan", "pan.c"], { cwd: dir });
  const pan = async (flag: string): Promise<string> => {
    const r = await run("./pan", [flag, "-m200000"], { cwd: dir, maxBuffer: 1 << 24 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
    if (/max search depth too small|out of memory/.test(r.stdout)) throw new Error(`SPIN could not finish: ${r.stdout.slice(0, 300)}`);
    return r.stdout;
  };
  const ends = await pan("-A");
  const asserts = await pan("-E");
  await run("gcc", ["-O0", "-w", "-DNP", "-DNOREDUCE", "-o", "pan-np", "pan.c"], { cwd: dir });
  const np = await run("./pan-np", ["-l", "-f", "-m200000"], { cwd: dir, maxBuffer: 1 << 24 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
  if (/max search depth too small|out of memory/.test(np.stdout)) throw new Error(`SPIN could not finish: ${np.stdout.slice(0, 300)}`);
  return {
    stuck: /invalid end state/.test(ends) && /errors: [1-9]/.test(ends),
    violation: /assertion violated/.test(asserts) && /errors: [1-9]/.test(asserts),
    cycle: /non-progress cycle/.test(np.stdout) && /errors: [1-9]/.test(np.stdout),
  };
}

/** Where our findings and SPIN's must agree (see the header), or why not. */
export function disagreement(a: Analysis, spin: SpinVerdict): string | undefined {
  const r = a.report!;
  const stuckAny = r.problems.some((p) => p.kind === "deadlock" || p.kind === "hang");
  const livelock = r.problems.some((p) => p.form === "livelock");
  if (r.globallyStuck !== spin.stuck) return `stuck: ours ${r.globallyStuck}, SPIN ${spin.stuck}`;
  if (r.problems.some((p) => p.kind === "violation") !== spin.violation) return `violation: SPIN ${spin.violation}`;
  if (livelock && !spin.cycle) return "a livelock we report is no non-progress cycle for SPIN";
  if (stuckAny && !spin.stuck && !spin.cycle) return "a CPU we find stuck for ever, SPIN neither stuck nor cycling";
  return undefined;
}

async function main(): Promise<void> {
  const count = arg("--count", 1000);
  const from = arg("--from", 1);
  const jobs = 2;
  let next = from;
  let seedsCompared = 0;
  let agreed = 0;
  let skipped = 0;
  let reductionCompared = 0;
  let tracesUnproven = 0;
  const disagreements: string[] = [];
  const tally = { stuck: 0, violation: 0, livelock: 0, partial: 0, cycle: 0 };
  const started = Date.now();
  // Named scenarios first: earlier disagreements, then the samples.
  const named: { name: string; text: string }[] = [];
  if (existsSync(fixtures)) for (const f of readdirSync(fixtures).filter((x) => x.endsWith(".race")).sort()) named.push({ name: `fixture ${f}`, text: readFileSync(join(fixtures, f), "utf8") });
  const samples = join(root, "samples");
  for (const f of readdirSync(samples).filter((x) => x.endsWith(".race")).sort()) named.push({ name: `sample ${f}`, text: readFileSync(join(samples, f), "utf8") });
  let namedIndex = 0;
  const worker = async (): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), "race-diff-"));
    try {
      // Seeds go on until `count` of them were compared (a skipped one does not count).
      while (namedIndex < named.length || seedsCompared < count) {
        const isNamed = namedIndex < named.length;
        const seed = isNamed ? -1 : next++;
        const { name, text } = isNamed ? named[namedIndex++]! : { name: `seed ${seed}`, text: generateScenario(seed, { loops: true }) };
        const a = analyze(text, { maxStates: 5_000_000 });
        if (a.frontEnd.hasErrors) throw new Error(`${name}: not a valid scenario:\n${text}`);
        if (!a.report!.stats.complete) {
          skipped++;
          continue;
        }
        if (!isNamed) seedsCompared++;
        const full = analyze(text, { maxStates: 5_000_000, reduce: false });
        // Trace lengths are compared only where the reduced run says they are
        // shortest (its goal-directed search shares the state budget).
        const shortest = a.report!.stats.shortestTraces;
        if (!shortest) tracesUnproven++;
        const reductionAgrees = !full.report!.stats.complete || isDeepStrictEqual(observable(full, shortest), observable(a, shortest));
        if (full.report!.stats.complete) reductionCompared++;
        const spin = await spinVerdict(toPromela(compile(a.frontEnd.program.ast, a.frontEnd.checked.scope), name), dir);
        if (a.report!.globallyStuck) tally.stuck++;
        if (a.report!.problems.some((p) => p.kind === "violation")) tally.violation++;
        if (a.report!.problems.some((p) => p.form === "livelock")) tally.livelock++;
        if (a.report!.problems.some((p) => p.form === "partial")) tally.partial++;
        if (spin.cycle) tally.cycle++;
        const why = disagreement(a, spin) ?? (reductionAgrees ? undefined : "the reduced search reports differently from the full one");
        if (why === undefined) agreed++;
        else {
          disagreements.push(name);
          if (!isNamed) {
            mkdirSync(fixtures, { recursive: true });
            writeFileSync(join(fixtures, `seed-${seed}.race`), `// spin: ${JSON.stringify(spin)}\n// ${why}\n${text}`);
          }
          console.error(`DISAGREE ${name}: ${why}; SPIN ${JSON.stringify(spin)}`);
        }
        const done = agreed + disagreements.length + skipped;
        if (done % 100 === 0) console.error(`${done}/${count} …`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`differential: ${named.length} fixtures and samples, seeds ${from}..${next - 1} (${seedsCompared} compared; reduced = full checked on ${reductionCompared}, trace lengths on all but ${tracesUnproven} whose search for shortest traces ran out of budget): ${agreed} agree, ${disagreements.length} disagree, ${skipped} skipped (search incomplete); stuck in ${tally.stuck}, violation in ${tally.violation}, partial hangs in ${tally.partial}, livelocks in ${tally.livelock} (SPIN: non-progress cycles in ${tally.cycle}); ${secs} s`);
  console.log(`${agreed} passed, ${disagreements.length} failed`);
  if (disagreements.length > 0 || agreed === 0) process.exitCode = 1;
}

if (require.main === module) void main();
