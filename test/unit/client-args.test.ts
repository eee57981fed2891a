// Unit tests of the client's pure helpers: replay command arguments from every caller, and webview message validation.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  callChoices,
  callOnLine,
  nearestChoice,
  outcomeChoices,
  parseReplayArgs,
  shiftLine,
  parseScenarioArgs,
  siteLabel,
} from "../../client/src/replay-args";
import { parseWebviewMessage } from "../../client/src/webview/messages";
import { describeIndexStatus } from "../../client/src/index-status";

/** Stands in for a vscode.Uri: an object with a scheme whose toString() gives the URI text. */
const fakeUri = { scheme: "file", path: "/w/main.c", toString: () => "file:///w/main.c" };

describe("replay command arguments", () => {
  test("the code lens and hover link pass one {uri, line, character} object", () => {
    assert.deepEqual(parseReplayArgs([{ uri: "file:///w/main.c", line: 27, character: 4 }]), {
      uri: "file:///w/main.c",
      line: 27,
      character: 4,
    });
    assert.deepEqual(parseReplayArgs([{ uri: fakeUri, line: 1, character: 0 }]), {
      uri: "file:///w/main.c",
      line: 1,
      character: 0,
    });
  });

  test("the Replay observed lens's recorded-call selector is kept; a malformed one is dropped", () => {
    const observed = { trace: "/w/run.vmsplice-trace.jsonl", observation: 2 };
    assert.deepEqual(parseReplayArgs([{ uri: "file:///w/main.c", line: 27, character: 4, observed }]), {
      uri: "file:///w/main.c",
      line: 27,
      character: 4,
      observed,
    });
    assert.deepEqual(
      parseReplayArgs([{ uri: "file:///w/main.c", line: 27, character: 4, observed: { trace: "/t" } }])?.observed,
      { trace: "/t", observation: 1 },
    );
    for (const bad of [
      { trace: 3 },
      { trace: "" },
      { trace: "/t", observation: 0 },
      { trace: "/t", observation: 1.5 },
      "x",
    ])
      assert.deepEqual(parseReplayArgs([{ uri: "file:///w/main.c", line: 27, character: 4, observed: bad }]), {
        uri: "file:///w/main.c",
        line: 27,
        character: 4,
      });
  });

  test("(uri, position) as VS Code's own commands pass them", () => {
    assert.deepEqual(parseReplayArgs([fakeUri, { line: 3, character: 9 }]), {
      uri: "file:///w/main.c",
      line: 3,
      character: 9,
    });
  });

  test("anything else means: use the cursor", () => {
    for (const args of [
      [],
      [undefined],
      [{ uri: "file:///a.c", line: -1, character: 0 }],
      [{ uri: "", line: 1, character: 1 }],
      [{ uri: "file:///a.c", line: 1.5, character: 0 }],
      [fakeUri],
      ["file:///a.c", "x"],
    ]) {
      assert.equal(parseReplayArgs(args), null, JSON.stringify(args));
    }
  });

  test("scenario arguments: {uri} from the code lens, a Uri from the editor title, nothing from the palette", () => {
    assert.equal(parseScenarioArgs([{ uri: "file:///s/g01.vmsim" }]), "file:///s/g01.vmsim");
    assert.equal(parseScenarioArgs([fakeUri]), "file:///w/main.c");
    assert.equal(parseScenarioArgs([]), null);
    assert.equal(parseScenarioArgs([{ uri: 3 }]), null);
  });

  test("labels name the file and the one-based line", () => {
    assert.equal(siteLabel("file:///w/src/pipe%20demo.c", 27), "pipe demo.c:28");
    assert.equal(siteLabel("file:///s/g01.vmsim", null), "g01.vmsim");
    assert.equal(siteLabel("untitled:Untitled-1", 0), "untitled:Untitled-1:1");
    assert.equal(siteLabel("file:///w/bad%zz.c", 0), "bad%zz.c:1");
  });
});

describe("webview messages", () => {
  test("valid messages pass", () => {
    assert.deepEqual(parseWebviewMessage({ type: "ready" }), { type: "ready" });
    assert.deepEqual(parseWebviewMessage({ type: "changeOptions", kernel: "mainline-6.x", pageSize: 65536 }), {
      type: "changeOptions",
      kernel: "mainline-6.x",
      pageSize: 65536,
    });
    assert.deepEqual(parseWebviewMessage({ type: "replayAgain" }), { type: "replayAgain" });
    assert.deepEqual(parseWebviewMessage({ type: "openRule", rule: "VMS-ALIGN-DST" }), {
      type: "openRule",
      rule: "VMS-ALIGN-DST",
    });
  });

  test("malformed messages are dropped", () => {
    for (const message of [
      null,
      "ready",
      { type: "run" },
      { type: "changeOptions", kernel: "linux-2.6", pageSize: 4096 },
      { type: "changeOptions", kernel: "rfc-v2", pageSize: 8192 },
      { type: "rendered" },
      { type: "openRule" },
      { type: "openRule", rule: "../../etc/passwd" },
      { type: "openRule", rule: "VMS-ALIGN-DST) [x](command:evil" },
    ]) {
      assert.equal(parseWebviewMessage(message), null, JSON.stringify(message));
    }
  });
});

