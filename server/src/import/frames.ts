// Stack frames of a lockdep report: reading one line as a frame, and which
// frames matter to a scenario. A path is written from the frames between the
// entry boilerplate (syscall entry, kthread, worker loop) and the lock
// primitive (__mutex_lock, _raw_spin_lock, down_read, __flush_work, …): those
// are the kernel's own functions the developer argues about.

import type { Wait } from "./writeAs";

export interface Frame {
  /** The function as printed, compiler suffixes included (`i801_add_tco_spt.constprop.0`). */
  readonly raw: string;
  /** Without compiler suffixes: `i801_add_tco_spt`. */
  readonly name: string;
  /** `+0x96/0xd0`, when printed. */
  readonly offset: string | undefined;
  readonly inline: boolean;
}

/** A frame, or undefined when the line is not one (noise, registers, `? unreliable` frames). */
export function parseFrame(line: string): Frame | undefined {
  let rest = line.trim();
  // Old x86: ` [<ffffffff810a1b2c>] lock_acquire+0x…`; unreliable frames carry a `?`.
  rest = rest.replace(/^(?:\[<[0-9a-fA-F]+>\]\s*)+/, "");
  if (rest.startsWith("?")) return undefined;
  const m = /^([A-Za-z_$][\w.$]*)(\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+)?(?:\s+\[[\w-]+\])?(?:\s+[\w./-]+:\d+)?(\s+\[inline\])?$/.exec(rest);
  if (!m) return undefined;
  const offset = m[2];
  const inline = m[3] !== undefined;
  // A bare word is not a frame (`CPU0`, `Call Trace:`): it needs an offset, or a file and `[inline]`.
  if (offset === undefined && !inline && !/:\d+$/.test(rest)) return undefined;
  return { raw: m[1]!, name: baseName(m[1]!), offset, inline };
}

/** ARM's `[<80de0078>] (dump_backtrace) from [<80de0574>] (show_stack+0x28/0x2c)`: callee and caller. */
export function parseArmFrame(line: string): { callee: Frame; caller: Frame } | undefined {
  const m = /^\s*\[<[0-9a-fA-F]+>\]\s+\(([\w.$]+)\)\s+from\s+\[<[0-9a-fA-F]+>\]\s+\(([\w.$]+)(\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+)?\)/.exec(line);
  if (!m) return undefined;
  return {
    callee: { raw: m[1]!, name: baseName(m[1]!), offset: undefined, inline: false },
    caller: { raw: m[2]!, name: baseName(m[2]!), offset: m[3], inline: false },
  };
}

/** `<IRQ>` … `</IRQ>` and friends in x86 backtraces (the frames say as much, by their names). */
export function isStackMarker(line: string): boolean {
  return /^\s*<\/?(IRQ|SOFTIRQ|NMI|TASK)>\s*$/.test(line);
}

/** `i801_add_tco_spt.constprop.0` → `i801_add_tco_spt`: identifiers have no dots. */
export function baseName(raw: string): string {
  return raw.replace(/\..*$/, "");
}

/** lockdep itself, and the stack dumpers: never part of a path. */
const LOCKDEP = new Set([
  "lock_acquire",
  "__lock_acquire",
  "lock_acquired",
  "lock_contended",
  "lock_sync",
  "check_prev_add",
  "check_prevs_add",
  "validate_chain",
  "check_noncircular",
  "check_deadlock",
  "check_irq_usage",
  "print_circular_bug",
  "print_deadlock_bug",
  "print_usage_bug",
  "print_irq_inversion_bug",
  "print_bad_irq_dependency",
  "mark_lock",
  "mark_lock_irq",
  "mark_usage",
  "mark_held_locks",
  "valid_state",
  "check_usage_forwards",
  "check_usage_backwards",
  "lock_map_acquire",
  "lock_map_acquire_read",
  "dump_stack",
  "dump_stack_lvl",
  "__dump_stack",
  "dump_backtrace",
  "show_stack",
  "show_trace_log_lvl",
]);

/** What a dropped primitive frame says about the acquisition. */
export interface Primitive {
  /** Takes the lock for reading (down_read, read_lock, percpu_down_read, srcu_read_lock). */
  readonly read: boolean;
  /** A wait lockdep writes as an acquire and release (flush_work, kernfs_drain, synchronize_srcu). */
  readonly wait: Wait | undefined;
  /** A spinning lock: raw spinlock or rwlock. */
  readonly spins: boolean;
  /** rwlock_t (read_lock/write_lock). */
  readonly rwlock: boolean;
  /** A reader/writer semaphore's operation, either side (down_write is as telling as down_read). */
  readonly rwsem: boolean;
  /** The lock call disables interrupts (`_irqsave`, `_irq`: hardirq) or softirqs (`_bh`). */
  readonly irqsOff?: IrqContext;
}

const plain: Primitive = { read: false, wait: undefined, spins: false, rwlock: false, rwsem: false };

