/**
 * `vmsplice-lens simulate`: connects the simulator's subcommand (cli/simulate.ts) to the file system and the analyzer.
 * The parser is created before the command runs, so the command's `extractCalls` stays synchronous.
 */
import { readFileSync } from "node:fs";
import { extractFacts } from "../analysis/analyze";
import { createCParser } from "../parsing/parser";
import { runSimulateCommand } from "./simulate";

export async function runSimulate(
  argv: string[],
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  const parser = await createCParser();
  try {
    return runSimulateCommand(argv, {
      readFile: (path) => readFileSync(path, "utf8"),
      stdout: out,
      stderr: err,
      extractCalls: (_path, text) => {
        const tree = parser.parse(text);
        if (!tree) return [];
        try {
          return extractFacts(tree, text).calls;
        } finally {
          tree.delete();
        }
      },
    });
  } finally {
    parser.delete();
  }
}
