/**
 * Reading into a unit the one file of the project that defines a function it calls (project/caller-join.ts
 * `joinDefiners`), and the calls the analyzer cannot see (analysis/lifecycle.ts `unseenCalls`). Each variant is a small
 * project written to a temporary directory and checked through the CLI in-process: an allocator in another file that
 * maps and fills the page gives `move`; every variant that would make that reading wrong (no prototype in the unit, a
 * second definition, a clash of names, a fill on some paths, a fork or munmap in the other file, a helper beyond the
 * join's limit) gives `unknown` or `copy`, never `move`. Then a property over every project fixture: hiding files from
 * the analyzer (the listing limit) never turns a verdict into a different definite one, only into `unknown`.
 *
 * Alone: `node --import tsx --test test/unit/definer-join.test.ts`.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { main } from "../../server/src/cli/main";
import { hoverPlainText } from "../../server/src/protocol/hover";
import { Engine } from "../../server/src/engine/engine";
import { loadCLanguage, loadCppLanguage, newParser } from "../../server/src/parsing/parser";
import { Project, readUnitHeaders } from "../../server/src/project/project";

const PRELUDE = `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "alloc.h"
`;

const HEADER = "#include <stddef.h>\nchar *alloc_pages(size_t n);\n";

/** alloc.c: maps n bytes and fills them; `fill` replaces the fill, `after` goes before the return. */
function allocator(fill = "memset(p, 'x', n);", after = "", extra = ""): string {
  return `${PRELUDE}${extra}
char *alloc_pages(size_t n)
{
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    ${fill}
    ${after}
    return p;
}
`;
}

/** main.c: gifts a page alloc_pages() hands out; `between` goes between the allocation and the gift. */
function sender(between = "", extra = ""): string {
  return `${PRELUDE}${extra}
int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = alloc_pages(4096);
    if (!buf)
        return 1;
    ${between}
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096;
}
`;
}

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vms-definer-"));
  writeFileSync(path.join(dir, ".vmsplice-lens.json"), "{}");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

interface JsonCall {
  line: number;
  verdict: string;
  missing?: string[];
}

async function callsOf(dir: string): Promise<{ file: string; calls: JsonCall[] }[]> {
  let output = "";
  await main(
    ["check", "--no-cache", "--format", "json", dir],
    (text) => (output += text),
    () => {},
  );
  const report = JSON.parse(output) as { files: { path: string; calls: JsonCall[] }[] };
  return report.files.map((file) => ({ file: file.path, calls: file.calls }));
}

async function mainCall(dir: string): Promise<JsonCall> {
  const calls = (await callsOf(dir)).find((entry) => entry.file.endsWith("main.c"))?.calls ?? [];
  assert.equal(calls.length, 1);
  return calls[0];
}

