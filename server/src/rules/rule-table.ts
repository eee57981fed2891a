/**
 * The rule table: one record per stable rule id of the specification (shared/domain/vmsplice-semantics.md, sections 4 and 8).
 *
 * Rules are data. Diagnostics, hover text, `vmsplice-lens explain`, SARIF rule metadata and the documentation all derive
 * from these records, so a rule's words live in exactly one place.
 * This module is pure and imports nothing from the editor, the protocol library or Node's I/O.
 */
import type { KernelModel, Severity } from "../analysis/facts";

export interface RuleRecord {
  /** Stable id, never renamed. */
  id: string;
  severity: Severity;
  /** Kernel models where the rule can fire. */
  models: KernelModel[];
  /** One-line message. */
  title: string;
  /** Kernel condition that triggers it. */
  condition: string;
  /** What happens to the data. */
  effect: string;
  /** C patterns that trigger it. */
  patterns: string;
  /** How to fix the program. */
  fix: string;
  /** Confidence tags from the specification ([CODE], [DERIVED], [BUG?], verification notes). */
  tag: string;
  /** Null when the analyzer decides the rule from C source; otherwise why it cannot. */
  notDecidedFromSource: string | null;
  /** What a real kernel showed (the RFC ported to 6.1 under QEMU, `npm run oracle:rfc`), when it was checked. */
  observed?: string;
  /**
   * Set when a page this rule fires on gets the verdict `unsafe` instead of `move` (shared/domain/vmsplice-semantics.md,
   * "Verdict unsafe" after section 4.3): the RFC as written moves the page into the wrong place or the wrong kind of
   * mapping, or the call crashes the kernel.
   */
  unsafe?: "moves-into-wrong-place" | "crashes-kernel";
}

