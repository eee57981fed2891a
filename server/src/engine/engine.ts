/**
 * The engine: the one "analyse a file" pipeline that the CLI, the workspace scan and the language server all call
 * (STYLE.md section 2, "one engine, many clients"; clangd's ClangdServer is the model, the LSP server one client of it).
 *
 * It owns, per file, the text, one syntax tree (edited and reparsed incrementally), the page-size independent facts
 * and what extracting them read, and it applies the one set of limits (`skipReason`: size, then NUL bytes), the
 * cheap "splice" text check, the verdicts and the one suppression pass. Every call, finding and related location it
 * returns carries its file. After an edit the previous facts are moved instead of extracted again when the recorded
 * reads say the edit cannot have changed them (see reads.ts); otherwise they are extracted again.
 *
 * Pure apart from the parser factory it is given: no file system, no editor or protocol imports (an ESLint rule
 * enforces it). Analysis never throws for any text; it throws only `CancelledError` when asked to stop.
 */
import type { Edit, Parser, Tree } from "web-tree-sitter";
import {
  extractFactsWithReads,
  judgeCalls,
  mentionsVmsplice,
  type ExtractedFacts,
  type FileAnalysis,
} from "../analysis/analyze";
import type {
  AnalysisBudget,
  AnalysisOptions,
  BudgetStop,
  CallAnalysis,
  Finding,
  VmspliceCall,
} from "../analysis/facts";
import type { ProjectFacts } from "../analysis/extract";
import { languageOf, type SourceLanguage } from "../analysis/language";
import type { TextRegion } from "../analysis/scope";
import { applySuppressions, SUPPRESSION_MARKER, type Suppression } from "../analysis/suppressions";
import { composeUnit, locateRange, registerLayout, type UnitHeader, type UnitLayout } from "../analysis/unit";
import { collectRanges, RecordedReads, shiftRanges, type TextEdit } from "./reads";
import { extractReduced, type ReducedExtraction } from "./reduced-extract";
import { skipReason, type SkipReason } from "./limits";
import { ItemTables } from "./regions";
import { tableWords } from "../analysis/discovery";
import { LiveItems, type LiveEdit } from "./live-items";
import {
  confinedToItem,
  editedItem,
  functionHoldingEdit,
  parsesAsOneFunction,
  shiftProven,
  type EditedItem,
} from "./body-edit";
import { StringText, type SourceText } from "./source-text";

export { DEFAULT_MAX_FILE_SIZE, skipReason, type SkipReason } from "./limits";
export type { TextEdit } from "./reads";
export type { SourceText } from "./source-text";
export type { AnalysisBudget, BudgetStop } from "../analysis/facts";

export interface EngineOptions extends AnalysisOptions {
  /** The size limit in UTF-8 bytes (the CLI's --max-file-size, the server's vmspliceLens.maxFileSize). */
  maxFileSize?: number;
}

export interface LocatedCall extends VmspliceCall {
  file: string;
}

export interface LocatedRelated {
  file: string;
  range: Finding["range"];
  message: string;
}

export interface LocatedFinding extends Finding {
  file: string;
  related: LocatedRelated[];
}

export interface LocatedCallAnalysis extends CallAnalysis {
  file: string;
  call: LocatedCall;
  findings: LocatedFinding[];
}

export interface EngineAnalysis {
  file: string;
  /** Why the file was not analysed, or null. */
  skipped: SkipReason | null;
  /** False when the text never mentions "splice": nothing to analyse, nothing was parsed. */
  analysed: boolean;
  calls: LocatedCallAnalysis[];
  /** Every finding of the file in source order, after the suppression pass. */
  findings: LocatedFinding[];
  notes: string[];
  /** The facts the calls were judged from (for the replay), or null when the file was skipped. */
  facts: (ExtractedFacts & { calls: LocatedCall[] }) | null;
  suppressions: Suppression[];
  /** The tree the analysis read, or null when none was needed; owned by the engine, valid until the next setText. */
  tree: Tree | null;
  /** Where the included headers sit after the main text in the unit the facts were read from (null: none). */
  unit: UnitLayout | null;
  /**
   * Set when the caller's budget ran out: `calls` and `findings` are those of the calls finished, and `leftOut` the
   * main file's calls not reported (null: none was found before it ran out). Absent for a whole analysis.
   */
  stopped?: BudgetStop;
}

/** Anything with the LSP CancellationToken's flag. */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
}

/** Thrown when the caller's cancellation flag is set; the engine's state stays consistent. */
export class CancelledError extends Error {
  constructor() {
    super("request cancelled");
  }
}

function throwIfCancelled(cancel: Cancellation | undefined): void {
  if (cancel?.isCancellationRequested) throw new CancelledError();
}

