// `race replay FILE --trace T`: replays a trace file (docs/trace-format.md)
// on the scenario as it is now, step by step, and says what the trace ends
// in. When the scenario changed since the trace was written it says so; when
// a step no longer applies it says which and why, and exits 1.

import { readFileSync } from "node:fs";
import { analyzeFrontEnd } from "../analysis";
import type { Span } from "../language/span";
import { problemText, Replayed } from "../services/simulation";
import { changedNames, parseTraceFile, replayTraceFile } from "../traceFile";
import { cliLocator } from "./places";
import { textLines } from "./text";

export const REPLAY_USAGE = `       race replay FILE --trace TRACE.json`;

export function replayCommand(argv: readonly string[], write: (s: string) => void, writeErr: (s: string) => void, usage: string): number {
  const t = argv.indexOf("--trace");
  const trace = t >= 0 ? argv[t + 1] : undefined;
  const rest = argv.filter((_, i) => i !== t && i !== t + 1);
  if (!trace || rest.length !== 1 || rest[0]!.startsWith("-")) {
    writeErr(textLines(["race: replay takes one scenario and --trace TRACE.json"]) + usage + "\n");
    return 2;
  }
  const file = rest[0]!;
  let text: string;
  let json: string;
  try {
    text = readFileSync(file, "utf8");
    json = readFileSync(trace, "utf8");
  } catch (e) {
    writeErr(textLines([`race: cannot read ${(e as NodeJS.ErrnoException).path ?? ""}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]));
    return 2;
  }
  const parsed = parseTraceFile(json);
  if ("error" in parsed) {
    writeErr(textLines([`race: ${trace}: ${parsed.error}`]));
    return 2;
  }
  const r = replayTraceFile(text, parsed, { path: file });
  if (!r.ok) {
    writeErr(textLines([`race: ${trace} does not apply to ${file}: ${r.error}.`]));
    return 1;
  }
  // A step of an imported file: `file:line` of that file (race-language.md §11).
  const fe = analyzeFrontEnd(text, { path: file });
  const lines = cliLocator(fe);
  const where = (at: Span): string => `${lines.file?.(at) ?? file}:${lines.range(at).start.line + 1}`;
  // The trace file and the scenario are outside text: every line goes out escaped.
  const out: string[] = [];
  if (r.changed) out.push(`note: ${changedNames(r, file).join(", ")} changed since ${trace} was written; every step still applies (replayed by statement).`);
  out.push(`Replaying ${trace} on ${file}: ${r.trace.length} step${r.trace.length === 1 ? "" : "s"}`, "");
  const width = Math.max(4, ...r.trace.map((s) => s.cpu.length));
  r.trace.forEach((s, i) => out.push(`  ${String(i + 1).padStart(3)}  ${where(s.span)}  ${s.cpu.padEnd(width)}  ${s.action}`));
  const problems = new Replayed(r.model, r.schedule).problems(r.schedule.length);
  out.push("");
  if (problems.length === 0) out.push("The trace ends in a state where no problem shows.");
  else for (const p of problems) out.push(`The trace ends in ${problemText(r.model, p)}.`);
  if (parsed.finding) out.push(`It was saved for this finding: ${parsed.finding.message}`);
  write(textLines(out));
  return 0;
}
