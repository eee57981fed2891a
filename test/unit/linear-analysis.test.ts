/**
 * Linear analysis (issue 10, point 3): the extractor's climbs and lookups cost what the input holds, not its depth times
 * its size, and the judge shares the verdicts of identical iovec entries. Speed itself lives in `npm run bench`
 * (bench/linear.ts, ratios against a baseline of the same run); these tests count the operations that made analysis
 * quadratic (web-tree-sitter's O(depth) `Node.parent`, one text scan of a name per call, one judgement per iovec entry)
 * on the reproducers of the fixed fuzz classes in test/fuzz/findings/, and check that the shortcuts give the same
 * answers as the slow paths they replace.
 * Alone: `node --import tsx --test test/unit/linear-analysis.test.ts`.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Node, TreeCursor, type Parser, type Tree } from "web-tree-sitter";
import { nearest, parentOf, releaseAncestry, retainAncestry } from "../../server/src/analysis/ancestry";
import { extractFacts, judgeCalls } from "../../server/src/analysis/analyze";
import { blockSteps, FileIndex } from "../../server/src/analysis/scope";
import { PipeCreations } from "../../server/src/analysis/pipe-creations";
import { createCParser } from "../../server/src/parsing/parser";
import { corpusFiles, ROOT } from "../fuzz/campaign";
import { FINDINGS_DIR } from "../fuzz/known-failures";
import { Rng } from "../fuzz/random";
import { deepNesting, longExpression, manyCalls } from "../../bench/linear";

let parser: Parser;

function parse(text: string): Tree {
  const tree = parser.parse(text);
  assert.ok(tree);
  return tree;
}

function finding(name: string): string {
  return readFileSync(path.join(FINDINGS_DIR, name), "utf8");
}

/** Every node of a tree in document order (a cursor walk, which never asks for a parent). */
function allNodes(tree: Tree): Node[] {
  const nodes: Node[] = [];
  const cursor = tree.rootNode.walk();
  try {
    for (;;) {
      nodes.push(cursor.currentNode);
      if (cursor.gotoFirstChild()) continue;
      for (;;) {
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return nodes;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** Counts reads of a getter on a prototype while `run` runs (`weight`: what one read counts, from its value). */
function countGetter<T>(
  prototype: object,
  name: string,
  run: () => T,
  weight: (value: unknown) => number = () => 1,
): { result: T; count: number } {
  const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
  assert.ok(descriptor?.get, `${name} is a getter`);
  const getter = descriptor.get;
  let count = 0;
  Object.defineProperty(prototype, name, {
    ...descriptor,
    get(this: unknown) {
      const value: unknown = getter.call(this);
      count += weight(value);
      return value;
    },
  });
  try {
    return { result: run(), count };
  } finally {
    Object.defineProperty(prototype, name, descriptor);
  }
}

/** Counts calls of a method on a prototype while `run` runs. */
function countMethod<T>(prototype: object, name: string, run: () => T): { result: T; count: number } {
  const original = Object.getOwnPropertyDescriptor(prototype, name);
  assert.ok(original && typeof original.value === "function");
  const method = original.value as (...args: unknown[]) => unknown;
  let count = 0;
  Object.defineProperty(prototype, name, {
    ...original,
    value: function (this: unknown, ...args: unknown[]) {
      count++;
      return method.apply(this, args);
    },
  });
  try {
    return { result: run(), count };
  } finally {
    Object.defineProperty(prototype, name, original);
  }
}

/** Counts `FileIndex.identifierNodes` text scans per name while `run` runs (a cached answer is not a scan). */
function countNameScans<T>(run: () => T): { result: T; scans: Map<string, number> } {
  const original = Object.getOwnPropertyDescriptor(FileIndex.prototype, "wordOccurrences");
  assert.ok(original?.value);
  const scan = original.value as FileIndex["wordOccurrences"];
  const scans = new Map<string, number>();
  FileIndex.prototype.wordOccurrences = function (this: FileIndex, name: string, limit?: number) {
    scans.set(name, (scans.get(name) ?? 0) + 1);
    return scan.call(this, name, limit);
  };
  try {
    return { result: run(), scans };
  } finally {
    Object.defineProperty(FileIndex.prototype, "wordOccurrences", original);
  }
}

describe("parent map", () => {
  before(async () => {
    parser = await createCParser();
  });

  test("gives tree-sitter's parent for every node of the corpus and of broken variants of it", () => {
    const rng = new Rng(11);
    const files = corpusFiles().filter((_, index) => index % 4 === 0);
    for (const file of files) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      // The file, and a copy with a few characters deleted or brackets inserted (ERROR and MISSING nodes).
      const chars = [...text];
      for (let edit = 0; edit < 4 && chars.length > 0; edit++) {
        const at = rng.int(chars.length);
        if (rng.chance(0.5)) chars.splice(at, 1);
        else chars.splice(at, 0, rng.pick(["(", ")", "{", "}", ";", ","]));
      }
      for (const variant of [text, chars.join("")]) {
        const tree = parse(variant);
        try {
          const nodes = allNodes(tree);
          const expected = nodes.map((node) => node.parent?.id ?? null);
          retainAncestry(tree);
          try {
            const mapped = nodes.map((node) => parentOf(node)?.id ?? null);
            assert.deepEqual(mapped, expected, file);
            for (const node of nodes) {
              let function_: Node | null = node;
              while (function_ && function_.type !== "function_definition") function_ = function_.parent;
              assert.equal(nearest(node, "function")?.id ?? null, function_?.id ?? null, `${file}: ${node.type}`);
            }
          } finally {
            releaseAncestry(tree);
          }
        } finally {
          tree.delete();
        }
      }
    }
  });

  test("answers from tree-sitter for a tree nobody retained, and after the last release", () => {
    const tree = parse("int f(void) { return (1 + 2); }\n");
    try {
      const literal = tree.rootNode.descendantForIndex(22, 23);
      const { count: unretained } = countGetter(Node.prototype, "parent", () => parentOf(literal));
      assert.equal(unretained, 1);
      retainAncestry(tree);
      retainAncestry(tree);
      releaseAncestry(tree);
      const { count: retained } = countGetter(Node.prototype, "parent", () => parentOf(literal));
      assert.equal(retained, 0, "still retained once");
      releaseAncestry(tree);
      const { count: released } = countGetter(Node.prototype, "parent", () => parentOf(literal));
      assert.equal(released, 1);
    } finally {
      tree.delete();
    }
  });
});

describe("linear extraction", () => {
  before(async () => {
    parser ??= await createCParser();
  });

  for (const [name, text] of [
    ["hang-nested-braces.c (20 calls in 2000 nested blocks)", () => finding("hang-nested-braces.c")],
    ["hang-nested-global-uses.c (a global read through 700 nested ?:)", () => finding("hang-nested-global-uses.c")],
    ["a 20,000-term expression", () => longExpression(20_000)],
    ["2000 nested blocks and a global read through 500 nested ?:", () => deepNesting(2000)],
  ] as const) {
    test(`${name}: no Node.parent and no TreeCursor.currentDepth (each O(depth) in web-tree-sitter)`, () => {
      const tree = parse(text());
      try {
        const depth = countGetter(TreeCursor.prototype, "currentDepth", () =>
          countGetter(Node.prototype, "parent", () => extractFacts(tree, text())),
        );
        assert.ok(depth.result.result.calls.length > 0);
        assert.equal(depth.result.count, 0, "Node.parent reads");
        assert.equal(depth.count, 0, "TreeCursor.currentDepth reads");
      } finally {
        tree.delete();
      }
    });
  }

  test("hang-many-splice-field-fds.c: 600 splice() calls through c->pipe[1] scan the field names once", () => {
    const text = finding("hang-many-splice-field-fds.c");
    const tree = parse(text);
    try {
      const { result, scans } = countNameScans(() => extractFacts(tree, text));
      assert.equal(result.splices.length, 0, "the descriptors are struct members nobody assigns: not known pipes");
      assert.ok((scans.get("pipe") ?? 0) <= 2, `pipe scanned ${scans.get("pipe")} times`);
      assert.ok((scans.get("file") ?? 0) <= 2, `file scanned ${scans.get("file")} times`);
    } finally {
      tree.delete();
    }
  });

  for (const [name, text] of [
    ["2000 calls on one pipe array in one function", () => manyCalls(2000)],
    [
      "hang-many-calls-iovec-array.c (2000 calls of a two-entry iovec array)",
      () => finding("hang-many-calls-iovec-array.c"),
    ],
    ["hang-many-calls-loop-body.c (2000 calls in a loop body)", () => finding("hang-many-calls-loop-body.c")],
    [
      "hang-many-calls-loop-stores.c (2000 calls in a loop body that sets the iovec)",
      () => finding("hang-many-calls-loop-stores.c"),
    ],
    [
      "hang-many-calls-through-parameter.c (2000 calls through an iovec parameter)",
      () => finding("hang-many-calls-through-parameter.c"),
    ],
  ] as const)
    test(`${name}: names scanned and blocks listed a bounded number of times, no Node.parent read`, () => {
      const tree = parse(text());
      try {
        const children = countGetter(
          Node.prototype,
          "namedChildren",
          () => countGetter(Node.prototype, "parent", () => countNameScans(() => extractFacts(tree, text()))),
          (value) => (value as unknown[]).length,
        );
        const parents = children.result;
        const { result, scans } = parents.result;
        assert.equal(result.calls.length, 2000);
        for (const [scanned, count] of scans) assert.ok(count <= 4, `${scanned} scanned ${count} times`);
        assert.equal(parents.count, 0, "Node.parent reads");
        // Node.namedChildren lists every statement of a block: once per block, not once per call (quadratic: millions).
        assert.ok(children.count < 100 * 2000, `${children.count} children listed`);
      } finally {
        tree.delete();
      }
    });

  test("hang-many-calls-error-region.c (3000 calls in an ERROR region): names scanned and nodes read a bounded number of times", () => {
    // Fuzz seed 7, iteration 3860 (without its NUL byte): functionMacro was not cached, so each call scanned every
    // occurrence of its callee again, and clip() flattened the whole ERROR region's text for each message (15 s).
    const text = finding("hang-many-calls-error-region.c");
    const tree = parse(text);
    try {
      const types = countGetter(Node.prototype, "type", () => countNameScans(() => extractFacts(tree, text)));
      const { result, scans } = types.result;
      assert.ok(result.calls.length >= 3000, `${result.calls.length} calls`);
      for (const [scanned, count] of scans) assert.ok(count <= 4, `${scanned} scanned ${count} times`);
      // Node types read: a bounded number per call, not one per occurrence of the callee per call (millions).
      assert.ok(types.count < 400 * 3000, `${types.count} node types read`);
    } finally {
      tree.delete();
    }
  });

  test("many functions, each with its own pipe array of the same name: the arrays' identities are found once per array", () => {
    // Each function's `fds` is another array (identity by declaration): finding the pipe() call of each must not look
    // at every other function's pipe() call again (quadratic: 2000 functions took 91 s).
    const file = (functions: number) =>
      "#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sys/uio.h>\n#include <unistd.h>\n" +
      Array.from(
        { length: functions },
        (_, index) =>
          `int f${index}(char *p) { int fds[2]; if (pipe(fds) < 0) return 1; struct iovec v = { p, 4096 }; ` +
          `return vmsplice(fds[1], &v, 1, SPLICE_F_GIFT) < 0; }\n`,
      ).join("");
    const keys = (functions: number) => {
      const text = file(functions);
      const tree = parse(text);
      try {
        const counted = countMethod(PipeCreations.prototype, "arrayKey", () => extractFacts(tree, text));
        assert.equal(counted.result.calls.length, functions);
        assert.ok(counted.result.calls.every((call) => call.fd.direction === "to-pipe"));
        return counted.count;
      } finally {
        tree.delete();
      }
    };
    const small = keys(100);
    const large = keys(400);
    assert.ok(large <= 5 * small, `array identities: ${small} for 100 functions, ${large} for 400 (linear: 4x)`);
  });

  test("a fill under N nested operators and N gifts of the buffer, N = 100 and 400: the tree reads grow linearly", () => {
    // Fuzz seed 6161, iteration 57087: a read() under 2000 nested `!` and 3000 calls gifting its buffer took 16 s,
    // because whether the read runs on every path to a call climbed its 2000 ancestors again for each call. The
    // branches above a write are now found once per write.
    const source = (copies: number, depth = copies) =>
      [
        "#define _GNU_SOURCE",
        "#include <fcntl.h>",
        "#include <sys/mman.h>",
        "#include <sys/uio.h>",
        "#include <unistd.h>",
        "int main(void)",
        "{",
        "    int fds[2];",
        "    if (pipe(fds) < 0)",
        "        return 1;",
        "    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);",
        `    if (${"!".repeat(depth)}read(0, buf, 4096)) return 1;`,
        "    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };",
        ...Array.from({ length: copies }, () => "    vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);"),
        "    return 0;",
        "}",
      ].join("\n");
    const reads = (copies: number) => {
      const text = source(copies);
      const tree = parse(text);
      try {
        const counted = countGetter(Node.prototype, "type", () => extractFacts(tree, text));
        assert.equal(counted.result.calls.length, copies);
        return counted.count;
      } finally {
        tree.delete();
      }
    };
    const small = reads(100);
    const large = reads(400);
    assert.ok(large <= 6 * small, `${small} node types read for N = 100, ${large} for N = 400 (linear: 4x)`);
  });

  test("every escapes fixture with its call copied 100 and 400 times: the tree reads grow linearly", () => {
    // Fuzz seed 4242, iteration 5626: 3000 copies of a call on a pipe array that an alias writes through on one path
    // listed the array's clobbers (every call of the function, asking each whether it makes a pipe) once per call,
    // 256 s. The clobbers of an array are now listed once per function; each use only walks its paths.
    const dir = path.join(ROOT, "test", "fixtures", "soundness", "escapes");
    const files = readdirSync(dir).filter((name) => name.endsWith(".c"));
    assert.ok(files.length >= 20, `${files.length} fixtures`);
    for (const file of files) {
      const source = readFileSync(path.join(dir, file), "utf8");
      const reads = (copies: number) => {
        const probe = parse(source);
        let text: string;
        try {
          const call = allNodes(probe).find(
            (node) => node.type === "call_expression" && node.childForFieldName("function")?.text === "vmsplice",
          );
          assert.ok(call, `${file} calls vmsplice`);
          let statement = call;
          while (statement.parent && statement.parent.type !== "compound_statement") statement = statement.parent;
          const copy = Array.from({ length: copies }, () => `${call.text};`).join("\n");
          text = source.slice(0, statement.endIndex) + "\n" + copy + source.slice(statement.endIndex);
        } finally {
          probe.delete();
        }
        const tree = parse(text);
        try {
          const counted = countGetter(Node.prototype, "type", () => extractFacts(tree, text));
          assert.ok(counted.result.calls.length > copies, `${file}: ${counted.result.calls.length} calls`);
          return counted.count;
        } finally {
          tree.delete();
        }
      };
      const small = reads(100);
      const large = reads(400);
      assert.ok(large <= 6 * small, `${file}: ${small} node types read for 100 copies, ${large} for 400 (linear: 4x)`);
    }
  });

  test("calls nested in an ERROR region, each assigning the descriptor the next one reads: tree reads grow linearly", () => {
    // Fuzz seed 2026, iteration 2523: 1,000 copies of `vmsplice(fd = vmsplice(fd, iov, n, flags);` (a missing `)`) nest
    // each call inside the previous one. Every use of fd walked every earlier definition and climbed the whole nesting
    // to ask whether it was conditional (63 s); now the last definitions are walked back and each climb is kept.
    const file = (copies: number) =>
      "#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sys/uio.h>\n" +
      "long f(int fd, struct iovec *iov, unsigned n, unsigned flags)\n{\n    long ret;\n    if (n > 1) {\n" +
      "        ret = vmsplice(fd = vmsplice(fd, iov, n, flags);\n" +
      Array.from({ length: copies }, () => "vmsplice(fd = vmsplice(fd, iov, n, flags);\n").join("") +
      "    } else {\n        ret = vmsplice(fd, iov, n, flags);\n    }\n    return ret;\n}\n";
    const reads = (copies: number) => {
      const text = file(copies);
      const tree = parse(text);
      try {
        const counted = countGetter(Node.prototype, "type", () => extractFacts(tree, text));
        assert.ok(counted.result.calls.length > 2 * copies, `${counted.result.calls.length} calls`);
        return counted.count;
      } finally {
        tree.delete();
      }
    };
    const small = reads(100);
    const large = reads(400);
    assert.ok(large <= 6 * small, `${small} node types read for 100 copies, ${large} for 400 (linear: 4x)`);
  });

  test("a path lookup visits the statements that hold a definition or the use, and the block's last one", () => {
    const rng = new Rng(5);
    for (let round = 0; round < 2000; round++) {
      // Sorted, non-overlapping statements (siblings), some of zero width as MISSING nodes are.
      const starts: number[] = [];
      const ends: number[] = [];
      let offset = rng.int(3);
      const count = rng.int(12);
      for (let index = 0; index < count; index++) {
        const width = rng.chance(0.15) ? 0 : 1 + rng.int(6);
        starts.push(offset);
        ends.push(offset + width);
        offset += width + rng.int(3);
      }
      const candidateStarts = Array.from({ length: rng.int(5) }, () => rng.int(offset + 2)).sort((a, b) => a - b);
      const useStart = rng.int(offset + 2);
      const useEnd = useStart + (rng.chance(0.1) ? 0 : 1 + rng.int(3));
      // The relevance test of the plain walk over every statement (scope.ts, flowBlock before this change).
      const relevant = starts
        .map((from, index) => ({ from, to: ends[index], index }))
        .filter(
          ({ from, to }) =>
            (from <= useStart && useEnd <= to) || candidateStarts.some((start) => start >= from && start < to),
        )
        .map(({ index }) => index);
      const expected = count === 0 ? [] : [...new Set([...relevant, count - 1])].sort((a, b) => a - b);
      assert.deepEqual(
        blockSteps(starts, ends, candidateStarts, useStart, useEnd),
        expected,
        JSON.stringify({ starts, ends, candidateStarts, useStart, useEnd }),
      );
    }
  });
});

describe("linear judgement", () => {
  before(async () => {
    parser ??= await createCParser();
  });

  test("the entries of a loop-filled iovec share their verdicts when their inputs are the same", () => {
    const text = finding("slow-large-iovec-calls.c");
    const tree = parse(text);
    try {
      const facts = extractFacts(tree, text);
      assert.equal(facts.calls.length, 1000);
      for (const kernel of ["rfc-v2", "mainline-6.x"] as const) {
        const analysis = judgeCalls({ ...facts, calls: facts.calls.slice(0, 3) }, { kernel, pageSize: 4096 });
        for (const call of analysis.calls) {
          assert.equal(call.segments.length, 1024);
          // The first 16 entries fill the pipe's slots one by one; every later one finds it full.
          assert.ok(new Set(call.segments).size <= 17, `${new Set(call.segments).size} distinct segment verdicts`);
          assert.deepEqual(
            call.segments.slice(16).map((segment) => segment.pageOutcomes.map((page) => page.verdict)),
            Array.from({ length: 1024 - 16 }, () => ["not-delivered"]),
          );
        }
        if (kernel === "rfc-v2") assert.equal(analysis.calls[0].verdict, "move");
      }
    } finally {
      tree.delete();
    }
  });

  test("slow-judge-many-calls-1024-iovec.c (3000 calls of a 1024-entry iovec): no per-call walk over the other calls", () => {
    // Fuzz class slow-judge-volume: each writer asked every one of the 3000 calls whether a reader of its pipe passes
    // SPLICE_F_MOVE (9 million reads of a call's descriptor per model and page size). Now each pipe's peers are listed
    // once per file, so the descriptor reads grow with the number of calls, not with its square.
    const text = finding("slow-judge-many-calls-1024-iovec.c");
    const tree = parse(text);
    try {
      const facts = extractFacts(tree, text);
      assert.equal(facts.calls.length, 3001);
      let reads = 0;
      const counted = facts.calls.map(
        (call) =>
          new Proxy(call, {
            get(target, key, receiver) {
              if (key === "fd") reads++;
              return Reflect.get(target, key, receiver);
            },
          }),
      );
      const analysis = judgeCalls({ ...facts, calls: counted }, { kernel: "rfc-v2", pageSize: 4096 });
      assert.equal(analysis.calls.length, 3001);
      assert.ok(reads < 100 * counted.length, `${reads} descriptor reads for ${counted.length} calls`);
      for (const call of analysis.calls) {
        assert.equal(call.segments.length, 1024);
        assert.ok(new Set(call.segments).size <= 17, `${new Set(call.segments).size} distinct segment verdicts`);
      }
    } finally {
      tree.delete();
    }
  });
});
