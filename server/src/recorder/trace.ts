/**
 * The trace file the recorder's shim writes (one JSON object per line) and what the raw kernel words in it mean.
 *
 * Line types: "process" (a process loaded the shim), "call" (one vmsplice call, written by the shim after it
 * returned), and, appended by the CLI when the run ends, "site" (a call address resolved to file:line through DWARF)
 * and "run" (the program, its arguments, the start time and how it ended). Numbers the kernel gives as 64-bit words
 * (pagemap entries, kpageflags, addresses) are hex strings, so no precision is lost in JSON.
 * Pure: parses text, decodes words.
 */

export interface TracePage {
  /** Raw /proc/self/pagemap entry before the call; null when unreadable. */
  pm: string | null;
  /** Raw /proc/kpageflags word of the frame; null when unreadable (not root) or the page is not present. */
  kf: string | null;
  /** Index into the call's `maps`, or -1 when no mapping contains the page. */
  map: number;
}

export interface TraceSegment {
  base: string;
  len: number;
  pages: TracePage[];
  truncated?: boolean;
}

export interface TraceMapping {
  start: string;
  end: string;
  perms: string;
  offset: string;
  path: string;
  /** smaps VmFlags ("rd wr mr mw me ac sd"), empty when only /proc/self/maps was readable. */
  vmflags: string;
}

export interface TraceCall {
  type: "call";
  pid: number;
  tid: number;
  /** Seconds since the epoch (CLOCK_REALTIME) when the call was observed (just before it was made). */
  time: number;
  /** When the call returned (a reader may wait in the call for a writer of another process). */
  end?: number;
  via: "vmsplice" | "syscall";
  fd: number;
  nrSegs: number;
  flags: number;
  pageSize: number;
  threads: number;
  pagemap: boolean;
  kpageflags: boolean;
  zeroPfn?: string;
  caller: TraceFrame;
  /** Return addresses above the caller (its caller first), from the unwinder; absent when it could not unwind. */
  callers?: TraceFrame[];
  fdinfo: {
    stat: "fifo" | "file" | "char" | "socket" | "dir" | "block" | "unknown" | "ebadf";
    ino?: number;
    dev?: number;
    target?: string;
    /** f_flags from /proc/self/fdinfo (O_ACCMODE, O_NONBLOCK...). */
    flags?: number;
    pipeSize?: number;
  };
  iov: TraceSegment[];
  /** The iovec array could not be read (process_vm_readv's errno, e.g. 14 EFAULT); `iov` is then empty. */
  iovUnreadable?: number;
  /** iovec entries not recorded (past the first 1025, or all of them when the array was unreadable). */
  iovNotRead?: number;
  maps: TraceMapping[];
  ret: number;
  errno: number;
  /** Raw pagemap entries after the call, for the pages in `iov` order. */
  after: (string | null)[];
}

/** A return address and the mapping it lies in. */
export interface TraceFrame {
  addr: string;
  mapStart?: string;
  mapOffset?: string;
  object?: string;
}

export interface TraceProcess {
  type: "process";
  pid: number;
  ppid: number;
  /** "exec": the program (or a program it ran) loaded the shim; "fork": a forked child of a recorded process. */
  how?: "exec" | "fork";
  exe: string;
}

/** A call address resolved through DWARF (written by the CLI after the run). */
export interface TraceSite {
  type: "site";
  object: string;
  /** File offset of the call instruction in the object (hex): the key calls are matched by (sites.ts). */
  fileOffset: string;
  /** Address in the object as addr2line reads it (hex). */
  address: string;
  file: string | null;
  line: number | null;
  function: string | null;
  /** Why there is no file:line, when there is none. */
  unresolved?: string;
}

export interface TraceRun {
  type: "run";
  program: string;
  args: string[];
  /** ISO time the run started. */
  start: string;
  exitCode: number | null;
  signal: string | null;
  kernelRelease: string;
}

export interface Trace {
  calls: TraceCall[];
  processes: TraceProcess[];
  sites: TraceSite[];
  run: TraceRun | null;
  /** Lines that could not be read (a process killed while writing its line leaves a torn last line). */
  problems: string[];
}

export function parseTrace(text: string): Trace {
  const trace: Trace = { calls: [], processes: [], sites: [], run: null, problems: [] };
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      trace.problems.push(`line ${index + 1} is not JSON (${line.length > 60 ? `${line.slice(0, 60)}…` : line})`);
      return;
    }
    const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
    if (type === "call" && Array.isArray((value as TraceCall).iov)) trace.calls.push(value as TraceCall);
    else if (type === "process") trace.processes.push(value as TraceProcess);
    else if (type === "site") trace.sites.push(value as TraceSite);
    else if (type === "run") trace.run = value as TraceRun;
    else trace.problems.push(`line ${index + 1} has an unknown type`);
  });
  return trace;
}

const PFN_MASK = (1n << 55n) - 1n;

/** The fields of a pagemap entry (Documentation/admin-guide/mm/pagemap.rst). */
export interface PagemapEntry {
  present: boolean;
  swapped: boolean;
  /** Bit 56: the page is mapped by this process only. */
  exclusive: boolean;
  /** Bit 61: a page-cache (file) page or shared anonymous memory. */
  fileOrShared: boolean;
  /** Null when the kernel hides PFNs (no CAP_SYS_ADMIN) or the page is not present. */
  pfn: number | null;
}

export function decodePagemap(hex: string): PagemapEntry {
  const word = BigInt(hex);
  const present = (word >> 63n) & 1n ? true : false;
  const pfn = present ? word & PFN_MASK : 0n;
  return {
    present,
    swapped: ((word >> 62n) & 1n) === 1n,
    exclusive: ((word >> 56n) & 1n) === 1n,
    fileOrShared: ((word >> 61n) & 1n) === 1n,
    pfn: pfn === 0n ? null : Number(pfn),
  };
}

