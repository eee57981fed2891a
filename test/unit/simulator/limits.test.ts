// The simulator's documented limits (docs/vmsim.md section 9, issue 10 D1/D2): every number range-checked at parse
// time with its line and column, a model whose cost follows the pages touched (not the mapping size), a work budget
// that ends a runaway scenario on its step, and capped traces.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { parseScenario, runScenario, toReplayJson } from "../../../server/src/simulator/index";
import type { KernelModel } from "../../../server/src/simulator/index";
import { PageTable } from "../../../server/src/simulator/page-table";
import { MAX_STEP_EVENTS, WORK_BUDGET } from "../../../server/src/simulator/limits";
import { runSimulateCommand } from "../../../server/src/cli/simulate";

const A = "PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS";
const HEADER = `scenario L "limits"\nprocess W\nprocess R\npipe fds\n`;
const MODELS: KernelModel[] = ["rfc-v2", "mainline-6.x", "mainline-3.12"];

/** The one diagnostic of a scenario whose fifth line is `line`. */
function problem(line: string): { line: number; column: number; message: string } {
  const { diagnostics } = parseScenario(HEADER + line + "\n");
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  return diagnostics[0];
}

/**
 * Counts page-table lookups while `run` runs and fails once they exceed `limit`: a walk over every page of a huge
 * mapping (what the model did before it became sparse) fails fast here instead of running out of memory or time.
 */
function withLookupLimit<T>(limit: number, run: () => T): { value: T; lookups: number } {
  const prototype = PageTable.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map(["get", "set", "has", "delete"].map((name) => [name, prototype[name]]));
  let lookups = 0;
  for (const [name, original] of originals) {
    prototype[name] = function (this: unknown, ...args: unknown[]) {
      if (++lookups > limit) throw new Error(`more than ${limit} page-table operations: the walk is not sparse`);
      return original.apply(this, args);
    };
  }
  try {
    return { value: run(), lookups };
  } finally {
    for (const [name, original] of originals) prototype[name] = original;
  }
}

