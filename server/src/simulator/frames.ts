/**
 * Physical frames of the simulated machine (spec section 2.1): allocation by PFN, reference counting and freeing, and
 * frame contents. The table is struct-of-arrays: one typed array per field, indexed by PFN and grown by doubling, so a
 * 1 GiB replay holds a few bytes per frame instead of one object each (the objects were tens of MB of old-generation
 * heap and most of the run's garbage-collection time). Contents are stored compactly (one fill byte per frame,
 * materialised into a page-sized array only when a partial write makes it non-uniform), and compound membership sits
 * in a sparse map, so memory stays proportional to the frames allocated.
 * Pure and deterministic: no clock, randomness, I/O or console.
 */
import type { FrameKind } from "./types";

/** PFNs start here so they look like frame numbers of a real machine rather than small indexes. */
const FIRST_PFN = 0x1000;
const INITIAL_CAPACITY = 1024;

const KINDS: readonly FrameKind[] = ["anon", "zero", "hugeZero", "pageCache", "shmem", "ksm", "hugetlb"];
const KIND_CODE: Readonly<Record<FrameKind, number>> = {
  anon: 0,
  zero: 1,
  hugeZero: 2,
  pageCache: 3,
  shmem: 4,
  ksm: 5,
  hugetlb: 6,
};

/** Bits of the per-frame flag byte. */
const LIVE = 1;
const MLOCKED = 2;
const EXCLUSIVE = 4;

export interface Compound {
  head: number;
  pages: number;
  thp: boolean;
}

/**
 * A handle on one frame of a FrameTable: the fields read and write the table's arrays at this PFN. Handles are cheap
 * and short-lived (PFNs are never reused, so a handle kept past the frame's free still names that frame only).
 */
export class Frame {
  constructor(
    private readonly table: FrameTable,
    readonly pfn: number,
    private readonly index: number,
  ) {}

  get kind(): FrameKind {
    return KINDS[this.table.kinds[this.index]];
  }
  set kind(kind: FrameKind) {
    this.table.kinds[this.index] = KIND_CODE[kind];
  }
  get refcount(): number {
    return this.table.refcounts[this.index];
  }
  set refcount(value: number) {
    this.table.refcounts[this.index] = value;
  }
  get mapcount(): number {
    return this.table.mapcounts[this.index];
  }
  set mapcount(value: number) {
    this.table.mapcounts[this.index] = value;
  }
  /** Uniform byte of the frame when `bytes` is null. */
  get fill(): number {
    return this.table.fills[this.index];
  }
  set fill(value: number) {
    this.table.fills[this.index] = value;
  }
  /** Materialised contents, only for frames with non-uniform bytes. */
  get bytes(): Uint8Array | null {
    return this.table.contents.size === 0 ? null : (this.table.contents.get(this.pfn) ?? null);
  }
  set bytes(value: Uint8Array | null) {
    if (value) this.table.contents.set(this.pfn, value);
    else if (this.table.contents.size > 0) this.table.contents.delete(this.pfn);
  }
  /** Compound page membership (THP or hugetlb): the head PFN and the number of small pages. */
  get compound(): Compound | null {
    return this.table.compounds.size === 0 ? null : (this.table.compounds.get(this.pfn) ?? null);
  }
  set compound(value: Compound | null) {
    if (value) this.table.compounds.set(this.pfn, value);
    else this.table.compounds.delete(this.pfn);
  }
  /** Number of pipe buffers that reference the frame (for the alias hazards). */
  get pipeRefs(): number {
    return this.table.pipeRefCounts[this.index];
  }
  set pipeRefs(value: number) {
    this.table.pipeRefCounts[this.index] = value;
  }
  get mlocked(): boolean {
    return (this.table.flags[this.index] & MLOCKED) !== 0;
  }
  set mlocked(value: boolean) {
    this.table.setFlag(this.index, MLOCKED, value);
  }
  /**
   * 6.x "anon exclusive" (PageAnonExclusive): the frame is known to belong to one process only. Set for a new private
   * anonymous frame and when a write fault reuses a frame; cleared when fork or KSM shares it. A write fault on a
   * read-only PTE of an exclusive frame reuses it in place whatever its reference count (a queued pipe buffer included).
   */
  get exclusive(): boolean {
    return (this.table.flags[this.index] & EXCLUSIVE) !== 0;
  }
  set exclusive(value: boolean) {
    this.table.setFlag(this.index, EXCLUSIVE, value);
  }
}

