// The one catalogue of user-visible messages. Every diagnostic the front end
// or the engine produces is made here, with a stable code; quick fixes and
// tests key off the code, never off the text. Callers give plain data
// (names, lists, flags; a message of several forms, a small union of them)
// and the sentence is built here: the longer ones first, then the catalogue.
// The engine's findings too: engine/report.ts fills in FindingWords, and
// language/ still imports nothing of engine/.

import { unreachable, type ExpectKind } from "./ast";
import type { Span } from "./span";

export type Severity = "error" | "warning" | "information" | "hint";

export interface Related {
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly related?: readonly Related[];
  /** For an engine finding's diagnostic: its index in Analysis.findings (trace, sites). */
  readonly finding?: number;
}

const q = (name: string): string => `'${name}'`;
const exclusiveOf: Record<string, string> = { rlock: "lock", runlock: "unlock", rtrylock: "trylock" };
/** "a mutex", "an object instance", "an int". */
export const article = (noun: string): string => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * A syntax error: the parser's, worded by syntaxMessages.ts (chevrotain asks
 * its message provider for the sentence), or a limit of the file's shape.
 */
export type SyntaxProblem = { readonly kind: "parser"; readonly sentence: string } | { readonly kind: "tooManyCpus"; readonly max: number };
// tooManyCpus counts threads: CPUs, work items (one per object) and kthreads.

/** A value's type as a type error names it; for a parameter, the constant it is bound to and where that was passed (`line:column`). */
export interface TypeWords {
  readonly type: "int" | "bool";
  readonly bound?: { readonly param: string; readonly value: string; readonly at: string };
}

const typeWords = (t: TypeWords): string => (t.type === "int" ? "an int" : "a bool") + (t.bound ? ` (${q(t.bound.param)} is ${t.bound.value}, passed at ${t.bound.at})` : "");

export type TypeMismatch =
  | { readonly kind: "assign"; readonly value: TypeWords; readonly target: string; readonly targetType: "int" | "bool" }
  | { readonly kind: "condition"; readonly statement: string; readonly value: TypeWords }
  /** An operand of `!`, `-` (one operand) or of a binary operator (two). */
  | { readonly kind: "operand"; readonly op: string; readonly binary: boolean; readonly wants: "int" | "bool"; readonly value: TypeWords }
  | { readonly kind: "compare"; readonly op: string; readonly left: TypeWords; readonly right: TypeWords };

function typeMismatch(m: TypeMismatch): string {
  switch (m.kind) {
    case "assign":
      return `Cannot assign ${typeWords(m.value)} to ${q(m.target)}, ${article(m.targetType)} variable.`;
    case "condition":
      return `The condition of ${q(m.statement)} must be a bool, but this is ${typeWords(m.value)}; compare it, e.g. '… != 0'.`;
    case "operand": {
      const wants = m.binary ? `${m.wants}s` : article(m.wants);
      return `${q(m.op)} needs ${wants}, but this is ${typeWords(m.value)}.`;
    }
    case "compare":
      return `${q(m.op)} compares values of one type, but the left is ${typeWords(m.left)} and the right ${typeWords(m.right)}.`;
    default:
      return unreachable(m);
  }
}

export type BadArgument =
  | { readonly kind: "indexed"; readonly index: string }
  /** A name that is neither an object, a constant nor a parameter: what it is ("local variable", "mutex"). */
  | { readonly kind: "name"; readonly name: string; readonly what: string }
  | { readonly kind: "expression" };

const ARGUMENTS = "object names, drivers, integer or boolean constants, or parameters";

function badArgument(b: BadArgument): string {
  switch (b.kind) {
    case "indexed":
      return `Arguments cannot be indexed: pass the object name (${q(b.index)}) and index inside the callee.`;
    case "name":
      return `${q(b.name)} is ${article(b.what)}; arguments are ${ARGUMENTS}.`;
    case "expression":
      return `Arguments are ${ARGUMENTS}; compute the value inside the callee.`;
    default:
      return unreachable(b);
  }
}

/** What stands where an index wants an object: a name of another kind ("local variable", "mutex"), or a parameter bound to a constant. */
export type NotAnObject =
  | { readonly kind: "name"; readonly what: string; readonly name: string }
  | { readonly kind: "bound"; readonly type: "int" | "bool"; readonly value: string; readonly param: string; readonly at: string };

export type ImportUsage = { readonly kind: "outputWithoutFile" } | { readonly kind: "unknownOption"; readonly option: string } | { readonly kind: "twoInputs" };

function importUsage(u: ImportUsage): string {
  switch (u.kind) {
    case "outputWithoutFile":
      return "-o needs a file name";
    case "unknownOption":
      return `unknown option ${q(u.option)}`;
    case "twoInputs":
      return "import takes one input (a file, or - for stdin)";
    default:
      return unreachable(u);
  }
}

// ---- the engine's findings ------------------------------------------------
// engine/report.ts gives plain data (names, lists, flags); the words are here.

/** A hang where nothing can move, one where other CPUs still run, or one where they loop for ever. */
export type HangForm = "total" | "partial" | "livelock";

/** A CPU's part in a finding. */
export interface SiteWords {
  readonly cpu: string;
  /** The call it is in (the innermost, as traces show it: `f(pf)`). */
  readonly inCall: string | undefined;
  /** Its statement, as written with arguments substituted. */
  readonly action: string;
  /** For a CPU blocked on a lock: the lock, who holds it, and the modes of a reader/writer lock. */
  readonly waitsFor: string | undefined;
  readonly heldBy: readonly string[];
  readonly wants?: "read" | "write";
  readonly heldMode?: "read" | "write";
  /** A reader that waits behind these queued writers (fair rwsem). */
  readonly behind?: readonly string[];
  /** In a livelock: this CPU loops for ever. */
  readonly looping?: boolean;
  /** `waitsFor` says what a wait waits for (`poller to exit`), not a lock. */
  readonly notALock?: boolean;
  /** Work items it waits for that are pending, not started: they hold `waitsFor` only once they run. */
  readonly pending?: readonly string[];
  /** Threads a synchronize_rcu waits for in an atomic region, with why: `C0 (holding A)`. */
  readonly atomic?: readonly string[];
  /** It waits in synchronize_rcu: lockdep sees no dependency through it (synchronize_rcu() acquires nothing). */
  readonly gracePeriod?: true;
  /** It waits in a synchronize (synchronize_srcu, or synchronize_rcu with `gracePeriod`). */
  readonly sync?: true;
  /** In a deadlock: why lockdep records no dependency for its wait (engine/report.ts lockdepBlind). */
  readonly lockdepBlind?: string;
  /** In a deadlock: a class its wait acquires again while holding it (engine/report.ts ProblemSite.retakes). */
  readonly retakes?: string;
  /** §10: it cannot go on while the interrupt handler `waitsFor` names runs on top of it. */
  readonly interrupted?: string;
  /** §10: an interrupt handler's site: the CPU it runs on. */
  readonly on?: string;
  /** For a CPU stuck at `wait until`: the CPUs whose code writes what it reads. */
  readonly writers?: readonly string[];
  /**
   * For a thread stuck at a wait no lock stands for (wait_for_completion):
   * what it waits for, and each statement that could let it pass with
   * where that statement's thread is.
   */
  readonly waitsOn?: { readonly what: string; readonly releasers: readonly { readonly cpu: string; readonly action: string; readonly where: ReleaserWhere }[] };
}

