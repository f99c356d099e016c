// The checking worker's heap cap over the real protocol: a check that needs
// more memory than race.workerMemoryMb stops the worker alone; the document
// gets a RACE110 warning instead of a verdict, the server goes on, and the
// next edit is checked by a fresh worker.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LspClient } from "./lspClient";

/**
 * 31 CPUs, each calling a function that fans out 2 ways 13 deep: 24,576
 * statements per CPU once calls are expanded (under the limit of 32,766),
 * about 760,000 in all. A valid scenario, but its compiled model alone
 * needs far more than 64 MB.
 */
function wide(): string {
  const fns = Array.from({ length: 13 }, (_, i) => `fn f${i + 1}() { f${i}(); f${i}() }`);
  const cpus = Array.from({ length: 31 }, (_, c) => `cpu C${c} { f13() }`);
  return ["var x = 0", "mutex m", "fn f0() { lock m; x = 1; unlock m }", ...fns, ...cpus, ""].join("\n");
}

const small = "mutex m\ncpu C0 { lock m; unlock m }\ncpu C1 { lock m; unlock m }\n";

describe("the worker's memory cap", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient({ debounceMs: 20 });
    await client.initialize();
  });
  afterAll(async () => client.close());

  it("stops a runaway check with a diagnostic; the next edit checks fine", async () => {
    const uri = "file:///runaway.race";
    // Checked with the default cap first, then the setting lowers it: the worker restarts with the new cap.
    await client.open("file:///before.race", small);
    expect((await client.engineDiagnostics("file:///before.race", 1)).diagnostics).toEqual([]);
    await client.connection.sendNotification("workspace/didChangeConfiguration", { settings: { race: { workerMemoryMb: 64 } } });

    await client.open(uri, wide());
    const failed = await client.engineDiagnostics(uri, 1);
    const oom = failed.diagnostics.filter((d) => d.code === "RACE110");
    expect(oom).toHaveLength(1);
    expect(oom[0]!.message).toMatch(/^The check ran out of memory at 64 MB and was stopped; nothing was verified\./);
    expect(oom[0]!.severity).toBe(2); // a warning: the scenario is not wrong, the check did not finish
    const status = client.notifications.filter((n) => n.method === "race/status" && (n.params as { uri: string }).uri === uri).at(-1)!.params as { text: string; verdict: string };
    expect(status).toMatchObject({ verdict: "incomplete", text: "✗ out of memory at 64 MB" });

    // The server is alive and answers; an edit gets a fresh worker and a verdict.
    const symbols = await client.request<unknown[]>("textDocument/documentSymbol", { textDocument: { uri } });
    expect(symbols.length).toBeGreaterThan(0);
    await client.change(uri, small, 2);
    const fixed = await client.engineDiagnostics(uri, 2);
    expect(fixed.diagnostics).toEqual([]);
    const after = client.notifications.filter((n) => n.method === "race/status" && (n.params as { uri: string; version: number }).uri === uri).at(-1)!.params as { version: number; verdict: string };
    expect(after).toMatchObject({ version: 2, verdict: "safe" });
  });
});
