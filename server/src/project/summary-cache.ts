/**
 * The on-disk summary cache (an edge: it reads and writes files). One JSON shard per source file, named after the
 * file and a digest of its absolute path (clangd's `filename.<hash>.idx` layout), holding the summaries of the
 * file's current content keyed by the digest of content and configuration (project/summary-store.ts).
 *
 * A shard that is unreadable, truncated, of another schema or of another content is a miss: the summary is computed
 * again and the shard rewritten. Writes are atomic (a temporary file in the same directory, then a rename), so a
 * killed run or two runs at once never leave half a shard that a later run would trust.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FileSummary } from "../analysis/summary";
import { sha256, SUMMARY_SCHEMA, type SummaryCache } from "./summary-store";

interface Shard {
  schema: number;
  digest: string;
  entries: Record<string, FileSummary>;
}

const SUMMARY_ARRAYS = [
  "defined",
  "definedAll",
  "called",
  "referenced",
  "pipeFillers",
  "wrappers",
  "fieldFills",
] as const;

function isSummary(value: unknown): value is FileSummary {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return SUMMARY_ARRAYS.every((key) => Array.isArray(record[key]));
}

/** The shard in `text`, or null when it is not a complete shard of this schema. */
export function parseShard(text: string): Shard | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const shard = value as Partial<Shard>;
  if (shard.schema !== SUMMARY_SCHEMA || typeof shard.digest !== "string") return null;
  if (typeof shard.entries !== "object" || shard.entries === null) return null;
  return Object.values(shard.entries).every(isSummary) ? (shard as Shard) : null;
}

export class DiskSummaryCache implements SummaryCache {
  private readonly shards = new Map<string, Shard | null>();
  /** Shards read that were corrupt or stale (rewritten when their file's summary is next stored). */
  rejected = 0;
  written = 0;
  /** Why the cache stopped writing (an unwritable directory): set once, then the run goes on uncached. */
  failure: string | null = null;

  constructor(readonly dir: string) {}

  /** The shard file of a source file. */
  shardPath(file: string): string {
    return path.join(this.dir, `${path.basename(file)}.${sha256(path.resolve(file)).slice(0, 16)}.json`);
  }

  private load(file: string): Shard | null {
    if (this.shards.has(file)) return this.shards.get(file) ?? null;
    let shard: Shard | null = null;
    try {
      shard = parseShard(readFileSync(this.shardPath(file), "utf8"));
      if (!shard) this.rejected++;
    } catch {
      shard = null; // no shard yet
    }
    this.shards.set(file, shard);
    return shard;
  }

  get(file: string, digest: string, variant: string): FileSummary | undefined {
    const shard = this.load(file);
    if (!shard) return undefined;
    if (shard.digest !== digest) return undefined;
    return Object.hasOwn(shard.entries, variant) ? shard.entries[variant] : undefined;
  }

  put(file: string, digest: string, variant: string, summary: FileSummary): void {
    if (this.failure) return;
    const old = this.load(file);
    const shard: Shard =
      old && old.digest === digest
        ? { ...old, entries: { ...old.entries, [variant]: summary } }
        : { schema: SUMMARY_SCHEMA, digest, entries: { [variant]: summary } };
    this.shards.set(file, shard);
    const failed = writeJsonAtomically(this.shardPath(file), shard);
    if (failed) this.failure = `cannot write the index cache in ${this.dir}: ${failed}`;
    else this.written++;
  }
}

/**
 * Writes `value` as JSON to `file` atomically (a temporary file in the same directory, then a rename), creating the
 * directory; returns why it could not, or null. The index caches write this way, so a killed run or two runs at once
 * never leave half a file that a later run would trust.
 */
export function writeJsonAtomically(file: string, value: unknown): string | null {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, JSON.stringify(value));
    renameSync(temporary, file);
    return null;
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written there (an index path under a file: ENOTDIR, which `force` does not cover).
    }
    return error instanceof Error ? error.message : String(error);
  }
}
