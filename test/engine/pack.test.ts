// State packing is lossless: every reachable state of the samples, of the
// stress scenarios' kinds of lock and of a slice of the differential corpus
// unpacks to exactly the bytes it was packed from (so no two states share a
// packed form), even into a buffer full of leftovers from another state.
// And it is compact: the bit widths come from what the code can do.

import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { philosophers } from "../../bench/generate";
import { analyzeFrontEnd } from "../../server/src/analysis";
import { compile } from "../../server/src/engine/compile";
import type { Model } from "../../server/src/engine/model";
import { Packer, workState } from "../../server/src/engine/pack";
import { explore, problemDepth } from "../../server/src/engine/explore";
import { CpuStatus, Layout } from "../../server/src/engine/state";
import { PC_DONE, PC_STOPPED_FLAG } from "../../server/src/engine/model";
import { generateScenario } from "../differential/generate";
import { listRace, read, samplesDir } from "../helpers";

function model(text: string): Model {
  const fe = analyzeFrontEnd(text);
  expect(fe.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return compile(fe.program.ast, fe.checked!.scope);
}

/** Every reachable state round-trips; returns how many there are. */
function roundTrips(m: Model): number {
  const layout = new Layout(m);
  const packer = new Packer(layout);
  const words = new Int32Array(packer.words);
  const back = workState(layout.size);
  const seen = new Set<string>();
  const queue: Uint8Array[] = [layout.initial()];
  seen.add(queue[0]!.join());
  const waitsFor = new Int32Array(m.cpus.length);
  while (queue.length > 0) {
    const st = queue.pop()!;
    packer.pack(st, words);
    back.bytes.fill(0xa5);
    packer.unpack(words, back.bytes);
    expect(Array.from(back.bytes.subarray(0, layout.size))).toEqual(Array.from(st));
    for (let c = 0; c < m.cpus.length; c++) {
      if (layout.status(st, c, waitsFor) !== CpuStatus.Enabled) continue;
      for (let k = 0; k < layout.choices(st, c); k++) {
        const next = st.slice();
        layout.step(next, c, k);
        const key = next.join();
        if (!seen.has(key)) {
          seen.add(key);
          queue.push(next);
        }
      }
    }
  }
  return seen.size;
}

describe("packing round-trips every reachable state", () => {
  for (const file of listRace(samplesDir)) {
    it(file, () => {
      const m = model(read(join(samplesDir, file)));
      expect(roundTrips(m)).toBe(explore(m, { reduce: false }).stats.states);
    });
  }

  it("recursive mutexes, rwsems read and written, trylock, failed steps", () => {
    const m = model(`
      recursive mutex r
      rwsem s
      mutex m
      var x = 0
      cpu C0 { lock r; lock r; rlock s; rlock s; x = x + 1; runlock s; runlock s; unlock r; unlock r; unlock r }
      cpu C1 { lock s; x = 120; x = x + 10; unlock s; if trylock m { unlock m } else { x = 1 } }
      cpu C2 { rlock s; assert x == 0 "x stays 0"; runlock s; lock m }
    `);
    // 45 states, among them CPUs stopped by a violation, an overflow and a bad unlock.
    expect(roundTrips(m)).toBe(explore(m, { reduce: false }).stats.states);
  });

  it("rtrylock (reader counts of CPUs that only read-trylock), trylock loops and locals", () => {
    const m = model(`
      rwsem s
      mutex m
      cpu C0 { var n = 0; if rtrylock s { n = 1; runlock s } while !trylock m { n = 2 } unlock m }
      cpu C1 { lock s; if trylock m { unlock m } unlock s }
      cpu C2 { while rtrylock s { runlock s; return } }
    `);
    expect(roundTrips(m)).toBe(explore(m, { reduce: false }).stats.states);
  });

  it("differential corpus, seeds 1–40", () => {
    for (let seed = 1; seed <= 40; seed++) roundTrips(model(generateScenario(seed)));
  });
});

describe("packing is compact", () => {
  it("a ring philosopher's lock is owned by one of two CPUs: 2 bits, no depth bit", () => {
    const m = model(philosophers(16, false));
    const packer = new Packer(new Layout(m));
    // 16 pcs of 3 bits (4 statements, done, stopped at either unlock) and 16 two-bit owners.
    expect(packer.bits).toBe(16 * 3 + 16 * 2);
    expect(packer.words).toBe(3);
  });

  it("ring-16, reduced: at most 32 bytes per stored state in the store (the graph kept for the stuck analysis and the queue's per-state arrays come on top)", () => {
    const r = explore(model(philosophers(16, false)));
    expect(r.stats.complete).toBe(true);
    expect(r.store.bytesPerState).toBeLessThanOrEqual(32);
    const extra = r.stats.bytesPerState - r.store.bytesPerState - r.graph!.bytes / r.stats.states;
    // The queue's distances (4 bytes a state, grown by doubling) and its expanded bits.
    expect(extra).toBeGreaterThanOrEqual(4);
    expect(extra).toBeLessThanOrEqual(12);
  });
});

describe("in the reduced searches a plain CPU stopped at an error packs as one that finished", () => {
  const text = `
    var x = 0
    workqueue wq
    work w on wq { assert x == 0 "the work sees x at 0" }
    cpu C0 { x = 1; assert x == 2 "C0 sees its own write" }
    cpu C1 { queue_work w; x = 1 }
  `;

  it("a CPU stopped at its assert and the same CPU finished pack alike; unpacked, it has finished", () => {
    const m = model(text);
    const layout = new Layout(m);
    const c0 = m.cpus.findIndex((c) => c.name === "C0");
    const st = layout.initial();
    layout.step(st, c0, 0); // x = 1
    layout.step(st, c0, 0); // the assert fails: C0 stops
    expect(layout.pc(st, c0) & PC_STOPPED_FLAG).toBe(PC_STOPPED_FLAG);
    const done = st.slice();
    layout.setPc(done, c0, PC_DONE);

    const alike = new Packer(layout, true);
    const [a, b] = [new Int32Array(alike.words), new Int32Array(alike.words)];
    alike.pack(st, a);
    alike.pack(done, b);
    expect(Array.from(a)).toEqual(Array.from(b));
    const back = workState(layout.size);
    alike.unpack(a, back.bytes);
    expect(layout.pc(back.bytes, c0)).toBe(PC_DONE);

    // The full search's packing keeps them apart.
    const exact = new Packer(layout);
    exact.pack(st, a);
    exact.pack(done, b);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });

  it("a work item stopped at its assert stays stopped (it never reaches PC_DONE: its end goes back to its start)", () => {
    const m = model(text);
    const layout = new Layout(m);
    const [w, c1] = [m.cpus.findIndex((c) => c.kind === "work"), m.cpus.findIndex((c) => c.name === "C1")];
    const st = layout.initial();
    layout.step(st, c1, 0); // queue_work w
    layout.step(st, c1, 0); // x = 1
    while (!(layout.pc(st, w) & PC_STOPPED_FLAG)) layout.step(st, w, 0); // start w, then the assert fails
    const packer = new Packer(layout, true);
    const words = new Int32Array(packer.words);
    packer.pack(st, words);
    const back = workState(layout.size);
    packer.unpack(words, back.bytes);
    expect(layout.pc(back.bytes, w)).toBe(layout.pc(st, w));
  });

  it("the reduced search reports the same as the full one, from fewer states", () => {
    // C0 fails its assert when it runs between C1's writes and finishes
    // otherwise; after either, C1's later steps reach the same states.
    const m = model(`
      var x = 0
      cpu C0 { assert x == 0 "C0 runs while x is 0" }
      cpu C1 { x = 1; x = 0; x = 2; x = 0 }
    `);
    const reduced = explore(m);
    const full = explore(m, { reduce: false });
    const found = (r: typeof reduced): string[] => r.problems.map((p) => `${p.kind} ${p.key} in ${problemDepth(r, p)} steps`);
    expect(found(reduced)).toEqual(found(full));
    expect(found(reduced)).toHaveLength(1);
    expect(found(reduced)[0]).toMatch(/ in 2 steps$/);
    // 8 reduced states if C0 stopped kept its pc: (C0 stopped, C1 at its
    // third write, x = 0) and (C0 finished, the same) are one state here.
    expect([reduced.stats.states, full.stats.states]).toEqual([7, 14]);
  });
});
