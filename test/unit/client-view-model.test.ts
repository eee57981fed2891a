// Unit tests of the simulator webview's view-model: trace validation and the frames of page tiles the user steps through.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  buildReplayView,
  countOutcomes,
  describeStep,
  hueOfPfn,
  nextCopyFrame,
  nextProblemFrame,
  MAX_PAGES_SHOWN,
  byteRange,
  ruleReason,
} from "../../client/webview/view-model";

/** G02 of the specification on rfc-v2: one 4-page iovec; only page 0 is zapped and moved, pages 1-3 are copied. */
const g02 = {
  kernel: "rfc-v2",
  pageSize: 4096,
  site: { file: "samples/g02.c", line: 28 },
  assumptions: ["The reader is an ideal counterpart: SPLICE_F_MOVE into private anonymous page-aligned memory."],
  steps: [{ kind: "pin", pid: 1, pfn: 100 }, { description: "vmsplice(fds[1], iov, 1, GIFT|MOVE) = 16384" }],
  pages: [
    { index: 0, outcome: "moved", writerPfn: 100, readerPfn: 100, rule: null, writerPage: "zapped" },
    { index: 1, outcome: "copied", writerPfn: 101, readerPfn: 201, rule: "VMS-RFC-IOV-BASE", writerPage: "intact" },
    { index: 2, outcome: "copied", writerPfn: 102, readerPfn: 202, rule: "VMS-RFC-IOV-BASE" },
    { index: 3, outcome: "copied", writerPfn: 103, readerPfn: 203, rule: "VMS-RFC-IOV-BASE" },
  ],
  results: { writer: { returned: 16384 }, reader: { returned: 16384 } },
};

