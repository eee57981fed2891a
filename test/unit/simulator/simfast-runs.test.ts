// Runs instead of per-page objects in the simulator (issue 12, the 1 GiB `simulate` row): zapped pages as ranges,
// `iov1(p,K)` as one iovec run, and the compact page list built from stretches. Each must behave as the per-page form did.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { PageRanges } from "../../../server/src/simulator/page-ranges";
import { iovecRunsOf } from "../../../server/src/simulator/iovec-runs";
import { parseScenario } from "../../../server/src/simulator/parse";
import type { Command } from "../../../server/src/simulator/types";

/** A small deterministic generator (no Math.random in tests). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe("PageRanges", () => {
  test("answers as a Set of page addresses over runs, gaps, joins, repeats and unaligned probes", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = lcg(seed);
      const ranges = new PageRanges(4096);
      const set = new Set<number>();
      for (let step = 0; step < 2000; step++) {
        // Runs going up (the common case), jumps back, repeats of pages already in.
        const page = random() < 0.7 ? set.size : Math.floor(random() * 3000);
        const address = 0x10000000 + page * 4096;
        ranges.add(address);
        set.add(address);
      }
      for (let page = -5; page < 3100; page++) {
        const address = 0x10000000 + page * 4096;
        assert.equal(ranges.has(address), set.has(address), `seed ${seed}, page ${page}`);
        assert.equal(ranges.has(address + 100), false, `seed ${seed}, inside page ${page}`);
      }
    }
  });

  test("a page between two ranges joins them", () => {
    const ranges = new PageRanges(4096);
    ranges.add(0);
    ranges.add(8192);
    assert.equal(ranges.has(4096), false);
    ranges.add(4096);
    for (const address of [0, 4096, 8192]) assert.equal(ranges.has(address), true);
    assert.equal(ranges.has(12288), false);
  });
});

describe("iovec runs", () => {
  const header = 'scenario T "t"\nprocess W\npipe fds\nW: mmap p 8P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS\n';
  const vmsplice = (line: string): Extract<Command, { kind: "vmsplice" }> => {
    const { scenario, diagnostics } = parseScenario(`${header}${line}\n`);
    assert.deepEqual(diagnostics, []);
    const command = scenario.steps[scenario.steps.length - 1].command;
    assert.equal(command.kind, "vmsplice");
    return command as Extract<Command, { kind: "vmsplice" }>;
  };

  test("iov1(p+1P,3) is one run whose array equals the three literal iovecs", () => {
    const helper = vmsplice("W: vmsplice fds[1] iov1(p+1P,3) G|M");
    const literal = vmsplice("W: vmsplice fds[1] [p+1P,P] [p+2P,P] [p+3P,P] G|M");
    assert.deepEqual(helper.iovecs, literal.iovecs);
    assert.equal(JSON.stringify(helper), JSON.stringify(literal));
    assert.deepEqual(
      iovecRunsOf(helper)?.map((run) => run.count),
      [3],
    );
    assert.deepEqual(
      iovecRunsOf(literal)?.map((run) => run.count),
      [1, 1, 1],
    );
  });

  test("runs mixed with literals keep their order; assigning the array replaces the runs", () => {
    const command = vmsplice("W: vmsplice fds[1] [p,100] iov1(p+2P,2) iov1(p,0) [p+5P,P] 0");
    assert.deepEqual(
      command.iovecs?.map((iovec) => [iovec.base?.offset.bytes, iovec.base?.offset.pages, iovec.length.pages]),
      [
        [0, 0, 0],
        [0, 2, 1],
        [0, 3, 1],
        [0, 5, 1],
      ],
    );
    command.iovecs = command.iovecs!.slice(0, 1);
    assert.equal(command.iovecs.length, 1);
    assert.deepEqual(
      iovecRunsOf(command)?.map((run) => run.count),
      [1],
    );
  });
});
