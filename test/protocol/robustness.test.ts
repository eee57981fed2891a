// The server never dies on bad input: deep nesting, thousands of calls, lone surrogates (what invalid UTF-8 becomes
// after decoding), wrongly typed parameters, a broken JSON-RPC message, and a notification for a document it has
// never seen. After each, it still answers a normal request.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Hover } from "vscode-languageserver-protocol";
import { LspTestClient } from "./harness";

const prelude = "#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sys/uio.h>\n#include <unistd.h>\n";

describe("robustness over stdio", () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start({ settings: { debounceMs: 0 } });
  });
  after(async () => {
    await client.stop();
  });

  async function stillAlive(): Promise<void> {
    const uri = `file:///virtual/alive-${Math.random().toString(36).slice(2)}.c`;
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, "int main(void) { return 0; }\n");
    assert.deepEqual((await published).diagnostics, []);
  }

  test("5000 levels of nesting around a vmsplice call", async () => {
    const depth = 5000;
    const text = `${prelude}int main(void) {\n    int fds[2]; pipe(fds); struct iovec iov = { 0 };\n${"{".repeat(depth)}\nvmsplice(fds[1], &iov, 1, 0);\n${"}".repeat(depth)}\n    return 0;\n}\n`;
    const uri = "file:///virtual/deep.c";
    const published = client.waitForDiagnostics(uri, () => true, 30000);
    await client.open(uri, text);
    await published;
    const hover = await client.request<Hover | null>(
      "textDocument/hover",
      { textDocument: { uri }, position: { line: 6, character: 2 } },
      30000,
    );
    assert.ok(hover === null || typeof hover === "object");
    await stillAlive();
  });

  test("3000 vmsplice calls in one file", async () => {
    const calls = Array.from(
      { length: 3000 },
      (_, index) => `    vmsplice(fds[${index % 2}], &iov, 1, ${index % 16});`,
    ).join("\n");
    const text = `${prelude}int main(void) {\n    int fds[2];\n    if (pipe(fds) < 0) return 1;\n    static char page[4096];\n    struct iovec iov = { page, sizeof page };\n${calls}\n    return 0;\n}\n`;
    const uri = "file:///virtual/many.c";
    const published = client.waitForDiagnostics(uri, () => true, 60000);
    await client.open(uri, text);
    const params = await published;
    assert.ok(params.diagnostics.length > 0, "the calls are analysed");
    const lenses = await client.request<unknown[]>("textDocument/codeLens", { textDocument: { uri } }, 60000);
    assert.ok(lenses.length > 0);
    await stillAlive();
  });

  test("lone surrogates and replacement characters (invalid UTF-8 after decoding)", async () => {
    const text = `${prelude}/* \uD800 \uDFFF \uFFFD\uFFFD */\nint main(void) { int fds[2]; pipe(fds); char b[8] = "\uD83D"; struct iovec v = { b, 8 }; return vmsplice(fds[1], &v, 1, 0) < 0; }\n`;
    const uri = "file:///virtual/surrogates.c";
    const published = client.waitForDiagnostics(uri);
    await client.open(uri, text);
    await published;
    await client.request("textDocument/hover", { textDocument: { uri }, position: { line: 5, character: 80 } });
    await stillAlive();
  });

  test("wrongly typed parameters are answered with empty results", async () => {
    assert.equal(await client.request("textDocument/hover", { textDocument: 5, position: "here" }), null);
    assert.deepEqual(
      await client.request("textDocument/codeAction", {
        textDocument: { uri: "file:///virtual/deep.c" },
        range: null,
        context: null,
      }),
      [],
    );
    assert.deepEqual(await client.request("textDocument/codeLens", { textDocument: { uri: 42 } }), []);
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri: "file:///virtual/null.c", languageId: "c", version: 1, text: null },
    });
    await client.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: "file:///virtual/deep.c", version: 9 },
      contentChanges: [
        { range: { start: { line: -4, character: 1e9 }, end: { line: 1e9, character: -1 } }, text: "x" },
      ],
    });
    await stillAlive();
  });

  test("a message that is not JSON is survived", async () => {
    const garbage = "{this is not json";
    client.child.stdin.write(`Content-Length: ${Buffer.byteLength(garbage)}\r\n\r\n${garbage}`);
    await stillAlive();
  });
});