describe("parse-time range checks name line and column", () => {
  test("a page index past 2^64 in an expect line is a diagnostic, not an abort", () => {
    const { diagnostics } = parseScenario(
      `${HEADER}W: mmap p P ${A}\nW: vmsplice fds[1] iov1(p,1) G|M\nexpect intact p[36893488147419103232]\n`,
    );
    assert.deepEqual(
      diagnostics.map(({ line, column }) => [line, column]),
      [[7, 15]],
    );
    assert.match(diagnostics[0].message, /page index '36893488147419103232' is out of range/);
  });

  test("the last index of a range, and a range wider than 65536 pages, are checked too", () => {
    assert.match(problem("expect present p[1..99999999999999999999]").message, /page index .* out of range/);
    assert.match(problem("expect zero-page p[0..70000]").message, /spans more than 65536 pages/);
    assert.equal(problem("expect zero-page p[0..70000]").column, 18);
  });

  test("lengths past the 128 TiB address space, in every position", () => {
    assert.match(problem(`W: mmap p 140737488355329 ${A}`).message, /'140737488355329' is out of range/);
    assert.match(problem(`W: mmap p 34359738369P ${A}`).message, /out of range/);
    assert.equal(problem(`W: fill p+99999999999999999P 0x41`).column, 9);
    assert.equal(problem(`W: fill p 99999999999999999 0x41`).column, 11);
    assert.match(problem("expect bytes p 9999999999999999999 == 0").message, /out of range/);
    assert.match(problem("file f 999999999999999M 'F'").message, /out of range/);
  });

  test("iovec counts, nr_segs, flags and descriptor numbers have ranges", () => {
    const many = problem("W: vmsplice fds[1] iov1(p,5000) 0");
    assert.equal(many.column, 27);
    assert.match(many.message, /iovec count '5000' is out of range \(0\.\.4096/);
    assert.match(problem("W: vmsplice fds[1] iov1(p,1) nr=4294967296 0").message, /segment count .* out of range/);
    assert.match(problem("W: vmsplice fds[1] iov1(p,1) 0x100000000").message, /flags '0x100000000' is out of range/);
    assert.match(problem("W: vmsplice 99999999999 iov1(p,1) 0").message, /descriptor .* out of range/);
    assert.match(problem("expect returned 1e400").message, /expected a number/);
    assert.match(problem("expect queued 99999999999999999999").message, /out of range/);
  });

  test("flags up to 0xffffffff stay unsigned (bit 31 is not a sign)", () => {
    const { scenario, diagnostics } = parseScenario(`${HEADER}W: vmsplice fds[1] iov1(p,1) 0xfffffff0|G\n`);
    assert.deepEqual(diagnostics, []);
    const command = scenario.steps[3].command;
    assert.equal(command.kind === "vmsplice" ? command.flags : null, 0xfffffff8);
  });

  test("an iovec length may be any size_t (the kernel decides), but not beyond", () => {
    assert.deepEqual(parseScenario(`${HEADER}W: vmsplice fds[1] [p,0xffffffffffffffff] 0\n`).diagnostics, []);
    assert.match(problem("W: vmsplice fds[1] [p,0x1ffffffffffffffff] 0").message, /2\^64-1 bytes/);
  });
});

describe("a sparse model: cost follows the pages touched", () => {
  const huge = "2097152M"; // 2 TiB
  const body =
    `W: mmap p ${huge} ${A}\nW: madvise p MADV_HUGEPAGE\nW: fill p+8P P pattern\nW: fork C\nW: mlock p+8P P\n` +
    `W: vmsplice fds[1] iovB(p+8P,P) G|M\nexpect returned 4096\nR: mmap q ${huge} ${A}\nR: vmsplice fds[0] iovB(q,P) M\n` +
    `expect returned 4096\nexpect[rfc-v2] moved q[0] from W p[8]\nW: mprotect p PROT_READ\nW: ksm-merge p\n` +
    `C: madvise p MADV_DONTNEED\nR: munmap q\nC: exit\nW: exit\n`;

  for (const kernel of MODELS) {
    test(`a 2 TiB mapping with a one-page gift, fork, mprotect, ksm-merge, DONTNEED, munmap and exit (${kernel})`, () => {
      const { scenario, diagnostics } = parseScenario(HEADER + body);
      assert.deepEqual(diagnostics, []);
      // A 2 MiB THP is 512 pages; everything else touches a handful. A walk over 2^29 pages would fail at once.
      const { value: result } = withLookupLimit(200_000, () => runScenario(scenario, { kernel }));
      assert.deepEqual(
        result.steps.filter((step) => step.error),
        [],
      );
      assert.ok(
        result.verdicts.every((verdict) => verdict.passed),
        JSON.stringify(result.verdicts),
      );
    });
  }
});

describe("the work budget ends a runaway scenario on its step", () => {
  test("touching 64 GiB fails before it starts, names the budget, and skips the rest", () => {
    const { scenario } = parseScenario(
      `${HEADER}W: mmap p 65536M ${A}\nW: touch p\nW: vmsplice fds[1] iov1(p,1) 0\nexpect returned 4096\n`,
    );
    const { value: result } = withLookupLimit(1000, () => runScenario(scenario, { kernel: "rfc-v2" }));
    assert.match(result.steps[4].error ?? "", /work budget exceeded: .* 16777216 more page operations/);
    assert.match(result.steps[4].error ?? "", new RegExp(`of the run's ${WORK_BUDGET}`));
    assert.equal(result.steps[5].skipped, true);
    assert.equal(result.stoppedAt, 4);
    assert.equal(result.verdicts[0].passed, false);
  });

  test("a fill over the budget and an mlock over it fail the same way", () => {
    for (const command of ["fill p pattern", "fill p 0x41", "mlock p"]) {
      const { scenario } = parseScenario(`${HEADER}W: mmap p 65536M ${A}\nW: ${command}\n`);
      const result = runScenario(scenario, { kernel: "mainline-6.x" });
      assert.match(result.steps[4].error ?? "", /work budget exceeded/, command);
    }
  });

  test("a mapping that does not fit below the user address limit is a step error", () => {
    const { scenario } = parseScenario(`${HEADER}W: mmap p 100000000M ${A}\nW: mmap q 100000000M ${A}\n`);
    const result = runScenario(scenario, { kernel: "rfc-v2" });
    assert.equal(result.steps[3].error, null);
    assert.match(result.steps[4].error ?? "", /do not fit below the 128 TiB user address limit/);
  });

  test("a length past the address space at a larger page size is a step error, not a wrong number", () => {
    const { scenario, diagnostics } = parseScenario(`${HEADER}W: mmap p 34359738368P ${A}\n`);
    assert.deepEqual(diagnostics, []);
    const result = runScenario(scenario, { kernel: "rfc-v2", pageSize: 65536 });
    assert.match(result.steps[3].error ?? "", /exceeds the 128 TiB user address space at 65536-byte pages/);
  });
});

describe("traces are capped per step", () => {
  test("a fill of 70,000 pages keeps 65,536 events and says how many it dropped", () => {
    const { scenario } = parseScenario(`${HEADER}W: mmap p 70000P ${A}\nW: fill p pattern\n`);
    const result = runScenario(scenario, { kernel: "rfc-v2" });
    const events = result.steps[4].events;
    assert.equal(events.length, MAX_STEP_EVENTS + 1);
    assert.deepEqual(events[events.length - 1], {
      kind: "note",
      text: "trace limit: 4464 further events of this step were not recorded (docs/vmsim.md section 9)",
    });
    // The next step has a trace of its own again.
    assert.ok(toReplayJson(scenario, result, { site: { file: "x", line: 1 } }).steps.length === 5);
  });

  describe("--kernel all --format json on a large fill writes bounded JSON", () => {
    let output = "";
    after(() => (output = ""));
    test("every kernel's report is there and each step holds at most the capped events", () => {
      let largest = 0;
      const text = `${HEADER}W: mmap p 70000P ${A}\nW: fill p pattern\nW: vmsplice fds[1] iov1(p,1) G|M\nexpect returned 4096\n`;
      const code = runSimulateCommand(["big.vmsim", "--kernel", "all", "--format", "json"], {
        readFile: () => text,
        stdout: (chunk) => {
          // Streamed: a full trace of a 1 GiB run is larger than the longest string V8 holds ("Invalid string length").
          largest = Math.max(largest, chunk.length);
          output += chunk;
        },
        stderr: (chunk) => assert.fail(chunk),
      });
      assert.equal(code, 0);
      assert.ok(largest < 1 << 20, `largest write ${largest} characters of ${output.length}`);
      const reports = JSON.parse(output) as { kernel: string; steps: { events: unknown[] }[] }[];
      assert.deepEqual(
        reports.map((report) => report.kernel),
        MODELS,
      );
      for (const report of reports)
        for (const step of report.steps) assert.ok(step.events.length <= MAX_STEP_EVENTS + 1);
    });
  });
});