function grown<T extends Uint8Array | Int32Array>(array: T, capacity: number): T {
  const next = new (array.constructor as new (length: number) => T)(capacity);
  next.set(array);
  return next;
}

export class FrameTable {
  /** Per-frame fields by PFN minus FIRST_PFN; `length` frames were ever allocated (PFNs are never reused). */
  kinds = new Uint8Array(INITIAL_CAPACITY);
  refcounts = new Int32Array(INITIAL_CAPACITY);
  mapcounts = new Int32Array(INITIAL_CAPACITY);
  fills = new Int32Array(INITIAL_CAPACITY);
  pipeRefCounts = new Int32Array(INITIAL_CAPACITY);
  flags = new Uint8Array(INITIAL_CAPACITY);
  /** Sparse fields: contents of non-uniform frames and compound membership, by PFN. */
  readonly contents = new Map<number, Uint8Array>();
  readonly compounds = new Map<number, Compound>();
  private length = 0;

  /**
   * @param spend charges each allocation to the run's work budget (it throws when the budget is spent)
   * @param freed told the PFN of each frame freed, or null when nobody listens (summary traces)
   */
  constructor(
    private readonly pageSize: number,
    private readonly spend: (units: number) => void,
    private readonly freed: ((pfn: number) => void) | null,
  ) {}

  setFlag(index: number, bit: number, value: boolean): void {
    if (value) this.flags[index] |= bit;
    else this.flags[index] &= ~bit;
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    this.kinds = grown(this.kinds, capacity);
    this.refcounts = grown(this.refcounts, capacity);
    this.mapcounts = grown(this.mapcounts, capacity);
    this.fills = grown(this.fills, capacity);
    this.pipeRefCounts = grown(this.pipeRefCounts, capacity);
    this.flags = grown(this.flags, capacity);
  }

  allocate(kind: FrameKind, fill: number): Frame {
    this.spend(1);
    if (this.length === this.kinds.length) this.grow();
    const index = this.length++;
    this.kinds[index] = KIND_CODE[kind];
    this.fills[index] = fill;
    this.flags[index] = LIVE | (kind === "anon" ? EXCLUSIVE : 0);
    return new Frame(this, index + FIRST_PFN, index);
  }

  /**
   * `allocate("anon", fill)` of a frame that one PTE maps at once (map count and reference one), mlocked or not,
   * without a handle: a write fault of fresh anonymous memory. Returns the PFN.
   */
  allocateMapped(fill: number, mlocked: boolean): number {
    this.spend(1);
    if (this.length === this.kinds.length) this.grow();
    const index = this.length++;
    this.kinds[index] = KIND_CODE.anon;
    this.fills[index] = fill;
    this.flags[index] = LIVE | EXCLUSIVE | (mlocked ? MLOCKED : 0);
    this.mapcounts[index] = 1;
    this.refcounts[index] = 1;
    return index + FIRST_PFN;
  }

  private isLive(index: number): boolean {
    return index >= 0 && index < this.length && (this.flags[index] & LIVE) !== 0;
  }

  /** The frame with this PFN, or undefined once it was freed. */
  ifLive(pfn: number): Frame | undefined {
    const index = pfn - FIRST_PFN;
    return this.isLive(index) ? new Frame(this, pfn, index) : undefined;
  }

