/**
 * `#include "…"` resolved as GCC does (the including file's directory, then `-iquote`/`-I` from the compile database
 * entry of the unit, then the project's include paths), then heuristic `include/` directories up to the root (tagged);
 * system headers are never read. Each header is read and parsed once for its includes and definitions.
 * Reads files only through the project's `ProjectFs`.
 */
import path from "node:path";
import type { Parser } from "web-tree-sitter";
import {
  headerDefinitions,
  includeDirectives,
  type HeaderDefinition,
  type IncludeDirective,
} from "../analysis/includes";
import type { UnitHeader } from "../analysis/unit";
import type { CompileDatabase, CompileFlags } from "./compile-database";
import type { ProjectFs, ProjectOptions, UnitHeaders } from "./project";

/** Directories whose headers are the system's (never parsed; their names are built-in knowledge). */
const SYSTEM_INCLUDE_DIRS = ["/usr/include", "/usr/local/include", "/usr/include/x86_64-linux-gnu"];

export const DEFAULT_MAX_INCLUDE_DEPTH = 16;
export const DEFAULT_MAX_UNIT_HEADERS = 200;
export const DEFAULT_MAX_UNIT_SIZE = 4 * 1024 * 1024;

const NO_DEFINES: ReadonlyMap<string, string> = new Map();

interface HeaderEntry {
  text: string;
  includes: IncludeDirective[];
  definitions: HeaderDefinition[];
}

export class IncludeResolver {
  private readonly headerCache = new Map<string, HeaderEntry | null>();
  private readonly found = new Map<string, { file: string; heuristic: boolean } | null>();

  constructor(
    private readonly root: string,
    private readonly database: CompileDatabase,
    private readonly options: ProjectOptions,
    private readonly fs: ProjectFs,
    private readonly parserFor: (file: string) => Parser,
    private readonly display: (file: string) => string,
    private readonly grammarOf: (file: string) => string,
  ) {}

  /** Headers read so far (for the index status). */
  headersParsed(): number {
    return [...this.headerCache.values()].filter((value) => value !== null).length;
  }

  /** A header changed: read it again when next asked. */
  forgetHeader(file: string): void {
    this.headerCache.delete(file);
  }

  /** A file appeared or disappeared: every include may resolve elsewhere now. */
  forgetResolutions(): void {
    this.found.clear();
  }

  /**
   * The project headers `file` includes, directly or through other headers, in include order (each once), with the
   * chain that reached each. The main file's own directives are given (from its tree: it may be an unsaved buffer).
   */
  headersFor(file: string, includes: readonly IncludeDirective[]): UnitHeaders {
    const main = path.resolve(file);
    const flags = this.database.flagsFor(main);
    const maxDepth = this.options.maxDepth ?? DEFAULT_MAX_INCLUDE_DEPTH;
    const maxHeaders = this.options.maxHeaders ?? DEFAULT_MAX_UNIT_HEADERS;
    const maxSize = this.options.maxUnitSize ?? DEFAULT_MAX_UNIT_SIZE;
    const result: UnitHeaders = { headers: [], unresolved: [], limits: [], defines: flags?.defines ?? NO_DEFINES };
    const visited = new Set<string>([main]);
    let size = 0;
    const visit = (includer: string, directives: readonly IncludeDirective[], chain: string[], heuristic: boolean) => {
      for (const directive of directives) {
        const target = this.resolve(directive, includer, flags);
        if (!target) {
          if (!directive.angle && !result.unresolved.includes(directive.spelled))
            result.unresolved.push(directive.spelled);
          continue;
        }
        if (visited.has(target.file)) continue;
        visited.add(target.file);
        const nextChain = [...chain, this.display(target.file)];
        if (nextChain.length - 1 > maxDepth) {
          result.limits.push(`include depth limit ${maxDepth} reached at ${nextChain.join(" → ")}`);
          continue;
        }
        const entry = this.header(target.file);
        if (!entry) continue;
        if (result.headers.length >= maxHeaders || size + entry.text.length > maxSize) {
          result.limits.push(
            `${this.display(target.file)} not read: the unit's headers are over the limit (${maxHeaders} headers, ${maxSize} characters)`,
          );
          continue;
        }
        size += entry.text.length;
        const tagged = heuristic || target.heuristic;
        // Named as the main file is: relative to the working directory when it was given relative.
        const named = path.isAbsolute(file) ? target.file : path.relative(process.cwd(), target.file);
        result.headers.push({ file: named, text: entry.text, heuristic: tagged, chain: nextChain });
        visit(target.file, entry.includes, nextChain, tagged);
      }
    };
    visit(main, includes, [this.display(main)], false);
    return result;
  }

