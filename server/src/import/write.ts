// A planned scenario as `.race` text: the header listing lockdep's three
// assumptions with the lines that encode each, the lock classes (the cycle's
// with a commented-out two-instance declaration), then per thread its
// functions, innermost first as the stacks print them, and its `cpu` block.

import type { Frame } from "./frames";
import { commentText, identifier, lockIdentifier, Namer, stringLiteral } from "./names";
import type { Hold, PathPlan, PlannedLock, ScenarioPlan, ThreadPlan } from "./plan";
import { INTERRUPTS, WRITE_AS, type Nature, type Row } from "./writeAs";

export interface WrittenScenario {
  readonly text: string;
  /** Each lock class's identifier in the scenario. */
  readonly ids: ReadonlyMap<string, string>;
  /** Each thread's name (its `cpu`, or the work item it is the body of), in the plan's thread order. */
  readonly cpus: readonly string[];
  /** Each lock class as the check's reports name it (`(work_completion)(&W)`, `kn->active#KN`). */
  readonly reported: ReadonlyMap<string, string>;
  /** The interrupt handlers written. */
  readonly handlers: readonly { readonly keyword: string; readonly name: string; readonly cpu: string }[];
}

/** A line of the body, with what it stands for in the header. */
interface Line {
  readonly text: string;
  readonly tags?: readonly Tag[];
}

type Tag = "thread" | "decl" | "state";

const INDENT = "  ";

/** A work item the scenario declares: its body's threads (several are merged into an `either`) and its queue. */
interface WorkItem {
  readonly id: string;
  /** The `(work_completion)` class; undefined for an item lockdep names only by its queue. */
  readonly cls: string | undefined;
  readonly queue: string;
  readonly bodies: ThreadPlan[];
  /** Each body's label, and code, as written so far. */
  readonly heading: string[];
  readonly codes: string[][];
}

class Writer {
  readonly lines: Line[] = [];
  readonly ids = new Map<string, string>();
  private readonly names = new Namer();
  private readonly cpuNames = new Namer();
  /** `name\0body` → the fn's final name, so that identical frames are written once. */
  private readonly fns = new Map<string, string>();
  /** Work items by `(work_completion)` class, or by thread for those named only by their queue. */
  private readonly works = new Map<string | ThreadPlan, WorkItem>();
  /** system_wq ("events"), for the items whose queue the report does not name; declared when used. */
  private defaultQueue: { id: string; declared: boolean } | undefined;
  /** Each thread's name in the scenario (a `cpu`, or the work item it is the body of). */
  readonly threadNames = new Map<ThreadPlan, string>();
  /** The handlers written: keyword, name and CPU. */
  readonly handlers: { keyword: string; name: string; cpu: string }[] = [];
  /** `queue_work` lines each `cpu` starts with. */
  private readonly queued = new Map<ThreadPlan, WorkItem[]>();

  constructor(private readonly plan: ScenarioPlan) {
    for (const l of plan.locks) this.ids.set(l.cls, this.names.take(lockIdentifier(l.cls)));
    this.planWorks();
  }

  id(cls: string): string {
    return this.ids.get(cls) ?? cls;
  }

  nature(cls: string): Nature {
    return this.plan.locks.find((l) => l.cls === cls)?.nature ?? "mutex";
  }

  row(cls: string): Row {
    return WRITE_AS[this.nature(cls)];
  }

  push(text: string, ...tags: Tag[]): void {
    this.lines.push(tags.length > 0 ? { text, tags } : { text });
  }

  private queueOf(cls: string | undefined): string {
    if (cls !== undefined) return this.id(cls);
    const events = this.plan.locks.find((l) => l.nature === "workqueue" && l.cls === "(wq_completion)events");
    if (events) return this.id(events.cls);
    this.defaultQueue ??= { id: this.names.take("events"), declared: false };
    return this.defaultQueue.id;
  }

