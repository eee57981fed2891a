/**
 * One thread's share of `check`: reading a file, the byte-level pre-filter and the per-file analysis, with the projects
 * (and their summary caches) of the files it was given. The single-thread run uses one session for every file; with
 * `--jobs N` each worker thread (check-worker.ts) has one, given whole projects (check-pool.ts), so a project's index
 * is built once, by one thread. An edge module: it reads files (the engine it drives stays pure).
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { bytesCallWords, bytesMentionCallWord, type FileAnalysis } from "../analysis/analyze";
import type { KernelModel, PageSize } from "../analysis/facts";
import { Engine, skipReason, type EngineAnalysis, type SkipReason } from "../engine/engine";
import { ItemTables } from "../engine/regions";
import { decodeSource } from "../engine/source-text";
import type { Parser } from "web-tree-sitter";
import { newParser } from "../parsing/parser";
import type { SourceLanguage } from "../analysis/language";
import {
  diskFs,
  findProjectRoot,
  Project,
  readUnitHeaders,
  searchWords,
  type ProjectFs,
  type UnitHeaders,
} from "../project/project";
import { DEFAULT_MAX_FILE_SIZE } from "../engine/limits";
import type { TreeScan } from "../project/tree-scan";
import { CodeLexer } from "../project/code-bytes";
import { languageOf } from "../analysis/language";
import { SUPPRESSION_MARKER } from "../analysis/suppressions";
import { vmspliceTriggers } from "../analysis/includes";
import { tableWords } from "../analysis/discovery";
import { DiskSummaryCache } from "../project/summary-cache";
import { DiskHeaderCache } from "../project/header-cache";
import type { FileReport } from "./check";
import type { Shard } from "./shard";

/** A file that cannot be read (exit 2 with this message). */
export class IoError extends Error {}

/** What a session needs of the `check` options (plain data: it is also posted to worker threads). */
export interface SessionOptions {
  kernel: KernelModel;
  pageSize: PageSize;
  format: "text" | "json" | "sarif";
  maxFileSize: number;
  /** --project: the root for every path (default: the nearest ancestor with a root marker). */
  project: string | null;
  /** -I DIR, in order. */
  includePaths: string[];
  /** --compile-commands: the compile database to use. */
  compileCommands: string | null;
  /** --no-project: read each file alone, as before project support (the A/B baseline). */
  singleFile: boolean;
  /** --index-dir: where summaries are cached (default: ROOT/.cache/vmsplice-lens); null with --no-cache. */
  indexDir: string | null;
  cache: boolean;
  /** --shard I/N: this run's share of the files (1-based I). */
  shard: Shard | null;
}

/**
 * C texts of at least this many characters are analysed from a reduced parse (issue 12, "parse what matters"). Below it
 * a whole parse takes a few milliseconds, less than a process start, and the lexer pass and extra rounds would not pay.
 */
export const CLI_REDUCE_ABOVE = 64 * 1024;

export const EMPTY: FileAnalysis = { calls: [], findings: [], notes: [] };

/** The CLI's words for an engine skip reason (naming the option that sets the limit). */
export function describeSkip(skip: SkipReason): string {
  if (skip.kind === "too-large")
    return `file is ${skip.byteLength} bytes, over the ${skip.limit}-byte limit (--max-file-size)`;
  return "binary file (contains NUL bytes)";
}

/** What the project could not resolve, said where it can matter: in a file with a call whose verdict is unknown. */
function projectNotes(result: EngineAnalysis, headers: UnitHeaders | null): string[] {
  if (!headers || !result.calls.some((call) => call.verdict === "unknown")) return [];
  const notes = headers.limits.map((limit) => `project: ${limit}`);
  if (headers.unresolved.length > 0)
    notes.push(
      `project: #include not found: ${headers.unresolved.join(", ")} (-I DIR, --project ROOT or a compile_commands.json would resolve it)`,
    );
  return notes;
}

/** Reads a file's bytes, or the report of a file too large to read. */
function readChecked(file: string, maxFileSize: number): Buffer | FileReport {
  try {
    // The engine's size limit, applied to the size on disk so a huge file is never read (see decodeSource).
    const tooLarge = skipReason(statSync(file).size, 0, maxFileSize);
    if (tooLarge) return { path: file, analysis: EMPTY, skipped: describeSkip(tooLarge) };
    return readFileSync(file);
  } catch (error) {
    throw new IoError(
      `cannot read '${file}': ${error instanceof Error ? error.message.replace(/^[A-Z]+: /, "") : String(error)}`,
    );
  }
}

