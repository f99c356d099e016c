// Editor services on their own (no protocol): quick fixes, completion,
// hover, navigation (the formatter has format.test.ts).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, analyzeFrontEnd } from "../../server/src/analysis";
import { complete } from "../../server/src/services/completion";
import { applyEdits } from "../../server/src/services/edits";
import { checkerFixes, engineFixes } from "../../server/src/services/fixes";
import { hover } from "../../server/src/services/hover";
import { outline, rename } from "../../server/src/services/navigation";
import { listRace, read, samplesDir } from "../helpers";

const samples = listRace(samplesDir).map((f) => read(join(samplesDir, f)));

describe("quick fixes", () => {
  it("takes the locks in one global order when no single swap is enough", () => {
    const text = "mutex A\nmutex B\ncpu C0 {\n  lock A\n  lock B\n  unlock B\n  unlock A\n}\ncpu C1 {\n  lock B\n  lock A\n  unlock A\n  unlock B\n}\ncpu C2 {\n  lock B\n  lock A\n  unlock A\n  unlock B\n}\n";
    const a = analyze(text);
    expect(a.report!.problems.map((p) => p.cpus.join(","))).toEqual(["C0,C1", "C0,C2"]);
    const fixes = engineFixes(text, a);
    const order = fixes.filter((f) => f.title.startsWith("Take 'A' before 'B' everywhere"));
    expect(order.length).toBeGreaterThan(0);
    const fixed = applyEdits(text, order[0]!.edits);
    expect(analyze(fixed).verdict).toBe("safe");
    // Swapping only one of C1 and C2 leaves the other deadlock: never offered.
    expect(fixes.some((f) => f.title.startsWith("Swap 'lock B' and 'lock A' in C1"))).toBe(false);
  });

  it("adds the missing unlock for a lock held at exit, verified", () => {
    const text = "mutex m\nvar x = 0\ncpu C0 {\n  lock m\n  x = 1\n}\ncpu C1 { lock m; x = 2; unlock m }\n";
    const a = analyze(text);
    const fixes = engineFixes(text, a);
    expect(fixes.map((f) => f.title)).toEqual(["Release 'm' before the end — verified"]);
    expect(applyEdits(text, fixes[0]!.edits)).toBe("mutex m\nvar x = 0\ncpu C0 {\n  lock m\n  x = 1\n  unlock m\n}\ncpu C1 { lock m; x = 2; unlock m }\n");
  });

  it("never offers a fix that introduces a new problem", () => {
    for (const s of samples) {
      const a = analyze(s);
      for (const f of engineFixes(s, a)) {
        const after = analyze(applyEdits(s, f.edits));
        const before = new Set(a.report!.problems.map((p) => `${p.kind}|${p.cpus.join(",")}`));
        for (const p of after.report!.problems) expect(before.has(`${p.kind}|${p.cpus.join(",")}`), f.title).toBe(true);
        expect(after.report!.problems.length).toBeLessThan(a.report!.problems.length);
      }
    }
  });

  it("declares a missing variable", () => {
    const text = "cpu C0 { ready = true }\n";
    const fe = analyzeFrontEnd(text);
    const fixes = checkerFixes(text, fe, fe.diagnostics[0]!);
    expect(fixes.map((f) => applyEdits(text, f.edits))).toEqual(["var ready = false\ncpu C0 { ready = true }\n", "var ready = 0\ncpu C0 { ready = true }\n"]);
  });

  it("rewrites a kernel spelling in the language's words, statement or condition", () => {
    let text = "mutex m\nspinlock l[pf]\nmutex dev_mutex\ncpu C0 {\n  spin_lock_irqsave(&l[pf], flags);\n  if (!mutex_trylock(&m)) { mutex_lock(&m) }\n  mutex_unlock(&m);\n  spin_unlock_irqrestore(&l[pf], flags);\n  mutex_lock(&dev->mutex); mutex_unlock(&dev->mutex)\n}\n";
    for (let fe = analyzeFrontEnd(text); fe.diagnostics.length > 0; fe = analyzeFrontEnd(text)) {
      const fixes = checkerFixes(text, fe, fe.diagnostics[0]!);
      expect(fixes).toHaveLength(1);
      text = applyEdits(text, fixes[0]!.edits);
    }
    expect(text).toBe("mutex m\nspinlock l[pf]\nmutex dev_mutex\ncpu C0 {\n  lock_irqsave l[pf];\n  if (!trylock m) { lock m }\n  unlock m;\n  unlock_irqrestore l[pf];\n  lock dev_mutex; unlock dev_mutex\n}\n");
    expect(analyze(text).verdict).toBe("safe");
  });
});