  /**
   * The work items: one per `(work_completion)` class (a path lockdep saw
   * holding it is its body; several are one body, each a branch of an
   * `either`), one per thread that holds only a queue; each queued at the
   * start of the first `cpu` that waits for it (flushes it or its queue), else
   * of the first `cpu`, else of a `cpu` of its own.
   */
  private planWorks(): void {
    for (const l of this.plan.locks) {
      if (l.nature !== "work") continue;
      const bodies = this.plan.threads.filter((t) => t.work?.cls === l.cls);
      const queue = bodies.map((t) => t.work!.queue).find((q) => q !== undefined);
      this.works.set(l.cls, { id: this.id(l.cls), cls: l.cls, queue: this.queueOf(queue), bodies, heading: [], codes: [] });
    }
    for (const t of this.plan.threads) {
      if (!t.work || t.work.cls !== undefined) continue;
      const base = identifier(`${t.path.frames[0]?.name ?? lockIdentifier(t.work.queue!)}_work`, "work");
      this.works.set(t, { id: this.names.take(base), cls: undefined, queue: this.queueOf(t.work.queue), bodies: [t], heading: [], codes: [] });
    }
    const cpus = this.plan.threads.filter((t) => !t.work);
    const waitsFor = (t: ThreadPlan, w: WorkItem): boolean => {
      const target = t.path.target;
      return (w.cls !== undefined && target.cls === w.cls) || (this.nature(target.cls) === "workqueue" && this.id(target.cls) === w.queue);
    };
    for (const w of this.works.values()) {
      if (w.bodies.length === 0) continue;
      const queuer = cpus.find((t) => waitsFor(t, w)) ?? cpus[0];
      if (!queuer) continue;
      const list = this.queued.get(queuer) ?? [];
      list.push(w);
      this.queued.set(queuer, list);
    }
  }

  /** Work items no `cpu` can queue (every thread is a work item): a `cpu` of their own queues them. */
  private unqueued(): WorkItem[] {
    const queued = new Set([...this.queued.values()].flat());
    return [...this.works.values()].filter((w) => w.bodies.length > 0 && !queued.has(w));
  }

  declarations(): void {
    const chain = new Set(this.plan.chain);
    const inChain = this.plan.locks.filter((l) => chain.has(l.cls));
    const others = this.plan.locks.filter((l) => !chain.has(l.cls));
    this.push(`// The lock classes of ${this.plan.chain.length > 1 ? "the cycle" : "the report"}, one lock each (assumption 2).`);
    for (const l of inChain) {
      const row = WRITE_AS[l.nature];
      const printed = `${l.cls}${l.usage ? ` {${l.usage}}` : ""}${l.wait ? `-{${l.wait}}` : ""}`;
      const decl = this.declaration(l.cls);
      if (row.pseudo) {
        this.push(`// ${commentText(printed)}: ${row.what}.`);
        this.push(row.primitive ? `// Written as ${row.primitive}.` : `// No construct of the language models it: written as a plain ${kindOf(row, l)}.`);
        if (decl) this.push(decl, "decl");
      } else if (decl) {
        const spins = l.spinsByScenario ? `: lockdep's scenario takes it with interrupts off or under a spinning lock, so it spins (the report does not say whether it is a spinlock_t or an rwlock_t)` : "";
        this.push(`${decl}  // ${commentText(printed)}${row.primitive ? `: ${row.what}, ${row.primitive}` : spins}`, "decl");
      }
      const two = this.twoInstances(l.cls);
      if (two) this.push(two);
    }
    const queues = this.plan.locks.filter((l) => l.nature === "workqueue" && !chain.has(l.cls));
    const rest = others.filter((l) => l.nature !== "workqueue");
    if (queues.length > 0 || this.defaultQueue) {
      this.push("");
      this.push("// Workqueues (not in the cycle):");
      for (const l of queues) this.push(`${this.declaration(l.cls)}  // ${commentText(`${l.cls}${l.usage ? ` {${l.usage}}` : ""}`)}`);
      if (this.defaultQueue) this.push(`workqueue ${this.defaultQueue.id}  // system_wq, assumed: the report does not name the queue of ${this.queueless()}`);
    }
    if (rest.length > 0) {
      this.push("");
      this.push(`// Also held (not in ${this.plan.chain.length > 1 ? "the cycle" : "the report's pair"}):`);
      for (const l of rest) {
        const row = WRITE_AS[l.nature];
        const decl = this.declaration(l.cls);
        const what = `${commentText(`${l.cls}${l.usage ? ` {${l.usage}}` : ""}`)}${row.pseudo || row.primitive ? `: ${row.what}` : ""}`;
        this.push(decl ? `${decl}  // ${what}` : `// ${what}`);
      }
    }
  }

