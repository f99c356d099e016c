// The static editor files: the grammar colours every keyword of the language,
// its regexes compile, and every snippet expands (with its defaults) to text
// the checker accepts.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { KEYWORDS } from "../../server/src/language/tokens";
import { read, root } from "../helpers";

const grammar = JSON.parse(read(join(root, "syntaxes", "race.tmLanguage.json"))) as Record<string, unknown>;
const snippets = JSON.parse(read(join(root, "snippets", "race.json"))) as Record<string, { prefix: string; body: string[] }>;
const manifest = JSON.parse(read(join(root, "package.json"))) as { contributes: Record<string, unknown> };

function regexes(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => regexes(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if ((k === "match" || k === "begin" || k === "end") && typeof v === "string") out.push(v);
      else regexes(v, out);
    }
  }
  return out;
}

/** Expands a snippet body with each placeholder's default (the first choice for choices). */
function expand(body: string[]): string {
  return body
    .join("\n")
    .replace(/\$\{\d+\|([^,|]+)[^}]*\}/g, "$1")
    .replace(/\$\{\d+:([^}]*)\}/g, "$1")
    .replace(/\$(\d+)/g, (_, n: string) => {
      const m = body.join("\n").match(new RegExp(`\\$\\{${n}:([^}]*)\\}`));
      return m ? m[1]! : "";
    });
}

describe("TextMate grammar", () => {
  it("has regexes that compile", () => {
    const all = regexes(grammar);
    expect(all.length).toBeGreaterThan(10);
    for (const r of all) expect(() => new RegExp(r)).not.toThrow();
  });

  it("matches every reserved word somewhere", () => {
    const all = regexes(grammar).map((r) => new RegExp(r));
    const missing = KEYWORDS.filter((k) => !all.some((r) => r.test(k === "recursive" ? "recursive mutex m" : k === "expect" ? "expect safe" : `${k} x`)));
    expect(missing).toEqual([]);
  });

  it("matches the contextual words of design v2: rtrylock, and expect lists with misuse", () => {
    const all = regexes(grammar).map((r) => new RegExp(r));
    for (const text of ["rtrylock s", "misuse", "#include \"x.race\""]) expect(all.some((r) => r.test(text)), text).toBe(true);
  });

  it("is contributed under the scope name it declares", () => {
    expect(manifest.contributes["grammars"]).toEqual([{ language: "race", scopeName: grammar["scopeName"], path: "./syntaxes/race.tmLanguage.json" }]);
  });
});

describe("snippets", () => {
  it("the scenario skeleton expands to a scenario that checks clean", () => {
    const text = expand(snippets["Scenario skeleton"]!.body);
    expect(analyzeFrontEnd(text).diagnostics).toEqual([]);
  });

  it("each statement snippet checks clean inside a CPU", () => {
    for (const name of ["Lock/unlock pair", "Trylock"]) {
      const text = `mutex L\ncpu C {\n${expand(snippets[name]!.body)}\n}\n`;
      expect(analyzeFrontEnd(text).diagnostics, name).toEqual([]);
    }
    const read = `rwsem sem\ncpu C {\n${expand(snippets["Read lock pair"]!.body)}\n}\n`;
    expect(analyzeFrontEnd(read).diagnostics).toEqual([]);
    const v2 = `mutex L\nrwsem sem\ncpu C {\n${["Trylock retry loop", "Read trylock", "Either with labels", "Local variable"].map((n) => expand(snippets[n]!.body)).join("\n")}\n}\n`;
    // The local is declared and left unused: only that warning.
    expect(analyzeFrontEnd(v2).diagnostics.map((d) => d.code)).toEqual(["RACE051"]);
  });

  it("item snippets parse", () => {
    for (const name of ["CPU", "Function", "Driver"]) {
      const text = expand(snippets[name]!.body);
      expect(analyzeFrontEnd(text).diagnostics.filter((d) => d.code === "RACE001"), name).toEqual([]);
    }
  });
});