/** How analyses got their facts (for tests and the keystroke benchmark). */
export interface EngineStatistics {
  /** Facts extracted from the tree. */
  extracted: number;
  /** Facts moved across edits instead. */
  reused: number;
  /** Parses (incremental or not). */
  parsed: number;
  /** Reparses whose structural change was shown confined to the edited top-level item (see `confinedToItem`). */
  confined: number;
  /** With `checkConfinement`: changed ranges found outside the item the shortcut vouched for (must stay 0). */
  confinementViolations: number;
  /** Edits proven to stay inside one function's body without reparsing the file (see body-edit.ts). */
  bodyEdits: number;
  /** Files whose facts came from a reduced parse (`reduceAbove`), and the reduced analyses they took. */
  reduced: number;
  reducedRounds: number;
  /** Files over `reduceAbove` the reduction was unsure of (parsed whole instead). */
  reductionFallbacks: number;
  /** Edits a live item table followed (see `liveAbove`). */
  liveEdits: number;
}

interface JudgedResult {
  key: string;
  judged: FileAnalysis;
  result: EngineAnalysis;
}

/** The facts of the file and what extracting them read, valid for the current text while the basis exists. */
interface Basis {
  facts: ExtractedFacts & { calls: LocatedCall[] };
  reads: RecordedReads;
  /** Edits since the facts were last moved onto the text (applied at the next analysis). */
  pending: Edit[];
  /** Type of the root node the facts were read from (condition (c) of reads.ts, belt and braces). */
  rootType: string | null;
  /** The text mentions "splice" (any edit changing that drops the basis, see reads.ts). */
  mentionsSplice: boolean;
  /** The extraction failed somewhere (a note says so), or read headers: any edit discards the facts. */
  fragile: boolean;
  unit: UnitLayout | null;
  judged: JudgedResult | null;
  /** The facts came from reduced parses of the file's live item table (`FileState.live`). */
  live?: boolean;
}

interface FileState {
  file: string;
  text: SourceText;
  tree: Tree | null;
  /** `tree` has edits the parser has not seen yet (or there is no tree). */
  stale: boolean;
  basis: Basis | null;
  edited: EditedItem | null | undefined;
  /** The project headers the file includes, in include order (see setHeaders). */
  headers: readonly UnitHeader[];
  /** Facts of the project's other files (see setHeaders). */
  project: ProjectFacts;
  /** Some edit since the last parse was not proven to stay inside one function's body (body-edit.ts). */
  structureUnknown: boolean;
  /** See `Engine.structureStamp`. */
  stamp: number;
  /** The functions proven edits fell in since the last parse (current text), or null after any other edit. */
  provenItems: TextRegion[] | null;
  /** `ExtractedFacts.unseen` of the last extraction, with the earlier ones' when it stopped early (see `lastUnseen`). */
  lastUnseen?: readonly string[];
  /**
   * The item table of the current text, or of its unit's (`unit`: the layout, moved with the main text's edits),
   * kept across edits inside function bodies (see `liveAbove`), or null.
   */
  live: { items: LiveItems; unit: UnitLayout | null } | null;
}

/** Point (row counted by "\n", column in UTF-16 code units) of an offset, as tree-sitter reports it for JS strings. */
function pointAt(text: string, offset: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let index = text.indexOf("\n"); index >= 0 && index < offset; index = text.indexOf("\n", index + 1)) {
    row++;
    lineStart = index + 1;
  }
  return { row, column: offset - lineStart };
}

/** The single edit turning one string into another (common prefix and suffix kept), or null when they are equal. */
export function diffEdit(before: string, after: string): TextEdit | null {
  if (before === after) return null;
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < shorter - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  )
    suffix++;
  const oldEndIndex = before.length - suffix;
  const newEndIndex = after.length - suffix;
  return {
    startIndex: prefix,
    oldEndIndex,
    newEndIndex,
    startPosition: pointAt(before, prefix),
    oldEndPosition: pointAt(before, oldEndIndex),
    newEndPosition: pointAt(after, newEndIndex),
    oldText: before.slice(prefix, oldEndIndex),
  };
}

/**
 * What the facts rest on when the extractor read a header found only by searching include/ directories: a same-named
 * header elsewhere could be the one the build uses, so no page that depends on it may be "move".
 */
function heuristicReads(layout: UnitLayout, regions: readonly TextRegion[]): string[] {
  const parts = layout.parts.filter(
    (part) => part.heuristic && regions.some((region) => region.start < part.end && region.end > part.start),
  );
  return parts.map(
    (part) =>
      `facts read from ${part.file}, found only by searching include/ directories for ${part.chain.join(" → ")} (-I or a compile database would confirm it)`,
  );
}

/** The calls of a joined caller file (caller-join.ts) that decide the parameters of `name`, in their own file. */
function joinedCalls(layout: UnitLayout, name: string | null): NonNullable<VmspliceCall["joined"]> {
  if (!name) return [];
  return layout.parts.flatMap((part) =>
    (part.callsOf ?? [])
      .filter((site) => site.name === name)
      .map((site) => ({
        file: part.file,
        range: site.range,
        message: `${name}() is called only from this file of the project: its arguments here are read as its parameters`,
        kind: "caller" as const,
      })),
  );
}

