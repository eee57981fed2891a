/**
 * CLI hygiene (issue 10 D7, D10) over the bundled dist/cli.js: a closed output pipe ends quietly with status 0,
 * skipped files are visible in every format (SARIF as a tool execution notification, so they never read as clean),
 * the CLI and the engine share one NUL rule (a NUL anywhere, not only in the first 8 KiB), and flags are printed as
 * the C `unsigned int` the kernel sees.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Ajv from "ajv-draft-04";
import { Engine } from "../../server/src/engine/engine";
import { decodeSource } from "../../server/src/engine/source-text";
import { loadCLanguage, newCParser } from "../../server/src/parsing/parser";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist", "cli.js");

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A small C file with one gifting call; `flags` is spliced in as C text. */
function program(flags: string): string {
  return `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int give(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(page, 1, 4096);
    struct iovec iov = { .iov_base = page, .iov_len = 4096 };
    return vmsplice(fds[1], &iov, 1, ${flags}) < 0;
}
`;
}

let dir = "";
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-hygiene-"));
});

describe("a closed output pipe", () => {
  test("check over many files into a reader that stops after one line exits 0 without a stack trace", async () => {
    // Enough output that the writes outlive the reader: one text line per call, over every sample many times.
    const samples = path.join(root, "samples");
    const child = spawn(process.execPath, [cli, "check", ...Array<string>(40).fill(samples)], { cwd: root });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // Read the first chunk, then close our end, as `| head -1` does.
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("exit", (status) => resolve(status)));
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });

  test("the same through a shell pipe into head", () => {
    const result = spawnSync(
      "sh",
      ["-c", `"${process.execPath}" "${cli}" check samples samples samples samples | head -1`],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    assert.equal(result.stdout.split("\n").length, 2);
    assert.doesNotMatch(result.stderr, /EPIPE|Error/);
  });
});

describe("skipped files", () => {
  test("SARIF lists a binary file and a too-large file as tool execution notifications and validates", () => {
    writeFileSync(
      path.join(dir, "late-nul.c"),
      Buffer.concat([Buffer.from(program("SPLICE_F_GIFT").repeat(30)), Buffer.from([0])]),
    );
    writeFileSync(path.join(dir, "big.c"), program("SPLICE_F_GIFT") + " ".repeat(25000));
    writeFileSync(path.join(dir, "fine.c"), program("SPLICE_F_GIFT"));
    const files = ["late-nul.c", "big.c", "fine.c"].map((name) => path.join(dir, name));
    const sarif = JSON.parse(run("check", "--format", "sarif", "--max-file-size", "20000", ...files).stdout);
    const notifications = sarif.runs[0].invocations[0].toolExecutionNotifications as {
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string; index: number } } }[];
    }[];
    assert.deepEqual(
      notifications.map((item) => [item.level, item.locations[0].physicalLocation.artifactLocation.index]),
      [
        ["warning", 0],
        ["warning", 1],
      ],
    );
    assert.match(notifications[0].message.text, /late-nul\.c was not analysed: binary file \(contains NUL bytes\)/);
    assert.match(
      notifications[1].message.text,
      /big\.c was not analysed: file is \d+ bytes, over the 20000-byte limit/,
    );
    assert.equal(sarif.runs[0].invocations[0].executionSuccessful, true);
    const schema = JSON.parse(
      readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"),
    );
    const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, logger: false }).compile(schema);
    assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  });

  test("text and JSON name the skipped file and why", () => {
    const file = path.join(dir, "late-nul.c");
    assert.match(run("check", file).stdout, /late-nul\.c: note: skipped: binary file/);
    assert.equal(
      JSON.parse(run("check", "--format", "json", file).stdout).files[0].skipped,
      "binary file (contains NUL bytes)",
    );
  });

  test("one NUL rule: a NUL past the first 8 KiB skips the file in the CLI and in the engine the server uses", async () => {
    const bytes = Buffer.concat([Buffer.from(program("SPLICE_F_GIFT").repeat(30)), Buffer.from([0])]);
    assert.ok(bytes.length > 8192 && bytes.indexOf(0) === bytes.length - 1);
    await loadCLanguage();
    const engine = new Engine(newCParser);
    try {
      engine.setText("x.c", decodeSource(bytes));
      assert.deepEqual(engine.analysis("x.c", { kernel: "rfc-v2", pageSize: 4096 }).skipped, { kind: "binary" });
    } finally {
      engine.dispose();
    }
    assert.match(run("check", path.join(dir, "late-nul.c")).stdout, /skipped: binary file/);
  });
});

describe("flags are C unsigned int in check output", () => {
  test("~0xfu is 0xfffffff0 in text and JSON, never 0x-10", () => {
    const file = path.join(dir, "complement.c");
    writeFileSync(file, program("~0xfu"));
    const text = run("check", file).stdout;
    assert.match(text, /note: vmsplice to-pipe, flags 0xfffffff0: /);
    assert.doesNotMatch(text, /0x-/);
    const json = JSON.parse(run("check", "--format", "json", file).stdout);
    assert.deepEqual(json.files[0].calls[0].flags, ["0xfffffff0"]);
    writeFileSync(file, program("0x80000000u | SPLICE_F_GIFT"));
    assert.deepEqual(JSON.parse(run("check", "--format", "json", file).stdout).files[0].calls[0].flags, [
      "SPLICE_F_GIFT",
      "0x80000000",
    ]);
  });
});
