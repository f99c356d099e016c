// The language server: wires documents to the front end (synchronously, on
// every change), the scheduler (engine in a worker, debounced, cancellable)
// and the feature handlers. Engine results are published only for the
// document version they were computed from.

import * as path from "node:path";
import {
  CodeActionKind,
  CompletionItemKind,
  FoldingRangeKind,
  ResponseError,
  SemanticTokensBuilder,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type Connection,
  type DocumentSymbol,
  type InitializeResult,
  type WorkDoneProgressServerReporter,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { IToken } from "chevrotain";
import { raceLexer } from "../language/tokens";
import { CheckScheduler, DEFAULT_WORKER_MEMORY_MB, failedCheckSummary } from "../scheduler";
import { complete, type CompletionKind } from "../services/completion";
import { checkerFixes, ENGINE_FIX_CODES } from "../services/fixes";
import { format } from "../services/format";
import { hover } from "../services/hover";
import * as nav from "../services/navigation";
import { DEFAULT_MAX_STATES } from "../engine/explore";
import { unreachedDiagnostics } from "../coverage";
import { toLspDiagnostic, toLspEdit, toRange } from "./convert";
import { DocumentState } from "./documentState";
import { codeLenses } from "./lenses";
import { lockGraphPayload, traceFilePayload, tracePayload } from "./payloads";
import { registerSimulation } from "./simulate";
import { registerTests } from "./tests";

export interface Settings {
  maxStates: number;
  timeoutMs: number;
  debounceMs: number;
  /** The checking worker's heap cap (race.workerMemoryMb). */
  workerMemoryMb: number;
}

export const DEFAULT_SETTINGS: Settings = { maxStates: DEFAULT_MAX_STATES, timeoutMs: 10_000, debounceMs: 75, workerMemoryMb: DEFAULT_WORKER_MEMORY_MB };

const symbolKinds: Record<nav.SymbolKind, SymbolKind> = {
  scenario: SymbolKind.Module,
  lock: SymbolKind.Key,
  variable: SymbolKind.Variable,
  function: SymbolKind.Function,
  driver: SymbolKind.Class,
  callback: SymbolKind.Method,
  cpu: SymbolKind.Event,
  workqueue: SymbolKind.Namespace,
  work: SymbolKind.Event,
  kthread: SymbolKind.Event,
  primitive: SymbolKind.Key,
  expect: SymbolKind.Boolean,
  instance: SymbolKind.EnumMember,
  import: SymbolKind.File,
};

const completionKinds: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  lock: CompletionItemKind.Struct,
  variable: CompletionItemKind.Variable,
  function: CompletionItemKind.Function,
  driver: CompletionItemKind.Class,
  callback: CompletionItemKind.Method,
  instance: CompletionItemKind.EnumMember,
  parameter: CompletionItemKind.Variable,
  value: CompletionItemKind.Value,
  primitive: CompletionItemKind.Module,
};

