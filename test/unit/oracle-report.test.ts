// Unit tests of the oracle's verdict and report (oracle/lib/report.ts): what fails `npm run oracle:rfc` and what is only
// recorded. Built from hand-made runs; no guest is booted here.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { renderReport, verdictOf, type OracleRun } from "../../oracle/lib/report";
import type { GuestRun } from "../../oracle/lib/serial";

function guest(): GuestRun {
  return {
    booted: true,
    kernelVersion: "Linux version 6.1.176",
    zeroPfn: 1,
    scenarios: [],
    done: true,
    exitStatus: 0,
    fatal: [],
    rssCounter: [
      {
        kind: "rss-counter",
        text: "BUG: Bad rss-counter state mm:x type:MM_ANONPAGES val:-4",
        counter: { type: "MM_ANONPAGES", value: -4 },
      },
    ],
    malformed: [],
  };
}

function run(): OracleRun {
  return {
    startedAt: "2026-11-25T00:00:00.000Z",
    installedPackages: [],
    times: { bootRfc: 2.5 },
    rfc: { guest: guest(), timedOut: false },
    control: {
      guest: { ...guest(), rssCounter: [] },
      timedOut: false,
      summary: { scenarios: 1, calls: 2, violations: [] },
      comparisons: [],
    },
    scenarios: [{ id: "G01", title: "t", file: "samples/scenarios/G01.vmsim", unsupported: [] }],
    comparisons: [
      { id: "G01", steps: [], differences: [], checks: 9, rss: [{ process: "R", kernelValue: -4, modelMoved: 4 }] },
    ],
    hazards: [
      {
        name: "anon-vma",
        expected: "kernel BUG at mm/migrate.c",
        reproduced: true,
        fatal: ["kernel BUG at mm/migrate.c:1163!"],
        excerpt: ["kernel BUG at mm/migrate.c:1163!"],
        seconds: 3,
      },
    ],
    thpDrops: [],
    knownDifferences: [],
  };
}

describe("verdictOf", () => {
  test("rss-counter lines and a crashing hazard probe do not fail the run", () => {
    assert.deepEqual(verdictOf(run()), { ok: true, reasons: [] });
  });

  test("any other fatal kernel line fails it", () => {
    const failing = run();
    failing.rfc.guest.fatal.push({ kind: "fatal", text: "BUG: Bad page map in process R" });
    const verdict = verdictOf(failing);
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.reasons, ["rfc kernel: kernel: BUG: Bad page map in process R"]);
  });

  test("a difference, a missing kernel result, a control move and an unfinished guest each fail it", () => {
    const failing = run();
    failing.comparisons[0].differences.push({
      scenario: "G01",
      step: 8,
      line: 14,
      what: "moved pages",
      kernel: "none",
      model: "q[0]<-W:p[0]",
    });
    failing.scenarios.push({ id: "O01", title: "t", file: "oracle/scenarios/O01.vmsim", unsupported: [] });
    failing.control?.summary?.violations.push("G01 step 8 (line 14): zapped none, moved q[0]<-W:p[0]");
    failing.rfc.guest.done = false;
    const reasons = verdictOf(failing).reasons;
    assert.ok(reasons.includes("G01 line 14: moved pages: kernel none, model q[0]<-W:p[0]"), reasons.join("\n"));
    assert.ok(reasons.includes("O01: no kernel result"), reasons.join("\n"));
    assert.ok(
      reasons.includes("control kernel: G01 step 8 (line 14): zapped none, moved q[0]<-W:p[0]"),
      reasons.join("\n"),
    );
    assert.ok(reasons.includes("rfc kernel: the guest program did not finish"), reasons.join("\n"));
  });
});

describe("renderReport", () => {
  test("records the rss-counter hazard per process and the probe's kernel lines", () => {
    const { markdown, verdict } = renderReport(run());
    assert.equal(verdict.ok, true);
    assert.match(markdown, /\*\*Verdict: PASS\.\*\* 1 of 1 scenarios agree \(9 facts compared\)/);
    assert.match(markdown, /\| G01 \| R \| -4 \| 4 \|/);
    assert.match(markdown, /Probe `anon-vma`: \*\*reproduced\*\* \(expected `kernel BUG at mm\/migrate\.c`/);
    assert.match(markdown, /kernel BUG at mm\/migrate\.c:1163!/);
  });
});
