/**
 * The simulated machine state of spec section 2: frames, processes with VMAs and page tables, pipes, files and
 * descriptors, plus the memory-management primitives every kernel model shares (faults, copy-on-write, zaps, fork,
 * exit, reading and writing user memory).
 *
 * This module owns state and the model-independent mm behaviour; the syscall algorithms that differ per kernel model
 * live in kernel.ts. Frame contents are stored compactly (one fill byte per frame, materialised into a page-sized array
 * only when a partial write makes it non-uniform) so a 1 GiB replay stays proportional to its page count.
 * Pure and deterministic: no clock, randomness, I/O or console; must not import Node's I/O, the editor or the protocol
 * library.
 */
import type { KernelModel, PageSize } from "../analysis/facts";
import { budgetMessage, MAX_BYTES, MAX_MAPPINGS, MAX_RUN_EVENTS, MAX_STEP_EVENTS, WORK_BUDGET } from "./limits";
import type { ChunkRecord, FrameKind, Prot, TraceEvent } from "./types";

export const PIPE_BUF_FLAG_LRU = 0x01;
export const PIPE_BUF_FLAG_GIFT = 0x04;
export const PIPE_BUF_FLAG_PACKET = 0x08;
export const PIPE_BUF_FLAG_CAN_MERGE = 0x10;
export const PIPE_DEF_BUFFERS = 16;
export const PIPE_MAX_SIZE = 1048576;
/** Where the first mapping is placed (docs/vmsim.md section 3.2). */
export const MAPPING_BASE = 0x10000000;
/** The user address limit of x86-64 (TASK_SIZE_MAX); the range checks use it. */
export const USER_ADDRESS_LIMIT = 0x7ffffffff000;

/** A scenario mistake found while running (unknown mapping, process or descriptor); reported on the step, not thrown out. */
export class ScenarioError extends Error {}

/** The run went over a documented limit (limits.ts); reported as the step's error, so the run stops there. */
export class LimitError extends ScenarioError {}

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

export type VmaKind = "private-anon" | "shared-anon" | "private-file" | "shared-file" | "hugetlb";

export interface Vma {
  start: number;
  end: number;
  prot: Prot;
  kind: VmaKind;
  /** Backing object for shmem and file mappings, with the object page index of `start`. */
  object: BackingObject | null;
  objectPage: number;
  thpEligible: boolean;
  locked: boolean;
  dontFork: boolean;
  mergeable: boolean;
  /** The name the scenario gave the mapping (for messages). */
  name: string;
}

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

/** A shmem segment or a regular file: its pages, created on demand. */
export interface BackingObject {
  id: string;
  kind: "shmem" | "file";
  /** Fill byte of pages that were never created (zeros for shmem, the file's byte for files). */
  fill: number;
  sizeBytes: number;
  pages: Map<number, number>;
}

export interface Process {
  name: string;
  privileged: boolean;
  sigpipeIgnored: boolean;
  vmas: Vma[];
  /** Page table: virtual page number to PTE. */
  ptes: PageTable;
  /** Mapping names to their start and length (kept after munmap so a scenario can still point at the hole). */
  mappings: Map<string, { start: number; length: number }>;
  alive: boolean;
  rssAnon: number;
  /** The VMA found by the last lookup (consecutive accesses hit the same mapping). */
  lastVma: Vma | null;
}

export interface PipeBuffer {
  /** Unique per buffer; 0 until the buffer is first queued. A whole-buffer splice keeps it, tee and partial splices get a new one. */
  id: number;
  pfn: number;
  offset: number;
  len: number;
  flags: number;
  ops: "user-page" | "anon-pipe" | "page-cache";
  /** The offset the buffer had when queued, to tell a partially consumed buffer from an unaligned one. */
  initialOffset: number;
  initialLen: number;
  /** RFC only: the iovec base recorded in the buffer's private field (VMS-RFC-IOV-BASE). */
  sourceAddress: number | null;
  /** The process and page the frame was pinned from, when it came from user memory. */
  origin: { process: string; vaddr: number } | null;
  /** Rules the writer side attached (stale GIFT, zero page, iov-base) so the reader can name the cause of a copy. */
  writerRules: string[];
}

