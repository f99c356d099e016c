// Merged chains (docs/ARCHITECTURE.md "Reduction"): from a step's target,
// the search follows the states through which the reduced search would
// expand exactly one CPU with one choice, without storing them, to the
// first state that is not one; the edge then weighs its steps. Chains
// that meet are walked once, mostly: a bounded cache remembers, for each
// state a chain passed through, the stored state its chain ended in.

import { workState, type Packer, type WorkState } from "../pack";
import { StepResult, type Layout } from "../state";
import type { StateStore } from "../store";

/** Sampling: where under 1 in SAMPLE new states over the last WINDOW let a chain through, stop asking. */
const WINDOW = 1024;
const SAMPLE = 16;

/** Where a chain ended. */
export interface ChainEnd {
  /** The stored state it ended in, or -1: a new state, packed in `Chains.key` (the store's last lookup missed it). */
  to: number;
  steps: number;
  /** The CPUs that stepped along it (the first step's included). */
  moved: number;
  /** The state it ended in was analysed (chainStep ran on it, last): a new one needs no second analysis. */
  analysed: boolean;
  /** Which of the two work states passed to follow() holds the state it ended in. */
  state: WorkState;
}

export class Chains {
  /** The packed form of the state the last chain ended in. */
  readonly key: Int32Array;
  /** Steps taken inside chains. */
  steps = 0;
  private readonly cache: ChainCache;
  private cacheEpoch = 0;
  private readonly keys: Int32Array;
  private readonly passedAt: Int32Array;
  private readonly passedCpu: Int32Array;
  private readonly passedHash: Int32Array;
  private passed = 0;
  /** The one ChainEnd follow() fills and returns (read before the next call). */
  private readonly end: ChainEnd;
  /** The CPUs that step after a chain-cache hit. */
  private tail = 0;
  // Finding out whether a chain passes a new state costs its analysis, and
  // then again when it is expanded; where chains are rare, new states are
  // stored without asking but for 1 in SAMPLE, which keeps measuring.
  // Storing a state a chain could pass is always allowed.
  private chaining = true;
  private tries = 0;
  private hits = 0;
  private skipped = 0;
  /** Whether the last sampledStep asked chainStep. */
  private asked = false;

  constructor(
    private readonly layout: Layout,
    private readonly packer: Packer,
    private readonly store: StateStore,
    /** The CPU a chain steps in `st`, or -1 where it stops (a function of the state, so replay follows it). */
    private readonly chainStep: (st: Uint8Array) => number,
    sites: number,
  ) {
    const w = packer.words;
    this.key = new Int32Array(w);
    this.cache = new ChainCache(w);
    this.keys = new Int32Array((sites + 1) * w);
    this.passedAt = new Int32Array(sites + 1);
    this.passedCpu = new Int32Array(sites + 1);
    this.passedHash = new Int32Array(sites + 1);
    this.end = { to: -1, steps: 1, moved: 0, analysed: false, state: workState(0) }; // state: set by each follow()
  }

  /**
   * Follows the chain from `x`, the state a first step by CPU `cpu` led to
   * from `cur` (packed in `curPacked`); `spare` is scratch. `epoch` changes
   * when what chains do changes (goals closing).
   */
  follow(curPacked: Int32Array, cur: WorkState, x: WorkState, spare: WorkState, cpu: number, epoch: number): ChainEnd {
    this.cache.fit(this.store.count);
    if (epoch !== this.cacheEpoch) {
      this.cache.clear();
      this.cacheEpoch = epoch;
    }
    this.passed = 0;
    this.tail = 0;
    const end = this.end;
    end.to = -1;
    end.steps = 1;
    end.moved = 1 << cpu;
    end.analysed = false;
    for (; ; end.steps++) {
      this.packer.packDelta(curPacked, cur, x, this.key);
      if (this.ends(end)) break;
      const e = this.sampledStep(x.bytes, end.steps === 1);
      end.analysed = this.asked;
      if (e < 0) break;
      for (let w = 0; w < x.words.length; w++) spare.words[w] = x.words[w]!;
      // A failing step ends the chain before it: the state it fails in is stored.
      if (this.layout.step(spare.bytes, e, 0) !== StepResult.Ok) break;
      this.steps++;
      this.keys.set(this.key, this.passed * this.key.length);
      this.passedAt[this.passed] = end.steps;
      this.passedHash[this.passed] = this.store.lastHash;
      this.passedCpu[this.passed++] = e;
      end.moved |= 1 << e;
      [x, spare] = [spare, x];
    }
    end.state = x;
    return end;
  }

