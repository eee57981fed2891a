// Unit tests of the extension manifest (package.json "main", "activationEvents", "contributes") and the .vsix allowlist:
// every command the protocol names is contributed, every menu names a contributed command, the vmsim language's files
// exist and agree, and .vscodeignore ships exactly what the runtime loads.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Commands } from "../../server/src/protocol/ext";

const root = path.join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const contributes = manifest.contributes;

describe("extension manifest", () => {
  test("main is the client bundle built from client/src/extension.ts", () => {
    assert.equal(manifest.main, "./dist/client.js");
    assert.ok(existsSync(path.join(root, "client", "src", "extension.ts")));
  });

  test("it activates for C files and .vmsim scenarios", () => {
    for (const event of ["onLanguage:c", "onLanguage:vmsim"])
      assert.ok(manifest.activationEvents.includes(event), event);
  });

  test("every command of the protocol is contributed with a title and category", () => {
    const contributed = new Map(
      contributes.commands.map((command: { command: string; title: string; category: string }) => [
        command.command,
        command,
      ]),
    );
    for (const id of Object.values(Commands)) {
      const command = contributed.get(id) as { title: string; category: string } | undefined;
      assert.ok(command, `${id} is contributed`);
      assert.ok(command.title.length > 0 && command.category === "vmsplice Lens");
    }
  });

  test("every menu entry names a contributed command", () => {
    const ids = new Set(contributes.commands.map((command: { command: string }) => command.command));
    for (const [menu, entries] of Object.entries(contributes.menus as Record<string, { command: string }[]>)) {
      for (const entry of entries) assert.ok(ids.has(entry.command), `${menu}: ${entry.command}`);
    }
    const title = contributes.menus["editor/title"].find(
      (entry: { command: string }) => entry.command === Commands.replayScenario,
    );
    assert.match(title.when, /resourceLangId == vmsim/, "the editor title offers Replay scenario on .vmsim files");
  });

  test("the vmsim language and grammar files exist and agree", () => {
    const language = contributes.languages.find((entry: { id: string }) => entry.id === "vmsim");
    assert.deepEqual(language.extensions, [".vmsim"]);
    const configuration = JSON.parse(readFileSync(path.join(root, language.configuration), "utf8"));
    assert.equal(typeof configuration.comments?.lineComment, "string");
    const grammarEntry = contributes.grammars.find((entry: { language: string }) => entry.language === "vmsim");
    const grammar = JSON.parse(readFileSync(path.join(root, grammarEntry.path), "utf8"));
    assert.equal(grammar.scopeName, grammarEntry.scopeName);
    assert.equal(grammarEntry.scopeName, "source.vmsim");
  });

  test("configuration settings all live under the one prefix", () => {
    for (const key of Object.keys(contributes.configuration.properties)) assert.match(key, /^vmspliceLens\./);
  });
});

describe(".vscodeignore allowlist", () => {
  const lines = readFileSync(path.join(root, ".vscodeignore"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

  test("it excludes everything first, then re-includes files one by one", () => {
    assert.equal(lines[0], "**");
    for (const line of lines.slice(1)) {
      assert.ok(line.startsWith("!"), `${line} re-includes`);
      assert.ok(!line.endsWith("/"), `${line} names files, not a whole folder (a folder would re-include source maps)`);
    }
  });

  test("it ships what the runtime loads: bundles, wasm, webview assets, grammar, manifest and licence", () => {
    const shipped = new Set(lines.slice(1).map((line) => line.slice(1)));
    const needed = [
      "dist/client.js",
      "dist/server.js",
      "dist/analysis-worker.js",
      "dist/check-worker.js",
      "dist/webview.js",
      "dist/webview.css",
      "dist/tree-sitter.wasm",
      "dist/tree-sitter-c.wasm",
      "package.json",
      "LICENSE",
    ];
    for (const file of needed) assert.ok(shipped.has(file), `${file} is shipped`);
    // The walkthrough's pages are read from the installed extension.
    for (const walkthrough of contributes.walkthroughs ?? [])
      for (const step of walkthrough.steps) {
        const media = step.media.markdown as string;
        assert.ok(existsSync(path.join(root, media)), `${media} exists`);
        assert.ok(shipped.has(media) || shipped.has(`${path.dirname(media)}/*.md`), `${media} is shipped`);
      }
    for (const file of [contributes.grammars[0].path, contributes.languages[0].configuration].map((entry: string) =>
      entry.replace(/^\.\//, ""),
    )) {
      assert.ok(shipped.has(file) || shipped.has(`${path.dirname(file)}/*.json`), `${file} is shipped`);
    }
    for (const line of shipped)
      assert.ok(
        !line.endsWith(".map") && !line.includes("src/") && !line.includes("node_modules"),
        `${line} is not source`,
      );
  });
});
