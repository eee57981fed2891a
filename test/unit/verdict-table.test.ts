/**
 * Rows of the specification's decision table (shared/domain/vmsplice-semantics.md, sections 3.5, 3.6 and 4) checked on
 * hand-built `VmspliceCall` facts, so the verdict engine (`judgeCall`) is tested independently of the extractor: each
 * test states the facts a row is about and asserts the call verdict, the per-page verdicts and rules, the findings and
 * the missing facts. The facts start from the ideal case of facts-builder.ts (page-aligned, written, private anonymous
 * memory from mmap, a known pipe end) and change one thing.
 * Alone: `node --import tsx --test test/unit/verdict-table.test.ts`.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { judgeCall } from "../../server/src/analysis/verdict";
import {
  SPLICE_F_GIFT,
  SPLICE_F_MOVE,
  type AnalysisOptions,
  type CallAnalysis,
  type VmspliceCall,
} from "../../server/src/analysis/facts";
import { buffer, call, constant, page, pages, segment } from "./simulator/facts-builder";

const RFC: AnalysisOptions = { kernel: "rfc-v2", pageSize: 4096 };
const MAINLINE: AnalysisOptions = { kernel: "mainline-6.x", pageSize: 4096 };

/** Page verdicts with their rules, segment by segment: [["move"], ["copy VMS-NO-GIFT"]]. */
function pageTable(analysis: CallAnalysis): string[][] {
  return analysis.segments.map((segment) =>
    segment.pageOutcomes.map((outcome) => [outcome.verdict, ...outcome.rules].join(" ")),
  );
}

function findingRules(analysis: CallAnalysis): string[] {
  return [...new Set(analysis.findings.map((finding) => finding.rule))].sort();
}

/** A writer of `count` one-page iovecs over consecutive pages of `buf` (the RFC zaps only the page at each iov_base). */
function onePagePerIovec(count: number, flags: number | null, memory = buffer()): VmspliceCall {
  const segments = Array.from({ length: count }, (_, index) =>
    segment(memory, index === 0 ? constant(0) : pages(index), page),
  );
  return call(10, "to-pipe", flags, segments);
}

