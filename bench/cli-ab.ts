/**
 * Interleaved A/B of whole CLI processes on the sqlite3.c-sized generated file of bench/userwait.ts (270k lines, a few
 * vmsplice calls): another checkout's `dist/cli.js` (OTHER, e.g. main) against this checkout's, with the on-disk summary
 * cache (warm after the first run, as in userwait.ts), with --no-cache and with --no-project, each against a process
 * that reads the file and parses it whole (userwait.ts's baseline), one of each per round so load changes hit all alike.
 * Needs `node scripts/build.mjs` in both checkouts. Usage: node --import tsx bench/cli-ab.ts OTHER [RUNS]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { generateC } from "./keystroke";

const root = path.resolve(__dirname, "..");
const other = path.resolve(process.argv[2] ?? "");
const runs = Number(process.argv[3] ?? 5);
const PARSE_SCRIPT = `
const { readFileSync } = require("node:fs");
const { Parser, Language } = require(${JSON.stringify(require.resolve("web-tree-sitter", { paths: [root] }))});
(async () => {
  await Parser.init({ locateFile: () => ${JSON.stringify(path.join(root, "dist", "tree-sitter.wasm"))} });
  const language = await Language.load(${JSON.stringify(path.join(root, "dist", "tree-sitter-c.wasm"))});
  const parser = new Parser();
  parser.setLanguage(language);
  const text = readFileSync(process.argv[1], "utf8");
  const tree = parser.parse(text);
  if (!tree || tree.rootNode.childCount === 0) process.exit(3);
})();`;
const dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-cli-ab-"));
const file = (name: string) => path.join(dir, name, "sqlite-sized.c");
const text = generateC(270_000, 3, 12);
for (const name of ["other", "this", "parse"]) {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(file(name), text);
}
const time = (args: string[]) => {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0 && r.status !== 1) throw new Error(r.stderr);
  return performance.now() - t;
};
const rows: Record<string, number[]> = {
  parse: [],
  other: [],
  this: [],
  "other --no-cache": [],
  "this --no-cache": [],
  "this --no-project": [],
};
if (!existsSync(path.join(other, "dist", "cli.js")))
  throw new Error(`usage: cli-ab.ts OTHER-CHECKOUT [RUNS] (with dist/ built)`);
try {
  for (let run = 0; run < runs; run++) {
    rows.parse.push(time(["-e", PARSE_SCRIPT, file("parse")]));
    rows.other.push(time([path.join(other, "dist", "cli.js"), "check", "--max-file-size", "67108864", file("other")]));
    rows.this.push(time([path.join(root, "dist", "cli.js"), "check", "--max-file-size", "67108864", file("this")]));
    rows["other --no-cache"].push(
      time([path.join(other, "dist", "cli.js"), "check", "--no-cache", "--max-file-size", "67108864", file("other")]),
    );
    rows["this --no-cache"].push(
      time([path.join(root, "dist", "cli.js"), "check", "--no-cache", "--max-file-size", "67108864", file("this")]),
    );
    rows["this --no-project"].push(
      time([path.join(root, "dist", "cli.js"), "check", "--no-project", "--max-file-size", "67108864", file("this")]),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const base = median(rows.parse);
for (const [name, v] of Object.entries(rows))
  console.log(
    `${name}: median ${median(v).toFixed(0)} ms = ${(median(v) / base).toFixed(2)}x the parse process (runs ${v.map((x) => x.toFixed(0)).join(", ")})`,
  );
