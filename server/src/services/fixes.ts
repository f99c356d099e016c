// Quick fixes. For a deadlock, candidate edits that reorder locking — swap
// two acquisitions in one path; move the call that takes the inner lock out
// of the outer critical section (what patch 2/2 of the seed series does);
// take the cycle's locks in one global order; for a cycle through a work
// item's (work_completion), the kernel's two fixes: flush it after the
// unlock, or cancel it (cancel_work_sync) before taking the lock — are each
// applied to a copy and re-checked by the engine. Only those after which the deadlock is gone
// and nothing new is reported are offered. Plain fixes for checker errors
// (declare a missing lock or variable) and for a lock held at exit (add the
// unlock, also re-checked) complete the set.

import { analyze, type Analysis, type AnalyzeOptions, type FrontEnd } from "../analysis";
import type { Problem } from "../engine/report";
import type * as A from "../language/ast";
import { allBlocks } from "../language/ast";
import { kernelReplacement, lockNameOf } from "../language/kernelSpellings";
import { catalogue, type Diagnostic } from "../language/messages";
import type { Span } from "../language/span";
import { applyEdits, indentAt, lineSpan, type TextEdit } from "./edits";
import { lockdepReportFixes } from "../import/editor";

/** Codes of the findings engineFixes() answers (the others have none). */
export const ENGINE_FIX_CODES: ReadonlySet<string> = new Set([catalogue.deadlock.code, catalogue.lockHeldAtExit.code]);

export interface Fix {
  readonly title: string;
  /** The diagnostic it answers: its code and where it is shown. */
  readonly code: string;
  readonly spans: readonly Span[];
  readonly edits: readonly TextEdit[];
  readonly preferred: boolean;
}

interface Place {
  readonly block: A.Block;
  readonly index: number;
  readonly owner: string;
}

function placeOf(all: ReturnType<typeof allBlocks>, span: Span): Place | undefined {
  for (const { block, owner } of all) {
    const index = block.stmts.findIndex((s) => s.span.start === span.start && s.span.end === span.end);
    if (index >= 0) return { block, index, owner };
  }
  return undefined;
}

const contains = (outer: Span, inner: Span): boolean => outer.start <= inner.start && inner.end <= outer.end;

class Candidates {
  readonly list: { title: string; edits: TextEdit[]; kind: "swap" | "move" | "order" }[] = [];
  private readonly all: ReturnType<typeof allBlocks>;

  constructor(
    private readonly text: string,
    file: A.SourceFile,
  ) {
    this.all = allBlocks(file);
  }

  private src(s: Span): string {
    return this.text.slice(s.start, s.end);
  }

  private lockRefText(s: A.Stmt): string | undefined {
    return s.kind === "LockStmt" ? this.src(s.lock.span) : undefined;
  }

  /** Edits that swap two lock statements of one block, and their unlocks if they follow. */
  swapEdits(place: Place, i: number, j: number): TextEdit[] {
    const a = place.block.stmts[i]!;
    const b = place.block.stmts[j]!;
    const edits: TextEdit[] = [
      { span: a.span, newText: this.src(b.span) },
      { span: b.span, newText: this.src(a.span) },
    ];
    const refA = this.lockRefText(a);
    const refB = this.lockRefText(b);
    const after = place.block.stmts.slice(j + 1);
    const unlockOf = (ref: string | undefined): A.Stmt | undefined => after.find((s) => s.kind === "LockStmt" && (s.op === "unlock" || s.op === "runlock") && this.lockRefText(s) === ref);
    const ua = unlockOf(refA);
    const ub = unlockOf(refB);
    // Keep releases in reverse order of acquisition (b was taken second, is now first).
    if (ua && ub && ub.span.start < ua.span.start) {
      edits.push({ span: ua.span, newText: this.src(ub.span) }, { span: ub.span, newText: this.src(ua.span) });
    }
    return edits;
  }

