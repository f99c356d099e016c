// The built server over the real protocol, feature by feature, as an editor
// would use it. Each test opens its own document.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeAction, CodeLens, CompletionItem, DocumentSymbol, Hover, Location, WorkspaceEdit } from "vscode-languageserver-protocol";
import { analyze } from "../../server/src/analysis";
import { contended } from "../../bench/generate";
import { handDir, read } from "../helpers";
import { applyWorkspaceEdit, LspClient, positionOf } from "./lspClient";

const v9 = read(join(handDir, "v9-remove-vs-unbind.race"));
const abba = "mutex A\nmutex B\n\ncpu C0 {\n  lock A\n  lock B\n  unlock B\n  unlock A\n}\n\ncpu C1 {\n  lock B\n  lock A\n  unlock A\n  unlock B\n}\n";

describe("language server over stdio", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient();
    const init = await client.initialize();
    expect(init.capabilities).toMatchObject({ hoverProvider: true, codeLensProvider: {}, renameProvider: { prepareProvider: true }, documentFormattingProvider: true });
  });
  afterAll(async () => client.close());

  it("publishes parse and checker diagnostics at once, with codes and ranges", async () => {
    const uri = "file:///broken.race";
    await client.open(uri, "mutex m\ncpu C0 { lock nosuch; rlock m }\n");
    const p = await client.diagnostics(uri);
    expect(p.version).toBe(1);
    expect(p.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.severity, d.source])).toEqual([
      ["RACE010", 1, 14, 1, "race"],
      ["RACE024", 1, 28, 1, "race"],
    ]);
  });

  it("publishes the engine's deadlock on each blocked lock, with related information in lockdep's words", async () => {
    const uri = "file:///v9.race";
    await client.open(uri, v9);
    const p = await client.engineDiagnostics(uri, 1);
    const deadlocks = p.diagnostics.filter((d) => d.code === "RACE100");
    expect(deadlocks.map((d) => [d.range.start, d.severity])).toEqual([
      [positionOf(v9, "lock rescan_remove\n  unlock"), 3], // in sriov_del_vfs (CPU1); Information: expected
      [positionOf(v9, "lock device_lock[d]"), 3], // in device_release_driver (CPU0)
    ]);
    const related = deadlocks[1]!.relatedInformation!.map((r) => r.message);
    expect(related).toContain("CPU1 is blocked here waiting for rescan_remove");
    expect(related).toContain("CPU0 took rescan_remove here and still holds it");
    expect(deadlocks[1]!.message).toContain("(expected by this scenario)");
  });

  it("reports workDoneProgress while the engine runs", async () => {
    expect(client.serverRequests).toContain("window/workDoneProgress/create");
    const kinds = client.notifications.filter((n) => n.method === "$/progress").map((n) => (n.params as { value: { kind: string } }).value.kind);
    expect(kinds).toContain("begin");
    expect(kinds).toContain("end");
  });

  it("shows the verdict and a Replay-trace lens per finding", async () => {
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: "file:///v9.race" } });
    const titles = lenses.map((l) => l.command!.title);
    expect(titles[0]).toMatch(/^✓ deadlock \(expected\) · 3 steps · 6 states · \d+ ms$/);
    expect(titles).toContain("▶ Replay trace: deadlock on CPU0, CPU1 (3 steps)");
    const replay = lenses.find((l) => l.command!.command === "race.replayTrace")!;
    expect(replay.command!.arguments).toEqual(["file:///v9.race", 0]);
    expect(replay.range.start.line).toBe(7); // the scenario line
  });

  it("answers race/trace with the steps of the shortest trace", async () => {
    const t = await client.request<{ steps: { cpu: string; action: string; held: Record<string, string[]> }[]; blocked: { cpu: string; waitsFor: string }[] }>("race/trace", { uri: "file:///v9.race", index: 0 });
    expect(t.steps.map((s) => `${s.cpu}: ${s.action}`)).toEqual(["CPU0: lock rescan_remove", "CPU1: lock device_lock[pf]", "CPU1: if bound[pf] → true"]);
    expect(t.steps[2]!.held).toEqual({ CPU0: ["rescan_remove"], CPU1: ["device_lock[pf]"] });
    expect(t.blocked.map((b) => `${b.cpu} waits for ${b.waitsFor}`)).toEqual(["CPU0 waits for device_lock[pf]", "CPU1 waits for rescan_remove"]);
  });

  it("answers race/trace for a livelock with its loop after the trace and the looping CPU marked", async () => {
    const uri = "file:///livelock.race";
    const text = "mutex rtnl\nvar done = false\ncpu A { lock rtnl; wait until done; unlock rtnl }\ncpu B { while !trylock rtnl { } done = true; unlock rtnl }\nexpect deadlock\n";
    await client.open(uri, text);
    const p = await client.engineDiagnostics(uri, 1);
    expect(p.diagnostics.find((d) => d.code === "RACE101")!.message).toMatch(/^Livelock: /);
    const t = await client.request<{ steps: { cpu: string; action: string }[]; loop: { from: number; cycleFrom: number }; blocked: { cpu: string; looping: boolean }[] }>("race/trace", { uri, index: 0 });
    expect(t.steps.map((s) => `${s.cpu}: ${s.action}`)).toEqual(["A: lock rtnl", "B: trylock rtnl → failed"]);
    expect(t.loop).toEqual({ from: 1, cycleFrom: 1 });
    expect(t.blocked.map((b) => [b.cpu, b.looping])).toEqual([
      ["A", false],
      ["B", true],
    ]);
  });

  it("hovers a lock statement with the locks held on arrival per CPU and call path", async () => {
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri: "file:///v9.race" }, position: positionOf(v9, "lock device_lock[d]", 0, 2) });
    const md = (h.contents as { value: string }).value;
    expect(md).toContain("**Locks held on arrival**");
    expect(md).toContain("**CPU0 → remove_store(pf) → device_release_driver(pf) → unbind_store(pf)**".replace(" → unbind_store(pf)", "") + ": always `rescan_remove`");
    expect(md).toContain("**CPU1 → unbind_store(pf) → device_release_driver(pf)**: no locks");
  });

  it("hovers a driver callback with its lock contexts per caller (seed 001's question)", async () => {
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri: "file:///v9.race" }, position: positionOf(v9, "remove(d) {", 0, 1) });
    const md = (h.contents as { value: string }).value;
    expect(md).toContain("`.remove()` runs with these locks held, per caller path:");
    expect(md).toContain("**CPU0 → remove_store(pf) → device_release_driver(pf) → pf_drv.remove(pf)**: always `rescan_remove`, `device_lock[pf]`");
    expect(md).toContain("**CPU1 → unbind_store(pf) → device_release_driver(pf) → pf_drv.remove(pf)**: always `device_lock[pf]`");
  });

  it("hovers a lock declaration with who takes it and in which order", async () => {
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri: "file:///v9.race" }, position: positionOf(v9, "mutex device_lock", 0, 7) });
    const md = (h.contents as { value: string }).value;
    expect(md).toContain("**mutex** `device_lock[pf]`");
    expect(md).toContain("**Taken after**: `rescan_remove`");
    expect(md).toContain("lock-order inversion `rescan_remove` → `device_lock[pf]` → `rescan_remove`: **confirmed**");
  });

  it("offers verified quick fixes for a deadlock; the fixed text checks clean", async () => {
    const uri = "file:///abba.race";
    await client.open(uri, abba);
    const p = await client.engineDiagnostics(uri, 1);
    const d = p.diagnostics.find((x) => x.code === "RACE100")!;
    expect(d.severity).toBe(1); // unexpected: an error
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.map((a) => a.title)).toContain("Swap 'lock B' and 'lock A' in C1 — verified: this deadlock is gone, nothing new");
    for (const a of actions) {
      expect(a.kind).toBe("quickfix");
      const fixed = applyWorkspaceEdit(abba, uri, a.edit!);
      const after = analyze(fixed);
      expect(after.verdict, a.title).toBe("safe");
      expect(after.diagnostics.filter((x) => x.severity === "error")).toEqual([]);
    }
    expect(actions.filter((a) => a.isPreferred)).toHaveLength(1);
  });

  it("offers the move-the-call fix of patch 2/2 on the v9 sample", async () => {
    const p = await client.engineDiagnostics("file:///v9.race", 1);
    const d = p.diagnostics.find((x) => x.code === "RACE100")!;
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri: "file:///v9.race" }, range: d.range, context: { diagnostics: [d] } });
    expect(actions.map((a) => a.title)).toContain("Move 'device_release_driver(d)' before 'lock rescan_remove' in remove_store — verified: this deadlock is gone, nothing new");
  });

  it("offers to declare a missing lock", async () => {
    const uri = "file:///missing.race";
    const text = "mutex A\ncpu C0 { lock A; lock B; unlock B; unlock A }\n";
    await client.open(uri, text);
    const p = await client.diagnostics(uri);
    const d = p.diagnostics.find((x) => x.code === "RACE010")!;
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    expect(actions[0]!.title).toBe("Declare 'mutex B'");
    const fixed = applyWorkspaceEdit(text, uri, actions[0]!.edit!);
    expect(fixed).toBe("mutex A\nmutex B\ncpu C0 { lock A; lock B; unlock B; unlock A }\n");
    expect(analyze(fixed).verdict).toBe("safe");
  });

  it("renames a lock at its declaration and every use", async () => {
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: "file:///v9.race" }, position: positionOf(v9, "mutex rescan_remove", 0, 6), newName: "pci_rescan_remove_lock" });
    const renamed = applyWorkspaceEdit(v9, "file:///v9.race", edit);
    expect(renamed.match(/\brescan_remove\b/g)).toBeNull();
    const count = (t: string, re: RegExp): number => t.match(re)?.length ?? 0;
    // every code use becomes the new name (the header comment already says pci_rescan_remove_lock)
    expect(count(renamed, /pci_rescan_remove_lock/g) - count(v9, /pci_rescan_remove_lock/g)).toBe(count(v9, /\brescan_remove\b/g));
    expect(analyze(renamed).verdict).toBe("deadlock");
  });

  it("refuses a rename to a reserved word or a taken name", async () => {
    await expect(client.request("textDocument/rename", { textDocument: { uri: "file:///v9.race" }, position: positionOf(v9, "mutex rescan_remove", 0, 6), newName: "lock" })).rejects.toThrow(/reserved/);
    await expect(client.request("textDocument/rename", { textDocument: { uri: "file:///v9.race" }, position: positionOf(v9, "mutex rescan_remove", 0, 6), newName: "bound" })).rejects.toThrow(/already declared/);
  });

  it("lists the outline", async () => {
    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri: "file:///v9.race" } });
    expect(symbols.map((s) => s.name)).toEqual(["v9: remove_store vs unbind_store (AB-BA)", "rescan_remove", "device_lock", "bound", "pf_drv", "sriov_del_vfs", "device_release_driver", "remove_store", "unbind_store", "CPU0", "CPU1", "expect deadlock"]);
    expect(symbols.find((s) => s.name === "pf_drv")!.children!.map((c) => c.name)).toEqual([".remove()"]);
  });

  it("goes to a definition and finds references", async () => {
    const def = await client.request<Location>("textDocument/definition", { textDocument: { uri: "file:///v9.race" }, position: positionOf(v9, "sriov_del_vfs(d) }", 0, 3) });
    expect(def.range.start).toEqual(positionOf(v9, "fn sriov_del_vfs(d) {", 0, 3));
    const refs = await client.request<Location[]>("textDocument/references", { textDocument: { uri: "file:///v9.race" }, position: positionOf(v9, "fn device_release_driver", 0, 3), context: { includeDeclaration: true } });
    expect(refs).toHaveLength(3); // the declaration and the calls in remove_store and unbind_store
  });

  it("completes lock names after 'lock' and callbacks after 'drv.'", async () => {
    const uri = "file:///complete.race";
    const text = "rwsem s\nmutex m\ndriver d { probe() { } remove() { } }\ncpu C0 { lock  }\ncpu C1 { rlock  }\ncpu C2 { d. }\n";
    await client.open(uri, text);
    const at = async (needle: string, delta: number): Promise<string[]> =>
      (await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: positionOf(text, needle, 0, delta) })).map((c) => c.label).sort();
    expect(await at("lock  }", 5)).toEqual(["m", "s"]);
    expect(await at("rlock  }", 6)).toEqual(["s"]);
    expect(await at("d. }", 2)).toEqual(["probe", "remove"]);
  });

  it("formats idempotently", async () => {
    const uri = "file:///format.race";
    const text = "mutex m\ncpu C {\nlock m\n      unlock m\n}\n\n\n";
    await client.open(uri, text);
    const edits = await client.request<{ newText: string }[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits[0]!.newText).toBe("mutex m\ncpu C {\n  lock m\n  unlock m\n}\n");
    await client.change(uri, edits[0]!.newText, 2);
    await client.diagnostics(uri, (p) => p.version === 2);
    expect(await client.request("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });

  it("provides semantic tokens and folding ranges", async () => {
    const tokens = await client.request<{ data: number[] }>("textDocument/semanticTokens/full", { textDocument: { uri: "file:///v9.race" } });
    expect(tokens.data.length % 5).toBe(0);
    expect(tokens.data.length / 5).toBeGreaterThan(20);
    const folds = await client.request<{ startLine: number }[]>("textDocument/foldingRange", { textDocument: { uri: "file:///v9.race" } });
    expect(folds.map((f) => f.startLine)).toContain(positionOf(v9, "fn device_release_driver").line);
  });

  it("a newer edit cancels a long-running check", async () => {
    const uri = "file:///long.race";
    await client.open(uri, contended(8, 6), 1); // 5.7M states, no reduction applies: seconds to reach the 1,000,000-state budget
    await client.until("the check of v1 to start", () => client.notifications.find((n) => n.method === "race/status" && (n.params as { uri: string; verdict: string }).uri === uri && (n.params as { verdict: string }).verdict === "checking"));
    await new Promise((r) => setTimeout(r, 200)); // well into the search
    const sent = Date.now();
    await client.change(uri, "mutex m\ncpu C0 { lock m; unlock m }\n", 2);
    const p = await client.engineDiagnostics(uri, 2);
    expect(Date.now() - sent).toBeLessThan(1500);
    expect(p.diagnostics).toEqual([]);
    // v1's search was cancelled: its result never reaches the client.
    const statuses = client.notifications.filter((n) => n.method === "race/status" && (n.params as { uri: string }).uri === uri).map((n) => n.params as { version: number; verdict: string });
    expect(statuses.filter((x) => x.version === 1 && x.verdict !== "checking")).toEqual([]);
  });

  it("rapid edits end with diagnostics for the last version only", async () => {
    const uri = "file:///rapid.race";
    await client.open(uri, abba, 1);
    for (let v = 2; v <= 12; v++) {
      // alternate between a deadlocking and a safe text, ending safe
      const text = v % 2 === 0 ? abba.replace("lock B\n  lock A", "lock A\n  lock B") : abba;
      await client.change(uri, text, v);
    }
    const last = await client.engineDiagnostics(uri, 12);
    expect(last.diagnostics.filter((d) => d.code === "RACE100")).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    const mine = client.published.filter((p) => p.uri === uri);
    const lastIndex = mine.indexOf(last);
    expect(mine.slice(lastIndex).every((p) => p.version === 12)).toBe(true);
    // Engine results are only ever published for the version they were computed from.
    const engineVersions = mine.filter((p) => p.diagnostics.some((d) => String(d.code) >= "RACE100")).map((p) => p.version);
    expect(engineVersions.every((v) => v === 1 || v === 12 || v! % 2 === 1)).toBe(true);
  });
});
