// A planned scenario as `.race` text: the header listing lockdep's three
// assumptions with the lines that encode each, the lock classes (the cycle's
// with a commented-out two-instance declaration), then per thread its
// functions, innermost first as the stacks print them, and its `cpu` block.

import { article } from "../language/messages";
import type { Frame } from "./frames";
import { commentText, identifier, lockIdentifier, Namer, stringLiteral } from "./names";
import type { Hold, PathPlan, ScenarioPlan, ThreadPlan } from "./plan";
import { INTERRUPTS, WRITE_AS, type Row } from "./writeAs";

export interface WrittenScenario {
  readonly text: string;
  /** Each lock class's identifier in the scenario. */
  readonly ids: ReadonlyMap<string, string>;
  /** The `cpu` names, in the plan's thread order. */
  readonly cpus: readonly string[];
}

/** A line of the body, with what it stands for in the header. */
interface Line {
  readonly text: string;
  readonly tag?: "cpu" | "decl" | "state";
}

const INDENT = "  ";

class Writer {
  readonly lines: Line[] = [];
  readonly ids = new Map<string, string>();
  private readonly names = new Namer();
  private readonly cpuNames = new Namer();
  /** `name\0body` → the fn's final name, so that identical frames are written once. */
  private readonly fns = new Map<string, string>();

  constructor(private readonly plan: ScenarioPlan) {
    for (const l of plan.locks) this.ids.set(l.cls, this.names.take(lockIdentifier(l.cls)));
  }

  id(cls: string): string {
    return this.ids.get(cls) ?? cls;
  }

  row(cls: string): Row {
    return WRITE_AS[this.plan.locks.find((l) => l.cls === cls)?.nature ?? "mutex"];
  }

  push(text: string, tag?: Line["tag"]): void {
    this.lines.push(tag ? { text, tag } : { text });
  }

  declarations(): void {
    const chain = new Set(this.plan.chain);
    const inChain = this.plan.locks.filter((l) => chain.has(l.cls));
    const others = this.plan.locks.filter((l) => !chain.has(l.cls));
    this.push(`// The lock classes of ${this.plan.chain.length > 1 ? "the cycle" : "the report"}, one lock each (assumption 2).`);
    for (const l of inChain) {
      const row = WRITE_AS[l.nature];
      const id = this.id(l.cls);
      const printed = `${l.cls}${l.usage ? ` {${l.usage}}` : ""}${l.wait ? `-{${l.wait}}` : ""}`;
      if (row.pseudo) {
        this.push(`// ${commentText(printed)}: ${row.what}.`);
        this.push(row.primitive ? `// Written as ${article(kindOf(row))} until the importer maps it onto ${row.primitive}.` : `// No construct of the language models it: written as a plain ${kindOf(row)}.`);
        this.push(row.declare(id), "decl");
      } else {
        this.push(`${row.declare(id)}  // ${commentText(printed)}${row.primitive ? `: ${row.what}, written as ${article(kindOf(row))} until the importer maps it onto ${row.primitive}` : ""}`, "decl");
      }
      const where = this.plan.chain.length > 1 ? `${id}[a] on one path, ${id}[b] on the other` : `${id}[a] where it is first taken, ${id}[b] where it is taken again`;
      this.push(`// ${row.declare(id)}[a, b]  // (2) two instances: write ${where}`);
    }
    if (others.length > 0) {
      this.push("");
      this.push(`// Also held (not in ${this.plan.chain.length > 1 ? "the cycle" : "the report's pair"}):`);
      for (const l of others) {
        const row = WRITE_AS[l.nature];
        this.push(`${row.declare(this.id(l.cls))}  // ${commentText(`${l.cls}${l.usage ? ` {${l.usage}}` : ""}`)}${row.pseudo || row.primitive ? `: ${row.what}` : ""}`);
      }
    }
  }

  /** The statements of a path's innermost point: the (3) marker, the target, an interrupt while it is held. */
  private targetLines(p: PathPlan): string[] {
    const t = p.target;
    const id = this.id(t.cls);
    const s = this.row(t.cls).take(id, t.take);
    const out = [`// (3) lockdep assumes no state stops this ${t.take.wait ? `wait (${t.take.wait})` : "acquisition"}; if one does, write it: if … { } or wait until …`];
    out.push(...s.acquire.map((a, i) => (i === 0 ? `${a}  // ${commentText(t.note)}` : a)));
    if (p.interrupt) {
      const h = p.interrupt.handler;
      const handler = h.frames.length > 0 ? [`${this.writePath(h)}()`] : this.inlineLines(h);
      out.push(...INTERRUPTS[p.interrupt.context].fire(stringLiteral(p.interrupt.label), handler));
    }
    out.push(...s.release);
    return out;
  }

  private holdLines(holds: readonly Hold[] | undefined): { before: string[]; after: string[] } {
    const before: string[] = [];
    const after: string[] = [];
    for (const h of holds ?? []) {
      const s = this.row(h.cls).hold(this.id(h.cls), h.read);
      before.push(`${s.before}  // ${commentText(h.note)}`);
      after.unshift(s.after);
    }
    return { before, after };
  }

