// Valid-but-huge input is bounded, never a crash: each case that once
// overflowed the stack, ended as RACE199 (internal error) or expanded
// without limit now gets one diagnostic on the offending construct, from
// the front end (what the editor shows on every keystroke).

import { describe, expect, it } from "vitest";
import { analyze, analyzeFrontEnd } from "../../server/src/analysis";
import { MAX_CALL_DEPTH, MAX_CPU_LOCALS, MAX_CPU_STATEMENTS, MAX_EITHER_BRANCHES, MAX_EXPANDED_NESTING, MAX_EXPRESSION_SIZE, MAX_NESTING } from "../../server/src/language/limits";

/** The front end's diagnostics as `CODE text-at-span`. */
function frontEnd(text: string): string[] {
  return analyzeFrontEnd(text).diagnostics.map((d) => `${d.code} ${text.slice(d.span.start, d.span.end).slice(0, 20)}`);
}

const chain = (n: number, body = (i: number): string => (i + 1 < n ? `f${i + 1}()` : "return")): string =>
  Array.from({ length: n }, (_, i) => `fn f${i}() { ${body(i)} }`).join("\n") + "\ncpu C { f0() }\n";

describe("limits of nesting (checked on the tokens, before parsing)", () => {
  it("409 nested parentheses: one diagnostic where the 101st level opens", () => {
    const text = "var x = 0\ncpu C { x = " + "(".repeat(409) + "1" + ")".repeat(409) + " }";
    expect(frontEnd(text)).toEqual(["RACE042 ("]);
    expect(analyzeFrontEnd(text).diagnostics[0]!.span.start).toBe(text.indexOf("(") + MAX_NESTING - 1);
  });

  it("372 nested ifs", () => {
    const text = "var x = 0\ncpu C {" + " if x == 0 {".repeat(372) + " x = 1" + " }".repeat(372) + " }\n";
    expect(frontEnd(text)).toEqual(["RACE042 {"]);
  });

  it("a chain of 500 else-ifs", () => {
    const text = "var x = 0\ncpu C { if x == 0 { }" + " else if x == 1 { }".repeat(500) + " }\n";
    // 99 links of the chain, the CPU's block and the next block make 101.
    expect(frontEnd(text)).toEqual(["RACE042 {"]);
  });

  it("5,000 unary operators, and unary runs inside parentheses", () => {
    expect(frontEnd("var x = false\ncpu C { x = " + "!".repeat(5000) + "x }")).toEqual(["RACE042 !"]);
    expect(frontEnd("var x = false\ncpu C { x = " + "!!!!!!!!!(".repeat(300) + "x" + ")".repeat(300) + " }")).toEqual(["RACE042 ("]);
  });

  it("long flat chains of operators and of else-ifs that end are not nesting", () => {
    const text = "var x = false\ncpu C { x = " + Array(150).fill("!x").join(" && ") + "; if x { } else if x { } x = !x\n" + "if x { } else if x { }\n".repeat(200) + " }";
    expect(frontEnd(text)).toEqual([]);
  });

  it("what comes after the cut is not reported as missing or unused", () => {
    const text = "mutex m\ncpu C { lock m; assert " + "(".repeat(200) + "true" + ")".repeat(200) + "; unlock m }\ncpu D { lock m; unlock m }\n";
    expect(frontEnd(text)).toEqual(["RACE042 ("]);
  });
});

