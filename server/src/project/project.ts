/**
 * A project: its root, its compile database and the project headers each file includes, resolved as GCC resolves
 * them, so the engine can read a file together with its headers as one translation unit (analysis/unit.ts).
 *
 * Search order for `#include "x.h"` (gcc.gnu.org/onlinedocs/cpp/Search-Path.html): the including file's directory,
 * then `-iquote` and `-I` of the translation unit's compile database entry, then the configured include paths (CLI
 * `-I`, the `vmspliceLens.includePaths` setting). `#include <x.h>` skips the first step. A header not found that way
 * is looked for in `include/` directories from the including file's directory up to the root, then the root; it is
 * then tagged heuristic and no page that depends on it may be "move". System headers (found under the system include
 * directories, or only there) are never read: libc and kernel names are the analyzer's built-in knowledge.
 *
 * This is a front-end layer: it reads files through a `ProjectFs` (the CLI and the workspace scan read the disk; the
 * language server lays open documents' unsaved text over it).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Parser, Tree } from "web-tree-sitter";
import { joinDefiners, joinSingleCallers, type CallerJoin } from "./caller-join";
import { fileDefinitions, linkedDefinitions, type FileDefinitions } from "../analysis/file-definitions";
import {
  includeDirectives,
  vmspliceTriggers,
  VMSPLICE_WORDS,
  type HeaderDefinition,
  type IncludeDirective,
} from "../analysis/includes";
import type { UnitHeader } from "../analysis/unit";
import type { ExternalFieldFill, ExternalPipeFiller } from "../analysis/pipe-fillers";
import type { ExternalWrapper, ProjectFacts, SyscallTableFacts } from "../analysis/extract";
import { BUILT_IN_NAMES, tableWords } from "../analysis/discovery";
import { syscallTableFacts, type TableText } from "./syscall-table";
import { externalFunctions } from "../analysis/summary";
import { mentionsVmsplice, type ExtractedFacts } from "../analysis/analyze";
import { INDEX_PENDING } from "../analysis/scope";

export { INDEX_PENDING };
import { decodeSource } from "../engine/source-text";
import { ItemTables, skeletonRanges } from "../engine/regions";
import { DEFAULT_MAX_FILE_SIZE, skipReason } from "../engine/limits";
import type { AnalysisBudget, Engine } from "../engine/engine";
import { languageOf, type SourceLanguage } from "../analysis/language";
import { CompileDatabase } from "./compile-database";
import { IncludeResolver } from "./include-resolver";
import type { HeaderCache } from "./header-cache";
import {
  SUMMARY_SCHEMA,
  SummaryStore,
  type SummaryCache,
  type SummaryCounts,
  type SummarySource,
  type SummaryView,
} from "./summary-store";

export { CompileDatabase, flagsOf, splitCommand, type CompileFlags } from "./compile-database";
export type { SummaryCache } from "./summary-store";

export interface ProjectFs {
  /** The file's text, or null when it cannot be read (missing, a directory, binary, over the size limit). */
  readText(file: string): string | null;
  /** The file's bytes, under the same rule as readText (null when readText would be null); for byte-level searches. */
  readBytes(file: string): Buffer | null;
  isFile(file: string): boolean;
  isDirectory(file: string): boolean;
  /** Entries of a directory (empty when it cannot be read). */
  list(dir: string): { name: string; directory: boolean }[];
  /** Whether the file's bytes contain the word (false when it cannot be read). */
  contains(file: string, word: string): boolean;
  /**
   * True when the word is known not to be in the file's bytes without reading them (cli: the run's one read of the
   * tree, project/tree-scan.ts); false when not known.
   */
  absent?(file: string, word: string): boolean;
}

/** The disk, with the engine's one size and NUL rule for what counts as text. */
export const diskFs: ProjectFs = {
  readText(file) {
    try {
      const stat = statSync(file);
      if (!stat.isFile() || stat.size > DEFAULT_MAX_FILE_SIZE) return null;
      const text = decodeSource(readFileSync(file));
      return skipReason(Buffer.byteLength(text), text.includes("\0") ? 1 : 0) ? null : text;
    } catch {
      return null;
    }
  },
  readBytes(file) {
    try {
      const stat = statSync(file);
      if (!stat.isFile() || stat.size > DEFAULT_MAX_FILE_SIZE) return null;
      const bytes = readFileSync(file);
      return bytes.includes(0) ? null : bytes;
    } catch {
      return null;
    }
  },
  isFile(file) {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  },
  isDirectory(file) {
    try {
      return statSync(file).isDirectory();
    } catch {
      return false;
    }
  },
  list(dir) {
    try {
      return readdirSync(dir, { withFileTypes: true }).map((entry) => ({
        name: entry.name,
        directory: entry.isDirectory(),
      }));
    } catch {
      return [];
    }
  },
  contains(file, word) {
    try {
      return statSync(file).size <= DEFAULT_MAX_FILE_SIZE && readFileSync(file).includes(word);
    } catch {
      return false;
    }
  },
};

/** Extensions of the header files a project may include. */
export const HEADER_EXTENSIONS = [".h", ".hh", ".hpp", ".hxx", ".inc"] as const;
/** Extension of the syscall tables (`arch/x86/entry/syscalls/syscall_64.tbl`) whose rows name vmsplice's entry points. */
export const TABLE_EXTENSIONS = [".tbl"] as const;
/** Extensions of the source files whose functions other files may call. */
export const SOURCE_EXTENSIONS = [".c", ".cc", ".cpp", ".cxx"] as const;
/** Bytes of source text a project keeps in memory for its word searches. */
const MAX_CACHED_TEXT = 128 * 1024 * 1024;
/** Files mentioning a function's name beyond which they are not read to find its callers (it counts as called). */
const MAX_CALLER_FILES = 512;
/** How many source files a project index looks at. */
const MAX_SOURCE_SCAN = 20_000;
/** How many header files are looked at for the word vmsplice before giving up and assuming one mentions it. */
const MAX_HEADER_SCAN = 20_000;

/**
 * The words of a set that a byte search must look for to learn whether a text mentions any of them: a word containing
 * another word of the set is found whenever that one is (`sys_vmsplice` contains `vmsplice`).
 */
export function searchWords(words: readonly string[]): string[] {
  const unique = [...new Set(words)];
  return unique.filter((word) => !unique.some((other) => other !== word && word.includes(other)));
}

/** The calls that create a pipe (or a socket pair) into an array argument. */
const PIPE_CREATORS = ["pipe", "pipe2", "socketpair"] as const;

const isIdentifierCode = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;

/** Whether `name` occurs in the text as a whole identifier followed (after blanks) by `(`. */
export function callOccurs(text: string, name: string): boolean {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    if (at > 0 && isIdentifierCode(text.charCodeAt(at - 1))) continue;
    let next = at + name.length;
    while (next < text.length && " \t\r\n".includes(text[next])) next++;
    if (text[next] === "(") return true;
  }
  return false;
}

/** What marks a project root, nearest first (clangd looks for the compile database the same way). */
export const ROOT_MARKERS = ["compile_commands.json", "compile_flags.txt", ".vmsplice-lens.json", ".git"] as const;

