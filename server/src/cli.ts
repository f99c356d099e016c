// `race check [--json|--sarif] [--max-states N] [--timeout MS] FILE...`
// No LSP imports here: the CLI reads files, calls analyze() and prints.

import { readFileSync } from "node:fs";
import { analyzeFrontEnd } from "./analysis";
import { LineIndex } from "./language/span";

const USAGE = `usage: race check [--json] FILE...`;

interface Options {
  format: "text" | "json";
  files: string[];
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (command !== "check") throw new UsageError(command ? `unknown command '${command}'` : "missing command");
  const opts: Options = { format: "text", files: [] };
  for (const a of rest) {
    if (a === "--json") opts.format = "json";
    else if (a.startsWith("-")) throw new UsageError(`unknown option '${a}'`);
    else opts.files.push(a);
  }
  if (opts.files.length === 0) throw new UsageError("no files given");
  return opts;
}

function main(argv: string[]): number {
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`race: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  let exit = 0;
  const files = [];
  for (const file of opts.files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      process.stderr.write(`race: cannot read ${file}: ${(e as Error).message}\n`);
      exit = 2;
      continue;
    }
    const fe = analyzeFrontEnd(text);
    const lines = new LineIndex(text);
    const problems = fe.diagnostics.map((d) => ({ kind: d.severity === "error" ? "error" : "warning", code: d.code, message: d.message, range: lines.range(d.span) }));
    if (fe.hasErrors) exit = 2;
    files.push({ file, verdict: fe.hasErrors ? "invalid" : "valid", problems });
    if (opts.format === "text") {
      for (const p of problems) process.stdout.write(`${file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.kind} ${p.code}: ${p.message}\n`);
    }
  }
  if (opts.format === "json") process.stdout.write(JSON.stringify({ files }, null, 2) + "\n");
  return exit;
}

process.exitCode = main(process.argv.slice(2));
