/**
 * Server soak: the real server over stdio gets N random edits (default 10,000) to a sample, typed as an editor sends
 * them (one incremental change per didChange, diagnostics debounced by the server), with hovers and code lenses
 * asked in between. It reports crashes, requests that went unanswered, whether the final diagnostics equal those of a
 * fresh server on the final text, and the server's memory after the warm-up and at the end: its JavaScript heap after a
 * full collection (the server answers vmsplice-lens/memory when started for the soak) and its VmRSS from /proc.
 * Usage: node --import tsx scripts/soak.ts [--edits N] [--seed S] [--file samples/X.c]
 * Exit status 1 when the server died, a request failed, the diagnostics differ or the heap's data (V8's heap spaces
 * after a full collection, without compiled code) grew more than 10%.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { LspTestClient } from "../test/protocol/harness";
import type { Diagnostic } from "vscode-languageserver-protocol";

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
};
const edits = Number(argument("--edits", "10000"));
const seed = Number(argument("--seed", "1"));
const file = path.resolve(argument("--file", "samples/align-dst.c"));

let state = seed || 1;
const random = (): number => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

function position(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

const key = (diagnostics: Diagnostic[]) =>
  JSON.stringify(diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.code, d.message]));

async function main(): Promise<void> {
  const original = readFileSync(file, "utf8");
  let text = original;
  const uri = "file:///soak/soak.c";
  const client = await LspTestClient.start({
    settings: { debounceMs: 20 },
    env: { VMSPLICE_LENS_MEMORY_PROBE: "1", NODE_OPTIONS: "--expose-gc" },
  });
  const memory = () =>
    client.request<{ heapUsed: number; codeUsed: number; dataUsed: number; external: number; rss: number }>(
      "vmsplice-lens/memory",
      {},
      30000,
    );
  const pid = client.child.pid ?? 0;
  await client.open(uri, text);
  const snippets = ["x", " ", "\n", "(", ")", ";", "{", "}", "vmsplice", "SPLICE_F_GIFT", "|", "0", "4096", "/*", "*/"];
  let failures = 0;
  let warm = 0;
  let warmHeap = 0;
  let warmCode = 0;
  let warmData = 0;
  const started = Date.now();
  for (let index = 1; index <= edits; index++) {
    const offset = Math.floor(random() * (text.length + 1));
    let change: { start: number; end: number; insert: string };
    if (random() < 0.55 || text.length < 200) change = { start: offset, end: offset, insert: pick(snippets) };
    else change = { start: offset, end: Math.min(text.length, offset + 1 + Math.floor(random() * 8)), insert: "" };
    // Keep the text near its original shape: every 500 edits it is reset to the sample (a whole-text change).
    if (index % 500 === 0) {
      text = original;
      await client.change(uri, index + 1, [{ text }]);
    } else {
      const range = { start: position(text, change.start), end: position(text, change.end) };
      text = text.slice(0, change.start) + change.insert + text.slice(change.end);
      await client.change(uri, index + 1, [{ range, text: change.insert }]);
    }
    if (index % 50 === 0) {
      try {
        const at = position(text, Math.floor(random() * text.length));
        await client.request("textDocument/hover", { textDocument: { uri }, position: at }, 30000);
        await client.request("textDocument/codeLens", { textDocument: { uri } }, 30000);
      } catch (error) {
        failures++;
        process.stderr.write(`request failed after edit ${index}: ${String(error)}\n`);
      }
    }
    if (index === Math.min(1000, edits)) {
      await client.waitForDiagnostics(uri, (params) => params.version === index + 1, 60000).catch(() => undefined);
      warm = rss(pid);
      ({ heapUsed: warmHeap, codeUsed: warmCode, dataUsed: warmData } = await memory());
    }
    if (index % 2000 === 0)
      process.stderr.write(`${index}/${edits} edits, RSS ${(rss(pid) / 2 ** 20).toFixed(1)} MiB\n`);
  }
  const last = await client.waitForDiagnostics(uri, (params) => params.version === edits + 1, 60000, true);
  const end = rss(pid);
  const { heapUsed: endHeap, codeUsed: endCode, dataUsed: endData } = await memory();
  const seconds = (Date.now() - started) / 1000;
  const alive = client.child.exitCode === null;
  await client.stop();

  // A fresh server on the final text.
  const fresh = await LspTestClient.start({ settings: { debounceMs: 0 } });
  const published = fresh.waitForDiagnostics(uri, () => true, 60000);
  await fresh.open(uri, text);
  const expected = (await published).diagnostics;
  await fresh.stop();

  const same = key(last.diagnostics) === key(expected);
  // Growth is judged on the heap's data after a full collection: V8's heap spaces without its compiled code. The JIT
  // keeps optimising hot paths long after the warm-up (over 30,000 edits code_space went from 0.75 to 1.58 MB while
  // old_space went from 7.33 to 7.47 MB), and that code is bounded by the program, while a leak is data that grows
  // with the edits. The whole heap and RSS are reported too (V8 and tree-sitter's wasm memory keep pages they no
  // longer use, so RSS grows in steps that are not leaks).
  const growthOf = (before: number, after: number) => (before > 0 ? (after - before) / before : 0);
  const growth = growthOf(warmData, endData);
  const wholeGrowth = growthOf(warmHeap, endHeap);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  process.stdout.write(
    `soak: ${edits} edits in ${seconds.toFixed(1)} s (seed ${seed}, ${path.relative(process.cwd(), file)}): ` +
      `server ${alive ? "alive" : "DEAD"}, ${failures} failed requests, final diagnostics ${same ? "equal" : "DIFFER from"} a fresh server's ` +
      `(${last.diagnostics.length}); heap data after GC (V8's spaces without compiled code) ${mib(warmData)} MiB after ` +
      `1,000 edits, ${mib(endData)} MiB at the end (${(growth * 100).toFixed(1)}%); whole heap ${mib(warmHeap)} MiB, ` +
      `then ${mib(endHeap)} MiB (${(wholeGrowth * 100).toFixed(1)}%; compiled code ${mib(warmCode)} → ${mib(endCode)} MiB); ` +
      `RSS ${mib(warm)} MiB, then ${mib(end)} MiB\n`,
  );
  if (!alive || failures > 0 || !same || growth > 0.1) process.exitCode = 1;
}

void main();
