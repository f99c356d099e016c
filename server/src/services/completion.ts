// Completion: what may be written at the cursor, from the words before it.
// After `lock`/`unlock` and §10's forms (`lock_irqsave`, …) the locks
// (`rlock`/`runlock`/`rtrylock` and their forms: only rwsems and rwlocks);
// after `irq H`/`softirq H` the word `on`, then the CPUs; after `drv.` that
// driver's callbacks; after `expect` (or a comma
// of its list) the expectations not listed yet; inside `L[` the instances of
// L; after a §9 verb (`flush_work `) only the declared targets of its kind,
// an item per object as `W[o]`; otherwise keywords and every name in scope,
// the locals declared above the cursor included, and by where the cursor
// stands: the declaration words of §9 where an item starts, the verbs
// and §10's lock forms (with their doc) where a statement starts, the condition verbs after
// `if`, `while` or `!` (and kthread_should_stop() in a kthread).

import type * as A from "../language/ast";
import { bodies, EXPECT_KINDS } from "../language/ast";
import type { CheckResult } from "../language/checker";
import { KEYWORDS } from "../language/tokens";
import { unreachable } from "../language/ast";
import { describeSymbol, type GlobalSymbol } from "../language/binder";
import { DECLARATION_DOCS, DECLARATION_WORDS, LOCK_FORMS, VERBS, isVerb, lockFormDoc, type LockForm, type TargetKind, type VerbInfo } from "../language/verbs";

export type CompletionKind = "keyword" | "lock" | "variable" | "function" | "driver" | "callback" | "instance" | "parameter" | "value" | "primitive" | "cpu";

export interface CompletionEntry {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail: string;
  /** A longer text shown beside the list (a verb's doc line). */
  readonly documentation?: string;
}

function enclosingParams(file: A.SourceFile, offset: number): readonly A.Ident[] {
  return bodies(file).find((b) => b.span.start <= offset && offset <= b.span.end)?.params ?? [];
}

/**
 * `libraryNames`: the kernel library's files (`linux/pci`), offered inside
 * an import's quotes (race-language.md §11).
 */
