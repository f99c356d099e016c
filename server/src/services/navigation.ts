// Navigation over the checker's references: definition, references, rename,
// outline, folding and semantic tokens. Offsets in, offsets out.

import { TARGET_KINDS, TARGETS, type TargetKind } from "../language/verbs";
import type * as A from "../language/ast";
import { allBlocks, unreachable } from "../language/ast";
import type { CheckResult, Reference } from "../language/checker";
import { referentKey, type Referent } from "../language/referent";
import { KEYWORDS } from "../language/tokens";
import type { Span } from "../language/span";
import type { Program } from "../language/program";
import type { TextEdit } from "./edits";

export function referenceAt(checked: CheckResult, offset: number): Reference | undefined {
  // Prefer the innermost (shortest) reference that touches the offset.
  let best: Reference | undefined;
  for (const r of checked.references) {
    if (r.span.start <= offset && offset <= r.span.end && (!best || r.span.end - r.span.start < best.span.end - best.span.start)) best = r;
  }
  return best;
}

/**
 * The scenario's own import whose string is at `offset` and the file it
 * brought in (an index in program.sources.files), if that file was read:
 * definition opens it, hover describes it (race-language.md §11).
 */
export function importAt(program: Program, offset: number): { readonly span: Span; readonly file: number } | undefined {
  return program.imported.find((i) => program.sources.inMain(i.span) && i.span.start <= offset && offset <= i.span.end);
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
  if (clashes(checked, at.symbol, newName)) return { error: `'${newName}' is already declared.` };
  return { edits: references(checked, offset, true).map((span) => ({ span, newText: newName })) };
}

const GLOBAL_KINDS: readonly Referent["kind"][] = ["lock", "var", "fn", "driver", ...TARGET_KINDS];

/**
 * Whether `newName` would clash with a declaration: locks, variables,
 * functions and drivers share one namespace; a local may not take a name of
 * its body (parameter, local) nor hide a global; anything else clashes with
 * its own kind.
 */
function clashes(checked: CheckResult, renamed: Referent, newName: string): boolean {
  const declared = (is: (s: Referent) => boolean): boolean => checked.references.some((r) => r.declaration && r.symbol.name === newName && is(r.symbol));
  const global = (): boolean => declared((s) => GLOBAL_KINDS.includes(s.kind));
  const inBody = (owner: Referent): boolean => declared((s) => (s.kind === "local" || s.kind === "param") && referentKey(s.owner) === referentKey(owner));
  switch (renamed.kind) {
    case "lock":
    case "var":
    case "fn":
    case "driver":
    case "workqueue":
    case "completion":
    case "kernfs":
    case "srcu":
      return global();
    case "work":
    case "kthread":
      // A thread's name is also its column: it may not take a CPU's either.
      return global() || declared((s) => s.kind === "cpu");
    case "local":
      return global() || inBody(renamed.owner);
    case "param":
      return inBody(renamed.owner);
    case "callback":
      return declared((s) => s.kind === "callback" && s.driver === renamed.driver);
    case "handler":
      return declared((s) => s.kind === "cpu" || s.kind === "handler");
    case "cpu":
    case "object":
      // A CPU left nameless by the parser's recovery cannot be renamed.
      return renamed.name === "" || declared((s) => s.kind === renamed.kind);
    default:
      return unreachable(renamed);
  }
}

export function prepareRename(checked: CheckResult, offset: number): Span | undefined {
  return referenceAt(checked, offset)?.span;
}

// ---- outline --------------------------------------------------------------

export type SymbolKind = "scenario" | "lock" | "variable" | "function" | "driver" | "callback" | "cpu" | "expect" | "instance" | "workqueue" | "work" | "kthread" | "primitive" | "import";

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
  // `[*]`: one child, the star, rather than every object of the program at it.
  const instances = (list: readonly A.Ident[] | undefined, star?: Span): OutlineSymbol[] =>
    star ? [{ name: "*", detail: "every object", kind: "instance", span: star, selection: star, children: [] }] : (list ?? []).map((i) => ({ name: i.name, detail: "instance", kind: "instance", span: i.span, selection: i.span, children: [] }));
  for (const item of file.items) {
    switch (item.kind) {
      case "ScenarioDecl":
        out.push({ name: item.title || "scenario", detail: "scenario", kind: "scenario", span: item.span, selection: item.titleSpan, children: [] });
        break;
      case "LockDecl":
        if (item.name.name) out.push({ name: item.name.name, detail: item.lockKind, kind: "lock", span: item.span, selection: item.name.span, children: instances(item.instances, item.star) });
        break;
      case "VarDecl":
        if (item.name.name) {
          const init = item.init ? (item.init.kind === "IntLiteral" ? item.init.text : String(item.init.value)) : "";
          out.push({ name: item.name.name, detail: `var = ${init}`, kind: "variable", span: item.span, selection: item.name.span, children: instances(item.instances, item.star) });
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
      case "WorkqueueDecl":
        if (item.name.name) {
          const detail = item.ordered ? "ordered workqueue" : item.maxActive ? `workqueue, max_active ${item.maxActive.text}` : "workqueue";
          out.push({ name: item.name.name, detail, kind: "workqueue", span: item.span, selection: item.name.span, children: [] });
        }
        break;
      case "WorkDecl":
        if (item.name.name) out.push({ name: item.name.name, detail: `work on ${item.queue.name}`, kind: "work", span: item.span, selection: item.name.span, children: instances(item.instances, item.star) });
        break;
      case "KthreadDecl":
        if (item.name.name) out.push({ name: item.name.name, detail: item.label ?? "kthread", kind: "kthread", span: item.span, selection: item.name.span, children: [] });
        break;
      case "HandlerDecl":
        if (item.name.name) out.push({ name: item.name.name, detail: `${item.context === "irq" ? "hardirq" : "softirq"} handler on ${item.cpu.name}`, kind: "cpu", span: item.span, selection: item.name.span, children: [] });
        break;
      case "PrimitiveDecl":
        if (item.name.name) out.push({ name: item.name.name, detail: item.what, kind: "primitive", span: item.span, selection: item.name.span, children: instances(item.instances, item.star) });
        break;
      case "ImportDecl":
        if (item.path) out.push({ name: item.path, detail: "import", kind: "import", span: item.span, selection: item.pathSpan, children: [] });
        break;
      case "ObjectDecl":
        out.push(...instances(item.names).map((o) => ({ ...o, detail: "object" })));
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
const typeOfKind: Record<Referent["kind"], (typeof SEMANTIC_TYPES)[number]> = {
  lock: "type",
  var: "variable",
  fn: "function",
  driver: "namespace",
  callback: "method",
  cpu: "class",
  handler: "class",
  object: "enumMember",
  param: "parameter",
  local: "variable",
  ...(Object.fromEntries(TARGET_KINDS.map((k) => [k, TARGETS[k].token])) as { [K in TargetKind]: (typeof TARGETS)[K]["token"] }),
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
    const t = typeOfKind[r.symbol.kind];
    out.push({ span: r.span, type: SEMANTIC_TYPES.indexOf(t), modifiers: r.declaration ? 1 : 0 });
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}
