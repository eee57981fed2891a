/**
 * The engine's API on its own (engine/engine.ts): plain strings as text (the CLI's use), the limits, cancellation,
 * files on every result, options that re-judge without re-extracting, and the edit found between two strings.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { CancelledError, diffEdit } from "../../server/src/engine/engine";
import { analysisJson, freshAnalysis, newEngine } from "./engine-support";

const sample = readFileSync(path.resolve(__dirname, "..", "..", "samples", "rfc-iov-base.c"), "utf8");
const options = { kernel: "rfc-v2", pageSize: 4096 } as const;
const helper = "\nstatic int helper(int x)\n{\n    return x + 1;\n}\n";

describe("Engine", () => {
  test("every call, finding and related location carries its file", async () => {
    const engine = await newEngine();
    engine.setText("a.c", sample);
    const result = engine.analysis("a.c", options);
    assert.ok(result.calls.length > 0 && result.findings.length > 0);
    for (const call of result.calls) {
      assert.equal(call.file, "a.c");
      assert.equal(call.call.file, "a.c");
      for (const finding of call.findings) assert.ok(result.findings.includes(finding), "one finding object each");
    }
    for (const finding of result.findings) {
      assert.equal(finding.file, "a.c");
      for (const related of finding.related) assert.equal(related.file, "a.c");
    }
    engine.dispose();
  });

  test("a new string is compared with the old one: a far edit moves the facts", async () => {
    const engine = await newEngine();
    engine.setText("a.c", sample + helper);
    engine.analysis("a.c", options);
    const edited = (sample + helper).replace("return x + 1;", "return x + 2;");
    engine.setText("a.c", edited);
    const result = engine.analysis("a.c", options);
    assert.deepEqual([engine.statistics.extracted, engine.statistics.reused], [1, 1]);
    assert.equal(analysisJson(result), analysisJson(freshAnalysis(await newEngine(), "a.c", edited, options)));
  });

  test("other options re-judge the same facts", async () => {
    const engine = await newEngine();
    engine.setText("a.c", sample);
    const small = engine.analysis("a.c", options);
    const large = engine.analysis("a.c", { kernel: "rfc-v2", pageSize: 65536 });
    assert.equal(engine.statistics.extracted, 1);
    assert.equal(large.facts, small.facts);
    assert.equal(large.calls[0].pageSize, 65536);
  });

  test("limits: size first, then a NUL anywhere; nothing is parsed", async () => {
    const engine = await newEngine();
    engine.setText("big.c", sample);
    assert.deepEqual(engine.analysis("big.c", { ...options, maxFileSize: 100 }).skipped, {
      kind: "too-large",
      byteLength: Buffer.byteLength(sample),
      limit: 100,
    });
    engine.setText("nul.c", `${sample}${" ".repeat(20000)}\u0000`);
    assert.deepEqual(engine.analysis("nul.c", options).skipped, { kind: "binary" });
    engine.setText("plain.c", "int main(void) { return 0; }\n");
    const plain = engine.analysis("plain.c", options);
    assert.equal(plain.analysed, false);
    assert.equal(plain.tree, null);
    assert.equal(engine.statistics.parsed, 0);
  });

  test("the pre-filter looks for the call words as whole identifiers: a file naming only splice_read is not parsed", async () => {
    const engine = await newEngine();
    engine.setText(
      "ops.c",
      "struct ops { int (*splice_read)(int); };\nint generic_file_splice_read(int x) { return x; }\n",
    );
    assert.equal(engine.analysis("ops.c", options).analysed, false);
    assert.equal(engine.statistics.parsed, 0);
    for (const [name, text] of [
      ["splice.c", "long f(int a, int b) { return splice(a, 0, b, 0, 4096, 1); }\n"],
      ["raw.c", "long f(int fd, void *iov) { return syscall(__NR_vmsplice, fd, iov, 1, 0); }\n"],
    ]) {
      engine.setText(name, text);
      assert.equal(engine.analysis(name, options).analysed, true, name);
    }
    // An edit that turns the word into a call word is seen (the word contains "splice", see reads.ts).
    engine.setText("ops.c", "int f(int a, int b) { return splice_read(a, b); }\n");
    assert.equal(engine.analysis("ops.c", options).analysed, false);
    engine.setText("ops.c", "int f(int a, int b) { return splice(a, 0, b, 0, 1, 0); }\n");
    assert.equal(engine.analysis("ops.c", options).analysed, true);
  });

  test("a cancelled analysis throws CancelledError and leaves the engine usable", async () => {
    const engine = await newEngine();
    engine.setText("a.c", sample);
    assert.throws(() => engine.analysis("a.c", options, { isCancellationRequested: true }), CancelledError);
    assert.ok(engine.analysis("a.c", options).calls.length > 0);
  });

  test("diffEdit finds the one edit between two strings, with tree-sitter points", () => {
    assert.equal(diffEdit("abc", "abc"), null);
    assert.deepEqual(diffEdit("int a;\nint b;\n", "int a;\nint bc;\n"), {
      startIndex: 12,
      oldEndIndex: 12,
      newEndIndex: 13,
      startPosition: { row: 1, column: 5 },
      oldEndPosition: { row: 1, column: 5 },
      newEndPosition: { row: 1, column: 6 },
      oldText: "",
    });
    assert.equal(diffEdit("x\ny\nz", "x\nz")?.oldText, "y\n");
  });
});
