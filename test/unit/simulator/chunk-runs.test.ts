// Chunk records kept as runs (issue 12): a step's `chunks` reads back exactly the per-page records the kernel made.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseScenario, runScenario } from "../../../server/src/simulator/index";
import type { ChunkRecord, TraceEvent } from "../../../server/src/simulator/index";
import {
  attachChunks,
  attachEvents,
  chunkAt,
  chunkRunsOf,
  eventRunsOf,
  foldChunks,
  foldEvents,
} from "../../../server/src/simulator/chunk-runs";

const directory = path.resolve(__dirname, "../../../samples/scenarios");

function steps(file: string, kernel: "rfc-v2" | "mainline-6.x") {
  const { scenario } = parseScenario(readFileSync(path.join(directory, file), "utf8"));
  return runScenario(scenario, { kernel, trace: "full" }).steps;
}

for (const file of ["G01.vmsim", "G07.vmsim", "X02-ring-buffer-reuse.vmsim"]) {
  for (const kernel of ["rfc-v2", "mainline-6.x"] as const) {
    test(`${file} under ${kernel}: folding and reading back a step's chunks gives the same records`, () => {
      for (const step of steps(file, kernel)) {
        // Fresh copies, so the comparison does not lean on the objects the runs share.
        const records: ChunkRecord[] = JSON.parse(JSON.stringify(step.chunks));
        const runs = foldChunks(records, 4096);
        assert.equal(
          runs.reduce((sum, run) => sum + run.count, 0),
          records.length,
        );
        const holder = { chunks: [] as ChunkRecord[] };
        attachChunks(holder, runs, 4096);
        assert.deepEqual(holder.chunks, records);
        assert.equal(JSON.stringify(holder), JSON.stringify({ chunks: records }));
        assert.deepEqual(chunkRunsOf(holder), runs);
      }
    });
  }
}

test("G01's four gifted pages are kept as one writer run and one reader run", () => {
  const all = steps("G01.vmsim", "rfc-v2");
  const writer = all.find((step) => step.chunks.some((chunk) => chunk.side === "writer"))!;
  const reader = all.find((step) => step.chunks.some((chunk) => chunk.side === "reader"))!;
  for (const step of [writer, reader]) {
    assert.equal(step.chunks.length, 4);
    assert.deepEqual(
      chunkRunsOf(step).map((run) => run.count),
      [4],
    );
    assert.equal(chunkAt(chunkRunsOf(step)[0], 3, 4096).pfn, step.chunks[0].pfn + 3);
  }
  // Assigning a plain array replaces the runs.
  writer.chunks = [];
  assert.deepEqual(writer.chunks, []);
  assert.deepEqual(chunkRunsOf(writer), []);
});

for (const file of ["G01.vmsim", "G32.vmsim", "X02-ring-buffer-reuse.vmsim"]) {
  for (const trace of ["full", "summary"] as const) {
    test(`${file}, ${trace} trace: folding and reading back a step's events gives the same events`, () => {
      const { scenario } = parseScenario(readFileSync(path.join(directory, file), "utf8"));
      for (const step of runScenario(scenario, { kernel: "rfc-v2", trace }).steps) {
        const events: TraceEvent[] = JSON.parse(JSON.stringify(step.events));
        const holder = { events: [] as TraceEvent[] };
        attachEvents(holder, foldEvents(events, 4096), 4096);
        assert.deepEqual(holder.events, events);
        assert.equal(JSON.stringify(holder), JSON.stringify({ events }));
      }
    });
  }
}

test("G01's four moves to the reader are kept as one run in a summary trace", () => {
  const { scenario } = parseScenario(readFileSync(path.join(directory, "G01.vmsim"), "utf8"));
  const reader = runScenario(scenario, { kernel: "rfc-v2", trace: "summary" }).steps.find((step) =>
    step.events.some((event) => event.kind === "move"),
  )!;
  const moves = eventRunsOf(reader).filter((run) => run.first.kind === "move");
  assert.deepEqual(
    moves.map((run) => run.count),
    [4],
  );
  assert.equal(reader.events.filter((event) => event.kind === "move").length, 4);
});
