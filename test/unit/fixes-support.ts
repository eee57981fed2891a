// Helpers for the quick-fix tests: analyse a C text as the server does (facts, verdicts, suppressions), list the fixes
// offered for each call, apply one, compile the result with gcc, and analyse it again.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Parser } from "web-tree-sitter";
import { extractFacts, judgeCalls, type FileAnalysis } from "../../server/src/analysis/analyze";
import type { AnalysisOptions } from "../../server/src/analysis/facts";
import type { FixEdit, QuickFix } from "../../server/src/analysis/fixes";
import { applyFixEdits, quickFixesForCall } from "../../server/src/rules/quick-fixes";
import { applySuppressions } from "../../server/src/analysis/suppressions";
import { createCParser, parseC } from "../../server/src/parsing/parser";

let parserPromise: Promise<Parser> | null = null;
export function sharedParser(): Promise<Parser> {
  parserPromise ??= createCParser();
  return parserPromise;
}

export async function analyseText(text: string, options: AnalysisOptions): Promise<FileAnalysis> {
  const parser = await sharedParser();
  const tree = parseC(parser, text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  try {
    return applySuppressions(tree, text, judgeCalls(extractFacts(tree, text), options)).analysis;
  } finally {
    tree.delete();
  }
}

export interface OfferedFix {
  callIndex: number;
  line: number;
  fix: QuickFix;
}

export async function offeredFixes(text: string, options: AnalysisOptions): Promise<OfferedFix[]> {
  const parser = await sharedParser();
  const tree = parseC(parser, text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  try {
    const analysis = applySuppressions(tree, text, judgeCalls(extractFacts(tree, text), options)).analysis;
    return analysis.calls.flatMap((call, callIndex) =>
      quickFixesForCall(call, text, tree, call.findings).map((fix) => ({
        callIndex,
        line: call.call.range.start.line,
        fix,
      })),
    );
  } finally {
    tree.delete();
  }
}

/** Applies non-overlapping edits (insertions at the same offset keep their order). */
export function applyEdits(text: string, edits: readonly FixEdit[]): string {
  return applyFixEdits(text, edits);
}

export function gccAvailable(): boolean {
  return spawnSync("gcc", ["--version"], { timeout: 10000 }).status === 0;
}

let scratch: string | null = null;
/** `gcc -fsyntax-only -Wall` on the text; returns the compiler's messages, or "" when it compiles without warnings. */
export function compileMessages(text: string, name: string): { ok: boolean; output: string } {
  scratch ??= mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-fixes-"));
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  const result = spawnSync("gcc", ["-fsyntax-only", "-Wall", "-std=gnu11", file], { timeout: 30000, encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
}

/** Tree-sitter finds no ERROR or MISSING node in the text. */
export async function parsesCleanly(text: string): Promise<boolean> {
  const parser = await sharedParser();
  const tree = parseC(parser, text);
  if (!tree) return false;
  try {
    return !tree.rootNode.hasError;
  } finally {
    tree.delete();
  }
}
