/**
 * `npm run bench`: every benchmark of the project, each reported as a ratio against a baseline measured in the same run.
 * Benchmarks of other layers (simulator, language server keystrokes, whole processes as a user waits) are separate
 * scripts run here in their own process.
 * Usage: node --import tsx bench/run.ts [--smoke] [--only stdio,cli,simulate,linux]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { benchAnalyzer, formatRows } from "./analyzer";
import { benchLinear, benchLinearCli, formatLinearRows } from "./linear";

const smoke = process.argv.includes("--smoke");
/** `--only GROUPS` (bench/userwait.ts `selectedGroups`): only those rows of userwait.ts, nothing else. */
const only = process.argv.findIndex((arg) => arg === "--only" || arg.startsWith("--only="));
const onlyArgs = only < 0 ? [] : process.argv.slice(only, process.argv[only] === "--only" ? only + 2 : only + 1);

async function main(): Promise<void> {
  if (onlyArgs.length === 0) {
    process.stdout.write("== analyzer (issue 2)\n");
    process.stdout.write(formatRows(await benchAnalyzer(smoke ? 2 : 9)) + "\n");
    process.stdout.write("== linear analysis (issue 10)\n");
    const linear = [...(await benchLinear(smoke ? 1 : 5, smoke)), ...benchLinearCli(smoke ? 1 : 3, smoke)];
    process.stdout.write(formatLinearRows(linear) + "\n");
  }
  for (const [title, script] of [
    ["simulator (issue 3)", "simulator.ts"],
    ["language server keystrokes (issue 4)", "keystroke.ts"],
    ["as a user waits: stdio keystrokes, whole processes, Linux tree, 1 GiB simulation (issue 12)", "userwait.ts"],
  ]) {
    const file = path.join(__dirname, script);
    if (!existsSync(file) || (onlyArgs.length > 0 && script !== "userwait.ts")) continue;
    process.stdout.write(`== ${title}\n`);
    const result = spawnSync(process.execPath, ["--import", "tsx", file, ...(smoke ? ["--smoke"] : []), ...onlyArgs], {
      stdio: "inherit",
      timeout: 600_000,
    });
    if (result.status !== 0) process.exitCode = 1;
  }
}

main();
