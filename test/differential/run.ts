// npm run test:differential [-- --count N --from SEED --plain | --irq [--ticks]]:
// generates scenarios, checks each with our engine and with SPIN 6.5.2 on
// the exported Promela model (spin -a, gcc, pan), and compares what both
// can express:
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
// searches must report the same (test/observable.ts), traces included, up
// to ties: two traces of the same shortest length ending in different
// states may word their problem differently, if the reduced one replays
// on the model (agreeUpToTies; seeds 758 and 834).
// It first replays test/fixtures/differential/*.race (earlier
// disagreements, SPIN's answers in their first line, what was wrong in
// the lines after) and the samples, then the generated seeds. A new
// disagreement is written there as a fixture (seed-N.race; irq-seed-N.race
// for --irq) and the run exits 1. Two scenarios run at a time (one per
// core). Flavours (generate.ts): the default generates loops that may
// never end and the kernel wait primitives of §9 (kernel.ts); `--irq`
// loops and the interrupt contexts of §10 instead (irq.ts: irq/softirq
// handlers, spinlocks and rwlocks, the lock forms and local_irq_*/
// local_bh_* sections), with `--ticks` timer-tick handlers among them
// (empty sections of a handlers-only lock, assignments); `--plain` the corpus of the earlier runs (loops
// only). Recorded runs: docs/reliability.md, "Differential runs".

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyze } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import type { Model } from "../../server/src/engine/model";
import { silentLocks, transparentHandlers } from "../../server/src/engine/reduce";
import { Layout } from "../../server/src/engine/state";
import { toPromela } from "../../server/src/export/promela";
import { agreeUpToTies } from "../observable";
import { generateScenario } from "./generate";
import { disagreement, spinVerdict } from "./spin";

