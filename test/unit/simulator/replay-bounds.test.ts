// Call-site replays of hostile facts (issue 10 D2, D7): negative offsets, flags folded as signed numbers, huge or
// non-integer values, and buffers far larger than one call can hand over. The generated scenario must parse, run on a
// bounded window, and list what it assumed.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseScenario, replayCallSite } from "../../../server/src/simulator/index";
import { cUnsignedInt, REPLAY_WINDOW_PAGES } from "../../../server/src/simulator/replay";
import { PageTable } from "../../../server/src/simulator/page-table";
import { SPLICE_F_GIFT, SPLICE_F_MOVE, type KernelModel, type SymValue } from "../../../server/src/analysis/facts";
import { buffer, call, constant, page, segment } from "./facts-builder";

const GM = SPLICE_F_GIFT | SPLICE_F_MOVE;
const MODELS: KernelModel[] = ["rfc-v2", "mainline-6.x", "mainline-3.12"];

/** Fails fast (instead of running out of memory) when a replay walks far more pages than it touches. */
function sparse<T>(run: () => T): T {
  const prototype = PageTable.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = prototype.set;
  let writes = 0;
  prototype.set = function (this: unknown, ...args: unknown[]) {
    if (++writes > 100_000) throw new Error("the replay maps far more pages than one call can hand over");
    return original.apply(this, args);
  };
  try {
    return run();
  } finally {
    prototype.set = original;
  }
}

function replayAll(calls: Parameters<typeof replayCallSite>[0], index = 0) {
  return MODELS.map((kernel) => {
    const replay = sparse(() => replayCallSite(calls, index, { kernel, pageSize: 4096 }));
    assert.deepEqual(parseScenario(replay.scenarioText).diagnostics, []);
    assert.deepEqual(
      replay.result.steps.filter((step) => step.error).map((step) => step.error),
      [],
      replay.scenarioText,
    );
    return replay;
  });
}

describe("replayed offsets and flags always parse", () => {
  test("an iov_base one byte before the buffer is written p-1, and the call faults", () => {
    const writer = call(10, "to-pipe", SPLICE_F_GIFT, [segment(buffer(), constant(-1), page)]);
    for (const replay of replayAll([writer])) {
      assert.match(replay.scenarioText, /^W: vmsplice fds\[1\] \[w0-1,4096\] G$/m);
      assert.deepEqual(replay.json.results.writer, { errno: "EFAULT" });
    }
  });

  test("a negative offset smaller than the heap misalignment stays inside the buffer's page", () => {
    const writer = call(10, "to-pipe", GM, [
      segment(buffer({ origin: "malloc", alignment: null }), constant(-8), page),
    ]);
    for (const replay of replayAll([writer])) assert.match(replay.scenarioText, /\[w0\+8,4096\]/);
  });

  test("flags folded as a negative number are replayed as C unsigned int (~0xfu is 0xfffffff0)", () => {
    assert.equal(cUnsignedInt(~0xf), 0xfffffff0);
    const writer = call(10, "to-pipe", ~0xf, [segment(buffer(), constant(0), page)]);
    const [rfc, six, old] = replayAll([writer]);
    assert.match(rfc.scenarioText, / 0xfffffff0$/m);
    assert.doesNotMatch(rfc.scenarioText, /0x-/);
    assert.deepEqual(six.json.results.writer, { errno: "EINVAL" });
    assert.deepEqual(old.json.results.writer, { returned: 4096 });
  });

  test("bit 31 with named flags: G|0x80000000", () => {
    const writer = call(10, "to-pipe", 0x80000000 | SPLICE_F_GIFT | 0, [segment(buffer(), constant(0), page)]);
    for (const replay of replayAll([writer])) assert.match(replay.scenarioText, / G\|0x80000000$/m);
  });

  test("values that are not numbers, or beyond 64 bits, are unknown (listed); fractions are truncated as in C", () => {
    const weird: SymValue[] = [
      constant(Number.NaN),
      constant(Number.POSITIVE_INFINITY),
      constant(2 ** 70),
      constant(-(2 ** 70)),
    ];
    for (const value of [...weird, constant(2.5)]) {
      const writer = call(10, "to-pipe", GM, [segment(buffer({ size: value }), value, value)]);
      for (const replay of replayAll([writer])) {
        assert.doesNotMatch(replay.scenarioText, /NaN|Infinity|e\+|\./);
        const unknown = replay.assumptions.some((text) => /offset of segment 0 is unknown/.test(text));
        assert.equal(unknown, weird.includes(value));
      }
    }
  });

  test("a negative or huge pipe size and a huge nr_segs still parse (EINVAL as in the kernel)", () => {
    const writer = call(10, "to-pipe", GM, [segment(buffer(), constant(0), page)], {
      fd: { ...call(10, "to-pipe", GM, []).fd, pipeSizeBytes: constant(-4096) },
    });
    for (const replay of replayAll([writer])) assert.match(replay.scenarioText, /F_SETPIPE_SZ 4294963200/);
    const many = call(10, "to-pipe", GM, [segment(buffer(), constant(0), page)]);
    many.iov = { ...many.iov, nrSegs: constant(2 ** 40) };
    for (const replay of replayAll([many])) {
      assert.match(replay.scenarioText, / nr=4294967295 G\|M$/m);
      assert.deepEqual(replay.json.results.writer, { errno: "EINVAL" });
    }
  });
});

