// The language server reads a document with its project headers, as the CLI does: calls through a header wrapper are
// reported at the caller, related information points at the header's own URI, an open header's unsaved text wins over
// the disk, and editing it re-analyses the documents that include it.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LspTestClient } from "./harness";

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
