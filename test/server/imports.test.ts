// Several files over the protocol (race-language.md §11): a scenario and the
// files it imports, on the disk in a fresh directory, as an editor has them
// open. Diagnostics of imported files at the import (and in the imported
// file when it is open), findings in imported code at the scenario's call,
// definition, references and rename across files (never into the kernel
// library), the trace naming the file of each step, and every change of an
// imported file re-checking the scenarios that import it: an edit in the
// editor, the file opened or closed, a change on the disk (reported by a
// client that watches files, as VS Code does, or seen by the server itself
// for a client that cannot, as Neovim 0.7).

import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletionItem, Diagnostic, Hover, Location, MarkupContent, WorkspaceEdit } from "vscode-languageserver-protocol";
import type { TracePayload } from "../../server/src/lsp/payloads";
import { root } from "../helpers";
import { LspClient, positionOf } from "./lspClient";

const common = "// shared by main.race\nmutex shared\nfn take_shared() {\n  lock shared\n  unlock shared\n}\n";
// CPU0 holds `shared` and unbinds: the driver's .remove() (through linux/driver-core) takes it again.
const main = [
  'import "common.race"',
  'import "linux/driver-core"',
  "object pf",
  "driver d {",
  "  remove(x) { take_shared() }",
  "}",
  "cpu C0 { lock shared; unbind_store(pf, d); unlock shared }",
  "expect deadlock",
  "",
].join("\n");

const libraryUri = (name: string): string => pathToFileURL(join(root, "library", `${name}.race`)).href;

