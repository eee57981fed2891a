/**
 * Physical frames of the simulated machine (spec section 2.1): allocation by PFN, reference counting and freeing, and
 * frame contents. Contents are stored compactly (one fill byte per frame, materialised into a page-sized array only
 * when a partial write makes it non-uniform) so a 1 GiB replay stays proportional to its page count.
 * Pure and deterministic: no clock, randomness, I/O or console.
 */
import type { FrameKind } from "./types";

/** PFNs start here so they look like frame numbers of a real machine rather than small indexes. */
const FIRST_PFN = 0x1000;

export interface Frame {
  pfn: number;
  kind: FrameKind;
  refcount: number;
  mapcount: number;
  /** Uniform byte of the frame when `bytes` is null. */
  fill: number;
  /** Materialised contents, only for frames with non-uniform bytes. */
  bytes: Uint8Array | null;
  /** Compound page membership (THP or hugetlb): the head PFN and the number of small pages. */
  compound: { head: number; pages: number; thp: boolean } | null;
  /** Number of pipe buffers that reference the frame (for the alias hazards). */
  pipeRefs: number;
  mlocked: boolean;
  /**
   * 6.x "anon exclusive" (PageAnonExclusive): the frame is known to belong to one process only. Set for a new private
   * anonymous frame and when a write fault reuses a frame; cleared when fork or KSM shares it. A write fault on a
   * read-only PTE of an exclusive frame reuses it in place whatever its reference count (a queued pipe buffer included).
   */
  exclusive?: boolean;
}

export class FrameTable {
  /** Frames by PFN minus FIRST_PFN (a dense array: V8 keeps it fast, unlike one that starts at index 4096). */
  private readonly table: (Frame | undefined)[] = [];
  private nextPfn = FIRST_PFN;

  /**
   * @param spend charges each allocation to the run's work budget (it throws when the budget is spent)
   * @param freed told the PFN of each frame freed, or null when nobody listens (summary traces)
   */
  constructor(
    private readonly pageSize: number,
    private readonly spend: (units: number) => void,
    private readonly freed: ((pfn: number) => void) | null,
  ) {}

  allocate(kind: FrameKind, fill: number): Frame {
    this.spend(1);
    const frame: Frame = {
      pfn: this.nextPfn++,
      kind,
      refcount: 0,
      mapcount: 0,
      fill,
      bytes: null,
      compound: null,
      pipeRefs: 0,
      mlocked: false,
      exclusive: kind === "anon",
    };
    this.table.push(frame);
    return frame;
  }

  /** The frame with this PFN, or undefined once it was freed. */
  ifLive(pfn: number): Frame | undefined {
    return this.table[pfn - FIRST_PFN];
  }

  get(pfn: number): Frame {
    const frame = this.table[pfn - FIRST_PFN];
    if (!frame) throw new Error(`internal: frame ${pfn} does not exist`);
    return frame;
  }

  /** Drops one reference; frees the frame when nothing holds it (the zero page and object pages are never freed here). */
  put(frame: Frame): void {
    frame.refcount--;
    if (
      frame.refcount <= 0 &&
      frame.kind !== "zero" &&
      frame.kind !== "hugeZero" &&
      frame.kind !== "pageCache" &&
      frame.kind !== "shmem"
    ) {
      this.table[frame.pfn - FIRST_PFN] = undefined;
      if (this.freed) this.freed(frame.pfn);
    }
  }

  byteAt(frame: Frame, offset: number): number {
    return frame.bytes ? frame.bytes[offset] : frame.fill;
  }

  /** Writes `length` bytes at `offset`: either one repeated byte or a slice of a source array. */
  write(frame: Frame, offset: number, length: number, value: number | Uint8Array, sourceOffset = 0): void {
    if (length <= 0) return;
    if (typeof value === "number" && offset === 0 && length === this.pageSize) {
      frame.bytes = null;
      frame.fill = value;
      return;
    }
    if (typeof value === "number" && !frame.bytes && frame.fill === value) return;
    if (!frame.bytes) frame.bytes = new Uint8Array(this.pageSize).fill(frame.fill);
    if (typeof value === "number") frame.bytes.fill(value, offset, offset + length);
    else frame.bytes.set(value.subarray(sourceOffset, sourceOffset + length), offset);
  }

  /** Copies `length` bytes between frames (the memcpy of a copy path). */
  copy(source: Frame, sourceOffset: number, destination: Frame, destinationOffset: number, length: number): void {
    if (!source.bytes) {
      this.write(destination, destinationOffset, length, source.fill);
      return;
    }
    this.write(destination, destinationOffset, length, source.bytes, sourceOffset);
  }

  bytes(frame: Frame, offset: number, length: number): Uint8Array {
    if (frame.bytes) return frame.bytes.slice(offset, offset + length);
    return new Uint8Array(length).fill(frame.fill);
  }
}
