/**
 * The recorder's pure half: raw trace lines (as the shim writes them) → page observations → VmspliceCall facts →
 * verdicts from judgeCall, the static analyzer's table. No compiler or kernel needed; the words are built here the way
 * the kernel encodes them (pagemap bit 63 present, 56 exclusive, 61 file/shared; kpageflags bits 21 KSM, 22 THP, 24 zero).
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { KernelModel } from "../../server/src/analysis/facts";
import { judgeObserved, callFacts } from "../../server/src/recorder/observe";
import { buildReport, formatRecordText, formatRecordJson } from "../../server/src/recorder/report";
import {
  decodePagemap,
  mappingKind,
  observePages,
  parseTrace,
  type TraceCall,
  type TraceMapping,
} from "../../server/src/recorder/trace";
import { readElf, preloadObstacle, fileOffsetToVaddr } from "../../server/src/recorder/elf";

const PAGE = 4096;
const ANON: TraceMapping = {
  start: "0x7f0000000000",
  end: "0x7f0000100000",
  perms: "rw-p",
  offset: "0x0",
  path: "",
  vmflags: "rd wr mr mw me ac",
};

function entry(pfn: number, bits: { exclusive?: boolean; file?: boolean; present?: boolean } = {}): string {
  let word = BigInt(pfn);
  if (bits.present !== false) word |= 1n << 63n;
  else word = 0n;
  if (bits.exclusive ?? true) word |= 1n << 56n;
  if (bits.file) word |= 1n << 61n;
  return `0x${word.toString(16)}`;
}

function kflags(...bits: number[]): string {
  return `0x${bits.reduce((word, bit) => word | (1n << BigInt(bit)), 0n).toString(16)}`;
}

let nextTime = 1_800_000_000;

function call(
  overrides: Partial<TraceCall> & { pageEntries?: { pm: string | null; kf: string | null }[] } = {},
): TraceCall {
  const pages = overrides.pageEntries ?? [{ pm: entry(0x1234), kf: kflags(12) }];
  const { pageEntries: _ignored, ...rest } = overrides;
  void _ignored;
  return {
    type: "call",
    pid: 100,
    tid: 100,
    time: nextTime++,
    via: "vmsplice",
    fd: 4,
    nrSegs: 1,
    flags: 8,
    pageSize: PAGE,
    threads: 1,
    pagemap: true,
    kpageflags: true,
    zeroPfn: "0x3b30",
    caller: { addr: "0x401234", mapStart: "0x400000", mapOffset: "0x0", object: "/bin/prog" },
    fdinfo: { stat: "fifo", ino: 77, dev: 15, target: "pipe:[77]", flags: 1, pipeSize: 65536 },
    iov: [{ base: "0x7f0000002000", len: pages.length * PAGE, pages: pages.map((page) => ({ ...page, map: 0 })) }],
    maps: [ANON],
    ret: pages.length * PAGE,
    errno: 0,
    after: pages.map((page) => page.pm),
    ...rest,
  };
}

const SITE = { file: "prog.c", line: 10, function: "main" };

function verdict(trace: TraceCall[], kernel: KernelModel = "rfc-v2", index = 0) {
  const analyses = judgeObserved(
    trace.map((item, sequence) => ({ trace: item, site: { ...SITE, line: 10 + sequence }, sequence })),
    { kernel, pageSize: PAGE },
  );
  return analyses[index];
}

describe("recorder: raw kernel words", () => {
  test("pagemap entries decode present, exclusive, file and PFN", () => {
    assert.deepEqual(decodePagemap("0x81000000001278eb"), {
      present: true,
      swapped: false,
      exclusive: true,
      fileOrShared: false,
      pfn: 0x1278eb,
    });
    assert.equal(decodePagemap("0x0").present, false);
    assert.equal(decodePagemap(entry(5, { file: true })).fileOrShared, true);
  });

  test("mapping kinds from smaps headers", () => {
    assert.equal(mappingKind(ANON), "private-anon");
    assert.equal(mappingKind({ ...ANON, perms: "rw-s", path: "/dev/zero (deleted)" }), "shared-anon");
    assert.equal(mappingKind({ ...ANON, perms: "rw-s", path: "/memfd:x (deleted)" }), "shared-anon");
    assert.equal(mappingKind({ ...ANON, perms: "rw-s", path: "/data/file" }), "shared-file");
    assert.equal(mappingKind({ ...ANON, perms: "r--p", path: "/data/file" }), "private-file");
    assert.equal(mappingKind({ ...ANON, path: "[heap]" }), "heap");
    assert.equal(mappingKind({ ...ANON, vmflags: "rd wr ht" }), "hugetlb");
  });

  test("zero page from kpageflags, or from the shim's zero-page probe when kpageflags is unreadable", () => {
    const withFlags = observePages(
      call({ pageEntries: [{ pm: entry(0x3b30, { exclusive: false }), kf: kflags(24) }] }),
    );
    assert.equal(withFlags[0][0].zero, true);
    const probeOnly = observePages(
      call({ kpageflags: false, pageEntries: [{ pm: entry(0x3b30, { exclusive: false }), kf: null }] }),
    );
    assert.equal(probeOnly[0][0].zero, true);
    assert.equal(probeOnly[0][0].thp, null, "THP state is unknown without kpageflags");
  });

  test("a torn last line is reported, not fatal", () => {
    const text = `${JSON.stringify(call())}\n{"type":"call","pid":1`;
    const trace = parseTrace(text);
    assert.equal(trace.calls.length, 1);
    assert.equal(trace.problems.length, 1);
  });
});

describe("recorder: verdicts from observed facts (judgeCall's table)", () => {
  test("a gifted, exclusively mapped, written anonymous page moves on rfc-v2 and copies on mainline", () => {
    assert.equal(verdict([call()]).verdict, "move");
    assert.equal(verdict([call()], "mainline-6.x").verdict, "copy");
    assert.equal(verdict([call()], "mainline-3.12").verdict, "copy");
  });

  test("the facts carry the observed values", () => {
    const facts = callFacts(call({ flags: 9 }), SITE, PAGE);
    assert.equal(facts.flags.value, 9);
    assert.equal(facts.fd.direction, "to-pipe");
    assert.equal(facts.fd.kind, "pipe");
    assert.equal(facts.iov.segments?.[0].buffer?.memory, "private-anon");
    assert.equal(facts.iov.segments?.[0].buffer?.writtenBefore, "yes");
  });

  test("the zero page copies (VMS-ZERO-PAGE)", () => {
    const analysis = verdict([call({ pageEntries: [{ pm: entry(0x3b30, { exclusive: false }), kf: kflags(24) }] })]);
    assert.equal(analysis.verdict, "copy");
    assert.ok(analysis.rules.includes("VMS-ZERO-PAGE"));
  });

  test("an untouched (not present) anonymous page copies as the zero page", () => {
    const analysis = verdict([call({ pageEntries: [{ pm: entry(0, { present: false }), kf: null }] })]);
    assert.equal(analysis.verdict, "copy");
    assert.ok(analysis.rules.includes("VMS-ZERO-PAGE"));
  });

  test("a page shared after fork() copies (VMS-FORK); a KSM page copies (VMS-KSM), not as a fork", () => {
    const forked = verdict([call({ pageEntries: [{ pm: entry(0x99, { exclusive: false }), kf: kflags(12) }] })]);
    assert.equal(forked.verdict, "copy");
    assert.deepEqual(
      forked.rules.filter((id) => id === "VMS-FORK"),
      ["VMS-FORK"],
    );
    const ksm = verdict([call({ pageEntries: [{ pm: entry(0x99, { exclusive: false }), kf: kflags(12, 21) }] })]);
    assert.equal(ksm.verdict, "copy");
    assert.ok(ksm.rules.includes("VMS-KSM"));
    assert.ok(!ksm.rules.includes("VMS-FORK"));
  });

  test("a THP page still moves, with VMS-THP-SPLIT", () => {
    const analysis = verdict([call({ pageEntries: [{ pm: entry(0x200), kf: kflags(12, 22) }] })]);
    assert.equal(analysis.verdict, "move");
    assert.ok(analysis.rules.includes("VMS-THP-SPLIT"));
  });

  test("without kpageflags (not root) a move is unknown: KSM cannot be excluded", () => {
    const analysis = verdict([
      call({ kpageflags: false, zeroPfn: undefined, pageEntries: [{ pm: entry(0x200), kf: null }] }),
    ]);
    assert.equal(analysis.verdict, "unknown");
    assert.ok(analysis.missing.length > 0);
  });

  test("shared memory, hugetlb and private file pages", () => {
    const shared = verdict([call({ maps: [{ ...ANON, perms: "rw-s", path: "/dev/zero (deleted)" }] })]);
    assert.ok(shared.rules.includes("VMS-SHMEM"));
    const huge = verdict([call({ maps: [{ ...ANON, vmflags: "rd wr ht" }] })]);
    assert.equal(huge.verdict, "unsafe");
    const cleanFile = verdict([
      call({
        maps: [{ ...ANON, perms: "rw-p", path: "/data/f" }],
        pageEntries: [{ pm: entry(0x5, { file: true }), kf: kflags(5) }],
      }),
    ]);
    assert.equal(cleanFile.verdict, "copy");
    assert.ok(cleanFile.rules.includes("VMS-FILE"));
    const written = verdict([
      call({ maps: [{ ...ANON, perms: "rw-p", path: "/data/f" }], pageEntries: [{ pm: entry(0x5), kf: kflags(12) }] }),
    ]);
    assert.equal(written.verdict, "move", "a written private file page is an anonymous copy-on-write page");
  });

  test("an unaligned iov_base and a short length copy", () => {
    const analysis = verdict([
      call({
        iov: [
          {
            base: "0x7f0000002064",
            len: PAGE,
            pages: [
              { pm: entry(1), kf: kflags(12), map: 0 },
              { pm: entry(2), kf: kflags(12), map: 0 },
            ],
          },
        ],
      }),
    ]);
    assert.equal(analysis.verdict, "copy");
    assert.ok(analysis.rules.includes("VMS-ALIGN-SRC"));
  });

  test("a descriptor open O_RDWR is written to; a regular file is not a pipe", () => {
    assert.equal(callFacts(call({ fdinfo: { stat: "fifo", ino: 1, flags: 2 } }), SITE, PAGE).fd.direction, "to-pipe");
    const file = verdict([call({ fdinfo: { stat: "file", ino: 1, flags: 1, target: "/tmp/x" } })]);
    assert.equal(file.verdict, "copy");
    assert.ok(file.rules.includes("VMS-NOT-PIPE"));
  });

  test("readers: judged with the writers recorded into the same pipe", () => {
    const reader = (flags: number) =>
      call({
        fdinfo: { stat: "fifo", ino: 77, dev: 15, target: "pipe:[77]", flags: 0 },
        flags,
        iov: [{ base: "0x7f0000010000", len: PAGE, pages: [{ pm: entry(0x77), kf: kflags(12), map: 0 }] }],
      });
    assert.equal(
      verdict([call(), reader(1)], "rfc-v2", 1).verdict,
      "move",
      "gifting writer, aligned private destination",
    );
    const noGift = verdict([call({ flags: 0 }), reader(1)], "rfc-v2", 1);
    assert.equal(noGift.verdict, "copy");
    assert.ok(noGift.rules.includes("VMS-NO-GIFT"));
    const alone = verdict([reader(1)]);
    assert.equal(alone.verdict, "unknown", "nothing recorded filled the pipe");
    assert.match(alone.missing.join(" "), /no vmsplice\(\) into this pipe was recorded/);
    const otherPipe = verdict([call({ fdinfo: { stat: "fifo", ino: 78, dev: 15, flags: 1 } }), reader(1)], "rfc-v2", 1);
    assert.equal(otherPipe.verdict, "unknown", "a writer into another pipe does not feed this reader");
    const unaligned = verdict(
      [
        call(),
        call({
          fdinfo: { stat: "fifo", ino: 77, dev: 15, flags: 0 },
          flags: 1,
          iov: [
            {
              base: "0x7f0000010064",
              len: PAGE,
              pages: [
                { pm: entry(1), kf: kflags(12), map: 0 },
                { pm: entry(2), kf: kflags(12), map: 0 },
              ],
            },
          ],
        }),
      ],
      "rfc-v2",
      1,
    );
    assert.equal(unaligned.verdict, "unsafe");
    assert.ok(unaligned.rules.includes("VMS-ALIGN-DST"));
    const hole = verdict(
      [
        call(),
        call({
          fdinfo: { stat: "fifo", ino: 77, dev: 15, flags: 0 },
          flags: 1,
          iov: [{ base: "0x7f0000010000", len: PAGE, pages: [{ pm: null, kf: null, map: -1 }] }],
        }),
      ],
      "rfc-v2",
      1,
    );
    assert.equal(hole.verdict, "unsafe");
    assert.ok(hole.rules.includes("VMS-DST-HOLE"));
  });

  test("readers: a pipe whose recorded writers put no page a reader can take is copied, whatever the destination", () => {
    // The writer gifts a page-sized chunk 100 bytes into its page: both pipe buffers fail the RFC's steal test
    // (offset != 0, len != P), so the reader's unaligned destination is never moved into (as the static analyzer says
    // for test/fixtures/VMS-NO-MOVABLE-PAGE/invalid/unaligned-gift-into-unaligned-destination.c).
    const unalignedGift = () =>
      call({
        iov: [
          {
            base: "0x7f0000002064",
            len: PAGE,
            pages: [
              { pm: entry(0x10), kf: kflags(12), map: 0 },
              { pm: entry(0x11), kf: kflags(12), map: 0 },
            ],
          },
        ],
      });
    const reader = () =>
      call({
        fdinfo: { stat: "fifo", ino: 77, dev: 15, target: "pipe:[77]", flags: 0 },
        flags: 1,
        iov: [
          {
            base: "0x7f0000010064",
            len: PAGE,
            pages: [
              { pm: entry(1), kf: kflags(12), map: 0 },
              { pm: entry(2), kf: kflags(12), map: 0 },
            ],
          },
        ],
      });
    const writer = verdict([unalignedGift(), reader()], "rfc-v2", 0);
    assert.equal(writer.verdict, "copy");
    const copied = verdict([unalignedGift(), reader()], "rfc-v2", 1);
    assert.equal(copied.verdict, "copy");
    assert.ok(copied.rules.includes("VMS-NO-MOVABLE-PAGE"), copied.rules.join(" "));
    assert.ok(!copied.rules.includes("VMS-ALIGN-DST"));
    const finding = copied.findings.find((item) => item.rule === "VMS-NO-MOVABLE-PAGE");
    assert.match(finding?.message ?? "", /line 10: not page-aligned, less than a whole page/);
    // One recorded writer that does put a whole gifted page: the reader may take it, into the wrong place.
    const mixed = verdict([unalignedGift(), call(), reader()], "rfc-v2", 2);
    assert.equal(mixed.verdict, "unsafe");
    assert.ok(mixed.rules.includes("VMS-ALIGN-DST"));
    // A writer copied only because a forked child still maps its page is no proof: the child may be gone by then.
    const shared = call({ pageEntries: [{ pm: entry(0x99, { exclusive: false }), kf: kflags(12) }] });
    assert.equal(verdict([shared, reader()], "rfc-v2", 0).verdict, "copy");
    assert.equal(verdict([shared, reader()], "rfc-v2", 1).verdict, "unsafe");
    // Mainline never moves: the reader copies there with or without this rule.
    assert.equal(verdict([unalignedGift(), reader()], "mainline-6.x", 1).verdict, "copy");
  });
});

describe("recorder: report", () => {
  const trace = parseTrace(
    [call(), call(), call({ pageEntries: [{ pm: entry(0x99, { exclusive: false }), kf: kflags(12) }] })]
      .map((line) => JSON.stringify(line))
      .join("\n"),
  );

  test("calls at one site are counted per outcome, with the verdicts seen there and under every model", () => {
    const report = buildReport(trace, () => SITE, { kernel: "rfc-v2", pageSize: 4096 });
    assert.equal(report.files.length, 1);
    const entries = report.files[0].entries;
    assert.equal(entries.length, 2, "two outcomes at one line");
    assert.deepEqual(entries.map((item) => item.observation.count).sort(), [1, 2]);
    assert.deepEqual(entries[0].observation.verdictsSeen, { move: 2, copy: 1 });
    assert.equal(entries[0].observation.siteCount, 3);
    const moved = entries.find((item) => item.analysis.verdict === "move");
    assert.deepEqual(moved?.observation.byKernel["mainline-6.x"], { copy: 2 });
    assert.equal(moved?.observation.pagesMoved, 2);
  });

  test("text reads like check; JSON has check's shape plus the observation", () => {
    const report = buildReport(trace, () => SITE, { kernel: "rfc-v2", pageSize: 4096 });
    const text = formatRecordText(report, { kernel: "rfc-v2", pageSize: 4096 });
    assert.match(
      text,
      /^prog\.c:10:1: note: vmsplice to-pipe, flags SPLICE_F_GIFT: 1 page: 1 move -> move \[observed 2 of 3 calls here/m,
    );
    assert.match(text, /warning: .*\[VMS-FORK\]/);
    assert.match(text, /3 vmsplice calls observed at 1 site in 1 file \(2 move, 1 copy\)/);
    const json = formatRecordJson(report, { kernel: "rfc-v2", pageSize: 4096 }, "0.0.0", null) as {
      files: {
        path: string;
        calls: {
          line: number;
          direction: string;
          verdict: string;
          segments: unknown[];
          rules: string[];
          observation: { count: number };
        }[];
      }[];
    };
    assert.equal(json.files[0].path, "prog.c");
    const first = json.files[0].calls[0];
    assert.equal(first.line, 10);
    assert.equal(first.direction, "to-pipe");
    assert.ok(Array.isArray(first.segments));
    assert.ok(first.observation.count >= 1);
  });

  test("a call without a source line is shown by object and address", () => {
    const report = buildReport(trace, () => ({ file: "/bin/prog", line: null, function: "main" }), {
      kernel: "rfc-v2",
      pageSize: 4096,
    });
    const text = formatRecordText(report, { kernel: "rfc-v2", pageSize: 4096 });
    assert.match(text, /^\/bin\/prog: 0x401234 \(main\): note:/m);
  });
});

describe("recorder: many calls", () => {
  test("4000 alternating calls on one pipe are judged in bounded time, each reader with its writers", () => {
    const lines = Array.from({ length: 4000 }, (_, index) =>
      index % 2 === 0
        ? call()
        : call({
            fdinfo: { stat: "fifo", ino: 77, dev: 15, target: "pipe:[77]", flags: 0 },
            flags: 1,
            caller: { addr: "0x402001", mapStart: "0x400000", mapOffset: "0x0", object: "/bin/prog" },
            iov: [{ base: "0x7f0000010000", len: PAGE, pages: [{ pm: entry(0x77), kf: kflags(12), map: 0 }] }],
          }),
    );
    const started = Date.now();
    const report = buildReport(
      parseTrace(lines.map((line) => JSON.stringify(line)).join("\n")),
      (item) => ({ ...SITE, line: item.flags === 1 ? 20 : 10 }),
      { kernel: "rfc-v2", pageSize: 4096 },
    );
    const elapsed = Date.now() - started;
    assert.deepEqual(
      report.files[0].entries.map((item) => [item.observation.line, item.analysis.verdict, item.observation.count]),
      [
        [10, "move", 2000],
        [20, "move", 2000],
      ],
    );
    // A generous bound against a quadratic peer search (0.4 s here for 5000 calls under three models).
    assert.ok(elapsed < 20_000, `${elapsed} ms`);
  });
});

describe("recorder: ELF", () => {
  test("not ELF is null; a minimal header without PT_INTERP is static", () => {
    assert.equal(readElf(new TextEncoder().encode("#!/bin/sh\necho hi\n".padEnd(64, " "))), null);
    const header = new Uint8Array(64);
    header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    new DataView(header.buffer).setUint16(18, 62, true);
    const elf = readElf(header);
    assert.ok(elf);
    assert.match(preloadObstacle(elf, "x64") ?? "", /statically linked/);
    assert.equal(
      fileOffsetToVaddr({ ...elf, loads: [{ offset: 0x1000, vaddr: 0x401000, filesz: 0x100 }] }, 0x1010),
      0x401010,
    );
  });
});
