// Inputs for the fuzz harness, each a function of a seeded random source
// and a size, so that a case is named by (generator, seed, size) and can be
// replayed. Three families:
// - noise: random code units, random tokens of the language;
// - mutations of real scenarios (samples/, test fixtures): tokens deleted,
//   duplicated, swapped, keywords and punctuation inserted;
// - structure: what stresses each phase by its shape rather than its
//   content (deep nesting of parentheses, blocks and else-if chains, long
//   expressions, many CPUs, locks and variables, call fan-out and long call
//   chains, a huge either), and the differential run's valid scenarios.
// `size` runs from 0 to 1: each generator maps it to its own range, so the
// quick slice in `npm test` and the long run share the generators.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { raceLexer } from "../../server/src/language/tokens";
import { DECLARATION_WORDS, LOCK_FORMS, VERBS } from "../../server/src/language/verbs";
import { generateScenario, Rng, type Flavour } from "../differential/generate";

export { Rng };

export interface Generator {
  readonly name: string;
  /** `size` in [0, 1]: where in the generator's range this case is. */
  make(rng: Rng, size: number, corpus: readonly string[]): string;
}

const KEYWORDS = [
  ...["scenario", "mutex", "recursive", "rwsem", "spinlock", "var", "fn", "driver", "cpu", "expect", "lock", "unlock", "rlock", "runlock", "trylock", "if", "else", "while", "either", "or", "wait", "until", "assert", "return", "true", "false", "held", "locked", "deadlock", "violation", "safe"],
  // The kernel's wait primitives and interrupt contexts (§9–§10), several files (§11).
  ...DECLARATION_WORDS,
  ...Object.keys(VERBS),
  ...Object.keys(LOCK_FORMS),
  ...["on", "max_active", "sysfs", "misuse", "rtrylock", "import", "object", "*", "novalidate"],
];
const PUNCTUATION = ["{", "}", "(", ")", "[", "]", ",", ";", ".", "=", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "+", "-"];
const OTHER = ["x", "m", "C0", "f", "d", "pf", "0", "1", "-1", "127", "128", '"s"', '"', '"linux/pci"', '"linux/driver-core"', '"x.race"', "//c\n", "/* c */", "/*", "*/", "\n", " ", "\t"];

const between = (size: number, lo: number, hi: number): number => Math.round(lo + size * (hi - lo));

function shuffle<T>(rng: Rng, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Random UTF-16 code units: ASCII, controls, line breaks, bidi controls, lone surrogates, astral characters. */
const bytes: Generator = {
  name: "bytes",
  make(rng, size) {
    const pools = [
      () => String.fromCharCode(rng.int(32, 126)),
      () => String.fromCharCode(rng.int(0, 31)),
      () => rng.pick(["\n", "\r", "\r\n", "\u2028", "\u2029", "\u0085"]),
      () => String.fromCharCode(rng.int(0x7f, 0x9f)),
      () => rng.pick(["\u202e", "\u2066", "\u200f", "\ufeff", "\u00a0"]),
      () => String.fromCharCode(rng.int(0xd800, 0xdfff)),
      () => String.fromCodePoint(rng.int(0x10000, 0x10ffff)),
      () => String.fromCharCode(rng.int(0x100, 0xffff)),
    ];
    const n = rng.int(0, between(size, 20, 2000));
    let s = "";
    for (let i = 0; i < n; i++) s += rng.chance(0.7) ? pools[0]!() : rng.pick(pools)();
    return s;
  },
};

/** Random tokens of the language, separated by white space or not. */
const tokens: Generator = {
  name: "tokens",
  make(rng, size) {
    const n = rng.int(0, between(size, 20, 1500));
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = rng.next();
      out.push(r < 0.4 ? rng.pick(KEYWORDS) : r < 0.75 ? rng.pick(PUNCTUATION) : rng.pick(OTHER));
      out.push(rng.chance(0.8) ? " " : rng.chance(0.5) ? "\n" : "");
    }
    return out.join("");
  },
};

