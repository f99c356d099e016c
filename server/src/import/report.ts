// One lockdep report's text read into its parts: the task, the lock it tries
// and the locks it holds, the dependency chain with each entry's stack, the
// irq usage stacks, lockdep's "possible unsafe locking scenario" and the
// backtrace. Lines that are none of these (console noise between the
// report's lines) are skipped wherever they fall.

import { isOutermost, isStackMarker, parseArmFrame, parseFrame, type Frame } from "./frames";
import type { InputLine, ReportKind, ReportText } from "./input";
import { unreachable } from "../language/ast";

/** A lock as lockdep prints it: `ff11… (pci_rescan_remove_lock){+.+.}-{3:3}, at: rescan_store+0x96/0xd0`. */
export interface LockLine {
  /** The lock class as printed inside the parentheses: `&dev->mutex`, `(work_completion)(&wfc.work)`. */
  readonly cls: string;
  /** The usage string `+.+.`: per irq state, written (W) then read (R) usage. */
  readonly usage: string | undefined;
  /** The wait type `3:3`, when printed. */
  readonly wait: string | undefined;
  /** Where it was taken, or is being taken. */
  readonly at: Frame | undefined;
}

export interface ChainEntry {
  /** `-> #N`: N counts down to 0, the lock the task is trying to acquire. */
  readonly n: number;
  readonly lock: LockLine;
  /** Innermost first. */
  readonly stack: readonly Frame[];
}

/** A line of lockdep's "Possible unsafe locking scenario" table. */
export interface ScenarioOp {
  readonly cpu: 0 | 1;
  readonly op: "lock" | "rlock" | "sync" | "interrupt" | "irqs-off";
  readonly cls: string | undefined;
}

export interface UsageStack {
  /** `HARDIRQ-ON-R`, `IN-SOFTIRQ-W`, `INITIAL USE`, … */
  readonly state: string;
  readonly stack: readonly Frame[];
}

/** `-> (tasklist_lock){.+.+}-{2:2} { … } … acquired at:` in the irq reports. */
export interface DependencyBlock {
  readonly lock: LockLine;
  readonly usages: readonly UsageStack[];
  readonly acquiredAt: readonly Frame[];
}

export type Irq = "HARDIRQ" | "SOFTIRQ";

interface Common {
  readonly header: string;
  /** `6.7.0-rc1-kts`, when printed. */
  readonly kernel: string | undefined;
  /** `bash/1615`. */
  readonly task: string;
  readonly firstLine: number;
  readonly lastLine: number;
  /** "N locks held by TASK". */
  readonly held: readonly LockLine[];
  /** Innermost first; empty when the report stops before it. */
  readonly backtrace: readonly Frame[];
  readonly scenario: readonly ScenarioOp[];
  /** "Chain exists of: A --> B --> C". */
  readonly chainOf: readonly string[];
}

export type LockdepReport =
  | (Common & { readonly kind: "circular"; readonly trying: LockLine; readonly holding: LockLine; readonly chain: readonly ChainEntry[] })
  | (Common & { readonly kind: "recursive"; readonly trying: LockLine; readonly holding: LockLine })
  | (Common & {
      readonly kind: "inconsistent";
      /** `SOFTIRQ-ON-W`: the usage registered before, with its stack. */
      readonly from: string;
      /** `IN-SOFTIRQ-W`: the usage now, in the backtrace. */
      readonly to: string;
      readonly lock: LockLine;
      readonly registered: readonly Frame[];
    })
  | (Common & {
      readonly kind: "irq-inversion";
      /** The lock whose irq state just changed (taken by the task now). */
      readonly changed: LockLine;
      readonly other: LockLine;
      /** "took another, X-unsafe lock": the other lock is the unsafe one. */
      readonly otherIs: "safe" | "unsafe";
      readonly irq: Irq;
      /** The unsafe usage is a read (`SOFTIRQ-READ-unsafe`). */
      readonly read: boolean;
      readonly blocks: readonly DependencyBlock[];
    })
  | (Common & {
      readonly kind: "safe-unsafe";
      readonly trying: LockLine;
      readonly holding: LockLine;
      readonly irq: Irq;
      readonly safe: LockLine;
      readonly safeAt: readonly Frame[];
      readonly unsafe: LockLine;
      readonly unsafeAt: readonly Frame[];
      readonly blocks: readonly DependencyBlock[];
    });

/** What is missing from a report that should have it (a noun phrase: "has no …"). */
export class ReportError extends Error {}

