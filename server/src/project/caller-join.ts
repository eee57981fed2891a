/**
 * Joining a function's one caller from another file (issue 9): when every call of a function of the unit comes from
 * one other source file of the project, that file is read into the unit after the unit's headers (unit.ts), so the
 * parameters of the function are decided by that caller's arguments as a caller in the same file would decide them,
 * and the facts read there are labelled with its own file and line (`b.c:12`).
 *
 * A join happens only when it cannot mix up names: the two files (with the headers the caller adds) define no name
 * twice, neither uses a name the other keeps to itself (a static function or variable, a macro, a tag, a typedef, an
 * enumerator of a header only one of them includes), and both are compiled with the same -D macros. Otherwise the
 * parameters stay unknown, as before, with the callers named. The caller's own functions with external linkage keep
 * their callers elsewhere, so a value the caller gets from its own parameters stays unknown.
 *
 * An edge of the project layer: it reads and parses files through `JoinHost`.
 */
import path from "node:path";
import type { Node, Tree } from "web-tree-sitter";
import type { FileDefinitions } from "../analysis/file-definitions";
import { includeDirectives, type IncludeDirective } from "../analysis/includes";
import { externalFunctions } from "../analysis/summary";
import { callName, functionName, toRange } from "../analysis/syntax";
import type { SourceRange } from "../analysis/facts";
import type { UnitHeader } from "../analysis/unit";

/** Caller files read into one unit at most, and the largest text read so. */
export const MAX_JOINED_CALLERS = 2;
/** Files read into one unit because they alone define functions it calls, at most. */
export const MAX_JOINED_DEFINERS = 2;
export const MAX_JOINED_TEXT = 512 * 1024;

export interface JoinHost {
  sourceFiles(): string[];
  display(file: string): string;
  readText(file: string): string | null;
  parse(file: string, text: string): Tree | null;
  /** The names a text defines and uses (analysis/file-definitions.ts); null when it cannot be parsed. */
  definitions(file: string, text: string): FileDefinitions | null;
  headersFor(
    file: string,
    directives: IncludeDirective[],
  ): { headers: UnitHeader[]; defines: ReadonlyMap<string, string> };
  externalCallers(file: string, names: readonly string[]): Map<string, string[]>;
  /** How many source files of the project (but `except`) define a function of this name with external linkage. */
  definers(name: string, except?: string): number;
  /** The source files of the project (but `except`) that define a function of this name with external linkage. */
  definerFiles(name: string, except?: string): string[];
}

export interface CallerJoin {
  /** The caller files and the headers they add, to follow the unit's own headers. */
  parts: UnitHeader[];
  /** The unit's callers elsewhere once the joined files are part of it. */
  callers: Map<string, string[]>;
}

/** What the unit holds so far: the names each file defines and keeps to itself, and the words they all use. */
interface UnitNames {
  files: Map<string, FileDefinitions>;
  /** The main files among them (the unit's own and the joined callers), as against headers. */
  mains: Set<string>;
  words: Set<string>;
}

function emptyNames(): UnitNames {
  return { files: new Map(), mains: new Set(), words: new Set() };
}

function declares(unit: UnitNames, name: string): boolean {
  return [...unit.files.values()].some((found) => found.prototypes.has(name));
}

function sameDefines(left: ReadonlyMap<string, string>, right: ReadonlyMap<string, string>): boolean {
  return left.size === right.size && [...left].every(([name, value]) => right.get(name) === value);
}

/** Adds a text's names to the unit; false when it cannot be parsed. */
function addNames(host: JoinHost, names: UnitNames, file: string, text: string): boolean {
  const found = host.definitions(file, text);
  if (!found) return false;
  for (const word of found.words) names.words.add(word);
  names.files.set(path.resolve(file), found);
  return true;
}

/**
 * Why the caller's texts cannot join the unit, or null when they can. `shared`: the unit's headers the caller includes
 * too (their names mean the same in both).
 */
