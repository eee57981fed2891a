// Protocol tests over real stdio framing: initialize, capabilities, open/close, settings, malformed and out-of-range
// requests, binary and oversized documents, shutdown/exit. The bundled dist/server.js is what runs.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { LspTestClient } from "./harness";

describe("server lifecycle over stdio", () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start();
  });
  after(async () => {
    await client.stop();
  });

  test("initialize advertises incremental sync, hover, code lens and quick fixes", () => {
    const capabilities = client.initializeResult?.capabilities;
    assert.ok(capabilities);
    assert.deepEqual(capabilities.textDocumentSync, { openClose: true, change: 2 });
    assert.equal(capabilities.hoverProvider, true);
    assert.deepEqual(capabilities.codeLensProvider, { resolveProvider: false });
    assert.deepEqual((capabilities.codeActionProvider as { codeActionKinds: string[] }).codeActionKinds, ["quickfix"]);
    assert.equal(client.initializeResult?.serverInfo?.name, "vmsplice-lens");
  });

  test("a C file without vmsplice gets an empty diagnostics list for its version", async () => {
    const uri = "file:///virtual/plain.c";
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, "int main(void) { return 0; }\n", 3);
    const params = await published;
    assert.deepEqual(params.diagnostics, []);
    assert.equal(params.version, 3);
  });

  test("a binary document gets one clear information message instead of analysis", async () => {
    const uri = "file:///virtual/binary.c";
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, "\u007fELF\u0002\u0001\u0001\u0000\u0000vmsplice\u0000\u0000", 1);
    const params = await published;
    assert.equal(params.diagnostics.length, 1);
    assert.equal(params.diagnostics[0].severity, 3);
    assert.match(params.diagnostics[0].message, /NUL bytes/);
  });

  test("hover, code lens and code actions on unknown documents answer empty, not errors", async () => {
    const uri = "file:///virtual/never-opened.c";
    assert.equal(
      await client.request("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 0 } }),
      null,
    );
    assert.deepEqual(await client.request("textDocument/codeLens", { textDocument: { uri } }), []);
    assert.deepEqual(
      await client.request("textDocument/codeAction", {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [] },
      }),
      [],
    );
  });

  test("out-of-range and malformed positions are clamped or answered empty", async () => {
    const uri = "file:///virtual/plain.c";
    assert.equal(
      await client.request("textDocument/hover", {
        textDocument: { uri },
        position: { line: 99999, character: 99999 },
      }),
      null,
    );
    assert.equal(
      await client.request("textDocument/hover", { textDocument: { uri }, position: { line: -5, character: "x" } }),
      null,
    );
    assert.equal(await client.request("textDocument/hover", { textDocument: { uri } }), null);
    assert.deepEqual(await client.request("textDocument/codeLens", {}), []);
  });

  test("an unknown method answers MethodNotFound and the server keeps working", async () => {
    await assert.rejects(
      client.request("vmsplice-lens/doesNotExist", {}),
      (error: { code?: number }) => error.code === -32601,
    );
    assert.equal(
      await client.request("textDocument/hover", {
        textDocument: { uri: "file:///virtual/plain.c" },
        position: { line: 0, character: 0 },
      }),
      null,
    );
  });

  test("the replay request on an unknown document is a ResponseError naming the problem", async () => {
    await assert.rejects(
      client.request("vmsplice-lens/replay", { uri: "file:///virtual/never-opened.c", line: 0, character: 0 }),
      (error: { code?: number; message?: string }) => error.code === -32003 && /not open/.test(error.message ?? ""),
    );
    await assert.rejects(
      client.request("vmsplice-lens/replay", null),
      (error: { code?: number }) => error.code === -32602,
    );
  });

  test("a didChange for a document that is not open is logged, not fatal", async () => {
    await client.change("file:///virtual/ghost.c", 2, [{ text: "x" }]);
    const log = await client.waitForLog((entry) => entry.message.includes("ghost.c"));
    assert.equal(log.type, 2);
  });
});

describe("settings", () => {
  test("a file over vmspliceLens.maxFileSize gets a message naming the setting", async () => {
    const client = await LspTestClient.start({ settings: { maxFileSize: 100 } });
    try {
      const uri = "file:///virtual/huge.c";
      const published = client.waitForDiagnostics(uri);
      await client.open(uri, `/* vmsplice */\n${"int x;\n".repeat(100)}`);
      const params = await published;
      assert.equal(params.diagnostics.length, 1);
      assert.match(params.diagnostics[0].message, /vmspliceLens\.maxFileSize/);
    } finally {
      await client.stop();
    }
  });

  test("wrong setting values are logged as warnings and defaults are used", async () => {
    const client = await LspTestClient.start({ settings: { kernel: "linux-1.0", pageSize: "huge" } });
    try {
      const uri = "file:///virtual/settings.c";
      const published = client.waitForDiagnostics(uri);
      await client.open(uri, "int main(void) { return 0; }\n");
      await published;
      const warning = await client.waitForLog((entry) => entry.message.includes("vmspliceLens.kernel"));
      assert.equal(warning.type, 2);
      assert.match(warning.message, /linux-1\.0/);
    } finally {
      await client.stop();
    }
  });
});

test("shutdown then exit ends the process with code 0", async () => {
  const client = await LspTestClient.start();
  assert.equal(await client.stop(), 0);
});
