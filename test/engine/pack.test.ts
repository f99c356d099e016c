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
import { explore } from "../../server/src/engine/explore";
import { CpuStatus, Layout } from "../../server/src/engine/state";
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
