/**
 * Property: a large file read with project headers through its unit's live item table (engine.ts `extractLive` with a
 * unit) gives, after every edit, what a fresh engine reading the same text with the same headers gives (the whole unit
 * parsed). Every sample and fixture is opened with a header that defines a flags macro, a wrapper macro and an inline
 * helper, and edited at random (mostly inside function bodies, where the table follows the edit, sometimes anywhere),
 * with snippets that use the header's names, so the headers' part of the unit is read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Engine } from "../../server/src/engine/engine";
import { ItemTables } from "../../server/src/engine/regions";
import { newCParser } from "../../server/src/parsing/parser";
import type { UnitHeader } from "../../server/src/analysis/unit";
import { analysisJson, newEngine, random } from "./engine-support";
import { listC } from "./fixture-markers";

const root = path.resolve(__dirname, "..", "..");

const HEADER: UnitHeader = {
  file: "/project/include/lens.h",
  text: [
    "#define LENS_GIFT (SPLICE_F_GIFT | SPLICE_F_MOVE)",
    "#define LENS_SEND(fd, iov) vmsplice((fd), (iov), 1, LENS_GIFT)",
    "static inline long lens_page(void) { return 4096; }",
    "",
  ].join("\n"),
  // Found by searching include/ directories: every call that reads the header says so (engine.ts heuristicReads),
  // which places the header's part of the unit.
  heuristic: true,
  chain: ["main.c", "lens.h"],
};

const SNIPPETS = [
  "vmsplice(fds[1], &iov, 1, LENS_GIFT);",
  "LENS_SEND(fds[1], &iov);",
  "long n = lens_page();",
  "fork();",
  "memset(buf, 0, 100);",
  "x",
  ";",
  "\n",
  "}",
  "{",
  "/*",
];

test("live unit reductions equal a fresh unit analysis after random edits of every sample and fixture", async (t) => {
  await newEngine();
  const options = { kernel: "rfc-v2" as const, pageSize: 4096 as const, maxFileSize: 1 << 26 };
  const live = new Engine(newCParser, false, Number.POSITIVE_INFINITY, new ItemTables(), 0);
  const fresh = new Engine(newCParser);
  const next = random(Number(process.env.VMSPLICE_LENS_SEED ?? 4242));
  const files = [...listC(path.join(root, "samples")), ...listC(path.join(root, "test", "fixtures"))];
  let compared = 0;
  for (const [index, file] of files.entries()) {
    const uri = `/project/${index}/${path.basename(file)}`;
    // Flags from the header's macro: their definition, and findings about them, lie in the header's part of the unit.
    let text = readFileSync(file, "utf8").replaceAll("SPLICE_F_GIFT | SPLICE_F_MOVE", "LENS_GIFT");
    live.setText(uri, text);
    live.setHeaders(uri, [HEADER]);
    for (let round = 0; round < 3; round++) {
      const bodies = [...text.matchAll(/\)\s*\{\n/g)].map((match) => (match.index ?? 0) + match[0].length);
      const at =
        bodies.length > 0 && next() < 0.8
          ? bodies[Math.floor(next() * bodies.length)] + Math.floor(next() * 40)
          : Math.floor(next() * (text.length + 1));
      const start = Math.min(at, text.length);
      const end = Math.min(text.length, start + (next() < 0.7 ? 0 : 1 + Math.floor(next() * 5)));
      const inserted = SNIPPETS[Math.floor(next() * SNIPPETS.length)];
      text = text.slice(0, start) + inserted + text.slice(end);
      live.setText(uri, text);
      const actual = live.analysis(uri, options);
      fresh.close(uri);
      fresh.setText(uri, text);
      fresh.setHeaders(uri, [HEADER]);
      const expected = fresh.analysis(uri, options);
      const context = `${path.relative(root, file)} round ${round}: [${start}, ${end}) -> ${JSON.stringify(inserted)}`;
      assert.equal(analysisJson(actual), analysisJson(expected), context);
      // Where the header sits in the unit: moved with each edit of the file, as a fresh composition places it.
      if (actual.analysed && expected.analysed) assert.deepEqual(actual.unit, expected.unit, `${context}: unit layout`);
      compared++;
    }
    live.close(uri);
    fresh.close(uri);
  }
  const { reduced, reductionFallbacks, liveEdits } = live.statistics;
  t.diagnostic(
    `${compared} analyses compared; ${reduced} from live unit reductions, ${reductionFallbacks} fell back; ` +
      `the table followed ${liveEdits} edits`,
  );
  assert.ok(liveEdits >= compared / 8, `the live table followed only ${liveEdits} edits`);
  assert.ok(reduced >= compared / 6, `only ${reduced} live unit reductions in ${compared} analyses`);
});