/** A real scenario with some tokens deleted, duplicated, swapped, or keywords and punctuation inserted. */
const mutate: Generator = {
  name: "mutate",
  make(rng, size, corpus) {
    const source = rng.pick(corpus);
    const lexed = raceLexer.tokenize(source);
    const toks = [...lexed.tokens, ...(lexed.groups["comments"] ?? [])].sort((a, b) => a.startOffset - b.startOffset).map((t) => t.image);
    const edits = rng.int(1, between(size, 3, 40));
    for (let e = 0; e < edits && toks.length > 0; e++) {
      const i = rng.int(0, toks.length - 1);
      switch (rng.int(0, 4)) {
        case 0:
          toks.splice(i, 1);
          break;
        case 1:
          toks.splice(i, 0, ...toks.slice(i, i + rng.int(1, 12)));
          break;
        case 2: {
          const j = rng.int(0, toks.length - 1);
          [toks[i], toks[j]] = [toks[j]!, toks[i]!];
          break;
        }
        case 3:
          toks.splice(i, 0, rng.pick(KEYWORDS));
          break;
        default:
          toks.splice(i, 0, rng.pick(PUNCTUATION));
      }
    }
    return toks.join(rng.chance(0.5) ? " " : "\n");
  },
};

/** `n` parentheses around a value, balanced or not, in an assignment and a condition. */
const parens: Generator = {
  name: "deep-parens",
  make(rng, size) {
    const n = rng.int(1, between(size, 20, 5000));
    const open = "(".repeat(n);
    const close = ")".repeat(rng.chance(0.8) ? n : rng.int(0, n));
    return `var x = 0\nvar b = true\ncpu C { x = ${open}1${close}; if ${open}b${close} { x = 2 } assert ${"!(".repeat(Math.min(n, 50))}b${")".repeat(Math.min(n, 50))} }\n`;
  },
};

/** Nested if / while / either blocks, `n` deep, optionally unclosed. */
const blocks: Generator = {
  name: "deep-blocks",
  make(rng, size) {
    const n = rng.int(1, between(size, 20, 3000));
    const opener = rng.pick(["if x == 0 {", "while x < 0 {", "either {", "if trylock m {"]);
    const closer = opener === "either {" ? "} or { x = 1 }" : "}";
    const closed = rng.chance(0.85) ? n : rng.int(0, n);
    return `mutex m\nvar x = 0\ncpu C {\n${` ${opener}`.repeat(n)} x = 1 ${` ${closer}`.repeat(closed)}\n}\n`;
  },
};

/** An else-if chain `n` long. */
const elseIf: Generator = {
  name: "else-if-chain",
  make(rng, size) {
    const n = rng.int(1, between(size, 20, 3000));
    const arms = Array.from({ length: n }, (_, i) => `if x == ${i % 100} { x = ${i % 100} }`).join(" else ");
    return `var x = 0\ncpu C { ${arms} else { x = 0 } }\n`;
  },
};

/** A long flat expression: `n` terms joined by operators of mixed precedence. */
const longExpr: Generator = {
  name: "long-expression",
  make(rng, size) {
    const n = rng.int(2, between(size, 40, 20000));
    const bool = rng.chance(0.5);
    const terms: string[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0) terms.push(bool ? rng.pick(["&&", "||", "==", "!="]) : rng.pick(["+", "-"]));
      terms.push(bool ? rng.pick(["b", "true", "!b", "x < 3", "held(m)"]) : rng.pick(["x", "1", "-1", "2"]));
    }
    return `mutex m\nvar x = 0\nvar b = true\ncpu C { ${bool ? `b = ${terms.join(" ")}` : `x = ${terms.join(" ")}`} }\n`;
  },
};

/** Many CPUs (beyond the 31 allowed, sometimes), each taking a couple of locks. */
const manyCpus: Generator = {
  name: "many-cpus",
  make(rng, size) {
    const n = rng.int(1, between(size, 8, 64));
    const locks = rng.int(1, 6);
    const out = Array.from({ length: locks }, (_, i) => `mutex L${i}`);
    for (let c = 0; c < n; c++) {
      const a = rng.int(0, locks - 1);
      const b = rng.int(0, locks - 1);
      out.push(a === b ? `cpu C${c} { lock L${a}; unlock L${a} }` : `cpu C${c} { lock L${a}; lock L${b}; unlock L${b}; unlock L${a} }`);
    }
    return out.join("\n") + "\n";
  },
};

