// Kernel-model behaviour beyond the golden table: capacity and partial transfers, GUP stops, blocking, copy-on-write
// after fork per model, page sizes other than 4096, rule ids on every copy and hazard, and determinism.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { checkExpectations, parseScenario, runScenario, toReplayJson } from "../../../server/src/simulator/index";
import type { KernelModel, PageSize, SimulationResult } from "../../../server/src/simulator/index";

const A = "PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS";
const MODELS: KernelModel[] = ["rfc-v2", "mainline-6.x", "mainline-3.12"];

function run(body: string, kernel: KernelModel, pageSize?: PageSize): SimulationResult {
  const { scenario, diagnostics } = parseScenario(`scenario T "test"\nprocess W\nprocess R\npipe fds\n${body}`);
  assert.deepEqual(diagnostics, []);
  const result = runScenario(scenario, { kernel, pageSize });
  const failures = checkExpectations(scenario, result).filter((verdict) => !verdict.passed);
  assert.deepEqual(
    failures,
    [],
    `${kernel}: ${failures.map((failure) => `${failure.text} -> ${failure.actual}`).join("; ")}`,
  );
  return result;
}

describe("simulator kernel models", () => {
  test("one call never queues more than the pipe's 16 slots (VMS-PARTIAL)", () => {
    for (const kernel of MODELS) {
      const result = run(
        `W: mmap p 17P ${A}\nW: fill p pattern\nW: vmsplice fds[1] iov1(p,17) 0\nexpect returned 65536\nexpect queued 16\nexpect rule VMS-PARTIAL\nexpect pipe fds occupancy 16\n`,
        kernel,
      );
      // 3.12 and the RFC gather at most N pages; 6.x stops pinning once the pipe is full: either way 16 chunks.
      assert.equal(result.steps[5].chunks.length, 16, kernel);
    }
  });

  test("GUP stops at an unmapped page: the pages before it are queued", () => {
    for (const kernel of MODELS)
      run(
        `W: mmap p 2P ${A}\nW: fill p pattern\nW: vmsplice fds[1] iovB(p,3P) 0\nexpect returned 8192\nexpect rule VMS-PARTIAL\n`,
        kernel,
      );
  });

  test("a source with no mapping at all fails with EFAULT", () => {
    for (const kernel of MODELS)
      run(
        `W: mmap p P ${A}\nW: munmap p\nW: vmsplice fds[1] iovB(p,P) 0\nexpect errno EFAULT\nexpect queued 0\n`,
        kernel,
      );
  });

  test("a writer facing a full pipe blocks; the RFC sleeps holding mmap_sem", () => {
    for (const kernel of MODELS) {
      const result = run(
        `W: mmap p P ${A}\nW: fill p pattern\nW: write fds[1] data 16P 'X'\nW: vmsplice fds[1] iovB(p,P) G|M\nexpect blocked after 0\nexpect intact p[0]\n`,
        kernel,
      );
      assert.equal(result.steps[6].rules.includes("VMS-RFC-MMAPSEM-SLEEP"), kernel === "rfc-v2", kernel);
    }
  });

  test("a reader on an empty pipe with SPLICE_F_NONBLOCK gets EAGAIN, and 0 once the writers are gone", () => {
    for (const kernel of MODELS)
      run(
        `R: mmap q P ${A}\nR: vmsplice fds[0] iovB(q,P) N\nexpect errno EAGAIN\nclose fds[1]\nR: vmsplice fds[0] iovB(q,P) N\nexpect returned 0\n`,
        kernel,
      );
  });

  test("a write after fork through a copy-on-write PTE: 6.x snapshots, 3.12 reuses the frame once the child is gone (VMS-ALIAS-COW)", () => {
    const body = `W: mmap p P ${A}\nW: fill p pattern\nW: fork C\nC: exit\nW: vmsplice fds[1] iov1(p,1) 0\nW: fill p 'B'\nexpect rule VMS-ALIAS-COW\nR: mmap buf P ${A}\nR: read fds[0] buf P\nexpect returned 4096\n`;
    assert.equal(run(body + "expect bytes buf P == 0x10\n", "mainline-6.x").steps.length, 11);
    run(body + "expect bytes buf P == 'B'\n", "mainline-3.12");
    run(body + "expect bytes buf P == 'B'\n", "rfc-v2");
  });

  test("a live forked child keeps 3.12 from reusing the frame too (snapshot in every model)", () => {
    for (const kernel of MODELS)
      run(
        `W: mmap p P ${A}\nW: fill p pattern\nW: fork C\nW: vmsplice fds[1] iov1(p,1) 0\nW: fill p 'B'\nR: mmap buf P ${A}\nR: read fds[0] buf P\nexpect bytes buf P == 0x10\nexpect C bytes p P == 0x10\n`,
        kernel,
      );
  });

  for (const pageSize of [16384, 65536] as PageSize[]) {
    test(`page size ${pageSize}: one-page gifts move on the RFC and copy on mainline; capacity is 16 pages`, () => {
      const body = `W: mmap p 4P ${A}\nW: fill p pattern\nR: mmap q 4P ${A}\nW: vmsplice fds[1] iov1(p,4) G|M\nexpect returned ${4 * pageSize}\nR: vmsplice fds[0] iovB(q,4P) M\nexpect returned ${4 * pageSize}\nexpect bytes q+3P P == 0x13\n`;
      run(body + "expect[rfc-v2] moved q[0..3]\n", "rfc-v2", pageSize);
      run(body + "expect copied q[0..3]\n", "mainline-6.x", pageSize);
      run(`W: fcntl fds[1] F_GETPIPE_SZ\nexpect returned ${16 * pageSize}\n`, "mainline-3.12", pageSize);
    });
  }

  test("a literal 4096-byte gift on 16 KiB pages is not a page: no zap, copied (VMS-LEN-PAGE)", () => {
    run(
      `W: mmap p P ${A}\nW: fill p pattern\nR: mmap q P ${A}\nW: vmsplice fds[1] iovB(p,4096) G|M\nexpect intact p[0]\nR: vmsplice fds[0] iovB(q,P) M\nexpect returned 4096\nexpect copied q[0]\nexpect rule VMS-LEN-PAGE\n`,
      "rfc-v2",
      16384,
    );
  });

  test("every copy made by vmsplice and every hazard carries a rule id", () => {
    const { scenario } = parseScenario(
      `scenario T "t"\nprocess W\nprocess R\npipe fds\nW: mmap p 4P ${A}\nW: fill p pattern\nR: mmap q 4P ${A}\nW: vmsplice fds[1] iovB(p+100,2P) G|M\nR: vmsplice fds[0] iovB(q,4P) M\n`,
    );
    for (const kernel of MODELS) {
      const result = runScenario(scenario, { kernel });
      const events = result.steps.flatMap((step) => step.events);
      const copies = events.filter((event) => event.kind === "copy");
      assert.ok(copies.length > 0, kernel);
      for (const event of events) {
        if (event.kind === "copy")
          assert.ok(event.rule && event.rule.startsWith("VMS-"), `${kernel}: copy without rule`);
        if (event.kind === "hazard" || event.kind === "kernelBug")
          assert.ok(event.rule.startsWith("VMS-"), `${kernel}: hazard without rule`);
      }
    }
  });

  test("replays are deterministic", () => {
    const { scenario } = parseScenario(
      `scenario T "t"\nprocess W\nprocess R\npipe fds\nW: mmap p 8P ${A}\nW: fill p pattern\nW: fork C\nR: mmap q 8P ${A}\nW: vmsplice fds[1] iov1(p,8) G|M\nR: vmsplice fds[0] iovB(q,8P) M\n`,
    );
    for (const kernel of MODELS) {
      const first = JSON.stringify(runScenario(scenario, { kernel }).steps);
      const second = JSON.stringify(runScenario(scenario, { kernel }).steps);
      assert.equal(first, second);
    }
  });

  test("summary traces keep moves, copies, writer zaps and hazards but drop pins, faults and the zaps a move implies", () => {
    const { scenario } = parseScenario(
      `scenario T "t"\nprocess W\nprocess R\npipe fds\nW: mmap p 2P ${A}\nW: fill p pattern\nR: mmap q 2P ${A}\nW: vmsplice fds[1] iov1(p,2) G|M\nR: vmsplice fds[0] iovB(q,2P) M\n`,
    );
    const full = runScenario(scenario, { kernel: "rfc-v2" }).steps.flatMap((step) =>
      step.events.map((event) => event.kind),
    );
    const summary = runScenario(scenario, { kernel: "rfc-v2", trace: "summary" }).steps.flatMap((step) =>
      step.events.map((event) => event.kind),
    );
    assert.ok(full.includes("pin") && full.includes("fault"));
    assert.ok(!summary.includes("pin") && !summary.includes("fault"));
    assert.deepEqual(
      summary.filter((kind) => kind === "move" || kind === "hazard"),
      full.filter((kind) => kind === "move" || kind === "hazard"),
    );
    // The writer's coalesced zap stays; the reader's destination zaps (one per move) are left to the move events.
    assert.equal(summary.filter((kind) => kind === "zap").length, 1);
    assert.equal(full.filter((kind) => kind === "zap").length, 3);
  });

  test("a scenario mistake is reported on its step and stops the run", () => {
    const { scenario } = parseScenario(
      `scenario T "t"\nprocess W\npipe fds\nW: vmsplice fds[1] iovB(nowhere,P) 0\nexpect returned 4096\nW: mmap p P ${A}\n`,
    );
    const result = runScenario(scenario, { kernel: "mainline-6.x" });
    assert.equal(result.steps[2].error, "unknown mapping 'nowhere' in process 'W'");
    assert.equal(result.steps[3].skipped, true);
    assert.equal(checkExpectations(scenario, result)[0].passed, false);
  });

  test("the final machine view reads memory and PFNs", () => {
    const result = run(
      `W: mmap p P ${A}\nW: fill p 0x41\nR: mmap q P ${A}\nW: vmsplice fds[1] iov1(p,1) G|M\nR: vmsplice fds[0] iovB(q,P) M\n`,
      "rfc-v2",
    );
    const q = result.final.mappingStart("R", "q")!;
    const writerPfn = result.steps[6].chunks[0].pfn;
    assert.equal(result.final.pfnAt("R", q), writerPfn);
    assert.equal(result.final.pfnAt("W", result.final.mappingStart("W", "p")!), null);
    assert.deepEqual([...result.final.readBytes("R", q, 4)], [0x41, 0x41, 0x41, 0x41]);
  });
});