/**
 * The definitions of a file read into the unit because it alone defines functions the unit calls (caller-join.ts), when
 * the extraction read that file's part of the unit.
 */
function definitionReads(layout: UnitLayout, regions: readonly TextRegion[]): NonNullable<VmspliceCall["joined"]> {
  return layout.parts
    .filter((part) => regions.some((region) => region.start < part.end && region.end > part.start))
    .flatMap((part) =>
      (part.definitionsOf ?? []).map((definition) => ({
        file: part.file,
        range: definition.range,
        message: `${definition.name}() is defined only in this file of the project: its body is read with this file`,
        kind: "definition" as const,
        name: definition.name,
      })),
    );
}

/** Whether `project.definedElsewhere` answers every question the file's facts asked as it did then. */
function sameAnswers(state: FileState, project: ProjectFacts): boolean {
  const asked = state.basis?.facts.elsewhere;
  if (!state.basis) return true;
  if (!asked) return true;
  const answer = project.definedElsewhere ?? (() => null);
  return Object.entries(asked).every(([name, file]) => answer(name) === file);
}

function sameCallers(
  left: ReadonlyMap<string, readonly string[]> | undefined,
  right: ReadonlyMap<string, readonly string[]> | undefined,
): boolean {
  if ((left?.size ?? 0) !== (right?.size ?? 0)) return false;
  for (const [name, files] of left ?? []) if (right?.get(name)?.join("\0") !== files.join("\0")) return false;
  return true;
}

function optionsKey(options: EngineOptions): string {
  return `${options.kernel}/${options.pageSize}`;
}

/**
 * The analysis with every call, finding and related location carrying its file (findings keep their identity).
 * Locations in an included header are moved to the header's file; a finding whose own range lies in a header (a flag
 * inside a header wrapper) is shown at its call, with the header's line as related information.
 */
function locate(
  file: string,
  analysis: FileAnalysis,
  unit: UnitLayout | null,
): Pick<EngineAnalysis, "calls" | "findings" | "notes"> {
  const located = new Map<Finding, LocatedFinding>();
  const locateFinding = (finding: Finding, call: CallAnalysis | null): LocatedFinding => {
    let copy = located.get(finding);
    if (!copy) {
      const related: LocatedRelated[] = finding.related.map((item) => {
        const where = locateRange(unit, file, item.range);
        return { ...item, file: where.file, range: where.range };
      });
      // Rows of other files that make the call a vmsplice call (a syscall table) are shown with each of its findings.
      for (const item of [...(call?.call.evidence ?? []), ...(call?.call.joined ?? [])]) related.push({ ...item });
      const own = locateRange(unit, file, finding.range);
      if (own.part && call) {
        related.unshift({ file: own.file, range: own.range, message: `in ${own.part.chain.join(" → ")}` });
        copy = { ...finding, range: call.call.range, file, related };
      } else copy = { ...finding, file: own.file, range: own.range, related };
      located.set(finding, copy);
    }
    return copy;
  };
  const calls = analysis.calls.map((call): LocatedCallAnalysis => ({
    ...call,
    file,
    call: call.call as LocatedCall,
    findings: call.findings.map((finding) => locateFinding(finding, call)),
  }));
  return { calls, findings: analysis.findings.map((finding) => locateFinding(finding, null)), notes: analysis.notes };
}

export class Engine {
  private readonly files = new Map<string, FileState>();
  private readonly parsers = new Map<SourceLanguage, Parser>();

  /** The parser of the file's grammar. */
  private parserFor(file: string): Parser {
    const language = languageOf(file);
    let parser = this.parsers.get(language);
    if (!parser) {
      parser = this.createParser(language);
      this.parsers.set(language, parser);
    }
    return parser;
  }
  readonly statistics: EngineStatistics = {
    extracted: 0,
    reused: 0,
    parsed: 0,
    confined: 0,
    confinementViolations: 0,
    bodyEdits: 0,
    reduced: 0,
    reducedRounds: 0,
    reductionFallbacks: 0,
    liveEdits: 0,
  };
  private stamps = 0;

