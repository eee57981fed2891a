// The language server reads a document with its project headers, as the CLI does: calls through a header wrapper are
// reported at the caller, related information points at the header's own URI, an open header's unsaved text wins over
// the disk, and editing it re-analyses the documents that include it.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LspTestClient } from "./harness";

/**
 * A copy of a project fixture in a temporary directory (`prepare` may add files) and a language server over stdio with
 * it as its workspace folder, made before the describe's tests and removed after them.
 */
function copiedProject(
  fixture: string,
  prefix: string,
  prepare: (root: string) => void = () => {},
): { client: LspTestClient; root: string } {
  const context = { client: undefined as unknown as LspTestClient, root: "" };
  before(async () => {
    context.root = mkdtempSync(path.join(os.tmpdir(), prefix));
    cpSync(fixture, context.root, { recursive: true });
    prepare(context.root);
    context.client = await LspTestClient.start({
      settings: { debounceMs: 0, analyzeWorkspace: false },
      workspaceFolders: [context.root],
    });
  });
  after(async () => {
    await context.client.stop();
    rmSync(context.root, { recursive: true, force: true });
  });
  return context;
}

/** The verdict lenses of a document, in order (each call also has a Replay lens, left out). */
async function verdictLenses(client: LspTestClient, uri: string): Promise<string[]> {
  const lenses = await client.request<{ command?: { title: string } }[]>("textDocument/codeLens", {
    textDocument: { uri },
  });
  return lenses.map((lens) => lens.command?.title ?? "").filter((title) => !title.startsWith("Replay"));
}

/** The document's first verdict lens, polled every 100 ms (10 s at most) until it matches `pattern`. */
async function waitForFirstLens(client: LspTestClient, uri: string, pattern: RegExp): Promise<string> {
  let title = "";
  for (let attempt = 0; attempt < 100 && !pattern.test(title); attempt++) {
    title = (await verdictLenses(client, uri))[0] ?? "";
    if (!pattern.test(title)) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return title;
}

const fixture = path.resolve(__dirname, "..", "projects", "header-config");

describe("project headers over stdio", () => {
  let client: LspTestClient;
  let root: string;
  before(async () => {
    // A copy, so that the test's edits never touch the fixture.
    root = mkdtempSync(path.join(os.tmpdir(), "lens-project-"));
    cpSync(fixture, root, { recursive: true });
    client = await LspTestClient.start({
      settings: { debounceMs: 0, analyzeWorkspace: false },
      workspaceFolders: [root],
    });
  });
  after(async () => {
    await client.stop();
  });

  const lensTitles = async (uri: string): Promise<string[]> => {
    const lenses = await client.request<{ command?: { title: string } }[]>("textDocument/codeLens", {
      textDocument: { uri },
    });
    return lenses.map((lens) => lens.command?.title ?? "");
  };

  test("a fact from a header names the header; editing the open header re-analyses the includer", async () => {
    const main = path.join(root, "src", "main.c");
    const header = path.join(root, "src", "config.h");
    const mainUri = pathToFileURL(main).href;
    const headerUri = pathToFileURL(header).href;

    // The header defines CFG_FLAGS per configuration: the call is unknown, and the hover names both definitions.
    const first = client.waitForDiagnostics(mainUri);
    await client.open(mainUri, readFileSync(main, "utf8"));
    await first;
    const callLine = readFileSync(main, "utf8")
      .split("\n")
      .findIndex((line) => line.includes("vmsplice("));
    assert.match((await lensTitles(mainUri))[0], /unknown/);
    const hover = await client.request<{ contents: { value: string } } | null>("textDocument/hover", {
      textDocument: { uri: mainUri },
      position: { line: callLine, character: 14 },
    });
    // Markdown escapes punctuation in source-derived text; the rendered text names both definitions.
    const rendered = (hover?.contents.value ?? "").replace(/\\(.)/g, "$1");
    assert.match(rendered, /config\.h:\d+, config\.h:\d+/);

    // The user settles the configuration in the open (unsaved) header: one definition, a gift.
    const reanalysed = client.waitForDiagnostics(mainUri);
    await client.open(headerUri, readFileSync(header, "utf8"), 1);
    await client.change(headerUri, 2, [
      { text: "#include <fcntl.h>\n#define CFG_FLAGS (SPLICE_F_GIFT | SPLICE_F_MOVE)\n" },
    ]);
    await reanalysed;
    // The open header's text is read, not the disk's: the call now moves.
    let titles: string[] = [];
    for (let attempt = 0; attempt < 50 && !/moved/.test(titles[0] ?? ""); attempt++) {
      titles = await lensTitles(mainUri);
      if (!/moved/.test(titles[0] ?? "")) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(titles[0] ?? "", /^1 page: 1 moved/);
  });

  test("a header changed on disk is read again when the client reports it (workspace/didChangeWatchedFiles)", async () => {
    const main = path.join(root, "src", "main.c");
    const header = path.join(root, "src", "config.h");
    const mainUri = pathToFileURL(main).href;
    // The previous test left the header open; closing it makes the disk the header's text again.
    await client.connection.sendNotification("textDocument/didClose", {
      textDocument: { uri: pathToFileURL(header).href },
    });
    writeFileSync(header, "#include <fcntl.h>\n#define CFG_FLAGS 0\n");
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: pathToFileURL(header).href, type: 2 }],
    });
    let titles: string[] = [];
    for (let attempt = 0; attempt < 50 && !/copied/.test(titles[0] ?? ""); attempt++) {
      titles = await lensTitles(mainUri);
      if (!/copied/.test(titles[0] ?? "")) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(titles[0] ?? "", /^1 page: 1 copied/);
  });
});