  forDeadlock(p: Problem): void {
    for (const site of p.sites) {
      const blocked = placeOf(this.all, site.span);
      for (const held of site.holds) {
        if (!held.span) continue;
        const taken = placeOf(this.all, held.span);
        if (!taken) continue;
        // (a) both acquisitions in one block: swap them.
        if (blocked && blocked.block === taken.block && blocked.index > taken.index && blocked.block.stmts[blocked.index]!.kind === "LockStmt") {
          this.list.push({
            kind: "swap",
            title: `Swap '${this.src(taken.block.stmts[taken.index]!.span)}' and '${this.src(blocked.block.stmts[blocked.index]!.span)}' in ${taken.owner}`,
            edits: this.swapEdits(taken, taken.index, blocked.index),
          });
        }
        // (d) a flush or cancel_work_sync under a lock the item's body takes: move it out of the critical section.
        if (blocked && blocked.block === taken.block && blocked.index > taken.index && site.waitsFor?.startsWith("(work_completion)(&")) this.workWaitOutside(taken, blocked.index);
        // (b) the inner lock is taken inside a call made under the outer one: move the call out.
        const calls = [site.span, ...site.stack.map((f) => f.call)];
        const stmts = taken.block.stmts;
        for (let t = taken.index + 1; t < stmts.length; t++) {
          const s = stmts[t]!;
          if (!calls.some((c) => contains(s.span, c))) continue;
          if (s.kind !== "CallStmt") break;
          const moved = lineSpan(this.text, s.span);
          const lockLine = lineSpan(this.text, stmts[taken.index]!.span);
          if (!moved || !lockLine) break;
          const callText = this.text.slice(moved.start, moved.end);
          const lockIndent = indentAt(this.text, stmts[taken.index]!.span.start);
          const reindented = lockIndent + callText.trimStart();
          this.list.push({
            kind: "move",
            title: `Move '${this.src(s.span)}' before '${this.src(stmts[taken.index]!.span)}' in ${taken.owner}`,
            edits: [
              { span: { start: lockLine.start, end: lockLine.start }, newText: reindented },
              { span: moved, newText: "" },
            ],
          });
          const ref = this.lockRefText(stmts[taken.index]!);
          const unlock = stmts.slice(t + 1).find((x) => x.kind === "LockStmt" && x.op === "unlock" && this.lockRefText(x) === ref);
          const unlockLine = unlock && lineSpan(this.text, unlock.span);
          if (unlock && unlockLine) {
            this.list.push({
              kind: "move",
              title: `Move '${this.src(s.span)}' after '${this.src(unlock.span)}' in ${taken.owner}`,
              edits: [
                { span: moved, newText: "" },
                { span: { start: unlockLine.end, end: unlockLine.end }, newText: reindented.endsWith("\n") ? reindented : reindented + "\n" },
              ],
            });
          }
          break;
        }
      }
    }
  }

  /**
   * (d) `flush_work W` at `index`, under the lock taken at `taken`, moves
   * after that lock's unlock (flush outside the lock); `cancel_work_sync W`
   * moves before the lock (cancel before taking it). Not across a statement
   * that names W, which would change what the flush or cancel waits for.
   */
  private workWaitOutside(taken: Place, index: number): void {
    const stmts = taken.block.stmts;
    const s = stmts[index]!;
    if (s.kind !== "VerbStmt" || !s.target || (s.verb !== "flush_work" && s.verb !== "cancel_work_sync")) return;
    const lockStmt = stmts[taken.index]!;
    const item = new RegExp(`(?<![A-Za-z0-9_])${s.target.name.name}(?![A-Za-z0-9_])`);
    const namesItem = (x: A.Stmt): boolean => item.test(this.src(x.span));
    if (s.verb === "flush_work") {
      const ref = this.lockRefText(lockStmt);
      const u = stmts.findIndex((x, i) => i > index && x.kind === "LockStmt" && (x.op === "unlock" || x.op === "runlock") && this.lockRefText(x) === ref);
      if (u < 0 || stmts.slice(index + 1, u).some(namesItem)) return;
      const edits = this.moveEdits(s, stmts[u]!, "after");
      if (edits) this.list.push({ kind: "move", title: `Move '${this.src(s.span)}' after '${this.src(stmts[u]!.span)}' in ${taken.owner} (flush outside the lock)`, edits });
    } else {
      if (stmts.slice(taken.index + 1, index).some(namesItem)) return;
      const edits = this.moveEdits(s, lockStmt, "before");
      if (edits) this.list.push({ kind: "move", title: `Move '${this.src(s.span)}' before '${this.src(lockStmt.span)}' in ${taken.owner} (cancel before taking the lock)`, edits });
    }
  }