  /**
   * `createParser` makes a ready parser for a language (see parsing/parser.ts `newParser`); it is called once per
   * language, lazily. A file is C or C++ by its extension (analysis/language.ts).
   * `checkConfinement` (tests) also asks tree-sitter for the changed ranges when the shortcut says they are confined,
   * and counts every disagreement in `statistics.confinementViolations`.
   * `reduceAbove`: C texts of at least this many UTF-16 units have their facts extracted from reduced parses
   * (regions.ts: only the top-level items the analysis reads); the tree of such a file is not kept, so use it where
   * files are analysed once (the CLI). Infinity (the default) always parses the whole text.
   * `itemTables`: where the reductions find a text's item table (regions.ts); a front end that also reads the same texts
   * through a project's reduced summaries and skeletons hands both the same one, so each text is lexed once.
   * `liveAbove`: C files of at least this many UTF-16 units read alone (no project headers or facts) have their facts
   * extracted from reduced parses of an item table kept across edits (live-items.ts): an edit inside a function body
   * parses only the items that matter and no tree of the whole file is made, so use it where nothing else needs that
   * tree (the analysis worker). Infinity (the default) never does.
   */
  constructor(
    private readonly createParser: (language: SourceLanguage) => Parser,
    private readonly checkConfinement = false,
    private readonly reduceAbove = Number.POSITIVE_INFINITY,
    private readonly itemTables = new ItemTables(),
    private readonly liveAbove = Number.POSITIVE_INFINITY,
  ) {}

  /** Facts from reduced parses when the file qualifies and the reduction is sure; null otherwise. */
  private reduce(file: string, text: string, project: ProjectFacts, prepare?: (tree: Tree) => void) {
    if (text.length < this.reduceAbove || languageOf(file) !== "c") return null;
    const parser = this.parserFor(file);
    return this.counted(extractReduced(parser, text, project, prepare, this.itemTables.of(text)));
  }

  /** A reduction's outcome, counted in the statistics. */
  private counted(reduced: ReducedExtraction | null): ReducedExtraction | null {
    if (!reduced) {
      this.statistics.reductionFallbacks++;
      return null;
    }
    this.statistics.reduced++;
    this.statistics.reducedRounds += reduced.result.rounds;
    this.statistics.parsed += reduced.result.rounds;
    this.statistics.extracted++;
    return reduced;
  }

  /**
   * Sets the text of a file. With `edits` (in order, each as tree-sitter takes it plus the text it removed) the tree
   * is edited and later reparsed incrementally, and the facts may be kept; `text` is the text after the edits.
   * Without edits, two plain strings are compared to find the one edit between them; any other replacement starts
   * the file afresh. Facts are kept only across one edit per call (several at once are re-extracted).
   */
  setText(file: string, text: string | SourceText, edits?: readonly TextEdit[]): void {
    const source = typeof text === "string" ? new StringText(text) : text;
    const state = this.files.get(file);
    if (!state) {
      this.files.set(file, {
        file,
        text: source,
        tree: null,
        stale: true,
        basis: null,
        edited: null,
        headers: [],
        project: {},
        structureUnknown: true,
        stamp: ++this.stamps,
        provenItems: null,
        live: null,
      });
      return;
    }
    let applied = edits;
    if (!applied && state.text instanceof StringText && source instanceof StringText) {
      const edit = diffEdit(state.text.text, source.text);
      applied = edit ? [edit] : [];
    }
    // Whether the one edit is proven to stay inside a function's body (read from the tree before the edit).
    const body = applied?.length === 1 && state.tree ? functionHoldingEdit(state.tree, applied[0]) : null;
    state.text = source;
    // The live item table proves it by the lexer instead (live-items.ts), without a tree.
    const liveEdit = state.live && applied?.length === 1 ? this.moveLive(state.live, applied[0], source) : null;
    if (!liveEdit) state.live = null;
    else this.statistics.liveEdits++;
    // The edited function when only its body changed.
    const liveItem = liveEdit && !liveEdit.structural ? liveEdit.item : null;
    if (!applied) {
      state.stamp = ++this.stamps;
      state.structureUnknown = true;
      state.provenItems = null;
      state.tree?.delete();
      state.tree = null;
      state.stale = true;
      state.basis = null;
      state.edited = null;
      return;
    }
    if (applied.length === 0) return;
    state.edited =
      state.edited === undefined && applied.length === 1 && state.basis?.reads.regionCount
        ? editedItem(state.stale ? null : state.tree, applied[0])
        : null;
    // Without a tree, the live table's proof stands in for the tree's.
    const proven = body !== null ? this.bodyEditProven(state, applied[0], body) : liveItem !== null && !state.tree;
    for (const edit of applied) state.tree?.edit(edit);
    state.stale = true;
    if (!proven) {
      state.structureUnknown = true;
      state.stamp = ++this.stamps;
      state.provenItems = null;
    }
    const basis = state.basis;
    if (!basis) return;
    if (basis.live) {
      // Facts of reduced parses: kept when the edit stays inside a function no read meets (reads.ts for the rest).
      if (!liveItem || basis.fragile || basis.reads.meets(liveItem.start, liveItem.end)) state.basis = null;
      else if (basis.reads.touchedBy(applied[0], source)) state.basis = null;
      else basis.pending.push(applied[0]);
      return;
    }
    if (applied.length !== 1 || basis.fragile || basis.reads.touchedBy(applied[0], source)) state.basis = null;
    else {
      basis.pending.push(applied[0]);
      // Facts read inside the edited function may change with its structure: the reparse compares (ensureTree).
      const delta = applied[0].newEndIndex - applied[0].oldEndIndex;
      const edited = body ? { start: body.start, end: body.end + delta } : liveItem;
      if (proven && edited && basis.reads.meets(edited.start, edited.end)) state.structureUnknown = true;
    }
  }

