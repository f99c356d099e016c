// Promela export: the compiled Model (calls already expanded, control flow
// resolved) written as one proctype per CPU, one labelled statement per
// instruction, so SPIN explores exactly our semantics.
//
// Mapping (docs/promela.md has the whole table):
// - locks: lk_owner[l] (CPU+1, 0 free), lk_depth[l]; rwsem readers lk_readers[l*N + cpu];
// - every step is one atomic Promela statement; a blocked `lock` is a guard;
// - a fair rwsem's queued writer is another CPU standing at a `lock` of it
//   while it is held: lk_wwait[cpu] = l+1 while CPU cpu stands at a write lock of
//   rwsem l (set in the same atomic step as the jump there, so it mirrors
//   the pc and adds no states; Promela has no forward remote references);
// - errors (failed assert, bad unlock, overflow) stop the CPU: it jumps to
//   its end, which SPIN treats as a valid end state, as we treat a stopped
//   CPU as finished; a failed assert also executes assert(false) first;
// - a CPU that finishes ends its proctype (valid end state);
// - threads (§9): a work item's proctype loops (its body's end jumps back to
//   its `start`, doing the item's bookkeeping), a kthread's starts at its
//   `start`; both wait there at an `end` label. A wait taken in two steps
//   keeps its phase in wt_phase[t] and the statement it waits at in
//   wt_what[t] (our states read that from the pc), its record in wt_data.
//
// Text from outside the model (the file's path, CPU labels, names, the
// statements' source text) appears only inside /* */ comments, written by
// commentText(): no line breaks or other control characters (the C
// preprocessor SPIN's pipeline runs splices a backslash-newline, so `*\`
// then a line break then `/` would close the comment), no `*/` and no `/*`.
// Nothing from the scenario is ever written as a string literal.

import type { CExpr, Instr, Model } from "../engine/model";
import { PC_DONE } from "../engine/model";
import { semantics } from "../engine/primitives";
import type { PromelaContext } from "../engine/primitives/types";
import { Layout } from "../engine/state";
import { escapeControls } from "../escape";
import { unreachable } from "../language/ast";

export class ExportError extends Error {}