describe("buildReplayView", () => {
  test("lays out a start frame, one queue frame and one delivery frame per page", () => {
    const view = buildReplayView(g02, { kernel: "mainline-6.x", pageSize: 65536 });
    assert.equal(view.kernel, "rfc-v2", "the trace's own kernel wins over the requested fallback");
    assert.equal(view.pageSize, 4096);
    assert.equal(view.site, "samples/g02.c:28");
    assert.equal(view.frames.length, 1 + 4 + 4);
    assert.deepEqual(view.problems, []);
    const start = view.frames[0];
    assert.deepEqual(
      start.writer.map((tile) => tile.pfn),
      [100, 101, 102, 103],
    );
    assert.ok(start.ring.every((slot) => slot.kind === "empty"));
    assert.equal(start.ring.length, 16, "a fresh pipe has 16 slots");
    assert.ok(start.reader.every((tile) => tile.kind === "pending"));
  });

  test("queues pages by reference into consecutive slots and marks zapped writer pages", () => {
    const view = buildReplayView(g02, { kernel: "rfc-v2", pageSize: 4096 });
    const afterQueueing = view.frames[4];
    assert.deepEqual(
      afterQueueing.ring.slice(0, 4).map((slot) => [slot.page, slot.pfn, slot.kind]),
      [
        [0, 100, "queued"],
        [1, 101, "queued"],
        [2, 102, "queued"],
        [3, 103, "queued"],
      ],
    );
    assert.equal(afterQueueing.writer[0].kind, "zapped");
    assert.equal(afterQueueing.writer[1].kind, "present");
    assert.match(view.frames[1].caption, /zapped/);
  });

  test("a moved page keeps the writer's PFN; a copy gets the reader's PFN and its rule id", () => {
    const view = buildReplayView(g02, { kernel: "rfc-v2", pageSize: 4096 });
    const end = view.frames[view.frames.length - 1];
    assert.deepEqual(
      end.reader.map((tile) => [tile.kind, tile.pfn, tile.rule]),
      [
        ["moved", 100, null],
        ["copied", 201, "VMS-RFC-IOV-BASE"],
        ["copied", 202, "VMS-RFC-IOV-BASE"],
        ["copied", 203, "VMS-RFC-IOV-BASE"],
      ],
    );
    assert.ok(
      end.ring.every((slot) => slot.kind === "empty"),
      "the reader drained the ring",
    );
    assert.equal(view.frames[6].rule, "VMS-RFC-IOV-BASE");
    assert.match(view.frames[6].caption, /copied.*VMS-RFC-IOV-BASE/);
  });

  test("earlier frames are snapshots that later steps do not modify", () => {
    const view = buildReplayView(g02, { kernel: "rfc-v2", pageSize: 4096 });
    assert.equal(view.frames[0].writer[0].kind, "present");
    assert.equal(view.frames[0].reader[1].kind, "pending");
  });

  test("jump to copy: copy frames in order, wrapping around, null when nothing is copied", () => {
    const view = buildReplayView(g02, { kernel: "rfc-v2", pageSize: 4096 });
    assert.deepEqual(view.copyFrames, [6, 7, 8]);
    assert.equal(nextCopyFrame(view, 0), 6);
    assert.equal(nextCopyFrame(view, 6), 7);
    assert.equal(nextCopyFrame(view, 8), 6);
    assert.equal(view.deliveryFrameOfPage.get(0), 5);
    const allMoved = buildReplayView(
      { ...g02, pages: [{ index: 0, outcome: "moved", writerPfn: 7, readerPfn: 7, rule: null }] },
      { kernel: "rfc-v2", pageSize: 4096 },
    );
    assert.equal(nextCopyFrame(allMoved, 0), null);
  });

  test("more pages than ring slots: the writer fills the ring, the reader drains it, then the next batch", () => {
    const pages = Array.from({ length: 5 }, (_, index) => ({
      index,
      outcome: "copied",
      writerPfn: 10 + index,
      readerPfn: 50 + index,
      rule: "VMS-MAINLINE-COPY",
    }));
    const view = buildReplayView(
      { kernel: "mainline-6.x", pageSize: 4096, pages, ringSlots: 2 },
      { kernel: "rfc-v2", pageSize: 4096 },
    );
    assert.equal(view.ringCapacity, 2);
    // start, queue 0, queue 1, deliver 0, deliver 1, queue 2, queue 3, deliver 2, deliver 3, queue 4, deliver 4
    assert.equal(view.frames.length, 11);
    assert.deepEqual(
      view.frames[2].ring.map((slot) => slot.page),
      [0, 1],
    );
    assert.deepEqual(
      view.frames[6].ring.map((slot) => slot.page),
      [2, 3],
    );
    assert.deepEqual(
      view.frames[9].ring.map((slot) => slot.page),
      [4, null],
    );
    assert.deepEqual(countOutcomes(view), { moved: 0, copied: 5, unsafe: 0, notDelivered: 0, unknown: 0 });
  });

  test("not-delivered and unknown outcomes are shown as such, never as a move", () => {
    const view = buildReplayView(
      {
        kernel: "rfc-v2",
        pageSize: 4096,
        pages: [
          { index: 0, outcome: "not-delivered", writerPfn: 3, readerPfn: null, rule: "VMS-RFC-PHANTOM-SUCCESS" },
          { index: 1, outcome: "teleported", writerPfn: 4, readerPfn: 9 },
        ],
      },
      { kernel: "rfc-v2", pageSize: 4096 },
    );
    const end = view.frames[view.frames.length - 1];
    assert.equal(end.reader[0].kind, "not-delivered");
    assert.equal(end.reader[0].rule, "VMS-RFC-PHANTOM-SUCCESS");
    assert.equal(end.reader[1].kind, "pending");
    assert.deepEqual(countOutcomes(view), { moved: 0, copied: 0, unsafe: 0, notDelivered: 1, unknown: 1 });
  });

  test("malformed traces never throw: fallbacks are used and the problems are listed", () => {
    for (const bad of [null, undefined, 42, "trace", [], { pages: "x" }, { pages: [null, 3, { outcome: "moved" }] }]) {
      const view = buildReplayView(bad, { kernel: "mainline-3.12", pageSize: 16384 });
      assert.equal(view.kernel, "mainline-3.12");
      assert.equal(view.pageSize, 16384);
      assert.ok(view.frames.length >= 1);
      assert.ok(view.problems.length > 0, `a problem is reported for ${JSON.stringify(bad)}`);
    }
    const partial = buildReplayView(
      { pages: [null, { outcome: "moved", writerPfn: 1, readerPfn: 1 }] },
      { kernel: "rfc-v2", pageSize: 4096 },
    );
    assert.equal(partial.pages.length, 1);
    assert.equal(partial.pages[0].index, 1, "a page without an index takes its position");
  });

  test("huge replays are truncated to a usable grid and say so", () => {
    const pages = Array.from({ length: MAX_PAGES_SHOWN + 10 }, (_, index) => ({
      index,
      outcome: "moved",
      writerPfn: index,
      readerPfn: index,
      rule: null,
    }));
    const view = buildReplayView({ kernel: "rfc-v2", pageSize: 4096, pages }, { kernel: "rfc-v2", pageSize: 4096 });
    assert.equal(view.pages.length, MAX_PAGES_SHOWN);
    assert.ok(view.problems.some((problem) => problem.includes(String(MAX_PAGES_SHOWN + 10))));
  });

  test("the simulator's writer chunk records tell which writer pages were zapped", () => {
    const trace = {
      kernel: "rfc-v2",
      pageSize: 4096,
      pages: [
        { index: 0, outcome: "moved", writerPfn: 100, readerPfn: 100, rule: null },
        { index: 1, outcome: "copied", writerPfn: 101, readerPfn: 201, rule: "VMS-RFC-IOV-BASE" },
      ],
      steps: [
        {
          index: 9,
          line: 10,
          text: "W: vmsplice fds[1] iovB(p,2P) G|M",
          outcome: { returned: 8192 },
          rules: ["VMS-RFC-IOV-BASE"],
          chunks: [
            { side: "writer", pfn: 100, slot: 0, writerPage: "zapped" },
            { side: "writer", pfn: 101, slot: 1, writerPage: "intact" },
          ],
        },
        {
          index: 10,
          line: 11,
          text: "R: vmsplice fds[0] iovB(q,2P) M",
          outcome: { blocked: true, progressBytes: 4096 },
          rules: [],
          chunks: [{ side: "reader", pfn: 100 }],
        },
      ],
    };
    const view = buildReplayView(trace, { kernel: "rfc-v2", pageSize: 4096 });
    assert.deepEqual(
      view.pages.map((page) => page.writerPage),
      ["zapped", "intact"],
    );
    const afterQueueing = view.frames[2];
    assert.deepEqual(
      afterQueueing.writer.map((tile) => tile.kind),
      ["zapped", "present"],
    );
    assert.deepEqual(view.stepLog, [
      "line 10: W: vmsplice fds[1] iovB(p,2P) G|M → returned 8192 [VMS-RFC-IOV-BASE]",
      "line 11: R: vmsplice fds[0] iovB(q,2P) M → blocked after 4096 bytes",
    ]);
    const callSite = buildReplayView(trace, { kernel: "rfc-v2", pageSize: 4096, stepLines: false });
    assert.equal(
      callSite.stepLog[0],
      "W: vmsplice fds[1] iovB(p,2P) G|M → returned 8192 [VMS-RFC-IOV-BASE]",
      "a generated scenario's lines are not shown",
    );
  });

  test("results, assumptions and the step log become text lines", () => {
    const view = buildReplayView(
      {
        ...g02,
        results: { writer: { returned: 16384 }, reader: { errno: "EFAULT" }, "line 11": { returned: 4096 }, bad: 3 },
      },
      { kernel: "rfc-v2", pageSize: 4096 },
    );
    assert.deepEqual(
      view.results,
      ["writer returned 16384", "reader failed with EFAULT"],
      "the scenario's own per-line results are left out",
    );
    const unnamed = buildReplayView(
      { ...g02, results: { "line 11": { blocked: true }, bad: 3 } },
      { kernel: "rfc-v2", pageSize: 4096 },
    );
    assert.deepEqual(unnamed.results, ["line 11 blocked"], "without writer and reader, every result is shown");
    assert.deepEqual(view.assumptions, g02.assumptions);
    assert.deepEqual(view.stepLog, ["pin pid=1 pfn=100", "vmsplice(fds[1], iov, 1, GIFT|MOVE) = 16384"]);
  });
});