  /**
   * Moves a live table (and its unit's layout) across one edit of the file; what it changed, or null when the table
   * cannot follow (then it is dropped). A unit's edited span must end in the main text: the headers follow it.
   */
  private moveLive(live: NonNullable<FileState["live"]>, edit: TextEdit, source: SourceText): LiveEdit | null {
    if (live.unit && edit.oldEndIndex > live.unit.mainLength) return null;
    // The edited text is read from the file: a span that runs on into a header is refused there.
    const moved = live.items.edit(edit, source);
    if (!moved || !live.unit) return moved;
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const rows = edit.newEndPosition.row - edit.oldEndPosition.row;
    if (moved.item.end > live.unit.mainLength + delta) return null;
    live.unit = {
      mainLength: live.unit.mainLength + delta,
      parts: live.unit.parts.map((part) => ({
        ...part,
        start: part.start + delta,
        end: part.end + delta,
        startRow: part.startRow + rows,
      })),
    };
    return moved;
  }

  /**
   * A number that changes whenever an edit may have changed the file's top-level structure outside the bodies of its
   * functions (which items there are, their kinds, names, specifiers, directives): every edit except those proven to
   * stay inside one function's body, and every new text. Callers keep what they read from the tree's top level (the
   * project layer's include directives and external functions) while it stays the same, without a reparse.
   */
  structureStamp(file: string): number {
    const state = this.files.get(file);
    if (!state) throw new Error(`the engine has no text for ${file}`);
    return state.stamp;
  }

  /**
   * Whether the edit, already applied to the text, stays inside the body of the function `item` (before the edit)
   * by body-edit.ts's argument. With `checkConfinement` the file is also reparsed from a copy of the tree and every
   * changed range outside the item counts as a violation.
   */
  private bodyEditProven(state: FileState, edit: TextEdit, item: TextRegion): boolean {
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const end = item.end + delta;
    const parser = this.parserFor(state.file);
    if (!parsesAsOneFunction(parser, state.text.slice(item.start, end))) return false;
    this.statistics.bodyEdits++;
    const proven = state.provenItems;
    if (proven) shiftProven(proven, item, end, delta);
    if (this.checkConfinement && state.tree && proven) {
      // The reparse tree-sitter would do now: changed ranges only inside the functions proven edits fell in.
      const copy = state.tree.copy();
      copy.edit(edit);
      const source = state.text;
      const tree = parser.parse((index) => source.chunkAt(index), copy);
      for (const range of tree ? copy.getChangedRanges(tree) : [])
        if (!proven.some((region) => region.start <= range.startIndex && range.endIndex <= region.end))
          this.statistics.confinementViolations++;
      tree?.delete();
      copy.delete();
    }
    return true;
  }

  /**
   * The project headers a file includes (resolved by the project layer, in include order), read with the file as one
   * translation unit. A change of the list (or of a header's text) discards the file's facts.
   */
  setHeaders(file: string, headers: readonly UnitHeader[], project: ProjectFacts = {}): void {
    const state = this.files.get(file);
    if (!state) throw new Error(`the engine has no text for ${file}`);
    const same =
      headers.length === state.headers.length &&
      headers.every(
        (header, index) => header.file === state.headers[index].file && header.text === state.headers[index].text,
      ) &&
      project.pipeFillers === state.project.pipeFillers &&
      project.defines === state.project.defines &&
      project.wrappers === state.project.wrappers &&
      project.fieldFills === state.project.fieldFills &&
      project.syscallTable === state.project.syscallTable &&
      project.pending === state.project.pending &&
      sameCallers(project.externalCallers, state.project.externalCallers);
    // Where the project defines other functions: only the answers the facts were read with matter (recorded reads).
    const elsewhere = project.definedElsewhere === state.project.definedElsewhere || sameAnswers(state, project);
    if (same && elsewhere) {
      state.project = project;
      return;
    }
    state.headers = headers;
    state.project = project;
    state.basis = null;
    // A live table of the unit holds the old headers' text.
    if (state.live?.unit) state.live = null;
  }

  /**
   * The functions the file's last extraction looked for and its unit did not define (`ExtractedFacts.unseen`; with
   * the earlier ones when it stopped early), whatever changed since; null before any. The project layer reads their definers into the unit (caller-join.ts).
   */
  lastUnseen(file: string): readonly string[] | null {
    return this.files.get(file)?.lastUnseen ?? null;
  }

  /** The up-to-date tree of a file (reparsed from the edited old tree when there were edits). */
  tree(file: string): Tree | null {
    const state = this.files.get(file);
    return state ? this.ensureTree(state) : null;
  }

  /** Forgets a file and frees its tree. */
  close(file: string): void {
    const state = this.files.get(file);
    state?.tree?.delete();
    this.files.delete(file);
  }

