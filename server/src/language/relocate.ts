// Diagnostics of a program shown in the scenario's own text (race-language.md
// §11). A diagnostic in an imported file is told where the scenario can see
// it: at a related place in the scenario if it has one (the argument that
// made a library function's index wrong), else at the scenario's import that
// brought the file in. The front end's are summed up there as RACE084 with
// the original place as related information, so that no quick fix keyed to
// a code ever edits the scenario at a place that is not its own.

import { importInMain, type Program } from "./program";
import { catalogue, diagnostic, type Diagnostic, type Related } from "./messages";
import type { Sources } from "./sources";
import type { LineIndex, LineRange, Position, Span } from "./span";

export interface Placed {
  /** Every diagnostic at a place in the scenario's text. */
  readonly here: Diagnostic[];
  /** The originals that are in imported files (program spans), for an editor that has those files open. */
  readonly elsewhere: Diagnostic[];
}

/** What goes wrong with importing itself keeps its code at the import line: no fix keys off these. */
const IMPORT_CODES: ReadonlySet<string> = new Set([catalogue.cannotImport, catalogue.importCycle, catalogue.notInImport, catalogue.importLimit].map((e) => e.code));

/** At most this many problems of imported files are listed as related places of one summary. */
const MAX_RELATED = 20;

type Where = Pick<Program, "sources" | "via">;

/** The scenario's import that brought in the file `s` is in (the scenario's start if there is none). */
export function importLine(program: Where, s: Span): Span {
  return importInMain(program, program.sources.fileAt(s.start)) ?? { start: 0, end: 0 };
}

/** The front end's diagnostics: those in imported files summed up per import line (and severity) as RACE084. */
export function placeFrontEnd(ds: readonly Diagnostic[], program: Where): Placed {
  const { sources } = program;
  const here: Diagnostic[] = [];
  const elsewhere: Diagnostic[] = [];
  const groups = new Map<string, { at: Span; members: Diagnostic[] }>();
  for (const d of ds) {
    if (sources.inMain(d.span)) {
      here.push(d);
      continue;
    }
    elsewhere.push(d);
    if (d.severity !== "error" && d.severity !== "warning") continue;
    const at = d.related?.find((r) => sources.inMain(r.span))?.span ?? importLine(program, d.span);
    if (IMPORT_CODES.has(d.code)) {
      here.push({ ...d, span: at, message: `In ${sources.where(d.span)}: ${d.message}`, related: [{ span: d.span, message: "here" }, ...(d.related ?? [])] });
      continue;
    }
    const key = `${at.start}:${at.end}:${d.severity}`;
    const g = groups.get(key) ?? { at, members: [] };
    g.members.push(d);
    groups.set(key, g);
  }
  for (const { at, members } of groups.values()) {
    const first = members[0]!;
    const related: Related[] = members.slice(0, MAX_RELATED).map((m) => ({ span: m.span, message: `${m.code}: ${m.message}` }));
    const summary = diagnostic("inImportedFile", at, sources.where(first.span), first.code, first.message, members.length - 1);
    here.push({ ...summary, severity: first.severity, related });
  }
  return { here, elsewhere };
}

/**
 * Any other diagnostic (the engine's notes) at its place in the scenario:
 * its code kept, moved to the scenario's import line when it is elsewhere,
 * with the original place first among its related ones.
 */
export function placeElsewhere(d: Diagnostic, program: Where, at?: Span): Diagnostic {
  const { sources } = program;
  if (sources.inMain(d.span)) return d;
  const anchor = at ?? importLine(program, d.span);
  const original: Related = { span: d.span, message: `where it happens: ${sources.where(d.span)}` };
  return { ...d, span: anchor, related: [original, ...(d.related ?? [])] };
}

/**
 * Ranges in the scenario's own text for any program span, for what shows
 * only the scenario (the simulation's highlights, the debugger's lines, a
 * trace file's ranges): a span in an imported file becomes the innermost
 * call in the scenario on the way to it (`stack`: the frames, outermost
 * first, as compile.ts makes them), else the import that brought its file in.
 */
export class ScenarioLines {
  constructor(
    private readonly lines: LineIndex,
    private readonly program: Where,
  ) {}

  /** The program's files: the scenario and what it imports. */
  get sources(): Sources {
    return this.program.sources;
  }

  /** Where a span of an imported file is in it (`linux/pci:74:3`); undefined for the scenario's own. */
  imported(s: Span): string | undefined {
    return this.program.sources.inMain(s) ? undefined : this.program.sources.where(s);
  }

  span(s: Span, stack: readonly { readonly call: Span }[] = []): Span {
    const { sources } = this.program;
    if (sources.inMain(s)) return s;
    for (let i = stack.length - 1; i >= 0; i--) if (sources.inMain(stack[i]!.call)) return stack[i]!.call;
    return importLine(this.program, s);
  }

  range(s: Span, stack?: readonly { readonly call: Span }[]): LineRange {
    return this.lines.range(this.span(s, stack));
  }

  position(offset: number): Position {
    return this.lines.position(this.span({ start: offset, end: offset }).start);
  }
}
