/**
 * The simulated machine state of spec section 2: frames (frames.ts), processes with VMAs (address-space.ts) and page
 * tables (page-table.ts), pipes (pipe-ring.ts), files and descriptors, plus the memory-management primitives every
 * kernel model shares (mmap, PTE install and removal, zaps, fork, exit, reading and writing user memory; page faults
 * are faults.ts), the trace events of the step being run and the run's work budget.
 *
 * This module owns state and the model-independent mm behaviour; the syscall algorithms that differ per kernel model
 * live in kernel.ts.
 * Pure and deterministic: no clock, randomness, I/O or console; must not import Node's I/O, the editor or the protocol
 * library.
 */
import type { KernelModel, PageSize } from "../analysis/facts";
import { budgetMessage, MAX_BYTES, MAX_MAPPINGS, MAX_RUN_EVENTS, MAX_STEP_EVENTS, WORK_BUDGET } from "./limits";
import type { Prot, TraceEvent } from "./types";
import { ChunkRuns, EventRuns } from "./chunk-runs";
import { vmaAt, type BackingObject, type Process, type Vma, type VmaKind } from "./address-space";
import { faultIn } from "./faults";
import { FrameTable, type Frame } from "./frames";
import { PageTable, type Pte } from "./page-table";
import { newPipe, type FdEntry, type Pipe, type PipeBuffer } from "./pipe-ring";
import { PageRanges } from "./page-ranges";

/** Where the first mapping is placed (docs/vmsim.md section 3.2). */
export const MAPPING_BASE = 0x10000000;
/** The user address limit of x86-64 (TASK_SIZE_MAX); the range checks use it. */
export const USER_ADDRESS_LIMIT = 0x7ffffffff000;

/** A scenario mistake found while running (unknown mapping, process or descriptor); reported on the step, not thrown out. */
export class ScenarioError extends Error {}

/** The run went over a documented limit (limits.ts); reported as the step's error, so the run stops there. */
export class LimitError extends ScenarioError {}

export type EventFilter = (event: TraceEvent) => boolean;

export class Machine {
  readonly processes = new Map<string, Process>();
  readonly pipes = new Map<string, Pipe>();
  readonly files = new Map<string, BackingObject>();
  readonly fds = new Map<string, FdEntry>();
  readonly zeroPfn: number;
  readonly thpPages: number;
  readonly hugetlbPages: number;
  private nextAddress = MAPPING_BASE;
  private nextObject = 1;
  private nextBufferId = 1;
  /** Events and chunk records of the step being run, folded into runs as they come (chunk-runs.ts). */
  events: EventRuns;
  chunks: ChunkRuns;
  /** Pages ("process:page address") where another thread will fault the page in during the next RFC move into it. */
  readonly racingFaults = new Set<string>();
  /** Pipe buffers queued during the step being run (counted here because summary traces drop the queue events). */
  queuedThisStep = 0;
  /** Page addresses whose PTE a zap removed during the step being run, per process name. */
  readonly zapped = new Map<string, PageRanges>();

  /** Page operations left in the run's work budget (limits.ts). */
  private workLeft = WORK_BUDGET;
  /** Trace events recorded in the whole run, and the events of the step being run that the caps dropped. */
  private runEvents = 0;
  droppedEvents = 0;

  /** False for summary traces: hot bookkeeping events (pin, fault, queue, release, free) are then not even built. */
  readonly full: boolean;
  readonly frames: FrameTable;

  constructor(
    readonly model: KernelModel,
    readonly pageSize: PageSize,
    private readonly keep: EventFilter | null = null,
  ) {
    this.full = keep === null;
    this.events = new EventRuns(pageSize);
    this.chunks = new ChunkRuns(pageSize);
    this.frames = new FrameTable(
      pageSize,
      (units) => this.spend(units),
      this.full ? (pfn) => this.emit({ kind: "free", pfn }) : null,
    );
    this.zeroPfn = this.frames.allocate("zero", 0).pfn;
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
    process.ptes.set(this.vpn(address), frame.pfn, writable);
    if (!isZero) {
      frame.mapcount++;
      frame.refcount++;
    }
  }

  /** Removes the PTE of one page; returns whether one was present. */
  removePte(process: Process, address: number): boolean {
    const vpn = this.vpn(address);
    const pfn = process.ptes.pfnOf(vpn);
    if (pfn === null) return false;
    process.ptes.delete(vpn);
    const kind = this.frames.unmap(pfn);
    if (kind === "anon" || kind === "ksm") process.rssAnon--;
    return true;
  }

