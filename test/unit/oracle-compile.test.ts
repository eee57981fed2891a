// Unit tests of the oracle's scenario compiler (oracle/lib/compile.ts): the guest script lines it writes for parsed
// .vmsim scenarios, and that every golden scenario the oracle selects compiles for the guest.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseScenario } from "../../server/src/simulator/index";
import { compileScenario } from "../../oracle/lib/compile";
import { EXCLUDED_GOLDENS, INCLUDED_GOLDENS, KNOWN_DIFFERENCES } from "../../oracle/lib/selection";

const root = path.resolve(__dirname, "../..");

function compile(text: string) {
  const { scenario, diagnostics } = parseScenario(text);
  assert.deepEqual(diagnostics, []);
  return compileScenario(scenario, 4096);
}

describe("compileScenario", () => {
  const compiled = compile(
    [
      'scenario T1 "compiler fixture"',
      "file data P 'F'",
      "process W sigpipe=ignore",
      "process R privileged",
      "pipe fds",
      "pipe2 nb O_NONBLOCK",
      "W: mmap p 4P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS",
      "W: mmap f P PROT_READ|PROT_WRITE MAP_PRIVATE file=data",
      "W: fill p pattern",
      "W: fill p+100 200 'B'",
      "W: fork C",
      "W: vmsplice fds[1] iov1(p,2) G|M",
      "R: vmsplice fds[0] [p+100,3996] [NULL,0] M",
      "W: vmsplice -1 NULL nr=0 0",
      "W: fcntl fds[1] F_SETPIPE_SZ 1M",
      "close fds[0]",
      "W: write fds[1] data 4096 'X'",
      "C: exit",
    ].join("\n"),
  );

  test("lists files, processes (fork children with their parent) and pipes before the steps", () => {
    assert.deepEqual(compiled.lines.slice(0, 7), [
      "scenario T1",
      "file data 4096 70",
      "proc W 0 1 -",
      "proc R 1 0 -",
      "pipe fds 0",
      "pipe nb 1",
      "proc C 0 0 W",
    ]);
  });

  test("resolves lengths and offsets to bytes and keeps the simulator's step index", () => {
    const steps = compiled.lines.filter((line) => line.startsWith("step "));
    assert.deepEqual(steps, [
      "step 5 W mmap p 16384 3 MAP_PRIVATE|MAP_ANONYMOUS - 0",
      "step 6 W mmap f 4096 3 MAP_PRIVATE data 0",
      "step 7 W fill p 0 -1 -1",
      "step 8 W fill p 100 200 66",
      "step 9 W fork C",
      "step 10 W vmsplice pipe:fds:1 2 9 2 p 0 4096 p 4096 4096",
      "step 11 R vmsplice pipe:fds:0 2 1 2 p 100 3996 NULL 0 0",
      "step 12 W vmsplice num:-1 0 0 -1",
      "step 13 W fcntl pipe:fds:1 F_SETPIPE_SZ 1048576",
      "step 14 - close pipe:fds:0",
      "step 15 W write pipe:fds:1 - 4096 88",
      "step 16 C exit",
    ]);
    assert.equal(compiled.lines.at(-1), "end");
    assert.deepEqual(compiled.unsupported, []);
  });

  test("reports what the guest cannot run instead of dropping it silently", () => {
    const result = compile(
      [
        'scenario T2 "ksm"',
        "process W",
        "W: mmap p P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS",
        "W: ksm-merge p",
        "W: race-fault p",
      ].join("\n"),
    );
    assert.equal(result.unsupported.length, 2);
    assert.match(result.unsupported[0], /^line 4: ksm-merge/);
    assert.match(result.unsupported[1], /^line 5: race-fault/);
  });
});

describe("selected golden scenarios", () => {
  test("every included golden and known difference exists, parses and compiles for the guest", () => {
    for (const id of [...INCLUDED_GOLDENS, ...KNOWN_DIFFERENCES.map((known) => known.id)]) {
      const text = readFileSync(path.join(root, "samples/scenarios", `${id}.vmsim`), "utf8");
      const result = compile(text);
      assert.deepEqual(result.unsupported, [], id);
      assert.ok(
        result.lines.some((line) => line.includes(" vmsplice ")),
        `${id} has a vmsplice step`,
      );
    }
  });

  test("no golden is in more than one of: included, known difference, excluded", () => {
    const excluded = new Set(EXCLUDED_GOLDENS.map(([id]) => id));
    const known = new Set(KNOWN_DIFFERENCES.map((item) => item.id));
    assert.deepEqual(
      INCLUDED_GOLDENS.filter((id) => excluded.has(id) || known.has(id)),
      [],
    );
    assert.deepEqual(
      [...known].filter((id) => excluded.has(id)),
      [],
    );
  });
});
