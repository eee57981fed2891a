/**
 * `vmsplice-lens record` against this machine's kernel: test/record/sender.c is compiled with `gcc -g` and recorded
 * while argv and the environment choose its flags, allocator, fork, thread, destination offset and call path. The
 * tests assert the facts the recorder observed (checked against the program's own /proc/self/pagemap reading, as the
 * conformance probes read it: PFN identity, exclusive mapping, the zero page after an untouched read), the verdicts per
 * kernel model (rfc-v2 from the table; mainline copies everything, and the pages after the call show the kernel did
 * copy), and the command's behaviour: exit status, signals, trace kept or removed, static and stripped programs.
 * Skipped with a reason when the machine lacks Linux, root, gcc or addr2line.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Ajv from "ajv-draft-04";
import { main } from "../../server/src/cli/main";
import { KERNEL_MODELS } from "../../server/src/analysis/facts";
import { observedCalls, replayRecordedCall } from "../../server/src/recorder/replay-observed";
import { parseTrace } from "../../server/src/recorder/trace";
import { parseScenario } from "../../server/src/simulator/index";

const root = path.resolve(__dirname, "..", "..");
const SOURCE = path.join(root, "test", "record", "sender.c");

function unusable(): string | null {
  if (os.platform() !== "linux") return `record needs Linux, this is ${os.platform()}`;
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    return "the recorder tests compare PFNs and read /proc/kpageflags, which needs root";
  for (const tool of ["gcc", "addr2line"]) {
    const probe = spawnSync(tool, ["--version"], { encoding: "utf8", timeout: 10_000 });
    if (probe.error || probe.status !== 0) return `${tool} is not available`;
  }
  return null;
}

const reason = unusable();

interface PageJson {
  address: string;
  kind: string;
  present: boolean | null;
  exclusive: boolean | null;
  pfn: string | null;
  zero: boolean | null;
  after: { present: boolean; pfn: string | null } | null;
}
interface CallJson {
  line: number | null;
  function: string | null;
  callee: string;
  direction: string;
  flags: string[] | null;
  verdict: string;
  rules: string[];
  segments: { verdict: string; memory: string | null; rules: string[] }[];
  observation: {
    line: number | null;
    count: number;
    siteCount: number;
    verdictsSeen: Record<string, number>;
    byKernel: Record<string, Record<string, number>>;
    pids: number[];
    facts: string[];
    pages: PageJson[][];
    address: string | null;
  };
}
interface ReportJson {
  kernel: string;
  files: { path: string; calls: CallJson[] }[];
  recorded: { calls: number; notes: string[] };
}

let work = "";
let sender = "";
const sourceLines = readFileSync(SOURCE, "utf8").split("\n");

/** Runs `record --format json` in this process; the program's own output goes to stderr. */
async function record(
  args: string[],
  options: { env?: Record<string, string>; binary?: string; recordArgs?: string[] } = {},
): Promise<{ code: number; report: ReportJson | null; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, options.env ?? {});
  let stdout = "";
  let stderr = "";
  try {
    const code = await main(
      ["record", "--format", "json", ...(options.recordArgs ?? []), "--", options.binary ?? sender, ...args],
      (text) => (stdout += text),
      (text) => (stderr += text),
    );
    let report: ReportJson | null = null;
    try {
      report = JSON.parse(stdout) as ReportJson;
    } catch {
      report = null;
    }
    return { code, report, stdout, stderr };
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

function calls(report: ReportJson | null): CallJson[] {
  assert.ok(report, "record printed a JSON report");
  return report.files.flatMap((file) => file.calls);
}

function only(report: ReportJson | null, direction = "to-pipe"): CallJson {
  const matching = calls(report).filter((call) => call.direction === direction);
  assert.equal(
    matching.length,
    1,
    `one ${direction} call entry: ${JSON.stringify(calls(report).map((c) => c.verdict))}`,
  );
  return matching[0];
}

/** The program's own pagemap readings (SENDER_PAGEMAP_FILE): label → PFN (hex, as the recorder prints it). */
function ownReadings(file: string): Map<string, { present: boolean; pfn: string; exclusive: boolean }> {
  const readings = new Map<string, { present: boolean; pfn: string; exclusive: boolean }>();
  for (const line of readFileSync(file, "utf8").trim().split("\n")) {
    const [label, hex] = line.split(" ");
    const word = BigInt(hex);
    readings.set(label, {
      present: ((word >> 63n) & 1n) === 1n,
      exclusive: ((word >> 56n) & 1n) === 1n,
      pfn: `0x${(word & ((1n << 55n) - 1n)).toString(16)}`,
    });
  }
  return readings;
}

describe("record: a real run of test/record/sender.c", { skip: reason ?? false }, () => {
  before(() => {
    work = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-record-test-"));
    process.env.VMSPLICE_LENS_CACHE = path.join(work, "cache");
    sender = path.join(work, "sender");
    const built = spawnSync("gcc", ["-g", "-O0", "-Wall", "-pthread", "-o", sender, SOURCE], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(built.status, 0, built.stderr);
  });
  after(() => {
    delete process.env.VMSPLICE_LENS_CACHE;
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("a gifted, written, exclusive anonymous page: move on rfc-v2, copy on mainline; the facts match the program's own pagemap", async () => {
    const log = path.join(work, "plain.pagemap");
    const { code, report } = await record([], { env: { SENDER_PAGEMAP_FILE: log } });
    assert.equal(code, 0);
    const call = only(report);
    assert.equal(call.verdict, "move");
    assert.deepEqual(call.flags, ["SPLICE_F_GIFT"]);
    assert.deepEqual(call.observation.byKernel["mainline-6.x"], { copy: 1 });
    assert.deepEqual(call.observation.byKernel["mainline-3.12"], { copy: 1 });
    assert.match(sourceLines[(call.line ?? 0) - 1], /vmsplice\(fd, iov, 1, flags\)/, "DWARF points at the call");
    assert.equal(call.function, "send_once");
    // send_once() is a wrapper: its caller is where check reports the call.
    const from = (call.observation as unknown as { calledFrom: { line: number; function: string }[] }).calledFrom;
    assert.match(sourceLines[from[0].line - 1], /send_once\(/);
    assert.equal(from[from.length - 1].function, "main");
    const page = call.observation.pages[0][0];
    const own = ownReadings(log).get("before");
    assert.ok(own);
    assert.equal(page.kind, "private-anon");
    assert.equal(page.present, true);
    assert.equal(page.exclusive, true);
    assert.equal(page.zero, false);
    assert.equal(page.pfn, own.pfn, "the recorder saw the frame the program itself sees");
    // This kernel is mainline: nothing moves, so the gifted page is still mapped at the same frame after the call.
    assert.deepEqual(page.after, { present: true, pfn: own.pfn });
  });

  test("a reader with SPLICE_F_MOVE: predicted move on rfc-v2; this kernel copied into the destination's own frame", async () => {
    const log = path.join(work, "reader.pagemap");
    const { report } = await record(["--read-move"], { env: { SENDER_PAGEMAP_FILE: log } });
    const writer = only(report, "to-pipe");
    const reader = only(report, "from-pipe");
    assert.equal(writer.verdict, "move");
    assert.equal(reader.verdict, "move");
    assert.deepEqual(reader.flags, ["SPLICE_F_MOVE"]);
    assert.deepEqual(reader.observation.byKernel["mainline-6.x"], { copy: 1 });
    const own = ownReadings(log);
    const destination = reader.observation.pages[0][0];
    assert.equal(destination.pfn, own.get("dst-after")?.pfn, "the destination kept its frame: a copy");
    assert.notEqual(destination.pfn, writer.observation.pages[0][0].pfn, "the writer's frame did not move in");
    assert.match(sourceLines[(reader.line ?? 0) - 1], /vmsplice\(fds\[0\], &into, 1, SPLICE_F_MOVE\)/);
  });

  test("an untouched buffer that was only read is the zero page: copy (VMS-ZERO-PAGE)", async () => {
    const log = path.join(work, "zero.pagemap");
    const { report } = await record(["--alloc", "untouched"], { env: { SENDER_PAGEMAP_FILE: log } });
    const call = only(report);
    const page = call.observation.pages[0][0];
    assert.equal(page.zero, true);
    assert.equal(page.pfn, ownReadings(log).get("before")?.pfn);
    assert.equal(call.verdict, "copy");
    assert.ok(call.rules.includes("VMS-ZERO-PAGE"));
  });

  test("fork() before the call: the page is no longer exclusively mapped, copy (VMS-FORK)", async () => {
    const log = path.join(work, "fork.pagemap");
    const { report } = await record(["--fork"], { env: { SENDER_PAGEMAP_FILE: log } });
    const call = only(report);
    assert.equal(call.observation.pages[0][0].exclusive, false);
    assert.equal(ownReadings(log).get("before")?.exclusive, false);
    assert.equal(call.verdict, "copy");
    assert.ok(call.rules.includes("VMS-FORK"));
  });

  test("allocators chosen by argv: malloc, shared anonymous, private file", async () => {
    const heap = only((await record(["--alloc", "malloc"])).report);
    assert.equal(heap.observation.pages[0][0].kind, "heap");
    assert.equal(heap.verdict, "copy");
    const shared = only((await record(["--alloc", "shared"])).report);
    assert.equal(shared.observation.pages[0][0].kind, "shared-anon");
    assert.ok(shared.rules.includes("VMS-SHMEM"));
    assert.equal(shared.verdict, "copy");
    const file = only((await record(["--alloc", "file"])).report);
    assert.equal(file.observation.pages[0][0].kind, "private-file");
    assert.ok(file.rules.includes("VMS-FILE"));
    assert.equal(file.verdict, "copy");
  });

  test("a transparent huge page (MADV_HUGEPAGE): THP seen in kpageflags, the move splits it (VMS-THP-SPLIT)", async (t) => {
    const call = only((await record(["--alloc", "thp"])).report);
    const page = call.observation.pages[0][0] as PageJson & { thp: boolean | null };
    if (!page.thp) {
      t.skip("the kernel did not back the buffer with a huge page (THP disabled or no free huge page)");
      return;
    }
    assert.equal(call.verdict, "move");
    assert.ok(call.rules.includes("VMS-THP-SPLIT"));
  });

  test("offset, length and flags chosen at run time (SENDER_FLAGS from the environment)", async () => {
    const unaligned = only((await record(["--offset", "100"])).report);
    assert.ok(unaligned.rules.includes("VMS-ALIGN-SRC"));
    assert.equal(unaligned.verdict, "copy");
    const twoPages = only((await record(["--pages", "2"])).report);
    assert.equal(twoPages.verdict, "partial");
    assert.ok(twoPages.rules.includes("VMS-RFC-IOV-BASE"));
    const noGift = only((await record([], { env: { SENDER_FLAGS: "0" } })).report);
    assert.deepEqual(noGift.flags, []);
    assert.equal(noGift.verdict, "copy");
  });

  test("destination offset and kind chosen by argv: unaligned or shared destinations are unsafe on rfc-v2", async () => {
    const unaligned = only((await record(["--read-move", "--dst-offset", "100"])).report, "from-pipe");
    assert.equal(unaligned.verdict, "unsafe");
    assert.ok(unaligned.rules.includes("VMS-ALIGN-DST"));
    assert.deepEqual(unaligned.observation.byKernel["mainline-6.x"], { copy: 1 });
    const shared = only((await record(["--read-move", "--dst", "shared"])).report, "from-pipe");
    assert.equal(shared.verdict, "unsafe");
    assert.ok(shared.rules.includes("VMS-DST-SHARED"));
  });

  test("syscall(SYS_vmsplice, ...) is recorded and located", async () => {
    const call = only((await record(["--syscall"])).report);
    assert.equal(call.callee, "syscall");
    assert.match(sourceLines[(call.line ?? 0) - 1], /syscall\(SYS_vmsplice/);
  });

  test("repeated calls at one site are counted; threads and forked children are recorded", async () => {
    const repeated = only((await record(["--repeat", "3"])).report);
    assert.equal(repeated.observation.count, 3);
    assert.deepEqual(repeated.observation.verdictsSeen, { move: 3 });
    const threaded = only((await record(["--thread"])).report);
    assert.ok(threaded.rules.includes("VMS-RFC-MMAPSEM-SLEEP"), "two threads at the call");
    const { report } = await record(["--in-child"]);
    assert.equal(
      report?.recorded.notes.some((note) => /2 processes recorded/.test(note)),
      true,
    );
    const inChild = only(report);
    assert.equal(inChild.verdict, "move");
    const trace = path.join(work, "child.jsonl");
    await record(["--in-child"], { recordArgs: ["--out", trace] });
    const processes = readFileSync(trace, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; pid: number; how?: string })
      .filter((line) => line.type === "process");
    const childPid = processes.find((line) => line.how === "fork")?.pid;
    assert.ok(childPid, "the forked child announced itself");
    const recorded = readFileSync(trace, "utf8")
      .split("\n")
      .filter((line) => line.includes('"type":"call"'));
    assert.ok(recorded.length === 1 && recorded[0].includes(`"pid":${childPid},`), "the call was made by the child");
  });

  test("a reader in another process that blocks before the writer is judged with that writer", async () => {
    const { code, report } = await record(["--reader-child"]);
    assert.equal(code, 0);
    const reader = only(report, "from-pipe");
    assert.equal(only(report, "to-pipe").verdict, "move");
    assert.equal(reader.verdict, "move", JSON.stringify(reader.rules));
    assert.equal(new Set([...reader.observation.pids, ...only(report, "to-pipe").observation.pids]).size, 2);
  });

  test("an invalid iovec pointer: the program still gets EFAULT (the shim never dereferences it)", async () => {
    const { code, report } = await record(["--bad-iov"]);
    assert.equal(code, 14, "sender exits 14 when vmsplice fails");
    const call = only(report);
    assert.ok(call.observation.facts.some((fact) => /failed with EFAULT/.test(fact)));
    assert.equal(call.verdict, "unknown");
    assert.match(JSON.stringify(call), /could not be read/);
  });

  test("the program's exit status is record's; without --out the trace is removed", async () => {
    const scratch = mkdtempSync(path.join(work, "tmp-"));
    const { code } = await record(["--exit", "7"], { env: { TMPDIR: scratch } });
    assert.equal(code, 7);
    assert.deepEqual(readdirSync(scratch), [], "no trace left behind");
  });

  test("--out keeps the trace (calls, resolved sites, the run) and --trace reports it again", async () => {
    const out = path.join(work, "kept.vmsplice-trace.jsonl");
    const first = await record(["--read-move"], { recordArgs: ["--out", out] });
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string });
    assert.deepEqual([...new Set(lines.map((line) => line.type))].sort(), ["call", "process", "run", "site"]);
    let stdout = "";
    const code = await main(
      ["record", "--trace", out, "--format", "json"],
      (text) => (stdout += text),
      () => {},
    );
    assert.equal(code, 0);
    const again = JSON.parse(stdout) as ReportJson;
    assert.deepEqual(
      calls(again).map((call) => [call.line, call.verdict]),
      calls(first.report).map((call) => [call.line, call.verdict]),
    );
    const mainline = { out: "" };
    await main(
      ["record", "--trace", out, "--kernel", "mainline-6.x"],
      (text) => (mainline.out += text),
      () => {},
    );
    assert.match(mainline.out, /2 vmsplice calls observed at 2 sites in 1 file \(2 copy\)/);
  });

  test("every call of recorded runs replays with its real in-page offset and length (Replay observed, simulate --trace)", async () => {
    const runs = [
      ["--read-move", "--dst-offset", "100"],
      ["--offset", "40", "--pages", "2", "--read-move"],
      ["--fork", "--flags", "9"],
      ["--alloc", "shared", "--read-move"],
      ["--reader-child", "--read-move"],
    ];
    let replayed = 0;
    for (const [position, args] of runs.entries()) {
      const out = path.join(work, `replay-${position}.vmsplice-trace.jsonl`);
      await record(args, { recordArgs: ["--out", out] });
      const trace = parseTrace(readFileSync(out, "utf8"));
      const observed = observedCalls(trace);
      assert.ok(observed.length > 0, `${args.join(" ")}: calls recorded`);
      for (let index = 0; index < observed.length; index++)
        for (const kernel of KERNEL_MODELS) {
          const replay = replayRecordedCall(trace, observed, index, { kernel, pageSize: 4096, traceName: out });
          const problems = parseScenario(replay.scenarioText).diagnostics;
          const errors = replay.result.steps.filter((step) => step.error);
          assert.deepEqual([...problems, ...errors], [], `${args.join(" ")} call ${index}\n${replay.scenarioText}`);
          const call = observed[index].trace;
          const role = replay.role === "writer" ? "W" : "R";
          const line = replay.scenarioText.split("\n").find((text) => text.startsWith(`${role}: vmsplice`)) ?? "";
          const first = call.iov[0];
          if (first && call.iovUnreadable === undefined) {
            const offset = Number(BigInt(first.base) % 4096n);
            assert.match(
              line,
              new RegExp(`\\[[wr]\\d+${offset ? `\\+${offset}` : ""},${first.len}\\]`),
              `${args.join(" ")} call ${index}: ${line}`,
            );
          }
          replayed++;
        }
      const site = observed[0].site;
      if (site.line !== null) {
        let stdout = "";
        const code = await main(
          ["simulate", "--trace", out, `${site.file}:${site.line}`, "--format", "json"],
          (text) => (stdout += text),
          () => {},
        );
        assert.equal(code, 0);
        assert.match((JSON.parse(stdout) as { assumptions: string[] }).assumptions[0], /^replayed from a recorded run/);
      }
    }
    assert.ok(replayed >= runs.length * KERNEL_MODELS.length);
  });

  test("SARIF validates against the official 2.1.0 schema and carries the findings at their lines", async () => {
    let stdout = "";
    const code = await main(
      ["record", "--format", "sarif", "--", sender, "--read-move", "--dst-offset", "100"],
      (text) => (stdout += text),
      () => {},
    );
    assert.equal(code, 0);
    const sarif = JSON.parse(stdout) as {
      runs: {
        results: {
          ruleId: string;
          level: string;
          locations: { physicalLocation: { region: { startLine: number } } }[];
        }[];
      }[];
    };
    const schema = JSON.parse(
      readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"),
    ) as object;
    const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, logger: false }).compile(schema);
    assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3)));
    const align = sarif.runs[0].results.find((result) => result.ruleId === "VMS-ALIGN-DST");
    assert.equal(align?.level, "error");
    assert.match(sourceLines[(align?.locations[0].physicalLocation.region.startLine ?? 0) - 1], /&into/);
  });

  test("SIGTERM sent to record reaches the program, and its status comes back", { timeout: 60_000 }, async () => {
    const out = path.join(work, "signal.jsonl");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(root, "server", "src", "cli", "main.ts"),
        "record",
        "--out",
        out,
        "--",
        sender,
        "--wait-signal",
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: process.env },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // Wait until the program has loaded the shim (its "process" line), then signal record.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(existsSync(out) && readFileSync(out, "utf8").includes('"process"')))
      await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill("SIGTERM");
    assert.equal(await exited, 143);
  });

  test("a program without debug info: said clearly, calls shown by address", async () => {
    const stripped = path.join(work, "sender-nodebug");
    const built = spawnSync("gcc", ["-O0", "-pthread", "-o", stripped, SOURCE], { encoding: "utf8", timeout: 120_000 });
    assert.equal(built.status, 0, built.stderr);
    const { code, report } = await record([], { binary: stripped });
    assert.equal(code, 0);
    assert.ok(report?.recorded.notes.some((note) => /has no debug info/.test(note) && note.includes(stripped)));
    const call = only(report);
    assert.equal(call.line, null);
    assert.match(call.observation.address ?? "", /^0x[0-9a-f]+$/);
    assert.equal(call.verdict, "move", "the verdict does not need the source line");
  });

  test("no compiler for the shim, or no such program: status 2 and a sentence saying so", async () => {
    const noCompiler = await record([], {
      env: { CC: path.join(work, "no-such-gcc"), VMSPLICE_LENS_CACHE: path.join(work, "empty-cache") },
    });
    assert.equal(noCompiler.code, 2);
    assert.match(noCompiler.stderr, /builds its LD_PRELOAD shim with the system C compiler/);
    const missing = await record([], { binary: path.join(work, "no-such-program") });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot run .*no-such-program.*not found/);
  });

  test("a statically linked program: a clear message, nothing run", async (t) => {
    const libc = spawnSync("gcc", ["-print-file-name=libc.a"], { encoding: "utf8" }).stdout.trim();
    if (!path.isAbsolute(libc) || !existsSync(libc)) {
      t.skip("libc.a is not installed (libc6-dev's static library), so gcc -static cannot link");
      return;
    }
    const binary = path.join(work, "sender-static");
    const built = spawnSync("gcc", ["-static", "-g", "-pthread", "-o", binary, SOURCE], {
      encoding: "utf8",
      timeout: 120_000,
    });
    if (built.status !== 0) {
      t.skip(`gcc -static failed: ${built.stderr.trim().split("\n")[0]}`);
      return;
    }
    const { code, stderr, stdout } = await record(["--exit", "5"], { binary });
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /statically linked .*LD_PRELOAD cannot interpose/);
    assert.match(stderr, /Nothing was run/);
  });
});
