/**
 * Benchmarks measured as a user waits (issue 12): whole processes and the real stdio protocol path, each against a
 * baseline measured in the same run.
 *
 * - stdio keystrokes: the bundled `dist/server.js --stdio` (debounce 0) fed one-character didChange edits over real
 *   JSON-RPC; time from sending didChange to receiving publishDiagnostics for that version. Baseline: web-tree-sitter's
 *   own incremental reparse of the same edit in this process (tree.edit + parser.parse(text, oldTree)).
 * - whole-process CLI: `node dist/cli.js check FILE` on a sqlite3.c-sized generated file with a few calls, against a
 *   process that reads the file and runs a full web-tree-sitter parse of it (and that parse's in-process time); and on a
 *   file without any relevant name, against a plain `node -e` process that reads the file and scans it for "vmsplice".
 * - the Linux 6.1 tree (full bench only): `node dist/cli.js check TREE` against `rg -l vmsplice TREE`, both as processes,
 *   and `check --no-cache --jobs 2` against `--jobs 1` (worker threads; a ratio, no goal).
 * - the 1 GiB simulation as a whole `simulate --trace summary` process, with peak RSS.
 *
 * Needs `node scripts/build.mjs` (dist/). Usage: node --import tsx bench/userwait.ts [--smoke]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { TextDocument } from "vscode-languageserver-textdocument";
import { createCParser, parseC } from "../server/src/parsing/parser";
import { toTreeEdit } from "../server/src/protocol/documents";
import { LspTestClient } from "../test/protocol/harness";
import { generateC } from "./keystroke";

const root = path.resolve(__dirname, "..");
const cli = path.join(root, "dist", "cli.js");

export interface WaitRow {
  name: string;
  measuredMs: number;
  baselineMs: number;
  ratio: number;
  /** Goal on the ratio, or null when the goal is absolute (then `note` says it). */
  goal: number | null;
  note: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function row(name: string, measuredMs: number, baselineMs: number, goal: number | null, note = ""): WaitRow {
  return { name, measuredMs, baselineMs, ratio: measuredMs / baselineMs, goal, note };
}

export function formatWaitRows(rows: readonly WaitRow[]): string {
  return rows
    .map((item) => {
      const verdict = item.goal === null ? "" : item.ratio <= item.goal ? " ok" : " OVER GOAL";
      const goal = item.goal === null ? "" : ` (goal <= ${item.goal}x)`;
      return `${item.name}: ${item.measuredMs.toFixed(1)} ms vs baseline ${item.baselineMs.toFixed(1)} ms = ${item.ratio.toFixed(2)}x${goal}${verdict}${item.note ? `; ${item.note}` : ""}`;
    })
    .join("\n");
}

/** Offsets for one-character edits: after an anchor that occurs in ordinary functions or in the vmsplice functions. */
function editOffsets(text: string, count: number, where: "far" | "inside"): number[] {
  const anchor = where === "far" ? "checksum = (checksum" : "memset(buf, 0, page";
  const all: number[] = [];
  for (let at = text.indexOf(anchor); at >= 0; at = text.indexOf(anchor, at + 1)) all.push(at + anchor.length);
  if (all.length === 0) throw new Error(`no "${anchor}" in the generated file`);
  // Spread over the file, deterministic.
  return Array.from({ length: count }, (_, index) => all[Math.floor(((index * 7919) % count) * (all.length / count))]);
}

/** Typing `x` at an offset and deleting it again on the next edit, so the text does not drift. */
interface Edit {
  offset: number;
  insert: boolean;
}

function editSequence(offsets: readonly number[]): Edit[] {
  return offsets.flatMap((offset) => [
    { offset, insert: true },
    { offset, insert: false },
  ]);
}

/** In-process baseline: tree-sitter's own incremental reparse of each edit. Returns the time of each edit. */
async function reparseTimes(text: string, edits: readonly Edit[]): Promise<number[]> {
  const parser = await createCParser();
  let current = text;
  let tree = parseC(parser, current);
  if (!tree) throw new Error("no tree");
  const times: number[] = [];
  for (const edit of edits) {
    const document = TextDocument.create("file:///baseline.c", "c", 1, current);
    const start = document.positionAt(edit.offset);
    const end = edit.insert ? start : document.positionAt(edit.offset + 1);
    const treeEdit = toTreeEdit(document, { start, end }, edit.insert ? "x" : "");
    current = current.slice(0, treeEdit.startIndex) + (edit.insert ? "x" : "") + current.slice(treeEdit.oldEndIndex);
    const began = performance.now();
    tree.edit(treeEdit);
    const next = parseC(parser, current, tree);
    times.push(performance.now() - began);
    tree.delete();
    if (!next) throw new Error("no tree");
    tree = next;
  }
  tree.delete();
  parser.delete();
  return times;
}

