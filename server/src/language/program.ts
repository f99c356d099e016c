// A scenario and the files it imports (race-language.md §11), read into one
// program: each file parsed on its own, its spans moved to its place among
// the program's (sources.ts), what an imported file may not declare taken
// out with a diagnostic, and every `[*]` declaration given one instance per
// object of the program. The binder, the checker and the compiler then see
// one list of items, the imported files' first (in the order they were
// imported) and the scenario's last, so that a name the scenario declares
// again is reported in the scenario, beside the library's declaration.
//
// Files are read through a FileHost (the CLI reads the disk, the language
// server its open documents first, its worker a snapshot), so this module
// does no input or output of its own. Bad input is bounded: each file is
// read once however often it is imported, an import of a file on the chain
// that imports it is a cycle, and past MAX_IMPORTED_FILES files or
// MAX_IMPORTED_CHARS characters nothing more is read.

import * as path from "node:path";
import type * as A from "./ast";
import { unreachable } from "./ast";
import { MAX_IMPORTED_CHARS, MAX_IMPORTED_FILES } from "./limits";
import { diagnostic, type Diagnostic, type ImportProblem } from "./messages";
import { parse, type ParseResult } from "./parse";
import { shiftSpans, Sources, type SourceText } from "./sources";
import { span, type Span } from "./span";

export type ReadResult = { readonly text: string } | { readonly error: "missing" | "directory" | "unreadable" };

/** Where the files of a program come from. */
export interface FileHost {
  /** The text of the file at this absolute path, or why there is none. */
  read(file: string): ReadResult;
  /** The kernel library's directory (its files are `linux/*.race` in it), if it was found. */
  readonly libraryDir: string | undefined;
  /** The library's files by the name an import gives them (`linux/pci`), sorted. */
  libraryNames(): readonly string[];
}

/** Where a scenario's text comes from: its path (for imports beside it) and how to read the files it imports. */
export interface SourceContext {
  readonly path?: string;
  readonly host?: FileHost;
}

export interface Program {
  readonly sources: Sources;
  /** Every file's items, the imported files' first and the scenario's last; `[*]` filled in. */
  readonly ast: A.SourceFile;
  /** The scenario's own items (`[*]` filled in), as its text has them. */
  readonly main: A.SourceFile;
  /** Parse diagnostics of every file and what reading the imports found, in program spans. */
  readonly diagnostics: readonly Diagnostic[];
  /** Where parsing of the scenario itself stopped early (parse.ts cutAt). */
  readonly cutAt: number | undefined;
  /**
   * For each file (by index in sources.files), the import that first brought
   * it in (a span in the importing file); undefined for the scenario.
   */
  readonly via: readonly (Span | undefined)[];
  /** The scenario has nothing to run and claims nothing: a file of declarations for others to import. */
  readonly declarationsOnly: boolean;
  /** Files an import named that could not be read (missing, a folder, …): an editor watches for them to appear. */
  readonly unread: readonly string[];
  /** Every import that brought in a file or named one already read (not a cycle): its string's span and the file (index in sources.files). */
  readonly imported: readonly { readonly span: Span; readonly file: number }[];
}

/** What each kind of item may do in an imported file (race-language.md §11): a new kind must say. */
const ALLOWED_IN_IMPORT: { readonly [K in A.Item["kind"]]: boolean } = {
  ScenarioDecl: false,
  CpuDecl: false,
  ExpectDecl: false,
  // An interrupt handler names the CPU it interrupts: the scenario's (race-language.md §10).
  HandlerDecl: false,
  LockDecl: true,
  VarDecl: true,
  FnDecl: true,
  DriverDecl: true,
  WorkqueueDecl: true,
  WorkDecl: true,
  KthreadDecl: true,
  PrimitiveDecl: true,
  ImportDecl: true,
  ObjectDecl: true,
};

/** The word an item starts with, as a diagnostic names it. */
function itemWord(item: A.Item): string {
  switch (item.kind) {
    case "ScenarioDecl":
      return "scenario";
    case "CpuDecl":
      return "cpu";
    case "ExpectDecl":
      return "expect";
    case "HandlerDecl":
      return item.context;
    case "LockDecl":
      return item.lockKind;
    case "VarDecl":
      return "var";
    case "FnDecl":
      return "fn";
    case "DriverDecl":
      return "driver";
    case "WorkqueueDecl":
      return "workqueue";
    case "WorkDecl":
      return "work";
    case "KthreadDecl":
      return "kthread";
    case "PrimitiveDecl":
      return item.what;
    case "ImportDecl":
      return "import";
    case "ObjectDecl":
      return "object";
    default:
      return unreachable(item);
  }
}

/** A library name: words of letters, digits, `_` and `-`, separated by `/`. */
const LIBRARY_NAME = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

export type Resolved = { readonly file: string; readonly library: string | undefined } | { readonly problem: ImportProblem };

