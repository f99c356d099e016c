// The pictures: the lock-order graph of a three-lock cycle laid out by
// dagre (every lock a node, every edge coloured by its cycle, clickable to
// its site), and a deadlock trace as swimlanes (bars over the steps each
// lock is held, wait edges at the end). Both stay inside the webview's CSP:
// no inline style attributes, no remote references.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { edgeStatuses, renderLockGraphSvg, renderSwimlaneSvg, type LockGraphInput } from "../../client/src/pictures";
import { analyze } from "../../server/src/analysis";
import { LineIndex } from "../../server/src/language/span";
import { locateStep } from "../../server/src/engine/trace";
import { fixturesDir, handDir, read, samplesDir } from "../helpers";

function graphOf(file: string): LockGraphInput {
  const text = read(file);
  const a = analyze(text);
  const lines = new LineIndex(text);
  const g = a.report!.lockGraph;
  return { locks: g.locks, edges: g.edges.map((e) => ({ from: e.from, to: e.to, sites: e.sites.map((s) => ({ cpu: s.cpu, range: lines.range(s.span) })) })), inversions: g.inversions };
}

const attrs = (svg: string, tag: string, attr: string): string[] => [...svg.matchAll(new RegExp(`<${tag}[^>]*\\b${attr}="([^"]*)"`, "g"))].map((m) => m[1]!);