  /** The items whose queue the report does not name. */
  private queueless(): string {
    const ids = [...this.works.values()].filter((w) => w.queue === this.defaultQueue?.id && !w.bodies.some((t) => t.work?.queue !== undefined)).map((w) => w.id);
    return ids.length > 0 ? ids.join(", ") : "its work items";
  }

  /** A class's declaration, or undefined: `rcu` is built in; a work item with a body is declared with it. */
  private declaration(cls: string): string | undefined {
    const nature = this.nature(cls);
    const id = this.id(cls);
    if (nature === "work") {
      const w = this.works.get(cls)!;
      return w.bodies.length > 0 ? undefined : `work ${id} on ${w.queue} { }  // its body is not in the report`;
    }
    if (nature === "workqueue") return `${this.plan.ordered.has(cls) ? "ordered " : ""}workqueue ${id}`;
    return WRITE_AS[nature].declare(id, this.plan.locks.find((l) => l.cls === cls)?.inHandler);
  }

  private twoInstances(cls: string): string | undefined {
    const nature = this.nature(cls);
    const id = this.id(cls);
    const where = this.plan.chain.length > 1 ? `${id}[a] on one path, ${id}[b] on the other` : `${id}[a] where it is first taken, ${id}[b] where it is taken again`;
    if (nature === "rcu") return `// rcu is one domain: there is no second instance to write`;
    if (nature === "workqueue") return `// (2) a second queue: declare another workqueue and put one path's item on it`;
    if (nature === "work") {
      const w = this.works.get(cls)!;
      return `// work ${id}[a, b] on ${w.queue} { … }  // (2) two items: ${where}`;
    }
    return `// ${WRITE_AS[nature].declare(id, this.plan.locks.find((l) => l.cls === cls)?.inHandler)}[a, b]  // (2) two instances: write ${where}`;
  }

  /** The statements of a path's innermost point: the (3) marker, then the acquisition or wait and its release. */
  private targetLines(p: PathPlan): string[] {
    const t = p.target;
    const id = this.id(t.cls);
    // kernfs_remove_self() drops the remover's own reference: only inside its own `sysfs` block.
    const own = [...p.holds.values()].flat().some((h) => h.cls === t.cls);
    const take = t.take.wait === "kernfs_remove_self" && !own ? { ...t.take, wait: "kernfs_remove" as const } : t.take;
    const s = this.row(t.cls).take(id, take);
    const out = [`// (3) lockdep assumes no state stops this ${take.wait ? `wait (${take.wait})` : "acquisition"}; if one does, write it: if … { } or wait until …`];
    out.push(...s.acquire.map((a, i) => (i === 0 ? `${a}  // ${commentText(t.note)}` : a)));
    out.push(...s.release);
    return out;
  }