/**
 * What `import "spec"` in the file at `from` names: a path ending in
 * `.race` is a file relative to the importing one; a name without `.race`
 * that does not start with `.` or `/` is a file of the kernel library.
 */
export function resolveImport(spec: string, from: string | undefined, host: FileHost): Resolved {
  if (spec.trim() === "") return { problem: { kind: "empty" } };
  const isPath = spec.endsWith(".race") || spec.startsWith(".") || path.isAbsolute(spec) || spec.includes("\\");
  if (!isPath) {
    if (host.libraryDir === undefined) return { problem: { kind: "noLibrary", spec } };
    const names = host.libraryNames();
    if (!LIBRARY_NAME.test(spec) || !names.includes(spec)) return { problem: { kind: "noLibraryFile", spec, names } };
    return { file: path.join(host.libraryDir, `${spec}.race`), library: spec };
  }
  if (!spec.endsWith(".race")) return { problem: { kind: "notRace", spec } };
  if (from === undefined) return { problem: { kind: "unsaved", spec } };
  const file = path.resolve(path.dirname(from), spec);
  const library = libraryNameOf(file, host);
  return { file, library };
}

/** A file of the library imported by its path is still a library file. */
function libraryNameOf(file: string, host: FileHost): string | undefined {
  if (host.libraryDir === undefined) return undefined;
  const rel = path.relative(host.libraryDir, file);
  if (rel.startsWith("..") || path.isAbsolute(rel) || !rel.endsWith(".race")) return undefined;
  const name = rel.slice(0, -".race".length).split(path.sep).join("/");
  return host.libraryNames().includes(name) ? name : undefined;
}

/** A host that reads nothing: what a scenario without a context imports from. */
export const NO_FILES: FileHost = { read: () => ({ error: "missing" }), libraryDir: undefined, libraryNames: () => [] };

// Parsed files by path and text: the library is parsed once, not on every keystroke.
const parsedCache = new Map<string, { text: string; parsed: ParseResult }>();
const PARSED_CACHE_SIZE = 128;

function parseCached(file: string, text: string): ParseResult {
  const hit = parsedCache.get(file);
  if (hit && hit.text === text) return hit.parsed;
  const parsed = parse(text);
  if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.delete(parsedCache.keys().next().value!);
  parsedCache.set(file, { text, parsed });
  return parsed;
}

interface Loaded {
  readonly source: SourceText;
  /** Its AST and parse diagnostics, moved to its base. */
  readonly ast: A.SourceFile;
  readonly diagnostics: readonly Diagnostic[];
  /** The files it imports (indexes), in the order it imports them. */
  readonly imports: number[];
}

/** Reads the scenario and everything it imports, then makes one program of them. */
export function loadProgram(text: string, context: SourceContext = {}): Program {
  const host = context.host ?? NO_FILES;
  const mainPath = context.path === undefined ? undefined : path.resolve(context.path);
  const mainParsed = parse(text);
  const files: Loaded[] = [{ source: { path: mainPath, library: mainPath ? libraryNameOf(mainPath, host) : undefined, text, base: 0 }, ast: mainParsed.ast, diagnostics: mainParsed.diagnostics, imports: [] }];
  const byPath = new Map<string, number>(mainPath ? [[mainPath, 0]] : []);
  const via: (Span | undefined)[] = [undefined];
  const problems: Diagnostic[] = [];
  const unread: string[] = [];
  const imported: { span: Span; file: number }[] = [];
  let base = text.length + 1;
  let chars = 0;
  let limitReported = false;

  // Depth first, so that the files on the current chain are the ones a cycle goes through.
  const visit = (index: number, chain: number[]): void => {
    const importer = files[index]!;
    for (const item of importer.ast.items) {
      if (item.kind !== "ImportDecl") continue;
      const r = resolveImport(item.path, importer.source.path, host);
      if ("problem" in r) {
        problems.push(diagnostic("cannotImport", item.pathSpan, r.problem));
        continue;
      }
      const known = byPath.get(r.file);
      if (known !== undefined) {
        if (chain.includes(known)) {
          const names = [...chain.slice(chain.indexOf(known)), known].map((i) => nameOf(files[i]!.source));
          problems.push(diagnostic("importCycle", item.pathSpan, names));
        } else {
          importer.imports.push(known);
          imported.push({ span: item.pathSpan, file: known });
        }
        continue;
      }
      if (files.length > MAX_IMPORTED_FILES) {
        if (!limitReported) problems.push(diagnostic("importLimit", item.pathSpan, { kind: "files", max: MAX_IMPORTED_FILES }));
        limitReported = true;
        continue;
      }
      const read = host.read(r.file);
      if ("error" in read) {
        problems.push(diagnostic("cannotImport", item.pathSpan, { kind: read.error, spec: item.path }));
        unread.push(r.file);
        continue;
      }
      if (chars + read.text.length > MAX_IMPORTED_CHARS) {
        problems.push(
          read.text.length > MAX_IMPORTED_CHARS
            ? diagnostic("cannotImport", item.pathSpan, { kind: "tooLarge", spec: item.path, size: read.text.length, max: MAX_IMPORTED_CHARS })
            : diagnostic("importLimit", item.pathSpan, { kind: "chars", max: MAX_IMPORTED_CHARS }),
        );
        continue;
      }
      chars += read.text.length;
      const parsed = parseCached(r.file, read.text);
      const loaded: Loaded = {
        source: { path: r.file, library: r.library, text: read.text, base },
        ast: shiftSpans(parsed.ast, base),
        diagnostics: shiftSpans(parsed.diagnostics, base),
        imports: [],
      };
      base += read.text.length + 1;
      const at = files.length;
      files.push(loaded);
      byPath.set(r.file, at);
      via.push(item.pathSpan);
      importer.imports.push(at);
      imported.push({ span: item.pathSpan, file: at });
      visit(at, [...chain, at]);
    }
  };
  visit(0, [0]);

  const sources = new Sources(files.map((f) => f.source));
  return { ...assemble(files, sources, via, [...files.flatMap((f) => f.diagnostics), ...problems], mainParsed.cutAt), unread, imported };
}

