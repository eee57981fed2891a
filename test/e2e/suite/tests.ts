/**
 * The real-editor tests: they run inside VS Code's extension host (a real VS Code server build, driven in headless
 * Chromium) against the extension as a user gets it, either from the development folder or installed from the .vsix.
 *
 * They check what a user sees: the diagnostic with its rule id, the hover, the quick fix that makes it disappear,
 * the code lens, the Replay command opening the simulator webview that really renders (its script reports back),
 * and the `.vmsim` language with its "Replay scenario" lens. Every wait is on an event with a timeout.
 * The workspace is a throwaway copy of test/e2e/workspace made by run.sh, so edits never touch the fixtures.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { ExtensionApi } from "../../../client/src/extension";
import type { RenderSummary } from "../../../client/src/webview/messages";
import { awaitDriverFile, before, screenshot, test, waitFor } from "./harness";

export type RunMode = "development" | "packaged";

const EXTENSION_ID = "vmsplice-lens.vmsplice-lens";
const C_FIXTURE = "gift-from-malloc.c";
/** A gifted page that moves (line 24) and a reader into malloc'd memory, an unsafe move under rfc-v2 (line 32). */
const UNSAFE_FIXTURE = "unsafe-reader.c";
/** A gift of an aligned page into aligned memory: both calls move. */
const MOVES_FIXTURE = "moves.c";
/** Never opened by the tests: its diagnostics come from the workspace scan. */
const CLOSED_FIXTURE = "closed-gift.c";
const SCENARIO_FIXTURE = "replay.vmsim";
const EXPECTED_RULE = "VMS-ALIGN-SRC";
/** The bundle runs from test/e2e/.artifacts/out/, so the artifacts folder is its parent and the repository four levels up. */
const artifactsDir = path.resolve(__dirname, "..");
const repositoryRoot = path.resolve(__dirname, "..", "..", "..", "..");

function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (typeof code === "string" || typeof code === "number") return String(code);
  return code ? String(code.value) : undefined;
}

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "the test workspace is open");
  return vscode.Uri.joinPath(folder.uri, name);
}

/** What the editor has for a file, for failure messages: "VMS-X@18:4, ..." or "none". */
function describeDiagnostics(uri: vscode.Uri): string {
  const all = vscode.languages.getDiagnostics(uri);
  return all.length === 0
    ? "none"
    : all
        .map(
          (diagnostic) =>
            `${codeOf(diagnostic)}@${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1}`,
        )
        .join(", ");
}

function diagnosticsWithRule(uri: vscode.Uri, rule: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => codeOf(diagnostic) === rule);
}

async function extensionApi(): Promise<{ extension: vscode.Extension<ExtensionApi>; api: ExtensionApi }> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  const api = await extension.activate();
  await api.serverReady;
  return { extension, api };
}

async function openC(): Promise<{ document: vscode.TextDocument; editor: vscode.TextEditor }> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(C_FIXTURE));
  const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  return { document, editor };
}

/** The position of the vmsplice callee in the fixture (the fixture has exactly one call). */
function callPosition(document: vscode.TextDocument): vscode.Position {
  const offset = document.getText().indexOf("vmsplice(");
  assert.ok(offset >= 0, "the fixture calls vmsplice");
  return document.positionAt(offset);
}

/**
 * Subscribes to the webview's render reports, then runs `trigger`, and resolves with the first report that `accept`s
 * (or that shows an error), so a report from before the trigger can never satisfy the wait.
 */
function renderAfter(
  api: ExtensionApi,
  trigger: () => unknown,
  accept: (summary: RenderSummary) => boolean,
  what: string,
  timeoutMs = 30000,
): Promise<RenderSummary> {
  return new Promise<RenderSummary>((resolve, reject) => {
    const finish = (action: () => void) => {
      clearTimeout(timer);
      subscription.dispose();
      action();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))),
      timeoutMs,
    );
    const subscription = api.simulator.onDidRender((summary) => {
      if (summary.error !== null || accept(summary)) finish(() => resolve(summary));
    });
    Promise.resolve()
      .then(trigger)
      .catch((error: unknown) => finish(() => reject(error)));
  });
}

/** Asks the driver to act on the webview as a user would (keys, select boxes). */
function driverAction(action: string): void {
  console.log(`E2E-ACTION ${action}`);
}

/**
 * Asks the driver to wait until a code lens shown in the editor contains `text` (underscores stand for spaces) and
 * returns its report: "found after N ms" or "missing after N ms", then what the editor shows, then what it showed when
 * the wait began.
 */
