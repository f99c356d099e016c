// npm run check:exhaustive — shows that a new kind fails the type check
// where it is not handled (docs/ARCHITECTURE.md, "Exhaustive switches"):
// for each union of kinds the layers switch over, a copy of the sources
// gets one dummy kind more and `tsc` must fail in every file that has to
// handle it. Runs in CI (a few tsc runs: too slow for npm test).

import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

/** Each case: where the dummy goes (file, text to find, text to put after it) and the files that must then fail. */
const cases = [
  {
    name: "an instruction kind",
    file: "server/src/engine/model.ts",
    find: "export type Instr = LockInstr | VarInstr | FlowInstr",
    add: ' | (InstrBase & { readonly op: "dummy"; readonly next: number })',
    mustFail: ["server/src/engine/primitives/index.ts"],
  },
  {
    name: "a compiled expression kind",
    file: "server/src/engine/model.ts",
    find: "export type CExpr =",
    add: ' | { readonly k: "dummy" }',
    mustFail: ["server/src/engine/state.ts", "server/src/engine/reduce.ts", "server/src/export/promela.ts"],
  },
  {
    name: "a statement kind",
    file: "server/src/language/ast.ts",
    find: "export type Stmt =",
    add: ' | { readonly kind: "DummyStmt"; readonly span: Span }',
    mustFail: ["server/src/language/ast.ts", "server/src/language/checker.ts", "server/src/engine/compile.ts"],
  },
  {
    name: "an expression kind",
    file: "server/src/language/ast.ts",
    find: "export type Expr =",
    add: ' { readonly kind: "DummyExpr"; readonly span: Span } |',
    mustFail: ["server/src/language/ast.ts", "server/src/language/checker.ts", "server/src/engine/compile.ts"],
  },
  {
    name: "a top-level item kind",
    file: "server/src/language/ast.ts",
    find: "export type Item =",
    add: ' { readonly kind: "DummyDecl"; readonly span: Span } |',
    mustFail: ["server/src/language/binder.ts", "server/src/language/checker.ts", "server/src/services/navigation.ts"],
  },
  {
    name: "a kind of referent (what a name refers to)",
    file: "server/src/language/referent.ts",
    find: "export type Referent =",
    add: ' | { readonly kind: "dummy"; readonly name: string }',
    mustFail: ["server/src/language/referent.ts", "server/src/services/navigation.ts"],
  },
  {
    name: "a problem kind",
    file: "server/src/engine/search/types.ts",
    find: "export type ProblemKind =",
    add: ' "dummy"',
    mustFail: ["server/src/engine/report.ts", "server/src/analysis.ts"],
  },
];

const work = mkdtempSync(join(tmpdir(), "race-exhaustive-"));
let failed = 0;
try {
  for (const dir of ["server", "client", "test", "bench"]) cpSync(join(root, dir), join(work, dir), { recursive: true });
  for (const f of ["tsconfig.json", "esbuild.mjs", "vitest.config.mts", "vitest.e2e.config.mts", "package.json"]) cpSync(join(root, f), join(work, f));
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  for (const c of cases) {
    const path = join(work, c.file);
    const original = readFileSync(path, "utf8");
    if (!original.includes(c.find)) throw new Error(`${c.file}: '${c.find}' not found (update test/exhaustive/check.mjs)`);
    writeFileSync(path, original.replace(c.find, c.find + c.add));
    let out = "";
    try {
      execFileSync(process.execPath, [tsc, "-p", ".", "--noEmit"], { cwd: work, encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    }
    writeFileSync(path, original);
    const failing = new Set([...out.matchAll(/^(\S+?\.ts)\(\d+,\d+\): error/gm)].map((m) => m[1]));
    const missing = c.mustFail.filter((f) => !failing.has(f));
    if (missing.length > 0) {
      failed++;
      console.log(`✗ ${c.name}: tsc does not fail in ${missing.join(", ")}${out ? "" : " (it passed)"}`);
    } else console.log(`✓ ${c.name}: tsc fails in ${[...failing].sort().join(", ")}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${cases.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
