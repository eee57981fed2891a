// Call-site replay from hand-built analyzer facts: counterpart pairing in program order, the ideal counterpart,
// pessimistic assumptions for unknown facts, and the replay JSON shape of issue 3 item 6.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { replayCallSite } from "../../../server/src/simulator/index";
import { SPLICE_F_GIFT, SPLICE_F_MOVE } from "../../../server/src/analysis/facts";
import { buffer, call, constant, page, pages, segment, unknown } from "./facts-builder";

const GM = SPLICE_F_GIFT | SPLICE_F_MOVE;

describe("call-site replay", () => {
  test("a lone writer site gets the ideal reader, listed in assumptions; on rfc-v2 every page moves", () => {
    const source = buffer({ name: "src" });
    const writer = call(
      28,
      "to-pipe",
      GM,
      [0, 1, 2, 3].map((index) =>
        segment(
          source,
          index === 0 ? constant(0) : { kind: "binary", operator: "*", left: constant(index), right: page },
          page,
        ),
      ),
    );
    const replay = replayCallSite([writer], 0, { kernel: "rfc-v2", pageSize: 4096, file: "demo.c" });
    const json = replay.json;
    assert.equal(json.kernel, "rfc-v2");
    assert.equal(json.pageSize, 4096);
    assert.deepEqual(json.site, { file: "demo.c", line: 29 });
    assert.ok(
      json.assumptions.some((assumption) =>
        assumption.startsWith("no reader call on this pipe in the file: added the ideal reader"),
      ),
    );
    assert.deepEqual(
      json.pages.map((entry) => entry.outcome),
      ["moved", "moved", "moved", "moved"],
    );
    for (const entry of json.pages) {
      assert.equal(entry.writerPfn, entry.readerPfn);
      assert.equal(entry.rule, null);
    }
    assert.deepEqual(json.results.writer, { returned: 16384 });
    assert.deepEqual(json.results.reader, { returned: 16384 });
    assert.ok(json.steps.length > 0);
  });

  test("the same site on mainline-6.x copies every page with VMS-MAINLINE-COPY", () => {
    const source = buffer({ name: "src" });
    const writer = call(10, "to-pipe", GM, [segment(source, constant(0), pages(2))]);
    const json = replayCallSite([writer], 0, { kernel: "mainline-6.x", pageSize: 4096 }).json;
    assert.deepEqual(
      json.pages.map((entry) => [entry.outcome, entry.rule]),
      [
        ["copied", "VMS-MAINLINE-COPY"],
        ["copied", "VMS-MAINLINE-COPY"],
      ],
    );
    for (const entry of json.pages) assert.notEqual(entry.writerPfn, entry.readerPfn);
  });

  test("a multi-page iovec on rfc-v2: only the first page moves (VMS-RFC-IOV-BASE)", () => {
    const writer = call(10, "to-pipe", GM, [segment(buffer(), constant(0), pages(3))]);
    const json = replayCallSite([writer], 0, { kernel: "rfc-v2", pageSize: 4096 }).json;
    assert.deepEqual(
      json.pages.map((entry) => [entry.outcome, entry.rule]),
      [
        ["moved", null],
        ["copied", "VMS-RFC-IOV-BASE"],
        ["copied", "VMS-RFC-IOV-BASE"],
      ],
    );
  });

  test("writer and reader in the same file are both replayed, with no ideal counterpart", () => {
    const writer = call(10, "to-pipe", SPLICE_F_MOVE, [segment(buffer({ name: "out" }), constant(0), page)]);
    const reader = call(20, "from-pipe", SPLICE_F_MOVE, [segment(buffer({ name: "in" }), constant(0), page)]);
    const replay = replayCallSite([writer, reader], 1, { kernel: "rfc-v2", pageSize: 4096, file: "pair.c" });
    assert.ok(!replay.assumptions.some((assumption) => assumption.includes("ideal")));
    assert.equal(replay.json.site.line, 21);
    // A MOVE-only writer loses its page and the reader copies it (VMS-NO-GIFT).
    assert.deepEqual(
      replay.json.pages.map((entry) => [entry.outcome, entry.rule]),
      [["copied", "VMS-NO-GIFT"]],
    );
    assert.ok(replay.json.steps.some((step) => step.rules.includes("VMS-RFC-MOVE-ONLY-ZAP")));
  });

  test("a reader site gets the ideal gifting writer sized to its destination", () => {
    const reader = call(5, "from-pipe", SPLICE_F_MOVE, [segment(buffer({ name: "dst" }), constant(0), pages(2))]);
    const replay = replayCallSite([reader], 0, { kernel: "rfc-v2", pageSize: 16384 });
    assert.ok(
      replay.assumptions.some((assumption) =>
        assumption.startsWith("no writer call on this pipe in the file: added the ideal writer, which gifts 2"),
      ),
    );
    assert.deepEqual(replay.json.results.reader, { returned: 32768 });
    assert.deepEqual(
      replay.json.pages.map((entry) => entry.outcome),
      ["moved", "moved"],
    );
  });

  test("unknown flags, length and alignment are assumed pessimistically: no move is shown", () => {
    const mystery = buffer({
      name: "p",
      origin: "parameter",
      memory: "unknown",
      alignment: null,
      writtenBefore: "unknown",
    });
    const writer = call(10, "to-pipe", null, [segment(mystery, constant(0), unknown)]);
    const replay = replayCallSite([writer], 0, { kernel: "rfc-v2", pageSize: 4096 });
    const text = replay.assumptions.join("\n");
    assert.match(text, /flags argument 'flags' could not be folded .* replayed as 0/);
    assert.match(text, /length of segment 0 is unknown; replayed as 2048 bytes/);
    assert.match(text, /alignment of 'p' is unknown; replayed 16 bytes into a page/);
    assert.match(text, /memory kind of 'p' is unknown/);
    assert.match(text, /written before the call is unknown; replayed untouched/);
    assert.ok(replay.json.pages.length > 0);
    assert.ok(replay.json.pages.every((entry) => entry.outcome !== "moved"));
  });

  test("an unreconstructed iovec array and an unknown direction are listed and never move", () => {
    const site = call(10, "unknown", GM, null);
    const replay = replayCallSite([site], 0, { kernel: "rfc-v2", pageSize: 4096 });
    assert.ok(replay.assumptions.some((assumption) => assumption.includes("direction")));
    assert.ok(replay.assumptions.some((assumption) => assumption.includes("iovec array could not be reconstructed")));
    assert.ok(replay.json.pages.every((entry) => entry.outcome !== "moved"));
  });

  test("a fork before the gift keeps the page mapped in the child: copied with VMS-FORK", () => {
    const source = buffer({ name: "src", forkBefore: { range: call(3, "to-pipe", 0, []).range } });
    const writer = call(10, "to-pipe", GM, [segment(source, constant(0), page)]);
    const json = replayCallSite([writer], 0, { kernel: "rfc-v2", pageSize: 4096 }).json;
    assert.deepEqual(
      json.pages.map((entry) => [entry.outcome, entry.rule]),
      [["copied", "VMS-FORK"]],
    );
  });

  test("a short read() before the reader call leaves a consumed buffer that is copied (VMS-OFFSET-CONSUMED)", () => {
    const reader = call(5, "from-pipe", SPLICE_F_MOVE, [segment(buffer({ name: "dst" }), constant(0), page)], {
      readBefore: { range: call(4, "from-pipe", 0, []).range, length: constant(100) },
    });
    const json = replayCallSite([reader], 0, { kernel: "rfc-v2", pageSize: 4096 }).json;
    assert.deepEqual(json.results.reader, { returned: 3996 });
    assert.equal(json.pages[0].outcome, "copied");
    assert.ok(json.pages[0].rules.includes("VMS-OFFSET-CONSUMED"));
  });

  test("the generated scenario text is a valid .vmsim file", () => {
    const writer = call(10, "to-pipe", GM, [segment(buffer({ memory: "shmem" }), constant(0), page)]);
    const replay = replayCallSite([writer], 0, { kernel: "rfc-v2", pageSize: 4096 });
    assert.match(replay.scenarioText, /^scenario replay /);
    assert.match(replay.scenarioText, /MAP_SHARED\|MAP_ANONYMOUS/);
    assert.deepEqual(
      replay.json.pages.map((entry) => entry.rule),
      ["VMS-SHMEM"],
    );
  });

  test("an index outside the call list is a RangeError", () => {
    assert.throws(() => replayCallSite([], 0, { kernel: "rfc-v2", pageSize: 4096 }), RangeError);
  });
});

