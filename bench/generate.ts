// Generators of large and parametric scenarios for benchmarks.

/** A scenario of about `lines` lines: many locks, functions calling each other, CPUs. */
export function generateLargeScenario(lines: number): string {
  const out: string[] = ['scenario "generated"', ""];
  const fnCount = Math.max(1, Math.ceil((lines - 9) / 11)); // 11 lines per function, 9 around them
  out.push("mutex outer");
  out.push("mutex dev[" + Array.from({ length: 8 }, (_, i) => `d${i}`).join(", ") + "]");
  out.push("var count[" + Array.from({ length: 8 }, (_, i) => `d${i}`).join(", ") + "] = 0");
  out.push("var flag = false");
  for (let i = 0; i < fnCount; i++) {
    out.push(`fn work${i}(d) {`);
    out.push("  lock dev[d]");
    out.push("  if count[d] < 100 {");
    out.push("    count[d] = count[d] + 1");
    out.push("  } else {");
    out.push("    flag = true");
    out.push("  }");
    out.push("  assert count[d] >= 0 \"count stays positive\"");
    if (i > 0) out.push(`  work${i - 1}(d)`);
    else out.push("  flag = !flag");
    out.push("  unlock dev[d]");
    out.push("}");
  }
  out.push(`cpu CPU0 { lock outer; work${fnCount - 1}(d0); unlock outer }`);
  out.push(`cpu CPU1 { work${fnCount - 1}(d1) }`);
  return out.join("\n") + "\n";
}

/** Dining philosophers: N CPUs, N forks; `ordered` takes the lower-numbered fork first. */
export function philosophers(n: number, ordered: boolean): string {
  const out: string[] = [`scenario "philosophers-${ordered ? "ordered" : "ring"}-${n}"`, ""];
  out.push(`mutex fork[${Array.from({ length: n }, (_, i) => `f${i}`).join(", ")}]`);
  for (let i = 0; i < n; i++) {
    const left = i;
    const right = (i + 1) % n;
    const [a, b] = ordered ? [Math.min(left, right), Math.max(left, right)] : [left, right];
    out.push(`cpu P${i} { lock fork[f${a}]; lock fork[f${b}]; unlock fork[f${b}]; unlock fork[f${a}] }`);
  }
  out.push(`expect ${ordered ? "safe" : "deadlock"}`);
  return out.join("\n") + "\n";
}

/**
 * Dining philosophers with a timer interrupt on every CPU (§10): each
 * CPU's hardirq handler takes one shared spinlock, as a tick takes
 * jiffies_lock; it may fire anywhere its philosopher has interrupts on.
 */
export function philosophersIrq(n: number, ordered: boolean): string {
  const out = philosophers(n, ordered).replace(/^scenario "philosophers-/, 'scenario "philosophers-irq-').split("\n");
  const handlers = Array.from({ length: n }, (_, i) => `irq tick${i} on P${i} { lock jiffies_lock; unlock jiffies_lock }`);
  out.splice(2, 0, "spinlock jiffies_lock", ...handlers);
  return out.join("\n");
}

/**
 * `n` CPUs each incrementing one shared counter `steps` times without a
 * lock: every step conflicts with every other CPU's, so no reduction
 * applies; (steps+1)^n states.
 */
export function contended(n: number, steps: number): string {
  const out: string[] = [`scenario "contended-${n}x${steps}"`, "", "var x = 0"];
  for (let i = 0; i < n; i++) out.push(`cpu C${i} { ${Array.from({ length: steps }, () => "x = x + 1").join("; ")} }`);
  return out.join("\n") + "\n";
}