/**
 * Where a thread that could release a wait is when the hang has settled:
 * finished, stopped at an error, idle (a work item not queued, a kthread
 * not run), stuck at that very statement, stuck at another one (`action`),
 * or looping for ever in the loop that starts at `action` (named by its
 * first statement, not by wherever the trace leaves it).
 */
export type ReleaserWhere =
  | { readonly kind: "finished" | "stopped" | "idle" | "stuck-there" }
  | { readonly kind: "stuck-elsewhere" | "loops"; readonly action: string };

/** What a finding's header and sentence say, by kind of problem. */
export type FindingWords =
  | { readonly kind: "deadlock"; readonly sites: readonly SiteWords[] }
  | { readonly kind: "hang"; readonly form: HangForm; readonly sites: readonly SiteWords[] }
  /** `message`: the assert's own, if it has one. */
  | { readonly kind: "violation"; readonly site: SiteWords; readonly message: string | undefined }
  | { readonly kind: "bad-unlock"; readonly site: SiteWords; readonly lock: string; readonly shared: boolean }
  | { readonly kind: "lock-held-at-exit"; readonly site: SiteWords; readonly locks: readonly string[] }
  | { readonly kind: "overflow"; readonly site: SiteWords; /** A lock's depth or read count (bounded at 255), not a variable (-128..127). */ readonly counter?: string }
  /** The misuses of §9's primitives: `target` names the domain, queue, kthread or node. */
  | { readonly kind: "section-unbalanced"; readonly site: SiteWords; readonly target: string }
  | { readonly kind: "section-open-at-exit"; readonly site: SiteWords; readonly targets: readonly string[] }
  | { readonly kind: "queue-destroyed" | "queue-draining"; readonly site: SiteWords; readonly target: string; readonly work: string }
  | { readonly kind: "kthread-run-twice"; readonly site: SiteWords; readonly target: string }
  | { readonly kind: "remove-self-outside"; readonly site: SiteWords; readonly target: string }
  /** §10: an enable of what this context did not disable (`what`: hardirqs, softirqs, saved flags). */
  | { readonly kind: "irq-unbalanced"; readonly site: SiteWords; readonly what: string }
  | { readonly kind: "irq-state-at-exit"; readonly site: SiteWords };

const inCall = (s: SiteWords): string => (s.inCall !== undefined ? ` in ${s.inCall}` : "");
const joined = (names: readonly string[]): string => names.join(" and ");

/** "waits for L in f, held by X", with the modes of a reader/writer lock. */
function waiting(s: SiteWords): string {
  if (s.interrupted) return `is interrupted by ${s.interrupted} and cannot go on until it returns`;
  if (s.notALock) return `waits for ${s.waitsFor}${inCall(s)}`;
  const pending = s.pending && s.pending.length > 0 ? `${joined(s.pending)} (pending, not started)` : "";
  if (pending && s.heldBy.length === 0) return `waits for ${s.waitsFor}${inCall(s)}, which ${pending} will hold once it runs`;
  // synchronize_rcu waits for a grace period, which readers hold off, and
  // (consolidated RCU) so do preemption, softirqs or hardirqs disabled.
  if (s.gracePeriod) {
    const off = [...s.heldBy.map((h) => `${h} (in ${s.waitsFor})`), ...(s.atomic ?? [])];
    return `waits for an RCU grace period${inCall(s)}, which ${joined(off)} ${off.length === 1 ? "holds" : "hold"} off`;
  }
  const atomic = s.atomic && s.atomic.length > 0 ? `an RCU grace period, which ${joined(s.atomic)} ${s.atomic.length === 1 ? "holds" : "hold"} off` : "";
  if (atomic && s.heldBy.length === 0) return `waits for ${atomic}${inCall(s)}`;
  const held = s.heldBy.length > 0 ? `held${s.heldMode === "read" ? " for reading" : s.heldMode === "write" ? " for writing" : ""} by ${joined(s.heldBy)}` : "";
  if (s.behind && s.behind.length > 0) {
    return `waits to read ${s.waitsFor}${inCall(s)} behind the queued writer ${joined(s.behind)}${held ? ` (it is ${held})` : ""}`;
  }
  const verb = s.wants === "read" ? "waits to read" : s.wants === "write" ? "waits to write" : "waits for";
  return `${verb} ${s.waitsFor}${inCall(s)}${held ? `, ${held}` : ""}${pending ? `, and for ${pending}` : ""}${atomic ? `, and for ${atomic}` : ""}`;
}

/** For a CPU stuck at `wait until e`: who could make `e` true. */
function writersNote(writers: readonly string[] | undefined): string {
  if (writers === undefined) return "";
  return writers.length === 0 ? ", which no CPU writes" : `, which only ${joined(writers)} ${writers.length === 1 ? "writes" : "write"}`;
}

/** For a thread stuck at a wait no lock stands for: who could have let it pass, and where they are. */
function releasersNote(w: NonNullable<SiteWords["waitsOn"]>): string {
  if (w.releasers.length === 0) return `, and no thread ever does that`;
  return `, which only ${w.releasers.map((r) => `'${r.action}' on ${r.cpu} could (${r.cpu} ${whereWords(r.where)})`).join(" or ")}`;
}

function whereWords(w: ReleaserWhere): string {
  switch (w.kind) {
    case "finished":
      return "has finished";
    case "stopped":
      return "stopped at an error";
    case "idle":
      return "is idle";
    case "stuck-there":
      return "is there but stuck";
    case "stuck-elsewhere":
      return `is at '${w.action}' and can never get there`;
    case "loops":
      return `loops for ever in the loop at '${w.action}' and never gets there`;
    default:
      return unreachable(w);
  }
}

