/**
 * Rules whose quick fix is one fix for the group (the loop in rules/quick-fixes.ts offers it once, by title), and
 * words shared by more than one rule module.
 */

/** Writes after vmsplice: one writev fix covers both. */
export const ALIAS_RULES = ["VMS-ALIAS-WRITE", "VMS-ALIAS-COW"] as const;

/** Untouched source pages: one "fill before vmsplice" fix covers both. */
export const ZERO_PAGE_RULES = ["VMS-ALIAS-ZEROPAGE", "VMS-ZERO-PAGE"] as const;

export const NO_HUGE_PAGE_TITLE =
  "Keep the buffer out of transparent huge pages: MADV_NOHUGEPAGE instead of MADV_HUGEPAGE";
