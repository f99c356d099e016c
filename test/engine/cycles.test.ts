// The lock-order graph's cycle search: the same cycles in the same order as
// a plain search of every path, without walking paths that lead nowhere;
// bounded by a cap, a work budget, a deadline and cancellation. Work is
// counted, not timed.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { elementaryCycles, MAX_CYCLES } from "../../server/src/engine/cycles";
import { run } from "../helpers";

/** The search lockgraph.ts used before: every path from each start, neighbours in increasing order. */
function plainCycles(adjacency: readonly (readonly number[])[], cap: number): number[][] {
  const cycles: number[][] = [];
  for (let start = 0; start < adjacency.length && cycles.length < cap; start++) {
    const path = [start];
    const onPath = new Set([start]);
    const dfs = (v: number): void => {
      for (const w of adjacency[v]!) {
        if (cycles.length >= cap) return;
        if (w === start) cycles.push([...path]);
        else if (w > start && !onPath.has(w)) {
          path.push(w);
          onPath.add(w);
          dfs(w);
          path.pop();
          onPath.delete(w);
        }
      }
    };
    dfs(start);
  }
  return cycles;
}

const graph = (n: number, edges: readonly [number, number][]): number[][] => {
  const adjacency: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) if (!adjacency[a % n]!.includes(b % n)) adjacency[a % n]!.push(b % n);
  return adjacency.map((s) => s.sort((x, y) => x - y));
};

/** Every edge i → j with i < j: what one CPU taking n nested locks draws. No cycle, 2^(n-2) paths from 0 to n-1. */
const nested = (n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n - i - 1 }, (_, k) => i + 1 + k));
/** Every edge i → j with i != j: as many cycles as there are sequences of distinct vertices. */
const complete = (n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => j).filter((j) => j !== i));

describe("lock-order cycles", () => {
  it("are the plain search's cycles, in its order, each once from its smallest lock", () => {
    const graphs = fc.integer({ min: 1, max: 9 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 })));
    fc.assert(
      fc.property(graphs, fc.constantFrom(3, MAX_CYCLES), ([n, edges], cap) => {
        const adjacency = graph(n, edges);
        const search = elementaryCycles(adjacency, {}, cap);
        const plain = plainCycles(adjacency, cap + 1);
        expect(search.cycles).toEqual(plain.slice(0, cap));
        expect(search.complete).toBe(plain.length <= cap);
        expect(search.stoppedBy).toBe(plain.length <= cap ? undefined : "cap");
      }),
      { numRuns: 600, seed: 9 },
    );
  });

  it("keep: only the cycles it keeps are listed and count toward the cap, the others still found", () => {
    // (lockgraph.ts keeps lockdep's strong cycles: a graph full of weak ones must not crowd the strong ones out.)
    const graphs = fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 25 })));
    fc.assert(
      fc.property(graphs, fc.constantFrom(2, MAX_CYCLES), ([n, edges], cap) => {
        const adjacency = graph(n, edges);
        const even = (c: readonly number[]): boolean => c.length % 2 === 0;
        const search = elementaryCycles(adjacency, { keep: even }, cap);
        const plain = plainCycles(adjacency, 1_000_000).filter(even);
        expect(search.cycles).toEqual(plain.slice(0, cap));
        expect(search.stoppedBy).toBe(plain.length <= cap ? undefined : "cap");
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  it("finds no cycle among 28 nested locks without walking their 2^26 paths", () => {
    const search = elementaryCycles(nested(28));
    expect(search).toMatchObject({ cycles: [], complete: true, stoppedBy: undefined });
    // Each edge looked at once per start at most, plus setting up.
    expect(search.work).toBeLessThan(2 * 28 * 28);
  });

  it("one CPU taking 28 nested locks: an empty lock-order graph of inversions, complete", () => {
    const names = Array.from({ length: 28 }, (_, i) => `L${i}`);
    const text = names.map((n) => `mutex ${n}\n`).join("") + `cpu C { ${names.map((n) => `lock ${n}`).join("; ")}; ${[...names].reverse().map((n) => `unlock ${n}`).join("; ")} }\n`;
    const a = run(text, { timeoutMs: 2000 });
    expect(a.verdict).toBe("safe");
    expect(a.report!.lockGraph.edges).toHaveLength((28 * 27) / 2);
    expect(a.report!.lockGraph.inversions).toEqual([]);
    expect(a.report!.lockGraph.cyclesComplete).toBe(true);
  });

  it("stops at the cap on a dense graph, says so, and its work is bounded by the cycles it found", () => {
    const adjacency = complete(9); // hundreds of thousands of elementary cycles
    const search = elementaryCycles(adjacency);
    expect(search.cycles).toHaveLength(MAX_CYCLES);
    expect(search).toMatchObject({ complete: false, stoppedBy: "cap" });
    expect(search.cycles).toEqual(plainCycles(adjacency, MAX_CYCLES));
    const size = 9 + 9 * 8;
    expect(search.work).toBeLessThan((MAX_CYCLES + 2) * size * 3);
  });

  it("a dense lock-order graph from a scenario stops at the cap and says so", () => {
    // CPU i takes the six locks nested, starting from the i-th: every
    // ordered pair of locks is an edge (409 elementary cycles).
    const locks = Array.from({ length: 6 }, (_, i) => `L${i}`);
    const order = (i: number): string[] => locks.map((_, k) => locks[(i + k) % locks.length]!);
    const cpus = locks.map((_, i) => `cpu C${i} { ${order(i).map((l) => `lock ${l}`).join("; ")}; ${order(i).reverse().map((l) => `unlock ${l}`).join("; ")} }`);
    const a = run(locks.map((l) => `mutex ${l}\n`).join("") + cpus.join("\n") + "\nexpect deadlock\n");
    const g = a.report!.lockGraph;
    expect(g.edges).toHaveLength(6 * 5);
    expect(g.inversions).toHaveLength(MAX_CYCLES);
    expect(g).toMatchObject({ cyclesComplete: false, cyclesStoppedBy: "cap" });
    // The user is told, not only the JSON.
    expect(a.diagnostics.find((d) => d.code === "RACE111")?.message).toBe("Only 100 lock-order cycles were listed: the search for them stopped (at most 100 are listed); others may exist, unreported.");
  });

  it("stops at its work budget, its deadline and on cancellation", () => {
    const adjacency = complete(9);
    expect(elementaryCycles(adjacency, { workBudget: 50 })).toMatchObject({ complete: false, stoppedBy: "budget" });
    expect(elementaryCycles(adjacency, { deadline: performance.now() - 1 }, 1_000_000)).toMatchObject({ complete: false, stoppedBy: "time" });
    let polls = 0;
    const cancelled = elementaryCycles(adjacency, { isCancelled: () => ++polls > 2 }, 1_000_000);
    expect(cancelled).toMatchObject({ complete: false, stoppedBy: "cancelled" });
    expect(cancelled.work).toBeLessThan(4 * 1024);
  });

  it("handles a long cycle without deep recursion", () => {
    const n = 50_000;
    const ring = Array.from({ length: n }, (_, i) => [(i + 1) % n]);
    const search = elementaryCycles(ring);
    expect(search.complete).toBe(true);
    expect(search.cycles).toHaveLength(1);
    expect(search.cycles[0]).toHaveLength(n);
  });
});