function nameOf(s: SourceText): string {
  if (s.library !== undefined) return s.library;
  return s.path === undefined ? "(this file)" : path.basename(s.path);
}

/** The items of every file in one list (imported files first, each after what it imports), `[*]` filled in. */
function assemble(files: readonly Loaded[], sources: Sources, via: readonly (Span | undefined)[], diagnostics: Diagnostic[], cutAt: number | undefined): Omit<Program, "unread" | "imported"> {
  const order: number[] = [];
  const placed = new Set<number>();
  const place = (i: number): void => {
    // Imports form a tree here (a cycle was cut where it closed), so this ends; iterative anyway for long chains.
    const todo: { file: number; next: number }[] = [{ file: i, next: 0 }];
    placed.add(i);
    while (todo.length > 0) {
      const top = todo[todo.length - 1]!;
      const imports = files[top.file]!.imports;
      if (top.next < imports.length) {
        const j = imports[top.next++]!;
        if (!placed.has(j)) {
          placed.add(j);
          todo.push({ file: j, next: 0 });
        }
        continue;
      }
      todo.pop();
      order.push(top.file);
    }
  };
  place(0);
  const items: A.Item[] = [];
  for (const i of order) {
    for (const item of files[i]!.ast.items) {
      if (i !== 0 && !ALLOWED_IN_IMPORT[item.kind]) {
        const word = itemWord(item);
        diagnostics.push(diagnostic("notInImport", span(item.span.start, item.span.start + (item.kind === "LockDecl" ? item.span.end - item.span.start : word.length)), word, nameOf(files[i]!.source)));
        continue;
      }
      items.push(item);
    }
  }
  const objects = objectsOf(items);
  const filled = items.map((item) => withObjects(item, objects));
  const mainItems = filled.filter((item) => sources.inMain(item.span));
  const mainAst = files[0]!.ast;
  const declarationsOnly = mainItems.length > 0 && !mainItems.some((item) => item.kind === "CpuDecl" || item.kind === "ScenarioDecl" || item.kind === "ExpectDecl");
  return {
    sources,
    ast: { kind: "SourceFile", items: filled, span: span(0, sources.end) },
    main: { ...mainAst, items: mainItems },
    diagnostics,
    cutAt,
    via,
    declarationsOnly,
  };
}

/** Every object of the program, by its first mention: `object` declarations and explicit instance lists. */
function objectsOf(items: readonly A.Item[]): string[] {
  const seen = new Set<string>();
  const add = (list: readonly A.Ident[] | undefined): void => {
    for (const id of list ?? []) if (id.name !== "") seen.add(id.name);
  };
  for (const item of items) {
    if (item.kind === "ObjectDecl") add(item.names);
    else if ((item.kind === "LockDecl" || item.kind === "VarDecl" || item.kind === "WorkDecl" || item.kind === "PrimitiveDecl") && item.star === undefined) add(item.instances);
  }
  return [...seen];
}

/** A `[*]` declaration with one instance per object, each named at the star. */
function withObjects(item: A.Item, objects: readonly string[]): A.Item {
  if (!("star" in item) || item.star === undefined) return item;
  const at = item.star;
  return { ...item, instances: objects.map((name) => ({ name, span: at })) };
}

/** The import in the scenario through which file `file` was loaded (following imports of imports back). */
export function importInMain(program: Pick<Program, "sources" | "via">, file: number): Span | undefined {
  let at = program.via[file];
  for (let guard = 0; at !== undefined && !program.sources.inMain(at) && guard < program.via.length; guard++) at = program.via[program.sources.fileAt(at.start)];
  return at !== undefined && program.sources.inMain(at) ? at : undefined;
}
