/**
 * What the include resolver learns of a header from its parse (its `#include` directives and definitions,
 * include-resolver.ts), kept in the index directory across `check` runs, keyed by a digest of the header's text, the
 * grammar it was parsed with and the tool's version: a header unchanged since the last run is not parsed again
 * (issue 12: parsing the headers of the Linux tree's candidate files took 0.9 s of every run). An edge module: it
 * reads and writes one JSON file.
 *
 * A cache file that is unreadable, truncated or of another schema is ignored (every header is parsed, and the file is
 * written again); writes are atomic. A run writes the headers it asked for and keeps those of earlier runs (shards of
 * one run share the index directory), up to KEPT_FACTOR times as many: stale ones, of contents no longer on disk, are
 * never asked again.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { HeaderDefinition, IncludeDirective } from "../analysis/includes";
import { sha256 } from "./summary-store";
import { writeJsonAtomically } from "./summary-cache";

/** Bumped whenever includeDirectives or headerDefinitions (analysis/includes.ts) change what they find. */
const SCHEMA = 1;
/** Headers of earlier runs kept: up to this many times the number this run asked for (plus a floor). */
const KEPT_FACTOR = 4;
const KEPT_FLOOR = 1000;

export interface ParsedHeader {
  includes: IncludeDirective[];
  definitions: HeaderDefinition[];
}

/** Where the include resolver keeps what it parsed of headers between runs. */
export interface HeaderCache {
  /** What a parse of `text` with `grammar` found, when it is stored. */
  get(grammar: string, text: string): ParsedHeader | undefined;
  put(grammar: string, text: string, parsed: ParsedHeader): void;
}

interface CacheFile {
  schema: number;
  entries: Record<string, ParsedHeader>;
}

function isParsed(value: unknown): value is ParsedHeader {
  if (typeof value !== "object" || value === null) return false;
  const { includes, definitions } = value as Partial<ParsedHeader>;
  return (
    Array.isArray(includes) &&
    includes.every(
      (item) => typeof item?.spelled === "string" && typeof item.angle === "boolean" && typeof item.line === "number",
    ) &&
    Array.isArray(definitions) &&
    definitions.every((item) => typeof item?.name === "string" && typeof item.text === "string")
  );
}

export class DiskHeaderCache implements HeaderCache {
  private stored: Map<string, ParsedHeader> | null = null;
  private readonly used = new Map<string, ParsedHeader>();
  private dirty = false;
  /** Headers answered from the file (for tests and the bench). */
  hits = 0;
  /** Why the cache could not be written: set once, then the run goes on uncached. */
  failure: string | null = null;

  constructor(
    readonly file: string,
    private readonly version: string,
  ) {}

  /** The cache of the index directory `dir`. */
  static inDirectory(dir: string, version: string): DiskHeaderCache {
    return new DiskHeaderCache(path.join(dir, "headers.json"), version);
  }

  private key(grammar: string, text: string): string {
    return sha256(String(SCHEMA), this.version, grammar, text);
  }

  private load(): Map<string, ParsedHeader> {
    if (this.stored) return this.stored;
    this.stored = new Map();
    let contents: Partial<CacheFile>;
    try {
      contents = JSON.parse(readFileSync(this.file, "utf8")) as Partial<CacheFile>;
    } catch {
      return this.stored; // none yet, or unreadable
    }
    if (contents?.schema !== SCHEMA || typeof contents.entries !== "object" || contents.entries === null)
      return this.stored;
    for (const [key, parsed] of Object.entries(contents.entries)) if (isParsed(parsed)) this.stored.set(key, parsed);
    return this.stored;
  }

  get(grammar: string, text: string): ParsedHeader | undefined {
    const key = this.key(grammar, text);
    const parsed = this.used.get(key) ?? this.load().get(key);
    if (!parsed) return undefined;
    this.hits++;
    this.used.set(key, parsed);
    return parsed;
  }

  put(grammar: string, text: string, parsed: ParsedHeader): void {
    this.used.set(this.key(grammar, text), parsed);
    this.dirty = true;
  }

  /** Writes the headers of this run when one was parsed (a run that parsed none leaves the file as it was). */
  save(): void {
    if (!this.dirty || this.failure) return;
    const entries = new Map(this.used);
    const room = KEPT_FACTOR * this.used.size + KEPT_FLOOR;
    for (const [key, parsed] of this.load()) {
      if (entries.size >= room) break;
      if (!entries.has(key)) entries.set(key, parsed);
    }
    const contents: CacheFile = { schema: SCHEMA, entries: Object.fromEntries(entries) };
    const failed = writeJsonAtomically(this.file, contents);
    if (failed) this.failure = `cannot write the header cache ${this.file}: ${failed}`;
    else this.dirty = false;
  }
}
