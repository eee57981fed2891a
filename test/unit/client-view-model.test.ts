// Unit tests of the simulator webview's view-model: trace validation and the frames of page tiles the user steps through.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  buildReplayView,
  countOutcomes,
  describeStep,
  hueOfPfn,
  nextCopyFrame,
  MAX_PAGES_SHOWN,
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
    assert.deepEqual(countOutcomes(view), { moved: 0, copied: 5, notDelivered: 0, unknown: 0 });
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
    assert.deepEqual(countOutcomes(view), { moved: 0, copied: 0, notDelivered: 1, unknown: 1 });
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
