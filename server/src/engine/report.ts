// The engine's report: each problem with its message, its sites and its
// shortest trace; the lock-order graph and its inversions; the lock facts
// per statement for hover; and the search's figures.

import type { Span } from "../language/span";
import { explore, type ExploreOptions, type ExploreResult, type FoundProblem, type ProblemKind, type Stats } from "./explore";
import { buildLockGraph, maskNames, type LockGraph } from "./lockgraph";
import { PC_DONE, type Frame, type Model } from "./model";
import { buildTrace, lastAcquire, type TraceStep } from "./trace";

export interface HeldLock {
  readonly lock: string;
  /** Where the CPU took it in the trace. */
  readonly span: Span | undefined;
  readonly stack: readonly Frame[];
}

export interface ProblemSite {
  readonly cpu: string;
  readonly label: string | undefined;
  readonly span: Span;
  readonly stack: readonly Frame[];
  /** The statement it is blocked on, or that failed. */
  readonly action: string;
  /** For a blocked CPU: the lock it waits for, and who holds it. */
  readonly waitsFor: string | undefined;
  readonly heldBy: readonly string[];
  readonly holds: readonly HeldLock[];
}

export interface Problem {
  readonly kind: ProblemKind;
  /** lockdep's header for it, e.g. "possible circular locking dependency detected". */
  readonly title: string;
  readonly message: string;
  readonly span: Span;
  readonly cpus: readonly string[];
  readonly sites: readonly ProblemSite[];
  readonly trace: readonly TraceStep[];
}

export interface SiteFacts {
  readonly cpu: string;
  readonly span: Span;
  readonly stack: readonly Frame[];
  readonly action: string;
  readonly always: readonly string[];
  readonly sometimes: readonly string[];
}

export interface EngineReport {
  /** Some reachable state has no CPU able to move and one unfinished (SPIN: invalid end state). */
  readonly globallyStuck: boolean;
  readonly problems: readonly Problem[];
  readonly lockGraph: LockGraph;
  readonly lockFacts: readonly SiteFacts[];
  readonly stats: Stats;
}

const order: Record<ProblemKind, number> = { deadlock: 0, hang: 1, violation: 2, "bad-unlock": 3, "lock-held-at-exit": 4, overflow: 5 };

export function runEngine(model: Model, options: ExploreOptions = {}): EngineReport {
  const result = explore(model, options);
  const problems = result.problems.map((p) => describe(model, result, p));
  // Stable order: by kind, then by where the first site is, then trace length.
  const indexed = problems.map((p, i) => ({ p, i }));
  indexed.sort((a, b) => order[a.p.kind] - order[b.p.kind] || a.p.span.start - b.p.span.start || a.p.trace.length - b.p.trace.length || a.i - b.i);
  return {
    globallyStuck: result.stuckState >= 0,
    problems: indexed.map((x) => x.p),
    lockGraph: buildLockGraph(model, result),
    lockFacts: lockFacts(model, result),
    stats: result.stats,
  };
}

function lockFacts(model: Model, result: ExploreResult): SiteFacts[] {
  const { facts } = result;
  const names = model.locks.map((l) => l.name);
  const out: SiteFacts[] = [];
  model.cpus.forEach((cpu, c) => {
    cpu.code.forEach((ins, pc) => {
      const site = facts.siteBase[c]! + pc;
      if (!facts.reached[site]) return;
      const w = facts.words;
      const always = facts.always.subarray(site * w, site * w + w);
      const sometimes = facts.sometimes.subarray(site * w, site * w + w);
      const alwaysNames = maskNames(always, names);
      out.push({
        cpu: cpu.name,
        span: ins.span,
        stack: ins.stack,
        action: ins.text,
        always: alwaysNames,
        sometimes: maskNames(sometimes, names).filter((n) => !alwaysNames.includes(n)),
      });
    });
  });
  return out;
}

