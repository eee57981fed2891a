/**
 * engine/body-edit.ts: which edits are proven to stay inside one top-level function's body without reparsing the file.
 * An edit in the body whose function still parses alone as one function is; an edit before the body, in a file with
 * errors, or one that makes the function's text end early, open a comment or a string, or add a second item is not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCParser, parseC } from "../../server/src/parsing/parser";
import { functionHoldingEdit, parsesAsOneFunction } from "../../server/src/engine/body-edit";

const FILE = `#include <unistd.h>

static int first(int x)
{
    int y = x * 2;
    return y;
}

int second(int fd)
{
    return write(fd, "a", 1) < 0;
}
`;

/** The item the edit falls in (null: not proven), after inserting `text` at the offset after `anchor`. */
async function proven(source: string, anchor: string, text: string, remove = 0): Promise<string | null> {
  const parser = await createCParser();
  const tree = parseC(parser, source);
  assert.ok(tree);
  try {
    const at = source.indexOf(anchor) + anchor.length;
    const edit = {
      startIndex: at,
      oldEndIndex: at + remove,
      newEndIndex: at + text.length,
      startPosition: { row: 0, column: 0 },
      oldEndPosition: { row: 0, column: 0 },
      newEndPosition: { row: 0, column: 0 },
    };
    const item = functionHoldingEdit(tree, edit);
    if (!item) return null;
    const after = source.slice(0, at) + text + source.slice(at + remove);
    const itemText = after.slice(item.start, item.end + text.length - remove);
    return parsesAsOneFunction(parser, itemText) ? itemText : null;
  } finally {
    tree.delete();
    parser.delete();
  }
}

test("an edit inside a function's body that keeps it one function is proven, with the function's new text", async () => {
  assert.equal(
    await proven(FILE, "int y = x", " + 1"),
    "static int first(int x)\n{\n    int y = x + 1 * 2;\n    return y;\n}",
  );
  assert.ok(await proven(FILE, "return write(fd, ", "fd + 0, "));
  assert.ok(await proven(FILE, "    return y;\n", "    if (y) { y--; }\n"));
});

test("edits before the body, between items or in a file with errors are not", async () => {
  assert.equal(await proven(FILE, "static int fir", "x"), null);
  assert.equal(await proven(FILE, "int second(int fd", ", int z"), null);
  assert.equal(await proven(FILE, "#include <unistd.h>\n", "int g;\n"), null);
  assert.equal(await proven(FILE.replace("return y;", "return y"), "int y = x", " + 1"), null);
});

test("edits that end the function early, open a comment or a string, or add an item are not", async () => {
  assert.equal(await proven(FILE, "int y = x * 2;\n", "}\n"), null);
  assert.equal(await proven(FILE, "int y = x * 2;\n", "/* "), null);
  assert.equal(await proven(FILE, "int y = x * 2;\n", '"'), null);
  assert.equal(await proven(FILE, "int y = x * 2;\n", "#if 0\n"), null);
  assert.equal(await proven(FILE, "    return y;\n", "}\nint z;\nint h(void) {\n"), null);
});

test("a comment opened where it also parses as operators is not: a later comment's end would close it", async () => {
  // `x /* 2` alone parses as `x / *2`, one function without errors; in the file, second()'s comment closes it.
  const file = FILE.replace('return write(fd, "a", 1) < 0;', 'return write(fd, "a", 1) < 0; /* short write */');
  assert.equal(await proven(file, "int y = x ", "/"), null);
  assert.ok(await proven(file, "int y = x ", "+ 1 "), "an edit that opens nothing is still proven");
});
