// `vmsplice-lens simulate` through runSimulateCommand with in-memory I/O: text and JSON output, options, exit codes,
// parse errors with file:line:column, and call-site replay through an injected fact extractor.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { runSimulateCommand, type SimulateIo } from "../../../server/src/cli/simulate";
import { SPLICE_F_GIFT, SPLICE_F_MOVE } from "../../../server/src/analysis/facts";
import { buffer, call, constant, page, segment } from "./facts-builder";

const scenarios = path.resolve(__dirname, "../../../samples/scenarios");

function harness(files: Record<string, string> = {}, extras: Partial<SimulateIo> = {}) {
  const output = { stdout: "", stderr: "" };
  const io: SimulateIo = {
    readFile: (file) => {
      if (file in files) return files[file];
      return readFileSync(file, "utf8");
    },
    stdout: (text) => {
      output.stdout += text;
    },
    stderr: (text) => {
      output.stderr += text;
    },
    ...extras,
  };
  return { io, output };
}

describe("vmsplice-lens simulate", () => {
  test("JSON for a golden scenario has the replay shape with pages, results and assumptions", () => {
    const { io, output } = harness();
    const code = runSimulateCommand([path.join(scenarios, "G01.vmsim"), "--kernel", "rfc-v2", "--format", "json"], io);
    assert.equal(code, 0);
    const json = JSON.parse(output.stdout);
    assert.equal(json.kernel, "rfc-v2");
    assert.equal(json.pageSize, 4096);
    assert.deepEqual(json.site, { file: path.join(scenarios, "G01.vmsim"), line: 1 });
    assert.deepEqual(json.assumptions, []);
    assert.equal(json.pages.length, 4);
    for (const entry of json.pages) {
      assert.equal(entry.outcome, "moved");
      assert.equal(entry.writerPfn, entry.readerPfn);
      assert.equal(entry.rule, null);
    }
    assert.deepEqual(json.results.writer, { returned: 16384 });
    assert.deepEqual(json.results.reader, { returned: 16384 });
    assert.ok(
      json.steps.some((step: { events: { kind: string }[] }) => step.events.some((event) => event.kind === "zap")),
    );
  });

  test("text output is a step table with the pages and the expectation summary", () => {
    const { io, output } = harness();
    const code = runSimulateCommand([path.join(scenarios, "G02.vmsim"), "--kernel=mainline-6.x"], io);
    assert.equal(code, 0);
    assert.match(output.stdout, /^G02: /);
    assert.match(output.stdout, /kernel mainline-6\.x, page size 4096/);
    assert.match(output.stdout, /W: vmsplice fds\[1\] iovB\(p,4P\) G\|M\s+16384/);
    assert.match(output.stdout, /copy 4096 bytes of PFN \d+\+0 to R 0x[0-9a-f]+ \[VMS-MAINLINE-COPY\]/);
    assert.match(output.stdout, /expectations: 7 passed, 0 failed/);
  });

  test("--kernel all reports every model; JSON becomes an array", () => {
    const { io, output } = harness();
    assert.equal(runSimulateCommand([path.join(scenarios, "G04.vmsim"), "--kernel", "all", "--format", "json"], io), 0);
    const reports = JSON.parse(output.stdout);
    assert.deepEqual(
      reports.map((report: { kernel: string }) => report.kernel),
      ["rfc-v2", "mainline-6.x", "mainline-3.12"],
    );
  });

  test("a failed expectation gives exit code 1 and names the line", () => {
    const text =
      'scenario X "x"\nprocess W\npipe fds\nW: mmap p P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS\nW: fill p 1\nW: vmsplice fds[1] iovB(p,P) 0\nexpect returned 1\n';
    const { io, output } = harness({ "x.vmsim": text });
    assert.equal(runSimulateCommand(["x.vmsim", "--kernel", "mainline-6.x"], io), 1);
    assert.match(output.stdout, /FAIL line 7: expect returned 1: returned 4096/);
  });

  test("--page-size overrides the scenario's page size", () => {
    const text =
      'scenario X "x"\nprocess W\npipe fds\nW: mmap p P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS\nW: fill p 1\nW: vmsplice fds[1] iovB(p,P) 0\n';
    const { io, output } = harness({ "x.vmsim": text });
    assert.equal(runSimulateCommand(["x.vmsim", "--page-size", "65536", "--format", "json"], io), 0);
    const json = JSON.parse(output.stdout);
    assert.equal(json.pageSize, 65536);
    assert.deepEqual(json.results.writer, { returned: 65536 });
  });

  test("--trace summary leaves out pins and faults but keeps moves", () => {
    const { io, output } = harness();
    assert.equal(
      runSimulateCommand([path.join(scenarios, "G01.vmsim"), "--format", "json", "--trace", "summary"], io),
      0,
    );
    const kinds = JSON.parse(output.stdout).steps.flatMap((step: { events: { kind: string }[] }) =>
      step.events.map((event) => event.kind),
    );
    assert.ok(kinds.includes("move"));
    assert.ok(!kinds.includes("pin") && !kinds.includes("fault"));
  });

  test("parse errors are printed as file:line:column and give exit code 2", () => {
    const { io, output } = harness({ "bad.vmsim": 'scenario X "x"\nprocess W\nW: vmsplice fds[1] iovB(p,P) GIFT\n' });
    assert.equal(runSimulateCommand(["bad.vmsim"], io), 2);
    assert.match(output.stderr, /^bad\.vmsim:3:30: expected a splice flag/);
    assert.equal(output.stdout, "");
  });

  test("usage errors give exit code 2", () => {
    for (const argv of [
      [],
      ["a.vmsim", "--kernel", "linux-2.6"],
      ["a.vmsim", "--page-size", "8192"],
      ["a.vmsim", "--format", "xml"],
      ["a.vmsim", "--trace", "none"],
      ["a.vmsim", "b.vmsim"],
      ["a.vmsim", "--bogus"],
    ]) {
      const { io, output } = harness();
      assert.equal(runSimulateCommand(argv, io), 2, argv.join(" "));
      assert.match(output.stderr, /usage: vmsplice-lens simulate/);
    }
  });

  test("an unreadable file gives exit code 2", () => {
    const { io, output } = harness(
      {},
      {
        readFile: () => {
          throw new Error("ENOENT");
        },
      },
    );
    assert.equal(runSimulateCommand(["missing.vmsim"], io), 2);
    assert.match(output.stderr, /cannot read missing\.vmsim: ENOENT/);
  });

  test("FILE.c:LINE replays the call on that line through the injected analyzer", () => {
    const writer = call(27, "to-pipe", SPLICE_F_GIFT | SPLICE_F_MOVE, [segment(buffer(), constant(0), page)]);
    const { io, output } = harness({ "demo.c": "int main(void) { return 0; }\n" }, { extractCalls: () => [writer] });
    assert.equal(runSimulateCommand(["demo.c:28", "--format", "json"], io), 0);
    const json = JSON.parse(output.stdout);
    assert.deepEqual(json.site, { file: "demo.c", line: 28 });
    assert.equal(json.pages[0].outcome, "moved");
    assert.ok(json.assumptions.length > 0);
  });

  test("FILE.c:LINE without a call on the line lists the lines that have one", () => {
    const writer = call(27, "to-pipe", 0, [segment(buffer(), constant(0), page)]);
    const { io, output } = harness({ "demo.c": "\n" }, { extractCalls: () => [writer] });
    assert.equal(runSimulateCommand(["demo.c:3"], io), 2);
    assert.match(output.stderr, /no vmsplice call at demo\.c:3 \(calls are on lines 28\)/);
  });

  test("FILE.c:LINE without an analyzer says so", () => {
    const { io, output } = harness({ "demo.c": "\n" });
    assert.equal(runSimulateCommand(["demo.c:3"], io), 2);
    assert.match(output.stderr, /call-site replay needs the analyzer/);
  });
});