/** `s` as it may stand inside a comment: on one line, unable to end or open one. */
export function commentText(s: string): string {
  return escapeControls(s).replace(/\*\//g, "* /").replace(/\/\*/g, "/ *");
}

/**
 * A work item's or a kthread's pc 0 (its `start`) is where it waits, idle,
 * to be queued or run: an `end` label, a valid end state for SPIN.
 */
function label(model: Model, cpu: number, pc: number): string {
  if (pc === 0 && model.cpus[cpu]!.kind !== "cpu") return `endL${cpu}_0`;
  return pc === PC_DONE ? `L${cpu}_done` : `L${cpu}_${pc}`;
}

export function toPromela(model: Model, source = "scenario"): string {
  const n = model.cpus.length;
  if (n === 0) throw new ExportError("a scenario without CPUs cannot be exported");
  if (n > 250) throw new ExportError("SPIN allows at most 255 processes");
  const layout = new Layout(model);
  const expr = (e: CExpr, cpu: number): string => {
    switch (e.k) {
      case "const":
        return String(e.v);
      case "var":
        return `gv[${e.id}]`;
      case "not":
        return `!(${expr(e.e, cpu)})`;
      case "neg":
        return `-(${expr(e.e, cpu)})`;
      case "held": {
        // In an interrupt handler, also a lock of a context it runs on top of (IrqState.below).
        const below = model.cpus.flatMap((_, t) => {
          const when = layout.p.irq.promelaBelow(cpu, t);
          return when === undefined ? [] : [`(${when} && ${layout.locks.promelaHeld(e.lock, t)})`];
        });
        return below.length === 0 ? layout.locks.promelaHeld(e.lock, cpu) : `(${[layout.locks.promelaHeld(e.lock, cpu), ...below].join(" || ")})`;
      }
      case "locked":
        return layout.locks.promelaLocked(e.lock);
      case "bin":
        return `(${expr(e.l, cpu)} ${e.op} ${expr(e.r, cpu)})`;
      case "shouldStop":
        return `((kt_flags[${e.kthread}] & 2) != 0)`;
      default:
        return unreachable(e);
    }
  };

  const out: string[] = [];
  out.push(`/* Promela export of ${commentText(source)} by race export --promela.`);
  out.push(` * CPUs: ${commentText(model.cpus.map((c, i) => `CPU${i} = ${c.name}`).join(", "))}`);
  out.push(` * locks: ${commentText(model.locks.map((l, i) => `${i} = ${l.name} (${l.kind})`).join(", ") || "none")}`);
  out.push(` * variables: ${commentText(model.vars.map((v, i) => `gv[${i}] = ${v.name}`).join(", ") || "none")} */`);
  out.push("");
  for (const part of layout.parts) out.push(...part.promelaDecls());
  out.push("");
  out.push("init {");
  out.push("  atomic {");
  for (const part of layout.parts) out.push(...part.promelaInit().map((l) => `    ${l}`));
  model.cpus.forEach((_, i) => out.push(`    run CPU${i}();`));
  out.push("  }");
  out.push("}");

  model.cpus.forEach((cpu, ci) => {
    out.push("");
    out.push(`/* ${commentText(cpu.name + (cpu.label ? ` "${cpu.label}"` : ""))} */`);
    // A CPU's task and its handlers run only while on top of the CPU (§10):
    // every statement's guard says so (onTop). Not a `provided` clause: pan's
    // weak fairness (-f) counts a process that only its `provided` clause
    // blocks as enabled, so a handler looping for ever on top of its task
    // would be no fair cycle (differential seed 23).
    const onTop = layout.p.irq.promelaProvided(ci);
    out.push(`proctype CPU${ci}() {`);
    out.push("  int t;");
    out.push(`  goto ${label(model, ci, cpu.entry)};`);
    cpu.code.forEach((ins: Instr, pc) => {
      // Bookkeeping that mirrors positions (a queued rwsem writer) goes with every jump.
      const jump = (target: number): string => layout.parts.map((p) => p.promelaJump(ci, pc, target)).join("");
      const context: PromelaContext = {
        model,
        layout,
        cpu: ci,
        pc,
        here: label(model, ci, pc),
        me: ci + 1,
        go: (target) => `${jump(target)}goto ${label(model, ci, target)}`,
        stop: `${jump(PC_DONE)}goto L${ci}_stop`,
        expr: (e) => expr(e, ci),
      };
      const text = semantics(ins).promela(ins, context);
      out.push(`${label(model, ci, pc)}: ${onTop ? guardAtomic(text, onTop) : text} /* ${commentText(ins.text)} */`);
    });
    out.push(`L${ci}_stop: skip;`);
    out.push(`L${ci}_done: skip`);
    out.push("}");
  });
  return out.join("\n") + "\n";
}

/**
 * `atomic { … }` (one step, as every instruction is written) made
 * executable only where `on` holds as well: `on` joins the guard of its
 * first statement (of each option, when that is a selection without
 * `else`), or stands before it when that statement is always executable.
 * So the step is taken at once or not at all, as before, never stopping
 * inside the atomic sequence after `on`.
 */
export function guardAtomic(step: string, on: string): string {
  const m = /^atomic \{ ([^]*) \}$/.exec(step);
  if (!m) throw new ExportError(`not one atomic step: ${step.slice(0, 80)}`);
  return `atomic { ${guardSequence(m[1]!, on)} }`;
}

function guardSequence(seq: string, on: string): string {
  const body = seq.trimStart();
  if (/^if\b/.test(body)) {
    const end = closing(body, 0);
    const options = splitOptions(body.slice(2, end));
    const rest = body.slice(end + 2);
    // With an `else` the selection is always executable: `on` goes first.
    if (options.some((o) => /^else\b/.test(o.trim()))) return `(${on}) -> ${body}`;
    return `if ${options.map((o) => `:: ${guardSequence(o, on)}`).join(" ")} fi${rest}`;
  }
  const first = topLevel(body, (i) => body.startsWith("->", i) || body[i] === ";");
  const head = body.slice(0, first).trim();
  // A condition (no assignment, increment, jump or other statement): `on` joins it.
  const statement = /^(goto|skip|assert|atomic|run|printf|break)\b/.test(head) || topLevel(head, (i) => head[i] === "=" && !"=!<>".includes(head[i - 1]!) && head[i + 1] !== "=") < head.length || /\+\+|--/.test(head);
  if (first < body.length && body.startsWith("->", first) && !statement) return `(${on}) && (${head}) ${body.slice(first)}`;
  return `(${on}) -> ${body}`;
}

/** The index of the first position at nesting depth 0 (parentheses, braces, if/fi, do/od) where `at` holds, or the length. */
function topLevel(s: string, at: (i: number) => boolean): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const word = /\w/.test(s[i - 1] ?? " ") ? "" : (/^\w+/.exec(s.slice(i))?.[0] ?? "");
    if (c === "(" || c === "{" || word === "if" || word === "do") depth++;
    else if (c === ")" || c === "}" || word === "fi" || word === "od") depth--;
    else if (depth === 0 && at(i)) return i;
    if (word.length > 1) i += word.length - 1;
  }
  return s.length;
}

/** The index of the `fi` closing the `if` at `from`. */
function closing(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    const word = /\w/.test(s[i - 1] ?? " ") ? "" : (/^\w+/.exec(s.slice(i))?.[0] ?? "");
    if (c === "(" || c === "{" || word === "if" || word === "do") depth++;
    else if (c === ")" || c === "}" || word === "od") depth--;
    else if (word === "fi" && --depth === 0) return i;
    if (word.length > 1) i += word.length - 1;
  }
  throw new ExportError(`no fi closes: ${s.slice(from, from + 80)}`);
}

/** The options of a selection's inside (between `if` and `fi`), each without its leading `::`. */
function splitOptions(inside: string): string[] {
  const out: string[] = [];
  let rest = inside.trim();
  if (!rest.startsWith("::")) throw new ExportError(`a selection without options: ${inside.slice(0, 80)}`);
  rest = rest.slice(2);
  for (;;) {
    const next = topLevel(rest, (i) => rest.startsWith("::", i));
    out.push(rest.slice(0, next).trim());
    if (next === rest.length) return out;
    rest = rest.slice(next + 2);
  }
}
