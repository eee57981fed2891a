// Protocol tests of live settings (issue 11, point 5): a change of the kernel model, the page size or a per-rule
// severity publishes again every file the workspace scan published, closed ones included, so Problems never mixes the
// old model's findings with the new one's; and the rule documentation base a client names at initialize is used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { codes, LspTestClient, root } from "./harness";

const samples = path.join(root, "samples");

test("a kernel, page-size or severity change re-publishes a closed file the workspace scan published", async () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-live-"));
  cpSync(path.join(samples, "align-src.c"), path.join(folder, "align-src.c"));
  cpSync(path.join(samples, "len-page.c"), path.join(folder, "len-page.c"));
  cpSync(path.join(samples, "page-size-literal.c"), path.join(folder, "page-size-literal.c"));
  const client = await LspTestClient.start({ workspaceFolders: [folder], settings: { debounceMs: 0 } });
  try {
    const closed = pathToFileURL(path.join(folder, "align-src.c")).href;
    const open = pathToFileURL(path.join(folder, "len-page.c")).href;
    const literal = pathToFileURL(path.join(folder, "page-size-literal.c")).href;
    const scanned = await client.waitForDiagnostics(closed, () => true, 15000, true);
    assert.ok(codes(scanned.diagnostics).includes("VMS-ALIGN-SRC"), codes(scanned.diagnostics).join(", "));
    await client.waitForLog((entry) => entry.message.startsWith("workspace scan:"), 15000);
    // One file open in the editor: it follows the settings through the open-document pipeline, as before.
    const opened = client.waitForDiagnostics(open, () => true, 30000);
    await client.open(open, readFileSync(path.join(folder, "len-page.c"), "utf8"));
    assert.ok(codes((await opened).diagnostics).includes("VMS-LEN-PAGE"));

    // Kernel model: the closed file gets the mainline findings, and none of the rfc-v2 findings stays.
    client.settings = { debounceMs: 0, kernel: "mainline-6.x" };
    const [mainlineClosed, mainlineOpen] = await Promise.all([
      client.waitForDiagnostics(closed, (params) => codes(params.diagnostics).includes("VMS-GIFT-NOOP"), 30000),
      client.waitForDiagnostics(open, (params) => codes(params.diagnostics).includes("VMS-GIFT-NOOP"), 30000),
      client.connection.sendNotification("workspace/didChangeConfiguration", { settings: null }),
    ]);
    assert.ok(!codes(mainlineClosed.diagnostics).includes("VMS-ALIGN-SRC"), codes(mainlineClosed.diagnostics).join());
    assert.ok(!codes(mainlineOpen.diagnostics).includes("VMS-LEN-PAGE"), codes(mainlineOpen.diagnostics).join());

    // Back to rfc-v2 with a severity override: the closed file's VMS-ALIGN-SRC comes back as an error.
    client.settings = { debounceMs: 0, kernel: "rfc-v2", severity: { "VMS-ALIGN-SRC": "error" } };
    const [overridden] = await Promise.all([
      client.waitForDiagnostics(closed, (params) => codes(params.diagnostics).includes("VMS-ALIGN-SRC"), 30000),
      client.connection.sendNotification("workspace/didChangeConfiguration", { settings: null }),
    ]);
    const align = overridden.diagnostics.find((diagnostic) => diagnostic.code === "VMS-ALIGN-SRC");
    assert.equal(align?.severity, 1, "the override makes it an error");

    // Page size: with 16 KiB pages a literal 4096-byte length is no longer a whole page in the other closed file; and
    // "off" removes the closed file's VMS-ALIGN-SRC.
    assert.ok(!codes(client.diagnostics.get(literal)?.diagnostics ?? []).includes("VMS-LEN-PAGE"));
    client.settings = { debounceMs: 0, pageSize: 16384, severity: { "VMS-ALIGN-SRC": "off" } };
    const [resized, silenced] = await Promise.all([
      client.waitForDiagnostics(literal, (params) => codes(params.diagnostics).includes("VMS-LEN-PAGE"), 30000),
      client.waitForDiagnostics(closed, (params) => !codes(params.diagnostics).includes("VMS-ALIGN-SRC"), 30000),
      client.connection.sendNotification("workspace/didChangeConfiguration", { settings: null }),
    ]);
    assert.ok(codes(resized.diagnostics).includes("VMS-PAGE-SIZE-LITERAL"), codes(resized.diagnostics).join(", "));
    assert.ok(codes(silenced.diagnostics).includes("VMS-LEN-PAGE"), codes(silenced.diagnostics).join(", "));
  } finally {
    await client.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});

