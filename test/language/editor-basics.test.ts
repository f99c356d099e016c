// The static editor files: the grammar colours every keyword of the language,
// its regexes compile, and every snippet expands (with its defaults) to text
// the checker accepts. The §9 words are contextual: the grammar colours them
// where they start a declaration, a statement or a condition, and leaves
// them alone as names (checked with a small TextMate tokenizer, textmate.ts).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, analyzeFrontEnd } from "../../server/src/analysis";
import { KEYWORDS } from "../../server/src/language/tokens";
import { VERBS, type VerbInfo } from "../../server/src/language/verbs";
import { read, root } from "../helpers";
import { scopesOf, tokenize, type Grammar } from "./textmate";

const grammar = JSON.parse(read(join(root, "syntaxes", "race.tmLanguage.json"))) as Record<string, unknown>;
const snippets = JSON.parse(read(join(root, "snippets", "race.json"))) as Record<string, { prefix: string; body: string[] }>;
const manifest = JSON.parse(read(join(root, "package.json"))) as { contributes: Record<string, unknown> };

function regexes(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => regexes(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if ((k === "match" || k === "begin" || k === "end") && typeof v === "string") out.push(v);
      else regexes(v, out);
    }
  }
  return out;
}

/** Expands a snippet body with each placeholder's default (the first choice for choices). */
function expand(body: string[]): string {
  return body
    .join("\n")
    .replace(/\$\{\d+\|([^,|]+)[^}]*\}/g, "$1")
    .replace(/\$\{\d+:([^}]*)\}/g, "$1")
    .replace(/\$(\d+)/g, (_, n: string) => {
      const m = body.join("\n").match(new RegExp(`\\$\\{${n}:([^}]*)\\}`));
      return m ? m[1]! : "";
    });
}

