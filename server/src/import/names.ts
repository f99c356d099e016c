// Identifiers for what a report names in its own words: lock classes
// (`&dev->mutex`, `kn->active#136`, `(work_completion)(&wfc.work)`), tasks
// (`irq/50-pciehp/57`) and functions. Each becomes a valid, unreserved,
// unique name of its namespace; the original text goes into a comment or a
// label beside it.

import { escapeControls } from "../escape";
import { lockNameOf } from "../language/kernelSpellings";
import { KEYWORDS } from "../language/tokens";

/**
 * Words the language reserves, and the statement words of §9–§10 (contextual,
 * but a name that reads like a statement confuses the reader of the scenario).
 */
const RESERVED = new Set([
  ...KEYWORDS,
  "rtrylock",
  "deadlock",
  "violation",
  "misuse",
  "safe",
  "work",
  "workqueue",
  "ordered",
  "kthread",
  "completion",
  "kernfs",
  "sysfs",
  "srcu",
  "rcu",
  "irq",
  "softirq",
  "rwlock",
  "object",
  "import",
  "on",
  "queue_work",
  "flush_work",
  "cancel_work",
  "cancel_work_sync",
  "flush_workqueue",
  "drain_workqueue",
  "destroy_workqueue",
  "kthread_run",
  "kthread_stop",
  "kthread_should_stop",
  "wait_for_completion",
  "try_wait_for_completion",
  "complete",
  "complete_all",
  "reinit_completion",
  "kernfs_remove",
  "kernfs_remove_self",
  "srcu_read_lock",
  "srcu_read_unlock",
  "rcu_read_lock",
  "rcu_read_unlock",
  "synchronize_srcu",
  "synchronize_rcu",
  "local_irq_disable",
  "local_irq_enable",
  "local_irq_save",
  "local_irq_restore",
  "local_bh_disable",
  "local_bh_enable",
]);

/** Any text as an identifier: runs of other characters become `_`. */
export function identifier(text: string, fallback = "x"): string {
  // Kernel names keep their underscores (`__device_attach` is not `device_attach`); other characters
  // become one `_` inside the name and go at its ends.
  let id = text.replace(/^[^A-Za-z0-9_]+|[^A-Za-z0-9_]+$/g, "").replace(/[^A-Za-z0-9_]+/g, "_");
  if (id === "" || id === "_") id = fallback;
  if (/^[0-9]/.test(id)) id = `${fallback}_${id}`;
  return RESERVED.has(id) ? `${id}_` : id;
}

/**
 * A lock class as a name: the path of a structure field becomes one word as
 * kernel spellings do (`&dev->mutex` → `dev_mutex`); lockdep's `#N` (another
 * class of the same name) and `/N` (a nesting subclass) keep their number;
 * a work item is named after its work_struct, a workqueue by its own name.
 */
export function lockIdentifier(cls: string): string {
  const work = /^\(work_completion\)\((.*)\)$/.exec(cls);
  if (work) return identifier(work[1]!.replace(/[&()]/g, " ").replace(/->|\./g, "_").replace(/[\s_]+/g, " ").trim().replace(/ /g, "_"), "work");
  const wq = /^\(wq_completion\)(.*)$/.exec(cls);
  // The queue's own name: the check then names its map `(wq_completion)events` as lockdep does.
  if (wq) return identifier(wq[1]!, "wq");
  const sync = /^sync\((.*)\)$/.exec(cls);
  const bare = (sync ? sync[1]! : cls).replace(/^\((.*)\)$/, "$1").replace(/[#/-]/g, "_");
  return identifier(lockNameOf(bare), "lock");
}

/** Hands out unique names in one namespace. */
export class Namer {
  private readonly used = new Set<string>();

  /** `base`, or `base_2`, `base_3`, … when taken. */
  take(base: string): string {
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}_${n}`;
    this.used.add(name);
    return name;
  }
}

/**
 * A string literal of the language: one line, `"` and `\` escaped, and the
 * report's control characters (a hostile report may carry bidi overrides or
 * terminal escapes) shown as escapes rather than written into the file.
 */
export function stringLiteral(text: string): string {
  return `"${escapeControls(text.replace(/[\r\n]+/g, " ")).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Text safe inside a `//` comment: one line, control characters as escapes. */
export function commentText(text: string): string {
  return escapeControls(text.replace(/[\r\n]+/g, " "));
}
