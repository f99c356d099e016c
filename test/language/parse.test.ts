// Every construct parses to the right AST: fixtures in test/fixtures/parse,
// AST baselines beside them (spans written as [start, end]).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../server/src/language/parse";
import { KEYWORDS } from "../../server/src/language/tokens";
import { fixturesDir, listRace, read } from "../helpers";

const dir = join(fixturesDir, "parse");

function printAst(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v && typeof v === "object" && "start" in v && "end" in v && Object.keys(v).length === 2) {
        const s = v as { start: number; end: number };
        return `${s.start}-${s.end}`;
      }
      return v;
    },
    1,
  );
}

describe("parse fixtures", () => {
  for (const file of listRace(dir)) {
    it(`${file} parses cleanly to its baseline AST`, async () => {
      const text = read(join(dir, file));
      const { ast, diagnostics } = parse(text);
      expect(diagnostics).toEqual([]);
      await expect(printAst(ast) + "\n").toMatchFileSnapshot(join(dir, file.replace(/\.race$/, ".ast.json")));
    });
  }
});

describe("lexical rules", () => {
  it("reserves exactly the words of the language", () => {
    expect([...KEYWORDS].sort()).toEqual(
      "scenario mutex recursive rwsem spinlock var fn driver cpu expect lock unlock rlock runlock trylock if else while either or wait until assert return true false held locked"
        .split(" ")
        .sort(),
    );
  });

  it("lexes keyword prefixes and extensions as names", () => {
    const { ast, diagnostics } = parse("var locked_out = false\nvar lockx = 0\nvar order = 1\ncpu C { locked_out = locked(m) }\nmutex m");
    expect(diagnostics).toEqual([]);
    const names = ast.items.filter((i) => i.kind === "VarDecl").map((i) => (i.kind === "VarDecl" ? i.name.name : ""));
    expect(names).toEqual(["locked_out", "lockx", "order"]);
  });

  it("treats deadlock, violation and safe as ordinary names outside expect", () => {
    const { diagnostics } = parse("var deadlock = false\nvar safe = 1\ncpu violation { deadlock = true }\nexpect safe");
    expect(diagnostics).toEqual([]);
  });

  it("unescapes strings", () => {
    const { ast } = parse('scenario "say \\"hi\\" \\\\ bye"\ncpu C { }');
    const s = ast.items[0];
    expect(s?.kind === "ScenarioDecl" && s.title).toBe('say "hi" \\ bye');
  });

  it("folds a minus into an integer literal so that -128 is one token of meaning", () => {
    const { ast } = parse("var x = 0\ncpu C { x = -128 }");
    const cpu = ast.items[1];
    const stmt = cpu?.kind === "CpuDecl" ? cpu.body.stmts[0] : undefined;
    expect(stmt?.kind === "AssignStmt" && stmt.value).toMatchObject({ kind: "IntLiteral", value: -128 });
  });

  it("gives && precedence over || and comparison over &&", () => {
    const { ast } = parse("var a = false\nvar n = 0\ncpu C { assert a || n < 1 && !a }");
    const cpu = ast.items[2];
    const stmt = cpu?.kind === "CpuDecl" ? cpu.body.stmts[0] : undefined;
    expect(stmt?.kind === "AssertStmt" && stmt.cond).toMatchObject({
      kind: "BinaryExpr",
      op: "||",
      right: { kind: "BinaryExpr", op: "&&", left: { op: "<" }, right: { kind: "UnaryExpr", op: "!" } },
    });
  });
});