describe("Replay with the cursor off a call", () => {
  const uri = "file:///w/main.c";
  const lines = [
    "",
    "",
    "    ssize_t n = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT);",
    "",
    "",
    "    vmsplice(fds[0], &in, 1, 0);",
  ];
  const lenses = [
    { line: 5, command: "", title: "1 page: 1 copied · rfc-v2", args: undefined },
    { line: 5, command: "vmsplice-lens.replay", title: "Replay", args: { uri, line: 5, character: 4 } },
    { line: 2, command: "", title: "1 page: 1 moved · rfc-v2", args: undefined },
    { line: 2, command: "vmsplice-lens.replay", title: "Replay", args: { uri, line: 2, character: 16 } },
    { line: 9, command: "vmsplice-lens.replay", title: "Replay", args: { bogus: true } },
  ];
  test("the file's calls come from the lenses, in line order, with their source line and the lens's verdict", () => {
    const choices = callChoices(lenses, (line) => lines[line] ?? "");
    assert.deepEqual(
      choices.map((choice) => [choice.args.line, choice.label, choice.description]),
      [
        [2, "line 3: ssize_t n = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT);", "1 page: 1 moved · rfc-v2"],
        [5, "line 6: vmsplice(fds[0], &in, 1, 0);", "1 page: 1 copied · rfc-v2"],
      ],
    );
    assert.equal(callOnLine(choices, 5)?.args.character, 4, "on a call's line: that call, no quick pick");
    assert.equal(callOnLine(choices, 4), null, "off a call: the quick pick");
    assert.equal(nearestChoice(choices, 4)?.args.line, 2, "the nearest call above is preselected");
    assert.equal(nearestChoice(choices, 0)?.args.line, 2, "above every call: the first");
    assert.deepEqual(
      callChoices([], () => ""),
      [],
    );
  });
});

describe("the replayed call follows edits above it", () => {
  test("lines added or removed above shift the call; changes on or below its line do not", () => {
    assert.equal(shiftLine(31, [{ startLine: 0, endLine: 0, text: "/* edited */\n" }]), 32);
    assert.equal(shiftLine(31, [{ startLine: 3, endLine: 5, text: "" }]), 29);
    assert.equal(shiftLine(31, [{ startLine: 31, endLine: 31, text: "x\n" }]), 31, "an edit of the call's line");
    assert.equal(shiftLine(31, [{ startLine: 40, endLine: 40, text: "\n\n" }]), 31);
    assert.equal(
      shiftLine(31, [
        { startLine: 40, endLine: 40, text: "\n" },
        { startLine: 2, endLine: 2, text: "a\nb\n" },
      ]),
      33,
      "several changes of one event, in VS Code's (descending) order",
    );
  });
});

describe("project index status in words", () => {
  test("each project: root and state, files, what was found, limits and time", () => {
    const text = describeIndexStatus([
      {
        root: "/w/ltp",
        state: "ready",
        building: false,
        compileDatabase: null,
        sourceFiles: 4470,
        headerFiles: 460,
        filesSearched: 4930,
        sourcesParsed: 40,
        headersParsed: 2,
        wrappers: [],
        pipeFillers: ["safe_pipe (parameter 4, lib/safe_macros.c:120)"],
        fieldFills: [],
        syscallTables: ["compat_sys_vmsplice (arch/x86/syscall_64.tbl:6)", "syscall 278 (arch/x86/syscall_64.tbl:5)"],
        limits: ["only the first 20000 source files of /w/ltp were read"],
        buildMs: 1499,
      },
    ]);
    assert.match(text, /^Project \/w\/ltp \(ready\)$/m);
    assert.match(text, /source files: 4,470, headers: 460/);
    assert.match(text, /wrappers \(0\): none/);
    assert.match(text, /pipe fillers \(1\):\n {4}safe_pipe \(parameter 4, lib\/safe_macros\.c:120\)/);
    assert.match(
      text,
      /syscall tables \(2\):\n {4}compat_sys_vmsplice \(arch\/x86\/syscall_64\.tbl:6\)\n {4}syscall 278/,
    );
    assert.match(text, /limits hit:\n {4}only the first 20000 source files/);
    assert.match(text, /time taken: 1499 ms/);
    assert.match(describeIndexStatus([]), /No project index yet/);
  });
});

describe("Replay observed: the outcome quick pick", () => {
  const outcome = (observation: number, count: number, verdict: string) => ({
    observation,
    count,
    verdict,
    label: `${verdict}: 1 page`,
    first: "2026-12-04T08:00:00.000Z",
    pids: [10],
    returned: [4096],
  });

  test("one item per distinct outcome, with its count among the site's calls; none to choose with one outcome", () => {
    const choices = outcomeChoices({
      trace: "/w/run.vmsplice-trace.jsonl",
      observations: 5,
      outcomes: [outcome(1, 2, "copy"), outcome(3, 3, "move")],
    });
    assert.deepEqual(
      choices?.map((choice) => [choice.observation, choice.label, choice.description]),
      [
        [1, "copy: 1 page", "2 of 5 calls"],
        [3, "move: 1 page", "3 of 5 calls"],
      ],
    );
    assert.match(
      choices?.[1].detail ?? "",
      /^first: observation 3, 2026-12-04 08:00:00 UTC, pid 10; returned 4096 bytes$/,
    );
    assert.equal(outcomeChoices({ trace: "/t", observations: 4, outcomes: [outcome(1, 4, "move")] }), null);
  });
});
