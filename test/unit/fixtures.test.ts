/**
 * The golden harness of the analyzer: every C file under test/fixtures/<RULE-ID>/{invalid,valid}/ and every samples/*.c.
 *
 * For each fixture it parses the file with tree-sitter, runs `analyzeTree` under the file's options (rfc-v2 at 4096 unless a
 * `lens-options` comment says otherwise) and asserts that
 *   - an invalid fixture produces a finding with its folder's rule id, and a valid one does not;
 *   - every `expect` marker equals the exact set of rule ids on the findings of the call on the marker's line, and every
 *     `verdict` marker equals that call's verdict (markers may name another kernel model or page size);
 *   - every call's reported position points at the callee's name in the text (UTF-16 columns), no analysis step failed,
 *     and no call claims a move the kernel cannot make (mainline, unknown facts, no gift, no SPLICE_F_MOVE), under any model;
 *   - a normalised JSON of calls and findings equals `<name>.expected.json` beside the fixture (plus, one line per call,
 *     the verdict and finding ids under the other kernel models and page sizes).
 * Goldens are rewritten only with UPDATE_GOLDEN=1, and must then be read and checked against the specification.
 * Where today's analyzer disagrees with the specification, the file is listed in KNOWN_ANALYZER_GAPS with the reason, and the
 * harness asserts the disagreement instead (STYLE.md section 7: never skip, assert today's wrong behaviour with a FIXME).
 * Part of `npm test` (unit tier); alone: `node --import tsx --test test/unit/fixtures.test.ts`.
 * samples/*.c get the marker and position checks (they have no goldens). The file also checks a generated file with
 * thousands of calls. Test code: reads and (on request) writes fixture files; the analyzer itself stays pure.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Node, Parser, Tree } from "web-tree-sitter";
import { createCParser, parseC } from "../../server/src/parsing/parser";
import { analyzeTree, type FileAnalysis } from "../../server/src/analysis/analyze";
import {
  DEFAULT_OPTIONS,
  type AnalysisOptions,
  type CallAnalysis,
  type PageOutcome,
} from "../../server/src/analysis/facts";
import { RULES, findRule } from "../../server/src/rules";
import { readMarkers, type Marker, listC } from "./fixture-markers";

const root = path.resolve(__dirname, "..", "..");
const fixturesDir = path.join(root, "test", "fixtures");
const samplesDir = path.join(root, "samples");
const updateGolden = process.env.UPDATE_GOLDEN === "1";

/**
 * Fixtures where today's analyzer disagrees with the specification (FIXME, issue 2 items 4 and 5): the harness asserts
 * that the disagreement is still there, so fixing the analyzer fails this test until the entry is removed. Goldens of
 * these files are still compared: they record today's output, which is why they need re-reading when an entry goes.
 * Paths are relative to the repository root; each reason says what the kernel does and what the analyzer does.
 */
const KNOWN_ANALYZER_GAPS: ReadonlyMap<string, string> = new Map([
  [
    "test/fixtures/VMS-ALIGN-SRC/invalid/struct-member.c",
    "FIXME: msg->payload is a flexible array member 8 bytes into an mmap'd struct; the analyzer does not resolve members of a pointed-to struct (verdict unknown, which is safe)",
  ],
  [
    "test/fixtures/VMS-FLAGS-UNKNOWN/invalid/msg-dontwait.c",
    "FIXME: MSG_DONTWAIT (0x40) is not folded, so the flags are unknown (spec 4.1 names MSG_* constants as the pattern)",
  ],
  [
    "test/fixtures/VMS-LEN-PAGE/invalid/sizeof-record.c",
    "FIXME: sizeof(struct record) of a same-file struct of one char[1000] is not folded (verdict unknown, which is safe)",
  ],
  [
    "test/fixtures/VMS-NO-GIFT/invalid/half-typed/unfinished-call.c",
    "FIXME: the unclosed call is found now, but its range is the whole ERROR region (it starts at the enclosing function, line 12) instead of the vmsplice name on line 21; calleeRange is right",
  ],
  ["test/fixtures/VMS-RFC-MLOCK/invalid/map-locked.c", "FIXME: MAP_LOCKED is not treated like mlock()"],
  [
    "test/fixtures/VMS-ZERO-PAGE/invalid/large-malloc.c",
    "FIXME: a never-written 1 MiB malloc is a fresh mapping (spec 4.6: not touched for large malloc); the analyzer assumes every malloc is touched",
  ],
  [
    "test/fixtures/VMS-ALIAS-WRITE/valid/ack-before-reuse.c",
    "FIXME: the writer reuses the buffer only after read() of the reader's acknowledgement on another pipe (the fix the spec recommends); the analyzer still reports VMS-ALIAS-WRITE",
  ],
  [
    "test/fixtures/VMS-SHMEM/invalid/dev-shm-file.c",
    "FIXME: a file under /dev/shm is tmpfs, i.e. shmem (spec 4.2 pattern); the analyzer reports VMS-FILE (same copy, other reason)",
  ],
  [
    "test/fixtures/VMS-RFC-HUGETLB-OOPS/invalid/shmget-hugetlb.c",
    "FIXME: shmget(SHM_HUGETLB) memory is hugetlb, so the gift crashes the kernel (spec 4.2 pattern); the analyzer reports VMS-SHMEM",
  ],
]);

