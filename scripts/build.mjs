// One esbuild script for every bundle (STYLE.md section 6): server, CLI, client and webview.
// Entries whose source does not exist yet are skipped, so the build works while layers are being added.
// The tree-sitter runtime wasm and the C grammar wasm are copied beside the bundles; the server resolves them relative to itself.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, chmodSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dist = path.join(root, "dist");
mkdirSync(dist, { recursive: true });
const watch = process.argv.includes("--watch");

// web-tree-sitter's ESM build calls createRequire(import.meta.url), which is undefined in a CommonJS bundle;
// the define and the banner give it the bundle's own file URL instead.
const importMetaShim = 'var __bundleImportMetaUrl = require("url").pathToFileURL(__filename).href;';
const nodeCommon = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  define: { "import.meta.url": "__bundleImportMetaUrl" },
  banner: { js: importMetaShim },
};
const entries = [
  {
    ...nodeCommon,
    entryPoints: ["server/src/main.ts"],
    outfile: "dist/server.js",
    banner: { js: `#!/usr/bin/env node\n${importMetaShim}` },
  },
  {
    ...nodeCommon,
    entryPoints: ["server/src/cli/main.ts"],
    outfile: "dist/cli.js",
    banner: { js: `#!/usr/bin/env node\n${importMetaShim}` },
  },
  { ...nodeCommon, entryPoints: ["server/src/protocol/analysis-worker.ts"], outfile: "dist/analysis-worker.js" },
  { ...nodeCommon, entryPoints: ["server/src/cli/check-worker.ts"], outfile: "dist/check-worker.js" },
  { ...nodeCommon, entryPoints: ["client/src/extension.ts"], outfile: "dist/client.js", external: ["vscode"] },
  {
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2022",
    sourcemap: true,
    logLevel: "warning",
    entryPoints: ["client/webview/main.ts"],
    outfile: "dist/webview.js",
  },
].filter((entry) => existsSync(path.join(root, entry.entryPoints[0])));

function copyAssets() {
  copyFileSync(require.resolve("web-tree-sitter/tree-sitter.wasm"), path.join(dist, "tree-sitter.wasm"));
  copyFileSync(require.resolve("tree-sitter-c/tree-sitter-c.wasm"), path.join(dist, "tree-sitter-c.wasm"));
  copyFileSync(require.resolve("tree-sitter-cpp/tree-sitter-cpp.wasm"), path.join(dist, "tree-sitter-cpp.wasm"));
  for (const file of ["server.js", "cli.js"]) {
    if (existsSync(path.join(dist, file))) chmodSync(path.join(dist, file), 0o755);
  }
}

// The rule pages the extension opens from a diagnostic's link (dist/docs/<RULE-ID>.md): the generator is bundled to a
// throwaway CommonJS file and run once, so the build needs no TypeScript loader.
async function writeRulePages() {
  const generator = path.join(dist, ".rule-pages.cjs");
  await build({
    absWorkingDir: root,
    entryPoints: ["scripts/rule-pages.ts"],
    outfile: generator,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "warning",
    define: { __dirname: JSON.stringify(path.join(root, "scripts")) },
  });
  const result = spawnSync(process.execPath, [generator, path.join(dist, "docs"), "--quiet"], { stdio: "inherit" });
  rmSync(generator, { force: true });
  if (result.status !== 0) throw new Error("writing the rule pages failed");
}

const started = Date.now();
await Promise.all(entries.map((entry) => build({ absWorkingDir: root, ...entry })));
copyAssets();
if (!watch) await writeRulePages();
if (!watch) console.log(`built ${entries.map((e) => e.outfile).join(", ")} in ${Date.now() - started} ms`);
