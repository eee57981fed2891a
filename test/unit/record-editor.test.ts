/**
 * The editor's side of recorded runs: a kept trace (`*.vmsplice-trace.jsonl`) summarised per source line under the
 * editor's kernel model (recorder/observed.ts), and the code lens over a real language server showing
 * "observed: N pages moved (run of DATE)" beside the static verdict.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { CodeLens } from "vscode-languageserver-protocol";
import { observedLensTitle, summariseTrace } from "../../server/src/recorder/observed";
import { ObservedRuns } from "../../server/src/protocol/observed-runs";
import { LspTestClient, serverPath } from "../protocol/harness";
import { recordShellLine, shellQuote, traceFileName } from "../../client/src/record-args";

const PROGRAM = `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int send_pages(int fd, char *buf, long pg)
{
    struct iovec iov = { .iov_base = buf, .iov_len = pg };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT) < 0 ? -1 : 0;
}
`;
const CALL_LINE = 11;
/** A line calling the wrapper send_pages() (a caller frame of the recorded call). */
const CALLER_LINE = 20;

/** A trace as `record --out` keeps it: two calls at the program's line 11 (one exclusive page, one after fork()). */
function traceText(source: string): string {
  const call = (pm: string) => ({
    type: "call",
    pid: 10,
    tid: 10,
    time: 1796371200,
    via: "vmsplice",
    fd: 4,
    nrSegs: 1,
    flags: 8,
    pageSize: 4096,
    threads: 1,
    pagemap: true,
    kpageflags: true,
    zeroPfn: "0x3b30",
    caller: { addr: "0x55550000123b", mapStart: "0x555500001000", mapOffset: "0x1000", object: "/build/prog" },
    callers: [{ addr: "0x55550000130b", mapStart: "0x555500001000", mapOffset: "0x1000", object: "/build/prog" }],
    fdinfo: { stat: "fifo", ino: 9, dev: 15, target: "pipe:[9]", flags: 1, pipeSize: 65536 },
    iov: [{ base: "0x7f0000002000", len: 4096, pages: [{ pm, kf: "0x1000", map: 0 }] }],
    maps: [
      { start: "0x7f0000000000", end: "0x7f0000100000", perms: "rw-p", offset: "0x0", path: "", vmflags: "rd wr" },
    ],
    ret: 4096,
    errno: 0,
    after: [pm],
  });
  return [
    { type: "process", v: 1, pid: 10, ppid: 1, how: "exec", exe: "/build/prog" },
    call("0x8100000000001234"),
    call("0x8000000000005678"),
    {
      type: "site",
      object: "/build/prog",
      fileOffset: "0x123a",
      address: "0x123a",
      file: source,
      line: CALL_LINE,
      function: "send_pages",
    },
    {
      type: "site",
      object: "/build/prog",
      fileOffset: "0x130a",
      address: "0x130a",
      file: source,
      line: CALLER_LINE,
      function: "main",
    },
    {
      type: "run",
      program: "/build/prog",
      args: [],
      start: "2026-12-04T08:00:00.000Z",
      exitCode: 0,
      signal: null,
      kernelRelease: "6.18",
    },
  ]
    .map((line) => JSON.stringify(line))
    .join("\n");
}

describe("recorded runs in the editor", () => {
  let folder = "";
  let source = "";
  before(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-observed-"));
    source = path.join(folder, "prog.c");
    writeFileSync(source, PROGRAM);
    writeFileSync(path.join(folder, "run.vmsplice-trace.jsonl"), traceText(source));
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  test("a trace is summarised per line under the kernel model asked for", () => {
    const rfc = summariseTrace(traceText(source), "t", { kernel: "rfc-v2", pageSize: 4096 }).get(source);
    assert.deepEqual(
      rfc?.map((site) => [site.line, site.calls, site.pagesMoved, site.verdicts]),
      [
        [CALL_LINE, 2, 1, { move: 1, copy: 1 }],
        [CALLER_LINE, 2, 1, { move: 1, copy: 1 }],
      ],
    );
    assert.equal(observedLensTitle(rfc![0]), "observed 2×: 1 of 2 pages moved, 1 move, 1 copy (run of 2026-12-04)");
    const mainline = summariseTrace(traceText(source), "t", { kernel: "mainline-6.x", pageSize: 4096 }).get(source);
    assert.equal(observedLensTitle(mainline![0]), "observed 2×: 0 of 2 pages moved (run of 2026-12-04)");
  });

  test("the workspace's traces are found and read again when they change", () => {
    const runs = new ObservedRuns();
    runs.setFolders([folder]);
    assert.equal(runs.sitesFor(source, { kernel: "rfc-v2", pageSize: 4096 }).length, 2);
    assert.equal(runs.sitesFor(path.join(folder, "other.c"), { kernel: "rfc-v2", pageSize: 4096 }).length, 0);
  });

  test(
    "the code lens shows the observation beside the static verdict",
    { skip: existsSync(serverPath) ? false : "dist/server.js is not built (npm run build)" },
    async () => {
      const client = await LspTestClient.start({ workspaceFolders: [folder], settings: { debounceMs: 0 } });
      try {
        const uri = pathToFileURL(source).href;
        const published = client.waitForDiagnostics(uri);
        await client.open(uri, PROGRAM);
        await published;
        const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
        const titles = lenses.map((lens) => lens.command?.title ?? "");
        assert.equal(lenses.length, 4, titles.join(" | "));
        assert.match(titles[0], /· rfc-v2$/);
        assert.equal(titles[2], "observed 2×: 1 of 2 pages moved, 1 move, 1 copy (run of 2026-12-04)");
        assert.equal(lenses[2].range.start.line, CALL_LINE - 1);
        assert.equal(titles[3], "Replay observed");
        assert.equal(lenses[3].command?.command, "vmsplice-lens.replay");
        const hover = await client.request<{ contents: { value: string } }>("textDocument/hover", {
          textDocument: { uri },
          position: { line: CALL_LINE - 1, character: 12 },
        });
        assert.match(
          hover.contents.value,
          /\*\*Observed\*\* \(`run\.vmsplice-trace\.jsonl`\): 2 calls observed in the run of 2026\\-12\\-04/,
        );
        assert.match(hover.contents.value, /The static verdict is unknown/, "the run settles a static unknown");
        assert.match(hover.contents.value, /exclusively mapped/);
        const link = /\[Replay observed\]\(command:vmsplice-lens\.replay\?([^ )]+) "/.exec(hover.contents.value);
        assert.ok(link, "the observed section links Replay observed");
        assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [
          {
            uri,
            line: CALL_LINE - 1,
            character: 11,
            observed: { trace: path.join(folder, "run.vmsplice-trace.jsonl"), observation: 1 },
          },
        ]);
      } finally {
        await client.stop();
      }
    },
  );
});

describe("the Record a run… command", () => {
  test("types the bundled CLI's record with the trace kept in the workspace", () => {
    assert.equal(traceFileName(new Date(2026, 11, 4, 8, 5, 9)), "run-20261204-080509.vmsplice-trace.jsonl");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(
      recordShellLine("/ext/dist/cli.js", "/w/run.vmsplice-trace.jsonl", " ./prog --n 3 ", "rfc-v2"),
      "node '/ext/dist/cli.js' record --kernel 'rfc-v2' --out '/w/run.vmsplice-trace.jsonl' -- ./prog --n 3",
    );
  });
});