/** The primitive a frame is, if it is one. */
export function primitiveOf(name: string): Primitive | undefined {
  const p = primitiveKind(name);
  if (!p || !(p.spins || p.rwlock)) return p;
  if (/_irq(save)?(_nested)?$/.test(name)) return { ...p, irqsOff: "hardirq" };
  if (/_bh(_nested)?$/.test(name)) return { ...p, irqsOff: "softirq" };
  return p;
}

function primitiveKind(name: string): Primitive | undefined {
  if (/^(__)?mutex_lock|^__mutex_lock|^mutex_lock|^rt_mutex_lock|^__rt_mutex_lock|^ww_mutex_lock|^__ww_mutex_lock/.test(name)) return plain;
  if (/^(_raw_|__raw_|raw_|do_raw_)?spin_lock|^_raw_spin_lock|^__raw_spin_lock|^do_raw_spin_lock|^queued_spin_lock_slowpath|^native_queued_spin_lock_slowpath/.test(name)) return { ...plain, spins: true };
  if (/^(_raw_|__raw_|do_raw_)?read_lock|^queued_read_lock/.test(name)) return { ...plain, read: true, spins: true, rwlock: true };
  if (/^(_raw_|__raw_|do_raw_)?write_lock|^queued_write_lock/.test(name)) return { ...plain, spins: true, rwlock: true };
  if (/^(__)?down_read|^rwsem_down_read|^__percpu_down_read|^percpu_down_read|^cpus_read_lock|^percpu_rwsem_down_read/.test(name)) return { ...plain, read: true, rwsem: true };
  if (/^(__)?down_write|^rwsem_down_write|^percpu_down_write|^cpus_write_lock/.test(name)) return { ...plain, rwsem: true };
  if (/^(__)?down$|^down_(interruptible|killable|timeout)$/.test(name)) return plain;
  if (/^(__)?lock_sock(_nested|_fast)?$/.test(name)) return plain;
  if (/^(__)?flush_work$|^flush_delayed_work$|^start_flush_work$/.test(name)) return { ...plain, wait: "flush_work" };
  if (/^__cancel_work(_timer|_sync)?$|^cancel_(delayed_)?work_sync$/.test(name)) return { ...plain, wait: "cancel_work_sync" };
  if (/^drain_workqueue$/.test(name)) return { ...plain, wait: "drain_workqueue" };
  if (/^destroy_workqueue$/.test(name)) return { ...plain, wait: "destroy_workqueue" };
  if (/^(__)?flush_workqueue$|^touch_wq_lockdep_map$/.test(name)) return { ...plain, wait: "flush_workqueue" };
  if (/^kernfs_drain$/.test(name)) return { ...plain, wait: "kernfs_remove" };
  if (/^(__)?synchronize_srcu(_expedited)?$|^srcu_lock_sync$/.test(name)) return { ...plain, wait: "synchronize_srcu" };
  if (/^synchronize_rcu(_expedited)?$/.test(name)) return { ...plain, wait: "synchronize_rcu" };
  if (/^(__)?srcu_read_lock|^rcu_read_lock|^kernfs_get_active$/.test(name)) return { ...plain, read: true };
  if (/^(__)?fs_reclaim_acquire$/.test(name)) return plain;
  return undefined;
}

/** Frames around every path, never part of it: entry, kthread and worker loops, syscall wrappers. */
const BOILERPLATE = new Set([
  "ret_from_fork",
  "ret_from_fork_asm",
  "ret_fast_syscall",
  "kthread",
  "worker_thread",
  "rescuer_thread",
  "process_one_work",
  "process_scheduled_works",
  "irq_thread",
  "irq_thread_fn",
  "irq_forced_thread_fn",
  "smpboot_thread_fn",
  "entry_SYSCALL_64_after_hwframe",
  "entry_SYSCALL_64_fastpath",
  "entry_SYSCALL_64",
  "entry_SYSENTER_compat_after_hwframe",
  "entry_SYSCALL_compat_after_hwframe",
  "do_syscall_64",
  "do_syscall_x64",
  "do_fast_syscall_32",
  "__do_fast_syscall_32",
  "do_int80_syscall_32",
  "el0_svc",
  "el0_svc_common",
  "el0t_64_sync",
  "el0t_64_sync_handler",
  "do_el0_svc",
  "invoke_syscall",
  "ksys_write",
  "ksys_read",
  "ksys_ioctl",
  "vfs_write",
  "vfs_read",
  "vfs_ioctl",
  "__vfs_write",
  "__vfs_read",
  "new_sync_write",
  "new_sync_read",
  "syscall_exit_to_user_mode",
  "exit_to_user_mode_prepare",
  "secondary_startup_64_no_verify",
]);

