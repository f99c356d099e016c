// `race check [--json|--sarif] [--max-states N] [--timeout MS] [--no-reduce] FILE...`
// No LSP imports here: the CLI reads files, calls analyze() and prints.
// Exit codes: 0 every file's expectation is met; 1 some expectation is not
// met; 2 invalid input (syntax or semantic errors, unreadable file) or usage;
// 3 an internal error (an exception from the checker or the exporter: a bug
// of ours, reported on one line, with the stack under --debug). The highest
// applies.
//
// Text output goes through textLines(), which escapes control characters
// from the scenario and the command line; JSON through safeJson().

import { readFileSync } from "node:fs";
import { analyze, analyzeFrontEnd, type Analysis } from "./analysis";
import { compile } from "./engine/compile";
import { safeJson } from "./escape";
import { ExportError, toPromela } from "./export/promela";
import { internalErrorJson, toJsonFile, type JsonFile } from "./cli/json";
import { sarifFailure, sarifFile, toSarif, type Failure, type SarifFile } from "./cli/sarif";
import { diagnosticLine, formatFile, textLines } from "./cli/text";
import { coverageJson, formatCoverage } from "./cli/coverage";
import { cliLocator } from "./cli/places";
import { ScenarioLines } from "./language/relocate";
import { LineIndex } from "./language/span";
import { replayCommand, REPLAY_USAGE } from "./cli/replay";
import { testCommand, TEST_USAGE } from "./cli/testCommand";
import { importCommand, IMPORT_USAGE } from "./cli/importCommand";
import { scheduleOfTrace } from "./engine/schedule";
import { Layout } from "./engine/state";
import { traceFileOf } from "./traceFile";
import { writeFileSync } from "node:fs";

declare const RACE_VERSION: string | undefined;
const VERSION = typeof RACE_VERSION === "string" ? RACE_VERSION : "0.0.0-dev";

const USAGE = `usage: race check [--json | --sarif] [--max-states N] [--timeout MS] [--no-reduce] [--coverage] [--trace-out TRACE.json] [--debug] FILE...
       race export --promela [--debug] FILE
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
                  reduction): same findings, traces as short, more states
  --coverage      also list the statements no interleaving reaches
  --trace-out F   write the first finding's trace to F as a trace file
                  (docs/trace-format.md; one scenario only)
  --debug         on an internal error, print its stack too
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
             2 invalid input or usage error, 3 internal error (a bug: please
             report it); the highest applies`;

export const EXIT = { met: 0, notMet: 1, invalid: 2, internal: 3 } as const;

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

type Write = (s: string) => void;

