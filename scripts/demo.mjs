// `npm run demo`: what vmsplice Lens is for, in about 40 lines. First the summary of `vmsplice-lens check samples/`,
// then three real problems it finds (a gift that silently copies, a reader that corrupts data under the RFC, a buffer
// reused while the pipe still references it), then the replay of the copying call: the product's point is that the
// kernel copies where the program expected a move, and says nothing.
// Exits 0 when the tools ran (findings are the point here); 2 when the CLI failed.
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const cli = path.join(root, "dist", "cli.js");
/** Runs the CLI and returns its stdout; exit codes 0 and 1 (findings) are success. */
function cliOutput(args) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8" });
  if (result.status !== 0 && result.status !== 1) {
    process.stderr.write(result.stderr);
    process.exit(2);
  }
  return result.stdout;
}
/** Long compiler-style lines are cut at the terminal's width, so each finding stays one line. */
const width = Math.max(80, process.stdout.columns ?? 120);
const cut = (line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
const print = (text) => console.log(text.trimEnd().split("\n").map(cut).join("\n"));

const report = JSON.parse(cliOutput(["check", "--format", "json", "samples/"]));
const { summary } = report;
const verdicts = Object.entries(summary.verdicts)
  .filter(([, count]) => count > 0)
  .map(([verdict, count]) => `${count} ${verdict}`)
  .join(", ");
console.log(
  `vmsplice Lens checked ${summary.files} C files in samples/ (kernel model ${report.kernel}, ${report.pageSize / 1024} KiB pages):`,
);
console.log(`  ${summary.calls} vmsplice calls: ${verdicts}`);
console.log(
  `  ${summary.errors} errors, ${summary.warnings} warnings, ${summary.infos} info   (all of them: node dist/cli.js check samples/)`,
);

const problems = [
  ["samples/align-src.c", "a gift from malloc'd memory: the kernel silently copies instead of moving"],
  ["samples/align-dst.c", "a reader into unaligned memory: the RFC moves the page shifted and corrupts data"],
  ["samples/logging.c", "a buffer rewritten while the pipe still references it: the reader sees the new bytes"],
];
console.log("\nThree of the problems:");
for (const [file, why] of problems) {
  console.log(`\n$ vmsplice-lens check ${file}    # ${why}`);
  // The per-call summary line ends the output; the findings and notes are what a user reads.
  print(
    cliOutput(["check", file])
      .split("\n")
      .filter((line) => line.startsWith(file))
      .join("\n"),
  );
}

console.log("\nThe silent copy, replayed page by page (the simulator, under the same kernel model):");
console.log("$ vmsplice-lens simulate samples/align-src.c:32");
print(
  cliOutput(["simulate", "samples/align-src.c:32"])
    .split("\n")
    // The process and mapping set-up lines are the replay's scaffolding; the vmsplice steps and the outcome table stay.
    .filter((line) => !/^\s+\d+\s+(process|pipe|[WR]: (mmap|fill))\b/.test(line) && line.trim() !== "")
    .join("\n"),
);
console.log(
  "\nNext: open samples/ in VS Code with the extension (npm run package), or run node dist/cli.js explain VMS-ALIGN-SRC.",
);