/** Entry points of a hardirq: the handler is what they call. */
const HARDIRQ_ENTRY = /^(__handle_irq_event_percpu|handle_irq_event_percpu|handle_irq_event|handle_(edge|level|fasteoi|simple|percpu_devid|percpu)_irq|generic_handle_(domain_)?irq(_safe)?|__handle_domain_irq|handle_domain_irq|common_interrupt|asm_common_interrupt|asm_call_irq_on_stack|asm_call_on_stack|__sysvec_\w+|sysvec_\w+|asm_sysvec_\w+|gic_handle_irq|__irq_svc|el1_interrupt|el1h_64_irq\w*|irq_work_run(_list)?|__irq_exit_rcu|irq_exit(_rcu)?|do_IRQ|handle_irq)$/;
/** Entry points of a softirq. */
const SOFTIRQ_ENTRY = /^(__do_softirq|handle_softirqs|do_softirq(_own_stack)?|__local_bh_enable_ip|run_ksoftirqd|invoke_softirq|irq_exit(_rcu)?|__irq_exit_rcu)$/;

export type IrqContext = "hardirq" | "softirq";

/**
 * Whether the innermost part of the stack runs in an interrupt, and how many
 * frames (innermost first) the handler has before its entry point.
 */
export function irqContextOf(stack: readonly Frame[]): { context: IrqContext; depth: number } | undefined {
  for (let i = 0; i < stack.length; i++) {
    const n = stack[i]!.name;
    // irq_exit runs softirqs on the way out of a hardirq: the softirq is the inner context.
    if (SOFTIRQ_ENTRY.test(n)) return { context: "softirq", depth: i };
    if (HARDIRQ_ENTRY.test(n)) return { context: "hardirq", depth: i };
  }
  return undefined;
}

/** Syscall wrappers name the syscall: `__x64_sys_ioctl` → `ioctl`. */
function syscallOf(name: string): string | undefined {
  const m = /^(?:__x64_sys_|__ia32_sys_|__arm64_sys_|__se_sys_|__do_sys_|SyS_|__sys_|sys_)(\w+)$/.exec(name);
  return m ? m[1] : undefined;
}

function isBoilerplate(name: string): boolean {
  return BOILERPLATE.has(name) || /^(__x64_sys_|__ia32_sys_|__arm64_sys_|__se_sys_|__do_sys_|SyS_)/.test(name);
}

/** Frames that mean "this stack ends here" (nothing outer belongs to the path). */
export function isOutermost(name: string): boolean {
  return /^(ret_from_fork(_asm)?|entry_SYSCALL_64\w*|ret_fast_syscall|secondary_startup_64\w*|start_kernel|cpu_startup_entry)$/.test(name);
}

/** A short word for the context a path runs in: the syscall, `kworker`, `irq`, … */
export function contextWord(stack: readonly Frame[]): string {
  const irq = irqContextOf(stack);
  if (irq) return irq.context;
  for (const f of stack) {
    const sys = syscallOf(f.name);
    if (sys && isBoilerplate(f.name)) return sys;
  }
  const names = new Set(stack.map((f) => f.name));
  if (names.has("process_one_work") || names.has("worker_thread")) return "kworker";
  if (names.has("irq_thread") || names.has("irq_thread_fn")) return "irq_thread";
  if (names.has("ksys_write") || names.has("vfs_write")) return "write";
  if (names.has("ksys_read") || names.has("vfs_read")) return "read";
  if (names.has("vfs_ioctl") || names.has("ksys_ioctl")) return "ioctl";
  if (names.has("kthread")) return "kthread";
  return "task";
}

/** What a path keeps of a stack (innermost first in, outermost first out). */
export interface PathFrames {
  /** Outermost first: the frames a scenario writes as nested `fn` calls. */
  readonly frames: readonly Frame[];
  /** The primitives dropped from the inner end, innermost first. */
  readonly primitives: readonly Primitive[];
}

/**
 * The frames that matter: lockdep's own and the lock primitives dropped from
 * the inner end, entry boilerplate dropped everywhere (but `keep`: frames
 * where the scenario places a lock, such as `process_one_work` holding a work
 * item), consecutive repeats (recursion, inline copies) collapsed.
 */
export function pathOf(stack: readonly Frame[], keep: ReadonlySet<string> = new Set()): PathFrames {
  let i = 0;
  const primitives: Primitive[] = [];
  for (; i < stack.length; i++) {
    const n = stack[i]!.name;
    if (LOCKDEP.has(n) || n.startsWith("lockdep_")) continue;
    const p = primitiveOf(n);
    if (p) {
      primitives.push(p);
      continue;
    }
    break;
  }
  const kept: Frame[] = [];
  for (; i < stack.length; i++) {
    const f = stack[i]!;
    if (LOCKDEP.has(f.name)) continue;
    if (isBoilerplate(f.name) && !keep.has(f.name)) {
      if (isOutermost(f.name)) break;
      continue;
    }
    if (kept.at(-1)?.name === f.name) continue;
    kept.push(f);
  }
  return { frames: kept.reverse(), primitives };
}
