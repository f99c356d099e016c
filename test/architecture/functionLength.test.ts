// docs/ARCHITECTURE.md: "No function over ~80 lines in the engine". A
// function (or method, or closure) is measured from its first line to its
// last, nested closures included, so that one idea per function stays
// something a reader can hold.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const MAX_LINES = 80;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every function-like node with a body in `file`, as "file:line name (n lines)", longer than `max`. */
function longFunctions(file: string, text: string, max: number): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const long: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && "body" in n && n.body) {
      const first = src.getLineAndCharacterOfPosition(n.getStart(src)).line;
      const last = src.getLineAndCharacterOfPosition(n.end).line;
      const name = n.name?.getText(src) ?? "(anonymous)";
      if (last - first + 1 > max) long.push(`${relative(root, file)}:${first + 1} ${name} (${last - first + 1} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return long;
}

describe("engine functions stay short", () => {
  it(`no function in server/src/engine is over ${MAX_LINES} lines`, () => {
    const long = sources(join(root, "server", "src", "engine")).flatMap((f) => longFunctions(f, readFileSync(f, "utf8"), MAX_LINES));
    expect(long).toEqual([]);
  });

  it("the measure sees a long function, a long method and a long closure", () => {
    const body = Array.from({ length: 5 }, (_, i) => `  x += ${i};`).join("\n");
    const text = `function f() {\n${body}\n}\nclass C {\n  m() {\n${body}\n  }\n}\nconst g = () => {\n${body}\n};\n`;
    expect(longFunctions(join(root, "x.ts"), text, 4)).toEqual(["x.ts:1 f (7 lines)", "x.ts:9 m (7 lines)", "x.ts:17 (anonymous) (7 lines)"]);
  });
});