  /** A path with no frames: everything in the thread's own block. */
  private inlineLines(p: PathPlan): string[] {
    const { before, after } = this.holdLines(p.holds.get(-1));
    return [...before, ...this.targetLines(p), ...after];
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
      const { before, after } = this.holdLines(p.holds.get(i));
      const inner = callee === undefined ? this.targetLines(p) : [`${callee}()`];
      const body = [...before, ...inner, ...after];
      callee = this.fn(f, body);
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
      const tag = line.startsWith("// (3)") ? "state" : undefined;
      this.push(`${INDENT.repeat(depth)}${line}`, tag);
    }
  }

  thread(t: ThreadPlan): string {
    this.push("");
    for (const h of t.heading) for (const l of wrap(commentText(h), 110)) this.push(l);
    const name = this.cpuNames.take(identifier(t.name, "cpu"));
    const { before, after } = this.holdLines(t.path.holds.get(-1));
    const body = t.path.frames.length > 0 ? [`${this.writePath(t.path)}()`] : this.targetLines(t.path);
    const off = t.irqsOff ? INTERRUPTS[t.irqsOff].irqsOff() : undefined;
    this.push(`cpu ${name} ${stringLiteral(t.label)} {`, "cpu");
    this.block([...(off ? [off.before] : []), ...before, ...body, ...after, ...(off ? [off.after] : [])], 1);
    this.push("}");
    return name;
  }
}

/** The declaration keyword a row writes today (`mutex`, `rwsem`). */
function kindOf(row: Row): string {
  return row.declare("").trim();
}

/** `lines 12, 30 and 41`, `line 7`. */
function lineList(ns: readonly number[]): string {
  if (ns.length === 0) return "no line";
  if (ns.length === 1) return `line ${ns[0]}`;
  return `lines ${ns.slice(0, -1).join(", ")} and ${ns.at(-1)}`;
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

function header(plan: ScenarioPlan, at: (tag: Line["tag"]) => number[], cpus: readonly string[]): string[] {
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
      : "Lockdep calls this a deadlock because one lock class is taken while it is already held.";
  out.push(...wrap(`${claim} That proof assumes three things lockdep cannot know. Each is written below as code to edit; check again after each edit (\`race check\`, or save in the editor).`));
  out.push("//");
  const writers = plan.threads.map((t, i) => ({ t, name: cpus[i]! })).filter((x) => x.t.role === "writer");
  const one = [
    `1. The paths run at the same time: one \`cpu\` block each (${lineList(at("cpu"))}).`,
    `If two cannot overlap (one thread, or serialized by something lockdep does not see), put their code in one \`cpu\` block, one after the other.`,
    ...(writers.length > 0 ? [`${writers.map((x) => `\`${x.name}\``).join(" and ")} ${writers.length > 1 ? "are writers" : "is a writer"} lockdep assumes may be waiting (readers queue behind it): delete ${writers.length > 1 ? "them" : "it"} if none can be.`] : []),
    ...(plan.irq ? [`The interrupt fires inside \`either\`, where lockdep's scenario shows it; if it cannot fire there (interrupts off), delete that branch.`] : []),
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
    `3. No state keeps a wait from happening: nothing guards the acquisitions.`,
    `If some state does (a device already gone, an item that cannot be pending, a flag), declare a \`var\` and write \`if\` or \`wait until\` where the lines marked (3) are (${lineList(at("state"))}).`,
  ];
  out.push(...wrap(three.join(" ")));
  const pseudo = plan.locks.filter((l) => WRITE_AS[l.nature].pseudo || WRITE_AS[l.nature].primitive);
  if (pseudo.length > 0 || plan.irq) {
    out.push("//");
    out.push(...wrap("Written as plain locks, as lockdep sees them (the importer does not map them onto the primitives of race-language.md §9–§10 yet):"));
    for (const l of pseudo) {
      const row = WRITE_AS[l.nature];
      out.push(...wrap(`${l.cls}: ${row.what}; ${row.primitive ? `${article(kindOf(row))} until the importer maps it onto ${row.primitive}` : `no construct models it: a plain ${kindOf(row)}`}.`, 78, "//   "));
    }
    if (plan.irq) {
      const row = INTERRUPTS[plan.irq];
      out.push(
        ...wrap(
          `The ${plan.irq}: the importer does not write interrupt handlers as handlers yet, so it is a call inside \`either\` at the one point lockdep's scenario shows it firing, and its nesting on the CPU is not modelled (${row.primitive} will). The check finds the deadlock there; it does not try every other point where the interrupt could fire.`,
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
  const cpus = plan.threads.map((t) => w.thread(t));
  w.push("");
  w.push(`expect deadlock  // lockdep's claim; once settled as a false positive, write \`expect safe\``);
  // The header cites line numbers below it, and its length (wrapped text) depends on their digits:
  // write it until its length is the one the numbers assume.
  let offset = 0;
  let head: string[] = [];
  for (let round = 0; round < 5; round++) {
    const at = (tag: Line["tag"]): number[] => w.lines.flatMap((l, i) => (l.tag === tag ? [i + 1 + offset] : []));
    head = header(plan, at, cpus);
    if (head.length + 1 === offset) break;
    offset = head.length + 1;
  }
  const text = [...head, "", ...w.lines.map((l) => l.text)].join("\n") + "\n";
  return { text, ids: w.ids, cpus };
}
