// `race check [--json|--sarif] [--max-states N] [--timeout MS] [--no-reduce] FILE...`
// No LSP imports here: the CLI reads files, calls analyze() and prints.
// Exit codes: 0 every file's expectation is met; 1 some expectation is not
// met; 2 invalid input (syntax or semantic errors, unreadable file) or usage.

import { readFileSync } from "node:fs";
import { analyze, analyzeFrontEnd, type Analysis } from "./analysis";
import { compile } from "./engine/compile";
import { ExportError, toPromela } from "./export/promela";
import { toJsonFile } from "./cli/json";
import { toSarif } from "./cli/sarif";
import { diagnosticLine, formatFile } from "./cli/text";
import { coverageJson, formatCoverage } from "./cli/coverage";
import { replayCommand, REPLAY_USAGE } from "./cli/replay";
import { testCommand, TEST_USAGE } from "./cli/testCommand";
import { importCommand, IMPORT_USAGE } from "./cli/importCommand";
import { scheduleOfTrace } from "./engine/schedule";
import { Layout } from "./engine/state";
import { traceFileOf } from "./traceFile";
import { writeFileSync } from "node:fs";
import { LineIndex } from "./language/span";

declare const RACE_VERSION: string | undefined;
const VERSION = typeof RACE_VERSION === "string" ? RACE_VERSION : "0.0.0-dev";

const USAGE = `usage: race check [--json | --sarif] [--max-states N] [--timeout MS] [--no-reduce] [--coverage] [--trace-out TRACE.json] FILE...
       race export --promela FILE
${TEST_USAGE}
${REPLAY_USAGE}
${IMPORT_USAGE}

  Explores every interleaving of each scenario and reports deadlocks, hangs,
  failed asserts and lock misuse, each with its shortest trace.

  --json          machine-readable results (0-based line/character ranges)
  --sarif         SARIF 2.1.0 for code-scanning tools
  --max-states N  stop each search after N states (default 1000000)
  --timeout MS    stop each search after MS milliseconds
  --no-reduce     explore every interleaving one by one (no partial-order
                  reduction): same findings and traces, more states
  --coverage      also list the statements no interleaving reaches
  --trace-out F   write the first finding's trace to F as a trace file
                  (docs/trace-format.md; one scenario only)
  --version       print the version

  export --promela  write the scenario as a Promela model for SPIN (stdout)
  test            every .race file with an 'expect' is a test: passed when
                  its expectation is met; --junit writes JUnit XML for CI,
                  --shard K/N runs every N-th file (exit 0, 1 failed, 2 invalid)
  replay          replay a trace file on the scenario as it is now; says
                  which step no longer applies if the scenario changed
  import          write the lockdep reports in FILE (or stdin) as scenarios,
                  lockdep's assumptions spelled out to edit (docs/import.md);
                  exit 0 imported, 2 no report found

exit status: 0 all expectations met, 1 some expectation not met,
             2 invalid input or usage error`;

interface Options {
  format: "text" | "json" | "sarif";
  files: string[];
  maxStates: number | undefined;
  timeoutMs: number | undefined;
  reduce: boolean;
  coverage: boolean;
  traceOut: string | undefined;
}

class UsageError extends Error {}

