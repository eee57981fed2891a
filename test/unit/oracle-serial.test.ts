// Unit tests of the oracle's serial log reader (oracle/lib/serial.ts): kernel line classification and the attribution
// of kernel lines to scenarios and exiting processes through the guest's markers. No guest is booted here.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { classifyKernelLine, parseGuestLogs } from "../../oracle/lib/serial";

describe("classifyKernelLine", () => {
  test("the RFC's rss-counter message is a hazard with its counter and value", () => {
    const line = classifyKernelLine("BUG: Bad rss-counter state mm:(____ptrval____) type:MM_ANONPAGES val:-4");
    assert.deepEqual(line?.kind, "rss-counter");
    assert.deepEqual(line?.counter, { type: "MM_ANONPAGES", value: -4 });
  });

  test("other BUG, oops, panic and warning lines are fatal", () => {
    for (const text of [
      "kernel BUG at mm/migrate.c:1104!",
      "BUG: Bad page map in process R  pte:8000000005f4e025 pmd:05f4f067",
      "Oops: 0000 [#1] PREEMPT NOPTI",
      "Kernel panic - not syncing: Fatal exception",
      "WARNING: CPU: 0 PID: 57 at mm/rmap.c:1229 page_add_anon_rmap+0x1a/0x20",
    ]) {
      assert.equal(classifyKernelLine(text)?.kind, "fatal", text);
    }
  });

  test("ordinary boot lines are ignored", () => {
    assert.equal(classifyKernelLine("Run /init as init process"), null);
    assert.equal(classifyKernelLine("VMSORACLE-MARK G01 exiting R"), null);
  });
});

const consoleLog = [
  "[    0.704021] Run /init as init process",
  "VMSORACLE-BOOT",
  "[    0.980031] VMSORACLE-MARK G01 start -",
  "[    1.016034] VMSORACLE-MARK G01 exiting R",
  "[    1.016034] BUG: Bad rss-counter state mm:(____ptrval____) type:MM_ANONPAGES val:-4",
  "[    1.036035] VMSORACLE-MARK G01 exited R",
  "[    1.036035] VMSORACLE-MARK G01 exiting W",
  "[    1.056036] VMSORACLE-MARK G01 exited W",
  "[    1.076037] VMSORACLE-MARK G01 end -",
  "[    1.080000] VMSORACLE-MARK G02 start -",
  "[    1.090000] WARNING: CPU: 0 PID: 60 at mm/memory.c:1 zap_pte_range+0x1/0x2",
  "[    1.100000] VMSORACLE-MARK G02 end -",
  "VMSORACLE-EXIT 0",
].join("\r\n");

const resultsLog = [
  'VMSORACLE {"s":"-","start":true,"zeroPfn":6470,"kernel":"Linux version 6.1.176 ","lines":20}',
  'VMSORACLE {"s":"G01","i":7,"p":"W","cmd":"vmsplice","ret":16384,"rss":[264,248],"thp":[2048,0],"before":{"p":[6045,6044]},"after":{"p":[-1,-1]}}',
  'VMSORACLE {"s":"G01","i":8,"p":"R","cmd":"vmsplice","errno":"EFAULT","rss":[264,264],"before":{"q":[6038,6037]},"after":{"q":[6038,6037]}}',
  'VMSORACLE {"s":"G01","i":9,"p":"R","cmd":"vmsplice","blocked":true,"signal":"SIGPIPE","rss":[1,1],"before":{},"after":{}}',
  'VMSORACLE {"s":"G01","i":10,"p":"Q","cmd":"fill","unsupported":"process Q not running"}',
  'VMSORACLE {"s":"G01","final":"R","rssAnon":248,"maps":{"q":{"data":["10*4096","ee*100,11*3996"],"pfn":[6045,6037]}}}',
  'VMSORACLE {"s":"G01","exited":"R"}',
  'VMSORACLE {"s":"G01","exited":"W"}',
  'VMSORACLE {"s":"G01","end":true}',
  'VMSORACLE {"s":"G02","i":3,"p":"W","cmd":"mmap","ret":0',
  "VMSORACLE-DONE",
].join("\r\n");

describe("parseGuestLogs", () => {
  const run = parseGuestLogs(resultsLog, consoleLog);

  test("reads the start record and the end markers", () => {
    assert.equal(run.booted, true);
    assert.equal(run.done, true);
    assert.equal(run.exitStatus, 0);
    assert.equal(run.zeroPfn, 6470);
    assert.equal(run.kernelVersion, "Linux version 6.1.176");
  });

  test("reads every kind of step record", () => {
    const steps = run.scenarios.find((scenario) => scenario.id === "G01")?.steps ?? [];
    assert.equal(steps.length, 4);
    assert.deepEqual([steps[0].returned, steps[0].errno, steps[0].blocked], [16384, null, false]);
    assert.deepEqual(steps[0].before, { p: [6045, 6044] });
    assert.deepEqual(steps[0].after, { p: [-1, -1] });
    assert.deepEqual(steps[0].rss, [264, 248]);
    assert.deepEqual(steps[0].thp, [2048, 0]);
    assert.equal(steps[1].thp, null);
    assert.deepEqual([steps[1].returned, steps[1].errno], [null, "EFAULT"]);
    assert.deepEqual([steps[2].blocked, steps[2].signal], [true, "SIGPIPE"]);
    assert.equal(steps[3].problem, "unsupported: process Q not running");
  });

  test("attributes the rss-counter line to the exit it happened in, and nothing to the writer", () => {
    const exits = run.scenarios.find((scenario) => scenario.id === "G01")?.exits ?? [];
    assert.deepEqual(
      exits.map((exit) => [exit.process, exit.kernelLines.map((line) => line.counter?.value)]),
      [
        ["R", [-4]],
        ["W", []],
      ],
    );
    assert.equal(run.rssCounter.length, 1);
  });

  test("collects fatal lines and keeps them with their scenario", () => {
    assert.deepEqual(
      run.fatal.map((line) => line.text),
      ["WARNING: CPU: 0 PID: 60 at mm/memory.c:1 zap_pte_range+0x1/0x2"],
    );
    assert.equal(run.scenarios.find((scenario) => scenario.id === "G02")?.kernelLines.length, 1);
  });

  test("reads final dumps and reports a truncated line instead of guessing", () => {
    const final = run.scenarios.find((scenario) => scenario.id === "G01")?.finals[0];
    assert.deepEqual(final?.maps.q.data, ["10*4096", "ee*100,11*3996"]);
    assert.equal(run.scenarios.find((scenario) => scenario.id === "G01")?.ended, true);
    assert.equal(run.malformed.length, 1);
    assert.match(run.malformed[0], /"s":"G02"/);
  });
});
