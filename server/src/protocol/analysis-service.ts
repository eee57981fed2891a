/**
 * The language server's client of the engine: analyses open documents under their settings and caches the result per
 * document version and settings object.
 *
 * The engine (engine/engine.ts) does the work: it keeps each document's tree, moves or extracts the facts after edits,
 * applies the limits, judges and runs the suppression pass, so diagnostics, hover, code lens and quick fixes all see
 * the same, suppressed, findings. This module adds what is the editor's business: `vmspliceLens.enable`, the language
 * ids analysed as C, and the sentence that says why a document was skipped.
 * Results are tied to the document version they were computed for; callers drop them when the version moved on.
 */
import type { ProjectRegistry } from "./projects";
import { BACKGROUND_CHARS, type BackgroundAnalyses, type BackgroundOutcome, type WorkerAnalysis } from "./background";
import type { CancellationToken } from "vscode-languageserver/node";
import type { Tree } from "web-tree-sitter";
import type { ExtractedFacts } from "../analysis/analyze";
import type { Suppression } from "../analysis/suppressions";
import type { LensSettings } from "../config";
import type { BudgetStop, EngineStatistics, LocatedCallAnalysis, LocatedFinding, SkipReason } from "../engine/engine";
import type { DocumentStore, OpenDocument } from "./documents";

/** What the server shows of a document's analysis: calls and findings (each with its file) and notes. */
export interface DocumentFindings {
  calls: LocatedCallAnalysis[];
  findings: LocatedFinding[];
  notes: string[];
}

export interface DocumentAnalysis {
  uri: string;
  version: number;
  text: string;
  settings: LensSettings;
  /** Why the document was not analysed, or null when it was. */
  skipped: string | null;
  /** Why the analysis is partial (the time budget ran out; `analysis` holds the calls finished), or null. */
  stopped?: string | null;
  /** The tree the analysis came from (owned by the engine; valid until the next edit). */
  tree: Tree | null;
  facts: ExtractedFacts | null;
  analysis: DocumentFindings;
  suppressions: Suppression[];
}

const EMPTY: DocumentFindings = { calls: [], findings: [], notes: [] };

/** Language ids analysed as C; anything else the client sends (a .vmsim scenario, plain text) gets no diagnostics. */
export const C_LANGUAGES = new Set(["c", "cpp", "objective-c", "objective-cpp", "cuda-cpp"]);

/** The server's sentence for an engine skip reason (naming the setting that sets the limit). */
export function describeSkip(skip: SkipReason): string {
  if (skip.kind === "too-large") {
    return `vmsplice Lens did not analyse this file: it has ${formatBytes(skip.byteLength)}, more than vmspliceLens.maxFileSize (${formatBytes(skip.limit)}).`;
  }
  return "vmsplice Lens did not analyse this file: it contains NUL bytes, so it is not C source text.";
}

/**
 * The server's sentence for an analysis the time budget cut short: how many calls were analysed of how many, and which
 * are not reported (`analysed`: the calls reported).
 */
export function describeStop(stopped: BudgetStop, analysed: number, budgetMs: number): string {
  const budget = `vmspliceLens.analysisTimeBudgetMs (${budgetMs} ms)`;
  const leftOut = stopped.leftOut;
  if (leftOut === null)
    return `vmsplice Lens analysed none of this file's vmsplice calls within ${budget}: parsing the file and finding its calls took the whole budget; raise the setting to analyse it.`;
  if (leftOut.length === 0)
    return `vmsplice Lens analysed this file's ${analysed} vmsplice calls within ${budget}, but not its splice() calls or the calls in its headers (raise the setting to analyse the whole file).`;
  const from = leftOut[0].start.line + 1;
  const rest = leftOut.length === 1 ? `the call on line ${from} is` : `the ${leftOut.length} from line ${from} on are`;
  return `vmsplice Lens analysed ${analysed} of ${analysed + leftOut.length} vmsplice calls within ${budget}; ${rest} not reported (raise the setting to analyse the whole file).`;
}

/** The fields of a document's analysis from the worker's result (a whole or partial analysis, or a skip). */
export function workerFields(
  result: WorkerAnalysis,
  budgetMs: number,
): Omit<DocumentAnalysis, "uri" | "version" | "settings" | "text"> {
  return {
    skipped: result.skipped ? describeSkip(result.skipped) : null,
    stopped: result.stopped ? describeStop(result.stopped, result.calls.length, budgetMs) : null,
    tree: null,
    facts: result.facts,
    analysis: { calls: result.calls, findings: result.findings, notes: result.notes },
    suppressions: result.suppressions,
  };
}

