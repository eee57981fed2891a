/**
 * Replay of a recorded call (issue 13 point 3; recorder/replay-observed.ts): the observed facts (real in-page offsets,
 * lengths, page counts, mapping kinds, flags) reach the simulator's call-site replay, a reader is replayed with the writer
 * recorded into its pipe, the assumptions say where the replay comes from and what a run does not observe, and, as a
 * property, every call of seeded synthetic traces (hostile addresses, lengths, flags, descriptors, page words) replays
 * into a scenario that parses and runs without a scenario error under every kernel model.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { KERNEL_MODELS } from "../../server/src/analysis/facts";
import { parseScenario } from "../../server/src/simulator/index";
import {
  observedCalls,
  ObservedReplayError,
  replayObserved,
  replayRecordedCall,
} from "../../server/src/recorder/replay-observed";
import { parseTrace, type Trace, type TraceCall, type TraceMapping } from "../../server/src/recorder/trace";
import { runSimulateCommand } from "../../server/src/cli/simulate";
import { observedReplayLink } from "../../server/src/protocol/markdown";

const PAGE = 4096;
const ANON: TraceMapping = {
  start: "0x7f0000000000",
  end: "0x7f0000100000",
  perms: "rw-p",
  offset: "0x0",
  path: "",
  vmflags: "rd wr mr mw me ac",
};
const SHARED: TraceMapping = {
  ...ANON,
  start: "0x7f1000000000",
  end: "0x7f1000100000",
  perms: "rw-s",
  path: "/dev/zero (deleted)",
};

/** A pagemap word: present (bit 63), exclusive (bit 56), the PFN. */
function pm(pfn: number, exclusive = true): string {
  return `0x${((1n << 63n) | (exclusive ? 1n << 56n : 0n) | BigInt(pfn)).toString(16)}`;
}

function call(overrides: Partial<TraceCall>): TraceCall {
  return {
    type: "call",
    pid: 10,
    tid: 10,
    time: 1_796_371_200,
    via: "vmsplice",
    fd: 4,
    nrSegs: 1,
    flags: 0,
    pageSize: PAGE,
    threads: 1,
    pagemap: true,
    kpageflags: true,
    zeroPfn: "0x3b30",
    caller: { addr: "0x55550000123b", mapStart: "0x555500001000", mapOffset: "0x1000", object: "/build/prog" },
    fdinfo: { stat: "fifo", ino: 9, dev: 15, target: "pipe:[9]", flags: 1, pipeSize: 65536 },
    iov: [],
    maps: [ANON],
    ret: 0,
    errno: 0,
    after: [],
    ...overrides,
  };
}

/** A writer gifting (SPLICE_F_GIFT|SPLICE_F_MOVE) 8192 bytes 16 bytes into a private anonymous page (3 pages), and a reader into shared memory. */
function pairTrace(): Trace {
  const writer = call({
    flags: 9,
    nrSegs: 1,
    iov: [
      {
        base: "0x7f0000002010",
        len: 8192,
        pages: [0, 1, 2].map((page) => ({ pm: pm(0x1000 + page), kf: "0x1000", map: 0 })),
      },
    ],
    ret: 8192,
    after: [pm(0x1000), pm(0x1001), pm(0x1002)],
  });
  const reader = call({
    time: 1_796_371_201,
    pid: 11,
    tid: 11,
    fd: 3,
    flags: 1,
    caller: { addr: "0x55550000133b", mapStart: "0x555500001000", mapOffset: "0x1000", object: "/build/prog" },
    fdinfo: { stat: "fifo", ino: 9, dev: 15, target: "pipe:[9]", flags: 0, pipeSize: 65536 },
    iov: [
      {
        base: "0x7f1000004000",
        len: 8192,
        pages: [0, 1].map((page) => ({ pm: pm(0x2000 + page, false), kf: "0x0", map: 0 })),
      },
    ],
    maps: [SHARED],
    ret: 8192,
    after: [pm(0x2000, false), pm(0x2001, false)],
  });
  const lines = [
    { type: "process", pid: 10, ppid: 1, how: "exec", exe: "/build/prog" },
    { type: "process", pid: 11, ppid: 10, how: "fork", exe: "/build/prog" },
    writer,
    reader,
    {
      type: "site",
      object: "/build/prog",
      fileOffset: "0x123a",
      address: "0x123a",
      file: "/src/prog.c",
      line: 21,
      function: "send",
    },
    {
      type: "site",
      object: "/build/prog",
      fileOffset: "0x133a",
      address: "0x133a",
      file: "/src/prog.c",
      line: 40,
      function: "recv",
    },
    {
      type: "run",
      program: "/build/prog",
      args: ["--n", "3"],
      start: "2026-12-04T08:00:00.000Z",
      exitCode: 0,
      signal: null,
      kernelRelease: "6.18",
    },
  ];
  return parseTrace(lines.map((line) => JSON.stringify(line)).join("\n"));
}

