/**
 * The server's side of the time budget: the sentence a partial analysis gets (analysis-service.ts `describeStop`), the
 * diagnostics it is published as (one Information line plus the findings), and the hard limit of background.ts, which
 * ends a worker that does not answer (here a worker that never returns from a job) and starts a fresh one next time.
 */
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_SETTINGS } from "../../server/src/config";
import type { SourceRange } from "../../server/src/analysis/facts";
import { describeNoResult, describeStop, type DocumentAnalysis } from "../../server/src/protocol/analysis-service";
import { BackgroundAnalyses, hardLimitMs } from "../../server/src/protocol/background";
import { diagnosticsFor } from "../../server/src/protocol/diagnostics";
import { newEngine } from "./engine-support";

function at(line: number): SourceRange {
  const point = { line, character: 0 };
  return { start: point, end: point, startIndex: line * 10, endIndex: line * 10 } as unknown as SourceRange;
}

describe("the time budget in the server", () => {
  test("the sentence says how many calls were analysed, how many were not and from which line", () => {
    assert.equal(
      describeStop({ leftOut: [at(40), at(41), at(50)] }, 7, 30000),
      "vmsplice Lens analysed 7 of 10 vmsplice calls within vmspliceLens.analysisTimeBudgetMs (30000 ms); the 3 from line 41 on are not reported (raise the setting to analyse the whole file).",
    );
    assert.match(describeStop({ leftOut: [at(9)] }, 1, 100), /analysed 1 of 2 .*; the call on line 10 is not reported/);
    assert.match(
      describeStop({ leftOut: null }, 0, 100),
      /^vmsplice Lens analysed none of this file's vmsplice calls within vmspliceLens\.analysisTimeBudgetMs \(100 ms\): parsing/,
    );
    assert.match(
      describeStop({ leftOut: [] }, 4, 100),
      /analysed this file's 4 vmsplice calls .*but not its splice\(\) calls/,
    );
    assert.match(
      describeNoResult({ kind: "over-budget", budgetMs: 100, limitMs: hardLimitMs(100) }),
      /did not stop within 10200 ms although vmspliceLens\.analysisTimeBudgetMs is 100 ms/,
    );
  });

  test("a partial analysis is published as its findings plus one Information line at the top", async () => {
    const engine = await newEngine();
    const prelude = "#define _GNU_SOURCE\n#include <sys/uio.h>\n#include <unistd.h>\n";
    const call = (index: number) =>
      `int f${index}(void) { int fds[2]; if (pipe(fds)) return 1; static char b[4096]; struct iovec v = { b + 1, 4096 }; return vmsplice(fds[1], &v, 1, SPLICE_F_GIFT); }\n`;
    engine.setText("a.c", prelude + call(0) + call(1) + call(2));
    let asked = 0;
    const result = engine.analysis("a.c", { kernel: "rfc-v2", pageSize: 4096 }, undefined, {
      allows: (phase) => phase === "judge" || ++asked <= 2,
    });
    engine.dispose();
    assert.equal(result.calls.length, 1);
    assert.ok(result.stopped && result.findings.length > 0);
    const settings = { ...DEFAULT_SETTINGS, severity: {} };
    const analysis = {
      uri: "file:///a.c",
      version: 1,
      text: "",
      settings,
      skipped: null,
      stopped: describeStop(result.stopped, result.calls.length, 30000),
      tree: null,
      facts: null,
      analysis: { calls: result.calls, findings: result.findings, notes: result.notes },
      suppressions: [],
    } satisfies DocumentAnalysis;
    const diagnostics = diagnosticsFor(analysis, "file:///docs/");
    assert.equal(diagnostics.length, result.findings.length + 1);
    assert.deepEqual(diagnostics[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    assert.equal(diagnostics[0].severity, 3);
    assert.match(diagnostics[0].message, /analysed 1 of 3 vmsplice calls .*the 2 from line 5 on are not reported/);
    assert.ok(diagnostics.slice(1).every((item) => item.code !== undefined && item.range.start.line === 3));
  });

  const folder = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-hung-worker-"));
  const hung = path.join(folder, "hung-worker.js");
  // A worker stuck in one unit of work: it never answers and never yields.
  writeFileSync(
    hung,
    "require('node:worker_threads').parentPort.on('message', (m) => { if (m.kind === 'job') for (;;) {} });\n",
  );
  const background = new BackgroundAnalyses(hung, [], 50);
  after(() => background.dispose());

  test("a worker that does not answer by the hard limit is ended, and the next job gets a fresh one", async () => {
    const options = { kernel: "rfc-v2", pageSize: 4096, maxFileSize: 1 << 20 } as const;
    const first = await background.analyse("file:///slow.c", disk("int x;"), options, null, 100);
    assert.deepEqual(first, { kind: "over-budget", budgetMs: 100, limitMs: 250 });
    assert.equal(background.started, 1);
    const second = await background.analyse("file:///slow.c", disk("int y;"), options, null, 100);
    assert.equal(second.kind, "over-budget");
    assert.equal(background.started, 2, "the ended worker was replaced");
  });
});

/** A file's text as the workspace scan hands it over (read from the disk, no edits follow). */
function disk(text: string) {
  return { version: 0, languageId: "c", getText: () => text };
}