describe("simulator copy-on-write of KSM pages", () => {
  test("a write to a KSM-merged page after vmsplice gets a new frame; the pipe keeps the old bytes (every model)", () => {
    for (const kernel of MODELS) {
      run(
        `W: mmap p P ${A}\nW: fill p pattern\nW: ksm-merge p\nW: vmsplice fds[1] iov1(p,1) 0\nW: fill p 'B'\nexpect rule VMS-ALIAS-COW\nR: mmap buf P ${A}\nR: read fds[0] buf P\nexpect bytes buf P == 0x10\n`,
        kernel,
      );
    }
  });
});

describe("simulator iovec import on 6.x (kernel 6.18, test/conformance overlong-iovec)", () => {
  test("an overlong length runs until GUP meets the hole after the mapping; a negative length is EINVAL", () => {
    const body =
      `W: mmap p 4P ${A}\nW: fill p pattern\nW: vmsplice fds[1] [p,0x800000000000] 0\nexpect returned 16384\nW: vmsplice fds[1] [p,0xffffffffffffffff] 0\nexpect errno EINVAL\n` +
      // With several segments each one is range-checked with its full length (lib/iov_iter.c __import_iovec): EFAULT.
      `W: vmsplice fds[1] [p,P] [p,0x800000000000] 0\nexpect errno EFAULT\n`;
    run(body, "mainline-6.x");
  });

  test("3.12 and the RFC still fail an iovec that ends past the user address limit with EFAULT", () => {
    for (const kernel of ["mainline-3.12", "rfc-v2"] as KernelModel[])
      run(
        `W: mmap p 4P ${A}\nW: fill p pattern\nW: vmsplice fds[1] [p,0x800000000000] 0\nexpect errno EFAULT\n`,
        kernel,
      );
  });
});

