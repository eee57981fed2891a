/**
 * Runs the analyzer for open documents and caches the result per document version and settings.
 *
 * Facts (`extractFacts`) do not depend on the kernel model or page size, so they are cached per document version
 * and re-judged cheaply when only the settings change. Suppression comments are applied after judging, so
 * diagnostics, hover, code lens and quick fixes all see the same, suppressed, findings.
 * Files that are too large, binary, or disabled by settings are not analysed; `skipped` says why in one sentence.
 * Results are tied to the document version they were computed for; callers drop them when the version moved on.
 */
import type { CancellationToken } from "vscode-languageserver/node";
import type { Tree } from "web-tree-sitter";
import { extractFacts, judgeCalls, mentionsVmsplice, type ExtractedFacts, type FileAnalysis } from "../analysis/analyze";
import { applySuppressions, type Suppression } from "../analysis/suppressions";
import type { LensSettings } from "../config";
import type { DocumentStore, OpenDocument } from "./documents";
import { buildReuseIndex, reuseFacts, type ReuseIndex } from "./facts-reuse";
import { throwIfCancelled } from "./handler";

export interface DocumentAnalysis {
  uri: string;
  version: number;
  text: string;
  settings: LensSettings;
  /** Why the document was not analysed, or null when it was. */
  skipped: string | null;
  /** The tree the analysis came from (owned by the document store; valid until the next edit). */
  tree: Tree | null;
  facts: ExtractedFacts | null;
  analysis: FileAnalysis;
  suppressions: Suppression[];
}

const EMPTY: FileAnalysis = { calls: [], findings: [], notes: [] };

/** Language ids analysed as C; anything else the client sends (a .vmsim scenario, plain text) gets no diagnostics. */
export const C_LANGUAGES = new Set(["c", "cpp", "objective-c", "objective-cpp", "cuda-cpp"]);

/** Why a text must not be analysed under these settings, or null. `byteLength` is passed in to keep this pure. */
export function skipReason(text: string, byteLength: number, settings: LensSettings): string | null {
  if (!settings.enable) return "vmsplice Lens is disabled for this file (vmspliceLens.enable is false).";
  if (byteLength > settings.maxFileSize) {
    return `vmsplice Lens did not analyse this file: it has ${formatBytes(byteLength)}, more than vmspliceLens.maxFileSize (${formatBytes(settings.maxFileSize)}).`;
  }
  // A NUL character never occurs in C source; it marks a binary file opened as C by mistake.
  if (text.includes("\u0000")) return "vmsplice Lens did not analyse this file: it contains NUL bytes, so it is not C source text.";
  return null;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

interface FactsCacheEntry {
  version: number;
  /** The tree generation the facts belong to (see OpenDocument.generation). */
  generation: number;
  facts: ExtractedFacts;
  /** Built lazily, the first time an edit could reuse these facts. */
  index: ReuseIndex | null;
}

/** How the last analyses got their facts (for the benchmark and tests). */
export interface FactsStatistics {
  extracted: number;
  reused: number;
}

export class AnalysisService {
  private readonly factsCache = new Map<string, FactsCacheEntry>();
  private readonly resultCache = new Map<string, DocumentAnalysis>();
  readonly statistics: FactsStatistics = { extracted: 0, reused: 0 };

  constructor(private readonly store: DocumentStore) {}

  forget(uri: string): void {
    this.factsCache.delete(uri);
    this.resultCache.delete(uri);
  }

  /** The analysis of the document's current version under the settings; reuses the cached one when nothing changed. */
  analyze(entry: OpenDocument, settings: LensSettings, token?: CancellationToken): DocumentAnalysis {
    const version = entry.document.version;
    const cached = this.resultCache.get(entry.uri);
    if (cached && cached.version === version && cached.settings === settings) return cached;

    const text = entry.document.getText();
    const base = { uri: entry.uri, version, text, settings };
    const skipped = skipReason(text, entry.document.byteLength, settings);
    let result: DocumentAnalysis;
    if (skipped) {
      result = { ...base, skipped, tree: null, facts: null, analysis: EMPTY, suppressions: [] };
    } else if (!C_LANGUAGES.has(entry.document.languageId) || !mentionsVmsplice(text)) {
      // The cheap text check: a file that never mentions vmsplice has no call to analyse, so it is not even parsed.
      result = { ...base, skipped: null, tree: null, facts: null, analysis: EMPTY, suppressions: [] };
    } else {
      throwIfCancelled(token);
      // The edits since the previous parse, captured before the reparse resets them.
      const region = entry.region;
      const baseGeneration = entry.generation;
      const tree = this.store.treeFor(entry);
      throwIfCancelled(token);
      let facts = this.factsCache.get(entry.uri);
      let reusedWithoutMarker = false;
      if (!facts || facts.version !== version) {
        let reused: { facts: ExtractedFacts; index: ReuseIndex } | null = null;
        if (tree && facts && region && facts.generation === baseGeneration) {
          reused = facts.index ? reuseFacts(facts.facts, facts.index, region, tree, text) : null;
        }
        if (reused) {
          this.statistics.reused++;
          reusedWithoutMarker = cached !== undefined && cached.suppressions.length === 0;
          facts = { version, generation: entry.generation, facts: reused.facts, index: reused.index };
        } else {
          this.statistics.extracted++;
          facts = { version, generation: entry.generation, facts: tree ? extractFacts(tree, text) : { calls: [], splices: [], notes: [] }, index: null };
          // The reuse index needs the tree the facts came from; it is built now, while that tree is current.
          if (tree) facts.index = buildReuseIndex(tree, text, facts.facts);
        }
        this.factsCache.set(entry.uri, facts);
      }
      throwIfCancelled(token);
      const judged = judgeCalls(facts.facts, { kernel: settings.kernel, pageSize: settings.pageSize });
      // Reused facts mean the edit touched no suppression marker (reuseFacts refuses those), so a file that had no
      // suppression still has none and the scan for the marker can be skipped.
      const suppressed = tree && !reusedWithoutMarker ? applySuppressions(tree, text, judged) : { analysis: judged, suppressions: [] };
      result = { ...base, skipped: null, tree, facts: facts.facts, analysis: suppressed.analysis, suppressions: suppressed.suppressions };
    }
    this.resultCache.set(entry.uri, result);
    return result;
  }
}
