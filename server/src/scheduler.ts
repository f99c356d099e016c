// Schedules engine checks: one worker thread, a debounce per document, the
// newest version of a document replacing (and cancelling) any older one.
// Results come back with the version they were computed for; the caller
// decides whether that version is still current.

import { Worker } from "node:worker_threads";
import type { Fix } from "./services/fixes";
import type { CheckOptions, CheckReply, CheckSummary } from "./workerProtocol";

interface Job {
  readonly id: number;
  readonly uri: string;
  readonly version: number;
  readonly text: string;
  readonly cancel: SharedArrayBuffer;
}

export interface SchedulerEvents {
  started(uri: string, version: number): void;
  /** The verdict: summary undefined when cancelled or failed. */
  finished(uri: string, version: number, summary: CheckSummary | undefined, error?: string): void;
  /** Verified quick fixes for a version whose summary was delivered. */
  fixes(uri: string, version: number, fixes: readonly Fix[]): void;
}

export class CheckScheduler {
  private worker: Worker | undefined;
  private nextId = 1;
  private running: Job | undefined;
  private readonly pending = new Map<string, Job>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly workerPath: string,
    private readonly events: SchedulerEvents,
    public options: CheckOptions & { debounceMs: number },
  ) {}

  /** Checks `text` after the debounce delay (0: at once), superseding older versions. */
  schedule(uri: string, version: number, text: string, delayMs = this.options.debounceMs): void {
    clearTimeout(this.timers.get(uri));
    if (this.running?.uri === uri && this.running.version !== version) this.cancelRunning();
    this.pending.delete(uri);
    const enqueue = (): void => {
      this.timers.delete(uri);
      this.pending.set(uri, { id: this.nextId++, uri, version, text, cancel: new SharedArrayBuffer(4) });
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
    void this.worker?.terminate();
  }

  private cancelRunning(): void {
    if (this.running) Atomics.store(new Int32Array(this.running.cancel), 0, 1);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // As for the server's main thread: a larger young generation for the engine's garbage.
    const w = new Worker(this.workerPath, { resourceLimits: { maxYoungGenerationSizeMb: 192 } });
    w.on("message", (reply: CheckReply) => this.onReply(reply));
    w.on("error", (err) => {
      // A crashed worker is replaced; the job it had is reported as failed.
      const job = this.running;
      this.running = undefined;
      this.worker = undefined;
      if (job && !this.delivered) this.events.finished(job.uri, job.version, undefined, String(err));
      this.delivered = false;
      this.pump();
    });
    this.worker = w;
    return w;
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
    this.ensureWorker().postMessage({ id: job.id, text: job.text, maxStates: this.options.maxStates, timeoutMs: this.options.timeoutMs, cancel: job.cancel });
  }

  private delivered = false;

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
    if (reply.kind === "fixes") this.events.fixes(job.uri, job.version, reply.fixes);
    else if (!this.delivered) this.events.finished(job.uri, job.version, undefined, reply.kind === "error" ? reply.message : undefined);
    this.delivered = false;
    this.pump();
  }
}
