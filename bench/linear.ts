/**
 * Linear-analysis benchmark (issue 10, point 3): the cost of analysing a file must grow linearly with the number of calls
 * in one function, the size of an expression and the depth of nesting. Each row analyses a large input and a small one of
 * the same shape in the same run and reports the time ratio against the size ratio: a linear analyzer's ratio stays near
 * the size ratio (per-unit cost ratio near 1), a quadratic one's grows with it (the 2,000-call row was about 40 times the
 * size ratio before this work).
 *
 * Rows are measured twice: in process (parse + facts + verdicts under rfc-v2, median of runs) and as whole
 * `node dist/cli.js check FILE` processes (what a user waits for; needs `node scripts/build.mjs`, skipped without dist/).
 * Usage: node --import tsx bench/linear.ts [--smoke]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { analyzeTree } from "../server/src/analysis/analyze";
import { createCParser } from "../server/src/parsing/parser";

const root = path.resolve(__dirname, "..");
const cli = path.join(root, "dist", "cli.js");

/** `calls` vmsplice calls on one pipe array in one function (shared/repro/many-calls-quadratic.py). */
export function manyCalls(calls: number): string {
  return (
    "#include <fcntl.h>\n#include <sys/uio.h>\nint main(int x)\n{\n    int p[2];\n" +
    "    static char buf[4096] __attribute__((aligned(4096)));\n    struct iovec iov = { buf, 4096 };\n" +
    "    vmsplice(p[1], &iov, 1, SPLICE_F_GIFT);\n".repeat(calls) +
    "    return 0;\n}\n"
  );
}

/** One vmsplice call and, in the same function, an expression of `terms` terms (shared/repro/deep-expression-quadratic.py). */
export function longExpression(terms: number): string {
  return (
    "#include <fcntl.h>\n#include <sys/uio.h>\nint main(void)\n{\n    int p[2];\n" +
    "    static char buf[4096] __attribute__((aligned(4096)));\n    struct iovec iov = { buf, 4096 };\n" +
    `    int long_a = ${"1+".repeat(terms)}1;\n` +
    "    return vmsplice(p[1], &iov, 1, SPLICE_F_GIFT) + long_a;\n}\n"
  );
}

/** 20 vmsplice calls inside `depth` nested blocks, whose nr_segs is a global read through `depth / 4` nested `?:`. */
export function deepNesting(depth: number): string {
  const conditionals = Math.floor(depth / 4);
  const count = `${"n ? (".repeat(conditionals)}1${") : 1".repeat(conditionals)}`;
  return (
    "#include <sys/uio.h>\n#include <unistd.h>\nint n;\nvoid send_pages(struct iovec iov)\n{\n    int fds[2];\n    pipe(fds);\n" +
    "{".repeat(depth) +
    "\n" +
    `    vmsplice(fds[1], &iov, ${count}, SPLICE_F_GIFT);\n`.repeat(20) +
    "}".repeat(depth) +
    "\n}\n"
  );
}

export interface LinearRow {
  name: string;
  /** How many times larger the measured input is than the baseline input. */
  sizeRatio: number;
  baselineMs: number;
  measuredMs: number;
  /** measured / baseline. */
  ratio: number;
  /** ratio / sizeRatio: 1 for linear cost, the size ratio itself for quadratic cost. */
  perUnitRatio: number;
  goal: number;
}

interface Shape {
  name: string;
  unit: string;
  make: (size: number) => string;
  small: number;
  large: number;
  smokeLarge: number;
}

const SHAPES: readonly Shape[] = [
  {
    name: "calls on one pipe array in one function",
    unit: "calls",
    make: manyCalls,
    small: 100,
    large: 2000,
    smokeLarge: 300,
  },
  { name: "term expression", unit: "terms", make: longExpression, small: 5000, large: 100_000, smokeLarge: 15_000 },
  {
    name: "levels of nested blocks around 20 calls",
    unit: "levels",
    make: deepNesting,
    small: 100,
    large: 2000,
    smokeLarge: 300,
  },
];

/** Per-unit cost may exceed the baseline's by this factor (the baseline is small, so fixed costs weigh more there). */
const PER_UNIT_GOAL = 1.5;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)];
}