function stuckPart(s: SiteWords): string {
  if (s.looping) return `${s.cpu} loops for ever in the loop at '${s.action}'${inCall(s)} and can never finish`;
  if (s.waitsOn) return `${s.cpu} waits for ${s.waitsOn.what} at '${s.action}'${inCall(s)}${releasersNote(s.waitsOn)}`;
  if (s.waitsFor === undefined) return `${s.cpu} is stuck at '${s.action}'${inCall(s)}${writersNote(s.writers)}`;
  const who = s.notALock || s.gracePeriod || (s.pending?.length ?? 0) > 0 || (s.atomic?.length ?? 0) > 0 || (s.behind?.length ?? 0) > 0 ? "" : s.heldBy.length > 0 ? ", which can no longer release it" : ", which it cannot get";
  return `${s.cpu} ${waiting(s)}${who}`;
}

/** A deadlock site's flags that say how lockdep sees the cycle (SiteWords, and the engine's ProblemSite). */
interface ViewFlags {
  readonly interrupted?: string;
  readonly gracePeriod?: true;
  readonly lockdepBlind?: string;
  readonly retakes?: string;
}

/**
 * How lockdep sees a deadlock, from its sites, first match: through an
 * interrupt (its irq usage), through an RCU grace period (nothing:
 * synchronize_rcu acquires nothing), through a wait it records no
 * dependency of (`blind`: a novalidate lock, kthread_stop), as recursive
 * locking (`retaken`: a wait takes again a class its thread holds), or as
 * its circular dependency. The title, the CLI's table and its "no
 * dependency" line follow it.
 */
export function deadlockView(sites: readonly ViewFlags[]): "interrupt" | "grace-period" | "blind" | "retaken" | "cycle" {
  if (sites.some((x) => x.interrupted)) return "interrupt";
  if (sites.some((x) => x.gracePeriod)) return "grace-period";
  if (sites.some((x) => x.lockdepBlind !== undefined)) return "blind";
  if (sites.some((x) => x.retakes !== undefined)) return "retaken";
  return "cycle";
}

/** lockdep's header and our one sentence for a finding. */
export function findingText(w: FindingWords): { title: string; message: string } {
  switch (w.kind) {
    case "deadlock": {
      const s = w.sites[0]!;
      if (w.sites.length === 1 && s.heldBy.includes(s.cpu) && s.sync) {
        // A synchronize inside the caller's own read-side section: the
        // kernel's RCU_LOCKDEP_WARN in synchronize_rcu()/synchronize_srcu()
        // says so ("WARNING: suspicious RCU usage"), before the wait.
        const illegal = s.gracePeriod
          ? "Illegal synchronize_rcu() in RCU read-side critical section"
          : "Illegal synchronize_srcu() in same-type SRCU (or in RCU) read-side critical section";
        return {
          title: "suspicious RCU usage",
          message: `${illegal}: ${s.cpu} calls '${s.action}'${inCall(s)} inside its own read-side section of ${s.waitsFor}, and the grace period waits for that section to end; it deadlocks on itself.`,
        };
      }
      const view = deadlockView(w.sites);
      if (w.sites.length === 1 && s.heldBy.includes(s.cpu)) {
        return {
          // A cycle lockdep records no dependency of: not lockdep's words.
          title: view === "blind" ? "possible recursive locking that lockdep cannot see" : "possible recursive locking detected",
          message: `Recursive locking: ${s.cpu} takes ${s.waitsFor} again${inCall(s)} while already holding it; it deadlocks on itself.`,
        };
      }
      const who = (x: SiteWords): string => (x.on ? `${x.cpu} (an interrupt on ${x.on})` : x.cpu);
      const message = `Deadlock: ${w.sites.map((x) => `${who(x)} ${waiting(x)}`).join("; ")}.`;
      switch (view) {
        case "interrupt":
          return { title: "possible deadlock through an interrupt", message };
        case "grace-period":
          return { title: "possible deadlock through an RCU grace period", message };
        case "blind":
          return { title: "possible deadlock that lockdep cannot see", message };
        case "retaken": {
          // A wait that takes again a class its thread holds (a flush from an ordered queue's own item).
          const again = w.sites.find((x) => x.retakes !== undefined)!;
          return { title: "possible recursive locking detected", message: `${message} Lockdep sees ${again.cpu} take ${again.retakes} again at '${again.action}', which it holds.` };
        }
        case "cycle":
          return { title: "possible circular locking dependency detected", message };
        default:
          return unreachable(view);
      }
    }
    case "hang": {
      // The message names what is stuck and why; whether others still run
      // at the end of the trace (the form) goes in the title.
      const parts = w.sites.map(stuckPart).join("; ");
      const names = joined(w.sites.map((s) => s.cpu));
      const them = w.sites.length === 1 ? "it" : "them";
      if (w.form === "livelock") return { title: `livelock: ${names} can never finish`, message: `Livelock: ${parts}; nothing can ever let ${them} finish.` };
      const title = w.form === "partial" ? `task hung: ${names} can never finish (other CPUs still run)` : "task hung: no CPU can make progress";
      return { title, message: `Hang: ${parts}; nothing can ever let ${them} go on.` };
    }
    case "violation": {
      const s = w.site;
      return { title: "assertion failed", message: `Assertion failed on ${s.cpu}${inCall(s)}: ${w.message ? `"${w.message}" (${s.action})` : s.action}.` };
    }
    case "bad-unlock": {
      const s = w.site;
      return { title: "bad unlock balance detected", message: `Bad unlock balance: ${s.cpu} releases ${w.lock}${inCall(s)} but does not hold it${w.shared ? " for reading" : ""}.` };
    }
    case "lock-held-at-exit":
      return {
        title: "lock held when returning to user space",
        message: `${w.site.cpu} finishes while still holding ${w.locks.join(", ")}; release ${w.locks.length === 1 ? "it" : "them"} on every path.`,
      };
    case "overflow":
      return {
        title: "integer overflow",
        message: w.counter
          ? `Integer overflow on ${w.site.cpu}${inCall(w.site)}: '${w.site.action}' takes ${w.counter} past 255.`
          : `Integer overflow on ${w.site.cpu}${inCall(w.site)}: '${w.site.action}' leaves the range -128..127.`,
      };
    case "section-unbalanced":
      return { title: "bad unlock balance detected", message: `Bad unlock balance: ${w.site.cpu} closes a read-side section of ${w.target}${inCall(w.site)} but has none open.` };
    case "section-open-at-exit":
      return {
        title: "lock held when returning to user space",
        message: `${w.site.cpu} finishes inside a read-side section of ${w.targets.join(", ")}; close it on every path (a synchronize waits for it for ever).`,
      };
    case "queue-destroyed":
      return {
        title: "queue_work on a destroyed workqueue",
        message: `${w.site.cpu} queues ${w.work} on ${w.target}${inCall(w.site)} after destroy_workqueue: the kernel warns and refuses it, and the work never runs.`,
      };
    case "queue-draining":
      return {
        title: "queue_work on a draining workqueue",
        message: `${w.site.cpu} queues ${w.work} on ${w.target}${inCall(w.site)} while it is drained; only its own work items may queue there then (the kernel warns and refuses it).`,
      };
    case "kthread-run-twice":
      return { title: "kthread run twice", message: `${w.site.cpu} runs ${w.target} again${inCall(w.site)}, but it was already run (or stopped); a kthread starts once: declare another to run two.` };
    case "remove-self-outside":
      return {
        title: "kernfs_remove_self outside its sysfs block",
        message: `${w.site.cpu} calls kernfs_remove_self on ${w.target}${inCall(w.site)} without an active reference on it: only ${w.target}'s own store (its 'sysfs' block) can remove itself.`,
      };
    case "irq-unbalanced":
      return {
        title: "unbalanced interrupt enable",
        message: `${w.site.cpu} enables ${w.what}${inCall(w.site)} that its own context did not disable; enable only what you disabled (a handler's own state is the kernel's to restore).`,
      };
    case "irq-state-at-exit":
      return {
        title: "interrupts left disabled",
        message: `${w.site.cpu} ends with interrupts or softirqs still disabled (or saved flags not restored); every local_irq_disable, local_irq_save and local_bh_disable needs its enable on every path.`,
      };
    default:
      return unreachable(w);
  }
}

