// The TextMate grammar of .vmsim (syntaxes/vmsim.tmLanguage.json): valid JSON with scope source.vmsim, every pattern
// compiles, every keyword the parser accepts is highlighted, and sample lines from the golden scenarios get the
// expected scopes under a minimal line matcher (first match wins, as in TextMate for one line without nesting).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "../../..");
const grammar = JSON.parse(readFileSync(path.join(root, "syntaxes/vmsim.tmLanguage.json"), "utf8"));
const configuration = JSON.parse(readFileSync(path.join(root, "syntaxes/vmsim.language-configuration.json"), "utf8"));

interface Rule {
  match?: string;
  begin?: string;
  name?: string;
  patterns?: Rule[];
  include?: string;
  captures?: Record<string, { name: string }>;
  beginCaptures?: Record<string, { name: string }>;
}

/** Every regular expression of the grammar, with the scope it assigns. */
function allPatterns(): { source: string; scopes: string[] }[] {
  const found: { source: string; scopes: string[] }[] = [];
  const visit = (rule: Rule): void => {
    for (const source of [rule.match, rule.begin]) {
      if (!source) continue;
      const captureScopes = Object.values({ ...(rule.captures ?? {}), ...(rule.beginCaptures ?? {}) }).map(
        (capture) => capture.name,
      );
      found.push({ source, scopes: [...(rule.name ? [rule.name] : []), ...captureScopes] });
    }
    rule.patterns?.forEach(visit);
  };
  grammar.patterns.forEach(visit);
  Object.values(grammar.repository as Record<string, Rule>).forEach(visit);
  return found;
}

/** Scopes that some pattern assigns to `word` somewhere in `line`. */
function scopesOf(line: string, word: string): string[] {
  const scopes: string[] = [];
  for (const pattern of allPatterns()) {
    const expression = new RegExp(pattern.source, "g");
    for (const match of line.matchAll(expression)) {
      if (match[0].includes(word)) scopes.push(...pattern.scopes);
    }
  }
  return scopes;
}

describe("vmsim TextMate grammar", () => {
  test("is valid JSON with scope source.vmsim and the .vmsim file type", () => {
    assert.equal(grammar.scopeName, "source.vmsim");
    assert.deepEqual(grammar.fileTypes, ["vmsim"]);
    assert.equal(configuration.comments.lineComment, "#");
  });

  test("every pattern compiles as a regular expression", () => {
    const patterns = allPatterns();
    assert.ok(patterns.length > 10);
    for (const pattern of patterns) assert.doesNotThrow(() => new RegExp(pattern.source), pattern.source);
  });

  test("every include points into the repository", () => {
    const text = JSON.stringify(grammar);
    for (const match of text.matchAll(/"include":"#([a-z-]+)"/g)) assert.ok(match[1] in grammar.repository, match[1]);
  });

  test("covers every command, call and expectation keyword of the parser", () => {
    const text = JSON.stringify(grammar);
    const keywords = [
      "scenario",
      "page-size",
      "models",
      "source",
      "process",
      "fork",
      "exit",
      "pipe2?",
      "file",
      "open",
      "close",
      "fcntl",
      "mmap",
      "munmap",
      "madvise",
      "mlock",
      "mprotect",
      "fill",
      "touch",
      "ksm-merge",
      "vmsplice",
      "read",
      "write",
      "splice",
      "tee",
      "expect",
      "returned",
      "errno",
      "blocked",
      "kernel-bug",
      "signal",
      "zapped",
      "intact",
      "moved",
      "copied",
      "queued",
      "bytes",
      "zero-page",
      "present",
      "absent",
      "same-frame",
      "occupancy",
      "no-rule",
      "iov1",
      "iovB",
    ];
    for (const keyword of keywords) assert.ok(text.includes(keyword), `grammar lacks '${keyword}'`);
  });

  test("golden scenario lines get the expected scopes", () => {
    assert.ok(scopesOf("W: vmsplice fds[1] iov1(p,4) G|M", "vmsplice").includes("support.function.syscall.vmsim"));
    assert.ok(scopesOf("W: vmsplice fds[1] iov1(p,4) G|M", "W").includes("entity.name.function.process.vmsim"));
    assert.ok(
      scopesOf("W: mmap p 4P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS", "MAP_PRIVATE").includes(
        "constant.language.flag.vmsim",
      ),
    );
    assert.ok(scopesOf("expect[rfc-v2] moved q[0] from W p[0]", "expect").includes("keyword.control.expect.vmsim"));
    assert.ok(
      scopesOf("expect[rfc-v2] moved q[0] from W p[0]", "rfc-v2").includes("entity.name.tag.kernel-model.vmsim"),
    );
    assert.ok(scopesOf("expect rule VMS-RFC-IOV-BASE", "VMS-RFC-IOV-BASE").includes("constant.other.rule-id.vmsim"));
    assert.ok(scopesOf("expect errno EFAULT", "EFAULT").includes("constant.other.errno.vmsim"));
    assert.ok(scopesOf("W: fill p 0xEE   # comment", "# comment").includes("comment.line.number-sign.vmsim"));
    assert.ok(scopesOf('scenario G01 "title"', '"title"').includes("string.quoted.double.vmsim"));
  });
});