export const RULES: readonly RuleRecord[] = [
  {
    id: "VMS-MAINLINE-COPY",
    severity: "info",
    models: ["mainline-3.12", "mainline-6.x"],
    title: "vmsplice to user memory always copies on this kernel; `SPLICE_F_MOVE` is ignored",
    condition: "Any from-pipe vmsplice",
    effect: "Always copy; `SPLICE_F_MOVE` ignored",
    patterns: "Any `vmsplice(read_end, …, SPLICE_F_MOVE)` expecting zero-copy",
    fix: "Accept one copy; for real zero-copy share memory (memfd + `mmap(MAP_SHARED)` in both processes)",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-GIFT-NOOP",
    severity: "info",
    models: ["mainline-3.12", "mainline-6.x"],
    title: "`SPLICE_F_GIFT` neither checks alignment nor unmaps anything on this kernel",
    condition: "`SPLICE_F_GIFT` on to-pipe",
    effect: "Only sets `GIFT`; no alignment check, no unmapping; only FUSE stealing can use it",
    patterns: "`vmsplice(w, iov, n, SPLICE_F_GIFT)` then reusing the buffer",
    fix: "Harmless; drop the flag unless feeding FUSE",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-FLAGS-UNKNOWN",
    severity: "error",
    models: ["mainline-6.x"],
    title: "Unknown splice flag bits: the call fails with `EINVAL`",
    condition: "`flags & ~0xF`",
    effect: "`EINVAL` (3.12/RFC: silently ignored)",
    patterns: "Passing `O_NONBLOCK` or `MSG_*` constants as flags",
    fix: "Use only `SPLICE_F_*`",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-NO-GIFT",
    severity: "warning",
    models: ["rfc-v2"],
    title: "The writer did not gift this buffer, so the reader's move falls back to a copy",
    condition:
      "Buffer lacks `GIFT`: writer omitted `SPLICE_F_GIFT`, or the buffer came through `tee` or a partial pipe-to-pipe splice",
    effect: "Copy",
    patterns: "`vmsplice(w, iov, n, SPLICE_F_MOVE)`; `vmsplice(w, iov, n, 0)`; `tee()` in between",
    fix: "Writer passes `SPLICE_F_GIFT` (plus `SPLICE_F_MOVE` as the cover letter asks)",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-NO-MOVE-FLAG",
    severity: "warning",
    models: ["rfc-v2"],
    title: "The reader did not pass `SPLICE_F_MOVE`, so gifted pages are copied (and the writer lost them anyway)",
    condition: "Reader flags lack `SPLICE_F_MOVE`",
    effect: "Copy (writer's pages were still zapped if it gifted)",
    patterns: "`vmsplice(r, iov, n, 0)` or `SPLICE_F_NONBLOCK` only",
    fix: "Reader passes `SPLICE_F_MOVE`",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-ALIGN-SRC",
    severity: "warning",
    models: ["rfc-v2"],
    title: "Source address is not page-aligned; these chunks are copied",
    condition: "Chunk `offset != 0` because `iov_base mod P ≠ 0`",
    effect: "That chunk copies",
    patterns:
      "`malloc`, `calloc`, `new[]`, `realloc` (glibc returns 16-byte alignment; even mmap-backed large chunks start 16 bytes into a page); stack arrays; `buf + header_len`; `iov_base = p + 100`; struct members",
    fix: "`posix_memalign(&p, sysconf(_SC_PAGESIZE), n)`, `aligned_alloc`, `mmap`",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-LEN-PAGE",
    severity: "warning",
    models: ["rfc-v2"],
    title: "Chunk is shorter than a page; it is copied",
    condition: "Chunk `len != P`",
    effect: "That chunk copies",
    patterns:
      "`iov_len = 4000`; lengths not a multiple of `P` (the tail chunk copies); literal `4096` on a 16/64 KiB-page system",
    fix: "Pad lengths to multiples of `sysconf(_SC_PAGESIZE)`",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-OFFSET-CONSUMED",
    severity: "warning",
    models: ["rfc-v2"],
    title: "The pipe buffer was partially read earlier; its remainder is copied",
    condition: "Buffer was partially consumed before (`offset > 0`)",
    effect: "Copy of the remainder",
    patterns:
      "A previous reader call with a short iovec (VMS-DST-SHORT), `read()` of fewer than `P` bytes, partial `splice`",
    fix: "Read in whole pages",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-ZERO-PAGE",
    severity: "warning",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "Source pages were never written: the pipe carries the zero page",
    condition: "Source page never written: GUP pinned the zero page (or huge zero page)",
    effect: "RFC: copy of zeros. Mainline: reader gets zeros even if the writer fills the buffer after vmsplice",
    patterns: "`mmap` or large `malloc` then `vmsplice` before filling; `calloc` of a fresh mapping",
    fix: "Write (touch) every page before vmsplice",
    tag: "[DERIVED]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-SHMEM",
    severity: "warning",
    models: ["rfc-v2"],
    title: "Shared (shmem) memory is not anonymous; copied",
    condition: "Source frame is shmem",
    effect: "Copy; the writer's PTE is zapped but data survives",
    patterns: "`MAP_SHARED|MAP_ANONYMOUS`, `memfd_create`, `shm_open`, `shmat`, `/dev/shm` files",
    fix: "Use private anonymous memory for gifts",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-FILE",
    severity: "warning",
    models: ["rfc-v2"],
    title: "File-backed memory is not anonymous; copied",
    condition: "Source frame is page cache (file mapping not yet written, or `MAP_SHARED` file)",
    effect: "Copy; writer's PTE zapped, data refaults",
    patterns: "`mmap(fd, …)` of a file",
    fix: "Copy file data into private anonymous memory first, or use `splice(file → pipe)`",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-STILL-MAPPED",
    severity: "warning",
    models: ["rfc-v2"],
    title: "The page is still mapped somewhere; copied",
    condition: "`mapcount > 0` when the reader consumes",
    effect: "Copy",
    patterns: "Any of the causes below",
    fix: "See causes",
    tag: "[CODE]",
    notDecidedFromSource: "Reported through its causes that C source shows: VMS-FORK and VMS-RFC-IOV-BASE.",
  },
  {
    id: "VMS-FORK",
    severity: "warning",
    models: ["rfc-v2"],
    title: "A forked process still maps the page copy-on-write; copied",
    condition: "A forked child (or parent) still maps the copy-on-write-shared page",
    effect: "Copy; the child keeps the data",
    patterns: "`fork()` after filling and before vmsplice, child still alive",
    fix: "Fill after fork, `madvise(MADV_DONTFORK)` on the buffer, or make sure the other process has exited or touched its copy",
    tag: "[DOC][CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-IOV-BASE",
    severity: "warning",
    models: ["rfc-v2"],
    title: "Multi-page iovec: only the page at `iov_base` is unmapped, the rest are copied",
    condition: "Multi-page iovec: only the page containing `iov_base` is zapped",
    effect: "First page moves, the others copy",
    patterns: "`struct iovec v = { buf, 16 * P }`",
    fix: "One iovec per page (the pipe takes at most `N` per call anyway)",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-NO-ZAP",
    severity: "info",
    models: ["rfc-v2"],
    title: "Chunks that did not fit in the pipe were neither queued nor unmapped",
    condition: "The pipe filled before all gathered chunks were queued",
    effect:
      "The remaining chunks are neither queued nor zapped; the writer keeps them and only the returned byte count was gifted",
    patterns: "Large vmsplice into a nearly full pipe; ignoring the return value",
    fix: "Check the return value and resubmit the rest",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-KSM",
    severity: "warning",
    models: ["rfc-v2"],
    title: "KSM-merged page: usually copied; if moved, KSM bookkeeping is wrong",
    condition:
      "Frame is KSM-merged: usually still mapped elsewhere (copy); if not, the move maps a KSM frame without updating KSM's reverse map",
    effect: "Copy, or a move that reclaim/migration cannot fully track",
    patterns: "`madvise(MADV_MERGEABLE)` on the source; KSM running",
    fix: "Do not mark gift buffers mergeable",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-THP",
    severity: "warning",
    models: ["rfc-v2"],
    title: "Page is part of an unsplit transparent huge page; copied",
    condition: "Frame is part of a THP that the writer-side zap did not split",
    effect: "Copy",
    patterns:
      "Writer zap covers the whole PMD (needs ≥512 contiguous one-page iovecs in one call, i.e. a pipe of at least 2 MiB, which only a privileged process can set)",
    fix: "`madvise(MADV_NOHUGEPAGE)` on gift buffers",
    tag: "[CODE]",
    notDecidedFromSource:
      "Needs one call to zap a whole PMD (512 one-page iovecs into a pipe of at least 2 MiB); the analyzer reports VMS-THP-SPLIT for huge-page buffers instead.",
  },
  {
    id: "VMS-THP-SPLIT",
    severity: "info",
    models: ["rfc-v2"],
    title: "The gift splits the writer's transparent huge page",
    condition: "Partial zap of a THP splits it first, so the page is no longer compound",
    effect: "Move happens (surprising: the compound check is bypassed); the writer's huge page is broken up",
    patterns: "`madvise(MADV_HUGEPAGE)` or THP=always with 2 MiB-aligned buffers",
    fix: "`MADV_NOHUGEPAGE` if huge pages matter more than the move",
    tag: "[DERIVED]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-HUGETLB-OOPS",
    severity: "error",
    models: ["rfc-v2"],
    title: "Gifting hugetlb memory crashes the kernel",
    condition: "Writer zap on a hugetlb VMA is not huge-aligned",
    effect: "Kernel `BUG`, task killed, kernel tainted; also with MOVE alone",
    patterns: "`mmap(…, MAP_HUGETLB, …)`, hugetlbfs files, `shmget(SHM_HUGETLB)` as vmsplice source with GIFT or MOVE",
    fix: "Never gift hugetlb memory on this kernel",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
    unsafe: "crashes-kernel",
  },
  {
    id: "VMS-COMPOUND",
    severity: "warning",
    models: ["rfc-v2"],
    title: "Compound page; copied",
    condition: "Any other compound frame",
    effect: "Copy",
    patterns: "Hugetlb (never reached, see above)",
    fix: "—",
    tag: "[CODE]",
    notDecidedFromSource:
      "The only user-visible compound source, hugetlb, crashes in the writer zap first (VMS-RFC-HUGETLB-OOPS); the analyzer reports that instead.",
  },
  {
    id: "VMS-ALIGN-DST",
    severity: "error",
    models: ["rfc-v2"],
    title: "Destination not page-aligned: a move lands shifted and clobbers neighbouring bytes",
    condition: "`dst mod P ≠ 0`",
    effect: "Move happens at `floor(dst)`: data shifted, neighbouring bytes overwritten, success reported",
    patterns: "`malloc`'d or stack destination; `q + 100`",
    fix: "Page-aligned destination",
    tag: "[DOC says required][CODE][BUG?]",
    notDecidedFromSource: null,
    unsafe: "moves-into-wrong-place",
  },
  {
    id: "VMS-DST-SHORT",
    severity: "error",
    models: ["rfc-v2"],
    title: "Destination shorter than a page: the whole page is replaced, only part is reported",
    condition: "Remaining iovec length `< P` when a full gifted page arrives",
    effect: "Whole page replaced, only `n` reported, rest of the page overwritten, buffer left with `offset = n`",
    patterns: "`vmsplice(r, &(struct iovec){hdr, sizeof hdr}, 1, SPLICE_F_MOVE)`; lengths not a multiple of `P`",
    fix: "Destination lengths multiple of `P`",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
    unsafe: "moves-into-wrong-place",
  },
  {
    id: "VMS-DST-HOLE",
    severity: "error",
    models: ["rfc-v2"],
    title: "Destination is unmapped: the page is installed outside any mapping instead of failing with `EFAULT`",
    condition: "No VMA contains `dst` but one exists above",
    effect: "PTE installed outside any VMA; success",
    patterns: "Destination pointer to unmapped memory (after `munmap`, below the stack)",
    fix: "Fix the pointer; mainline gives `EFAULT`",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
    unsafe: "moves-into-wrong-place",
  },
  {
    id: "VMS-DST-RO",
    severity: "error",
    models: ["rfc-v2"],
    title: "Destination is read-only: the page is installed instead of failing with `EFAULT`",
    condition: "Destination VMA not writable",
    effect: "Page installed; success (mainline: `EFAULT`)",
    patterns: "`mmap(PROT_READ)`, `mprotect` read-only, string literals, `const` globals in `.rodata`",
    fix: "Writable destination",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
    unsafe: "moves-into-wrong-place",
  },
  {
    id: "VMS-DST-SHARED",
    severity: "error",
    models: ["rfc-v2"],
    title: "Destination is a shared mapping: an anonymous page is planted in it",
    condition: "Destination VMA is shmem or a shared file",
    effect: "Anonymous page planted in a shared mapping; other sharers and the file do not see the data",
    patterns: "`mmap(MAP_SHARED)` destination",
    fix: "Private anonymous destination",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
    unsafe: "moves-into-wrong-place",
  },
  {
    id: "VMS-DST-HUGETLB",
    severity: "error",
    models: ["rfc-v2"],
    title: "Destination is hugetlb memory: kernel crash",
    condition: "Destination VMA is hugetlb",
    effect: "Kernel `BUG` on the destination zap",
    patterns: "`MAP_HUGETLB` destination with `SPLICE_F_MOVE`",
    fix: "Non-hugetlb destination",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
    unsafe: "crashes-kernel",
  },
  {
    id: "VMS-DST-THP",
    severity: "info",
    models: ["rfc-v2"],
    title: "Destination transparent huge page gets split",
    condition: "Destination inside a THP",
    effect: "Huge page split, move happens",
    patterns: "THP-backed destination",
    fix: "`MADV_NOHUGEPAGE` on destination if that matters",
    tag: "[DERIVED]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-MOVE-ONLY-ZAP",
    severity: "error",
    models: ["rfc-v2"],
    title: "`SPLICE_F_MOVE` on the writing side unmaps the writer's pages without any move",
    condition: "Writer passes `SPLICE_F_MOVE` without `SPLICE_F_GIFT`",
    effect: "Writer's pages zapped (private-anon data lost) although they can never be moved",
    patterns: "`vmsplice(w, iov, n, SPLICE_F_MOVE)` — common because many programs pass `SPLICE_F_MOVE` habitually",
    fix: "Drop `SPLICE_F_MOVE` on the write side or add `SPLICE_F_GIFT`",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-GIFT-ONLY-ZAP",
    severity: "error",
    models: ["rfc-v2"],
    title: "`SPLICE_F_GIFT` alone now unmaps the writer's pages",
    condition: "Writer passes `SPLICE_F_GIFT` alone (the long-documented API)",
    effect: "Writer's pages are zapped: an ABI change for existing gift users; a MOVE reader then moves them",
    patterns: "`vmsplice(w, iov, n, SPLICE_F_GIFT)` followed by reuse of the buffer",
    fix: "Do not touch gifted buffers (the man page already forbids modifying them, but reading them back used to work)",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-ZAP-WRONG-PAGE",
    severity: "error",
    models: ["rfc-v2"],
    title: "Unaligned gift unmaps the first page, including bytes outside the gift",
    condition: "Unaligned multi-page iovec with GIFT or MOVE",
    effect: "The first page is zapped although its chunk was not eligible, losing bytes before `iov_base`",
    patterns: "`vmsplice(w, &(struct iovec){p + 100, 3 * P}, 1, SPLICE_F_GIFT)`",
    fix: "Page-aligned bases",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-SPLICE-MOVE-ZAP",
    severity: "error",
    models: ["rfc-v2"],
    title: "`splice(…→pipe, SPLICE_F_MOVE)` unmaps memory at an undefined address",
    condition: "`splice(file|socket → pipe, …, SPLICE_F_MOVE or SPLICE_F_GIFT)`",
    effect: "Zap at an address taken from an uninitialised field: random loss of the caller's memory",
    patterns: "`splice(fd, NULL, p[1], NULL, 65536, SPLICE_F_MOVE | SPLICE_F_MORE)`",
    fix: "Do not pass `SPLICE_F_MOVE` when splicing into a pipe",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-MMAPSEM-SLEEP",
    severity: "warning",
    models: ["rfc-v2"],
    title: "A writer blocked on a full pipe holds its address-space lock",
    condition: "Writer sleeps for pipe space while holding its address-space lock",
    effect:
      "`mmap`/`munmap`/`mprotect`/`brk` in that process stall; a sibling thread that must fault to drain the pipe can deadlock behind a queued `mmap`",
    patterns: "Multithreaded producer/consumer over one pipe in one process",
    fix: "Use `SPLICE_F_NONBLOCK` + `poll`",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-KTHREAD-OOPS",
    severity: "info",
    models: ["rfc-v2"],
    title: "Kernel-thread splices crash (documentation only; not visible in user code)",
    condition: "Any kernel-thread splice into a pipe",
    effect: "Null dereference (nfsd splice reads, 3.x loop driver)",
    patterns: "Not visible in user C code; document only",
    fix: "—",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: "Kernel threads (nfsd, the loop driver) are not visible in user C code; documented only.",
  },
  {
    id: "VMS-RFC-PHANTOM-SUCCESS",
    severity: "warning",
    models: ["rfc-v2"],
    title: "A racing fault on the destination can make the move report success without data",
    condition: "After the destination zap, page-table allocation fails or a racing fault repopulates the PTE",
    effect: "Move reported, no data delivered",
    patterns: "Multithreaded reader touching the destination during vmsplice",
    fix: "Do not touch destination buffers concurrently",
    tag: "[CODE][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-RSS",
    severity: "info",
    models: ["rfc-v2"],
    title: "Moved pages are missing from the reader's RSS",
    condition: "Every successful move",
    effect: 'Reader\'s anon RSS counter not incremented; undercounted RSS; "Bad rss-counter state" at exit',
    patterns: "Any moved page",
    fix: "— (kernel bug)",
    tag: "[CODE][BUG?]",
    notDecidedFromSource:
      "Fires on every successful move; shown in the hover and explain text of moving readers rather than as a diagnostic.",
  },
  {
    id: "VMS-RFC-ANON-VMA",
    severity: "warning",
    models: ["rfc-v2"],
    title:
      "Moved pages keep the writer's reverse map: not migratable, and a debug kernel crashes after the writer exits",
    condition: "Every successful move",
    effect:
      "The moved page keeps the writer's reverse-map owner (anon_vma, index): compaction and migration cannot move it; once the writer's anon_vma is freed (writer exited, e.g. a forked child that gifted), a `DEBUG_VM` kernel hits `BUG` in migration",
    patterns: "Any moved page, especially from a short-lived writer process",
    fix: "— (kernel bug; avoid relying on moves in long-running readers)",
    tag: "[OBSERVED on a 6.1 port under QEMU][BUG?]",
    notDecidedFromSource:
      "Fires on every successful move; shown in the hover and explain text of moving readers rather than as a diagnostic.",
  },
  {
    id: "VMS-RFC-TEE-ALIAS",
    severity: "error",
    models: ["rfc-v2"],
    title: "A page still referenced by a tee'd pipe is moved; later writes leak into that pipe",
    condition: "Frame referenced by another pipe (tee) or another pin when moved",
    effect: "The other reference observes the reader's later writes",
    patterns: "`tee()` before the MOVE reader",
    fix: "Do not combine tee with MOVE",
    tag: "[DERIVED][BUG?]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-RFC-STALE-GIFT",
    severity: "warning",
    models: ["rfc-v2"],
    title: "A buffer can inherit a stale gift flag from its pipe slot and be moved unexpectedly",
    condition: "3.12 slot flags are OR-ed, never cleared on insert",
    effect: "A non-gifted buffer can inherit `GIFT`; with a MOVE-only writer (zapped) the page is then moved",
    patterns: "Ring wrap-around, e.g. a 1-slot pipe after `F_SETPIPE_SZ(P)`",
    fix: "— (kernel bug; 6.x clears flags)",
    tag: "[CODE]",
    notDecidedFromSource:
      "Depends on the history of each pipe slot at run time; the simulator replays it, the analyzer cannot see it.",
  },
  {
    id: "VMS-RFC-MLOCK",
    severity: "info",
    models: ["rfc-v2"],
    title: "Gifting unmaps mlocked memory",
    condition: "Zap ignores `mlock`",
    effect: "Locked gift buffers are unmapped anyway",
    patterns: "`mlock(buf)` before gifting",
    fix: "—",
    tag: "[DERIVED]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-ALIAS-WRITE",
    severity: "error",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "The buffer is modified after vmsplice; the reader sees the new bytes",
    condition:
      "Writer modifies the buffer after vmsplice returns, before the reader consumes it, through a writable PTE",
    effect: "Reader sees the modified bytes",
    patterns: "`vmsplice(w, …); memset(buf, …)`; reusing a ring buffer immediately",
    fix: "Wait until the reader has consumed (protocol ack), use `SPLICE_F_GIFT` and never touch, or use `write()`",
    tag: "[CODE][DERIVED] **[VERIFIED 6.18]**",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-ALIAS-ZEROPAGE",
    severity: "error",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "The buffer is filled after vmsplice; the reader sees zeros",
    condition: "Buffer untouched at vmsplice time",
    effect: "Pipe holds the zero page; later fills are invisible; reader gets zeros",
    patterns: "`p = mmap(…); vmsplice(w, {p, n}); fill(p)`",
    fix: "Fill before vmsplice",
    tag: "[DERIVED] **[VERIFIED 6.18]**",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-ALIAS-COW",
    severity: "warning",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "Writes after vmsplice through a copy-on-write mapping may or may not reach the reader",
    condition: "Writer's PTE is write-protected (post-fork COW, KSM) when it writes after vmsplice",
    effect:
      "6.x: the writer gets a new frame, pipe keeps the old bytes (snapshot) **[VERIFIED 6.18: fork child alive, fork child already exited, KSM-merged page]**. 3.12/RFC: same if `mapcount > 1`, but if the other mapper is gone (`mapcount == 1`) the frame is reused in place (alias)",
    patterns: "`fork()` + vmsplice + modify",
    fix: "Same as ALIAS-WRITE",
    tag: "[DERIVED]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-WRONG-END",
    severity: "error",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "vmsplice on the read end reads into the buffer instead of sending it",
    condition: "Writer-intended call on the read end",
    effect: "It reads: overwrites the buffer with pipe data, blocks when empty, `EAGAIN` with NONBLOCK, 0 at EOF",
    patterns: "`vmsplice(fds[0], …)` after `pipe(fds)`",
    fix: "Write end is `fds[1]`",
    tag: "[CODE] **[VERIFIED 6.18]**",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-NONBLOCK-FD",
    severity: "warning",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "`O_NONBLOCK` on the pipe does not make vmsplice non-blocking",
    condition: "`O_NONBLOCK` on the pipe but no `SPLICE_F_NONBLOCK`",
    effect: "vmsplice still blocks",
    patterns: "`pipe2(fds, O_NONBLOCK)` then `vmsplice(…, 0)`",
    fix: "Pass `SPLICE_F_NONBLOCK`",
    tag: "[CODE] **[VERIFIED 6.18, both ends]**",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-PARTIAL",
    severity: "warning",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "Return value not checked; transfers can be short",
    condition: "Return value smaller than the iovec total (pipe full, `N`-page cap, GUP stop)",
    effect: "Short transfer",
    patterns: "Ignoring the return value",
    fix: "Loop on the remainder",
    tag: "[CODE] **[VERIFIED 6.18: full pipe, pipe capacity, GUP stop at an unmapped page]**",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-ZERO-LEN-IOV",
    severity: "warning",
    models: ["mainline-3.12", "rfc-v2"],
    title: "A zero-length iovec ends the transfer early on this kernel",
    condition: "A zero-length iovec",
    effect: "Processing stops there (6.x skips it **[VERIFIED 6.18]**)",
    patterns: "`iov[i].iov_len = 0` placeholders",
    fix: "Remove empty entries",
    tag: "[CODE]",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-NOT-PIPE",
    severity: "error",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "vmsplice requires a pipe",
    condition: "fd is not a pipe",
    effect: "`EBADF` (6.x: 0 if the total length is 0)",
    patterns: "`vmsplice(sock, …)`, regular file",
    fix: "vmsplice only pipes",
    tag: "[CODE] **[VERIFIED 6.18: regular file, socket]**",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-IOV-MAX",
    severity: "error",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title: "More than 1024 iovecs: `EINVAL`",
    condition: "`nr_segs > 1024`",
    effect: "`EINVAL`",
    patterns: "Large scatter lists",
    fix: "Batch by `IOV_MAX`",
    tag: "[CODE] **[VERIFIED 6.18]**",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-PAGE-SIZE-LITERAL",
    severity: "info",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title:
      "A hard-coded 4096 is used as the page size; on 16 KiB and 64 KiB page kernels these lengths and offsets are not whole pages",
    condition: "An iovec base offset or length is computed from the literal 4096 instead of the runtime page size",
    effect:
      "Correct on 4 KiB-page kernels; on arm64 16 KiB/64 KiB or ppc64 64 KiB kernels the chunks are shorter than a page and copy (VMS-LEN-PAGE, VMS-ALIGN-SRC)",
    patterns: "`iov_len = 4096`; `buf + i * 4096`; `#define PAGE 4096`",
    fix: "Use `sysconf(_SC_PAGESIZE)` (or `getpagesize()`) once at start-up and derive lengths from it",
    tag: "[CODE] (vmsplice Lens addition, not in the specification's rule index)",
    notDecidedFromSource: null,
  },
  {
    id: "VMS-SUPPRESSION",
    severity: "warning",
    models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    title:
      "A vmsplice-lens suppression comment is incomplete: it gives no reason, names an unknown rule id, or precedes no vmsplice call",
    condition:
      "A `// vmsplice-lens: ignore VMS-ID -- reason` comment without a reason, with an id that is not a rule, or not followed by a vmsplice call",
    effect:
      "Nothing in the kernel; the suppression silences less than intended, or silences without an explanation for reviewers",
    patterns:
      "`// vmsplice-lens: ignore VMS-ALIGN-SRC` (no reason); `// vmsplice-lens: ignore VMS-ALIGN -- ...` (misspelt id)",
    fix: "Name existing rule ids and add `-- why this is safe`, directly above the vmsplice call",
    tag: "(vmsplice Lens addition, not in the specification's rule index)",
    notDecidedFromSource: null,
  },
];