  objectFrame(object: BackingObject, pageIndex: number): Frame {
    const existing = object.pages.get(pageIndex);
    if (existing !== undefined && this.frames.ifLive(existing)) return this.frames.get(existing);
    const frame = this.frames.allocate(object.kind === "shmem" ? "shmem" : "pageCache", object.fill);
    frame.refcount++; // the page cache's own reference
    object.pages.set(pageIndex, frame.pfn);
    return frame;
  }

  /**
   * Resolves a user page for access, faulting it in as the kernel would (faults.ts). Returns null when the access
   * faults for good (no VMA, no permission): the caller turns that into EFAULT.
   */
  fault(process: Process, address: number, access: "read" | "write", ignoreProt = false): Frame | null {
    return faultIn(this, process, address, access, ignoreProt);
  }

  /** A user write of one byte value or a byte array; faults pages in; returns false on a fault that cannot be resolved. */
  writeUser(process: Process, address: number, length: number, value: number | Uint8Array): boolean {
    let done = 0;
    while (done < length) {
      const current = address + done;
      const offset = current % this.pageSize;
      const chunk = Math.min(length - done, this.pageSize - offset);
      if (typeof value === "number" && chunk === this.pageSize && this.writeFreshPage(process, current, value)) {
        done += chunk;
        continue;
      }
      const frame = this.fault(process, current, "write");
      if (!frame) return false;
      if (frame.pipeRefs > 0)
        this.emit({
          kind: "hazard",
          rule: "VMS-ALIAS-WRITE",
          detail: `${process.name} writes to ${hex(current)} (PFN ${frame.pfn}) while a pipe buffer references the frame: the reader will see the new bytes`,
        });
      this.frames.write(frame, offset, chunk, value, typeof value === "number" ? 0 : done);
      done += chunk;
    }
    return true;
  }

