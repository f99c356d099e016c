// Kernel API calls a developer types from habit (`mutex_lock(&m)`), each
// mapped to what the scenario language writes instead, so that the checker
// answers with one targeted hint rather than an unknown function, a bad
// character for `&` and unknown names for the arguments.

import type { LockKind } from "./ast";
import { lockFormOf } from "./verbs";

type Op = "lock" | "unlock" | "rlock" | "runlock" | "trylock" | "rtrylock" | "held" | "locked";

interface Spelling {
  readonly op: Op;
  /** What to declare the lock as when the scenario has no such lock. */
  readonly kind: LockKind;
  /** Saves, disables or restores interrupts: §10's `lock_irq`, `lock_irqsave`/`unlock_irqrestore`, `lock_bh` forms. */
  readonly irq?: "irq" | "irqsave" | "bh";
  /** `rwlock_t` (read_lock/write_lock): §10's `rwlock`. */
  readonly rwlock?: boolean;
}

const table = new Map<string, Spelling>();
const add = (names: readonly string[], s: Spelling): void => names.forEach((n) => table.set(n, s));

add(["mutex_lock", "mutex_lock_interruptible", "mutex_lock_killable", "mutex_lock_nested", "mutex_lock_io"], { op: "lock", kind: "mutex" });
add(["mutex_unlock"], { op: "unlock", kind: "mutex" });
add(["mutex_trylock"], { op: "trylock", kind: "mutex" });
add(["mutex_is_locked"], { op: "locked", kind: "mutex" });
add(["spin_lock", "raw_spin_lock", "spin_lock_nested"], { op: "lock", kind: "spinlock" });
add(["spin_lock_irq", "raw_spin_lock_irq"], { op: "lock", kind: "spinlock", irq: "irq" });
add(["spin_lock_irqsave", "raw_spin_lock_irqsave"], { op: "lock", kind: "spinlock", irq: "irqsave" });
add(["spin_lock_bh"], { op: "lock", kind: "spinlock", irq: "bh" });
add(["spin_unlock", "raw_spin_unlock"], { op: "unlock", kind: "spinlock" });
add(["spin_unlock_irq", "raw_spin_unlock_irq"], { op: "unlock", kind: "spinlock", irq: "irq" });
add(["spin_unlock_irqrestore", "raw_spin_unlock_irqrestore"], { op: "unlock", kind: "spinlock", irq: "irqsave" });
add(["spin_unlock_bh"], { op: "unlock", kind: "spinlock", irq: "bh" });
add(["spin_trylock", "raw_spin_trylock"], { op: "trylock", kind: "spinlock" });
add(["spin_trylock_irqsave"], { op: "trylock", kind: "spinlock", irq: "irqsave" });
add(["spin_trylock_bh"], { op: "trylock", kind: "spinlock", irq: "bh" });
add(["spin_is_locked"], { op: "locked", kind: "spinlock" });
add(["down_read", "down_read_killable", "down_read_interruptible", "down_read_nested"], { op: "rlock", kind: "rwsem" });
add(["up_read"], { op: "runlock", kind: "rwsem" });
add(["down_read_trylock"], { op: "rtrylock", kind: "rwsem" });
add(["down_write", "down_write_killable", "down_write_nested"], { op: "lock", kind: "rwsem" });
add(["up_write"], { op: "unlock", kind: "rwsem" });
add(["down_write_trylock"], { op: "trylock", kind: "rwsem" });
add(["rwsem_is_locked"], { op: "locked", kind: "rwsem" });
add(["read_lock"], { op: "rlock", kind: "rwlock", rwlock: true });
add(["read_unlock"], { op: "runlock", kind: "rwlock", rwlock: true });
add(["write_lock"], { op: "lock", kind: "rwlock", rwlock: true });
add(["write_unlock"], { op: "unlock", kind: "rwlock", rwlock: true });
add(["read_trylock"], { op: "rtrylock", kind: "rwlock", rwlock: true });
add(["write_trylock"], { op: "trylock", kind: "rwlock", rwlock: true });
for (const irq of ["irq", "irqsave", "bh"] as const) {
  const restore = irq === "irqsave" ? "irqrestore" : irq;
  add([`read_lock_${irq}`], { op: "rlock", kind: "rwlock", rwlock: true, irq });
  add([`read_unlock_${restore}`], { op: "runlock", kind: "rwlock", rwlock: true, irq });
  add([`write_lock_${irq}`], { op: "lock", kind: "rwlock", rwlock: true, irq });
  add([`write_unlock_${restore}`], { op: "unlock", kind: "rwlock", rwlock: true, irq });
}
add(["lockdep_is_held"], { op: "held", kind: "mutex" });