  /** `inner` with the holds around it, the first hold outermost; a thread's own holds (a work item's) are not written. */
  private held(holds: readonly Hold[] | undefined, inner: readonly string[]): string[] {
    let lines = [...inner];
    for (const h of [...(holds ?? [])].reverse()) {
      const s = this.row(h.cls).hold(this.id(h.cls), h.read, h.irqsOff);
      if (s.kind === "thread") continue;
      if (s.kind === "block") lines = [`${s.open}  // ${commentText(h.note)}`, ...lines.map((l) => INDENT + l), s.close];
      else lines = [`${s.before}  // ${commentText(h.note)}`, ...lines, s.after];
    }
    return lines;
  }

  /** A path with no frames: everything in the thread's own block. */
  private inlineLines(p: PathPlan): string[] {
    return this.held(p.holds.get(-1), this.targetLines(p));
  }

  /**
   * Writes the path's functions (innermost first) unless already written, and
   * returns the outermost one's name. Functions are identified by their name
   * in the stack and their body: the same frame with another continuation
   * (another path through it) gets a numbered name.
   */
  writePath(p: PathPlan): string {
    let callee: string | undefined;
    for (let i = p.frames.length - 1; i >= 0; i--) {
      const f = p.frames[i]!;
      const inner = callee === undefined ? this.targetLines(p) : [`${callee}()`];
      callee = this.fn(f, this.held(p.holds.get(i), inner));
    }
    return callee!;
  }

  private fn(f: Frame, body: readonly string[]): string {
    const base = identifier(f.name, "fn");
    const key = `${base}\0${body.join("\n")}`;
    const known = this.fns.get(key);
    if (known) return known;
    const name = this.names.take(base);
    this.fns.set(key, name);
    const why = [f.raw !== name ? f.raw : undefined, name !== base ? "another path through it" : undefined].filter((x) => x !== undefined);
    const comment = why.length > 0 ? `  // ${why.join("; ")}` : "";
    const simple = body.length === 1 && !body[0]!.includes("//");
    if (simple) {
      this.push(`fn ${name}() { ${body[0]} }${comment}`);
    } else {
      this.push(`fn ${name}() {${comment}`);
      this.block(body, 1);
      this.push("}");
    }
    return name;
  }

  private block(body: readonly string[], depth: number): void {
    for (const line of body) {
      const tags: Tag[] = line.trimStart().startsWith("// (3)") ? ["state"] : [];
      this.push(`${INDENT.repeat(depth)}${line}`, ...tags);
    }
  }

  /** A thread's code: its path's outermost call (or inline code) inside its own holds. */
  private code(t: ThreadPlan): string[] {
    const body = t.path.frames.length > 0 ? [`${this.writePath(t.path)}()`] : this.targetLines(t.path);
    return this.held(t.path.holds.get(-1), body);
  }

  private heading(t: ThreadPlan): void {
    this.push("");
    for (const h of t.heading) for (const l of wrap(commentText(h), 110)) this.push(l);
  }

  private queueLines(items: readonly WorkItem[]): string[] {
    return items.flatMap((w) => [`// (3) lockdep assumes ${w.id} may be pending or running whenever it is waited for: queued here, at the start`, `queue_work ${w.id}`]);
  }