describe("simulator RFC hazards beyond the golden table", () => {
  const gift = `W: mmap p P ${A}\nW: fill p pattern\nW: vmsplice fds[1] iov1(p,1) G|M\n`;

  test("gifting mlocked memory zaps it anyway (VMS-RFC-MLOCK)", () => {
    run(
      `W: mmap p P ${A}\nW: fill p pattern\nW: mlock p\nW: vmsplice fds[1] iov1(p,1) G|M\nexpect zapped p[0]\nexpect rule VMS-RFC-MLOCK\n`,
      "rfc-v2",
    );
  });

  test("a shared destination gets an anonymous page planted in it (VMS-DST-SHARED)", () => {
    run(
      `${gift}R: mmap s P PROT_READ|PROT_WRITE MAP_SHARED|MAP_ANONYMOUS\nR: fill s 0xEE\nR: vmsplice fds[0] iovB(s,P) M\nexpect returned 4096\nexpect moved s[0] from W p[0]\nexpect rule VMS-DST-SHARED\n`,
      "rfc-v2",
    );
  });

  test("a hugetlb destination crashes in the destination zap (VMS-DST-HUGETLB); mainline copies", () => {
    const body = `${gift}R: mmap h 2M PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB\nR: fill h 0xEE\nR: vmsplice fds[0] iovB(h,P) M\n`;
    run(body + "expect[rfc-v2] kernel-bug\nexpect[rfc-v2] rule VMS-DST-HUGETLB\n", "rfc-v2");
    run(body + "expect returned 4096\nexpect copied h[0]\n", "mainline-3.12");
  });

  test("a transparent-huge-page destination is split by the move (VMS-DST-THP)", () => {
    run(
      `${gift}R: mmap t 2M ${A} align=2M\nR: madvise t MADV_HUGEPAGE\nR: fill t 0xEE\nR: vmsplice fds[0] iovB(t,P) M\nexpect moved t[0]\nexpect rule VMS-DST-THP\nexpect rule VMS-THP-SPLIT\nexpect present t[1..511]\nexpect bytes t+P P == 0xEE\n`,
      "rfc-v2",
    );
  });

  test("a writer zap covering a whole THP leaves it compound, so the reader copies (VMS-THP)", () => {
    const body = `W: mmap t 2M ${A} align=2M\nW: madvise t MADV_HUGEPAGE\nW: fill t pattern\nR: mmap q 512P ${A}\nW: fcntl fds[1] F_SETPIPE_SZ 2M\nexpect returned 2097152\nW: vmsplice fds[1] iov1(t,512) G|M\nexpect returned 2097152\nexpect zapped t[0..511]\nexpect no-rule VMS-THP-SPLIT\nR: vmsplice fds[0] iovB(q,512P) M\nexpect returned 2097152\nexpect copied q[0..511]\nexpect rule VMS-THP\n`;
    const { scenario, diagnostics } = parseScenario(
      `scenario T "t"\nprocess W privileged\nprocess R\npipe fds\n${body}`,
    );
    assert.deepEqual(diagnostics, []);
    const failures = checkExpectations(scenario, runScenario(scenario, { kernel: "rfc-v2" })).filter(
      (verdict) => !verdict.passed,
    );
    assert.deepEqual(failures, []);
  });

  test("an unprivileged F_SETPIPE_SZ above 1 MiB is EPERM and shrinking below the queued buffers is EBUSY", () => {
    for (const kernel of MODELS)
      run(
        `W: fcntl fds[1] F_SETPIPE_SZ 2M\nexpect errno EPERM\nW: write fds[1] data 4P 'X'\nW: fcntl fds[1] F_SETPIPE_SZ 2P\nexpect errno EBUSY\nW: fcntl fds[1] F_SETPIPE_SZ 3P\nexpect returned 16384\n`,
        kernel,
      );
  });
});