function describe(model: Model, result: ExploreResult, p: FoundProblem): Problem {
  const { layout, store } = result;
  const trace = buildTrace(layout, store, p.state);
  const st = store.bytes(p.state, layout.size);
  const cpuName = (c: number): string => model.cpus[c]!.name;
  const lockName = (l: number): string => model.locks[l]!.name;

  const sites: ProblemSite[] = p.sites.map((s) => {
    const cpu = model.cpus[s.cpu]!;
    const holds = layout.heldLocks(st, s.cpu).map((l): HeldLock => {
      const at = lastAcquire(trace, cpu.name, lockName(l));
      return { lock: lockName(l), span: at?.span, stack: at?.stack ?? [] };
    });
    if (s.pc === PC_DONE) {
      const first = holds[0];
      return { cpu: cpu.name, label: cpu.label, span: first?.span ?? cpu.declSpan, stack: first?.stack ?? [], action: "end of CPU", waitsFor: undefined, heldBy: [], holds };
    }
    const ins = cpu.code[s.pc]!;
    const waitsFor = p.kind === "deadlock" || p.kind === "hang" ? (s.lock !== undefined ? lockName(s.lock) : undefined) : undefined;
    const heldBy: string[] = [];
    if (waitsFor !== undefined && s.lock !== undefined) {
      for (let c = 0; c < layout.cpuCount; c++) if (layout.holds(st, c, s.lock)) heldBy.push(cpuName(c));
    }
    return { cpu: cpu.name, label: cpu.label, span: ins.span, stack: ins.stack, action: ins.text, waitsFor, heldBy, holds };
  });

  const cpus = sites.map((s) => s.cpu);
  const first = sites[0]!;
  const { title, message } = words(p, sites, model, layout.model.cpus[p.sites[0]!.cpu]!.code[p.sites[0]!.pc]);
  return { kind: p.kind, title, message, span: first.span, cpus, sites, trace };
}

/** lockdep's header and our one-sentence message for a problem. */
function words(p: FoundProblem, sites: readonly ProblemSite[], model: Model, firstIns: Model["cpus"][number]["code"][number] | undefined): { title: string; message: string } {
  const where = (s: ProblemSite): string => (s.stack.length > 0 ? ` in ${s.stack[s.stack.length - 1]!.fn}` : "");
  switch (p.kind) {
    case "deadlock": {
      if (sites.length === 1 && sites[0]!.heldBy.includes(sites[0]!.cpu)) {
        const s = sites[0]!;
        return {
          title: "possible recursive locking detected",
          message: `Recursive locking: ${s.cpu} takes ${s.waitsFor} again${where(s)} while already holding it; it deadlocks on itself.`,
        };
      }
      const parts = sites.map((s) => {
        if (s.heldBy.length === 0) {
          const queued = sites.filter((o) => o.cpu !== s.cpu).map((o) => o.cpu);
          return `${s.cpu} waits to read ${s.waitsFor} behind the queued writer ${queued.join(", ")}`;
        }
        return `${s.cpu} waits for ${s.waitsFor}${where(s)}, held by ${s.heldBy.join(" and ")}`;
      });
      return { title: "possible circular locking dependency detected", message: `Deadlock: ${parts.join("; ")}.` };
    }
    case "hang": {
      const parts = sites.map((s) => {
        if (s.waitsFor === undefined) return `${s.cpu} is stuck at '${s.action}'${where(s)}`;
        const holders = s.heldBy.length > 0 ? `held by ${s.heldBy.join(" and ")}, which can no longer release it` : "which it cannot get";
        return `${s.cpu} waits for ${s.waitsFor}${where(s)}, ${holders}`;
      });
      return { title: "task hung: no CPU can make progress", message: `Hang: no CPU can move; ${parts.join("; ")}.` };
    }
    case "violation": {
      const s = sites[0]!;
      const msg = firstIns && firstIns.op === "assert" ? firstIns.message : undefined;
      return {
        title: "assertion failed",
        message: `Assertion failed on ${s.cpu}${where(s)}: ${msg ? `"${msg}" (${s.action})` : s.action}.`,
      };
    }
    case "bad-unlock": {
      const s = sites[0]!;
      const lock = firstIns && (firstIns.op === "unlock" || firstIns.op === "runlock") ? model.locks[firstIns.lock]!.name : "?";
      return {
        title: "bad unlock balance detected",
        message: `Bad unlock balance: ${s.cpu} releases ${lock}${where(s)} but does not hold it${firstIns?.op === "runlock" ? " for reading" : ""}.`,
      };
    }
    case "lock-held-at-exit": {
      const s = sites[0]!;
      const locks = p.locks.map((l) => model.locks[l]!.name);
      return {
        title: "lock held when returning to user space",
        message: `${s.cpu} finishes while still holding ${locks.join(", ")}; release ${locks.length === 1 ? "it" : "them"} on every path.`,
      };
    }
    case "overflow": {
      const s = sites[0]!;
      return { title: "integer overflow", message: `Integer overflow on ${s.cpu}${where(s)}: '${s.action}' leaves the range -128..127.` };
    }
  }
}

export { explore };
