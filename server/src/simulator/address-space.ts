/**
 * A simulated process's address space (spec section 2.2): its VMAs, the objects behind shared and file mappings, and
 * the VMA lookups and splits that munmap, mprotect, madvise and the syscalls share.
 * Pure and deterministic: no clock, randomness, I/O or console.
 */
import type { PageTable } from "./page-table";
import type { Prot } from "./types";

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

/** The VMA containing the address, or null. */
export function vmaAt(process: Process, address: number): Vma | null {
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
export function findVma(process: Process, address: number): Vma | null {
  let best: Vma | null = null;
  for (const vma of process.vmas) if (vma.end > address && (!best || vma.start < best.start)) best = vma;
  return best;
}

/** Splits VMAs so that `address` is a VMA boundary (for partial munmap, mprotect and madvise). */
export function splitAt(process: Process, address: number, pageSize: number): void {
  const vma = vmaAt(process, address);
  if (!vma || vma.start === address) return;
  const upper: Vma = { ...vma, start: address, objectPage: vma.objectPage + (address - vma.start) / pageSize };
  vma.end = address;
  process.vmas.push(upper);
  process.vmas.sort((a, b) => a.start - b.start);
}

/** VMAs inside [start, end) after splitting at both ends. */
export function vmasIn(process: Process, start: number, end: number, pageSize: number): Vma[] {
  splitAt(process, start, pageSize);
  splitAt(process, end, pageSize);
  return process.vmas.filter((vma) => vma.start >= start && vma.end <= end);
}