  /** Edits that move statement `s` to just before or just after `anchor` in its block: whole lines, or within a line of `;`-separated statements. */
  private moveEdits(s: A.Stmt, anchor: A.Stmt, where: "before" | "after"): TextEdit[] | undefined {
    const moved = lineSpan(this.text, s.span);
    const at = lineSpan(this.text, anchor.span);
    if (moved && at) {
      const line = indentAt(this.text, anchor.span.start) + this.text.slice(moved.start, moved.end).trimStart();
      const insert = where === "before" ? at.start : at.end;
      return [
        { span: moved, newText: "" },
        { span: { start: insert, end: insert }, newText: line.endsWith("\n") ? line : line + "\n" },
      ];
    }
    const separator = /^[ \t]*;[ \t]*/.exec(this.text.slice(s.span.end));
    if (!separator) return undefined;
    const src = this.src(s.span);
    return [
      { span: { start: s.span.start, end: s.span.end + separator[0].length }, newText: "" },
      where === "before" ? { span: { start: anchor.span.start, end: anchor.span.start }, newText: `${src}; ` } : { span: { start: anchor.span.end, end: anchor.span.end }, newText: `; ${src}` },
    ];
  }

  /** (c) Every acquisition of the cycle's locks in declaration order, where a swap can do it. */
  globalOrder(p: Problem, a: Analysis): void {
    const model = a.model;
    if (!model) return;
    const cycle = new Set(p.sites.map((s) => s.waitsFor).filter((l): l is string => l !== undefined));
    if (cycle.size < 2) return;
    const rank = new Map(model.locks.map((l, i) => [l.name, i]));
    // A cycle through a pseudo-lock ((work_completion), kn->active, …) has no declaration order to follow.
    if ([...cycle].some((l) => !rank.has(l))) return;
    const edits: TextEdit[] = [];
    const touched = new Set<number>();
    for (const e of a.report?.lockGraph.edges ?? []) {
      if (!cycle.has(e.from) || !cycle.has(e.to) || rank.get(e.from)! < rank.get(e.to)!) continue;
      for (const site of e.sites) {
        const place = placeOf(this.all, site.span);
        if (!place) return;
        const base = e.from.replace(/\[.*$/, "");
        let i = place.index - 1;
        while (i >= 0) {
          const s = place.block.stmts[i]!;
          if (s.kind === "LockStmt" && (s.op === "lock" || s.op === "rlock") && s.lock.name.name === base) break;
          i--;
        }
        if (i < 0) return; // this path takes them in different blocks: not a plain swap
        if (touched.has(place.block.stmts[i]!.span.start)) continue;
        touched.add(place.block.stmts[i]!.span.start);
        edits.push(...this.swapEdits(place, i, place.index));
      }
    }
    if (edits.length === 0) return;
    const order = [...cycle].sort((x, y) => rank.get(x)! - rank.get(y)!);
    this.list.push({ kind: "order", title: `Take ${order.map((l) => `'${l}'`).join(" before ")} everywhere (one global lock order)`, edits });
  }
}

function signature(p: Problem): string {
  return `${p.kind}|${[...p.cpus].sort().join(",")}|${p.sites
    .map((s) => s.waitsFor ?? "")
    .sort()
    .join(",")}`;
}

function frontEndCodes(fe: FrontEnd): string[] {
  return fe.diagnostics.map((d) => d.code).sort();
}

/** Is `candidate` a verified fix of `target` in `before`? */
function verifies(before: Analysis, target: Problem, candidate: Analysis): boolean {
  if (candidate.verdict === "invalid" || !candidate.report?.stats.complete) return false;
  const oldCodes = frontEndCodes(before.frontEnd);
  const newCodes = frontEndCodes(candidate.frontEnd);
  if (newCodes.some((c) => newCodes.filter((x) => x === c).length > oldCodes.filter((x) => x === c).length)) return false;
  const oldSigs = new Set(before.report!.problems.map(signature));
  const newSigs = candidate.report.problems.map(signature);
  if (newSigs.includes(signature(target))) return false;
  return newSigs.every((s) => oldSigs.has(s));
}

export interface FixOptions extends AnalyzeOptions {
  /** At most this many candidates are re-checked per problem. */
  readonly maxCandidates?: number;
}

/** Verified fixes for the engine findings of `a` (which analyzed `text`). */
export function engineFixes(text: string, a: Analysis, options: FixOptions = {}): Fix[] {
  if (!a.report) return [];
  const fixes: Fix[] = [];
  const seenTexts = new Set<string>();
  const check = (newText: string): Analysis => analyze(newText, options);
  for (const { problem } of a.findings) {
    if (options.isCancelled?.()) break;
    if (problem.kind === "deadlock") {
      const c = new Candidates(text, a.frontEnd.ast);
      c.forDeadlock(problem);
      c.globalOrder(problem, a);
      let tried = 0;
      for (const cand of c.list) {
        if (tried >= (options.maxCandidates ?? 8) || options.isCancelled?.()) break;
        let fixed: string;
        try {
          fixed = applyEdits(text, cand.edits);
        } catch {
          continue;
        }
        if (seenTexts.has(fixed)) continue;
        seenTexts.add(fixed);
        tried++;
        if (verifies(a, problem, check(fixed))) {
          fixes.push({
            title: `${cand.title} — verified: this deadlock is gone, nothing new`,
            code: catalogue.deadlock.code,
            spans: problem.sites.map((s) => s.span),
            edits: cand.edits,
            preferred: fixes.length === 0,
          });
        }
      }
    }
    if (problem.kind === "lock-held-at-exit") {
      const held = problem.sites[0]?.holds ?? [];
      const edits: TextEdit[] = [];
      const all = allBlocks(a.frontEnd.ast);
      for (const h of held) {
        if (!h.span) continue;
        const place = placeOf(all, h.span);
        if (!place) continue;
        const stmt = place.block.stmts[place.index]!;
        const ref = stmt.kind === "LockStmt" ? text.slice(stmt.lock.span.start, stmt.lock.span.end) : undefined;
        if (!ref || stmt.kind !== "LockStmt") continue;
        const last = place.block.stmts[place.block.stmts.length - 1]!;
        const op = stmt.op === "rlock" ? "runlock" : "unlock";
        const line = lineSpan(text, last.span);
        edits.push(
          line
            ? { span: { start: line.end, end: line.end }, newText: `${indentAt(text, last.span.start)}${op} ${ref}\n` }
            : { span: { start: last.span.end, end: last.span.end }, newText: `; ${op} ${ref}` },
        );
      }
      if (edits.length > 0) {
        try {
          const fixed = applyEdits(text, edits);
          if (verifies(a, problem, check(fixed))) {
            fixes.push({ title: `Release ${held.map((h) => `'${h.lock}'`).join(", ")} before the end — verified`, code: catalogue.lockHeldAtExit.code, spans: [problem.span], edits, preferred: true });
          }
        } catch {
          // overlapping insertions: no fix offered
        }
      }
    }
  }
  return fixes;
}

/** Fixes for checker errors: cheap, offered without running the engine. */
export function checkerFixes(text: string, fe: FrontEnd, d: Diagnostic): Fix[] {
  if (d.code === catalogue.kernelSpelling.code) return kernelSpellingFix(text, d);
  if (d.code === catalogue.lockdepReport.code) return lockdepReportFixes(text, d);
  const name = text.slice(d.span.start, d.span.end);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return [];
  const items = fe.ast.items;
  const lastDecl = [...items].reverse().find((i) => i.kind === "LockDecl" || i.kind === "VarDecl") ?? items.find((i) => i.kind === "ScenarioDecl");
  const at = lastDecl ? lineSpan(text, lastDecl.span)?.end ?? lastDecl.span.end : 0;
  const prefix = lastDecl && !lineSpan(text, lastDecl.span) ? "\n" : "";
  const insert = (decl: string): TextEdit[] => [{ span: { start: at, end: at }, newText: `${prefix}${decl}\n` }];
  if (d.code === catalogue.unknownLock.code) {
    return ["mutex", "recursive mutex", "rwsem", "spinlock"].map((kind, i) => ({ title: `Declare '${kind} ${name}'`, code: d.code, spans: [d.span], edits: insert(`${kind} ${name}`), preferred: i === 0 }));
  }
  if (d.code === catalogue.unknownVariable.code) {
    return [
      { title: `Declare 'var ${name} = false'`, code: d.code, spans: [d.span], edits: insert(`var ${name} = false`), preferred: true },
      { title: `Declare 'var ${name} = 0'`, code: d.code, spans: [d.span], edits: insert(`var ${name} = 0`), preferred: false },
    ];
  }
  return [];
}

/** `mutex_lock(&m)` → `lock m`, `if (mutex_trylock(&m))` → `if (trylock m)`: the call's own words, the lock kept. */
function kernelSpellingFix(text: string, d: Diagnostic): Fix[] {
  const call = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(([^,)]*(?:\([^)]*\))?[^,)]*)/.exec(text.slice(d.span.start, d.span.end));
  const replacement = call ? kernelReplacement(call[1]!, lockNameOf(call[2]!)) : undefined;
  if (!replacement) return [];
  return [{ title: `Write '${replacement}'`, code: d.code, spans: [d.span], edits: [{ span: d.span, newText: replacement }], preferred: true }];
}
