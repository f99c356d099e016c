// The one place where the language layer's offsets, diagnostics and edits
// become LSP's positions, diagnostics and text edits.

import {
  DiagnosticSeverity,
  DiagnosticTag,
  type Diagnostic as LspDiagnostic,
  type Location,
  type Range,
  type TextEdit as LspTextEdit,
} from "vscode-languageserver";
import { catalogue, type Diagnostic, type Severity } from "../language/messages";
import type { LineIndex, Span } from "../language/span";
import type { TextEdit } from "../services/edits";

const UNUSED = new Set<string>([catalogue.unusedLock, catalogue.unusedVariable, catalogue.unusedFunction, catalogue.unusedCallback, catalogue.neverReached].map((e) => e.code));

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toRange(lines: LineIndex, s: Span): Range {
  return lines.range(s);
}

/**
 * `locate`: where a related place is when it may be in another file (a
 * scenario's imports, race-language.md §11); the diagnostic itself is in
 * the document (`uri`, `lines`), unless `locate` is given for a diagnostic
 * of another document's program that is in this one.
 */
export function toLspDiagnostic(d: Diagnostic, lines: LineIndex, uri: string, locate?: (s: Span) => Location): LspDiagnostic {
  const out: LspDiagnostic = {
    range: lines.range(d.span),
    severity: severities[d.severity],
    code: d.code,
    source: "race",
    message: d.message,
  };
  if (d.related && d.related.length > 0) out.relatedInformation = d.related.map((r) => ({ location: locate ? locate(r.span) : { uri, range: lines.range(r.span) }, message: r.message }));
  // Unused declarations and code no interleaving reaches fade out, as in other languages.
  if (UNUSED.has(d.code)) out.tags = [DiagnosticTag.Unnecessary];
  if (d.finding !== undefined) out.data = { finding: d.finding };
  return out;
}

export function toLspEdit(e: TextEdit, lines: LineIndex): LspTextEdit {
  return { range: lines.range(e.span), newText: e.newText };
}