export interface Pipe {
  name: string;
  /** Number of slots N. */
  size: number;
  /** Ring of buffers; a slot index is counter mod size. */
  slots: (PipeBuffer | null)[];
  /** 3.12 and RFC: the flags a slot keeps after its buffer is released (OR-ed into the next vmsplice buffer). */
  slotFlags: number[];
  tail: number;
  count: number;
  readers: number;
  writers: number;
  packet: boolean;
}

export interface FdEntry {
  kind: "pipe" | "regular";
  pipe: Pipe | null;
  file: BackingObject | null;
  read: boolean;
  write: boolean;
  nonblock: boolean;
  open: boolean;
  position: number;
}

export type EventFilter = (event: TraceEvent) => boolean;

export class Machine {
  /** Frames by PFN minus FIRST_PFN (a dense array: V8 keeps it fast, unlike one that starts at index 4096). */
  private readonly frameTable: (Frame | undefined)[] = [];
  readonly processes = new Map<string, Process>();
  readonly pipes = new Map<string, Pipe>();
  readonly files = new Map<string, BackingObject>();
  readonly fds = new Map<string, FdEntry>();
  readonly zeroPfn: number;
  readonly thpPages: number;
  readonly hugetlbPages: number;
  private nextPfn = FIRST_PFN;
  private nextAddress = MAPPING_BASE;
  private nextObject = 1;
  private nextBufferId = 1;
  /** Events of the step being run. */
  events: TraceEvent[] = [];
  chunks: ChunkRecord[] = [];
  /** Pages ("process:page address") where another thread will fault the page in during the next RFC move into it. */
  readonly racingFaults = new Set<string>();
  /** Pipe buffers queued during the step being run (counted here because summary traces drop the queue events). */
  queuedThisStep = 0;
  /** Page addresses whose PTE a zap removed during the step being run, per process name. */
  readonly zapped = new Map<string, Set<number>>();

  /** Page operations left in the run's work budget (limits.ts). */
  private workLeft = WORK_BUDGET;
  /** Trace events recorded in the whole run, and the events of the step being run that the caps dropped. */
  private runEvents = 0;
  droppedEvents = 0;

  /** False for summary traces: hot bookkeeping events (pin, fault, queue, release, free) are then not even built. */
  readonly full: boolean;

  constructor(
    readonly model: KernelModel,
    readonly pageSize: PageSize,
    private readonly keep: EventFilter | null = null,
  ) {
    this.full = keep === null;
    this.zeroPfn = this.allocateFrame("zero", 0).pfn;
    // The PMD size: 512 PTEs of 8 bytes per page-table page, so (P / 8) pages of P bytes each.
    this.thpPages = pageSize / 8;
    this.hugetlbPages = Math.max(1, (2 * 1024 * 1024) / pageSize);
  }

  emit(event: TraceEvent): void {
    if (this.keep && !this.keep(event)) return;
    if (this.events.length >= MAX_STEP_EVENTS || this.runEvents >= MAX_RUN_EVENTS) {
      this.droppedEvents++;
      return;
    }
    this.runEvents++;
    this.events.push(event);
  }

  /** Charges page operations to the work budget; over budget, the run stops with a LimitError. */
  spend(units: number): void {
    this.workLeft -= units;
    if (this.workLeft < 0) throw new LimitError(budgetMessage(units, this.workLeft + units));
  }

  /** Fails before a step that would need more page operations than are left (a fill of a 2 TiB mapping). */
  ensureBudget(units: number): void {
    if (units > this.workLeft) throw new LimitError(budgetMessage(units, this.workLeft));
  }

  // ---- frames ----

  allocateFrame(kind: FrameKind, fill: number): Frame {
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
    this.frameTable.push(frame);
    return frame;
  }

  /** The frame with this PFN, or undefined once it was freed. */
  frameIfLive(pfn: number): Frame | undefined {
    return this.frameTable[pfn - FIRST_PFN];
  }

