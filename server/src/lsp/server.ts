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
  DidChangeWatchedFilesNotification,
  type CodeAction,
  type Diagnostic as LspDiagnostic,
  type TextEdit as LspTextEdit,
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
import { diskHost } from "../files";
import { pathOfUri, uriOfPath } from "./uris";
import { ImportWatcher } from "./importWatch";
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
  cpu: CompletionItemKind.Event,
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

  // The files a scenario imports (race-language.md §11) are read from the open documents first, then the disk.
  const host = diskHost((path) => {
    for (const d of documents.all()) if (pathOfUri(d.uri) === path) return d.getText();
    return undefined;
  });
  /** Per document, what the programs of other open documents say about it (their front end's diagnostics there), by importer. */
  const fromImporters = new Map<string, Map<string, LspDiagnostic[]>>();

  const publish = (state: DocumentState): void => {
    // Coverage shows only in the editor: code no interleaving reaches fades.
    const unreached = state.summary?.coverage ? unreachedDiagnostics(state.summary.coverage) : [];
    const own = [...(state.summary?.diagnostics ?? state.frontEnd.diagnostics), ...unreached].map((d) => toLspDiagnostic(d, state.lines, state.uri, (x) => state.locate(x)));
    // What its importers' checks found in it, once each and not where it says the same itself.
    const seen = new Set(own.map((d) => `${String(d.code)}@${JSON.stringify(d.range)}`));
    const imported: LspDiagnostic[] = [];
    for (const list of fromImporters.get(state.uri)?.values() ?? []) {
      for (const d of list) {
        const key = `${String(d.code)}@${JSON.stringify(d.range)}`;
        if (!seen.has(key)) imported.push(d);
        seen.add(key);
      }
    }
    void connection.sendDiagnostics({ uri: state.uri, version: state.version, diagnostics: [...own, ...imported] });
  };

  /** Records what `state`'s program says about the files it imports, and republishes the open ones whose share changed. */
  const shareWithImports = (state: DocumentState | undefined, uri: string): void => {
    const mine = new Map<string, LspDiagnostic[]>();
    for (const d of state?.frontEnd.elsewhere ?? []) {
      const at = state!.locate(d.span);
      const lsp = { ...toLspDiagnostic(d, state!.lines, at.uri, (x) => state!.locate(x)), range: at.range };
      mine.set(at.uri, [...(mine.get(at.uri) ?? []), lsp]);
    }
    const touched = new Set<string>(mine.keys());
    for (const [target, byImporter] of fromImporters) {
      if (byImporter.delete(uri)) touched.add(target);
      if (byImporter.size === 0) fromImporters.delete(target);
    }
    for (const [target, list] of mine) {
      const byImporter = fromImporters.get(target) ?? new Map<string, LspDiagnostic[]>();
      byImporter.set(uri, list);
      fromImporters.set(target, byImporter);
    }
    for (const target of touched) {
      const other = states.get(target);
      if (other && target !== uri) publish(other);
    }
  };

  const status = (state: DocumentState): void => {
    const s = state.summary;
    const errors = state.frontEnd.diagnostics.filter((d) => d.severity === "error").length;
    // A file that only declares is never checked on its own (race-language.md §11): nothing to wait for.
    const declarations = errors === 0 && state.frontEnd.program.declarationsOnly;
    const text = s?.failure ? `✗ ${s.failure}` : s ? `${s.met ? "✓" : "✗"} ${s.verdict}` : errors > 0 ? `✗ invalid (${errors})` : declarations ? "declarations" : state.checking ? "⋯ checking" : "";
    const verdict = s?.verdict ?? (errors > 0 ? "invalid" : declarations ? "declarations" : "checking");
    void connection.sendNotification("race/status", { uri: state.uri, version: state.version, verdict, met: s?.met ?? declarations, text, states: s?.stats?.states });
  };

  const scheduler = new CheckScheduler(
    path.join(__dirname, "worker.js"),
    {
      // `version` here is the state's stamp (documentState.ts): an imported file's edit makes a new one.
      started(uri, version) {
        const state = states.get(uri);
        if (state && state.stamp === version) {
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
        // A result for an older version (or older imports) is dropped: a newer check is queued or running.
        if (!state || state.stamp !== version) return;
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
        if (state && state.stamp === version && state.summary) {
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

  const check = (s: DocumentState, delayMs?: number): void => {
    if (s.frontEnd.hasErrors || s.frontEnd.program.declarationsOnly) scheduler.forget(s.uri);
    else scheduler.schedule(s.uri, s.stamp, s.text, delayMs, s.checkSource());
  };

  const recheckAll = (): void => {
    for (const s of states.values()) check(s, 0);
  };

  let canWatch = false;
  connection.onInitialize((params): InitializeResult => {
    canWatch = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
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
    if (canWatch) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*.race" }] });
    else {
      // The client cannot watch for us: the server watches the folders of what open scenarios import (importWatch.ts).
      importWatcher = new ImportWatcher((file) => {
        if (!documents.get(uriOfPath(file))) recheckImporters(file);
      });
      trackImports();
    }
  });

  let importWatcher: ImportWatcher | undefined;
  /** The files every open scenario imports, and those it could not read, are what the server's own watcher looks at. */
  const trackImports = (): void => {
    importWatcher?.track([...states.values()].flatMap((s) => s.imports()));
  };

  connection.onDidChangeConfiguration((change) => {
    const inline = (change.settings as Record<string, unknown> | undefined)?.["race"];
    if (inline) applySettings(readSettings(inline));
    void pullSettings().then(recheckAll);
  });

  /** A new state for an open document: its front end at once, its check scheduled. */
  const rebuild = (uri: string): DocumentState | undefined => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const state = new DocumentState(doc.uri, doc.version, doc.getText(), host);
    states.set(doc.uri, state);
    publish(state);
    shareWithImports(state, doc.uri);
    check(state);
    status(state);
    trackImports();
    return state;
  };

  /** The open documents that import the file at `path` (directly or not) are checked again: its text changed. */
  const recheckImporters = (path: string | undefined, except?: string): void => {
    if (path === undefined) return;
    for (const s of [...states.values()]) if (s.uri !== except && s.imports().includes(path)) rebuild(s.uri);
  };

  documents.onDidChangeContent((e) => {
    rebuild(e.document.uri);
    recheckImporters(pathOfUri(e.document.uri), e.document.uri);
  });

  documents.onDidClose((e) => {
    scheduler.forget(e.document.uri);
    states.delete(e.document.uri);
    shareWithImports(undefined, e.document.uri);
    fromImporters.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    // Its importers read it from the disk again.
    recheckImporters(pathOfUri(e.document.uri));
    trackImports();
  });

  // A file an open scenario imports changed on the disk (saved elsewhere, a checkout): check the scenario again.
  connection.onDidChangeWatchedFiles((p) => {
    for (const change of p.changes) {
      const path = pathOfUri(change.uri);
      if (path !== undefined && !documents.get(change.uri)) recheckImporters(path);
    }
  });

  const stateOf = (uri: string): DocumentState | undefined => states.get(uri);

  connection.onHover((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return null;
    const sum = s.summary;
    const engine = sum && sum.lockGraph && sum.stats ? { lockFacts: sum.lockFacts, lockGraph: sum.lockGraph, complete: sum.stats.complete, irqUsage: sum.irqUsage, irqReports: sum.irqReports } : undefined;
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

  // Definitions and references may be in files the scenario imports (race-language.md §11).
  connection.onDefinition((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return null;
    const offset = s.lines.offset(p.position);
    const span = nav.definition(s.frontEnd.checked, offset);
    if (span) return s.locate(span);
    // On an import's string: the file it brings in, from its start.
    const imported = nav.importAt(s.frontEnd.program, offset);
    return imported ? { uri: s.uriOf(imported.file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } } : null;
  });

  connection.onReferences((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return [];
    return nav.references(s.frontEnd.checked, s.lines.offset(p.position), p.context.includeDeclaration).map((span) => s.locate(span));
  });

  /** A name declared in the kernel library is renamed nowhere: the library is read-only. */
  const libraryName = (s: DocumentState, offset: number): string | undefined => {
    const decl = nav.definition(s.frontEnd.checked, offset);
    if (!decl || !s.inLibrary(decl)) return undefined;
    const sources = s.frontEnd.program.sources;
    return sources.displayName(sources.fileAt(decl.start));
  };

  connection.onPrepareRename((p) => {
    const s = stateOf(p.textDocument.uri);
    const offset = s?.lines.offset(p.position) ?? 0;
    const span = s && nav.prepareRename(s.frontEnd.checked, offset);
    if (!s || !span) return null;
    const lib = libraryName(s, offset);
    if (lib) throw new ResponseError(-32803, `'${s.text.slice(span.start, span.end)}' is declared in the kernel library (${lib}), which is read-only.`);
    return toRange(s.lines, span);
  });

  connection.onRenameRequest((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return null;
    const offset = s.lines.offset(p.position);
    const lib = libraryName(s, offset);
    if (lib) throw new ResponseError(-32803, `This name is declared in the kernel library (${lib}), which is read-only.`);
    const r = nav.rename(s.frontEnd.checked, offset, p.newName);
    if ("error" in r) throw new ResponseError(-32803, r.error);
    // Each edit in the document it is in: this one, or a file it imports.
    const changes: Record<string, LspTextEdit[]> = {};
    for (const e of r.edits) {
      const at = s.locate(e.span);
      (changes[at.uri] ??= []).push({ range: at.range, newText: e.newText });
    }
    return { changes };
  });

  connection.onCompletion((p) => {
    const s = stateOf(p.textDocument.uri);
    if (!s) return [];
    return complete(s.text, s.lines.offset(p.position), s.frontEnd.ast, s.frontEnd.checked, host.libraryNames()).map((c) => ({ label: c.label, kind: completionKinds[c.kind], detail: c.detail, ...(c.documentation ? { documentation: c.documentation } : {}) }));
  });

  connection.languages.semanticTokens.on((p) => {
    const s = stateOf(p.textDocument.uri);
    const builder = new SemanticTokensBuilder();
    if (s) {
      for (const t of nav.semanticTokens(s.frontEnd.checked)) {
        if (!s.frontEnd.program.sources.inMain(t.span)) continue; // a file it imports has its own
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
    if (s.frontEnd.program.declarationsOnly) return { scheduled: false, reason: "the file only declares (no CPU): scenarios import it" };
    check(s, 0);
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
    importWatcher?.close();
  });
  documents.listen(connection);
  connection.listen();
}