describe("completion", () => {
  const text = "mutex device_lock[pf, vf0]\nvar bound[pf] = true\nfn f(d) { lock device_lock[] }\ncpu C { f(pf) }\nexpect \n";
  const fe = analyzeFrontEnd(text);
  const labels = (offset: number): string[] => complete(text, offset, fe.ast, fe.checked).map((c) => c.label);

  it("offers instances and parameters inside an index", () => {
    expect(labels(text.indexOf("device_lock[] }") + "device_lock[".length)).toEqual(["pf", "vf0", "d"]);
  });

  it("offers the expectations after expect, and the kinds not listed yet after a comma", () => {
    expect(labels(text.indexOf("expect ") + 7)).toEqual(["deadlock", "violation", "misuse", "safe"]);
    const list = "cpu C { }\nexpect deadlock, ";
    const lfe = analyzeFrontEnd(list);
    expect(complete(list, list.length, lfe.ast, lfe.checked).map((c) => c.label)).toEqual(["violation", "misuse"]);
  });

  it("offers the locals declared above the cursor in enclosing blocks, and rwsems after rtrylock", () => {
    const code = "rwsem s\nmutex m\nfn f() { var a = 0; if a == 0 { var b = true; b = false } var c = 1; c = 2 }\ncpu C { f(); if rtrylock s { runlock s } }";
    const cfe = analyzeFrontEnd(code);
    const at = (needle: string, delta = 0): string[] => complete(code, code.indexOf(needle) + delta, cfe.ast, cfe.checked).map((c) => c.label);
    const inBlock = at("b = false");
    expect(inBlock).toContain("a");
    expect(inBlock).toContain("b");
    expect(inBlock).not.toContain("c");
    const after = at("c = 2");
    expect(after).toContain("c");
    expect(after).not.toContain("b");
    expect(at("rtrylock s", "rtrylock ".length)).toEqual(["s"]);
  });

  it("offers only spinlocks and rwlocks after §10's lock forms (a mutex or rwsem has none: RACE029), only rwlocks after their read forms", () => {
    const code = "mutex m\nrwsem sem\nspinlock s\nrwlock r\ncpu C { lock_irqsave s; unlock_irqrestore s; rlock_bh r; runlock_bh r; lock m; unlock m }";
    const cfe = analyzeFrontEnd(code);
    const at = (needle: string): string[] => complete(code, code.indexOf(needle) + needle.length, cfe.ast, cfe.checked).map((c) => c.label);
    expect(at("lock_irqsave ")).toEqual(["s", "r"]);
    expect(at("rlock_bh ")).toEqual(["r"]);
    expect(at("r; lock ")).toEqual(["m", "sem", "s", "r"]);
  });

  it("offers keywords and names elsewhere", () => {
    const l = labels(text.indexOf("f(pf)"));
    expect(l).toContain("either");
    expect(l).toContain("device_lock");
    expect(l).toContain("bound");
    expect(l).toContain("f");
  });
});

