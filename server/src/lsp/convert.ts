// The one place where the language layer's diagnostics become LSP's.

import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from "vscode-languageserver";
import type { Diagnostic, Severity } from "../language/messages";
import type { LineIndex } from "../language/span";

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: Diagnostic, lines: LineIndex, uri: string): LspDiagnostic {
  return {
    range: lines.range(d.span),
    severity: severities[d.severity],
    code: d.code,
    source: "race",
    message: d.message,
    relatedInformation: d.related?.map((r) => ({ location: { uri, range: lines.range(r.span) }, message: r.message })),
  };
}
