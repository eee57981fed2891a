/**
 * The stdio transport's frame check (server/src/protocol/transport.ts `FrameCheck`): a Content-Length that is not a
 * whole number is a framing error however the bytes are split into chunks (vscode-jsonrpc alone took `-7` and went
 * deaf on some chunkings), and valid frames split anywhere pass unreported and unchanged.
 *
 * Alone: `node --import tsx --test test/unit/frame-check.test.ts`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameCheck } from "../../server/src/protocol/transport";

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** Feeds `text` to a FrameCheck in two chunks split at `at`; the failures reported and the bytes passed through. */
function run(text: string, at: number): { failures: string[]; passed: string } {
  const failures: string[] = [];
  const check = new FrameCheck((message) => failures.push(message));
  const chunks: Buffer[] = [];
  check.on("data", (chunk: Buffer) => chunks.push(chunk));
  const bytes = Buffer.from(text);
  check.write(bytes.subarray(0, at));
  check.write(bytes.subarray(at));
  return { failures, passed: Buffer.concat(chunks).toString() };
}

test("a bad length is reported once at every split of the bytes", () => {
  for (const bad of ["-7", "7.5", "7abc", "twelve", " "]) {
    const text = `${frame('{"a":1}')}Content-Length: ${bad}\r\n\r\n{"a":1}${frame('{"b":2}')}`;
    for (let at = 0; at <= text.length; at++) {
      const { failures } = run(text, at);
      assert.equal(failures.length, 1, `${JSON.stringify(bad)} split at ${at}`);
      assert.match(failures[0], /Content-Length/);
    }
  }
});

test("valid frames split anywhere pass unchanged and unreported, bodies with header-like text included", () => {
  const text = [frame('{"x":"Content-Length: -1\\r\\n\\r\\n"}'), frame("{}"), frame('{"é":"ü"}')].join("");
  for (let at = 0; at <= Buffer.byteLength(text); at++) {
    const { failures, passed } = run(text, at);
    assert.deepEqual(failures, [], `split at ${at}`);
    assert.equal(passed, text);
  }
});
