/**
 * Tests of the conformance harness itself: the report comparison must notice every kind of difference, the byte
 * summary must match the C probes' format, and the `#>` annotations of the twins must parse and resolve to steps.
 * Without these, a comparison that silently ignored a field would let the kernel-versus-model test pass vacuously.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runProbe } from "./kernel-probes";
import { compareReports, fnv1a, summariseBytes, type ProbeReport } from "./report";
import { parseAnnotations } from "./twin";

function report(overrides: Partial<ProbeReport>): ProbeReport {
  return {
    probe: "example",
    kernel: "test",
    pageSize: 4096,
    calls: {},
    memory: {},
    pages: {},
    facts: {},
    ...overrides,
  };
}

describe("compareReports", () => {
  test("identical reports and renumbered frames agree", () => {
    const kernel = report({
      calls: { w: { returned: 4096 }, r: { errno: "EAGAIN" }, b: { blocked: true, progress: 0 } },
      memory: { q: summariseBytes(new Uint8Array(4096).fill(0x10)) },
      pages: {
        "p[0]@before": { present: true, pfn: 1383499 },
        "p[0]@after": { present: true, pfn: 1383499 },
        "q[0]@after": { present: true, pfn: 77 },
        "u[0]@before": { present: false, pfn: 0 },
      },
      facts: { "w.SIGPIPE": 1 },
    });
    const model = report({
      calls: { w: { returned: 4096 }, r: { errno: "EAGAIN" }, b: { blocked: true, progress: 0 } },
      memory: { q: summariseBytes(new Uint8Array(4096).fill(0x10)) },
      pages: {
        "p[0]@before": { present: true, pfn: 5 },
        "p[0]@after": { present: true, pfn: 5 },
        "q[0]@after": { present: true, pfn: 6 },
        "u[0]@before": { present: false, pfn: 0 },
      },
      facts: { "w.SIGPIPE": 1 },
    });
    assert.deepEqual(compareReports(kernel, model), []);
  });

  test("names each differing field with both values", () => {
    const kernel = report({
      calls: { w: { returned: 4096 }, r: { blocked: true, progress: 0 } },
      memory: { q: summariseBytes(new Uint8Array([1, 1, 2])) },
      pages: {
        "p[0]@before": { present: true, pfn: 10 },
        "p[0]@after": { present: true, pfn: 10 },
        "p[1]@after": { present: false, pfn: 0 },
      },
      facts: { "w.SIGPIPE": 1 },
    });
    const model = report({
      calls: { w: { errno: "EFAULT" }, r: { blocked: true, progress: 4096 }, extra: { returned: 0 } },
      memory: { q: summariseBytes(new Uint8Array([1, 2, 2])) },
      pages: {
        "p[0]@before": { present: true, pfn: 10 },
        "p[0]@after": { present: true, pfn: 11 },
        "p[1]@after": { present: true, pfn: 12 },
      },
      facts: {},
    });
    assert.deepEqual(compareReports(kernel, model), [
      "calls.extra: kernel no such call, model returned 0",
      "calls.r: kernel blocked after 0 bytes, model blocked after 4096 bytes",
      "calls.w: kernel returned 4096, model errno EFAULT",
      "memory.q: kernel 0x01x2 0x02x1, model 0x01x1 0x02x2",
      "pages.p[1]@after: kernel absent, model present",
      "pages.p[0]@after ~ pages.p[0]@before: kernel same frame, model different frames",
      "facts.w.SIGPIPE: kernel 1, model none",
    ]);
  });

  test("falls back to the hash when a buffer has too many runs to list", () => {
    const alternating = new Uint8Array(1000).map((_, index) => index % 2);
    const kernel = report({ memory: { q: summariseBytes(alternating) } });
    assert.equal(kernel.memory.q.runs, undefined);
    const changed = alternating.slice();
    changed[999] = 7;
    assert.deepEqual(compareReports(kernel, report({ memory: { q: summariseBytes(alternating) } })), []);
    assert.equal(compareReports(kernel, report({ memory: { q: summariseBytes(changed) } })).length, 1);
  });
});

describe("byte summaries", () => {
  test("FNV-1a matches the 32-bit reference values the C probes compute", () => {
    // Reference values of the published FNV-1a 32-bit test vectors.
    assert.equal(fnv1a(new Uint8Array([])), 0x811c9dc5);
    assert.equal(fnv1a(new TextEncoder().encode("a")), 0xe40c292c);
    assert.equal(fnv1a(new TextEncoder().encode("foobar")), 0xbf9cf968);
  });

  test("runs list byte values and counts in order", () => {
    assert.deepEqual(summariseBytes(new Uint8Array([0xee, 0xee, 0x10])).runs, [
      [0xee, 2],
      [0x10, 1],
    ]);
  });
});

describe("twin annotations", () => {
  const text = [
    'scenario x "t"',
    "process T",
    "pipe fds",
    "T: mmap p 2P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS",
    "#> pages T p[0..1] @before as src",
    "T: vmsplice fds[1] iovB(p,P) 0  #> call w",
    "#> call w-again",
    "#> memory T p+P 100",
    "#> signals SIGPIPE as w.SIGPIPE",
    "#> zero-page",
    "#> pages T p[x] @later",
  ].join("\n");

  test("resolve calls to their step lines and keep labels and amounts", () => {
    const { annotations, errors } = parseAnnotations(text, [2, 3, 4, 6]);
    assert.deepEqual(annotations, [
      { kind: "pages", line: 5, process: "T", mapping: "p", first: 0, last: 1, moment: "before", label: "src" },
      { kind: "call", line: 6, id: "w", stepLine: 6 },
      { kind: "call", line: 7, id: "w-again", stepLine: 6 },
      {
        kind: "memory",
        line: 8,
        process: "T",
        mapping: "p",
        offset: { bytes: 0, pages: 1 },
        length: { bytes: 100, pages: 0 },
        label: "p",
      },
      { kind: "signals", line: 9, signal: "SIGPIPE", label: "w.SIGPIPE", stepLine: 6 },
      { kind: "zero-page", line: 10 },
    ]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].line, 11);
    assert.match(errors[0].message, /pages PROC MAP\[a\.\.b\] @MOMENT/);
  });
});

describe("runProbe", () => {
  // Stand-in probes are tiny shell scripts, so these tests need neither gcc nor root.
  const folder = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-harness-"));
  const script = (name: string, body: string): string => {
    const file = path.join(folder, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  test("parses the last line of a probe's output as its report", async () => {
    const result = await runProbe(
      script(
        "ok",
        `echo noise; echo '{"probe":"ok","kernel":"k","pageSize":4096,"calls":{"w":{"returned":1}},"memory":{},"pages":{},"facts":{}}'`,
      ),
    );
    assert.ok("report" in result);
    assert.deepEqual(result.report.calls, { w: { returned: 1 } });
  });

  test("reports exit status 3 as a machine that cannot run the probe, with the reason", async () => {
    const result = await runProbe(script("cannot", `echo '{"probe":"cannot","cannotRun":"no pagemap"}'; exit 3`));
    assert.deepEqual(result, { cannotRun: "no pagemap" });
  });

  test("reports a failing probe with its exit status and stderr", async () => {
    const result = await runProbe(script("fails", "echo 'setup step failed' >&2; exit 2"));
    assert.ok("error" in result);
    assert.match(result.error, /exit status 2/);
    assert.match(result.error, /setup step failed/);
  });

  test("reports output that is not JSON", async () => {
    const result = await runProbe(script("garbage", "echo not-json"));
    assert.ok("error" in result);
    assert.match(result.error, /no valid JSON/);
  });

  test("kills a probe that hangs instead of hanging the suite", async () => {
    const started = Date.now();
    const result = await runProbe(script("hangs", "exec sleep 30"), 300);
    assert.ok("error" in result);
    assert.match(result.error, /killed after 300 ms/);
    assert.ok(Date.now() - started < 10_000, "the timeout did not stop the probe");
  });

  after(() => rmSync(folder, { recursive: true, force: true }));
});