/**
 * Observations on a real kernel: the seed ported to Linux 6.1.176 and booted under QEMU (`npm run oracle:rfc`,
 * docs/oracle-report.md, oracle/rules-confirmed.md); scenario ids refer to samples/scenarios and oracle/scenarios.
 */
const OBSERVED_ON_RFC_PORT: Readonly<Record<string, string>> = {
  "VMS-RFC-GIFT-ONLY-ZAP":
    "confirmed (G03, O03): `SPLICE_F_GIFT` alone zaps the writer's pages and a MOVE reader then moves them",
  "VMS-RFC-MOVE-ONLY-ZAP":
    "confirmed (G04, O02): `SPLICE_F_MOVE` alone zaps the writer's page, the reader copies, the writer reads zeros",
  "VMS-RFC-IOV-BASE":
    "confirmed (G02, O02, O03): a multi-page iovec zaps only the page at `iov_base`; only that page moves",
  "VMS-RFC-ZAP-WRONG-PAGE":
    "confirmed (G07): an unaligned 3-page gift zaps the first page, bytes before `iov_base` included, and everything is copied",
  "VMS-NO-GIFT": "confirmed (G04): a buffer without `GIFT` is copied",
  "VMS-NO-MOVE-FLAG":
    "confirmed (G05): a reader without `SPLICE_F_MOVE` copies, and the writer's pages are already zapped",
  "VMS-ALIGN-SRC": "confirmed (G06, G07): chunks with a non-zero offset are not zapped and are copied",
  "VMS-LEN-PAGE": "confirmed (G08): a 4000-byte chunk is not zapped and is copied",
  "VMS-DST-SHORT": "confirmed (G09): a 100-byte destination gets the whole page moved while 100 is reported",
  "VMS-OFFSET-CONSUMED":
    "confirmed (G09): the remaining 3996 bytes of the partly consumed buffer are copied by the next call",
  "VMS-ALIGN-DST": "confirmed (G10): with destination `q+100` the frames land on `q` and `q+P` and the data is shifted",
  "VMS-FORK":
    "confirmed (G11): with a forked child still mapping the page, the writer is zapped, the reader copies, the child keeps the data",
  "VMS-STILL-MAPPED": "confirmed (G11) through VMS-FORK",
  "VMS-SHMEM": "confirmed (G12): the shmem PTE is zapped, the data refaults, the reader copies",
  "VMS-ZERO-PAGE":
    "confirmed (G13): an untouched source queues the zero page, which is zapped harmlessly and copied as zeros",
  "VMS-ALIAS-WRITE": "confirmed (G14), as on mainline",
  "VMS-ALIAS-ZEROPAGE": "confirmed (G15), as on mainline",
  "VMS-DST-RO":
    "confirmed (G18): the page is installed in a read-only destination and 4096 returned (mainline: `EFAULT`)",
  "VMS-WRONG-END": "confirmed (G24), as on mainline",
  "VMS-NONBLOCK-FD": "confirmed (G25), as on mainline",
  "VMS-NO-ZAP":
    "confirmed (G26): with 14 of 16 slots used, 8192 is returned, pages 0-1 are zapped and pages 2-3 stay intact",
  "VMS-PARTIAL": "confirmed (G26): a short count is returned when the pipe fills",
  "VMS-RFC-TEE-ALIAS":
    "confirmed (G34 T): the frame still referenced by the tee'd pipe is moved, and that pipe's reader gets the reader's later write",
  "VMS-FILE":
    "confirmed (G36): a written copy-on-write page of a private file mapping moves, and the writer then reads the file's bytes",
  "VMS-DST-SHARED":
    "confirmed (O05): the gifted frame is installed in the reader only; another process sharing the mapping keeps the old bytes",
  "VMS-RFC-MLOCK":
    "confirmed (O04): an mlock()ed gift buffer is zapped anyway, its pages move, the writer then reads zeros",
  "VMS-DST-HOLE":
    "confirmed (hazard probe dst-hole): 4096 is returned and the gifted bytes are readable where /proc/self/maps shows nothing; the control kernel gives `EFAULT`",
  "VMS-RFC-RSS":
    "observed on every run: each move leaves the reader's anon RSS counter one too low, and when the reader exits the kernel prints `BUG: Bad rss-counter state ... type:MM_ANONPAGES val:-N` (N = moved pages still mapped)",
  "VMS-RFC-ANON-VMA":
    "reproduced in 9 of 9 boots (hazard probe anon-vma): the moved frame keeps the writer's anon_vma; after the writer exits, compaction hits `kernel BUG at mm/migrate.c:1163` (DEBUG_VM) or a page fault in `folio_lock_anon_vma_read` (a use-after-free, so non-debug kernels are exposed too)",
  "VMS-THP-SPLIT":
    "partly: the gift splits the writer's huge-page mapping (AnonHugePages drops), but on 6.1 the page stays compound and the reader copies; the 3.12 move is unverified (G17)",
};