/** kpageflags bits the recorder reads (include/uapi/linux/kernel-page-flags.h). */
export const KPF = { LOCKED: 0, ANON: 12, HUGE: 17, KSM: 21, THP: 22, ZERO_PAGE: 24 } as const;

export function kpageflag(hex: string, bit: number): boolean {
  return ((BigInt(hex) >> BigInt(bit)) & 1n) === 1n;
}

/** What kind of memory a mapping is, from its smaps header (permissions, path) and VmFlags. */
export type MappingKind =
  "private-anon" | "heap" | "stack" | "shared-anon" | "private-file" | "shared-file" | "hugetlb";

export function mappingKind(mapping: TraceMapping): MappingKind {
  const path = mapping.path;
  const flags = mapping.vmflags.split(/\s+/);
  if (flags.includes("ht") || path.startsWith("/anon_hugepage") || path.includes("hugetlb")) return "hugetlb";
  const shared = mapping.perms[3] === "s";
  const anonymous = path === "" || path.startsWith("[");
  if (shared) {
    if (anonymous || /^\/(dev\/zero|memfd:|SYSV|dev\/shm\/)/.test(path)) return "shared-anon";
    return "shared-file";
  }
  if (path === "[heap]") return "heap";
  if (path === "[stack]" || path.startsWith("[stack:")) return "stack";
  if (anonymous) return "private-anon";
  return "private-file";
}

export const MAPPING_WORDS: Record<MappingKind, string> = {
  "private-anon": "private anonymous",
  heap: "private anonymous (heap)",
  stack: "private anonymous (stack)",
  "shared-anon": "shared memory (shmem)",
  "private-file": "private file mapping",
  "shared-file": "shared file mapping",
  hugetlb: "hugetlb",
};

/** One page an iovec touches, as the kernel showed it at the moment of the call. */
export interface PageObservation {
  /** Address of the page (a multiple of the run's page size). */
  address: number;
  mapping: TraceMapping | null;
  kind: MappingKind | "unmapped";
  /** Null when /proc/self/pagemap was unreadable. */
  present: boolean | null;
  swapped: boolean;
  exclusive: boolean | null;
  /** A page-cache or shmem page (pagemap bit 61); false for an anonymous page (including a private file page's COW copy). */
  fileOrShared: boolean | null;
  pfn: number | null;
  /** Null when neither /proc/kpageflags nor the shim's zero-page probe could tell. */
  zero: boolean | null;
  thp: boolean | null;
  ksm: boolean | null;
  mlocked: boolean;
  /** The pagemap entry after the call returned. */
  after: { present: boolean; pfn: number | null } | null;
}

/** The pages of every iovec of a call, decoded; the pages of segment i are `result[i]`. */
export function observePages(call: TraceCall): PageObservation[][] {
  const zeroPfn = call.zeroPfn ? Number(BigInt(call.zeroPfn)) : null;
  let position = 0;
  return call.iov.map((segment) => {
    const first = Math.floor(Number(BigInt(segment.base)) / call.pageSize) * call.pageSize;
    return segment.pages.map((page, index) => {
      const entry = page.pm !== null ? decodePagemap(page.pm) : null;
      const mapping = page.map >= 0 ? (call.maps[page.map] ?? null) : null;
      const afterHex = call.after[position++] ?? null;
      const after = afterHex ? decodePagemap(afterHex) : null;
      const flags = page.kf;
      const zero =
        flags !== null
          ? kpageflag(flags, KPF.ZERO_PAGE)
          : entry?.present && entry.pfn !== null && zeroPfn !== null
            ? entry.pfn === zeroPfn
            : entry && !entry.present
              ? false
              : null;
      return {
        address: first + index * call.pageSize,
        mapping,
        kind: mapping ? mappingKind(mapping) : "unmapped",
        present: entry ? entry.present : null,
        swapped: entry ? entry.swapped : false,
        exclusive: entry ? entry.exclusive : null,
        fileOrShared: entry ? entry.fileOrShared : null,
        pfn: entry ? entry.pfn : null,
        zero,
        thp: flags !== null ? kpageflag(flags, KPF.THP) : entry && !entry.present ? false : null,
        ksm: flags !== null ? kpageflag(flags, KPF.KSM) : entry && !entry.present ? false : null,
        mlocked: mapping ? mapping.vmflags.split(/\s+/).includes("lo") : false,
        after: after ? { present: after.present, pfn: after.pfn } : null,
      };
    });
  });
}

/** "private anonymous, present, exclusively mapped, PFN 0x1c398f, not THP, not KSM" */
export function describePage(page: PageObservation): string {
  const parts: string[] = [page.kind === "unmapped" ? "in no mapping" : MAPPING_WORDS[page.kind]];
  if (page.present === null) parts.push("presence unknown (pagemap unreadable)");
  else if (!page.present) parts.push(page.swapped ? "swapped out" : "not present");
  else {
    parts.push("present");
    if (page.zero) parts.push("the shared zero page");
    else {
      if (page.exclusive !== null) parts.push(page.exclusive ? "exclusively mapped" : "shared with another mapping");
      if (page.ksm) parts.push("KSM-merged");
      if (page.thp) parts.push("part of a transparent huge page");
    }
    if (page.pfn !== null) parts.push(`PFN 0x${page.pfn.toString(16)}`);
    if (page.zero === null || page.thp === null || page.ksm === null)
      parts.push("zero-page/THP/KSM state unknown (/proc/kpageflags unreadable)");
  }
  if (page.mlocked) parts.push("mlocked");
  if (page.mapping && page.mapping.perms[1] !== "w") parts.push("read-only");
  return parts.join(", ");
}
