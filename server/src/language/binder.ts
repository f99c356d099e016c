// The binder: one pass over the top-level items that builds the symbol
// tables (locks, variables, functions and drivers share one namespace; CPUs,
// object instances, parameters and callbacks have their own) and reports
// duplicates. Names used inside bodies are resolved by the checker.

import type * as A from "./ast";
import { diagnostic, type Diagnostic } from "./messages";
import { unreachable } from "./ast";

export type GlobalSymbol =
  | { readonly kind: "lock"; readonly decl: A.LockDecl }
  | { readonly kind: "var"; readonly decl: A.VarDecl }
  | { readonly kind: "fn"; readonly decl: A.FnDecl }
  | { readonly kind: "driver"; readonly decl: A.DriverDecl; readonly callbacks: ReadonlyMap<string, A.CallbackDecl> };

export interface Scope {
  readonly globals: ReadonlyMap<string, GlobalSymbol>;
  readonly cpus: readonly A.CpuDecl[];
  /** Every object name that indexes some lock or variable, with its first mention. */
  readonly objects: ReadonlyMap<string, A.Ident>;
  readonly scenario: A.ScenarioDecl | undefined;
  readonly expect: A.ExpectDecl | undefined;
}

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
    default:
      return unreachable(s);
  }
}

export function bind(file: A.SourceFile): { scope: Scope; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const globals = new Map<string, GlobalSymbol>();
  const cpuNames = new Set<string>();
  const cpus: A.CpuDecl[] = [];
  const objects = new Map<string, A.Ident>();
  let scenario: A.ScenarioDecl | undefined;
  let expect: A.ExpectDecl | undefined;

  const declareGlobal = (name: A.Ident, sym: GlobalSymbol): void => {
    if (name.name === "") return;
    const prior = globals.get(name.name);
    if (prior) {
      const priorKind = describeSymbol(prior);
      const kind = describeSymbol(sym);
      diagnostics.push(diagnostic("duplicate", name.span, priorKind === kind ? kind : "name", name.name, priorKind === kind ? undefined : priorKind));
      return;
    }
    globals.set(name.name, sym);
  };

  const declareInstances = (list: readonly A.Ident[] | undefined): void => {
    if (!list) return;
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
        declareInstances(item.instances);
        break;
      case "VarDecl":
        declareGlobal(item.name, { kind: "var", decl: item });
        declareInstances(item.instances);
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
      default:
        unreachable(item);
    }
  }
  return { scope: { globals, cpus, objects, scenario, expect }, diagnostics };
}
