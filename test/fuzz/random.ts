/**
 * Seeded pseudo-random numbers for the fuzzer: sfc32 seeded through splitmix32, so a campaign seed and an iteration
 * number give the same input on every machine. No Math.random anywhere in the fuzzer.
 */

/** splitmix32 step: spreads a 32-bit seed over the state words. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** A 32-bit seed for iteration `index` of a campaign with `seed`, independent of every other iteration. */
export function iterationSeed(seed: number, index: number): number {
  let [state, value] = splitmix32(seed >>> 0);
  [state, value] = splitmix32((state ^ Math.imul(index + 1, 0x27d4eb2d)) | 0);
  return (value ^ (state >>> 3)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const words: number[] = [];
    for (let index = 0; index < 4; index++) {
      let value: number;
      [state, value] = splitmix32(state);
      words.push(value);
    }
    [this.a, this.b, this.c, this.d] = words;
    for (let index = 0; index < 12; index++) this.next();
  }

  /** Uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    if (bound <= 1) return 0;
    return Math.floor((this.next() / 0x100000000) * bound);
  }

  /** Uniform integer in [low, high]. */
  range(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  chance(probability: number): boolean {
    return this.next() / 0x100000000 < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)];
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((sum, [weight]) => sum + weight, 0);
    let ticket = (this.next() / 0x100000000) * total;
    for (const [weight, value] of items) {
      ticket -= weight;
      if (ticket < 0) return value;
    }
    return items[items.length - 1][1];
  }

  /** A random subset of at least one element (in the original order). */
  subset<T>(items: readonly T[]): T[] {
    if (items.length === 0) return [];
    const probability = this.pick([0.1, 0.5, 1]);
    const chosen = items.filter(() => this.chance(probability));
    return chosen.length > 0 ? chosen : [this.pick(items)];
  }
}
