// The front end of design v2 §7 (race-language.md): expectation lists,
// either labels, local variables, rtrylock, trylock loops, and the kernel
// spellings answered with one hint. Scenario text in, diagnostics out.

import { describe, expect, it } from "vitest";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { parse } from "../../server/src/language/parse";
import { references, rename } from "../../server/src/services/navigation";

/** `CODE text-at-span` per diagnostic, in source order. */
function diags(text: string): string[] {
  return analyzeFrontEnd(text).diagnostics.map((d) => `${d.code} ${text.slice(d.span.start, d.span.end)}`);
}

describe("expect lists", () => {
  it("lists kinds in a fixed order, safe is none", () => {
    const kinds = (t: string): readonly string[] => analyzeFrontEnd(`cpu C { }\n${t}`).checked.expectation.kinds;
    expect(kinds("expect misuse, deadlock")).toEqual(["deadlock", "misuse"]);
    expect(kinds("expect violation")).toEqual(["violation"]);
    expect(kinds("expect safe")).toEqual([]);
    expect(kinds("")).toEqual([]);
  });

  it("safe stands alone; unknown and repeated kinds are errors on their word", () => {
    expect(diags("cpu C { }\nexpect safe, deadlock")).toEqual(["RACE048 safe"]);
    expect(diags("cpu C { }\nexpect deadlock, livelock, deadlock")).toEqual(["RACE038 livelock", "RACE016 deadlock"]);
  });

  it("misuse is a keyword only after expect", () => {
    expect(diags("var misuse = 0\ncpu C { misuse = 1 }\nexpect misuse")).toEqual([]);
  });
});

describe("either labels", () => {
  it("each branch may carry a label, with its span", () => {
    const text = 'var x = 0\ncpu C { either "kzalloc fails" { x = 1 } or { x = 2 } or "ok" { x = 3 } }';
    const { ast, diagnostics } = parse(text);
    expect(diagnostics).toEqual([]);
    const cpu = ast.items[1];
    const either = cpu?.kind === "CpuDecl" ? cpu.body.stmts[0] : undefined;
    expect(either?.kind).toBe("EitherStmt");
    const branches = either?.kind === "EitherStmt" ? either.branches : [];
    expect(branches.map((b) => b.label)).toEqual(["kzalloc fails", undefined, "ok"]);
    expect(text.slice(branches[0]!.labelSpan!.start, branches[0]!.labelSpan!.end)).toBe('"kzalloc fails"');
  });
});

describe("local variables", () => {
  it("do not cascade: a scenario with locals checks clean", () => {
    const text = "mutex m\ncpu C { var got = 0; lock m; got = got + 1; unlock m; assert got == 1 }\ncpu D { var got = false; got = true; assert got }";
    expect(diags(text)).toEqual([]);
  });

  it("are visible to the end of their block, and come before parameters and globals", () => {
    const text = [
      "var x = 0",
      "fn f(p) { var p2 = true; if p2 { var t = 1; t = 2 } t = 3; x = 1 }",
      "cpu C { x = 1; var x = true; x = false; f(1) }",
    ].join("\n");
    // `t = 3` is outside t's block; `x = false` is the local bool, not the global int.
    expect(diags(text)).toEqual(["RACE011 t"]);
  });

  it("take their type from the initializer", () => {
    expect(diags("cpu C { var n = 0; n = true; var b = false; assert b + 1 > 0 }")).toEqual(["RACE034 true", "RACE034 b"]);
  });

  it("duplicates in one scope are errors, a parameter counts as the body's scope, nested blocks may shadow", () => {
    expect(diags("fn f(p) { var p = 0; var q = 1; var q = 2; if q == 2 { var q = 3; assert q == 3 } assert p == 0 }\ncpu C { f(1) }")).toEqual(["RACE016 p", "RACE016 q"]);
  });

  it("are values only: not locks, callees, arguments or indexes; unused ones are warned about", () => {
    const text = "mutex m[a]\nfn f(d) { }\ncpu C { var v = 0; lock v; v(); f(v); lock m[v]; var unused = true }";
    expect(diags(text)).toEqual(["RACE025 v", "RACE027 v", "RACE040 v", "RACE036 v", "RACE051 unused"]);
  });

  it("have references of their own: a global of the same name is another thing", () => {
    const text = "var got = 0\ncpu C { var got = 1; got = 2; assert got == 2 }\ncpu D { got = 5 }";
    const fe = analyzeFrontEnd(text);
    const local = text.indexOf("var got = 1") + 4;
    const uses = references(fe.checked, local, true).map((s) => s.start);
    expect(uses).toEqual([local, text.indexOf("got = 2"), text.indexOf("got == 2")]);
    const global = references(fe.checked, 4, true).map((s) => s.start);
    expect(global).toEqual([4, text.indexOf("got = 5")]);
    const key = fe.checked.references.find((r) => r.span.start === local)!.key;
    expect(key).toBe(`local:cpu:C:got@${local}`);
    expect(rename(fe.checked, local, "n")).toEqual({ edits: uses.map((start) => ({ span: { start, end: start + 3 }, newText: "n" })) });
    expect(rename(fe.checked, local, "got")).toEqual({ error: "'got' is already declared." });
  });
});

