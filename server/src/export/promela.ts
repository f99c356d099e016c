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
// - a CPU that finishes ends its proctype (valid end state).
//
// Text from outside the model (the file's path, CPU labels, names, the
// statements' source text) appears only inside /* */ comments, written by
// commentText(): no line breaks or other control characters (the C
// preprocessor SPIN's pipeline runs splices a backslash-newline, so `*\`
// then a line break then `/` would close the comment), no `*/` and no `/*`.
// Nothing from the scenario is ever written as a string literal.

import type { CExpr, Instr, Model } from "../engine/model";
import { PC_DONE } from "../engine/model";
import { escapeControls } from "../escape";
import { unreachable } from "../language/ast";

export class ExportError extends Error {}

/** `s` as it may stand inside a comment: on one line, unable to end or open one. */
export function commentText(s: string): string {
  return escapeControls(s).replace(/\*\//g, "* /").replace(/\/\*/g, "/ *");
}

function label(cpu: number, pc: number): string {
  return pc === PC_DONE ? `L${cpu}_done` : `L${cpu}_${pc}`;
}

export function toPromela(model: Model, source = "scenario"): string {
  const n = model.cpus.length;
  const L = model.locks.length;
  const V = model.vars.length;
  if (n === 0) throw new ExportError("a scenario without CPUs cannot be exported");
  if (n > 250) throw new ExportError("SPIN allows at most 255 processes");
  const readersOf = (l: number): string => (model.locks[l]!.kind === "rwsem" ? `(${model.cpus.map((_, c) => `lk_readers[${l * n + c}]`).join(" + ")})` : "0");
  const lockedExpr = (l: number): string => `(lk_owner[${l}] != 0 || ${readersOf(l)} != 0)`;

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
      case "held":
        return `(lk_owner[${e.lock}] == ${cpu + 1}${model.locks[e.lock]!.kind === "rwsem" ? ` || lk_readers[${e.lock * n + cpu}] > 0` : ""})`;
      case "locked":
        return lockedExpr(e.lock);
      case "bin":
        return `(${expr(e.l, cpu)} ${e.op} ${expr(e.r, cpu)})`;
      default:
        return unreachable(e);
    }
  };

  // Readers (rlock, and rtrylock, which succeeds exactly when rlock would be enabled) look for queued writers.
  const tracksWriters = model.cpus.some((c) => c.code.some((ins) => ins.op === "rlock" || ins.op === "rtrylock"));
  /** A guard: no other CPU is queued to write-lock rwsem l while it is held (a fair rwsem lets it go first). */
  const noQueuedWriter = (l: number, ci: number): string => {
    const others = model.cpus.map((_, c) => c).filter((c) => c !== ci);
    return others.length > 0 ? ` && !(${lockedExpr(l)} && (${others.map((c) => `lk_wwait[${c}] == ${l + 1}`).join(" || ")}))` : "";
  };
  /** lk_wwait[] value for a CPU standing at `pc`. */
  const writeMark = (cpu: number, pc: number): number => {
    const ins = pc === PC_DONE ? undefined : model.cpus[cpu]!.code[pc];
    return ins && ins.op === "lock" && model.locks[ins.lock]!.kind === "rwsem" ? ins.lock + 1 : 0;
  };

  const out: string[] = [];
  out.push(`/* Promela export of ${commentText(source)} by race export --promela.`);
  out.push(` * CPUs: ${commentText(model.cpus.map((c, i) => `CPU${i} = ${c.name}`).join(", "))}`);
  out.push(` * locks: ${commentText(model.locks.map((l, i) => `${i} = ${l.name} (${l.kind})`).join(", ") || "none")}`);
  out.push(` * variables: ${commentText(model.vars.map((v, i) => `gv[${i}] = ${v.name}`).join(", ") || "none")} */`);
  out.push("");
  out.push(`byte lk_owner[${Math.max(1, L)}];`);
  out.push(`byte lk_depth[${Math.max(1, L)}];`);
  out.push(`byte lk_readers[${Math.max(1, L * n)}];`);
  out.push(`short gv[${Math.max(1, V)}];`);
  if (tracksWriters) out.push(`byte lk_wwait[${n}];`);
  out.push("");
  out.push("init {");
  out.push("  atomic {");
  model.vars.forEach((v, i) => {
    if (v.init !== 0) out.push(`    gv[${i}] = ${v.init};`);
  });
  if (tracksWriters) model.cpus.forEach((c, i) => writeMark(i, c.entry) !== 0 && out.push(`    lk_wwait[${i}] = ${writeMark(i, c.entry)};`));
  model.cpus.forEach((_, i) => out.push(`    run CPU${i}();`));
  out.push("  }");
  out.push("}");

  model.cpus.forEach((cpu, ci) => {
    const me = ci + 1;
    out.push("");
    out.push(`/* ${commentText(cpu.name + (cpu.label ? ` "${cpu.label}"` : ""))} */`);
    out.push(`proctype CPU${ci}() {`);
    out.push("  int t;");
    out.push(`  goto ${label(ci, cpu.entry)};`);
    cpu.code.forEach((ins: Instr, pc) => {
      const here = label(ci, pc);
      const mark = (target: number): string => {
        if (!tracksWriters) return "";
        const from = writeMark(ci, pc);
        const to = writeMark(ci, target);
        return from === to ? "" : `lk_wwait[${ci}] = ${to}; `;
      };
      const go = (target: number): string => `${mark(target)}goto ${label(ci, target)}`;
      const stop = `${mark(PC_DONE)}goto L${ci}_stop`;
      const comment = `/* ${commentText(ins.text)} */`;
      let body: string;
      switch (ins.op) {
        case "lock": {
          const l = ins.lock;
          const kind = model.locks[l]!.kind;
          if (kind === "recursive mutex") {
            body = `atomic { (lk_owner[${l}] == 0 || lk_owner[${l}] == ${me}) -> if :: lk_depth[${l}] == 255 -> ${stop} :: else -> lk_owner[${l}] = ${me}; lk_depth[${l}]++; ${go(ins.next)} fi }`;
          } else if (kind === "rwsem") {
            body = `atomic { (lk_owner[${l}] == 0 && ${readersOf(l)} == 0) -> lk_owner[${l}] = ${me}; lk_depth[${l}] = 1; ${go(ins.next)} }`;
          } else {
            body = `atomic { lk_owner[${l}] == 0 -> lk_owner[${l}] = ${me}; lk_depth[${l}] = 1; ${go(ins.next)} }`;
          }
          break;
        }
        case "rlock": {
          const l = ins.lock;
          body = `atomic { (lk_owner[${l}] == 0${noQueuedWriter(l, ci)}) -> lk_readers[${l * n + ci}]++; ${go(ins.next)} }`;
          break;
        }
        case "rtrylock": {
          const l = ins.lock;
          const r = `lk_readers[${l * n + ci}]`;
          body = `atomic { if :: (lk_owner[${l}] == 0${noQueuedWriter(l, ci)}) -> if :: ${r} == 255 -> ${stop} :: else -> ${r}++; ${go(ins.next)} fi :: else -> ${go(ins.alt)} fi }`;
          break;
        }
        case "unlock": {
          const l = ins.lock;
          body = `atomic { if :: lk_owner[${l}] == ${me} -> lk_depth[${l}]--; if :: lk_depth[${l}] == 0 -> lk_owner[${l}] = 0 :: else -> skip fi; ${go(ins.next)} :: else -> ${stop} fi }`;
          break;
        }
        case "runlock": {
          const l = ins.lock;
          body =
            model.locks[l]!.kind === "rwsem"
              ? `atomic { if :: lk_readers[${l * n + ci}] > 0 -> lk_readers[${l * n + ci}]--; ${go(ins.next)} :: else -> ${stop} fi }`
              : `atomic { ${stop} }`;
          break;
        }
        case "trylock": {
          const l = ins.lock;
          const free = `(lk_owner[${l}] == 0 && ${readersOf(l)} == 0)`;
          const mine = model.locks[l]!.kind === "recursive mutex" ? ` || lk_owner[${l}] == ${me}` : "";
          body = `atomic { if :: (${free}${mine}) -> lk_owner[${l}] = ${me}; lk_depth[${l}]++; ${go(ins.next)} :: else -> ${go(ins.alt)} fi }`;
          break;
        }
        case "assign":
          body = `atomic { t = ${expr(ins.value, ci)}; if :: (t < -128 || t > 127) -> ${stop} :: else -> gv[${ins.target}] = t; t = 0; ${go(ins.next)} fi }`;
          break;
        case "assert":
          body = `atomic { if :: ${expr(ins.cond, ci)} -> ${go(ins.next)} :: else -> assert(false); ${stop} fi }`;
          break;
        case "wait":
          body = `atomic { ${expr(ins.cond, ci)} -> ${go(ins.next)} }`;
          break;
        case "branch":
          body = `atomic { if :: ${expr(ins.cond, ci)} -> ${go(ins.next)} :: else -> ${go(ins.alt)} fi }`;
          break;
        case "either":
          body = `atomic { if ${ins.choices.map((c) => `:: ${go(c)}`).join(" ")} fi }`;
          break;
        default:
          return unreachable(ins);
      }
      out.push(`${here}: ${body} ${comment}`);
    });
    out.push(`L${ci}_stop: skip;`);
    out.push(`L${ci}_done: skip`);
    out.push("}");
  });
  return out.join("\n") + "\n";
}