/** A finding's diagnostic: its sentence, and whether the scenario's `expect` claims it. */
const finding = (w: FindingWords, expected: boolean): string => findingText(w).message + (expected ? " (expected by this scenario)" : "");

/** `A → B → A`. */
const cycleText = (locks: readonly string[]): string => [...locks, locks[0]].join(" → ");

/** How a lock-order cycle that does not deadlock relates to one that does (reported). */
export interface CycleRelation {
  readonly kind: "extends" | "partOf";
  readonly locks: readonly string[];
}

function inversionUnreached(locks: readonly string[], complete: boolean, relation: CycleRelation | undefined): string {
  const chain = cycleText(locks);
  if (!complete) return `Lock-order inversion ${chain}: no deadlock on it found before the search stopped.`;
  if (!relation) return `Lock-order inversion ${chain} (lockdep would report it), but no interleaving of this scenario deadlocks on it.`;
  const how = relation.kind === "extends" ? "It extends the cycle" : "Its locks are part of the cycle";
  return `Lock-order inversion ${chain} (lockdep would report it). ${how} ${cycleText(relation.locks)}, which does deadlock (reported); no interleaving deadlocks on this cycle itself.`;
}

/** How an `expect` word reads in "no … was found". */
const NOT_FOUND: Readonly<Record<ExpectKind, string>> = {
  deadlock: "deadlock or hang",
  violation: "failed assert",
  misuse: "misuse (bad unlock, lock held at exit, overflow, or of a kernel primitive)",
};

/** Why a search stopped early. */
export type SearchStop = "states" | "time" | "cancelled";
const SEARCH_STOPPED: Readonly<Record<SearchStop, string>> = { states: "its budget of states", time: "its time budget", cancelled: "cancellation" };

/** Why the search for lock-order cycles stopped early. */
export type CyclesStop = "cap" | "budget" | "time" | "cancelled";
const CYCLES_STOPPED: Readonly<Record<CyclesStop, string>> = { cap: "at most 100 are listed", budget: "its work budget ran out", time: "the time budget ran out", cancelled: "cancelled" };

const count = (n: number): string => n.toLocaleString("en-US");

/** The sentences of related locations (a diagnostic's other places). */
export const relatedText = {
  /** An argument that a parameter is bound to. */
  passedHere: (value: string): string => `${q(value)} is passed here`,
  /** Another CPU of a finding, where it is blocked. */
  blockedHere: (cpu: string, waitsFor: string | undefined): string => `${cpu} is blocked here${waitsFor ? ` waiting for ${waitsFor}` : ""}`,
  /** Where a CPU of a finding took a lock it still holds. */
  stillHeld: (cpu: string, lock: string): string => `${cpu} took ${lock} here and still holds it`,
  /** Where a lock's irq usage was first seen (lockdep: "{HARDIRQ-ON-W} state was registered at"). */
  usageSeen: (usage: string, cpu: string): string => `{${usage}} state registered here, on ${cpu}`,
  /** A site of a lock-order edge. */
  takesWhileHolding: (cpu: string, lock: string, held: string): string => `${cpu} takes ${lock} while holding ${held}`,
};

/** What a CPU's expanded code must stay within. */
export interface ExpansionLimit {
  readonly kind: "statements" | "locals";
  readonly max: number;
}

/** `C → f → g`, long chains cut in the middle. */
function callChain(path: readonly string[]): string {
  const shown = path.length <= 6 ? path : [...path.slice(0, 3), "…", ...path.slice(-2)];
  return shown.join(" → ");
}

/** Why an `import` could not be read (race-language.md §11). */
export type ImportProblem =
  | { readonly kind: "missing" | "directory" | "unreadable"; readonly spec: string }
  | { readonly kind: "tooLarge"; readonly spec: string; readonly size: number; readonly max: number }
  /** A path import in a scenario that has no path of its own (an unsaved editor buffer). */
  | { readonly kind: "unsaved"; readonly spec: string }
  /** A path that does not end in `.race`. */
  | { readonly kind: "notRace"; readonly spec: string }
  | { readonly kind: "noLibraryFile"; readonly spec: string; readonly names: readonly string[] }
  | { readonly kind: "noLibrary"; readonly spec: string }
  | { readonly kind: "empty" };