describe("limits of size", () => {
  it("a 2,397-term expression", () => {
    const text = "var x = 0\ncpu C { x = " + Array(2397).fill("1").join(" + ") + " }";
    expect(frontEnd(text)).toEqual(["RACE043 1 + 1 + 1 + 1 + 1 + "]);
  });

  it(`an expression of ${MAX_EXPRESSION_SIZE} operands and operators runs`, () => {
    const text = "var x = 0\ncpu C { x = " + Array(Math.floor((MAX_EXPRESSION_SIZE + 1) / 2)).fill("0").join(" + ") + " }";
    expect(frontEnd(text)).toEqual([]);
    expect(analyze(text).verdict).toBe("safe");
  });

  it("a 2,048-branch either", () => {
    const text = "var x = 0\ncpu C { either " + Array(2048).fill("{ x = 1 }").join(" or ") + " }";
    expect(frontEnd(text)).toEqual(["RACE046 either"]);
    const ok = "var x = 0\ncpu C { either " + Array(MAX_EITHER_BRANCHES).fill("{ x = 1 }").join(" or ") + " }";
    expect(analyze(ok).verdict).toBe("safe");
  });

  it("24 functions each calling the next twice: counted, never expanded", () => {
    const text = "var x = 0\n" + chain(24, (i) => (i + 1 < 24 ? `f${i + 1}(); f${i + 1}()` : "x = 1"));
    const started = Date.now();
    const ds = analyzeFrontEnd(text).diagnostics;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(ds.map((d) => d.code)).toEqual(["RACE045"]);
    // Reported on the call that takes C past the limit, followed down while one callee alone is past it.
    expect(ds[0]!.message).toContain(`more than ${MAX_CPU_STATEMENTS.toLocaleString("en-US")} statements`);
    expect(ds[0]!.message).toContain("(C → f0 → f1 → … → f8 → f9) takes it past the limit");
    expect(text.slice(ds[0]!.span.start, ds[0]!.span.end)).toBe("f9");
  });

  it(`more than ${MAX_CPU_LOCALS} local variables expanded on one CPU`, () => {
    const text = chain(10, (i) => (i + 1 < 10 ? `f${i + 1}(); f${i + 1}()` : "var t = 0; t = 1"));
    const ds = analyzeFrontEnd(text).diagnostics;
    expect(ds.map((d) => d.code)).toEqual(["RACE045"]);
    expect(ds[0]!.message).toContain(`expands to more than ${MAX_CPU_LOCALS} local variables`);
    expect(ds[0]!.message).toContain("(C → f0 → f1) takes it past the limit");
  });

  it("a CPU at the statement limit compiles and runs", () => {
    // f0 expands to 2^13 copies of f13's 3 statements: 24,576.
    const text = "var x = 0\n" + chain(14, (i) => (i + 1 < 14 ? `f${i + 1}(); f${i + 1}()` : "x = 1; x = 2; x = 0"));
    const a = analyze(text);
    expect(a.frontEnd.diagnostics).toEqual([]);
    expect(a.model!.cpus[0]!.code.length).toBe(3 * 2 ** 13);
    expect(a.verdict).toBe("safe");
  });
});

describe("limits of calls", () => {
  it("a chain of 1,785 calls: one diagnostic on the call that nests too deep", () => {
    const ds = analyzeFrontEnd(chain(1785)).diagnostics;
    expect(ds.map((d) => d.code)).toEqual(["RACE044"]);
    expect(ds[0]!.message).toContain(`(C → f0 → f1 → … → f63 → f64): more than ${MAX_CALL_DEPTH} calls inside each other`);
  });

  it(`${MAX_CALL_DEPTH} nested calls run; ${MAX_CALL_DEPTH + 1} are a checker diagnostic, not an internal error`, () => {
    expect(analyze(chain(MAX_CALL_DEPTH)).verdict).toBe("safe");
    const a = analyze(chain(MAX_CALL_DEPTH + 1));
    expect(a.diagnostics.map((d) => d.code)).toEqual(["RACE044"]);
  });

  it(`blocks nested more than ${MAX_EXPANDED_NESTING} deep through calls are reported before compiling recurses through them`, () => {
    const wrap = (inner: string): string => "if x == 0 {".repeat(98) + inner + "}".repeat(98);
    const text = (n: number): string =>
      "var x = 0\n" + Array.from({ length: n }, (_, i) => `fn f${i}() { ${wrap(i + 1 < n ? `f${i + 1}()` : "x = 1")} }`).join("\n") + `\ncpu C { ${wrap("f0()")} }`;
    const deep = analyze(text(40));
    expect(deep.diagnostics.map((d) => d.code)).toEqual(["RACE044"]);
    expect(deep.diagnostics[0]!.message).toContain(`nested more than ${MAX_EXPANDED_NESTING} levels deep, counting through calls`);
    expect(analyze(text(3)).verdict).toBe("safe");
  });

  it(`at exactly ${MAX_EXPANDED_NESTING} levels through calls, what depends on the arguments is still checked at the bottom`, () => {
    const wrap = (n: number, inner: string): string => "if x == 0 {".repeat(n) + inner + "}".repeat(n);
    // The call into f(k+1) sits 98 blocks deep (nesting 99 with the call); f4's lock is 5 deeper: 5 × 99 + 5.
    const fns = Array.from({ length: 5 }, (_, k) => `fn f${k}(d) { ${k < 4 ? wrap(98, `f${k + 1}(d)`) : wrap(5, "lock m[d]; unlock m[d]")} }`).join("\n");
    const text = `mutex m[pf]\nvar x = 0\nvar v[vf] = 0\n${fns}\ncpu C { v[vf] = 1; ${wrap(98, "f0(vf)")} }`;
    expect(analyze(text).diagnostics.map((d) => d.code)).toEqual(["RACE021", "RACE021"]);
  });

  it("recursion through a long cycle is found without recursing", () => {
    const n = 3000;
    const text = Array.from({ length: n }, (_, i) => `fn f${i}() { f${(i + 1) % n}() }`).join("\n") + "\ncpu C { f0() }\n";
    expect(frontEnd(text)).toEqual(["RACE028 f1"]);
  });
});
