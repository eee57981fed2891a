// Hover and code lens text from real analyses: the verdict words, the decoded flags, and escaping of source text so a
// hostile identifier or comment cannot inject a command link into the (trusted) hover markdown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { hoverMarkdown } from "../../server/src/protocol/hover";
import { commandUri, escapeMarkdown, inlineCode } from "../../server/src/protocol/markdown";
import { decodeFlags, verdictSummary } from "../../server/src/protocol/present";
import { analyseText } from "./fixes-support";

test("decodeFlags names the bits, keeps unknown ones and explains unknown values", () => {
  assert.equal(decodeFlags(0, null), "0 (no flags)");
  assert.equal(decodeFlags(9, null), "`SPLICE_F_MOVE` | `SPLICE_F_GIFT` (0x9)");
  assert.equal(decodeFlags(0x12, null), "`SPLICE_F_NONBLOCK` | unknown bits 0x10 (0x12)");
  assert.equal(decodeFlags(null, "flags comes from a parameter"), "unknown (flags comes from a parameter)");
});

test("source text cannot break out of inline code or open a link", () => {
  // Outside a table `|` needs no escape (a backslash would show); inside a table row it would end the cell.
  assert.equal(inlineCode("a | b"), "`a | b`");
  assert.equal(inlineCode("a | b", true), "`a \\| b`");
  assert.equal(inlineCode("x`](command:evil)"), "`` x`](command:evil) ``");
  assert.equal(
    escapeMarkdown("[click](command:workbench.action.terminal.new)"),
    "\\[click\\]\\(command\\:workbench\\.action\\.terminal\\.new\\)",
  );
});

test("link syntax in source text stays inside code spans; the only command link is the replay link", async () => {
  const sample = readFileSync(path.resolve(__dirname, "..", "..", "samples", "align-src.c"), "utf8");
  const hostile = sample
    .replace("SPLICE_F_GIFT | SPLICE_F_MOVE);", "SPLICE_F_GIFT /* [run](command:evil.flags) */ | SPLICE_F_MOVE);")
    .replace(".iov_base = buf,", ".iov_base = buf /* [run](command:evil.base) */,");
  assert.notEqual(hostile, sample);
  const analysis = await analyseText(hostile, { kernel: "rfc-v2", pageSize: 4096 });
  assert.ok(analysis.calls.length > 0);
  const call = analysis.calls[0];
  const markdown = hoverMarkdown(call, call.call.flags.range.startIndex, { uri: "file:///x.c", line: 1, character: 2 });
  assert.ok(markdown.includes("command:evil.flags"), "the flags text is shown");
  // Outside inline code spans, the only link to a command is the replay link.
  const outsideCode = markdown
    .split("`")
    .filter((_, index) => index % 2 === 0)
    .join("");
  assert.equal(outsideCode.split("](command:").length - 1, 1, markdown);
  assert.ok(!outsideCode.includes("command:evil"), markdown);
  assert.ok(
    markdown.includes(`](${commandUri("vmsplice-lens.replay", { uri: "file:///x.c", line: 1, character: 2 })}`),
  );
});

test("the code lens words follow the page counts", async () => {
  const sample = readFileSync(path.resolve(__dirname, "..", "..", "samples", "rfc-iov-base.c"), "utf8");
  const rfc = await analyseText(sample, { kernel: "rfc-v2", pageSize: 4096 });
  assert.equal(verdictSummary(rfc.calls[0]), "4 pages: 1 moved, 3 copied · rfc-v2");
  const mainline = await analyseText(sample, { kernel: "mainline-6.x", pageSize: 4096 });
  assert.match(verdictSummary(mainline.calls[0]), /^4 pages: .* · mainline-6\.x$/);
});

test("unsafe pages are never called moved: code lens and hover say unsafe and why", async () => {
  const root = path.resolve(__dirname, "..", "..");
  const aligned = readFileSync(path.join(root, "samples", "align-dst.c"), "utf8");
  const analysis = await analyseText(aligned, { kernel: "rfc-v2", pageSize: 4096 });
  const reader = analysis.calls.find((call) => call.verdict === "unsafe");
  assert.ok(reader, "align-dst.c has an unsafe reader");
  assert.equal(verdictSummary(reader), "2 pages: 2 unsafe · rfc-v2");
  const markdown = hoverMarkdown(reader, reader.call.range.startIndex, { uri: "file:///x.c", line: 1, character: 2 });
  assert.match(markdown, /\*\*Verdict:\*\* \*\*unsafe\*\*/);
  assert.match(markdown, /Not a successful move: the RFC as written moves pages into the wrong place/);
  assert.ok(!markdown.includes("moved ·"), markdown);

  const short = readFileSync(
    path.join(root, "test", "fixtures", "VMS-DST-SHORT", "invalid", "unsafe-short-last-page.c"),
    "utf8",
  );
  const mixed = await analyseText(short, { kernel: "rfc-v2", pageSize: 4096 });
  assert.equal(verdictSummary(mixed.calls[0]), "3 pages: 1 unsafe, 2 moved · rfc-v2");

  const oops = readFileSync(path.join(root, "samples", "rfc-hugetlb-oops.c"), "utf8");
  const crash = await analyseText(oops, { kernel: "rfc-v2", pageSize: 4096 });
  const gift = crash.calls[0];
  assert.equal(verdictSummary(gift), "1 page: 1 unsafe · rfc-v2");
  assert.match(
    hoverMarkdown(gift, gift.call.range.startIndex, { uri: "file:///x.c", line: 1, character: 2 }),
    /crashes the kernel/,
  );
  const mainline = await analyseText(oops, { kernel: "mainline-6.x", pageSize: 4096 });
  assert.equal(verdictSummary(mainline.calls[0]), "1 page: 1 copied · mainline-6.x");
});
