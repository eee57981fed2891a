/**
 * The page table of a simulated process: virtual page number to PTE, stored as a two-level table so a walk costs the
 * pages present, never the width of the range. A leaf is one Int32Array of encoded entries (no object per PTE), created
 * when a page in it is first mapped.
 * Pure and deterministic: no clock, randomness, I/O or console.
 */
export interface Pte {
  readonly pfn: number;
  writable: boolean;
}

/** Leaf size of the page table: 512 entries, as one x86-64 page-table page holds. */
const LEAF_BITS = 9;
const LEAF_SIZE = 1 << LEAF_BITS;

/** An entry is `(pfn + 1) * 2 + writable` (always positive); 0 is an absent page. */
function encode(pfn: number, writable: boolean): number {
  return (pfn + 1) * 2 + (writable ? 1 : 0);
}

/**
 * A handle on one present entry: `writable` reads and writes the leaf. A write through a handle whose entry was since
 * removed or replaced by another frame changes nothing (as writing a PTE object no longer in the table did).
 */
class PteRef implements Pte {
  constructor(
    private readonly leaf: Int32Array,
    private readonly index: number,
    readonly pfn: number,
  ) {}

  get writable(): boolean {
    return (this.leaf[this.index] & 1) === 1;
  }
  set writable(value: boolean) {
    if (this.leaf[this.index] >> 1 === this.pfn + 1) this.leaf[this.index] = encode(this.pfn, value);
  }
}

function ref(leaf: Int32Array, index: number): PteRef | undefined {
  const entry = leaf[index];
  return !(entry > 0) ? undefined : new PteRef(leaf, index, (entry >> 1) - 1);
}

/**
 * A two-level page table with the interface of a Map from virtual page number to PTE.
 * Replays walk memory page by page, so keeping the last leaf at hand turns almost every lookup into an array index;
 * a flat Map of a million entries was the largest cost of a 1 GiB replay.
 */
export class PageTable {
  private readonly leaves = new Map<number, Int32Array>();
  private lastKey = -1;
  private lastLeaf: Int32Array | undefined = undefined;
  private count = 0;

  private leaf(vpn: number, create: boolean): Int32Array | undefined {
    const key = Math.floor(vpn / LEAF_SIZE);
    if (key === this.lastKey && this.lastLeaf) return this.lastLeaf;
    let leaf = this.leaves.get(key);
    if (!leaf && create) {
      leaf = new Int32Array(LEAF_SIZE);
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
    const leaf = this.leaf(vpn, false);
    return leaf ? ref(leaf, vpn % LEAF_SIZE) : undefined;
  }

  /** The PFN an entry maps, or null when the page is absent (a lookup without a handle). */
  pfnOf(vpn: number): number | null {
    const leaf = this.leaf(vpn, false);
    const entry = leaf ? leaf[vpn % LEAF_SIZE] : 0;
    return !(entry > 0) ? null : (entry >> 1) - 1;
  }

  /** Whether the entry is present and writable (a lookup without a handle). */
  writable(vpn: number): boolean {
    const leaf = this.leaf(vpn, false);
    return leaf !== undefined && leaf[vpn % LEAF_SIZE] > 0 && (leaf[vpn % LEAF_SIZE] & 1) === 1;
  }

  has(vpn: number): boolean {
    const leaf = this.leaf(vpn, false);
    return leaf !== undefined && leaf[vpn % LEAF_SIZE] > 0;
  }

  set(vpn: number, pfn: number, writable: boolean): void {
    const leaf = this.leaf(vpn, true)!;
    if (leaf[vpn % LEAF_SIZE] === 0) this.count++;
    leaf[vpn % LEAF_SIZE] = encode(pfn, writable);
  }

  delete(vpn: number): boolean {
    const leaf = this.leaf(vpn, false);
    if (!leaf || !(leaf[vpn % LEAF_SIZE] > 0)) return false;
    leaf[vpn % LEAF_SIZE] = 0;
    this.count--;
    return true;
  }

  *values(): IterableIterator<Pte> {
    for (const leaf of this.leaves.values())
      for (let index = 0; index < LEAF_SIZE; index++) if (leaf[index] !== 0) yield ref(leaf, index)!;
  }

  /** The leaf keys that may hold pages of [first, end), in address order. */
  private keysIn(first: number, end: number): number[] {
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
    return keys;
  }

  /**
   * The virtual page numbers of the present entries with `first <= vpn < end`, in address order. Cost follows the
   * leaves that exist (the pages touched), never the width of the range, so a walk over a 2 TiB mapping with one page
   * in it is one leaf.
   */
  presentVpns(first: number, end: number): number[] {
    const found: number[] = [];
    if (end - first <= 2) {
      // One or two pages (the RFC's destination zap, once per moved page): look them up without listing leaf keys.
      for (let vpn = first; vpn < end; vpn++) {
        const leaf = this.leaf(vpn, false);
        if (leaf && leaf[vpn % LEAF_SIZE] > 0) found.push(vpn);
      }
      return found;
    }
    for (const key of this.keysIn(first, end)) {
      const leaf = this.leaves.get(key)!;
      const from = Math.max(0, first - key * LEAF_SIZE);
      const to = Math.min(LEAF_SIZE, end - key * LEAF_SIZE);
      for (let index = from; index < to; index++) if (leaf[index] !== 0) found.push(key * LEAF_SIZE + index);
    }
    return found;
  }

  /** The present entries with `first <= vpn < end`, in address order (presentVpns with a handle on each entry). */
  presentIn(first: number, end: number): [number, Pte][] {
    const found: [number, Pte][] = [];
    for (const key of this.keysIn(first, end)) {
      const leaf = this.leaves.get(key)!;
      const from = Math.max(0, first - key * LEAF_SIZE);
      const to = Math.min(LEAF_SIZE, end - key * LEAF_SIZE);
      for (let index = from; index < to; index++)
        if (leaf[index] !== 0) found.push([key * LEAF_SIZE + index, ref(leaf, index)!]);
    }
    return found;
  }

  *entries(): IterableIterator<[number, Pte]> {
    for (const [key, leaf] of this.leaves) {
      for (let index = 0; index < LEAF_SIZE; index++)
        if (leaf[index] !== 0) yield [key * LEAF_SIZE + index, ref(leaf, index)!];
    }
  }
}