// The project index over stdio: built in slices with window/workDoneProgress, its status on request, and rebuilt on
// request (reading again a header changed on disk that the client never reported).
describe("the project index over stdio", () => {
  const twoHops = path.resolve(__dirname, "..", "projects", "pipe-helper-two-hops");
  const project = copiedProject(twoHops, "lens-index-");

  const lensTitles = (uri: string): Promise<string[]> => verdictLenses(project.client, uri);
  const waitForTitles = async (uri: string, pattern: RegExp): Promise<string[]> => {
    const settled = (titles: string[]) => titles.length > 0 && titles.every((title) => pattern.test(title));
    let titles: string[] = [];
    for (let attempt = 0; attempt < 100 && !settled(titles); attempt++) {
      titles = await lensTitles(uri);
      if (!settled(titles)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return titles;
  };
  type Progress = { token: string; value: { kind: string; title?: string; message?: string; percentage?: number } };
  const indexProgress = (): Progress[] =>
    (project.client.progress as Progress[]).filter((item) => String(item.token).startsWith("vmsplice-lens/index/"));

  test("opening a file of a project builds its index with begin, report and end progress naming the root and counts", async () => {
    const gift = pathToFileURL(path.join(project.root, "tests", "gift.c")).href;
    await project.client.open(gift, readFileSync(path.join(project.root, "tests", "gift.c"), "utf8"));
    // The pipe is made by SAFE_PIPE → safe_pipe in lib/safe.c: both calls move once the index is built.
    const titles = await waitForTitles(gift, /moved/);
    assert.equal(titles.length, 2);
    for (const title of titles) assert.match(title, /^1 page: 1 moved/);
    const items = indexProgress();
    const token = items[0]?.token;
    const kinds = items.filter((item) => item.token === token).map((item) => item.value.kind);
    assert.equal(kinds[0], "begin");
    assert.ok(kinds.includes("report"));
    assert.equal(kinds[kinds.length - 1], "end");
    const begin = items[0].value;
    assert.equal(begin.title, "vmsplice Lens: indexing project");
    assert.equal(begin.message, `indexing ${project.root}`);
    // Two sources and one header.
    const reports = items.filter((item) => item.value.kind === "report").map((item) => item.value.message);
    assert.ok(reports.includes(`indexing ${project.root}: 3 of 3 files`), reports.join(" | "));
    const end = items.find((item) => item.token === token && item.value.kind === "end");
    assert.match(
      end?.value.message ?? "",
      /^indexed .*: 2 sources, 1 headers, 0 wrappers, 1 pipe fillers, 0 field fills$/,
    );
  });

  test("the status request says what the index holds", async () => {
    const statuses = await project.client.request<
      {
        root: string;
        state: string;
        building: boolean;
        compileDatabase: string | null;
        sourceFiles: number;
        headerFiles: number;
        sourcesParsed: number;
        headersParsed: number;
        wrappers: string[];
        pipeFillers: string[];
        fieldFills: string[];
        limits: string[];
        buildMs: number | null;
      }[]
    >("vmsplice-lens/indexStatus", null);
    assert.equal(statuses.length, 1);
    const status = statuses[0];
    assert.equal(status.root, project.root);
    assert.equal(status.state, "ready");
    assert.equal(status.building, false);
    assert.equal(status.compileDatabase, path.join(project.root, "compile_commands.json"));
    assert.equal(status.sourceFiles, 2);
    assert.equal(status.headerFiles, 1);
    assert.ok(status.sourcesParsed >= 1);
    assert.deepEqual(status.wrappers, []);
    assert.deepEqual(status.pipeFillers, ["safe_pipe (parameter 3, lib/safe.c:7)"]);
    assert.deepEqual(status.fieldFills, []);
    assert.deepEqual(status.limits, []);
    assert.equal(typeof status.buildMs, "number");
  });

  test("rebuild drops the caches: a header changed on disk without a file event is read again", async () => {
    const gift = pathToFileURL(path.join(project.root, "tests", "gift.c")).href;
    // SAFE_PIPE no longer makes a pipe; the server is not told (no didChangeWatchedFiles): it still says moved.
    writeFileSync(
      path.join(project.root, "include", "safe.h"),
      "#ifndef SAFE_H\n#define SAFE_H\nint safe_pipe(const char *file, int line, int fds[2]);\n#define SAFE_PIPE(fds) ((void)(fds))\n#endif\n",
    );
    assert.match((await lensTitles(gift))[0], /moved/);
    const before = indexProgress().length;
    const rebuilt = await project.client.request<{ root: string; state: string }[]>("vmsplice-lens/rebuildIndex", null);
    assert.deepEqual(
      rebuilt.map((status) => [status.root, status.state]),
      [[project.root, "ready"]],
    );
    // The rebuild showed its own progress, and the file is judged again from the header on disk.
    assert.ok(
      indexProgress()
        .slice(before)
        .some((item) => item.value.kind === "begin"),
    );
    const titles = await waitForTitles(gift, /unknown/);
    for (const title of titles) assert.match(title, /unknown/);
  });
});

// While the index is being built (a project with many files that mention vmsplice, each parsed once), a call whose
// function other files may call waits for it, and a call decided by the file's own facts keeps its verdict.
describe("judged while the project index is being built, over stdio", () => {
  const callersElsewhere = path.resolve(__dirname, "..", "projects", "callers-elsewhere");
  let client: LspTestClient;
  let root: string;
  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "lens-pending-"));
    cpSync(callersElsewhere, root, { recursive: true });
    mkdirSync(path.join(root, "gen"));
    for (let index = 0; index < 3000; index++)
      writeFileSync(
        path.join(root, "gen", `g${index}.c`),
        `/* not a vmsplice call */\nint g${index}(int x)\n{\n    return x + ${index};\n}\n`,
      );
    client = await LspTestClient.start({
      settings: { debounceMs: 0, analyzeWorkspace: false },
      workspaceFolders: [root],
    });
  });
  after(async () => {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const hoverAt = async (uri: string, line: number, character: number): Promise<string> => {
    const hover = await client.request<{ contents: { value: string } } | null>("textDocument/hover", {
      textDocument: { uri },
      position: { line, character },
    });
    return (hover?.contents.value ?? "").replace(/\\(.)/g, "$1");
  };

  test("a call whose callers may be in files not read yet is unknown and names the index; then the index decides", async () => {
    const file = path.join(root, "src", "push.c");
    const text = readFileSync(file, "utf8");
    const uri = pathToFileURL(file).href;
    const lines = text.split("\n");
    const pagesLine = lines.findIndex((line) => line.includes("verdict: unknown"));
    const localLine = lines.findIndex((line) => line.includes("verdict: move"));
    const column = (line: number) => lines[line].indexOf("vmsplice(") + 2;
    const first = client.waitForDiagnostics(uri);
    await client.open(uri, text);
    await first;
    const during = await hoverAt(uri, pagesLine, column(pagesLine));
    const local = await hoverAt(uri, localLine, column(localLine));
    const [status] = await client.request<{ building: boolean }[]>("vmsplice-lens/indexStatus", null);
    // The hovers were answered before the status: when the index was still being built then, it was for them too.
    if (status.building) {
      assert.match(during, /callers in other files are not known yet: the project index is still being built/);
      assert.match(local, /move/);
      assert.doesNotMatch(local, /project index/);
    } else assert.fail(`the index of 3,000 files was built before the first hover: ${during}`);
    // Once built, the index finds the other caller, and its file is read with this one: the callers disagree.
    const decided = /read from its one caller elsewhere in the project, `bulk\.c:6`/;
    let after = "";
    for (let attempt = 0; attempt < 100 && !decided.test(after); attempt++) {
      after = await hoverAt(uri, pagesLine, column(pagesLine));
      if (!decided.test(after)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(after, decided);
    assert.match(after, /callers of push_pages\(\) pass different values for flags/);
    assert.doesNotMatch(after, /project index is still being built/);
  });
});

// Syscall tables over stdio: the server watches *.tbl files, and a table changed on disk re-judges the calls through it.
describe("syscall tables over stdio", () => {
  const fixture = path.resolve(__dirname, "..", "projects", "syscall-table");
  let client: LspTestClient;
  let root: string;
  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "lens-tbl-"));
    cpSync(fixture, root, { recursive: true });
    client = await LspTestClient.start({
      settings: { debounceMs: 0, analyzeWorkspace: false },
      workspaceFolders: [root],
      watchedFiles: true,
    });
  });
  after(async () => {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const verdictLenses = async (uri: string): Promise<string[]> => {
    const lenses = await client.request<{ command?: { title: string } }[]>("textDocument/codeLens", {
      textDocument: { uri },
    });
    return lenses.map((lens) => lens.command?.title ?? "").filter((title) => !title.startsWith("Replay"));
  };
  const waitForCount = async (uri: string, count: number): Promise<string[]> => {
    let titles: string[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      titles = await verdictLenses(uri);
      if (titles.length === count) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return titles;
  };

  test("*.tbl is watched; a table changed on disk re-indexes and the calls through its entry point go", async () => {
    const entry = path.join(root, "src", "entry.c");
    const uri = pathToFileURL(entry).href;
    await client.open(uri, readFileSync(entry, "utf8"));
    // sys_vmsplice and the two compat_sys_vmsplice calls (the row names compat_sys_vmsplice).
    assert.equal((await waitForCount(uri, 3)).length, 3);
    // The row is related information of the call's diagnostics, at the table's own URI and line.
    const tableUri = pathToFileURL(path.join(root, "arch", "x86", "syscalls", "syscall_64.tbl")).href;
    const related = () =>
      (client.diagnostics.get(uri)?.diagnostics ?? []).flatMap((diagnostic) => diagnostic.relatedInformation ?? []);
    for (let attempt = 0; attempt < 50 && !related().some((item) => item.location.uri === tableUri); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const rows = related().filter((item) => item.location.uri === tableUri);
    assert.ok(rows.every((item) => item.location.range.start.line === 5));
    assert.ok(rows.some((item) => /^compat_sys_vmsplice is vmsplice's entry point \(common ABI/.test(item.message)));
    const globs = JSON.stringify(client.registrations);
    assert.match(globs, /workspace\/didChangeWatchedFiles/);
    assert.match(globs, /"\*\*\/\*\.tbl"/);
    const table = path.join(root, "arch", "x86", "syscalls", "syscall_64.tbl");
    writeFileSync(table, "278\tcommon\tvmsplice\tsys_vmsplice\n");
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: pathToFileURL(table).href, type: 2 }],
    });
    assert.equal((await waitForCount(uri, 1)).length, 1);
  });
});