/** The sentence for a background analysis that gave no result (past the hard limit, or failed). */
export function describeNoResult(
  outcome: Exclude<BackgroundOutcome, { kind: "done" } | { kind: "superseded" }>,
): string {
  const why =
    outcome.kind === "over-budget"
      ? `it did not stop within ${outcome.limitMs} ms although vmspliceLens.analysisTimeBudgetMs is ${outcome.budgetMs} ms (parsing it or one of its calls took that long); raise the setting to analyse it`
      : `its analysis failed (${outcome.message})`;
  return `vmsplice Lens stopped analysing this file: ${why}.`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export class AnalysisService {
  private readonly resultCache = new Map<string, DocumentAnalysis>();

  /**
   * `projects` reads each document's project headers into the engine before its analysis (none: one file alone);
   * `background` analyses large documents off the message loop (none: every document here).
   */
  constructor(
    private readonly store: DocumentStore,
    private readonly projects: ProjectRegistry | null = null,
    private readonly background: BackgroundAnalyses | null = null,
  ) {}

  /**
   * The analysis of the document's current version, waiting for the worker when the document is analysed in the
   * background; null when the document moved on (or closed) before its analysis ended.
   */
  async analyzeAsync(
    entry: OpenDocument,
    settings: LensSettings,
    token?: CancellationToken,
  ): Promise<DocumentAnalysis | null> {
    const version = entry.document.version;
    const cached = this.resultCache.get(entry.uri);
    if (cached && cached.version === version && cached.settings === settings) return cached;
    if (!this.background || !this.inBackground(entry, settings)) return this.analyze(entry, settings, token);
    const outcome = await this.background.analyse(
      entry.uri,
      entry.document,
      { kernel: settings.kernel, pageSize: settings.pageSize, maxFileSize: settings.maxFileSize },
      this.projects?.workerProject(entry.uri, settings) ?? null,
      settings.analysisTimeBudgetMs,
    );
    if (outcome.kind === "superseded" || this.store.get(entry.uri) !== entry || entry.document.version !== version)
      return null;
    const fields =
      outcome.kind === "done"
        ? workerFields(outcome.result, settings.analysisTimeBudgetMs)
        : { skipped: describeNoResult(outcome), tree: null, facts: null, analysis: EMPTY, suppressions: [] };
    return this.remember(entry, settings, fields);
  }

  /** Whether the document is analysed by the background worker (a large C document, when enabled). */
  private inBackground(entry: OpenDocument, settings: LensSettings): boolean {
    return (
      settings.enable &&
      C_LANGUAGES.has(entry.document.languageId) &&
      entry.document.textLength > BACKGROUND_CHARS &&
      entry.document.textLength <= settings.maxFileSize
    );
  }

  /** The worker forgets a closed document. */
  closed(uri: string): void {
    this.forget(uri);
    this.background?.close(uri);
  }

  /** How the engine got its facts (for the benchmark and tests). */
  get statistics(): EngineStatistics {
    return this.store.engine.statistics;
  }

  forget(uri: string): void {
    this.resultCache.delete(uri);
  }

  /** The analysis of the document's current version under the settings; reuses the cached one when nothing changed. */
  analyze(entry: OpenDocument, settings: LensSettings, token?: CancellationToken): DocumentAnalysis {
    const version = entry.document.version;
    const cached = this.resultCache.get(entry.uri);
    if (cached && cached.version === version && cached.settings === settings) return cached;

    const document = entry.document;
    let fields: Omit<DocumentAnalysis, "uri" | "version" | "settings" | "text">;
    if (!settings.enable) {
      fields = {
        skipped: "vmsplice Lens is disabled for this file (vmspliceLens.enable is false).",
        tree: null,
        facts: null,
        analysis: EMPTY,
        suppressions: [],
      };
    } else if (!C_LANGUAGES.has(document.languageId)) {
      fields = { skipped: null, tree: null, facts: null, analysis: EMPTY, suppressions: [] };
    } else {
      this.projects?.prepare(entry.uri, settings);
      const result = this.store.engine.analysis(
        entry.uri,
        { kernel: settings.kernel, pageSize: settings.pageSize, maxFileSize: settings.maxFileSize },
        token,
      );
      fields = {
        skipped: result.skipped ? describeSkip(result.skipped) : null,
        tree: result.tree,
        facts: result.facts,
        analysis: { calls: result.calls, findings: result.findings, notes: result.notes },
        suppressions: result.suppressions,
      };
      // An edit proven to stay inside a function no fact depends on is not reparsed (engine/body-edit.ts): the tree
      // is brought up to date when a quick fix asks for it, while the document is still at this version.
      if (!result.tree && result.analysed) {
        const version = document.version;
        return this.remember(entry, settings, fields, () =>
          document.version === version ? this.store.treeFor(entry) : null,
        );
      }
    }
    return this.remember(entry, settings, fields);
  }

  private remember(
    entry: OpenDocument,
    settings: LensSettings,
    fields: Omit<DocumentAnalysis, "uri" | "version" | "settings" | "text">,
    treeLater: (() => Tree | null) | null = null,
  ): DocumentAnalysis {
    const document = entry.document;
    // The text is read lazily: on the fast path nothing needs the whole text, and joining a large document's pieces
    // into one string costs more than the rest of the keystroke (see LensDocument).
    const result = { uri: entry.uri, version: document.version, settings, ...fields } as DocumentAnalysis;
    let text: string | null = null;
    Object.defineProperty(result, "text", { enumerable: true, get: () => (text ??= document.getText()) });
    if (treeLater) {
      let tree: Tree | null | undefined;
      Object.defineProperty(result, "tree", { enumerable: true, get: () => (tree ??= treeLater()) });
    }
    this.resultCache.set(entry.uri, result);
    return result;
  }
}
