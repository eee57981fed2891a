import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSyscallTable, vmspliceRows } from "../../server/src/project/syscall-table.js";

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

test("gives vmsplice's number per ABI and its entry-point names", () => {
  const result = vmspliceRows(parseSyscallTable(TABLE));
  assert.equal(result.numbers.get("common"), 42);
  assert.equal(result.numbers.get("x32"), 43);
  assert.deepEqual([...result.entryNames].sort(), ["compat_sys_vmsplice", "sys_vmsplice"]);
  assert.deepEqual(result.ambiguousAbis, []);
});

test("disagreeing rows for one ABI give no number", () => {
  const result = vmspliceRows(parseSyscallTable("42 common vmsplice sys_vmsplice\n99 common vmsplice sys_vmsplice\n"));
  assert.equal(result.numbers.has("common"), false);
  assert.deepEqual(result.ambiguousAbis, ["common"]);
});
