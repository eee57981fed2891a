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

export async function runSimulate(
  argv: string[],
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  await loadLanguagesFor(argv);
  const engine = new Engine(newParser);
  try {
    return runSimulateCommand(argv, {
      readFile: (path) => decodeSource(readFileSync(path)),
      stdout: out,
      stderr: err,
      extractCalls: (path, text) => {
        engine.setText(path, text);
        // Facts do not depend on the kernel model or page size; the command replays them under its own options.
        const result = engine.analysis(path, { kernel: "rfc-v2", pageSize: 4096 });
        engine.close(path);
        return result.facts?.calls ?? [];
      },
    });
  } finally {
    engine.dispose();
  }
}
