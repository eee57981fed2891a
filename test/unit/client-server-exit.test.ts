// Unit tests of the client's logging decision for the language server's exit (issue 11): a clean exit (code 0, after a
// restart or a normal stop) is logged as information, not as an error; any other exit code or a signal stays an error.
// The messages are built from the wording of the installed vscode-languageclient, so a change of that wording (which
// would silently bring back "[Error] Server process exited with code 0.") fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { exitLogLevel, isCleanExit } from "../../client/src/server-exit";

/** The library's exit messages: the template literals its node client passes to error() when the process exits. */
function libraryExitMessages(): { code: (code: number) => string; signal: (signal: string) => string } {
  const require = createRequire(__filename);
  const source = readFileSync(require.resolve("vscode-languageclient/lib/node/main.js"), "utf8");
  const codeTemplate = /this\.error\(`(Server process exited with code )\$\{code\}(\.?)`/.exec(source);
  const signalTemplate = /this\.error\(`(Server process exited with signal )\$\{signal\}(\.?)`/.exec(source);
  assert.ok(codeTemplate, "vscode-languageclient reports an exit code through error()");
  assert.ok(signalTemplate, "vscode-languageclient reports an exit signal through error()");
  return {
    code: (code) => `${codeTemplate[1]}${code}${codeTemplate[2]}`,
    signal: (signal) => `${signalTemplate[1]}${signal}${signalTemplate[2]}`,
  };
}

test("a clean exit of the server, in the library's words, is logged as information", () => {
  const messages = libraryExitMessages();
  assert.equal(exitLogLevel(messages.code(0)), "info");
  assert.ok(isCleanExit(messages.code(0)));
});

test("a failing exit code or a signal stays an error", () => {
  const messages = libraryExitMessages();
  for (const code of [1, 2, 10, 100, 134])
    assert.equal(exitLogLevel(messages.code(code)), "error", messages.code(code));
  for (const signal of ["SIGTERM", "SIGKILL", "SIGSEGV"]) assert.equal(exitLogLevel(messages.signal(signal)), "error");
});

test("other errors are untouched, including ones that merely mention an exit code 0", () => {
  for (const message of [
    "Connection to server got closed. Server will not be restarted.",
    "Server process exited with code 0 after crashing twice.",
    "Request textDocument/hover failed.",
    "The server process exited with code 0.",
    "",
  ])
    assert.equal(exitLogLevel(message), "error", message);
});
