// docs/ARCHITECTURE.md's code map names every source file (by its path, or
// by its name inside its directory's row), so that a new module cannot
// land without a line saying what it is for.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The files of `dirs` that `map` names neither by path (from `base`) nor by file name in backticks. */
function unnamed(map: string, base: string, files: readonly string[]): string[] {
  return files.map((f) => relative(base, f).replaceAll("\\", "/")).filter((f) => !map.includes(f) && !map.includes(`\`${basename(f)}\``));
}

describe("the code map", () => {
  const map = readFileSync(join(root, "docs", "ARCHITECTURE.md"), "utf8");
  for (const part of ["server/src", "client/src"]) {
    it(`names every file of ${part}`, () => {
      expect(unnamed(map, join(root, part), sources(join(root, part)))).toEqual([]);
    });
  }

  it("a file it does not name is reported", () => {
    expect(unnamed("| `engine/a.ts` | … | `dir/` | `b.ts` |", "/r", ["/r/engine/a.ts", "/r/dir/b.ts", "/r/dir/c.ts"])).toEqual(["dir/c.ts"]);
  });
});