  /** Does the chain end at the state in `key`: stored already, or cached? */
  private ends(end: ChainEnd): boolean {
    // A stored state ends the chain: nothing to work out about it.
    const known = this.store.find(this.key);
    if (known >= 0) {
      end.to = known;
      return true;
    }
    const hit = this.cache.get(this.key, this.store.lastHash);
    if (hit < 0) return false;
    // Another chain went on from here: it ends where this one would.
    end.to = this.cache.end[hit]!;
    end.steps += this.cache.steps[hit]!;
    this.tail = this.cache.moved[hit]!;
    end.moved |= this.tail;
    return true;
  }

  /** chainStep, or -1 without asking where chains are rare (for a chain's first state only). */
  private sampledStep(st: Uint8Array, first: boolean): number {
    this.asked = false;
    if (first && !this.chaining && ++this.skipped % SAMPLE !== 0) return -1;
    this.asked = true;
    const e = this.chainStep(st);
    if (!first) return e;
    this.tries++;
    if (e >= 0) this.hits++;
    if (this.tries === WINDOW) {
      this.chaining = this.hits * SAMPLE >= this.tries;
      this.tries = this.hits = 0;
    }
    return e;
  }

  /** The chain last followed ended in stored state `to`, after `steps`: remember it for each state it passed. */
  remember(to: number, steps: number): void {
    let tail = this.tail;
    for (let i = this.passed - 1; i >= 0; i--) this.passedCpu[i] = tail |= 1 << this.passedCpu[i]!;
    const w = this.key.length;
    for (let i = 0; i < this.passed; i++) this.cache.set(this.keys, i * w, this.passedHash[i]!, to, steps - this.passedAt[i]!, this.passedCpu[i]!);
  }
}

/**
 * A direct-mapped cache: packed state → the stored state its chain ends in
 * and how many steps away. A later entry evicts an earlier one in its slot.
 */
class ChainCache {
  private static readonly MAX_BITS = 16;
  private bits = 0;
  private keys = new Int32Array(0);
  end = new Int32Array(0);
  steps = new Int32Array(0);
  /** The CPUs that step along the rest of the chain. */
  moved = new Int32Array(0);

  constructor(private readonly words: number) {
    this.resize(10);
  }

  /** Grows with the search (1,024 to 65,536 slots), starting empty again. */
  fit(stored: number): void {
    if (this.bits < ChainCache.MAX_BITS && stored > 1 << this.bits) this.resize(Math.min(ChainCache.MAX_BITS, this.bits + 2));
  }

  private resize(bits: number): void {
    const n = 1 << bits;
    this.bits = bits;
    this.keys = new Int32Array(n * this.words);
    this.end = new Int32Array(n).fill(-1);
    this.steps = new Int32Array(n);
    this.moved = new Int32Array(n);
  }

  /** A slot from the store's hash of the key (its table uses the low bits: take the high ones of a remix). */
  private slot(hash: number): number {
    return Math.imul(hash ^ (hash >>> 16), 0x2c1b3c6d) >>> (32 - this.bits);
  }

  /** The slot holding `key` (whose store hash is `hash`), or -1. */
  get(key: Int32Array, hash: number): number {
    const s = this.slot(hash);
    if (this.end[s]! < 0) return -1;
    const at = s * this.words;
    for (let i = 0; i < this.words; i++) if (this.keys[at + i] !== key[i]) return -1;
    return s;
  }

  /** Caches the key at `keys[off…]` (store hash `hash`). */
  set(keys: Int32Array, off: number, hash: number, end: number, steps: number, moved: number): void {
    const s = this.slot(hash);
    for (let i = 0; i < this.words; i++) this.keys[s * this.words + i] = keys[off + i]!;
    this.end[s] = end;
    this.steps[s] = steps;
    this.moved[s] = moved;
  }

  clear(): void {
    this.end.fill(-1);
  }
}