  /** Frees every tree and the parser. */
  dispose(): void {
    for (const file of [...this.files.keys()]) this.close(file);
    for (const parser of this.parsers.values()) parser.delete();
    this.parsers.clear();
  }

  /**
   * The analysis of a file's current text under the options. With a budget (see `AnalysisBudget`) the analysis may stop
   * early and say so in `stopped`; such a partial analysis is not kept, so the next one starts afresh.
   */
  analysis(file: string, options: EngineOptions, cancel?: Cancellation, budget?: AnalysisBudget): EngineAnalysis {
    const state = this.files.get(file);
    if (!state) throw new Error(`the engine has no text for ${file}`);
    const skipped = skipReason(state.text.byteLength, state.text.nulCount, options.maxFileSize);
    if (skipped)
      return {
        file,
        skipped,
        analysed: false,
        calls: [],
        findings: [],
        notes: [],
        facts: null,
        suppressions: [],
        tree: null,
        unit: null,
      };
    throwIfCancelled(cancel);
    // Reparsing tells whether the structure changed where the facts were read (it may drop the basis); not needed
    // when every edit since the last parse was proven to stay inside a function no read meets (see setText).
    const reads = state.basis?.live ? null : state.basis?.reads;
    if (reads && (reads.hasMarker || (reads.regionCount > 0 && state.structureUnknown))) this.ensureTree(state);
    const basis = state.basis ? this.moveFacts(state.basis) : this.extract(file, state, cancel, budget);
    throwIfCancelled(cancel);
    const result = this.judge(file, state, basis, options, budget);
    state.lastUnseen = [
      ...new Set([...(basis.facts.stopped ? (state.lastUnseen ?? []) : []), ...(basis.facts.unseen ?? [])]),
    ];
    // Facts or verdicts cut short by the budget are never reused: the next analysis extracts or judges again.
    if (result.stopped && state.basis === basis) {
      if (basis.facts.stopped) state.basis = null;
      else basis.judged = null;
    }
    return result;
  }

  /** The previous facts, moved across the edits since (reads.ts decided they are still right). */
  private moveFacts(basis: Basis): Basis {
    if (basis.pending.length > 0) {
      // Finding messages name lines ("an earlier read() (line 19)"): after an edit that adds or removes lines the cached
      // verdicts would keep the old numbers, so they are judged again from the moved facts (the costly extraction is
      // still reused).
      const linesMoved = basis.pending.some((edit) => edit.newEndPosition.row !== edit.oldEndPosition.row);
      shiftRanges([basis.facts, basis.judged?.judged, basis.judged?.result], basis.pending);
      if (linesMoved) basis.judged = null;
      basis.pending = [];
      this.statistics.reused++;
    }
    return basis;
  }

  private extract(
    file: string,
    state: FileState,
    cancel: Cancellation | undefined,
    budget: AnalysisBudget | undefined,
  ): Basis {
    const empty: Basis["facts"] = { calls: [], splices: [], notes: [] };
    const alone =
      state.headers.length === 0 &&
      (state.project.pipeFillers?.length ?? 0) === 0 &&
      (state.project.externalCallers?.size ?? 0) === 0 &&
      (state.project.defines?.size ?? 0) === 0 &&
      (state.project.wrappers?.length ?? 0) === 0 &&
      (state.project.fieldFills?.length ?? 0) === 0 &&
      state.project.syscallTable === undefined &&
      state.project.pending === undefined;
    const live = this.extractLive(file, state, budget, !alone);
    if (live) return live;
    const text = state.text.getText();
    if (!alone) return this.extractUnit(file, state, text, cancel, budget);
    // The cheap text check: a file that never mentions "splice" has nothing to analyse and is not even parsed.
    if (!mentionsVmsplice(text)) {
      const reads = new RecordedReads({ names: new Set(), regions: [] }, [], false);
      state.basis = {
        facts: empty,
        reads,
        pending: [],
        rootType: null,
        mentionsSplice: false,
        fragile: false,
        judged: null,
        unit: null,
      };
      return state.basis;
    }
    // A large file read through a reduced parse keeps no tree: its facts are dropped at the first edit (`fragile`).
    const reduced = state.tree || budget ? null : this.reduce(file, text, state.project);
    const tree = reduced ? null : this.ensureTree(state);
    throwIfCancelled(cancel);
    if (!reduced) this.statistics.extracted++;
    const extracted =
      reduced ??
      (!tree
        ? { facts: empty, reads: { names: new Set<string>(), regions: [] } }
        : budget && !budget.allows("extract")
          ? { facts: { ...empty, stopped: { leftOut: null } }, reads: { names: new Set<string>(), regions: [] } }
          : extractFactsWithReads(
              tree,
              text,
              state.project.definedElsewhere ? { definedElsewhere: state.project.definedElsewhere } : {},
              budget,
            ));
    for (const call of extracted.facts.calls) (call as LocatedCall).file = file;
    const facts = extracted.facts as Basis["facts"];
    state.basis = {
      facts,
      reads: new RecordedReads(extracted.reads, collectRanges([facts]), text.includes(SUPPRESSION_MARKER)),
      pending: [],
      rootType: tree?.rootNode.type ?? null,
      mentionsSplice: true,
      fragile: facts.notes.length > 0 || !tree || reduced !== null,
      judged: null,
      unit: null,
    };
    return state.basis;
  }