function cannotImport(p: ImportProblem): string {
  switch (p.kind) {
    case "missing":
      return `Cannot import ${q(p.spec)}: there is no such file (a path is relative to the importing file's folder).`;
    case "directory":
      return `Cannot import ${q(p.spec)}: it is a folder; import a '.race' file in it.`;
    case "unreadable":
      return `Cannot import ${q(p.spec)}: the file cannot be read.`;
    case "tooLarge":
      return `Cannot import ${q(p.spec)}: it has ${p.size.toLocaleString("en-US")} characters, more than the ${p.max.toLocaleString("en-US")} read for one scenario.`;
    case "unsaved":
      return `Cannot import ${q(p.spec)} from a file that is not saved: a path is found beside the importing file. Save this one first (library imports such as 'linux/driver-core' work anywhere).`;
    case "notRace":
      return `Cannot import ${q(p.spec)}: an imported file is a scenario file ending in '.race'.`;
    case "noLibraryFile":
      return `The kernel library has no ${q(p.spec)}${p.names.length > 0 ? `; it has ${p.names.map(q).join(", ")}` : ""}.${p.spec.includes("/") ? "" : ` A file beside this one is imported by its name with '.race': 'import "${p.spec}.race"'.`}`;
    case "noLibrary":
      return `Cannot import ${q(p.spec)}: the kernel library was not found beside the program (an incomplete installation?).`;
    case "empty":
      return `An import names a file: 'import "common.race"' (beside this file) or 'import "linux/driver-core"' (the kernel library).`;
    default:
      return unreachable(p);
  }
}

