// What the server knows about one open document: its text and version, the
// front end's result for that version (computed on every change), and the
// engine's summary with the version it was computed for.

import { analyzeFrontEnd, type FrontEnd } from "../analysis";
import { LineIndex } from "../language/span";
import type { CheckSummary } from "../workerProtocol";

export class DocumentState {
  readonly lines: LineIndex;
  readonly frontEnd: FrontEnd;
  summary: CheckSummary | undefined;
  checking = false;

  constructor(
    readonly uri: string,
    readonly version: number,
    readonly text: string,
  ) {
    this.lines = new LineIndex(text);
    this.frontEnd = analyzeFrontEnd(text);
  }

  /** The engine summary if it belongs to this very version. */
  get current(): CheckSummary | undefined {
    return this.summary;
  }
}
