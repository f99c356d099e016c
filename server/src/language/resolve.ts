// Name resolution inside a body: one ladder for every place a name can
// stand. A local of the enclosing blocks comes first, then a parameter of
// the body, then a global or an object instance in the order the place
// prefers; what is left is unknown. Each place also says which kind of
// global belongs there and which uses navigation records. What is wrong
// with a name at a place, and how it is worded, is the checker's.

import type * as A from "./ast";
import { unreachable } from "./ast";
import { describeSymbol, type GlobalSymbol, type Scope } from "./binder";
import type { BodyOwner, LocalRef, Referent } from "./referent";
import type { Span } from "./span";
import { TARGET_KINDS, type TargetKind } from "./verbs";

export type ValueType = "int" | "bool" | "unknown";

/** What a parameter is bound to by the call being checked (unknown when its body is checked on its own). */
export type Binding =
  | { readonly kind: "object"; readonly name: string; readonly origin: Span }
  /** A driver passed as an argument (race-language.md §11), called through as `p.cb()`. */
  | { readonly kind: "driver"; readonly name: string; readonly origin: Span }
  | { readonly kind: "int"; readonly value: number; readonly origin: Span }
  | { readonly kind: "bool"; readonly value: boolean; readonly origin: Span }
  | { readonly kind: "unknown" };

/** A `var x = CONST` statement in scope. */
export interface Local {
  readonly decl: A.LocalVarStmt;
  readonly symbol: LocalRef;
  readonly type: ValueType;
}

/** The locals of one block, inside those of the blocks around it. */
export interface LocalScope {
  readonly vars: Map<string, Local>;
  readonly parent: LocalScope | undefined;
}

/** What a body has in scope at a point: the locals of the blocks around it, and its parameters. */
export interface InBody {
  readonly locals: LocalScope | undefined;
  readonly env: ReadonlyMap<string, Binding>;
}

/** What a name stands for where it is used. */
export type Resolved =
  | { readonly kind: "local"; readonly local: Local }
  | { readonly kind: "param"; readonly binding: Binding }
  | { readonly kind: "global"; readonly sym: GlobalSymbol }
  | { readonly kind: "object" }
  | { readonly kind: "unknown" };

type Rung = Exclude<Resolved["kind"], "unknown">;

/** Where a name stands in a body. */
export type Place = "lock" | "read" | "write" | "callee" | "driver" | "index" | "argument" | TargetKind;

interface PlaceRule {
  /** The kind of global that belongs here (an index or argument wants an object or a parameter). */
  readonly wants?: GlobalSymbol["kind"];
  /** The ladder, top first. */
  readonly ladder: readonly Rung[];
  /**
   * Besides a global of the kind wanted, what a use here records for
   * navigation ("global": a global of another kind, which renames with it).
   */
  readonly records: readonly Rung[];
}

const GLOBAL_FIRST: readonly Rung[] = ["local", "param", "global", "object"];
const OBJECT_FIRST: readonly Rung[] = ["local", "param", "object", "global"];

const PLACES: Readonly<Record<Place, PlaceRule>> = {
  lock: { wants: "lock", ladder: GLOBAL_FIRST, records: ["local", "global"] },
  read: { wants: "var", ladder: GLOBAL_FIRST, records: ["local", "param", "global"] },
  write: { wants: "var", ladder: GLOBAL_FIRST, records: ["local", "global"] },
  callee: { wants: "fn", ladder: GLOBAL_FIRST, records: ["global"] },
  // `drv.cb()`: a driver, or a parameter a driver is passed to (race-language.md §11).
  driver: { wants: "driver", ladder: ["param", "global"], records: ["param"] },
  index: { ladder: OBJECT_FIRST, records: ["local", "param", "object", "global"] },
  argument: { ladder: OBJECT_FIRST, records: ["local", "param", "object", "global"] },
  // A §9 statement's target (`flush_work W`): like a lock, one place per kind.
  ...(Object.fromEntries(TARGET_KINDS.map((k): [TargetKind, PlaceRule] => [k, { wants: k, ladder: GLOBAL_FIRST, records: ["local", "global"] }])) as unknown as Record<TargetKind, PlaceRule>),
};

/** What `name` stands for at `place`: the first rung of the place's ladder that has it. */
export function resolve(name: string, scope: Scope, body: InBody, place: Place): Resolved {
  for (const rung of PLACES[place].ladder) {
    const found = lookup(name, scope, body, rung);
    if (found) return found;
  }
  return { kind: "unknown" };
}

function lookup(name: string, scope: Scope, body: InBody, rung: Rung): Resolved | undefined {
  switch (rung) {
    case "local":
      for (let sc = body.locals; sc; sc = sc.parent) {
        const local = sc.vars.get(name);
        if (local) return { kind: "local", local };
      }
      return undefined;
    case "param": {
      const binding = body.env.get(name);
      return binding && { kind: "param", binding };
    }
    case "global": {
      const sym = scope.globals.get(name);
      return sym && { kind: "global", sym };
    }
    case "object":
      return scope.objects.has(name) ? { kind: "object" } : undefined;
    default:
      return unreachable(rung);
  }
}

/** What a use of `name` at `place` in `owner`'s body records for navigation, if anything. */
export function recordedAs(found: Resolved, name: string, owner: BodyOwner, place: Place): Referent | undefined {
  const rule = PLACES[place];
  if (found.kind === "unknown") return undefined;
  if (found.kind === "global") return found.sym.kind === rule.wants || rule.records.includes("global") ? globalReferent(found.sym) : undefined;
  if (!rule.records.includes(found.kind)) return undefined;
  if (found.kind === "local") return found.local.symbol;
  return found.kind === "param" ? { kind: "param", owner, name } : { kind: "object", name };
}

/** A global as references name it. */
export function globalReferent(sym: GlobalSymbol): Referent {
  return { kind: sym.kind, name: sym.decl.name.name };
}

/** What a resolved name is, as messages say it: "local variable", "parameter", "mutex", "object instance". */
export function noun(found: Exclude<Resolved, { kind: "unknown" }>): string {
  switch (found.kind) {
    case "local":
      return "local variable";
    case "param":
      return "parameter";
    case "global":
      return describeSymbol(found.sym);
    case "object":
      return "object instance";
    default:
      return unreachable(found);
  }
}
