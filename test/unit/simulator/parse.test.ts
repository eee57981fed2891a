// The .vmsim parser: the syntax tree of well-formed lines and the line, column and wording of every error.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import pathModule from "node:path";
import { parseScenario } from "../../../server/src/simulator/index";

const header = 'scenario T "test"\nprocess W\npipe fds\n';

function errorsOf(body: string): string[] {
  return parseScenario(header + body).diagnostics.map(
    (diagnostic) => `${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`,
  );
}

describe(".vmsim parser", () => {
  test("parses a writer call with iov1, flags by short name, and model-qualified expectations", () => {
    const { scenario, diagnostics } = parseScenario(
      header +
        "W: mmap p 4P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS\nW: vmsplice fds[1] iov1(p,2) G|M\nexpect[rfc-v2] zapped p[0..1]\nexpect returned 8192\n",
    );
    assert.deepEqual(diagnostics, []);
    const call = scenario.steps[3];
    assert.equal(call.process, "W");
    assert.deepEqual(call.command, {
      kind: "vmsplice",
      fd: { kind: "pipe", pipe: "fds", end: 1 },
      iovecs: [
        { base: { mapping: "p", offset: { bytes: 0, pages: 0 }, negative: false }, length: { bytes: 0, pages: 1 } },
        { base: { mapping: "p", offset: { bytes: 0, pages: 1 }, negative: false }, length: { bytes: 0, pages: 1 } },
      ],
      nrSegs: null,
      flags: 9,
    });
    assert.equal(call.expectations.length, 2);
    assert.deepEqual(call.expectations[0].models, ["rfc-v2"]);
    assert.deepEqual(call.expectations[0].check, {
      kind: "page-outcome",
      outcome: "zapped",
      pages: { mapping: "p", first: 0, last: 1 },
      from: null,
    });
    assert.equal(call.expectations[1].models, null);
    assert.equal(call.expectations[1].line, 7);
  });

  test("reads numbers with page, KiB and MiB suffixes, sums and hexadecimal", () => {
    const { scenario, diagnostics } = parseScenario(
      header +
        "W: mmap p 2M PROT_READ MAP_PRIVATE|MAP_ANONYMOUS\nW: vmsplice fds[1] [p+P+100,64K] [p-0x10,3996] nr=5 SPLICE_F_GIFT|0x10\n",
    );
    assert.deepEqual(diagnostics, []);
    const mmap = scenario.steps[2].command;
    assert.equal(mmap.kind === "mmap" && mmap.length.bytes, 2 * 1024 * 1024);
    const call = scenario.steps[3].command;
    assert.ok(call.kind === "vmsplice");
    assert.deepEqual(call.iovecs?.[0], {
      base: { mapping: "p", offset: { bytes: 100, pages: 1 }, negative: false },
      length: { bytes: 65536, pages: 0 },
    });
    assert.deepEqual(call.iovecs?.[1].base, { mapping: "p", offset: { bytes: 16, pages: 0 }, negative: true });
    assert.equal(call.nrSegs, 5);
    assert.equal(call.flags, 0x18);
  });

  test("the mainline alias expands to both mainline models, all to every model", () => {
    const { scenario } = parseScenario(
      header + "models mainline\nW: vmsplice -1 NULL nr=0 0\nexpect[mainline-3.12,rfc-v2] returned 0\n",
    );
    assert.deepEqual(scenario.models, ["mainline-6.x", "mainline-3.12"]);
    assert.deepEqual(scenario.steps[2].expectations[0].models, ["rfc-v2", "mainline-3.12"]);
  });

  test("comments and blank lines are ignored; a quoted '#' is not a comment", () => {
    const { scenario, diagnostics } = parseScenario(
      '# leading comment\n\nscenario X "a # b"  # trailing\nprocess W   # the writer\n',
    );
    assert.deepEqual(diagnostics, []);
    assert.equal(scenario.title, "a # b");
    assert.equal(scenario.steps.length, 1);
  });

  test("an unknown flag name is reported at its own column inside the flag set", () => {
    assert.deepEqual(errorsOf("W: vmsplice fds[1] iovB(p,P) G|GIFT\n"), [
      "4:32: expected a splice flag (SPLICE_F_GIFT, SPLICE_F_MOVE, SPLICE_F_NONBLOCK, SPLICE_F_MORE, G, M, N, MORE or a number), found 'GIFT'",
    ]);
  });

  test("a missing argument is reported at the end of the line", () => {
    assert.deepEqual(errorsOf("W: vmsplice fds[1] iovB(p,P)\n"), [
      "4:29: expected flags (SPLICE_F_GIFT|SPLICE_F_MOVE, G|M, 0), found end of line",
    ]);
  });

  test("an unknown process prefix names the declaration it needs", () => {
    assert.deepEqual(errorsOf("R: touch q\n"), ["4:1: unknown process 'R' (declare it with 'process R' or 'fork R')"]);
  });

  test("an unknown command lists the commands", () => {
    const [message] = errorsOf("W: vmslice fds[1] iovB(p,P) 0\n");
    assert.match(message, /^4:4: expected a command \(process, pipe, .*\) or expect, found 'vmslice'$/);
  });

  test("bad numbers, page ranges, errno names and byte values", () => {
    assert.deepEqual(errorsOf("W: mmap p 4Q PROT_READ MAP_PRIVATE|MAP_ANONYMOUS\n"), [
      "4:11: expected a length (bytes, P, 4P, 64K), found '4Q'",
    ]);
    assert.deepEqual(errorsOf("W: touch p\nexpect zapped p[3..1]\n"), [
      "5:15: page range p[3..1] ends before it starts",
    ]);
    assert.deepEqual(errorsOf("W: touch p\nexpect errno EWHAT\n"), [
      "5:14: expected an errno name (EBADF, EINVAL, EAGAIN, ENOMEM, EFAULT, EPIPE, EPERM, EBUSY, EINTR, ESPIPE), found 'EWHAT'",
    ]);
    assert.deepEqual(errorsOf("W: fill p 300\n"), ["4:11: expected a byte value (0..255, 0xEE or 'A'), found '300'"]);
    assert.deepEqual(errorsOf("expect[rfc] returned 0\n"), [
      "4:8: expected a kernel model (rfc-v2, mainline-6.x, mainline-3.12, mainline, all), found 'rfc'",
    ]);
  });

  test("mmap needs a sharing type and a backing", () => {
    assert.deepEqual(errorsOf("W: mmap p P PROT_READ MAP_ANONYMOUS\n"), ["4:4: mmap needs MAP_PRIVATE or MAP_SHARED"]);
    assert.deepEqual(errorsOf("W: mmap p P PROT_READ MAP_PRIVATE\n"), ["4:4: mmap needs MAP_ANONYMOUS or file=NAME"]);
  });

  test("trailing tokens, unterminated quotes and commands without a process", () => {
    assert.deepEqual(errorsOf("W: exit now\n"), ["4:9: expected end of line, found 'now'"]);
    assert.deepEqual(errorsOf("W: fill p 'A\n"), ["4:11: unterminated character literal"]);
    assert.deepEqual(errorsOf("vmsplice fds[1] iovB(p,P) 0\n"), [
      "4:1: 'vmsplice' needs a process prefix ('W: vmsplice ...')",
    ]);
  });

  test("every bad line is reported, and good lines around them still parse", () => {
    const { scenario, diagnostics } = parseScenario(header + "W: bogus\nW: touch p\nW: touch\n");
    assert.deepEqual(
      diagnostics.map((diagnostic) => diagnostic.line),
      [4, 6],
    );
    assert.equal(scenario.steps.length, 3);
  });

  test("the scenario line must come first and only once", () => {
    assert.deepEqual(
      parseScenario("process W\n").diagnostics.map(
        (diagnostic) => `${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`,
      ),
      [
        "1:1: expected 'scenario ID \"title\"' as the first statement, found 'process'",
        "1:1: expected 'scenario ID \"title\"' as the first statement, found end of file",
      ],
    );
    assert.deepEqual(errorsOf('scenario again "x"\n'), ["4:1: only one 'scenario' line is allowed"]);
  });

  test("a duplicate process declaration is an error", () => {
    assert.deepEqual(errorsOf("process W\n"), ["4:1: process 'W' is already declared"]);
  });
});

describe(".vmsim parser robustness", () => {
  test("mangled golden scenarios never throw and always name a line and column", () => {
    const directory = pathModule.resolve(__dirname, "../../../samples/scenarios");
    // A fixed linear congruential generator keeps the mutations the same on every run.
    let seed = 12345;
    const random = (limit: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % limit;
    };
    const alphabet = " \t[](),|+-:'\"#=.0123456789PKMxGNabcdefpqrsvwzAEFIOQSTUVWXY_\n";
    for (const file of readdirSync(directory).filter((name) => name.endsWith(".vmsim"))) {
      const text = readFileSync(pathModule.join(directory, file), "utf8");
      for (let round = 0; round < 20; round++) {
        const characters = [...text];
        for (let edit = 0; edit < 5; edit++) characters[random(characters.length)] = alphabet[random(alphabet.length)];
        const { diagnostics } = parseScenario(characters.join(""));
        for (const diagnostic of diagnostics) {
          assert.ok(diagnostic.line >= 1 && diagnostic.column >= 1, `${file}: ${JSON.stringify(diagnostic)}`);
          assert.ok(!diagnostic.message.startsWith("internal parser error"), `${file}: ${diagnostic.message}`);
        }
      }
    }
  });
});
