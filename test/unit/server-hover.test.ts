// Hover and code lens text from real analyses: the verdict words, the decoded flags, and escaping of source text so a
// hostile identifier or comment cannot inject a command link into the (trusted) hover markdown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { hoverMarkdown, hoverPlainText } from "../../server/src/protocol/hover";
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
  assert.match(markdown, /^\*\*Unsafe\*\*: `vmsplice` from the pipe/);
  assert.match(markdown, /Not a successful move\\: the RFC as written moves pages into the wrong place/);
  assert.match(markdown, /- pages 0–1: \*\*unsafe\*\* — destination is not page\\-aligned/);
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

const docsBase = "vmsplice-lens-docs:/";
const args = { uri: "file:///x.c", line: 1, character: 2 };
const nonEmpty = (text: string) => text.split("\n").filter((line) => line.trim() !== "");

test("the hover leads with the verdict in words and the pages in runs, then findings linked to their docs", async () => {
  const root = path.resolve(__dirname, "..", "..");
  const source = readFileSync(path.join(root, "samples", "align-src.c"), "utf8");
  const call = (await analyseText(source, { kernel: "rfc-v2", pageSize: 4096 })).calls[0];
  const markdown = hoverMarkdown(call, call.call.range.startIndex, args, { docsBase });
  const lines = nonEmpty(markdown);
  assert.equal(lines[0], "**Copies all 2 pages**: `vmsplice` into the pipe `fds[1]` · rfc-v2, 4 KiB pages");
  assert.match(lines[1], /^- page 0: \*\*copy\*\* — chunk does not start on a page boundary/);
  assert.match(lines[2], /^- page 1: \*\*copy\*\* — chunk is shorter than a page/);
  assert.match(markdown, /- warning \[VMS-ALIGN-SRC\]\(vmsplice-lens-docs:\/VMS-ALIGN-SRC\.md /);
  assert.match(markdown, /- warning \[VMS-LEN-PAGE\]\(vmsplice-lens-docs:\/VMS-LEN-PAGE\.md /);
  assert.match(
    lines[lines.length - 1],
    /^\[Replay\]\(command:vmsplice-lens\.replay\?.*· \[Explain\]\(vmsplice-lens-docs:\/VMS-ALIGN-SRC\.md /,
  );
  assert.ok(lines.length <= 20, `at most 20 lines on a bad call:\n${markdown}`);
});

test("a clean loop of 16 pages is one run; the RFC hazards are one line; no internal jargon anywhere", async () => {
  const root = path.resolve(__dirname, "..", "..");
  const source = readFileSync(path.join(root, "samples", "producer-consumer.c"), "utf8");
  const analysis = await analyseText(source, { kernel: "rfc-v2", pageSize: 4096 });
  const writer = analysis.calls.find((call) => call.call.fd.direction === "to-pipe" && call.verdict === "move");
  assert.ok(writer);
  const markdown = hoverMarkdown(writer, writer.call.range.startIndex, args, { docsBase });
  assert.match(markdown, /^\*\*Moves all 16 pages\*\*/);
  assert.match(markdown, /^- pages 0–15: \*\*move\*\*$/m);
  assert.match(markdown, /^Also applies under rfc-v2: \[VMS-RFC-ANON-VMA\]\(.*\[VMS-RFC-RSS\]/m);
  assert.ok(nonEmpty(markdown).length <= 12, `at most 12 lines on a clean call:\n${markdown}`);
  // Every hover of every sample: short, and free of the specification's internal words.
  for (const name of readdirSync(path.join(root, "samples")).filter((file) => file.endsWith(".c"))) {
    const text = readFileSync(path.join(root, "samples", name), "utf8");
    for (const call of (await analyseText(text, { kernel: "rfc-v2", pageSize: 4096 })).calls) {
      for (const offset of [call.call.range.startIndex, call.call.iov.iovRange.startIndex]) {
        const hover = hoverMarkdown(call, offset, args, { docsBase });
        assert.ok(nonEmpty(hover).length <= 20, `${name}: ${nonEmpty(hover).length} lines\n${hover}`);
        assert.doesNotMatch(hover, /Confidence|\[CODE\]|\[BUG\?\]|\bG\d\d\b|Not decided from C source/, name);
      }
    }
  }
});

test("plain text for clients without markdown: the same lines, no markdown syntax and no links", async () => {
  const root = path.resolve(__dirname, "..", "..");
  const source = readFileSync(path.join(root, "samples", "align-src.c"), "utf8");
  const call = (await analyseText(source, { kernel: "rfc-v2", pageSize: 4096 })).calls[0];
  const text = hoverPlainText(call, call.call.flags.range.startIndex);
  assert.match(text, /^Copies all 2 pages: vmsplice into the pipe fds\[1\] · rfc-v2, 4 KiB pages$/m);
  assert.match(text, /^Flags SPLICE_F_GIFT \| SPLICE_F_MOVE: SPLICE_F_MOVE \| SPLICE_F_GIFT \(0x9\)$/m);
  assert.match(text, /warning VMS-ALIGN-SRC: 'buf' does not start on a page boundary/);
  assert.doesNotMatch(text, /`|\*\*|\]\(|\\/);
});
