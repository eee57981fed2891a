// The protocol lifecycle over real stdio (issue 10 D9): requests after `shutdown` get InvalidRequest, `exit` ends the
// process with 0 after shutdown and 1 without, and a broken frame ends the process with 1 after logging why (the base
// protocol cannot resynchronise; the client restarts the server) instead of leaving it alive but deaf.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { LspTestClient, withTimeout } from "./harness";

const HOVER = { textDocument: { uri: "file:///nowhere.c" }, position: { line: 0, character: 0 } };

function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe("shutdown and exit", () => {
  test("requests after shutdown are InvalidRequest, known or not; exit then ends with 0", async () => {
    const client = await LspTestClient.start();
    assert.equal(await client.request("textDocument/hover", HOVER), null);
    assert.equal(await client.request("shutdown", null), null);
    for (const method of ["textDocument/hover", "vmsplice-lens/replay", "no/such/method", "shutdown"]) {
      await assert.rejects(client.request(method, HOVER), (error: { code?: number; message?: string }) => {
        assert.equal(error.code, -32600, method);
        assert.match(error.message ?? "", /after 'shutdown'/);
        return true;
      });
    }
    await client.connection.sendNotification("exit");
    assert.equal(await withTimeout(client.exitPromise, 10000, "exit"), 0);
    client.connection.dispose();
  });

  test("exit without shutdown ends with 1", async () => {
    const client = await LspTestClient.start();
    await client.connection.sendNotification("exit");
    assert.equal(await withTimeout(client.exitPromise, 10000, "exit"), 1);
    client.connection.dispose();
  });
});

describe("broken framing ends the server with status 1 and says why", () => {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 77, method: "textDocument/hover", params: HOVER });
  const cases: Record<string, string> = {
    "a length three bytes short": `Content-Length: ${body.length - 3}\r\n\r\n${body}`,
    "a length 25 bytes long, swallowing the next frame's start": `Content-Length: ${body.length + 25}\r\n\r\n${body}`,
    "no Content-Length header": `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${body}`,
    "a length that is not a number": `Content-Length: twelve\r\n\r\n{"a":1}`,
    "a negative length": `Content-Length: -7\r\n\r\n{"a":1}`,
    "a header line without a colon": `Content-Length 12\r\n\r\n{"a":1}`,
    "a fractional length": `Content-Length: 7.5\r\n\r\n{"a":1}`,
    "a length with trailing junk": `Content-Length: 7abc\r\n\r\n{"a":1}`,
  };
  for (const [name, bytes] of Object.entries(cases)) {
    test(name, async () => {
      const client = await LspTestClient.start();
      assert.equal(await client.request("textDocument/hover", HOVER), null);
      client.child.stdin.write(bytes);
      // The next well-formed message is where a broken frame shows; the server must not sit on it silently.
      client.child.stdin.write(
        frame(JSON.stringify({ jsonrpc: "2.0", id: 78, method: "textDocument/hover", params: HOVER })),
      );
      client.child.stdin.write(
        frame(JSON.stringify({ jsonrpc: "2.0", id: 79, method: "textDocument/hover", params: HOVER })),
      );
      try {
        assert.equal(await withTimeout(client.exitPromise, 10000, "the server to exit"), 1);
        assert.match(client.stderr, /broken message framing \(.+\); exiting with status 1/);
      } finally {
        // A server that stayed alive must not keep the test run waiting on its child process.
        if (client.child.exitCode === null) client.child.kill("SIGKILL");
        client.connection.dispose();
      }
    });
  }

  test("a body that is not JSON, with a correct length, is survived", async () => {
    const client = await LspTestClient.start();
    try {
      client.child.stdin.write(frame("{not json"));
      assert.equal(await client.request("textDocument/hover", HOVER), null);
    } finally {
      assert.equal(await client.stop(), 0);
    }
  });
});
