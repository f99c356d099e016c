// Several files (race-language.md §11), the front end and what it hands on:
// imports read through a host (here an in-memory one) into one program,
// spans of every file in one address space, `object` and `[*]`, drivers
// passed as arguments; bad input (cycles, missing files, folders, huge
// graphs) answered with a diagnostic in bounded time.

import { describe, expect, it } from "vitest";
import { analyze, analyzeFrontEnd } from "../../server/src/analysis";
import { installedLibrary, readSourceFile } from "../../server/src/files";
import { MAX_IMPORTED_CHARS, MAX_IMPORTED_FILES } from "../../server/src/language/limits";
import type { FileHost } from "../../server/src/language/program";
import { shiftSpans, Sources } from "../../server/src/language/sources";
import { summarize } from "../helpers";

/** Files by absolute path, `/dir/` a folder; the kernel library as installed. */
function memoryHost(files: Record<string, string>, folders: readonly string[] = []): FileHost & { reads: string[] } {
  const reads: string[] = [];
  const lib = installedLibrary();
  return {
    reads,
    read(file) {
      if (lib.dir !== undefined && file.startsWith(lib.dir)) return readSourceFile(file);
      reads.push(file);
      if (folders.includes(file)) return { error: "directory" };
      const text = files[file];
      return text === undefined ? { error: "missing" } : { text };
    },
    libraryDir: lib.dir,
    libraryNames: () => lib.names,
  };
}

const codes = (text: string, host: FileHost, path = "/s/main.race"): string[] => analyzeFrontEnd(text, { path, host }).diagnostics.map((d) => d.code);

describe("sources: one address space for every file of a program", () => {
  const sources = new Sources([
    { path: "/s/main.race", library: undefined, text: "cpu C { }", base: 0 },
    { path: "/s/a.race", library: undefined, text: "mutex m", base: 10 },
    { path: "/lib/linux/pci.race", library: "linux/pci", text: "fn f() { }", base: 18 },
  ]);

  it("says which file a span is in and where in it, the scenario's own offsets unchanged", () => {
    expect(sources.fileAt(0)).toBe(0);
    expect(sources.fileAt(9)).toBe(0); // the end of the scenario's text is still the scenario
    expect(sources.fileAt(10)).toBe(1);
    expect(sources.locate({ start: 16, end: 17 })).toEqual({ file: 1, span: { start: 6, end: 7 } });
    expect(sources.inMain({ start: 4, end: 9 })).toBe(true);
    expect(sources.inMain({ start: 10, end: 11 })).toBe(false);
    expect(sources.where({ start: 21, end: 22 })).toBe("linux/pci:1:4");
    expect(sources.where({ start: 4, end: 5 })).toBe("1:5");
    expect(sources.slice({ start: 16, end: 17 })).toBe("m");
  });

  it("moves every span of a parsed file, keeping the order of its fields, however deep it nests", () => {
    expect(JSON.stringify(shiftSpans({ kind: "X", name: { name: "a", span: { start: 1, end: 2 } }, span: { start: 0, end: 3 } }, 10))).toBe(
      '{"kind":"X","name":{"name":"a","span":{"start":11,"end":12}},"span":{"start":10,"end":13}}',
    );
    let deep: unknown = { span: { start: 0, end: 1 } };
    for (let i = 0; i < 50_000; i++) deep = { operand: deep, span: { start: 0, end: 1 } };
    expect(() => shiftSpans(deep, 5)).not.toThrow();
  });
});

