/**
 * How the client logs the language server's exit. vscode-languageclient reports every exit of the server process
 * through `error()` ("Server process exited with code 0."), including the clean exit of a restart or a normal stop
 * (the server answered shutdown and exit). A clean exit is information; any other code or a signal stays an error.
 *
 * Pure (no `vscode` import), so the decision is unit-tested against the library's own wording.
 */

/** The level a client log message is written at: a clean server exit is "info", everything else keeps "error". */
export function exitLogLevel(message: string): "info" | "error" {
  return isCleanExit(message) ? "info" : "error";
}

export function isCleanExit(message: string): boolean {
  return /^Server process exited with code 0\.?$/.test(message);
}
