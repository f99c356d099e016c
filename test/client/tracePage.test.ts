// The trace view's page for a deadlock through an interrupt handler (§10),
// from the server's own race/trace payload: the handler has no column of
// its own; its `<Interrupt>` row and its steps are in its CPU's column,
// marked and indented, the CPU's header names it, and the last row shows
// the interrupted task under the handler that waits for the task's lock.

import { describe, expect, it } from "vitest";
import { DocumentState } from "../../server/src/lsp/documentState";
import { tracePayload, type TracePayload } from "../../server/src/lsp/payloads";
import { runCheck } from "../../server/src/worker";
import { renderTracePage } from "../../client/src/tracePage";

function payloadOf(text: string, index = 0): TracePayload {
  const s = new DocumentState("file:///t.race", 1, text);
  runCheck({ text, maxStates: 100_000, timeoutMs: 10_000 }, () => false, (sum) => (s.summary = sum));
  return tracePayload(s, index)!;
}

/** The trace table's rows, each as its cells' text (tags dropped), and the header cells. */
function table(html: string): { head: string[]; rows: string[][] } {
  const cells = (row: string, tag: string): string[] => [...row.matchAll(new RegExp(`<${tag}[^>]*>(.*?)</${tag}>(?=<${tag}|$)`, "g"))].map((m) => m[1]!.replace(/<div[^>]*>/g, " | ").replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").trim());
  const t = /<table id="trace">([\s\S]*?)<\/table>/.exec(html)![1]!;
  const head = cells(/<thead><tr>(.*?)<\/tr><\/thead>/.exec(t)![1]!, "th");
  const rows = [...t.matchAll(/<tr data-index="\d+"[^>]*>(.*?)<\/tr>/g)].map((m) => cells(m[1]!, "td"));
  return { head, rows };
}

describe("the trace view of a deadlock through a hardirq handler", () => {
  const text = "spinlock event_lock\nirq vblank on CPU0 {\n  lock event_lock\n  unlock event_lock\n}\ncpu CPU0 {\n  lock event_lock\n  unlock event_lock\n}\n";
  const html = renderTracePage(payloadOf(text));

  it("has one column, CPU0's, naming the handler that runs on it", () => {
    expect(table(html).head).toEqual(["#", "line", "CPU0 | ⚡ vblank (hardirq)"]);
  });

  it("puts the handler's <Interrupt> row in CPU0's column, marked, and the blocked row with the handler under the interrupted task", () => {
    expect(table(html).rows).toEqual([
      ["1", "7", "⬇ lock event_lock"],
      ["2", "2", "⚡ <Interrupt> vblank | hardirq on CPU0: CPU0 cannot step until it returns"],
      ["✗", "", "| ■ unlock event_lock | interrupted: waits for vblank (the interrupt on top of it) to return | vblank: ■ lock event_lock | waits for event_lock held by CPU0"],
    ]);
    expect(html).toContain('<td class="step interrupt" data-context="vblank">');
    expect(html).toContain('<div class="in-irq" data-context="vblank">');
  });

  it("lists the handler's held locks in the details under its CPU, named by its context", () => {
    expect(html).toContain('"threads":[{"name":"CPU0","title":"CPU0"},{"name":"vblank","title":"vblank (hardirq on CPU0)"}]');
  });

  it("draws the handler on CPU0's lane in the swimlanes, not a lane of its own", () => {
    expect([...html.matchAll(/<text class="lane-name"[^>]*>(\w+)</g)].map((m) => m[1])).toEqual(["CPU0"]);
    expect(html).toContain('<g class="irq-band" data-handler="vblank">');
  });
});

describe("the trace view of a handler that takes locks before it waits", () => {
  // vblank, on CPU0, takes B then waits for A; CPU1 holds A and waits for B.
  const text = "spinlock A\nspinlock B\nirq vblank on CPU0 {\n  lock B\n  lock A\n  unlock A\n  unlock B\n}\ncpu CPU0 { }\ncpu CPU1 {\n  lock A\n  lock B\n  unlock B\n  unlock A\n}\n";
  const p = payloadOf(text);
  const html = renderTracePage(p);

  it("indents the handler's own steps under its <Interrupt> row in CPU0's column; CPU1 keeps its own", () => {
    const { head, rows } = table(html);
    expect(head).toEqual(["#", "line", "CPU0 | ⚡ vblank (hardirq)", "CPU1"]);
    expect(rows.slice(0, -1).map((r) => r.slice(2))).toEqual(
      p.steps.map((s) => (s.cpu === "CPU1" ? ["", s.acquired ? `⬇ ${s.action}` : s.action] : [s.op === "start_irq" ? "⚡ <Interrupt> vblank | hardirq on CPU0: CPU0 cannot step until it returns" : `⬇ ${s.action}`, ""])),
    );
    expect(p.steps.filter((s) => s.cpu === "vblank").map((s) => s.action)).toEqual(["<Interrupt> vblank", "lock B"]);
    expect([...html.matchAll(/<td class="step acquire in-irq" data-context="vblank"/g)]).toHaveLength(1);
  });
});
