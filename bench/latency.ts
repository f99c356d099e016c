// npm run bench:latency: edit → diagnostics latency over the real protocol.
// Spawns the built server, opens each sample, then makes EDITS small edits
// one after another (a space inserted into, or removed from, a random line;
// each edit waits for the previous one's engine result) and measures, per
// edit, the time to the first publication for that version (parse + check)
// and to the engine's publication for it (debounce + search + publish).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";

const root = join(__dirname, "..");
const EDITS = Number(process.env["EDITS"] ?? 40);
const debounceMs = Number(process.env["DEBOUNCE"] ?? 75);

interface Published {
  version: number;
  at: number;
}

async function main(): Promise<void> {
  const proc = spawn(process.execPath, [join(root, "dist", "server.js"), "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const published = new Map<string, Published[]>();
  const statusDone = new Map<string, Set<number>>();
  let wake: (() => void) | undefined;
  conn.onNotification("textDocument/publishDiagnostics", (p: { uri: string; version: number }) => {
    const list = published.get(p.uri) ?? [];
    list.push({ version: p.version, at: performance.now() });
    published.set(p.uri, list);
    wake?.();
  });
  conn.onNotification("race/status", (p: { uri: string; version: number; verdict: string }) => {
    if (p.verdict === "checking") return;
    const set = statusDone.get(p.uri) ?? new Set<number>();
    set.add(p.version);
    statusDone.set(p.uri, set);
    wake?.();
  });
  conn.listen();
  await conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { debounceMs } });
  await conn.sendNotification("initialized", {});

  const until = async (cond: () => boolean): Promise<void> => {
    while (!cond()) await new Promise<void>((r) => ((wake = r), setTimeout(r, 20)));
  };
  const frontEnd: number[] = [];
  const engine: number[] = [];
  const samples = readdirSync(join(root, "samples")).filter((f) => f.endsWith(".race")).sort();
  let seed = 12345;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (const file of samples) {
    const uri = `file:///bench/${file}`;
    let text = readFileSync(join(root, "samples", file), "utf8");
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "race", version: 1, text } });
    await until(() => statusDone.get(uri)?.has(1) ?? false);
    const lines = text.split("\n");
    for (let v = 2; v < 2 + EDITS; v++) {
      // Insert a space at the end of a random line, or remove the one added before.
      const line = rand(lines.length);
      const added = v % 2 === 0;
      lines[line] = added ? lines[line] + " " : lines[line]!.replace(/ $/, "");
      text = lines.join("\n");
      const sent = performance.now();
      await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: v }, contentChanges: [{ text }] });
      await until(() => (published.get(uri) ?? []).some((p) => p.version === v) && (statusDone.get(uri)?.has(v) ?? false));
      const pubs = (published.get(uri) ?? []).filter((p) => p.version === v);
      frontEnd.push(pubs[0]!.at - sent);
      engine.push(pubs[pubs.length - 1]!.at - sent);
    }
  }
  await conn.sendRequest("shutdown");
  await conn.sendNotification("exit");
  conn.dispose();
  proc.kill();
  const pct = (xs: number[], p: number): string => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
  };
  console.log(`${samples.length} samples × ${EDITS} edits = ${frontEnd.length} edits; engine debounce ${debounceMs} ms`);
  console.log(`| measure | p50 | p95 | max | goal (p95) |`);
  console.log(`|---|---|---|---|---|`);
  console.log(`| edit → parse + check diagnostics | ${pct(frontEnd, 0.5)} ms | ${pct(frontEnd, 0.95)} ms | ${pct(frontEnd, 1)} ms | ≤ 30 ms |`);
  console.log(`| edit → engine diagnostics (incl. debounce) | ${pct(engine, 0.5)} ms | ${pct(engine, 0.95)} ms | ${pct(engine, 1)} ms | ≤ 150 ms |`);
}

void main();