/**
 * The nearest ancestor of `start` (a file or directory) holding a root marker, else the directory itself. `markers`
 * remembers, per directory, the nearest marked ancestor found (null: none up to the filesystem root), so a scan of many
 * files in one tree looks at each directory's markers once.
 */
export function findProjectRoot(
  start: string,
  fs: ProjectFs = diskFs,
  markers: Map<string, string | null> = new Map(),
): string {
  const absolute = path.resolve(start);
  // A directory seen before is answered without looking at the disk (only directories are remembered).
  const remembered = markers.get(absolute);
  if (remembered !== undefined) return remembered ?? absolute;
  const first = fs.isDirectory(absolute) ? absolute : path.dirname(absolute);
  const visited: string[] = [];
  let found: string | null = null;
  for (let dir = first; ; dir = path.dirname(dir)) {
    const known = markers.get(dir);
    if (known !== undefined) {
      found = known;
      break;
    }
    visited.push(dir);
    if (ROOT_MARKERS.some((marker) => fs.isFile(path.join(dir, marker)) || fs.isDirectory(path.join(dir, marker)))) {
      found = dir;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of visited) markers.set(dir, found);
  return found ?? first;
}

export interface ProjectOptions {
  /** CLI -I / `vmspliceLens.includePaths`, absolute. */
  includePaths?: readonly string[];
  /** The compile database to use instead of the one found under the root. */
  compileDatabase?: string;
  maxDepth?: number;
  maxHeaders?: number;
  /** Total size of the headers of one unit, in UTF-16 code units. */
  maxUnitSize?: number;
  /** Where summaries persist between runs (CLI: .cache/vmsplice-lens/ or --index-dir; none: memory only). */
  summaryCache?: SummaryCache;
  /** Where what headers' parses found persists between runs (header-cache.ts; CLI only, as summaryCache). */
  headerCache?: HeaderCache;
  /** What besides a file decides its summary: the tool's version (with the summary schema). */
  version?: string;
  /** C sources of at least this many UTF-16 units are summarised from reduced parses (engine/reduced-summary.ts). */
  reduceAbove?: number;
  /**
   * Where those reductions and skeletons find a text's item table (engine/regions.ts); the CLI hands its engine's, so a
   * file the project summarises and the engine analyses is lexed once.
   */
  itemTables?: ItemTables;
  /** Source files listed at most (default MAX_SOURCE_SCAN); past it, every function may have callers not read. */
  maxSources?: number;
}

export interface UnitHeaders {
  headers: UnitHeader[];
  /** Quoted includes that could not be found anywhere (named in notes: "-I DIR would resolve x.h"). */
  unresolved: string[];
  /** Limits hit while following includes. */
  limits: string[];
  /** -D macros of the translation unit's compile database entry (empty without one). */
  defines: ReadonlyMap<string, string>;
}

export { DEFAULT_MAX_INCLUDE_DEPTH, DEFAULT_MAX_UNIT_HEADERS, DEFAULT_MAX_UNIT_SIZE } from "./include-resolver";

/**
 * A computation over the project's files done in steps: it yields a few words of progress after each file (or
 * directory) it looked at, so the language server can run it in slices between other work; `runSteps` runs it at once.
 */
export type IndexSteps<T> = Generator<string, T, void>;

/** Runs a stepped computation to its end. */
export function runSteps<T>(steps: IndexSteps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** What a project's index holds and how it was built (the editor's "Show project index status"). */
export interface ProjectIndexStatus {
  root: string;
  /** "ready" when wrappers, pipe fillers, field fills and trigger words are all known. */
  state: "ready" | "not built";
  compileDatabase: string | null;
  /** Source and header files found under the root (null: not listed yet). */
  sourceFiles: number | null;
  headerFiles: number | null;
  /** Files whose bytes were searched, and sources and headers parsed for their summaries or definitions. */
  filesSearched: number;
  sourcesParsed: number;
  headersParsed: number;
  wrappers: string[];
  pipeFillers: string[];
  fieldFills: string[];
  /** What the syscall tables say about vmsplice: "name (file:line)" per entry point, "syscall N (file:line, …)". */
  syscallTables: string[];
  /** Limits hit while indexing, in words. */
  limits: string[];
  /** Milliseconds the last stepped build took (null: built on demand, or not built). */
  buildMs: number | null;
}

export class Project {
  readonly database: CompileDatabase;
  private readonly parsers = new Map<SourceLanguage, Parser>();

  /**
   * The include directives and external functions of a C text of at least `reduceAbove` units, from a parse of its
   * skeleton (engine/regions.ts: function bodies blanked) instead of a full parse; null when it is smaller, not C, or
   * the skeleton is unsure or does not parse cleanly (the caller then reads the full tree).
   */
  skeletonTopLevel(file: string, text: string): { directives: IncludeDirective[]; external: string[] } | null {
    if (!this.reduces(file, text)) return null;
    const ranges = skeletonRanges(this.itemTables.of(text));
    if (!ranges) return null;
    if (ranges.length === 0) return { directives: [], external: [] };
    // The ranges leave out the blanked interiors: parsing the whole text within them reads the skeleton.
    const tree = this.parserFor(file).parse(text, null, { includedRanges: ranges });
    if (!tree) return null;
    try {
      if (tree.rootNode.hasError) return null;
      return { directives: includeDirectives(tree), external: externalFunctions(tree) };
    } finally {
      tree.delete();
    }
  }

  /** Whether a text is large enough, and C, to be read through reduced parses (`ProjectOptions.reduceAbove`). */
  reduces(file: string, text: string): boolean {
    return text.length >= (this.options.reduceAbove ?? Number.POSITIVE_INFINITY) && languageOf(file) === "c";
  }

  /** The extra include directories the project was made with (CLI -I, `vmspliceLens.includePaths`). */
  get includePaths(): string[] {
    return [...(this.options.includePaths ?? [])];
  }

  /** The parser of a file's grammar (C when the C++ grammar is not loaded: this only reads summaries). */
  private parserFor(file: string): Parser {
    let language = languageOf(file);
    let parser = this.parsers.get(language);
    if (parser) return parser;
    try {
      parser = this.createParser(language);
    } catch {
      this.fallbackGrammars.add(language);
      language = "c";
      parser = this.parsers.get(language) ?? this.createParser(language);
    }
    this.parsers.set(languageOf(file), parser);
    return parser;
  }
  /** The grammar a file is parsed with, as summaries and the header cache key it ("cpp (as c)" for a fallback). */
  private grammarOf(file: string): string {
    this.parserFor(file);
    const language = languageOf(file);
    return this.fallbackGrammars.has(language) ? `${language} (as c)` : language;
  }

  /** Languages whose grammar did not load, parsed as C instead (their summaries are keyed apart). */
  private readonly fallbackGrammars = new Set<SourceLanguage>();

  /** How a source file is summarised (summary-store.ts): its text, shown name, grammar and parse. */
  private summarySource(file: string): SummarySource {
    const parser = this.parserFor(file);
    return {
      file,
      display: this.display(file),
      bytes: this.fs.readBytes(file),
      text: () => this.fs.readText(file),
      language: this.grammarOf(file),
      parse: (text) => parser.parse(text),
      parseRanges: (text, ranges) => parser.parse(text, null, { includedRanges: ranges }),
      reduceAbove: this.options.reduceAbove,
      items: (text) => this.itemTables.of(text),
    };
  }

  /** Summaries computed and read from the on-disk cache so far. */
  get summaryCounts(): SummaryCounts {
    return { ...this.store.counts };
  }

  constructor(
    readonly root: string,
    private readonly createParser: (language: SourceLanguage) => Parser,
    private readonly options: ProjectOptions = {},
    private readonly fs: ProjectFs = diskFs,
  ) {
    const source =
      options.compileDatabase ??
      ["compile_commands.json", "compile_flags.txt"]
        .map((name) => path.join(root, name))
        .find((candidate) => fs.isFile(candidate)) ??
      null;
    this.database = new CompileDatabase(source, source ? fs.readText(source) : null);
    this.includes = new IncludeResolver(
      root,
      this.database,
      options,
      fs,
      (file) => this.parserFor(file),
      (file) => this.display(file),
      (file) => this.grammarOf(file),
    );
    this.store = new SummaryStore(options.summaryCache ?? null, `${SUMMARY_SCHEMA}/${options.version ?? ""}`);
    this.itemTables = options.itemTables ?? new ItemTables();
  }
  private readonly itemTables: ItemTables;

  private sources: string[] | null = null;
  private fillers: ExternalPipeFiller[] | null = null;
  private readonly store: SummaryStore;
  private readonly includes: IncludeResolver;
  private readonly texts = new Map<string, Buffer | null>();
  private textBudget = MAX_CACHED_TEXT;
  /** The files whose bytes were searched (for the index status). */
  private readonly searched = new Set<string>();

  /**
   * Whether a source or header file mentions a word (an identifier: ASCII, so its bytes are searched without decoding
   * the file). The bytes are kept for the run within a budget, then read again.
   */
  private mentions(file: string, word: string): boolean {
    this.searched.add(file);
    if (this.fs.absent?.(file, word)) return false;
    let bytes = this.texts.get(file);
    if (bytes === undefined) {
      bytes = this.fs.readBytes(file);
      if (bytes !== null && bytes.length <= this.textBudget) {
        this.textBudget -= bytes.length;
        this.texts.set(file, bytes);
      }
    }
    return bytes !== null && bytes.includes(word);
  }

  /**
   * Whether a file's bytes call one of the pipe creators: `pipe`, `pipe2` or `socketpair` as a whole word followed by
   * `(` (a byte-level pre-filter; the summary's parse decides). Naming the word is not enough: in large trees `pipe` is
   * a common variable name, and only calls fill pipes.
   */
  private callsPipeCreator(file: string): boolean {
    const known = this.pipeCallers.get(file);
    if (known !== undefined) return known;
    let calls = false;
    if (this.mentions(file, "pipe") || this.mentions(file, "socketpair")) {
      const text = this.fs.readText(file);
      calls = text !== null && PIPE_CREATORS.some((name) => callOccurs(text, name));
    }
    this.pipeCallers.set(file, calls);
    return calls;
  }
  /** callsPipeCreator's answers, per file, until the file changes (an index rebuilt after a change asks again). */
  private readonly pipeCallers = new Map<string, boolean>();

  /** The summary of one source file (parsed once per project; null when it cannot be read). */
  private summaryOf(file: string): SummaryView | null {
    return this.store.summary(file, () => this.summarySource(file));
  }

  private wrapperIndex: ExternalWrapper[] | null = null;
  private readonly callerCache = new Map<string, Map<string, string[]>>();

  /** The other files' callers of these functions of `file`, when `externalCallers` already found them. */
  knownCallers(file: string, names: readonly string[]): Map<string, string[]> | null {
    return this.callerCache.get(`${path.resolve(file)}\0${names.join("\0")}`) ?? null;
  }
  private fieldFillIndex: ExternalFieldFill[] | null = null;

  /** Struct members the project's files fill with pipe(), pipe2() or socketpair(). */
  fieldFills(): ExternalFieldFill[] {
    return runSteps(this.fieldFillSteps());
  }

  private *fieldFillSteps(): IndexSteps<ExternalFieldFill[]> {
    if (this.fieldFillIndex) return this.fieldFillIndex;
    const epoch = this.epoch;
    const fills: ExternalFieldFill[] = [];
    const listing = yield* this.sourceListing();
    // A file past the listing's limit may fill the same field otherwise: none is taken.
    for (const file of this.listingTruncated() ? [] : listing) {
      if (this.callsPipeCreator(file)) fills.push(...(this.summaryOf(file)?.fieldFills ?? []));
      yield "struct fields filled with pipes";
    }
    if (epoch === this.epoch) this.fieldFillIndex = fills;
    return fills;
  }

  /**
   * The vmsplice wrappers the project's files define with external linkage, for their callers in other files; a name
   * defined more than once with different parameter roles (or once without forwarding) is left out.
   */
  wrappers(): ExternalWrapper[] {
    return runSteps(this.wrapperSteps());
  }

  private *wrapperSteps(): IndexSteps<ExternalWrapper[]> {
    if (this.wrapperIndex) return this.wrapperIndex;
    const epoch = this.epoch;
    const candidates = new Map<string, ExternalWrapper[]>();
    const sources = yield* this.sourceListing();
    for (const file of sources) {
      yield "vmsplice wrappers";
      if (!this.mentions(file, "vmsplice")) continue;
      for (const wrapper of this.summaryOf(file)?.wrappers ?? [])
        candidates.set(wrapper.name, [...(candidates.get(wrapper.name) ?? []), wrapper]);
    }
    const result: ExternalWrapper[] = [];
    for (const [name, found] of candidates) {
      const roles = new Set(found.map((wrapper) => JSON.stringify(wrapper.parameters)));
      let definers = 0;
      for (const file of sources) {
        if (this.mentions(file, name) && this.summaryOf(file)?.defines(name)) definers++;
        yield "vmsplice wrappers";
      }
      if (roles.size === 1 && definers === found.length) result.push(found[0]);
    }
    result.sort((left, right) => left.name.localeCompare(right.name));
    if (epoch === this.epoch) this.wrapperIndex = result;
    return result;
  }

  /**
   * For functions a file defines with external linkage, the other files of the project (sources and headers) that call
   * them, or use their name as a value or in a macro body, without defining a function of that name themselves (a byte
   * search first, then their summaries).
   */
  externalCallers(file: string, names: readonly string[]): Map<string, string[]> {
    const key = `${path.resolve(file)}\0${names.join("\0")}`;
    const cached = this.callerCache.get(key);
    if (cached) return cached;
    const result = new Map<string, string[]>();
    this.callerCache.set(key, result);
    if (names.length === 0) return result;
    const self = path.resolve(file);
    // Headers too: a macro or static inline function there that calls the function is a caller in every file using it.
    const files = [...this.sourceFiles(), ...this.headerFiles()];
    // Past the listing's limit, files were not read: any of them may call any function.
    const maxSources = this.options.maxSources ?? MAX_SOURCE_SCAN;
    if (this.listingTruncated()) {
      for (const name of names)
        result.set(name, [`files past the project's listing limit (${maxSources} source files)`]);
      return result;
    }
    // A name mentioned by very many files is taken as called elsewhere without reading them all (the sound answer).
    const mentionedBy = new Map<string, string[]>();
    for (const other of files) {
      if (other === self) continue;
      for (const name of names)
        if (this.mentions(other, name)) mentionedBy.set(name, [...(mentionedBy.get(name) ?? []), other]);
    }
    for (const [name, files] of mentionedBy)
      if (files.length > MAX_CALLER_FILES) result.set(name, [`${files.length} other files that mention ${name}`]);
    for (const other of files) {
      if (other === self) continue;
      const mentioned = names.filter(
        (name) => (mentionedBy.get(name)?.length ?? 0) <= MAX_CALLER_FILES && this.mentions(other, name),
      );
      if (mentioned.length === 0) continue;
      const summary = this.summaryOf(other);
      if (!summary) continue;
      for (const name of mentioned) {
        if (summary.definesAny(name)) continue;
        // A name used as a value or in a macro body there may reach the function through a pointer or the macro.
        const entry = summary.calls(name)
          ? this.display(other)
          : summary.refers(name)
            ? `${this.display(other)} (through a pointer or macro)`
            : null;
        if (entry) result.set(name, [...(result.get(name) ?? []), entry]);
      }
    }
    return result;
  }
  /** Limits hit while indexing the project (named in notes). */
  readonly indexLimits: string[] = [];
  /** Moves on whenever a file is invalidated: a stepped computation begun before stores nothing it found. */
  private epoch = 0;
  private buildMs: number | null = null;
  /** How far the first pass of the stepped build is, in percent (for the editor's progress). */
  buildPercentage = 0;

  /** Whether the index (wrappers, pipe fillers, field fills, trigger words) is built and current. */
  get indexed(): boolean {
    return (
      this.wrapperIndex !== null &&
      this.fillers !== null &&
      this.fieldFillIndex !== null &&
      this.tableIndex !== null &&
      this.triggers !== null
    );
  }

  /**
   * Builds the project index in steps (see IndexSteps): a first pass reads each source and header file once, parsing
   * those that mention vmsplice or call a pipe creator, then wrappers, pipe fillers, field fills and trigger words are
   * joined from what it read. Yields "1,234 of 20,000 files" and what is being joined.
   */
  *indexSteps(): IndexSteps<void> {
    const started = performance.now();
    const sources = yield* this.sourceListing();
    const headers = yield* this.headerListing();
    const total = sources.length + headers.length;
    let done = 0;
    const counted = () => `${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} files`;
    for (const file of sources) {
      if (this.mentions(file, "vmsplice") || this.callsPipeCreator(file)) this.summaryOf(file);
      done++;
      this.buildPercentage = Math.floor((done * 100) / Math.max(total, 1));
      yield counted();
    }
    const words = searchWords([...VMSPLICE_WORDS]);
    for (const file of headers) {
      if (words.some((word) => this.mentions(file, word))) this.includes.header(file);
      done++;
      this.buildPercentage = Math.floor((done * 100) / Math.max(total, 1));
      yield counted();
    }
    for (const steps of [
      this.wrapperSteps(),
      this.pipeFillerSteps(),
      this.fieldFillSteps(),
      this.tableSteps(),
      this.triggerSteps(),
    ])
      for (let step = steps.next(); !step.done; step = steps.next()) yield `${counted()}, ${step.value}`;
    this.buildMs = Math.round(performance.now() - started);
  }

  /** What the index holds (lists are those built so far; a list not built yet is empty). */
  status(): ProjectIndexStatus {
    return {
      root: this.root,
      state: this.indexed ? "ready" : "not built",
      compileDatabase: this.database.source,
      sourceFiles: this.sources?.length ?? null,
      headerFiles: this.headerList?.length ?? null,
      filesSearched: this.searched.size,
      sourcesParsed: this.store.size,
      headersParsed: this.includes.headersParsed(),
      wrappers: (this.wrapperIndex ?? []).map((wrapper) => `${wrapper.name} (${wrapper.file}:${wrapper.line})`),
      pipeFillers: (this.fillers ?? []).map(
        (filler) => `${filler.name} (parameter ${filler.parameter + 1}, ${filler.file}:${filler.line})`,
      ),
      fieldFills: (this.fieldFillIndex ?? []).map((fill) => `${fill.type}.${fill.field} (${fill.file}:${fill.line})`),
      syscallTables: describeTable(this.tableIndex?.facts),
      limits: [...new Set(this.indexLimits)],
      buildMs: this.buildMs,
    };
  }

  /** The C and C++ source files under the root, sorted (at most MAX_SOURCE_SCAN). */
  sourceFiles(): string[] {
    return runSteps(this.sourceListing());
  }

  private *sourceListing(): IndexSteps<string[]> {
    if (this.sources) return this.sources;
    const epoch = this.epoch;
    const found = yield* this.listFiles(SOURCE_EXTENSIONS, this.options.maxSources ?? MAX_SOURCE_SCAN, "source files");
    if (epoch === this.epoch) this.sources = found;
    return found;
  }

  /**
   * Files under the root with one of the extensions, sorted, skipping hidden directories and node_modules; yields
   * after each directory (see IndexSteps).
   */
  private *listFiles(extensions: readonly string[], limit: number, what: string): IndexSteps<string[]> {
    const found: string[] = [];
    const fs = this.fs;
    function* visit(dir: string): IndexSteps<void> {
      for (const entry of fs.list(dir).sort((left, right) => left.name.localeCompare(right.name))) {
        if (found.length >= limit) return;
        if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
        const full = path.join(dir, entry.name);
        if (entry.directory) yield* visit(full);
        else if (extensions.some((extension) => entry.name.endsWith(extension))) found.push(full);
      }
      yield `listing ${what}: ${found.length} found`;
    }
    yield* visit(this.root);
    if (found.length >= limit) this.indexLimits.push(`only the first ${limit} ${what} of ${this.root} were read`);
    return found;
  }

  /**
   * The functions of the project that create a pipe into a parameter (`safe_pipe(file, line, cleanup, fds)`), joined
   * over every file that defines them: a name whose definitions disagree (or one of which fills nothing) is left
   * out. Two rounds follow a hop through another file's filler.
   */
  pipeFillers(): ExternalPipeFiller[] {
    return runSteps(this.pipeFillerSteps());
  }

  private *pipeFillerSteps(): IndexSteps<ExternalPipeFiller[]> {
    if (this.fillers) return this.fillers;
    const epoch = this.epoch;
    const summaries = new Map<string, SummaryView>();
    const summarize = (file: string, known: readonly ExternalPipeFiller[]) => {
      const summary = this.store.summaryWith(this.summarySource(file), known);
      if (summary) summaries.set(file, summary);
    };
    const sources = yield* this.sourceListing();
    for (const file of sources) {
      yield "pipe fillers";
      if (!this.callsPipeCreator(file)) continue;
      const summary = this.summaryOf(file);
      if (summary) summaries.set(file, summary);
    }
    let known = [...summaries.values()].flatMap((summary) => summary.pipeFillers);
    const names = [...new Set(known.map((filler) => filler.name))];
    // Round 2: files that call a filler of another file (a wrapper of a wrapper), and every other definition of a
    // filler's name, so that disagreeing definitions are seen.
    for (const file of sources) {
      yield "pipe fillers";
      if (names.some((name) => this.mentions(file, name))) summarize(file, known);
    }
    known = [...summaries.values()].flatMap((summary) => summary.pipeFillers);
    // A file past the listing's limit may define a filler's name otherwise: none is taken as the only definition.
    if (this.listingTruncated()) known = [];
    const result: ExternalPipeFiller[] = [];
    const byKey = new Map<string, ExternalPipeFiller[]>();
    for (const filler of known) {
      const key = `${filler.name}/${filler.parameter}`;
      byKey.set(key, [...(byKey.get(key) ?? []), filler]);
    }
    for (const [key, fillers] of byKey) {
      const name = key.slice(0, key.lastIndexOf("/"));
      const definers = [...summaries.values()].filter((summary) => summary.defines(name)).length;
      const agree = fillers.every(
        (filler) => filler.creates === fillers[0].creates && filler.nonblock === fillers[0].nonblock,
      );
      if (agree && definers === fillers.length) result.push(fillers[0]);
    }
    result.sort((left, right) => left.name.localeCompare(right.name) || left.parameter - right.parameter);
    if (epoch === this.epoch) this.fillers = result;
    return result;
  }

  /** What the project's syscall tables say about vmsplice (facts undefined: no table names it). */
  private tableIndex: { facts: SyscallTableFacts | undefined } | null = null;

  /**
   * What the project's syscall tables (`*.tbl`, found by the same walk, limits and ignore rules as sources) say about
   * vmsplice: its entry-point names, without those a source of the project defines as a function (then it is that
   * function, followed as any other), and its number when the tables agree on one. Undefined when no table names it.
   * The same object until a table or source changes and the rows say something else (the engine compares by identity).
   */
  syscallTable(): SyscallTableFacts | undefined {
    return runSteps(this.tableSteps());
  }

  private *tableSteps(): IndexSteps<SyscallTableFacts | undefined> {
    if (this.tableIndex) return this.tableIndex.facts;
    const epoch = this.epoch;
    const tables: TableText[] = [];
    for (const file of yield* this.listFiles(TABLE_EXTENSIONS, MAX_SOURCE_SCAN, "syscall tables")) {
      const text = this.mentions(file, "vmsplice") ? this.fs.readText(file) : null;
      if (text !== null) tables.push({ file, display: this.display(file), text });
      yield "syscall tables";
    }
    let facts = syscallTableFacts(tables);
    // Names the analyzer knows without a table (sys_vmsplice) keep their built-in meaning: not looked for.
    const names = (facts?.entries ?? []).map((entry) => entry.name).filter((name) => !BUILT_IN_NAMES.has(name));
    if (facts && names.length > 0) {
      const defined = new Set<string>();
      for (const file of yield* this.sourceListing()) {
        yield "syscall tables";
        if (!searchWords(names).some((word) => this.mentions(file, word))) continue;
        const summary = this.summaryOf(file);
        for (const name of names) if (summary?.definesAny(name)) defined.add(name);
      }
      facts = { ...facts, entries: facts.entries.filter((entry) => !defined.has(entry.name)) };
    }
    if (facts && facts.entries.length === 0 && !facts.number) facts = undefined;
    // Rows read again that say the same keep the object the engine already has (its facts stay valid).
    if (JSON.stringify(facts) === JSON.stringify(this.lastTable)) facts = this.lastTable;
    if (epoch === this.epoch) this.tableIndex = { facts };
    this.lastTable = facts;
    return facts;
  }
  private lastTable: SyscallTableFacts | undefined = undefined;

  private headerList: string[] | null = null;
  private triggers: string[] | null = null;

  /** The header files under the root, sorted (at most MAX_HEADER_SCAN). */
  headerFiles(): string[] {
    return runSteps(this.headerListing());
  }

  private *headerListing(): IndexSteps<string[]> {
    if (this.headerList) return this.headerList;
    const epoch = this.epoch;
    const found = yield* this.listFiles(HEADER_EXTENSIONS, MAX_HEADER_SCAN, "headers");
    if (epoch === this.epoch) this.headerList = found;
    return found;
  }

  /**
   * The words whose mention makes a file worth reading with its headers: vmsplice's own names, the names of header
   * definitions that lead to them (a macro or static inline wrapper, a syscall-number alias, a few levels deep), and
   * the wrappers other files define. Only headers whose bytes mention a word so far are parsed.
   */
  triggerWords(): string[] {
    return runSteps(this.triggerSteps());
  }

  private *triggerSteps(): IndexSteps<string[]> {
    if (this.triggers) return this.triggers;
    const epoch = this.epoch;
    let words: string[] = [...VMSPLICE_WORDS];
    // Each round searches the headers not matched so far for the words found in the last round only.
    const matched = new Set<string>();
    let fresh = words;
    const headers = yield* this.headerListing();
    for (let round = 0; round < 4; round++) {
      for (const file of headers) {
        if (!matched.has(file) && searchWords(fresh).some((word) => this.mentions(file, word))) matched.add(file);
        yield "headers leading to vmsplice";
      }
      const definitions: HeaderDefinition[] = [];
      for (const file of headers) {
        if (!matched.has(file)) continue;
        definitions.push(...(this.includes.header(file)?.definitions ?? []));
        yield "headers leading to vmsplice";
      }
      const next = vmspliceTriggers(definitions, words);
      if (next.length === words.length) break;
      fresh = next.filter((word) => !words.includes(word));
      words = next;
    }
    const wrappers = yield* this.wrapperSteps();
    const table = yield* this.tableSteps();
    const triggers = [...new Set([...words, ...wrappers.map((wrapper) => wrapper.name), ...tableWords(table)])];
    if (epoch === this.epoch) this.triggers = triggers;
    return triggers;
  }

  dispose(): void {
    for (const parser of new Set(this.parsers.values())) parser.delete();
    this.parsers.clear();
  }

  /** Forgets what was read from a file (it changed on disk or in the editor). */
  /**
   * An open source file's unsaved text changed (the editor): who calls which function may have changed, so the other
   * files' callers elsewhere and the joins are found again, with this file's summary, at their next analysis. The
   * indexes of wrappers, pipe fillers and field fills are kept until the file is saved (`invalidate`), so a keystroke
   * does not rebuild them.
   */
  sourceEdited(file: string): void {
    const absolute = path.resolve(file);
    const cached = this.texts.get(absolute);
    if (cached) this.textBudget += cached.length;
    this.texts.delete(absolute);
    this.store.forget(absolute);
    // The file's own callers are in other files, and its join is keyed by its text: a keystroke keeps them.
    for (const key of [...this.callerCache.keys()]) if (!key.startsWith(`${absolute}\0`)) this.callerCache.delete(key);
    for (const joins of [this.joins, this.definerJoins])
      for (const key of [...joins.keys()]) if (path.resolve(key) !== absolute) joins.delete(key);
    this.definersByName.clear();
    this.elsewhere.clear();
  }

  invalidate(file: string, created = false): void {
    const absolute = path.resolve(file);
    this.epoch++;
    const cached = this.texts.get(absolute);
    if (cached) this.textBudget += cached.length;
    this.texts.delete(absolute);
    this.pipeCallers.delete(absolute);
    if (TABLE_EXTENSIONS.some((extension) => absolute.endsWith(extension))) {
      // A table's rows decide the entry points and the number; whether a table appeared is found by listing again.
      this.tableIndex = null;
      this.triggers = null;
    } else if (HEADER_EXTENSIONS.some((extension) => absolute.endsWith(extension))) {
      // A header's text decides its includes and definitions (the trigger words); summaries are of sources alone.
      this.includes.forgetHeader(absolute);
      this.triggers = null;
      // Its summary says whether a macro or inline function there calls a function of another file.
      this.store.forget(absolute);
      this.callerCache.clear();
      this.joins.clear();
      this.definerJoins.clear();
    } else {
      this.store.forget(absolute);
      this.fillers = null;
      this.wrapperIndex = null;
      this.fieldFillIndex = null;
      // A source may define a function of an entry point's name (then no longer the generated one).
      this.tableIndex = null;
      this.callerCache.clear();
      this.joins.clear();
      this.definerJoins.clear();
      this.definersByName.clear();
      this.elsewhere.clear();
      this.triggers = null;
    }
    // A file that appears or disappears changes the listings and where includes resolve.
    if (created || !this.fs.isFile(absolute)) {
      this.includes.forgetResolutions();
      this.headerList = null;
      this.sources = null;
    }
  }

  /**
   * The project headers `file` includes, directly or through other headers, in include order (each once), with the
   * chain that reached each (include-resolver.ts).
   */
  headersFor(file: string, includes: readonly IncludeDirective[]): UnitHeaders {
    return this.includes.headersFor(file, includes);
  }

  /** A path relative to the root when inside it (for chains and messages). */
  /** JoinHost: a file's text as the project reads it. */
  readText(file: string): string | null {
    return this.fs.readText(file);
  }

  /** JoinHost: a whole parse of a text with the file's grammar (the caller deletes the tree). */
  parse(file: string, text: string): Tree | null {
    return this.parserFor(file).parse(text);
  }

  /** JoinHost: the names a text defines and uses, kept per file while its text stays the same. */
  definitions(file: string, text: string): FileDefinitions | null {
    const known = this.fileDefinitions.get(file);
    if (known && known.text === text) return known.found;
    const tree = this.parse(file, text);
    const found = tree ? fileDefinitions(tree) : null;
    tree?.delete();
    this.fileDefinitions.set(file, { text, found });
    return found;
  }

  private readonly fileDefinitions = new Map<string, { text: string; found: FileDefinitions | null }>();

  /**
   * Whether the listing of sources or headers stopped at its limit: files past it were not read, so no fact that rests
   * on "the only one in the project" holds (one caller, one definition, one pipe filler, the fills of a field).
   */
  listingTruncated(): boolean {
    const maxSources = this.options.maxSources ?? MAX_SOURCE_SCAN;
    return this.sourceFiles().length >= maxSources || this.headerFiles().length >= MAX_HEADER_SCAN;
  }

  /**
   * JoinHost: how many source files define a function of this name with external linkage; one more than those read
   * when the listing stopped at its limit (a file not read may define it too).
   */
  definers(name: string, except?: string): number {
    return this.definerFiles(name, except).length + (this.listingTruncated() ? 1 : 0);
  }

  /**
   * JoinHost: the source files that define a function of this name with external linkage, but `except` (the file that
   * asks: its unit does not define the function, and an editor's keystroke in it must not parse it again to find so).
   */
  definerFiles(name: string, except?: string): string[] {
    const skip = except === undefined ? null : path.resolve(except);
    const key = skip === null ? name : `${name}\0${skip}`;
    let files = this.definersByName.get(key);
    if (files === undefined) {
      files = this.sourceFiles().filter(
        (file) =>
          (skip === null || path.resolve(file) !== skip) &&
          this.mentions(file, name) &&
          this.linkedFunctions(file).has(name),
      );
      this.definersByName.set(key, files);
    }
    return files;
  }

  /**
   * The functions a source file defines with external linkage, conditional groups included (`#ifdef X … #endif`
   * defines it on some builds: it counts), read from a parse of its skeleton (function bodies left out: cheaper than a
   * summary) or of the whole text when the skeleton is unsure. Kept per file while its text stays the same.
   */
  private linkedFunctions(file: string): ReadonlySet<string> {
    const text = this.fs.readText(file);
    if (text === null) return new Set();
    const known = this.linked.get(file);
    if (known && known.text === text) return known.names;
    const parser = this.parserFor(file);
    const ranges = languageOf(file) === "c" ? skeletonRanges(this.itemTables.of(text)) : null;
    let tree = ranges && ranges.length > 0 ? parser.parse(text, null, { includedRanges: ranges }) : null;
    if (!tree || tree.rootNode.hasError) {
      tree?.delete();
      tree = parser.parse(text);
    }
    const names = new Set<string>();
    try {
      if (tree) for (const name of linkedDefinitions(tree)) names.add(name);
    } finally {
      tree?.delete();
    }
    this.linked.set(file, { text, names });
    return names;
  }

  private readonly linked = new Map<string, { text: string; names: ReadonlySet<string> }>();

  private readonly definersByName = new Map<string, string[]>();

  /**
   * ProjectFacts.definedElsewhere: where the project defines a function with external linkage (the first file, as
   * shown), or null. One function per state of the index, so the engine sees a change when the definitions may have.
   */
  definedElsewhere(file: string): (name: string) => string | null {
    let answer = this.elsewhere.get(file);
    if (!answer) {
      answer = (name) => {
        const files = this.definerFiles(name, file).map((definer) => this.display(definer));
        if (files.length <= 1) return files[0] ?? null;
        return `${files.slice(0, 3).join(", ")}${files.length > 3 ? ` and ${files.length - 3} more` : ""} (${files.length} files define it)`;
      };
      this.elsewhere.set(file, answer);
    }
    return answer;
  }

  /** `definedElsewhere` per asking file, made afresh whenever the definitions may have changed. */
  private readonly elsewhere = new Map<string, (name: string) => string | null>();

  /** The join of a unit's single callers elsewhere (caller-join.ts), kept per file, text and callers. */
  private readonly joins = new Map<string, { key: string; join: CallerJoin | null }>();

  joinCallers(file: string, text: string, headers: UnitHeaders, callers: Map<string, string[]>): CallerJoin | null {
    const key = [text, ...headers.headers.map((header) => header.text), JSON.stringify([...callers])].join("\0");
    const known = this.joins.get(file);
    // The joined files are read again (an editor's unsaved text of one of them is what the unit must hold).
    const current = (join: CallerJoin | null) =>
      (join?.parts ?? []).every((part) => this.fs.readText(part.file) === part.text);
    if (known && known.key === key && current(known.join)) return known.join;
    // A wrapper's callers are reported at their own calls through it, never merged into its line (issue 9).
    const wrappers = new Set(this.wrappers().map((wrapper) => wrapper.name));
    const join = joinSingleCallers(this, file, text, headers, callers, wrappers);
    this.joins.set(file, { key, join });
    return join;
  }

  /**
   * The join of the files that alone define functions the unit calls and wants (caller-join.ts `joinDefiners`), kept
   * per file, unit and names like `joinCallers`.
   */
  joinDefiners(
    file: string,
    text: string,
    headers: { headers: readonly UnitHeader[]; defines: ReadonlyMap<string, string> },
    wanted: readonly string[],
    callers: ReadonlyMap<string, readonly string[]>,
  ): CallerJoin | null {
    const key = [
      text,
      ...headers.headers.map((header) => header.text),
      wanted.join(","),
      JSON.stringify([...callers]),
    ].join("\0");
    const known = this.definerJoins.get(file);
    const current = (join: CallerJoin | null) =>
      (join?.parts ?? []).every((part) => this.fs.readText(part.file) === part.text);
    if (known && known.key === key && current(known.join)) return known.join;
    const wrappers = new Set(this.wrappers().map((wrapper) => wrapper.name));
    const join = joinDefiners(this, file, text, headers, wanted, callers, wrappers);
    this.definerJoins.set(file, { key, join });
    return join;
  }

  private readonly definerJoins = new Map<string, { key: string; join: CallerJoin | null }>();

  /** The names a file's extraction last wanted from other files' definitions (see `setDefinerJoin`). */
  wantedDefinitions(file: string): string[] {
    return this.wanted.get(path.resolve(file)) ?? [];
  }

  rememberWantedDefinitions(file: string, names: string[]): void {
    if (names.length > 0) this.wanted.set(path.resolve(file), names);
    else this.wanted.delete(path.resolve(file));
  }

  private readonly wanted = new Map<string, string[]>();

  display(file: string): string {
    const relative = path.relative(this.root, file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
  }

  /** What the headers of a unit define (for `vmspliceTriggers`). */
  definitionsOf(headers: readonly UnitHeader[]): HeaderDefinition[] {
    return this.includes.definitionsOf(headers);
  }
}

/** True when a directory exists (for options given on the command line). */
export function directoryExists(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}

/**
 * Reads the project headers of a file into the engine, when they can matter: the file mentions "splice", or some
 * header of the project mentions vmsplice (a wrapper or a syscall number whose callers need not say splice). The one
 * way the CLI, the workspace scan and the language server do it. `key` is the engine's name for the file (a path or a
 * URI), `file` its path on disk. Null when no headers were read.
 */
/** What readUnitHeaders reads from a file's tree: its include directives and (when asked) its external functions. */
interface TopLevel {
  stamp: number;
  directives: IncludeDirective[];
  external: string[] | null;
}

const topLevels = new WeakMap<Engine, Map<string, TopLevel>>();

/**
 * The top level of a file's tree as readUnitHeaders reads it, kept while the engine's structure stamp stays the same
 * (every keystroke inside a function body): the language server reads the unit at every keystroke, and neither a
 * reparse nor a walk over a large file's items is needed for that. Null when the file has no tree.
 */
function topLevelOf(engine: Engine, key: string): TopLevel | null {
  let files = topLevels.get(engine);
  if (!files) topLevels.set(engine, (files = new Map()));
  const stamp = engine.structureStamp(key);
  const known = files.get(key);
  if (known && known.stamp === stamp) return known;
  const tree = engine.tree(key);
  if (!tree) {
    files.delete(key);
    return null;
  }
  const found: TopLevel = { stamp, directives: includeDirectives(tree), external: null };
  files.set(key, found);
  return found;
}

/** The file's functions with external linkage (see topLevelOf). */
function externalFunctionsOf(engine: Engine, key: string, top: Pick<TopLevel, "external">): string[] {
  if (top.external) return top.external;
  const tree = engine.tree(key);
  top.external = tree ? externalFunctions(tree) : [];
  return top.external;
}

/**
 * What `readUnitHeaders` read of the text, for a caller that may skip the next call (the analysis worker, see
 * protocol/unit-headers-memo.ts): besides the top level (kept by the engine's `structureStamp`) and NUL characters,
 * the text counts only through whether it contains `words` (as substrings); `textDependent` is set when the outcome
 * also rests on more than that (a probe analysis, a reduced parse of the text, an index still pending).
 */
export interface UnitTextReads {
  words: string[];
  textDependent: boolean;
}

export function readUnitHeaders(
  engine: Engine,
  key: string,
  file: string,
  text: string,
  project: Project,
  indexPending = false,
  observed?: UnitTextReads,
): UnitHeaders | null {
  if (observed) {
    observed.words = ["splice", ...project.triggerWords()];
    observed.textDependent = indexPending || project.reduces(file, text);
  }
  if (indexPending) return readPendingUnit(engine, key, file, text, project);
  // Binary text is the engine's to refuse (one NUL rule); it is not parsed for includes.
  const wrappers = project.wrappers();
  // A NUL character's presence is not a word the memo can follow.
  if (observed && text.includes("\0")) observed.textDependent = true;
  if (text.includes("\0") || (!mentionsVmsplice(text) && !project.triggerWords().some((word) => text.includes(word)))) {
    engine.setHeaders(key, []);
    return null;
  }
  // A large file read without keeping its tree (the CLI) is not parsed whole for its top level.
  const top = project.skeletonTopLevel(file, text) ?? topLevelOf(engine, key);
  if (!top) {
    if (observed) observed.textDependent = true;
    return null;
  }
  const headers = project.headersFor(file, top.directives);
  // A file that names neither splice nor a definition of its headers leading to vmsplice has no call to analyse.
  const triggers = [
    ...vmspliceTriggers(project.definitionsOf(headers.headers)),
    ...wrappers.map((wrapper) => wrapper.name),
    ...tableWords(project.syscallTable()),
  ];
  observed?.words.push(...triggers);
  if (!mentionsVmsplice(text) && !triggers.some((name) => text.includes(name))) {
    engine.setHeaders(key, []);
    return headers;
  }
  const syscallTable = project.syscallTable();
  const facts = {
    pipeFillers: project.pipeFillers(),
    fieldFills: project.fieldFills(),
    defines: headers.defines,
    wrappers,
    definedElsewhere: project.definedElsewhere(file),
    ...(syscallTable ? { syscallTable } : {}),
  };
  // The callers in other files are looked for only when there is a call to decide (a first extraction says so); once
  // found they are kept, so a keystroke hands the engine the same facts once and its facts are extracted once.
  const names = externalFunctionsOf(engine, key, top);
  const known = project.knownCallers(file, names);
  if (known) {
    // Joining callers from other files reads this text and theirs as a whole.
    if (observed && [...known.values()].some((callers) => callers.length > 0)) observed.textDependent = true;
    const unit = setJoinedUnit(engine, key, file, text, project, headers, { ...facts, externalCallers: known });
    setDefinerJoin(engine, key, file, text, project, headers, unit, null, observed);
    return headers;
  }
  engine.setHeaders(key, headers.headers, facts);
  // A large file the engine reads through reduced parses is probed without a budget: a budget makes it parse whole.
  const probe = project.reduces(file, text) ? undefined : firstCall();
  // The probe's answer (does the unit have a call) rests on the whole text.
  if (observed && names.length > 0) observed.textDependent = true;
  if (names.length > 0) {
    const probed = engine.analysis(key, { kernel: "rfc-v2", pageSize: 4096 }, undefined, probe);
    if (probed.calls.length === 0) return headers;
    const externalCallers = project.externalCallers(file, names);
    const unit = setJoinedUnit(engine, key, file, text, project, headers, { ...facts, externalCallers });
    setDefinerJoin(engine, key, file, text, project, headers, unit, probed.facts, observed);
  } else setDefinerJoin(engine, key, file, text, project, headers, { parts: [], facts }, null, observed);
  return headers;
}

/** What a unit holds besides its main file and headers: joined files, and the facts handed to the engine with them. */
interface JoinedUnit {
  parts: UnitHeader[];
  facts: ProjectFacts;
}

/**
 * Hands the engine the unit with its callers elsewhere; a function whose calls all come from one other file has that
 * file read into the unit after the headers (caller-join.ts), when the two can be joined.
 */
function setJoinedUnit(
  engine: Engine,
  key: string,
  file: string,
  text: string,
  project: Project,
  headers: UnitHeaders,
  facts: ProjectFacts & { externalCallers: Map<string, string[]> },
): JoinedUnit {
  const join = project.joinCallers(file, text, headers, facts.externalCallers);
  const unit = join ? { parts: join.parts, facts: { ...facts, externalCallers: join.callers } } : { parts: [], facts };
  engine.setHeaders(key, [...headers.headers, ...unit.parts], unit.facts);
  return unit;
}

/**
 * Reads into the unit the files that alone define functions its extraction wanted and did not find (caller-join.ts
 * `joinDefiners`): an allocator, a fill or a flags helper in another file. What is wanted comes from what the file
 * wanted last time, its last whole extraction (`Engine.lastUnseen`, a keystroke ago in an editor) and `probed` (the
 * facts of a probe readUnitHeaders already made); a file none of these has looked at yet is probed here. After a join
 * the unit is probed again (at most twice) for what the joined files want in turn. A file whose extraction wants
 * nothing another file alone defines is left as it was set.
 */
function setDefinerJoin(
  engine: Engine,
  key: string,
  file: string,
  text: string,
  project: Project,
  headers: UnitHeaders,
  unit: JoinedUnit,
  probed: ExtractedFacts | null,
  observed?: UnitTextReads,
): void {
  const wrappers = new Set(project.wrappers().map((wrapper) => wrapper.name));
  const joinable = (name: string) => !wrappers.has(name) && project.definers(name, file) === 1;
  const last = engine.lastUnseen(key);
  let wanted = [
    ...new Set([...project.wantedDefinitions(file), ...(last ?? []), ...(probed?.unseen ?? [])].filter(joinable)),
  ];
  // A large file read through reduced parses is not probed here: the probe's reduced facts cannot serve the analysis
  // that follows (it would parse the whole file again). Its wants come from a probe readUnitHeaders made, or from its
  // last extraction (an editor's next keystroke).
  const looked = probed !== null || last !== null || project.reduces(file, text);
  // A probe, or a join whose names are checked against this text, rests on the whole text.
  if (observed && (wanted.length > 0 || !looked)) observed.textDependent = true;
  const callers = unit.facts.externalCallers ?? new Map<string, string[]>();
  const base = { headers: [...headers.headers, ...unit.parts], defines: headers.defines };
  for (let round = 0; round < 3 && (wanted.length > 0 || !looked); round++) {
    const join = wanted.length > 0 ? project.joinDefiners(file, text, base, wanted, new Map(callers)) : null;
    if (join || round > 0)
      engine.setHeaders(key, [...base.headers, ...(join?.parts ?? [])], {
        ...unit.facts,
        ...(join ? { externalCallers: join.callers } : {}),
      });
    // Nothing (more) could be joined: what the unit wants is already known, so it is not probed again.
    if (!join && (round > 0 || looked)) break;
    const probe = project.reduces(file, text) ? undefined : unseenProbe();
    const facts = engine.analysis(key, { kernel: "rfc-v2", pageSize: 4096 }, undefined, probe).facts;
    const fresh = (facts?.calls.length ? (facts.unseen ?? []) : []).filter(
      (name) => !wanted.includes(name) && joinable(name),
    );
    if (fresh.length === 0) break;
    wanted = [...wanted, ...fresh];
  }
  project.rememberWantedDefinitions(file, wanted);
}

/**
 * Extraction of up to 8 calls and no verdict: what the first calls' facts look for, cheaply (a whole extraction is kept
 * for reuse, and the language server's time budget is not spent before its own analysis). The later calls' wants come
 * from the file's last whole extraction (`Engine.lastUnseen`), so an editor joins them from the next keystroke on.
 */
function unseenProbe(): AnalysisBudget {
  let extracted = 0;
  return { allows: (phase) => phase === "extract" && ++extracted <= 8 };
}

/**
 * Enough of an analysis to tell whether a unit has a call: finding the calls, then the first call's facts and verdict.
 * A file with more calls is not analysed whole twice (the probe's partial analysis is not kept; the caller's analysis
 * does the work), and the language server's time budget is not spent before its own analysis starts.
 */
function firstCall(): AnalysisBudget {
  let extracted = 0;
  let judged = 0;
  return { allows: (phase) => (phase === "extract" ? ++extracted <= 2 : ++judged <= 1) };
}

/**
 * readUnitHeaders while the project's index is being built (the language server): the file is read with its headers
 * alone (found on demand, without the index). The facts only the index gives (wrappers, pipe fillers and field fills
 * of other files) are absent, which leaves the slots they would fill unknown: they only ever fill unknown slots. The one
 * fact that can overturn a verdict, callers in other files of the unit's functions, is taken as "not known yet" for
 * every function with external linkage, so their parameters are not decided from this file's calls alone. Every call
 * that comes out unknown names INDEX_PENDING among its missing facts. A file that mentions neither splice nor a header
 * definition leading to vmsplice is left alone until the index says which wrappers it may call.
 */
function readPendingUnit(
  engine: Engine,
  key: string,
  file: string,
  text: string,
  project: Project,
): UnitHeaders | null {
  const top = text.includes("\0") ? null : topLevelOf(engine, key);
  if (!top) {
    engine.setHeaders(key, []);
    return null;
  }
  const headers = project.headersFor(file, top.directives);
  const triggers = vmspliceTriggers(project.definitionsOf(headers.headers));
  if (!mentionsVmsplice(text) && !triggers.some((name) => text.includes(name))) {
    engine.setHeaders(key, []);
    return headers;
  }
  // Every function of the unit with external linkage may be called from files the index has not reached yet.
  const externalCallers = new Map(externalFunctionsOf(engine, key, top).map((name) => [name, [INDEX_PENDING]]));
  engine.setHeaders(key, headers.headers, { defines: headers.defines, externalCallers, pending: INDEX_PENDING });
  return headers;
}

/** The index status lines of a project's syscall-table facts. */
function describeTable(table: SyscallTableFacts | undefined): string[] {
  if (!table) return [];
  const lines = table.entries.map((entry) => `${entry.name} (${entry.row.display}:${entry.row.line})`);
  const number = table.number;
  if (number)
    lines.push(`syscall ${number.value} (${number.rows.map((row) => `${row.display}:${row.line}`).join(", ")})`);
  return lines;
}