function row(name: string, sizeRatio: number, baselineMs: number, measuredMs: number): LinearRow {
  const ratio = measuredMs / baselineMs;
  return { name, sizeRatio, baselineMs, measuredMs, ratio, perUnitRatio: ratio / sizeRatio, goal: PER_UNIT_GOAL };
}

/** In-process rows: parse, facts and verdicts (rfc-v2, 4 KiB pages) of each shape at both sizes. */
export async function benchLinear(runs: number, smoke = false): Promise<LinearRow[]> {
  const parser = await createCParser();
  const time = (text: string, expectedCalls: number): number => {
    const start = performance.now();
    const tree = parser.parse(text);
    if (!tree) throw new Error("parse failed");
    const analysis = analyzeTree(tree, text, { kernel: "rfc-v2", pageSize: 4096 });
    const elapsed = performance.now() - start;
    tree.delete();
    if (analysis.calls.length !== expectedCalls)
      throw new Error(`expected ${expectedCalls} calls, found ${analysis.calls.length}`);
    return elapsed;
  };
  const rows: LinearRow[] = [];
  try {
    for (const shape of SHAPES) {
      const large = smoke ? shape.smokeLarge : shape.large;
      const calls = (size: number) => (shape.unit === "calls" ? size : shape.unit === "levels" ? 20 : 1);
      const smallText = shape.make(shape.small);
      const largeText = shape.make(large);
      time(smallText, calls(shape.small)); // warm-up: JIT and wasm code paths
      const baseline: number[] = [];
      const measured: number[] = [];
      for (let run = 0; run < runs; run++) {
        baseline.push(time(smallText, calls(shape.small)));
        measured.push(time(largeText, calls(large)));
      }
      rows.push(
        row(
          `${large.toLocaleString("en")} ${shape.name} vs ${shape.small.toLocaleString("en")} (in process)`,
          large / shape.small,
          median(baseline),
          median(measured),
        ),
      );
    }
  } finally {
    parser.delete();
  }
  return rows;
}

/** The same shapes as whole `vmsplice-lens check` processes (startup included, as a user waits for it). */
export function benchLinearCli(runs: number, smoke = false): LinearRow[] {
  if (!existsSync(cli)) return [];
  const dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-linear-"));
  const time = (file: string): number => {
    const start = performance.now();
    const result = spawnSync(process.execPath, [cli, "check", file], { stdio: "ignore", timeout: 600_000 });
    if (result.status === null) throw new Error(`check ${file} did not finish`);
    return performance.now() - start;
  };
  try {
    return SHAPES.map((shape) => {
      const large = smoke ? shape.smokeLarge : shape.large;
      const smallFile = path.join(dir, `${shape.unit}-${shape.small}.c`);
      const largeFile = path.join(dir, `${shape.unit}-${large}.c`);
      writeFileSync(smallFile, shape.make(shape.small));
      writeFileSync(largeFile, shape.make(large));
      const baseline: number[] = [];
      const measured: number[] = [];
      for (let run = 0; run < runs; run++) {
        baseline.push(time(smallFile));
        measured.push(time(largeFile));
      }
      return row(
        `${large.toLocaleString("en")} ${shape.name} vs ${shape.small.toLocaleString("en")} (node dist/cli.js check)`,
        large / shape.small,
        median(baseline),
        median(measured),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatLinearRows(rows: LinearRow[]): string {
  return rows
    .map(
      (item) =>
        `${item.name}: ${item.measuredMs.toFixed(1)} ms vs baseline ${item.baselineMs.toFixed(1)} ms = ${item.ratio.toFixed(2)}x for ${item.sizeRatio}x the size, per unit ${item.perUnitRatio.toFixed(2)}x (goal <= ${item.goal}x) ${item.perUnitRatio <= item.goal ? "ok" : "OVER GOAL"}`,
    )
    .join("\n");
}

if (require.main === module) {
  const smoke = process.argv.includes("--smoke");
  benchLinear(smoke ? 1 : 5, smoke).then((rows) => {
    process.stdout.write(formatLinearRows([...rows, ...benchLinearCli(smoke ? 1 : 3, smoke)]) + "\n");
  });
}