// A function's one caller in another file is read with it (project/caller-join.ts) in the editor as in the CLI, and an
// unsaved edit of that caller's open file re-decides the call.
describe("one caller in another file, over stdio", () => {
  const fixtureDir = path.resolve(__dirname, "..", "projects", "single-caller-elsewhere");
  const project = copiedProject(fixtureDir, "lens-join-", (root) =>
    writeFileSync(path.join(root, "src", "other.c"), "/* empty */\n"),
  );

  const waitForFirst = (uri: string, pattern: RegExp): Promise<string> =>
    waitForFirstLens(project.client, uri, pattern);

  test("the caller's gift makes the move; the caller's unsaved edit to flags 0 makes it a copy", async () => {
    const send = path.join(project.root, "src", "send.c");
    const main = path.join(project.root, "src", "main.c");
    const sendUri = pathToFileURL(send).href;
    const mainUri = pathToFileURL(main).href;
    await project.client.open(sendUri, readFileSync(send, "utf8"));
    assert.match(await waitForFirst(sendUri, /moved/), /^1 page: 1 moved/);
    const mainText = readFileSync(main, "utf8");
    await project.client.open(mainUri, mainText);
    await project.client.change(mainUri, 2, [{ text: mainText.replace("SPLICE_F_GIFT | SPLICE_F_MOVE", "0") }]);
    assert.match(await waitForFirst(sendUri, /copied/), /copied/);
    // Back to the gift.
    await project.client.change(mainUri, 3, [{ text: mainText }]);
    assert.match(await waitForFirst(sendUri, /moved/), /moved/);
    // Another file of the project, empty on disk, starts calling send_page() in the editor, unsaved: two callers.
    const otherUri = pathToFileURL(path.join(project.root, "src", "other.c")).href;
    await project.client.open(otherUri, "/* empty */\n");
    await project.client.change(otherUri, 2, [
      { text: '#include "../include/send.h"\nint plain(int fd) { return send_page(fd, 0); }\n' },
    ]);
    assert.match(await waitForFirst(sendUri, /unknown/), /unknown/);
  });

  test("after a file is created the index is built again and the call gets its verdict back (not left pending)", async () => {
    const sendUri = pathToFileURL(path.join(project.root, "src", "send.c")).href;
    const otherUri = pathToFileURL(path.join(project.root, "src", "other.c")).href;
    await project.client.change(otherUri, 3, [{ text: "/* empty */\n" }]);
    assert.match(await waitForFirst(sendUri, /moved/), /moved/);
    const extra = path.join(project.root, "src", "extra.c");
    writeFileSync(extra, "/* new */\n");
    await project.client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: pathToFileURL(extra).href, type: 1 }],
    });
    // A small project's index is rebuilt within its first slice; the analysis made meanwhile must not stay pending.
    assert.match(await waitForFirst(sendUri, /moved/), /^1 page: 1 moved/);
  });
});

