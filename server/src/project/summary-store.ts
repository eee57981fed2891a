/**
 * The project's per-file summaries (analysis/summary.ts), computed once per file and content, and kept in memory for
 * the run and, when a `SummaryCache` is given, on disk across runs (project/summary-cache.ts).
 *
 * A summary depends on the file's text, its name as shown (relative to the root: summaries carry it), the grammar it
 * was parsed with, the other files' pipe fillers it was given (`known`, for a hop through them) and the analyzer's
 * version and summary schema. All of them are in the digest that keys it, so a stale summary is never used: a
 * changed file, a moved root or a new version of the tool misses and is summarised again.
 */
import { createHash } from "node:crypto";
import type { Tree } from "web-tree-sitter";
import type { ExternalPipeFiller } from "../analysis/pipe-fillers";
import { summarizeFile, type FileSummary } from "../analysis/summary";

/** Bumped whenever FileSummary or what summarizeFile puts in it changes (old shards then miss and are rewritten). */
export const SUMMARY_SCHEMA = 1;

/** Where summaries persist between runs: one shard per source file, holding the summaries of its current content. */
export interface SummaryCache {
  /** The summary stored for this file under this digest and variant (undefined: none, or a different digest). */
  get(file: string, digest: string, variant: string): FileSummary | undefined;
  /** Stores a summary; the shard keeps only entries of this digest (a new content drops the old ones). */
  put(file: string, digest: string, variant: string, summary: FileSummary): void;
}

/** How a file is summarised: its text (null: unreadable) and a parse of it with the grammar `language` names. */
export interface SummarySource {
  file: string;
  /** The file's name in summaries (relative to the project root). */
  display: string;
  text: string | null;
  /** The grammar used: "c", "cpp", or "c (fallback)" when the C++ grammar was not loaded. */
  language: string;
  parse(text: string): Tree | null;
}

export interface SummaryCounts {
  /** Summaries computed by parsing. */
  parsed: number;
  /** Summaries read from the on-disk cache. */
  cached: number;
}

export class SummaryStore {
  private readonly memory = new Map<string, FileSummary | null>();
  readonly counts: SummaryCounts = { parsed: 0, cached: 0 };

  /** `configuration` names what else decides a summary (the tool's version and schema). */
  constructor(
    private readonly cache: SummaryCache | null,
    private readonly configuration: string,
  ) {}

  /** Files with a summary in memory (for the index status). */
  get size(): number {
    return [...this.memory.values()].filter((summary) => summary !== null).length;
  }

  /** The file's summary with no other file's fillers known (memoised per file until `forget`). */
  summary(file: string, source: () => SummarySource): FileSummary | null {
    if (this.memory.has(file)) return this.memory.get(file) ?? null;
    const summary = this.compute(source(), []);
    this.memory.set(file, summary);
    return summary;
  }

  /** The file's summary given the pipe fillers other files define (the second round of the filler fixpoint). */
  summaryWith(source: SummarySource, known: readonly ExternalPipeFiller[]): FileSummary | null {
    return this.compute(source, known);
  }

  /** Forgets a file's summary (it changed). */
  forget(file: string): void {
    this.memory.delete(file);
  }

  private compute(source: SummarySource, known: readonly ExternalPipeFiller[]): FileSummary | null {
    const { text } = source;
    if (text === null) return null;
    // The fillers summarizeFile uses are the other files'; only they decide the variant.
    const others = known.filter((filler) => filler.file !== source.display);
    const variant = others.length === 0 ? "plain" : sha256(JSON.stringify(others));
    const digest = this.cache ? sha256([this.configuration, source.display, source.language, text].join("\0")) : "";
    const stored = this.cache?.get(source.file, digest, variant);
    if (stored) {
      this.counts.cached++;
      return stored;
    }
    const tree = source.parse(text);
    if (!tree) return null;
    let summary: FileSummary;
    try {
      summary = summarizeFile(tree, text, source.display, known);
    } finally {
      tree.delete();
    }
    this.counts.parsed++;
    this.cache?.put(source.file, digest, variant, summary);
    return summary;
  }
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