async function shownLens(mode: RunMode, artifact: string, text: string): Promise<string> {
  const file = path.join(artifactsDir, `${mode}-${artifact}.txt`);
  return fs.readFileSync(await awaitDriverFile(file, `E2E-ACTION wait-codelens ${artifact}:${text}`, 25000), "utf8");
}

/** Asks the driver to wait until a webview (a markdown preview) has painted a heading containing `text`. */
async function awaitRendered(mode: RunMode, artifact: string, text: string): Promise<void> {
  const file = path.join(artifactsDir, `${mode}-${artifact}.txt`);
  const verdict = fs.readFileSync(
    await awaitDriverFile(file, `E2E-ACTION wait-rendered ${artifact}:${text}`, 25000),
    "utf8",
  );
  assert.ok(verdict.startsWith("found"), `the page shows its heading "${text}": ${verdict.trim()}`);
}

/** Presses End in the webview (through the driver) and awaits the render of the last step, for a telling screenshot. */
async function showLastStep(api: ExtensionApi): Promise<void> {
  await renderAfter(
    api,
    () => driverAction("webview-keys End"),
    (rendered) => rendered.step === rendered.stepCount - 1,
    "the last step after End",
  );
}

export function registerTests(mode: RunMode): void {
  before(async () => {
    // The secondary side bar (chat) takes a third of the window in this VS Code build; the tests do not need it.
    await vscode.commands.executeCommand("workbench.action.closeAuxiliaryBar");
  });

  test(`the extension is the ${mode} build and its language server starts`, async () => {
    const { extension } = await extensionApi();
    const extensionPath = fs.realpathSync(extension.extensionPath);
    if (mode === "development") {
      assert.equal(extensionPath, fs.realpathSync(repositoryRoot), "the development folder is loaded");
    } else {
      assert.notEqual(
        extensionPath,
        fs.realpathSync(repositoryRoot),
        "the installed .vsix is loaded, not the development folder",
      );
      for (const shipped of [
        "dist/client.js",
        "dist/server.js",
        "dist/webview.js",
        "dist/webview.css",
        "dist/tree-sitter.wasm",
        "dist/tree-sitter-c.wasm",
        "dist/tree-sitter-cpp.wasm",
        "dist/docs/index.md",
        `dist/docs/${EXPECTED_RULE}.md`,
        "images/icon.png",
        "package.json",
        "LICENSE.txt",
      ]) {
        assert.ok(fs.existsSync(path.join(extensionPath, shipped)), `the .vsix ships ${shipped}`);
      }
      for (const unshipped of ["client/src/extension.ts", "node_modules", "test", "dist/client.js.map"]) {
        assert.ok(!fs.existsSync(path.join(extensionPath, unshipped)), `the .vsix does not ship ${unshipped}`);
      }
    }
  });

  test(`a C file calling vmsplice shows ${EXPECTED_RULE} with its rule id`, async () => {
    await extensionApi();
    const { document } = await openC();
    const [diagnostic] = await waitFor(
      vscode.languages.onDidChangeDiagnostics,
      () => {
        const found = diagnosticsWithRule(document.uri, EXPECTED_RULE);
        return found.length > 0 ? found : undefined;
        // The first analysis includes the server's cold start (wasm load, workspace scan), so it gets more time than later waits.
      },
      60000,
      `a ${EXPECTED_RULE} diagnostic`,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the editor has: ${describeDiagnostics(document.uri)}`);
    });
    assert.equal(diagnostic.source, "vmsplice-lens");
    assert.ok(diagnostic.message.length > 0);
    await vscode.commands.executeCommand("workbench.actions.view.problems");
    await screenshot("diagnostic", artifactsDir, mode);
  }, 90000);

  test("the hover is short: the verdict and pages in words, findings linked to their pages, Replay and Explain", async () => {
    const { document, editor } = await openC();
    const position = callPosition(document);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      "vscode.executeHoverProvider",
      document.uri,
      position,
    );
    const text = hovers
      .flatMap((hover) => hover.contents.map((content) => (typeof content === "string" ? content : content.value)))
      .join("\n");
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    console.log(`hover (${lines.length} lines):\n${text}`);
    assert.match(lines[0], /^\*\*Copies all 2 pages\*\*: `vmsplice` into the pipe/, "the verdict in words comes first");
    assert.match(text, /^- page 0: \*\*copy\*\* — chunk does not start on a page boundary/m, "the pages in runs");
    assert.ok(
      text.includes(
        `[${EXPECTED_RULE}](command:vmsplice-lens.showRuleDocs?${encodeURIComponent(JSON.stringify([EXPECTED_RULE]))} `,
      ),
      "the rule id links to its page",
    );
    assert.match(lines[lines.length - 1], /^\[Replay\]\(command:vmsplice-lens\.replay\?.*\[Explain\]\(/);
    assert.ok(lines.length <= 20, `at most 20 lines on a bad call, got ${lines.length}`);
    assert.doesNotMatch(text, /Confidence|\[CODE\]|\[BUG\?\]|\bG\d\d\b|Not decided from C source/);
    editor.selection = new vscode.Selection(position, position);
    // The picture shows what a user sees a moment later: the code lens above the call too.
    const lens = await shownLens(mode, "lens-hover", "rfc-v2");
    assert.ok(lens.startsWith("found"), `the code lens shows the verdict: ${lens}`);
    await vscode.commands.executeCommand("editor.action.showHover");
    await screenshot("hover", artifactsDir, mode);
  });

  test("clicking a rule link opens the rule's page, from the hover and from the diagnostic", async () => {
    const { document } = await openC();
    const [diagnostic] = diagnosticsWithRule(document.uri, EXPECTED_RULE);
    assert.ok(diagnostic, "the diagnostic is there");
    const target = typeof diagnostic.code === "object" ? diagnostic.code.target : undefined;
    assert.equal(target?.toString(), `vmsplice-lens-docs:/${EXPECTED_RULE}.md`, "the diagnostic's code link");
    // The page shown rendered (a markdown preview, a webview) or, where the preview is unavailable, as its source.
    const rulePageTab = () =>
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .find(
          (tab) =>
            tab.label.includes(EXPECTED_RULE) &&
            (tab.input instanceof vscode.TabInputWebview ||
              (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === "vmsplice-lens-docs")),
        );
    const kind = (tab: vscode.Tab) =>
      tab.input instanceof vscode.TabInputWebview ? `rendered (${tab.input.viewType})` : "markdown source";
    const openedBy = async (action: string, argument: string, position: vscode.Position) => {
      // The editor shown again is a new TextEditor once the page's tab has hidden the first one: select through it.
      const shown = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
      shown.selection = new vscode.Selection(position, position);
      await vscode.commands.executeCommand("editor.action.showHover");
      driverAction(`${action} ${argument}`);
      return waitFor(vscode.window.tabGroups.onDidChangeTabs, rulePageTab, 20000, `the page of ${EXPECTED_RULE}`);
    };
    // The rule id in our hover's finding line.
    const fromHover = await openedBy("click-hover-link", EXPECTED_RULE, callPosition(document));
    console.log(`rule page opened from the hover: ${fromHover.label}, ${kind(fromHover)}`);
    // The preview paints after its tab opens: the screenshot waits for the page's heading, not for a while.
    await awaitRendered(mode, "rule-docs-shown", EXPECTED_RULE);
    await screenshot("rule-docs", artifactsDir, mode);
    await vscode.window.tabGroups.close(fromHover);
    // The diagnostic's own code link, which VS Code draws from codeDescription in the problem hover.
    const fromDiagnostic = await openedBy("click-hover-code-link", EXPECTED_RULE, diagnostic.range.start);
    console.log(`rule page opened from the diagnostic: ${fromDiagnostic.label}, ${kind(fromDiagnostic)}`);
    await awaitRendered(mode, "rule-docs-from-diagnostic-shown", EXPECTED_RULE);
    await screenshot("rule-docs-from-diagnostic", artifactsDir, mode);
    for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs))
      if (tab.label.includes(EXPECTED_RULE)) await vscode.window.tabGroups.close(tab);
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  if (mode === "development") {
    test("the code lens above the call offers Replay", async () => {
      const { document } = await openC();
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
        "vscode.executeCodeLensProvider",
        document.uri,
        10,
      );
      const replay = lenses.find((lens) => lens.command?.command === "vmsplice-lens.replay");
      assert.ok(replay, `a Replay code lens among: ${lenses.map((lens) => lens.command?.title).join(" | ")}`);
      assert.equal(replay.range.start.line, callPosition(document).line);
    });
  }

  test("Replay at the cursor opens the simulator webview, which renders the trace", async () => {
    const { api } = await extensionApi();
    const { document, editor } = await openC();
    const position = callPosition(document);
    editor.selection = new vscode.Selection(position, position);
    await vscode.commands.executeCommand("workbench.action.closePanel");
    const summary = await renderAfter(
      api,
      () => vscode.commands.executeCommand("vmsplice-lens.replay"),
      (rendered) => rendered.stepCount > 1,
      "the webview's first render",
    );
    if (summary.error === null) await showLastStep(api);
    await screenshot("replay", artifactsDir, mode);
    assert.equal(summary.error, null, `the replay succeeded (${summary.error})`);
    assert.ok(summary.writerTiles > 0, "the writer's pages are drawn");
    assert.ok(summary.readerTiles > 0, "the reader's pages are drawn");
    // 16 bytes into a page, one page of data spans two writer frames and fills one reader frame: one tile per page.
    assert.equal(summary.writerTiles, 2, "two writer pages");
    assert.equal(summary.readerTiles, 1, "both chunks land in one reader page, drawn as one tile");
    assert.equal(summary.focusTiles, summary.lensPages, "the simulator shows as many pages as the code lens counts");
    assert.ok(summary.copiedPages > 0 && summary.unsafePages === 0, "the chunks are copied, nothing is unsafe");
    assert.ok(summary.ringSlots >= 1, "the pipe ring is drawn");
    assert.ok(api.simulator.isOpen);
  });

  test("the simulator on an unsafe reader shows it as unsafe: where the page lands, what it clobbers, why", async () => {
    const { api } = await extensionApi();
    const document = await vscode.workspace.openTextDocument(workspaceFile(UNSAFE_FIXTURE));
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    const offset = document.getText().indexOf("vmsplice(fds[0]");
    const position = document.positionAt(offset);
    editor.selection = new vscode.Selection(position, position);
    await vscode.commands.executeCommand("workbench.action.closePanel");
    const summary = await renderAfter(
      api,
      () => vscode.commands.executeCommand("vmsplice-lens.replay"),
      (rendered) => rendered.stepCount > 1 && rendered.lensPages !== null,
      "the unsafe reader's render",
    );
    assert.equal(summary.error, null, `the replay succeeded (${summary.error})`);
    assert.equal(summary.unsafePages, 1, "the chunk is moved unsafely");
    assert.equal(summary.movedPages, 0, "an unsafe move is never counted as a successful move");
    assert.equal(summary.lensPages, 2, "the code lens counts the two destination pages");
    assert.equal(summary.focusTiles, 2, "the reader row shows the two destination pages");
    await showLastStep(api);
    const last = api.simulator.lastRender;
    assert.ok(last, "a render after End");
    assert.ok(last.unsafeTiles >= 1, "the landing page is drawn as unsafe");
    assert.match(last.caption, /UNSAFELY/);
    assert.match(last.caption, /clobbers bytes 0–15 before the buffer/);
    assert.match(last.caption, /Destination not page-aligned/, "the kernel's reason in words");
    assert.deepEqual(last.captionRules, ["VMS-ALIGN-DST"], "the rule id is a link");
    await screenshot("replay-unsafe", artifactsDir, mode);
    if (mode === "development") {
      // A good call: the gifted, aligned page moves into aligned memory.
      const good = await vscode.workspace.openTextDocument(workspaceFile(MOVES_FIXTURE));
      const goodEditor = await vscode.window.showTextDocument(good, vscode.ViewColumn.One);
      const writer = good.positionAt(good.getText().indexOf("vmsplice(fds[1]"));
      goodEditor.selection = new vscode.Selection(writer, writer);
      const moved = await renderAfter(
        api,
        () => vscode.commands.executeCommand("vmsplice-lens.replay"),
        (rendered) => rendered.stepCount > 1 && rendered.movedPages > 0,
        "the good call's render",
      );
      assert.equal(moved.unsafePages, 0);
      assert.equal(moved.copiedPages, 0);
      await showLastStep(api);
      await screenshot("replay-good", artifactsDir, mode);
    }
    if (mode === "development") {
      // The rule id in the caption is a link to the rule's page (served by the extension under vmsplice-lens-docs:).
      await renderAfter(
        api,
        async () => {
          const shown = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
          shown.selection = new vscode.Selection(position, position);
          await vscode.commands.executeCommand("vmsplice-lens.replay");
        },
        (rendered) => rendered.unsafePages === 1 && rendered.stepCount > 1,
        "the unsafe reader again",
      );
      await showLastStep(api);
      // The rule's page opens (rendered, or as its source where the preview is unavailable), as from a diagnostic.
      const rulePage = () =>
        vscode.window.tabGroups.all
          .flatMap((group) => group.tabs)
          .find(
            (tab) =>
              tab.label.includes("VMS-ALIGN-DST") &&
              (tab.input instanceof vscode.TabInputWebview ||
                (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === "vmsplice-lens-docs")),
          );
      const opened = waitFor(
        vscode.window.tabGroups.onDidChangeTabs,
        rulePage,
        20000,
        "the page of VMS-ALIGN-DST to open from the caption's rule link",
      );
      driverAction("webview-click button.rule-link");
      const page = await opened;
      // The documentation opens beside the code; the simulator panel stays for the next tests.
      await vscode.window.tabGroups.close(page);
      assert.ok(api.simulator.isOpen, "the simulator panel is still open");
    }
  });

  if (mode === "development") {
    test("the webview steps with the arrow keys, plays with Space, and its kernel and page-size switches replay again", async () => {
      const { api } = await extensionApi();
      const before = api.simulator.lastRender;
      assert.ok(
        before && before.error === null && before.stepCount > 2,
        "the previous test left a rendered replay open",
      );
      await renderAfter(
        api,
        () => driverAction("webview-keys Home,ArrowRight,ArrowRight"),
        (rendered) => rendered.step === 2,
        "step 3 after two Right-arrow presses",
      );
      // Space plays: the webview advances by itself to the last step.
      await renderAfter(
        api,
        () => driverAction("webview-keys Space"),
        (rendered) => rendered.step === rendered.stepCount - 1,
        "playing to the last step",
      );
      const switched = await renderAfter(
        api,
        () => driverAction("webview-kernel mainline-6.x"),
        (rendered) => rendered.kernel === "mainline-6.x" && rendered.stepCount > 1,
        "the replay under mainline-6.x",
      );
      assert.equal(switched.error, null, `the mainline-6.x replay succeeded (${switched.error})`);
      assert.equal(switched.movedPages, 0, "mainline never moves pages into the reader");
      // The picture shows the copy, not the state before the call.
      await showLastStep(api);
      await screenshot("replay-mainline", artifactsDir, mode);
      const resized = await renderAfter(
        api,
        () => driverAction("webview-page-size 16384"),
        (rendered) => rendered.pageSize === 16384 && rendered.stepCount > 1,
        "the replay with 16 KiB pages",
      );
      assert.equal(resized.error, null, `the 16 KiB replay succeeded (${resized.error})`);
      assert.equal(resized.kernel, "mainline-6.x", "the kernel model chosen before is kept");
    });

    test("clicking the hover's Replay link replays the call under the configured model", async () => {
      const { api } = await extensionApi();
      const { document, editor } = await openC();
      const position = callPosition(document);
      editor.selection = new vscode.Selection(position, position);
      const rendered = await renderAfter(
        api,
        async () => {
          await vscode.commands.executeCommand("editor.action.showHover");
          driverAction("click-hover-link Replay");
        },
        (summary) => summary.kernel === "rfc-v2" && summary.stepCount > 1,
        "the replay from the hover link",
      );
      assert.equal(rendered.error, null, `the hover link's replay succeeded (${rendered.error})`);
      await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    });

    test(`the quick fix for ${EXPECTED_RULE} removes the diagnostic`, async () => {
      const { document } = await openC();
      const [diagnostic] = await waitFor(
        vscode.languages.onDidChangeDiagnostics,
        () => {
          const found = diagnosticsWithRule(document.uri, EXPECTED_RULE);
          return found.length > 0 ? found : undefined;
        },
        30000,
        `a ${EXPECTED_RULE} diagnostic`,
      );
      const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
        "vscode.executeCodeActionProvider",
        document.uri,
        diagnostic.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const codeActions = actions.filter((action): action is vscode.CodeAction => typeof action.command !== "string");
      const describeAction = (action: vscode.CodeAction) =>
        `${action.title} [${action.kind?.value}; ${(action.diagnostics ?? []).map(codeOf).join(",")}]`;
      // A fix is a quickfix offered at the diagnostic's range that is not a suppression; it should name the diagnostic it
      // fixes, but one that names none is still what the user gets from the light bulb there.
      const fixes = codeActions.filter(
        (action) =>
          action.kind?.value === "quickfix" &&
          !/ignore|suppress/i.test(action.title) &&
          ((action.diagnostics ?? []).length === 0 ||
            (action.diagnostics ?? []).some((item) => codeOf(item) === EXPECTED_RULE)),
      );
      assert.ok(
        fixes.length > 0,
        `a quick fix for ${EXPECTED_RULE} among: ${codeActions.map(describeAction).join(" | ")}`,
      );
      const fix = fixes.find((action) => action.isPreferred) ?? fixes[0];
      console.log(`applying quick fix: ${fix.title}`);
      if (fix.edit) assert.ok(await vscode.workspace.applyEdit(fix.edit), "the edit applies");
      if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
      await waitFor(
        vscode.languages.onDidChangeDiagnostics,
        () => (diagnosticsWithRule(document.uri, EXPECTED_RULE).length === 0 ? true : undefined),
        30000,
        `${EXPECTED_RULE} to disappear`,
      );
      assert.ok(!document.getText().includes("= malloc(page)"), "the heap allocation was replaced");
      // The fix's promise: the gift now moves. The verdict lens above the call says so.
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
        "vscode.executeCodeLensProvider",
        document.uri,
        10,
      );
      const verdict = lenses.map((lens) => lens.command?.title ?? "").find((title) => / pages?: /.test(title));
      assert.ok(verdict, `a verdict lens among: ${lenses.map((lens) => lens.command?.title).join(" | ")}`);
      assert.match(verdict, /moved/, `after the fix the page moves: ${verdict}`);
      assert.doesNotMatch(verdict, /copied/, `after the fix nothing is copied: ${verdict}`);
      // And the lens the user sees in the editor is refreshed, not left showing the old verdict.
      const shown = fs.readFileSync(
        await awaitDriverFile(
          path.join(artifactsDir, `${mode}-lens-after-fix.txt`),
          "E2E-ACTION wait-codelens lens-after-fix:moved",
          25000,
        ),
        "utf8",
      );
      assert.ok(shown.startsWith("found"), `the editor's code lens shows the new verdict; it shows: ${shown}`);
      await screenshot("quick-fix", artifactsDir, mode);
      await vscode.commands.executeCommand("workbench.action.files.revert");
    });
  }

  test("a kernel-model change updates a closed file's diagnostics and the status bar", async () => {
    const { api } = await extensionApi();
    const closed = workspaceFile(CLOSED_FIXTURE);
    assert.ok(
      !vscode.workspace.textDocuments.some((document) => document.uri.toString() === closed.toString()),
      "the file is not open",
    );
    await waitFor(
      vscode.languages.onDidChangeDiagnostics,
      () => (diagnosticsWithRule(closed, EXPECTED_RULE).length > 0 ? true : undefined),
      30000,
      `${EXPECTED_RULE} on the closed file from the workspace scan`,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the editor has: ${describeDiagnostics(closed)}`);
    });
    await openC();
    const section = vscode.workspace.getConfiguration("vmspliceLens");
    await section.update("kernel", "mainline-6.x", vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor(
        vscode.languages.onDidChangeDiagnostics,
        () =>
          diagnosticsWithRule(closed, "VMS-GIFT-NOOP").length > 0 &&
          diagnosticsWithRule(closed, EXPECTED_RULE).length === 0
            ? true
            : undefined,
        30000,
        "the closed file's mainline diagnostics",
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the editor has: ${describeDiagnostics(closed)}`);
      });
      assert.match(api.statusBar.text, /vmsplice: mainline-6\.x · 4 KiB/, `the status bar: ${api.statusBar.text}`);
      // The open file's code lens follows too (the server asks the editor to refresh its lenses).
      const shown = await shownLens(mode, "lens-mainline", "mainline-6.x");
      assert.ok(shown.startsWith("found"), `the editor's code lens shows the mainline verdict; it shows: ${shown}`);
      await vscode.commands.executeCommand("workbench.actions.view.problems");
      await screenshot("settings-closed-file", artifactsDir, mode);
      // Another file takes the editor, so the first one's mainline lens is hidden (and cached by VS Code) when the
      // model is reset below.
      await vscode.window.showTextDocument(
        await vscode.workspace.openTextDocument(workspaceFile(MOVES_FIXTURE)),
        vscode.ViewColumn.One,
      );
      const other = await shownLens(mode, "lens-mainline-other", "mainline-6.x");
      assert.ok(other.startsWith("found"), `the other file's lens shows the mainline verdict; it shows: ${other}`);
    } finally {
      await section.update("kernel", undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor(
      vscode.languages.onDidChangeDiagnostics,
      () => (diagnosticsWithRule(closed, EXPECTED_RULE).length > 0 ? true : undefined),
      30000,
      `${EXPECTED_RULE} back on the closed file`,
    );
    // The hidden editor shown again: its lens comes to say rfc-v2 and no mainline lens is left. (For a moment VS Code
    // shows the lens it cached for the tab while it was hidden, which the refresh does not reach; it asks again after
    // its debounce. The report's last line, what was shown first, is logged for that.)
    await openC();
    const reset = await shownLens(mode, "lens-reset", "rfc-v2");
    console.log(`lens after the reset, shown again: ${reset.split("\n").join(" / ")}`);
    assert.ok(reset.startsWith("found"), `the lens shown again says rfc-v2; it shows: ${reset}`);
    assert.doesNotMatch(reset.split("\n")[1], /mainline/, `no mainline lens is left: ${reset}`);
    await vscode.commands.executeCommand("workbench.action.closePanel");
  });

  test("the walkthrough opens with its steps, and its pages ship with the extension", async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, "the extension is installed");
    const walkthrough = (
      extension.packageJSON as {
        contributes: { walkthroughs: { id: string; steps: { media: { markdown: string } }[] }[] };
      }
    ).contributes.walkthroughs[0];
    assert.ok(walkthrough.steps.length >= 4, "the walkthrough has its steps");
    for (const step of walkthrough.steps)
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(extension.extensionUri, step.media.markdown));
    await vscode.commands.executeCommand(
      "workbench.action.openWalkthrough",
      `${EXTENSION_ID}#${walkthrough.id}`,
      false,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await screenshot("walkthrough", artifactsDir, mode);
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  test("the status bar shows the kernel model, page size and server state; its quick pick switches", async () => {
    const { api } = await extensionApi();
    assert.match(api.statusBar.text, /^\$\(zap\) vmsplice: rfc-v2 · 4 KiB$/, `the status bar: ${api.statusBar.text}`);
    assert.match(api.statusBar.tooltip, /language server running/);
    await openC();
    const changed = waitFor(
      vscode.workspace.onDidChangeConfiguration,
      () => (vscode.workspace.getConfiguration("vmspliceLens").get("pageSize") === 16384 ? true : undefined),
      20000,
      "pageSize 16384 from the quick pick",
    );
    void vscode.commands.executeCommand("vmsplice-lens.selectKernel");
    driverAction("quick-pick 16_KiB");
    try {
      await changed;
      await waitFor(
        vscode.workspace.onDidChangeConfiguration,
        () => (/· 16 KiB$/.test(api.statusBar.text) ? true : undefined),
        5000,
        "the status bar to show 16 KiB",
      );
      await screenshot("status-bar", artifactsDir, mode);
    } finally {
      await vscode.workspace
        .getConfiguration("vmspliceLens")
        .update("pageSize", undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  if (mode === "development") {
    test("an edit after a replay shows 'source changed — replay again', and Replay again clears it", async () => {
      const { api } = await extensionApi();
      const document = await vscode.workspace.openTextDocument(workspaceFile(UNSAFE_FIXTURE));
      const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
      const position = document.positionAt(document.getText().indexOf("vmsplice(fds[0]"));
      editor.selection = new vscode.Selection(position, position);
      await renderAfter(
        api,
        () => vscode.commands.executeCommand("vmsplice-lens.replay"),
        (rendered) => rendered.stepCount > 1 && !rendered.stale,
        "a fresh replay",
      );
      const stale = await renderAfter(
        api,
        () => {
          const edit = new vscode.WorkspaceEdit();
          edit.insert(document.uri, new vscode.Position(0, 0), "/* edited */\n");
          return vscode.workspace.applyEdit(edit);
        },
        (rendered) => rendered.stale,
        "the stale state after an edit",
      );
      assert.ok(stale.stale);
      await screenshot("replay-stale", artifactsDir, mode);
      const again = await renderAfter(
        api,
        () => driverAction("webview-click #replay-again"),
        (rendered) => !rendered.stale && rendered.stepCount > 1,
        "the replay after Replay again",
      );
      assert.equal(again.error, null, "the call followed the edit above it and replayed");
      await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
      await vscode.commands.executeCommand("workbench.action.files.revert");
    });

    test("Replay with the cursor off a call offers the file's calls in a quick pick", async () => {
      const { api } = await extensionApi();
      const document = await vscode.workspace.openTextDocument(workspaceFile(MOVES_FIXTURE));
      const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
      // Line 25 (`close(fds[1]);`) lies between the calls; the nearest call above (the writer, line 22) is preselected.
      const off = new vscode.Position(24, 4);
      assert.match(document.lineAt(24).text, /close\(fds\[1\]\)/);
      editor.selection = new vscode.Selection(off, off);
      const rendered = await renderAfter(
        api,
        () => {
          void vscode.commands.executeCommand("vmsplice-lens.replay");
          driverAction("quick-pick-accept");
        },
        (summary) => summary.stepCount > 1 && summary.lensPages === 1,
        "the replay of the picked call",
      );
      assert.equal(rendered.error, null, `the picked call replayed (${rendered.error})`);
      assert.equal(rendered.movedPages, 1, "the writer's gifted page moves");
    });

    test("screenshots of a good, a copying and an unsafe call in the light and dark themes", async () => {
      const { api } = await extensionApi();
      const config = vscode.workspace.getConfiguration("workbench");
      try {
        for (const [theme, themeName] of [
          ["Default Light Modern", "light"],
          ["Default Dark Modern", "dark"],
        ] as const) {
          await config.update("colorTheme", theme, vscode.ConfigurationTarget.Global);
          // The Problems panel would cover the simulator's reader row.
          await vscode.commands.executeCommand("workbench.action.closePanel");
          // Each file's lens is told apart by its verdict: "1 page: 1 moved", "2 pages: 2 copied", "2 pages: 2 unsafe".
          for (const [file, needle, name, verdict] of [
            [MOVES_FIXTURE, "vmsplice(fds[1]", "good", "1 moved"],
            [C_FIXTURE, "vmsplice(fds[1]", "copy", "2 copied"],
            [UNSAFE_FIXTURE, "vmsplice(fds[0]", "unsafe", "2 unsafe"],
          ] as const) {
            const document = await vscode.workspace.openTextDocument(workspaceFile(file));
            const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
            const position = document.positionAt(document.getText().indexOf(needle));
            editor.selection = new vscode.Selection(position, position);
            editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
            // The lens is awaited while the editor has focus, as a user reads it before replaying. VS Code asks a shown
            // file's lenses a debounce after it gets focus and drops that request when focus leaves first; the client
            // then asks again (lens-refresh.ts), but whether that second request is shown raced VS Code's own focus
            // handling in headless Chromium (about 1 run in 3 showed no lens for 15 s). Waiting here takes the race out;
            // the check after the replay below asks that the lens stays on screen while the simulator has focus.
            const lensShown = await shownLens(mode, `lens-${name}-${themeName}`, verdict.replace(/ /g, "_"));
            console.log(`lens of the ${name} call, ${themeName}: ${lensShown.split("\n").join(" / ")}`);
            assert.ok(lensShown.startsWith("found"), `the ${name} call's code lens is shown: ${lensShown}`);
            assert.ok(lensShown.split("\n")[1].includes(`${verdict} · rfc-v2`), `under rfc-v2: ${lensShown}`);
            const summary = await renderAfter(
              api,
              () => vscode.commands.executeCommand("vmsplice-lens.replay"),
              (rendered) => rendered.stepCount > 1 && rendered.kernel === "rfc-v2",
              `the ${name} call's render`,
            );
            assert.equal(summary.error, null);
            await showLastStep(api);
            const kept = await shownLens(mode, `lens-${name}-${themeName}-replayed`, verdict.replace(/ /g, "_"));
            assert.ok(kept.startsWith("found"), `the ${name} call's lens stays while the simulator has focus: ${kept}`);
            await screenshot(`replay-${name}-${themeName}`, artifactsDir, mode);
          }
        }
      } finally {
        await config.update("colorTheme", undefined, vscode.ConfigurationTarget.Global);
      }
    }, 120000);

    test("a scenario that does not parse is reported in the panel with its line", async () => {
      const { api } = await extensionApi();
      const document = await vscode.workspace.openTextDocument(workspaceFile("typo.vmsim"));
      await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
      const rendered = await renderAfter(
        api,
        () => vscode.commands.executeCommand("vmsplice-lens.replayScenario"),
        () => false,
        "the error render",
      );
      assert.ok(rendered.error, "the panel shows an error");
      assert.match(rendered.error, /line 6\b/, `the error names line 6: ${rendered.error}`);
      assert.match(rendered.error, /GIFT/, `the error quotes the typo: ${rendered.error}`);
      assert.equal(rendered.stepCount, 0, "no stale trace is shown under the error");
      await screenshot("scenario-error", artifactsDir, mode);
    });
  }

  test("a .vmsim file is the vmsim language, offers Replay scenario, and replays", async () => {
    const { api } = await extensionApi();
    const document = await vscode.workspace.openTextDocument(workspaceFile(SCENARIO_FIXTURE));
    await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    assert.equal(document.languageId, "vmsim");
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      "vscode.executeCodeLensProvider",
      document.uri,
      10,
    );
    const lens = lenses.find((item) => item.command?.command === "vmsplice-lens.replayScenario");
    assert.ok(lens?.command, "a Replay scenario code lens");
    const command = lens.command;
    const summary = await renderAfter(
      api,
      () => vscode.commands.executeCommand(command.command, ...(command.arguments ?? [])),
      (rendered) => rendered.stepCount > 1 && rendered.writerTiles === 4,
      "the scenario's render",
    );
    if (summary.error === null) await showLastStep(api);
    await vscode.commands.executeCommand("workbench.action.closePanel");
    await screenshot("scenario", artifactsDir, mode);
    assert.equal(summary.error, null, `the scenario replayed (${summary.error})`);
    assert.equal(summary.writerTiles, 4, "the scenario hands over four pages");
  });
}
