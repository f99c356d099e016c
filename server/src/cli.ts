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
import { LineIndex } from "./language/span";

declare const RACE_VERSION: string | undefined;
const VERSION = typeof RACE_VERSION === "string" ? RACE_VERSION : "0.0.0-dev";

const USAGE = `usage: race check [--json | --sarif] [--max-states N] [--timeout MS] [--no-reduce] FILE...
       race export --promela FILE

  Explores every interleaving of each scenario and reports deadlocks, hangs,
  failed asserts and lock misuse, each with its shortest trace.

  --json          machine-readable results (0-based line/character ranges)
  --sarif         SARIF 2.1.0 for code-scanning tools
  --max-states N  stop each search after N states (default 1000000)
  --timeout MS    stop each search after MS milliseconds
  --no-reduce     explore every interleaving one by one (no partial-order
                  reduction): same findings and traces, more states
  --version       print the version

  export --promela  write the scenario as a Promela model for SPIN (stdout)

exit status: 0 all expectations met, 1 some expectation not met,
             2 invalid input or usage error`;

interface Options {
  format: "text" | "json" | "sarif";
  files: string[];
  maxStates: number | undefined;
  timeoutMs: number | undefined;
  reduce: boolean;
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
  const opts: Options = { format: "text", files: [], maxStates: undefined, timeoutMs: undefined, reduce: true };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === "--json") opts.format = "json";
    else if (a === "--sarif") opts.format = "sarif";
    else if (a === "--max-states") opts.maxStates = positiveInt(a, rest[++i]);
    else if (a === "--timeout") opts.timeoutMs = positiveInt(a, rest[++i]);
    else if (a === "--no-reduce") opts.reduce = false;
    else if (a.startsWith("-")) throw new UsageError(`unknown option '${a}'`);
    else opts.files.push(a);
  }
  if (opts.files.length === 0) throw new UsageError("no files given");
  return opts;
}

export function main(argv: string[], write: (s: string) => void, writeErr: (s: string) => void): number {
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
  }
  if (opts.format === "json") write(JSON.stringify({ files: done.map((d) => toJsonFile(d.file, d.analysis, d.lines)) }, null, 2) + "\n");
  if (opts.format === "sarif") write(JSON.stringify(toSarif(done, VERSION), null, 2) + "\n");
  return exit;
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