describe("call-site replay of loop-filled iovec arrays", () => {
  test("a template repeated 4 times with offset index*page unrolls into 4 one-page iovecs that all move", () => {
    const source = buffer({ name: "src" });
    const template = {
      ...segment(
        source,
        { kind: "binary" as const, operator: "*" as const, left: { kind: "index" as const }, right: page },
        page,
      ),
      repeat: { count: constant(4), start: constant(0) },
    };
    const writer = call(10, "to-pipe", SPLICE_F_GIFT | SPLICE_F_MOVE, [template], {
      iov: {
        segments: [template],
        nrSegs: constant(4),
        nrSegsRange: call(10, "to-pipe", 0, []).range,
        iovRange: call(10, "to-pipe", 0, []).range,
        declarationRange: null,
        missing: null,
      },
    });
    const replay = replayCallSite([writer], 0, { kernel: "rfc-v2", pageSize: 4096 });
    assert.match(
      replay.scenarioText,
      /W: vmsplice fds\[1\] \[w0,4096\] \[w0\+4096,4096\] \[w0\+8192,4096\] \[w0\+12288,4096\] G\|M$/m,
    );
    assert.deepEqual(
      replay.json.pages.map((entry) => entry.outcome),
      ["moved", "moved", "moved", "moved"],
    );
  });

  test("an unknown trip count is replayed as one iteration and listed", () => {
    const template = { ...segment(buffer(), constant(0), page), repeat: { count: unknown, start: constant(0) } };
    const replay = replayCallSite([call(10, "to-pipe", 0, [template])], 0, { kernel: "mainline-6.x", pageSize: 4096 });
    assert.ok(
      replay.assumptions.some((assumption) =>
        assumption.includes("number of iovecs the loop fills for segment 0 is unknown; replayed as one"),
      ),
    );
    assert.equal(replay.json.pages.length, 1);
  });
});