/**
 * What the pre-filter made of a file: a report that is not the analysis of a call site (a file skipped for its size,
 * or one that cannot call vmsplice: `other`, shard 1 reports it), or a candidate to analyse (its bytes kept for that).
 */
export type Classified = { kind: "other"; report: FileReport } | { kind: "candidate"; bytes: Buffer };

/**
 * The project root a file is read in (the nearest ancestor with a root marker, or --project). Each directory's markers
 * are looked at once (`findProjectRoot`'s memo), in the run's listings when the run walked it (`fs`: tree-scan.ts).
 */
export function rootFinder(options: SessionOptions, fs: ProjectFs = diskFs): (file: string) => string {
  const markers = new Map<string, string | null>();
  return (file) => options.project ?? findProjectRoot(path.dirname(path.resolve(file)), fs, markers);
}

export interface CacheFailure {
  root: string;
  failure: string;
}

/** A file in the run's sorted order. */
export interface RunFile {
  index: number;
  file: string;
}

/** What became of a file in a session: a report, a candidate (classified, not analysed yet) or the error it gave. */
export type Outcome =
  | { index: number; kind: "other" | "report"; report: FileReport }
  | { index: number; kind: "candidate" }
  | { index: number; kind: "error"; io: boolean; message: string; stack: string | null };

export function errorOutcome(index: number, error: unknown): Outcome {
  return {
    index,
    kind: "error",
    io: error instanceof IoError,
    message: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? (error.stack ?? null) : null,
  };
}

/**
 * The disk as the projects read it, with the file being checked served from the bytes `classify` read: its project's
 * index reads that file too (it may define wrappers or fillers), and would otherwise read it from disk and decode it
 * again. Its text is decoded once, for the index and the analysis alike. The same rules as `diskFs` (size, NUL).
 */
class SessionFs implements ProjectFs {
  constructor(private readonly base: ProjectFs) {}

  private held: { file: string; bytes: Buffer; text: string | undefined } | null = null;

  /** Serves `file` from `bytes` until another file is held. */
  hold(file: string, bytes: Buffer): void {
    this.held = { file: path.resolve(file), bytes, text: undefined };
  }

  /** The held file's bytes decoded (once), or null when `file` is not the file held. */
  decoded(file: string): string | null {
    const held = this.held;
    if (!held || held.file !== path.resolve(file)) return null;
    held.text ??= decodeSource(held.bytes);
    return held.text;
  }

  /** `bytes` (of `file`) decoded: the held file's text when they are the held bytes. */
  decodedBytes(file: string, bytes: Buffer): string {
    return this.held?.bytes === bytes ? (this.decoded(file) ?? decodeSource(bytes)) : decodeSource(bytes);
  }

  private heldBytes(file: string): Buffer | null {
    return this.held && this.held.file === path.resolve(file) ? this.held.bytes : null;
  }

  readText(file: string): string | null {
    const bytes = this.heldBytes(file);
    if (!bytes) return this.base.readText(file);
    if (bytes.length > DEFAULT_MAX_FILE_SIZE) return null;
    const text = this.decoded(file) ?? "";
    return skipReason(Buffer.byteLength(text), text.includes("\0") ? 1 : 0) ? null : text;
  }

  readBytes(file: string): Buffer | null {
    const bytes = this.heldBytes(file);
    if (!bytes) return this.base.readBytes(file);
    return bytes.length > DEFAULT_MAX_FILE_SIZE || bytes.includes(0) ? null : bytes;
  }

  isFile(file: string): boolean {
    return this.base.isFile(file);
  }

  isDirectory(file: string): boolean {
    return this.base.isDirectory(file);
  }

  list(dir: string): { name: string; directory: boolean }[] {
    return this.base.list(dir);
  }

  absent(file: string, word: string): boolean {
    return this.heldBytes(file) === null && (this.base.absent?.(file, word) ?? false);
  }

  contains(file: string, word: string): boolean {
    const bytes = this.heldBytes(file);
    if (!bytes) return this.base.contains(file, word);
    return bytes.length <= DEFAULT_MAX_FILE_SIZE && bytes.includes(word);
  }
}

