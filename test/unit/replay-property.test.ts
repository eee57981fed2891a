/**
 * Property (STYLE.md section 7, issue 10 D7): the call-site replay always writes a scenario its own parser accepts,
 * and the scenario runs without a scenario mistake, for every call of every fixture and sample, under every kernel model,
 * plus seeded mutations of the facts that put hostile numbers (negative, fractional, NaN, 2^31, 2^32, 2^64, ...) in every
 * numeric position. A replay that throws, does not parse or stops on a scenario error fails with the generated text.
 * `VMSPLICE_LENS_REPLAY_MUTATIONS=N` runs N mutations per call (default 2).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { createCParser } from "../../server/src/parsing/parser";
import { extractFacts } from "../../server/src/analysis/analyze";
import { KERNEL_MODELS, type SymValue, type VmspliceCall } from "../../server/src/analysis/facts";
import { parseScenario, replayCallSite } from "../../server/src/simulator/index";

const root = path.resolve(__dirname, "..", "..");
const MUTATIONS = Number(process.env.VMSPLICE_LENS_REPLAY_MUTATIONS ?? 2);
const HOSTILE = [
  -1,
  -4096,
  -(2 ** 31),
  0,
  1,
  4095,
  2.5,
  2 ** 31,
  2 ** 32,
  2 ** 40,
  2 ** 53,
  2 ** 64,
  -(2 ** 64),
  Number.NaN,
];

function cFiles(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const full = path.join(directory, name);
      if (statSync(full).isDirectory()) return cFiles(full);
      return name.endsWith(".c") ? [full] : [];
    });
}

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
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

/** A copy of the call whose numeric facts are, each with probability 1/2, replaced by a hostile constant. */
function mutate(call: VmspliceCall, next: () => number): VmspliceCall {
  const pick = (value: SymValue | null): SymValue | null =>
    next() < 0.5 ? { kind: "const", value: HOSTILE[Math.floor(next() * HOSTILE.length)] } : value;
  const flags = next() < 0.5 ? HOSTILE[Math.floor(next() * HOSTILE.length)] : call.flags.value;
  return {
    ...call,
    flags: { ...call.flags, value: flags === null || Number.isNaN(flags) ? null : flags },
    fd: { ...call.fd, pipeSizeBytes: pick(call.fd.pipeSizeBytes) },
    readBefore: call.readBefore ? { ...call.readBefore, length: pick(call.readBefore.length)! } : null,
    iov: {
      ...call.iov,
      nrSegs: pick(call.iov.nrSegs) ?? call.iov.nrSegs,
      segments:
        call.iov.segments?.map((segment) => ({
          ...segment,
          offset: pick(segment.offset)!,
          length: pick(segment.length)!,
          repeat: segment.repeat ? { count: pick(segment.repeat.count)!, start: pick(segment.repeat.start)! } : null,
          buffer: segment.buffer
            ? { ...segment.buffer, size: pick(segment.buffer.size), alignment: pick(segment.buffer.alignment) }
            : null,
        })) ?? null,
    },
  };
}

function check(calls: VmspliceCall[], index: number, label: string, failures: string[]): void {
  for (const kernel of KERNEL_MODELS) {
    let text = "";
    try {
      const replay = replayCallSite(calls, index, { kernel, pageSize: 4096, trace: "summary" });
      text = replay.scenarioText;
      const problems = parseScenario(text).diagnostics;
      const errors = replay.result.steps.filter((step) => step.error).map((step) => `line ${step.line}: ${step.error}`);
      if (problems.length || errors.length)
        failures.push(`${label} ${kernel}: ${JSON.stringify([...problems, ...errors])}\n${text}`);
    } catch (error) {
      failures.push(`${label} ${kernel}: threw ${error instanceof Error ? error.message : String(error)}\n${text}`);
    }
  }
}

test("every fixture and sample call, and seeded mutations of its facts, replay into a scenario that parses and runs", async () => {
  const parser = await createCParser();
  const failures: string[] = [];
  let replayed = 0;
  const files = [...cFiles(path.join(root, "test", "fixtures")), ...cFiles(path.join(root, "samples"))];
  for (const [fileIndex, file] of files.entries()) {
    const text = readFileSync(file, "utf8");
    const tree = parser.parse(text);
    assert.ok(tree);
    const calls = extractFacts(tree, text).calls;
    const label = path.relative(root, file);
    for (let index = 0; index < calls.length; index++) {
      check(calls, index, `${label} call ${index}`, failures);
      replayed++;
      for (let mutation = 0; mutation < MUTATIONS; mutation++) {
        const seed = fileIndex * 7919 + index * 104729 + mutation;
        const next = random(seed);
        const mutated = calls.map((call, position) => (position === index ? mutate(call, next) : call));
        check(mutated, index, `${label} call ${index} (seed ${seed})`, failures);
      }
    }
    tree.delete();
  }
  assert.ok(replayed > 300, `only ${replayed} calls replayed`);
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} replays failed`);
});
