// Random well-formed scenarios for differential testing against SPIN:
// 2–4 CPUs, locks of every kind (some indexed per object), bool and int
// variables, functions with object parameters, branches on shared state,
// waits, asserts, trylock, either and bounded while loops. The same seed
// always gives the same scenario. Scenarios are kept small enough for both
// tools to explore completely. Flavours add loops that may never end and
// the kernel wait primitives of §9 (kernel.ts), or interrupt handlers and
// the interrupt-state statements and lock forms of §10 (irq.ts).

import { Irq, type IrqHelpers, type IrqLock } from "./irq";
import { Kernel, type Helpers, type Where } from "./kernel";

export class Rng {
  constructor(private state: number) {}
  next(): number {
    // mulberry32
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

interface LockSpec {
  name: string;
  kind: "mutex" | "recursive mutex" | "spinlock" | "rwsem" | "rwlock";
  indexed: boolean;
}

interface VarSpec {
  name: string;
  type: "bool" | "int";
  indexed: boolean;
}

const OBJECTS = ["o0", "o1"];

export interface Flavour {
  /**
   * Also loops that may never end (race-language.md §8): spin-waits on
   * shared state and trylock retry loops. Off by default, so that the
   * corpus the tests and benchmarks pin stays as it was.
   */
  readonly loops?: boolean;
  /**
   * Also the kernel wait primitives of race-language.md §9, in the shapes
   * kernel code uses them (kernel.ts): work items queued, flushed and
   * cancelled (under locks too) on plain, ordered and max_active queues;
   * kthreads run and stopped, polling kthread_should_stop(); completions
   * waited for and completed (complete_all, reinit, try_wait too); sysfs
   * blocks with removals and self-removal; SRCU and RCU sections with
   * synchronize. Off by default, like `loops`: with it off, every seed
   * gives the scenario it always gave.
   */
  readonly kernel?: boolean;
  /**
   * Instead of the kernel primitives, interrupt contexts (race-language.md
   * §10, irq.ts): spinlocks and rwlocks only, one to three `irq`/`softirq`
   * handlers on two or three CPUs, each paired with a task's section of a
   * lock it takes, in a form that keeps it out or not; lock forms and
   * local_irq_… and local_bh_… sections anywhere, some misused. Off by default.
   */
  readonly irq?: boolean;
  /**
   * With `irq`: timer-tick handlers beside the others (irq.ts): hardirq
   * handlers whose body is an empty section of a lock only handlers take
   * (`tick_lock`) and assignments, the shapes the reduction's silent locks
   * and transparent handlers are for. Off by default, so that `irq` seeds
   * give the scenarios they always gave.
   */
  readonly ticks?: boolean;
}

/** Read-side sections exist on these. */
const readable = (l: LockSpec): boolean => l.kind === "rwsem" || l.kind === "rwlock";

export function generateScenario(seed: number, flavour: Flavour = {}): string {
  const r = new Rng(seed);
  const locks: LockSpec[] = [];
  const nLocks = r.int(1, 4);
  const kinds = flavour.irq ? (["spinlock", "spinlock", "rwlock"] as const) : (["mutex", "mutex", "recursive mutex", "spinlock", "rwsem"] as const);
  for (let i = 0; i < nLocks; i++) locks.push({ name: `L${i}`, kind: r.pick(kinds), indexed: r.chance(0.3) });
  // Object names exist only where something is indexed: make sure something is.
  if (!locks.some((l) => l.indexed)) locks[r.int(0, locks.length - 1)]!.indexed = true;
  const vars: VarSpec[] = [];
  const nVars = r.int(1, 3);
  for (let i = 0; i < nVars; i++) vars.push({ name: `x${i}`, type: r.chance(0.5) ? "bool" : "int", indexed: r.chance(0.25) });

  // The kernel primitives (flavour `kernel`): declared after the locks and variables, so that without them every draw is as it was.
  const kernel = flavour.kernel ? new Kernel(r, OBJECTS) : undefined;
  // The interrupt handlers (flavour `irq`): two or three CPUs, one to three handlers on them.
  const irq = flavour.irq && !kernel ? new Irq(r, r.int(2, 3), locks as IrqLock[], flavour.ticks === true) : undefined;

  // Inside a function with an object parameter `d`, indexed names use [d].
  const ref = (name: string, indexed: boolean, inFn: boolean): string => (indexed ? `${name}[${inFn ? "d" : r.pick(OBJECTS)}]` : name);
  const lockRef = (l: LockSpec, inFn: boolean): string => ref(l.name, l.indexed, inFn);
  const varRef = (v: VarSpec, inFn: boolean): string => ref(v.name, v.indexed, inFn);

  const cond = (inFn: boolean): string => {
    const v = r.pick(vars);
    if (v.type === "bool") return r.chance(0.5) ? varRef(v, inFn) : `!${varRef(v, inFn)}`;
    return `${varRef(v, inFn)} ${r.pick(["==", "!=", "<", ">="])} ${r.int(0, 2)}`;
  };
  // A work item's body and a kthread's run again and again (and so may a
  // function they call): there a counter would climb through every int, so
  // the kernel flavour writes only constants outside the CPUs' own code;
  // so does the irq flavour (a handler's counting adds states, not shapes).
  const assign = (inFn: boolean, where?: Where): string => {
    const v = r.pick(vars);
    if (v.type === "bool") return `${varRef(v, inFn)} = ${r.pick(["true", "false", `!${varRef(v, inFn)}`])}`;
    if ((kernel || irq) && where?.kind !== "cpu") return `${varRef(v, inFn)} = ${r.int(0, 2)}`;
    return r.chance(0.5) ? `${varRef(v, inFn)} = ${r.int(0, 2)}` : `${varRef(v, inFn)} = ${varRef(v, inFn)} ${r.pick(["+", "-"])} 1`;
  };

  const block = (depth: number, inFn: boolean, budget: number, fns: readonly string[], where: Where = { kind: inFn ? "fn" : "cpu" }): string[] => {
    const out: string[] = [];
    const n = r.int(1, budget);
    for (let i = 0; i < n; i++) {
      if (kernel && r.chance(0.25)) {
        out.push(...kernel.statement(depth, inFn, where, helpers(fns)));
        continue;
      }
      if (irq && r.chance(0.35)) {
        out.push(...irq.statement(depth, inFn, where, irqHelpers(fns)));
        continue;
      }
      const roll = r.next();
      const l = r.pick(locks);
      if (roll < 0.28) {
        // A critical section; sometimes unbalanced on purpose.
        const read = readable(l) && r.chance(0.4);
        const inner = depth < 2 && r.chance(0.5) ? block(depth + 1, inFn, 2, fns, where) : [assign(inFn, where)];
        out.push(`${read ? "rlock" : "lock"} ${lockRef(l, inFn)}`, ...inner);
        if (!r.chance(0.07)) out.push(`${read ? "runlock" : "unlock"} ${lockRef(l, inFn)}`);
      } else if (roll < 0.4) {
        out.push(assign(inFn, where));
      } else if (roll < 0.48) {
        out.push(`assert ${cond(inFn)}`);
      } else if (roll < 0.54) {
        out.push(`wait until ${cond(inFn)}`);
      } else if (roll < 0.64 && depth < 2) {
        out.push(`if ${cond(inFn)} {`, ...block(depth + 1, inFn, 2, fns, where), "} else {", ...block(depth + 1, inFn, 2, fns, where), "}");
      } else if (roll < 0.71) {
        out.push(`if trylock ${lockRef(l, inFn)} {`, assign(inFn, where), `unlock ${lockRef(l, inFn)}`, "} else {", assign(inFn, where), "}");
      } else if (roll < 0.77 && depth < 2) {
        out.push("either {", ...block(depth + 1, inFn, 2, fns, where), "} or {", ...block(depth + 1, inFn, 2, fns, where), "}");
      } else if (flavour.loops && roll < 0.79) {
        // The kernel's open-coded waits: spin until a flag, or retry a trylock.
        const flag = vars.find((v) => v.type === "bool");
        if (flag && r.chance(0.5)) out.push(`while ${r.chance(0.5) ? "!" : ""}${varRef(flag, inFn)} { }`);
        else if (flag) out.push(`while !${varRef(flag, inFn)} {`, `if trylock ${lockRef(l, inFn)} {`, `${varRef(flag, inFn)} = true`, `unlock ${lockRef(l, inFn)}`, "}", "}");
        else out.push(assign(inFn, where));
      } else if (roll < 0.81) {
        const ints = vars.filter((v) => v.type === "int");
        if (ints.length > 0) {
          const v = r.pick(ints);
          out.push(`while ${varRef(v, inFn)} < 2 {`, `${varRef(v, inFn)} = ${varRef(v, inFn)} + 1`, "}");
        } else out.push(assign(inFn, where));
      } else if (fns.length > 0) {
        out.push(`${r.pick(fns)}(${r.pick(OBJECTS)})`);
      } else out.push(assign(inFn, where));
    }
    return out;
  };

  /** What kernel.ts needs from here; `fns`: the functions a body may call. */
  const helpers = (fns: readonly string[]): Helpers => ({
    ref,
    assign,
    block: (depth, inFn, budget, where) => block(depth, inFn, budget, fns, where),
    locked(inner, inFn) {
      const l = r.pick(locks);
      const read = readable(l) && r.chance(0.4);
      return [`${read ? "rlock" : "lock"} ${lockRef(l, inFn)}`, ...inner.map((s) => "  " + s), `${read ? "runlock" : "unlock"} ${lockRef(l, inFn)}`];
    },
  });

  const irqHelpers = (fns: readonly string[]): IrqHelpers => ({
    lockRef: (l, inFn) => ref(l.name, l.indexed, inFn),
    assign: (inFn) => assign(inFn),
    block: (depth, inFn, budget, where) => block(depth, inFn, budget, fns, where),
  });

  const lines: string[] = [`scenario "differential seed ${seed}"`];
  for (const l of locks) lines.push(`${l.kind} ${l.name}${l.indexed ? `[${OBJECTS.join(", ")}]` : ""}`);
  for (const v of vars) lines.push(`var ${v.name}${v.indexed ? `[${OBJECTS.join(", ")}]` : ""} = ${v.type === "bool" ? r.pick(["true", "false"]) : r.int(0, 1)}`);
  const fns: string[] = [];
  // With the kernel's threads beside the CPUs, fewer functions and shorter CPUs keep the state space in reach.
  const nFns = r.int(0, kernel || irq ? 1 : 2);
  for (let i = 0; i < nFns; i++) {
    // A function may call the ones declared before it: never recursion.
    lines.push(`fn f${i}(d) {`, ...block(1, true, 3, [...fns]).map((s) => "  " + s), "}");
    fns.push(`f${i}`);
  }
  if (kernel) {
    // Two or three CPUs beside the work items' and kthreads' threads; each CPU
    // a probe (its `pre`), random statements, a remove (its `post`).
    const nCpus = r.int(2, 3);
    const { pre, post } = kernel.protocol(nCpus, helpers(fns));
    lines.push(...kernel.declarations(), ...kernel.threads(helpers(fns)));
    for (let c = 0; c < nCpus; c++) lines.push(`cpu C${c} {`, ...[...pre[c]!, ...block(0, false, 2, fns), ...post[c]!].map((s) => "  " + s), "}");
    return lines.join("\n") + "\n";
  }
  if (irq) {
    // Each CPU: its part of the handlers' protocol and random statements, in either order.
    const h = irqHelpers(fns);
    const proto = irq.protocol(h);
    if (flavour.ticks) lines.push("spinlock tick_lock");
    lines.push(...irq.declarations(proto.handlers, h));
    for (let c = 0; c < irq.cpus; c++) {
      const random = block(0, false, 2, fns);
      lines.push(`cpu C${c} {`, ...(r.chance(0.5) ? [...proto.cpus[c]!, ...random] : [...random, ...proto.cpus[c]!]).map((s) => "  " + s), "}");
    }
    return lines.join("\n") + "\n";
  }
  const nCpus = r.int(2, 4);
  for (let c = 0; c < nCpus; c++) lines.push(`cpu C${c} {`, ...block(0, false, 4, fns).map((s) => "  " + s), "}");
  return lines.join("\n") + "\n";
}
