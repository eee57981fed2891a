/**
 * Joining a function's one caller from another file (project/caller-join.ts): the caller's arguments decide the
 * function's parameters only when the two files cannot mix up names. Each variant below is a small project written to
 * a temporary directory: the base case gives `move`; every variant that would make the joined reading wrong (a macro or
 * static helper of one file whose name the other uses for something else, other -D macros, a function two programs define, a pointer to the
 * function, a caller passing its own parameter) gives `unknown`. Checked through the CLI in-process. With the
 * join's name and -D checks left out, the system-header macro, static-variable and -D variants give `move`; the
 * others are also caught elsewhere (the analyzer does not follow a descriptor a helper returns; callers through a
 * pointer or a third file make a parameter unknown).
 *
 * Alone: `node --import tsx --test test/unit/caller-join.test.ts`.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { main } from "../../server/src/cli/main";
import { hoverPlainText } from "../../server/src/protocol/hover";
import { Engine } from "../../server/src/engine/engine";
import { loadCLanguage, newParser } from "../../server/src/parsing/parser";
import { Project, readUnitHeaders } from "../../server/src/project/project";

const PRELUDE = `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
`;

/** send.c: a sender whose fd and flags are its parameters; `extra` goes before it. */
function sender(extra = "", include = '#include "send.h"'): string {
  return `${PRELUDE}${include}
${extra}
int send_page(int fd, unsigned int flags)
{
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, flags) == 4096;
}
`;
}

/** main.c: the one caller; `body` replaces the call's line, `extra` goes before main. */
function caller(body = "return !send_page(fds[1], SPLICE_F_GIFT | SPLICE_F_MOVE);", extra = ""): string {
  return `${PRELUDE}#include "send.h"
${extra}
int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    ${body}
}
`;
}

const HEADER = "int send_page(int fd, unsigned int flags);\n";

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vms-join-"));
  writeFileSync(path.join(dir, ".vmsplice-lens.json"), "{}");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function verdictOf(dir: string): Promise<{ verdict: string; missing: string[] }> {
  let output = "";
  await main(
    ["check", "--no-cache", "--format", "json", dir],
    (text) => (output += text),
    () => {},
  );
  const report = JSON.parse(output) as { files: { path: string; calls: { verdict: string; missing?: string[] }[] }[] };
  const calls = report.files.find((file) => file.path.endsWith("send.c"))?.calls ?? [];
  assert.equal(calls.length, 1);
  return { verdict: calls[0].verdict, missing: calls[0].missing ?? [] };
}

describe("a function's one caller in another file decides its parameters", () => {
  test("the base case: the caller's pipe write end and gift make the move, and the hover says where they came from", async () => {
    const dir = project({ "send.h": HEADER, "send.c": sender(), "main.c": caller() });
    assert.equal((await verdictOf(dir)).verdict, "move");
    await loadCLanguage();
    const file = path.join(dir, "send.c");
    const projectOf = new Project(dir, newParser);
    const engine = new Engine(newParser);
    try {
      const text = sender();
      engine.setText(file, text);
      readUnitHeaders(engine, file, file, text, projectOf);
      const analysis = engine.analysis(file, { kernel: "rfc-v2", pageSize: 4096 });
      const call = analysis.calls[0];
      assert.equal(call.verdict, "move");
      assert.deepEqual(
        (call.call.joined ?? []).map((site) => [path.basename(site.file), site.range.start.line + 1]),
        [["main.c", 14]],
      );
      const offset = text.indexOf("vmsplice(fd") + 2;
      assert.match(hoverPlainText(call, offset), /one caller elsewhere in the project, main\.c:14/);
    } finally {
      engine.dispose();
      projectOf.dispose();
    }
  });

  const variants: [string, Record<string, string>][] = [
    [
      "a macro of the sender's file that the caller gets from a header not read (a system header)",
      {
        "send.h": HEADER,
        "send.c": sender("#define SEND_FLAGS (SPLICE_F_GIFT | SPLICE_F_MOVE)"),
        "main.c": caller("return !send_page(fds[1], SEND_FLAGS);", "#include <sendflags.h>"),
      },
    ],
    [
      "a static helper of the sender's file whose name the caller uses for another file's function",
      {
        "send.h": HEADER + "int pick(int *fds);\n",
        "send.c": sender("static int pick(int *fds) { return fds[1]; }\nint use_pick(int *fds) { return pick(fds); }"),
        "main.c": caller("return !send_page(pick(fds), SPLICE_F_GIFT | SPLICE_F_MOVE);"),
        "pick.c": '#include "send.h"\nint pick(int *fds) { return fds[0]; }\n',
      },
    ],
    [
      "a static variable of the same name in both files",
      {
        "send.h": HEADER,
        "send.c": sender("static int ready;"),
        "main.c": caller("ready = 1; return !send_page(fds[1], SPLICE_F_GIFT | SPLICE_F_MOVE);", "static int ready;"),
      },
    ],
    [
      "other -D macros for the caller in the compile database",
      {
        "send.h": HEADER,
        "send.c": sender(),
        "main.c": caller(),
        "compile_commands.json": JSON.stringify([
          { directory: ".", file: "send.c", command: "cc -c send.c" },
          { directory: ".", file: "main.c", command: "cc -DPLAIN -c main.c" },
        ]),
      },
    ],
    [
      "a helper the caller uses that two programs of the project define",
      {
        "send.h": HEADER + "int write_end(int *fds);\n",
        "send.c": sender("int write_end(int *fds) { return fds[1]; }"),
        "main.c": caller("return !send_page(write_end(fds), SPLICE_F_GIFT | SPLICE_F_MOVE);"),
        "other.c": '#include "send.h"\nint write_end(int *fds) { return fds[0]; }\n',
      },
    ],
    [
      "the caller also takes the function's address",
      {
        "send.h": HEADER,
        "send.c": sender(),
        "main.c": caller(
          "later(send_page); return !send_page(fds[1], SPLICE_F_GIFT | SPLICE_F_MOVE);",
          "void later(int (*fn)(int, unsigned int));",
        ),
      },
    ],
    [
      "the caller passes its own parameter, and its function is called from a third file",
      {
        "send.h": HEADER + "int relay(unsigned int flags);\n",
        "send.c": sender(),
        "main.c": `${PRELUDE}#include "send.h"\nint relay(unsigned int flags)\n{\n    int fds[2];\n    if (pipe(fds) < 0)\n        return 1;\n    return !send_page(fds[1], flags);\n}\n`,
        "run.c": '#include "send.h"\nint main(void) { return relay(0); }\n',
      },
    ],
  ];
  for (const [name, files] of variants) {
    test(`no move when ${name}`, async () => {
      const { verdict, missing } = await verdictOf(project(files));
      assert.equal(verdict, "unknown", JSON.stringify(missing));
      assert.ok(missing.length > 0);
    });
  }

  test("a project listed only up to its limit takes every function as called from the files not read", async () => {
    await loadCLanguage();
    const dir = project({ "send.h": HEADER, "send.c": sender(), "main.c": caller(), "z.c": "int unrelated;\n" });
    const file = path.join(dir, "send.c");
    const limited = new Project(dir, newParser, { maxSources: 2 });
    const whole = new Project(dir, newParser);
    try {
      assert.deepEqual([...whole.externalCallers(file, ["send_page"])], [["send_page", ["main.c"]]]);
      assert.match(
        limited.externalCallers(file, ["send_page"]).get("send_page")?.[0] ?? "",
        /listing limit \(2 source/,
      );
    } finally {
      limited.dispose();
      whole.dispose();
    }
  });
});
