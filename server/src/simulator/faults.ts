/**
 * Page faults (spec section 2.3): resolving a user page for a read or a write as the kernel's fault handler does,
 * mapping the zero page, allocating (THP and hugetlb compound pages included), filling from the page cache and
 * breaking copy-on-write, with the alias hazards a write through a queued page raises.
 * Pure and deterministic: no clock, randomness, I/O or console.
 */
import { vmaAt, type Process, type Vma } from "./address-space";
import type { Frame } from "./frames";
import type { Machine } from "./machine";
import type { Pte } from "./page-table";

/**
 * Resolves a user page for access, faulting it in as the kernel would: a read of an absent private-anonymous page maps
 * the zero page, a write allocates (a THP when eligible), a write to a read-only PTE breaks copy-on-write.
 * Returns null when the access faults for good (no VMA, no permission): the caller turns that into EFAULT.
 */
export function faultIn(
  machine: Machine,
  process: Process,
  address: number,
  access: "read" | "write",
  ignoreProt = false,
): Frame | null {
  machine.spend(1);
  const vma = vmaAt(process, address);
  if (!vma) return null;
  if (!ignoreProt && (access === "read" ? !vma.prot.read : !vma.prot.write)) return null;
  const pageAddress = address - (address % machine.pageSize);
  // The entry without a handle on it (most faults find the page present and writable, or only read it).
  const vpn = machine.vpn(address);
  const pfn = process.ptes.pfnOf(vpn);
  if (pfn !== null) {
    const frame = machine.frames.get(pfn);
    if (access === "read" || process.ptes.writable(vpn)) return frame;
    return breakCow(machine, process, vma, pageAddress, process.ptes.get(vpn)!, frame);
  }
  if (vma.kind === "hugetlb") {
    faultCompound(machine, process, vma, pageAddress, machine.hugetlbPages, "hugetlb");
    return machine.frames.get(machine.pteAt(process, address)!.pfn);
  }
  if (vma.kind === "shared-anon" || vma.kind === "shared-file") {
    const frame = machine.objectFrame(vma.object!, vma.objectPage + (pageAddress - vma.start) / machine.pageSize);
    machine.installPte(process, pageAddress, frame, vma.prot.write);
    if (machine.full)
      machine.emit({
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
    const cached = machine.objectFrame(vma.object!, vma.objectPage + (pageAddress - vma.start) / machine.pageSize);
    if (access === "read") {
      machine.installPte(process, pageAddress, cached, false);
      if (machine.full)
        machine.emit({
          kind: "fault",
          pid: process.name,
          vaddr: pageAddress,
          pfn: cached.pfn,
          access,
          frameKind: cached.kind,
        });
      return cached;
    }
    const copy = machine.frames.allocate("anon", 0);
    machine.frames.copy(cached, 0, copy, 0, machine.pageSize);
    machine.installPte(process, pageAddress, copy, true);
    process.rssAnon++;
    if (machine.full)
      machine.emit({ kind: "fault", pid: process.name, vaddr: pageAddress, pfn: copy.pfn, access, frameKind: "anon" });
    return copy;
  }
  return faultPrivateAnon(machine, process, vma, address, access);
}

/** An absent page of private anonymous memory: the zero page on a read, a new frame (a THP when eligible) on a write. */
function faultPrivateAnon(
  machine: Machine,
  process: Process,
  vma: Vma,
  address: number,
  access: "read" | "write",
): Frame {
  const pageAddress = address - (address % machine.pageSize);
  if (access === "read") {
    machine.installPte(process, pageAddress, machine.frames.get(machine.zeroPfn), false);
    if (machine.full)
      machine.emit({
        kind: "fault",
        pid: process.name,
        vaddr: pageAddress,
        pfn: machine.zeroPfn,
        access,
        frameKind: "zero",
      });
    return machine.frames.get(machine.zeroPfn);
  }
  if (vma.thpEligible) {
    const pmdBytes = machine.thpPages * machine.pageSize;
    const pmdStart = pageAddress - (pageAddress % pmdBytes);
    let empty = pmdStart >= vma.start && pmdStart + pmdBytes <= vma.end;
    for (let page = 0; empty && page < machine.thpPages; page++)
      if (process.ptes.has(machine.vpn(pmdStart) + page)) empty = false;
    if (empty) {
      faultCompound(machine, process, vma, pmdStart, machine.thpPages, "anon");
      return machine.frames.get(machine.pteAt(process, address)!.pfn);
    }
  }
  const frame = machine.frames.allocate("anon", 0);
  frame.mlocked = vma.locked;
  machine.installPte(process, pageAddress, frame, true);
  process.rssAnon++;
  if (machine.full)
    machine.emit({ kind: "fault", pid: process.name, vaddr: pageAddress, pfn: frame.pfn, access, frameKind: "anon" });
  return frame;
}

function faultCompound(
  machine: Machine,
  process: Process,
  vma: Vma,
  start: number,
  pages: number,
  kind: "anon" | "hugetlb",
): void {
  let head = -1;
  for (let page = 0; page < pages; page++) {
    const frame = machine.frames.allocate(kind, 0);
    if (page === 0) head = frame.pfn;
    frame.compound = { head, pages, thp: kind === "anon" };
    machine.installPte(process, start + page * machine.pageSize, frame, vma.prot.write);
    if (kind === "anon") process.rssAnon++;
  }
  if (machine.full)
    machine.emit({ kind: "fault", pid: process.name, vaddr: start, pfn: head, access: "write", frameKind: kind });
}

/**
 * A write to a read-only PTE of a writable private mapping. 3.12 and the RFC reuse an anonymous frame in place when
 * it is mapped once and not KSM; 6.x reuses it only when nothing else holds a reference (spec 2.3).
 */
function breakCow(machine: Machine, process: Process, vma: Vma, pageAddress: number, pte: Pte, frame: Frame): Frame {
  const anonymous = frame.kind === "anon" || frame.kind === "ksm";
  // KSM frames are never reused in place, in any model (6.18 verified: a write after vmsplice leaves the pipe a snapshot).
  const reusable =
    anonymous &&
    frame.kind !== "ksm" &&
    (machine.model === "mainline-6.x"
      ? frame.exclusive === true || (frame.refcount === 1 && frame.mapcount === 1)
      : frame.mapcount === 1);
  const inPipe = frame.pipeRefs > 0;
  if (reusable) {
    pte.writable = true;
    frame.exclusive = true;
    machine.emit({
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
  const copy = machine.frames.allocate("anon", 0);
  copy.mlocked = vma.locked;
  if (frame.kind === "zero" || frame.kind === "hugeZero") copy.fill = 0;
  else machine.frames.copy(frame, 0, copy, 0, machine.pageSize);
  machine.removePte(process, pageAddress);
  machine.installPte(process, pageAddress, copy, true);
  process.rssAnon++;
  const rule =
    frame.kind === "zero" && zeroPageQueued(machine, process, pageAddress)
      ? "VMS-ALIAS-ZEROPAGE"
      : inPipe
        ? "VMS-ALIAS-COW"
        : undefined;
  machine.emit({
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
function zeroPageQueued(machine: Machine, process: Process, pageAddress: number): boolean {
  for (const pipe of machine.pipes.values()) {
    for (let index = 0; index < pipe.count; index++) {
      const buffer = pipe.slots[(pipe.tail + index) % pipe.size];
      if (
        buffer &&
        buffer.pfn === machine.zeroPfn &&
        buffer.origin?.process === process.name &&
        buffer.origin.vaddr === pageAddress
      )
        return true;
    }
  }
  return false;
}