export class CheckSession {
  /** One item table per text for the engine and the projects alike: a large file is lexed once (engine/regions.ts). */
  private readonly itemTables = new ItemTables();
  // Large C files are parsed only where their vmsplice calls and what those read are (engine/regions.ts).
  private readonly engine: Engine;
  private readonly projects = new Map<string, Project>();
  /** The summary and header caches of the projects (with their roots), in the order the projects were first needed. */
  private readonly caches: { root: string; cache: DiskSummaryCache }[] = [];
  private readonly headerCaches = new Map<string, DiskHeaderCache>();
  private readonly rootOf: (file: string) => string;

  /** How the projects read: the file being checked from the bytes already read, the rest from `fs`. */
  private readonly fs: SessionFs;

  /**
   * `scan`: the run's one walk and read of its trees (the single-thread run), else files are read as asked; `fs`: how
   * the projects read (tests count it; default the scan, else the disk); `createParser`: the engine's and the projects'
   * parser factory (the CLI's first pass hands one that notes the grammar is needed before it is loaded).
   */
  constructor(
    private readonly options: SessionOptions,
    private readonly version: string,
    private readonly scan: TreeScan | null = null,
    fs: ProjectFs = scan ?? diskFs,
    private readonly createParser: (language: SourceLanguage) => Parser = newParser,
  ) {
    this.engine = new Engine(createParser, false, CLI_REDUCE_ABOVE, this.itemTables);
    this.fs = new SessionFs(fs);
    this.rootOf = rootFinder(options, this.fs);
  }

  private projectOf(file: string): Project {
    const root = this.rootOf(file);
    let project = this.projects.get(root);
    if (!project) {
      let summaryCache: DiskSummaryCache | undefined;
      let headerCache: DiskHeaderCache | undefined;
      if (this.options.cache) {
        const dir = this.options.indexDir ?? path.join(root, ".cache", "vmsplice-lens");
        summaryCache = new DiskSummaryCache(dir);
        // One header cache per directory: projects nested in one tree (no root marker) share --index-dir.
        headerCache = this.headerCaches.get(dir);
        if (!headerCache) this.headerCaches.set(dir, (headerCache = DiskHeaderCache.inDirectory(dir, this.version)));
        this.caches.push({ root, cache: summaryCache });
      }
      project = new Project(
        root,
        this.createParser,
        {
          includePaths: this.options.includePaths,
          compileDatabase: this.options.compileCommands ?? undefined,
          summaryCache,
          headerCache,
          version: this.version,
          // The project's summary of a large file comes from reduced parses too (engine/reduced-summary.ts).
          reduceAbove: CLI_REDUCE_ABOVE,
          itemTables: this.itemTables,
        },
        this.fs,
      );
      this.projects.set(root, project);
    }
    return project;
  }

  /**
   * Reads a file (or takes what the run's walk read of it) and applies the byte-level pre-filter (throws IoError when it
   * cannot be read).
   */
  classify(file: string): Classified {
    const scanned = this.scan?.scannedFile(path.resolve(file));
    if (scanned && !scanned.read) {
      const tooLarge = skipReason(scanned.size, 0, this.options.maxFileSize);
      if (tooLarge) return { kind: "other", report: { path: file, analysis: EMPTY, skipped: describeSkip(tooLarge) } };
    }
    // The walk keeps the bytes of the files that mention "splice"; a file it read without NUL bytes and without
    // "splice" can be triggered only by the project's other words: without such words it is not read again.
    if (scanned?.read && !scanned.nul && !scanned.bytes) {
      const others = this.otherWords(file);
      if (others.length === 0) return { kind: "other", report: { path: file, analysis: EMPTY } };
    }
    const bytes = scanned?.bytes ?? readChecked(file, this.options.maxFileSize);
    if (!Buffer.isBuffer(bytes)) return { kind: "other", report: bytes };
    this.fs.hold(file, bytes);
    if (bytes.includes(0) || (this.triggered(file, bytes) && this.inCode(file, bytes)))
      return { kind: "candidate", bytes };
    return { kind: "other", report: { path: file, analysis: EMPTY } };
  }

