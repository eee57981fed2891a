/**
 * Which golden scenarios of spec section 6 (samples/scenarios/*.vmsim, written for the simulator) the oracle runs on
 * the real kernel, and why the others are left out.
 *
 * This module owns that choice only; it is data. A scenario is left out when 6.1 differs from 3.12 in a way the port
 * does not (and should not) undo, when the guest cannot observe the outcome, or when the outcome is a kernel crash.
 * The oracle's own extra scenarios live in oracle/scenarios/ and always run.
 */

/** Golden scenario ids the oracle runs, in report order. */
export const INCLUDED_GOLDENS = [
  "G01",
  "G02",
  "G03",
  "G04",
  "G05",
  "G06",
  "G07",
  "G08",
  "G09",
  "G10",
  "G11",
  "G12",
  "G13",
  "G14",
  "G15",
  "G18",
  "G24",
  "G25",
  "G26",
  "G27",
  "G30",
  "G31",
  "G34",
  "G36",
];

/** Golden scenarios left out, with the reason (shown in the report). */
export const EXCLUDED_GOLDENS: [string, string][] = [
  [
    "G16",
    "hugetlb source: the RFC's zap hits a kernel BUG by design (VMS-RFC-HUGETLB-OOPS); the guest kernel has no hugetlbfs, and a crash would end the single guest boot",
  ],
  ["G16-move-only", "as G16"],
  [
    "G19",
    "destination in a hole: /proc/self/pagemap only walks VMAs, so the guest cannot see the PTE the RFC installs outside one; the hazard probe oracle/hazards/dst-hole.script checks it instead (4096 returned, the bytes readable at the hole)",
  ],
  ["G33", "needs 64 KiB pages; x86-64 has 4 KiB"],
  [
    "G35",
    "6.1's vmsplice no longer goes through splice_to_pipe, where the RFC put its zap; the port zaps in the vmsplice path only, so VMS-RFC-SPLICE-MOVE-ZAP is not reproduced",
  ],
];

/**
 * Golden scenarios where 6.1 is known to differ from the 3.12 semantics the rfc-v2 model follows. They run in extra
 * boots (one per memory size) and are compared like the others; the run passes when exactly the listed kinds of
 * difference appear, so the report keeps the real kernel's outcome next to the model's.
 */
export interface KnownDifference {
  id: string;
  memoryMiB: number;
  /** The `what` of every difference expected (compare.ts names: "moved pages", "final bytes R q[0]", ...). */
  expected: string[];
  reason: string;
}

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    id: "G17",
    // 6.1 turns THP off below 512 MiB of RAM (hugepage_init), so this boot gets more memory than the main one.
    memoryMiB: 768,
    expected: ["moved pages"],
    reason:
      "THP source: both split the writer's huge page at the one-page zap, but 6.1 splits only the PMD mapping and keeps the compound page, so the RFC's own PageCompound check makes the reader copy; 3.12 split the page itself, and the rfc-v2 model (3.12 semantics) moves it",
  },
  {
    id: "G20",
    memoryMiB: 512,
    expected: ["outcome"],
    reason:
      "6.1 checks the descriptor before nr_segs (EBADF where 3.12 gives EINVAL); the syscall entry is not part of the port",
  },
  {
    id: "G21",
    memoryMiB: 512,
    expected: ["outcome"],
    reason: "6.1 checks the descriptor before the nr_segs == 0 shortcut; the syscall entry is not part of the port",
  },
  {
    id: "G22",
    memoryMiB: 512,
    expected: ["outcome"],
    reason: "6.1 returns 0 for a zero total before checking for a pipe; the syscall entry is not part of the port",
  },
  {
    id: "G23",
    memoryMiB: 512,
    expected: ["outcome"],
    reason: "6.1 rejects unknown flag bits with EINVAL, 3.12 ignored them; the syscall entry is not part of the port",
  },
  {
    id: "G28",
    memoryMiB: 512,
    expected: ["outcome", "final bytes R q[0]"],
    reason: "6.1 skips zero-length iovecs, 3.12 (and so the rfc-v2 model) stops at them",
  },
  {
    id: "G29",
    memoryMiB: 512,
    expected: ["outcome"],
    reason:
      "6.1 runs one splice round over all of the reader's iovecs and returns at once; 3.12 runs one per iovec and blocks between them",
  },
  {
    id: "G32",
    memoryMiB: 512,
    expected: ["moved pages"],
    reason:
      "6.1 writes fresh buffer flags on every insert, so 3.12's stale GIFT (VMS-RFC-STALE-GIFT) cannot make the second buffer move",
  },
];