const OPTIONS = { kernel: "rfc-v2", pageSize: 4096, traceName: "/w/run.vmsplice-trace.jsonl" } as const;

describe("replay of a recorded call", () => {
  test("a writer is replayed at its real in-page offset, length and page count, with the recorded reader", () => {
    const replay = replayObserved(pairTrace(), { file: "/src/prog.c", firstLine: 21 }, OPTIONS);
    assert.equal(replay.role, "writer");
    assert.equal(replay.observations, 1);
    assert.equal(replay.counterpart?.trace.pid, 11);
    const text = replay.scenarioText;
    assert.match(text, /^W: mmap w0 3P PROT_READ\|PROT_WRITE MAP_PRIVATE\|MAP_ANONYMOUS$/m);
    assert.match(text, /^W: vmsplice fds\[1\] \[w0\+16,8192\] G\|M$/m);
    assert.match(text, /^R: mmap r1 2P PROT_READ\|PROT_WRITE MAP_SHARED\|MAP_ANONYMOUS$/m);
    assert.match(text, /^R: vmsplice fds\[0\] \[r1,8192\] M$/m);
    assert.equal(parseScenario(text).diagnostics.length, 0);
    assert.match(
      replay.assumptions[0],
      /^replayed from a recorded run: trace \/w\/run\.vmsplice-trace\.jsonl, run of 2026-12-04T08:00:00\.000Z \(\/build\/prog --n 3\); observation 1 of 1 at \/src\/prog\.c:21, pid 10/,
    );
    assert.ok(
      replay.assumptions.some((line) => /writer iov\[0\]: observed at 0x7f0000002010, 16 bytes into/.test(line)),
    );
    assert.ok(replay.assumptions.some((line) => line.startsWith("not observed: whether the program checks")));
    assert.deepEqual(replay.json.assumptions, replay.assumptions);
    assert.equal(replay.json.site.line, 21);
  });

  test("a reader is replayed with the writer recorded into its pipe, first", () => {
    const replay = replayObserved(
      pairTrace(),
      { file: "prog.c", firstLine: 40 },
      { ...OPTIONS, kernel: "mainline-6.x" },
    );
    assert.equal(replay.role, "reader");
    assert.equal(replay.counterpart?.site.line, 21);
    const lines = replay.scenarioText.split("\n");
    const writerLine = lines.findIndex((line) => line.startsWith("W: vmsplice"));
    const readerLine = lines.findIndex((line) => line.startsWith("R: vmsplice"));
    assert.ok(writerLine >= 0 && writerLine < readerLine);
    assert.match(lines[writerLine], /\[w\d+\+16,8192\]/);
    assert.ok(
      replay.assumptions.some((line) =>
        /^writer: the recorded writer into the same pipe at \/src\/prog\.c:21, pid 10/.test(line),
      ),
    );
  });

  test("a writer whose pipe had no recorded reader gets the ideal one, said to be added", () => {
    const trace = pairTrace();
    trace.calls.pop();
    const replay = replayObserved(trace, { file: "/src/prog.c", firstLine: 21 }, OPTIONS);
    assert.equal(replay.counterpart, null);
    assert.ok(
      replay.assumptions.some((line) =>
        line.startsWith("no reader call on this pipe recorded: added the ideal reader"),
      ),
    );
  });

  test("a site or observation the trace does not have is a sentence, not a crash", () => {
    assert.throws(
      () => replayObserved(pairTrace(), { file: "/src/prog.c", firstLine: 30 }, OPTIONS),
      (error: unknown) => error instanceof ObservedReplayError && /observed calls on lines 21, 40/.test(error.message),
    );
    assert.throws(
      () => replayObserved(pairTrace(), { file: "/src/prog.c", firstLine: 21, observation: 2 }, OPTIONS),
      (error: unknown) => error instanceof ObservedReplayError && /observed 1 call at/.test(error.message),
    );
  });
});

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const BASES = [
  0n,
  1n,
  0x10n,
  0xfffn,
  0x7f0000002000n,
  0x7f0000002010n,
  0x7ffffffff000n,
  0xffffffffffff0000n,
  2n ** 64n - 1n,
];
const LENGTHS = [0, 1, 16, 4095, 4096, 8192, 65536, 2 ** 31, 2 ** 32 - 1, 2 ** 53];
const FLAGS = [0, 1, 2, 3, 8, 0xf, 0xffffffff, -1, 0x10];
const MAPPINGS: TraceMapping[] = [
  ANON,
  SHARED,
  { ...ANON, path: "[heap]" },
  { ...ANON, path: "[stack]" },
  { ...ANON, perms: "r--p", path: "/data/file" },
  { ...ANON, perms: "rw-s", path: "/data/file" },
  { ...ANON, vmflags: "rd wr ht" },
  { ...ANON, vmflags: "rd wr lo hg" },
];
const FDINFO: TraceCall["fdinfo"][] = [
  { stat: "fifo", ino: 9, dev: 15, target: "pipe:[9]", flags: 1, pipeSize: 65536 },
  { stat: "fifo", ino: 9, dev: 15, target: "pipe:[9]", flags: 0 },
  { stat: "fifo", ino: 9, dev: 15, target: "pipe:[9]", flags: 2 | 0o4000, pipeSize: 4096 },
  { stat: "fifo", ino: 12, dev: 15, target: "/tmp/fifo", flags: 0 },
  { stat: "file", target: "/tmp/x", flags: 1 },
  { stat: "ebadf" },
  { stat: "unknown" },
];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

