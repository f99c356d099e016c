// The long fuzz run (docs/reliability.md):
//   npm run fuzz -- [--count N] [--seed S] [--only g1,g2] [--max-size F]
//                   [--max-states N] [--timeout MS] [--memory-mb MB] [--out DIR]
//   npm run fuzz -- --replay GENERATOR:SEED [--max-size F]
// Case i uses generator i mod (number of generators) with its own seed, so
// a case is named GENERATOR:SEED and replays alone (with the same
// --max-size, 0 to 1, the part of each generator's size range used). Cases run in a worker
// thread with a capped heap: a case that runs out of memory, or that does
// not come back long after its budget, is recorded and the worker replaced,
// and the run goes on. It writes DIR/summary.json (cases, failures grouped
// by kind, stage and error, peak memory) and each failing input, the first
// few of each group, to DIR/failures/GENERATOR-SEED.race; exit status 1 if
// anything failed.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getHeapStatistics } from "node:v8";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { caseSeed, caseText, corpus, generator, GENERATORS } from "./generators";
import { runCaseConfirmed, type CaseBudget, type CaseFailure, type CaseResult } from "./harness";

interface Settings {
  readonly root: string;
  readonly budget: CaseBudget;
  readonly maxSize: number;
}

interface CaseSpec {
  readonly index: number;
  readonly generator: string;
  readonly seed: number;
}

interface CaseReply {
  readonly index: number;
  readonly result: CaseResult;
  readonly chars: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
}