/** The project header of the "with a project header" rows: a flags macro the file's calls use. */
const BENCH_HEADER = "#ifndef LENS_H\n#define LENS_H\n#define LENS_GIFT (SPLICE_F_GIFT | SPLICE_F_MOVE)\n#endif\n";

/**
 * Over real stdio: didChange sent → publishDiagnostics for that version received, per edit. `header`: the file sits
 * in a workspace folder with a project header it includes (so its analysis reads a unit).
 */
async function stdioTimes(
  text: string,
  edits: readonly Edit[],
  header = false,
): Promise<{ times: number[]; diagnostics: number }> {
  // VMSPLICE_LENS_BENCH_PROFILE=DIR: the server process (and its analysis worker) write CPU profiles into DIR.
  const profileDir = process.env.VMSPLICE_LENS_BENCH_PROFILE;
  const folder = header ? mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-bench-project-")) : null;
  if (folder) {
    writeFileSync(path.join(folder, "lens.h"), BENCH_HEADER);
    writeFileSync(path.join(folder, "userwait.c"), text);
  }
  const client = await LspTestClient.start({
    settings: { debounceMs: 0, maxFileSize: 64 * 1024 * 1024 },
    nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(profileDir)}`] : [],
    workspaceFolders: folder ? [folder] : [],
  });
  try {
    const uri = folder ? pathToFileURL(path.join(folder, "userwait.c")).href : "file:///bench/userwait.c";
    let version = 1;
    const opened = client.waitForDiagnostics(uri, (params) => params.version === 1, 120_000);
    await client.open(uri, text, version);
    const first = await opened;
    let document = TextDocument.create(uri, "c", version, text);
    const times: number[] = [];
    for (const edit of edits) {
      version++;
      const start = document.positionAt(edit.offset);
      const end = edit.insert ? start : document.positionAt(edit.offset + 1);
      const change = { range: { start, end }, text: edit.insert ? "x" : "" };
      document = TextDocument.update(document, [change], version);
      const wanted = version;
      const published = client.waitForDiagnostics(uri, (params) => params.version === wanted, 120_000);
      const began = performance.now();
      await client.change(uri, version, [change]);
      await published;
      times.push(performance.now() - began);
    }
    return { times, diagnostics: first.diagnostics.length };
  } finally {
    await client.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
}

/** The generated file including the bench's project header, its calls' flags from the header's macro. */
function withHeader(text: string): string {
  return text
    .replace("#include <unistd.h>", '#include <unistd.h>\n#include "lens.h"')
    .replaceAll("SPLICE_F_GIFT | SPLICE_F_MOVE", "LENS_GIFT");
}

export async function benchStdioKeystrokes(smoke: boolean): Promise<WaitRow[]> {
  const rows: WaitRow[] = [];
  // `warm`: keystrokes typed first and not timed, for both sides (a server that has been typed into, not one whose
  // code the JIT has not compiled yet); `edits`: the timed ones. Each is a pair (type a character, delete it).
  const cases: {
    lines: number;
    calls: number;
    where: "far" | "inside";
    warm: number;
    edits: number;
    header?: boolean;
  }[] = smoke
    ? [
        { lines: 2000, calls: 3, where: "far", warm: 0, edits: 2 },
        { lines: 2000, calls: 3, where: "inside", warm: 0, edits: 1 },
      ]
    : [
        { lines: 270_000, calls: 3, where: "far", warm: 15, edits: 25 },
        { lines: 270_000, calls: 3, where: "inside", warm: 15, edits: 25 },
        { lines: 270_000, calls: 3, where: "inside", warm: 15, edits: 25, header: true },
        { lines: 8000, calls: 3, where: "far", warm: 15, edits: 30 },
        { lines: 8000, calls: 3, where: "inside", warm: 15, edits: 30 },
      ];
  for (const item of cases) {
    const generated = generateC(item.lines, item.calls, item.lines);
    const text = item.header ? withHeader(generated) : generated;
    const edits = editSequence(editOffsets(text, item.warm + item.edits, item.where));
    const timed = (all: number[]) => all.slice(2 * item.warm);
    const baseline = timed(await reparseTimes(text, edits));
    const measured = await stdioTimes(text, edits, item.header);
    const times = timed(measured.times);
    const diagnostics = measured.diagnostics;
    const lines = text.split("\n").length;
    // The issue's goals are for the file alone; the project-header row has none.
    const goal = item.lines >= 100_000 && !item.header ? (item.where === "far" ? 0.2 : 0.5) : null;
    const p50 = median(times);
    const note =
      item.lines < 100_000 && !smoke
        ? `p50 goal <= 15 ms: ${p50 <= 15 ? "met" : "NOT met"}`
        : `${diagnostics} diagnostics, ${times.length} timed edits after ${2 * item.warm} untimed`;
    rows.push(
      row(
        `stdio keystroke p50, ${lines} lines${item.header ? " including a project header" : ""}, ${item.where === "far" ? "far from any call" : "inside a function that calls vmsplice"}, vs in-process incremental reparse p50`,
        p50,
        median(baseline),
        goal,
        note,
      ),
    );
  }
  return rows;
}

/** Wall time of a whole process (median of `runs`); throws when it fails. */
function processMs(command: string, args: readonly string[], runs: number, okStatus = [0, 1]): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const began = performance.now();
    const result = spawnSync(command, args, { stdio: "ignore", timeout: 600_000, maxBuffer: 1 << 30 });
    times.push(performance.now() - began);
    if (result.status === null || !okStatus.includes(result.status))
      throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
  return median(times);
}

/** A plain CommonJS process that reads FILE and parses it fully with web-tree-sitter; prints the parse time alone. */
const PARSE_SCRIPT = `
const { readFileSync } = require("node:fs");
const { Parser, Language } = require(${JSON.stringify(require.resolve("web-tree-sitter"))});
(async () => {
  await Parser.init({ locateFile: () => ${JSON.stringify(path.join(root, "dist", "tree-sitter.wasm"))} });
  const language = await Language.load(${JSON.stringify(path.join(root, "dist", "tree-sitter-c.wasm"))});
  const parser = new Parser();
  parser.setLanguage(language);
  const text = readFileSync(process.argv[1], "utf8");
  const began = performance.now();
  const tree = parser.parse(text);
  process.stdout.write(String(performance.now() - began));
  if (!tree || tree.rootNode.childCount === 0) process.exit(3);
})();`;

const SCAN_SCRIPT = `const t = require("node:fs").readFileSync(process.argv[1], "latin1"); process.exit(t.includes("vmsplice") ? 1 : 0);`;

export function benchCliProcesses(smoke: boolean): WaitRow[] {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`node scripts/build.mjs\` first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-userwait-"));
  const runs = smoke ? 1 : 5;
  try {
    const lines = smoke ? 5000 : 270_000;
    // Each file alone in its directory: that directory is its project root (no marker above a temp dir), and a
    // neighbour with calls would otherwise be indexed with it.
    mkdirSync(path.join(dir, "with"));
    mkdirSync(path.join(dir, "without"));
    const withCalls = path.join(dir, "with", "sqlite-sized.c");
    writeFileSync(withCalls, generateC(lines, 3, 12));
    const without = path.join(dir, "without", "no-relevant-name.c");
    writeFileSync(without, generateC(lines, 0, 13));
    const found = spawnSync(
      process.execPath,
      [cli, "check", "--format", "json", "--max-file-size", "67108864", withCalls],
      { encoding: "utf8", maxBuffer: 1 << 28 },
    );
    const calls = (JSON.parse(found.stdout) as { files: { calls: unknown[] }[] }).files[0].calls.length;
    const check = (file: string) =>
      processMs(process.execPath, [cli, "check", "--max-file-size", "67108864", file], runs);
    const parseArgs = ["-e", PARSE_SCRIPT, withCalls];
    const inProcess: number[] = [];
    for (let run = 0; run < runs; run++) {
      const result = spawnSync(process.execPath, parseArgs, { cwd: root, encoding: "utf8", timeout: 600_000 });
      if (result.status !== 0) throw new Error(`parse process failed: ${result.stderr}`);
      inProcess.push(Number(result.stdout));
    }
    const parseProcess = processMs(process.execPath, parseArgs, runs, [0]);
    const checkWith = check(withCalls);
    const scan = processMs(process.execPath, ["-e", SCAN_SCRIPT, without], runs, [0]);
    const checkWithout = check(without);
    const size = (file: string) => `${(readFileSync(file).length / 1024 / 1024).toFixed(1)} MB`;
    return [
      row(
        `node dist/cli.js check, ${lines}-line file (${size(withCalls)}) with a few calls, vs a process that reads it and runs a full tree-sitter parse`,
        checkWith,
        parseProcess,
        0.2,
        `${calls} call(s) found; the parse alone inside that process: ${median(inProcess).toFixed(1)} ms (check / parse-only = ${(checkWith / median(inProcess)).toFixed(2)}x)`,
      ),
      row(
        `node dist/cli.js check, ${lines}-line file (${size(without)}) without any relevant name, vs node -e read + scan`,
        checkWithout,
        scan,
        2,
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The Linux 6.1 tree: VMSPLICE_LENS_LINUX_TREE, else `.cache/linux-6.1` (VMSPLICE_LENS_LINUX_CACHE) extracted once from
 * Debian's tarball (VMSPLICE_LENS_LINUX_TARBALL, default /usr/src/linux-source-6.1.tar.xz).
 */
export function linuxTree(): string {
  const fromEnv = process.env.VMSPLICE_LENS_LINUX_TREE;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : `VMSPLICE_LENS_LINUX_TREE=${fromEnv} does not exist`;
  const cache = process.env.VMSPLICE_LENS_LINUX_CACHE ?? path.join(root, ".cache", "linux-6.1");
  const tree = path.join(cache, "linux-source-6.1");
  if (existsSync(path.join(tree, "Makefile"))) return tree;
  const tarball = process.env.VMSPLICE_LENS_LINUX_TARBALL ?? "/usr/src/linux-source-6.1.tar.xz";
  if (!existsSync(tarball))
    return `skipped: ${tarball} is missing (apt-get install -y linux-source-6.1 ripgrep, or set VMSPLICE_LENS_LINUX_TREE)`;
  mkdirSync(cache, { recursive: true });
  process.stdout.write(`extracting ${tarball} into ${cache} (once)\n`);
  const result = spawnSync("tar", ["-xJf", tarball, "-C", cache], { stdio: "inherit" });
  if (result.status !== 0 || !existsSync(path.join(tree, "Makefile")))
    return `skipped: extracting ${tarball} did not give ${tree}/Makefile`;
  return tree;
}

/** A whole `check` process: its stdout, wall time and peak RSS (GNU time's %M, when /usr/bin/time exists). */
function checkProcess(args: readonly string[]): { stdout: string; ms: number; peakKiB: number | null } {
  const timed = existsSync("/usr/bin/time");
  const [command, fullArgs] = timed
    ? ["/usr/bin/time", ["-f", "peak-kib %M", process.execPath, cli, ...args]]
    : [process.execPath, [cli, ...args]];
  const began = performance.now();
  const result = spawnSync(command, fullArgs, { encoding: "utf8", maxBuffer: 1 << 30, timeout: 1_200_000 });
  const ms = performance.now() - began;
  if (result.status === null || result.status > 1)
    throw new Error(`check ${args.join(" ")} failed: ${result.status ?? result.signal} ${result.stderr}`);
  const peak = /peak-kib (\d+)/.exec(result.stderr ?? "");
  return { stdout: result.stdout, ms, peakKiB: peak ? Number(peak[1]) : null };
}

/** One `rg -l vmsplice TREE` process: its wall time. */
function rgMs(tree: string): number {
  return processMs("rg", ["-l", "vmsplice", tree], 1, [0]);
}

/**
 * `check` over a source tree against `rg -l vmsplice` over it (the Linux tree by default; the smoke test passes a tiny
 * one), as whole processes alternating in the same run: one of each first to warm the page cache for both, then per
 * round rg, a cold run (an empty index directory outside the tree, which is never written), rg, a warm run over the
 * index the cold run left. Each ratio is against the rg run just before it; the rows give the median ratio over the
 * rounds (and the medians of the times), their peak RSS, and the warm row whether its report equals the cold one.
 */
export function benchLinuxTree(tree = linuxTree(), runs = 3, label = "the Linux 6.1 tree"): WaitRow[] | string {
  if (!existsSync(tree)) return tree;
  if (spawnSync("rg", ["--version"]).status !== 0) return "skipped: ripgrep (rg) is not installed";
  const listed = spawnSync("rg", ["-l", "vmsplice", tree], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
  const indexes: string[] = [];
  const freshIndex = () => {
    indexes.push(mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-bench-index-")));
    return indexes[indexes.length - 1];
  };
  const args = (index: string) => ["check", "--format", "json", "--index-dir", index, tree];
  try {
    checkProcess(args(freshIndex())); // the page cache warmed for both (rg above)
    const rounds = Array.from({ length: Math.max(1, runs) }, () => {
      const index = freshIndex();
      const rgCold = rgMs(tree);
      const cold = checkProcess(args(index));
      const rgWarm = rgMs(tree);
      const warm = checkProcess(args(index));
      return { rgCold, cold, rgWarm, warm };
    });
    // Worker threads (--jobs) against one thread, both uncached, as whole processes.
    const single = checkProcess(["check", "--format", "json", "--no-cache", "--jobs", "1", tree]);
    const parallel = checkProcess(["check", "--format", "json", "--no-cache", "--jobs", "2", tree]);
    const first = rounds[0].cold;
    const report = JSON.parse(first.stdout) as { files: { path: string; calls: unknown[] }[] };
    const withCalls = report.files.filter((file) => file.calls.length > 0);
    const calls = withCalls.reduce((sum, file) => sum + file.calls.length, 0);
    const peak = (kib: number | null) =>
      kib === null ? "peak RSS not measured" : `peak RSS ${(kib / 1024).toFixed(0)} MiB`;
    const maxPeak = (values: (number | null)[]) => Math.max(...values.map((value) => value ?? 0)) || null;
    const medianRow = (name: string, measured: number[], baseline: number[], note: string): WaitRow => ({
      ...row(name, median(measured), median(baseline), 1.5, note),
      ratio: median(measured.map((ms, at) => ms / baseline[at])),
    });
    return [
      medianRow(
        `node dist/cli.js check over ${label} (cold index) vs rg -l vmsplice, median of ${rounds.length} alternating rounds`,
        rounds.map((round) => round.cold.ms),
        rounds.map((round) => round.rgCold),
        [
          `${calls} call(s) in ${withCalls.length} file(s): ${withCalls.map((file) => path.relative(tree, file.path)).join(", ")}`,
          `${report.files.length} file(s) in the report, rg lists ${listed.split("\n").filter(Boolean).length}`,
          rounds.every((round) => round.cold.stdout === first.stdout)
            ? "cold reports identical"
            : "COLD REPORTS DIFFER",
          peak(maxPeak(rounds.map((round) => round.cold.peakKiB))),
        ].join("; "),
      ),
      medianRow(
        `node dist/cli.js check over ${label} (warm index) vs rg -l vmsplice, median of ${rounds.length} alternating rounds`,
        rounds.map((round) => round.warm.ms),
        rounds.map((round) => round.rgWarm),
        [
          rounds.every((round) => round.warm.stdout === first.stdout)
            ? "report identical to the cold run"
            : "REPORT DIFFERS from the cold run",
          peak(maxPeak(rounds.map((round) => round.warm.peakKiB))),
        ].join("; "),
      ),
      row(
        `node dist/cli.js check --no-cache --jobs 2 over ${label} vs --jobs 1`,
        parallel.ms,
        single.ms,
        null,
        [
          parallel.stdout === single.stdout ? "report identical to --jobs 1" : "REPORT DIFFERS from --jobs 1",
          `${peak(parallel.peakKiB)} (--jobs 1: ${peak(single.peakKiB)})`,
        ].join("; "),
      ),
    ];
  } finally {
    for (const index of indexes) rmSync(index, { recursive: true, force: true });
  }
}

/** The 1 GiB scenario: 262,144 pages written and gifted 256 per call through a 1 MiB pipe (MAX_STEPS is 10,000). */
export function gibScenario(pages: number, perCall: number): string {
  const lines = [
    `scenario GIB "${pages} pages gifted ${perCall} per call"`,
    "process W",
    "process R",
    "pipe fds",
    `W: fcntl fds[1] F_SETPIPE_SZ ${perCall * 4096}`,
    `W: mmap p ${pages}P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS`,
    "W: fill p pattern",
    `R: mmap q ${pages}P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS`,
    "R: fill q 0xEE",
  ];
  for (let first = 0; first < pages; first += perCall) {
    lines.push(`W: vmsplice fds[1] iov1(p+${first}P,${perCall}) G|M`);
    lines.push(`R: vmsplice fds[0] iovB(q+${first}P,${perCall}P) M`);
  }
  return lines.join("\n") + "\n";
}

/** Wall time and peak RSS (VmHWM polled from /proc, the final reading taken at exit by /usr/bin/time when present). */
async function peakProcess(args: readonly string[]): Promise<{ ms: number; peakKiB: number; stdout: string }> {
  const timeTool = existsSync("/usr/bin/time");
  const command = timeTool ? "/usr/bin/time" : process.execPath;
  const fullArgs = timeTool ? ["-f", "%M", process.execPath, ...args] : [...args];
  const began = performance.now();
  const child = spawn(command, fullArgs, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let polled = 0;
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const match = /VmHWM:\s+(\d+)/.exec(status);
      if (match) polled = Math.max(polled, Number(match[1]));
    } catch {
      // The process ended between two polls.
    }
  }, 10);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const ms = performance.now() - began;
  clearInterval(poll);
  if (code !== 0) throw new Error(`simulate exited with ${code}: ${stderr.slice(0, 2000)}`);
  const reported = timeTool ? Number(/(\d+)\s*$/.exec(stderr)?.[1] ?? 0) : 0;
  return { ms, peakKiB: Math.max(polled, reported), stdout };
}

export async function benchSimulateProcess(smoke: boolean): Promise<{ rows: WaitRow[]; outputLines: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-gib-"));
  try {
    const pages = smoke ? 4096 : 262_144;
    const file = path.join(dir, "gib.vmsim");
    writeFileSync(file, gibScenario(pages, 256));
    const startup = processMs(process.execPath, ["-e", ""], smoke ? 1 : 3, [0]);
    const run = await peakProcess([cli, "simulate", file, "--trace", "summary"]);
    const peakMB = (run.peakKiB * 1024) / 1e6;
    const memoryGoal = smoke
      ? ""
      : `, goal <= 1000 ms and <= 200 MB: ${run.ms <= 1000 && peakMB <= 200 ? "met" : "NOT met"}`;
    return {
      rows: [
        row(
          `simulate --trace summary, ${pages} pages (${(pages * 4096) / 2 ** 20} MiB) gifted 256 per call, whole process, vs node startup`,
          run.ms,
          startup,
          null,
          `peak RSS ${peakMB.toFixed(0)} MB, ${run.stdout.split("\n").length} output lines${memoryGoal}`,
        ),
      ],
      outputLines: run.stdout.split("\n").length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The groups of rows, selected with `--only stdio,cli,simulate,linux` (default: all of them). */
export const ROW_GROUPS = ["stdio", "cli", "simulate", "linux"] as const;

/** The groups `--only A,B` (or `--only=A,B`) selects among `argv`; every group without the option. */
export function selectedGroups(argv: readonly string[]): Set<string> {
  const at = argv.findIndex((arg) => arg === "--only" || arg.startsWith("--only="));
  if (at < 0) return new Set(ROW_GROUPS);
  const value = argv[at].startsWith("--only=") ? argv[at].slice("--only=".length) : (argv[at + 1] ?? "");
  const groups = value.split(",").filter(Boolean);
  const unknown = groups.filter((group) => !(ROW_GROUPS as readonly string[]).includes(group));
  if (unknown.length > 0 || groups.length === 0)
    throw new Error(`--only takes a comma-separated list of ${ROW_GROUPS.join(", ")}; got "${value}"`);
  return new Set(groups);
}

async function main(): Promise<void> {
  const smoke = process.argv.includes("--smoke");
  const groups = selectedGroups(process.argv);
  process.stdout.write(
    `load average ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")}\n`,
  );
  if (groups.has("stdio")) process.stdout.write(formatWaitRows(await benchStdioKeystrokes(smoke)) + "\n");
  if (groups.has("cli")) process.stdout.write(formatWaitRows(benchCliProcesses(smoke)) + "\n");
  if (groups.has("simulate")) process.stdout.write(formatWaitRows((await benchSimulateProcess(smoke)).rows) + "\n");
  if (!groups.has("linux")) return;
  if (smoke) process.stdout.write("Linux tree scan: skipped in --smoke (full bench only)\n");
  else {
    const linux = benchLinuxTree();
    process.stdout.write((typeof linux === "string" ? `Linux tree scan: ${linux}` : formatWaitRows(linux)) + "\n");
  }
}

if (require.main === module) void main();