describe("imports", () => {
  it("reads a file beside the scenario and the kernel library by name; a file imported twice is read once", () => {
    const host = memoryHost({
      "/s/a.race": 'import "b.race"\nfn fa() { fb() }\n',
      "/s/b.race": "var n = 0\nfn fb() { n = n + 1 }\n",
      "/s/c.race": 'import "b.race"\nfn fc() { fb() }\n',
    });
    const text = 'import "a.race"\nimport "c.race"\nimport "linux/net"\ncpu C { fa(); fc(); rtnl_lock(); rtnl_unlock() }\nexpect safe\n';
    const fe = analyzeFrontEnd(text, { path: "/s/main.race", host });
    expect(fe.diagnostics).toEqual([]);
    expect(host.reads.filter((r) => r === "/s/b.race")).toHaveLength(1);
    expect(fe.program.sources.files.map((f) => f.library ?? f.path)).toEqual(["/s/main.race", "/s/a.race", "/s/b.race", "/s/c.race", "linux/net"]);
    const a = analyze(text, { source: { path: "/s/main.race", host } });
    expect(a.verdict).toBe("safe");
    expect(a.model!.vars.map((v) => v.name)).toEqual(["n"]);
  });

  it("resolves a path against the importing file, not the scenario", () => {
    const host = memoryHost({ "/s/lib/a.race": 'import "../shared/b.race"\nfn fa() { fb() }\n', "/s/shared/b.race": "fn fb() { }\n" });
    expect(codes('import "lib/a.race"\ncpu C { fa() }\n', host)).toEqual([]);
  });

  it("cannot import a path from a scenario that is not saved, but can import the library", () => {
    const fe = analyzeFrontEnd('import "a.race"\nimport "linux/net"\ncpu C { rtnl_lock(); rtnl_unlock() }\n', { host: memoryHost({}) });
    expect(fe.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["RACE080", "Cannot import 'a.race' from a file that is not saved: a path is found beside the importing file. Save this one first (library imports such as 'linux/driver-core' work anywhere)."],
    ]);
  });

  it("says when a path is a folder, and names the library's files for a name it does not have", () => {
    const host = memoryHost({}, ["/s/dir.race"]);
    const fe = analyzeFrontEnd('import "dir.race"\nimport "linux/../etc/passwd"\ncpu C { }\n', { path: "/s/main.race", host });
    expect(fe.diagnostics.map((d) => d.code)).toEqual(["RACE080", "RACE080"]);
    expect(fe.diagnostics[0]!.message).toContain("it is a folder");
    expect(fe.diagnostics[1]!.message).toMatch(/^The kernel library has no 'linux\/\.\.\/etc\/passwd'; it has 'linux\/driver-core', /);
    // Nothing outside the library was read for a library name.
    expect(host.reads).toEqual(["/s/dir.race"]);
  });

  it("reports a cycle once, where it closes, and stops there", () => {
    const host = memoryHost({ "/s/a.race": 'import "b.race"\nfn fa() { }\n', "/s/b.race": 'import "a.race"\nfn fb() { }\n' });
    const fe = analyzeFrontEnd('import "a.race"\ncpu C { fa(); fb() }\n', { path: "/s/main.race", host });
    expect(fe.diagnostics.map((d) => [d.code, d.message.slice(0, 55)])).toEqual([["RACE081", "In b.race:1:8: Import cycle: a.race → b.race → a.race. "]]);
  });

  it("stops a chain of files at the limit, in bounded time", () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) files[`/s/f${i}.race`] = `import "f${i + 1}.race"\nfn g${i}() { }\n`;
    const host = memoryHost(files);
    const started = performance.now();
    const fe = analyzeFrontEnd('import "f0.race"\ncpu C { g0() }\n', { path: "/s/main.race", host });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(fe.program.sources.files).toHaveLength(MAX_IMPORTED_FILES + 1);
    expect(fe.diagnostics.map((d) => d.code)).toEqual(["RACE083"]);
    expect(host.reads).toHaveLength(MAX_IMPORTED_FILES);
  });

  it("reads a wide graph of diamonds once per file", () => {
    // Each level imports both files of the next: 2^40 paths, 80 files.
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) for (const s of ["a", "b"]) files[`/s/${s}${i}.race`] = i + 1 < 40 ? `import "a${i + 1}.race"\nimport "b${i + 1}.race"\n` : `mutex deepest_${s}\n`;
    const host = memoryHost(files);
    const fe = analyzeFrontEnd('import "a0.race"\nimport "b0.race"\ncpu C { lock deepest_a; unlock deepest_a; lock deepest_b; unlock deepest_b }\n', { path: "/s/main.race", host });
    expect(fe.diagnostics).toEqual([]);
    expect(host.reads).toHaveLength(80);
  });

  it("stops reading past the characters a scenario may import", () => {
    const half = `// ${"x".repeat(MAX_IMPORTED_CHARS / 2)}\n`;
    const host = memoryHost({ "/s/a.race": `${half}fn fa() { }\n`, "/s/b.race": `${half}fn fb() { }\n`, "/s/huge.race": `${half}${half}` });
    const fe = analyzeFrontEnd('import "a.race"\nimport "b.race"\nimport "huge.race"\ncpu C { fa() }\n', { path: "/s/main.race", host });
    expect(fe.diagnostics.map((d) => [d.code, d.message.slice(0, 52)])).toEqual([
      ["RACE083", "The imported files are too large: at most 2,000,000 "],
      ["RACE080", "Cannot import 'huge.race': it has 2,000,008 characte"],
    ]);
  });

  it("names both places of a name declared twice, the scenario's being the duplicate", () => {
    const host = memoryHost({ "/s/a.race": "mutex m\n" });
    const fe = analyzeFrontEnd('import "a.race"\nmutex m\ncpu C { lock m; unlock m }\n', { path: "/s/main.race", host });
    expect(fe.diagnostics.map((d) => [d.code, d.span.start, d.related?.map((r) => fe.program.sources.where(r.span))])).toEqual([["RACE016", 22, ["a.race:1:7"]]]);
  });

  it("does not warn about what an imported file declares and the scenario does not use", () => {
    expect(codes('import "linux/pci"\nobject pf\ndriver d { remove(x) { } }\ncpu C { remove_store(pf, d) }\n', memoryHost({}))).toEqual([]);
  });

  it("takes a file with no CPU, scenario or expect for declarations: no missing CPU, no unused warnings, nothing checked", () => {
    const a = analyze("mutex m\nfn f() { lock m; unlock m }\n");
    expect(a.frontEnd.diagnostics).toEqual([]);
    expect(a.verdict).toBe("declarations");
    expect(a.met).toBe(true);
    expect(a.report).toBeUndefined();
    // With a title it is a scenario, and lacks a CPU.
    expect(analyze('scenario "s"\nmutex m\n').frontEnd.diagnostics.map((d) => d.code)).toContain("RACE030");
  });
});

