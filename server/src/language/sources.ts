// The files of a program (race-language.md §11: a scenario and what it
// imports) and where each one's offsets live. A Span is an offset range in
// one address space shared by every file of the program: the scenario's own
// text at offset 0, as it always was, and each imported file after it at a
// base of its own, one offset past the end of the file before (so that no
// offset belongs to two files). Nothing between parsing and the editor or
// the CLI needs to know which file a span is in: the engine, its traces and
// the checker pass spans through unchanged. At the edges, `Sources` says
// which file a span is in and where in it (the way a compiler's source map
// does), and a consumer that only knows the scenario's text never sees an
// offset of another file inside that text.

import { LineIndex, span, type LineRange, type Position, type Span } from "./span";

/**
 * What a report needs to place a span: its range and position in its own
 * file and, when that is not the scenario, the file's name (a path, a
 * URI: whatever the consumer names files by). A LineIndex is one, for a
 * single file.
 */
export interface Locator {
  range(s: Span): LineRange;
  position(offset: number): Position;
  /** The name of the file `s` is in, when it is not the scenario itself. */
  file?(s: Span): string | undefined;
}

export interface SourceText {
  /** The file's absolute path; undefined for a scenario not saved anywhere. */
  readonly path: string | undefined;
  /** For a file of the kernel library, the name it is imported by: `linux/pci`. */
  readonly library: string | undefined;
  readonly text: string;
  /** Where the file's offsets start among the program's spans. */
  readonly base: number;
}

/** A span as its own file sees it. */
export interface LocatedSpan {
  /** Index in Sources.files (0: the scenario). */
  readonly file: number;
  readonly span: Span;
}

export class Sources {
  private readonly lineIndexes: (LineIndex | undefined)[] = [];

  /** files[0] is the scenario itself, at base 0; the others follow in the order they were loaded. */
  constructor(readonly files: readonly SourceText[]) {
    if (files.length === 0 || files[0]!.base !== 0) throw new Error("Sources: the scenario comes first, at offset 0");
  }

  /** One file on its own: the scenario, nothing imported. */
  static single(text: string, path?: string): Sources {
    return new Sources([{ path, library: undefined, text, base: 0 }]);
  }

  /** Where the next file would start. */
  get end(): number {
    const last = this.files[this.files.length - 1]!;
    return last.base + last.text.length + 1;
  }

  get main(): SourceText {
    return this.files[0]!;
  }

  /** The file an offset belongs to: the last one whose base is at or before it. */
  fileAt(offset: number): number {
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.files[mid]!.base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Is the span in the scenario's own text? */
  inMain(s: Span): boolean {
    return s.start <= this.main.text.length;
  }

  locate(s: Span): LocatedSpan {
    const file = this.fileAt(s.start);
    const base = this.files[file]!.base;
    return { file, span: span(s.start - base, s.end - base) };
  }

  lines(file: number): LineIndex {
    return (this.lineIndexes[file] ??= new LineIndex(this.files[file]!.text));
  }

  /** A span's start in its own file. */
  position(s: Span): { readonly file: number; readonly position: Position } {
    const at = this.locate(s);
    return { file: at.file, position: this.lines(at.file).position(at.span.start) };
  }

  /** The text a span covers, in whichever file it is. */
  slice(s: Span): string {
    const at = this.locate(s);
    return this.files[at.file]!.text.slice(at.span.start, at.span.end);
  }

  /** How messages name a file: the library name (`linux/pci`), else the file name. */
  displayName(file: number): string {
    const f = this.files[file]!;
    if (f.library !== undefined) return f.library;
    return f.path === undefined ? "this file" : (f.path.split(/[\\/]/).pop() ?? f.path);
  }

  /** Ranges in their own files; `nameOf` names each file but the scenario. */
  locator(nameOf: (file: number) => string): Locator {
    return {
      range: (s) => {
        const at = this.locate(s);
        return this.lines(at.file).range(at.span);
      },
      position: (offset) => {
        const file = this.fileAt(offset);
        return this.lines(file).position(offset - this.files[file]!.base);
      },
      file: (s) => {
        const file = this.fileAt(s.start);
        return file === 0 ? undefined : nameOf(file);
      },
    };
  }

  /** `3:5` in the scenario, `linux/pci:12:3` in another file (1-based), for sentences. */
  where(s: Span): string {
    const { file, position } = this.position(s);
    const lc = `${position.line + 1}:${position.character + 1}`;
    return file === 0 ? lc : `${this.displayName(file)}:${lc}`;
  }
}

/**
 * A copy of `value` with every span in it (an object with exactly the
 * numeric fields `start` and `end`) moved by `delta`: how a file's AST and
 * diagnostics, parsed on their own, take their place among the program's
 * spans. Iterative, because a rejected expression may nest thousands deep.
 */
export function shiftSpans<T>(value: T, delta: number): T {
  if (delta === 0) return value;
  const root: Record<string, unknown> = {};
  const todo: [unknown, Record<string | number, unknown>, string | number][] = [[value, root, "value"]];
  for (let job = todo.pop(); job; job = todo.pop()) {
    const [from, into, key] = job;
    if (from === null || typeof from !== "object") {
      into[key] = from;
    } else if (Array.isArray(from)) {
      const copy: unknown[] = new Array<unknown>(from.length);
      into[key] = copy;
      from.forEach((x, i) => todo.push([x, copy as unknown as Record<number, unknown>, i]));
    } else {
      const o = from as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 2 && typeof o["start"] === "number" && typeof o["end"] === "number") {
        into[key] = { start: o["start"] + delta, end: o["end"] + delta };
      } else {
        const copy: Record<string, unknown> = {};
        into[key] = copy;
        // Keys in their order, values filled in as the work list gets to them.
        for (const k of keys) copy[k] = undefined;
        for (const k of keys) todo.push([o[k], copy, k]);
      }
    }
  }
  return root["value"] as T;
}