describe("huge buffers replay a bounded window", () => {
  test("a 2 TiB mapping gifting one page: mapped whole, written on a window, listed, and the page moves", () => {
    const huge = buffer({
      size: constant(2 * 2 ** 40),
      mlocked: { range: call(1, "to-pipe", 0, []).range },
      madvise: [],
    });
    const writer = call(10, "to-pipe", GM, [segment(huge, constant(0), page)]);
    const [rfc] = replayAll([writer]);
    assert.match(rfc.scenarioText, /^W: mmap w0 536870912P /m);
    assert.match(rfc.scenarioText, new RegExp(`^W: mlock w0 ${REPLAY_WINDOW_PAGES}P$`, "m"));
    assert.match(rfc.scenarioText, new RegExp(`^W: fill w0 ${REPLAY_WINDOW_PAGES}P pattern$`, "m"));
    assert.ok(
      rfc.assumptions.some((text) =>
        /'buf' spans 536870912 pages; the replay writes only the 1024 from page 0/.test(text),
      ),
    );
    assert.deepEqual(
      rfc.json.pages.map((entry) => entry.outcome),
      ["moved"],
    );
  });

  test("the window starts at the page of the first segment", () => {
    const huge = buffer({ size: constant(2 ** 40) });
    const writer = call(10, "to-pipe", GM, [segment(huge, constant(5000 * 4096), page)]);
    const [rfc] = replayAll([writer]);
    assert.match(rfc.scenarioText, /^W: fill w0\+5000P 1024P pattern$/m);
    assert.deepEqual(
      rfc.json.pages.map((entry) => entry.outcome),
      ["moved"],
    );
  });

  test("a 2 TiB iov_len gets an ideal reader of at most the window, listed", () => {
    const writer = call(10, "to-pipe", GM, [segment(buffer(), constant(0), constant(2 * 2 ** 40))]);
    for (const replay of replayAll([writer])) {
      assert.match(replay.scenarioText, /^R: mmap r 1024P /m);
      assert.ok(
        replay.assumptions.some((text) => /ideal reader is replayed with 1024 pages, not 536870912/.test(text)),
      );
    }
  });

  test("a buffer larger than 8 TiB is replayed as 8 TiB, listed", () => {
    const writer = call(10, "to-pipe", GM, [segment(buffer({ size: constant(2 ** 50) }), constant(0), page)]);
    for (const replay of replayAll([writer]))
      assert.ok(replay.assumptions.some((text) => /larger than 8 TiB; replayed as an 8 TiB mapping/.test(text)));
  });

  test("a reader with a huge destination and read() before it stays bounded", () => {
    const writer = call(10, "to-pipe", GM, [segment(buffer({ name: "src" }), constant(0), page)]);
    const reader = call(
      20,
      "from-pipe",
      SPLICE_F_MOVE,
      [segment(buffer({ name: "dst", size: constant(2 ** 42) }), constant(0), page)],
      {
        readBefore: { length: constant(2 ** 42), range: call(20, "from-pipe", 0, []).range },
      } as never,
    );
    for (const replay of replayAll([writer, reader], 1)) {
      assert.match(replay.scenarioText, /^R: fill r1 1024P 0xEE$/m);
      assert.match(replay.scenarioText, /^R: read fds\[0\] scratch 4194304$/m);
    }
  });
});
