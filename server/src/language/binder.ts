// The binder: one pass over the top-level items that builds the symbol
// tables (locks, variables, functions, drivers and the §9 primitives —
// workqueues, work items, kthreads, completions, kernfs nodes, SRCU domains
// — share one namespace; CPUs, object instances, parameters and callbacks
// have their own) and reports duplicates. Names used inside bodies are
// resolved by the checker.

import type * as A from "./ast";
import { diagnostic, withRelated, type Diagnostic } from "./messages";
import { unreachable } from "./ast";
import { TARGETS } from "./verbs";

export type GlobalSymbol =
  | { readonly kind: "lock"; readonly decl: A.LockDecl }
  | { readonly kind: "var"; readonly decl: A.VarDecl }
  | { readonly kind: "fn"; readonly decl: A.FnDecl }
  | { readonly kind: "driver"; readonly decl: A.DriverDecl; readonly callbacks: ReadonlyMap<string, A.CallbackDecl> }
  | { readonly kind: "workqueue"; readonly decl: A.WorkqueueDecl }
  | { readonly kind: "work"; readonly decl: A.WorkDecl }
  | { readonly kind: "kthread"; readonly decl: A.KthreadDecl }
  | { readonly kind: A.PrimitiveKind; readonly decl: A.PrimitiveDecl };

export interface Scope {
  readonly globals: ReadonlyMap<string, GlobalSymbol>;
  readonly cpus: readonly A.CpuDecl[];
  /** The work items and kthreads, in source order: each item (per object) and each kthread is a thread. */
  readonly works: readonly A.WorkDecl[];
  readonly kthreads: readonly A.KthreadDecl[];
  /** The interrupt handlers (§10), each a thread on the CPU it interrupts. */
  readonly handlers: readonly A.HandlerDecl[];
  /** Every object name that indexes some declaration (a lock, a variable, a work item, …), with its first mention. */
  readonly objects: ReadonlyMap<string, A.Ident>;
  readonly scenario: A.ScenarioDecl | undefined;
  readonly expect: A.ExpectDecl | undefined;
}

const q = (name: string): string => `'${name}'`;

export function describeSymbol(s: GlobalSymbol): string {
  switch (s.kind) {
    case "lock":
      return s.decl.lockKind;
    case "var":
      return "variable";
    case "fn":
      return "function";
    case "driver":
      return "driver";
    case "workqueue":
    case "work":
    case "kthread":
    case "completion":
    case "kernfs":
    case "srcu":
      return TARGETS[s.kind].noun;
    default:
      return unreachable(s);
  }
}

/** How many threads the scenario runs: each CPU, each work item (one per object), each kthread, each interrupt handler. */
export function threadCount(scope: Scope): number {
  return scope.cpus.length + scope.works.reduce((n, w) => n + (w.instances?.length ?? 1), 0) + scope.kthreads.length + scope.handlers.length;
}