/** One synthetic call with seeded hostile fields; its pages carry random pagemap and kpageflags words. */
function syntheticCall(next: () => number, time: number): TraceCall {
  const segments = Math.floor(next() * 4);
  const iov = Array.from({ length: segments }, () => {
    const base = pick(next, BASES) % 2n ** 64n;
    const len = pick(next, LENGTHS);
    const count = Math.min(4, Math.max(len > 0 ? 1 : 0, Math.ceil(len / PAGE)));
    const pages = Array.from({ length: count }, () => ({
      pm: next() < 0.1 ? null : next() < 0.2 ? "0x0" : pm(Math.floor(next() * 0x10000), next() < 0.7),
      kf: next() < 0.3 ? null : `0x${Math.floor(next() * 2 ** 26).toString(16)}`,
      map: next() < 0.1 ? -1 : Math.floor(next() * 2),
    }));
    return { base: `0x${base.toString(16)}`, len, pages, ...(next() < 0.1 ? { truncated: true } : {}) };
  });
  return call({
    pid: 10 + Math.floor(next() * 3),
    time,
    end: next() < 0.5 ? time + next() : undefined,
    via: next() < 0.5 ? "vmsplice" : "syscall",
    flags: pick(next, FLAGS),
    nrSegs: next() < 0.1 ? 2000 : segments,
    threads: 1 + Math.floor(next() * 3),
    pagemap: next() < 0.9,
    kpageflags: next() < 0.6,
    pageSize: next() < 0.8 ? PAGE : 65536,
    fdinfo: pick(next, FDINFO),
    iov,
    ...(next() < 0.05 ? { iovUnreadable: 14, iov: [] } : {}),
    maps: [pick(next, MAPPINGS), pick(next, MAPPINGS)],
    ret: next() < 0.2 ? -1 : Math.floor(next() * 10000),
    errno: 14,
    after: iov.flatMap((segment) => segment.pages.map((page) => (next() < 0.5 ? page.pm : null))),
  });
}

