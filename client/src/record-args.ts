/**
 * The shell line the "Record a run…" command types into a terminal: the bundled CLI's `record`, keeping the trace in
 * the workspace as `run-YYYYMMDD-HHMMSS.vmsplice-trace.jsonl`, where the language server finds it and shows the
 * observed code lenses. Pure (no `vscode` import), so unit tests cover it.
 */

/** A POSIX shell word for any string (single quotes, embedded quotes closed and escaped). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The trace file name for a run started at `date` (local time in the name, so it sorts by start). */
export function traceFileName(date: Date): string {
  const two = (value: number) => String(value).padStart(2, "0");
  const stamp = `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
  return `run-${stamp}.vmsplice-trace.jsonl`;
}

/**
 * `node '<cli>' record --kernel K --out '<trace>' -- <command>`: the user's command line is kept as typed (it is a
 * shell command they wrote: arguments, quotes and environment assignments through `env` work as in their shell).
 */
export function recordShellLine(cliPath: string, tracePath: string, command: string, kernel: string): string {
  return `node ${shellQuote(cliPath)} record --kernel ${shellQuote(kernel)} --out ${shellQuote(tracePath)} -- ${command.trim()}`;
}
