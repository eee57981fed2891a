/**
 * A set of page addresses kept as sorted, disjoint ranges (issue 12): the pages a step zapped were a `Set` of one
 * entry per page, and a 1 GiB replay adds 524,288 of them in runs of 256 consecutive pages. Adding the page after the
 * last range extends it in constant time; any other page is placed by binary search.
 * Pure: no I/O.
 */
export class PageRanges {
  /** Range `i` is [starts[i], ends[i]); ranges are sorted, disjoint and never touch (touching ranges are joined). */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(private readonly pageSize: number) {}

  /** The index of the last range starting at or before `address`, or -1. */
  private before(address: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.starts[middle] <= address) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  }

  has(address: number): boolean {
    const at = this.before(address);
    return at >= 0 && address < this.ends[at] && (address - this.starts[at]) % this.pageSize === 0;
  }

  add(address: number): void {
    const end = address + this.pageSize;
    const last = this.ends.length - 1;
    if (last >= 0 && this.ends[last] === address) {
      this.ends[last] = end;
      return;
    }
    const at = this.before(address);
    if (at >= 0 && address < this.ends[at]) return;
    const joinsPrevious = at >= 0 && this.ends[at] === address;
    const joinsNext = at + 1 < this.starts.length && this.starts[at + 1] === end;
    if (joinsPrevious && joinsNext) {
      this.ends[at] = this.ends[at + 1];
      this.starts.splice(at + 1, 1);
      this.ends.splice(at + 1, 1);
    } else if (joinsPrevious) this.ends[at] = end;
    else if (joinsNext) this.starts[at + 1] = address;
    else {
      this.starts.splice(at + 1, 0, address);
      this.ends.splice(at + 1, 0, end);
    }
  }
}