describe("decision table on hand-built facts: writer (to-pipe)", () => {
  test("rfc: a gift of whole, written private-anon pages, one iovec per page, moves every page", () => {
    const analysis = judgeCall(onePagePerIovec(2, SPLICE_F_GIFT | SPLICE_F_MOVE), RFC);
    assert.equal(analysis.verdict, "move");
    assert.deepEqual(pageTable(analysis), [["move"], ["move"]]);
    assert.deepEqual(analysis.missing, []);
    assert.deepEqual(findingRules(analysis), []);
    // Every RFC move carries the two accounting hazards, listed on the call (spec 4.4 VMS-RFC-RSS, VMS-RFC-ANON-VMA).
    assert.deepEqual(analysis.rules, ["VMS-RFC-ANON-VMA", "VMS-RFC-RSS"]);
  });

  test("rfc: one iovec spanning two pages moves only the page at iov_base (VMS-RFC-IOV-BASE): partial", () => {
    const analysis = judgeCall(call(10, "to-pipe", SPLICE_F_GIFT, [segment(buffer(), constant(0), pages(2))]), RFC);
    assert.equal(analysis.verdict, "partial");
    assert.deepEqual(pageTable(analysis), [["move", "copy VMS-RFC-IOV-BASE"]]);
    assert.ok(findingRules(analysis).includes("VMS-RFC-IOV-BASE"));
  });

  test("mainline 6.x: the same gift copies and SPLICE_F_GIFT is reported as a no-op (VMS-GIFT-NOOP)", () => {
    const analysis = judgeCall(onePagePerIovec(2, SPLICE_F_GIFT | SPLICE_F_MOVE), MAINLINE);
    assert.equal(analysis.verdict, "copy");
    assert.deepEqual(pageTable(analysis), [["copy"], ["copy"]]);
    assert.deepEqual(findingRules(analysis), ["VMS-GIFT-NOOP"]);
  });

  test("rfc: flags 0 (no SPLICE_F_GIFT) copy every page (VMS-NO-GIFT), reported when a reader of the pipe asks to move", () => {
    const writer = onePagePerIovec(1, 0);
    const alone = judgeCall(writer, RFC);
    assert.equal(alone.verdict, "copy");
    assert.deepEqual(pageTable(alone), [["copy VMS-NO-GIFT"]]);
    assert.deepEqual(alone.missing, []);
    // A plain writer is not told it does not gift unless something shows the intent to move.
    assert.deepEqual(findingRules(alone), []);

    const reader = call(20, "from-pipe", SPLICE_F_MOVE, [segment(buffer({ name: "dst" }), constant(0), page)]);
    const withReader = judgeCall(writer, RFC, [writer, reader]);
    assert.equal(withReader.verdict, "copy");
    assert.deepEqual(findingRules(withReader), ["VMS-NO-GIFT"]);
  });

  test("rfc: SPLICE_F_MOVE alone copies (VMS-NO-GIFT) and still unmaps the writer's page (VMS-RFC-MOVE-ONLY-ZAP)", () => {
    const analysis = judgeCall(onePagePerIovec(1, SPLICE_F_MOVE), RFC);
    assert.equal(analysis.verdict, "copy");
    assert.deepEqual(pageTable(analysis), [["copy VMS-NO-GIFT VMS-RFC-MOVE-ONLY-ZAP"]]);
    assert.deepEqual(findingRules(analysis), ["VMS-NO-GIFT", "VMS-RFC-MOVE-ONLY-ZAP"]);
  });

  test("rfc: a gift of shmem (MAP_SHARED|MAP_ANONYMOUS, memfd) copies (VMS-SHMEM)", () => {
    const shmem = buffer({ memory: "shmem", explanation: "mmap(MAP_SHARED|MAP_ANONYMOUS) memory" });
    const analysis = judgeCall(onePagePerIovec(1, SPLICE_F_GIFT | SPLICE_F_MOVE, shmem), RFC);
    assert.equal(analysis.verdict, "copy");
    assert.deepEqual(pageTable(analysis), [["copy VMS-SHMEM"]]);
    assert.deepEqual(findingRules(analysis), ["VMS-SHMEM"]);
    assert.deepEqual(analysis.missing, []);
  });

  test("rfc: an unaligned source (malloc's 16-byte alignment) copies its chunks (VMS-ALIGN-SRC)", () => {
    const heap = buffer({ origin: "malloc", memory: "heap", alignment: constant(16), explanation: "malloc()" });
    const analysis = judgeCall(onePagePerIovec(1, SPLICE_F_GIFT, heap), RFC);
    assert.equal(analysis.verdict, "copy");
    assert.equal(analysis.segments[0]?.pages, 2, "an unaligned page straddles two chunks");
    assert.ok(analysis.segments[0]?.pageOutcomes.every((outcome) => outcome.verdict === "copy"));
    assert.ok(analysis.segments[0]?.pageOutcomes[0]?.rules.includes("VMS-ALIGN-SRC"));
  });

  test("rfc: a gift of hugetlb memory crashes the kernel, with GIFT or MOVE alone: unsafe (VMS-RFC-HUGETLB-OOPS)", () => {
    const hugetlb = buffer({ memory: "hugetlb", explanation: "mmap(MAP_HUGETLB) memory" });
    for (const flags of [SPLICE_F_GIFT | SPLICE_F_MOVE, SPLICE_F_GIFT, SPLICE_F_MOVE]) {
      const analysis = judgeCall(onePagePerIovec(1, flags, hugetlb), RFC);
      assert.equal(analysis.verdict, "unsafe", `flags ${flags}`);
      assert.deepEqual(pageTable(analysis), [["unsafe VMS-RFC-HUGETLB-OOPS"]], `flags ${flags}`);
      assert.ok(findingRules(analysis).includes("VMS-RFC-HUGETLB-OOPS"), `flags ${flags}`);
    }
    // Mainline never unmaps the writer's pages, so the same gift is a plain copy there.
    assert.equal(judgeCall(onePagePerIovec(1, SPLICE_F_GIFT, hugetlb), MAINLINE).verdict, "copy");
  });

  test("rfc: unknown flags give unknown, naming the flags as missing, never move", () => {
    const analysis = judgeCall(onePagePerIovec(2, null), RFC);
    assert.equal(analysis.verdict, "unknown");
    assert.deepEqual(pageTable(analysis), [["unknown"], ["unknown"]]);
    assert.ok(analysis.missing.includes("flags is a parameter"), analysis.missing.join("; "));
  });

  test("rfc: an unknown memory kind gives unknown, naming it as missing", () => {
    const opaque = buffer({ memory: "unknown", explanation: "parameter buf" });
    const analysis = judgeCall(onePagePerIovec(1, SPLICE_F_GIFT, opaque), RFC);
    assert.equal(analysis.verdict, "unknown");
    assert.ok(
      analysis.missing.some((fact) => fact.includes("memory kind of buf")),
      analysis.missing.join("; "),
    );
  });

  test("any missing fact turns a would-be move into unknown (the analysis invariant)", () => {
    const writer = { ...onePagePerIovec(1, SPLICE_F_GIFT), assumptions: ["a header found only by searching include/"] };
    const analysis = judgeCall(writer, RFC);
    assert.equal(analysis.verdict, "unknown");
    assert.deepEqual(pageTable(analysis), [["unknown"]]);
    assert.deepEqual(analysis.missing, ["a header found only by searching include/"]);
  });
});