function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} needs a positive whole number`);
  return n;
}

function parseArgs(argv: string[]): Options | "help" | "version" | { exportPromela: string } {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  if (argv.includes("--version")) return "version";
  const [command, ...rest] = argv;
  if (command === "export") {
    if (rest.length !== 2 || rest[0] !== "--promela") throw new UsageError("export takes --promela and one file");
    return { exportPromela: rest[1]! };
  }
  if (command !== "check") throw new UsageError(command ? `unknown command '${command}'` : "missing command");
  const opts: Options = { format: "text", files: [], maxStates: undefined, timeoutMs: undefined, reduce: true, coverage: false, traceOut: undefined };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === "--json") opts.format = "json";
    else if (a === "--sarif") opts.format = "sarif";
    else if (a === "--max-states") opts.maxStates = positiveInt(a, rest[++i]);
    else if (a === "--timeout") opts.timeoutMs = positiveInt(a, rest[++i]);
    else if (a === "--no-reduce") opts.reduce = false;
    else if (a === "--coverage") opts.coverage = true;
    else if (a === "--trace-out") opts.traceOut = rest[++i] ?? "";
    else if (a.startsWith("-")) throw new UsageError(`unknown option '${a}'`);
    else opts.files.push(a);
  }
  if (opts.files.length === 0) throw new UsageError("no files given");
  if (opts.traceOut !== undefined && (opts.traceOut === "" || opts.files.length !== 1)) throw new UsageError("--trace-out takes a file name and goes with one scenario");
  return opts;
}

export function main(argv: string[], write: (s: string) => void, writeErr: (s: string) => void): number {
  if (argv[0] === "test" && !argv.includes("--help")) return testCommand(argv.slice(1), write, writeErr, USAGE);
  if (argv[0] === "replay" && !argv.includes("--help")) return replayCommand(argv.slice(1), write, writeErr, USAGE);
  if (argv[0] === "import") return importCommand(argv.slice(1), write, writeErr);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      writeErr(`race: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (parsed === "help") {
    write(USAGE + "\n");
    return 0;
  }
  if (parsed === "version") {
    write(VERSION + "\n");
    return 0;
  }
  if (typeof parsed === "object" && "exportPromela" in parsed) return exportPromela(parsed.exportPromela, write, writeErr);
  const opts = parsed;
  let exit = 0;
  const done: { file: string; analysis: Analysis; lines: LineIndex }[] = [];
  for (const file of opts.files) {
    const text = readSource(file, writeErr);
    if (text === undefined) {
      exit = 2;
      continue;
    }
    const analysis = analyze(text, { maxStates: opts.maxStates, timeoutMs: opts.timeoutMs, reduce: opts.reduce });
    const lines = new LineIndex(text);
    done.push({ file, analysis, lines });
    if (analysis.verdict === "invalid") exit = 2;
    else if (!analysis.met && exit === 0) exit = 1;
    if (opts.format === "text") write(formatFile(file, analysis, lines));
    if (opts.format === "text" && opts.coverage) write(formatCoverage(file, analysis, lines));
    if (opts.traceOut !== undefined) writeTraceOut(opts.traceOut, file, text, analysis, writeErr);
  }
  const json = (d: (typeof done)[number]): object => ({ ...toJsonFile(d.file, d.analysis, d.lines), ...(opts.coverage ? { coverage: coverageJson(d.analysis, d.lines) } : {}) });
  if (opts.format === "json") write(JSON.stringify({ files: done.map(json) }, null, 2) + "\n");
  if (opts.format === "sarif") write(JSON.stringify(toSarif(done, VERSION), null, 2) + "\n");
  return exit;
}

/** `--trace-out`: the first finding's trace as a trace file (docs/trace-format.md). */
function writeTraceOut(out: string, file: string, text: string, a: Analysis, writeErr: (s: string) => void): void {
  const problem = a.report?.problems[0];
  if (!a.model || !problem) {
    writeErr(`race: ${file} has no finding, so no trace was written to ${out}\n`);
    return;
  }
  const schedule = scheduleOfTrace(new Layout(a.model), problem.trace);
  if (!schedule) throw new Error("the finding's trace cannot be replayed");
  const base = file.replace(/^.*[\\/]/, "");
  writeFileSync(out, JSON.stringify(traceFileOf(text, a.model, schedule, { file: base, finding: { kind: problem.kind, message: problem.message } }), null, 2) + "\n");
}

/** The file's text, or undefined after saying why it cannot be read. */
function readSource(file: string, writeErr: (s: string) => void): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    writeErr(`race: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return undefined;
  }
}

function exportPromela(file: string, write: (s: string) => void, writeErr: (s: string) => void): number {
  const text = readSource(file, writeErr);
  if (text === undefined) return 2;
  const fe = analyzeFrontEnd(text);
  if (fe.hasErrors) {
    const lines = new LineIndex(text);
    for (const d of fe.diagnostics.filter((x) => x.severity === "error")) writeErr(diagnosticLine(file, lines, d) + "\n");
    writeErr(`race: ${file} has errors; nothing exported\n`);
    return 2;
  }
  try {
    write(toPromela(compile(fe.ast, fe.checked.scope), file));
    return 0;
  } catch (e) {
    if (e instanceof ExportError) {
      writeErr(`race: ${file} cannot be exported exactly: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = main(
    process.argv.slice(2),
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  );
}
