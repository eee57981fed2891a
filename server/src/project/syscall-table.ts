/**
 * Rows of a syscall table file (`*.tbl`, the kernel's `arch/x86/entry/syscalls/syscall_64.tbl` format, or a
 * project's own): `<number> <abi> <name> [<entry point> [<compat entry point>]]`, `#` starts a comment; also CRIU's
 * `__NR_<name> <number> <entry point> (<arguments>)` (no ABI column: `abi` is empty).
 *
 * What a row gives: the syscall number that means vmsplice for that ABI and the generated entry-point names (e.g.
 * `sys_vmsplice`) that stand for vmsplice. `syscallTableFacts` joins the rows of every table of a project into what
 * call discovery uses (analysis/discovery.ts); the project index reads the files (project.ts). Pure: the caller reads
 * the file.
 */
import type { SyscallTableFacts, TableRow } from "../analysis/discovery";

export interface SyscallRow {
  number: number;
  /** The ABI column ("common", "64", "x32", …); empty in tables without one (CRIU's). */
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
    // CRIU's compel tables: `__NR_<name> <number> <entry point> (<arguments>)`, one table per architecture.
    const [first, second, third] = fields;
    if (first?.startsWith("__NR_") && first.length > 5 && second && /^\d+$/.test(second)) {
      const entry = third && !third.startsWith("(") ? third : null;
      rows.push({ number: Number(second), abi: "", name: first.slice(5), entry, compatEntry: null, line: index + 1 });
      continue;
    }
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

/** A table file's text, with its path and its name relative to the project root. */
export interface TableText {
  file: string;
  display: string;
  text: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * What a project's tables say about vmsplice, joined over every table: the entry-point names of vmsplice rows (a name
 * that a row of another syscall also names is left out), each with the first row naming it, and vmsplice's number
 * when every vmsplice row of every table gives the same one and no row of another syscall has it (a bare number means
 * vmsplice only if it does on every ABI the project builds for). Undefined when no table names vmsplice.
 */
export function syscallTableFacts(tables: readonly TableText[]): SyscallTableFacts | undefined {
  const located: { row: SyscallRow; where: TableRow }[] = [];
  for (const table of tables) {
    const starts = lineStarts(table.text);
    for (const row of parseSyscallTable(table.text)) {
      const start = starts[row.line - 1] ?? 0;
      const end = (starts[row.line] ?? table.text.length + 1) - 1;
      const length = table.text.slice(start, end).replace(/\r$/, "").length;
      located.push({
        row,
        where: {
          file: table.file,
          display: table.display,
          line: row.line,
          abi: row.abi,
          number: row.number,
          range: {
            startIndex: start,
            endIndex: start + length,
            start: { line: row.line - 1, column: 0 },
            end: { line: row.line - 1, column: length },
          },
        },
      });
    }
  }
  const wanted = located.filter((item) => item.row.name === "vmsplice");
  if (wanted.length === 0) return undefined;
  const others = located.filter((item) => item.row.name !== "vmsplice");
  const otherEntries = new Set(others.flatMap((item) => [item.row.entry, item.row.compatEntry]));
  const entries: SyscallTableFacts["entries"] = [];
  for (const { row, where } of wanted)
    for (const name of [row.entry, row.compatEntry])
      if (name && IDENTIFIER.test(name) && !otherEntries.has(name) && !entries.some((entry) => entry.name === name))
        entries.push({ name, row: where });
  const numbers = new Set(wanted.map((item) => item.row.number));
  const [value] = numbers;
  const unique = numbers.size === 1 && !others.some((item) => item.row.number === value);
  return { entries, number: unique ? { value, rows: wanted.map((item) => item.where) } : null };
}

/** Offsets where each line of the text starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  return starts;
}
