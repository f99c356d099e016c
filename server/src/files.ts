// Reading the files a scenario imports from the disk, and finding the kernel
// library that ships with the product (library/linux/*.race): beside the
// bundles in an installed extension or package (dist/ → ../library), or in
// the repository when running from source. No configuration: the library is
// wherever this code is.

import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from "node:fs";
import * as path from "node:path";
import type { FileHost, ReadResult } from "./language/program";

/** The directory holding `linux/*.race`, looked for above this module's own directory. */
export function findLibraryDir(start: string = __dirname): string | undefined {
  let dir = start;
  for (let up = 0; up < 6; up++) {
    const candidate = path.join(dir, "library");
    if (existsSync(path.join(candidate, "linux"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** The library's files as imports name them (`linux/pci`), sorted. */
export function listLibrary(dir: string | undefined): string[] {
  if (dir === undefined) return [];
  const out: string[] = [];
  const walk = (sub: string, depth: number): void => {
    if (depth > 4) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = sub === "" ? e.name : `${sub}/${e.name}`;
      if (e.isDirectory()) walk(rel, depth + 1);
      else if (e.isFile() && e.name.endsWith(".race")) out.push(rel.slice(0, -".race".length));
    }
  };
  walk("", 0);
  return out.sort();
}

export function readSourceFile(file: string): ReadResult {
  try {
    const st = statSync(file);
    if (st.isDirectory()) return { error: "directory" };
    if (!st.isFile()) return { error: "unreadable" };
    return { text: readFileSync(file, "utf8") };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { error: code === "ENOENT" || code === "ENOTDIR" ? "missing" : "unreadable" };
  }
}

let library: { dir: string | undefined; names: string[] } | undefined;

/** The library found once per process (it does not change while we run). */
export function installedLibrary(): { dir: string | undefined; names: readonly string[] } {
  if (!library) {
    const dir = findLibraryDir();
    library = { dir, names: listLibrary(dir) };
  }
  return library;
}

/**
 * The disk, with `overlay` first: the language server passes the texts of
 * open documents (unsaved edits win), the checking worker the snapshot the
 * front end read.
 */
export function diskHost(overlay?: (file: string) => string | undefined): FileHost {
  const lib = installedLibrary();
  return {
    read: (file) => {
      const open = overlay?.(file);
      return open !== undefined ? { text: open } : readSourceFile(file);
    },
    libraryDir: lib.dir,
    libraryNames: () => lib.names,
  };
}

/** Only these texts, by absolute path; anything else is missing (the worker: exactly what the front end read). */
export function snapshotHost(files: ReadonlyMap<string, string>): FileHost {
  const lib = installedLibrary();
  return {
    read: (file) => {
      const text = files.get(file);
      return text !== undefined ? { text } : { error: "missing" };
    },
    libraryDir: lib.dir,
    libraryNames: () => lib.names,
  };
}