/** Many locks (plain and indexed), nested on one CPU and taken in other orders on others. */
const manyLocks: Generator = {
  name: "many-locks",
  make(rng, size) {
    const n = rng.int(1, between(size, 10, 400));
    const objects = Array.from({ length: rng.int(1, between(size, 3, 60)) }, (_, i) => `o${i}`);
    // Some locks lockdep does not validate: in no edge of its graph, the cycles then fewer.
    const out = [...Array.from({ length: n }, (_, i) => `${rng.pick(["mutex", "spinlock", "recursive mutex", "rwsem"])} L${i}${rng.chance(0.2) ? " novalidate" : ""}`), `mutex I[${objects.join(", ")}]`];
    const nest = Array.from({ length: n }, (_, i) => `L${i}`);
    out.push(`cpu C0 { ${nest.map((l) => `lock ${l}`).join("; ")}; ${[...nest].reverse().map((l) => `unlock ${l}`).join("; ")} }`);
    const shuffled = shuffle(rng, nest).slice(0, rng.int(1, Math.min(n, 40)));
    out.push(`cpu C1 { ${shuffled.map((l) => `lock ${l}`).join("; ")}; ${[...shuffled].reverse().map((l) => `unlock ${l}`).join("; ")} }`);
    out.push(`cpu C2 { ${objects.map((o) => `lock I[${o}]`).join("; ")}; ${[...objects].reverse().map((o) => `unlock I[${o}]`).join("; ")} }`);
    return out.join("\n") + "\n";
  },
};

/** Many variables, plain and indexed, read and written. */
const manyVars: Generator = {
  name: "many-vars",
  make(rng, size) {
    const n = rng.int(1, between(size, 10, 2000));
    const out = Array.from({ length: n }, (_, i) => (rng.chance(0.5) ? `var v${i} = ${rng.int(-128, 127)}` : `var v${i}[a, b] = ${rng.chance(0.5)}`));
    const body = out.map((d, i) => (d.includes("[") ? `v${i}[a] = !v${i}[b]` : `v${i} = v${i} + 0`));
    out.push(`cpu C0 { ${body.join("; ")} }`, `cpu C1 { ${body.slice(0, 20).join("; ")} }`);
    return out.join("\n") + "\n";
  },
};

/** Functions each calling the next `width` times, `depth` deep: width^depth statements once expanded. */
const fanOut: Generator = {
  name: "call-fan-out",
  make(rng, size) {
    const width = rng.int(2, 4);
    const depth = rng.int(1, between(size, Math.round(9 / width), Math.round(40 / width)));
    const out = ["var x = 0", "mutex m", "fn f0(d) { lock m; x = 1; unlock m }"];
    for (let i = 1; i <= depth; i++) out.push(`fn f${i}(d) { ${Array.from({ length: width }, () => `f${i - 1}(d)`).join("; ")} }`);
    out.push(`cpu C0 { f${depth}(1) }`, `cpu C1 { lock m; unlock m }`);
    return out.join("\n") + "\n";
  },
};

/** A chain of `n` functions, each calling the next once (in declaration order or reversed). */
const callChain: Generator = {
  name: "call-chain",
  make(rng, size) {
    const n = rng.int(1, between(size, 30, 5000));
    const fns = Array.from({ length: n }, (_, i) => (i === 0 ? "fn f0(d) { lock l[d]; unlock l[d] }" : `fn f${i}(d) { f${i - 1}(d) }`));
    if (rng.chance(0.5)) fns.reverse();
    return ["mutex l[pf, vf]", ...fns, `cpu C0 { f${n - 1}(pf) }`, `cpu C1 { f${n - 1}(vf) }`].join("\n") + "\n";
  },
};

/** One either with `n` branches, or `n` eithers in a row. */
const hugeEither: Generator = {
  name: "huge-either",
  make(rng, size) {
    const n = rng.int(2, between(size, 30, 3000));
    const either = (k: number): string => `either ${Array.from({ length: k }, (_, i) => `{ x = ${i % 100} }`).join(" or ")}`;
    const body = rng.chance(0.5) ? either(n) : Array.from({ length: Math.min(n, 300) }, () => either(2)).join("; ");
    return `var x = 0\ncpu C0 { ${body} }\ncpu C1 { x = 1 }\n`;
  },
};

/** The differential run's well-formed scenarios: every construct, searched to the end. */
const valid: Generator = {
  name: "valid",
  make(rng) {
    // The differential run's flavours: v1 statements, loops that may never end, the kernel wait primitives (§9), interrupt handlers (§10).
    const flavour: Flavour = rng.pick([{}, { loops: true }, { loops: true, kernel: true }, { loops: true, irq: true }]);
    return generateScenario(rng.int(1, 1_000_000), flavour);
  },
};

