// `race check [--json|--sarif] [--max-states N] [--timeout MS] [--no-reduce | --sleep-sets] FILE...`
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
import { analyze, analyzeFrontEnd } from "./analysis";
import { compile } from "./engine/compile";
import { safeJson } from "./escape";
import { ExportError, toPromela } from "./export/promela";
import { internalErrorJson, toJsonFile, type JsonFile } from "./cli/json";
import { sarifResults, toSarif, type Failure } from "./cli/sarif";
import { diagnosticLine, formatFile, textLines } from "./cli/text";
import { LineIndex } from "./language/span";

declare const RACE_VERSION: string | undefined;
const VERSION = typeof RACE_VERSION === "string" ? RACE_VERSION : "0.0.0-dev";

const USAGE = `usage: race check [--json | --sarif] [--max-states N] [--timeout MS] [--no-reduce | --sleep-sets] [--debug] FILE...
       race export --promela [--debug] FILE

  Explores every interleaving of each scenario and reports deadlocks, hangs,
  failed asserts and lock misuse, each with its shortest trace.

  --json          machine-readable results (0-based line/character ranges)
  --sarif         SARIF 2.1.0 for code-scanning tools
  --max-states N  stop each search after N states (default 1000000)
  --timeout MS    stop each search after MS milliseconds
  --no-reduce     explore every interleaving one by one (no partial-order
                  reduction): same findings and traces, more states
  --sleep-sets    add sleep sets to the reduction: same findings and
                  states, a few steps fewer (usually not faster)
  --debug         on an internal error, print its stack too
  --version       print the version

  export --promela  write the scenario as a Promela model for SPIN (stdout)

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
  sleep: boolean;
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
  const opts: Options = { format: "text", files: [], maxStates: undefined, timeoutMs: undefined, reduce: true, sleep: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === "--json") opts.format = "json";
    else if (a === "--sarif") opts.format = "sarif";
    else if (a === "--max-states") opts.maxStates = positiveInt(a, rest[++i]);
    else if (a === "--timeout") opts.timeoutMs = positiveInt(a, rest[++i]);
    else if (a === "--no-reduce") opts.reduce = false;
    else if (a === "--sleep-sets") opts.sleep = true;
    else if (a.startsWith("-")) throw new UsageError(`unknown option '${a}'`);
    else opts.files.push(a);
  }
  if (opts.files.length === 0) throw new UsageError("no files given");
  if (!opts.reduce && opts.sleep) throw new UsageError("--sleep-sets is part of the reduction: it cannot go with --no-reduce");
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
  const json: JsonFile[] = [];
  const sarif: object[] = [];
  const failures: Failure[] = [];
  for (const file of opts.files) {
    const text = readSource(file, writeErr);
    if (text === undefined) {
      exit = Math.max(exit, EXIT.invalid);
      continue;
    }
    try {
      const analysis = analyze(text, { maxStates: opts.maxStates, timeoutMs: opts.timeoutMs, reduce: opts.reduce, sleep: opts.sleep });
      const lines = new LineIndex(text);
      // Rendered at once, so that a failure while rendering is this file's too.
      if (opts.format === "text") write(formatFile(file, analysis, lines));
      if (opts.format === "json") json.push(toJsonFile(file, analysis, lines));
      if (opts.format === "sarif") sarif.push(...sarifResults({ file, analysis, lines }));
      exit = Math.max(exit, analysis.verdict === "invalid" ? EXIT.invalid : analysis.met ? EXIT.met : EXIT.notMet);
    } catch (e) {
      reportInternal(`while checking ${file}`, e, debug, writeErr);
      json.push(internalErrorJson(file, describeFailure(e)));
      failures.push({ file, detail: describeFailure(e) });
      exit = EXIT.internal;
    }
  }
  if (opts.format === "json") write(safeJson({ files: json }) + "\n");
  if (opts.format === "sarif") write(safeJson(toSarif(sarif, failures, VERSION)) + "\n");
  return exit;
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
    const fe = analyzeFrontEnd(text);
    if (fe.hasErrors) {
      const lines = new LineIndex(text);
      const errors = fe.diagnostics.filter((x) => x.severity === "error").map((d) => diagnosticLine(file, lines, d));
      writeErr(textLines([...errors, `race: ${file} has errors; nothing exported`]));
      return EXIT.invalid;
    }
    write(toPromela(compile(fe.ast, fe.checked.scope), file));
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
  process.exitCode = main(
    process.argv.slice(2),
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  );
}