const LOCK = /^\s*(?:[0-9a-fA-F]{6,16}\s+)?\((.+)\)\{([-.+?]{2,})\}(?:-\{(\d+:\d+)\})?(?:,\s*at:\s*(.*))?$/;
const CHAIN_ENTRY = /^\s*-> #(\d+) \((.+)\)\{([-.+?]{2,})\}(?:-\{(\d+:\d+)\})?:\s*$/;
const DEP_BLOCK = /^\s*-> \((.+)\)\{([-.+?]{2,})\}(?:-\{(\d+:\d+)\})? \{\s*$/;
const USAGE = /^\s*((?:IN-)?(?:HARDIRQ|SOFTIRQ)(?:-ON)?-[RW]|INITIAL (?:READ )?USE) at:\s*$/;
/** Lines that end a stack even without a blank line before them. */
const STACK_END = /^\s*(-> |other info that might help|\.\.\. |Chain exists of|Possible (?:interrupt )?unsafe locking scenario|\d+ locks? held by|no locks held by|stack backtrace:|the (existing|shortest|dependencies)|but |and |which |to a |irq event stamp|\}|\{|\*\*\*|---\[ end trace|(?:WARNING|BUG|INFO):|=+$)/;

class Reader {
  constructor(readonly lines: readonly InputLine[]) {}

  text(i: number): string {
    return this.lines[i]?.text ?? "";
  }

  find(re: RegExp, from = 0): number {
    for (let i = from; i < this.lines.length; i++) if (re.test(this.text(i))) return i;
    return -1;
  }

  /** The lock line at or after `from` (skipping blank and noise lines), with its `at:` on the next line if wrapped. */
  lockAfter(from: number, look = 6): { lock: LockLine; next: number } | undefined {
    for (let i = from; i < this.lines.length && i < from + look; i++) {
      const m = LOCK.exec(this.text(i));
      if (!m) continue;
      let at = m[4] ? parseFrame(m[4]) : undefined;
      let next = i + 1;
      // `at:` wrapped onto the next line, perhaps with a console line between.
      for (let j = i + 1; m[4] !== undefined && m[4].trim() === "" && j < i + 4 && j < this.lines.length; j++) {
        at = parseFrame(this.text(j));
        if (at) {
          next = j + 1;
          break;
        }
      }
      return { lock: { cls: m[1]!, usage: m[2], wait: m[3], at }, next };
    }
    return undefined;
  }

  /** Frames from `from` on, innermost first, up to a blank line or the next section. */
  stack(from: number): { frames: Frame[]; next: number } {
    const frames: Frame[] = [];
    let armCaller: Frame | undefined;
    let i = from;
    for (; i < this.lines.length; i++) {
      const t = this.text(i);
      if (t.trim() === "") {
        if (frames.length > 0) break;
        continue;
      }
      if (STACK_END.test(t) || USAGE.test(t)) break;
      if (isStackMarker(t)) continue;
      const arm = parseArmFrame(t);
      if (arm) {
        frames.push(arm.callee);
        armCaller = arm.caller;
        continue;
      }
      const f = parseFrame(t);
      if (!f) continue;
      frames.push(f);
      if (isOutermost(f.name)) {
        i++;
        break;
      }
    }
    if (armCaller && frames.at(-1)?.name !== armCaller.name) frames.push(armCaller);
    return { frames, next: i };
  }

  /** "N locks held by TASK:" and its `#i:` lines (for a lock printed twice, with inline frames, the last `at:`). */
  held(): { held: LockLine[]; by: string | undefined } {
    const i = this.find(/^\s*\d+ locks? held by (.+):\s*$/);
    if (i < 0) return { held: [], by: undefined };
    const by = /held by (.+):/.exec(this.text(i))![1]!;
    const byIndex = new Map<string, LockLine>();
    for (let j = i + 1; j < this.lines.length; j++) {
      const t = this.text(j);
      const m = /^\s*#(\d+):\s*(.*)$/.exec(t);
      if (!m) {
        if (t.trim() === "" || STACK_END.test(t)) break;
        continue;
      }
      const lock = LOCK.exec(m[2]!);
      if (!lock) continue;
      const at = lock[4] ? parseFrame(lock[4]) : undefined;
      const prior = byIndex.get(m[1]!);
      // syzbot prints an inlined helper first and its caller second: the caller is the frame on the stack.
      if (!prior || (at && !at.inline)) byIndex.set(m[1]!, { cls: lock[1]!, usage: lock[2], wait: lock[3], at: at ?? prior?.at });
    }
    return { held: [...byIndex.values()], by };
  }

  backtrace(): Frame[] {
    const i = this.find(/^\s*stack backtrace:/);
    return i < 0 ? [] : this.stack(i + 1).frames;
  }

  scenario(): ScenarioOp[] {
    const head = this.find(/Possible (?:interrupt )?unsafe locking scenario/);
    if (head < 0) return [];
    const cols = this.find(/^\s*CPU0(\s+CPU1)?\s*$/, head);
    if (cols < 0) return [];
    const colText = expandTabs(this.text(cols));
    const cpu1 = colText.indexOf("CPU1");
    const ops: ScenarioOp[] = [];
    for (let i = cols + 1; i < this.lines.length; i++) {
      const t = expandTabs(this.text(i));
      if (/\*\*\* DEADLOCK \*\*\*/.test(t)) break;
      const indent = t.length - t.trimStart().length;
      const cpu: 0 | 1 = cpu1 > 0 && indent >= cpu1 - 2 ? 1 : 0;
      const body = t.trim();
      if (body === "<Interrupt>") ops.push({ cpu, op: "interrupt", cls: undefined });
      else if (/^local_irq_disable\(\);$/.test(body)) ops.push({ cpu, op: "irqs-off", cls: undefined });
      else {
        const m = /^(lock|rlock|sync)\((.+)\);$/.exec(body);
        if (m) ops.push({ cpu, op: m[1] as "lock" | "rlock" | "sync", cls: m[2]! });
      }
    }
    return ops;
  }

  chainOf(): string[] {
    const i = this.find(/^\s*Chain exists of:/);
    if (i < 0) return [];
    for (let j = i + 1; j < i + 4 && j < this.lines.length; j++) {
      const t = this.text(j).trim();
      if (t.includes(" --> ")) return t.split(" --> ").map((s) => s.trim());
    }
    return [];
  }

  kernel(): string | undefined {
    const i = this.find(/^\s*\S+ #\d+ (?:Not tainted|Tainted:)/);
    return i < 0 ? undefined : this.text(i).trim().split(" ")[0];
  }

  /** `-> (X){…} {` blocks with their usage stacks and `... acquired at:` stack. */
  dependencyBlocks(): DependencyBlock[] {
    const blocks: DependencyBlock[] = [];
    for (let i = 0; i < this.lines.length; i++) {
      const m = DEP_BLOCK.exec(this.text(i));
      if (!m) continue;
      const usages: UsageStack[] = [];
      let j = i + 1;
      for (; j < this.lines.length; j++) {
        const t = this.text(j);
        const u = USAGE.exec(t);
        if (u) {
          const s = this.stack(j + 1);
          usages.push({ state: u[1]!, stack: s.frames });
          j = s.next - 1;
          continue;
        }
        if (/^\s*\}\s*$/.test(t) || DEP_BLOCK.test(t)) break;
      }
      const acq = this.find(/^\s*\.\.\. acquired at:/, j);
      const nextBlock = this.find(DEP_BLOCK, j + 1);
      const acquiredAt = acq >= 0 && (nextBlock < 0 || acq < nextBlock) ? this.stack(acq + 1).frames : [];
      blocks.push({ lock: { cls: m[1]!, usage: m[2], wait: m[3], at: undefined }, usages, acquiredAt });
    }
    return blocks;
  }
}

function expandTabs(s: string): string {
  let out = "";
  for (const ch of s) out += ch === "\t" ? " ".repeat(8 - (out.length % 8)) : ch;
  return out;
}

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new ReportError(what);
  return value;
}

/** Reads one report; throws ReportError naming what a report of its kind must have and this one lacks. */
export function parseReport(r: ReportText): LockdepReport {
  const rd = new Reader(r.lines);
  const { held, by } = rd.held();
  const common = {
    header: r.header,
    kernel: rd.kernel(),
    firstLine: r.firstLine,
    lastLine: r.lastLine,
    held,
    backtrace: rd.backtrace(),
    scenario: rd.scenario(),
    chainOf: rd.chainOf(),
  };
  const kind: ReportKind = r.kind;
  switch (kind) {
    case "circular":
    case "recursive": {
      const t = rd.find(/^\s*(.+?) (?:\[HC.*\] )?is trying to acquire lock:\s*$/);
      const task = t >= 0 ? /^\s*(.+?) (?:\[HC.*\] )?is trying to acquire/.exec(rd.text(t))![1]! : (by ?? "task");
      const trying = need(t >= 0 ? rd.lockAfter(t + 1) : undefined, "line naming the lock the task is trying to acquire").lock;
      const h = rd.find(/but task is already holding lock:/);
      const holding = need(h >= 0 ? rd.lockAfter(h + 1) : undefined, "line naming the lock the task already holds").lock;
      if (kind === "recursive") return { ...common, kind, task, trying, holding };
      const chain: ChainEntry[] = [];
      for (let i = rd.find(/the existing dependency chain/); i >= 0 && i < r.lines.length; i++) {
        const m = CHAIN_ENTRY.exec(rd.text(i));
        if (!m) continue;
        const s = rd.stack(i + 1);
        chain.push({ n: Number(m[1]), lock: { cls: m[2]!, usage: m[3], wait: m[4], at: undefined }, stack: s.frames });
        i = s.next - 1;
      }
      if (chain.length < 2) throw new ReportError("dependency chain (`-> #N (lock):` entries with their stacks)");
      return { ...common, kind, task, trying, holding, chain };
    }
    case "inconsistent": {
      const u = rd.find(/inconsistent \{(.+)\} -> \{(.+)\} usage/);
      const m = need(u >= 0 ? /inconsistent \{(.+)\} -> \{(.+)\} usage/.exec(rd.text(u)) : undefined, "usage change ({A} -> {B})");
      const t = rd.find(/^\s*(.+?) \[HC.*\] takes:\s*$/);
      const task = t >= 0 ? /^\s*(.+?) \[HC/.exec(rd.text(t))![1]! : (by ?? "task");
      const lock = need(t >= 0 ? rd.lockAfter(t + 1) : undefined, "line naming the lock the task takes").lock;
      const reg = rd.find(/^\s*\{.+\} state was registered at:/);
      const registered = reg >= 0 ? rd.stack(reg + 1).frames : [];
      return { ...common, kind, task, from: m[1]!, to: m[2]!, lock, registered };
    }
    case "irq-inversion": {
      const t = rd.find(/just changed the state of lock:/);
      const task = t >= 0 ? /^\s*(.+?) just changed/.exec(rd.text(t))![1]! : (by ?? "task");
      const changed = need(t >= 0 ? rd.lockAfter(t + 1) : undefined, "line naming the lock whose state changed").lock;
      const o = rd.find(/but this lock (took|was taken by) another, (HARDIRQ|SOFTIRQ)-(READ-)?(safe|unsafe) lock in the past:/);
      const om = need(o >= 0 ? /but this lock (took|was taken by) another, (HARDIRQ|SOFTIRQ)-(READ-)?(safe|unsafe)/.exec(rd.text(o)) : undefined, "line naming the other lock of the inversion");
      const other = need(rd.lockAfter(o + 1), "line naming the other lock of the inversion").lock;
      const otherIs = om[4] === "safe" ? "safe" : "unsafe";
      return { ...common, kind, task, changed, other, otherIs, irq: om[2] as Irq, read: om[3] !== undefined, blocks: rd.dependencyBlocks() };
    }
    case "safe-unsafe": {
      const t = rd.find(/is trying to acquire:\s*$/);
      const task = t >= 0 ? /^\s*(.+?) (?:\[HC.*\] )?is trying to acquire/.exec(rd.text(t))![1]! : (by ?? "task");
      const trying = need(t >= 0 ? rd.lockAfter(t + 1) : undefined, "line naming the lock the task is trying to acquire").lock;
      const h = rd.find(/and this task is already holding:/);
      const holding = need(h >= 0 ? rd.lockAfter(h + 1) : undefined, "line naming the lock the task already holds").lock;
      const s = rd.find(/connects a (HARDIRQ|SOFTIRQ)-irq-safe lock:/);
      const irq = need(s >= 0 ? (/(HARDIRQ|SOFTIRQ)-irq-safe/.exec(rd.text(s))![1] as Irq) : undefined, "line naming the irq-safe lock");
      const safe = need(rd.lockAfter(s + 1), "line naming the irq-safe lock").lock;
      const sa = rd.find(/\.\.\. which became (HARDIRQ|SOFTIRQ)-irq-safe at:/, s);
      const un = rd.find(/to a (HARDIRQ|SOFTIRQ)-irq-unsafe lock:/, s);
      const unsafe = need(un >= 0 ? rd.lockAfter(un + 1) : undefined, "line naming the irq-unsafe lock").lock;
      const ua = rd.find(/\.\.\. which became (HARDIRQ|SOFTIRQ)-irq-unsafe at:/, un);
      return {
        ...common,
        kind,
        task,
        trying,
        holding,
        irq,
        safe,
        safeAt: sa >= 0 ? rd.stack(sa + 1).frames : [],
        unsafe,
        unsafeAt: ua >= 0 ? rd.stack(ua + 1).frames : [],
        blocks: rd.dependencyBlocks(),
      };
    }
    default:
      return unreachable(kind);
  }
}
