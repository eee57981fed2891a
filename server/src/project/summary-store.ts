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
import {
  namesSummary,
  relevantSummary,
  type NamesSummary,
  type RangedParse,
  type RelevantSummary,
} from "../engine/reduced-summary";
import type { ItemTable } from "../engine/regions";

/**
 * Bumped whenever FileSummary or what summarizeFile puts in it changes, or how shards are keyed (old shards then miss
 * and are rewritten). 2: the digest is taken over the file's bytes, not its decoded text; 3: `referenced` names.
 */
export const SUMMARY_SCHEMA = 3;

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
  /** The file's bytes (null: unreadable); a summary is keyed by their digest, so a cached one needs no decode. */
  bytes: Buffer | null;
  /** The file's text, decoded from those bytes (asked only when the summary must be computed). */
  text(): string | null;
  /** The grammar used: "c", "cpp", or "c (fallback)" when the C++ grammar was not loaded. */
  language: string;
  parse(text: string): Tree | null;
  /**
   * A parse restricted to ranges, for a C text of at least `reduceAbove` UTF-16 units: its summary then comes from
   * reduced parses (engine/reduced-summary.ts), the whole text being parsed only when the reduction is unsure.
   */
  parseRanges?: RangedParse;
  reduceAbove?: number;
  /** The item table of a text (engine/regions.ts), shared with the engine's reductions of the same text. */
  items?: (text: string) => ItemTable;
}

/**
 * What a project asks of a file's summary: the lists that follow relevant code whole, and of the lists that cover the
 * whole file only whether they hold a name (so a summary from reduced parses need not list every function).
 */
export interface SummaryView extends RelevantSummary {
  /** A function of this name is defined here without `static` (`FileSummary.defined`). */
  defines(name: string): boolean;
  /** A function of this name is defined here, static or not (`FileSummary.definedAll`). */
  definesAny(name: string): boolean;
  /** A function of this name is called here (`FileSummary.called`). */
  calls(name: string): boolean;
  /** The name is used here other than by a call naming it (`FileSummary.referenced`): it may be called through that. */
  refers(name: string): boolean;
}

/** The view of a complete summary. */
export function viewOf(summary: FileSummary): SummaryView {
  return viewWith(summary, () => summary);
}

/** A view whose name lists come from `names(name)` (asked once per name). */
function viewWith(relevant: RelevantSummary, names: (name: string) => NamesSummary): SummaryView {
  const known = new Map<string, NamesSummary>();
  const lookup = (name: string) => {
    let found = known.get(name);
    if (!found) known.set(name, (found = names(name)));
    return found;
  };
  return {
    wrappers: relevant.wrappers,
    pipeFillers: relevant.pipeFillers,
    fieldFills: relevant.fieldFills,
    defines: (name) => lookup(name).defined.includes(name),
    definesAny: (name) => lookup(name).definedAll.includes(name),
    calls: (name) => lookup(name).called.includes(name),
    refers: (name) => lookup(name).referenced.includes(name),
  };
}

export interface SummaryCounts {
  /** Summaries computed by parsing the whole file. */
  parsed: number;
  /** Summaries computed from reduced parses (their name lists by further reduced parses, or a full one if unsure). */
  reduced: number;
  /** Summaries read from the on-disk cache. */
  cached: number;
}

export class SummaryStore {
  private readonly memory = new Map<string, SummaryView | null>();
  readonly counts: SummaryCounts = { parsed: 0, reduced: 0, cached: 0 };

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
  summary(file: string, source: () => SummarySource): SummaryView | null {
    if (this.memory.has(file)) return this.memory.get(file) ?? null;
    const summary = this.compute(source(), []);
    this.memory.set(file, summary);
    return summary;
  }

  /** The file's summary given the pipe fillers other files define (the second round of the filler fixpoint). */
  summaryWith(source: SummarySource, known: readonly ExternalPipeFiller[]): SummaryView | null {
    return this.compute(source, known);
  }

  /** Forgets a file's summary (it changed). */
  forget(file: string): void {
    this.memory.delete(file);
  }

  private compute(source: SummarySource, known: readonly ExternalPipeFiller[]): SummaryView | null {
    const { bytes } = source;
    if (bytes === null) return null;
    // The fillers summarizeFile uses are the other files'; only they decide the variant.
    const others = known.filter((filler) => filler.file !== source.display);
    const variant = others.length === 0 ? "plain" : sha256(JSON.stringify(others));
    // Keyed by the content's digest, taken over the bytes (issue 12: a warm run decodes no unchanged file). Sound: the
    // text is a function of the bytes (decodeSource), and the rest that decides a summary is in the key as well.
    const digest = this.cache ? contentDigest([this.configuration, source.display, source.language], bytes) : "";
    const stored = this.cache?.get(source.file, digest, variant);
    if (stored) {
      this.counts.cached++;
      return viewOf(stored);
    }
    const text = source.text();
    if (text === null) return null;
    const reduced = this.reduced(source, text, known, digest, variant);
    if (reduced) return reduced;
    const summary = this.full(source, text, known);
    if (summary) this.cache?.put(source.file, digest, variant, summary);
    return summary && viewOf(summary);
  }

  /** The whole file parsed and summarised. */
  private full(source: SummarySource, text: string, known: readonly ExternalPipeFiller[]): FileSummary | null {
    const tree = source.parse(text);
    if (!tree) return null;
    try {
      const summary = summarizeFile(tree, text, source.display, known);
      this.counts.parsed++;
      return summary;
    } finally {
      tree.delete();
    }
  }

  /**
   * The summary from reduced parses when the source allows it and the reduction is sure, else null. Its relevant
   * lists are cached under their own variant (`relevant/…`, holding empty name lists): the name lists of a summary so
   * made are never complete, and a complete summary of the same content stays the one `get` finds first.
   */
  private reduced(
    source: SummarySource,
    text: string,
    known: readonly ExternalPipeFiller[],
    digest: string,
    variant: string,
  ): SummaryView | null {
    const parse = source.parseRanges;
    if (!parse || text.length < (source.reduceAbove ?? Number.POSITIVE_INFINITY) || source.language !== "c")
      return null;
    let full: FileSummary | null | undefined;
    const names = (name: string): NamesSummary => {
      const found = namesSummary(parse, text, [name], source.items?.(text));
      if (found) return found;
      full ??= this.full(source, text, known);
      return full ?? { defined: [], definedAll: [], called: [], referenced: [] };
    };
    const stored = this.cache?.get(source.file, digest, `relevant/${variant}`);
    if (stored) {
      this.counts.cached++;
      return viewWith(stored, names);
    }
    const relevant = relevantSummary(parse, text, source.display, known, source.items?.(text))?.summary;
    if (!relevant) return null;
    this.counts.reduced++;
    this.cache?.put(source.file, digest, `relevant/${variant}`, {
      ...relevant,
      defined: [],
      definedAll: [],
      called: [],
      referenced: [],
    });
    return viewWith(relevant, names);
  }
}

/** The digest of a file's content with what else keys it (each part ended by a NUL, which no part holds). */
export function contentDigest(parts: readonly string[], bytes: Buffer): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.update(bytes).digest("hex");
}

/** The SHA-256 of the parts joined with NUL, without joining them (a large file's text is not copied for it). */
export function sha256(...parts: string[]): string {
  const hash = createHash("sha256");
  parts.forEach((part, index) => (index === 0 ? hash.update(part) : hash.update("\0").update(part)));
  return hash.digest("hex");
}