test("property: every call of seeded synthetic traces replays into a scenario that parses and runs", () => {
  const failures: string[] = [];
  let replayed = 0;
  const seeds = Number(process.env.VMSPLICE_LENS_RECORD_REPLAY_SEEDS ?? 40);
  const traces: { trace: Trace; label: string }[] = [{ trace: pairTrace(), label: "pair trace" }];
  for (let seed = 0; seed < seeds; seed++) {
    const next = random(seed);
    const calls = Array.from({ length: 1 + Math.floor(next() * 5) }, (_, index) =>
      syntheticCall(next, 1_800_000_000 + index),
    );
    traces.push({ trace: { calls, processes: [], sites: [], run: null, problems: [] }, label: `seed ${seed}` });
  }
  for (const { trace, label } of traces) {
    const calls = observedCalls(trace);
    for (let index = 0; index < calls.length; index++)
      for (const kernel of KERNEL_MODELS)
        for (const pageSize of [4096, 65536] as const) {
          let text = "";
          try {
            const replay = replayRecordedCall(trace, calls, index, {
              kernel,
              pageSize,
              traceName: "t",
              trace: "summary",
            });
            text = replay.scenarioText;
            const problems = parseScenario(text).diagnostics;
            const errors = replay.result.steps
              .filter((step) => step.error)
              .map((step) => `line ${step.line}: ${step.error}`);
            if (problems.length || errors.length)
              failures.push(
                `${label} call ${index} ${kernel}/${pageSize}: ${JSON.stringify([...problems, ...errors])}\n${text}`,
              );
            if (!replay.assumptions[0]?.startsWith("replayed from a recorded run: trace t"))
              failures.push(`${label} call ${index}: no provenance first: ${replay.assumptions[0]}`);
            replayed++;
          } catch (error) {
            failures.push(
              `${label} call ${index} ${kernel}/${pageSize}: threw ${error instanceof Error ? error.stack : String(error)}\n${text}`,
            );
          }
        }
  }
  assert.ok(replayed > 200, `only ${replayed} replays`);
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} replays failed`);
});

describe("simulate --trace TRACE FILE.c:LINE", () => {
  const traceText = () =>
    [...pairTrace().processes, ...pairTrace().calls, ...pairTrace().sites, pairTrace().run]
      .map((line) => JSON.stringify(line))
      .join("\n");
  function run(argv: string[]): { code: number; out: string; err: string } {
    let out = "";
    let err = "";
    const code = runSimulateCommand(argv, {
      readFile: (file) => {
        if (file === "run.vmsplice-trace.jsonl") return traceText();
        throw new Error(`ENOENT: ${file}`);
      },
      stdout: (text) => (out += text),
      stderr: (text) => (err += text),
    });
    return { code, out, err };
  }

  test("replays the observed call at the site as JSON and text", () => {
    const json = run([
      "--trace",
      "run.vmsplice-trace.jsonl",
      "/src/prog.c:40",
      "--format",
      "json",
      "--kernel",
      "mainline-6.x",
    ]);
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out) as { assumptions: string[]; site: { line: number } };
    assert.equal(report.site.line, 40);
    assert.match(report.assumptions[0], /^replayed from a recorded run: trace run\.vmsplice-trace\.jsonl/);
    const text = run(["--trace=run.vmsplice-trace.jsonl", "prog.c:21", "--observation", "1"]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /observation 1 of 1/);
  });

  test("a site, observation or target the trace cannot replay is a usage error on stderr", () => {
    const none = run(["--trace", "run.vmsplice-trace.jsonl", "/src/prog.c:22"]);
    assert.equal(none.code, 2);
    assert.equal(none.out, "");
    assert.match(none.err, /observed calls on lines 21, 40/);
    assert.match(
      run(["--trace", "run.vmsplice-trace.jsonl", "/src/prog.c:21", "--observation", "2"]).err,
      /observation 2/,
    );
    assert.equal(run(["--trace", "run.vmsplice-trace.jsonl", "x.vmsim"]).code, 2);
    assert.equal(run(["--observation", "1", "/src/prog.c:21"]).code, 2);
    assert.match(run(["--trace", "missing.jsonl", "/src/prog.c:21"]).err, /cannot read missing\.jsonl/);
  });
});

test("the hover's Replay observed link carries any trace path inside its encoded arguments", () => {
  const trace = '/w/a) [x](command:evil) "q"\n`b`.vmsplice-trace.jsonl';
  const link = observedReplayLink({ uri: "file:///w/p.c", line: 3, character: 4 }, "vmsplice-lens.replay", trace);
  assert.ok(link);
  const match = /^\[Replay observed\]\(command:vmsplice-lens\.replay\?([A-Za-z0-9%._~*'!-]+) "[^"]*"\)$/.exec(link);
  assert.ok(match, link);
  assert.deepEqual(JSON.parse(decodeURIComponent(match[1])), [
    { uri: "file:///w/p.c", line: 3, character: 4, observed: { trace, observation: 1 } },
  ]);
  assert.equal(observedReplayLink({ uri: "no scheme", line: 3, character: 4 }, "vmsplice-lens.replay", trace), null);
});
