// The replay requests over real stdio on hostile input (issue 10 D1, D2, D7): a scenario with a page index past 2^64
// is a ResponseError naming line and column (it used to abort the server), a runaway scenario ends with a step error,
// and call sites on a 2 TiB mapping, a negative offset or complemented flags replay with the window listed.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ReplayResult } from "../../server/src/protocol/ext";
import { LspTestClient } from "./harness";

const A = "PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS";

function program(size: string, base: string, flags: string): string {
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
    size_t size = ${size};
    char *area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(area, 7, size);
    struct iovec iov = { .iov_base = ${base}, .iov_len = 4096 };
    return vmsplice(fds[1], &iov, 1, ${flags}) < 0;
}
`;
}

describe("replay requests on hostile input keep the server answering", () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start({ settings: { debounceMs: 0 } });
  });
  after(async () => {
    assert.equal(await client.stop(), 0);
  });

  test("a page index of 2^65 in an expect line is a scenarioInvalid error with its line and column", async () => {
    const text = `scenario H "huge index"\nprocess W\npipe fds\nW: mmap p P ${A}\nW: vmsplice fds[1] iov1(p,1) G|M\nexpect zapped p[36893488147419103232]\n`;
    await assert.rejects(
      client.request("vmsplice-lens/replayScenario", { uri: "untitled:huge.vmsim", text }),
      (error: { code?: number; message?: string }) =>
        error.code === -32004 &&
        /line 6, column 15: page index '36893488147419103232' is out of range/.test(error.message ?? ""),
    );
  });

  test("touching a 64 GiB mapping ends on its step with the budget message", async () => {
    const text = `scenario T "touch"\nprocess W\npipe fds\nW: mmap p 65536M ${A}\nW: touch p\n`;
    const replay = await client.request<ReplayResult>("vmsplice-lens/replayScenario", {
      uri: "untitled:t.vmsim",
      text,
    });
    assert.match(JSON.stringify(replay.steps[replay.steps.length - 1]), /work budget exceeded/);
  });

  const sites: [string, string, string, RegExp][] = [
    [
      "2UL << 40",
      "area",
      "SPLICE_F_GIFT | SPLICE_F_MOVE",
      /spans 536870912 pages; the replay writes only the 1024 from page 0/,
    ],
    ["8192", "area - 1", "SPLICE_F_GIFT", /no reader call on this pipe/],
    ["8192", "area", "~0xfu", /no reader call on this pipe/],
  ];
  for (const [size, base, flags, assumption] of sites) {
    test(`the call site with size ${size}, base ${base}, flags ${flags} replays`, async () => {
      const uri = `untitled:site-${sites.findIndex((site) => site[1] === base && site[2] === flags)}.c`;
      const text = program(size, base, flags);
      const published = client.waitForDiagnostics(uri);
      await client.open(uri, text);
      await published;
      const line = text.split("\n").findIndex((row) => row.includes("vmsplice("));
      const replay = await client.request<ReplayResult>("vmsplice-lens/replay", { uri, line, character: 11 }, 30000);
      assert.ok(
        replay.assumptions.some((text) => assumption.test(text)),
        JSON.stringify(replay.assumptions),
      );
      assert.equal(replay.site.line, line + 1);
    });
  }
});
