/**
 * Analyzer benchmark (issue 2): cold analysis of a large real C file against tree-sitter parsing the same file in the
 * same process, and the cost of a file without any vmsplice against reading it.
 *
 * The large real file is tree-sitter-c's own generated parser (node_modules/tree-sitter-c/src/parser.c, ~119k lines),
 * shipped by the npm package we already depend on; a few vmsplice functions are appended to it for the "with calls" case.
 * Figures are medians of repeated runs, reported as ratios against the baseline measured in the same run.
 * Usage: node --import tsx bench/analyzer.ts [--smoke]
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { analyzeTree, mentionsVmsplice } from "../server/src/analysis/analyze";
import { decodeSource } from "../server/src/engine/source-text";
import { createCParser } from "../server/src/parsing/parser";

const smoke = process.argv.includes("--smoke");
const root = path.resolve(__dirname, "..");
const realFile = require.resolve("tree-sitter-c/src/parser.c");

const CALLS = `
#include <sys/uio.h>
#include <sys/mman.h>
static int bench_pipe[2];
static long bench_send(char *buf, long pages)
{
    long pg = sysconf(_SC_PAGESIZE);
    struct iovec iov[16];
    for (int i = 0; i < 16; i++) {
        iov[i].iov_base = buf + i * pg;
        iov[i].iov_len = pg;
    }
    return vmsplice(bench_pipe[1], iov, pages < 16 ? pages : 16, SPLICE_F_GIFT | SPLICE_F_MOVE);
}
static long bench_main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *buf = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 1, 16 * pg);
    if (pipe(bench_pipe) < 0) return -1;
    char *heap = malloc(8192);
    memset(heap, 2, 8192);
    struct iovec one = { heap, 8192 };
    vmsplice(bench_pipe[1], &one, 1, SPLICE_F_GIFT);
    return bench_send(buf, 16);
}
`;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)];
}

export interface BenchRow {
  name: string;
  baselineMs: number;
  measuredMs: number;
  ratio: number;
  goal: number;
}

export async function benchAnalyzer(runs = smoke ? 2 : 9): Promise<BenchRow[]> {
  const parser = await createCParser();
  const plain = readFileSync(realFile, "utf8");
  const withCalls = plain + CALLS;
  const lines = withCalls.split("\n").length;
  // Warm up the wasm code paths once so the first measured run is not a JIT outlier for either side.
  parser.parse(withCalls)?.delete();

  const parseTimes: number[] = [];
  const analyseTimes: number[] = [];
  let callCount = 0;
  for (let run = 0; run < runs; run++) {
    let start = performance.now();
    const baseline = parser.parse(withCalls);
    parseTimes.push(performance.now() - start);
    baseline?.delete();
    start = performance.now();
    const tree = parser.parse(withCalls);
    if (!tree) throw new Error("parse failed");
    const analysis = analyzeTree(tree, withCalls, { kernel: "rfc-v2", pageSize: 4096 });
    analyseTimes.push(performance.now() - start);
    callCount = analysis.calls.length;
    tree.delete();
  }
  if (callCount !== 2)
    throw new Error(
      `expected the two inserted vmsplice calls (the wrapper call site and the direct call), found ${callCount}`,
    );

  const readTimes: number[] = [];
  const checkTimes: number[] = [];
  const filePath = realFile;
  for (let run = 0; run < runs * 3; run++) {
    let start = performance.now();
    const bytes = readFileSync(filePath);
    const text = new TextDecoder().decode(bytes);
    readTimes.push(performance.now() - start);
    if (text.length === 0) throw new Error("empty");
    start = performance.now();
    const decoded = decodeSource(readFileSync(filePath));
    if (mentionsVmsplice(decoded)) throw new Error("parser.c unexpectedly mentions splice");
    checkTimes.push(performance.now() - start);
  }
  parser.delete();
  const withCallsRow: BenchRow = {
    name: `cold analysis, ${lines}-line real C file with 2 vmsplice calls, vs tree-sitter parse`,
    baselineMs: median(parseTimes),
    measuredMs: median(analyseTimes),
    ratio: 0,
    goal: 1.2,
  };
  const withoutRow: BenchRow = {
    name: `file without vmsplice (${plain.split("\n").length} lines), vs reading it`,
    baselineMs: median(readTimes),
    measuredMs: median(checkTimes),
    ratio: 0,
    goal: 2,
  };
  for (const row of [withCallsRow, withoutRow]) row.ratio = row.measuredMs / row.baselineMs;
  return [withCallsRow, withoutRow];
}

export function formatRows(rows: BenchRow[]): string {
  return rows
    .map(
      (row) =>
        `${row.name}: ${row.measuredMs.toFixed(2)} ms vs baseline ${row.baselineMs.toFixed(2)} ms = ${row.ratio.toFixed(3)}x (goal <= ${row.goal}x) ${row.ratio <= row.goal ? "ok" : "OVER GOAL"}`,
    )
    .join("\n");
}

if (require.main === module) {
  benchAnalyzer().then((rows) => {
    process.stdout.write(formatRows(rows) + "\n");
    void root;
  });
}
