// What compiling will expand each CPU to, worked out on the call graph
// before anything is expanded: how deep its calls nest (in calls, and in
// blocks counted through calls, which compiling recurses through) and how
// many statements its code becomes. Both are memoised per callee (24 functions
// each calling the next twice expand to 2^24 copies, which must be counted,
// never built) and checked against the limits, with the diagnostic on the
// call that crosses them. Local variables are counted the same way: each
// expansion of a `var` is a byte of every state.

import { forEachStmt, type Block } from "./ast";
import type * as A from "./ast";
import type { Scope } from "./binder";
import { MAX_CALL_DEPTH, MAX_CPU_LOCALS, MAX_CPU_STATEMENTS, MAX_EXPANDED_NESTING } from "./limits";
import { diagnostic, type Diagnostic, type ExpansionLimit } from "./messages";
import { bodyName, referentKey, type BodyOwner, type Callee } from "./referent";
import type { Span } from "./span";

interface CallSite {
  /** The callee's `referentKey`. */
  readonly callee: string;
  readonly span: Span;
  /** Blocks around the call inside its body, plus one for the call itself. */
  readonly nesting: number;
}

interface Summary {
  readonly name: string;
  /** Instructions of the body itself (compile.ts emits at most one per statement; calls and returns none). */
  readonly own: number;
  /** `var` statements of the body itself: each expansion is a variable of the state. */
  readonly ownLocals: number;
  /** The deepest nesting of a statement in the body itself. */
  readonly ownNesting: number;
  readonly calls: readonly CallSite[];
}

/** What a CPU's code must stay within, counted per body: its own, and its callees' per call. */
interface Measure {
  readonly own: (s: Summary) => number;
  readonly limit: ExpansionLimit;
}

const MEASURES: readonly Measure[] = [
  { own: (s) => s.own, limit: { kind: "statements", max: MAX_CPU_STATEMENTS } },
  { own: (s) => s.ownLocals, limit: { kind: "locals", max: MAX_CPU_LOCALS } },
];