test("a client that serves the rule pages itself names their base at initialize", async () => {
  const client = await LspTestClient.start({
    settings: { debounceMs: 0 },
    initializationOptions: {
      ruleDocumentationBase: "vmsplice-lens-docs:/",
      ruleDocumentationCommand: "vmsplice-lens.showRuleDocs",
    },
  });
  try {
    const uri = pathToFileURL(path.join(samples, "align-src.c")).href;
    const published = client.waitForDiagnostics(uri, () => true, 30000);
    await client.open(uri, readFileSync(path.join(samples, "align-src.c"), "utf8"));
    const align = (await published).diagnostics.find((diagnostic) => diagnostic.code === "VMS-ALIGN-SRC");
    assert.equal(align?.codeDescription?.href, "vmsplice-lens-docs:/VMS-ALIGN-SRC.md");
    // In the hover the rule ids are links to the client's command (a hover renders no link of the client's scheme).
    const text = readFileSync(path.join(samples, "align-src.c"), "utf8");
    const offset = text.indexOf("vmsplice(fds[1]");
    const hover = await client.request<{ contents: { value: string } }>("textDocument/hover", {
      textDocument: { uri },
      position: {
        line: text.slice(0, offset).split("\n").length - 1,
        character: offset - text.lastIndexOf("\n", offset),
      },
    });
    assert.ok(
      hover.contents.value.includes(
        `[VMS-ALIGN-SRC](command:vmsplice-lens.showRuleDocs?${encodeURIComponent('["VMS-ALIGN-SRC"]')} `,
      ),
      hover.contents.value,
    );
  } finally {
    await client.stop();
  }
});

test("a client that renders no markdown in hovers gets the hover as plain text", async () => {
  const client = await LspTestClient.start({ settings: { debounceMs: 0 }, hoverContentFormat: ["plaintext"] });
  try {
    const uri = pathToFileURL(path.join(samples, "align-src.c")).href;
    const text = readFileSync(path.join(samples, "align-src.c"), "utf8");
    const published = client.waitForDiagnostics(uri, () => true, 30000);
    await client.open(uri, text);
    await published;
    const offset = text.indexOf("vmsplice(fds[1]");
    const line = text.slice(0, offset).split("\n").length - 1;
    const hover = await client.request<{ contents: { kind: string; value: string } }>("textDocument/hover", {
      textDocument: { uri },
      position: { line, character: offset - text.lastIndexOf("\n", offset) + 1 },
    });
    assert.equal(hover.contents.kind, "plaintext");
    assert.match(hover.contents.value, /^Copies all 2 pages: vmsplice into the pipe fds\[1\]/);
    assert.doesNotMatch(hover.contents.value, /`|\*\*|\]\(/);
  } finally {
    await client.stop();
  }
});

test("a kernel change and its reset ask the editor to refresh its code lenses, and every file's lens follows", async () => {
  const client = await LspTestClient.start({ settings: { debounceMs: 0 }, codeLensRefresh: true });
  const lensTitle = async (uri: string): Promise<string> => {
    const lenses = await client.request<{ command?: { title: string } }[]>("textDocument/codeLens", {
      textDocument: { uri },
    });
    return lenses.map((lens) => lens.command?.title ?? "").join(" | ");
  };
  try {
    // Two open files: "shown" is the visible editor (re-asked on each refresh, as VS Code does), "hidden" is a tab
    // that is not visible: it is asked again only when it is shown, after the reset.
    const shown = pathToFileURL(path.join(samples, "align-src.c")).href;
    const hidden = pathToFileURL(path.join(samples, "len-page.c")).href;
    for (const uri of [shown, hidden]) {
      const published = client.waitForDiagnostics(uri, () => true, 30000);
      await client.open(uri, readFileSync(new URL(uri), "utf8"));
      await published;
      assert.match(await lensTitle(uri), /· rfc-v2 \| Replay$/);
    }
    // What the visible editor shows right after each refresh: asked while the refresh is being answered.
    const afterRefresh: string[] = [];
    client.onLensRefresh = async () => void afterRefresh.push(await lensTitle(shown));

    client.settings = { debounceMs: 0, kernel: "mainline-6.x" };
    await client.connection.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await waitUntil(() => afterRefresh.length === 1, 15000, "the refresh after the change to mainline-6.x");
    assert.match(afterRefresh[0], /· mainline-6\.x \| Replay$/, afterRefresh[0]);
    assert.match(await lensTitle(hidden), /· mainline-6\.x \| Replay$/);

    // The reset: the setting removed (the client answers an empty section) brings the default model back.
    client.settings = { debounceMs: 0 };
    await client.connection.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await waitUntil(() => afterRefresh.length === 2, 15000, "the refresh after the reset");
    assert.match(afterRefresh[1], /· rfc-v2 \| Replay$/, afterRefresh[1]);
    const hiddenShownAgain = await lensTitle(hidden);
    assert.match(hiddenShownAgain, /· rfc-v2 \| Replay$/);
    assert.doesNotMatch(hiddenShownAgain, /mainline/);
    assert.equal(client.lensRefreshes, 2, "one refresh per settings change");
  } finally {
    await client.stop();
  }
});

/** Re-checks a condition every 20 ms until it holds; rejects after the timeout. */
async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