export function isKernelSpelling(name: string): boolean {
  return table.has(name);
}

/**
 * The lock a kernel call's first argument names, as a scenario writes it:
 * `&m` → `m`, `&m[pf]` → `m[pf]`, `&dev->mutex` → `dev_mutex`, `&priv->locks[i]`
 * → `priv_locks_i` (a scenario has no structures, so the path becomes a name).
 */
export function lockNameOf(argument: string): string {
  const bare = argument.trim().replace(/^[&*\s(]+/, "").replace(/[\s)]+$/, "");
  const plain = /^([A-Za-z_]\w*)\s*(?:\[\s*(\w+)\s*\])?$/.exec(bare);
  if (plain) return plain[2] ? `${plain[1]}[${plain[2]}]` : plain[1]!;
  const name = bare
    .replace(/->|\./g, "_")
    .replace(/\[\s*(\w+)\s*\]/g, "_$1")
    .replace(/\W/g, "");
  return /^[A-Za-z_]/.test(name) ? name : "L";
}

/**
 * The text that replaces the call `name(&lock, …)` where it stands: a
 * statement (`lock m`), or the condition of an if or while (`trylock m`,
 * `held(m)`).
 */
export function kernelReplacement(name: string, lock: string): string | undefined {
  const s = table.get(name);
  if (!s) return undefined;
  if (s.op === "held" || s.op === "locked") return `${s.op}(${lock})`;
  // §10's lock forms carry the interrupt state (`spin_lock_irqsave` is `lock_irqsave`); a trylock has none.
  if (s.irq && s.op !== "trylock" && s.op !== "rtrylock") return `${lockFormOf(s.op, s.irq)} ${lock}`;
  return `${s.op} ${lock}`;
}

/**
 * What to write instead of `name(lock, …)`, and a note: a trylock's
 * interrupt state is written apart (§10 has no trylock form), rwlock_t is an
 * `rwlock`; the lock must be declared.
 * `declared` is the kind of the lock if the scenario declares it.
 */
export function kernelAdvice(name: string, lock: string, declared: LockKind | undefined): { instead: string; note: string } {
  const s = table.get(name)!;
  const instead = s.op === "trylock" || s.op === "rtrylock" ? `if ${s.op} ${lock} { … }` : kernelReplacement(name, lock)!;
  const notes: string[] = [];
  if (s.irq && (s.op === "trylock" || s.op === "rtrylock"))
    notes.push(s.irq === "bh" ? "a trylock has no _bh form: write 'local_bh_disable' before it and 'local_bh_enable' after (§10)" : "a trylock has no _irqsave form: write 'local_irq_save' before it and 'local_irq_restore' after (§10)");
  if (declared === undefined) notes.push(`declare the lock, e.g. '${s.kind} ${lock.replace(/\[.*$/, "")}'${s.rwlock ? " (rwlock_t, §10)" : ""}`);
  else if (s.rwlock && declared !== "rwlock") notes.push("rwlock_t is §10's 'rwlock': declare it 'rwlock'");
  else if (s.kind === "rwsem" && declared !== "rwsem" && declared !== "rwlock" && s.op !== "lock" && s.op !== "unlock" && s.op !== "trylock") notes.push(`declare it 'rwsem'`);
  return { instead, note: notes.length === 0 ? "" : ` (${notes.join("; ")})` };
}