if (!isMainThread) {
  const { root, budget, maxSize } = workerData as Settings;
  const texts = corpus(root);
  // With --expose-gc (npm run fuzz passes it), each case starts on a collected
  // heap: its time is not charged for the previous case's garbage, and the
  // heap committed after it is what it needed.
  const collect = (globalThis as { gc?: () => void }).gc;
  parentPort!.on("message", (spec: CaseSpec) => {
    collect?.();
    const text = caseText(spec.generator, spec.seed, texts, maxSize);
    const result = runCaseConfirmed(text, budget);
    const heap = getHeapStatistics();
    const reply: CaseReply = { index: spec.index, result, chars: text.length, heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size };
    parentPort!.postMessage(reply);
  });
} else if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function numberOption(args: string[], name: string, fallback: number): number {
  const v = option(args, name);
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} needs a number`);
  return n;
}

interface Group {
  kind: string;
  stage: string;
  detail: string;
  count: number;
  cases: string[];
}

async function main(args: string[]): Promise<number> {
  const root = join(__dirname, "..");
  const budget: CaseBudget = { maxStates: numberOption(args, "--max-states", 5000), timeoutMs: numberOption(args, "--timeout", 1000) };
  const out = option(args, "--out") ?? ".fuzz";
  const maxSize = Math.min(1, numberOption(args, "--max-size", 1));
  const replay = option(args, "--replay");
  if (replay) {
    const [name, seed] = replay.split(":");
    const text = caseText(name!, Number(seed), corpus(root), maxSize);
    mkdirSync(out, { recursive: true });
    const file = join(out, `replay-${name}-${seed}.race`);
    writeFileSync(file, text);
    const result = runCaseConfirmed(text, budget);
    console.log(`${replay}: ${text.length} characters (${file}), ${Math.round(result.ms)} ms`);
    for (const f of result.failures) console.log(`  ${f.kind} in ${f.stage}: ${f.detail}`);
    return result.failures.length > 0 ? 1 : 0;
  }
  const count = numberOption(args, "--count", 2000);
  const seed = numberOption(args, "--seed", 1);
  const memoryMb = numberOption(args, "--memory-mb", 1024);
  const only = option(args, "--only")?.split(",");
  const gens = only ? only.map((n) => generator(n).name) : GENERATORS.map((g) => g.name);
  // A case not back by then is stuck beyond any budget: the worker is replaced.
  const killAfterMs = Math.max(30_000, 10 * (budget.timeoutMs + 1000));

  const groups = new Map<string, Group>();
  const perGenerator = new Map<string, { cases: number; failed: number; slowestMs: number }>(gens.map((g) => [g, { cases: 0, failed: 0, slowestMs: 0 }]));
  let peakHeapUsed = 0;
  let peakHeapTotal = 0;
  let slowest = { id: "", ms: 0 };
  const failedInputs = join(out, "failures");
  mkdirSync(failedInputs, { recursive: true });
  let texts: string[] | undefined;
  const record = (spec: CaseSpec, failures: readonly CaseFailure[]): void => {
    const id = `${spec.generator}:${spec.seed}`;
    const stats = perGenerator.get(spec.generator)!;
    stats.cases++;
    if (failures.length === 0) return;
    stats.failed++;
    for (const f of failures) {
      // Grouped by what failed, not by the names and numbers of the case.
      const detail = f.kind === "hang" ? "over budget + 1 s" : f.detail.replace(/\d+/g, "N");
      const key = `${f.kind}|${f.stage}|${detail}`;
      const g = groups.get(key) ?? { kind: f.kind, stage: f.stage, detail, count: 0, cases: [] };
      groups.set(key, g);
      g.count++;
      if (g.cases.length < 5) {
        g.cases.push(id);
        texts ??= corpus(root);
        writeFileSync(join(failedInputs, `${spec.generator}-${spec.seed}.race`), caseText(spec.generator, spec.seed, texts, maxSize));
      }
    }
  };

  let worker: Worker | undefined;
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const spec: CaseSpec = { index, generator: gens[index % gens.length]!, seed: caseSeed(seed, index) };
    worker ??= new Worker(__filename, { workerData: { root, budget, maxSize } satisfies Settings, resourceLimits: { maxOldGenerationSizeMb: memoryMb } });
    const w = worker;
    const outcome = await new Promise<CaseReply | CaseFailure>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: "hang", stage: "analyze", detail: `no answer after ${killAfterMs} ms: worker stopped` }), killAfterMs);
      const done = (r: CaseReply | CaseFailure): void => {
        clearTimeout(timer);
        w.removeAllListeners("message");
        w.removeAllListeners("error");
        resolve(r);
      };
      w.on("message", (reply: CaseReply) => done(reply));
      w.on("error", (e: Error & { code?: string }) =>
        done({ kind: "crash", stage: "analyze", detail: e.code === "ERR_WORKER_OUT_OF_MEMORY" ? `out of memory (worker heap capped at ${memoryMb} MB)` : `worker died: ${e.message}` }),
      );
      w.postMessage(spec);
    });
    if ("result" in outcome) {
      record(spec, outcome.result.failures);
      peakHeapUsed = Math.max(peakHeapUsed, outcome.heapUsed);
      peakHeapTotal = Math.max(peakHeapTotal, outcome.heapTotal);
      const g = perGenerator.get(spec.generator)!;
      g.slowestMs = Math.max(g.slowestMs, outcome.result.ms);
      if (outcome.result.ms > slowest.ms) slowest = { id: `${spec.generator}:${spec.seed}`, ms: outcome.result.ms };
    } else {
      record(spec, [outcome]);
      void w.terminate();
      worker = undefined;
    }
    if ((index + 1) % 500 === 0) console.error(`… ${index + 1} cases, ${[...groups.values()].reduce((n, g) => n + g.count, 0)} failures`);
  }
  void worker?.terminate();

  const sorted = [...groups.values()].sort((a, b) => b.count - a.count);
  const total = (kind: string): number => sorted.filter((g) => g.kind === kind).reduce((n, g) => n + g.count, 0);
  const summary = {
    cases: count,
    seed,
    maxSize,
    budget,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    failedCases: [...perGenerator.values()].reduce((n, g) => n + g.failed, 0),
    crashes: total("crash"),
    hangs: total("hang"),
    race199: total("race199"),
    badRanges: total("range"),
    formatNotIdempotent: total("format"),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    /** After a case, before any collection: what it used, garbage included. */
    peakWorkerHeapUsedMb: Math.round(peakHeapUsed / 2 ** 20),
    /** After a case: the heap V8 had reserved for it. */
    peakWorkerHeapCommittedMb: Math.round(peakHeapTotal / 2 ** 20),
    slowestCase: { ...slowest, ms: Math.round(slowest.ms) },
    generators: Object.fromEntries([...perGenerator].map(([g, s]) => [g, { ...s, slowestMs: Math.round(s.slowestMs) }])),
    failures: sorted,
  };
  writeFileSync(join(out, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  console.log(`${count} cases (seed ${seed}) in ${summary.seconds} s: ${summary.failedCases} failed; crashes ${summary.crashes}, hangs ${summary.hangs}, RACE199 ${summary.race199}, bad ranges ${summary.badRanges}, format ${summary.formatNotIdempotent}`);
  console.log(`peak RSS ${summary.peakRssMb} MB; worker heap after a case at most: ${summary.peakWorkerHeapUsedMb} MB used (garbage included), ${summary.peakWorkerHeapCommittedMb} MB committed; slowest ${summary.slowestCase.id} ${summary.slowestCase.ms} ms`);
  for (const g of sorted) console.log(`  ${String(g.count).padStart(5)}  ${g.kind} in ${g.stage}: ${g.detail}  e.g. ${g.cases.join(" ")}`);
  console.log(`summary: ${join(out, "summary.json")}; failing inputs: ${failedInputs}/`);
  return sorted.length > 0 ? 1 : 0;
}
