// Unit tests of the oracle's comparison (oracle/lib/compare.ts): hand-written kernel observations (PFNs as the guest
// reports them) against the simulator's real rfc-v2 replay of the same scenario. No guest is booted here.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario, runScenario } from "../../server/src/simulator/index";
import { compareScenario, kernelRows, runLength } from "../../oracle/lib/compare";
import type { ScenarioObservation, StepObservation } from "../../oracle/lib/serial";

const text = [
  'scenario T3 "compare fixture"',
  "process W",
  "process R",
  "pipe fds",
  "W: mmap p 2P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS",
  "W: fill p pattern",
  "R: mmap q 2P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS",
  "R: fill q 0xEE",
  "W: vmsplice fds[1] iov1(p,2) G|M",
  "R: vmsplice fds[0] iovB(q,2P) M",
  "R: mmap buf P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS",
  "W: write fds[1] data 4096 'X'",
  "R: read fds[0] buf P",
].join("\n");
const { scenario } = parseScenario(text);
const model = runScenario(scenario, { kernel: "rfc-v2", pageSize: 4096 });

function step(
  index: number,
  process: string,
  command: string,
  returned: number,
  before: Record<string, number[]>,
  after: Record<string, number[]>,
): StepObservation {
  return {
    index,
    process,
    command,
    returned,
    errno: null,
    blocked: false,
    signal: null,
    rss: null,
    thp: null,
    before,
    after,
    problem: null,
  };
}

/** What the patched kernel shows for this scenario: W's frames 100 and 101 end up in R's q; R's old frame 200 is freed and recycled for buf. */
function observation(): ScenarioObservation {
  return {
    id: "T3",
    steps: [
      step(7, "W", "vmsplice", 8192, { p: [100, 101] }, { p: [-1, -1] }),
      step(8, "R", "vmsplice", 8192, { q: [200, 201] }, { q: [100, 101] }),
      step(10, "W", "write", 4096, { p: [-1, -1] }, { p: [-1, -1] }),
      step(11, "R", "read", 4096, { q: [100, 101], buf: [-1] }, { q: [100, 101], buf: [200] }),
    ],
    finals: [
      { process: "W", rssAnon: 0, maps: { p: { data: ["00*4096", "00*4096"], pfn: [7, 7] } } },
      {
        process: "R",
        rssAnon: 0,
        maps: { q: { data: ["10*4096", "11*4096"], pfn: [100, 101] }, buf: { data: ["58*4096"], pfn: [200] } },
      },
    ],
    exits: [
      {
        process: "R",
        kernelLines: [
          { kind: "rss-counter", text: "BUG: Bad rss-counter state", counter: { type: "MM_ANONPAGES", value: -2 } },
        ],
      },
      { process: "W", kernelLines: [] },
    ],
    kernelLines: [],
    ended: true,
  };
}

describe("compareScenario", () => {
  test("an observation matching the model has no differences, and PFN identity names each move's origin", () => {
    const comparison = compareScenario(scenario, model, observation(), 7);
    assert.deepEqual(comparison.differences, []);
    const reader = comparison.steps.find((row) => row.index === 8);
    assert.deepEqual(reader?.kernel?.moved, ["q[0]<-W:p[0]", "q[1]<-W:p[1]"]);
    assert.deepEqual(comparison.steps.find((row) => row.index === 7)?.kernel?.zapped, ["p[0]", "p[1]"]);
    assert.deepEqual(comparison.rss, [
      { process: "R", kernelValue: -2, modelMoved: 2 },
      { process: "W", kernelValue: 0, modelMoved: 0 },
    ]);
  });

  test("a frame recycled by a later fault is not mistaken for a move", () => {
    const comparison = compareScenario(scenario, model, observation(), 7);
    assert.deepEqual(comparison.steps.find((row) => row.index === 11)?.kernel?.moved, []);
  });

  test("a copy where the model moves is a difference on that call", () => {
    const observed = observation();
    observed.steps[1] = step(8, "R", "vmsplice", 8192, { q: [200, 201] }, { q: [200, 201] });
    const differences = compareScenario(scenario, model, observed, 7).differences;
    assert.deepEqual(
      differences.map((difference) => [difference.line, difference.what, difference.kernel]),
      [[10, "moved pages", "none"]],
    );
  });

  test("a different return value and different final bytes are differences", () => {
    const observed = observation();
    observed.steps[0] = step(7, "W", "vmsplice", 4096, { p: [100, 101] }, { p: [-1, 101] });
    observed.finals[0].maps.p.data[1] = "11*4096";
    const whats = compareScenario(scenario, model, observed, 7).differences.map((difference) => difference.what);
    assert.ok(whats.includes("outcome"), whats.join(", "));
    assert.ok(whats.includes("zapped pages"), whats.join(", "));
    assert.ok(whats.includes("final bytes W p[1]"), whats.join(", "));
  });

  test("a setup step that fails only in the guest is a difference", () => {
    const observed = observation();
    observed.steps.unshift({
      ...step(3, "W", "mmap", 0, {}, {}),
      returned: null,
      errno: "ENOMEM",
      before: null,
      after: null,
    });
    const differences = compareScenario(scenario, model, observed, 7).differences;
    assert.deepEqual(
      differences.map((difference) => [difference.line, difference.what, difference.kernel]),
      [[5, "setup step", "errno ENOMEM"]],
    );
  });

  test("a transparent huge page split the model does not make is a difference", () => {
    const observed = observation();
    observed.steps[0] = { ...step(7, "W", "vmsplice", 8192, { p: [100, 101] }, { p: [-1, -1] }), thp: [2048, 0] };
    const differences = compareScenario(scenario, model, observed, 7).differences;
    assert.deepEqual(
      differences.map((difference) => [difference.what, difference.kernel, difference.model]),
      [["transparent huge page split", "true", "false"]],
    );
  });

  test("a scenario the guest did not finish is a difference", () => {
    const observed = observation();
    observed.ended = false;
    assert.ok(
      compareScenario(scenario, model, observed, 7).differences.some(
        (difference) => difference.what === "scenario end",
      ),
    );
  });
});

describe("kernelRows", () => {
  test("the control kernel's copies show neither zaps nor moves", () => {
    const observed = observation();
    observed.steps[0] = step(7, "W", "vmsplice", 8192, { p: [100, 101] }, { p: [100, 101] });
    observed.steps[1] = step(8, "R", "vmsplice", 8192, { q: [200, 201] }, { q: [200, 201] });
    const rows = kernelRows(scenario, observed, 4096, 7);
    assert.deepEqual(
      rows.map((row) => [row.index, row.kernel?.zapped.length, row.kernel?.moved.length]),
      [
        [7, 0, 0],
        [8, 0, 0],
        [10, 0, 0],
        [11, 0, 0],
      ],
    );
  });
});

describe("runLength", () => {
  test("writes runs in the guest's format", () => {
    const bytes = new Uint8Array(4096).fill(0xee);
    bytes.fill(0x10, 100);
    assert.equal(runLength(bytes), "ee*100,10*3996");
  });
});