describe("rtrylock and trylock conditions", () => {
  it("trylock and rtrylock, negated or not, are the whole condition of if and while", () => {
    const text = "rwsem s\nmutex m\ncpu C { if rtrylock s { runlock s } while !trylock m { } unlock m; if !trylock m { } else { unlock m } while rtrylock s { runlock s; return } }";
    expect(diags(text)).toEqual([]);
  });

  it("anywhere else, or doubly negated, they are an error with the form to use", () => {
    const ds = analyzeFrontEnd("rwsem s\nvar b = false\ncpu C { b = rtrylock s; assert !!trylock s; if trylock s && b { } }").diagnostics;
    expect(ds.map((d) => d.code)).toEqual(["RACE032", "RACE032", "RACE032"]);
    expect(ds[0]!.message).toContain("'while !rtrylock L { … }'");
  });

  it("rtrylock needs an rwsem", () => {
    expect(diags("mutex m\ncpu C { if rtrylock m { } }")).toEqual(["RACE024 m"]);
  });

  it("rtrylock is a keyword only where it starts a trylock", () => {
    expect(diags("var rtrylock = 0\ncpu C { rtrylock = 1; assert rtrylock == 1 }")).toEqual([]);
  });
});

describe("kernel spellings", () => {
  it("get one hint per call and nothing else inside it", () => {
    const text = "spinlock l\ncpu C { spin_lock_irqsave(&l, flags); spin_unlock_irqrestore(&l, flags) }";
    const ds = analyzeFrontEnd(text).diagnostics;
    expect(ds.map((d) => d.code)).toEqual(["RACE047", "RACE047"]);
    expect(ds[0]!.message).toBe("'spin_lock_irqsave(&l, flags)' is the kernel's spelling; write 'lock_irqsave l'.");
    expect(ds[1]!.message).toBe("'spin_unlock_irqrestore(&l, flags)' is the kernel's spelling; write 'unlock_irqrestore l'.");
  });

  it("the interrupt forms and rwlock_t point at §10: lock_irq/lock_irqsave/lock_bh, rlock on an rwlock", () => {
    const msgs = (text: string): string[] => analyzeFrontEnd(text).diagnostics.map((d) => d.message);
    expect(msgs("spinlock l\ncpu C { spin_lock_bh(&l); spin_unlock_bh(&l) }")).toEqual([
      "'spin_lock_bh(&l)' is the kernel's spelling; write 'lock_bh l'.",
      "'spin_unlock_bh(&l)' is the kernel's spelling; write 'unlock_bh l'.",
    ]);
    expect(msgs("rwlock t\ncpu C { read_lock_irqsave(&t, f); read_unlock_irqrestore(&t, f); write_lock_irq(&t); write_unlock_irq(&t) }")).toEqual([
      "'read_lock_irqsave(&t, f)' is the kernel's spelling; write 'rlock_irqsave t'.",
      "'read_unlock_irqrestore(&t, f)' is the kernel's spelling; write 'runlock_irqrestore t'.",
      "'write_lock_irq(&t)' is the kernel's spelling; write 'lock_irq t'.",
      "'write_unlock_irq(&t)' is the kernel's spelling; write 'unlock_irq t'.",
    ]);
    expect(msgs("cpu C { read_lock(&tasklist_lock) }")).toEqual(["'read_lock(&tasklist_lock)' is the kernel's spelling; write 'rlock tasklist_lock' (declare the lock, e.g. 'rwlock tasklist_lock' (rwlock_t, §10))."]);
    expect(msgs("rwsem t\ncpu C { read_lock(&t) }")).toEqual(["'read_lock(&t)' is the kernel's spelling; write 'rlock t' (rwlock_t is §10's 'rwlock': declare it 'rwlock')."]);
    expect(msgs("spinlock l\ncpu C { if spin_trylock_bh(&l) { } }")).toEqual([
      "'spin_trylock_bh(&l)' is the kernel's spelling; write 'if trylock l { … }' (a trylock has no _bh form: write 'local_bh_disable' before it and 'local_bh_enable' after (§10)).",
    ]);
  });

  it("a structure path such as &dev->mutex (with a keyword in it) becomes one name, and nothing after the call breaks", () => {
    const text = "mutex m\ncpu C { mutex_lock(&dev->mutex); spin_lock_irqsave(&pdev->lock, flags); lock m; unlock m }";
    const ds = analyzeFrontEnd(text).diagnostics;
    expect(ds.map((d) => `${d.code} ${text.slice(d.span.start, d.span.end)}`)).toEqual(["RACE047 mutex_lock(&dev->mutex)", "RACE047 spin_lock_irqsave(&pdev->lock, flags)"]);
    expect(ds[0]!.message).toBe("'mutex_lock(&dev->mutex)' is the kernel's spelling; write 'lock dev_mutex' (declare the lock, e.g. 'mutex dev_mutex').");
  });

  it("as a condition, the hint is the trylock form, and the rest of the if is still checked", () => {
    expect(diags("mutex m\ncpu C { if mutex_trylock(&m) { lock nosuch } }")).toEqual(["RACE047 mutex_trylock(&m)", "RACE010 nosuch"]);
  });

  it("name the declaration to add when the lock is not declared", () => {
    const ds = analyzeFrontEnd("cpu C { down_read(&sem); up_read(&sem) }").diagnostics;
    expect(ds.map((d) => d.message)).toEqual([
      "'down_read(&sem)' is the kernel's spelling; write 'rlock sem' (declare the lock, e.g. 'rwsem sem').",
      "'up_read(&sem)' is the kernel's spelling; write 'runlock sem' (declare the lock, e.g. 'rwsem sem').",
    ]);
  });

  it("a function of the scenario with a kernel name is an ordinary call", () => {
    expect(diags("mutex m\nfn mutex_lock(x) { lock m }\ncpu C { mutex_lock(1); unlock m }")).toEqual([]);
  });

  it("an #include line gets one hint and parsing goes on; an import line is an import", () => {
    expect(diags('#include "common.race"\nimport "nosuch.race"\nmutex m\ncpu C { lock m; unlock m }')).toEqual([
      'RACE041 #include "common.race"',
      'RACE080 "nosuch.race"',
    ]);
  });
});