  /**
   * Whether a C file the pre-filter let through names a word leading to vmsplice in code, not only in comments and
   * literals (code-bytes.ts): readUnitHeaders' two tests over the code alone, the second with the definitions of the
   * headers its `#include` lines reach (all of them, whatever `#if` they sit under). The analyzer finds calls in the
   * syntax tree, where a comment or a literal is one node, so a file whose words are all in comments has no call and
   * no finding; one with a suppression comment is analysed (a suppression before no call is a finding). True when the
   * lexer is unsure, and for C++ (raw strings are not lexed). On the Linux tree most candidates name splice only in
   * comments ("splice the list", "see vmsplice()"), and each cost a top-level parse, its headers and a unit parse.
   */
  private inCode(file: string, bytes: Buffer): boolean {
    if (languageOf(file) !== "c" || bytes.includes(SUPPRESSION_MARKER)) return true;
    // The call words first: a file whose first one is in code is lexed only up to it.
    const lexer = new CodeLexer(bytes);
    if (lexer.anyInCode(bytesCallWords(bytes))) return true;
    const lexed = lexer.finish();
    if (!lexed) return true;
    const { code } = lexed;
    if (this.options.singleFile) return false;
    const project = this.projectOf(file);
    if (project.triggerWords().some((word) => code.includes(word))) return true;
    const headers = project.headersFor(file, lexed.directives);
    const unitWords = [
      ...vmspliceTriggers(project.definitionsOf(headers.headers)),
      ...project.wrappers().map((wrapper) => wrapper.name),
      ...tableWords(project.syscallTable()),
    ];
    return unitWords.some((word) => code.includes(word));
  }

  /**
   * The byte-level pre-filter, exactly as wide as the first test of readUnitHeaders (and, without a project, the
   * engine's): one of vmsplice's or splice's call words as a whole identifier, or a word of the file's project that
   * leads to vmsplice (vmsplice's names, header definitions leading to them, wrappers, syscall-table names) anywhere.
   * A text file without any has nothing to analyse; it is not decoded (the engine would find nothing in it either).
   * "splice" anywhere (the pre-filter before) let 644 files of the Linux tree through, of which 104 name a call word
   * and the rest only longer identifiers (`generic_file_splice_read`).
   */
  private triggered(file: string, bytes: Buffer): boolean {
    if (bytesMentionCallWord(bytes)) return true;
    if (this.options.singleFile) return false;
    return searchWords(this.projectOf(file).triggerWords()).some((word) => bytes.includes(word));
  }

  /** The words of the file's project that lead to vmsplice without containing "splice" (wrapper names, say). */
  private otherWords(file: string): string[] {
    if (this.options.singleFile) return [];
    // A project whose whole tree the walk read without finding "splice" has none: its index is not built for this.
    if (this.scan?.spliceFree(this.rootOf(file))) return [];
    return searchWords(["splice", ...this.projectOf(file).triggerWords()]).filter((word) => word !== "splice");
  }

  /** The report of a candidate file (classify said so), from its bytes. */
  analyse(file: string, bytes: Buffer): FileReport {
    // Suppression comments (`// vmsplice-lens: ignore VMS-ID -- reason`) apply exactly as in the editor.
    const text = this.fs.decodedBytes(file, bytes);
    const project = this.options.singleFile ? null : this.projectOf(file);
    const engine = this.engine;
    engine.setText(file, text);
    const headers = project ? readUnitHeaders(engine, file, file, text, project) : null;
    const options = {
      kernel: this.options.kernel,
      pageSize: this.options.pageSize,
      maxFileSize: this.options.maxFileSize,
    };
    const result = engine.analysis(file, options);
    engine.close(file);
    if (result.skipped) return { path: file, analysis: EMPTY, skipped: describeSkip(result.skipped) };
    // The analysis as the reports read it (plain data: a worker thread posts it to the main thread).
    const analysis: FileAnalysis = {
      calls: result.calls,
      findings: result.findings,
      notes: [...result.notes, ...projectNotes(result, headers)],
    };
    if (result.stopped) analysis.stopped = result.stopped;
    return { path: file, analysis };
  }

  /** Texts lexed into item tables so far (each large file once, however many of its readers need the table). */
  get lexedTexts(): number {
    return this.itemTables.made;
  }

  /**
   * Writes the header caches (summaries are written as they are made) and says why caches stopped writing: one
   * sentence per cache that failed, with the project's root.
   */
  flushCaches(): CacheFailure[] {
    for (const headers of this.headerCaches.values()) headers.save();
    const failures = this.caches.flatMap(({ root, cache }) =>
      cache.failure ? [{ root, failure: cache.failure }] : [],
    );
    for (const [dir, headers] of this.headerCaches)
      if (headers.failure) failures.push({ root: dir, failure: headers.failure });
    return failures;
  }

  dispose(): void {
    this.engine.dispose();
    for (const project of this.projects.values()) project.dispose();
  }
}
