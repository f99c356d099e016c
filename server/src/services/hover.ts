// Hover text (markdown). On a lock or call statement: the locks held on
// arrival, per CPU and call path, always or sometimes. On a lock declaration:
// who takes it, holding which locks, and what is taken while holding it. On
// a function or driver callback: the lock contexts it runs in, per caller
// path (seed 001's question about .probe()/.remove()). On a §9 verb
// (`flush_work`, `kthread_stop`, …): what it does, and at a wait what its
// thread found at the call (the item's state, the readers, the completers:
// SiteFacts.wait). On a work item, kthread, workqueue, completion, kernfs
// node or SRCU domain: where the code queues, flushes, runs, stops,
// completes … it, and for a work item or kthread which locks its body takes.
// With interrupt handlers or interrupt state (§10): at a statement, each
// thread's interrupt state there (task or handler context, hardirqs and
// softirqs on or off: SiteFacts.irq); on a handler's name, its CPU, the
// locks it takes and the statements of its CPU where it can fire; on a lock,
// lockdep's irq usage of it and its irq reports, confirmed or unreached.

import { EXPECT_KIND_OF, type FrontEnd } from "../analysis";
import type * as A from "../language/ast";
import { bodies, expectationText, forEachExpr, forEachStmt, verbCondition } from "../language/ast";
import type { LockGraph } from "../engine/lockgraph";
import type { Frame } from "../engine/model";
import type { IrqSiteFacts, LockIrqUsage, SiteFacts } from "../engine/report";
import type { IrqReport } from "../engine/irqReport";
import { bodyName, referentKey, type LocalRef } from "../language/referent";
import { LineIndex, type Span } from "../language/span";
import { importAt, referenceAt } from "./navigation";
import { commentAbove, commentAfter, headerComment, paragraphs } from "./docComment";
import { lockFormDoc, lockFormOf, VERBS, type TargetKind, type Verb } from "../language/verbs";
import type { GlobalSymbol } from "../language/binder";

export interface EngineFacts {
  readonly lockFacts: readonly SiteFacts[];
  readonly lockGraph: LockGraph;
  readonly complete: boolean;
  /** §10: lockdep's irq usage per lock and its irq reports (none without handlers). */
  readonly irqUsage?: readonly LockIrqUsage[];
  readonly irqReports?: readonly IrqReport[];
}

export interface HoverResult {
  readonly markdown: string;
  readonly span: Span;
}

const code = (s: string): string => "`" + s + "`";
const list = (xs: readonly string[]): string => (xs.length === 0 ? "none" : xs.map(code).join(", "));

function path(cpu: string, stack: readonly Frame[], upTo = stack.length): string {
  return [cpu, ...stack.slice(0, upTo).map((f) => f.fn)].join(" → ");
}

function heldLine(f: SiteFacts, upTo?: number): string {
  const always = f.always.length > 0 ? `always ${list(f.always)}` : "";
  const sometimes = f.sometimes.length > 0 ? `sometimes ${list(f.sometimes)}` : "";
  const held = [always, sometimes].filter(Boolean).join("; ") || "no locks";
  return `- **${path(f.cpu, f.stack, upTo)}**: ${held}`;
}

function innermostStatement(file: A.SourceFile, offset: number): A.Stmt | undefined {
  let best: A.Stmt | undefined;
  const consider = (s: A.Stmt): void => {
    if (s.span.start <= offset && offset <= s.span.end && (!best || s.span.end - s.span.start <= best.span.end - best.span.start)) best = s;
  };
  for (const b of bodies(file)) forEachStmt(b.block, consider);
  return best;
}