export function expansionDiagnostics(scope: Scope, recursive: ReadonlySet<string>): Diagnostic[] {
  const summaries = new Map<string, Summary>();
  /** Every driver's callback of a name: what `drv.cb()` may call when `drv` is a parameter (counted all together, an upper bound). */
  const callbacksNamed = (cb: string): Callee[] => {
    const out: Callee[] = [];
    for (const sym of scope.globals.values()) if (sym.kind === "driver" && sym.callbacks.has(cb)) out.push({ kind: "callback", driver: sym.decl.name.name, name: cb });
    return out;
  };
  const summarize = (owner: BodyOwner, block: Block, params: readonly A.Ident[] = []): string => {
    let own = 0;
    let ownLocals = 0;
    let ownNesting = 0;
    const calls: CallSite[] = [];
    forEachStmt(block, (s, depth) => {
      ownNesting = Math.max(ownNesting, depth);
      if (s.kind === "CallStmt" && s.driver && params.some((p) => p.name === s.driver!.name)) {
        for (const target of callbacksNamed(s.callee.name)) {
          const callee = referentKey(target);
          if (!recursive.has(callee)) calls.push({ callee, span: s.callee.span, nesting: depth + 1 });
        }
      } else if (s.kind === "CallStmt") {
        const target: Callee = s.driver ? { kind: "callback", driver: s.driver.name, name: s.callee.name } : { kind: "fn", name: s.callee.name };
        const callee = referentKey(target);
        const sym = scope.globals.get(s.driver ? s.driver.name : s.callee.name);
        const known = s.driver ? sym?.kind === "driver" && sym.callbacks.has(s.callee.name) : sym?.kind === "fn";
        if (known && !recursive.has(callee)) calls.push({ callee, span: s.callee.span, nesting: depth + 1 });
      } else if (s.kind !== "ReturnStmt" && s.kind !== "TrylockStmt") own += (s.kind === "VerbStmt" && s.body) || (s.kind === "LockStmt" && s.irq && (s.op === "lock" || s.op === "rlock")) ? 2 : 1; // `sysfs` enters and leaves; `lock_irq` disables, then locks
      if (s.kind === "LocalVarStmt") ownLocals++;
    });
    const key = referentKey(owner);
    summaries.set(key, { name: bodyName(owner), own, ownLocals, ownNesting, calls });
    return key;
  };
  for (const sym of scope.globals.values()) {
    if (sym.kind === "fn") summarize({ kind: "fn", name: sym.decl.name.name }, sym.decl.body, sym.decl.params);
    if (sym.kind === "driver") for (const cb of sym.decl.callbacks) summarize({ kind: "callback", driver: sym.decl.name.name, name: cb.name.name }, cb.body, cb.params);
  }

  const sizes = MEASURES.map((m) => foldCalls(summaries, m.own, (acc, v) => Math.min(m.limit.max + 1, acc + v)));
  const heights = foldCalls(summaries, () => 0, (acc, v) => Math.max(acc, v + 1));
  const nestings = foldCalls(summaries, (s) => s.ownNesting, (acc, v, c) => Math.max(acc, c.nesting + v));
  const out: Diagnostic[] = [];
  const reported = new Set<number>();
  const report = (d: Diagnostic): void => {
    if (reported.has(d.span.start)) return;
    reported.add(d.span.start);
    out.push(d);
  };

  // Every thread's body (race-language.md §9): each is compiled like a CPU's.
  const threads: { owner: BodyOwner; name: A.Ident; body: Block }[] = [
    ...scope.cpus.map((c) => ({ owner: { kind: "cpu", name: c.name.name } as const, name: c.name, body: c.body })),
    ...scope.works.map((w) => ({ owner: { kind: "work", name: w.name.name } as const, name: w.name, body: w.body })),
    ...scope.kthreads.map((k) => ({ owner: { kind: "kthread", name: k.name.name } as const, name: k.name, body: k.body })),
    ...scope.handlers.map((h) => ({ owner: { kind: "handler", name: h.name.name } as const, name: h.name, body: h.body })),
  ];
  for (const cpu of threads) {
    const key = summarize(cpu.owner, cpu.body);
    const me = summaries.get(key)!;

    // Depth, in calls and in nested blocks: follow only calls whose callee can reach past a limit.
    const visited = new Set<string>();
    const walk = (s: Summary, depth: number, nesting: number, path: readonly string[]): void => {
      for (const c of s.calls) {
        const inner = depth + 1;
        const innerNesting = nesting + c.nesting;
        const callee = summaries.get(c.callee)!;
        const here = [...path, callee.name];
        if (inner > MAX_CALL_DEPTH) {
          report(diagnostic("callTooDeep", c.span, here, { kind: "calls", max: MAX_CALL_DEPTH }));
          continue;
        }
        if (innerNesting + callee.ownNesting > MAX_EXPANDED_NESTING) {
          report(diagnostic("callTooDeep", c.span, here, { kind: "nesting", max: MAX_EXPANDED_NESTING }));
          continue;
        }
        if (inner + heights(c.callee) <= MAX_CALL_DEPTH && innerNesting + nestings(c.callee) <= MAX_EXPANDED_NESTING) continue;
        if (visited.has(`${c.callee}@${inner}@${innerNesting}`)) continue;
        visited.add(`${c.callee}@${inner}@${innerNesting}`);
        walk(callee, inner, innerNesting, here);
      }
    };
    walk(me, 0, 0, [cpu.name.name]);

    // Size: the first call (in code order) that takes the total past the limit, followed
    // down while one callee alone is past it.
    MEASURES.forEach((m, i) => {
      const size = sizes[i]!;
      if (m.own(me) > m.limit.max) return report(diagnostic("expansionTooLarge", cpu.name.span, cpu.name.name, m.limit));
      const first = crossing(me, m, size);
      if (!first) return;
      let site: CallSite = first;
      const path = [cpu.name.name];
      for (;;) {
        const callee = summaries.get(site.callee)!;
        path.push(callee.name);
        const deeper: CallSite | undefined = size(site.callee) > m.limit.max && m.own(callee) <= m.limit.max ? crossing(callee, m, size) : undefined;
        if (!deeper || path.length > MAX_CALL_DEPTH) break;
        site = deeper;
      }
      report(diagnostic("expansionTooLarge", site.span, cpu.name.name, m.limit, { path, alone: size(site.callee) > m.limit.max }));
    });
  }
  return out;
}

/** The call of `s` at which its running total exceeds the measure's limit. */
function crossing(s: Summary, m: Measure, size: (key: string) => number): CallSite | undefined {
  let total = m.own(s);
  for (const c of s.calls) {
    total += size(c.callee);
    if (total > m.limit.max) return c;
  }
  return undefined;
}

/**
 * A value per body, folded over its callees' values and memoised, without
 * recursion (call chains may be thousands long). Calls into a cycle were
 * dropped from the summaries; a cycle met anyway counts as a leaf.
 */
function foldCalls(summaries: ReadonlyMap<string, Summary>, leaf: (s: Summary) => number, combine: (acc: number, callee: number, site: CallSite) => number): (key: string) => number {
  const memo = new Map<string, number>();
  const onPath = new Set<string>();
  return (root: string): number => {
    if (memo.has(root)) return memo.get(root)!;
    const stack: { key: string; next: number; acc: number }[] = [{ key: root, next: 0, acc: leaf(summaries.get(root)!) }];
    onPath.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const calls = summaries.get(top.key)!.calls;
      if (top.next < calls.length) {
        const site = calls[top.next++]!;
        const known = memo.get(site.callee);
        if (known !== undefined) top.acc = combine(top.acc, known, site);
        else if (onPath.has(site.callee)) top.acc = combine(top.acc, 0, site);
        else {
          onPath.add(site.callee);
          stack.push({ key: site.callee, next: 0, acc: leaf(summaries.get(site.callee)!) });
        }
        continue;
      }
      stack.pop();
      onPath.delete(top.key);
      memo.set(top.key, top.acc);
      const parent = stack[stack.length - 1];
      if (parent) parent.acc = combine(parent.acc, top.acc, summaries.get(parent.key)!.calls[parent.next - 1]!);
    }
    return memo.get(root)!;
  };
}
