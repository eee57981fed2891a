/**
 * Helpers for the engine tests: a seeded pseudo-random generator, a fresh engine analysis of a text to compare the
 * editor path with, and the JSON shape compared (every call with its facts, verdicts and page verdicts, every finding
 * with its range, related locations and file).
 */
import { Engine, type EngineAnalysis, type EngineOptions } from "../../server/src/engine/engine";
import { loadCLanguage, newCParser } from "../../server/src/parsing/parser";

/** A small deterministic pseudo-random generator, so a failure reproduces from its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** An engine; `checkConfinement` compares its structural shortcut with tree-sitter's changed ranges (see engine.ts). */
export async function newEngine(checkConfinement = false): Promise<Engine> {
  await loadCLanguage();
  return new Engine(newCParser, checkConfinement);
}

/** The analysis of `text` from scratch: a file the engine has never seen. */
export function freshAnalysis(engine: Engine, file: string, text: string, options: EngineOptions): EngineAnalysis {
  engine.close(file);
  engine.setText(file, text);
  const result = engine.analysis(file, options);
  engine.close(file);
  return result;
}

/** What must agree between the editor path and a fresh analysis (calls with facts and verdicts, findings). */
export function analysisJson(analysis: { calls: unknown[]; findings: unknown[]; notes: string[] }): string {
  return JSON.stringify({ calls: analysis.calls, findings: analysis.findings, notes: analysis.notes });
}