function clash(
  host: JoinHost,
  unit: UnitNames,
  texts: { file: string; text: string }[],
  shared: ReadonlySet<string>,
): string | null {
  const theirs = emptyNames();
  for (const { file, text } of texts)
    if (!addNames(host, theirs, file, text)) return `${host.display(file)} does not parse`;
  const own = [...unit.files].filter(([file]) => !shared.has(file)).map(([, found]) => found);
  const other = [...theirs.files.values()];
  const ownMains = [...unit.files].filter(([file]) => unit.mains.has(file)).map(([, found]) => found);
  const defines = (side: FileDefinitions[], name: string) => side.some((item) => item.all.has(name));
  // The same macro, tag or typedef written alike in both means the same; anything else defined twice is two things.
  for (const found of other)
    for (const [name, text] of found.all)
      for (const item of own)
        if (item.all.has(name) && (text === null || item.all.get(name) !== text)) return `both define ${name}`;
  // A name one side keeps to itself means something else on the other side, unless both define it alike (above).
  const alike = (name: string, side: FileDefinitions[]) => side.some((item) => item.all.get(name) != null);
  // A header's macro the other side names without defining it anywhere is the definition that side lacked (a macro of
  // a header reached through another, say); a main file's own are never seen by the other.
  const clashes = (found: FileDefinitions, main: boolean, words: Set<string>, side: FileDefinitions[]) =>
    [...found.local].find((name) => words.has(name) && !alike(name, side) && (main || defines(side, name)));
  for (const found of own) {
    const name = clashes(found, ownMains.includes(found), theirs.words, other);
    if (name) return `it names ${name}, which this unit keeps to itself`;
  }
  for (const [index, found] of other.entries()) {
    const name = clashes(found, index === 0, unit.words, own);
    if (name) return `this unit names ${name}, which it keeps to itself`;
  }
  // A function with external linkage one file defines and the other names is the same only if no other file defines
  // it too (a project may hold several programs).
  const linked = (from: FileDefinitions[], words: Set<string>) =>
    from.flatMap((found) => [...found.all.keys()].filter((name) => !found.local.has(name) && words.has(name)));
  for (const name of [...linked(own, theirs.words), ...linked(other, unit.words)])
    if (host.definers(name) > 1) return `${name} is defined by more than one file of the project`;
  return null;
}

/** A file to read into the unit: a caller of some of its functions, or the one definer of functions it calls. */
interface Candidate {
  file: string;
  names: ReadonlySet<string>;
  role: "caller" | "definer";
}

/** What a joined file adds to the unit, read from its tree: its includes, its external functions, the ranges named. */
function readCandidate(
  host: JoinHost,
  candidate: Candidate,
  text: string,
): { directives: IncludeDirective[]; external: string[]; sites: { name: string; range: SourceRange }[] } | null {
  const tree = host.parse(candidate.file, text);
  if (!tree) return null;
  try {
    const root = tree.rootNode;
    const sites =
      candidate.role === "caller"
        ? root
            .descendantsOfType("call_expression")
            .filter((call): call is Node => call !== null && candidate.names.has(callName(call) ?? ""))
            .map((call) => ({ name: callName(call) ?? "", range: toRange(call) }))
        : root.namedChildren
            .filter((item): item is Node => item?.type === "function_definition")
            .map((item) => ({ name: functionName(item) ?? "", range: toRange(item) }))
            .filter((site) => candidate.names.has(site.name));
    return { directives: includeDirectives(tree), external: externalFunctions(tree), sites };
  } finally {
    tree.delete();
  }
}

/**
 * Reads the candidates into the unit (at most `limit` of them, in order), each only when it cannot mix up names with
 * what the unit holds so far; null when none could be. `headers.headers` are what the unit holds besides its main file
 * (its headers, and files joined before, marked by `callsOf` or `definitionsOf`).
 */
function joinFiles(
  host: JoinHost,
  file: string,
  text: string,
  headers: { headers: readonly UnitHeader[]; defines: ReadonlyMap<string, string> },
  candidates: readonly Candidate[],
  callers: ReadonlyMap<string, readonly string[]>,
  limit: number,
): CallerJoin | null {
  if (candidates.length === 0 || text.length > MAX_JOINED_TEXT) return null;
  const unit = emptyNames();
  if (!addNames(host, unit, file, text)) return null;
  unit.mains.add(path.resolve(file));
  for (const header of headers.headers) {
    addNames(host, unit, header.file, header.text);
    if (header.callsOf || header.definitionsOf) unit.mains.add(path.resolve(header.file));
  }
  const parts: UnitHeader[] = [];
  const joined: { file: string; external: string[] }[] = [];
  for (const candidate of candidates) {
    if (joined.length >= limit) break;
    if (unit.files.has(path.resolve(candidate.file))) continue;
    // A definer is the function the unit calls only if the unit declares it: a prototype in the main file or one of its
    // headers says the program links a definition of it (another program of the project may define the same name).
    if (candidate.role === "definer" && ![...candidate.names].some((name) => declares(unit, name))) continue;
    const candidateText = host.readText(candidate.file);
    if (candidateText === null || candidateText.length > MAX_JOINED_TEXT) continue;
    const read = readCandidate(host, candidate, candidateText);
    if (!read) continue;
    const theirs = host.headersFor(candidate.file, read.directives);
    if (!sameDefines(theirs.defines, headers.defines)) continue;
    const shared = new Set(theirs.headers.map((header) => path.resolve(header.file)));
    const added = theirs.headers.filter((header) => !unit.files.has(path.resolve(header.file)));
    const texts = [
      { file: candidate.file, text: candidateText },
      ...added.map((header) => ({ file: header.file, text: header.text })),
    ];
    if (clash(host, unit, texts, shared) !== null) continue;
    for (const item of texts) addNames(host, unit, item.file, item.text);
    unit.mains.add(path.resolve(candidate.file));
    const label =
      candidate.role === "caller"
        ? "its one caller elsewhere"
        : `the one file that defines ${[...candidate.names].map((name) => `${name}()`).join(", ")}`;
    const chain = [host.display(file), `${host.display(candidate.file)} (${label})`];
    const sites = candidate.role === "caller" ? { callsOf: read.sites } : { definitionsOf: read.sites };
    parts.push({ file: candidate.file, text: candidateText, heuristic: false, chain, ...sites });
    parts.push(...added.map((header) => ({ ...header, chain: [...chain, ...header.chain.slice(1)] })));
    joined.push({ file: candidate.file, external: read.external });
  }
  if (parts.length === 0) return null;
  return { parts, callers: unitCallers(host, unit, callers, joined) };
}