/**
 * samples/align-dst.c line 52 on rfc-v2, as the server answers it: the reader's destination is malloc'd (16 bytes into a
 * page), the RFC maps the gifted frame at the page boundary below it and reports success (VMS-ALIGN-DST).
 */
const alignDst = {
  kernel: "rfc-v2",
  pageSize: 4096,
  site: { file: "samples/align-dst.c", line: 52 },
  assumptions: [],
  steps: [
    { index: 0, line: 6, text: "pipe fds", outcome: { returned: 0 }, rules: [], chunks: [] },
    { index: 1, line: 9, text: "R: mmap r1 2P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS", rules: [], chunks: [] },
    {
      index: 2,
      line: 11,
      text: "W: vmsplice fds[1] [w0,4096] G|M",
      outcome: { returned: 4096 },
      rules: [],
      chunks: [{ side: "writer", pfn: 4097, offset: 0, len: 4096, slot: 0, writerPage: "zapped", bufferId: 1 }],
    },
    {
      index: 3,
      line: 12,
      text: "R: vmsplice fds[0] [r1+16,4096] M",
      outcome: { returned: 4096 },
      rules: ["VMS-ALIGN-DST", "VMS-RFC-RSS"],
      chunks: [{ side: "reader", pfn: 4097, destinationAddress: 268443664, readerPage: "moved", bufferId: 1 }],
    },
  ],
  pages: [
    {
      index: 0,
      outcome: "moved",
      writerPfn: 4097,
      readerPfn: 4097,
      rule: "VMS-ALIGN-DST",
      rules: ["VMS-ALIGN-DST"],
      len: 4096,
      offset: 0,
      writerAddress: 268435456,
      readerAddress: 268443664,
    },
  ],
  results: { writer: { returned: 4096 }, reader: { returned: 4096 } },
  ruleWords: {
    "VMS-ALIGN-DST": {
      title: "Destination not page-aligned: a move lands shifted and clobbers neighbouring bytes",
      effect: "Move happens at floor(dst): data shifted, neighbouring bytes overwritten, success reported",
      unsafe: "moves-into-wrong-place",
      href: "file:///ext/docs/rules.md#vms-align-dst",
    },
    "VMS-RFC-RSS": { title: "RSS not counted", effect: "", unsafe: null, href: "javascript:alert(1)" },
  },
  stepLabels: {
    6: "pipe() creates the pipe",
    9: "reader: 'dst' mapped",
    11: "the ideal writer the replay added (no writer call on this pipe in the file)",
    12: "line 52: vmsplice(fds[0], &iov, 1, SPLICE_F_MOVE)",
  },
  focus: { role: "reader", line: 52, pages: 2, lens: "2 pages: 2 unsafe · rfc-v2" },
};

