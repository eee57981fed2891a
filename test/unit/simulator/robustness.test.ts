// Random programs assembled from the golden scenarios' own statements (a fixed seed, so every run is the same) must
// never make the simulator throw: kernel BUGs, hazards and scenario mistakes are results, not exceptions.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseScenario, runScenario } from "../../../server/src/simulator/index";
import type { KernelModel } from "../../../server/src/simulator/index";

const directory = path.resolve(__dirname, "../../../samples/scenarios");
const statements = readdirSync(directory)
  .filter((name) => name.endsWith(".vmsim"))
  .flatMap((name) => readFileSync(path.join(directory, name), "utf8").split("\n"))
  .filter((line) => (/^\w+: /.test(line) && !/ mmap | fork /.test(line)) || line.startsWith("close "));
const processes = ["W", "R", "C", "Old", "New", "Producer", "Consumer", "T"];
const mappingNames = [
  "p",
  "q",
  "r",
  "p1",
  "p2",
  "q1",
  "q2",
  "buf",
  "ram",
  "ram2",
  "ring",
  "in",
  "msg",
  "s",
  "h",
  "t",
  "above",
];
const header = [
  'scenario F "random program"',
  ...processes.map((name) => `process ${name}`),
  ...["fds", "a", "b", "c", "d", "other", "big"].map((name) => `pipe ${name}`),
  "file data 64K 'F'",
  "file data2 P 'F'",
  "file x P 0",
  ...processes.flatMap((process) =>
    mappingNames.map((name) => `${process}: mmap ${name} 4P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS`),
  ),
  "W: fill p pattern",
  "R: fill q 0xEE",
  "W: open f x O_RDWR",
  "W: open in data O_RDONLY",
];

describe("simulator robustness", () => {
  test("300 random programs from golden statements run under every model without throwing", () => {
    let seed = 2026;
    const random = (limit: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % limit;
    };
    let runs = 0;
    for (let round = 0; round < 300; round++) {
      const body = Array.from({ length: 12 }, () => statements[random(statements.length)]);
      const { scenario, diagnostics } = parseScenario([...header, ...body].join("\n") + "\n");
      if (diagnostics.length) continue;
      for (const kernel of ["rfc-v2", "mainline-6.x", "mainline-3.12"] as KernelModel[]) {
        assert.doesNotThrow(() => runScenario(scenario, { kernel }), `${kernel}:\n${body.join("\n")}`);
        runs++;
      }
    }
    assert.ok(runs > 600, `only ${runs} programs parsed`);
  });
});
