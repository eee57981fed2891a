/**
 * Property over every fixture and sample (the rule above all rules): taking a deciding fact away from a `move` never
 * leaves it `move`. For each writer call that moves a page, two hazards are inserted right before the statement that
 * holds the call, each with a prototype at the top of the file and no definition anywhere:
 *
 * - `lens_hazard_touch(BUF);` hands the gifted buffer to a function the analyzer cannot read (it may leave the page
 *   untouched, unmap it or drop it);
 * - `lens_hazard_spawn();` calls a function the program declares and no file defines (it may fork, sharing the filled
 *   page copy-on-write with a child).
 *
 * The call must then have no `move` page: `unknown`, naming the hazard, or a definite non-move. Checked with the engine
 * alone (one file, no project), under rfc-v2 at 4096-byte pages. Test code: reads files; the analyzer stays pure.
 * Alone: `node --import tsx --test test/unit/hazard-property.test.ts`.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Node } from "web-tree-sitter";
import { Engine, type LocatedCallAnalysis } from "../../server/src/engine/engine";
import { loadCLanguage, newParser } from "../../server/src/parsing/parser";
import { listC } from "./fixture-markers";

const root = path.resolve(__dirname, "..", "..");
const files = [...listC(path.join(root, "test", "fixtures")), ...listC(path.join(root, "samples"))];
const OPTIONS = { kernel: "rfc-v2", pageSize: 4096 } as const;
const PROTOTYPES = "void lens_hazard_touch(const void *p);\nvoid lens_hazard_spawn(void);\n";

function analyse(engine: Engine, key: string, text: string): LocatedCallAnalysis[] {
  engine.setText(key, text);
  return engine.analysis(key, OPTIONS).calls;
}

/** The statement of a block that holds the node: where a statement can be inserted before it. */
function statementOf(node: Node): Node | null {
  let current: Node | null = node;
  while (current?.parent && current.parent.type !== "compound_statement") current = current.parent;
  return current?.parent ? current : null;
}

/** A writer call's gifted buffer as a plain identifier (a name the hazard can be handed), or null. */
function bufferName(call: LocatedCallAnalysis): string | null {
  for (const segment of call.call.iov.segments ?? []) {
    const name = segment.buffer?.name ?? "";
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name;
  }
  return null;
}

describe("property: a hazard the analyzer cannot see, put before a move, leaves no move", () => {
  before(async () => {
    await loadCLanguage();
  });
  test("every moving writer call of every fixture and sample, with each hazard", () => {
    const engine = new Engine(newParser);
    const problems: string[] = [];
    let checked = 0;
    try {
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        const calls = analyse(engine, file, text);
        const tree = engine.tree(file);
        if (!tree) continue;
        const sites = calls.flatMap((call, index) => {
          if (
            call.call.fd.direction !== "to-pipe" ||
            !call.segments.some((s) => s.pageOutcomes.some((p) => p.verdict === "move"))
          )
            return [];
          const node = tree.rootNode.descendantForIndex(call.call.range.startIndex);
          const statement = node ? statementOf(node) : null;
          return statement ? [{ index, at: statement.startIndex, buffer: bufferName(call) }] : [];
        });
        for (const site of sites) {
          const hazards = [...(site.buffer ? [`lens_hazard_touch(${site.buffer}); `] : []), "lens_hazard_spawn(); "];
          for (const hazard of hazards) {
            const mutated = PROTOTYPES + text.slice(0, site.at) + hazard + text.slice(site.at);
            const after = analyse(engine, `${file}#hazard`, mutated)[site.index];
            checked++;
            const moving = after?.segments.some((s) => s.pageOutcomes.some((p) => p.verdict === "move"));
            if (!after || moving)
              problems.push(`${path.relative(root, file)} call ${site.index + 1} with ${hazard.trim()}: still moves`);
          }
        }
      }
    } finally {
      engine.dispose();
    }
    assert.ok(checked > 20, `only ${checked} hazards were checked`);
    assert.deepEqual(problems, []);
  });
});