describe("decision table on hand-built facts: reader (from-pipe)", () => {
  const destination = (overrides: Parameters<typeof buffer>[0] = {}) => buffer({ name: "dst", ...overrides });

  test("rfc: SPLICE_F_MOVE into a page-aligned, writable private-anon destination moves (no writer in the file)", () => {
    const analysis = judgeCall(call(20, "from-pipe", SPLICE_F_MOVE, [segment(destination(), constant(0), page)]), RFC);
    assert.equal(analysis.verdict, "move");
    assert.deepEqual(pageTable(analysis), [["move"]]);
    assert.deepEqual(analysis.missing, []);
  });

  test("rfc: an unaligned destination is moved onto the page below: unsafe (VMS-ALIGN-DST), never move", () => {
    const reader = call(20, "from-pipe", SPLICE_F_MOVE, [segment(destination(), constant(100), page)]);
    const analysis = judgeCall(reader, RFC);
    assert.equal(analysis.verdict, "unsafe");
    assert.ok(analysis.segments[0]?.pageOutcomes.every((outcome) => outcome.verdict === "unsafe"));
    assert.ok(analysis.segments[0]?.pageOutcomes.every((outcome) => outcome.rules.includes("VMS-ALIGN-DST")));
    assert.deepEqual(findingRules(analysis), ["VMS-ALIGN-DST"]);
    // Mainline copies into the same destination correctly.
    assert.equal(judgeCall(reader, MAINLINE).verdict, "copy");
  });

  test("rfc: a read-only or shared destination is unsafe (VMS-DST-RO, VMS-DST-SHARED)", () => {
    const readOnly = judgeCall(
      call(20, "from-pipe", SPLICE_F_MOVE, [segment(destination({ writable: false }), constant(0), page)]),
      RFC,
    );
    assert.equal(readOnly.verdict, "unsafe");
    assert.deepEqual(pageTable(readOnly), [["unsafe VMS-DST-RO"]]);
    const shared = judgeCall(
      call(20, "from-pipe", SPLICE_F_MOVE, [segment(destination({ memory: "shmem" }), constant(0), page)]),
      RFC,
    );
    assert.equal(shared.verdict, "unsafe");
    assert.deepEqual(pageTable(shared), [["unsafe VMS-DST-SHARED"]]);
  });

  test("rfc: a reader without SPLICE_F_MOVE copies (VMS-NO-MOVE-FLAG)", () => {
    const analysis = judgeCall(call(20, "from-pipe", 0, [segment(destination(), constant(0), page)]), RFC);
    assert.equal(analysis.verdict, "copy");
    assert.deepEqual(pageTable(analysis), [["copy VMS-NO-MOVE-FLAG"]]);
  });

  test("rfc: a reader whose only writer (same pipe) does not gift copies (VMS-NO-GIFT)", () => {
    const writer = onePagePerIovec(1, 0);
    const reader = call(20, "from-pipe", SPLICE_F_MOVE, [segment(destination(), constant(0), page)]);
    const analysis = judgeCall(reader, RFC, [writer, reader]);
    assert.equal(analysis.verdict, "copy");
    assert.deepEqual(pageTable(analysis), [["copy VMS-NO-GIFT"]]);
    assert.deepEqual(findingRules(analysis), ["VMS-NO-GIFT"]);
  });

  test("rfc: a reader whose writers (same pipe) put only chunks it cannot take copies (VMS-NO-MOVABLE-PAGE)", () => {
    const GM = SPLICE_F_GIFT | SPLICE_F_MOVE;
    // Gifted, but 100 bytes into the page (offset != 0 and the tail len != P), or shared memory (not anonymous).
    const unaligned = call(10, "to-pipe", GM, [segment(buffer(), constant(100), page)]);
    const shmem = call(12, "to-pipe", GM, [segment(buffer({ memory: "shmem" }), constant(0), page)]);
    const wholePage = onePagePerIovec(1, GM);
    // An unaligned destination would be unsafe if a page could move; none can.
    const reader = call(20, "from-pipe", SPLICE_F_MOVE, [segment(destination(), constant(100), page)]);
    const analysis = judgeCall(reader, RFC, [unaligned, shmem, reader]);
    assert.equal(judgeCall(unaligned, RFC).verdict, "copy");
    assert.equal(analysis.verdict, "copy");
    assert.deepEqual(pageTable(analysis), [["copy VMS-NO-MOVABLE-PAGE", "copy VMS-NO-MOVABLE-PAGE"]]);
    assert.deepEqual(findingRules(analysis), ["VMS-NO-MOVABLE-PAGE"]);
    assert.deepEqual(analysis.missing, []);
    const message = analysis.findings[0]?.message ?? "";
    assert.match(message, /line 11: not page-aligned, less than a whole page; line 13: shared memory/);
    // A writer that does put a whole gifted page keeps the destination rule: unsafe.
    const mixed = judgeCall(reader, RFC, [unaligned, wholePage, reader]);
    assert.equal(mixed.verdict, "unsafe");
    assert.deepEqual(findingRules(mixed), ["VMS-ALIGN-DST"]);
    // A writer whose copy rests on another mapping (a forked child) may have lost it when the reader runs: unsafe.
    const forked = onePagePerIovec(1, GM, buffer({ forkBefore: { range: wholePage.range } }));
    assert.equal(judgeCall(forked, RFC).verdict, "copy");
    assert.equal(judgeCall(reader, RFC, [forked, reader]).verdict, "unsafe");
    // A writer with unknown flags: the destination rule stands, and a clean destination stays unknown.
    const unknownFlags = call(10, "to-pipe", null, [segment(buffer(), constant(100), page)]);
    assert.equal(judgeCall(reader, RFC, [unknownFlags, reader]).verdict, "unsafe");
    const aligned = call(20, "from-pipe", SPLICE_F_MOVE, [segment(destination(), constant(0), page)]);
    assert.equal(judgeCall(aligned, RFC, [unknownFlags, aligned]).verdict, "unknown");
    assert.equal(judgeCall(aligned, RFC, [unaligned, aligned]).verdict, "copy");
  });

  test("rfc: a reader with unknown flags is unknown, naming the flags as missing", () => {
    const analysis = judgeCall(call(20, "from-pipe", null, [segment(destination(), constant(0), page)]), RFC);
    assert.equal(analysis.verdict, "unknown");
    assert.deepEqual(pageTable(analysis), [["unknown"]]);
    assert.ok(analysis.missing.includes("flags is a parameter"), analysis.missing.join("; "));
  });

  test("an unknown direction is unknown, naming the direction as missing", () => {
    const analysis = judgeCall(
      call(20, "unknown", SPLICE_F_GIFT | SPLICE_F_MOVE, [segment(destination(), constant(0), page)]),
      RFC,
    );
    assert.equal(analysis.verdict, "unknown");
    assert.ok(
      analysis.missing.some((fact) => fact.startsWith("direction")),
      analysis.missing.join("; "),
    );
  });
});
