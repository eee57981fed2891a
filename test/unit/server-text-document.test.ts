// LensDocument keeps positions and offsets identical to vscode-languageserver-textdocument's TextDocument through
// random edits, including CRLF, lone CR and non-ASCII text, and clamps out-of-range positions the same way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TextDocument } from "vscode-languageserver-textdocument";
import { LensDocument } from "../../server/src/protocol/text-document";

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pieces = ["a", "\n", "\r\n", "\r", "é😀", "int x;\n", "", "\n\n", "\r\r\n", "  "];

test("random edits keep LensDocument in step with TextDocument", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const next = random(seed);
    let initial = "";
    for (let index = 0; index < 30; index++) initial += pieces[Math.floor(next() * pieces.length)];
    let reference = TextDocument.create("file:///t.c", "c", 1, initial);
    const document = new LensDocument("file:///t.c", "c", 1, initial);
    let last = -1;
    for (let round = 0; round < 60; round++) {
      const length = reference.getText().length;
      // Half of the edits near the last one, as keystrokes on one line come (the line starts after them shift alike).
      const a =
        last >= 0 && next() < 0.5 ? Math.min(length, last + Math.floor(next() * 3)) : Math.floor(next() * (length + 1));
      last = a;
      const b = Math.min(length, a + Math.floor(next() * 5));
      const range = { start: reference.positionAt(a), end: reference.positionAt(b) };
      const text = pieces[Math.floor(next() * pieces.length)];
      reference = TextDocument.update(reference, [{ range, text }], round + 2);
      document.applyChange(range, text);
      // Pieces are read before getText() joins them.
      const whole = reference.getText();
      let chunked = "";
      for (let index = 0; index < whole.length;) {
        const chunk = document.chunkAt(index);
        assert.ok(chunk.length > 0, `chunkAt(${index}) is empty before the end`);
        chunked += chunk;
        index += chunk.length;
      }
      assert.equal(chunked, whole, `chunks, seed ${seed} round ${round}`);
      assert.equal(document.chunkAt(whole.length), "");
      assert.equal(document.slice(a, a + 7), whole.slice(a, a + 7));
      assert.equal(document.nulCount, 0);
      assert.equal(document.getText(), reference.getText(), `seed ${seed} round ${round}`);
      assert.equal(document.lineCount, reference.lineCount, `line count, seed ${seed} round ${round}`);
      for (let offset = 0; offset <= document.getText().length; offset++) {
        assert.deepEqual(
          document.positionAt(offset),
          reference.positionAt(offset),
          `positionAt(${offset}), seed ${seed} round ${round}`,
        );
      }
      for (let line = 0; line < reference.lineCount + 1; line++) {
        for (const character of [0, 1, 2, 1000]) {
          assert.equal(
            document.offsetAt({ line, character }),
            reference.offsetAt({ line, character }),
            `offsetAt(${line}:${character}), seed ${seed} round ${round}`,
          );
        }
      }
    }
  }
});

test("clamping matches TextDocument for negative and huge positions, and full replacement works", () => {
  const text = "ab\r\ncd\n";
  const reference = TextDocument.create("file:///t.c", "c", 1, text);
  const document = new LensDocument("file:///t.c", "c", 1, text);
  for (const position of [
    { line: -1, character: 0 },
    { line: 0, character: -5 },
    { line: 99, character: 0 },
    { line: 1, character: 99 },
  ]) {
    assert.equal(document.offsetAt(position), reference.offsetAt(position), JSON.stringify(position));
  }
  assert.deepEqual(document.positionAt(-3), reference.positionAt(-3));
  assert.deepEqual(document.positionAt(999), reference.positionAt(999));
  document.applyChange(undefined, "x\ny");
  assert.equal(document.lineCount, 2);
  assert.deepEqual(document.positionAt(3), { line: 1, character: 1 });
});
