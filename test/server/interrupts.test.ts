// The editor side of race-language.md §10 over the real protocol: hover on
// a statement (each thread's interrupt state there: task or handler
// context, hardirqs and softirqs on or off), on a handler's name (its CPU,
// the locks it takes, where on its CPU it can fire) and on a lock (lockdep's
// irq usage, its irq reports confirmed or unreached); completion of the lock
// forms, the locks after them and `on CPU` after a handler's name; the
// outline; the verified quick fix `lock_irqsave`/`lock_bh` for a handler
// that waits for a lock its own CPU's task holds; and the trace payload
// (race/trace) of such a deadlock, the handler's steps nested on its CPU.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol } from "vscode-languageserver-protocol";
import { analyze } from "../../server/src/analysis";
import type { TracePayload } from "../../server/src/lsp/payloads";
import { applyWorkspaceEdit, LspClient, positionOf } from "./lspClient";

/** A display driver's vblank interrupt takes event_lock, which its CPU's task takes with interrupts on (the drm vblank shape). */
const vblank = `spinlock event_lock
spinlock other
irq vblank on CPU0 {
  lock event_lock
  unlock event_lock
}
cpu CPU0 {
  lock event_lock
  unlock event_lock
  lock_irqsave other
  unlock_irqrestore other
}
expect deadlock
`;

/** A network softirq reads an rwlock its CPU's task writes with softirqs on; a timer interrupt elsewhere is safe. */
const softirqRead = `rwlock tasklist_lock
spinlock xtime_lock
softirq rx on CPU1 {
  rlock tasklist_lock
  runlock tasklist_lock
}
irq timer on CPU0 {
  lock xtime_lock
  unlock xtime_lock
}
cpu CPU0 {
  lock_irq xtime_lock
  unlock_irq xtime_lock
}
cpu CPU1 {
  local_bh_disable
  lock tasklist_lock
  unlock tasklist_lock
  local_bh_enable
  lock tasklist_lock
  unlock tasklist_lock
}
`;