describe("hover and navigation", () => {
  it("says what hover shows before the engine has run", () => {
    const sample = samples.find((s) => s.includes("  lock rescan_remove"))!;
    const fe = analyzeFrontEnd(sample);
    const at = sample.indexOf("  lock rescan_remove") + 3;
    expect(hover(fe, undefined, at)?.markdown).toContain("Lock facts appear once the scenario checks clean");
  });

  it("says a lock declared novalidate is not validated by lockdep", () => {
    const text = "mutex dev_mutex novalidate\ncpu C { lock dev_mutex; unlock dev_mutex }";
    const fe = analyzeFrontEnd(text);
    expect(hover(fe, undefined, text.indexOf("lock dev_mutex") + 6)?.markdown).toContain("Not validated by lockdep (`novalidate`: lockdep_set_novalidate_class())");
    expect(hover(fe, undefined, "mutex dev_mutex ".length + 3)).toBeUndefined();
  });

  it("hovers a local with its type, start value and trace names, and an either with its branches", () => {
    const text = 'var x = 0\nfn f() { var got = 3; x = got }\ncpu C {\n  f()\n  either "kzalloc fails" { x = 1 }\n  or { x = 2 }\n}';
    const fe = analyzeFrontEnd(text);
    const local = hover(fe, undefined, text.indexOf("x = got") + "x = g".length)?.markdown;
    expect(local).toContain("**local variable** `got`: int, starts at `3`");
    expect(local).toContain("`CPU:f#n.got`");
    const a = analyze(text);
    const facts = { lockFacts: a.report!.lockFacts, lockGraph: a.report!.lockGraph, complete: true };
    const either = hover(fe, facts, text.indexOf('"kzalloc'))!.markdown;
    expect(either).toContain('1. `"kzalloc fails"` (line 5)\n2. branch 2 of 2 (line 6)');
    expect(either).toContain("**Locks held on arrival**, per CPU and call path:\n- **C**: no locks");
  });

  it("hovers a statement with how each reader/writer lock is held there, and traces say it too", () => {
    const text = "rwsem s\nmutex m\ncpu R { rlock s; lock m; unlock m; runlock s }\ncpu W { lock s; lock m; unlock m; unlock s }";
    const fe = analyzeFrontEnd(text);
    const a = analyze(text);
    const facts = { lockFacts: a.report!.lockFacts, lockGraph: a.report!.lockGraph, complete: true };
    const md = hover(fe, facts, text.indexOf("lock m; unlock m; runlock") + 1)!.markdown;
    expect(md).toContain("- **R**: always `s (read)`");
    const w = hover(fe, facts, text.indexOf("lock m; unlock m; unlock s") + 1)!.markdown;
    expect(w).toContain("- **W**: always `s (write)`");
  });

  it("hovers expect with what each listed kind covers", () => {
    const text = "cpu C { }\nexpect deadlock, misuse";
    const md = hover(analyzeFrontEnd(text), undefined, text.indexOf("misuse"))!.markdown;
    expect(md).toBe("**expect deadlock, misuse**: met when each of these is found and nothing else is (found ones show as information):\n- `deadlock`: deadlock, hang\n- `misuse`: bad-unlock, lock-held-at-exit, overflow, section-unbalanced, section-open-at-exit, queue-destroyed, queue-draining, kthread-run-twice, remove-self-outside, irq-unbalanced, irq-state-at-exit");
  });

  it("outlines drivers with their callbacks", () => {
    const fe = analyzeFrontEnd("driver d { probe() { } remove() { } }\ncpu C { d.probe(); d.remove() }");
    expect(outline(fe.ast).map((s) => [s.name, s.children.map((c) => c.name)])).toEqual([
      ["d", [".probe()", ".remove()"]],
      ["C", []],
    ]);
  });

  it("renames an object instance across every lock and variable it indexes", () => {
    const text = "mutex device_lock[pf]\nvar bound[pf] = true\ncpu C { lock device_lock[pf]; bound[pf] = false; unlock device_lock[pf] }";
    const fe = analyzeFrontEnd(text);
    const r = rename(fe.checked, text.indexOf("pf"), "pf0");
    expect("edits" in r && applyEdits(text, r.edits)).toBe("mutex device_lock[pf0]\nvar bound[pf0] = true\ncpu C { lock device_lock[pf0]; bound[pf0] = false; unlock device_lock[pf0] }");
  });

  it("renames a driver callback at its declaration and calls, and a CPU", () => {
    const text = "driver d { remove() { } }\ncpu C0 { d.remove() }";
    const fe = analyzeFrontEnd(text);
    const r = rename(fe.checked, text.indexOf("remove"), "release");
    expect("edits" in r && applyEdits(text, r.edits)).toBe("driver d { release() { } }\ncpu C0 { d.release() }");
    const c = rename(fe.checked, text.indexOf("C0"), "CPU0");
    expect("edits" in c && applyEdits(text, c.edits)).toBe("driver d { remove() { } }\ncpu CPU0 { d.remove() }");
  });

  it("does not rename a callback to another callback of its driver", () => {
    const text = "driver d { probe() { } remove() { } }\ndriver e { probe() { } }\ncpu C0 { d.probe(); d.remove(); e.probe() }";
    const fe = analyzeFrontEnd(text);
    expect(rename(fe.checked, text.indexOf("remove"), "probe")).toEqual({ error: "'probe' is already declared." });
    const r = rename(fe.checked, text.indexOf("probe"), "attach");
    expect("edits" in r && applyEdits(text, r.edits)).toBe("driver d { attach() { } remove() { } }\ndriver e { probe() { } }\ncpu C0 { d.attach(); d.remove(); e.probe() }");
  });

  it("renames a parameter only inside its function", () => {
    const text = "mutex l[pf]\nfn f(d) { lock l[d]; unlock l[d] }\nfn g(d) { f(d) }\ncpu C { g(pf) }";
    const fe = analyzeFrontEnd(text);
    const r = rename(fe.checked, text.indexOf("f(d)") + 2, "dev");
    expect("edits" in r && applyEdits(text, r.edits)).toBe("mutex l[pf]\nfn f(dev) { lock l[dev]; unlock l[dev] }\nfn g(d) { f(d) }\ncpu C { g(pf) }");
  });
});
