// Reading a lockdep report as people paste it: a dmesg excerpt with or without
// `[  242.93]` timestamps (and syzbot's `[T17509]` caller ids), a console log
// with other lines around and between the report's lines, a syslog or
// journal (`… kernel: `), a report quoted in a mail with `> `. Lines are
// cleaned of those prefixes; each report is found by its WARNING header and
// keeps only the lines of its own task where the log says which task printed
// each line.

export interface InputLine {
  /** 1-based line number in the input. */
  readonly no: number;
  /** The line without quote marks, timestamp and caller id; indentation kept. */
  readonly text: string;
  /** syzbot's printk caller (`T17509`, `C0`), when the log has them. */
  readonly caller: string | undefined;
}

export type ReportKind = "circular" | "recursive" | "inconsistent" | "irq-inversion" | "safe-unsafe";

/** The lockdep reports this importer reads, by their header. */
const HEADERS: readonly { readonly kind: ReportKind; readonly re: RegExp }[] = [
  { kind: "circular", re: /possible circular locking dependency detected/ },
  { kind: "recursive", re: /possible recursive locking detected/ },
  { kind: "inconsistent", re: /inconsistent lock state/ },
  { kind: "irq-inversion", re: /possible irq lock inversion dependency detected/ },
  { kind: "safe-unsafe", re: /(HARDIRQ|SOFTIRQ)-safe -> (HARDIRQ|SOFTIRQ)-unsafe lock order detected/ },
];

/** Other lockdep reports: recognised, so that the error can say what was found. */
const OTHER_LOCKDEP = /^\s*(?:WARNING|BUG|\[ INFO): (bad unlock balance detected!|lock held when returning to user space!|held lock freed!|suspicious RCU usage\.?|Invalid wait context|Nested lock was not taken)/;

const TIMESTAMP = /^\[\s*\d+\.\d+\](?:\[\s*([CT]\d+)\])?\s?/;
const DMESG_T = /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\](?:\[\s*([CT]\d+)\])?\s?/;
const SYSLOG = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: /;

export function cleanLines(input: string): InputLine[] {
  return input.split(/\r?\n/).map((raw, i) => {
    let text = raw.replace(/^(?:[ \t]?>)+[ \t]?/, "");
    text = text.replace(SYSLOG, "").replace(/^<\d>/, "");
    let caller: string | undefined;
    const ts = TIMESTAMP.exec(text) ?? DMESG_T.exec(text);
    if (ts) {
      caller = ts[1];
      text = text.slice(ts[0].length);
    }
    return { no: i + 1, text: text.replace(/\s+$/, ""), caller };
  });
}

export interface ReportText {
  readonly kind: ReportKind;
  /** The header as printed (`WARNING: possible circular locking dependency detected`). */
  readonly header: string;
  /** The report's lines, from its header on, without other tasks' console lines. */
  readonly lines: readonly InputLine[];
  /** Input line numbers of its header and last line. */
  readonly firstLine: number;
  readonly lastLine: number;
}

function headerKind(text: string): ReportKind | undefined {
  if (!/^\s*(WARNING:|\[ INFO:)/.test(text)) return undefined;
  return HEADERS.find((h) => h.re.test(text))?.kind;
}

/** Every report in the input, in order. */
export function findReports(input: string): ReportText[] {
  const lines = cleanLines(input);
  const starts: { index: number; kind: ReportKind }[] = [];
  lines.forEach((l, index) => {
    const kind = headerKind(l.text);
    if (kind) starts.push({ index, kind });
  });
  return starts.map(({ index, kind }, n) => {
    const end = n + 1 < starts.length ? starts[n + 1]!.index : lines.length;
    // The `=====` line above the next header belongs to the next report.
    let last = end - 1;
    while (last > index && (lines[last]!.text.trim() === "" || /^\s*=+\s*$/.test(lines[last]!.text))) last--;
    const own = lines[index]!.caller;
    const body = lines.slice(index, last + 1).filter((l) => own === undefined || l.caller === undefined || l.caller === own);
    return { kind, header: lines[index]!.text.trim().replace(/^\[ INFO: (.*) \]$/, "WARNING: $1"), lines: body, firstLine: lines[index]!.no, lastLine: lines[last]!.no };
  });
}

/** Headers of lockdep reports this importer does not read (for the error message). */
export function otherLockdepHeaders(input: string): string[] {
  const found = new Set<string>();
  for (const l of cleanLines(input)) {
    if (headerKind(l.text)) continue;
    const m = OTHER_LOCKDEP.exec(l.text);
    if (m) found.add(m[1]!.replace(/[.!]$/, ""));
  }
  return [...found];
}

/**
 * Where the first report's header is in `text` (offsets of its line, without
 * any quote marks or timestamp), and how many reports there are; undefined
 * when the text has none. For the editor's "this looks like a lockdep report".
 */
export function reportHeaderSpan(text: string): { start: number; end: number; count: number; header: string } | undefined {
  const reports = findReports(text);
  const first = reports[0];
  if (!first) return undefined;
  let start = 0;
  for (let n = 1; n < first.firstLine; n++) start = text.indexOf("\n", start) + 1;
  const lineEnd = text.indexOf("\n", start);
  const line = text.slice(start, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, "");
  // The raw line still has its quote marks and timestamp: the span starts at the header itself.
  const from = Math.max(0, line.search(/WARNING:|\[ INFO:/));
  return { start: start + from, end: start + line.length, count: reports.length, header: first.header };
}