describe("the one file that defines a function the unit calls is read with it", () => {
  before(async () => {
    await loadCLanguage();
  });

  test("an allocator in another file that maps and fills the page: move, and the hover names where it was read", async () => {
    const dir = project({ "alloc.h": HEADER, "alloc.c": allocator(), "main.c": sender() });
    assert.equal((await mainCall(dir)).verdict, "move");
    const file = path.join(dir, "main.c");
    const projectOf = new Project(dir, newParser);
    const engine = new Engine(newParser);
    try {
      const text = sender();
      engine.setText(file, text);
      readUnitHeaders(engine, file, file, text, projectOf);
      const call = engine.analysis(file, { kernel: "rfc-v2", pageSize: 4096 }).calls[0];
      assert.equal(call.verdict, "move");
      const definitions = (call.call.joined ?? []).filter((site) => site.kind === "definition");
      assert.deepEqual(
        definitions.map((site) => [path.basename(site.file), site.name, site.range.start.line + 1]),
        [["alloc.c", "alloc_pages", 9]],
      );
      const hover = hoverPlainText(call, text.indexOf("vmsplice(fds") + 2);
      assert.match(hover, /Read from other files.*alloc_pages\(\).*alloc\.c:9/);
    } finally {
      engine.dispose();
      projectOf.dispose();
    }
  });

  const variants: [string, Record<string, string>, RegExp][] = [
    [
      "the unit has no prototype of the allocator (another program of the project may be the one that defines it)",
      { "alloc.h": "\n", "alloc.c": allocator(), "main.c": sender() },
      /alloc_pages\(\)/,
    ],
    [
      "two files of the project define the allocator",
      { "alloc.h": HEADER, "alloc.c": allocator(), "tools/alloc.c": allocator(""), "main.c": sender() },
      /2 files define it/,
    ],
    [
      "the two files keep a static of the same name",
      {
        "alloc.h": HEADER,
        "alloc.c": allocator("memset(p, 'x', n);", "", "static int ready;"),
        "main.c": sender("", "static int ready;"),
      },
      /alloc_pages\(\)/,
    ],
    [
      "the allocator fills the page on some paths only",
      { "alloc.h": HEADER, "alloc.c": allocator("if (n > 4096) memset(p, 'x', n);"), "main.c": sender() },
      /written before the call/,
    ],
    [
      "the allocator unmaps the page after filling it",
      { "alloc.h": HEADER, "alloc.c": allocator("memset(p, 'x', n);", "munmap(p, n);"), "main.c": sender() },
      /munmap/,
    ],
    [
      "the sender calls a helper of a third file, beyond the join's limit, between the allocation and the gift",
      {
        "alloc.h": HEADER + "void note_a(void);\nvoid note_b(void);\n",
        "alloc.c": allocator(),
        "a.c": '#include "alloc.h"\nvoid note_a(void) {}\n',
        "b.c": '#include <unistd.h>\n#include "alloc.h"\nvoid note_b(void) { fork(); }\n',
        "main.c": sender("note_a();\n    note_b();"),
      },
      /note_b\(\) is defined in b\.c, not read with this file/,
    ],
  ];
  for (const [name, files, reason] of variants) {
    test(`no move when ${name}`, async () => {
      const call = await mainCall(project(files));
      assert.notEqual(call.verdict, "move", JSON.stringify(call.missing));
      if (call.verdict === "unknown") assert.match((call.missing ?? []).join("\n"), reason);
    });
  }

  test("a helper of another file that writes the page on every path: move; one that does not: the zero page's copy", async () => {
    const fill = (body: string) => ({
      "alloc.h": "#include <stddef.h>\nvoid fill(char *p, size_t n);\n",
      "alloc.c": `${PRELUDE}void fill(char *p, size_t n)\n{\n    ${body}\n}\n`,
      "main.c": `${PRELUDE}int main(void)\n{\n    int fds[2];\n    if (pipe(fds) < 0)\n        return 1;\n    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n    if (buf == MAP_FAILED)\n        return 1;\n    fill(buf, 4096);\n    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };\n    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096;\n}\n`,
    });
    assert.equal((await mainCall(project(fill("memset(p, 'x', n);")))).verdict, "move");
    assert.equal((await mainCall(project(fill("(void)p;\n    (void)n;")))).verdict, "copy");
    const none = project(fill("memset(p, 'x', n);"));
    writeFileSync(path.join(none, "alloc.c"), "/* fill() is defined by a library the project links */\n");
    const unseen = await mainCall(none);
    assert.equal(unseen.verdict, "unknown");
    assert.match((unseen.missing ?? []).join("\n"), /what fill\(\) on line \d+ does with buf/);
  });
});

const projectsDir = path.resolve(__dirname, "..", "projects");

/** The C and C++ sources of a project fixture. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => /\.(c|cpp)$/.test(name) && !name.split(path.sep).includes(".cache"))
    .map((name) => path.join(dir, name))
    .sort();
}

/** Every call's verdict per file and line, as the engine judges it with `projectOf`. */
function verdicts(projectOf: Project, files: readonly string[]): Map<string, string> {
  const engine = new Engine(newParser);
  const result = new Map<string, string>();
  try {
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      engine.setText(file, text);
      readUnitHeaders(engine, file, file, text, projectOf);
      for (const call of engine.analysis(file, { kernel: "rfc-v2", pageSize: 4096 }).calls)
        result.set(`${path.basename(file)}:${call.call.range.start.line + 1}`, call.verdict);
    }
  } finally {
    engine.dispose();
  }
  return result;
}

describe("property: facts the analyzer is not given never make another definite verdict", () => {
  before(async () => {
    await loadCLanguage();
    await loadCppLanguage();
  });
  for (const name of readdirSync(projectsDir).sort()) {
    test(`${name}: every listing limit gives each call its whole-project verdict or unknown`, () => {
      const dir = path.join(projectsDir, name);
      const files = sources(dir);
      const whole = new Project(dir, newParser);
      let full: Map<string, string>;
      try {
        full = verdicts(whole, files);
      } finally {
        whole.dispose();
      }
      for (let limit = 0; limit < files.length; limit++) {
        const limited = new Project(dir, newParser, { maxSources: limit });
        try {
          for (const [site, verdict] of verdicts(limited, files)) {
            const expected = full.get(site);
            if (verdict === "unknown" || verdict === expected) continue;
            assert.fail(`${site} with the listing cut at ${limit}: ${verdict}, whole project: ${expected}`);
          }
        } finally {
          limited.dispose();
        }
      }
    });
  }
});
