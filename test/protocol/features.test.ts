// Protocol tests of the features over real stdio framing, on samples/: diagnostics (code, link, severity, related
// information), incremental didChange, hover, quick fixes applied as the editor would, code lens, the replay requests,
// per-rule severity overrides, and the workspace scan with progress.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { CodeAction, CodeLens, Diagnostic, Hover, MarkupContent, TextEdit } from "vscode-languageserver-protocol";
import type { ObservedOutcomesResult, ReplayResult } from "../../server/src/protocol/ext";
import { codes, LspTestClient, root } from "./harness";

const samples = path.join(root, "samples");
const read = (name: string) => readFileSync(path.join(samples, name), "utf8");
const uriOf = (name: string) => pathToFileURL(path.join(samples, name)).href;
/** Zero-based position of the first occurrence of `needle` (plus `offset` characters). */
function positionOf(text: string, needle: string, offset = 0) {
  const document = TextDocument.create("file:///x.c", "c", 1, text);
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not found`);
  return document.positionAt(at + offset);
}

describe("features on samples/ (rfc-v2, 4096)", () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start({ settings: { debounceMs: 0 } });
  });
  after(async () => {
    await client.stop();
  });

  test("diagnostics carry the rule id as code, a documentation link, the rule's severity and related information", async () => {
    const uri = uriOf("align-src.c");
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, read("align-src.c"));
    const { diagnostics, version } = await published;
    assert.equal(version, 1);
    const align = diagnostics.find((diagnostic) => diagnostic.code === "VMS-ALIGN-SRC");
    assert.ok(align, `got ${codes(diagnostics).join(", ")}`);
    assert.equal(align.source, "vmsplice-lens");
    assert.equal(align.severity, 2);
    // The link opens the rule's own page, written by the build beside the bundle (and shipped in the .vsix).
    const href = align.codeDescription?.href ?? "";
    assert.match(href, /^file:\/\/.*\/dist\/docs\/VMS-ALIGN-SRC\.md$/);
    assert.match(readFileSync(fileURLToPath(href), "utf8"), /^# VMS-ALIGN-SRC: /);
    assert.ok(
      align.relatedInformation && align.relatedInformation.length > 0,
      "related information points at the allocation",
    );
    const related = align.relatedInformation[0];
    assert.equal(related.location.uri, uri);
    assert.equal(related.location.range.start.line, positionOf(read("align-src.c"), "malloc(page)").line);
  });

  test("ranges count UTF-16 code units: non-ASCII text before the call shifts columns as the editor expects", async () => {
    const original = read("wrong-end.c");
    const text = original.replace("    ssize_t sent = vmsplice(fds[0]", "    /* é😀 */ ssize_t sent = vmsplice(fds[0]");
    assert.notEqual(text, original);
    const uri = "file:///virtual/non-ascii.c";
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, text);
    const wrong = (await published).diagnostics.find((diagnostic) => diagnostic.code === "VMS-WRONG-END");
    assert.ok(wrong);
    const lineText = text.split("\n")[wrong.range.start.line];
    // String indices in JavaScript are UTF-16 code units, the LSP default encoding.
    assert.equal(lineText.slice(wrong.range.start.character, wrong.range.end.character), "fds[0]");
    assert.equal(wrong.range.start.character, lineText.indexOf("fds[0]"));
  });

  test("hover on the call: the verdict and pages in words, findings linked to their pages, Replay and Explain", async () => {
    const text = read("align-src.c");
    const hover = await client.request<Hover>("textDocument/hover", {
      textDocument: { uri: uriOf("align-src.c") },
      position: positionOf(text, "vmsplice(fds[1]", 2),
    });
    assert.ok(hover);
    const value = (hover.contents as MarkupContent).value;
    assert.equal((hover.contents as MarkupContent).kind, "markdown");
    assert.match(value, /^\*\*Copies all 2 pages\*\*: `vmsplice` into the pipe `fds\[1\]` · rfc-v2, 4 KiB pages\n/);
    assert.match(value, /^- page 1: \*\*copy\*\* — chunk is shorter than a page$/m);
    assert.match(value, /^- warning \[VMS-ALIGN-SRC\]\(file:\/\/.*\/dist\/docs\/VMS-ALIGN-SRC\.md /m);
    assert.match(value, /\[Replay\]\(command:vmsplice-lens\.replay\?/);
    assert.match(value, /\[Explain\]\(file:\/\/.*\/dist\/docs\/VMS-ALIGN-SRC\.md /);
    assert.ok(value.split("\n").filter((line) => line.trim()).length <= 20, value);
    const link = value
      .slice(value.indexOf("command:vmsplice-lens.replay?") + "command:vmsplice-lens.replay?".length)
      .split(" ")[0];
    const args = JSON.parse(decodeURIComponent(link)) as { uri: string; line: number }[];
    assert.equal(args[0].uri, uriOf("align-src.c"));
    assert.equal(args[0].line, positionOf(text, "vmsplice(fds[1]").line);
  });

  test("hover on the flags argument adds the decoded flags; hover outside any call is empty", async () => {
    const text = read("align-src.c");
    const hover = await client.request<Hover>("textDocument/hover", {
      textDocument: { uri: uriOf("align-src.c") },
      position: positionOf(text, "SPLICE_F_GIFT | SPLICE_F_MOVE", 3),
    });
    const value = (hover.contents as MarkupContent).value;
    assert.match(
      value,
      /^\*\*Flags\*\* `SPLICE_F_GIFT \| SPLICE_F_MOVE`: `SPLICE_F_MOVE` \| `SPLICE_F_GIFT` \(0x9\)$/m,
    );
    assert.equal(
      await client.request("textDocument/hover", {
        textDocument: { uri: uriOf("align-src.c") },
        position: { line: 0, character: 0 },
      }),
      null,
    );
  });

  test("code lens shows the verdict in a few words and a Replay command", async () => {
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", {
      textDocument: { uri: uriOf("align-src.c") },
    });
    assert.equal(lenses.length, 2);
    assert.match(lenses[0].command?.title ?? "", /^2 pages: 2 copied · rfc-v2$/);
    assert.equal(lenses[1].command?.command, "vmsplice-lens.replay");
    assert.equal(lenses[1].command?.title, "Replay");
  });

  test("the preferred quick fix, applied as an incremental change, removes the diagnostic", async () => {
    const uri = uriOf("align-src.c");
    const text = read("align-src.c");
    const diagnostics = client.diagnostics.get(uri)?.diagnostics ?? [];
    const align = diagnostics.find((diagnostic) => diagnostic.code === "VMS-ALIGN-SRC") as Diagnostic;
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri },
      range: align.range,
      context: { diagnostics: [align] },
    });
    assert.ok(actions.every((action) => action.kind === "quickfix"));
    const preferred = actions.find(
      (action) => action.isPreferred && action.diagnostics?.some((diagnostic) => diagnostic.code === "VMS-ALIGN-SRC"),
    );
    assert.ok(preferred, `actions: ${actions.map((action) => action.title).join("; ")}`);
    assert.ok(
      actions.some((action) => action.title.startsWith("Suppress")),
      "a suppression fix is offered too",
    );
    const edits = preferred.edit?.changes?.[uri] as TextEdit[];
    assert.ok(edits.length > 0);
    // Apply the edits the way an editor does: from the last to the first, one change each, as incremental didChange.
    const ordered = [...edits].sort(
      (a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character,
    );
    const published = client.waitForDiagnostics(uri, (params) => params.version === 2);
    await client.change(
      uri,
      2,
      ordered.map((edit) => ({ range: edit.range, text: edit.newText })),
    );
    const after = await published;
    assert.ok(!codes(after.diagnostics).includes("VMS-ALIGN-SRC"), `still: ${codes(after.diagnostics).join(", ")}`);
    const expected = TextDocument.applyEdits(TextDocument.create(uri, "c", 1, text), edits);
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
    assert.match(lenses[0].command?.title ?? "", /^1 page: 1 moved · rfc-v2$/);
    assert.ok(expected.includes("page_aligned_alloc(page)"));
  });

  test("only the last of several quick changes is published (results for old versions are dropped)", async () => {
    // The debounce is longer than any gap between the five changes, also on a loaded machine where the project index
    // is being built in slices meanwhile (50 ms once let version 5 through in CI).
    const slow = await LspTestClient.start({ settings: { debounceMs: 400 } });
    try {
      const uri = uriOf("len-page.c");
      const text = read("len-page.c");
      const opened = slow.waitForDiagnostics(uri);
      await slow.open(uri, text);
      await opened;
      const already = slow.published.length;
      const position = positionOf(text, ".iov_len = 4000", ".iov_len = ".length);
      const final = slow.waitForDiagnostics(uri, (params) => params.version === 6);
      for (let version = 2; version <= 6; version++) {
        await slow.change(uri, version, [
          {
            range: { start: position, end: { line: position.line, character: position.character + 4 } },
            text: String(3990 + version),
          },
        ]);
      }
      const published = await final;
      assert.ok(codes(published.diagnostics).includes("VMS-LEN-PAGE"));
      const versions = slow.published
        .slice(already)
        .filter((params) => params.uri === uri)
        .map((params) => params.version);
      assert.deepEqual(versions, [6], "no diagnostics for superseded versions");
    } finally {
      await slow.stop();
    }
  });

  test("vmsplice-lens/replay answers the simulator's trace for the call at the position", async () => {
    const text = read("rfc-iov-base.c");
    const uri = uriOf("rfc-iov-base.c");
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, text);
    await published;
    const position = positionOf(text, "vmsplice(fds[1]");
    const replay = await client.request<ReplayResult>("vmsplice-lens/replay", {
      uri,
      line: position.line,
      character: position.character,
    });
    assert.equal(replay.kernel, "rfc-v2");
    assert.equal(replay.pageSize, 4096);
    assert.equal(replay.site.line, position.line + 1);
    assert.ok(replay.site.file.endsWith("rfc-iov-base.c"));
    assert.equal(replay.pages.length, 4);
    assert.deepEqual(
      replay.pages.map((page) => page.outcome),
      ["moved", "copied", "copied", "copied"],
    );
    assert.ok(replay.pages.slice(1).every((page) => page.rule === "VMS-RFC-IOV-BASE"));
    assert.ok(replay.steps.length > 0 && Array.isArray(replay.assumptions));
    const mainline = await client.request<ReplayResult>("vmsplice-lens/replay", {
      uri,
      line: position.line,
      character: 0,
      kernel: "mainline-6.x",
      pageSize: 16384,
    });
    assert.equal(mainline.kernel, "mainline-6.x");
    assert.equal(mainline.pageSize, 16384);
    assert.ok(mainline.pages.every((page) => page.outcome !== "moved"));
  });

  test("vmsplice-lens/replay of an unaligned reader says why in words, labels steps in C and counts pages as the lens", async () => {
    const text = readFileSync(path.join(root, "samples", "align-dst.c"), "utf8");
    const uri = pathToFileURL(path.join(root, "samples", "align-dst.c")).href;
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, text);
    await published;
    const position = positionOf(text, "vmsplice(fds[0]");
    const replay = await client.request<ReplayResult>("vmsplice-lens/replay", {
      uri,
      line: position.line,
      character: position.character,
    });
    assert.equal(replay.ruleWords?.["VMS-ALIGN-DST"]?.unsafe, "moves-into-wrong-place");
    assert.match(replay.ruleWords?.["VMS-ALIGN-DST"]?.title ?? "", /not page-aligned/);
    assert.match(replay.ruleWords?.["VMS-ALIGN-DST"]?.href ?? "", /VMS-ALIGN-DST\.md$/);
    assert.deepEqual(replay.focus, {
      role: "reader",
      line: position.line + 1,
      pages: 2,
      lens: "2 pages: 2 unsafe · rfc-v2",
    });
    const labels = Object.values(replay.stepLabels ?? {});
    assert.ok(
      labels.includes(`line ${position.line + 1}: vmsplice(fds[0], &iov, 1, SPLICE_F_MOVE)`),
      labels.join(" | "),
    );
    assert.ok(
      labels.some((label) => label.startsWith(`line 42: vmsplice(fds[1], out, 1,`)),
      labels.join(" | "),
    );
    assert.ok(labels.includes("line 46: malloc(page) (the reader's buffer 'dst')"), labels.join(" | "));
    assert.ok(labels.includes("line 22: pipe(fds)"), labels.join(" | "));
    assert.ok(
      labels.every((label) => !/\b[WR]: |\bfds\[[01]\] \[|\bG\|M\b/.test(label)),
      "no scenario language",
    );
    const sixteen = await client.request<ReplayResult>("vmsplice-lens/replay", {
      uri,
      line: position.line,
      character: position.character,
      pageSize: 16384,
    });
    assert.equal(sixteen.focus?.pages, 2, "the lens's count under the webview's page size");
  });

  test("vmsplice-lens/replay rejects a position without a call and bad overrides with a ResponseError", async () => {
    const uri = uriOf("rfc-iov-base.c");
    await assert.rejects(
      client.request("vmsplice-lens/replay", { uri, line: 0, character: 0 }),
      (error: { code?: number; message?: string }) =>
        error.code === -32002 && /no vmsplice call at line 1/.test(error.message ?? ""),
    );
    await assert.rejects(
      client.request("vmsplice-lens/replay", { uri, line: 30, character: 0, kernel: "linux-2.4" }),
      (error: { code?: number }) => error.code === -32602,
    );
  });

  test("vmsplice-lens/replayScenario runs a .vmsim text and reports parse errors with line and column", async () => {
    const scenarioFile = path.join(root, "samples", "scenarios");
    const names = (await import("node:fs"))
      .readdirSync(scenarioFile)
      .filter((name) => name.endsWith(".vmsim"))
      .sort();
    assert.ok(names.length > 0);
    const text = readFileSync(path.join(scenarioFile, names[0]), "utf8");
    const replay = await client.request<ReplayResult>("vmsplice-lens/replayScenario", {
      uri: pathToFileURL(path.join(scenarioFile, names[0])).href,
      text,
    });
    assert.ok(replay.steps.length > 0);
    await assert.rejects(
      client.request("vmsplice-lens/replayScenario", { uri: "file:///bad.vmsim", text: "this is not a scenario\n" }),
      (error: { code?: number; message?: string }) =>
        error.code === -32004 && /line 1, column \d+/.test(error.message ?? ""),
    );
  });
});

describe("settings over the protocol", () => {
  test("a per-rule override changes the severity, and off removes the diagnostic", async () => {
    const client = await LspTestClient.start({
      settings: { debounceMs: 0, severity: { "VMS-ALIGN-SRC": "error", "VMS-LEN-PAGE": "off" } },
    });
    try {
      const uri = uriOf("align-src.c");
      const published = client.waitForDiagnostics(uri);
      await client.open(uri, read("align-src.c"));
      const { diagnostics } = await published;
      assert.equal(diagnostics.find((diagnostic) => diagnostic.code === "VMS-ALIGN-SRC")?.severity, 1);
      assert.ok(!codes(diagnostics).includes("VMS-LEN-PAGE"));
    } finally {
      await client.stop();
    }
  });

  test("changing the kernel model through didChangeConfiguration re-publishes with the new model", async () => {
    const client = await LspTestClient.start({ settings: { debounceMs: 0 } });
    try {
      const uri = uriOf("no-move-flag.c");
      const published = client.waitForDiagnostics(uri);
      await client.open(uri, read("no-move-flag.c"));
      assert.ok(codes((await published).diagnostics).includes("VMS-NO-MOVE-FLAG"));
      client.settings = { debounceMs: 0, kernel: "mainline-6.x" };
      // On mainline the writer's gift is a no-op, and the RFC-only reader rule disappears.
      const republished = client.waitForDiagnostics(uri, (params) =>
        codes(params.diagnostics).includes("VMS-GIFT-NOOP"),
      );
      await client.connection.sendNotification("workspace/didChangeConfiguration", { settings: null });
      const diagnostics = (await republished).diagnostics;
      assert.ok(!codes(diagnostics).includes("VMS-NO-MOVE-FLAG"));
    } finally {
      await client.stop();
    }
  });
});

test("a client without workspace/configuration pushes settings with didChangeConfiguration", async () => {
  const client = await LspTestClient.start({ configuration: false });
  try {
    const uri = uriOf("align-src.c");
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, read("align-src.c"));
    assert.equal((await published).diagnostics.find((diagnostic) => diagnostic.code === "VMS-ALIGN-SRC")?.severity, 2);
    const republished = client.waitForDiagnostics(uri, (params) =>
      params.diagnostics.some((diagnostic) => diagnostic.code === "VMS-ALIGN-SRC" && diagnostic.severity === 1),
    );
    await client.connection.sendNotification("workspace/didChangeConfiguration", {
      settings: { vmspliceLens: { severity: { "VMS-ALIGN-SRC": "error" } } },
    });
    await republished;
  } finally {
    await client.stop();
  }
});

test("the workspace scan analyses the folder's C files with progress, skipping files without vmsplice", async () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-ws-"));
  cpSync(path.join(samples, "align-src.c"), path.join(folder, "src", "align-src.c"));
  cpSync(path.join(samples, "wrong-end.c"), path.join(folder, "wrong-end.c"));
  cpSync(path.join(samples, "len-page.c"), path.join(folder, "node_modules", "dep", "len-page.c"));
  const { writeFileSync } = await import("node:fs");
  writeFileSync(path.join(folder, "plain.c"), "int main(void) { return 0; }\n");
  writeFileSync(path.join(folder, "notes.txt"), "vmsplice\n");
  const client = await LspTestClient.start({ workspaceFolders: [folder] });
  try {
    const alignUri = pathToFileURL(path.join(folder, "src", "align-src.c")).href;
    const wrongUri = pathToFileURL(path.join(folder, "wrong-end.c")).href;
    const [align, wrong] = await Promise.all([
      client.waitForDiagnostics(alignUri, () => true, 10000, true),
      client.waitForDiagnostics(wrongUri, () => true, 10000, true),
    ]);
    assert.ok(codes(align.diagnostics).includes("VMS-ALIGN-SRC"));
    assert.ok(codes(wrong.diagnostics).includes("VMS-WRONG-END"));
    const log = await client.waitForLog((entry) => entry.message.startsWith("workspace scan:"));
    assert.match(log.message, /workspace scan: 3 C files visited, 2 analysed, 2 with findings/);
    assert.ok(
      !client.diagnostics.has(pathToFileURL(path.join(folder, "plain.c")).href),
      "files without vmsplice get no diagnostics",
    );
    const kinds = client.progress.map((entry) => (entry as { value: { kind: string } }).value.kind);
    assert.equal(kinds[0], "begin");
    assert.equal(kinds[kinds.length - 1], "end");
    // Opening the file and emptying it clears the findings; closing it brings back the findings of the file on disk.
    const emptied = client.waitForDiagnostics(wrongUri, (params) => params.version === 2);
    await client.open(wrongUri, readFileSync(path.join(folder, "wrong-end.c"), "utf8"), 1);
    await client.change(wrongUri, 2, [{ text: "int main(void) { return 0; }\n" }]);
    assert.deepEqual((await emptied).diagnostics, []);
    const restored = client.waitForDiagnostics(wrongUri, (params) =>
      codes(params.diagnostics).includes("VMS-WRONG-END"),
    );
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: wrongUri } });
    await restored;
  } finally {
    await client.stop();
  }
});

/** A program whose wrapper gifts `len` bytes at `buf` (line 11), for the recorded-run replay below. */
const RECORDED_PROGRAM = `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int send_bytes(int fd, char *buf, size_t len)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) < 0 ? -1 : 0;
}
`;

/** A kept trace: the call at line 11 gifted 6000 bytes 16 bytes into a private anonymous page; a reader in another file. */
function recordedTrace(source: string): string {
  const page = (pfn: number) => ({
    pm: `0x${((1n << 63n) | (1n << 56n) | BigInt(pfn)).toString(16)}`,
    kf: "0x1000",
    map: 0,
  });
  const call = (fields: Record<string, unknown>) => ({
    type: "call",
    tid: 10,
    via: "vmsplice",
    nrSegs: 1,
    pageSize: 4096,
    threads: 1,
    pagemap: true,
    kpageflags: true,
    zeroPfn: "0x3b30",
    maps: [
      { start: "0x7f0000000000", end: "0x7f0000100000", perms: "rw-p", offset: "0x0", path: "", vmflags: "rd wr" },
    ],
    errno: 0,
    after: [],
    ...fields,
  });
  return [
    { type: "process", pid: 10, ppid: 1, how: "exec", exe: "/build/prog" },
    call({
      pid: 10,
      time: 1796371200,
      fd: 4,
      flags: 9,
      caller: { addr: "0x55550000123b", mapStart: "0x555500001000", mapOffset: "0x1000", object: "/build/prog" },
      fdinfo: { stat: "fifo", ino: 9, dev: 15, target: "pipe:[9]", flags: 1, pipeSize: 65536 },
      iov: [{ base: "0x7f0000002010", len: 6000, pages: [page(0x1234), page(0x1235)] }],
      ret: 6000,
    }),
    call({
      pid: 11,
      time: 1796371201,
      fd: 3,
      flags: 1,
      caller: { addr: "0x55550000133b", mapStart: "0x555500001000", mapOffset: "0x1000", object: "/build/prog" },
      fdinfo: { stat: "fifo", ino: 9, dev: 15, target: "pipe:[9]", flags: 0, pipeSize: 65536 },
      iov: [{ base: "0x7f0000010000", len: 8192, pages: [page(0x2000), page(0x2001)] }],
      ret: 6000,
    }),
    {
      type: "site",
      object: "/build/prog",
      fileOffset: "0x123a",
      address: "0x123a",
      file: source,
      line: 11,
      function: "send_bytes",
    },
    {
      type: "site",
      object: "/build/prog",
      fileOffset: "0x133a",
      address: "0x133a",
      file: "/build/reader.c",
      line: 30,
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

test("a kept trace's observed lens has Replay observed, which replays the recorded call's real offset and length", async () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-replay-observed-"));
  const source = path.join(folder, "prog.c");
  const tracePath = path.join(folder, "run.vmsplice-trace.jsonl");
  writeFileSync(source, RECORDED_PROGRAM);
  writeFileSync(tracePath, recordedTrace(source));
  const client = await LspTestClient.start({ workspaceFolders: [folder], settings: { debounceMs: 0 } });
  try {
    const uri = pathToFileURL(source).href;
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, RECORDED_PROGRAM);
    await published;
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
    const titles = lenses.map((lens) => lens.command?.title ?? "");
    assert.match(titles.join(" | "), /observed: 1 page moved|observed: \d+ of \d+ pages? moved/);
    const lens = lenses.find((item) => item.command?.title === "Replay observed");
    assert.ok(lens, titles.join(" | "));
    assert.equal(lens.command?.command, "vmsplice-lens.replay");
    const args = lens.command?.arguments?.[0] as { line: number; observed: { trace: string; observation: number } };
    assert.equal(args.line, 10);
    assert.deepEqual(args.observed, { trace: tracePath, observation: 1 });
    const replay = await client.request<ReplayResult>("vmsplice-lens/replay", args);
    const writer = replay.steps.find((step) => step.role === "writer") as
      { text: string; chunks: { offset: number; len: number; side: string }[] } | undefined;
    assert.ok(writer, JSON.stringify(replay.steps.map((step) => step.text)));
    // The observed iovec: base 0x7f0000002010 (16 bytes into its page), 6000 bytes.
    assert.match(writer.text, /\[w\d+\+16,6000\]/);
    const chunks = writer.chunks.filter((chunk) => chunk.side === "writer");
    assert.equal(chunks[0]?.offset, 16);
    assert.equal(
      chunks.reduce((sum, chunk) => sum + chunk.len, 0),
      6000,
    );
    assert.match(
      replay.assumptions[0],
      /^replayed from a recorded run: trace .*run\.vmsplice-trace\.jsonl, run of 2026-12-04/,
    );
    assert.deepEqual(replay.observed, { trace: tracePath, observation: 1, observations: 1 });
    assert.equal(replay.focus?.role, "writer");
    assert.equal(replay.focus?.line, 11);
    const labels = Object.values(replay.stepLabels ?? {});
    assert.ok(
      labels.some((label) => /^line 11: vmsplice\(/.test(label)),
      labels.join(" | "),
    );
    assert.ok(labels.includes("the recorded reader call at /build/reader.c:30 (pid 11)"), labels.join(" | "));
    // A trace that is not one of the workspace's, or an observation the run does not have, is a ResponseError.
    await assert.rejects(
      client.request("vmsplice-lens/replay", { ...args, observed: { trace: "/etc/passwd", observation: 1 } }),
      /not a readable \*\.vmsplice-trace\.jsonl of the open folders/,
    );
    await assert.rejects(
      client.request("vmsplice-lens/replay", { ...args, observed: { trace: tracePath, observation: 2 } }),
      /observation 2 does not exist/,
    );
  } finally {
    await client.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});

/** The trace above plus two later calls at line 11 that gifted one whole, aligned page each: a second outcome there. */
function recordedTraceWithTwoOutcomes(source: string): string {
  const lines = recordedTrace(source).split("\n");
  const first = JSON.parse(lines[1]) as Record<string, unknown>;
  const wholePage = (time: number, pfn: number) =>
    JSON.stringify({
      ...first,
      time,
      iov: [
        {
          base: "0x7f0000004000",
          len: 4096,
          pages: [{ pm: `0x${((1n << 63n) | (1n << 56n) | BigInt(pfn)).toString(16)}`, kf: "0x1000", map: 0 }],
        },
      ],
      ret: 4096,
    });
  return [...lines, wholePage(1796371300, 0x3000), wholePage(1796371301, 0x3001)].join("\n");
}

test("Replay observed on a site with several outcomes: the server lists each distinct outcome with its count, and replays the chosen one", async () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-observed-outcomes-"));
  const source = path.join(folder, "prog.c");
  const tracePath = path.join(folder, "run.vmsplice-trace.jsonl");
  writeFileSync(source, RECORDED_PROGRAM);
  writeFileSync(tracePath, recordedTraceWithTwoOutcomes(source));
  const client = await LspTestClient.start({ workspaceFolders: [folder], settings: { debounceMs: 0 } });
  try {
    const uri = pathToFileURL(source).href;
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, RECORDED_PROGRAM);
    await published;
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
    const lens = lenses.find((item) => item.command?.title === "Replay observed");
    assert.ok(lens, lenses.map((item) => item.command?.title).join(" | "));
    const args = lens.command?.arguments?.[0] as { uri: string; line: number; character: number };
    const position = { uri: args.uri, line: args.line, character: args.character };

    const listed = await client.request<ObservedOutcomesResult>("vmsplice-lens/observedOutcomes", {
      ...position,
      trace: tracePath,
    });
    assert.equal(listed.observations, 3);
    assert.deepEqual(
      listed.outcomes.map((outcome) => [outcome.observation, outcome.count, outcome.verdict]),
      [
        [1, 1, "copy"],
        [2, 2, "move"],
      ],
    );
    assert.match(listed.outcomes[0].label, /^copy: 2 pages \(2 copied\), .*VMS-ALIGN-SRC/);
    assert.match(listed.outcomes[1].label, /^move: 1 page \(1 moved\)/);
    assert.deepEqual(listed.outcomes[1].returned, [4096]);

    // The chosen outcome's first observation is what the replay shows: the whole aligned page, not observation 1.
    const replay = await client.request<ReplayResult>("vmsplice-lens/replay", {
      ...position,
      observed: { trace: tracePath, observation: listed.outcomes[1].observation },
    });
    assert.deepEqual(replay.observed, { trace: tracePath, observation: 2, observations: 3 });
    const writer = replay.steps.find((step) => step.role === "writer") as
      { chunks: { offset: number; len: number; side: string }[] } | undefined;
    const chunks = (writer?.chunks ?? []).filter((chunk) => chunk.side === "writer");
    assert.deepEqual(
      chunks.map((chunk) => [chunk.offset, chunk.len]),
      [[0, 4096]],
    );
    assert.ok(
      replay.pages.some((page) => page.outcome === "moved"),
      JSON.stringify(replay.pages),
    );

    // Judged under the replay's model: mainline copies every call, whatever its outcome's shape.
    const mainline = await client.request<ObservedOutcomesResult>("vmsplice-lens/observedOutcomes", {
      ...position,
      trace: tracePath,
      kernel: "mainline-6.x",
    });
    assert.ok(mainline.outcomes.every((outcome) => outcome.verdict === "copy"));
    assert.equal(
      mainline.outcomes.reduce((sum, outcome) => sum + outcome.count, 0),
      3,
    );
    await assert.rejects(
      client.request("vmsplice-lens/observedOutcomes", { ...position, trace: "/etc/passwd" }),
      /not a readable \*\.vmsplice-trace\.jsonl of the open folders/,
    );
    await assert.rejects(
      client.request("vmsplice-lens/observedOutcomes", { ...position, line: 0, character: 0, trace: tracePath }),
      /observed no vmsplice call/,
    );
  } finally {
    await client.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});
