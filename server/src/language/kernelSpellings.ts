// Kernel API calls a developer types from habit (`mutex_lock(&m)`), each
// mapped to what the scenario language writes instead, so that the checker
// answers with one targeted hint rather than an unknown function, a bad
// character for `&` and unknown names for the arguments.

import type { LockKind } from "./ast";

type Op = "lock" | "unlock" | "rlock" | "runlock" | "trylock" | "rtrylock" | "held" | "locked";

interface Spelling {
  readonly op: Op;
  /** What to declare the lock as when the scenario has no such lock. */
  readonly kind: LockKind;
  /** Saves, disables or restores interrupts (`_irq`, `_irqsave`, `_bh`, …): not modelled yet. */
  readonly irq?: boolean;
  /** `rwlock_t` (read_lock/write_lock): not modelled yet; an rwsem is the nearest. */
  readonly rwlock?: boolean;
}

const table = new Map<string, Spelling>();
const add = (names: readonly string[], s: Spelling): void => names.forEach((n) => table.set(n, s));

add(["mutex_lock", "mutex_lock_interruptible", "mutex_lock_killable", "mutex_lock_nested", "mutex_lock_io"], { op: "lock", kind: "mutex" });
add(["mutex_unlock"], { op: "unlock", kind: "mutex" });
add(["mutex_trylock"], { op: "trylock", kind: "mutex" });
add(["mutex_is_locked"], { op: "locked", kind: "mutex" });
add(["spin_lock", "raw_spin_lock", "spin_lock_nested"], { op: "lock", kind: "spinlock" });
add(["spin_lock_irq", "spin_lock_irqsave", "spin_lock_bh", "raw_spin_lock_irq", "raw_spin_lock_irqsave"], { op: "lock", kind: "spinlock", irq: true });
add(["spin_unlock", "raw_spin_unlock"], { op: "unlock", kind: "spinlock" });
add(["spin_unlock_irq", "spin_unlock_irqrestore", "spin_unlock_bh", "raw_spin_unlock_irq", "raw_spin_unlock_irqrestore"], { op: "unlock", kind: "spinlock", irq: true });
add(["spin_trylock", "raw_spin_trylock"], { op: "trylock", kind: "spinlock" });
add(["spin_trylock_irqsave", "spin_trylock_bh"], { op: "trylock", kind: "spinlock", irq: true });
add(["spin_is_locked"], { op: "locked", kind: "spinlock" });
add(["down_read", "down_read_killable", "down_read_interruptible", "down_read_nested"], { op: "rlock", kind: "rwsem" });
add(["up_read"], { op: "runlock", kind: "rwsem" });
add(["down_read_trylock"], { op: "rtrylock", kind: "rwsem" });
add(["down_write", "down_write_killable", "down_write_nested"], { op: "lock", kind: "rwsem" });
add(["up_write"], { op: "unlock", kind: "rwsem" });
add(["down_write_trylock"], { op: "trylock", kind: "rwsem" });
add(["rwsem_is_locked"], { op: "locked", kind: "rwsem" });
add(["read_lock"], { op: "rlock", kind: "rwsem", rwlock: true });
add(["read_unlock"], { op: "runlock", kind: "rwsem", rwlock: true });
add(["write_lock"], { op: "lock", kind: "rwsem", rwlock: true });
add(["write_unlock"], { op: "unlock", kind: "rwsem", rwlock: true });
add(["read_trylock"], { op: "rtrylock", kind: "rwsem", rwlock: true });
add(["write_trylock"], { op: "trylock", kind: "rwsem", rwlock: true });
add(["read_lock_irq", "read_lock_irqsave", "read_lock_bh"], { op: "rlock", kind: "rwsem", rwlock: true, irq: true });
add(["read_unlock_irq", "read_unlock_irqrestore", "read_unlock_bh"], { op: "runlock", kind: "rwsem", rwlock: true, irq: true });
add(["write_lock_irq", "write_lock_irqsave", "write_lock_bh"], { op: "lock", kind: "rwsem", rwlock: true, irq: true });
add(["write_unlock_irq", "write_unlock_irqrestore", "write_unlock_bh"], { op: "unlock", kind: "rwsem", rwlock: true, irq: true });
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
  return s.op === "held" || s.op === "locked" ? `${s.op}(${lock})` : `${s.op} ${lock}`;
}

/**
 * What to write instead of `name(lock, …)`, and a note: interrupt state
 * and rwlock_t are not modelled yet; the lock must be declared.
 * `declared` is the kind of the lock if the scenario declares it.
 */
export function kernelAdvice(name: string, lock: string, declared: LockKind | undefined): { instead: string; note: string } {
  const s = table.get(name)!;
  const instead = s.op === "trylock" || s.op === "rtrylock" ? `if ${s.op} ${lock} { … }` : kernelReplacement(name, lock)!;
  const notes: string[] = [];
  if (s.irq) notes.push("interrupt state is not modelled yet, so the lock alone is what the scenario can show");
  if (s.rwlock) notes.push("rwlock_t is not modelled yet; an 'rwsem' is the nearest lock");
  if (declared === undefined) notes.push(`declare the lock, e.g. '${s.kind} ${lock.replace(/\[.*$/, "")}'`);
  else if (s.kind === "rwsem" && declared !== "rwsem" && s.op !== "lock" && s.op !== "unlock" && s.op !== "trylock") notes.push(`declare it 'rwsem'`);
  return { instead, note: notes.length === 0 ? "" : ` (${notes.join("; ")})` };
}