  /** Writes a thread: a `cpu` block, or (a work item's body) the work item once all its bodies are written. */
  thread(t: ThreadPlan): void {
    const w = [...this.works.values()].find((x) => x.bodies.includes(t));
    this.heading(t);
    if (w) {
      this.threadNames.set(t, w.id);
      w.heading.push(`${t.label}`);
      const codes = w.codes;
      codes.push(this.code(t));
      if (codes.length < w.bodies.length) return;
      this.push(`// work ${w.id}: ${w.cls ? commentText(w.cls) : `an item of ${commentText(w.queue)}`}, run by a worker (process_one_work); lockdep saw it run: ${commentText(w.heading.join("; "))}`);
      this.push(`work ${w.id} on ${w.queue} {`, "thread", ...(w.cls && this.plan.chain.includes(w.cls) ? (["decl"] as Tag[]) : []));
      if (codes.length === 1) this.block(codes[0]!, 1);
      else {
        codes.forEach((c, i) => {
          this.push(`${i === 0 ? `${INDENT}either` : `${INDENT}} or`} ${stringLiteral(w.heading[i]!)} {`);
          this.block(c, 2);
        });
        this.push(`${INDENT}}`);
      }
      this.push("}");
      return;
    }
    const name = this.cpuNames.take(identifier(t.name, "cpu"));
    this.names.take(name);
    this.threadNames.set(t, name);
    const code = this.code(t);
    this.push(`cpu ${name} ${stringLiteral(t.label)} {`, "thread");
    this.block([...this.queueLines(this.queued.get(t) ?? []), ...code], 1);
    this.push("}");
    if (t.path.interrupt) this.handler(t.path.interrupt, name);
  }

  /** `irq H on CPU { … }` / `softirq H on CPU { … }`: the handler may fire on the CPU whenever it has that interrupt on. */
  private handler(i: NonNullable<PathPlan["interrupt"]>, cpu: string): void {
    const ctx = INTERRUPTS[i.context];
    const h = i.handler;
    const body = h.frames.length > 0 ? [`${this.writePath(h)}()`] : this.inlineLines(h);
    const base = identifier(`${h.frames[0]?.name ?? "handler"}_${ctx.keyword}`, "handler");
    const name = this.cpuNames.take(this.names.take(base));
    this.handlers.push({ keyword: ctx.keyword, name, cpu });
    this.push("");
    for (const l of wrap(`${commentText(i.label)}: the ${ctx.kind} handler, which may fire on ${cpu} whenever ${cpu} has ${ctx.off} on (race-language.md §10).`, 110)) this.push(l);
    this.push(`${ctx.keyword} ${name} on ${cpu} {`, "thread");
    this.block(body, 1);
    this.push("}");
  }

  /** The `cpu` that queues the work items no other `cpu` does. */
  queuer(): string | undefined {
    const items = this.unqueued();
    if (items.length === 0) return undefined;
    const name = this.cpuNames.take(this.names.take("queue_work_items"));
    this.push("");
    this.push("// Every path of the report runs in a work item: this CPU queues them (lockdep assumes they may all run at once).");
    this.push(`cpu ${name} "queues the work items" {`, "thread");
    this.block(this.queueLines(items), 1);
    this.push("}");
    return name;
  }
}

/** The declaration keyword a row writes (`mutex`, `rwsem`) for a class it writes as a plain lock (`spinlock` where a handler holds a would-be mutex). */
function kindOf(row: Row, l: PlannedLock): string {
  const kind = (row.declare("", l.inHandler) ?? "").trim();
  return l.inHandler && kind === "spinlock" ? "spinlock (an interrupt handler holds it)" : kind;
}

/** `lines 12, 30 and 41`, `line 7`. */
function lineList(ns: readonly number[]): string {
  if (ns.length === 0) return "no line";
  if (ns.length === 1) return `line ${ns[0]}`;
  return `lines ${ns.slice(0, -1).join(", ")} and ${ns.at(-1)}`;
}

