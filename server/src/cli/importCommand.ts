// `race import [FILE|-] [-o OUT.race]`: the lockdep reports in FILE (or stdin)
// as scenarios. One report: the scenario on stdout, or in OUT.race. Several:
// on stdout one after another, each opening with its `// race import:
// scenario i of n` line; with -o, one file each, OUT-1.race, OUT-2.race, ….
// What each scenario cannot say exactly goes to stderr, with its code.
// Exit 0 when some report was imported, 2 when none was (or on a usage error,
// or when the input cannot be read or an output written).

import { readFileSync, writeFileSync } from "node:fs";
import { escapeControls } from "../escape";
import { importLockdep, type ImportNote } from "../import";
import { catalogue, type ImportUsage } from "../language/messages";

export const IMPORT_USAGE = `       race import [FILE|-] [-o OUT.race]`;

const HELP = `${IMPORT_USAGE.trim()}

  Reads lockdep reports (a dmesg excerpt, a console log, a syzbot mail, a
  quoted report) and writes each as a scenario to check with 'race check':
  one cpu block per edge of the dependency chain plus the task that triggered
  the report, the stacks as nested functions, lockdep's assumptions written
  out to edit (docs/import.md). Several reports: on stdout one after another,
  each opening with '// race import: scenario i of n'; with -o, one file each
  (OUT-1.race, OUT-2.race, …).

exit status: 0 some report imported, 2 none found, usage error, or an input
  or output that cannot be read or written`;

function line(n: ImportNote): string {
  const word = n.severity === "error" ? "error" : n.severity === "warning" ? "warning" : "note";
  return `race import: ${word} ${n.code}: ${escapeControls(n.message)}\n`;
}

function usage(u: ImportUsage): ImportNote {
  return { code: catalogue.importUsage.code, severity: "error", message: catalogue.importUsage.text(u) };
}

/** `out.race` → `out-2.race` for the second of several scenarios. */
export function numbered(out: string, index: number, count: number): string {
  if (count === 1) return out;
  const dot = out.lastIndexOf(".");
  const slash = Math.max(out.lastIndexOf("/"), out.lastIndexOf("\\"));
  return dot > slash + 1 ? `${out.slice(0, dot)}-${index}${out.slice(dot)}` : `${out}-${index}`;
}

export function importCommand(args: readonly string[], write: (s: string) => void, writeErr: (s: string) => void, readStdin: () => string = () => readFileSync(0, "utf8")): number {
  if (args.includes("--help") || args.includes("-h")) {
    write(HELP + "\n");
    return 0;
  }
  let file: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-o" || a === "--output") {
      out = args[++i];
      if (out === undefined || out === "") {
        writeErr(line(usage({ kind: "outputWithoutFile" })) + IMPORT_USAGE + "\n");
        return 2;
      }
    } else if (a.startsWith("-") && a !== "-") {
      writeErr(line(usage({ kind: "unknownOption", option: a })) + IMPORT_USAGE + "\n");
      return 2;
    } else if (file === undefined) file = a;
    else {
      writeErr(line(usage({ kind: "twoInputs" })) + IMPORT_USAGE + "\n");
      return 2;
    }
  }
  const source = file === undefined || file === "-" ? "stdin" : file;
  let text: string;
  try {
    text = source === "stdin" ? readStdin() : readFileSync(source, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    writeErr(line({ code: catalogue.importCannotRead.code, severity: "error", message: catalogue.importCannotRead.text(source, why) }));
    return 2;
  }
  const result = importLockdep(text, source);
  for (const n of result.skipped) writeErr(line(n));
  if (!result.ok) {
    if (!result.skipped.includes(result.error)) writeErr(line(result.error));
    return 2;
  }
  const count = result.scenarios.length;
  for (const [i, s] of result.scenarios.entries()) {
    const dest = out === undefined ? (count > 1 ? `stdout (scenario ${i + 1} of ${count})` : "stdout") : numbered(out, i + 1, count);
    if (out === undefined) write(`${count > 1 ? `${i > 0 ? "\n" : ""}// race import: scenario ${i + 1} of ${count}\n` : ""}${s.text}`);
    else {
      try {
        writeFileSync(dest, s.text);
      } catch (e) {
        // A directory that does not exist, a file that cannot be written: said as such, not an internal error.
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        writeErr(line({ code: catalogue.importCannotRead.code, severity: "error", message: catalogue.importCannotRead.text(dest, why, "write") }));
        return 2;
      }
    }
    const done = catalogue.importWritten;
    writeErr(line({ code: done.code, severity: done.severity, message: done.text(i + 1, s.header.replace(/^WARNING: /, ""), s.task, s.firstLine, s.lastLine, dest) }));
    for (const n of s.notes) writeErr(line(n));
  }
  return 0;
}
