// A JSON-RPC client that talks to the built language server over stdio, as
// an editor does: it declares progress and code-lens-refresh support, answers
// the server's requests, and records every notification it receives.

import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import { WorkDoneProgress, type CodeAction, type Diagnostic, type Hover, type Position, type ProgressToken, type PublishDiagnosticsParams, type WorkspaceEdit } from "vscode-languageserver-protocol";
import { LineIndex } from "../../server/src/language/span";
import { applyEdits } from "../../server/src/services/edits";
import { SEMANTIC_TYPES } from "../../server/src/services/navigation";
import { root } from "../helpers";

export class LspClient {
  private readonly proc: ChildProcess;
  readonly connection: MessageConnection;
  readonly published: PublishDiagnosticsParams[] = [];
  readonly notifications: { method: string; params: unknown }[] = [];
  readonly serverRequests: string[] = [];
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly initializationOptions: unknown = { debounceMs: 50 },
    /** Client capabilities beyond progress and code-lens refresh (merged into `workspace`). */
    private readonly workspaceCapabilities: Record<string, unknown> = {},
  ) {
    this.proc = spawn(process.execPath, [join(root, "dist", "server.js"), "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
    this.connection = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.connection.onNotification((method: string, params: unknown) => {
      this.notifications.push({ method, params });
      if (method === "textDocument/publishDiagnostics") this.published.push(params as PublishDiagnosticsParams);
      for (const w of this.waiters.splice(0)) w();
    });
    this.connection.onRequest((method: string, params: unknown) => {
      this.serverRequests.push(method);
      if (method === "window/workDoneProgress/create") {
        // $/progress is routed by token, so listen on each token the server creates.
        const token = (params as { token: ProgressToken }).token;
        this.connection.onProgress(WorkDoneProgress.type, token, (value) => {
          this.notifications.push({ method: "$/progress", params: { token, value } });
        });
      }
      return null; // also answers workspace/codeLens/refresh
    });
    this.connection.listen();
  }

  async initialize(): Promise<{ capabilities: Record<string, unknown> }> {
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>("initialize", {
      processId: process.pid,
      rootUri: null,
      initializationOptions: this.initializationOptions,
      capabilities: { window: { workDoneProgress: true }, workspace: { codeLens: { refreshSupport: true }, ...this.workspaceCapabilities } },
    });
    await this.connection.sendNotification("initialized", {});
    return result;
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "race", version, text } });
  }

  change(uri: string, text: string, version: number): Promise<void> {
    return this.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest<T>(method, params);
  }

  /** Waits until `accept` holds for what has been received. */
  async until<T>(what: string, accept: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = accept();
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** The first publication for `uri` that satisfies `accept`. */
  diagnostics(uri: string, accept: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 20_000): Promise<PublishDiagnosticsParams> {
    return this.until(`diagnostics for ${uri}`, () => this.published.find((p) => p.uri === uri && accept(p)), timeoutMs);
  }

  /** The publication that carries engine results (RACE1xx codes or a clean engine run) for a version. */
  engineDiagnostics(uri: string, version: number): Promise<PublishDiagnosticsParams> {
    return this.until(`engine results for ${uri} v${version}`, () => {
      const statusDone = this.notifications.some((n) => n.method === "race/status" && (n.params as { uri: string; version: number; verdict: string }).uri === uri && (n.params as { version: number }).version === version && !["checking", "invalid"].includes((n.params as { verdict: string }).verdict));
      if (!statusDone) return undefined;
      return [...this.published].reverse().find((p) => p.uri === uri && p.version === version);
    });
  }

  /** The hover's markdown at the `nth` `needle` of `text` (plus `delta` characters), or "" where there is none. */
  async hoverText(uri: string, text: string, needle: string, nth = 0, delta = 0): Promise<string> {
    const h = await this.request<Hover | null>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, needle, nth, delta) });
    return h ? (h.contents as { value: string }).value : "";
  }

  /** The document's semantic tokens, decoded: `line` (1-based), the token's text, its type, and whether it is a declaration. */
  async semanticTokens(uri: string, text: string): Promise<{ line: number; text: string; type: string; decl: boolean }[]> {
    const { data } = await this.request<{ data: number[] }>("textDocument/semanticTokens/full", { textDocument: { uri } });
    const lines = text.split("\n");
    const tokens: { line: number; text: string; type: string; decl: boolean }[] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i]!;
      char = data[i]! === 0 ? char + data[i + 1]! : data[i + 1]!;
      tokens.push({ line: line + 1, text: lines[line]!.slice(char, char + data[i + 2]!), type: SEMANTIC_TYPES[data[i + 3]!]!, decl: (data[i + 4]! & 1) !== 0 });
    }
    return tokens;
  }

  /** Opens `text` at `uri`, waits for the engine's `code` diagnostic (a deadlock by default), and asks for its code actions. */
  async fixesFor(uri: string, text: string, code = "RACE100"): Promise<{ actions: CodeAction[]; diagnostic: Diagnostic }> {
    await this.open(uri, text);
    const p = await this.engineDiagnostics(uri, 1);
    const diagnostic = p.diagnostics.find((x) => x.code === code);
    if (!diagnostic) throw new Error(`no ${code} at ${uri}: ${p.diagnostics.map((d) => d.code).join(", ")}`);
    const actions = await this.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
    return { actions, diagnostic };
  }

  async close(): Promise<void> {
    try {
      await this.connection.sendRequest("shutdown");
      await this.connection.sendNotification("exit");
    } finally {
      this.connection.dispose();
      this.proc.kill();
    }
  }
}

/** The position of the `nth` occurrence of `needle` in `text` (plus `delta` characters). */
export function positionOf(text: string, needle: string, nth = 0, delta = 0): Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' not found`);
  }
  at += delta;
  const before = text.slice(0, at).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

/** `text` with the edits `edit` makes to `uri`. */
export function applyWorkspaceEdit(text: string, uri: string, edit: WorkspaceEdit): string {
  const lines = new LineIndex(text);
  const edits = (edit.changes?.[uri] ?? []).map((e) => ({ span: { start: lines.offset(e.range.start), end: lines.offset(e.range.end) }, newText: e.newText }));
  return applyEdits(text, edits);
}
