/**
 * Bad input never crashes the analyzer or hangs it: deep nesting, half-typed code, thousands of calls, binary noise.
 * Each case asserts what the analyzer still finds, not only that it returns.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import type { Parser } from "web-tree-sitter";
import { createCParser } from "../../server/src/parsing/parser";
import { analyzeTree, type FileAnalysis } from "../../server/src/analysis/analyze";

let parser: Parser;
function analyse(text: string): FileAnalysis {
  const tree = parser.parse(text);
  assert.ok(tree);
  try {
    return analyzeTree(tree, text, { kernel: "rfc-v2", pageSize: 4096 });
  } finally {
    tree.delete();
  }
}

const PRELUDE = `#include <sys/uio.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>
`;

describe("robustness", () => {
  before(async () => {
    parser = await createCParser();
  });

  test("deeply nested flags expression folds or degrades to unknown, without a stack overflow", () => {
    const depth = 3000;
    const flags = "(".repeat(depth) + "SPLICE_F_GIFT | SPLICE_F_MOVE" + ")".repeat(depth);
    const analysis = analyse(
      `${PRELUDE}int f(int fds[2], struct iovec *v) { return vmsplice(fds[1], v, 1, ${flags}); }\n`,
    );
    assert.equal(analysis.calls.length, 1);
    assert.equal(analysis.notes.length, 0);
  });

  test("a call inside thousands of nested blocks is found", () => {
    const depth = 2000;
    const body = "{".repeat(depth) + "vmsplice(fds[1], &iov, 1, 0);" + "}".repeat(depth);
    const analysis = analyse(`${PRELUDE}void f(int fds[2]) { struct iovec iov = { 0, 0 }; ${body} }\n`);
    assert.equal(analysis.calls.length, 1);
  });

  test("half-typed code: an unterminated call is still found and stays unknown or copy, never move", () => {
    const analysis = analyse(
      `${PRELUDE}void f(void) {\n  int fds[2]; pipe(fds);\n  char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n  vmsplice(fds[1], &(struct iovec){ p, 4096 }, 1, SPLICE_F_GIFT\n`,
    );
    assert.equal(analysis.calls.length, 1);
    assert.notEqual(analysis.calls[0].verdict, "move");
  });

  test("five thousand calls are all found, in source order", () => {
    const calls = Array.from(
      { length: 5000 },
      (_, index) => `  vmsplice(fds[1], &iov, 1, ${index % 2 ? "SPLICE_F_GIFT" : "0"});`,
    ).join("\n");
    const analysis = analyse(
      `${PRELUDE}void f(void) {\n  int fds[2]; pipe(fds);\n  static char buf[4096];\n  struct iovec iov = { buf, sizeof buf };\n${calls}\n}\n`,
    );
    assert.equal(analysis.calls.length, 5000);
    for (let index = 1; index < analysis.calls.length; index++)
      assert.ok(analysis.calls[index].call.range.startIndex > analysis.calls[index - 1].call.range.startIndex);
    assert.equal(analysis.calls[0].verdict, "copy");
  });

  test("binary noise and replacement characters give no calls and no notes", () => {
    let seed = 7;
    const noise = Array.from({ length: 20000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return String.fromCharCode(seed % 0xfffd);
    }).join("");
    const analysis = analyse(noise + "\uFFFD vmsplice(");
    assert.ok(analysis.calls.length <= 1);
    assert.deepEqual(analysis.notes, []);
  });

  test("non-ASCII text before a call keeps UTF-16 columns", () => {
    const analysis = analyse(
      `${PRELUDE}void f(int fds[2], struct iovec *v) { /* ☃ 😀 é */ vmsplice(fds[1], v, 1, 0); }\n`,
    );
    const line = `void f(int fds[2], struct iovec *v) { /* ☃ 😀 é */ vmsplice(fds[1], v, 1, 0); }`;
    assert.equal(analysis.calls[0].call.range.start.column, line.indexOf("vmsplice"));
  });
});
