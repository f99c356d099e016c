// Schedules engine checks: one worker thread, a debounce per document, the
// newest version of a document replacing (and cancelling) any older one.
// Results come back with the version they were computed for; the caller
// decides whether that version is still current.
//
// The worker's JS heap is capped (workerMemoryMb), so a runaway check (an
// exponential call expansion, a huge state budget) ends in
// ERR_WORKER_OUT_OF_MEMORY for the worker alone, never an out-of-memory
// crash of the language server. A worker that dies is replaced at the next
// job; the job it had is reported as failed (out of memory, or crashed), so
// the document shows why it has no verdict, and the next edit is checked by
// a fresh worker.

import { Worker } from "node:worker_threads";
import type { FrontEnd } from "./analysis";
import { diagnostic } from "./language/messages";
import { span } from "./language/span";
import type { Fix } from "./services/fixes";
import type { CheckOptions, CheckReply, CheckSource, CheckSummary } from "./workerProtocol";

/**
 * The default cap on the worker's old generation. The engine's state store
 * lives in typed arrays outside this heap and is bounded by maxStates; what
 * the heap holds (compiled models, queues, traces, fix re-checks) stays far
 * below 2 GB for any scenario that can finish, and 2 GB is at or under V8's
 * own default on 64-bit machines with a few GB of memory, so the cap is what
 * stops a runaway first.
 */
export const DEFAULT_WORKER_MEMORY_MB = 2048;
/** Smaller caps would not leave room to load the checker. */
export const MIN_WORKER_MEMORY_MB = 32;

export type CheckFailure = { readonly kind: "out-of-memory"; readonly limitMb: number } | { readonly kind: "crashed"; readonly message: string };

interface Job {
  readonly id: number;
  readonly uri: string;
  readonly version: number;
  readonly text: string;
  readonly source: CheckSource | undefined;
  readonly cancel: SharedArrayBuffer;
}

export interface SchedulerEvents {
  started(uri: string, version: number): void;
  /** The verdict: summary undefined when cancelled or failed (then `failure` says how). */
  finished(uri: string, version: number, summary: CheckSummary | undefined, failure?: CheckFailure): void;
  /** Verified quick fixes for a version whose summary was delivered. */
  fixes(uri: string, version: number, fixes: readonly Fix[]): void;
}

export type SchedulerOptions = CheckOptions & { debounceMs: number; workerMemoryMb: number };

