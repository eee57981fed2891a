/**
 * The documented limits of the simulator (docs/vmsim.md section 9): how large a number, a mapping, a fill, an iovec
 * list, a page reference or a trace may be, and the work budget that ends a runaway scenario.
 *
 * This module owns the numbers only (it imports nothing); the parser checks literals against them (with line and
 * column), the machine charges its work against the budget, caps the trace and throws `LimitError` (machine.ts).
 * Pure: no I/O, no editor or protocol imports, no console.
 * *Why:* a scenario is user input (and the replay writes scenarios from C facts); without bounds a page index of 2^64
 * or a 2 TiB fill ran the process out of memory instead of reporting a mistake.
 */
/** The x86-64 user address space (47 bits, 128 TiB): no length, offset or size may exceed it. */
export const MAX_BYTES = 2 ** 47;
/** Page counts (`4P`, `iov1(p,K)` aside) are checked against the smallest page size, so `MAX_PAGES * 4096 == MAX_BYTES`. */
export const MAX_PAGES = MAX_BYTES / 4096;
/** Iovecs listed on one vmsplice line (the kernel refuses more than 1024 with EINVAL; a few more show that). */
export const MAX_IOVECS = 4096;
/** An iovec length is a C `size_t`: any 64-bit value (the kernel refuses one negative as `ssize_t`); it costs no memory. */
export const MAX_IOV_LEN = 2 ** 64;
/** `nr=N`: the kernel's `unsigned long nr_segs`, bounded here to 32 bits (anything above 1024 is EINVAL anyway). */
export const MAX_NR_SEGS = 0xffffffff;
/** Splice and pipe-buffer flags are C `unsigned int`. */
export const MAX_FLAGS = 0xffffffff;
/** Pages one page reference (`p[0..N]`) may span. */
export const MAX_PAGE_SPAN = 65536;
/** Bytes an `expect bytes` line may compare (it reads them into memory). */
export const MAX_EXPECT_BYTES = 64 * 1024 * 1024;
/** Step lines in one scenario. */
export const MAX_STEPS = 10000;
/** Mappings (mmap lines) one process may create. */
export const MAX_MAPPINGS = 4096;
/** Descriptor numbers are C `int`. */
export const MAX_FD = 2 ** 31 - 1;
/**
 * Work budget of one run, in page operations: every page fault and every frame allocation costs one. A 1 GiB replay at
 * 4 KiB pages (bench/simulator.ts: 262,144 pages written, gifted and read) spends about 1.1 million; a `fill` or `touch`
 * that would need more than what is left fails before it starts.
 */
export const WORK_BUDGET = 2 ** 23;
/** Trace events kept per step and per run; the rest are counted and summarised in one `note` event. */
export const MAX_STEP_EVENTS = 65536;
export const MAX_RUN_EVENTS = 2097152;

export function budgetMessage(needed: number, left: number): string {
  return `work budget exceeded: this step needs about ${needed} more page operations, ${left} of the run's ${WORK_BUDGET} are left (docs/vmsim.md section 9)`;
}