/** test/e2e/workspace/gift-from-malloc.c: a one-page gift 16 bytes into a page is two chunks from two writer frames. */
const giftFromMalloc = {
  kernel: "rfc-v2",
  pageSize: 4096,
  pages: [
    {
      index: 0,
      outcome: "copied",
      writerPfn: 4097,
      readerPfn: 4099,
      rule: "VMS-ALIGN-SRC",
      rules: ["VMS-ALIGN-SRC"],
      len: 4080,
      offset: 16,
      writerAddress: 268435472,
      readerAddress: 268447744,
    },
    {
      index: 1,
      outcome: "copied",
      writerPfn: 4098,
      readerPfn: 4099,
      rule: "VMS-LEN-PAGE",
      rules: ["VMS-LEN-PAGE"],
      len: 16,
      offset: 0,
      writerAddress: 268439552,
      readerAddress: 268451824,
    },
  ],
  ruleWords: {
    "VMS-ALIGN-SRC": {
      title: "Source address is not page-aligned; these chunks are copied",
      effect: "",
      unsafe: null,
      href: "file:///d#vms-align-src",
    },
  },
  focus: { role: "writer", line: 18, pages: 2, lens: "2 pages: 2 copied · rfc-v2" },
};

describe("the truth about bad paths", () => {
  test("an unaligned-destination reader is drawn as an unsafe move, never as a successful one", () => {
    const view = buildReplayView(alignDst, { kernel: "rfc-v2", pageSize: 4096, stepLines: false });
    assert.deepEqual(countOutcomes(view), { moved: 0, copied: 0, unsafe: 1, notDelivered: 0, unknown: 0 });
    assert.equal(view.pages[0].outcome, "unsafe");
    assert.deepEqual(view.unsafeFrames, [2]);
    assert.equal(nextProblemFrame(view, 0), 2, "Next copy or unsafe stops at the unsafe move");
    assert.equal(nextCopyFrame(view, 0), null);
    const end = view.frames[view.frames.length - 1];
    assert.ok(
      end.reader.every((tile) => tile.kind !== "moved"),
      "no reader page is drawn as moved",
    );
    const [landing, next] = end.reader;
    assert.equal(landing.kind, "unsafe");
    assert.equal(landing.pfn, 4097, "the writer's frame is where it lands");
    assert.match(landing.note ?? "", /clobbers bytes 0–15 before the buffer/);
    assert.match(landing.note ?? "", /16 bytes early/);
    assert.equal(next.kind, "missed", "the page the last 16 bytes were meant for never gets them");
    assert.match(next.note ?? "", /bytes 0–15 were meant for this page/);
    const caption = end.caption;
    assert.match(caption, /UNSAFELY/);
    assert.match(caption, /reports success/);
    assert.match(
      caption,
      /Why: Destination not page-aligned: .* \(VMS-ALIGN-DST\)/,
      "the reason in words, then the id",
    );
    assert.equal(end.rule, "VMS-ALIGN-DST");
  });

  test("the focal call's row has as many tiles as the code lens counts pages", () => {
    const reader = buildReplayView(alignDst, { kernel: "rfc-v2", pageSize: 4096 });
    assert.equal(reader.focus?.role, "reader");
    assert.equal(reader.readerPages, 2);
    assert.equal(reader.focus?.pages, reader.readerPages, "2 destination pages, as the lens says; 1 writer frame");
    const writer = buildReplayView(giftFromMalloc, { kernel: "rfc-v2", pageSize: 4096 });
    assert.equal(writer.writerPages, writer.focus?.pages);
  });

  test("one tile per real page with its chunks at their in-page offsets", () => {
    const view = buildReplayView(giftFromMalloc, { kernel: "rfc-v2", pageSize: 4096 });
    const end = view.frames[view.frames.length - 1];
    assert.deepEqual(
      end.writer.map((tile) => [tile.pfn, tile.chunks.map((piece) => [piece.chunk, piece.offset, piece.len])]),
      [
        [4097, [[0, 16, 4080]]],
        [4098, [[1, 0, 16]]],
      ],
    );
    assert.equal(end.reader.length, 1, "both chunks land in one reader frame: one tile, not two with the same PFN");
    assert.equal(end.reader[0].pfn, 4099);
    assert.deepEqual(
      end.reader[0].chunks.map((piece) => [piece.chunk, piece.offset, piece.len, piece.kind]),
      [
        [0, 0, 4080, "copied"],
        [1, 4080, 16, "copied"],
      ],
    );
    assert.match(view.frames[1].caption, /bytes 16–4095 of writer page 0/);
    assert.match(
      view.frames[3].caption,
      /Why: Source address is not page-aligned; these chunks are copied \(VMS-ALIGN-SRC\)/,
    );
    assert.equal(byteRange(4095, 1), "byte 4095");
  });

  test("rule words are validated: a link that is not documentation is dropped", () => {
    const view = buildReplayView(alignDst, { kernel: "rfc-v2", pageSize: 4096 });
    assert.equal(view.ruleWords.get("VMS-ALIGN-DST")?.href, "file:///ext/docs/rules.md#vms-align-dst");
    assert.equal(view.ruleWords.get("VMS-ALIGN-DST")?.unsafe, true);
    assert.equal(view.ruleWords.get("VMS-RFC-RSS")?.href, null);
    assert.equal(ruleReason("VMS-X", view.ruleWords), "VMS-X", "an unknown rule is shown by its id");
    const bad = buildReplayView(
      { ...alignDst, ruleWords: { "VMS-ALIGN-DST": { unsafe: "yes" } } },
      {
        kernel: "rfc-v2",
        pageSize: 4096,
      },
    );
    assert.equal(bad.pages[0].outcome, "moved", "without the server's words the trace's own outcome stands");
  });

  test("a call-site replay's steps are labelled with C lines, not the scenario language", () => {
    const view = buildReplayView(alignDst, { kernel: "rfc-v2", pageSize: 4096, stepLines: false });
    assert.deepEqual(view.stepLog, [
      "pipe() creates the pipe → returned 0",
      "reader: 'dst' mapped",
      "the ideal writer the replay added (no writer call on this pipe in the file) → returned 4096",
      "line 52: vmsplice(fds[0], &iov, 1, SPLICE_F_MOVE) → returned 4096 [VMS-ALIGN-DST, VMS-RFC-RSS]",
    ]);
    assert.ok(view.stepLog.every((line) => !/fds\[1\] \[w0|r1\+16|\bG\|M\b/.test(line)));
  });
});

describe("describeStep and hueOfPfn", () => {
  test("describes steps of any shape without throwing", () => {
    assert.equal(describeStep("plain", 0), "plain");
    assert.equal(describeStep(null, 2), "step 3");
    assert.equal(describeStep({ kind: "zap", pid: 1, pages: 4, nested: { a: 1 } }, 0), "zap pid=1 pages=4");
    assert.equal(describeStep({}, 4), "step 5");
  });

  test("equal PFNs share a hue and neighbouring PFNs differ clearly", () => {
    assert.equal(hueOfPfn(4242), hueOfPfn(4242));
    for (let pfn = 0; pfn < 64; pfn += 1) {
      const hue = hueOfPfn(pfn);
      assert.ok(hue >= 0 && hue < 360);
      const distance = Math.abs(hue - hueOfPfn(pfn + 1));
      assert.ok(Math.min(distance, 360 - distance) > 20, `PFN ${pfn} and ${pfn + 1} are distinguishable`);
    }
  });
});