/**
 * The join of `file`'s single callers elsewhere, or null when no function of it has exactly one caller file or none
 * can be joined. `callers` are the unit's callers elsewhere as `Project.externalCallers` gives them; `wrappers` the
 * project's vmsplice wrappers, whose calls are reported where they are made and never decide the wrapper's own line.
 */
export function joinSingleCallers(
  host: JoinHost,
  file: string,
  text: string,
  headers: { headers: readonly UnitHeader[]; defines: ReadonlyMap<string, string> },
  callers: ReadonlyMap<string, readonly string[]>,
  wrappers: ReadonlySet<string> = new Set(),
): CallerJoin | null {
  const byDisplay = new Map(host.sourceFiles().map((source) => [host.display(source), source]));
  // Each caller file with the functions of the unit it is the one caller of.
  const single = new Map<string, Set<string>>();
  for (const [name, files] of callers) {
    const caller = files.length === 1 ? byDisplay.get(files[0]) : undefined;
    if (!caller || path.resolve(caller) === path.resolve(file) || wrappers.has(name)) continue;
    single.set(caller, (single.get(caller) ?? new Set()).add(name));
  }
  const candidates = [...single]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([caller, names]): Candidate => ({ file: caller, names, role: "caller" }));
  return joinFiles(host, file, text, headers, candidates, callers, MAX_JOINED_CALLERS);
}

/**
 * The join of the files that alone define functions the unit calls and does not define (`wanted`, the extraction's
 * `unseen` names in the order it looked for them): a buffer an allocator in another file maps and fills, a helper that
 * writes or drops it, a flags function. Each such file is read into the unit as a caller file is, under the same
 * checks; a name two files define, a wrapper, or a file already in the unit is left out. `headers` include the caller
 * files joined before; `callers` are the unit's callers elsewhere so far.
 */
export function joinDefiners(
  host: JoinHost,
  file: string,
  text: string,
  headers: { headers: readonly UnitHeader[]; defines: ReadonlyMap<string, string> },
  wanted: readonly string[],
  callers: ReadonlyMap<string, readonly string[]>,
  wrappers: ReadonlySet<string> = new Set(),
): CallerJoin | null {
  const inUnit = new Set([file, ...headers.headers.map((header) => header.file)].map((item) => path.resolve(item)));
  const byFile = new Map<string, Set<string>>();
  for (const name of wanted) {
    if (wrappers.has(name)) continue;
    const definers = host.definerFiles(name, file);
    if (host.definers(name, file) !== 1 || definers.length !== 1 || inUnit.has(path.resolve(definers[0]))) continue;
    byFile.set(definers[0], (byFile.get(definers[0]) ?? new Set()).add(name));
  }
  const candidates = [...byFile].map(([definer, names]): Candidate => ({ file: definer, names, role: "definer" }));
  return joinFiles(host, file, text, headers, candidates, callers, MAX_JOINED_DEFINERS);
}

/** The unit's callers elsewhere: the given ones and the joined files' own, without the files now in the unit. */
function unitCallers(
  host: JoinHost,
  unit: UnitNames,
  callers: ReadonlyMap<string, readonly string[]>,
  joined: { file: string; external: string[] }[],
): Map<string, string[]> {
  const inUnit = new Set([...unit.files.keys()].map((file) => host.display(file)));
  const result = new Map<string, string[]>();
  const add = (name: string, files: readonly string[]) => {
    const outside = files.filter((entry) => !inUnit.has(entry));
    if (outside.length > 0) result.set(name, [...(result.get(name) ?? []), ...outside]);
  };
  for (const [name, files] of callers) add(name, files);
  for (const { file, external } of joined)
    for (const [name, files] of host.externalCallers(file, external)) add(name, files);
  return result;
}