describe("objects and [*]", () => {
  it("gives a [*] declaration one instance per object of the program, in the order they are first named", () => {
    const host = memoryHost({ "/s/lib.race": "mutex device_lock[*]\nvar bound[*] = true\nfn release(d) { lock device_lock[d]; bound[d] = false; unlock device_lock[d] }\n" });
    const text = 'import "lib.race"\nobject pf\nmutex mine[pf, vf0]\ncpu C { release(pf); release(vf0); lock mine[vf0]; unlock mine[vf0] }\n';
    const a = analyze(text, { source: { path: "/s/main.race", host } });
    expect(a.frontEnd.diagnostics).toEqual([]);
    expect(a.model!.locks.map((l) => l.name)).toEqual(["device_lock[pf]", "device_lock[vf0]", "mine[pf]", "mine[vf0]"]);
    expect(a.model!.vars.map((v) => v.name)).toEqual(["bound[pf]", "bound[vf0]"]);
  });

  it("checks an index against the objects of the scenario", () => {
    const fe = analyzeFrontEnd("mutex l[*]\nobject pf\ncpu C { lock l[vf9]; unlock l[vf9] }\n");
    const unknown = "Unknown name 'vf9': not a parameter here nor an object of the scenario (named in an instance list or an 'object' declaration).";
    expect(fe.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["RACE015", unknown],
      ["RACE015", unknown],
    ]);
  });

  it("has no instance at all when the scenario names no object", () => {
    const fe = analyzeFrontEnd("mutex l[*]\ncpu C { lock l; unlock l }\n");
    expect(fe.diagnostics.map((d) => d.code)).toEqual(["RACE023", "RACE023"]);
  });
});

describe("drivers as arguments", () => {
  const lib = "mutex device_lock[*]\nfn release(d, drv) { lock device_lock[d]; drv.remove(d); unlock device_lock[d] }\n";

  it("calls the callback of whichever driver is passed, and traces it by its name", () => {
    const text = `${lib}object pf, vf0\nvar n = 0\ndriver pf_drv { remove(d) { n = n + 1 } }\ndriver vf_drv { remove(d) { n = n + 10 } }\ncpu C { release(pf, pf_drv); release(vf0, vf_drv); assert n == 11 "each driver's remove ran once" }\nexpect safe\n`;
    const a = analyze(text);
    expect(a.frontEnd.diagnostics).toEqual([]);
    expect(a.verdict).toBe("safe");
    const frames = a.model!.cpus[0]!.code.flatMap((i) => i.stack.map((f) => f.fn));
    expect([...new Set(frames)]).toEqual(["release(pf, pf_drv)", "pf_drv.remove(pf)", "release(vf0, vf_drv)", "vf_drv.remove(vf0)"]);
  });

  it("finds a deadlock through a driver's callback reached by argument", () => {
    const text = `${lib}object pf\ndriver drv { remove(d) { lock device_lock[d] } }\ncpu C { release(pf, drv) }\nexpect deadlock\n`;
    expect(summarize(analyze(text))).toEqual(["deadlock [C] 1 steps"]);
  });

  it("reports a callback the passed driver lacks at the call that passed it", () => {
    const text = `${lib}object pf\ndriver drv { probe(d) { } }\ncpu C { release(pf, drv) }\n`;
    const fe = analyzeFrontEnd(text);
    const missing = fe.diagnostics.filter((d) => d.code === "RACE014");
    expect(missing.map((d) => [d.message, d.related?.map((r) => [r.message, text.slice(r.span.start, r.span.end)])])).toEqual([["Driver 'drv' has no callback 'remove'; add 'remove(…) { … }' to it.", [["'drv' is passed here", "drv"]]]]);
  });

  it("finds recursion that only a driver argument closes, instead of expanding for ever", () => {
    const text = "object pf\nfn release(d, drv) { drv.remove(d) }\ndriver drv { remove(d) { release(d, drv) } }\ncpu C { release(pf, drv) }\n";
    const a = analyze(text);
    expect(a.frontEnd.diagnostics.map((d) => [d.code, d.message])).toEqual([["RACE028", "Recursion is not allowed (calls are expanded at compile time): drv.remove → release → drv.remove."]]);
    expect(a.verdict).toBe("invalid");
  });

  it("does not call a callback unused when a library function calls it through its driver argument", () => {
    const host = memoryHost({ "/s/lib.race": lib });
    expect(codes('import "lib.race"\nobject pf\ndriver drv { remove(d) { } }\ncpu C { release(pf, drv) }\n', host)).toEqual([]);
  });
});
