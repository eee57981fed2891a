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
import { TextDocument } from "vscode-languageserver-textdocument";
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import type { Parser } from "web-tree-sitter";
import { parseC, type Edit, type Tree } from "../parsing/parser";

export interface OpenDocument {
  uri: string;
  document: TextDocument;
  /** The last tree, possibly edited but not yet reparsed (see `treeFor`). */
  tree: Tree | null;
  /** True when `tree` has edits applied that the parser has not seen yet. */
  stale: boolean;
  parser: Parser;
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
    const entry: OpenDocument = { uri, document: TextDocument.create(uri, languageId, version, text), tree: null, stale: true, parser };
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
        entry.document = TextDocument.update(entry.document, [change], version);
        if (entry.tree) entry.tree.edit(edit);
      } else {
        entry.document = TextDocument.update(entry.document, [change], version);
        entry.tree?.delete();
        entry.tree = null;
      }
      entry.stale = true;
    }
    // An empty change list still moves the version on, so results for the previous version are dropped.
    if (changes.length === 0) entry.document = TextDocument.update(entry.document, [], version);
    return entry;
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
    const text = entry.document.getText();
    const tree = parseC(entry.parser, text, entry.tree);
    entry.tree?.delete();
    entry.tree = tree;
    entry.stale = false;
    return tree;
  }
}

/**
 * The tree-sitter edit for replacing `range` of the document's current text by `text`.
 * Out-of-range positions are clamped the same way `TextDocument.update` clamps them, so tree and text stay in step.
 */
export function toTreeEdit(document: TextDocument, range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string): Edit {
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
  const newEndPosition = lines === 0 ? { row: startPosition.line, column: startPosition.character + text.length } : { row: startPosition.line + lines, column: text.length - lastLineStart };
  return {
    startIndex,
    oldEndIndex,
    newEndIndex,
    startPosition: { row: startPosition.line, column: startPosition.character },
    oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
    newEndPosition,
  };
}
