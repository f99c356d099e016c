// The built server over the real protocol: it starts, and publishes parse
// and checker diagnostics for an opened document and for each edit.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { read, samplesDir } from "../helpers";
import { LspClient } from "./lspClient";

describe("language server over stdio", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient();
    await client.initialize();
  });
  afterAll(async () => client.close());

  it("publishes coded diagnostics with ranges for a broken document", async () => {
    const uri = "file:///broken.race";
    await client.open(uri, "mutex m\ncpu C0 { lock nosuch; rlock m }\n");
    const p = await client.diagnostics(uri);
    expect(p.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.severity, d.source])).toEqual([
      ["RACE010", 1, 14, 1, "race"],
      ["RACE024", 1, 28, 1, "race"],
    ]);
  });

  it("clears them when an edit fixes the document, for that version", async () => {
    const uri = "file:///edited.race";
    await client.open(uri, "cpu C0 { lock m }\n", 1);
    await client.diagnostics(uri, (p) => p.version === 1 && p.diagnostics.length > 0);
    await client.change(uri, "mutex m\ncpu C0 { lock m; unlock m }\n", 2);
    const p = await client.diagnostics(uri, (x) => x.version === 2);
    expect(p.diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  });

  it("a sample opens without front-end errors", async () => {
    const uri = "file:///v9.race";
    await client.open(uri, read(join(samplesDir, "v9-remove-vs-unbind.race")));
    const p = await client.diagnostics(uri);
    expect(p.diagnostics.filter((d) => String(d.code) < "RACE100")).toEqual([]);
  });
});
