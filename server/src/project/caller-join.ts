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
import { callName, toRange } from "../analysis/syntax";
import type { SourceRange } from "../analysis/facts";
import type { UnitHeader } from "../analysis/unit";

/** Caller files read into one unit at most, and the largest text read so. */
export const MAX_JOINED_CALLERS = 2;
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
  /** How many source files of the project define a function of this name with external linkage. */
  definers(name: string): number;
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
  if (single.size === 0 || text.length > MAX_JOINED_TEXT) return null;
  const unit = emptyNames();
  if (!addNames(host, unit, file, text)) return null;
  unit.mains.add(path.resolve(file));
  for (const header of headers.headers) addNames(host, unit, header.file, header.text);
  const parts: UnitHeader[] = [];
  const joined: { file: string; external: string[] }[] = [];
  for (const [caller, names] of [...single].sort(([left], [right]) => left.localeCompare(right))) {
    if (joined.length >= MAX_JOINED_CALLERS) break;
    const callerText = host.readText(caller);
    if (callerText === null || callerText.length > MAX_JOINED_TEXT) continue;
    const tree = host.parse(caller, callerText);
    if (!tree) continue;
    let directives: IncludeDirective[];
    let external: string[];
    let callsOf: { name: string; range: SourceRange }[];
    try {
      directives = includeDirectives(tree);
      external = externalFunctions(tree);
      callsOf = tree.rootNode
        .descendantsOfType("call_expression")
        .filter((call): call is Node => call !== null && names.has(callName(call) ?? ""))
        .map((call) => ({ name: callName(call) ?? "", range: toRange(call) }));
    } finally {
      tree.delete();
    }
    const theirs = host.headersFor(caller, directives);
    if (!sameDefines(theirs.defines, headers.defines)) continue;
    const shared = new Set(theirs.headers.map((header) => path.resolve(header.file)));
    const added = theirs.headers.filter((header) => !unit.files.has(path.resolve(header.file)));
    const texts = [
      { file: caller, text: callerText },
      ...added.map((header) => ({ file: header.file, text: header.text })),
    ];
    if (clash(host, unit, texts, shared) !== null) continue;
    for (const item of texts) addNames(host, unit, item.file, item.text);
    unit.mains.add(path.resolve(caller));
    const chain = [host.display(file), `${host.display(caller)} (its one caller elsewhere)`];
    parts.push({ file: caller, text: callerText, heuristic: false, chain, callsOf });
    parts.push(...added.map((header) => ({ ...header, chain: [...chain, ...header.chain.slice(1)] })));
    joined.push({ file: caller, external });
  }
  if (parts.length === 0) return null;
  return { parts, callers: unitCallers(host, unit, callers, joined) };
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
