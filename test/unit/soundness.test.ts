/**
 * Soundness traps: inputs built to make a text-matching or path-collapsing analyzer say `move` where the kernel copies or
 * where the outcome depends on the run, and true moves written in unusual spellings that a careful analyzer must still
 * find. Each file in test/fixtures/soundness/ carries `verdict:` markers (rfc-v2, 4096 unless a marker says otherwise).
 *
 * Part of `npm test` (unit tier); alone: `node --import tsx --test test/unit/soundness.test.ts`.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createCParser, parseC } from "../../server/src/parsing/parser";
import { analyzeTree } from "../../server/src/analysis/analyze";
import { readMarkers } from "./fixture-markers";

const dir = path.resolve(__dirname, "../fixtures/soundness");
const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
  .filter((name) => name.endsWith(".c"))
  .sort();

describe("soundness traps and true moves", () => {
  for (const name of files) {
    test(name, async () => {
      const parser = await createCParser();
      const text = readFileSync(path.join(dir, name), "utf8");
      const tree = parseC(parser, text);
      assert.ok(tree);
      try {
        const { markers, problems } = readMarkers(tree);
        assert.deepEqual(problems, []);
        const verdicts = markers.filter((marker) => marker.kind === "verdict");
        assert.ok(verdicts.length > 0, "a soundness fixture must say which verdict it expects");
        for (const marker of verdicts) {
          const analysis = analyzeTree(tree, text, marker.options);
          const call = analysis.calls.find((item) => item.call.range.start.line === marker.line);
          assert.ok(call, `no call on line ${marker.line + 1}`);
          assert.equal(
            call.verdict,
            marker.values[0],
            `line ${marker.line + 1} (${marker.options.kernel}@${marker.options.pageSize}): missing ${JSON.stringify(call.missing)}`,
          );
          if (call.verdict === "unknown")
            assert.ok(call.missing.length > 0, "an unknown verdict names what is missing");
        }
      } finally {
        tree.delete();
        parser.delete();
      }
    });
  }
});
