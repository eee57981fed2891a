/**
 * The live item table (engine/live-items.ts) against a fresh ItemTable of the text after each edit: over seeded random
 * edits of every sample and fixture (inside function bodies, across them, in the gaps between items), every edit it
 * takes must leave it answering each question exactly as a table made from the new text would: the items, substring
 * and whole-word occurrences of the file's own identifiers and of new ones, non-ASCII per item, rows and columns, and
 * the included ranges of random kept sets. An edit it refuses is always safe (the engine starts a new table), but it
 * must take most edits inside bodies, and many others by lexing the span around them again, or it would be worth
 * nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { LiveItems } from "../../server/src/engine/live-items";
import { ItemTable } from "../../server/src/engine/regions";
import { StringText } from "../../server/src/engine/source-text";
import { random } from "./engine-support";
import { listC } from "./fixture-markers";

const root = path.resolve(__dirname, "..", "..");

const INSERTS = [
  "x",
  "buf",
  " ",
  "\n",
  "\n\n",
  "{",
  "}",
  "{ int q; }",
  ";",
  "/*",
  "*/",
  '"',
  "'",
  "#if 0\n",
  "é",
  "//",
  "splice",
  "vmsplice(a, b, 1, 0);",
];

function compare(live: LiveItems, text: string, names: readonly string[], next: () => number, context: string): void {
  const fresh = new ItemTable(text);
  assert.ok(fresh.items, `${context}: the lexer is unsure of a text the live table took`);
  assert.equal(live.length, text.length, context);
  assert.deepEqual(live.items, fresh.items, `${context}: items`);
  for (const name of names) {
    assert.deepEqual(live.occurrences(name), fresh.occurrences(name), `${context}: occurrences of ${name}`);
    assert.deepEqual(live.wholeOccurrences(name), fresh.wholeOccurrences(name), `${context}: whole ${name}`);
  }
  const items = fresh.items;
  for (const item of items)
    assert.equal(
      live.hasNonAscii(item.start, item.end),
      fresh.hasNonAscii(item.start, item.end),
      `${context}: non-ASCII`,
    );
  for (let probe = 0; probe < 20; probe++) {
    const offset = Math.floor(next() * (text.length + 1));
    assert.deepEqual(live.point(offset), fresh.point(offset), `${context}: point of ${offset}`);
    assert.equal(live.charCodeAt(offset), text.charCodeAt(offset), `${context}: character at ${offset}`);
  }
  const start = Math.floor(next() * text.length);
  assert.equal(live.slice(start, start + 300), text.slice(start, start + 300), `${context}: slice`);
  const kept = Uint8Array.from(items, () => (next() < 0.3 ? 1 : 0));
  assert.deepEqual(live.includedRanges(items, kept), fresh.includedRanges(items, kept), `${context}: included ranges`);
  const name = names[Math.floor(next() * names.length)];
  if (name)
    assert.deepEqual(live.view(kept).occurrences(name, 50), fresh.view(kept).occurrences(name, 50), `${context}: view`);
}

test("a live item table answers as a fresh table of the edited text, over random edits of every sample and fixture", (t) => {
  const files = [...listC(path.join(root, "samples")), ...listC(path.join(root, "test", "fixtures"))];
  const next = random(Number(process.env.VMSPLICE_LENS_SEED ?? 9090));
  let taken = 0;
  let insideBodies = 0;
  let takenInside = 0;
  let structural = 0;
  for (const file of files) {
    let text = readFileSync(file, "utf8");
    let live = LiveItems.of(text);
    if (!live) {
      assert.equal(new ItemTable(text).items, null, `${file}: a table the lexer is sure of was refused`);
      continue;
    }
    const names = [...new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])]
      .slice(0, 12)
      .concat(["bufx", "qq", "splice"]);
    for (let round = 0; round < 8; round++) {
      const items = live.items ?? [];
      const bodies = items.filter((item) => item.body !== undefined);
      let start: number;
      if (bodies.length > 0 && next() < 0.8) {
        const item = bodies[Math.floor(next() * bodies.length)];
        start = item.body! + 1 + Math.floor(next() * Math.max(1, item.end - item.body! - 2));
      } else start = Math.floor(next() * (text.length + 1));
      const end = Math.min(text.length, start + (next() < 0.6 ? 0 : 1 + Math.floor(next() * 6)));
      const inserted = next() < 0.3 ? "" : INSERTS[Math.floor(next() * INSERTS.length)];
      const after = text.slice(0, start) + inserted + text.slice(end);
      const inside = bodies.some((item) => start > item.body! && end <= item.end - 1);
      insideBodies += inside ? 1 : 0;
      const item = live.edit(
        { startIndex: start, oldEndIndex: end, newEndIndex: start + inserted.length },
        new StringText(after),
      );
      text = after;
      const context = `${path.relative(root, file)} round ${round}: [${start}, ${end}) -> ${JSON.stringify(inserted)}`;
      if (!item) {
        live = LiveItems.of(text);
        if (!live) break;
        continue;
      }
      taken++;
      takenInside += inside && !item.structural ? 1 : 0;
      structural += item.structural ? 1 : 0;
      // Only an edit inside one body may leave the items as they were (the span lexed again otherwise).
      if (!item.structural) assert.ok(inside, `${context}: an edit outside every body was taken as a body edit`);
      compare(live, text, names, next, context);
    }
  }
  t.diagnostic(
    `${taken} edits taken: ${takenInside} of ${insideBodies} inside bodies as body edits, ${structural} by lexing a span again`,
  );
  assert.ok(structural > 50, `only ${structural} edits taken by lexing a span again`);
  assert.ok(taken > 300, `only ${taken} edits taken`);
  assert.ok(takenInside > insideBodies / 3, `only ${takenInside} of ${insideBodies} edits inside bodies taken`);
});
