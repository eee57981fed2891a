// Runs every golden scenario of spec section 6 (samples/scenarios/*.vmsim) under each kernel model it names and
// asserts that every `expect` line holds: return values, errno, per-page outcomes, bytes, pipe state and rule ids.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { checkExpectations, parseScenario, runScenario } from "../../../server/src/simulator/index";

const directory = path.resolve(__dirname, "../../../samples/scenarios");
const files = readdirSync(directory)
  .filter((name) => name.endsWith(".vmsim"))
  .sort();

describe("golden scenarios (spec section 6)", () => {
  test("all 36 golden scenarios exist", () => {
    for (let index = 1; index <= 36; index++) {
      const name = `G${String(index).padStart(2, "0")}.vmsim`;
      assert.ok(files.includes(name), `${name} is missing`);
    }
  });

  for (const file of files) {
    const text = readFileSync(path.join(directory, file), "utf8");
    const { scenario, diagnostics } = parseScenario(text);
    test(`${file} parses without diagnostics`, () => {
      assert.deepEqual(diagnostics, []);
    });
    for (const kernel of scenario.models) {
      test(`${file} under ${kernel}`, () => {
        const result = runScenario(scenario, { kernel });
        const verdicts = checkExpectations(scenario, result);
        assert.ok(verdicts.length > 0, `${file} has no expectation for ${kernel}`);
        const failures = verdicts
          .filter((verdict) => !verdict.passed)
          .map((verdict) => `line ${verdict.line}: ${verdict.text} -> ${verdict.actual}`);
        assert.deepEqual(failures, []);
        for (const step of result.steps) assert.equal(step.error, null, `line ${step.line}: ${step.error}`);
      });
    }
  }
});

describe("golden scenarios with summary traces", () => {
  // Summary traces drop bookkeeping events; every expectation must still be decided the same way.
  for (const file of files) {
    const { scenario } = parseScenario(readFileSync(path.join(directory, file), "utf8"));
    test(`${file} passes with trace=summary under every model`, () => {
      for (const kernel of scenario.models) {
        const failures = checkExpectations(scenario, runScenario(scenario, { kernel, trace: "summary" })).filter(
          (verdict) => !verdict.passed,
        );
        assert.deepEqual(failures, [], kernel);
      }
    });
  }
});