/** Per caller path, the facts at the first statement run inside the frame matching `isFrame`. */
function entryFacts(facts: readonly SiteFacts[], isFrame: (f: Frame) => boolean): { fact: SiteFacts; depth: number }[] {
  const seen = new Set<string>();
  const out: { fact: SiteFacts; depth: number }[] = [];
  for (const f of facts) {
    const depth = f.stack.findIndex(isFrame);
    if (depth < 0) continue;
    const key = `${f.cpu}|${f.stack
      .slice(0, depth + 1)
      .map((x) => `${x.fn}@${x.call.start}`)
      .join("|")}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ fact: f, depth: depth + 1 });
  }
  return out;
}

/**
 * For a name declared in a file the scenario imports (race-language.md §11):
 * where, and the comment that documents it there (the library's cite the
 * kernel code they abstract). Nothing for the scenario's own names.
 */
function declaredElsewhere(fe: FrontEnd, key: string): string {
  const decl = fe.checked.references.find((r) => r.key === key && r.declaration);
  const sources = fe.program.sources;
  if (!decl || sources.inMain(decl.span)) return "";
  const file = sources.fileAt(decl.span.start);
  const text = sources.files[file]!.text;
  const at = decl.span.start - sources.files[file]!.base;
  const lineStart = text.lastIndexOf("\n", at) + 1;
  const doc = paragraphs([...commentAbove(text, lineStart), commentAfter(text, lineStart) ?? ""]);
  return `\n\n_Declared in ${code(sources.displayName(file))}._${doc ? `\n\n${doc}` : ""}`;
}

/** An import's string: the file it names, and the first paragraph of that file's opening comment. */
function importHover(fe: FrontEnd, file: number): string {
  const sources = fe.program.sources;
  const f = sources.files[file]!;
  const where = f.library !== undefined ? "a file of the kernel library (read-only)" : f.path !== undefined ? code(f.path) : "";
  const about = paragraphs(headerComment(f.text)).split("\n\n")[0] ?? "";
  return `**import** ${code(sources.displayName(file))}${where ? `: ${where}` : ""}${about ? `\n\n${about}` : ""}`;
}

export function hover(fe: FrontEnd, engine: EngineFacts | undefined, offset: number): HoverResult | undefined {
  const imported = importAt(fe.program, offset);
  if (imported) return { markdown: importHover(fe, imported.file), span: imported.span };
  const ref = referenceAt(fe.checked, offset);
  const pending = "\n\n_Lock facts appear once the scenario checks clean and the search has run._";
  const caveat = engine && !engine.complete ? "\n\n_The search stopped early: facts cover the states it reached._" : "";

  const symbol = ref?.symbol;
  if (ref && symbol?.kind === "lock") {
    const name = symbol.name;
    const sym = fe.checked.scope.globals.get(name);
    const kind = sym?.kind === "lock" ? sym.decl.lockKind : "lock";
    const instances = sym?.kind === "lock" && sym.decl.instances ? `[${sym.decl.instances.map((i) => i.name).join(", ")}]` : "";
    let md = `**${kind}** ${code(name + instances)}${declaredElsewhere(fe, ref.key)}`;
    if (sym?.kind === "lock" && sym.decl.novalidate) md += "\n\nNot validated by lockdep (`novalidate`: lockdep_set_novalidate_class()): no dependency and no irq usage is recorded through it; a deadlock through it is one lockdep cannot see.";
    if (!engine) return { markdown: md + pending, span: ref.span };
    const mine = (l: string): boolean => l === name || l.startsWith(name + "[");
    const takers = engine.lockFacts.filter((f) => /^(lock|rlock|trylock|rtrylock) /.test(f.action) && mine(f.action.replace(/^\w+ /, "")));
    if (takers.length > 0) md += `\n\n**Taken by** (locks held when taking it):\n${takers.map((f) => heldLine(f) + ` — ${code(f.action)}${f.irq ? ` · ${irqWords(f.irq)}` : ""}`).join("\n")}`;
    else md += "\n\nNever taken in any reachable state.";
    const before = [...new Set(engine.lockGraph.edges.filter((e) => mine(e.to)).map((e) => e.from))];
    const after = [...new Set(engine.lockGraph.edges.filter((e) => mine(e.from)).map((e) => e.to))];
    md += `\n\n**Taken after**: ${list(before)}  \n**Taken while holding it**: ${list(after)}`;
    const inversions = engine.lockGraph.inversions.filter((i) => i.locks.some(mine));
    for (const i of inversions) md += `\n\n⚠ lock-order inversion ${i.locks.map(code).join(" → ")} → ${code(i.locks[0]!)}: **${i.status}**${i.gate ? ` by ${list(i.gate)}` : ""}`;
    md += lockIrqHover(engine, mine);
    return { markdown: md + caveat, span: ref.span };
  }

  if (ref && symbol?.kind === "handler") {
    const decl = fe.checked.scope.handlers.find((h) => h.name.name === symbol.name);
    if (decl) return { markdown: handlerHover(fe, engine, decl) + (engine ? caveat : ""), span: ref.span };
  }
  if (ref && symbol?.kind === "cpu") {
    const mine = fe.checked.scope.handlers.filter((h) => h.cpu.name === symbol.name);
    if (mine.length > 0) {
      const each = mine.map((h) => `${code(h.name.name)} (${h.context === "irq" ? "hardirq" : "softirq"})`).join(", ");
      return { markdown: `**CPU** ${code(symbol.name)}\n\n**Interrupt handlers on it**: ${each}; each runs on top of it, and it does not step until the handler returns.`, span: ref.span };
    }
  }

  if (ref && (symbol?.kind === "callback" || symbol?.kind === "fn")) {
    const name = bodyName(symbol);
    const label = symbol.kind === "callback" ? `.${symbol.name}()` : `${name}()`;
    let md = `**${symbol.kind === "callback" ? "driver callback" : "function"}** ${code(name)}${declaredElsewhere(fe, ref.key)}`;
    if (!engine) return { markdown: md + pending, span: ref.span };
    const entries = entryFacts(engine.lockFacts, (f) => referentKey(f.callee) === ref.key);
    if (entries.length === 0) md += `\n\n${code(label)} is never entered in a reachable state.`;
    else md += `\n\n${code(label)} runs with these locks held, per caller path:\n${entries.map((e) => heldLine(e.fact, e.depth)).join("\n")}`;
    return { markdown: md + caveat, span: ref.span };
  }

  if (ref && symbol?.kind === "local") return { markdown: localHover(fe.ast, symbol), span: ref.span };
  if (ref && symbol && (symbol.kind === "work" || symbol.kind === "kthread" || symbol.kind === "workqueue" || symbol.kind === "completion" || symbol.kind === "kernfs" || symbol.kind === "srcu")) {
    const sym = fe.checked.scope.globals.get(symbol.name);
    if (sym && sym.kind === symbol.kind) return { markdown: primitiveHover(fe, engine, sym) + (engine ? caveat : ""), span: ref.span };
  }
  const verb = verbAt(fe.ast, offset);
  if (verb) return { markdown: verbHover(fe, engine, verb) + (engine ? caveat : ""), span: verb.verbSpan };
  const stop = shouldStopAt(fe.ast, offset);
  if (stop) return { markdown: "**kthread_should_stop()**: true inside the kthread once `kthread_stop` was called on it; a kthread's loop `while !kthread_should_stop() { … }` ends then.", span: stop };
  const expect = fe.checked.scope.expect;
  if (expect && expect.span.start <= offset && offset <= expect.span.end) return { markdown: expectHover(fe.checked.expectation), span: expect.span };

  const stmt = innermostStatement(fe.ast, offset);
  if (!stmt || stmt.kind === "ReturnStmt" || stmt.kind === "TrylockStmt" || stmt.kind === "LocalVarStmt") return undefined;
  // Compound statements answer on their condition, where their step is; `either` on its keyword and labels.
  const at =
    stmt.kind === "IfStmt" || stmt.kind === "WhileStmt"
      ? stmt.cond.span
      : stmt.kind === "EitherStmt"
        ? { start: stmt.span.start, end: stmt.span.start + "either".length }
        : stmt.kind === "VerbStmt" && stmt.body
          ? { start: stmt.span.start, end: stmt.target?.span.end ?? stmt.verbSpan.end }
          : stmt.span;
  const onLabel = stmt.kind === "EitherStmt" && stmt.branches.some((b) => b.labelSpan && b.labelSpan.start <= offset && offset <= b.labelSpan.end);
  if (!(at.start <= offset && offset <= at.end) && !onLabel) return undefined;
  const title = stmt.kind === "CallStmt" ? "Locks held on entry" : stmt.kind === "WaitStmt" ? "Locks held while waiting" : "Locks held on arrival";
  const head =
    stmt.kind === "EitherStmt"
      ? eitherHeader(fe, stmt)
      : stmt.kind === "LockStmt" && stmt.irq
        ? `**${lockFormOf(stmt.op, stmt.irq)}** ${code(fe.text.slice(stmt.lock.span.start, stmt.lock.span.end))}\n\n${lockFormDoc(lockFormOf(stmt.op, stmt.irq))}\n\n`
        : "";
  if (!engine) return { markdown: `${head}**${title}**${pending}`, span: at };
  let lines: string[];
  let irq: string;
  if (stmt.kind === "CallStmt") {
    const entries = entryFacts(engine.lockFacts, (f) => f.call.start === stmt.span.start && f.call.end === stmt.span.end);
    lines = entries.map((e) => heldLine(e.fact, e.depth - 1));
    irq = irqSection(entries.map((e) => ({ fact: e.fact, upTo: e.depth - 1 })), "on entry");
  } else {
    const facts = engine.lockFacts.filter((f) => f.span.start === at.start && f.span.end === at.end);
    lines = unique(facts.map((f) => heldLine(f)));
    irq = irqSection(facts.map((fact) => ({ fact })));
  }
  const body = lines.length > 0 ? lines.join("\n") : "Not reached in any explored state.";
  return { markdown: `${head}**${title}**, per CPU and call path:\n${body}${irq}${caveat}`, span: at };
}

/** What `expect` claims: each listed kind with the findings it covers, and when it is met. */
function expectHover(e: A.Expectation): string {
  if (e.kinds.length === 0) return "**expect safe**: met by a complete search that finds nothing; every finding is an error.";
  const covers = (k: A.ExpectKind): string =>
    Object.entries(EXPECT_KIND_OF)
      .filter(([, kind]) => kind === k)
      .map(([p]) => p)
      .join(", ");
  const lines = e.kinds.map((k) => `- ${code(k)}: ${covers(k)}`);
  return `**expect ${expectationText(e)}**: met when each of these is found and nothing else is (found ones show as information):\n${lines.join("\n")}`;
}

/** The branches of an `either`, by label or position, as traces name them. */
function eitherHeader(fe: FrontEnd, stmt: A.EitherStmt): string {
  const lines = new LineIndex(fe.text);
  const names = stmt.branches.map((b, i) => `${i + 1}. ${b.label !== undefined ? code(JSON.stringify(b.label)) : `branch ${i + 1} of ${stmt.branches.length}`} (line ${lines.position(b.body.span.start).line + 1})`);
  return `**either**, one step that picks a branch:\n${names.join("\n")}\n\n`;
}

/** A local `var`: its type, initial value and how traces name its instances. */
function localHover(file: A.SourceFile, local: LocalRef): string {
  let decl: A.LocalVarStmt | undefined;
  for (const b of bodies(file)) forEachStmt(b.block, (s) => (s.kind === "LocalVarStmt" && s.name.span.start === local.at ? (decl = s) : undefined));
  if (!decl) return "**local variable**";
  const name = decl.name.name;
  const init = decl.init ? (decl.init.kind === "IntLiteral" ? decl.init.text : String(decl.init.value)) : "?";
  const type = decl.init?.kind === "IntLiteral" ? "int" : "bool";
  const ownerName = bodyName(local.owner);
  const instances =
    local.owner.kind === "cpu"
      ? `one for CPU ${code(ownerName)}, shown in traces as ${code(`${ownerName}.${name}`)}`
      : `one per call of ${code(ownerName)}, shown in traces as ${code(`CPU:${ownerName}#n.${name}`)} for the n-th expansion of ${code(ownerName)} in that CPU's code`;
  return `**local variable** ${code(name)}: ${type}, starts at ${code(init)}\n\nVisible to the end of its block; ${instances}. Its declaration is a step only inside a \`while\` loop, where each iteration starts it afresh.`;
}

// ---- §9: verbs and the primitives they act on ------------------------------

/** A §9 verb as written: the word, its target, and the span its compiled step carries (the statement, or the condition). */
interface VerbSite {
  readonly verb: Verb;
  readonly verbSpan: Span;
  readonly target: A.Ref | undefined;
  readonly site: Span;
  readonly owner: string;
}

/** Every §9 verb of the file, as a statement or as the whole condition of an `if`/`while`, in source order. */
function verbSites(file: A.SourceFile): VerbSite[] {
  const out: VerbSite[] = [];
  for (const b of bodies(file)) {
    forEachStmt(b.block, (s) => {
      if (s.kind === "VerbStmt") out.push({ verb: s.verb, verbSpan: s.verbSpan, target: s.target, site: s.span, owner: b.owner });
      else if (s.kind === "IfStmt" || s.kind === "WhileStmt") {
        const test = verbCondition(s.cond)?.test;
        if (test) out.push({ verb: test.verb, verbSpan: test.verbSpan, target: test.target, site: s.cond.span, owner: b.owner });
      }
    });
  }
  return out.sort((x, y) => x.verbSpan.start - y.verbSpan.start);
}

function verbAt(file: A.SourceFile, offset: number): VerbSite | undefined {
  return verbSites(file).find((v) => v.verbSpan.start <= offset && offset <= v.verbSpan.end);
}

function shouldStopAt(file: A.SourceFile, offset: number): Span | undefined {
  let found: Span | undefined;
  const look = (e: A.Expr): void =>
    forEachExpr(e, (x) => {
      if (x.kind === "ShouldStopExpr" && x.span.start <= offset && offset <= x.span.end) found = x.span;
    });
  for (const b of bodies(file)) {
    forEachStmt(b.block, (s) => {
      if (s.kind === "IfStmt" || s.kind === "WhileStmt" || s.kind === "WaitStmt" || s.kind === "AssertStmt") look(s.cond);
      else if (s.kind === "AssignStmt") look(s.value);
    });
  }
  return found;
}

/** What to call the sites of each verb on a primitive's hover, in this order. */
const USES: { readonly [K in TargetKind]: readonly (readonly [string, readonly Verb[]])[] } = {
  work: [
    ["Queued", ["queue_work"]],
    ["Flushed", ["flush_work"]],
    ["Cancelled", ["cancel_work_sync", "cancel_work"]],
  ],
  workqueue: [
    ["Flushed", ["flush_workqueue"]],
    ["Drained", ["drain_workqueue"]],
    ["Destroyed", ["destroy_workqueue"]],
  ],
  kthread: [
    ["Run", ["kthread_run"]],
    ["Stopped", ["kthread_stop"]],
  ],
  completion: [
    ["Waited for", ["wait_for_completion", "try_wait_for_completion"]],
    ["Completed", ["complete", "complete_all"]],
    ["Reinitialised", ["reinit_completion"]],
  ],
  kernfs: [
    ["Entered (sysfs)", ["sysfs"]],
    ["Removed", ["kernfs_remove", "kernfs_remove_self"]],
  ],
  srcu: [
    ["Read sections", ["srcu_read_lock"]],
    ["Synchronized", ["synchronize_srcu"]],
  ],
};

type PrimitiveSymbol = Exclude<GlobalSymbol, { kind: "lock" | "var" | "fn" | "driver" }>;

/** A primitive's declaration, where the code acts on it (static), and for a thread the locks its body takes. */
function primitiveHover(fe: FrontEnd, engine: EngineFacts | undefined, sym: PrimitiveSymbol): string {
  const name = sym.decl.name.name;
  const lines = new LineIndex(fe.text);
  const instances = "instances" in sym.decl && sym.decl.instances ? sym.decl.instances.map((i) => i.name) : undefined;
  const written = name + (instances ? `[${instances.join(", ")}]` : "");
  let md: string;
  switch (sym.kind) {
    case "work":
      md = `**work item** ${code(written)} on workqueue ${code(sym.decl.queue.name)}${instances ? ": one item per object, each its own thread" : ""}`;
      break;
    case "kthread":
      md = `**kthread** ${code(name)}${sym.decl.label !== undefined ? ` ${code(JSON.stringify(sym.decl.label))}` : ""}`;
      break;
    case "workqueue": {
      const kind = sym.decl.ordered ? "ordered workqueue" : sym.decl.maxActive ? `workqueue, max_active ${sym.decl.maxActive.text}` : "workqueue";
      const items = fe.checked.scope.works.filter((w) => w.queue.name === name).map((w) => w.name.name);
      md = `**${kind}** ${code(name)}\n\n**Its work items**: ${list(items)}`;
      break;
    }
    case "completion":
    case "kernfs":
    case "srcu":
      md = `**${sym.kind === "kernfs" ? "kernfs node" : sym.kind === "srcu" ? "SRCU domain" : "completion"}** ${code(written)}`;
      break;
  }
  const mine = verbSites(fe.ast).filter((v) => VERBS[v.verb].target === sym.kind && v.target?.name.name === name);
  const where = (v: VerbSite): string => `line ${lines.position(v.verbSpan.start).line + 1} in ${code(v.owner)}${v.target?.index ? ` (${code(fe.text.slice(v.target.span.start, v.target.span.end))})` : ""}`;
  const uses = USES[sym.kind].map(([label, verbs]) => {
    const at = mine.filter((v) => verbs.includes(v.verb));
    return `- **${label}**: ${at.length > 0 ? at.map(where).join(", ") : "nowhere"}`;
  });
  md += `\n\n${uses.join("\n")}`;
  if (sym.kind !== "work" && sym.kind !== "kthread") return md;
  // A work item's or kthread's threads: the item (one per object) or the kthread, as traces name them.
  const threads = new Set(sym.kind === "work" && instances ? instances.map((o) => `${name}[${o}]`) : [name]);
  if (!engine) return md + "\n\n_The locks its body takes appear once the scenario checks clean and the search has run._";
  const taken = new Map<string, number>();
  for (const f of engine.lockFacts) {
    const m = /^(?:lock|rlock|trylock|rtrylock) (.+)$/.exec(f.action);
    if (m && threads.has(f.cpu) && !taken.has(m[1]!)) taken.set(m[1]!, lines.position(f.span.start).line + 1);
  }
  const body = [...taken].map(([l, line]) => `${code(l)} (line ${line})`);
  md += `\n\n**Its body takes**: ${body.length > 0 ? body.join(", ") : "no lock, in any explored state"}`;
  if (sym.kind === "work") {
    const pseudo = (l: string): boolean => [...threads].some((t) => l === `(work_completion)(&${t})`);
    md += `\n\nWhile it runs it holds lockdep's ${[...threads].map((t) => code(`(work_completion)(&${t})`)).join(", ")} and ${code(`(wq_completion)${sym.decl.queue.name}`)}.`;
    for (const i of engine.lockGraph.inversions.filter((x) => x.locks.some(pseudo))) md += `\n\n⚠ lock-order inversion ${i.locks.map(code).join(" → ")} → ${code(i.locks[0]!)}: **${i.status}**${i.gate ? ` by ${list(i.gate)}` : ""}`;
  }
  return md;
}

/** A verb: what it does; at a wait, what its thread found at the call; and the locks held on arrival. */
function verbHover(fe: FrontEnd, engine: EngineFacts | undefined, v: VerbSite): string {
  const target = v.target ? ` ${code(fe.text.slice(v.target.span.start, v.target.span.end))}` : "";
  let md = `**${v.verb}**${target}\n\n${VERBS[v.verb].doc}`;
  if (!engine) return md + "\n\n_What it may wait for, and the locks held, appear once the scenario checks clean and the search has run._";
  const facts = engine.lockFacts.filter((f) => f.span.start === v.site.start && f.span.end === v.site.end);
  if (facts.length === 0) return md + "\n\nNot reached in any explored state.";
  const waits = facts.filter((f) => f.wait);
  if (waits.length > 0) {
    const found = waits.map((f) => `- **${path(f.cpu, f.stack)}**: ${f.wait!.found.join("; ")}${f.wait!.threads.length > 0 && !f.wait!.releasers ? ` — may wait for ${list(f.wait!.threads)}` : ""}`);
    md += `\n\n**What it found at the call** (${code(waits[0]!.wait!.on)}), per thread and call path:\n${found.join("\n")}`;
    const seen = new Set<string>();
    const releasers = waits.flatMap((f) => f.wait!.releasers ?? []).filter((r) => !seen.has(`${r.thread}@${r.span.start}`) && seen.add(`${r.thread}@${r.span.start}`));
    if (waits[0]!.wait!.releasers) {
      const lines = new LineIndex(fe.text);
      const each = releasers.map((r) => `- **${path(r.thread, r.stack)}**: ${code(r.action)} (line ${lines.position(r.span.start).line + 1})${r.reached ? "" : ": never reached in any explored state"}`);
      md += `\n\n**Can complete it**:\n${each.length > 0 ? each.join("\n") : "nothing: no `complete` of it anywhere"}`;
    }
  }
  md += `\n\n**Locks held on arrival**, per thread and call path:\n${unique(facts.map((f) => heldLine(f))).join("\n")}`;
  return md + irqSection(facts.map((fact) => ({ fact })));
}

// ---- §10: interrupt contexts ------------------------------------------------

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** `hardirqs on`, `hardirqs off`, `hardirqs sometimes on, sometimes off`. */
function onOff(what: string, s: IrqSiteFacts["hardirqs"]): string {
  return s === "on or off" ? `${what} sometimes on, sometimes off` : `${what} ${s}`;
}

/** The interrupt state of one thread at a statement, in words. */
function irqWords(irq: IrqSiteFacts): string {
  return `${onOff("hardirqs", irq.hardirqs)}, ${onOff("softirqs", irq.softirqs)}`;
}

/** The context a thread runs in at a statement: `task`, or `hardirq on CPU0`. */
function contextWords(irq: IrqSiteFacts): string {
  return irq.context === "task" ? "task" : `${irq.context}${irq.on ? ` on ${irq.on}` : ""}`;
}

/**
 * Each thread's interrupt state at a statement (per call path); a statement
 * compiled to two steps (`lock_irqsave L`: the save, then the lock) gets a
 * line per step, named by the step. Empty without §10.
 */
function irqSection(facts: readonly { fact: SiteFacts; upTo?: number }[], when = "there"): string {
  const withIrq = facts.filter((f) => f.fact.irq);
  if (withIrq.length === 0) return "";
  const count = new Map<string, number>();
  const key = (f: { fact: SiteFacts; upTo?: number }): string => path(f.fact.cpu, f.fact.stack, f.upTo);
  for (const f of withIrq) count.set(key(f), (count.get(key(f)) ?? 0) + 1);
  const lines = withIrq.map((f) => {
    const step = count.get(key(f))! > 1 ? ` at ${code(f.fact.action)}` : "";
    return `- **${key(f)}**${step} (${contextWords(f.fact.irq!)}): ${irqWords(f.fact.irq!)}`;
  });
  return `\n\n**Interrupt state ${when}**, per thread and call path:\n${unique(lines).join("\n")}`;
}

/** On a lock: lockdep's irq usage of it and each of its irq reports, with its status. */
function lockIrqHover(engine: EngineFacts, mine: (lock: string) => boolean): string {
  let md = "";
  const usage = (engine.irqUsage ?? []).filter((u) => mine(u.lock));
  if (usage.length > 0) md += `\n\n**Lockdep's irq usage**: ${usage.map((u) => `${usage.length > 1 ? `${code(u.lock)} ` : ""}${u.usage.map((x) => code(`{${x}}`)).join(", ")}`).join("; ")}`;
  for (const r of (engine.irqReports ?? []).filter((x) => x.locks.some(mine))) {
    const chain = r.locks.length > 1 ? ` (${r.locks.map(code).join(" → ")})` : "";
    const status = r.status === "confirmed" ? "a deadlock through an interrupt handler is reported" : "lockdep would warn; no interleaving of this scenario deadlocks on it";
    md += `\n\n⚠ lockdep: ${r.title}${chain}: **${r.status}** — ${status}`;
  }
  return md;
}

/** On a handler's name: its CPU and kind, the locks it takes, and the statements of its CPU where it can fire. */
function handlerHover(fe: FrontEnd, engine: EngineFacts | undefined, h: A.HandlerDecl): string {
  const name = h.name.name;
  const cpu = h.cpu.name;
  const hard = h.context === "irq";
  let md = hard
    ? `**hardirq handler** ${code(name)} on ${code(cpu)}\n\nFires on ${code(cpu)} wherever ${code(cpu)} has hardirqs on and runs no hardirq, at most once; it runs to its end, with hardirqs off, before what it interrupted goes on.`
    : `**softirq handler** ${code(name)} on ${code(cpu)}\n\nRuns on ${code(cpu)} wherever ${code(cpu)}'s task has hardirqs and softirqs on, at most once; it runs to its end, with softirqs off (a hardirq may interrupt it), before the task goes on.`;
  if (!engine) return md + "\n\n_The locks it takes, and where it can fire, appear once the scenario checks clean and the search has run._";
  const lines = new LineIndex(fe.text);
  const line = (f: SiteFacts): number => lines.position(f.span.start).line + 1;
  const body = engine.lockFacts.filter((f) => f.cpu === name && !f.action.startsWith("<Interrupt>"));
  if (body.length === 0) return md + "\n\nNever fires in any explored state.";
  const taken = new Map<string, number>();
  for (const f of body) {
    const m = /^(?:lock|rlock|trylock|rtrylock) (.+)$/.exec(f.action);
    if (m && !taken.has(m[1]!)) taken.set(m[1]!, line(f));
  }
  md += `\n\n**It takes**: ${taken.size > 0 ? [...taken].map(([l, at]) => `${code(l)} (line ${at})`).join(", ") : "no lock, in any explored state"}`;
  // Where on its CPU: a statement of the CPU's task (or, for a hardirq, of a softirq on it) reached with that interrupt on.
  const softirqs = new Set(fe.checked.scope.handlers.filter((x) => x.context === "softirq" && x.cpu.name === cpu).map((x) => x.name.name));
  const under = (f: SiteFacts): boolean => f.cpu === cpu || (hard && softirqs.has(f.cpu) && !f.action.startsWith("<Interrupt>"));
  const open = (f: SiteFacts): boolean => f.irq !== undefined && (hard ? f.irq.hardirqs : f.irq.softirqs) !== "off";
  const where = engine.lockFacts.filter((f) => under(f) && open(f));
  const each = where.map((f) => `- line ${line(f)}, ${f.cpu === cpu ? "" : `in ${code(f.cpu)}, `}before ${code(f.action)}${f.stack.length > 0 ? ` (in ${f.stack.map((x) => x.fn).join(" → ")})` : ""}${(hard ? f.irq!.hardirqs : f.irq!.softirqs) === "on or off" ? ": in some states" : ""}`);
  md += `\n\n**Can fire on ${code(cpu)}**${each.length > 0 ? ` (statements reached with ${hard ? "hardirqs" : "softirqs"} on), and after its end:\n${unique(each).join("\n")}` : `: only after its end (no statement of it is reached with ${hard ? "hardirqs" : "softirqs"} on)`}`;
  return md;
}