  frame(pfn: number): Frame {
    const frame = this.frameTable[pfn - FIRST_PFN];
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
      this.frameTable[frame.pfn - FIRST_PFN] = undefined;
      if (this.full) this.emit({ kind: "free", pfn: frame.pfn });
    }
  }

  byteAt(frame: Frame, offset: number): number {
    return frame.bytes ? frame.bytes[offset] : frame.fill;
  }

  /** Writes `length` bytes at `offset`: either one repeated byte or a slice of a source array. */
  writeFrame(frame: Frame, offset: number, length: number, value: number | Uint8Array, sourceOffset = 0): void {
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
  copyFrameBytes(
    source: Frame,
    sourceOffset: number,
    destination: Frame,
    destinationOffset: number,
    length: number,
  ): void {
    if (!source.bytes) {
      this.writeFrame(destination, destinationOffset, length, source.fill);
      return;
    }
    this.writeFrame(destination, destinationOffset, length, source.bytes, sourceOffset);
  }

  frameBytes(frame: Frame, offset: number, length: number): Uint8Array {
    if (frame.bytes) return frame.bytes.slice(offset, offset + length);
    return new Uint8Array(length).fill(frame.fill);
  }

  // ---- processes and VMAs ----

  process(name: string): Process {
    const process = this.processes.get(name);
    if (!process) throw new ScenarioError(`unknown process '${name}'`);
    if (!process.alive) throw new ScenarioError(`process '${name}' has exited`);
    return process;
  }

  addProcess(name: string, privileged: boolean, sigpipeIgnored: boolean): Process {
    const process: Process = {
      name,
      privileged,
      sigpipeIgnored,
      vmas: [],
      ptes: new PageTable(),
      mappings: new Map(),
      alive: true,
      rssAnon: 0,
      lastVma: null,
    };
    this.processes.set(name, process);
    return process;
  }

  resolveMapping(process: Process, name: string): { start: number; length: number } {
    const mapping = process.mappings.get(name);
    if (!mapping) throw new ScenarioError(`unknown mapping '${name}' in process '${process.name}'`);
    return mapping;
  }

  /** The VMA containing the address, or null. */
  vmaAt(process: Process, address: number): Vma | null {
    const cached = process.lastVma;
    if (cached && address >= cached.start && address < cached.end && process.vmas.includes(cached)) return cached;
    for (const vma of process.vmas) {
      if (address >= vma.start && address < vma.end) {
        process.lastVma = vma;
        return vma;
      }
    }
    return null;
  }

  /** `find_vma`: the first VMA whose end is above the address (it may start above it). */
  findVma(process: Process, address: number): Vma | null {
    let best: Vma | null = null;
    for (const vma of process.vmas) if (vma.end > address && (!best || vma.start < best.start)) best = vma;
    return best;
  }

  mmap(
    process: Process,
    name: string,
    length: number,
    prot: Prot,
    flags: string[],
    fileName: string | null,
    align: number | null,
  ): void {
    const pageSize = this.pageSize;
    const hugetlb = flags.includes("MAP_HUGETLB");
    const hugeBytes = this.hugetlbPages * pageSize;
    const unit = hugetlb ? hugeBytes : pageSize;
    const size = Math.ceil(Math.max(length, 1) / unit) * unit;
    const alignment = Math.max(align ?? 0, hugetlb ? hugeBytes : pageSize);
    const start = Math.ceil(this.nextAddress / alignment) * alignment;
    if (start + size > MAX_BYTES)
      throw new LimitError(
        `mmap ${name}: ${size} bytes at ${hex(start)} do not fit below the 128 TiB user address limit (docs/vmsim.md section 9)`,
      );
    if (process.mappings.size >= MAX_MAPPINGS)
      throw new LimitError(
        `mmap ${name}: a process may create at most ${MAX_MAPPINGS} mappings (docs/vmsim.md section 9)`,
      );
    this.nextAddress = start + size + pageSize;
    const shared = flags.includes("MAP_SHARED");
    let kind: VmaKind;
    let object: BackingObject | null = null;
    if (hugetlb) kind = "hugetlb";
    else if (fileName !== null) {
      object = this.files.get(fileName) ?? null;
      if (!object) throw new ScenarioError(`unknown file '${fileName}'`);
      kind = shared ? "shared-file" : "private-file";
    } else if (shared) {
      kind = "shared-anon";
      object = { id: `shmem${this.nextObject++}`, kind: "shmem", fill: 0, sizeBytes: size, pages: new Map() };
    } else kind = "private-anon";
    const vma: Vma = {
      start,
      end: start + size,
      prot,
      kind,
      object,
      objectPage: 0,
      thpEligible: false,
      locked: flags.includes("MAP_LOCKED"),
      dontFork: false,
      mergeable: false,
      name,
    };
    process.vmas.push(vma);
    process.vmas.sort((a, b) => a.start - b.start);
    process.mappings.set(name, { start, length: size });
  }

  /** Splits VMAs so that `address` is a VMA boundary (for partial munmap, mprotect and madvise). */
  splitAt(process: Process, address: number): void {
    const vma = this.vmaAt(process, address);
    if (!vma || vma.start === address) return;
    const upper: Vma = { ...vma, start: address, objectPage: vma.objectPage + (address - vma.start) / this.pageSize };
    vma.end = address;
    process.vmas.push(upper);
    process.vmas.sort((a, b) => a.start - b.start);
  }

  /** VMAs inside [start, end) after splitting at both ends. */
  vmasIn(process: Process, start: number, end: number): Vma[] {
    this.splitAt(process, start);
    this.splitAt(process, end);
    return process.vmas.filter((vma) => vma.start >= start && vma.end <= end);
  }

  // ---- page tables ----

  vpn(address: number): number {
    return Math.floor(address / this.pageSize);
  }

  pteAt(process: Process, address: number): Pte | undefined {
    return process.ptes.get(this.vpn(address));
  }

  /** Maps a frame at the page containing `address`. */
  installPte(process: Process, address: number, frame: Frame, writable: boolean): void {
    const isZero = frame.kind === "zero" || frame.kind === "hugeZero";
    process.ptes.set(this.vpn(address), { pfn: frame.pfn, writable });
    if (!isZero) {
      frame.mapcount++;
      frame.refcount++;
    }
  }

  /** Removes the PTE of one page; returns the frame it mapped, if any. */
  removePte(process: Process, address: number): Frame | null {
    const vpn = this.vpn(address);
    const pte = process.ptes.get(vpn);
    if (!pte) return null;
    process.ptes.delete(vpn);
    const frame = this.frame(pte.pfn);
    if (frame.kind !== "zero" && frame.kind !== "hugeZero") {
      frame.mapcount--;
      if (frame.kind === "anon" || frame.kind === "ksm") process.rssAnon--;
      this.put(frame);
    }
    return frame;
  }

  objectFrame(object: BackingObject, pageIndex: number): Frame {
    const existing = object.pages.get(pageIndex);
    if (existing !== undefined && this.frameIfLive(existing)) return this.frame(existing);
    const frame = this.allocateFrame(object.kind === "shmem" ? "shmem" : "pageCache", object.fill);
    frame.refcount++; // the page cache's own reference
    object.pages.set(pageIndex, frame.pfn);
    return frame;
  }

  /**
   * Resolves a user page for access, faulting it in as the kernel would: a read of an absent private-anonymous page maps
   * the zero page, a write allocates (a THP when eligible), a write to a read-only PTE breaks copy-on-write.
   * Returns null when the access faults for good (no VMA, no permission): the caller turns that into EFAULT.
   */
  fault(process: Process, address: number, access: "read" | "write", ignoreProt = false): Frame | null {
    this.spend(1);
    const vma = this.vmaAt(process, address);
    if (!vma) return null;
    if (!ignoreProt && (access === "read" ? !vma.prot.read : !vma.prot.write)) return null;
    const pageAddress = address - (address % this.pageSize);
    const pte = this.pteAt(process, address);
    if (pte) {
      const frame = this.frame(pte.pfn);
      if (access === "read" || pte.writable) return frame;
      return this.breakCow(process, vma, pageAddress, pte, frame);
    }
    if (vma.kind === "hugetlb") {
      this.faultCompound(process, vma, pageAddress, this.hugetlbPages, "hugetlb");
      return this.frame(this.pteAt(process, address)!.pfn);
    }
    if (vma.kind === "shared-anon" || vma.kind === "shared-file") {
      const frame = this.objectFrame(vma.object!, vma.objectPage + (pageAddress - vma.start) / this.pageSize);
      this.installPte(process, pageAddress, frame, vma.prot.write);
      if (this.full)
        this.emit({
          kind: "fault",
          pid: process.name,
          vaddr: pageAddress,
          pfn: frame.pfn,
          access,
          frameKind: frame.kind,
        });
      return frame;
    }
    if (vma.kind === "private-file") {
      const cached = this.objectFrame(vma.object!, vma.objectPage + (pageAddress - vma.start) / this.pageSize);
      if (access === "read") {
        this.installPte(process, pageAddress, cached, false);
        if (this.full)
          this.emit({
            kind: "fault",
            pid: process.name,
            vaddr: pageAddress,
            pfn: cached.pfn,
            access,
            frameKind: cached.kind,
          });
        return cached;
      }
      const copy = this.allocateFrame("anon", 0);
      this.copyFrameBytes(cached, 0, copy, 0, this.pageSize);
      this.installPte(process, pageAddress, copy, true);
      process.rssAnon++;
      if (this.full)
        this.emit({ kind: "fault", pid: process.name, vaddr: pageAddress, pfn: copy.pfn, access, frameKind: "anon" });
      return copy;
    }
    // Private anonymous memory.
    if (access === "read") {
      this.installPte(process, pageAddress, this.frame(this.zeroPfn), false);
      if (this.full)
        this.emit({
          kind: "fault",
          pid: process.name,
          vaddr: pageAddress,
          pfn: this.zeroPfn,
          access,
          frameKind: "zero",
        });
      return this.frame(this.zeroPfn);
    }
    if (vma.thpEligible) {
      const pmdBytes = this.thpPages * this.pageSize;
      const pmdStart = pageAddress - (pageAddress % pmdBytes);
      let empty = pmdStart >= vma.start && pmdStart + pmdBytes <= vma.end;
      for (let page = 0; empty && page < this.thpPages; page++)
        if (process.ptes.has(this.vpn(pmdStart) + page)) empty = false;
      if (empty) {
        this.faultCompound(process, vma, pmdStart, this.thpPages, "anon");
        return this.frame(this.pteAt(process, address)!.pfn);
      }
    }
    const frame = this.allocateFrame("anon", 0);
    frame.mlocked = vma.locked;
    this.installPte(process, pageAddress, frame, true);
    process.rssAnon++;
    if (this.full)
      this.emit({ kind: "fault", pid: process.name, vaddr: pageAddress, pfn: frame.pfn, access, frameKind: "anon" });
    return frame;
  }

  private faultCompound(process: Process, vma: Vma, start: number, pages: number, kind: "anon" | "hugetlb"): void {
    let head = -1;
    for (let page = 0; page < pages; page++) {
      const frame = this.allocateFrame(kind, 0);
      if (page === 0) head = frame.pfn;
      frame.compound = { head, pages, thp: kind === "anon" };
      this.installPte(process, start + page * this.pageSize, frame, vma.prot.write);
      if (kind === "anon") process.rssAnon++;
    }
    if (this.full)
      this.emit({ kind: "fault", pid: process.name, vaddr: start, pfn: head, access: "write", frameKind: kind });
  }

  /**
   * A write to a read-only PTE of a writable private mapping. 3.12 and the RFC reuse an anonymous frame in place when
   * it is mapped once and not KSM; 6.x reuses it only when nothing else holds a reference (spec 2.3).
   */
  private breakCow(process: Process, vma: Vma, pageAddress: number, pte: Pte, frame: Frame): Frame {
    const anonymous = frame.kind === "anon" || frame.kind === "ksm";
    // KSM frames are never reused in place, in any model (6.18 verified: a write after vmsplice leaves the pipe a snapshot).
    const reusable =
      anonymous &&
      frame.kind !== "ksm" &&
      (this.model === "mainline-6.x"
        ? frame.exclusive === true || (frame.refcount === 1 && frame.mapcount === 1)
        : frame.mapcount === 1);
    const inPipe = frame.pipeRefs > 0;
    if (reusable) {
      pte.writable = true;
      frame.exclusive = true;
      this.emit({
        kind: "cowBreak",
        pid: process.name,
        vaddr: pageAddress,
        oldPfn: frame.pfn,
        newPfn: frame.pfn,
        reused: true,
        ...(inPipe ? { rule: "VMS-ALIAS-COW" } : {}),
      });
      return frame;
    }
    const copy = this.allocateFrame("anon", 0);
    copy.mlocked = vma.locked;
    if (frame.kind === "zero" || frame.kind === "hugeZero") copy.fill = 0;
    else this.copyFrameBytes(frame, 0, copy, 0, this.pageSize);
    this.removePte(process, pageAddress);
    this.installPte(process, pageAddress, copy, true);
    process.rssAnon++;
    const rule =
      frame.kind === "zero" && this.zeroPageQueued(process, pageAddress)
        ? "VMS-ALIAS-ZEROPAGE"
        : inPipe
          ? "VMS-ALIAS-COW"
          : undefined;
    this.emit({
      kind: "cowBreak",
      pid: process.name,
      vaddr: pageAddress,
      oldPfn: frame.pfn,
      newPfn: copy.pfn,
      reused: false,
      ...(rule ? { rule } : {}),
    });
    return copy;
  }

  /** Whether a queued pipe buffer holds the zero page pinned from this very page (a fill after vmsplice is lost). */
  private zeroPageQueued(process: Process, pageAddress: number): boolean {
    for (const pipe of this.pipes.values()) {
      for (let index = 0; index < pipe.count; index++) {
        const buffer = pipe.slots[(pipe.tail + index) % pipe.size];
        if (
          buffer &&
          buffer.pfn === this.zeroPfn &&
          buffer.origin?.process === process.name &&
          buffer.origin.vaddr === pageAddress
        )
          return true;
      }
    }
    return false;
  }

  /** A user write of one byte value or a byte array; faults pages in; returns false on a fault that cannot be resolved. */
  writeUser(process: Process, address: number, length: number, value: number | Uint8Array): boolean {
    let done = 0;
    while (done < length) {
      const current = address + done;
      const offset = current % this.pageSize;
      const chunk = Math.min(length - done, this.pageSize - offset);
      const frame = this.fault(process, current, "write");
      if (!frame) return false;
      if (frame.pipeRefs > 0)
        this.emit({
          kind: "hazard",
          rule: "VMS-ALIAS-WRITE",
          detail: `${process.name} writes to ${hex(current)} (PFN ${frame.pfn}) while a pipe buffer references the frame: the reader will see the new bytes`,
        });
      this.writeFrame(frame, offset, chunk, value, typeof value === "number" ? 0 : done);
      done += chunk;
    }
    return true;
  }

  /** What a process reads at an address without faulting anything in (docs/vmsim.md section 4.3). */
  peekUser(process: Process, address: number, length: number): Uint8Array {
    const result = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const current = address + done;
      const offset = current % this.pageSize;
      const chunk = Math.min(length - done, this.pageSize - offset);
      const pte = this.pteAt(process, current);
      if (pte) {
        const frame = this.frame(pte.pfn);
        result.set(this.frameBytes(frame, offset, chunk), done);
      } else {
        const vma = this.vmaAt(process, current);
        if (vma?.object) {
          const pageIndex = vma.objectPage + (current - offset - vma.start) / this.pageSize;
          const pfn = vma.object.pages.get(pageIndex);
          const frame = pfn !== undefined ? this.frameIfLive(pfn) : undefined;
          result.fill(frame ? 0 : vma.object.fill, done, done + chunk);
          if (frame) result.set(this.frameBytes(frame, offset, chunk), done);
        }
      }
      done += chunk;
    }
    return result;
  }

  // ---- zaps ----

  /**
   * `zap_page_range(vma, start, size)` as spec 3.5 step 5 describes: clipped to the VMA, exactly size/P PTEs from the
   * page containing `start`. THP mappings partly covered are split first. Returns the addresses of pages whose PTE
   * was removed. A hugetlb VMA is the caller's business (the kernel BUGs before getting here).
   */
  /** `quiet` marks the RFC's destination zap: its event is implied by the move in summary traces and says so in full ones. */
  zapRange(
    process: Process,
    vma: Vma,
    start: number,
    size: number,
    effectRule: string | undefined,
    quiet = false,
  ): number[] {
    const clippedStart = Math.max(vma.start, start);
    const end = Math.min(vma.end, start + size);
    if (clippedStart >= vma.end || end <= vma.start) return [];
    const first = clippedStart - (clippedStart % this.pageSize);
    const count = Math.round(size / this.pageSize);
    const removed: number[] = [];
    // Only present PTEs can be removed, so the walk visits those (a zap of a huge, mostly empty range stays cheap).
    const limit = Math.max(Math.min(end, first + count * this.pageSize), first + (count > 0 ? this.pageSize : 0));
    for (const [vpn] of process.ptes.presentIn(this.vpn(first), Math.ceil(limit / this.pageSize))) {
      const address = vpn * this.pageSize;
      const pte = this.pteAt(process, address);
      if (pte) {
        const frame = this.frame(pte.pfn);
        if (frame.compound?.thp) this.splitThpIfPartial(process, frame, address, first, count);
      }
      if (this.removePte(process, address)) {
        removed.push(address);
        let addresses = this.zapped.get(process.name);
        if (!addresses) this.zapped.set(process.name, (addresses = new Set()));
        addresses.add(address);
      }
    }
    const effect = quiet
      ? "the destination's old page is dropped before the move"
      : vma.kind === "private-anon"
        ? "data lost (next read: zeros)"
        : vma.kind === "private-file"
          ? "copy-on-write data dropped (next access: file content)"
          : "data survives in the object (refaults)";
    if (!quiet || this.full)
      this.emit({
        kind: "zap",
        pid: process.name,
        vaddrStart: first,
        pages: removed.length,
        vmaKind: vma.kind,
        effect,
        ...(effectRule ? { rule: effectRule } : {}),
      });
    if (vma.locked && removed.length > 0)
      this.emit({
        kind: "hazard",
        rule: "VMS-RFC-MLOCK",
        detail: `zap of locked memory at ${hex(first)} in ${process.name}`,
      });
    return removed;
  }

  /** A zap that covers only part of a PMD-mapped THP splits the compound page into small pages first (spec 3.5). */
  private splitThpIfPartial(process: Process, frame: Frame, address: number, zapFirst: number, zapPages: number): void {
    const compound = frame.compound!;
    // The small pages of a THP are mapped in PFN order, so the PMD start follows from this page's position in it.
    const pmdStart = address - (frame.pfn - compound.head) * this.pageSize;
    const pmdEnd = pmdStart + compound.pages * this.pageSize;
    if (zapFirst <= pmdStart && zapFirst + zapPages * this.pageSize >= pmdEnd) return;
    for (let pfn = compound.head; pfn < compound.head + compound.pages; pfn++) {
      const member = this.frameIfLive(pfn);
      if (member) member.compound = null;
    }
    this.emit({ kind: "thpSplit", pid: process.name, pfn: compound.head, rule: "VMS-THP-SPLIT" });
  }

  // ---- fork and exit ----

  fork(parent: Process, childName: string): void {
    const child = this.addProcess(childName, parent.privileged, parent.sigpipeIgnored);
    for (const [name, mapping] of parent.mappings) child.mappings.set(name, { ...mapping });
    for (const vma of parent.vmas) {
      if (vma.dontFork) continue;
      child.vmas.push({ ...vma });
      const privateMapping = vma.kind === "private-anon" || vma.kind === "private-file";
      for (const [vpn, pte] of parent.ptes.presentIn(this.vpn(vma.start), this.vpn(vma.end))) {
        const address = vpn * this.pageSize;
        const frame = this.frame(pte.pfn);
        if (privateMapping) pte.writable = false;
        // Shared copy-on-write with the child from now on: no longer exclusive to either process.
        if (privateMapping) frame.exclusive = false;
        this.installPte(child, address, frame, privateMapping ? false : pte.writable);
        if (frame.kind === "anon" || frame.kind === "ksm") child.rssAnon++;
      }
    }
  }

  exit(process: Process): void {
    for (const vma of process.vmas) this.removePtesIn(process, vma.start, vma.end);
    process.vmas = [];
    process.alive = false;
  }

  /** Removes every present PTE of [start, end) (munmap, exit); cost follows the pages present, not the range. */
  removePtesIn(process: Process, start: number, end: number): void {
    for (const [vpn] of process.ptes.presentIn(this.vpn(start), Math.ceil(end / this.pageSize)))
      this.removePte(process, vpn * this.pageSize);
  }

  // ---- pipes and descriptors ----

  createPipe(name: string, flags: string[]): void {
    const pipe: Pipe = {
      name,
      size: PIPE_DEF_BUFFERS,
      slots: new Array(PIPE_DEF_BUFFERS).fill(null),
      slotFlags: new Array(PIPE_DEF_BUFFERS).fill(0),
      tail: 0,
      count: 0,
      readers: 1,
      writers: 1,
      packet: flags.includes("O_DIRECT"),
    };
    this.pipes.set(name, pipe);
    const nonblock = flags.includes("O_NONBLOCK");
    this.fds.set(`${name}[0]`, {
      kind: "pipe",
      pipe,
      file: null,
      read: true,
      write: false,
      nonblock,
      open: true,
      position: 0,
    });
    this.fds.set(`${name}[1]`, {
      kind: "pipe",
      pipe,
      file: null,
      read: false,
      write: true,
      nonblock,
      open: true,
      position: 0,
    });
  }

  pipeFull(pipe: Pipe): boolean {
    return pipe.count >= pipe.size;
  }

  pipeBytes(pipe: Pipe): number {
    let total = 0;
    for (let index = 0; index < pipe.count; index++) total += pipe.slots[(pipe.tail + index) % pipe.size]!.len;
    return total;
  }

  /** Appends a buffer at the head; the caller has checked for room. Returns the slot index. */
  pushBuffer(pipe: Pipe, buffer: PipeBuffer): number {
    if (buffer.id === 0) buffer.id = this.nextBufferId++;
    this.queuedThisStep++;
    const slot = (pipe.tail + pipe.count) % pipe.size;
    pipe.slots[slot] = buffer;
    pipe.slotFlags[slot] = buffer.flags;
    pipe.count++;
    this.frame(buffer.pfn).pipeRefs++;
    return slot;
  }

  headBuffer(pipe: Pipe): { buffer: PipeBuffer; slot: number } | null {
    if (pipe.count === 0) return null;
    const slot = pipe.tail % pipe.size;
    return { buffer: pipe.slots[slot]!, slot };
  }

  /** Releases the oldest buffer: drops the pipe's frame reference; 3.12 leaves its flags behind in the slot. */
  releaseHead(pipe: Pipe): void {
    const slot = pipe.tail % pipe.size;
    const buffer = pipe.slots[slot]!;
    pipe.slotFlags[slot] = buffer.flags;
    pipe.slots[slot] = null;
    pipe.tail = (pipe.tail + 1) % pipe.size;
    pipe.count--;
    const frame = this.frameIfLive(buffer.pfn);
    if (frame) {
      frame.pipeRefs--;
      if (this.full) this.emit({ kind: "bufferReleased", pipe: pipe.name, slot, pfn: buffer.pfn });
      this.put(frame);
    }
  }

  /** F_SETPIPE_SZ: reallocates the ring zero-filled (stale slot flags vanish), keeping the queued buffers in order. */
  resizePipe(pipe: Pipe, slots: number): void {
    const buffers: PipeBuffer[] = [];
    for (let index = 0; index < pipe.count; index++) buffers.push(pipe.slots[(pipe.tail + index) % pipe.size]!);
    pipe.size = slots;
    pipe.slots = new Array(slots).fill(null);
    pipe.slotFlags = new Array(slots).fill(0);
    buffers.forEach((buffer, index) => {
      pipe.slots[index] = buffer;
      pipe.slotFlags[index] = buffer.flags;
    });
    pipe.tail = 0;
  }

  /** Pages of a process range that map the zero page, are present or absent (for expectations). */
  describePage(process: Process, address: number): "zero-page" | "present" | "absent" {
    const pte = this.pteAt(process, address);
    if (!pte) return "absent";
    return pte.pfn === this.zeroPfn ? "zero-page" : "present";
  }
}

export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