  /**
   * The facts of a large C file from reduced parses of its live item table (see `liveAbove`), or null when it does not
   * qualify or the reduction is unsure (the whole text is parsed then). The table is made once, of the file's text or,
   * with project headers or facts (`unit`), of its unit's text (unit.ts: the main text first, so an edit of the file
   * has the same offsets in both), and moved across later edits inside function bodies, so a keystroke there parses
   * only the items that matter.
   */
  private extractLive(file: string, state: FileState, budget: AnalysisBudget | undefined, unit: boolean): Basis | null {
    if (state.text.textLength < this.liveAbove || languageOf(file) !== "c") return null;
    if (state.live && (state.live.unit !== null) !== unit) state.live = null;
    if (!state.live) {
      const composed = unit ? composeUnit(state.text.getText(), state.headers) : null;
      const items = LiveItems.of(composed ? composed.text : state.text.getText());
      state.live = items ? { items, unit: composed?.layout ?? null } : null;
    }
    if (!state.live) return null;
    const { items: live, unit: layout } = state.live;
    const basis = (facts: Basis["facts"], reads: RecordedReads, mentionsSplice: boolean): Basis => {
      state.basis = {
        facts,
        reads,
        pending: [],
        rootType: null,
        mentionsSplice,
        // A unit's facts rest on more than its own reads (the headers, the project): any edit extracts again.
        fragile: facts.notes.length > 0 || layout !== null,
        judged: null,
        unit: layout,
        live: true,
      };
      return state.basis;
    };
    const project = state.project;
    const mentions =
      live.mentionsCallWord() ||
      (project.wrappers ?? []).some((wrapper) => live.occurrences(wrapper.name).length > 0) ||
      tableWords(project.syscallTable).some((word) => live.occurrences(word).length > 0);
    if (!mentions)
      return basis(
        { calls: [], splices: [], notes: [] },
        new RecordedReads({ names: new Set(), regions: [] }, [], false),
        false,
      );
    const prepare = layout ? (tree: Tree) => registerLayout(tree, layout) : undefined;
    const reduced = this.counted(extractReduced(this.parserFor(file), null, project, prepare, live, budget));
    if (!reduced) return null;
    const facts = layout ? this.mainFacts(file, reduced, layout) : (reduced.facts as Basis["facts"]);
    if (!layout) for (const call of facts.calls) (call as LocatedCall).file = file;
    const marker = live.holdsAround(SUPPRESSION_MARKER, SUPPRESSION_MARKER.indexOf("splice"));
    return basis(facts, new RecordedReads(reduced.reads, collectRanges([facts]), marker), true);
  }

  /**
   * The facts of a file read together with its headers (unit.ts): the main text first, so the main file's offsets
   * stay its own; calls and splices are those of the main file (a header's own calls are reported in the header, and a
   * header wrapper's callers here). The unit's tree is parsed afresh and not kept; every edit extracts again.
   */
  private extractUnit(
    file: string,
    state: FileState,
    text: string,
    cancel: Cancellation | undefined,
    budget: AnalysisBudget | undefined,
  ): Basis {
    const { text: unitText, layout } = composeUnit(text, state.headers);
    const mentions = mentionsVmsplice(unitText, state.project);
    let facts: Basis["facts"] = { calls: [], splices: [], notes: [] };
    const reduced =
      mentions && !budget ? this.reduce(file, unitText, state.project, (tree) => registerLayout(tree, layout)) : null;
    // The main text's own tree is kept for the suppression pass; a reduced unit leaves it to that pass to parse it.
    if (!reduced) this.ensureTree(state);
    if (reduced) facts = this.mainFacts(file, reduced, layout);
    else if (mentions) {
      const tree = this.parserFor(file).parse(unitText);
      this.statistics.parsed++;
      throwIfCancelled(cancel);
      this.statistics.extracted++;
      if (tree) {
        try {
          registerLayout(tree, layout);
          facts = this.mainFacts(
            file,
            budget && !budget.allows("extract")
              ? { facts: { ...facts, stopped: { leftOut: null } }, reads: { names: new Set<string>(), regions: [] } }
              : extractFactsWithReads(tree, unitText, state.project, budget),
            layout,
          );
        } finally {
          tree.delete();
        }
      }
    }
    state.basis = {
      facts,
      reads: new RecordedReads({ names: new Set(), regions: [] }, [], text.includes(SUPPRESSION_MARKER)),
      pending: [],
      rootType: null,
      mentionsSplice: mentions,
      fragile: true,
      judged: null,
      unit: layout,
    };
    return state.basis;
  }