describe("TextMate grammar", () => {
  it("has regexes that compile", () => {
    const all = regexes(grammar);
    expect(all.length).toBeGreaterThan(10);
    for (const r of all) expect(() => new RegExp(r)).not.toThrow();
  });

  it("matches every reserved word somewhere", () => {
    const all = regexes(grammar).map((r) => new RegExp(r));
    const missing = KEYWORDS.filter((k) => !all.some((r) => r.test(k === "recursive" ? "recursive mutex m" : k === "expect" ? "expect safe" : `${k} x`)));
    expect(missing).toEqual([]);
  });

  it("matches the contextual words of design v2: rtrylock, and expect lists with misuse", () => {
    const all = regexes(grammar).map((r) => new RegExp(r));
    for (const text of ["rtrylock s", "misuse", "#include \"x.race\""]) expect(all.some((r) => r.test(text)), text).toBe(true);
  });

  /** The scopes of `word` (its `nth` occurrence) in `line`, tokenized alone. */
  const scopes = (line: string, word: string, nth = 0): readonly string[] => scopesOf(tokenize(grammar as unknown as Grammar, line)[0]!, line, word, nth);

  it("colours `novalidate` after a lock's declaration, and the lock's name as a lock", () => {
    expect(scopes("mutex device_lock[*] novalidate", "novalidate")).toEqual(["storage.modifier.novalidate.race"]);
    expect(scopes("mutex device_lock[*] novalidate  // dev->mutex", "novalidate")).toEqual(["storage.modifier.novalidate.race"]);
    expect(scopes("mutex m novalidate", "m")).toEqual(["variable.other.lock.race"]);
  });

  it("the test tokenizer reads the grammar as before: lock words, comments, strings, calls", () => {
    expect(scopes("cpu C { lock m; f(x) }", "lock")).toEqual(["keyword.control.lock.race"]);
    expect(scopes("cpu C { lock m; f(x) }", "f")).toEqual(["entity.name.function.race"]);
    expect(scopes("// flush_work w", "flush_work")).toEqual(["comment.line.double-slash.race"]);
    expect(scopes('cpu C "flush_work w" { }', "flush_work")).toEqual(["string.quoted.double.race"]);
  });

  it("colours every §9–§10 verb where a statement starts, the waiting ones as waits", () => {
    const waits = ["flush_work", "cancel_work_sync", "flush_workqueue", "drain_workqueue", "destroy_workqueue", "kthread_stop", "wait_for_completion", "kernfs_remove", "kernfs_remove_self", "synchronize_srcu", "synchronize_rcu"];
    for (const [verb, info] of Object.entries(VERBS) as [string, VerbInfo][]) {
      if (info.conditionOnly) continue;
      const expected = waits.includes(verb) ? "keyword.control.primitive.wait.race" : "keyword.control.primitive.race";
      const stmt = info.target ? `${verb} x` : verb;
      expect(scopes(`  ${stmt}`, verb), verb).toEqual([expected]);
      expect(scopes(`cpu C { lock m; ${stmt}; unlock m }`, verb), verb).toEqual([expected]);
      expect(scopes(`cpu C { ${stmt} }`, verb), verb).toEqual([expected]);
    }
  });

  it("colours the condition verbs after if, while and !, and kthread_should_stop()", () => {
    expect(scopes("  if queue_work w {", "if")).toEqual(["keyword.control.race"]);
    expect(scopes("  if queue_work w {", "queue_work")).toEqual(["keyword.control.primitive.race"]);
    expect(scopes("  while !try_wait_for_completion done {", "try_wait_for_completion")).toEqual(["keyword.control.primitive.race"]);
    expect(scopes("  while !try_wait_for_completion done {", "!")).toEqual(["keyword.operator.logical.race"]);
    expect(scopes("  } else if kernfs_remove_self attr {", "kernfs_remove_self")).toEqual(["keyword.control.primitive.wait.race"]);
    expect(scopes("  while !kthread_should_stop() {", "kthread_should_stop")).toEqual(["support.function.builtin.kthread-should-stop.race"]);
  });

  it("leaves the §9 words alone where they are names: a variable, a value, an argument, a function", () => {
    expect(scopes("var complete = 0", "complete")).toEqual(["variable.other.race"]);
    expect(scopes("cpu C { complete = 1 }", "complete")).toEqual([]);
    expect(scopes("cpu C { x = queue_work + 1 }", "queue_work")).toEqual([]);
    expect(scopes("cpu C { f(flush_work) }", "flush_work")).toEqual([]);
    expect(scopes("cpu C { sysfs_show(x) }", "sysfs_show")).toEqual(["entity.name.function.race"]);
    expect(scopes("cpu C { rcu_read_lock = true }", "rcu_read_lock")).toEqual([]);
    expect(scopes("var work = 1", "work")).toEqual(["variable.other.race"]);
    expect(scopes("cpu C { work = 2; srcu = 3 }", "work")).toEqual([]);
    expect(scopes("cpu C { work = 2; srcu = 3 }", "srcu")).toEqual([]);
    expect(scopes("cpu C { if queue_work { } }", "queue_work")).toEqual([]);
  });

  it("colours the §9 declarations: words, names, ordered, max_active, on", () => {
    expect(scopes("ordered workqueue priv_wq", "ordered")).toEqual(["storage.modifier.ordered.race"]);
    expect(scopes("ordered workqueue priv_wq", "workqueue")).toEqual(["storage.type.workqueue.race"]);
    expect(scopes("ordered workqueue priv_wq", "priv_wq")).toEqual(["entity.name.type.workqueue.race"]);
    expect(scopes("workqueue nic_wq max_active 2", "max_active")).toEqual(["keyword.other.max-active.race"]);
    expect(scopes("workqueue nic_wq max_active 2", "2")).toEqual(["constant.numeric.integer.race"]);
    const work = "work reset[pf, vf0] on events (d) { reset_device(d) }";
    expect([scopes(work, "work"), scopes(work, "reset"), scopes(work, "on"), scopes(work, "events")]).toEqual([["storage.type.work.race"], ["entity.name.type.work.race"], ["keyword.other.on.race"], ["entity.name.type.workqueue.race"]]);
    expect(scopes('kthread poller "pvrusb2-ctl" {', "kthread")).toEqual(["storage.type.kthread.race"]);
    expect(scopes('kthread poller "pvrusb2-ctl" {', "poller")).toEqual(["entity.name.type.kthread.race"]);
    for (const [line, word] of [["completion done[pf]", "completion"], ["kernfs remove_attr[pf]", "kernfs"], ["srcu kvm_srcu", "srcu"]]) {
      expect(scopes(line!, word!)).toEqual(["storage.type.primitive.race"]);
    }
    expect(scopes("srcu kvm_srcu", "kvm_srcu")).toEqual(["variable.other.primitive.race"]);
  });

  it("is contributed under the scope name it declares", () => {
    expect(manifest.contributes["grammars"]).toEqual([{ language: "race", scopeName: grammar["scopeName"], path: "./syntaxes/race.tmLanguage.json" }]);
  });
});