for (const record of RULES as RuleRecord[]) {
  const observed = OBSERVED_ON_RFC_PORT[record.id];
  if (observed) record.observed = observed;
}

const byId = new Map(RULES.map((rule) => [rule.id, rule]));

/** The rule record for an id; throws on an unknown id, which is a programming error inside the engine. */
export function rule(id: string): RuleRecord {
  const found = byId.get(id);
  if (!found) throw new Error(`unknown rule id ${id}`);
  return found;
}

export function findRule(id: string): RuleRecord | undefined {
  return byId.get(id);
}

/** Whether a page carrying this rule is `unsafe` (never `move`), and why; null for every other rule. */
export function unsafeKind(id: string): RuleRecord["unsafe"] | null {
  return byId.get(id)?.unsafe ?? null;
}

const UNSAFE_WORDS: Record<NonNullable<RuleRecord["unsafe"]>, string> = {
  "moves-into-wrong-place":
    "a page this rule fires on is `unsafe`, not `move`: the RFC moves it into the wrong place or the wrong kind of mapping and reports success",
  "crashes-kernel": "a page this rule fires on is `unsafe`, not `move` or `copy`: the call crashes the kernel",
};

/** Markdown documentation of one rule, used by hover, `explain` and the generated rule docs. */
export function explainMarkdown(record: RuleRecord): string {
  const modelList = record.models.join(", ");
  const lines = [
    `### ${record.id} (${record.severity})`,
    "",
    record.title,
    "",
    `**Kernel models:** ${modelList}`,
    "",
    `**What the kernel does:** ${record.condition}. ${record.effect}.`,
    "",
    `**C patterns:** ${record.patterns}`,
    "",
    `**Fix:** ${record.fix}`,
    "",
    `**Confidence:** ${record.tag}`,
  ];
  if (record.unsafe) lines.push("", `**Verdict:** ${UNSAFE_WORDS[record.unsafe]}.`);
  if (record.observed)
    lines.push("", `**On a real kernel** (the RFC ported to Linux 6.1 under QEMU): ${record.observed}.`);
  if (record.notDecidedFromSource) lines.push("", `**Not decided from C source:** ${record.notDecidedFromSource}`);
  return lines.join("\n");
}
