/**
 * Open documents and their syntax trees: one text, one parser and one tree per URI, kept in step with incremental
 * `didChange` events (STYLE.md section 4, as elm-language-server's astProvider does).
 *
 * Each content change is applied to the text and, as a tree-sitter `Edit`, to the old tree; after all changes of a
 * notification the text is reparsed with the edited old tree, so tree-sitter reuses every unchanged subtree.
 * web-tree-sitter indices and columns count UTF-16 code units for JavaScript strings, which is also the LSP
 * convention, so offsets from `TextDocument.offsetAt` are used as they are.
 * Parsing is lazy: the tree is brought up to date when someone asks for it, so a burst of keystrokes costs one reparse.
 * This module owns no protocol objects beyond the content-change shape and does no I/O.
 */
import { LensDocument, type PositionMapper } from "./text-document";
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import type { Parser } from "web-tree-sitter";
import type { Edit, Tree } from "../parsing/parser";

/**
 * Where the edits since the last reparse happened, when they all fall strictly inside one top-level definition:
 * the analysis service may then reuse the facts of the rest of the file (see analysis-service.ts).
 */
export interface EditRegion {
  /** Start of the top-level definition (unchanged by the edits, which are inside it). */
  start: number;
  /** Its end in the text the tree was last parsed from. */
  oldEnd: number;
  /** Its end in the current text. */
  end: number;
  /** Its text as last parsed. */
  oldText: string;
  /** Row of its last line as last parsed. */
  oldEndRow: number;
  /** Node type of the definition (function_definition, declaration, ...). */
  type: string;
}

export interface OpenDocument {
  uri: string;
  document: LensDocument;
  /** The last tree, possibly edited but not yet reparsed (see `treeFor`). */
  tree: Tree | null;
  /** True when `tree` has edits applied that the parser has not seen yet. */
  stale: boolean;
  parser: Parser;
  /** Edits since the last reparse: undefined when none, null when they cannot be confined to one definition. */
  region: EditRegion | null | undefined;
  /** Counts reparses, so caches can tell which tree their data came from. */
  generation: number;
}

/** The top-level node (a child of the translation unit) spanning [start, end), or null. */
export function topLevelAt(tree: Tree, start: number, end: number): import("web-tree-sitter").Node | null {
  // Looked up from the root rather than climbed to from a leaf: finding a node's parent costs time proportional to
  // its depth in tree-sitter, so climbing out of deeply nested code is quadratic.
  const node = tree.rootNode.firstChildForIndex(start);
  if (!node) return null;
  return node.startIndex <= start && end <= node.endIndex ? node : null;
}

export class DocumentStore {
  private readonly documents = new Map<string, OpenDocument>();

  constructor(private readonly newParser: () => Promise<Parser>) {}

  get(uri: string): OpenDocument | undefined {
    return this.documents.get(uri);
  }

  uris(): string[] {
    return [...this.documents.keys()];
  }

  async open(uri: string, languageId: string, version: number, text: string): Promise<OpenDocument> {
    const previous = this.documents.get(uri);
    previous?.tree?.delete();
    const parser = previous?.parser ?? (await this.newParser());
    const entry: OpenDocument = {
      uri,
      document: new LensDocument(uri, languageId, version, text),
      tree: null,
      stale: true,
      parser,
      region: null,
      generation: 0,
    };
    this.documents.set(uri, entry);
    return entry;
  }

  /**
   * Applies the changes of one didChange notification in order. A change without a range replaces the whole text
   * and drops the tree, because there is no edit tree-sitter could reuse.
   */
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): OpenDocument | undefined {
    const entry = this.documents.get(uri);
    if (!entry) return undefined;
    for (const change of changes) {
      if ("range" in change && change.range) {
        const edit = toTreeEdit(entry.document, change.range, change.text);
        this.trackRegion(entry, edit.startIndex, edit.oldEndIndex, edit.newEndIndex - edit.oldEndIndex);
        entry.document.applyChange(change.range, change.text);
        if (entry.tree) entry.tree.edit(edit);
      } else {
        entry.document.applyChange(undefined, change.text);
        entry.tree?.delete();
        entry.tree = null;
        entry.region = null;
      }
      entry.stale = true;
    }
    // An empty change list still moves the version on, so results for the previous version are dropped.
    entry.document.version = version;
    return entry;
  }

  /** Confines the edits since the last reparse to one top-level definition, or gives up (null). */
  private trackRegion(entry: OpenDocument, start: number, oldEnd: number, delta: number): void {
    if (entry.region === null) return;
    if (entry.region === undefined) {
      const top = entry.tree && !entry.stale ? topLevelAt(entry.tree, start, oldEnd) : null;
      entry.region = top
        ? {
            start: top.startIndex,
            oldEnd: top.endIndex,
            end: top.endIndex,
            oldText: entry.document.slice(top.startIndex, top.endIndex),
            oldEndRow: top.endPosition.row,
            type: top.type,
          }
        : null;
      if (!entry.region) return;
    }
    // Only edits strictly inside the definition keep it one definition; touching its first or last character may
    // merge it with a neighbour or split it.
    if (start <= entry.region.start || oldEnd >= entry.region.end) {
      entry.region = null;
      return;
    }
    entry.region.end += delta;
  }

  close(uri: string): void {
    const entry = this.documents.get(uri);
    if (!entry) return;
    entry.tree?.delete();
    entry.parser.delete();
    this.documents.delete(uri);
  }

  /** The up-to-date tree of a document: reparses from the edited old tree when there were changes. */
  treeFor(entry: OpenDocument): Tree | null {
    if (!entry.stale && entry.tree) return entry.tree;
    // The parser reads the document's pieces through a callback, so an edit never forces the whole text to be joined
    // into one string just to be parsed (see LensDocument).
    const document = entry.document;
    const tree = entry.parser.parse((index) => document.chunkAt(index), entry.tree ?? null);
    entry.tree?.delete();
    entry.tree = tree;
    entry.stale = false;
    entry.region = undefined;
    entry.generation++;
    return tree;
  }
}

/**
 * The tree-sitter edit for replacing `range` of the document's current text by `text`.
 * Out-of-range positions are clamped the same way `TextDocument.update` clamps them, so tree and text stay in step.
 */
export function toTreeEdit(
  document: PositionMapper,
  range: { start: { line: number; character: number }; end: { line: number; character: number } },
  text: string,
): Edit {
  let startIndex = document.offsetAt(range.start);
  let oldEndIndex = document.offsetAt(range.end);
  if (oldEndIndex < startIndex) [startIndex, oldEndIndex] = [oldEndIndex, startIndex];
  const startPosition = document.positionAt(startIndex);
  const oldEndPosition = document.positionAt(oldEndIndex);
  const newEndIndex = startIndex + text.length;
  // The new end position follows from the inserted text alone: its line breaks and the length of its last line.
  let lines = 0;
  let lastLineStart = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 10 || (code === 13 && text.charCodeAt(index + 1) !== 10)) {
      lines++;
      lastLineStart = index + 1;
    }
  }
  const newEndPosition =
    lines === 0
      ? { row: startPosition.line, column: startPosition.character + text.length }
      : { row: startPosition.line + lines, column: text.length - lastLineStart };
  return {
    startIndex,
    oldEndIndex,
    newEndIndex,
    startPosition: { row: startPosition.line, column: startPosition.character },
    oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
    newEndPosition,
  };
}