  get(pfn: number): Frame {
    const index = pfn - FIRST_PFN;
    if (!this.isLive(index)) throw new Error(`internal: frame ${pfn} does not exist`);
    return new Frame(this, pfn, index);
  }

  /** Drops one reference; frees the frame when nothing holds it (the zero page and object pages are never freed here). */
  put(frame: Frame): void {
    this.putAt(frame.pfn - FIRST_PFN);
  }

  private putAt(index: number): void {
    const pfn = index + FIRST_PFN;
    this.refcounts[index]--;
    const kind = KINDS[this.kinds[index]];
    if (
      this.refcounts[index] <= 0 &&
      kind !== "zero" &&
      kind !== "hugeZero" &&
      kind !== "pageCache" &&
      kind !== "shmem"
    ) {
      this.flags[index] &= ~LIVE;
      // Contents of a freed frame are unreachable (nothing holds a reference): drop them so memory follows live frames.
      if (this.contents.size > 0) this.contents.delete(pfn);
      if (this.freed) this.freed(pfn);
    }
  }

  /**
   * A PTE of the frame removed, without a handle (once per zapped page): the map count and the reference drop, except
   * for the zero pages. Returns the frame's kind.
   */
  unmap(pfn: number): FrameKind {
    const index = pfn - FIRST_PFN;
    if (!this.isLive(index)) throw new Error(`internal: frame ${pfn} does not exist`);
    const kind = KINDS[this.kinds[index]];
    if (kind !== "zero" && kind !== "hugeZero") {
      this.mapcounts[index]--;
      this.putAt(index);
    }
    return kind;
  }

  /** A pipe buffer queued on the frame, without a handle (the frame must be live). */
  addPipeRef(pfn: number): void {
    const index = pfn - FIRST_PFN;
    if (!this.isLive(index)) throw new Error(`internal: frame ${pfn} does not exist`);
    this.pipeRefCounts[index]++;
  }

  /** A pipe buffer on the frame released: its pipe reference and its reference drop; false when the frame was freed. */
  releasePipeRef(pfn: number): boolean {
    const index = pfn - FIRST_PFN;
    if (!this.isLive(index)) return false;
    this.pipeRefCounts[index]--;
    return true;
  }

  /** Drops one reference of a live frame, without a handle (`put`). */
  putPfn(pfn: number): void {
    this.putAt(pfn - FIRST_PFN);
  }

  byteAt(frame: Frame, offset: number): number {
    const bytes = frame.bytes;
    return bytes ? bytes[offset] : frame.fill;
  }

  /** Writes `length` bytes at `offset`: either one repeated byte or a slice of a source array. */
  write(frame: Frame, offset: number, length: number, value: number | Uint8Array, sourceOffset = 0): void {
    if (length <= 0) return;
    if (typeof value === "number" && offset === 0 && length === this.pageSize) {
      frame.bytes = null;
      frame.fill = value;
      return;
    }
    let bytes = frame.bytes;
    if (typeof value === "number" && !bytes && frame.fill === value) return;
    if (!bytes) frame.bytes = bytes = new Uint8Array(this.pageSize).fill(frame.fill);
    if (typeof value === "number") bytes.fill(value, offset, offset + length);
    else bytes.set(value.subarray(sourceOffset, sourceOffset + length), offset);
  }

  /** Copies `length` bytes between frames (the memcpy of a copy path). */
  copy(source: Frame, sourceOffset: number, destination: Frame, destinationOffset: number, length: number): void {
    const bytes = source.bytes;
    if (!bytes) {
      this.write(destination, destinationOffset, length, source.fill);
      return;
    }
    this.write(destination, destinationOffset, length, bytes, sourceOffset);
  }

  bytes(frame: Frame, offset: number, length: number): Uint8Array {
    const bytes = frame.bytes;
    if (bytes) return bytes.slice(offset, offset + length);
    return new Uint8Array(length).fill(frame.fill);
  }
}
