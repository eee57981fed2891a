/**
 * A sorted list of text offsets (line starts, newlines) kept in step with edits: an edit replaces the entries in the
 * range it touched and moves every later entry by its length change. Moving them is deferred: the entries from
 * `shiftFrom` on are stored `shiftBy` behind and read through `at`, so keystrokes at one place (the usual case) move
 * nothing, and an edit elsewhere settles the pending move first (issue 12: rewriting 270,000 line starts per keystroke
 * was a tenth of a keystroke's time). Pure data structure.
 */
export class ShiftingOffsets {
  private values: Int32Array;
  private count: number;
  private shiftFrom = Number.POSITIVE_INFINITY;
  private shiftBy = 0;

  constructor(values: ArrayLike<number>) {
    this.values = Int32Array.from(values);
    this.count = this.values.length;
  }

  get length(): number {
    return this.count;
  }

  /** The entry at `index` (0 <= index < length). */
  at(index: number): number {
    return index >= this.shiftFrom ? this.values[index] + this.shiftBy : this.values[index];
  }

  /** Index of the first entry at or after `offset` (length when none). */
  firstAtOrAfter(offset: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.at(middle) < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Replaces the entries [first, after) by `inserted` (current offsets, in order, between the entries kept around
   * them) and moves the entries from `after` on by `delta`.
   */
  replace(first: number, after: number, inserted: readonly number[], delta: number): void {
    if (inserted.length === after - first) {
      // The same number of entries: those after join the pending move.
      if (after !== this.shiftFrom) this.settle();
      for (let index = 0; index < inserted.length; index++) this.values[first + index] = inserted[index];
      if (after < this.count) {
        this.shiftFrom = after;
        this.shiftBy += delta;
      }
      return;
    }
    this.settle();
    const next = new Int32Array(this.count - (after - first) + inserted.length);
    next.set(this.values.subarray(0, first), 0);
    next.set(inserted, first);
    const tail = first + inserted.length;
    for (let index = after; index < this.count; index++) next[tail + index - after] = this.values[index] + delta;
    this.values = next;
    this.count = next.length;
  }

  /** Adds the pending move to the entries it applies to. */
  private settle(): void {
    if (this.shiftBy !== 0)
      for (let index = this.shiftFrom; index < this.count; index++) this.values[index] += this.shiftBy;
    this.shiftFrom = Number.POSITIVE_INFINITY;
    this.shiftBy = 0;
  }
}
