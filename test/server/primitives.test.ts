// The editor side of race-language.md §9 over the real protocol: completion
// of declaration words, verbs and their targets; hover on a verb (what a
// wait found at its call, who can complete it) and on a work item or a
// kthread (where the code queues, flushes, cancels, runs, stops it; the
// locks its body takes); semantic tokens and the outline of the new
// declarations; and the verified quick fixes of a flush or cancel under a
// lock the work item takes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol } from "vscode-languageserver-protocol";
import { analyze } from "../../server/src/analysis";
import { applyWorkspaceEdit, LspClient, positionOf } from "./lspClient";

/** phylib's shape: a work item that takes rtnl, flushed by a CPU that holds rtnl. */
const flushUnderLock = `mutex rtnl
workqueue events
completion done
work link on events {
  lock rtnl
  unlock rtnl
  complete done
}
kthread poller "poll" {
  while !kthread_should_stop() {
    lock rtnl
    unlock rtnl
  }
}
cpu CPU0 {
  lock rtnl
  queue_work link
  flush_work link
  unlock rtnl
}
cpu CPU1 {
  kthread_run poller
  kthread_stop poller
  wait_for_completion done
}
expect deadlock
`;

describe("§9 in the editor, over stdio", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient();
    await client.initialize();
  });
  afterAll(async () => client.close());

  const markdown = (uri: string, text: string, needle: string, delta = 0): Promise<string> => client.hoverText(uri, text, needle, 0, delta);

  describe("completion", () => {
    const uri = "file:///complete-primitives.race";
    const text = `mutex L
workqueue events
work w on events { }
work reset[pf, vf0] on events (d) { }
kthread poller "p" { while ! { } }
completion done
srcu S
fn f(d) { flush_work  }
cpu C {
  q
  flush_work 
  if 
  wait_for_completion 
  srcu_read_lock 
}
wor
`;
    const items = async (needle: string, delta: number): Promise<CompletionItem[]> => client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: positionOf(text, needle, 0, delta) });
    const labels = async (needle: string, delta: number): Promise<string[]> => (await items(needle, delta)).map((c) => c.label);
    beforeAll(async () => {
      await client.open(uri, text);
      await client.diagnostics(uri);
    });

    it("after a verb, only the declared targets of its kind, an item per object as W[o] and W[p] for a parameter", async () => {
      expect(await labels("flush_work \n", "flush_work ".length)).toEqual(["w", "reset[pf]", "reset[vf0]"]);
      expect(await labels("flush_work  }", "flush_work ".length)).toEqual(["w", "reset[pf]", "reset[vf0]", "reset[d]"]);
      expect(await labels("wait_for_completion \n", "wait_for_completion ".length)).toEqual(["done"]);
      expect(await labels("srcu_read_lock \n", "srcu_read_lock ".length)).toEqual(["S"]);
    });

    it("the verbs where a statement starts, each with its doc; the condition-only one is left out", async () => {
      const got = await items("  q\n", 3);
      const flush = got.find((c) => c.label === "flush_work");
      expect(flush?.documentation).toMatch(/^flush_work\(\): waits for the instance pending or running at the call to finish/);
      expect(got.map((c) => c.label)).toContain("synchronize_rcu");
      expect(got.map((c) => c.label)).not.toContain("try_wait_for_completion");
      expect(got.map((c) => c.label)).not.toContain("workqueue");
    });

    it("the condition verbs after if and !, with kthread_should_stop() inside a kthread only", async () => {
      const afterIf = await labels("if \n", 3);
      expect(afterIf.filter((l) => ["queue_work", "try_wait_for_completion", "kernfs_remove_self", "flush_work", "kthread_should_stop()"].includes(l))).toEqual(["queue_work", "try_wait_for_completion", "kernfs_remove_self"]);
      const inKthread = await labels("while ! {", "while !".length);
      expect(inKthread).toContain("try_wait_for_completion");
      expect(inKthread).toContain("kthread_should_stop()");
    });

    it("the declaration words where an item starts, and not inside a body", async () => {
      const top = await items("wor\n", 3);
      expect(top.filter((c) => c.detail === "declaration (§9–§10)").map((c) => c.label)).toEqual(["workqueue", "ordered", "work", "kthread", "completion", "kernfs", "srcu", "irq", "softirq", "rwlock"]);
      expect(top.find((c) => c.label === "ordered")?.documentation).toMatch(/alloc_ordered_workqueue\(\)/);
      expect((await labels("  q\n", 3)).filter((l) => l === "ordered")).toEqual([]);
    });
  });

  describe("hover, outline and semantic tokens", () => {
    const uri = "file:///flush-under-lock.race";
    beforeAll(async () => {
      await client.open(uri, flushUnderLock);
      await client.engineDiagnostics(uri, 1);
    });

    it("on flush_work: its doc, the item's states found at the call, whom it may wait for, the locks held", async () => {
      const md = await markdown(uri, flushUnderLock, "flush_work link", 2);
      expect(md).toContain("**flush_work** `link`");
      expect(md).toContain("flush_work(): waits for the instance pending or running at the call to finish");
      // The CPU queued it just before: it cannot be idle at the flush.
      expect(md).toContain("**What it found at the call** (`link`), per thread and call path:\n- **CPU0**: pending: waits for it to run and finish; running: waits for this run to end — may wait for `link`");
      expect(md).toContain("**Locks held on arrival**, per thread and call path:\n- **CPU0**: always `rtnl`");
    });

    it("on wait_for_completion: who can complete it, and that its complete is never reached", async () => {
      const md = await markdown(uri, flushUnderLock, "wait_for_completion done", 2);
      // The only completer is the work item, which always deadlocks with CPU0 (queued under rtnl, flushed under it) before it completes.
      expect(md).toContain("- **CPU1**: never completed when called: waits for a complete");
      expect(md).toContain("**Can complete it**:\n- **link**: `complete done` (line 7): never reached in any explored state");
    });

    it("on kthread_stop: the kthread found running", async () => {
      const md = await markdown(uri, flushUnderLock, "kthread_stop poller", 2);
      expect(md).toContain("- **CPU1**: running: waits for it to exit — may wait for `poller`");
    });

    it("on a work item's name: its queue, where it is queued, flushed and cancelled, the locks its body takes, lockdep's cycle through it", async () => {
      for (const needle of ["work link", "flush_work link"]) {
        const md = await markdown(uri, flushUnderLock, needle, needle.length - 2);
        expect(md, needle).toContain("**work item** `link` on workqueue `events`");
        expect(md, needle).toContain("- **Queued**: line 17 in `CPU0`\n- **Flushed**: line 18 in `CPU0`\n- **Cancelled**: nowhere");
        expect(md, needle).toContain("**Its body takes**: `rtnl` (line 5)");
        expect(md, needle).toContain("⚠ lock-order inversion `rtnl` → `(work_completion)(&link)` → `rtnl`: **confirmed**");
      }
    });

    it("on a kthread's name: where it is run and stopped, the locks its body takes", async () => {
      const md = await markdown(uri, flushUnderLock, "kthread poller", "kthread po".length);
      expect(md).toContain('**kthread** `poller` `"poll"`');
      expect(md).toContain("- **Run**: line 22 in `CPU1`\n- **Stopped**: line 23 in `CPU1`");
      expect(md).toContain("**Its body takes**: `rtnl` (line 11)");
    });

    it("on kthread_should_stop()", async () => {
      expect(await markdown(uri, flushUnderLock, "kthread_should_stop", 3)).toMatch(/^\*\*kthread_should_stop\(\)\*\*: true inside the kthread once `kthread_stop` was called on it/);
    });

    it("lists the §9 declarations in the outline", async () => {
      const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } });
      expect(symbols.map((s) => [s.name, s.detail])).toEqual([
        ["rtnl", "mutex"],
        ["events", "workqueue"],
        ["done", "completion"],
        ["link", "work on events"],
        ["poller", "poll"],
        ["CPU0", "cpu"],
        ["CPU1", "cpu"],
        ["expect deadlock", "expectation"],
      ]);
    });

    it("gives the names of §9 declarations and their uses a semantic token type, declarations marked", async () => {
      const tokens = (await client.semanticTokens(uri, flushUnderLock)).map((t) => `${t.text}:${t.type}${t.decl ? "+decl" : ""}`);
      for (const t of ["events:namespace+decl", "done:type+decl", "link:class+decl", "poller:class+decl", "link:class", "poller:class", "done:type"]) expect(tokens, t).toContain(t);
      // The verbs are words of the grammar, not names: no token of their own.
      expect(tokens.filter((t) => t.startsWith("flush_work") || t.startsWith("queue_work"))).toEqual([]);
    });
  });

  describe("quick fixes for a flush or cancel under a lock the work item takes", () => {
    const fixesFor = (uri: string, text: string): Promise<{ actions: CodeAction[]; diagnostic: Diagnostic }> => client.fixesFor(uri, text);

    it("flush outside the lock: moves flush_work after the unlock, verified; the fixed text is safe", async () => {
      const uri = "file:///fix-flush.race";
      const { actions } = await fixesFor(uri, flushUnderLock);
      const titles = actions.map((a) => a.title);
      expect(titles).toContain("Move 'flush_work link' after 'unlock rtnl' in CPU0 (flush outside the lock) — verified: this deadlock is gone, nothing new");
      // Reordering the flush with the lock would flush before queueing: not a candidate.
      expect(titles.filter((t) => t.startsWith("Swap"))).toEqual([]);
      const fix = actions.find((a) => a.title.startsWith("Move 'flush_work link' after"))!;
      const fixed = applyWorkspaceEdit(flushUnderLock, uri, fix.edit!);
      expect(fixed).toContain("  lock rtnl\n  queue_work link\n  unlock rtnl\n  flush_work link\n}");
      const after = analyze(fixed);
      expect(after.report!.problems.map((p) => p.kind)).toEqual([]);
    });

    it("cancel before taking the lock: moves cancel_work_sync before the lock, verified", async () => {
      const uri = "file:///fix-cancel.race";
      const text = "mutex rtnl\nworkqueue events\nwork link on events { lock rtnl; unlock rtnl }\ncpu CPU0 { queue_work link }\ncpu CPU1 { lock rtnl; cancel_work_sync link; unlock rtnl }\n";
      const { actions } = await fixesFor(uri, text);
      expect(actions.map((a) => a.title)).toEqual(["Move 'cancel_work_sync link' before 'lock rtnl' in CPU1 (cancel before taking the lock) — verified: this deadlock is gone, nothing new"]);
      const fixed = applyWorkspaceEdit(text, uri, actions[0]!.edit!);
      expect(fixed).toContain("cpu CPU1 { cancel_work_sync link; lock rtnl; unlock rtnl }");
      expect(analyze(fixed).verdict).toBe("safe");
    });

    it("offers only the move the engine verifies: out from under both locks, not only the inner one", async () => {
      const uri = "file:///fix-two-locks.race";
      const text = "mutex A\nmutex rtnl\nworkqueue events\nwork link on events { lock A; unlock A }\ncpu CPU0 { lock A; lock rtnl; queue_work link; flush_work link; unlock rtnl; unlock A }\n";
      const { actions } = await fixesFor(uri, text);
      expect(actions.map((a) => a.title)).toEqual(["Move 'flush_work link' after 'unlock A' in CPU0 (flush outside the lock) — verified: this deadlock is gone, nothing new"]);
      expect(applyWorkspaceEdit(text, uri, actions[0]!.edit!)).toContain("cpu CPU0 { lock A; lock rtnl; queue_work link; unlock rtnl; unlock A; flush_work link }");
    });

    it("does not move a flush across a statement that queues the item again", async () => {
      const uri = "file:///fix-requeue.race";
      const text = "mutex rtnl\nworkqueue events\nwork link on events { lock rtnl; unlock rtnl }\ncpu CPU0 { lock rtnl; queue_work link; flush_work link; queue_work link; unlock rtnl }\n";
      const { actions } = await fixesFor(uri, text);
      expect(actions.filter((a) => a.title.startsWith("Move 'flush_work"))).toEqual([]);
    });
  });
});
