// Completion: what may be written at the cursor, from the words before it.
// After `lock`/`unlock` the locks (`rlock`/`runlock`/`rtrylock`: only
// rwsems); after `drv.` that driver's callbacks; after `expect` (or a comma
// of its list) the expectations not listed yet; inside `L[` the instances of
// L; otherwise keywords and every name in scope, the locals declared above
// the cursor included.

import type * as A from "../language/ast";
import { bodies, EXPECT_KINDS } from "../language/ast";
import type { CheckResult } from "../language/checker";
import { KEYWORDS } from "../language/tokens";
import { unreachable } from "../language/ast";
import { describeSymbol } from "../language/binder";

export type CompletionKind = "keyword" | "lock" | "variable" | "function" | "driver" | "callback" | "instance" | "parameter" | "value" | "primitive";

export interface CompletionEntry {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail: string;
}

function enclosingParams(file: A.SourceFile, offset: number): readonly A.Ident[] {
  return bodies(file).find((b) => b.span.start <= offset && offset <= b.span.end)?.params ?? [];
}

export function complete(text: string, offset: number, file: A.SourceFile, checked: CheckResult): CompletionEntry[] {
  const before = text.slice(Math.max(0, offset - 200), offset);
  const scope = checked.scope;
  const locks = [...scope.globals.values()].filter((s) => s.kind === "lock");
  const lockEntry = (s: (typeof locks)[number]): CompletionEntry => ({ label: s.decl.name.name, kind: "lock", detail: s.decl.lockKind + (s.decl.instances ? `[${s.decl.instances.map((i) => i.name).join(", ")}]` : "") });

  const lockOp = /\b(lock|unlock|rlock|runlock|trylock|rtrylock|held\s*\(|locked\s*\()\s*[A-Za-z_0-9]*$/.exec(before);
  if (lockOp) {
    const shared = lockOp[1] === "rlock" || lockOp[1] === "runlock" || lockOp[1] === "rtrylock";
    return locks.filter((s) => !shared || s.decl.lockKind === "rwsem").map(lockEntry);
  }
  const member = /\b([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z_0-9]*$/.exec(before);
  if (member) {
    const drv = scope.globals.get(member[1]!);
    if (drv?.kind === "driver") return drv.decl.callbacks.map((cb) => ({ label: cb.name.name, kind: "callback", detail: `${drv.decl.name.name}.${cb.name.name}(${cb.params.map((p) => p.name).join(", ")})` }));
    return [];
  }
  const expectList = /\bexpect\s+((?:[A-Za-z]+\s*,\s*)*)[A-Za-z]*$/.exec(before);
  if (expectList) {
    const listed = expectList[1]!.split(",").map((w) => w.trim());
    if (listed.length > 1) return EXPECT_KINDS.filter((k) => !listed.includes(k)).map((w) => ({ label: w, kind: "value", detail: "expectation" }));
    return [...EXPECT_KINDS, "safe"].map((w) => ({ label: w, kind: "value", detail: "expectation" }));
  }
  const index = /\b([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*[A-Za-z_0-9]*$/.exec(before);
  if (index) {
    const sym = scope.globals.get(index[1]!);
    const instances = sym && (sym.kind === "lock" || sym.kind === "var") ? (sym.decl.instances ?? []) : [];
    const params = enclosingParams(file, offset).map((p): CompletionEntry => ({ label: p.name, kind: "parameter", detail: "parameter" }));
    return [...instances.map((i): CompletionEntry => ({ label: i.name, kind: "instance", detail: `instance of ${index[1]}` })), ...params];
  }
  const out: CompletionEntry[] = [...KEYWORDS, "rtrylock"].map((k) => ({ label: k, kind: "keyword", detail: "keyword" }));
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