  /** The unit's facts that belong to the main file, with the assumptions of what was read from heuristic headers. */
  private mainFacts(
    file: string,
    { facts: extracted, reads }: Pick<ReducedExtraction, "facts" | "reads">,
    layout: UnitLayout,
  ): Basis["facts"] {
    const calls = extracted.calls.filter((call) => call.range.startIndex < layout.mainLength);
    const leftOut = extracted.stopped?.leftOut;
    const assumptions = heuristicReads(layout, reads.regions);
    const definitions = definitionReads(layout, reads.regions);
    for (const call of calls) {
      (call as LocatedCall).file = file;
      if (assumptions.length > 0) call.assumptions = [...(call.assumptions ?? []), ...assumptions];
      const joined = [...joinedCalls(layout, call.functionName), ...definitions];
      if (joined.length > 0) call.joined = joined;
    }
    return {
      calls: calls as LocatedCall[],
      splices: extracted.splices.filter((splice) => splice.range.startIndex < layout.mainLength),
      notes: extracted.notes,
      ...(extracted.stopped
        ? { stopped: { leftOut: leftOut ? leftOut.filter((range) => range.startIndex < layout.mainLength) : null } }
        : {}),
      ...(extracted.unseen ? { unseen: extracted.unseen } : {}),
      ...(extracted.elsewhere ? { elsewhere: extracted.elsewhere } : {}),
    };
  }

  /** Verdicts under the options and the suppression pass, kept while the options and the facts stay the same. */
  private judge(
    file: string,
    state: FileState,
    basis: Basis,
    options: EngineOptions,
    budget: AnalysisBudget | undefined,
  ): EngineAnalysis {
    const key = optionsKey(options);
    const tree = state.stale ? null : state.tree;
    const cached = basis.judged;
    // With a suppression marker in the file the pass runs again: comments may have moved relative to the calls.
    if (
      cached &&
      cached.key === key &&
      !basis.reads.hasMarker &&
      cached.result.notes.length === basis.facts.notes.length
    )
      return { ...cached.result, tree };
    const judged = judgeCalls(basis.facts, options, budget);
    // While the project's index is being built, an unknown call names the index among the facts it misses.
    const pending = state.project.pending;
    if (pending)
      for (const call of judged.calls)
        if (call.verdict === "unknown" && !call.missing.includes(pending)) call.missing.push(pending);
    let suppressed: { analysis: FileAnalysis; suppressions: Suppression[] } = { analysis: judged, suppressions: [] };
    if (basis.reads.hasMarker) {
      const current = this.ensureTree(state);
      const text = state.text.getText();
      if (current) suppressed = applySuppressions(current, text, judged);
      basis.reads.hasMarker = text.includes(SUPPRESSION_MARKER);
    }
    const result: EngineAnalysis = {
      file,
      skipped: null,
      analysed: basis.mentionsSplice,
      ...locate(file, suppressed.analysis, basis.unit),
      facts: basis.facts,
      suppressions: suppressed.suppressions,
      tree: state.stale ? null : state.tree,
      unit: basis.unit,
      ...(judged.stopped ? { stopped: judged.stopped } : {}),
    };
    basis.judged = { key, judged, result };
    return result;
  }

  /** Reparses when there were edits; compares the structure with the facts' recorded regions before the old tree goes. */
  private ensureTree(state: FileState): Tree | null {
    if (!state.stale && state.tree) return state.tree;
    const parser = this.parserFor(state.file);
    const source = state.text;
    const old = state.tree;
    const tree =
      source instanceof StringText
        ? parser.parse(source.text, old)
        : parser.parse((index) => source.chunkAt(index), old);
    this.statistics.parsed++;
    const basis = state.basis;
    if (basis && (basis.reads.regionCount > 0 || basis.reads.hasMarker)) {
      if (!old || !tree || tree.rootNode.type !== basis.rootType || this.structureMeets(basis.reads, state, old, tree))
        state.basis = null;
    }
    state.edited = undefined;
    state.structureUnknown = false;
    state.provenItems = [];
    old?.delete();
    state.tree = tree;
    state.stale = false;
    return tree;
  }

  /** Whether the structural changes between the edited old tree and the new one meet a recorded region. */
  private structureMeets(reads: RecordedReads, state: FileState, old: Tree, tree: Tree): boolean {
    const item = state.edited ? confinedToItem(state.edited, tree) : null;
    if (!item) return reads.meetsAny(old.getChangedRanges(tree));
    this.statistics.confined++;
    if (this.checkConfinement) {
      for (const range of old.getChangedRanges(tree))
        if (range.startIndex < item.start || range.endIndex > item.end) this.statistics.confinementViolations++;
    }
    return reads.meets(item.start, item.end);
  }
}
