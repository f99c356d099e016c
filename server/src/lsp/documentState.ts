// What the server knows about one open document: its text and version, the
// front end's result for that version (computed on every change, and again
// when a file it imports changes), and the engine's summary with the check
// it was computed for. Its spans may be in files it imports
// (race-language.md §11): `locate` says which document and where.

import type { Location } from "vscode-languageserver";
import { analyzeFrontEnd, type FrontEnd } from "../analysis";
import type { FileHost, SourceContext } from "../language/program";
import type { Locator } from "../language/sources";
import { LineIndex, type Span } from "../language/span";
import type { CheckSource, CheckSummary } from "../workerProtocol";
import { pathOfUri, uriOfPath } from "./uris";

let stamps = 0;

export class DocumentState {
  readonly lines: LineIndex;
  readonly frontEnd: FrontEnd;
  /** The document's path (file: URIs only): where its imports are found. */
  readonly path: string | undefined;
  /** How its imports were read: for whatever analyzes its text again (a model, a trace file). */
  readonly source: SourceContext;
  /**
   * New for every state made: what a check is matched with. The version
   * alone is not enough: an edit in an imported file makes a new state of
   * the same version.
   */
  readonly stamp = ++stamps;
  summary: CheckSummary | undefined;
  checking = false;
  /** The verified fixes of this version's summary have arrived. */
  fixesDone = false;
  private fixWaiters: (() => void)[] = [];

  constructor(
    readonly uri: string,
    readonly version: number,
    readonly text: string,
    host?: FileHost,
  ) {
    this.lines = new LineIndex(text);
    this.path = pathOfUri(uri);
    this.source = { path: this.path, host };
    this.frontEnd = analyzeFrontEnd(text, this.source);
  }

  /** The URI of file `file` of the program (0: this document). */
  uriOf(file: number): string {
    const path = this.frontEnd.program.sources.files[file]?.path;
    return file === 0 || path === undefined ? this.uri : uriOfPath(path);
  }

  /** Where a program span is: in this document, or in a file it imports. */
  locate(s: Span): Location {
    const sources = this.frontEnd.program.sources;
    if (sources.inMain(s)) return { uri: this.uri, range: this.lines.range(s) };
    const at = sources.locate(s);
    return { uri: this.uriOf(at.file), range: sources.lines(at.file).range(at.span) };
  }

  /** Ranges in their own files, imported files named by URI (trace payloads). */
  locator(): Locator {
    return this.frontEnd.program.sources.locator((file) => this.uriOf(file));
  }

  /** The paths of the files it imports, directly or not, and of those it could not read (they may appear). */
  imports(): string[] {
    const program = this.frontEnd.program;
    return [...program.sources.files.slice(1).flatMap((f) => (f.path === undefined ? [] : [f.path])), ...program.unread];
  }

  /** Is this file one of the kernel library's (read-only: nothing edits it)? */
  inLibrary(s: Span): boolean {
    const sources = this.frontEnd.program.sources;
    return sources.files[sources.fileAt(s.start)]!.library !== undefined;
  }

  /** What the checking worker needs to see the same imports: every imported file's text as read. */
  checkSource(): CheckSource {
    const files = this.frontEnd.program.sources.files.slice(1).flatMap((f) => (f.path === undefined ? [] : [[f.path, f.text] as const]));
    return { path: this.path, files };
  }

  /** Resolves when this version's fixes arrive, or after `ms` at the latest. */
  waitForFixes(ms: number): Promise<void> {
    if (this.fixesDone) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.fixWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  fixesArrived(): void {
    this.fixesDone = true;
    for (const w of this.fixWaiters.splice(0)) w();
  }
}