/** code, default severity and the sentence of each message. */
export const catalogue = {
  // syntax (RACE00x)
  syntax: { code: "RACE001", severity: "error", text: (e: SyntaxProblem) => (e.kind === "parser" ? e.sentence : `At most ${e.max} threads (CPUs, work items, kthreads) are supported.`) },
  badCharacter: {
    code: "RACE002",
    severity: "error",
    text: (ch: string) => `Unexpected character ${JSON.stringify(ch)}; remove it (identifiers are [A-Za-z_][A-Za-z0-9_]*).`,
  },
  unterminatedString: {
    code: "RACE003",
    severity: "error",
    text: () => `Unterminated string; close it with '"' on the same line.`,
  },
  unterminatedComment: {
    code: "RACE004",
    severity: "error",
    text: () => `Unterminated block comment; close it with '*/'.`,
  },
  // names (RACE01x)
  unknownLock: {
    code: "RACE010",
    severity: "error",
    text: (name: string) => `Unknown lock ${q(name)}; declare it, e.g. 'mutex ${name}'.`,
  },
  unknownVariable: {
    code: "RACE011",
    severity: "error",
    text: (name: string) => `Unknown variable ${q(name)}; declare it, e.g. 'var ${name} = false'.`,
  },
  unknownFunction: {
    code: "RACE012",
    severity: "error",
    text: (name: string) => `Unknown function ${q(name)}; declare it with 'fn ${name}(…) { … }'.`,
  },
  unknownDriver: {
    code: "RACE013",
    severity: "error",
    text: (name: string) => `Unknown driver ${q(name)}; declare it with 'driver ${name} { … }'.`,
  },
  unknownCallback: {
    code: "RACE014",
    severity: "error",
    text: (driver: string, cb: string) => `Driver ${q(driver)} has no callback ${q(cb)}; add '${cb}(…) { … }' to it.`,
  },
  unknownName: {
    code: "RACE015",
    severity: "error",
    text: (name: string) =>
      `Unknown name ${q(name)}: not a parameter here nor an object of the scenario (named in an instance list or an 'object' declaration).`,
  },
  duplicate: {
    code: "RACE016",
    severity: "error",
    /** `fix`: what to do with one of them. */
    text: (what: string, name: string, prior?: string, fix: "rename" | "remove" = "rename") =>
      `Duplicate ${what} ${q(name)}${prior ? ` (already declared as ${article(prior)})` : ""}; ${fix} one of them.`,
  },
  // use of names (RACE02x)
  arity: {
    code: "RACE020",
    severity: "error",
    text: (callee: string, expected: number, got: number) =>
      `${q(callee)} takes ${expected} argument${expected === 1 ? "" : "s"} but is called with ${got}.`,
  },
  noSuchInstance: {
    code: "RACE021",
    severity: "error",
    /** `via`: the parameter bound to the instance, and where it was passed (`line:column`). */
    text: (name: string, instance: string, known: readonly string[], via?: { readonly param: string; readonly at: string }) =>
      `${q(name)} has no instance ${q(instance)}${via ? ` (${q(via.param)} is ${q(instance)}, passed at ${via.at})` : ""}; it is declared for ${known.map(q).join(", ")}.`,
  },
  notIndexed: {
    code: "RACE022",
    severity: "error",
    text: (name: string) => `${q(name)} is not indexed; remove the '[…]' or declare it with instances.`,
  },
  missingIndex: {
    code: "RACE023",
    severity: "error",
    text: (name: string, known: readonly string[]) =>
      `${q(name)} has one instance per object; say which, e.g. '${name}[${known[0] ?? "obj"}]'.`,
  },
  irqFormOnSleepingLock: {
    code: "RACE029",
    severity: "error",
    text: (form: string, name: string, kind: string) =>
      `'${form}' is for a spinlock or an rwlock_t (the kernel's spin_lock_irq() and friends), but ${q(name)} is ${article(kind)}, which sleeps and cannot be taken with interrupts or softirqs off; use '${form.replace(/_(irqsave|irqrestore|irq|bh)$/, "")}'.`,
  },
  notRwsem: {
    code: "RACE024",
    severity: "error",
    text: (op: string, name: string, kind: string) =>
      `'${op}' takes the shared side of an rwsem, but ${q(name)} is ${article(kind)}; use '${exclusiveOf[op] ?? "lock"}' or declare it 'rwsem'.`,
  },
  notALock: {
    code: "RACE025",
    severity: "error",
    text: (name: string, what: string) => `${q(name)} is ${article(what)}, not a lock; lock operations and held()/locked() take a lock.`,
  },
  notAVariable: {
    code: "RACE026",
    severity: "error",
    text: (name: string, what: string) => `${q(name)} is ${article(what)}, not a variable; only variables can be assigned or read.`,
  },
  notAFunction: {
    code: "RACE027",
    severity: "error",
    text: (name: string, what: string) => `${q(name)} is ${article(what)}, not a function; only 'fn' items and driver callbacks can be called.`,
  },
  recursion: {
    code: "RACE028",
    severity: "error",
    text: (cycle: readonly string[]) =>
      `Recursion is not allowed (calls are expanded at compile time): ${cycle.join(" → ")}.`,
  },
  // scenario structure (RACE03x)
  noCpu: {
    code: "RACE030",
    severity: "error",
    text: () => `A scenario needs at least one 'cpu NAME { … }' block.`,
  },
  twoScenarios: {
    code: "RACE031",
    severity: "error",
    text: () => `Only one 'scenario' line is allowed; remove this one or merge the titles.`,
  },
  trylockOutsideIf: {
    code: "RACE032",
    severity: "error",
    text: (op: string) =>
      `'${op}' is only allowed as the whole condition of an 'if' or a 'while', negated or not: 'if ${op} L { … } else { … }', 'while !${op} L { … }'.`,
  },
  intRange: {
    code: "RACE033",
    severity: "error",
    text: (value: string) => `Integer ${value} is out of range; ints are bounded to -128..127.`,
  },
  typeMismatch: {
    code: "RACE034",
    severity: "error",
    text: typeMismatch,
  },
  objectAsValue: {
    code: "RACE035",
    severity: "error",
    text: (name: string) =>
      `${q(name)} names an object instance, which is not a value; use it as an index or pass it as an argument.`,
  },
  valueAsObject: {
    code: "RACE036",
    severity: "error",
    text: (what: NotAnObject) =>
      `An index must name an object instance (or a parameter bound to one), not ${what.kind === "name" ? `the ${what.what} ${q(what.name)}` : `the ${what.type} ${what.value} bound to ${q(what.param)} at ${what.at}`}.`,
  },
  eitherBranches: {
    code: "RACE037",
    severity: "error",
    text: () => `'either' needs at least two branches: 'either { … } or { … }'.`,
  },
  badExpect: {
    code: "RACE038",
    severity: "error",
    text: (word: string) =>
      `Unknown expectation ${q(word)}; write 'expect safe' or list what must be found: 'deadlock', 'violation', 'misuse' (e.g. 'expect deadlock, misuse').`,
  },
  twoExpects: {
    code: "RACE039",
    severity: "error",
    text: () => `Only one 'expect' line is allowed; remove this one.`,
  },
  badArgument: {
    code: "RACE040",
    severity: "error",
    text: badArgument,
  },
  includeDirective: {
    code: "RACE041",
    severity: "error",
    text: (word: string, file: string | undefined) =>
      `'${word}' is C, not the scenario language: write 'import "${file !== undefined && !file.includes(">") ? file : "file.race"}"' to use another file's declarations, or 'import "linux/driver-core"' for the kernel library.`,
  },
  nestingTooDeep: {
    code: "RACE042",
    severity: "error",
    text: (max: number) =>
      `Nested more than ${max} levels deep (braces, parentheses, 'else if' chains and '!'/'-' each count); the file is not read past this point. Flatten it, e.g. move inner code into a function.`,
  },
  expressionTooLarge: {
    code: "RACE043",
    severity: "error",
    text: (size: number, max: number) =>
      `This expression has ${size.toLocaleString("en-US")} operands and operators; at most ${max} are supported. Split it, e.g. into nested 'if's or a local 'var'.`,
  },
  callTooDeep: {
    code: "RACE044",
    severity: "error",
    /** `path`: the CPU, then each body called on the way. */
    text: (path: readonly string[], limit: { readonly kind: "calls" | "nesting"; readonly max: number }) =>
      `Calls nest too deep here (${callChain(path)}): ${limit.kind === "calls" ? `more than ${limit.max} calls inside each other` : `statements nested more than ${limit.max} levels deep, counting through calls`}. Calls are expanded at compile time; flatten the call chain.`,
  },
  expansionTooLarge: {
    code: "RACE045",
    severity: "error",
    /** `call`: the call that crosses the limit (its path from the CPU), and whether its callee alone expands past it. */
    text: (cpu: string, limit: ExpansionLimit, call?: { readonly path: readonly string[]; readonly alone: boolean }) =>
      `CPU ${q(cpu)} expands to more than ${limit.kind === "statements" ? `${count(limit.max)} statements` : `${limit.max} local variables`} (calls are expanded in place at compile time)${call ? `: the call here (${callChain(call.path)}) ${call.alone ? "alone expands past the limit" : "takes it past the limit"}` : ""}. Call less, or split the work between CPUs.`,
  },
  tooManyBranches: {
    code: "RACE046",
    severity: "error",
    text: (count: number, max: number) => `This 'either' has ${count.toLocaleString("en-US")} branches; at most ${max} are supported.`,
  },
  kernelSpelling: {
    code: "RACE047",
    severity: "error",
    text: (written: string, instead: string, note: string) => `${q(written)} is the kernel's spelling; write ${q(instead)}${note}.`,
  },
  safeNotAlone: {
    code: "RACE048",
    severity: "error",
    text: () => `'safe' stands alone: 'expect safe' claims nothing is found; remove 'safe' or the other kinds.`,
  },
  callAsValue: {
    code: "RACE049",
    severity: "error",
    text: (name: string) => `A call ${q(name + "(…)")} is a statement, not a value; call it on its own line and read the shared state it sets.`,
  },
  // kernel primitives (RACE06x, race-language.md §9)
  workOn: {
    code: "RACE060",
    severity: "error",
    text: (work: string, found: string) => `Expected 'on' and the work item's workqueue ('work ${work} on events { … }'), found ${q(found)}.`,
  },
  unknownPrimitive: {
    code: "RACE061",
    severity: "error",
    /** `noun`: "work item", "workqueue", …; `example`: its declaration. */
    text: (noun: string, name: string, example: string) => `Unknown ${noun} ${q(name)}; declare it, e.g. ${q(example)}.`,
  },
  wrongTarget: {
    code: "RACE062",
    severity: "error",
    text: (verb: string, wants: string, name: string, is: string) => `${q(verb)} takes ${article(wants)}, but ${q(name)} is ${article(is)}.`,
  },
  verbNeedsTarget: {
    code: "RACE063",
    severity: "error",
    text: (verb: string, wants: string) => `${q(verb)} needs ${article(wants)}: '${verb} NAME'.`,
  },
  verbBlock: {
    code: "RACE064",
    severity: "error",
    text: (verb: string, needsOne: boolean) =>
      needsOne ? `${q(verb)} needs a block: '${verb} KN { … }' runs the block holding an active reference on the node.` : `${q(verb)} takes no block; remove the braces.`,
  },
  verbOutsideCondition: {
    code: "RACE065",
    severity: "error",
    text: (verb: string) => `${q(verb)} is only allowed as the whole condition of an 'if' or a 'while', negated or not: 'if ${verb} X { … } else { … }'.`,
  },
  shouldStopOutsideKthread: {
    code: "RACE066",
    severity: "error",
    /** `thread`: what runs it ("CPU 'A'", "work item 'w'"). */
    text: (thread: string) => `'kthread_should_stop()' asks whether the running kthread was stopped; here it runs in ${thread}, which is not a kthread.`,
  },
  workParams: {
    code: "RACE067",
    severity: "error",
    text: (work: string, kind: "several" | "noObjects") =>
      kind === "several"
        ? `A work item binds one parameter, to each of its objects: 'work ${work}[a, b] on Q (d) { … }'.`
        : `'(…)' binds each object of a work item declared for objects ('work ${work}[a, b] on Q (d)'); this one lists none.`,
  },
  maxActive: {
    code: "RACE068",
    severity: "error",
    text: (kind: "range" | "ordered", value?: string) =>
      kind === "ordered" ? `An ordered workqueue runs one item at a time (max_active 1); remove 'max_active'.` : `max_active must be between 1 and 255, not ${value}.`,
  },
  handlerOn: {
    code: "RACE070",
    severity: "error",
    text: (context: string, name: string, found: string) => `Expected 'on' and the CPU the handler interrupts ('${context} ${name} on CPU0 { … }'), found ${q(found)}.`,
  },
  unknownCpu: {
    code: "RACE071",
    severity: "error",
    /** `thread`: what `name` is instead, when it names a work item or kthread (a handler cannot interrupt one: it runs on no `cpu` of its own). */
    text: (name: string, handler: string, thread?: string) =>
      thread
        ? `Handler ${q(handler)} interrupts a CPU declared with 'cpu', and ${q(name)} is a ${thread}: a handler here cannot fire on a work item or a kthread. To check a lock it shares with the handler, take it with interrupts on in a 'cpu' block the handler interrupts.`
        : `Unknown CPU ${q(name)}: handler ${q(handler)} interrupts a CPU declared with 'cpu ${name} { … }'.`,
  },
  unusedPrimitive: {
    code: "RACE069",
    severity: "warning",
    /** `what`: "Workqueue", "Work item", …; `never`: "never queued", "never used". */
    text: (what: string, name: string, never: string) => `${what} ${q(name)} is ${never}; remove it or use it.`,
  },
  // several files (RACE08x, race-language.md §11)
  cannotImport: {
    code: "RACE080",
    severity: "error",
    text: cannotImport,
  },
  importCycle: {
    code: "RACE081",
    severity: "error",
    /** `chain`: the files, the first repeated at the end. */
    text: (chain: readonly string[]) => `Import cycle: ${chain.join(" → ")}. A file cannot import itself, directly or through the files it imports; move what both need into a third file.`,
  },
  notInImport: {
    code: "RACE082",
    severity: "error",
    /** `what`: the item's word (`cpu`, `expect`, `scenario`, `irq`, `softirq`); `file`: the imported file. */
    text: (what: string, file: string) =>
      `${q(file)} is imported, and an imported file only declares (locks, variables, functions, drivers, workqueues, work items, kthreads, completions, kernfs nodes, SRCU domains, objects): its ${q(what)} is ignored. Move it into the scenario that imports ${q(file)}.`,
  },
  importLimit: {
    code: "RACE083",
    severity: "error",
    text: (limit: { readonly kind: "files" | "chars"; readonly max: number }) =>
      limit.kind === "files"
        ? `Too many imported files: at most ${limit.max.toLocaleString("en-US")} are loaded for one scenario; this import and any after it are not read.`
        : `The imported files are too large: at most ${limit.max.toLocaleString("en-US")} characters in all are read for one scenario; this import is not read.`,
  },
  inImportedFile: {
    code: "RACE084",
    severity: "error",
    /** What the imported file says: where (`linux/pci:12:3`), its code and sentence, and how many more like it there are. */
    text: (where: string, code: string, message: string, more: number) =>
      `In ${where}: ${message} [${code}]${more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"} in imported files)` : ""}`,
  },
  driverAsValue: {
    code: "RACE085",
    severity: "error",
    /** `via`: the parameter it is bound to and where it was passed (`line:column`). */
    text: (driver: string, via?: { readonly param: string; readonly at: string }) =>
      `${q(driver)} is a driver${via ? ` (bound to ${q(via.param)} at ${via.at})` : ""}; a driver is only called through, as '${via?.param ?? driver}.remove(d)', or passed on as an argument.`,
  },
  notADriver: {
    code: "RACE086",
    severity: "error",
    /** `what`: what the parameter is bound to ("object instance pf", "int 3"); `at`: where it was passed. */
    text: (param: string, what: string, at: string) => `${q(param)} is called through as a driver, but it is bound to the ${what} passed at ${at}; pass a driver's name.`,
  },
  // warnings (RACE05x)
  unusedLock: {
    code: "RACE050",
    severity: "warning",
    text: (name: string) => `Lock ${q(name)} is never taken; remove it or use it.`,
  },
  unusedVariable: {
    code: "RACE051",
    severity: "warning",
    text: (name: string) => `Variable ${q(name)} is never used; remove it or use it.`,
  },
  unusedFunction: {
    code: "RACE052",
    severity: "warning",
    text: (name: string) => `Function ${q(name)} is never called; remove it or call it from a CPU.`,
  },
  unusedCallback: {
    code: "RACE053",
    severity: "warning",
    text: (driver: string, cb: string) => `Callback ${driver}.${cb}() is never called.`,
  },
  // lockdep's irq-state reports (§10)
  irqUnreached: {
    code: "RACE120",
    severity: "information",
    text: (title: string, locks: readonly string[], complete: boolean) =>
      complete
        ? `lockdep would report "${title}" on ${locks.join(" → ")}, but no interleaving of this scenario deadlocks through an interrupt on it.`
        : `lockdep would report "${title}" on ${locks.join(" → ")}; no deadlock on it found before the search stopped.`,
  },
  sleepInAtomic: {
    code: "RACE122",
    severity: "warning",
    text: (cpu: string, action: string, why: string) => `${cpu} may sleep in ${q(action)} ${why}: the kernel reports "BUG: sleeping function called from invalid context" (might_sleep()).`,
  },
  irqConfirmed: {
    code: "RACE121",
    severity: "hint",
    text: (title: string, locks: readonly string[]) => `lockdep reports this as "${title}" on ${locks.join(" → ")}: the deadlock through an interrupt handler reported here.`,
  },
  // engine findings (RACE1xx)
  deadlock: { code: "RACE100", severity: "error", text: finding },
  hang: { code: "RACE101", severity: "error", text: finding },
  violation: { code: "RACE102", severity: "error", text: finding },
  badUnlock: { code: "RACE103", severity: "error", text: finding },
  lockHeldAtExit: { code: "RACE104", severity: "error", text: finding },
  overflow: { code: "RACE105", severity: "error", text: finding },
  sectionUnbalanced: { code: "RACE112", severity: "error", text: finding },
  sectionOpenAtExit: { code: "RACE113", severity: "error", text: finding },
  queueDestroyed: { code: "RACE114", severity: "error", text: finding },
  queueDraining: { code: "RACE115", severity: "error", text: finding },
  kthreadRunTwice: { code: "RACE116", severity: "error", text: finding },
  removeSelfOutside: { code: "RACE117", severity: "error", text: finding },
  irqUnbalanced: { code: "RACE118", severity: "error", text: finding },
  irqStateAtExit: { code: "RACE119", severity: "error", text: finding },
  expectationNotMet: {
    code: "RACE106",
    severity: "error",
    /** `states`: how many the complete search reached; undefined when it stopped early. */
    text: (expectation: string, missing: readonly ExpectKind[], states: number | undefined) =>
      `Expected ${expectation}, but ${missing.map((k) => `no ${NOT_FOUND[k]}`).join(", ")} was found ${states === undefined ? "before the search stopped" : `in any of the ${count(states)} reachable states`}.`,
  },
  inversionGated: {
    code: "RACE107",
    severity: "hint",
    text: (locks: readonly string[], gate: readonly string[]) => `Lock-order inversion ${cycleText(locks)} cannot deadlock: every path that takes these locks holds ${gate.join(", ")} first.`,
  },
  /** After a search that stopped early, a warning (analysis.ts). */
  inversionUnreached: { code: "RACE108", severity: "information", text: inversionUnreached },
  incomplete: {
    code: "RACE109",
    severity: "warning",
    text: (stoppedBy: SearchStop, states: number) =>
      `The search stopped at ${SEARCH_STOPPED[stoppedBy]} after ${count(states)} states; it confirms only what it found and claims no safety.`,
  },
  internal: {
    code: "RACE199",
    severity: "error",
    text: (detail: string) => `Internal error (please report it): ${detail}`,
  },
  // coverage (RACE15x)
  neverReached: {
    code: "RACE150",
    severity: "information",
    text: () => `Never reached in any interleaving.`,
  },
  vacuousAssert: {
    code: "RACE151",
    severity: "warning",
    text: (expectation: string) => `This assert is never reached in any interleaving, so 'expect ${expectation}' claims nothing about it (vacuous).`,
  },
  cyclesIncomplete: {
    code: "RACE111",
    severity: "warning",
    text: (found: number, stoppedBy: CyclesStop) =>
      `Only ${found} lock-order cycle${found === 1 ? " was" : "s were"} listed: the search for them stopped (${CYCLES_STOPPED[stoppedBy]}); others may exist, unreported.`,
  },
  // the editor's checking worker (RACE11x)
  outOfMemory: {
    code: "RACE110",
    severity: "warning",
    text: (limitMb: number) =>
      `The check ran out of memory at ${limitMb} MB and was stopped; nothing was verified. Lower race.maxStates or simplify the scenario (calls are expanded at compile time, so a call chain that fans out grows exponentially), or raise race.workerMemoryMb.`,
  },
  // lockdep reports (RACE17x): `race import` and the editor's conversion (server/src/import/)
  lockdepReport: {
    code: "RACE170",
    severity: "error",
    text: (header: string, count: number) =>
      `This looks like a lockdep report (${header}${count > 1 ? `, and ${count - 1} more` : ""}), not a scenario: use the quick fix 'Convert lockdep report to a scenario' (or \`race import\`) to write it as one.`,
  },
  importNoReport: {
    code: "RACE171",
    severity: "error",
    text: (source: string, others: readonly string[]) =>
      `${others.length > 0 ? `${source} has lockdep reports race import does not read (${others.join("; ")})` : `No lockdep report found in ${source}`}; it reads 'possible circular locking dependency', 'possible recursive locking', 'inconsistent lock state', 'possible irq lock inversion dependency' and 'HARDIRQ-safe -> HARDIRQ-unsafe lock order' reports (with their WARNING line).`,
  },
  importIncompleteReport: {
    code: "RACE172",
    severity: "warning",
    text: (line: number, header: string, missing: string) => `The report at input line ${line} (${header}) has no ${missing}; it is not imported.`,
  },
  importPseudoLock: {
    code: "RACE173",
    severity: "information",
    text: (cls: string, what: string, primitive: string) => `${cls} is ${what}; the scenario writes it as ${primitive}.`,
  },
  importUnmapped: {
    code: "RACE174",
    severity: "information",
    text: (cls: string, what: string, kind: string) => `${cls} is ${what}: written as a plain ${kind}.`,
  },
  importInterrupt: {
    code: "RACE175",
    severity: "information",
    text: (context: string, handler: string, cpu: string) =>
      `The ${context} is written as the handler '${handler}' on ${cpu} (race-language.md §10): the check lets it fire wherever ${cpu} has ${context === "softirq" ? "softirqs" : "interrupts"} on, not only where lockdep's scenario shows it; check that it can fire there.`,
  },
  importGap: {
    code: "RACE176",
    severity: "warning",
    text: (what: string) => `The report lacks ${what}.`,
  },
  importWritten: {
    code: "RACE177",
    severity: "information",
    text: (index: number, header: string, task: string, first: number, last: number, dest: string) =>
      `Report ${index} (${header}, ${task}, input lines ${first}–${last}) → ${dest}; check it with 'race check'.`,
  },
  importUsage: {
    code: "RACE178",
    severity: "error",
    text: importUsage,
  },
  importCannotRead: {
    code: "RACE179",
    severity: "error",
    text: (what: string, why: string, verb: "read" | "write" = "read") => `Cannot ${verb} ${what}: ${why}.`,
  },
} as const satisfies Record<string, { code: string; severity: Severity; text: (...args: never[]) => string }>;

export type MessageId = keyof typeof catalogue;

type Args<K extends MessageId> = Parameters<(typeof catalogue)[K]["text"]>;

export function diagnostic<K extends MessageId>(
  id: K,
  at: Span,
  ...args: Args<K>
): Diagnostic {
  const entry = catalogue[id];
  const text = (entry.text as (...a: Args<K>) => string)(...args);
  return { code: entry.code, severity: entry.severity, message: text, span: at };
}

export function withRelated(d: Diagnostic, related: readonly Related[]): Diagnostic {
  return related.length === 0 ? d : { ...d, related };
}

export function withSeverity(d: Diagnostic, severity: Severity): Diagnostic {
  return { ...d, severity };
}