describe("§10 in the editor, over stdio", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient();
    await client.initialize();
  });
  afterAll(async () => client.close());

  const markdown = (uri: string, text: string, needle: string, delta = 0, nth = 0): Promise<string> => client.hoverText(uri, text, needle, nth, delta);

  describe("hover", () => {
    const uri = "file:///vblank.race";
    const uri2 = "file:///softirq-read.race";
    beforeAll(async () => {
      await client.open(uri, vblank);
      await client.open(uri2, softirqRead);
      await client.engineDiagnostics(uri, 1);
      await client.engineDiagnostics(uri2, 1);
    });

    it("on a task's statement: its interrupt state there, hardirqs on in task context", async () => {
      const md = await markdown(uri, vblank, "  lock event_lock", 3, 1);
      expect(md).toContain("**Locks held on arrival**, per CPU and call path:\n- **CPU0**: no locks");
      expect(md).toContain("**Interrupt state there**, per thread and call path:\n- **CPU0** (task): hardirqs on, softirqs on");
    });

    it("on a handler's statement: hardirq context on its CPU, both off", async () => {
      const md = await markdown(uri, vblank, "  lock event_lock", 3, 0);
      expect(md).toContain("- **vblank** (hardirq on CPU0): hardirqs off, softirqs off");
    });

    it("on a lock form: what it does, and the interrupt state before and after it turns them off", async () => {
      const md = await markdown(uri, vblank, "lock_irqsave other", 3);
      expect(md).toContain("**lock_irqsave** `other`\n\nspin_lock_irqsave() (write_lock_irqsave() on an rwlock): saves whether hardirqs were on and turns them off, then takes the lock");
      expect(md).toContain("- **CPU0** at `local_irq_save (lock_irqsave other)` (task): hardirqs on, softirqs on\n- **CPU0** at `lock other` (task): hardirqs off, softirqs off");
    });

    it("on local_bh_disable and after it: softirqs off only, in the statements it covers", async () => {
      expect(await markdown(uri2, softirqRead, "local_bh_disable", 3)).toContain("- **CPU1** (task): hardirqs on, softirqs on");
      expect(await markdown(uri2, softirqRead, "  lock tasklist_lock", 3, 0)).toContain("- **CPU1** (task): hardirqs on, softirqs off");
      expect(await markdown(uri2, softirqRead, "  lock tasklist_lock", 3, 1)).toContain("- **CPU1** (task): hardirqs on, softirqs on");
    });

    it("on a handler's name: its kind and CPU, the locks it takes, the statements of its CPU where it can fire", async () => {
      const md = await markdown(uri, vblank, "irq vblank", "irq vb".length);
      expect(md).toContain("**hardirq handler** `vblank` on `CPU0`");
      expect(md).toContain("**It takes**: `event_lock` (line 4)");
      // Not inside the irqsave section (lines 10–11): hardirqs are off there.
      expect(md).toContain("**Can fire on `CPU0`** (statements reached with hardirqs on), and after its end:\n- line 8, before `lock event_lock`\n- line 9, before `unlock event_lock`\n- line 10, before `local_irq_save (lock_irqsave other)`");
      expect(md).not.toContain("line 11");
    });

    it("on a softirq's name: where its CPU's task has softirqs on", async () => {
      const md = await markdown(uri2, softirqRead, "softirq rx", "softirq r".length);
      expect(md).toContain("**softirq handler** `rx` on `CPU1`");
      expect(md).toContain("**It takes**: `tasklist_lock` (line 4)");
      // Not between local_bh_disable and local_bh_enable (lines 17–19).
      expect(md).toContain("- line 16, before `local_bh_disable`\n- line 20, before `lock tasklist_lock`\n- line 21, before `unlock tasklist_lock`");
      for (const l of [17, 18, 19]) expect(md).not.toContain(`line ${l},`);
    });

    it("on the CPU a handler names: the handlers on it", async () => {
      expect(await markdown(uri, vblank, "on CPU0", 4)).toContain("**Interrupt handlers on it**: `vblank` (hardirq)");
    });

    it("on a lock: lockdep's irq usage, the interrupt state where each thread takes it, and its irq report confirmed", async () => {
      const md = await markdown(uri, vblank, "spinlock event_lock", "spinlock ev".length);
      expect(md).toContain("**Lockdep's irq usage**: `{IN-HARDIRQ-W}`, `{HARDIRQ-ON-W}`, `{SOFTIRQ-ON-W}`");
      expect(md).toContain("- **CPU0**: no locks — `lock event_lock` · hardirqs on, softirqs on");
      expect(md).toContain("- **vblank**: no locks — `lock event_lock` · hardirqs off, softirqs off");
      expect(md).toContain("⚠ lockdep: inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage: **confirmed** — a deadlock through an interrupt handler is reported");
    });

    it("on a lock whose irq report no interleaving reaches: the report, unreached", async () => {
      const uri3 = "file:///unreached-irq.race";
      // The handler fires only on C0, which takes L with hardirqs off; C1 takes it with them on, but no handler runs on C1.
      const text = "spinlock L\nirq h on C0 { lock L; unlock L }\ncpu C0 { local_irq_disable; lock L; unlock L; local_irq_enable }\ncpu C1 { lock L; unlock L }\n";
      await client.open(uri3, text);
      await client.engineDiagnostics(uri3, 1);
      const md = await markdown(uri3, text, "spinlock L", "spinlock ".length);
      expect(md).toContain("**Lockdep's irq usage**: `{IN-HARDIRQ-W}`, `{HARDIRQ-ON-W}`, `{SOFTIRQ-ON-W}`");
      expect(md).toContain("⚠ lockdep: inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage: **unreached** — lockdep would warn; no interleaving of this scenario deadlocks on it");
      expect(md).toContain("- **C0**: no locks — `lock L` · hardirqs off, softirqs off\n- **C1**: no locks — `lock L` · hardirqs on, softirqs on");
    });

    it("on a lock only ever taken with interrupts off in the task: its usage, and no report", async () => {
      const md = await markdown(uri2, softirqRead, "spinlock xtime_lock", "spinlock xt".length);
      expect(md).toContain("**Lockdep's irq usage**: `{IN-HARDIRQ-W}`");
      expect(md).not.toContain("⚠ lockdep");
    });
  });

  describe("completion", () => {
    const uri = "file:///complete-irq.race";
    const text = `rwsem sem
rwlock rw
spinlock sl
mutex m
cpu CPU0 "task" { }
cpu CPU1 { }
irq h 
softirq s on 
cpu C {
  x
  lock_irqsave 
  rlock_bh 
  runlock_irqrestore 
  lock_i
}
`;
    const items = async (needle: string, delta: number): Promise<CompletionItem[]> => client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: positionOf(text, needle, 0, delta) });
    const labels = async (needle: string, delta: number): Promise<string[]> => (await items(needle, delta)).map((c) => c.label);
    beforeAll(async () => {
      await client.open(uri, text);
      await client.diagnostics(uri);
    });

    it("the lock forms and local_irq_*/local_bh_* where a statement starts, each with its doc", async () => {
      const got = await items("  x\n", 3);
      const l = got.map((c) => c.label);
      for (const w of ["lock_irq", "unlock_irq", "lock_irqsave", "unlock_irqrestore", "lock_bh", "unlock_bh", "rlock_irqsave", "runlock_bh", "local_irq_disable", "local_irq_save", "local_bh_enable"]) expect(l, w).toContain(w);
      expect(got.find((c) => c.label === "unlock_irqrestore")?.documentation).toMatch(/^spin_unlock_irqrestore\(\) .*: releases the lock, then hardirqs as they were at the matching lock_irqsave/);
    });

    it("after a lock form, the spinning locks (a mutex or rwsem takes none: RACE029); after a read form, only rwlocks", async () => {
      expect((await labels("lock_irqsave \n", "lock_irqsave ".length)).sort()).toEqual(["rw", "sl"]);
      expect((await labels("rlock_bh \n", "rlock_bh ".length)).sort()).toEqual(["rw"]);
      expect((await labels("runlock_irqrestore \n", "runlock_irqrestore ".length)).sort()).toEqual(["rw"]);
    });

    it("a lock form being typed is still a statement word, not a lock", async () => {
      expect(await labels("lock_i\n", "lock_i".length)).toContain("lock_irqsave");
    });

    it("`on` after a handler's name, then the CPUs", async () => {
      expect(await labels("irq h \n", "irq h ".length)).toEqual(["on"]);
      const cpus = await items("softirq s on \n", "softirq s on ".length);
      expect(cpus.map((c) => `${c.label}: ${c.detail}`)).toEqual(["CPU0: task", "CPU1: cpu", "C: cpu"]);
    });
  });

  describe("outline and semantic tokens", () => {
    const uri = "file:///outline-irq.race";
    beforeAll(async () => {
      await client.open(uri, softirqRead);
      await client.diagnostics(uri);
    });

    it("lists each handler with its kind and CPU", async () => {
      const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } });
      expect(symbols.map((s) => [s.name, s.detail])).toEqual([
        ["tasklist_lock", "rwlock"],
        ["xtime_lock", "spinlock"],
        ["rx", "softirq handler on CPU1"],
        ["timer", "hardirq handler on CPU0"],
        ["CPU0", "cpu"],
        ["CPU1", "cpu"],
      ]);
    });

    it("gives a handler's name and the CPU it names their token types", async () => {
      const tokens = (await client.semanticTokens(uri, softirqRead)).map((t) => `${t.line}:${t.text}:${t.type}${t.decl ? "+decl" : ""}`);
      expect(tokens.filter((t) => t.startsWith("3:") || t.startsWith("7:"))).toEqual(["3:rx:class+decl", "3:CPU1:class", "7:timer:class+decl", "7:CPU0:class"]);
    });
  });

  describe("the quick fix: take the lock with the interrupt off where the handler interrupts its holder", () => {
    const fixesFor = (uri: string, text: string): Promise<{ actions: CodeAction[]; diagnostic: Diagnostic }> => client.fixesFor(uri, text);

    it("a hardirq waiting for a lock its CPU's task holds: lock_irqsave/unlock_irqrestore in the task, verified and preferred; the fixed text is safe", async () => {
      const uri = "file:///fix-vblank.race";
      const { actions } = await fixesFor(uri, vblank);
      expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([
        ["Use lock_irqsave/unlock_irqrestore for 'event_lock' in CPU0 (then the hardirq vblank cannot interrupt it while it holds 'event_lock') — verified: this deadlock is gone, nothing new", true],
      ]);
      const fixed = applyWorkspaceEdit(vblank, uri, actions[0]!.edit!);
      expect(fixed).toContain("cpu CPU0 {\n  lock_irqsave event_lock\n  unlock_irqrestore event_lock\n  lock_irqsave other\n");
      // The handler's own code is left alone: it runs with hardirqs off anyway.
      expect(fixed).toContain("irq vblank on CPU0 {\n  lock event_lock\n  unlock event_lock\n}");
      const after = analyze(fixed);
      expect(after.report!.problems).toEqual([]);
      expect(after.report!.irqReports).toEqual([]);
    });

    it("a softirq writer and its CPU's task reading the rwlock: rlock_bh/runlock_bh, every section of the task", async () => {
      const uri = "file:///fix-softirq.race";
      const text = "rwlock T\nsoftirq rx on CPU1 { lock T; unlock T }\ncpu CPU1 {\n  rlock T\n  runlock T\n  rlock T\n  runlock T\n}\n";
      const { actions } = await fixesFor(uri, text);
      expect(actions.map((a) => a.title)).toEqual(["Use lock_bh/unlock_bh for 'T' in CPU1 (then the softirq rx cannot interrupt it while it holds 'T') — verified: this deadlock is gone, nothing new"]);
      const fixed = applyWorkspaceEdit(text, uri, actions[0]!.edit!);
      expect(fixed).toBe("rwlock T\nsoftirq rx on CPU1 { lock T; unlock T }\ncpu CPU1 {\n  rlock_bh T\n  runlock_bh T\n  rlock_bh T\n  runlock_bh T\n}\n");
      expect(analyze(fixed).verdict).toBe("safe");
    });

    it("HARDIRQ-safe -> HARDIRQ-unsafe through another CPU: the irq-unsafe lock taken with interrupts off where the handler interrupts it", async () => {
      const uri = "file:///fix-safe-unsafe.race";
      // h (on CPU0) takes B; CPU1 takes A under B; CPU0 takes A with hardirqs on.
      const text = "spinlock A\nspinlock B\nirq h on CPU0 { lock B; unlock B }\ncpu CPU0 { lock A; unlock A }\ncpu CPU1 { lock B; lock A; unlock A; unlock B }\n";
      const { actions } = await fixesFor(uri, text);
      expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([
        ["Use lock_irqsave/unlock_irqrestore for 'A' in CPU0 (then the hardirq h cannot interrupt it while it holds 'A') — verified: this deadlock is gone, nothing new", true],
        ["Swap 'lock B' and 'lock A' in CPU1 — verified: this deadlock is gone, nothing new", false],
      ]);
      const fixed = applyWorkspaceEdit(text, uri, actions[0]!.edit!);
      expect(fixed).toContain("cpu CPU0 { lock_irqsave A; unlock_irqrestore A }");
      expect(analyze(fixed).verdict).toBe("safe");
    });

    it("not offered where the unlock is not in the block that takes the lock", async () => {
      const uri = "file:///fix-irq-none.race";
      const text = "spinlock L\nfn release() { unlock L }\nirq h on C { lock L; unlock L }\ncpu C { lock L; release() }\n";
      const { actions } = await fixesFor(uri, text);
      expect(actions.filter((a) => a.title.startsWith("Use lock_irqsave"))).toEqual([]);
    });
  });

  describe("race/trace", () => {
    it("carries each handler's CPU and kind, its steps marked with the CPU they run on, and the interrupted task", async () => {
      const uri = "file:///trace-vblank.race";
      await client.open(uri, vblank);
      await client.engineDiagnostics(uri, 1);
      const t = await client.request<TracePayload>("race/trace", { uri, index: 0 });
      expect(t.cpus).toEqual([{ name: "CPU0" }, { name: "vblank", label: "hardirq on CPU0", on: "CPU0", context: "hardirq" }]);
      expect(t.steps.map((s) => [s.cpu, s.op, s.on, s.action])).toEqual([
        ["CPU0", "lock", undefined, "lock event_lock"],
        ["vblank", "start_irq", "CPU0", "<Interrupt> vblank"],
      ]);
      expect(t.blocked.map((b) => [b.cpu, b.on, b.interrupted, b.waitsFor, b.heldBy])).toEqual([
        ["CPU0", undefined, true, "vblank (the interrupt on top of it) to return", []],
        ["vblank", "CPU0", false, "event_lock", ["CPU0"]],
      ]);
    });
  });
});