describe("simulator races on request", () => {
  test("a racing fault on the destination makes the RFC report a move that delivered nothing (VMS-RFC-PHANTOM-SUCCESS)", () => {
    const body = `W: mmap p P ${A}\nW: fill p pattern\nR: mmap q P ${A}\nR: fill q 0xEE\nW: vmsplice fds[1] iov1(p,1) G|M\nR: race-fault q\nR: vmsplice fds[0] iovB(q,P) M\nexpect returned 4096\nexpect pipe fds occupancy 0\n`;
    const result = run(
      body + "expect rule VMS-RFC-PHANTOM-SUCCESS\nexpect bytes q P == 0x00\nexpect zero-page q[0]\n",
      "rfc-v2",
    );
    const { scenario } = parseScenario(`scenario T "t"\nprocess W\nprocess R\npipe fds\n${body}`);
    const json = toReplayJson(scenario, result, { site: { file: "t.vmsim", line: 1 } });
    assert.deepEqual(
      json.pages.map((entry) => [entry.outcome, entry.rule]),
      [["not-delivered", "VMS-RFC-PHANTOM-SUCCESS"]],
    );
    // Mainline copies; the armed race has nothing to race with.
    run(body + "expect bytes q P == 0x10\n", "mainline-6.x");
  });
});

describe("simulator O_NONBLOCK pipes (VMS-NONBLOCK-FD, spec G25 verified on 6.18 for both ends)", () => {
  test("pipe2(O_NONBLOCK): vmsplice still blocks on both ends without SPLICE_F_NONBLOCK, while read(2) gets EAGAIN", () => {
    for (const kernel of MODELS) {
      const { scenario, diagnostics } = parseScenario(
        `scenario T "t"\nprocess R\npipe2 fds O_NONBLOCK\nR: mmap q P ${A}\nR: vmsplice fds[0] iovB(q,P) 0\nexpect blocked\nexpect rule VMS-NONBLOCK-FD\nR: read fds[0] q P\nexpect errno EAGAIN\nR: vmsplice fds[0] iovB(q,P) N\nexpect errno EAGAIN\n`,
      );
      assert.deepEqual(diagnostics, []);
      const failures = checkExpectations(scenario, runScenario(scenario, { kernel })).filter(
        (verdict) => !verdict.passed,
      );
      assert.deepEqual(failures, [], kernel);
    }
  });
});
