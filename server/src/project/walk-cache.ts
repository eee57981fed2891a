/**
 * What a `check` walk learnt of each file it read and found no "splice" in (its size, NUL bytes and probe words:
 * tree-scan.ts), kept in the index directory so that the next run over an unchanged tree takes those answers from
 * the file's status instead of reading it again (issue 12: the Linux tree's walk read 1.2 GB at every run, though all
 * but ~640 of its 55k files cannot call vmsplice). An edge module: it reads and writes one JSON file.
 *
 * A record is taken only when the file's size, modification and change times and inode are those recorded, as Git's
 * index trusts a file's status. Like Git, it distrusts times too close to when the file was read ("racily clean": a
 * file changed again within the file system's time resolution after the read keeps its times): a file whose times are
 * less than RACY_MS before the walk that read it began is read again, however often it is found unchanged.
 * Files that mention "splice" are never recorded: their bytes are read at every run, since the run analyses them.
 *
 * A cache file that is unreadable, truncated, of another schema or of other probe words is ignored (every file is read,
 * and the file is written again); writes are atomic (a temporary file, then a rename).
 */
import { readFileSync, type Stats } from "node:fs";
import path from "node:path";
import { sha256 } from "./summary-store";
import { writeJsonAtomically } from "./summary-cache";

const SCHEMA = 1;

/** A record read less than this long after the file's times is not trusted (see the module comment). */
export const RACY_MS = 3000;

/** What a file's status must match for its record to stand. */
export interface FileStatus {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** A record: the status the file had when it was read, and what its read found. */
export interface WalkRecord extends FileStatus {
  probes: number;
  nul: boolean;
}

type Stored = [size: number, mtimeMs: number, ctimeMs: number, ino: number, probes: number, nul: 0 | 1];

interface CacheFile {
  schema: number;
  probeWords: string;
  /** When the walk that read the records began (ms since the epoch): each was read at or after it. */
  readAfter: number;
  records: Record<string, Stored>;
}

export function statusOf(stats: Stats): FileStatus {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
}

export class WalkCache {
  private readonly kept = new Map<string, Stored>();
  private readonly fresh = new Map<string, Stored>();
  /** When the records kept were read (at or after). */
  private readAfter = 0;
  /** When this run's walk began (the cache is made just before it). */
  private readonly started: number;
  /** Why the cache could not be written: set once, then the run goes on uncached. */
  failure: string | null = null;

  /** The cache of a walk over `paths` (their absolute forms name the file), kept in `dir`. */
  static forWalk(dir: string, paths: readonly string[], probeWords: readonly string[]): WalkCache {
    const key = sha256(...paths.map((item) => path.resolve(item))).slice(0, 16);
    return new WalkCache(path.join(dir, `walk.${key}.json`), probeWords.join(","));
  }

  /** `now`: the clock (tests move it past RACY_MS instead of waiting). */
  constructor(
    readonly file: string,
    private readonly probeWords: string,
    now: () => number = Date.now,
  ) {
    this.started = now();
    let stored: Partial<CacheFile> | null = null;
    try {
      stored = JSON.parse(readFileSync(file, "utf8")) as Partial<CacheFile>;
    } catch {
      return; // none yet, or unreadable: every file is read
    }
    if (
      stored?.schema !== SCHEMA ||
      stored.probeWords !== probeWords ||
      typeof stored.readAfter !== "number" ||
      typeof stored.records !== "object" ||
      stored.records === null
    )
      return;
    this.readAfter = stored.readAfter;
    for (const [name, record] of Object.entries(stored.records))
      if (Array.isArray(record) && record.length === 6 && record.every((value) => typeof value === "number"))
        this.kept.set(name, record);
  }

  /** Whether any record was read (a run without one needs no file status). */
  get empty(): boolean {
    return this.kept.size === 0;
  }

  /** The record of `file` when its status matches and is not racy; it is kept for the next run. */
  lookup(file: string, status: FileStatus): WalkRecord | null {
    const stored = this.kept.get(file);
    if (!stored) return null;
    const [size, mtimeMs, ctimeMs, ino, probes, nul] = stored;
    if (size !== status.size || mtimeMs !== status.mtimeMs || ctimeMs !== status.ctimeMs || ino !== status.ino)
      return null;
    if (Math.max(mtimeMs, ctimeMs) > this.readAfter - RACY_MS) return null;
    this.fresh.set(file, stored);
    return { size, mtimeMs, ctimeMs, ino, probes, nul: nul === 1 };
  }

  /** Records what a read of `file` found, with the status the file had when it was read. */
  record(file: string, record: WalkRecord): void {
    this.fresh.set(file, [record.size, record.mtimeMs, record.ctimeMs, record.ino, record.probes, record.nul ? 1 : 0]);
  }

  /**
   * Writes the records of this run (those taken and those read), replacing the file's. A record taken was trusted
   * against an earlier walk's start, so it stands against this later one too.
   */
  save(): void {
    if (this.failure) return;
    const contents: CacheFile = {
      schema: SCHEMA,
      probeWords: this.probeWords,
      readAfter: this.started,
      records: Object.fromEntries(this.fresh),
    };
    const failed = writeJsonAtomically(this.file, contents);
    if (failed) this.failure = `cannot write the walk cache ${this.file}: ${failed}`;
  }
}