export function complete(text: string, offset: number, file: A.SourceFile, checked: CheckResult, libraryNames: readonly string[] = []): CompletionEntry[] {
  const before = text.slice(Math.max(0, offset - 200), offset);
  if (/(?:^|\n)[ \t]*import[ \t]+"[^"\n]*$/.test(before)) return libraryNames.map((n) => ({ label: n, kind: "value", detail: "kernel library" }));
  const scope = checked.scope;
  const locks = [...scope.globals.values()].filter((s) => s.kind === "lock");
  const lockEntry = (s: (typeof locks)[number]): CompletionEntry => ({ label: s.decl.name.name, kind: "lock", detail: s.decl.lockKind + (s.decl.instances ? `[${s.decl.instances.map((i) => i.name).join(", ")}]` : "") });

  // A lock operation (and §10's forms, `lock_irqsave L`) then a space, or `held(`/`locked(`: the locks; the read side only on rwsems and rwlocks, §10's forms only on spinlocks and rwlocks (RACE029).
  const lockOp = /\b(r?(?:un)?lock(?:_irq|_irqsave|_irqrestore|_bh)?|r?trylock)[ \t]+[A-Za-z_0-9]*$|\b(?:held|locked)\s*\(\s*[A-Za-z_0-9]*$/.exec(before);
  if (lockOp) {
    const shared = lockOp[1] !== undefined && /^(?:rlock|runlock|rtrylock)/.test(lockOp[1]);
    const irqForm = lockOp[1] !== undefined && /_(?:irq|irqsave|irqrestore|bh)$/.test(lockOp[1]);
    return locks
      .filter((s) => !shared || s.decl.lockKind === "rwsem" || s.decl.lockKind === "rwlock")
      .filter((s) => !irqForm || s.decl.lockKind === "spinlock" || s.decl.lockKind === "rwlock")
      .map(lockEntry);
  }
  // §10: `irq H on C { … }`: `on` after the handler's name, then the CPUs.
  const handler = /(?:^|\n)[ \t]*(?:irq|softirq)[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]+(on[ \t]+)?[A-Za-z_0-9]*$/.exec(before);
  if (handler && placeOf(text, offset) === "item") {
    if (!handler[1]) return [{ label: "on", kind: "keyword", detail: "on CPU", documentation: "The CPU the handler interrupts: `irq H on CPU0 { … }`." }];
    return scope.cpus.filter((c) => c.name.name !== "").map((c) => ({ label: c.name.name, kind: "cpu", detail: c.label ?? "cpu" }));
  }
  const member = /\b([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z_0-9]*$/.exec(before);
  if (member) {
    const drv = scope.globals.get(member[1]!);
    if (drv?.kind === "driver") return drv.decl.callbacks.map((cb) => ({ label: cb.name.name, kind: "callback", detail: `${drv.decl.name.name}.${cb.name.name}(${cb.params.map((p) => p.name).join(", ")})` }));
    return [];
  }
  const verbTarget = /(?:^|[\n;{}!]|\b(?:if|while))[ \t]*([a-z_]+)[ \t]+[A-Za-z_0-9]*$/.exec(before);
  const targetKind = verbTarget && isVerb(verbTarget[1]!) ? (VERBS[verbTarget[1]] as VerbInfo).target : undefined;
  if (targetKind) return targetsOf(targetKind, scope.globals.values(), enclosingParams(file, offset));
  const expectList = /\bexpect\s+((?:[A-Za-z]+\s*,\s*)*)[A-Za-z]*$/.exec(before);
  if (expectList) {
    const listed = expectList[1]!.split(",").map((w) => w.trim());
    if (listed.length > 1) return EXPECT_KINDS.filter((k) => !listed.includes(k)).map((w) => ({ label: w, kind: "value", detail: "expectation" }));
    return [...EXPECT_KINDS, "safe"].map((w) => ({ label: w, kind: "value", detail: "expectation" }));
  }
  const index = /\b([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*[A-Za-z_0-9]*$/.exec(before);
  if (index) {
    const sym = scope.globals.get(index[1]!);
    const instances = sym && "instances" in sym.decl ? (sym.decl.instances ?? []) : [];
    const params = enclosingParams(file, offset).map((p): CompletionEntry => ({ label: p.name, kind: "parameter", detail: "parameter" }));
    return [...instances.map((i): CompletionEntry => ({ label: i.name, kind: "instance", detail: `instance of ${index[1]}` })), ...params];
  }
  const out: CompletionEntry[] = [...KEYWORDS, "rtrylock"].map((k) => ({ label: k, kind: "keyword", detail: "keyword" }));
  const where = placeOf(text, offset);
  const word = "[ \\t]*[A-Za-z_0-9]*$";
  if (where === "item" && new RegExp(`(?:^|\\n)${word}`).test(before)) {
    for (const w of DECLARATION_WORDS) out.push({ label: w, kind: "keyword", detail: "declaration (§9–§10)", documentation: DECLARATION_DOCS[w] });
    out.push({ label: "import", kind: "keyword", detail: "declaration (§11)", documentation: 'import "file.race" (beside this file) or import "linux/pci" (the kernel library): their declarations, in this scenario.' });
    out.push({ label: "object", kind: "keyword", detail: "declaration (§11)", documentation: "object pf, vf0: object names of the scenario; a `[*]` declaration has one instance per object." });
  }
  if (where === "statement") {
    const verbs = Object.entries(VERBS) as [string, VerbInfo][];
    if (new RegExp(`(?:^|[\\n;{}]|\\belse)${word}`).test(before)) {
      for (const [v, info] of verbs) if (!info.conditionOnly) out.push({ label: v, kind: "keyword", detail: info.target ? `${v} ${info.target}` : v, documentation: info.doc });
      for (const form of Object.keys(LOCK_FORMS) as LockForm[]) out.push({ label: form, kind: "keyword", detail: `${form} lock (§10)`, documentation: lockFormDoc(form) });
    } else if (new RegExp(`(?:\\b(?:if|while)[ \\t]+!?|!)${word}`).test(before)) {
      for (const [v, info] of verbs) if (info.condition) out.push({ label: v, kind: "keyword", detail: `${v} ${info.target} (condition)`, documentation: info.doc });
      if (file.items.some((i) => i.kind === "KthreadDecl" && i.body.span.start < offset && offset <= i.body.span.end)) {
        out.push({ label: "kthread_should_stop()", kind: "keyword", detail: "condition", documentation: "kthread_should_stop(): true inside the kthread once kthread_stop was called on it." });
      }
    }
  }
  for (const s of scope.globals.values()) {
    switch (s.kind) {
      case "lock":
        out.push(lockEntry(s));
        break;
      case "var":
        out.push({ label: s.decl.name.name, kind: "variable", detail: s.decl.init?.kind === "IntLiteral" ? "int" : "bool" });
        break;
      case "fn":
        out.push({ label: s.decl.name.name, kind: "function", detail: `fn(${s.decl.params.map((p) => p.name).join(", ")})` });
        break;
      case "driver":
        out.push({ label: s.decl.name.name, kind: "driver", detail: "driver" });
        break;
      case "workqueue":
      case "work":
      case "kthread":
      case "completion":
      case "kernfs":
      case "srcu":
        out.push({ label: s.decl.name.name, kind: "primitive", detail: describeSymbol(s) });
        break;
      default:
        unreachable(s);
    }
  }
  for (const p of enclosingParams(file, offset)) out.push({ label: p.name, kind: "parameter", detail: "parameter" });
  for (const l of localsAt(file, offset)) out.push({ label: l.name.name, kind: "variable", detail: `local ${l.init?.kind === "IntLiteral" ? "int" : "bool"}` });
  return out;
}

/** The `var` statements in scope at `offset`: declared before it in a block that contains it. */
function localsAt(file: A.SourceFile, offset: number): A.LocalVarStmt[] {
  const body = bodies(file).find((b) => b.span.start <= offset && offset <= b.span.end);
  const out: A.LocalVarStmt[] = [];
  const inside = (sp: { start: number; end: number }): boolean => sp.start < offset && offset <= sp.end;
  const visit = (block: A.Block): void => {
    for (const s of block.stmts) {
      if (s.kind === "LocalVarStmt" && s.span.end <= offset) out.push(s);
      if (!inside(s.span)) continue;
      if (s.kind === "WhileStmt") visit(s.body);
      else if (s.kind === "EitherStmt") s.branches.forEach((b) => inside(b.body.span) && visit(b.body));
      else if (s.kind === "IfStmt") {
        for (let i: A.IfStmt | undefined = s; i; i = i.otherwise?.kind === "IfStmt" ? i.otherwise : undefined) {
          if (inside(i.then.span)) visit(i.then);
          if (i.otherwise?.kind === "Block" && inside(i.otherwise.span)) visit(i.otherwise);
        }
      }
    }
  };
  if (body) visit(body.block);
  return out;
}

/** The declared targets a verb of kind `kind` takes: each by name, an item per object as `W[o]` (and `W[p]` for a parameter of the body). */
function targetsOf(kind: TargetKind, globals: Iterable<GlobalSymbol>, params: readonly A.Ident[]): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  for (const s of globals) {
    if (s.kind !== kind) continue;
    const name = s.decl.name.name;
    const instances = "instances" in s.decl ? s.decl.instances : undefined;
    const detail = describeSymbol(s) + (s.kind === "work" ? ` on ${s.decl.queue.name}` : "");
    if (!instances) out.push({ label: name, kind: "primitive", detail });
    else for (const o of [...instances.map((i) => i.name), ...params.map((p) => p.name)]) out.push({ label: `${name}[${o}]`, kind: "primitive", detail });
  }
  return out;
}

/**
 * Where the cursor stands, from the braces before it (comments and strings
 * skipped): between items, among a driver's callbacks, or among statements.
 * Counted on the text, not the AST, which is still being typed.
 */
function placeOf(text: string, offset: number): "item" | "callbacks" | "statement" {
  const stack: ("driver" | "body")[] = [];
  for (let i = 0; i < offset; i++) {
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") {
      while (i < offset && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? offset : end + 1;
    } else if (c === '"') {
      i++;
      while (i < offset && text[i] !== '"' && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
    } else if (c === "{") {
      stack.push(stack.length === 0 && /\bdriver\s+[A-Za-z_][A-Za-z0-9_]*\s*$/.test(text.slice(Math.max(0, i - 200), i)) ? "driver" : "body");
    } else if (c === "}") stack.pop();
  }
  const top = stack[stack.length - 1];
  return top === undefined ? "item" : top === "driver" ? "callbacks" : "statement";
}