/** What a failure inside the checker says, on one line. */
function describeFailure(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** `race: internal error …` on stderr: one line, and the stack under --debug. */
function reportInternal(what: string, e: unknown, debug: boolean, writeErr: Write): void {
  const stack = debug && e instanceof Error && e.stack ? e.stack.split("\n").slice(1) : [];
  writeErr(textLines([`race: internal error ${what}: ${describeFailure(e)}${debug ? "" : " (--debug shows the stack)"}`, ...stack]));
}

export function main(argv: string[], write: Write, writeErr: Write): number {
  const debug = argv.includes("--debug");
  try {
    return run(
      argv.filter((a) => a !== "--debug"),
      debug,
      write,
      writeErr,
    );
  } catch (e) {
    reportInternal("in race", e, debug, writeErr);
    return EXIT.internal;
  }
}

function run(argv: string[], debug: boolean, write: Write, writeErr: Write): number {
  if (argv[0] === "test" && !argv.includes("--help")) return testCommand(argv.slice(1), write, writeErr, USAGE);
  if (argv[0] === "replay" && !argv.includes("--help")) return replayCommand(argv.slice(1), write, writeErr, USAGE);
  if (argv[0] === "import") return importCommand(argv.slice(1), write, writeErr);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      writeErr(textLines([`race: ${e.message}`]) + USAGE + "\n");
      return EXIT.invalid;
    }
    throw e;
  }
  if (parsed === "help") {
    write(USAGE + "\n");
    return EXIT.met;
  }
  if (parsed === "version") {
    write(VERSION + "\n");
    return EXIT.met;
  }
  if (typeof parsed === "object" && "exportPromela" in parsed) return exportPromela(parsed.exportPromela, debug, write, writeErr);
  const opts = parsed;
  let exit: number = EXIT.met;
  const json: object[] = [];
  const sarif: SarifFile[] = [];
  const failures: Failure[] = [];
  for (const file of opts.files) {
    const text = readSource(file, writeErr);
    if (text === undefined) {
      exit = Math.max(exit, EXIT.invalid);
      continue;
    }
    try {
      // Imports are found beside the file (race-language.md §11); reports name imported files by their paths.
      const analysis = analyze(text, { maxStates: opts.maxStates, timeoutMs: opts.timeoutMs, reduce: opts.reduce, source: { path: file } });
      const lines = cliLocator(analysis.frontEnd);
      // Rendered at once, so that a failure while rendering is this file's too.
      if (opts.format === "text") write(formatFile(file, analysis, lines));
      if (opts.format === "text" && opts.coverage) write(formatCoverage(file, analysis, lines));
      if (opts.format === "json") json.push({ ...toJsonFile(file, analysis, lines), ...(opts.coverage ? { coverage: coverageJson(analysis, lines) } : {}) } satisfies JsonFile);
      if (opts.format === "sarif") sarif.push(sarifFile({ file, analysis, lines }));
      if (opts.traceOut !== undefined) writeTraceOut(opts.traceOut, file, text, analysis, writeErr);
      exit = Math.max(exit, analysis.verdict === "invalid" ? EXIT.invalid : analysis.met ? EXIT.met : EXIT.notMet);
    } catch (e) {
      reportInternal(`while checking ${file}`, e, debug, writeErr);
      const failure = { file, detail: describeFailure(e) };
      json.push(internalErrorJson(file, failure.detail));
      sarif.push(sarifFailure(failure));
      failures.push(failure);
      exit = EXIT.internal;
    }
  }
  if (opts.format === "json") write(safeJson({ files: json }) + "\n");
  if (opts.format === "sarif") write(safeJson(toSarif(sarif, failures, VERSION)) + "\n");
  return exit;
}

/** `--trace-out`: the first finding's trace as a trace file (docs/trace-format.md). */
function writeTraceOut(out: string, file: string, text: string, a: Analysis, writeErr: Write): void {
  const problem = a.report?.problems[0];
  if (!a.model || !problem) {
    writeErr(textLines([`race: ${file} has no finding, so no trace was written to ${out}`]));
    return;
  }
  const schedule = scheduleOfTrace(new Layout(a.model), problem.trace);
  if (!schedule) throw new Error("the finding's trace cannot be replayed");
  const base = file.replace(/^.*[\\/]/, "");
  const lines = new ScenarioLines(new LineIndex(text), a.frontEnd.program);
  writeFileSync(out, JSON.stringify(traceFileOf(text, a.model, schedule, { file: base, finding: { kind: problem.kind, message: problem.message } }, lines), null, 2) + "\n");
}

/** The file's text, or undefined after saying why it cannot be read. */
function readSource(file: string, writeErr: Write): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    writeErr(textLines([`race: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]));
    return undefined;
  }
}

function exportPromela(file: string, debug: boolean, write: Write, writeErr: Write): number {
  const text = readSource(file, writeErr);
  if (text === undefined) return EXIT.invalid;
  try {
    const fe = analyzeFrontEnd(text, { path: file });
    if (fe.hasErrors) {
      const lines = cliLocator(fe);
      const errors = fe.diagnostics.filter((x) => x.severity === "error").map((d) => diagnosticLine(file, lines, d));
      writeErr(textLines([...errors, `race: ${file} has errors; nothing exported`]));
      return EXIT.invalid;
    }
    write(toPromela(compile(fe.program.ast, fe.checked.scope), file));
    return EXIT.met;
  } catch (e) {
    if (e instanceof ExportError) {
      writeErr(textLines([`race: ${file} cannot be exported exactly: ${e.message}`]));
      return EXIT.invalid;
    }
    reportInternal(`while exporting ${file}`, e, debug, writeErr);
    return EXIT.internal;
  }
}

if (require.main === module) {
  // A reader that stops early (`race check --json | head`) closes the pipe:
  // end quietly with the verdicts' status, as `git log | head` does, not
  // with Node's stack trace for an unhandled EPIPE.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? EXIT.met);
  });
  process.exitCode = main(
    process.argv.slice(2),
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  );
}
