/**
 * One walk and one read of the trees a `check` run is given (issue 12): every directory is listed once, and every file a
 * report or a project index may look at (C and C++ sources, headers, syscall tables) is read once, into one reused
 * buffer, and searched at byte level (no UTF-8 decode) for a few probe words. What the walk learnt is then the run's
 * `ProjectFs`: the projects list directories, find root markers and compile databases, and rule out words from the
 * listings and probes instead of the disk, so nested projects (a tree without a root marker) never list or read a
 * directory again. Only the bytes of files that mention "splice" are kept (the candidates); other files are read again
 * from the disk in the rare case a project must search them for a word no probe covers.
 *
 * An edge module: it reads the disk. Files are taken as they were when the walk read them, for the whole run (the run
 * reports what it read).
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { decodeSource } from "../engine/source-text";
import { DEFAULT_MAX_FILE_SIZE, skipReason } from "../engine/limits";
import { isSourceName } from "../parsing/parser";
import { diskFs, HEADER_EXTENSIONS, SOURCE_EXTENSIONS, TABLE_EXTENSIONS, type ProjectFs } from "./project";
import { statusOf, type WalkCache } from "./walk-cache";

/**
 * The words every read file is searched for. A word that contains a probe the file lacks is not in the file: every
 * name leading to vmsplice contains "splice" (vmsplice, __NR_vmsplice, sys_vmsplice, compat_sys_vmsplice), and the
 * pipe-creator pre-filter asks for "pipe" and "socketpair".
 */
export const PROBE_WORDS = ["splice", "pipe", "socketpair"] as const;
const SPLICE_PROBE = 1;
/** The probes of a walk-cache record of a file over the read limit (not read, so nothing is known of its bytes). */
const NOT_READ = -1;

type Kind = "file" | "directory" | "other";

interface Entry {
  name: string;
  kind: Kind;
}

/** What the read of a file found. */
export interface ScannedFile {
  /** Size in bytes (the whole file, also when it was over the read limit and not read). */
  size: number;
  /** Whether it was read whole (false: over the run's size limit). */
  read: boolean;
  nul: boolean;
  /** Bit i set: PROBE_WORDS[i] occurs in the bytes. */
  probes: number;
  /** The bytes, kept for files that mention "splice" (the candidates of the run). */
  bytes: Buffer | null;
}

/** Names a project index may search (extensions as project.ts matches them). */
function indexedName(name: string): boolean {
  return [...SOURCE_EXTENSIONS, ...HEADER_EXTENSIONS, ...TABLE_EXTENSIONS].some((extension) =>
    name.endsWith(extension),
  );
}

export class TreeScan implements ProjectFs {
  private readonly listings = new Map<string, Entry[]>();
  /** The same listings by name, for the marker and include lookups. */
  private readonly kinds = new Map<string, Map<string, Kind>>();
  private readonly scanned = new Map<string, ScannedFile>();
  private buffer = Buffer.allocUnsafe(1 << 20);
  /**
   * Directories listed and files read by the walk (for tests and the bench: each once); `cached`: files whose read was
   * taken from the walk cache instead.
   */
  readonly counts = { listed: 0, read: 0, cached: 0 };

  /**
   * `maxRead`: files over this many bytes are not read (the run's --max-file-size). `read`: false to only list (the
   * worker threads of `check --jobs` read their own files). `cache`: what earlier walks read of unchanged files
   * without "splice" (walk-cache.ts), taken instead of reading them, and given what this walk reads.
   */
  constructor(
    private readonly maxRead: number,
    private readonly read = true,
    private readonly cache: WalkCache | null = null,
  ) {}

