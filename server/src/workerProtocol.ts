// Messages between the language server and its checking worker. Everything
// here is plain data (structured-clone safe).

import type { Verdict } from "./analysis";
import type { Coverage } from "./coverage";
import type { ExploreOptions, Stats } from "./engine/explore";
import type { LockGraph } from "./engine/lockgraph";
import type { LockIrqUsage, Problem, SiteFacts } from "./engine/report";
import type { IrqReport } from "./engine/irqReport";
import type { Expectation } from "./language/ast";
import type { Diagnostic } from "./language/messages";
import type { Fix } from "./services/fixes";

/**
 * Where a scenario's imports come from (race-language.md §11): its path, and
 * the text of every file the front end read for it (open documents as
 * edited, the rest from the disk), so that the worker checks exactly that.
 */
export interface CheckSource {
  readonly path: string | undefined;
  readonly files: readonly (readonly [path: string, text: string])[];
}

export interface CheckRequest {
  readonly id: number;
  readonly text: string;
  readonly source?: CheckSource;
  readonly maxStates: number;
  readonly timeoutMs: number;
  /** Int32Array over this buffer: [0] set to 1 by the server cancels the job. */
  readonly cancel: SharedArrayBuffer;
}

export interface CheckSummary {
  readonly verdict: Verdict;
  readonly met: boolean;
  readonly expectation: Expectation;
  readonly diagnostics: readonly Diagnostic[];
  readonly findings: readonly { readonly problem: Problem; readonly expected: boolean }[];
  readonly lockFacts: readonly SiteFacts[];
  readonly lockGraph: LockGraph | undefined;
  /** §10: lockdep's irq usage per lock and its irq reports (for hover). */
  readonly irqUsage: readonly LockIrqUsage[];
  readonly irqReports: readonly IrqReport[];
  readonly stats: Stats | undefined;
  /** Every thread; an interrupt handler (§10) says the CPU it runs on and its kind. */
  readonly cpus: readonly { readonly name: string; readonly label: string | undefined; readonly on?: string; readonly context?: "hardirq" | "softirq" }[];
  readonly fixes: readonly Fix[];
  readonly coverage: Coverage | undefined;
  /** Set when the check itself failed (out of memory, a crash): what to show instead of a verdict. */
  readonly failure?: string;
}

export type CheckReply =
  | { readonly id: number; readonly kind: "done"; readonly summary: CheckSummary }
  /** Sent after "done": the verified quick fixes, which take longer than the verdict. */
  | { readonly id: number; readonly kind: "fixes"; readonly fixes: readonly Fix[] }
  | { readonly id: number; readonly kind: "cancelled" }
  | { readonly id: number; readonly kind: "error"; readonly message: string }
  /** The engine could not allocate (a typed array beyond what the system gives): as if the heap ran out. */
  | { readonly id: number; readonly kind: "out-of-memory"; readonly message: string };

export type CheckOptions = Pick<ExploreOptions, "maxStates" | "timeoutMs">;