describe("several files over the protocol", () => {
  let client: LspClient;
  let dir: string;
  const uriOf = (name: string): string => pathToFileURL(join(dir, name)).href;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "race-imports-"));
    writeFileSync(join(dir, "common.race"), common);
    writeFileSync(join(dir, "main.race"), main);
    // As VS Code: it watches files for the server.
    client = new LspClient(undefined, { didChangeWatchedFiles: { dynamicRegistration: true } });
    await client.initialize();
  });
  afterAll(async () => client.close());

  it("shows a finding in imported code at the scenario's own call, with the imported statement as related information", async () => {
    const uri = uriOf("main.race");
    await client.open(uri, main);
    const p = await client.engineDiagnostics(uri, 1);
    const deadlock = p.diagnostics.find((d) => d.code === "RACE100")!;
    // The innermost call in main.race on the way: take_shared() in the driver's .remove().
    expect(deadlock.range.start).toEqual(positionOf(main, "take_shared()"));
    expect(deadlock.severity).toBe(3); // expected by the scenario: information
    const where = deadlock.relatedInformation!.find((r) => r.message.startsWith("where it happens"))!;
    expect(where.location.uri).toBe(uriOf("common.race"));
    expect(where.location.range.start).toEqual(positionOf(common, "lock shared", 0));
    expect(where.message).toBe("where it happens: common.race:4:3");
  });

  it("goes to definitions in an imported file and in the kernel library, and finds references across files", async () => {
    const uri = uriOf("main.race");
    const inCommon = await client.request<Location>("textDocument/definition", { textDocument: { uri }, position: positionOf(main, "take_shared", 0, 2) });
    expect(inCommon).toEqual({ uri: uriOf("common.race"), range: { start: positionOf(common, "take_shared"), end: positionOf(common, "take_shared", 0, "take_shared".length) } });
    const inLibrary = await client.request<Location>("textDocument/definition", { textDocument: { uri }, position: positionOf(main, "unbind_store", 0, 1) });
    expect(inLibrary.uri).toBe(libraryUri("linux/driver-core"));
    const refs = await client.request<Location[]>("textDocument/references", { textDocument: { uri }, position: positionOf(main, "shared", 1), context: { includeDeclaration: true } });
    expect(refs.map((r) => [r.uri.replace(/^.*\//, ""), r.range.start.line]).sort()).toEqual([
      ["common.race", 1],
      ["common.race", 3],
      ["common.race", 4],
      ["main.race", 6],
      ["main.race", 6],
    ]);
  });

  it("opens the file an import names from its string, and hovers it with its opening comment", async () => {
    const uri = uriOf("main.race");
    const start = { line: 0, character: 0 };
    const toCommon = await client.request<Location>("textDocument/definition", { textDocument: { uri }, position: positionOf(main, "common.race", 0, 2) });
    expect(toCommon).toEqual({ uri: uriOf("common.race"), range: { start, end: start } });
    const toLibrary = await client.request<Location>("textDocument/definition", { textDocument: { uri }, position: positionOf(main, '"linux/driver-core"') });
    expect(toLibrary).toEqual({ uri: libraryUri("linux/driver-core"), range: { start, end: start } });
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: positionOf(main, "linux/driver-core", 0, 3) });
    expect((h.contents as MarkupContent).value).toMatch(/^\*\*import\*\* `linux\/driver-core`: a file of the kernel library \(read-only\)\n\nlinux\/driver-core: /);
    expect(h.range!.start).toEqual(positionOf(main, '"linux/driver-core"'));
    const hc = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: positionOf(main, "common.race") });
    expect((hc.contents as MarkupContent).value).toBe(`**import** \`common.race\`: \`${join(dir, "common.race")}\`\n\nshared by main.race`);
  });

  it("renames across the files it imports, and never a name of the kernel library", async () => {
    const uri = uriOf("main.race");
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri }, position: positionOf(main, "take_shared", 0, 1), newName: "grab" });
    expect(Object.keys(edit.changes!).sort()).toEqual([uriOf("common.race"), uri].sort());
    expect(edit.changes![uri]!.map((e) => e.range.start)).toEqual([positionOf(main, "take_shared")]);
    expect(edit.changes![uriOf("common.race")]!.map((e) => e.range.start)).toEqual([positionOf(common, "take_shared")]);
    await expect(client.request("textDocument/prepareRename", { textDocument: { uri }, position: positionOf(main, "unbind_store", 0, 1) })).rejects.toThrow(/declared in the kernel library \(linux\/driver-core\), which is read-only/);
    await expect(client.request("textDocument/rename", { textDocument: { uri }, position: positionOf(main, "unbind_store", 0, 1), newName: "x" })).rejects.toThrow(/read-only/);
  });

  it("names the file of each step's code in the trace", async () => {
    const trace = await client.request<TracePayload>("race/trace", { uri: uriOf("main.race"), index: 0 });
    expect(trace.steps.map((s) => [s.action, s.file?.replace(/^.*\//, "")])).toEqual([
      ["lock shared", undefined],
      ["lock device_lock[pf]", "driver-core.race"],
      ["if bound[pf] → true", "driver-core.race"],
    ]);
    expect(trace.steps[1]!.file).toBe(libraryUri("linux/driver-core"));
    expect(trace.blocked.map((b) => [b.cpu, b.file?.replace(/^.*\//, ""), b.range.start.line])).toEqual([["C0", "common.race", 3]]);
  });

  it("offers the names the imports declare in completion", async () => {
    const uri = uriOf("main.race");
    const items = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: positionOf(main, "unbind_store") });
    const labels = items.map((i) => i.label);
    expect(labels).toContain("take_shared");
    expect(labels).toContain("device_release_driver");
    expect(labels).toContain("device_lock");
  });

  it("hovers a name of the library with where it is declared and the kernel code it abstracts", async () => {
    const uri = uriOf("main.race");
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: positionOf(main, "unbind_store", 0, 2) });
    const md = (h.contents as MarkupContent).value;
    expect(md).toContain("**function** `unbind_store`\n\n_Declared in `linux/driver-core`._\n\nunbind_store() (drivers/base/bus.c, v6.x)");
  });

  it("completes an import with the files of the kernel library", async () => {
    const text = 'import "li';
    const uri = uriOf("typing.race");
    await client.open(uri, text);
    const items = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "li", 0, 2) });
    expect(items.map((i) => i.label)).toEqual(["linux/driver-core", "linux/net", "linux/pci", "linux/pci-core", "linux/pci-reentrant", "linux/workqueue"]);
  });

  it("checks the importer again when the imported file is edited, opened with changes, or closed", async () => {
    const uri = uriOf("main.race");
    const commonUri = uriOf("common.race");
    const notMet = (ds: Diagnostic[]): boolean => ds.some((d) => d.code === "RACE106");
    // Opened and edited in the editor (not saved): take_shared() no longer takes the lock, so nothing deadlocks.
    await client.open(commonUri, common);
    const before = client.published.length;
    await client.change(commonUri, common.replace("  lock shared\n  unlock shared\n", ""), 2);
    const after = await client.until("main.race checked again", () => client.published.slice(before).find((p) => p.uri === uri && notMet(p.diagnostics)));
    expect(after.version).toBe(1); // the scenario's own text did not change
    // Closed without saving: main.race reads common.race from the disk again, and deadlocks again.
    const reopened = client.published.length;
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: commonUri } });
    await client.until("main.race back to the disk's common.race", () => client.published.slice(reopened).find((p) => p.uri === uri && p.diagnostics.some((d) => d.code === "RACE100") && !notMet(p.diagnostics)));
  });

  it("checks the importer again when an imported file appears on the disk", async () => {
    const text = 'import "later.race"\ncpu C0 { later() }\n';
    const uri = uriOf("waits.race");
    await client.open(uri, text);
    const missing = await client.diagnostics(uri);
    expect(missing.diagnostics.map((d) => [d.code, d.range.start])).toEqual([
      ["RACE080", positionOf(text, '"later.race"')],
      ["RACE012", positionOf(text, "later()")],
    ]);
    writeFileSync(join(dir, "later.race"), "fn later() { }\n");
    const before = client.published.length;
    expect(client.serverRequests).toContain("client/registerCapability");
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: uriOf("later.race"), type: 1 }] });
    const found = await client.until("waits.race checked again", () => client.published.slice(before).find((p) => p.uri === uri));
    expect(found.diagnostics).toEqual([]);
  });

  it("says at the import what is wrong in an imported file, and in that file when it is open", async () => {
    const own = 'scenario "a scenario of its own"\nmutex m\nfn use_m() { lock m; unlock m }\ncpu OWN { use_m() }\n';
    writeFileSync(join(dir, "own.race"), own);
    const text = 'import "own.race"\ncpu C0 { use_m() }\n';
    const uri = uriOf("uses-own.race");
    await client.open(uri, text);
    const p = await client.diagnostics(uri);
    expect(p.diagnostics.map((d) => [d.code, d.range.start, String(d.message).slice(0, 17)])).toEqual([
      ["RACE082", positionOf(text, '"own.race"'), "In own.race:1:1: "],
      ["RACE082", positionOf(text, '"own.race"'), "In own.race:4:1: "],
    ]);
    // Open on its own, own.race is a fine scenario; its importer's view of it shows too.
    const ownUri = uriOf("own.race");
    await client.open(ownUri, own);
    const inOwn = await client.diagnostics(ownUri, (x) => x.diagnostics.length === 2);
    expect(inOwn.diagnostics.map((d) => [d.code, d.range.start])).toEqual([
      ["RACE082", positionOf(own, "scenario")],
      ["RACE082", positionOf(own, "cpu")],
    ]);
  });

  it("answers an import cycle with a diagnostic, at once", async () => {
    writeFileSync(join(dir, "a.race"), 'import "b.race"\nfn fa() { }\n');
    writeFileSync(join(dir, "b.race"), 'import "a.race"\nfn fb() { }\n');
    const text = 'import "a.race"\ncpu C0 { fa(); fb() }\n';
    const uri = uriOf("cycle.race");
    await client.open(uri, text);
    const p = await client.diagnostics(uri);
    expect(p.diagnostics.map((d) => [d.code, d.message])).toEqual([["RACE081", "In b.race:1:8: Import cycle: a.race → b.race → a.race. A file cannot import itself, directly or through the files it imports; move what both need into a third file."]]);
  });

  it("opens a file of the kernel library as a file of declarations: no errors, nothing to check", async () => {
    const uri = libraryUri("linux/pci");
    const { readFileSync } = await import("node:fs");
    await client.open(uri, readFileSync(join(root, "library", "linux", "pci.race"), "utf8"));
    const p = await client.diagnostics(uri);
    expect(p.diagnostics).toEqual([]);
    const status = await client.until("its status", () => client.notifications.find((n) => n.method === "race/status" && (n.params as { uri: string }).uri === uri));
    expect(status.params).toMatchObject({ verdict: "declarations", met: true });
  });
});

