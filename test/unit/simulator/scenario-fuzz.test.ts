// Property (issue 10 D1, D2): seeded mutations of every stored scenario, with hostile numbers in numeric positions,
// never make the parser or a run throw; each either parses and runs to its end (possibly stopping on a step error such
// as the work budget) or is rejected with diagnostics that name a line and a column.
// `VMSPLICE_LENS_SCENARIO_MUTATIONS=N` runs N mutations per scenario (default 3).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseScenario, runScenario } from "../../../server/src/simulator/index";
import type { KernelModel } from "../../../server/src/simulator/index";

const root = path.resolve(__dirname, "..", "..", "..");
const MUTATIONS = Number(process.env.VMSPLICE_LENS_SCENARIO_MUTATIONS ?? 3);
const MODELS: KernelModel[] = ["rfc-v2", "mainline-6.x", "mainline-3.12"];
// Small values, and values past every limit; mid-sized ones (a few GiB) are legal and only slow, so they are left out.
const HOSTILE = [
  "0",
  "1",
  "-1",
  "4095",
  "65536",
  "1099511627776",
  "140737488355328",
  "140737488355329",
  "34359738368P",
  "18446744073709551616",
  "99999999999999999999",
  "0xffffffff",
  "0x1ffffffffffffffff",
];

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replaces a few numbers of the text (outside comments and the header) with hostile ones. */
function mutate(text: string, next: () => number): string {
  const lines = text.split("\n");
  const numbered = lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => /^[^#]*\d/.test(line) && !/^\s*(scenario|source|page-size)\b/.test(line));
  const changes = next() < 0.7 ? 1 : 3;
  for (let change = 0; change < changes && numbered.length > 0; change++) {
    const { index } = numbered[Math.floor(next() * numbered.length)];
    const code = lines[index].split("#")[0];
    const numbers = [...code.matchAll(/(?<![A-Za-z_])\d+/g)];
    if (numbers.length === 0) continue;
    const target = numbers[Math.floor(next() * numbers.length)];
    const replacement = HOSTILE[Math.floor(next() * HOSTILE.length)];
    lines[index] =
      code.slice(0, target.index) +
      replacement +
      code.slice(target.index! + target[0].length) +
      lines[index].slice(code.length);
  }
  return lines.join("\n");
}

test("mutated scenarios with hostile numbers parse with located diagnostics or run without throwing", () => {
  const files = execFileSync("git", ["ls-files", "*.vmsim"], { cwd: root, encoding: "utf8" }).trim().split("\n");
  assert.ok(files.length > 50);
  const failures: string[] = [];
  let ran = 0;
  let rejected = 0;
  files.forEach((file, fileIndex) => {
    const original = readFileSync(path.join(root, file), "utf8");
    for (let mutation = 0; mutation < MUTATIONS; mutation++) {
      const seed = fileIndex * 1009 + mutation;
      const next = random(seed);
      const text = mutate(original, next);
      try {
        const { scenario, diagnostics } = parseScenario(text);
        if (diagnostics.length > 0) {
          rejected++;
          for (const diagnostic of diagnostics)
            if (!(diagnostic.line >= 1 && diagnostic.column >= 1) || /internal/.test(diagnostic.message))
              failures.push(`${file} seed ${seed}: ${JSON.stringify(diagnostic)}`);
          continue;
        }
        runScenario(scenario, { kernel: MODELS[seed % MODELS.length], trace: "summary" });
        ran++;
      } catch (error) {
        failures.push(`${file} seed ${seed}: threw ${error instanceof Error ? error.stack : String(error)}\n${text}`);
      }
    }
  });
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} mutations failed`);
  assert.ok(ran > 0 && rejected > 0, `ran ${ran}, rejected ${rejected}`);
  if (process.env.VMSPLICE_LENS_SCENARIO_MUTATIONS) process.stderr.write(`ran ${ran}, rejected ${rejected}\n`);
});