  /**
   * A whole-page write of one byte to an absent page of a writable private anonymous mapping without THP (every page of
   * a `fill` of fresh memory): the write fault's new frame, made with the byte, without a frame handle. The same work,
   * state and events as `fault` (faultPrivateAnon) followed by the write; false when the page is not such a page.
   */
  private writeFreshPage(process: Process, address: number, value: number): boolean {
    const vma = vmaAt(process, address);
    if (vma === null || vma.kind !== "private-anon" || !vma.prot.write || vma.thpEligible) return false;
    const vpn = this.vpn(address);
    if (process.ptes.has(vpn)) return false;
    this.spend(1); // the fault, as faultIn charges it
    const pfn = this.frames.allocateMapped(value, vma.locked);
    process.ptes.set(vpn, pfn, true);
    process.rssAnon++;
    if (this.full)
      this.emit({ kind: "fault", pid: process.name, vaddr: address, pfn, access: "write", frameKind: "anon" });
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
        const frame = this.frames.get(pte.pfn);
        result.set(this.frames.bytes(frame, offset, chunk), done);
      } else {
        const vma = vmaAt(process, current);
        if (vma?.object) {
          const pageIndex = vma.objectPage + (current - offset - vma.start) / this.pageSize;
          const pfn = vma.object.pages.get(pageIndex);
          const frame = pfn !== undefined ? this.frames.ifLive(pfn) : undefined;
          result.fill(frame ? 0 : vma.object.fill, done, done + chunk);
          if (frame) result.set(this.frames.bytes(frame, offset, chunk), done);
        }
      }
      done += chunk;
    }
    return result;
  }

  // ---- zaps ----

  /**
   * `zap_page_range(vma, start, size)` as spec 3.5 step 5 describes: clipped to the VMA, exactly size/P PTEs from the
   * page containing `start`. THP mappings partly covered are split first. Returns how many PTEs were removed (their
   * addresses go to the step's `zapped` and to `removedInto`). A hugetlb VMA is the caller's business (the kernel BUGs before getting here).
   */
  /** `quiet` marks the RFC's destination zap: its event is implied by the move in summary traces and says so in full ones. */
  zapRange(
    process: Process,
    vma: Vma,
    start: number,
    size: number,
    effectRule: string | undefined,
    quiet = false,
    /** Told the address of each page whose PTE was removed. */
    removedInto: PageRanges | null = null,
  ): number {
    const clippedStart = Math.max(vma.start, start);
    const end = Math.min(vma.end, start + size);
    if (clippedStart >= vma.end || end <= vma.start) return 0;
    const first = clippedStart - (clippedStart % this.pageSize);
    const count = Math.round(size / this.pageSize);
    let removed = 0;
    // Only present PTEs can be removed, so the walk visits those (a zap of a huge, mostly empty range stays cheap).
    const limit = Math.max(Math.min(end, first + count * this.pageSize), first + (count > 0 ? this.pageSize : 0));
    const firstVpn = this.vpn(first);
    const endVpn = Math.ceil(limit / this.pageSize);
    // One or two pages (the RFC's destination zap, once per moved page) are looked up without listing them first.
    const vpns = endVpn - firstVpn <= 2 ? null : process.ptes.presentVpns(firstVpn, endVpn);
    let zapped: PageRanges | null = null;
    for (let at = 0, vpn = firstVpn; vpns ? at < vpns.length : vpn < endVpn; at++, vpn++) {
      if (vpns) vpn = vpns[at];
      const pfn = process.ptes.pfnOf(vpn);
      if (pfn === null) continue;
      const address = vpn * this.pageSize;
      if (this.frames.compounds.size > 0 && this.frames.compounds.get(pfn)?.thp)
        this.splitThpIfPartial(process, this.frames.get(pfn), address, first, count);
      if (this.removePte(process, address)) {
        removed++;
        removedInto?.add(address);
        zapped ??= this.zappedOf(process);
        zapped.add(address);
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
        pages: removed,
        vmaKind: vma.kind,
        effect,
        ...(effectRule ? { rule: effectRule } : {}),
      });
    if (vma.locked && removed > 0)
      this.emit({
        kind: "hazard",
        rule: "VMS-RFC-MLOCK",
        detail: `zap of locked memory at ${hex(first)} in ${process.name}`,
      });
    return removed;
  }

  private zappedOf(process: Process): PageRanges {
    let addresses = this.zapped.get(process.name);
    if (!addresses) this.zapped.set(process.name, (addresses = new PageRanges(this.pageSize)));
    return addresses;
  }

  /** A zap that covers only part of a PMD-mapped THP splits the compound page into small pages first (spec 3.5). */
  private splitThpIfPartial(process: Process, frame: Frame, address: number, zapFirst: number, zapPages: number): void {
    const compound = frame.compound!;
    // The small pages of a THP are mapped in PFN order, so the PMD start follows from this page's position in it.
    const pmdStart = address - (frame.pfn - compound.head) * this.pageSize;
    const pmdEnd = pmdStart + compound.pages * this.pageSize;
    if (zapFirst <= pmdStart && zapFirst + zapPages * this.pageSize >= pmdEnd) return;
    for (let pfn = compound.head; pfn < compound.head + compound.pages; pfn++) {
      const member = this.frames.ifLive(pfn);
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
        const frame = this.frames.get(pte.pfn);
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
    for (const vpn of process.ptes.presentVpns(this.vpn(start), Math.ceil(end / this.pageSize)))
      this.removePte(process, vpn * this.pageSize);
  }

  // ---- pipes and descriptors ----

  createPipe(name: string, flags: string[]): void {
    const { pipe, readEnd, writeEnd } = newPipe(name, flags);
    this.pipes.set(name, pipe);
    this.fds.set(`${name}[0]`, readEnd);
    this.fds.set(`${name}[1]`, writeEnd);
  }

  /** Appends a buffer at the head; the caller has checked for room. Returns the slot index. */
  pushBuffer(pipe: Pipe, buffer: PipeBuffer): number {
    if (buffer.id === 0) buffer.id = this.nextBufferId++;
    this.queuedThisStep++;
    const slot = (pipe.tail + pipe.count) % pipe.size;
    pipe.slots[slot] = buffer;
    pipe.slotFlags[slot] = buffer.flags;
    pipe.count++;
    this.frames.addPipeRef(buffer.pfn);
    return slot;
  }

  /** Releases the oldest buffer: drops the pipe's frame reference; 3.12 leaves its flags behind in the slot. */
  releaseHead(pipe: Pipe): void {
    const slot = pipe.tail % pipe.size;
    const buffer = pipe.slots[slot]!;
    pipe.slotFlags[slot] = buffer.flags;
    pipe.slots[slot] = null;
    pipe.tail = (pipe.tail + 1) % pipe.size;
    pipe.count--;
    if (this.frames.releasePipeRef(buffer.pfn)) {
      if (this.full) this.emit({ kind: "bufferReleased", pipe: pipe.name, slot, pfn: buffer.pfn });
      this.frames.putPfn(buffer.pfn);
    }
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
