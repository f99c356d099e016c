// Hover text (markdown). On a lock or call statement: the locks held on
// arrival, per CPU and call path, always or sometimes. On a lock declaration:
// who takes it, holding which locks, and what is taken while holding it. On
// a function or driver callback: the lock contexts it runs in, per caller
// path (seed 001's question about .probe()/.remove()).

import { EXPECT_KIND_OF, type FrontEnd } from "../analysis";
import type * as A from "../language/ast";
import { bodies, expectationText, forEachStmt } from "../language/ast";
import type { LockGraph } from "../engine/lockgraph";
import type { Frame } from "../engine/model";
import type { SiteFacts } from "../engine/report";
import { bodyName, referentKey, type LocalRef } from "../language/referent";
import { LineIndex, type Span } from "../language/span";
import { referenceAt } from "./navigation";

export interface EngineFacts {
  readonly lockFacts: readonly SiteFacts[];
  readonly lockGraph: LockGraph;
  readonly complete: boolean;
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

export function hover(fe: FrontEnd, engine: EngineFacts | undefined, offset: number): HoverResult | undefined {
  const ref = referenceAt(fe.checked, offset);
  const pending = "\n\n_Lock facts appear once the scenario checks clean and the search has run._";
  const caveat = engine && !engine.complete ? "\n\n_The search stopped early: facts cover the states it reached._" : "";

  const symbol = ref?.symbol;
  if (ref && symbol?.kind === "lock") {
    const name = symbol.name;
    const sym = fe.checked.scope.globals.get(name);
    const kind = sym?.kind === "lock" ? sym.decl.lockKind : "lock";
    const instances = sym?.kind === "lock" && sym.decl.instances ? `[${sym.decl.instances.map((i) => i.name).join(", ")}]` : "";
    let md = `**${kind}** ${code(name + instances)}`;
    if (!engine) return { markdown: md + pending, span: ref.span };
    const mine = (l: string): boolean => l === name || l.startsWith(name + "[");
    const takers = engine.lockFacts.filter((f) => /^(lock|rlock|trylock|rtrylock) /.test(f.action) && mine(f.action.replace(/^\w+ /, "")));
    if (takers.length > 0) md += `\n\n**Taken by** (locks held when taking it):\n${takers.map((f) => heldLine(f) + ` — ${code(f.action)}`).join("\n")}`;
    else md += "\n\nNever taken in any reachable state.";
    const before = [...new Set(engine.lockGraph.edges.filter((e) => mine(e.to)).map((e) => e.from))];
    const after = [...new Set(engine.lockGraph.edges.filter((e) => mine(e.from)).map((e) => e.to))];
    md += `\n\n**Taken after**: ${list(before)}  \n**Taken while holding it**: ${list(after)}`;
    const inversions = engine.lockGraph.inversions.filter((i) => i.locks.some(mine));
    for (const i of inversions) md += `\n\n⚠ lock-order inversion ${i.locks.map(code).join(" → ")} → ${code(i.locks[0]!)}: **${i.status}**${i.gate ? ` by ${list(i.gate)}` : ""}`;
    return { markdown: md + caveat, span: ref.span };
  }

  if (ref && (symbol?.kind === "callback" || symbol?.kind === "fn")) {
    const name = bodyName(symbol);
    const label = symbol.kind === "callback" ? `.${symbol.name}()` : `${name}()`;
    let md = `**${symbol.kind === "callback" ? "driver callback" : "function"}** ${code(name)}`;
    if (!engine) return { markdown: md + pending, span: ref.span };
    const entries = entryFacts(engine.lockFacts, (f) => referentKey(f.callee) === ref.key);
    if (entries.length === 0) md += `\n\n${code(label)} is never entered in a reachable state.`;
    else md += `\n\n${code(label)} runs with these locks held, per caller path:\n${entries.map((e) => heldLine(e.fact, e.depth)).join("\n")}`;
    return { markdown: md + caveat, span: ref.span };
  }

  if (ref && symbol?.kind === "local") return { markdown: localHover(fe.ast, symbol), span: ref.span };
  const expect = fe.checked.scope.expect;
  if (expect && expect.span.start <= offset && offset <= expect.span.end) return { markdown: expectHover(fe.checked.expectation), span: expect.span };

  const stmt = innermostStatement(fe.ast, offset);
  if (!stmt || stmt.kind === "ReturnStmt" || stmt.kind === "TrylockStmt" || stmt.kind === "LocalVarStmt") return undefined;
  // Compound statements answer on their condition, where their step is; `either` on its keyword and labels.
  const at = stmt.kind === "IfStmt" || stmt.kind === "WhileStmt" ? stmt.cond.span : stmt.kind === "EitherStmt" ? { start: stmt.span.start, end: stmt.span.start + "either".length } : stmt.span;
  const onLabel = stmt.kind === "EitherStmt" && stmt.branches.some((b) => b.labelSpan && b.labelSpan.start <= offset && offset <= b.labelSpan.end);
  if (!(at.start <= offset && offset <= at.end) && !onLabel) return undefined;
  const title = stmt.kind === "CallStmt" ? "Locks held on entry" : stmt.kind === "WaitStmt" ? "Locks held while waiting" : "Locks held on arrival";
  const head = stmt.kind === "EitherStmt" ? eitherHeader(fe, stmt) : "";
  if (!engine) return { markdown: `${head}**${title}**${pending}`, span: at };
  let lines: string[];
  if (stmt.kind === "CallStmt") {
    lines = entryFacts(engine.lockFacts, (f) => f.call.start === stmt.span.start && f.call.end === stmt.span.end).map((e) => heldLine(e.fact, e.depth - 1));
  } else {
    lines = engine.lockFacts.filter((f) => f.span.start === at.start && f.span.end === at.end).map((f) => heldLine(f));
  }
  const body = lines.length > 0 ? lines.join("\n") : "Not reached in any explored state.";
  return { markdown: `${head}**${title}**, per CPU and call path:\n${body}${caveat}`, span: at };
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
