/**
 * The page table of a simulated process: virtual page number to PTE, stored as a two-level table so a walk costs the
 * pages present, never the width of the range.
 * Pure and deterministic: no clock, randomness, I/O or console.
 */
export interface Pte {
  pfn: number;
  writable: boolean;
}

/** Leaf size of the page table: 512 entries, as one x86-64 page-table page holds. */
const LEAF_BITS = 9;
const LEAF_SIZE = 1 << LEAF_BITS;

/**
 * A two-level page table with the interface of a Map from virtual page number to PTE.
 * Replays walk memory page by page, so keeping the last leaf at hand turns almost every lookup into an array index;
 * a flat Map of a million entries was the largest cost of a 1 GiB replay.
 */
export class PageTable {
  private readonly leaves = new Map<number, (Pte | undefined)[]>();
  private lastKey = -1;
  private lastLeaf: (Pte | undefined)[] | undefined = undefined;
  private count = 0;

  private leaf(vpn: number, create: boolean): (Pte | undefined)[] | undefined {
    const key = Math.floor(vpn / LEAF_SIZE);
    if (key === this.lastKey && this.lastLeaf) return this.lastLeaf;
    let leaf = this.leaves.get(key);
    if (!leaf && create) {
      leaf = new Array<Pte | undefined>(LEAF_SIZE).fill(undefined);
      this.leaves.set(key, leaf);
    }
    if (leaf) {
      this.lastKey = key;
      this.lastLeaf = leaf;
    }
    return leaf;
  }

  get size(): number {
    return this.count;
  }

  get(vpn: number): Pte | undefined {
    return this.leaf(vpn, false)?.[vpn % LEAF_SIZE];
  }

  has(vpn: number): boolean {
    return this.get(vpn) !== undefined;
  }

  set(vpn: number, pte: Pte): void {
    const leaf = this.leaf(vpn, true)!;
    if (leaf[vpn % LEAF_SIZE] === undefined) this.count++;
    leaf[vpn % LEAF_SIZE] = pte;
  }

  delete(vpn: number): boolean {
    const leaf = this.leaf(vpn, false);
    if (!leaf || leaf[vpn % LEAF_SIZE] === undefined) return false;
    leaf[vpn % LEAF_SIZE] = undefined;
    this.count--;
    return true;
  }

  *values(): IterableIterator<Pte> {
    for (const leaf of this.leaves.values()) for (const pte of leaf) if (pte) yield pte;
  }

  /**
   * The present entries with `first <= vpn < end`, in address order. Cost follows the leaves that exist (the pages
   * touched), never the width of the range, so a walk over a 2 TiB mapping with one page in it is one leaf.
   */
  presentIn(first: number, end: number): [number, Pte][] {
    const firstKey = Math.floor(first / LEAF_SIZE);
    const endKey = Math.ceil(end / LEAF_SIZE);
    const keys: number[] = [];
    // A narrow range (one page zapped per RFC move) looks its few leaves up; a wide one filters the leaves that exist.
    if (endKey - firstKey <= this.leaves.size) {
      for (let key = firstKey; key < endKey; key++) if (this.leaves.has(key)) keys.push(key);
    } else {
      for (const key of this.leaves.keys()) if ((key + 1) * LEAF_SIZE > first && key * LEAF_SIZE < end) keys.push(key);
      keys.sort((a, b) => a - b);
    }
    const found: [number, Pte][] = [];
    for (const key of keys) {
      const leaf = this.leaves.get(key)!;
      const from = Math.max(0, first - key * LEAF_SIZE);
      const to = Math.min(LEAF_SIZE, end - key * LEAF_SIZE);
      for (let index = from; index < to; index++) {
        const pte = leaf[index];
        if (pte) found.push([key * LEAF_SIZE + index, pte]);
      }
    }
    return found;
  }

  *entries(): IterableIterator<[number, Pte]> {
    for (const [key, leaf] of this.leaves) {
      for (let index = 0; index < LEAF_SIZE; index++) {
        const pte = leaf[index];
        if (pte) yield [key * LEAF_SIZE + index, pte];
      }
    }
  }
}