  /**
   * Walks the paths: directories recursively (hidden ones and node_modules skipped, entries in name order), reading
   * every file a report or a project index may look at. Returns the files to report, as `check` lists them: every
   * named file, and the C and C++ files under every named directory. Throws (ENOENT) for a path that does not exist.
   */
  walk(paths: readonly string[], missing: (item: string) => Error): string[] {
    const files: string[] = [];
    // `shown` is the path as the report names it (under the path given), `absolute` the key of listings and reads.
    // Returns whether the directory is free of "splice" (see spliceFree).
    const visit = (shown: string, absolute: string): boolean => {
      let free = this.read;
      for (const entry of this.listDirectory(absolute)) {
        if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
        const full = path.join(absolute, entry.name);
        if (entry.kind === "directory") free = visit(path.join(shown, entry.name), full) && free;
        else if (entry.kind === "file") {
          const reported = isSourceName(entry.name);
          if (reported) files.push(path.join(shown, entry.name));
          if (reported || indexedName(entry.name)) {
            this.scan(full);
            const scanned = this.scanned.get(full);
            if (!scanned?.read || scanned.probes & SPLICE_PROBE) free = false;
          }
        } else if (indexedName(entry.name)) free = false; // a link a project would follow, not read here
      }
      if (free) this.spliceFreeDirectories.add(absolute);
      return free;
    };
    for (const item of paths) {
      let stats;
      try {
        stats = statSync(item);
      } catch {
        throw missing(item);
      }
      if (stats.isDirectory()) visit(item, path.resolve(item));
      else {
        files.push(item);
        this.scan(path.resolve(item));
      }
    }
    return files;
  }

  /** A directory's entries in name order, listed once. */
  private listDirectory(directory: string): Entry[] {
    let entries = this.listings.get(directory);
    if (entries) return entries;
    this.counts.listed++;
    try {
      entries = readdirSync(directory, { withFileTypes: true })
        .map((entry): Entry => ({
          name: entry.name,
          kind: entry.isDirectory() ? "directory" : entry.isFile() ? "file" : "other",
        }))
        .sort((left, right) => left.name.localeCompare(right.name));
    } catch {
      entries = [];
    }
    this.listings.set(directory, entries);
    this.kinds.set(directory, new Map(entries.map((entry) => [entry.name, entry.kind])));
    return entries;
  }

  /** Reads a file once into the shared buffer and probes it; an unreadable file is left to the disk (and its error). */
  private scan(file: string): void {
    if (!this.read || this.scanned.has(file) || this.fromCache(file)) return;
    let descriptor: number;
    try {
      descriptor = openSync(file, "r");
    } catch {
      return;
    }
    try {
      let length = 0;
      for (;;) {
        if (length === this.buffer.length) {
          if (length > this.maxRead) break;
          const larger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(larger, 0, 0, length);
          this.buffer = larger;
        }
        const got = readSync(descriptor, this.buffer, length, this.buffer.length - length, null);
        if (got === 0) break;
        length += got;
      }
      this.counts.read++;
      if (length > this.maxRead) {
        const status = statusOf(fstatSync(descriptor));
        this.scanned.set(file, { size: status.size, read: false, nul: false, probes: 0, bytes: null });
        // Not read: recorded as such (NOT_READ), so a run with a larger limit reads it.
        this.cache?.record(file, { ...status, probes: NOT_READ, nul: false });
        return;
      }
      const bytes = this.buffer.subarray(0, length);
      let probes = 0;
      PROBE_WORDS.forEach((word, bit) => {
        if (bytes.includes(word)) probes |= 1 << bit;
      });
      const kept = probes & SPLICE_PROBE ? Buffer.from(bytes) : null;
      const nul = bytes.includes(0);
      this.scanned.set(file, { size: length, read: true, nul, probes, bytes: kept });
      if (this.cache && !kept) {
        const status = statusOf(fstatSync(descriptor));
        // A file that changed while it was read is not recorded.
        if (status.size === length) this.cache.record(file, { ...status, probes, nul });
      }
    } catch {
      this.scanned.delete(file);
    } finally {
      closeSync(descriptor);
    }
  }

