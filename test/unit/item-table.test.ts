/**
 * One item table per text (issue 12, engine/regions.ts `ItemTable`, engine/identifier-runs.ts): the reductions read a
 * large text through its table instead of building each round's blanked copy and scanning it per name. What they are
 * given must be what the blanked copy gives, on every fixture and sample, a large generated file and seeded random
 * choices of the items kept:
 * - a tree parsed from the whole text within the included ranges equals the tree of the blanked text (same node
 *   types, ranges and points, same text under every node);
 * - `ReducedView.occurrences` equals syntax.ts `wordOccurrences` over the blanked text, for every limit tried;
 * - whole-identifier occurrences from the identifier runs equal a search of the text;
 * - included ranges and the skeleton's ranges equal those counted without the table;
 * and the CLI lexes a large file once although its project summary, its skeleton and the engine all read it.
 * Alone: `node --import tsx --test test/unit/item-table.test.ts`.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Node, Parser, Tree } from "web-tree-sitter";
import {
  blankItems,
  includedRanges,
  ItemTable,
  ItemTables,
  reducedView,
  skeleton,
  skeletonRanges,
} from "../../server/src/engine/regions";
import { IdentifierRuns, indexable } from "../../server/src/engine/identifier-runs";
import { wordOccurrences } from "../../server/src/analysis/syntax";
import { createCParser } from "../../server/src/parsing/parser";
import { CheckSession, CLI_REDUCE_ABOVE } from "../../server/src/cli/check-session";
import { corpusFiles, ROOT } from "../fuzz/campaign";
import { generateC } from "../../bench/keystroke";

let parser: Parser;
const corpus = corpusFiles().map((file) => ({ file, text: readFileSync(path.join(ROOT, file), "utf8") }));
const large = { file: "large.c", text: generateC(6_000, 3, 9) };

before(async () => {
  parser = await createCParser();
});

/** A seeded generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every node's type, range, points and text, in document order. */
function shape(tree: Tree): string[] {
  const lines: string[] = [];
  const visit = (node: Node) => {
    const { startPosition: from, endPosition: to } = node;
    lines.push(
      `${node.type} ${node.startIndex}-${node.endIndex} ${from.row}:${from.column}-${to.row}:${to.column} ${node.childCount === 0 ? JSON.stringify(node.text) : ""}`,
    );
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return lines;
}

/** Names to search: identifiers of the text (a few per file), a name absent from it and a non-name. */
function namesOf(text: string, pick: () => number): string[] {
  const all = [...new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])];
  const names = ["vmsplice", "no_such_name_anywhere", "x y", "0x10"];
  for (let count = 0; count < 12 && all.length > 0; count++) names.push(all[Math.floor(pick() * all.length)]);
  return names;
}

describe("an item table answers what the blanked text answers", () => {
  test("trees, name occurrences and ranges, on every fixture and sample and a large file", () => {
    const pick = random(2026);
    let compared = 0;
    for (const { file, text } of [...corpus, large]) {
      const table = new ItemTable(text);
      const items = table.items;
      if (!items || items.length === 0) continue;
      for (let trial = 0; trial < 3; trial++) {
        const kept: Uint8Array = new Uint8Array(items.length);
        for (let index = 0; index < items.length; index++) kept[index] = pick() < 0.4 ? 1 : 0;
        for (let index = 0; index < items.length; index++)
          if (table.hasNonAscii(items[index].start, items[index].end)) kept[index] = 1;
        const view = reducedView(table, kept);
        const blanked = blankItems(text, items, kept);
        assert.equal(view.blanked(), blanked);
        assert.deepEqual(view.ranges, includedRanges(text, items, kept), `${file}: ranges`);
        if (view.ranges.length > 0) {
          const fromText = parser.parse(view.text, null, { includedRanges: view.ranges });
          const fromBlanked = parser.parse(blanked, null, { includedRanges: view.ranges });
          assert.ok(fromText && fromBlanked);
          assert.deepEqual(shape(fromText), shape(fromBlanked), `${file}: tree (trial ${trial})`);
          fromText.delete();
          fromBlanked.delete();
        }
        for (const name of namesOf(text, pick))
          for (const limit of [1, 3, 10_000])
            assert.deepEqual(
              view.occurrences(name, limit),
              wordOccurrences(blanked, name, limit),
              `${file}: ${name} (limit ${limit})`,
            );
        compared++;
      }
      assert.deepEqual(skeletonRanges(table), skeleton(text)?.ranges ?? null, `${file}: skeleton`);
    }
    assert.ok(compared > corpus.length, `compared ${compared}`);
  });

  test("identifier runs give a name's whole occurrences as a search of the text does", () => {
    const pick = random(7);
    const search = (text: string, word: string) => {
      const found: number[] = [];
      for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
        const before = at > 0 ? text.charCodeAt(at - 1) : 32;
        const after = text.charCodeAt(at + word.length);
        const identifier = (code: number) => code < 128 && /[A-Za-z0-9_]/.test(String.fromCharCode(code));
        if (!identifier(before) && !identifier(after)) found.push(at);
      }
      return found;
    };
    for (const { file, text } of [...corpus.slice(0, 80), large, { file: "edges.c", text: "a_1 é_b a_1\na_1" }]) {
      const runs = new IdentifierRuns(text);
      const table = new ItemTable(text);
      for (const name of [...namesOf(text, pick), "a_1", "b"].filter(indexable)) {
        assert.deepEqual(runs.occurrences(name), search(text, name), `${file}: ${name}`);
        assert.deepEqual(table.wholeOccurrences(name), search(text, name), `${file}: ${name} (table)`);
      }
    }
  });

  test("the tables of a session are shared by content and only the last few are kept", () => {
    const tables = new ItemTables(2);
    const text = "int a;\nint b;\n";
    const first = tables.of(text);
    assert.equal(tables.of(`int a;\n${"int b;\n"}`), first, "equal content, other string");
    tables.of("int c;\n");
    tables.of("int d;\n");
    assert.notEqual(tables.of(text), first, "evicted after two others");
    assert.equal(tables.made, 4);
  });
});

describe("the CLI lexes a large file once", () => {
  test("its project's summary, its skeleton and the engine's reduction share one table", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-item-table-"));
    try {
      const file = path.join(dir, "big.c");
      const text = generateC(4_000, 2, 3);
      assert.ok(text.length > CLI_REDUCE_ABOVE);
      writeFileSync(file, text);
      const session = new CheckSession(
        {
          kernel: "rfc-v2",
          pageSize: 4096,
          format: "json",
          maxFileSize: 1 << 26,
          project: null,
          includePaths: [],
          compileCommands: null,
          singleFile: false,
          indexDir: null,
          cache: false,
          shard: null,
        },
        "test",
      );
      try {
        const classified = session.classify(file);
        assert.equal(classified.kind, "candidate");
        if (classified.kind !== "candidate") return;
        const report = session.analyse(file, classified.bytes);
        assert.ok(report.analysis.calls.length > 0, "the generated calls are found");
        assert.equal(session.lexedTexts, 1);
      } finally {
        session.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
