// `npm run demo`: the main job on samples/. Checks every sample (compiler-style findings with rule ids and a verdict per call:
// move, copy, partial, unsafe or unknown), then replays the page movement of two sample call sites with the simulator: a clean
// move, and an unsafe one (the RFC moves the page onto an unaligned destination and reports success).
// Exits 0 when the tools ran (findings are the point here).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const cli = path.join(root, "dist", "cli.js");
const run = (args) => spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: "inherit" }).status;

console.log("$ vmsplice-lens check samples/");
const checked = run(["check", "samples/"]);
if (checked !== 0 && checked !== 1) process.exit(checked ?? 2);
const site = "samples/producer-consumer.c";
if (existsSync(path.join(root, site))) {
  console.log(`\n$ vmsplice-lens simulate ${site}:40`);
  const replayed = run(["simulate", `${site}:40`]);
  if (replayed !== 0) console.log("(replay unavailable in this build)");
}
const unsafeSite = "samples/align-dst.c";
if (existsSync(path.join(root, unsafeSite))) {
  console.log(
    `\n$ vmsplice-lens simulate ${unsafeSite}:52    # verdict unsafe: the page moves, shifted onto the page below`,
  );
  const replayed = run(["simulate", `${unsafeSite}:52`]);
  if (replayed !== 0) console.log("(replay unavailable in this build)");
}
