/**
 * The analyzer and the simulator are two readings of one specification; this test holds them to each other.
 * For every sample call that the analyzer decides (move or copy under rfc-v2 at 4096) and whose replay pairs it with the
 * ideal counterpart (no real peer in the file, so both answer the same question), the replayed pages must agree:
 * analyzer "move" means every delivered page moved, "copy" means none did (or nothing was delivered at all).
 * Known modelling difference, excluded by rule: VMS-KSM (the analyzer assumes ksmd merged the page; the replay does not run ksmd).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { createCParser } from "../../server/src/parsing/parser";
import { extractFacts, judgeCalls } from "../../server/src/analysis/analyze";
import { replayCallSite } from "../../server/src/simulator/replay";

const root = path.resolve(__dirname, "..", "..");

test("analyzer verdicts agree with call-site replays against the ideal counterpart", async () => {
  const parser = await createCParser();
  const disagreements: string[] = [];
  let compared = 0;
  for (const dir of ["samples", "test/fixtures/real-world"]) {
    for (const name of readdirSync(path.join(root, dir))
      .filter((item) => item.endsWith(".c"))
      .sort()) {
      const file = path.join(dir, name);
      const text = readFileSync(path.join(root, file), "utf8");
      const tree = parser.parse(text);
      assert.ok(tree);
      const facts = extractFacts(tree, text);
      const analysis = judgeCalls(facts, { kernel: "rfc-v2", pageSize: 4096 });
      analysis.calls.forEach((call, index) => {
        if (call.verdict !== "move" && call.verdict !== "copy") return;
        if (call.rules.includes("VMS-KSM")) return;
        const replay = replayCallSite(facts.calls, index, { kernel: "rfc-v2", pageSize: 4096, file });
        if (!replay.json.assumptions.some((assumption) => assumption.includes("added the ideal"))) return;
        if (call.call.fd.direction === "unknown" || call.call.fd.kind === "not-pipe") return;
        const pages = replay.json.pages.filter((page) => page.outcome !== "not-delivered");
        const moved = pages.filter((page) => page.outcome === "moved").length;
        const replayed =
          pages.length === 0 ? "copy" : moved === pages.length ? "move" : moved === 0 ? "copy" : "partial";
        compared++;
        if (replayed !== call.verdict)
          disagreements.push(
            `${file}:${call.call.range.start.line + 1}: analyzer ${call.verdict}, replay ${replayed} (${moved}/${pages.length} moved)`,
          );
      });
      tree.delete();
    }
  }
  parser.delete();
  assert.ok(compared >= 40, `only ${compared} calls compared`);
  assert.deepEqual(disagreements, []);
});