describe("several files over the protocol, for a client that cannot watch files", () => {
  let client: LspClient;
  let dir: string;
  const uriOf = (name: string): string => pathToFileURL(join(dir, name)).href;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "race-imports-nowatch-"));
    writeFileSync(join(dir, "common.race"), common);
    writeFileSync(join(dir, "main.race"), main);
    // No workspace.didChangeWatchedFiles: the server watches the imported files' folders itself (importWatch.ts).
    client = new LspClient();
    await client.initialize();
  });
  afterAll(async () => client.close());

  it("checks the importer again when an imported file changes on the disk, is replaced by a rename, or appears", async () => {
    const uri = uriOf("main.race");
    await client.open(uri, main);
    await client.engineDiagnostics(uri, 1);
    expect(client.serverRequests).not.toContain("client/registerCapability");
    const notMet = (ds: Diagnostic[]): boolean => ds.some((d) => d.code === "RACE106");
    // Written in place (not open in the editor): take_shared() no longer takes the lock, so nothing deadlocks.
    let before = client.published.length;
    writeFileSync(join(dir, "common.race"), common.replace("  lock shared\n  unlock shared\n", ""));
    await client.until("main.race checked again after the write", () => client.published.slice(before).find((p) => p.uri === uri && notMet(p.diagnostics)));
    // Saved the way many editors save: a new file renamed over the old one.
    before = client.published.length;
    writeFileSync(join(dir, "common.race.tmp"), common);
    renameSync(join(dir, "common.race.tmp"), join(dir, "common.race"));
    await client.until("main.race checked again after the rename", () => client.published.slice(before).find((p) => p.uri === uri && p.diagnostics.some((d) => d.code === "RACE100") && !notMet(p.diagnostics)));
    // A missing import that appears.
    const text = 'import "later.race"\ncpu C0 { later() }\n';
    const waits = uriOf("waits.race");
    await client.open(waits, text);
    const missing = await client.diagnostics(waits);
    expect(missing.diagnostics.map((d) => d.code)).toEqual(["RACE080", "RACE012"]);
    before = client.published.length;
    writeFileSync(join(dir, "later.race"), "fn later() { }\n");
    const found = await client.until("waits.race checked again", () => client.published.slice(before).find((p) => p.uri === waits));
    expect(found.diagnostics).toEqual([]);
  });
});
