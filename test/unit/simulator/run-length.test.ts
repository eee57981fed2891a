// Run-length summaries (issue 12): the text table and the summary JSON list runs of pages, chunks and moves; expanding
// the runs again gives exactly the per-page replay.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  compactReplay,
  parseScenario,
  runScenario,
  toCompactReplayJson,
  toReplayJson,
  toRunLengthJson,
  toText,
} from "../../../server/src/simulator/index";
import type { ReplayJson, TraceEvent } from "../../../server/src/simulator/index";

const directory = path.resolve(__dirname, "../../../samples/scenarios");

function replay(file: string, kernel: "rfc-v2" | "mainline-6.x"): ReplayJson {
  const { scenario } = parseScenario(readFileSync(path.join(directory, file), "utf8"));
  return toReplayJson(scenario, runScenario(scenario, { kernel, trace: "summary" }), { site: { file, line: 1 } });
}

/** Expands a run-length replay back into one entry per page, chunk and move. */
function expand(compact: ReturnType<typeof toRunLengthJson>): ReplayJson {
  const size = compact.pageSize;
  const plus = (value: number | null, by: number) => (value === null ? null : value + by);
  const times = <T>(count: number, make: (index: number) => T) =>
    Array.from({ length: count }, (_, index) => make(index));
  return {
    ...compact,
    pages: compact.pages.flatMap(({ count, ...page }) =>
      times(count, (index) => ({
        ...page,
        index: page.index + index,
        writerPfn: plus(page.writerPfn, index),
        readerPfn: plus(page.readerPfn, index),
        writerAddress: plus(page.writerAddress, index * size),
        readerAddress: plus(page.readerAddress, index * size),
      })),
    ),
    steps: compact.steps.map((step) => ({
      ...step,
      events: step.events.flatMap((event): TraceEvent[] => {
        if (event.kind !== "move") return [event];
        const { count, ...move } = event;
        return times(count ?? 1, (index) => ({
          ...move,
          pfn: move.pfn + index,
          dstVaddr: move.dstVaddr + index * size,
        }));
      }),
      chunks: step.chunks.flatMap(({ count, ...chunk }) =>
        times(count, (index) => ({
          ...chunk,
          pfn: chunk.pfn + index,
          slot: plus(chunk.slot, index),
          bufferId: plus(chunk.bufferId, index),
          destinationPfn: plus(chunk.destinationPfn, index),
          sourceAddress: plus(chunk.sourceAddress, index * size),
          destinationAddress: plus(chunk.destinationAddress, index * size),
          origin: chunk.origin && { ...chunk.origin, vaddr: chunk.origin.vaddr + index * size },
        })),
      ),
    })),
  };
}

for (const file of ["G01.vmsim", "G32.vmsim", "X02-ring-buffer-reuse.vmsim"]) {
  for (const kernel of ["rfc-v2", "mainline-6.x"] as const) {
    test(`${file} under ${kernel}: the run-length summary expands to the per-page replay`, () => {
      const full = replay(file, kernel);
      assert.deepEqual(JSON.parse(JSON.stringify(expand(toRunLengthJson(full)))), JSON.parse(JSON.stringify(full)));
    });
  }
}

test("G01's four moved pages are one run in the text and in the summary JSON", () => {
  const json = replay("G01.vmsim", "rfc-v2");
  const text = toText(json);
  assert.match(text, /move PFN 4097\u20134100 to R 0x10005000\u20130x10008000 \(4 pages\)/);
  assert.match(text, /\n {2}0\u20133 {2}moved {12}4096/);
  const compact = toRunLengthJson(json);
  assert.equal(compact.pages.length, 1);
  assert.equal(compact.pages[0].count, 4);
});

// The CLI builds text and summary JSON from page runs made while the pages are made (no per-page list is kept): they
// must equal the runs of the full page list, with and without a writer-line filter.
for (const file of ["G01.vmsim", "G07.vmsim", "G32.vmsim", "X02-ring-buffer-reuse.vmsim"]) {
  for (const kernel of ["rfc-v2", "mainline-6.x"] as const) {
    test(`${file} under ${kernel}: page runs built directly equal the runs of the full page list`, () => {
      const { scenario } = parseScenario(readFileSync(path.join(directory, file), "utf8"));
      const result = runScenario(scenario, { kernel, trace: "summary" });
      const full = toReplayJson(scenario, result, { site: { file, line: 1 } });
      const direct = toCompactReplayJson(scenario, result, { site: { file, line: 1 } });
      assert.deepEqual(direct, compactReplay(full));
      assert.ok(direct.pages.length > 0);
      const writerLines = [full.steps.find((step) => step.role === "writer")!.line];
      const filtered = toCompactReplayJson(scenario, result, { site: { file, line: 1 }, writerLines });
      assert.deepEqual(
        filtered,
        compactReplay(toReplayJson(scenario, result, { site: { file, line: 1 }, writerLines })),
      );
    });
  }
}
