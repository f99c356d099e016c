// What a name refers to, as a typed value. The checker records every use and
// declaration of a name with one (its references, for navigation), the
// compiler names what each call frame entered with one, and the services read
// their fields. `referentKey` is the one place an identity string is made,
// for equality and maps only: nothing parses it back.

import { unreachable } from "./ast";
import type { TargetKind } from "./verbs";

export interface FnRef {
  readonly kind: "fn";
  readonly name: string;
}

export interface CallbackRef {
  readonly kind: "callback";
  readonly driver: string;
  readonly name: string;
}

export interface CpuRef {
  readonly kind: "cpu";
  readonly name: string;
}

/** A work item: a body run by its own thread, its object bound to its parameter. */
export interface WorkRef {
  readonly kind: "work";
  readonly name: string;
}

export interface KthreadRef {
  readonly kind: "kthread";
  readonly name: string;
}

/** An interrupt handler (§10): a body run on top of its CPU. */
export interface HandlerRef {
  readonly kind: "handler";
  readonly name: string;
}

/** What a call enters: a function or a driver's callback. */
export type Callee = FnRef | CallbackRef;

/** A body with parameters (a CPU and a kthread have none) and locals of its own. */
export type BodyOwner = Callee | CpuRef | WorkRef | KthreadRef | HandlerRef;

export type Referent =
  | { readonly kind: "lock"; readonly name: string }
  | { readonly kind: "var"; readonly name: string }
  | FnRef
  | { readonly kind: "driver"; readonly name: string }
  | CallbackRef
  | CpuRef
  | WorkRef
  | KthreadRef
  | HandlerRef
  /** The other §9 declarations (verbs.ts TARGETS). */
  | { readonly kind: Exclude<TargetKind, "work" | "kthread">; readonly name: string }
  /** An object instance, named in some lock or variable declaration. */
  | { readonly kind: "object"; readonly name: string }
  | { readonly kind: "param"; readonly owner: BodyOwner; readonly name: string }
  /**
   * A `var` inside a body. `at` is where its name is declared, so that
   * locals of one name in different blocks (and a global of that name) stay apart.
   */
  | LocalRef;

export interface LocalRef {
  readonly kind: "local";
  readonly owner: BodyOwner;
  readonly name: string;
  readonly at: number;
}

/** The identity of a referent: equal for the same thing, different otherwise; opaque. */
export function referentKey(r: Referent): string {
  switch (r.kind) {
    case "lock":
    case "var":
    case "fn":
    case "driver":
    case "cpu":
    case "work":
    case "kthread":
    case "handler":
    case "workqueue":
    case "completion":
    case "kernfs":
    case "srcu":
      return `${r.kind}:${r.name}`;
    case "callback":
      return `cb:${r.driver}.${r.name}`;
    case "object":
      return `obj:${r.name}`;
    case "param":
      return `param:${referentKey(r.owner)}:${r.name}`;
    case "local":
      return `local:${referentKey(r.owner)}:${r.name}@${r.at}`;
    default:
      return unreachable(r);
  }
}

/** A body's name as the language writes it: `f`, `drv.probe`, `C`. */
export function bodyName(b: BodyOwner): string {
  return b.kind === "callback" ? `${b.driver}.${b.name}` : b.name;
}
