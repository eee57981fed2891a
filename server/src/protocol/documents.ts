/**
 * Open documents: one text per URI, kept in step with incremental `didChange` events (STYLE.md section 4, as
 * elm-language-server's astProvider does), and handed to the engine, which keeps the syntax tree.
 *
 * Each content change is applied to the text and passed to the engine as a tree-sitter `Edit` (plus the text it
 * removed); the engine edits its tree and reparses from the edited old tree when an analysis next needs it, so a
 * burst of keystrokes costs one reparse. web-tree-sitter indices and columns count UTF-16 code units for JavaScript
 * strings, which is also the LSP convention, so offsets from `offsetAt` are used as they are.
 * This module owns no protocol objects beyond the content-change shape and does no I/O.
 */
import { LensDocument, type PositionMapper } from "./text-document";
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import type { Engine, TextEdit } from "../engine/engine";
import { loadLanguagesFor, type Edit, type Tree } from "../parsing/parser";

export interface OpenDocument {
  uri: string;
  document: LensDocument;
}

export class DocumentStore {
  private readonly documents = new Map<string, OpenDocument>();
  /** Told of every change applied to an open document, after it was applied (the analysis worker's copy follows). */
  onChange: ((uri: string, version: number, changes: TextDocumentContentChangeEvent[]) => void) | null = null;
  /** Told of each content change once applied: the edit with the text it removed, or null for a whole new text. */
  onEdit: ((uri: string, edit: TextEdit | null, document: LensDocument) => void) | null = null;

  /** The engine keeps each open document's tree and facts under its URI. */
  constructor(readonly engine: Engine) {}

  get(uri: string): OpenDocument | undefined {
    return this.documents.get(uri);
  }

  uris(): string[] {
    return [...this.documents.keys()];
  }

  async open(uri: string, languageId: string, version: number, text: string): Promise<OpenDocument> {
    // The engine's parser factory needs the grammar; loading it is a no-op after the first time.
    await loadLanguagesFor([uri]);
    const entry: OpenDocument = { uri, document: new LensDocument(uri, languageId, version, text) };
    this.documents.set(uri, entry);
    this.engine.setText(uri, entry.document);
    return entry;
  }

  /**
   * Applies the changes of one didChange notification in order. A change without a range replaces the whole text,
   * and the engine starts the file afresh, because there is no edit tree-sitter could reuse.
   */
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): OpenDocument | undefined {
    const entry = this.documents.get(uri);
    if (!entry) return undefined;
    for (const change of changes) {
      if ("range" in change && change.range) {
        const edit = toTreeEdit(entry.document, change.range, change.text);
        const oldText = entry.document.slice(edit.startIndex, edit.oldEndIndex);
        entry.document.applyChange(change.range, change.text);
        const textEdit = { ...edit, oldText };
        this.engine.setText(uri, entry.document, [textEdit]);
        this.onEdit?.(uri, textEdit, entry.document);
      } else {
        entry.document.applyChange(undefined, change.text);
        this.engine.setText(uri, entry.document);
        this.onEdit?.(uri, null, entry.document);
      }
    }
    // An empty change list still moves the version on, so results for the previous version are dropped.
    entry.document.version = version;
    this.onChange?.(uri, version, changes);
    return entry;
  }

  close(uri: string): void {
    if (!this.documents.has(uri)) return;
    this.engine.close(uri);
    this.documents.delete(uri);
  }

  /** The up-to-date tree of a document (the engine reparses from the edited old tree when there were changes). */
  treeFor(entry: OpenDocument): Tree | null {
    return this.engine.tree(entry.uri);
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
