// Navigation over the checker's references: definition, references, rename,
// outline, folding and semantic tokens. Offsets in, offsets out.

import type * as A from "../language/ast";
import { allBlocks, unreachable } from "../language/ast";
import type { CheckResult, Reference } from "../language/checker";
import { KEYWORDS } from "../language/tokens";
import type { Span } from "../language/span";
import type { TextEdit } from "./edits";

export function referenceAt(checked: CheckResult, offset: number): Reference | undefined {
  // Prefer the innermost (shortest) reference that touches the offset.
  let best: Reference | undefined;
  for (const r of checked.references) {
    if (r.span.start <= offset && offset <= r.span.end && (!best || r.span.end - r.span.start < best.span.end - best.span.start)) best = r;
  }
  return best;
}

export function definition(checked: CheckResult, offset: number): Span | undefined {
  const at = referenceAt(checked, offset);
  if (!at) return undefined;
  return checked.references.find((r) => r.key === at.key && r.declaration)?.span;
}

export function references(checked: CheckResult, offset: number, includeDeclaration: boolean): Span[] {
  const at = referenceAt(checked, offset);
  if (!at) return [];
  const seen = new Set<string>();
  return checked.references
    .filter((r) => r.key === at.key && (includeDeclaration || !r.declaration))
    .map((r) => r.span)
    .filter((s) => {
      const k = `${s.start}:${s.end}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.start - b.start);
}

export type RenameResult = { readonly edits: TextEdit[] } | { readonly error: string };

export function rename(checked: CheckResult, offset: number, newName: string): RenameResult {
  const at = referenceAt(checked, offset);
  if (!at) return { error: "Nothing to rename here." };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) return { error: `'${newName}' is not a valid name.` };
  if (KEYWORDS.includes(newName)) return { error: `'${newName}' is a reserved word.` };
  const kind = at.key.split(":")[0]!;
  const global = (name: string): boolean => ["lock", "var", "fn", "driver"].some((k) => checked.references.some((r) => r.declaration && r.key === `${k}:${name}`));
  // Locks, variables, functions and drivers share one namespace. A local may
  // not take a name of its body (parameter, local) nor hide a global.
  let clash: boolean;
  if (["lock", "var", "fn", "driver"].includes(kind)) clash = global(newName);
  else if (kind === "local") {
    const owner = at.key.slice("local:".length, at.key.lastIndexOf(":"));
    clash = global(newName) || checked.references.some((r) => r.declaration && (r.key.startsWith(`local:${owner}:${newName}@`) || r.key === `param:${owner}:${newName}`));
  } else if (kind === "param") {
    const owner = at.key.slice("param:".length, at.key.lastIndexOf(":"));
    clash = checked.references.some((r) => r.declaration && (r.key === `param:${owner}:${newName}` || r.key.startsWith(`local:${owner}:${newName}@`)));
  } else clash = checked.references.some((r) => r.declaration && r.key === at.key.replace(/[^:]+$/, newName));
  if (clash) return { error: `'${newName}' is already declared.` };
  return { edits: references(checked, offset, true).map((span) => ({ span, newText: newName })) };
}

export function prepareRename(checked: CheckResult, offset: number): Span | undefined {
  return referenceAt(checked, offset)?.span;
}

// ---- outline --------------------------------------------------------------

export type SymbolKind = "scenario" | "lock" | "variable" | "function" | "driver" | "callback" | "cpu" | "expect" | "instance";

export interface OutlineSymbol {
  readonly name: string;
  readonly detail: string;
  readonly kind: SymbolKind;
  readonly span: Span;
  readonly selection: Span;
  readonly children: readonly OutlineSymbol[];
}

export function outline(file: A.SourceFile): OutlineSymbol[] {
  const out: OutlineSymbol[] = [];
  const instances = (list: readonly A.Ident[] | undefined): OutlineSymbol[] =>
    (list ?? []).map((i) => ({ name: i.name, detail: "instance", kind: "instance", span: i.span, selection: i.span, children: [] }));
  for (const item of file.items) {
    switch (item.kind) {
      case "ScenarioDecl":
        out.push({ name: item.title || "scenario", detail: "scenario", kind: "scenario", span: item.span, selection: item.titleSpan, children: [] });
        break;
      case "LockDecl":
        if (item.name.name) out.push({ name: item.name.name, detail: item.lockKind, kind: "lock", span: item.span, selection: item.name.span, children: instances(item.instances) });
        break;
      case "VarDecl":
        if (item.name.name) {
          const init = item.init ? (item.init.kind === "IntLiteral" ? item.init.text : String(item.init.value)) : "";
          out.push({ name: item.name.name, detail: `var = ${init}`, kind: "variable", span: item.span, selection: item.name.span, children: instances(item.instances) });
        }
        break;
      case "FnDecl":
        if (item.name.name) out.push({ name: item.name.name, detail: `fn(${item.params.map((p) => p.name).join(", ")})`, kind: "function", span: item.span, selection: item.name.span, children: [] });
        break;
      case "DriverDecl":
        if (item.name.name) {
          out.push({
            name: item.name.name,
            detail: "driver",
            kind: "driver",
            span: item.span,
            selection: item.name.span,
            children: item.callbacks
              .filter((cb) => cb.name.name)
              .map((cb) => ({ name: `.${cb.name.name}()`, detail: `(${cb.params.map((p) => p.name).join(", ")})`, kind: "callback", span: cb.span, selection: cb.name.span, children: [] })),
          });
        }
        break;
      case "CpuDecl":
        if (item.name.name) out.push({ name: item.name.name, detail: item.label ?? "cpu", kind: "cpu", span: item.span, selection: item.name.span, children: [] });
        break;
      case "ExpectDecl":
        out.push({ name: `expect ${item.words.map((w) => w.name).join(", ")}`, detail: "expectation", kind: "expect", span: item.span, selection: item.words[0]?.span ?? item.span, children: [] });
        break;
      default:
        unreachable(item);
    }
  }
  return out;
}

// ---- folding --------------------------------------------------------------

/** Blocks of items and statements, as spans from `{` to `}`. */
export function foldingSpans(file: A.SourceFile): Span[] {
  const drivers = file.items.filter((i) => i.kind === "DriverDecl").map((i) => i.span);
  return [...drivers, ...allBlocks(file).map((b) => b.block.span)];
}

// ---- semantic tokens ------------------------------------------------------

export const SEMANTIC_TYPES = ["type", "variable", "function", "namespace", "method", "class", "enumMember", "parameter"] as const;
export const SEMANTIC_MODIFIERS = ["declaration"] as const;
const typeOfKey: Record<string, (typeof SEMANTIC_TYPES)[number]> = {
  lock: "type",
  var: "variable",
  fn: "function",
  driver: "namespace",
  cb: "method",
  cpu: "class",
  obj: "enumMember",
  param: "parameter",
  local: "variable",
};

export interface SemanticToken {
  readonly span: Span;
  readonly type: number;
  readonly modifiers: number;
}

export function semanticTokens(checked: CheckResult): SemanticToken[] {
  const seen = new Set<number>();
  const out: SemanticToken[] = [];
  for (const r of checked.references) {
    if (seen.has(r.span.start)) continue;
    seen.add(r.span.start);
    const t = typeOfKey[r.key.split(":")[0]!];
    if (!t) continue;
    out.push({ span: r.span, type: SEMANTIC_TYPES.indexOf(t), modifiers: r.declaration ? 1 : 0 });
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}