  /** Takes what an earlier walk read of an unchanged file without "splice" (walk-cache.ts); false: read it. */
  private fromCache(file: string): boolean {
    if (!this.cache || this.cache.empty) return false;
    let stats;
    try {
      stats = statSync(file);
    } catch {
      return false;
    }
    const record = this.cache.lookup(file, statusOf(stats));
    if (!record) return false;
    if (record.size > this.maxRead) {
      this.scanned.set(file, { size: record.size, read: false, nul: false, probes: 0, bytes: null });
    } else if (record.probes === NOT_READ) {
      return false; // over an earlier run's limit, not over this one's
    } else
      this.scanned.set(file, { size: record.size, read: true, nul: record.nul, probes: record.probes, bytes: null });
    this.counts.cached++;
    return true;
  }

  /**
   * Whether the walk read every file under the directory a project may search (sources, headers, tables; hidden
   * directories and node_modules are skipped by both) and none mentions "splice": a project rooted there has no word
   * leading to vmsplice beyond vmsplice's own names (header definitions, wrappers and table rows all start from a file
   * that mentions one of them), so its index need not be built to pre-filter its files.
   */
  spliceFree(directory: string): boolean {
    return this.spliceFreeDirectories.has(directory);
  }
  private readonly spliceFreeDirectories = new Set<string>();

  /** What the walk read of a file (undefined: not read by the walk). */
  scannedFile(file: string): ScannedFile | undefined {
    return this.scanned.get(file);
  }

  /** Whether the walk proved that `word` is not in the file's bytes (a project's byte search then reads nothing). */
  absent(file: string, word: string): boolean {
    const scanned = this.scanned.get(file);
    if (!scanned?.read) return false;
    return PROBE_WORDS.some((probe, bit) => (scanned.probes & (1 << bit)) === 0 && word.includes(probe));
  }

  /** The file's bytes: kept by the walk, else read from the disk. */
  bytesOf(file: string): Buffer | null {
    return this.scanned.get(file)?.bytes ?? null;
  }

  // ProjectFs: the walk's listings and reads where it has them, the disk elsewhere.

  readText(file: string): string | null {
    const scanned = this.scanned.get(file);
    if (scanned?.bytes) {
      if (scanned.size > DEFAULT_MAX_FILE_SIZE) return null;
      const text = decodeSource(scanned.bytes);
      return skipReason(Buffer.byteLength(text), text.includes("\0") ? 1 : 0) ? null : text;
    }
    return diskFs.readText(file);
  }

  readBytes(file: string): Buffer | null {
    const scanned = this.scanned.get(file);
    if (scanned?.bytes) return scanned.size > DEFAULT_MAX_FILE_SIZE || scanned.nul ? null : scanned.bytes;
    if (scanned?.read && (scanned.nul || scanned.size > DEFAULT_MAX_FILE_SIZE)) return null;
    return diskFs.readBytes(file);
  }

  /** The kind of a path, when the walk listed its directory (null: not there; undefined: not listed). */
  private kindOf(file: string): Kind | null | undefined {
    const kinds = this.kinds.get(path.dirname(file));
    if (!kinds) return undefined;
    return kinds.get(path.basename(file)) ?? null;
  }

  isFile(file: string): boolean {
    const kind = this.kindOf(file);
    if (kind === null) return false;
    // A symbolic link (kind "other") is followed by the disk, as statSync follows it.
    if (kind && kind !== "other") return kind === "file";
    return diskFs.isFile(file);
  }

  isDirectory(file: string): boolean {
    const kind = this.kindOf(file);
    if (kind === null) return false;
    if (kind && kind !== "other") return kind === "directory";
    return diskFs.isDirectory(file);
  }

  list(dir: string): { name: string; directory: boolean }[] {
    const entries = this.listings.get(dir);
    if (!entries) return diskFs.list(dir);
    // As diskFs lists: a symbolic link is not a directory to descend into.
    return entries.map((entry) => ({ name: entry.name, directory: entry.kind === "directory" }));
  }

  contains(file: string, word: string): boolean {
    const scanned = this.scanned.get(file);
    if (scanned?.read && scanned.size <= DEFAULT_MAX_FILE_SIZE && this.absent(file, word)) return false;
    if (scanned?.bytes && scanned.size <= DEFAULT_MAX_FILE_SIZE) return scanned.bytes.includes(word);
    return diskFs.contains(file, word);
  }
}