describe("the lock-order graph, drawn", () => {
  const threeLocks = graphOf(join(fixturesDir, "editor", "three-lock-cycle.race"));
  const svg = renderLockGraphSvg(threeLocks);

  it("draws the three locks as nodes at distinct places and the three edges of the cycle as confirmed", () => {
    expect(attrs(svg, "g", "data-lock")).toEqual(["rtnl", "device_lock", "rescan"]);
    const places = [...svg.matchAll(/<g class="node"[^>]*><rect x="([\d.]+)" y="([\d.]+)"/g)].map((m) => `${m[1]},${m[2]}`);
    expect(new Set(places).size).toBe(3);
    expect([...svg.matchAll(/<g class="edge (\w+)" data-from="(\w+)" data-to="(\w+)"/g)].map((m) => `${m[2]}→${m[3]} ${m[1]}`)).toEqual([
      "rtnl→device_lock confirmed",
      "device_lock→rescan confirmed",
      "rescan→rtnl confirmed",
    ]);
    // Each edge is a laid-out curve ending in the arrow of its colour.
    expect(attrs(svg, "path", "marker-end")).toEqual(["url(#arrow-confirmed)", "url(#arrow-confirmed)", "url(#arrow-confirmed)"]);
    expect(attrs(svg, "path class=\"link\"", "d").every((d) => /^M[\d.]+,[\d.]+ (Q|L)/.test(d))).toBe(true);
  });

  it("labels each edge with its sites, each a link to its line", () => {
    expect([...svg.matchAll(/<text class="site link"[^>]*data-line="(\d+)"[^>]*>([^<]*)</g)].map((m) => `${m[2]} @${m[1]}`)).toEqual(["CPU0 · line 9 @8", "CPU1 · line 10 @9", "CPU2 · line 11 @10"]);
  });

  it("keeps to the CSP: no style attributes, scripts or remote references", () => {
    expect(svg).not.toMatch(/\sstyle=|<script|href="http/);
  });

  it("colours unreached and gated cycles differently from confirmed ones", () => {
    expect([...edgeStatuses(graphOf(join(handDir, "v10-remove-vs-unbind.race"))).values()]).toEqual(["unreached", "unreached"]);
    const gated = edgeStatuses({
      locks: ["A", "B", "G"],
      edges: [
        { from: "G", to: "A", sites: [] },
        { from: "A", to: "B", sites: [] },
        { from: "B", to: "A", sites: [] },
      ],
      inversions: [{ locks: ["A", "B"], status: "gated" }],
    });
    expect(Object.fromEntries([...gated].map(([k, v]) => [k.replace("\u0000", "→"), v]))).toEqual({ "G→A": "plain", "A→B": "gated", "B→A": "gated" });
  });
});

describe("a trace, drawn as swimlanes", () => {
  const text = read(join(handDir, "v9-remove-vs-unbind.race"));
  const a = analyze(text);
  const lines = new LineIndex(text);
  const p = a.report!.problems[0]!;
  const svg = renderSwimlaneSvg({
    cpus: ["CPU0", "CPU1"],
    steps: p.trace.map((s) => ({ ...locateStep(s, lines), error: s.error })),
    blocked: p.sites.map((s) => ({ cpu: s.cpu, action: s.action, waitsFor: s.waitsFor, heldBy: s.heldBy })),
  });

  it("has a lane per CPU and a bar per lock over the steps it is held", () => {
    expect([...svg.matchAll(/<text class="lane-name"[^>]*>(\w+)</g)].map((m) => m[1])).toEqual(["CPU0", "CPU1"]);
    // CPU0 takes rescan_remove at step 1, CPU1 device_lock[pf] at step 2; both hold them to the end.
    expect([...svg.matchAll(/<title>([^<]*holds[^<]*)<\/title>/g)].map((m) => m[1])).toEqual([
      "CPU0 holds rescan_remove after steps 1–3 (still at the end)",
      "CPU1 holds device_lock[pf] after steps 2–3 (still at the end)",
    ]);
    expect(attrs(svg, "circle", "data-step")).toEqual(["0", "1", "2"]);
  });

  it("draws each blocked CPU's wait for the lock the other holds", () => {
    expect([...svg.matchAll(/<g class="wait"><title>([^<]*)</g)].map((m) => m[1])).toEqual(["CPU0 waits for device_lock[pf], held by CPU1", "CPU1 waits for rescan_remove, held by CPU0"]);
    expect(svg).not.toMatch(/\sstyle=|<script/);
  });

  it("draws the wait for a reader/writer lock held in a mode", () => {
    const rw = renderSwimlaneSvg({
      cpus: ["W", "R"],
      steps: [
        { cpu: "W", action: "lock s", held: { W: ["s (write)"], R: [] }, error: undefined },
        { cpu: "R", action: "lock m", held: { W: ["s (write)"], R: ["m"] }, error: undefined },
      ],
      blocked: [{ cpu: "R", action: "rlock s", waitsFor: "s", heldBy: ["W"] }],
    });
    expect([...rw.matchAll(/<g class="wait"><title>([^<]*)</g)].map((m) => m[1])).toEqual(["R waits for s, held by W"]);
  });
});

describe("a trace through an interrupt handler, drawn as swimlanes (§10)", () => {
  // vblank, on CPU0, takes B then waits for A; CPU1 holds A and waits for B.
  const text = "spinlock A\nspinlock B\nirq vblank on CPU0 {\n  lock B\n  lock A\n  unlock A\n  unlock B\n}\ncpu CPU0 { }\ncpu CPU1 {\n  lock A\n  lock B\n  unlock B\n  unlock A\n}\n";
  const a = analyze(text);
  const lines = new LineIndex(text);
  const p = a.report!.problems[0]!;
  const svg = renderSwimlaneSvg({
    cpus: ["CPU0", "CPU1"],
    steps: p.trace.map((s) => ({ ...locateStep(s, lines), error: s.error, on: s.on })),
    blocked: p.sites.map((s) => ({ cpu: s.cpu, action: s.action, waitsFor: s.waitsFor, heldBy: s.heldBy, on: s.on })),
  });
  const laneY = (name: string): number => Number(new RegExp(`<text class="lane-name" x="8" y="([\\d.]+)">${name}<`).exec(svg)![1]);

  it("has no lane for the handler: its steps are marks on CPU0's lane, inside an <Interrupt> band to the end", () => {
    expect([...svg.matchAll(/<text class="lane-name"[^>]*>(\w+)</g)].map((m) => m[1])).toEqual(["CPU0", "CPU1"]);
    expect(p.trace.map((s) => s.cpu)).toEqual(["vblank", "CPU1", "vblank"]);
    const marks = [...svg.matchAll(/<circle class="step( irq)?[^"]*" data-step="(\d)" cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => `${m[2]}${m[1] ? " irq" : ""} @${Number(m[3]) + 6}`);
    expect(marks).toEqual([`0 irq @${laneY("CPU0")}`, `2 irq @${laneY("CPU0")}`, `1 @${laneY("CPU1")}`]);
    expect([...svg.matchAll(/<g class="irq-band" data-handler="(\w+)"><title>([^<]*)</g)].map((m) => `${m[1]}: ${m[2]}`)).toEqual([
      "vblank: &lt;Interrupt&gt; vblank runs on top of CPU0 from step 1 to the end; CPU0 cannot step meanwhile",
    ]);
  });

  it("draws the lock the handler holds as a bar of CPU0's lane, named by the handler, and both waits", () => {
    expect([...svg.matchAll(/<title>([^<]*holds[^<]*)<\/title>/g)].map((m) => m[1])).toEqual([
      "vblank (&lt;Interrupt&gt; on CPU0) holds B after steps 3–3 (still at the end)",
      "CPU1 holds A after steps 2–3 (still at the end)",
    ]);
    expect([...svg.matchAll(/<g class="held( irq)?"><title>(\w+)/g)].map((m) => `${m[2]}${m[1] ?? ""}`)).toEqual(["vblank irq", "CPU1"]);
    expect([...svg.matchAll(/<g class="wait"><title>([^<]*)</g)].map((m) => m[1])).toEqual(["CPU1 waits for B, held by vblank", "vblank waits for A, held by CPU1"]);
    expect(svg).not.toMatch(/\sstyle=|<script/);
  });
});

describe("lockdep's pseudo-locks drawn (§9): p2sb's flush_work under the rescan lock", () => {
  const path = join(samplesDir, "p2sb-rescan-flush-work-5913320eb0b3.race");
  const text = read(path);
  const a = analyze(text, { source: { path } });
  const lines = new LineIndex(text);

  it("draws (wq_completion) and (work_completion) as nodes, the cycle through the work item confirmed", () => {
    const svg = renderLockGraphSvg(graphOf(path));
    expect(attrs(svg, "g", "data-lock")).toEqual(["pci_rescan_remove_lock", "(wq_completion)events", "(work_completion)(&amp;wfc)"]);
    expect([...svg.matchAll(/<g class="edge (\w+)" data-from="([^"]+)" data-to="([^"]+)"/g)].map((m) => `${m[2]}→${m[3]} ${m[1]}`)).toEqual([
      "pci_rescan_remove_lock→(work_completion)(&amp;wfc) confirmed",
      "(wq_completion)events→pci_rescan_remove_lock plain",
      "(work_completion)(&amp;wfc)→pci_rescan_remove_lock confirmed",
    ]);
  });

  it("gives the work item a lane of its own, its pseudo-locks as bars, and both waits", () => {
    const p = a.report!.problems[0]!;
    const svg = renderSwimlaneSvg({
      cpus: ["CPU0", "wfc"],
      steps: p.trace.map((s) => ({ ...locateStep(s, lines), error: s.error })),
      blocked: p.sites.map((s) => ({ cpu: s.cpu, action: s.action, waitsFor: s.waitsFor, heldBy: s.heldBy })),
    });
    expect([...svg.matchAll(/<text class="lane-name"[^>]*>(\w+)</g)].map((m) => m[1])).toEqual(["CPU0", "wfc"]);
    expect([...svg.matchAll(/<title>([^<]*holds[^<]*)<\/title>/g)].map((m) => m[1])).toEqual([
      "CPU0 holds pci_rescan_remove_lock after steps 1–4 (still at the end)",
      "wfc holds (wq_completion)events after steps 4–4 (still at the end)",
      "wfc holds (work_completion)(&amp;wfc) after steps 4–4 (still at the end)",
    ]);
    expect([...svg.matchAll(/<g class="wait"><title>([^<]*)</g)].map((m) => m[1])).toEqual([
      "CPU0 waits for (work_completion)(&amp;wfc), held by wfc",
      "wfc waits for pci_rescan_remove_lock, held by CPU0",
    ]);
  });
});

describe("swimlanes of waits on threads that hold nothing for them (race-language.md §9)", () => {
  function swimlanes(file: string): string {
    const text = read(join(samplesDir, file));
    const a = analyze(text);
    const lines = new LineIndex(text);
    const p = a.report!.problems[0]!;
    const cpus = [...new Set([...p.trace.map((s) => s.cpu), ...p.sites.map((s) => s.cpu)])];
    return renderSwimlaneSvg({
      cpus,
      steps: p.trace.map((s) => ({ ...locateStep(s, lines), error: s.error })),
      blocked: p.sites.map((s) => ({ cpu: s.cpu, action: s.action, waitsFor: s.waitsFor, heldBy: s.heldBy, waitsOn: [...(s.pending ?? []), ...(s.waitsOn ?? [])] })),
    });
  }
  const waits = (svg: string): string[] => [...svg.matchAll(/<g class="wait"><title>([^<]*)</g)].map((m) => m[1]!);

  it("kthread_stop: an arrow from the stopper to the kthread's lane, beside the kthread's wait for the lock", () => {
    expect(waits(swimlanes("pvrusb2-nested-kthread-stop-18ecbb4771eb.race"))).toEqual(["A waits for ctl to exit (on ctl)", "ctl waits for kthread_stop_lock, held by A"]);
  });

  it("a flush of a work item still pending on an ordered queue: an arrow to the item's lane", () => {
    expect(waits(swimlanes("nvmet-ordered-flush-2922e3507f6d.race"))).toEqual([
      "async_event_work waits for (wq_completion)nvmet_wq, held by release_work",
      "release_work waits for (work_completion)(&amp;async_event_work) (on async_event_work)",
    ]);
  });
});
