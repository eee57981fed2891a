// Issue 10, D6: text from C source must not break out of the hover's markdown. Hostile sources (backtick runs in string
// literals, link, image and command-link syntax, raw HTML, bare URLs) are analysed, their hovers rendered with a
// CommonMark parser (markdown-it, HTML and linkify on, so anything live shows), and the HTML must hold no link but the
// replay link and rule-page links, no image and no raw HTML; the escaping functions are also checked as properties over random strings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { hoverMarkdown } from "../../server/src/protocol/hover";
import { escapeMarkdown, inlineCode } from "../../server/src/protocol/markdown";
import { analyseText } from "./fixes-support";

interface Renderer {
  render(markdown: string): string;
  renderInline(markdown: string): string;
}
const MarkdownIt = createRequire(__filename)("markdown-it") as new (options: object) => Renderer;
const markdown = new MarkdownIt({ html: true, linkify: true });

const COMMAND = "[x](command:vmsplice-lens.replay?%5B%7B%22uri%22%3A%22file%3A%2F%2F%2Fetc%2Fpasswd%22%7D%5D)";
const HOSTILE = `\`\`${COMMAND} ![](http://evil.example/p.png) <img src=x onerror=alert(1)> http://evil.example \`\`\``;
const C_STRING = HOSTILE.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

const program = `#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

extern int pick(const char *name);

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = malloc(4096 + sizeof("${C_STRING}"));
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf + sizeof("${C_STRING}"), .iov_len = strlen("${C_STRING}") };
    ssize_t n = vmsplice(fds[1], &iov, 1, pick("${C_STRING}"));
    int fd = open("/tmp/${C_STRING}", O_WRONLY);
    struct iovec other = { .iov_base = buf, .iov_len = 4096 };
    n += vmsplice(fd, &other, 1, SPLICE_F_GIFT);
    return n < 0;
}
`;

function links(html: string): string[] {
  return [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((match) => match[1]);
}

test("hovers over hostile source render no link but the replay link and rule pages, no image and no raw HTML", async () => {
  const analysis = await analyseText(program, { kernel: "rfc-v2", pageSize: 4096 });
  assert.equal(analysis.calls.length, 2);
  for (const call of analysis.calls) {
    for (const offset of [
      call.call.fd.range.startIndex,
      call.call.flags.range.startIndex,
      call.call.iov.iovRange.startIndex,
    ]) {
      const args = { uri: "file:///work/hostile.c", line: call.call.calleeRange.start.line, character: 4 };
      const source = hoverMarkdown(call, offset, args, {
        docsBase: "vmsplice-lens-docs:/",
        ruleCommand: "vmsplice-lens.showRuleDocs",
      });
      const html = markdown.render(source);
      // One replay link; every other link opens a rule page by its id (the findings' rule ids and Explain).
      const hrefs = links(html);
      for (const href of hrefs.filter((item) => item.startsWith("command:vmsplice-lens.showRuleDocs?")))
        assert.match(
          decodeURIComponent(href.split("?")[1]),
          /^\["(?:VMS-[A-Z0-9-]+|index)"\]$/,
          `a rule-page link names a rule id:\n${source}`,
        );
      const commands = hrefs.filter(
        (href) => href.startsWith("command:") && !href.startsWith("command:vmsplice-lens.showRuleDocs?"),
      );
      assert.deepEqual(
        commands.map((href) => href.split("?")[0]),
        ["command:vmsplice-lens.replay"],
        `only the replay link:\n${source}`,
      );
      for (const href of hrefs.filter((item) => !item.startsWith("command:")))
        assert.match(href, /^vmsplice-lens-docs:\/(?:VMS-[A-Z0-9-]+|index)\.md$/, `only rule-page links:\n${source}`);
      const replayArgs = JSON.parse(decodeURIComponent(commands[0].split("?")[1].replace(/&amp;/g, "&")));
      assert.deepEqual(replayArgs, [args]);
      assert.ok(!/<img/i.test(html), `no image:\n${source}`);
      assert.ok(!html.includes("<img src=x"), "no raw HTML");
    }
  }
  // The hostile text is analysed and shown (as text) somewhere: the flags argument is in the hover of the first call.
  const first = markdown.render(
    hoverMarkdown(analysis.calls[0], analysis.calls[0].call.flags.range.startIndex, {
      uri: "file:///x.c",
      line: 0,
      character: 0,
    }),
  );
  assert.ok(
    first.includes("<code>pick(&quot;``[x](command:vmsplice-lens.replay?"),
    "the source text is shown, as text",
  );
});

/** A small deterministic generator of strings made of markdown's metacharacters. */
function* hostileStrings(count: number): Generator<string> {
  const pieces = [
    "`",
    "``",
    "```",
    "[",
    "]",
    "(",
    ")",
    "!",
    "<",
    ">",
    "\\",
    "*",
    "_",
    "|",
    "#",
    "-",
    "\n",
    " ",
    "&",
    ":",
    "command:vmsplice-lens.replay?x",
    "http://e.x/",
    "www.e.x",
    "a@b.cd",
    "<img src=x>",
    "&lt;",
    "x",
    "~~",
    "1.",
  ];
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let index = 0; index < count; index++) {
    let text = "";
    const length = 1 + (next() % 12);
    for (let part = 0; part < length; part++) text += pieces[next() % pieces.length];
    yield text;
  }
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

test("inlineCode keeps any text inside one code span, verbatim", () => {
  for (const text of hostileStrings(3000)) {
    const clean = text.trim().replace(/\s+/g, " ");
    if (clean.length === 0 || clean.length > 80) continue;
    const html = markdown.renderInline(inlineCode(text));
    assert.equal(html, `<code>${htmlEscape(clean)}</code>`, JSON.stringify(text));
  }
});

test("escapeMarkdown renders any text as itself, with no link, image, HTML or block", () => {
  for (const text of hostileStrings(3000)) {
    const html = markdown.render(escapeMarkdown(text));
    const expected = text.replace(/\s+/g, " ").trim();
    if (expected.length === 0) continue;
    assert.equal(html, `<p>${htmlEscape(expected)}</p>\n`, JSON.stringify(text));
  }
});