export function bind(file: A.SourceFile): { scope: Scope; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const globals = new Map<string, GlobalSymbol>();
  const cpuNames = new Set<string>();
  const cpus: A.CpuDecl[] = [];
  const works: A.WorkDecl[] = [];
  const kthreads: A.KthreadDecl[] = [];
  const handlers: A.HandlerDecl[] = [];
  const objects = new Map<string, A.Ident>();
  let scenario: A.ScenarioDecl | undefined;
  let expect: A.ExpectDecl | undefined;

  const declareGlobal = (name: A.Ident, sym: GlobalSymbol): void => {
    if (name.name === "") return;
    const prior = globals.get(name.name);
    if (prior) {
      const priorKind = describeSymbol(prior);
      const kind = describeSymbol(sym);
      // Both places: across files (race-language.md §11) the first may be in a file the reader has not open.
      const first = { span: prior.decl.name.span, message: `${priorKind === kind ? "the other" : `the ${priorKind}`} ${q(name.name)} is declared here` };
      diagnostics.push(withRelated(diagnostic("duplicate", name.span, priorKind === kind ? kind : "name", name.name, priorKind === kind ? undefined : priorKind), [first]));
      return;
    }
    globals.set(name.name, sym);
  };

  const declareInstances = (list: readonly A.Ident[] | undefined, star?: A.AllObjects["star"]): void => {
    // `[*]` lists every object of the program once (program.ts): nothing new, nothing twice.
    if (!list || star) return;
    const here = new Set<string>();
    for (const inst of list) {
      if (inst.name === "") continue;
      if (here.has(inst.name)) diagnostics.push(diagnostic("duplicate", inst.span, "instance", inst.name));
      here.add(inst.name);
      if (!objects.has(inst.name)) objects.set(inst.name, inst);
    }
  };

  const checkParams = (params: readonly A.Ident[]): void => {
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.name)) diagnostics.push(diagnostic("duplicate", p.span, "parameter", p.name));
      seen.add(p.name);
    }
  };

  for (const item of file.items) {
    switch (item.kind) {
      case "ScenarioDecl":
        if (scenario) diagnostics.push(diagnostic("twoScenarios", item.span));
        else scenario = item;
        break;
      case "ExpectDecl":
        if (expect) diagnostics.push(diagnostic("twoExpects", item.span));
        else expect = item;
        break;
      case "LockDecl":
        declareGlobal(item.name, { kind: "lock", decl: item });
        declareInstances(item.instances, item.star);
        break;
      case "VarDecl":
        declareGlobal(item.name, { kind: "var", decl: item });
        declareInstances(item.instances, item.star);
        break;
      case "FnDecl":
        declareGlobal(item.name, { kind: "fn", decl: item });
        checkParams(item.params);
        break;
      case "DriverDecl": {
        const callbacks = new Map<string, A.CallbackDecl>();
        for (const cb of item.callbacks) {
          if (cb.name.name === "") continue;
          if (callbacks.has(cb.name.name)) diagnostics.push(diagnostic("duplicate", cb.name.span, "callback", cb.name.name));
          else callbacks.set(cb.name.name, cb);
          checkParams(cb.params);
        }
        declareGlobal(item.name, { kind: "driver", decl: item, callbacks });
        break;
      }
      case "CpuDecl":
        if (item.name.name !== "" && cpuNames.has(item.name.name)) diagnostics.push(diagnostic("duplicate", item.name.span, "CPU", item.name.name));
        cpuNames.add(item.name.name);
        cpus.push(item);
        break;
      case "WorkqueueDecl":
        declareGlobal(item.name, { kind: "workqueue", decl: item });
        break;
      case "WorkDecl":
        declareGlobal(item.name, { kind: "work", decl: item });
        declareInstances(item.instances, item.star);
        checkParams(item.params);
        works.push(item);
        break;
      case "KthreadDecl":
        declareGlobal(item.name, { kind: "kthread", decl: item });
        kthreads.push(item);
        break;
      case "PrimitiveDecl":
        declareGlobal(item.name, { kind: item.what, decl: item });
        declareInstances(item.instances, item.star);
        break;
      case "ObjectDecl":
        declareInstances(item.names);
        break;
      case "ImportDecl":
        // Read before binding (program.ts): its declarations are items of the program.
        break;
      case "HandlerDecl":
        // A handler is a thread: its name is a column beside the CPUs'.
        if (item.name.name !== "" && cpuNames.has(item.name.name)) diagnostics.push(diagnostic("duplicate", item.name.span, "name", item.name.name, "CPU or handler"));
        cpuNames.add(item.name.name);
        handlers.push(item);
        break;
      default:
        unreachable(item);
    }
  }
  // A thread's name is its column in traces: a kthread or a work item may not share a CPU's.
  for (const t of [...works, ...kthreads]) {
    if (t.name.name !== "" && cpuNames.has(t.name.name) && globals.get(t.name.name)?.decl === t) diagnostics.push(diagnostic("duplicate", t.name.span, "name", t.name.name, "CPU"));
  }
  return { scope: { globals, cpus, works, kthreads, handlers, objects, scenario, expect }, diagnostics };
}