const root = join(__dirname, "..");
const fixtures = join(root, "test", "fixtures", "differential");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Which §9 primitives and §10 constructs a compiled scenario uses, by name (for the run's tally). */
function primitivesUsed(model: Model): string[] {
  const ops = new Set(model.cpus.flatMap((c) => c.code.map((i) => i.op)));
  const texts = model.cpus.flatMap((c) => c.code.map((i) => i.text));
  const out: string[] = [];
  if (model.handlers.some((h) => h.kind === "irq")) out.push("irq handler");
  if (model.handlers.some((h) => h.kind === "softirq")) out.push("softirq handler");
  if (model.locks.some((l) => l.kind === "rwlock")) out.push("rwlock");
  // The reduction's rules for handlers (reduce.ts): which scenarios exercise them.
  const silent = silentLocks(model, new Layout(model));
  if (model.cpus.some((c) => c.code.some((i) => i.op === "lock" && silent[i.lock] === 1))) out.push("silent lock");
  if (transparentHandlers(model, silent).some((x) => x === 1)) out.push("transparent handler");
  // The lock forms compile to a state step named after the form, the unlock forms to irq_unlock.
  for (const form of ["lock_irq ", "lock_irqsave ", "lock_bh ", "rlock_irq ", "rlock_irqsave ", "rlock_bh "]) if (texts.some((t) => t.includes(`(${form}`))) out.push(form.trim());
  // A bare statement's text is its name.
  for (const name of ["local_irq_disable", "local_irq_save", "local_bh_disable"]) if (texts.includes(name)) out.push(name);
  if (model.works.length > 0) out.push("work");
  if (model.workqueues.some((q) => q.maxActive > 0)) out.push("ordered/max_active");
  if (model.kthreads.length > 0) out.push("kthread");
  if (model.completions.length > 0) out.push("completion");
  if (model.kernfs.length > 0) out.push("kernfs");
  if (ops.has("kernfs_remove_self")) out.push("kernfs_remove_self");
  if (model.srcus.length > 0) out.push("srcu/rcu");
  return out;
}

async function main(): Promise<void> {
  const count = arg("--count", 1000);
  const from = arg("--from", 1);
  const flavour = process.argv.includes("--plain") ? { loops: true } : process.argv.includes("--irq") ? { loops: true, irq: true, ticks: process.argv.includes("--ticks") } : { loops: true, kernel: true };
  const jobs = 2;
  let next = from;
  let seedsCompared = 0;
  let agreed = 0;
  let skipped = 0;
  let reductionCompared = 0;
  let tracesUnproven = 0;
  const disagreements: string[] = [];
  const tally = { stuck: 0, violation: 0, livelock: 0, partial: 0, cycle: 0, misuse: 0, irqDeadlock: 0, irqMisuse: 0, irqConfirmed: 0, irqUnreached: 0 };
  const uses = new Map<string, number>();
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
        const { name, text } = isNamed ? named[namedIndex++]! : { name: `seed ${seed}`, text: generateScenario(seed, flavour) };
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
        const model = compile(a.frontEnd.program.ast, a.frontEnd.checked.scope);
        const reductionAgrees = !full.report!.stats.complete || agreeUpToTies(a, full, model, shortest);
        if (full.report!.stats.complete) reductionCompared++;
        const spin = await spinVerdict(toPromela(model, name), dir);
        if (!isNamed) for (const p of primitivesUsed(model)) uses.set(p, (uses.get(p) ?? 0) + 1);
        if (a.report!.globallyStuck) tally.stuck++;
        if (a.report!.problems.some((p) => p.kind === "violation")) tally.violation++;
        if (a.report!.problems.some((p) => p.form === "livelock")) tally.livelock++;
        if (a.report!.problems.some((p) => p.form === "partial")) tally.partial++;
        if (a.report!.problems.some((p) => p.kind !== "deadlock" && p.kind !== "hang" && p.kind !== "violation")) tally.misuse++;
        if (spin.cycle) tally.cycle++;
        // §10: a deadlock with a handler in it, the irq-state misuses, lockdep's irq reports.
        const handlers = new Set(model.handlers.map((h) => model.cpus[h.thread]!.name));
        if (a.report!.problems.some((p) => p.kind === "deadlock" && p.cpus.some((c) => handlers.has(c)))) tally.irqDeadlock++;
        if (a.report!.problems.some((p) => p.kind === "irq-unbalanced" || p.kind === "irq-state-at-exit")) tally.irqMisuse++;
        if (a.report!.irqReports.some((r) => r.status === "confirmed")) tally.irqConfirmed++;
        if (a.report!.irqReports.some((r) => r.status !== "confirmed")) tally.irqUnreached++;
        const why = disagreement(a, spin) ?? (reductionAgrees ? undefined : "the reduced search reports differently from the full one");
        if (why === undefined) agreed++;
        else {
          disagreements.push(name);
          if (!isNamed) {
            mkdirSync(fixtures, { recursive: true });
            writeFileSync(join(fixtures, `${"irq" in flavour ? "irq-" : ""}seed-${seed}.race`), `// spin: ${JSON.stringify(spin)}\n// ${why}\n${text}`);
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
  console.log(`differential: ${named.length} fixtures and samples, seeds ${from}..${next - 1} (${seedsCompared} compared; reduced = full checked on ${reductionCompared}, trace lengths on all but ${tracesUnproven} whose search for shortest traces ran out of budget): ${agreed} agree, ${disagreements.length} disagree, ${skipped} skipped (search incomplete); stuck in ${tally.stuck}, violation in ${tally.violation}, partial hangs in ${tally.partial}, livelocks in ${tally.livelock} (SPIN: non-progress cycles in ${tally.cycle}), misuse in ${tally.misuse}; irq: deadlocks through a handler in ${tally.irqDeadlock}, irq-state misuse in ${tally.irqMisuse}, lockdep irq reports confirmed in ${tally.irqConfirmed}, unreached in ${tally.irqUnreached}; ${"irq" in flavour ? "irq contexts (--irq)" : "kernel" in flavour ? "kernel primitives" : "plain (--plain)"}: ${[...uses].map(([p, n]) => `${p} in ${n}`).join(", ") || "none"}; ${secs} s`);
  console.log(`${agreed} passed, ${disagreements.length} failed`);
  if (disagreements.length > 0 || agreed === 0) process.exitCode = 1;
}

if (require.main === module) void main();
