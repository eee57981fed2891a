/**
 * Rows of a syscall table file (`*.tbl`, the kernel's `arch/x86/entry/syscalls/syscall_64.tbl` format, or a
 * project's own): `<number> <abi> <name> [<entry point> [<compat entry point>]]`, `#` starts a comment.
 *
 * What a row gives (decided here, not yet wired into discovery): the syscall number that means vmsplice for that ABI
 * (so `syscall(N, …)` through a project-defined `__NR_` macro can be recognised) and the generated entry-point names
 * (e.g. `sys_vmsplice`) that stand for vmsplice. A name that more than one row maps to different numbers for the same
 * ABI is ambiguous and gives no number. Pure: the caller reads the file.
 */

export interface SyscallRow {
  number: number;
  abi: string;
  name: string;
  entry: string | null;
  compatEntry: string | null;
  /** 1-based line of the row in its file, for evidence. */
  line: number;
}

/** The rows of a table's text; lines that are not rows (comments, blanks, malformed numbers) are skipped. */
export function parseSyscallTable(text: string): SyscallRow[] {
  const rows: SyscallRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const content = (lines[index] ?? "").replace(/#.*$/, "").trim();
    if (!content) continue;
    const fields = content.split(/\s+/);
    const [number, abi, name, entry, compat] = fields;
    if (!number || !abi || !name || !/^\d+$/.test(number)) continue;
    rows.push({
      number: Number(number),
      abi,
      name,
      entry: entry ?? null,
      compatEntry: compat ?? null,
      line: index + 1,
    });
  }
  return rows;
}

/** What a table says about vmsplice: its number per ABI (absent when rows disagree) and its entry-point names. */
export interface VmspliceRows {
  numbers: Map<string, number>;
  ambiguousAbis: string[];
  entryNames: Set<string>;
  rows: SyscallRow[];
}

export function vmspliceRows(rows: readonly SyscallRow[]): VmspliceRows {
  const wanted = rows.filter((row) => row.name === "vmsplice");
  const numbers = new Map<string, number>();
  const ambiguous = new Set<string>();
  for (const row of wanted) {
    const known = numbers.get(row.abi);
    if (known !== undefined && known !== row.number) ambiguous.add(row.abi);
    else numbers.set(row.abi, row.number);
  }
  for (const abi of ambiguous) numbers.delete(abi);
  const entryNames = new Set<string>();
  for (const row of wanted) {
    if (row.entry) entryNames.add(row.entry);
    if (row.compatEntry) entryNames.add(row.compatEntry);
  }
  return { numbers, ambiguousAbis: [...ambiguous].sort(), entryNames, rows: wanted };
}