/** `a, b or c`. */
function orList(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} or ${xs.at(-1)}`;
}

function wrap(text: string, width = 78, prefix = "// "): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of commentText(text).split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && prefix.length + line.length + 1 + word.length > width) {
      out.push(prefix + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(prefix + line);
  return out;
}

interface Written {
  /** Each plan thread's name (a `cpu`, or its work item). */
  readonly names: readonly string[];
  readonly handlers: readonly { keyword: string; name: string; cpu: string }[];
  /** Thread kinds present: `cpu`, `work`, `irq`, `softirq`. */
  readonly kinds: readonly string[];
  /** The `cpu` of its own that queues work items, if any. */
  readonly queuer: string | undefined;
}

function header(plan: ScenarioPlan, at: (tag: Tag) => number[], w: Written): string[] {
  const r = plan.report;
  const out: string[] = [];
  out.push(`// Imported by \`race import\` from a lockdep report (input lines ${r.firstLine}–${r.lastLine}):`);
  out.push(`//   ${commentText(r.header)}${r.kernel ? ` (${commentText(r.kernel)})` : ""}`);
  if (r.kind === "circular" || r.kind === "recursive" || r.kind === "safe-unsafe") {
    out.push(`//   ${commentText(r.task)} is trying to acquire ${commentText(r.trying.cls)}${r.trying.at ? ` at ${r.trying.at.raw}` : ""},`);
    out.push(`//   already holding ${commentText(r.holding.cls)}${r.holding.at ? ` (taken at ${r.holding.at.raw})` : ""}.`);
  } else if (r.kind === "inconsistent") {
    out.push(`//   ${commentText(r.task)} takes ${commentText(r.lock.cls)}: {${r.from}} -> {${r.to}}.`);
  } else {
    out.push(`//   ${commentText(r.task)} changed the irq state of ${commentText(r.changed.cls)}; ${commentText(r.other.cls)} is ${r.irq}-${r.otherIs}.`);
  }
  out.push("//");
  const claim =
    plan.chain.length > 1
      ? r.kind === "circular"
        ? "Lockdep calls this a deadlock because each lock class of the cycle was taken, on some path, while the one before it was held."
        : "Lockdep calls this a deadlock because the interrupt takes a lock whose chain leads to the lock its CPU holds."
      : plan.irq
        ? "Lockdep calls this a deadlock because an interrupt takes a lock its CPU may hold with that interrupt enabled."
        : "Lockdep calls this a deadlock because one lock class is taken while it is already held.";
  out.push(...wrap(`${claim} That proof assumes three things lockdep cannot know. Each is written below as code to edit; check again after each edit (\`race check\`, or save in the editor).`));
  out.push("//");
  const writers = plan.threads.map((t, i) => ({ t, name: w.names[i]! })).filter((x) => x.t.role === "writer");
  const kindWords: Record<string, string> = { cpu: "`cpu` block", work: "`work` item", irq: "`irq` handler", softirq: "`softirq` handler" };
  const one = [
    `1. The paths run at the same time: one ${orList(w.kinds.map((k) => kindWords[k]!))} each (${lineList(at("thread"))}).`,
    `If two cannot overlap (one thread, or serialized by something lockdep does not see), put their code in one ${w.kinds.includes("work") ? "block (a work item's body runs on a worker, serialized only by its queue)" : "`cpu` block"}, one after the other.`,
    ...(writers.length > 0 ? [`${writers.map((x) => `\`${x.name}\``).join(" and ")} ${writers.length > 1 ? "are writers" : "is a writer"} lockdep assumes may be waiting (readers queue behind it): delete ${writers.length > 1 ? "them" : "it"} if none can be.`] : []),
    ...w.handlers.map(
      (h) =>
        `The ${h.keyword} handler \`${h.name}\` may fire on \`${h.cpu}\` whenever \`${h.cpu}\` has ${INTERRUPTS[h.keyword === "irq" ? "hardirq" : "softirq"].off} on; if it cannot where lockdep says (the lock is taken with them off), write the lock's \`${h.keyword === "irq" ? "lock_irqsave" : "lock_bh"}\` form, or delete the handler.`,
    ),
  ];
  out.push(...wrap(one.join(" ")));
  const two = [
    `2. Each lock class is one lock: each is declared once (${lineList(at("decl"))}).`,
    plan.chain.length > 1 || r.kind !== "recursive"
      ? `If the paths take different instances of a class (two devices, two controllers), use the two-instance declaration commented out under it and write L[a] on one path, L[b] on the other.`
      : `If the two acquisitions are of different instances (a parent and a child, two controllers), use the two-instance declaration commented out under it and write L[a] for the first, L[b] for the second.`,
  ];
  out.push(...wrap(two.join(" ")));
  const three = [
    `3. No state keeps a wait from happening: nothing guards the acquisitions${w.kinds.includes("work") ? ", and each work item may be pending or running whenever it is waited for" : ""}.`,
    `If some state does (a device already gone, an item that cannot be pending, a flag), declare a \`var\` and write \`if\` or \`wait until\` where the lines marked (3) are (${lineList(at("state"))}).`,
  ];
  out.push(...wrap(three.join(" ")));
  const pseudo = plan.locks.filter((l) => WRITE_AS[l.nature].pseudo || WRITE_AS[l.nature].primitive);
  if (pseudo.length > 0 || plan.irq) {
    out.push("//");
    out.push(...wrap("Lockdep's pseudo-locks and interrupt contexts, written as what they are (race-language.md §9–§10):"));
    for (const l of pseudo) {
      const row = WRITE_AS[l.nature];
      out.push(...wrap(`${l.cls}: ${row.what}; ${row.primitive ? `written as ${row.primitive}` : `written as a plain ${kindOf(row, l)}`}.`, 78, "//   "));
    }
    if (w.kinds.includes("work")) {
      out.push(
        ...wrap(
          `A path lockdep saw holding a work item (or only its queue) is that item's body, run by a worker; ${w.queuer ? `\`${w.queuer}\` queues the items` : "each item is queued at the start of the first `cpu` that waits for it (else of the first `cpu`)"}.`,
          78,
          "//   ",
        ),
      );
    }
    for (const h of w.handlers) {
      const ctx = INTERRUPTS[h.keyword === "irq" ? "hardirq" : "softirq"];
      out.push(
        ...wrap(
          `The ${ctx.kind}: \`${h.keyword} ${h.name} on ${h.cpu}\`, the handler's stack cut at its entry point; the check lets it fire at every point where \`${h.cpu}\` has ${ctx.off} on, and confirms lockdep's irq report with the deadlock it finds.`,
          78,
          "//   ",
        ),
      );
    }
  }
  if (plan.gaps.length > 0) {
    out.push("//");
    out.push(...wrap(`The report lacks: ${plan.gaps.join("; ")}.`));
  }
  out.push("//");
  out.push(...wrap("Stacks are kept down to the lock calls: lock primitives, `+0x…/0x…` offsets, `[module]` names and entry frames (syscall, kthread, worker loop) are dropped."));
  return out;
}