export class CheckScheduler {
  private worker: Worker | undefined;
  /** The heap cap the current worker was started with. */
  private workerMemoryMb = 0;
  private nextId = 1;
  private running: Job | undefined;
  /** The running job's verdict was delivered; it is verifying fixes. */
  private delivered = false;
  private readonly pending = new Map<string, Job>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly workerPath: string,
    private readonly events: SchedulerEvents,
    public options: SchedulerOptions,
  ) {}

  /**
   * Checks `text` after the debounce delay (0: at once), superseding older
   * versions. `version` is any number that changes when what is checked
   * changes (the server's, which also changes when an imported file does).
   */
  schedule(uri: string, version: number, text: string, delayMs = this.options.debounceMs, source?: CheckSource): void {
    clearTimeout(this.timers.get(uri));
    if (this.running?.uri === uri && this.running.version !== version) this.cancelRunning();
    this.pending.delete(uri);
    const enqueue = (): void => {
      this.timers.delete(uri);
      this.pending.set(uri, { id: this.nextId++, uri, version, text, source, cancel: new SharedArrayBuffer(4) });
      this.pump();
    };
    if (delayMs <= 0) enqueue();
    else this.timers.set(uri, setTimeout(enqueue, delayMs));
  }

  forget(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.pending.delete(uri);
    if (this.running?.uri === uri) this.cancelRunning();
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
  }

  private cancelRunning(): void {
    if (this.running) Atomics.store(new Int32Array(this.running.cancel), 0, 1);
  }

  private memoryLimitMb(): number {
    return Math.max(MIN_WORKER_MEMORY_MB, Math.round(this.options.workerMemoryMb));
  }

  private ensureWorker(): Worker {
    const limitMb = this.memoryLimitMb();
    if (this.worker && this.workerMemoryMb === limitMb) return this.worker;
    if (this.worker) {
      // The setting changed: limits are fixed when a worker starts. (Only called between jobs.)
      const old = this.worker;
      this.worker = undefined;
      void old.terminate();
    }
    // As for the server's main thread: a larger young generation for the engine's garbage.
    const w = new Worker(this.workerPath, { resourceLimits: { maxYoungGenerationSizeMb: 192, maxOldGenerationSizeMb: limitMb } });
    w.on("message", (reply: CheckReply) => {
      if (this.worker === w) this.onReply(reply);
    });
    w.on("error", (err: Error & { code?: string }) => {
      this.lost(w, err.code === "ERR_WORKER_OUT_OF_MEMORY" ? { kind: "out-of-memory", limitMb } : { kind: "crashed", message: String(err) });
    });
    // An exit without an error (process.exit in the worker) loses the job too; after "error" this finds nothing to do.
    w.on("exit", (code) => this.lost(w, { kind: "crashed", message: `the checking worker exited with code ${code}` }));
    this.worker = w;
    this.workerMemoryMb = limitMb;
    return w;
  }

  /** A worker died: its job is reported as failed, and the next job gets a new worker. */
  private lost(w: Worker, failure: CheckFailure): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const job = this.running;
    this.running = undefined;
    if (job) this.end(job, undefined, failure);
    this.pump();
  }

  /** Ends the running job: its verdict if none was delivered, else empty fixes so that waiters resolve. */
  private end(job: Job, fixes: readonly Fix[] | undefined, failure?: CheckFailure): void {
    if (this.delivered) this.events.fixes(job.uri, job.version, fixes ?? []);
    else this.events.finished(job.uri, job.version, undefined, failure);
    this.delivered = false;
  }

  private pump(): void {
    if (this.running) return;
    const next = this.pending.values().next();
    if (next.done) return;
    const job = next.value;
    this.pending.delete(job.uri);
    this.running = job;
    this.delivered = false;
    this.events.started(job.uri, job.version);
    this.ensureWorker().postMessage({ id: job.id, text: job.text, source: job.source, maxStates: this.options.maxStates, timeoutMs: this.options.timeoutMs, cancel: job.cancel });
  }

  private onReply(reply: CheckReply): void {
    const job = this.running;
    if (!job || job.id !== reply.id) return;
    if (reply.kind === "done") {
      // The verdict is out; the job runs on (verifying fixes) until "fixes" or "cancelled".
      this.delivered = true;
      this.events.finished(job.uri, job.version, reply.summary);
      return;
    }
    this.running = undefined;
    if (reply.kind === "fixes") this.end(job, reply.fixes);
    else if (reply.kind === "cancelled") this.end(job, undefined);
    else if (reply.kind === "out-of-memory") this.end(job, undefined, { kind: "out-of-memory", limitMb: this.workerMemoryMb });
    else this.end(job, undefined, { kind: "crashed", message: reply.message });
    this.pump();
  }
}

/**
 * What the document shows when its check failed: no verdict, the front
 * end's diagnostics and one saying why, at the `expect` line (or the
 * scenario line, or the first CPU).
 */
export function failedCheckSummary(frontEnd: FrontEnd, failure: CheckFailure): CheckSummary {
  const scope = frontEnd.checked.scope;
  const at = scope.expect?.span ?? scope.scenario?.span ?? scope.cpus[0]?.span ?? span(0, 0);
  const d = failure.kind === "out-of-memory" ? diagnostic("outOfMemory", at, failure.limitMb) : diagnostic("internal", at, `the check failed: ${failure.message.split("\n")[0]}`);
  return {
    verdict: "incomplete",
    met: false,
    expectation: frontEnd.checked.expectation,
    diagnostics: [...frontEnd.diagnostics, d].sort((a, b) => a.span.start - b.span.start),
    findings: [],
    lockFacts: [],
    lockGraph: undefined,
    irqUsage: [],
    irqReports: [],
    stats: undefined,
    cpus: [],
    fixes: [],
    coverage: undefined,
    failure: failure.kind === "out-of-memory" ? `out of memory at ${failure.limitMb} MB` : "the check failed",
  };
}