describe("the one file that defines a function the unit calls, over stdio", () => {
  const fixtureDir = path.resolve(__dirname, "..", "projects", "allocator-elsewhere");
  const project = copiedProject(fixtureDir, "lens-definer-");

  test("the allocator's fill makes the move; its unsaved edit without the fill, or with a fork, changes the verdict before it is saved", async () => {
    const main = path.join(project.root, "src", "main.c");
    const alloc = path.join(project.root, "src", "alloc.c");
    const mainUri = pathToFileURL(main).href;
    const allocUri = pathToFileURL(alloc).href;
    const waitFor = (pattern: RegExp): Promise<string> => waitForFirstLens(project.client, mainUri, pattern);
    await project.client.open(mainUri, readFileSync(main, "utf8"));
    assert.match(await waitFor(/moved/), /^1 page: 1 moved/);
    const allocText = readFileSync(alloc, "utf8");
    await project.client.open(allocUri, allocText);
    // Without the fill the page is the zero page (the analyzer does not follow an unfilled page across functions): not
    // a stale move.
    await project.client.change(allocUri, 2, [{ text: allocText.replace("memset(p, 'x', n);", "") }]);
    assert.match(await waitFor(/copied|unknown/), /copied|unknown/);
    await project.client.change(allocUri, 3, [{ text: allocText }]);
    assert.match(await waitFor(/moved/), /moved/);
    // A fork after the fill shares the page copy-on-write with the child.
    await project.client.change(allocUri, 4, [
      { text: allocText.replace("memset(p, 'x', n);", "memset(p, 'x', n);\n    if (fork() == 0)\n        pause();") },
    ]);
    assert.match(await waitFor(/copied|unknown/), /copied|unknown/);
  });
});