export function writeScenario(plan: ScenarioPlan): WrittenScenario {
  const w = new Writer(plan);
  w.push(`scenario ${stringLiteral(plan.title)}`);
  w.push("");
  w.declarations();
  for (const t of plan.threads) w.thread(t);
  const queuer = w.queuer();
  w.push("");
  w.push(`expect deadlock  // lockdep's claim; once settled as a false positive, write \`expect safe\``);
  const names = plan.threads.map((t) => w.threadNames.get(t)!);
  const kinds = ["cpu", "work", "irq", "softirq"].filter((k) => w.lines.some((l) => l.tags?.includes("thread") && l.text.startsWith(`${k} `)));
  const written: Written = { names, handlers: w.handlers, kinds, queuer };
  // The header cites line numbers below it, and its length (wrapped text) depends on their digits:
  // write it until its length is the one the numbers assume.
  let offset = 0;
  let head: string[] = [];
  for (let round = 0; round < 5; round++) {
    const at = (tag: Tag): number[] => w.lines.flatMap((l, i) => (l.tags?.includes(tag) ? [i + 1 + offset] : []));
    head = header(plan, at, written);
    if (head.length + 1 === offset) break;
    offset = head.length + 1;
  }
  const text = [...head, "", ...w.lines.map((l) => l.text)].join("\n") + "\n";
  return { text, ids: w.ids, cpus: names, reported: new Map(plan.locks.map((l) => [l.cls, WRITE_AS[l.nature].reported(w.id(l.cls))])), handlers: w.handlers };
}