let parserPromise: Promise<Parser> | null = null;
function parser(): Promise<Parser> {
  parserPromise ??= createCParser();
  return parserPromise;
}

interface Fixture {
  file: string;
  /** Rule id of the folder, or null for samples. */
  rule: string | null;
  kind: "invalid" | "valid" | "sample";
}

const ruleFolders = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name.startsWith("VMS-"))
  .map((entry) => entry.name)
  .sort();
const fixtures: Fixture[] = [
  ...ruleFolders.flatMap((rule) =>
    (["invalid", "valid"] as const).flatMap((kind) =>
      listC(path.join(fixturesDir, rule, kind)).map((file) => ({ file, rule, kind })),
    ),
  ),
  ...readdirSync(samplesDir)
    .filter((name) => name.endsWith(".c"))
    .sort()
    .map((name) => ({ file: path.join(samplesDir, name), rule: null, kind: "sample" as const })),
];

function optionsKey(options: AnalysisOptions): string {
  return `${options.kernel}@${options.pageSize}`;
}

/** Names of the functions called by call expressions that start on a line (found in the tree, not in the text). */
function calleesOnLine(tree: Tree, line: number): string[] {
  const names: string[] = [];
  const visit = (node: Node): void => {
    if (node.endPosition.row < line || node.startPosition.row > line) return;
    if (node.type === "call_expression" && node.startPosition.row === line) {
      const callee = node.childForFieldName("function");
      if (callee) names.push(callee.text);
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return names;
}

function callsOnLine(analysis: FileAnalysis, line: number): CallAnalysis[] {
  return analysis.calls.filter((call) => call.call.range.start.line <= line && line <= call.call.range.end.line);
}

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Compresses per-page outcomes into runs of equal verdict and rules, so a 2048-page segment stays readable. */
function pageRuns(outcomes: PageOutcome[]): { pages: string; verdict: string; rules: string[] }[] {
  const runs: { first: number; last: number; verdict: string; rules: string[] }[] = [];
  for (const outcome of outcomes) {
    const rules = sorted(outcome.rules);
    const previous = runs[runs.length - 1];
    if (
      previous &&
      previous.last === outcome.index - 1 &&
      previous.verdict === outcome.verdict &&
      previous.rules.join() === rules.join()
    ) {
      previous.last = outcome.index;
    } else {
      runs.push({ first: outcome.index, last: outcome.index, verdict: outcome.verdict, rules });
    }
  }
  return runs.map((run) => ({
    pages: run.first === run.last ? `${run.first}` : `${run.first}-${run.last}`,
    verdict: run.verdict,
    rules: run.rules,
  }));
}

/** Merges consecutive identical segments (loop-filled arrays of a thousand iovecs) into one entry that names their index range. */
function segmentRuns<T>(segments: T[]): ({ segments: string } & T)[] {
  const runs: { first: number; last: number; segment: T; key: string }[] = [];
  segments.forEach((segment, index) => {
    const key = JSON.stringify(segment);
    const previous = runs[runs.length - 1];
    if (previous && previous.key === key) previous.last = index;
    else runs.push({ first: index, last: index, segment, key });
  });
  return runs.map((run) => ({
    segments: run.first === run.last ? `${run.first}` : `${run.first}-${run.last}`,
    ...run.segment,
  }));
}

/** The reviewed shape of a golden file: positions are 1-based lines and UTF-16 columns, messages are left out on purpose. */
function normalise(analysis: FileAnalysis, options: AnalysisOptions): unknown {
  return {
    kernel: options.kernel,
    pageSize: options.pageSize,
    calls: analysis.calls.map((call) => ({
      line: call.call.range.start.line + 1,
      column: call.call.range.start.column + 1,
      callee: call.call.wrapperName ?? call.call.callee,
      function: call.call.functionName,
      direction: call.call.fd.direction,
      flags: call.call.flags.value,
      verdict: call.verdict,
      rules: sorted(call.rules),
      segments: segmentRuns(
        call.segments.map((segment) => ({
          base: segment.segment.baseText,
          length: segment.segment.lengthText,
          pages: segment.pages,
          verdict: segment.verdict,
          rules: sorted(segment.rules),
          pageOutcomes: pageRuns(segment.pageOutcomes),
        })),
      ),
    })),
    findings: analysis.findings.map((finding) => ({
      rule: finding.rule,
      severity: finding.severity,
      line: finding.range.start.line + 1,
      column: finding.range.start.column + 1,
      endLine: finding.range.end.line + 1,
      endColumn: finding.range.end.column + 1,
    })),
  };
}

const OTHER_MODELS: readonly AnalysisOptions[] = [
  { kernel: "rfc-v2", pageSize: 16384 },
  { kernel: "rfc-v2", pageSize: 65536 },
  { kernel: "mainline-6.x", pageSize: 4096 },
  { kernel: "mainline-3.12", pageSize: 4096 },
];

/**
 * Moves the kernel can never make, whatever the analyzer's reasoning: mainline never moves; the RFC moves only with a known
 * direction, only pages the writer gifted (SPLICE_F_GIFT; SPLICE_F_MOVE alone leaves the buffer ungifted), only into a
 * reader that passes SPLICE_F_MOVE, and never when a fact is missing.
 */
function impossibleMoves(analysis: FileAnalysis): string[] {
  const problems: string[] = [];
  for (const call of analysis.calls) {
    if (call.verdict !== "move") continue;
    const where = `line ${call.call.range.start.line + 1} (${call.kernel}@${call.pageSize}): verdict move`;
    const flags = call.call.flags.value;
    if (call.kernel !== "rfc-v2") problems.push(`${where} on a mainline kernel`);
    if (call.missing.length > 0) problems.push(`${where} although facts are missing: ${call.missing.join("; ")}`);
    if (call.call.fd.direction === "unknown") problems.push(`${where} with an unknown direction`);
    if (flags === null) problems.push(`${where} with unknown flags`);
    else if (call.call.fd.direction === "to-pipe" && !(flags & 8))
      problems.push(`${where} for a writer without SPLICE_F_GIFT`);
    else if (call.call.fd.direction === "from-pipe" && !(flags & 1))
      problems.push(`${where} for a reader without SPLICE_F_MOVE`);
  }
  return problems;
}

/** The same file under the other kernel models and page sizes, one line per call: "line: verdict [rules]". */
function otherModels(
  options: AnalysisOptions,
  analyse: (options: AnalysisOptions) => FileAnalysis,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const other of OTHER_MODELS) {
    if (optionsKey(other) === optionsKey(options)) continue;
    result[optionsKey(other)] = analyse(other).calls.map(
      (call) =>
        `${call.call.range.start.line + 1}: ${call.verdict} [${sorted(call.findings.map((finding) => finding.rule)).join(" ")}]`,
    );
  }
  return result;
}

function relative(file: string): string {
  return path.relative(root, file);
}

async function checkFixture(fixture: Fixture): Promise<void> {
  const text = readFileSync(fixture.file, "utf8");
  const tree = parseC(await parser(), text);
  assert.ok(tree, "tree-sitter returned no tree");
  try {
    const { markers, options, problems } = readMarkers(tree);
    assert.deepEqual(problems, [], "malformed markers");
    const analyses = new Map<string, FileAnalysis>();
    const analyse = (wanted: AnalysisOptions): FileAnalysis => {
      const key = optionsKey(wanted);
      let analysis = analyses.get(key);
      if (!analysis) {
        analysis = analyzeTree(tree, text, wanted);
        analyses.set(key, analysis);
      }
      return analysis;
    };
    const main = analyse(options);
    const failures: string[] = [];

    const failedSteps = [...analyses.values()].flatMap((analysis) =>
      analysis.notes.filter((note) => note.includes("failed")),
    );
    if (failedSteps.length > 0) failures.push(`analysis steps failed: ${failedSteps.join("; ")}`);

    const foundRules = sorted(main.findings.map((finding) => `${finding.rule}@${finding.range.start.line + 1}`));
    if (fixture.kind === "invalid" && !main.findings.some((finding) => finding.rule === fixture.rule)) {
      failures.push(
        `invalid fixture: expected a ${fixture.rule} finding under ${optionsKey(options)}; found [${foundRules.join(", ")}]`,
      );
    }
    if (fixture.kind === "valid" && main.findings.some((finding) => finding.rule === fixture.rule)) {
      failures.push(
        `valid fixture: unexpected ${fixture.rule} finding under ${optionsKey(options)}; found [${foundRules.join(", ")}]`,
      );
    }

    // A claimed move is the worst possible error (issue 2 item 5), so every move must satisfy what the kernel needs for one.
    for (const other of [options, ...OTHER_MODELS]) failures.push(...impossibleMoves(analyse(other)));

    const lines = text.split("\n");
    for (const call of main.calls) {
      const start = call.call.range.start;
      const expectedName = call.call.wrapperName ?? (call.call.callee === "syscall" ? "syscall" : "vmsplice");
      const atPosition = (lines[start.line] ?? "").slice(start.column);
      const atIndex = text.slice(call.call.range.startIndex);
      if (!atPosition.startsWith(expectedName) || !atIndex.startsWith(expectedName)) {
        failures.push(
          `call reported at ${start.line + 1}:${start.column + 1} (index ${call.call.range.startIndex}) does not start with ${expectedName}: "${atPosition.slice(0, 30)}"`,
        );
      }
    }

    for (const marker of markers) failures.push(...checkMarker(marker, tree, analyse(marker.options)));

    const goldenFailures: string[] = [];
    if (fixture.kind !== "sample") {
      const golden = fixture.file.slice(0, -2) + ".expected.json";
      const goldenContent = { ...(normalise(main, options) as object), otherModels: otherModels(options, analyse) };
      const actual = `${JSON.stringify(goldenContent, null, 2)}\n`;
      if (updateGolden) {
        writeFileSync(golden, actual);
      } else if (!existsSync(golden)) {
        goldenFailures.push(
          `missing golden ${relative(golden)}; run with UPDATE_GOLDEN=1, then read and check it against the specification`,
        );
      } else {
        const expected = readFileSync(golden, "utf8");
        if (expected !== actual) {
          try {
            assert.deepEqual(JSON.parse(actual), JSON.parse(expected));
          } catch (difference) {
            goldenFailures.push(
              `golden ${relative(golden)} differs (UPDATE_GOLDEN=1 rewrites it; review the diff):\n${(difference as Error).message}`,
            );
          }
        }
      }
    }
    assert.deepEqual(goldenFailures, [], `${relative(fixture.file)}:\n${goldenFailures.join("\n")}`);
    const knownGap = KNOWN_ANALYZER_GAPS.get(relative(fixture.file));
    if (knownGap) {
      assert.ok(
        failures.length > 0,
        `${relative(fixture.file)} now matches its markers: remove it from KNOWN_ANALYZER_GAPS (${knownGap})`,
      );
    } else {
      assert.deepEqual(failures, [], `${relative(fixture.file)}:\n${failures.join("\n")}`);
    }
  } finally {
    tree.delete();
  }
}

function checkMarker(marker: Marker, tree: Tree, analysis: FileAnalysis): string[] {
  const where = `line ${marker.line + 1} ${marker.text} (${optionsKey(marker.options)})`;
  const calls = callsOnLine(analysis, marker.line);
  const spliceLine = calleesOnLine(tree, marker.line).some((name) => name === "splice" || name === "tee");
  if (marker.kind === "expect") {
    let actual: string[];
    if (calls.length > 0) {
      actual = sorted(calls.flatMap((call) => call.findings.map((finding) => finding.rule)));
    } else if (spliceLine) {
      const callFindings = new Set(analysis.calls.flatMap((call) => call.findings));
      actual = sorted(
        analysis.findings
          .filter((finding) => !callFindings.has(finding) && finding.range.start.line === marker.line)
          .map((finding) => finding.rule),
      );
    } else {
      return [`${where}: no vmsplice call found on this line`];
    }
    const expected = sorted(marker.values);
    return actual.join(" ") === expected.join(" ")
      ? []
      : [`${where}: findings [${actual.join(" ") || "none"}], expected [${expected.join(" ") || "none"}]`];
  }
  if (calls.length !== 1) return [`${where}: expected exactly one call on this line, found ${calls.length}`];
  const verdict = calls[0]?.verdict;
  return verdict === marker.values[0] ? [] : [`${where}: verdict ${verdict}, expected ${marker.values[0]}`];
}

describe("golden fixtures", () => {
  test("every fixture folder is a rule id of the rule table", () => {
    const unknown = ruleFolders.filter((folder) => !findRule(folder));
    assert.deepEqual(unknown, []);
  });

  test("every known analyzer gap names an existing fixture or sample", () => {
    const missing = [...KNOWN_ANALYZER_GAPS.keys()].filter((file) => !existsSync(path.join(root, file)));
    assert.deepEqual(missing, []);
  });

  test("every rule decided from source has invalid and valid fixtures", () => {
    const missing = RULES.filter(
      (record) => record.notDecidedFromSource === null && record.id !== "VMS-SUPPRESSION",
    ).flatMap((record) =>
      (["invalid", "valid"] as const)
        .filter((kind) => listC(path.join(fixturesDir, record.id, kind)).length === 0)
        .map((kind) => `${record.id}/${kind}`),
    );
    assert.deepEqual(missing, []);
  });

  for (const fixture of fixtures) {
    const name = fixture.rule
      ? `${fixture.rule}/${path.relative(path.join(fixturesDir, fixture.rule), fixture.file)}`
      : relative(fixture.file);
    test(name, () => checkFixture(fixture));
  }

  // Fixtures other helpers own (test/fixtures/real-world/ and the like) carry their own expectations; here they only have to
  // respect the kernel's conditions for a move, which is cheap to check and guards realistic code against a wrong "move".
  const otherFixtures = readdirSync(fixturesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("VMS-"))
    .flatMap((entry) => listC(path.join(fixturesDir, entry.name)));
  for (const file of otherFixtures) {
    test(`no impossible move in ${relative(file)}`, async () => {
      const text = readFileSync(file, "utf8");
      const tree = parseC(await parser(), text);
      assert.ok(tree, "tree-sitter returned no tree");
      try {
        const problems = [DEFAULT_OPTIONS, ...OTHER_MODELS].flatMap((options) =>
          impossibleMoves(analyzeTree(tree, text, options)),
        );
        assert.deepEqual(problems, []);
      } finally {
        tree.delete();
      }
    });
  }

  test("a file with thousands of calls: every call is found once, at its own line", async () => {
    const count = 3000;
    const header = [
      "#define _GNU_SOURCE",
      "#include <fcntl.h>",
      "#include <sys/uio.h>",
      "int send_many(int fd, char *buf, unsigned long len)",
      "{",
      "    struct iovec iov = { .iov_base = buf, .iov_len = len };",
      "    long total = 0;",
    ];
    const body = Array.from(
      { length: count },
      (_, index) => `    total += vmsplice(fd, &iov, 1, ${index % 2 === 0 ? "0" : "SPLICE_F_GIFT"});`,
    );
    const text = [...header, ...body, "    return total;", "}", ""].join("\n");
    const tree = parseC(await parser(), text);
    assert.ok(tree);
    try {
      const analysis = analyzeTree(tree, text, { kernel: "rfc-v2", pageSize: 4096 });
      const lines = analysis.calls.map((call) => call.call.range.start.line);
      assert.equal(lines.length, count);
      assert.deepEqual(
        lines,
        Array.from({ length: count }, (_, index) => header.length + index),
      );
      assert.deepEqual(analysis.notes, []);
    } finally {
      tree.delete();
    }
  });
});