/** Interrupt handlers (§10): up to past the thread limit, on random CPUs, over nested interrupt-off sections of every form; half the time a synchronize_rcu waiting for them. */
const manyHandlers: Generator = {
  name: "many-handlers",
  make(rng, size) {
    const cpus = rng.int(1, 4);
    const handlers = rng.int(1, between(size, 2, 40));
    const depth = rng.int(0, between(size, 2, 300));
    const out = ["spinlock L", "rwlock R"];
    for (let h = 0; h < handlers; h++) out.push(`${rng.pick(["irq", "softirq"])} H${h} on C${rng.int(0, cpus - 1)} { ${rng.pick(["lock L; unlock L", "rlock R; runlock R", "lock_irqsave L; unlock_irqrestore L", "rcu_read_lock; rcu_read_unlock", ""])} }`);
    const opens = ["local_irq_disable", "local_irq_save", "local_bh_disable", "lock_irqsave L", "lock_bh L", "rlock_irq R"];
    const closes: Record<string, string> = { local_irq_disable: "local_irq_enable", local_irq_save: "local_irq_restore", local_bh_disable: "local_bh_enable", "lock_irqsave L": "unlock_irqrestore L", "lock_bh L": "unlock_bh L", "rlock_irq R": "runlock_irq R" };
    for (let c = 0; c < cpus; c++) {
      const stack: string[] = [];
      for (let d = 0; d < depth; d++) stack.push(rng.pick(opens));
      // Mostly balanced; sometimes one close is dropped or doubled (a misuse to report, never a crash).
      const body = [...stack, ...stack.map((o) => closes[o]!).reverse()];
      if (rng.chance(0.2) && body.length > 0) body.splice(rng.int(0, body.length - 1), 1);
      out.push(`cpu C${c} { ${body.join("; ")} }`);
    }
    // Consolidated RCU: a grace period waits for every one of those sections and handlers.
    if (rng.chance(0.5)) out.push("cpu S { synchronize_rcu }");
    return out.join("\n") + "\n";
  },
};

/** Work items, queues and kthreads (§9): many of each, queuing, flushing and stopping one another. */
const manyWork: Generator = {
  name: "many-work",
  make(rng, size) {
    const n = rng.int(1, between(size, 2, 40));
    const out = ["mutex M", `workqueue Q${rng.chance(0.3) ? " max_active 1" : ""}`];
    for (let i = 0; i < n; i++) {
      const other = rng.int(0, n - 1);
      out.push(`work W${i} on Q { ${rng.pick([`queue_work W${other}`, `flush_work W${other}`, `cancel_work_sync W${other}`, "lock M; unlock M", "flush_workqueue Q"])} }`);
    }
    const calls = Array.from({ length: rng.int(1, between(size, 2, 60)) }, () => rng.pick([`queue_work W${rng.int(0, n - 1)}`, `flush_work W${rng.int(0, n - 1)}`, "lock M", "unlock M", "flush_workqueue Q", "destroy_workqueue Q"]));
    out.push(`cpu C0 { ${calls.join("; ")} }`);
    return out.join("\n") + "\n";
  },
};

export const GENERATORS: readonly Generator[] = [bytes, tokens, mutate, valid, parens, blocks, elseIf, longExpr, manyCpus, manyLocks, manyVars, fanOut, callChain, hugeEither, manyHandlers, manyWork];

export function generator(name: string): Generator {
  const g = GENERATORS.find((x) => x.name === name);
  if (!g) throw new Error(`no generator '${name}' (${GENERATORS.map((x) => x.name).join(", ")})`);
  return g;
}

/** Every .race file of the samples and the test fixtures: what mutations start from. */
export function corpus(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".race")) out.push(readFileSync(path, "utf8"));
    }
  };
  walk(join(root, "samples"));
  walk(join(root, "test", "fixtures"));
  return out;
}

/** The text of case GENERATOR:SEED: the seed decides the size (0 to `maxSize`), then the input. */
export function caseText(name: string, seed: number, texts: readonly string[], maxSize = 1): string {
  const rng = new Rng(seed);
  const size = rng.next() * maxSize;
  return generator(name).make(rng, size, texts);
}

/** The seed of case `index` of a run with seed `base`. */
export function caseSeed(base: number, index: number): number {
  return (Math.imul(base, 1_000_003) + index * 7919 + 1) >>> 0;
}