function readSettings(raw: unknown): Partial<Settings> {
  const r = (raw ?? {}) as Record<string, unknown>;
  const out: Partial<Settings> = {};
  for (const k of ["maxStates", "timeoutMs", "debounceMs", "workerMemoryMb"] as const) {
    const v = r[k];
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[k] = v;
  }
  return out;
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const states = new Map<string, DocumentState>();
  const progress = new Map<string, WorkDoneProgressServerReporter>();
  let settings: Settings = { ...DEFAULT_SETTINGS };
  let canProgress = false;
  let canRefreshLenses = false;
  let canConfigure = false;

  const publish = (state: DocumentState): void => {
    // Coverage shows only in the editor: code no interleaving reaches fades.
    const unreached = state.summary?.coverage ? unreachedDiagnostics(state.summary.coverage) : [];
    const diagnostics = [...(state.summary?.diagnostics ?? state.frontEnd.diagnostics), ...unreached].map((d) => toLspDiagnostic(d, state.lines, state.uri));
    void connection.sendDiagnostics({ uri: state.uri, version: state.version, diagnostics });
  };

  const status = (state: DocumentState): void => {
    const s = state.summary;
    const errors = state.frontEnd.diagnostics.filter((d) => d.severity === "error").length;
    const text = s?.failure ? `✗ ${s.failure}` : s ? `${s.met ? "✓" : "✗"} ${s.verdict}` : errors > 0 ? `✗ invalid (${errors})` : state.checking ? "⋯ checking" : "";
    void connection.sendNotification("race/status", { uri: state.uri, version: state.version, verdict: s?.verdict ?? (errors > 0 ? "invalid" : "checking"), met: s?.met ?? false, text, states: s?.stats?.states });
  };

  const scheduler = new CheckScheduler(
    path.join(__dirname, "worker.js"),
    {
      started(uri, version) {
        const state = states.get(uri);
        if (state && state.version === version) {
          state.checking = true;
          status(state);
        }
        if (canProgress) {
          void connection.window.createWorkDoneProgress().then((reporter) => {
            if (progress.has(uri)) progress.get(uri)!.done();
            progress.set(uri, reporter);
            reporter.begin("Race Scenarios", undefined, "exploring every interleaving…");
          });
        }
      },
      finished(uri, version, result, failure) {
        progress.get(uri)?.done();
        progress.delete(uri);
        if (failure) connection.console.error(`race: check failed for ${uri}: ${failure.kind === "out-of-memory" ? `out of memory at ${failure.limitMb} MB` : failure.message}`);
        const state = states.get(uri);
        // A result for an older version is dropped: a newer check is queued or running.
        if (!state || state.version !== version) return;
        state.checking = false;
        // A failed check still tells the document why it has no verdict.
        const summary = result ?? (failure ? failedCheckSummary(state.frontEnd, failure) : undefined);
        if (summary) {
          state.summary = summary;
          publish(state);
          if (canRefreshLenses) void connection.sendRequest("workspace/codeLens/refresh");
        }
        status(state);
      },
      fixes(uri, version, fixes) {
        const state = states.get(uri);
        if (state && state.version === version && state.summary) {
          state.summary = { ...state.summary, fixes };
          state.fixesArrived();
        }
      },
    },
    { maxStates: settings.maxStates, timeoutMs: settings.timeoutMs, debounceMs: settings.debounceMs, workerMemoryMb: settings.workerMemoryMb },
  );

  const applySettings = (next: Partial<Settings>): void => {
    settings = { ...settings, ...next };
    scheduler.options = { maxStates: settings.maxStates, timeoutMs: settings.timeoutMs, debounceMs: settings.debounceMs, workerMemoryMb: settings.workerMemoryMb };
  };

  const pullSettings = async (): Promise<void> => {
    if (!canConfigure) return;
    const cfg: unknown = await connection.workspace.getConfiguration("race");
    applySettings(readSettings(cfg));
  };

  const recheckAll = (): void => {
    for (const s of states.values()) {
      if (!s.frontEnd.hasErrors) scheduler.schedule(s.uri, s.version, s.text, 0);
    }
  };

  connection.onInitialize((params): InitializeResult => {
    canProgress = params.capabilities.window?.workDoneProgress === true;
    canRefreshLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    canConfigure = params.capabilities.workspace?.configuration === true;
    applySettings(readSettings(params.initializationOptions));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        completionProvider: { triggerCharacters: [".", "[", "("] },
        semanticTokensProvider: { legend: { tokenTypes: [...nav.SEMANTIC_TYPES], tokenModifiers: [...nav.SEMANTIC_MODIFIERS] }, full: true },
        foldingRangeProvider: true,
        documentFormattingProvider: true,
      },
      serverInfo: { name: "race-scenarios" },
    };
  });

  connection.onInitialized(() => {
    void pullSettings();
  });

  connection.onDidChangeConfiguration((change) => {
    const inline = (change.settings as Record<string, unknown> | undefined)?.["race"];
    if (inline) applySettings(readSettings(inline));
    void pullSettings().then(recheckAll);
  });

  documents.onDidChangeContent((e) => {
    const doc = e.document;
    const state = new DocumentState(doc.uri, doc.version, doc.getText());
    states.set(doc.uri, state);
    publish(state);
    if (state.frontEnd.hasErrors) scheduler.forget(doc.uri);
    else scheduler.schedule(doc.uri, doc.version, state.text);
    status(state);
  });

  documents.onDidClose((e) => {
    scheduler.forget(e.document.uri);
    states.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const stateOf = (uri: string): DocumentState | undefined => states.get(uri);

  connection.onHover((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return null;
    const sum = s.summary;
    const engine = sum && sum.lockGraph && sum.stats ? { lockFacts: sum.lockFacts, lockGraph: sum.lockGraph, complete: sum.stats.complete } : undefined;
    const h = hover(s.frontEnd, engine, s.lines.offset(p.position));
    return h ? { contents: { kind: "markdown", value: h.markdown }, range: toRange(s.lines, h.span) } : null;
  });

  connection.onCodeLens((p): CodeLens[] => {
    const s = stateOf(p.textDocument.uri);
    return s ? codeLenses(s) : [];
  });

  connection.onCodeAction(async (p): Promise<CodeAction[]> => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return [];
    // Engine fixes are verified after the verdict is published: give them a moment.
    const wantsEngineFixes = p.context.diagnostics.some((d) => ENGINE_FIX_CODES.has(String(d.code)));
    if (wantsEngineFixes && s.summary && !s.fixesDone) await s.waitForFixes(3000);
    const actions: CodeAction[] = [];
    for (const d of p.context.diagnostics) {
      const code = String(d.code ?? "");
      const start = s.lines.offset(d.range.start);
      const end = s.lines.offset(d.range.end);
      const checked = s.frontEnd.diagnostics.find((x) => x.code === code && x.span.start === start && x.span.end === end);
      const fixes = [
        ...(checked ? checkerFixes(s.text, s.frontEnd, checked) : []),
        ...(s.summary?.fixes ?? []).filter((f) => f.code === code && f.spans.some((sp) => sp.start <= end && start <= sp.end)),
      ];
      for (const f of fixes) {
        actions.push({
          title: f.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: f.preferred,
          edit: { changes: { [s.uri]: f.edits.map((e) => toLspEdit(e, s.lines)) } },
        });
      }
    }
    return actions;
  });

  connection.onDocumentSymbol((p): DocumentSymbol[] => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return [];
    const conv = (o: nav.OutlineSymbol): DocumentSymbol => ({
      name: o.name,
      detail: o.detail,
      kind: symbolKinds[o.kind],
      range: toRange(s.lines, o.span),
      selectionRange: toRange(s.lines, o.selection),
      children: o.children.map(conv),
    });
    return nav.outline(s.frontEnd.ast).map(conv);
  });

  connection.onDefinition((p) => {
    const s = stateOf(p.textDocument.uri);
    const span = s && nav.definition(s.frontEnd.checked, s.lines.offset(p.position));
    return s && span ? { uri: s.uri, range: toRange(s.lines, span) } : null;
  });

  connection.onReferences((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return [];
    return nav.references(s.frontEnd.checked, s.lines.offset(p.position), p.context.includeDeclaration).map((span) => ({ uri: s.uri, range: toRange(s.lines, span) }));
  });

  connection.onPrepareRename((p) => {
    const s = stateOf(p.textDocument.uri);
    const span = s && nav.prepareRename(s.frontEnd.checked, s.lines.offset(p.position));
    return s && span ? toRange(s.lines, span) : null;
  });

  connection.onRenameRequest((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return null;
    const r = nav.rename(s.frontEnd.checked, s.lines.offset(p.position), p.newName);
    if ("error" in r) throw new ResponseError(-32803, r.error);
    return { changes: { [s.uri]: r.edits.map((e) => toLspEdit(e, s.lines)) } };
  });

  connection.onCompletion((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return [];
    return complete(s.text, s.lines.offset(p.position), s.frontEnd.ast, s.frontEnd.checked).map((c) => ({ label: c.label, kind: completionKinds[c.kind], detail: c.detail }));
  });

  connection.languages.semanticTokens.on((p) => {
    const s = stateOf(p.textDocument.uri);
    const builder = new SemanticTokensBuilder();
    if (s) {
      for (const t of nav.semanticTokens(s.frontEnd.checked)) {
        const pos = s.lines.position(t.span.start);
        builder.push(pos.line, pos.character, t.span.end - t.span.start, t.type, t.modifiers);
      }
    }
    return builder.build();
  });

  connection.onFoldingRanges((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return [];
    const out = nav.foldingSpans(s.frontEnd.ast).flatMap((span) => {
      const start = s.lines.position(span.start).line;
      const end = s.lines.position(span.end).line - 1; // keep the closing brace visible
      return end > start ? [{ startLine: start, endLine: end }] : [];
    });
    for (const c of (raceLexer.tokenize(s.text).groups["comments"] ?? []) as IToken[]) {
      const start = s.lines.position(c.startOffset).line;
      const end = s.lines.position(c.startOffset + c.image.length).line;
      if (end > start) out.push({ startLine: start, endLine: end, kind: FoldingRangeKind.Comment } as (typeof out)[number]);
    }
    return out;
  });

  connection.onDocumentFormatting((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return [];
    const formatted = format(s.text);
    if (formatted === s.text) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: s.lines.position(s.text.length) }, newText: formatted }];
  });

  connection.onRequest("race/trace", (p: { uri: string; index: number }) => {
    const s = stateOf(p.uri);
    return s ? tracePayload(s, p.index) : null;
  });

  connection.onRequest("race/traceFile", (p: { uri: string; index: number }) => {
    const s = stateOf(p.uri);
    return s ? traceFilePayload(s, p.index) : null;
  });

  connection.onRequest("race/lockGraph", (p: { uri: string }) => {
    const s = stateOf(p.uri);
    return s ? lockGraphPayload(s) : null;
  });

  connection.onRequest("race/check", (p: { uri: string }): { scheduled: boolean; reason?: string; version?: number } => {
    const s = stateOf(p.uri);
    if (!s) return { scheduled: false };
    if (s.frontEnd.hasErrors) return { scheduled: false, reason: "the scenario has errors" };
    scheduler.schedule(s.uri, s.version, s.text, 0);
    return { scheduled: true, version: s.version };
  });

  registerSimulation(connection, stateOf);
  const tests = registerTests(
    connection,
    () => ({ maxStates: settings.maxStates, timeoutMs: settings.timeoutMs }),
    () => settings.workerMemoryMb,
  );

  connection.onShutdown(() => {
    scheduler.dispose();
    tests.dispose();
  });
  documents.listen(connection);
  connection.listen();
}
