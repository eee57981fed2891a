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
import {
  extractFacts,
  judgeCalls,
  mentionsVmsplice,
  type ExtractedFacts,
  type FileAnalysis,
} from "../analysis/analyze";
import { applySuppressions, type Suppression } from "../analysis/suppressions";
import type { LensSettings } from "../config";
import type { DocumentStore, OpenDocument } from "./documents";
import { buildReuseIndex, reuseFacts, shiftInPlace, type ReuseIndex } from "./facts-reuse";
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

/** Why a text must not be analysed under these settings, or null (`hasNul`: the text contains a NUL character). */
export function skipReason(hasNul: boolean, byteLength: number, settings: LensSettings): string | null {
  if (!settings.enable) return "vmsplice Lens is disabled for this file (vmspliceLens.enable is false).";
  if (byteLength > settings.maxFileSize) {
    return `vmsplice Lens did not analyse this file: it has ${formatBytes(byteLength)}, more than vmspliceLens.maxFileSize (${formatBytes(settings.maxFileSize)}).`;
  }
  // A NUL character never occurs in C source; it marks a binary file opened as C by mistake.
  if (hasNul) return "vmsplice Lens did not analyse this file: it contains NUL bytes, so it is not C source text.";
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

    const document = entry.document;
    const skipped = skipReason(document.nulCount > 0, document.byteLength, settings);
    let fields: Omit<DocumentAnalysis, "uri" | "version" | "settings" | "text">;
    if (skipped) {
      fields = { skipped, tree: null, facts: null, analysis: EMPTY, suppressions: [] };
    } else if (!C_LANGUAGES.has(document.languageId)) {
      fields = { skipped: null, tree: null, facts: null, analysis: EMPTY, suppressions: [] };
    } else {
      fields = this.reuse(entry, settings, cached, token) ?? this.extract(entry, settings, token);
    }
    // The text is read lazily: on the fast path nothing needs the whole text, and joining a large document's pieces
    // into one string costs more than the rest of the keystroke (see LensDocument).
    const result = { uri: entry.uri, version, settings, ...fields } as DocumentAnalysis;
    let text: string | null = null;
    Object.defineProperty(result, "text", { enumerable: true, get: () => (text ??= document.getText()) });
    this.resultCache.set(entry.uri, result);
    return result;
  }

  /**
   * The fast path: every edit since the previous extraction sits inside one function unrelated to any vmsplice call,
   * so the previous facts (and verdicts) are moved instead of extracted again. Null when that does not hold.
   */
  private reuse(
    entry: OpenDocument,
    settings: LensSettings,
    cached: DocumentAnalysis | undefined,
    token?: CancellationToken,
  ): Omit<DocumentAnalysis, "uri" | "version" | "settings" | "text"> | null {
    const facts = this.factsCache.get(entry.uri);
    const region = entry.region;
    if (
      !cached ||
      !cached.facts ||
      cached.skipped ||
      !facts ||
      !facts.index ||
      !region ||
      facts.generation !== entry.generation ||
      facts.facts !== cached.facts
    )
      return null;
    const index = facts.index;
    throwIfCancelled(token);
    const tree = this.store.treeFor(entry);
    if (!tree) return null;
    const shift = reuseFacts(index, region, tree, entry.document);
    if (!shift) return null;
    this.statistics.reused++;
    // Verdicts depend only on the facts and the settings, so under unchanged settings, and with no suppression in the
    // file (reuseFacts refuses edits touching a suppression marker), the previous verdicts move with the facts.
    const previousJudged = cached.settings === settings && cached.suppressions.length === 0 ? cached.analysis : null;
    shiftInPlace(previousJudged ? [facts.facts, index.ranges, previousJudged] : [facts.facts, index.ranges], shift);
    this.factsCache.set(entry.uri, {
      version: entry.document.version,
      generation: entry.generation,
      facts: facts.facts,
      index,
    });
    if (previousJudged) return { skipped: null, tree, facts: facts.facts, analysis: previousJudged, suppressions: [] };
    const judged = judgeCalls(facts.facts, { kernel: settings.kernel, pageSize: settings.pageSize });
    const text = entry.document.getText();
    const suppressed = applySuppressions(tree, text, judged);
    return {
      skipped: null,
      tree,
      facts: facts.facts,
      analysis: suppressed.analysis,
      suppressions: suppressed.suppressions,
    };
  }

  /** The full path: the cheap text check, a parse, and a fresh extraction. */
  private extract(
    entry: OpenDocument,
    settings: LensSettings,
    token?: CancellationToken,
  ): Omit<DocumentAnalysis, "uri" | "version" | "settings" | "text"> {
    const text = entry.document.getText();
    // The cheap text check: a file that never mentions vmsplice has no call to analyse, so it is not even parsed.
    if (!mentionsVmsplice(text)) return { skipped: null, tree: null, facts: null, analysis: EMPTY, suppressions: [] };
    throwIfCancelled(token);
    const tree = this.store.treeFor(entry);
    throwIfCancelled(token);
    // Facts do not depend on the kernel model or page size: a settings change re-judges the facts of this version.
    const known = this.factsCache.get(entry.uri);
    let facts: ExtractedFacts;
    if (known && known.version === entry.document.version && known.generation === entry.generation) {
      facts = known.facts;
    } else {
      this.statistics.extracted++;
      facts = tree ? extractFacts(tree, text) : { calls: [], splices: [], notes: [] };
      // The reuse index needs the tree the facts came from; it is built now, while that tree is current.
      this.factsCache.set(entry.uri, {
        version: entry.document.version,
        generation: entry.generation,
        facts,
        index: tree ? buildReuseIndex(tree, text, facts) : null,
      });
    }
    throwIfCancelled(token);
    const judged = judgeCalls(facts, { kernel: settings.kernel, pageSize: settings.pageSize });
    const suppressed = tree ? applySuppressions(tree, text, judged) : { analysis: judged, suppressions: [] };
    return { skipped: null, tree, facts, analysis: suppressed.analysis, suppressions: suppressed.suppressions };
  }
}
