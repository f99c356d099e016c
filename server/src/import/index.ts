// `race import`: lockdep reports in any text → scenarios that can be checked,
// with lockdep's assumptions written out to edit (docs/import.md). The CLI,
// the editor's command and its quick fix all call importLockdep().

import { catalogue, type MessageId, type Severity } from "../language/messages";
import { findReports, otherLockdepHeaders, type ReportKind } from "./input";
import { planScenario, type ScenarioPlan } from "./plan";
import { parseReport, ReportError } from "./report";
import { writeScenario, type WrittenScenario } from "./write";
import { WRITE_AS, type Nature } from "./writeAs";

export interface ImportNote {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
}

export interface ImportedScenario {
  readonly text: string;
  readonly kind: ReportKind;
  /** The report's WARNING line. */
  readonly header: string;
  readonly task: string;
  readonly title: string;
  /** Input lines of the report. */
  readonly firstLine: number;
  readonly lastLine: number;
  /** Lockdep's cycle (or the recursive class, or the irq chain): each class and its identifier. */
  readonly chain: readonly { readonly cls: string; readonly id: string }[];
  /** Each class: its identifier in the scenario, its nature, and the name the check's reports give it (`(work_completion)(&W)`). */
  readonly locks: readonly { readonly cls: string; readonly id: string; readonly nature: Nature; readonly reported: string }[];
  /** The `cpu` names, with what each stands for. */
  readonly cpus: readonly { readonly name: string; readonly role: string }[];
  /** What the scenario cannot say exactly, for the reader (the CLI's stderr, the editor). */
  readonly notes: readonly ImportNote[];
}

export type ImportResult =
  | { readonly ok: true; readonly scenarios: readonly ImportedScenario[]; readonly skipped: readonly ImportNote[] }
  | { readonly ok: false; readonly error: ImportNote; readonly skipped: readonly ImportNote[] };

function note<K extends MessageId>(id: K, ...args: Parameters<(typeof catalogue)[K]["text"]>): ImportNote {
  const entry = catalogue[id];
  return { code: entry.code, severity: entry.severity, message: (entry.text as (...a: typeof args) => string)(...args) };
}

function notesOf(plan: ScenarioPlan, written: WrittenScenario): ImportNote[] {
  const notes: ImportNote[] = [];
  for (const l of plan.locks) {
    const row = WRITE_AS[l.nature];
    // A pseudo-lock or rwlock_t written as its construct; a pseudo-lock that has none.
    if (row.primitive) notes.push(note("importPseudoLock", l.cls, row.what, row.primitive));
    else if (row.pseudo) notes.push(note("importUnmapped", l.cls, row.what, (row.declare("", l.inHandler) ?? "mutex").trim()));
  }
  for (const h of written.handlers) notes.push(note("importInterrupt", h.keyword === "irq" ? "hardirq" : "softirq", h.name, h.cpu));
  for (const g of plan.gaps) notes.push(note("importGap", g));
  return notes;
}

/**
 * Every lockdep report in `input` as a scenario. `source` names the input in
 * the error ("stdin", a file name). Reports that lack what their kind needs
 * are skipped with a note; with none imported the result is an error.
 */
export function importLockdep(input: string, source = "the input"): ImportResult {
  const scenarios: ImportedScenario[] = [];
  const skipped: ImportNote[] = [];
  for (const found of findReports(input)) {
    let plan: ScenarioPlan;
    try {
      plan = planScenario(parseReport(found));
    } catch (e) {
      if (!(e instanceof ReportError)) throw e;
      skipped.push(note("importIncompleteReport", found.firstLine, found.header, e.message));
      continue;
    }
    const written = writeScenario(plan);
    const idOf = (cls: string): string => written.ids.get(cls) ?? cls;
    scenarios.push({
      text: written.text,
      kind: found.kind,
      header: found.header,
      task: plan.report.task,
      title: plan.title,
      firstLine: found.firstLine,
      lastLine: found.lastLine,
      chain: plan.chain.map((cls) => ({ cls, id: idOf(cls) })),
      locks: plan.locks.map((l) => ({ cls: l.cls, id: idOf(l.cls), nature: l.nature, reported: written.reported.get(l.cls) ?? idOf(l.cls) })),
      cpus: written.cpus.map((name, i) => ({ name, role: plan.threads[i]!.role })),
      notes: notesOf(plan, written),
    });
  }
  if (scenarios.length === 0) return { ok: false, error: skipped[0] ?? note("importNoReport", source, otherLockdepHeaders(input)), skipped };
  return { ok: true, scenarios, skipped };
}
