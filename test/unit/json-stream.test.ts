/**
 * The CLI's streamed JSON (cli/json-stream.ts) is the text JSON.stringify(value, null, 2) gives, in bounded chunks.
 * Alone: `node --import tsx --test test/unit/json-stream.test.ts`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeJson } from "../../server/src/cli/json-stream";
import { main } from "../../server/src/cli/main";

function streamed(value: unknown): { text: string; chunks: number[] } {
  const chunks: string[] = [];
  writeJson(value, (text) => chunks.push(text));
  return { text: chunks.join(""), chunks: chunks.map((chunk) => chunk.length) };
}

/** A small deterministic generator (xorshift) so failures replay. */
function randomValue(seed: number): unknown {
  let state = seed || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const make = (depth: number): unknown => {
    const pick = next();
    if (depth > 4 || pick < 0.3) {
      const leaves = [
        0,
        -1.5,
        1e21,
        NaN,
        Infinity,
        true,
        false,
        null,
        "",
        'a"b\\\\c\n\u2028',
        "x".repeat(5),
        undefined,
      ];
      return leaves[Math.floor(next() * leaves.length)];
    }
    if (pick < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => make(depth + 1));
    const object: Record<string, unknown> = {};
    for (let index = Math.floor(next() * 4); index > 0; index--) object[`k${index}"${depth}`] = make(depth + 1);
    if (next() < 0.1) object.toJSON = () => ({ replaced: depth });
    if (next() < 0.1) object.skipped = () => 1;
    return object;
  };
  return make(0);
}

test("writeJson gives JSON.stringify's text for random values, toJSON and skipped members included", () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const value = randomValue(seed);
    const expected = JSON.stringify(value, null, 2);
    assert.equal(streamed(value).text, expected === undefined ? "\n" : `${expected}\n`, `seed ${seed}`);
  }
});

test("writeJson hands large values on in chunks of bounded size", () => {
  const value = { files: Array.from({ length: 20000 }, (_, index) => ({ path: `f${index}.c`, calls: [index] })) };
  const { text, chunks } = streamed(value);
  assert.equal(text, JSON.stringify(value, null, 2) + "\n");
  assert.ok(chunks.length > 10);
  assert.ok(Math.max(...chunks) < 2 * 65536 + 1024, `largest chunk ${Math.max(...chunks)}`);
});

test("check --format json and sarif are whole JSON documents written in pieces", async () => {
  for (const format of ["json", "sarif"]) {
    const pieces: string[] = [];
    const code = await main(
      ["check", "--format", format, "samples"],
      (text) => pieces.push(text),
      () => {},
    );
    assert.ok(code === 0 || code === 1);
    const parsed = JSON.parse(pieces.join("")) as object;
    assert.equal(pieces.join(""), JSON.stringify(parsed, null, 2) + "\n");
  }
});
