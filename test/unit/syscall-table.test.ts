import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSyscallTable, syscallTableFacts } from "../../server/src/project/syscall-table.js";

// Our own small table in the kernel's format (not copied from the kernel).
const TABLE = [
  "# A project's own syscall table",
  "# <number> <abi> <name> <entry point> [<compat entry point>]",
  "",
  "41\tcommon\tsplice\t\tsys_splice",
  "42\tcommon\tvmsplice\tsys_vmsplice",
  "43\tx32\tvmsplice\tcompat_sys_vmsplice   # compat row",
  "bad\tcommon\tnothing",
  "44\tcommon",
].join("\n");

test("parses rows and skips comments, blanks and malformed lines", () => {
  const rows = parseSyscallTable(TABLE);
  assert.deepEqual(
    rows.map((row) => [row.number, row.abi, row.name, row.entry, row.line]),
    [
      [41, "common", "splice", "sys_splice", 4],
      [42, "common", "vmsplice", "sys_vmsplice", 5],
      [43, "x32", "vmsplice", "compat_sys_vmsplice", 6],
    ],
  );
});

const facts = (...texts: string[]) =>
  syscallTableFacts(texts.map((text, index) => ({ file: `/p/t${index}.tbl`, display: `t${index}.tbl`, text })));

test("gives vmsplice's entry-point names, each with its row located in its file", () => {
  const result = facts(TABLE);
  assert.ok(result);
  assert.deepEqual(
    result.entries.map((entry) => [entry.name, entry.row.display, entry.row.line, entry.row.abi, entry.row.number]),
    [
      ["sys_vmsplice", "t0.tbl", 5, "common", 42],
      ["compat_sys_vmsplice", "t0.tbl", 6, "x32", 43],
    ],
  );
  const row = result.entries[0].row;
  assert.equal(TABLE.slice(row.range.startIndex, row.range.endIndex), "42\tcommon\tvmsplice\tsys_vmsplice");
  assert.deepEqual(
    [row.range.start, row.range.end],
    [
      { line: 4, column: 0 },
      { line: 4, column: row.range.endIndex - row.range.startIndex },
    ],
  );
});

test("a bare number only when every vmsplice row of every table gives it and no other syscall's row has it", () => {
  // Two ABIs with two numbers: no number.
  assert.equal(facts(TABLE)?.number, null);
  const one = facts("42 common vmsplice sys_vmsplice\n41 common splice sys_splice\n");
  assert.equal(one?.number?.value, 42);
  assert.deepEqual(
    one?.number?.rows.map((row) => row.line),
    [1],
  );
  // The same number in two tables agrees; another table giving another number, or using 42 for another syscall, does not.
  assert.equal(facts("42 common vmsplice sys_vmsplice\n", "42 i386 vmsplice sys_vmsplice\n")?.number?.value, 42);
  assert.equal(facts("42 common vmsplice sys_vmsplice\n", "316 i386 vmsplice sys_vmsplice\n")?.number, null);
  assert.equal(facts("42 64 vmsplice sys_vmsplice\n", "42 i386 mq_unlink sys_mq_unlink\n")?.number, null);
  // Disagreeing rows for one ABI: no number either.
  assert.equal(facts("42 common vmsplice sys_vmsplice\n99 common vmsplice sys_vmsplice\n")?.number, null);
});

test("an entry point another syscall's row also names, or that is no identifier, stands for nothing", () => {
  const result = facts("42 common vmsplice sys_shared\n43 common tee sys_shared\n44 x32 vmsplice - 3bad\n");
  assert.deepEqual(result?.entries, []);
  assert.equal(facts("41 common splice sys_splice\n"), undefined);
});

test("CRIU's compel tables: __NR_name, number, entry point and arguments, without an ABI column", () => {
  const text = [
    "# __NR_name\t\tcode\t\tname\t\t\targuments",
    "__NR_splice\t\t275\t\tsys_splice\t\t(int fdin, loff_t *off_in, int fdout)",
    "__NR_vmsplice\t\t278\t\tsys_vmsplice\t\t(int fd, const struct iovec *iov, unsigned long nr_segs, unsigned int flags)",
  ].join("\n");
  assert.deepEqual(
    parseSyscallTable(text).map((row) => [row.number, row.abi, row.name, row.entry, row.line]),
    [
      [275, "", "splice", "sys_splice", 2],
      [278, "", "vmsplice", "sys_vmsplice", 3],
    ],
  );
  const joined = facts(text, "__NR_vmsplice 316 sys_vmsplice (int fd, const struct iovec *iov)\n");
  assert.deepEqual(
    joined?.entries.map((entry) => entry.name),
    ["sys_vmsplice"],
  );
  assert.equal(joined?.number, null);
});
