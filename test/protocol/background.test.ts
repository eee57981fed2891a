// Large documents are analysed by a worker thread (protocol/background.ts): while one is analysed, another document's
// diagnostics and hovers are answered; its findings are those of an in-process analysis; a newer version replaces
// an older one; a document over the time budget gets one Information diagnostic saying why, and the server goes on.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import type { Hover } from "vscode-languageserver-protocol";
import { LspTestClient } from "./harness";
import { BACKGROUND_CHARS } from "../../server/src/protocol/background";
import { Engine } from "../../server/src/engine/engine";
import { loadLanguagesFor, newParser } from "../../server/src/parsing/parser";

const prelude = "#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sys/uio.h>\n#include <unistd.h>\n";

/** A large file: many functions, one in 40 with a vmsplice call, `chars` characters or a little more. */
function largeFile(chars: number): string {
  const parts = [prelude];
  let size = prelude.length;
  for (let index = 0; size < chars; index++) {
    const part =
      index % 40 === 0
        ? `static int f${index}(int fd, char *p) { struct iovec v = { p, 4096 }; return (int)vmsplice(fd, &v, 1, ${index % 16}); }\n`
        : `static int g${index}(int x) { int y = x * ${index}; for (int k = 0; k < y; k++) y += k ^ x; return y; }\n`;
    parts.push(part);
    size += part.length;
  }
  return parts.join("");
}

const small = `${prelude}int main(void) {\n  int fds[2];\n  if (pipe(fds) < 0) return 1;\n  static char b[4096] __attribute__((aligned(4096)));\n  struct iovec v = { b, 4096 };\n  return vmsplice(fds[1], &v, 1, SPLICE_F_GIFT) < 0;\n}\n`;

describe("background analysis of large documents over stdio", () => {
  const clients: LspTestClient[] = [];
  after(async () => {
    for (const client of clients) await client.stop();
  });

  test("another document is answered while a large one is analysed, and the large one's findings are complete", async () => {
    const client = await LspTestClient.start({ settings: { debounceMs: 0 } });
    clients.push(client);
    const big = largeFile(4 * BACKGROUND_CHARS);
    const order: string[] = [];
    const bigDone = client
      .waitForDiagnostics("file:///v/big.c", () => true, 300000)
      .then((params) => {
        order.push("big");
        return params;
      });
    await client.open("file:///v/big.c", big);
    const smallDone = client
      .waitForDiagnostics("file:///v/small.c", () => true, 300000)
      .then((params) => {
        order.push("small");
        return params;
      });
    await client.open("file:///v/small.c", small);
    await smallDone;
    const hover = await client.request<Hover | null>(
      "textDocument/hover",
      {
        textDocument: { uri: "file:///v/small.c" },
        position: { line: small.split("\n").findIndex((line) => line.includes("vmsplice(")), character: 10 },
      },
      300000,
    );
    order.push("hover");
    assert.ok(hover, "the small document's call has a hover");
    const published = await bigDone;
    assert.deepEqual(order, ["small", "hover", "big"]);

    // The worker's findings are the in-process engine's.
    await loadLanguagesFor(["big.c"]);
    const engine = new Engine(newParser);
    engine.setText("big.c", big);
    const local = engine.analysis("big.c", { kernel: "rfc-v2", pageSize: 4096 });
    engine.dispose();
    assert.ok(local.findings.length > 10);
    assert.equal(published.diagnostics.length, local.findings.length);
    assert.deepEqual(
      published.diagnostics.map((diagnostic) => [diagnostic.range.start.line, diagnostic.code]),
      local.findings.map((finding) => [finding.range.start.line, finding.rule]),
    );
    // A hover on the large document waits for its analysis instead of blocking the server.
    const line = big.split("\n").findIndex((text) => text.includes("vmsplice(fd"));
    const bigHover = await client.request<Hover | null>(
      "textDocument/hover",
      { textDocument: { uri: "file:///v/big.c" }, position: { line, character: text(big, line).indexOf("vmsplice") } },
      300000,
    );
    assert.ok(bigHover);
  });

  test("a newer version replaces the one being analysed; the published diagnostics are the newest version's", async () => {
    const client = await LspTestClient.start({ settings: { debounceMs: 0 } });
    clients.push(client);
    const big = largeFile(2 * BACKGROUND_CHARS);
    await client.open("file:///v/edit.c", big);
    // Append one more call at the end, twice, without waiting.
    const lines = big.split("\n");
    const end = { line: lines.length - 1, character: 0 };
    const extra =
      "static int h(int fd, char *p) { struct iovec v = { p, 4096 }; return (int)vmsplice(fd, &v, 1, 8); }\n";
    await client.change("file:///v/edit.c", 2, [{ range: { start: end, end }, text: extra }]);
    const final = client.waitForDiagnostics("file:///v/edit.c", (params) => params.version === 3, 300000);
    await client.change("file:///v/edit.c", 3, [{ range: { start: end, end }, text: extra }]);
    const published = await final;
    const calls = (big.match(/vmsplice\(fd/g) ?? []).length + 2;
    assert.ok(published.diagnostics.length >= calls, `${published.diagnostics.length} diagnostics for ${calls} calls`);
    assert.ok(published.diagnostics.some((diagnostic) => diagnostic.range.start.line === lines.length));
  });

  test("over the time budget: one Information diagnostic naming the setting, and the server goes on", async () => {
    const client = await LspTestClient.start({ settings: { debounceMs: 0, analysisTimeBudgetMs: 100 } });
    clients.push(client);
    const published = client.waitForDiagnostics("file:///v/slow.c", () => true, 300000);
    await client.open("file:///v/slow.c", largeFile(8 * BACKGROUND_CHARS));
    const { diagnostics } = await published;
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].severity, 3);
    assert.match(
      diagnostics[0].message,
      /stopped analysing this file: .*vmspliceLens\.analysisTimeBudgetMs \(100 ms\)/,
    );
    const next = client.waitForDiagnostics("file:///v/after.c", () => true, 60000);
    await client.open("file:///v/after.c", small);
    assert.ok((await next).diagnostics.length > 0, "the next document is analysed");
  });
});

function text(source: string, line: number): string {
  return source.split("\n")[line];
}
