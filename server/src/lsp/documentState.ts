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
  /** The verified fixes of this version's summary have arrived. */
  fixesDone = false;
  private fixWaiters: (() => void)[] = [];

  constructor(
    readonly uri: string,
    readonly version: number,
    readonly text: string,
  ) {
    this.lines = new LineIndex(text);
    this.frontEnd = analyzeFrontEnd(text);
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
