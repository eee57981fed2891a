// Unit tests of when the client asks VS Code for the code lenses again (issue 11, the themed-screenshot step): focus
// moving from the editor into the simulator cancels the lens request VS Code had pending for a just-shown file, so the
// client refreshes the lenses of the visible C files when no text editor is active any more or the simulator takes focus.
// The refresh fires the language client's own provider emitter; the library's wording is read so that a renamed emitter
// (which would make the refresh silently do nothing) fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  fireCodeLensRefresh,
  refreshOnActiveEditorChange,
  refreshOnPanelFocus,
  watchLensRefresh,
  type EditorsShown,
} from "../../client/src/lens-refresh";

test("focus leaving the text editors refreshes only when a C or C++ file is visible", () => {
  assert.equal(refreshOnActiveEditorChange({ active: undefined, visible: ["c"] }), true);
  assert.equal(refreshOnActiveEditorChange({ active: undefined, visible: ["markdown", "cpp"] }), true);
  assert.equal(refreshOnActiveEditorChange({ active: undefined, visible: ["markdown"] }), false);
  assert.equal(refreshOnActiveEditorChange({ active: undefined, visible: [] }), false);
  // Another text editor taking focus: VS Code asks that file's lenses itself.
  assert.equal(refreshOnActiveEditorChange({ active: "c", visible: ["c"] }), false);
  assert.equal(refreshOnActiveEditorChange({ active: "markdown", visible: ["c", "markdown"] }), false);
  assert.equal(refreshOnPanelFocus({ active: "c", visible: ["c"] }), true);
  assert.equal(refreshOnPanelFocus({ active: undefined, visible: ["vmsim"] }), false);
});

/** A minimal event: listeners, a fire, and disposal that really removes the listener. */
function event<T>(): {
  subscribe: (listener: (value: T) => void) => { dispose(): void };
  fire: (value: T) => void;
} {
  const listeners = new Set<(value: T) => void>();
  return {
    subscribe: (listener) => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    fire: (value) => listeners.forEach((listener) => listener(value)),
  };
}

test("the watcher refreshes after the simulator or a non-text editor takes focus from a visible C file", () => {
  const activeChanged = event<unknown>();
  const panelFocused = event<void>();
  let shown: EditorsShown = { active: "c", visible: ["c"] };
  let refreshes = 0;
  const watcher = watchLensRefresh({
    onDidChangeActiveTextEditor: activeChanged.subscribe,
    onDidFocusPanel: panelFocused.subscribe,
    shown: () => shown,
    refresh: () => refreshes++,
  });
  activeChanged.fire({});
  assert.equal(refreshes, 0, "a C editor became active: no refresh");
  shown = { active: undefined, visible: ["c"] };
  activeChanged.fire(undefined);
  assert.equal(refreshes, 1, "focus left for a webview while the C file stays visible");
  panelFocused.fire();
  assert.equal(refreshes, 2, "the simulator took focus beside the C file");
  shown = { active: undefined, visible: ["markdown"] };
  activeChanged.fire(undefined);
  panelFocused.fire();
  assert.equal(refreshes, 2, "no C file visible: nothing to refresh");
  shown = { active: undefined, visible: ["c"] };
  watcher.dispose();
  activeChanged.fire(undefined);
  panelFocused.fire();
  assert.equal(refreshes, 2, "disposed: no more refreshes");
});

test("a refresh fires each visible document's provider once, and none for a document no provider serves", () => {
  const fired: string[] = [];
  const provider = (name: string) => ({ onDidChangeCodeLensEmitter: { fire: () => fired.push(name) } });
  const c = provider("c");
  const cpp = provider("cpp");
  const byDocument = new Map([
    ["a.c", c],
    ["b.c", c],
    ["x.cpp", cpp],
  ]);
  const feature = { getProvider: (document: string) => byDocument.get(document) };
  assert.equal(fireCodeLensRefresh(feature, ["a.c", "b.c", "x.cpp", "notes.md"]), 2);
  assert.deepEqual(fired.sort(), ["c", "cpp"]);
  assert.equal(fireCodeLensRefresh(feature, ["notes.md"]), 0);
  assert.equal(fireCodeLensRefresh(undefined, ["a.c"]), 0, "no code-lens feature (the client is not running)");
  assert.equal(fired.length, 2);
});

test("the installed vscode-languageclient refreshes code lenses through the emitter the client fires", () => {
  const require = createRequire(__filename);
  const source = readFileSync(require.resolve("vscode-languageclient/lib/common/codeLens.js"), "utf8");
  // The server's workspace/codeLens/refresh fires this emitter; the client's own refresh fires the same one.
  assert.match(source, /CodeLensRefreshRequest\.type[\s\S]*?onDidChangeCodeLensEmitter\.fire\(\)/);
  assert.match(source, /onDidChangeCodeLenses: eventEmitter\.event/);
  assert.match(source, /\{ provider, onDidChangeCodeLensEmitter: eventEmitter \}/);
  const features = readFileSync(require.resolve("vscode-languageclient/lib/common/features.js"), "utf8");
  assert.match(features, /getProvider\(textDocument\) \{[\s\S]*?return registration\.provider;/);
});