  /** A header's text, includes and definitions, read and parsed once (until `forgetHeader`). */
  header(file: string): HeaderEntry | null {
    if (this.headerCache.has(file)) return this.headerCache.get(file) ?? null;
    const text = this.fs.readText(file);
    let entry: HeaderEntry | null = null;
    if (text !== null) {
      const cache = this.options.headerCache;
      const grammar = cache ? this.grammarOf(file) : "";
      const parsed = cache?.get(grammar, text);
      if (parsed) entry = { text, ...parsed };
      else {
        const tree = this.parserFor(file).parse(text);
        try {
          entry = {
            text,
            includes: tree ? includeDirectives(tree) : [],
            definitions: tree ? headerDefinitions(tree) : [],
          };
        } finally {
          tree?.delete();
        }
        cache?.put(grammar, text, { includes: entry.includes, definitions: entry.definitions });
      }
    }
    this.headerCache.set(file, entry);
    return entry;
  }

  /** What the headers of a unit define (for `vmspliceTriggers`). */
  definitionsOf(headers: readonly UnitHeader[]): HeaderDefinition[] {
    return headers.flatMap((header) => this.headerCache.get(path.resolve(header.file))?.definitions ?? []);
  }

  private resolve(
    directive: IncludeDirective,
    includer: string,
    flags: CompileFlags | null,
  ): { file: string; heuristic: boolean } | null {
    const includerDir = path.dirname(includer);
    const key = `${directive.angle ? "<" : '"'}${directive.spelled}\0${includerDir}`;
    if (this.found.has(key)) return this.found.get(key) ?? null;
    const found = this.search(directive, includerDir, flags);
    this.found.set(key, found);
    return found;
  }

  private search(
    directive: IncludeDirective,
    includerDir: string,
    flags: CompileFlags | null,
  ): { file: string; heuristic: boolean } | null {
    const spelled = directive.spelled;
    if (path.isAbsolute(spelled)) return null;
    const exact = [
      ...(directive.angle ? [] : [includerDir]),
      ...(directive.angle ? [] : (flags?.quote ?? [])),
      ...(flags?.include ?? []),
      ...(this.options.includePaths ?? []),
    ];
    for (const dir of exact) {
      const candidate = path.resolve(dir, spelled);
      if (this.isSystem(candidate)) return null;
      if (this.fs.isFile(candidate)) return { file: candidate, heuristic: false };
    }
    // A header the system has is the system's (<sys/uio.h>, <linux/fs.h> outside a kernel tree).
    if (SYSTEM_INCLUDE_DIRS.some((dir) => this.fs.isFile(path.join(dir, spelled)))) return null;
    for (const dir of this.heuristicDirs(includerDir)) {
      const candidate = path.resolve(dir, spelled);
      if (this.fs.isFile(candidate)) return { file: candidate, heuristic: true };
    }
    return null;
  }

  private isSystem(file: string): boolean {
    return SYSTEM_INCLUDE_DIRS.some((dir) => file.startsWith(`${dir}/`));
  }

  /** `include/` next to the includer and each ancestor up to the root, then the root itself. */
  private heuristicDirs(from: string): string[] {
    const dirs: string[] = [];
    const inside = (dir: string) => {
      const relative = path.relative(this.root, dir);
      return !relative.startsWith("..") && !path.isAbsolute(relative);
    };
    for (let dir = from; inside(dir); dir = path.dirname(dir)) {
      const include = path.join(dir, "include");
      if (this.fs.isDirectory(include)) dirs.push(include);
      if (dir === this.root || path.dirname(dir) === dir) break;
    }
    dirs.push(this.root);
    return dirs;
  }
}
