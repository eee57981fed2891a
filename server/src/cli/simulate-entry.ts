/**
 * `vmsplice-lens simulate`: connects the simulator's subcommand (cli/simulate.ts) to the file system and the engine.
 * The C grammar is loaded before the command runs, so the command's `extractCalls` stays synchronous; the facts come
 * from the same engine as `check` and the language server (same limits, same decoding of the file's bytes).
 */
import { readFileSync } from "node:fs";
import { Engine } from "../engine/engine";
import { decodeSource } from "../engine/source-text";
import { loadLanguagesFor, newParser } from "../parsing/parser";
import { runSimulateCommand } from "./simulate";

/**
 * Whether the command may replay a call site (`FILE.c:LINE`), the only use of the analyzer: a scenario file or a
 * recorded run's replay does not load the grammar (its wasm is most of a small `simulate` process's start).
 */
function mayNeedAnalyzer(argv: readonly string[]): boolean {
  return argv.some((argument) => /^(.*):([0-9]+)$/.test(argument) && !argument.endsWith(".vmsim"));
}

export async function runSimulate(
  argv: string[],
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  const analyzer = mayNeedAnalyzer(argv);
  if (analyzer) await loadLanguagesFor(argv);
  // Made on the first call-site replay (at most one).
  const engines: Engine[] = [];
  try {
    return runSimulateCommand(argv, {
      readFile: (path) => decodeSource(readFileSync(path)),
      stdout: out,
      stderr: err,
      extractCalls: (path, text) => {
        if (!analyzer) throw new Error(`internal: ${path} was not taken for a call site when the grammar was loaded`);
        if (engines.length === 0) engines.push(new Engine(newParser));
        const engine = engines[0];
        engine.setText(path, text);
        // Facts do not depend on the kernel model or page size; the command replays them under its own options.
        const result = engine.analysis(path, { kernel: "rfc-v2", pageSize: 4096 });
        engine.close(path);
        return result.facts?.calls ?? [];
      },
    });
  } finally {
    for (const engine of engines) engine.dispose();
  }
}