describe("snippets", () => {
  it("the scenario skeleton expands to a scenario that checks clean", () => {
    const text = expand(snippets["Scenario skeleton"]!.body);
    expect(analyzeFrontEnd(text).diagnostics).toEqual([]);
  });

  it("each statement snippet checks clean inside a CPU", () => {
    for (const name of ["Lock/unlock pair", "Trylock"]) {
      const text = `mutex L\ncpu C {\n${expand(snippets[name]!.body)}\n}\n`;
      expect(analyzeFrontEnd(text).diagnostics, name).toEqual([]);
    }
    const read = `rwsem sem\ncpu C {\n${expand(snippets["Read lock pair"]!.body)}\n}\n`;
    expect(analyzeFrontEnd(read).diagnostics).toEqual([]);
    const v2 = `mutex L\nrwsem sem\ncpu C {\n${["Trylock retry loop", "Read trylock", "Either with labels", "Local variable"].map((n) => expand(snippets[n]!.body)).join("\n")}\n}\n`;
    // The local is declared and left unused: only that warning.
    expect(analyzeFrontEnd(v2).diagnostics.map((d) => d.code)).toEqual(["RACE051"]);
  });

  it("each §9 declaration snippet checks clean with the statement snippets that use it", () => {
    const items = ["Workqueue", "Ordered workqueue", "Workqueue with max_active", "Work item", "Work item per object", "Kthread", "Completion", "kernfs node", "SRCU domain"];
    const stmts = ["Queue work", "Queue and flush work", "If queued", "Cancel work and wait", "Run and stop a kthread", "Wait for completion", "Try wait for completion", "sysfs attribute store", "sysfs store that removes its own attribute", "SRCU read section", "RCU read section"];
    for (const n of [...items, ...stmts]) expect(snippets[n], n).toBeDefined();
    const declared = items.map((n) => expand(snippets[n]!.body)).join("\n");
    // The defaults name what they use: work W on events, kthread T, completion done, kernfs attr, srcu S; the other queues and the per-object item are used here.
    const uses = "flush_workqueue priv_wq\nflush_workqueue nic_wq\nqueue_work reset[pf]\ncomplete done\n";
    const text = `${declared}\ncpu C {\n${stmts.map((n) => expand(snippets[n]!.body)).join("\n")}\n${uses}}\n`;
    expect(analyzeFrontEnd(text).diagnostics).toEqual([]);
  });

  it("each §10 snippet checks clean: handlers on a CPU, an rwlock, the lock forms and the interrupt-off sections", () => {
    const items = ["Hardirq handler", "Softirq handler", "rwlock"];
    const stmts = ["Lock with interrupts off, flags saved", "Lock with interrupts off", "Lock with softirqs off", "Interrupts off, flags saved", "Softirqs off"];
    for (const n of [...items, ...stmts]) expect(snippets[n], n).toBeDefined();
    // The defaults: handlers H and S on CPU0, rwlock L, and the lock forms on L.
    const text = `${items.map((n) => expand(snippets[n]!.body)).join("\n")}\ncpu CPU0 {\n${stmts.map((n) => expand(snippets[n]!.body)).join("\n")}\n}\n`;
    expect(analyzeFrontEnd(text).diagnostics).toEqual([]);
    expect(analyze(text).verdict).toBe("safe");
  });

  it("item snippets parse", () => {
    for (const name of ["CPU", "Function", "Driver"]) {
      const text = expand(snippets[name]!.body);
      expect(analyzeFrontEnd(text).diagnostics.filter((d) => d.code === "RACE001"), name).toEqual([]);
    }
  });
});
