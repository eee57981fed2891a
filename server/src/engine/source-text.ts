/**
 * The text of one file as the engine reads it: a plain string (CLI, workspace scan) or the language server's piece
 * table (protocol/text-document.ts `LensDocument`), which answers the same questions without joining its pieces.
 *
 * This module also owns the one way bytes from disk become text (`decodeSource`), so the CLI and the workspace scan
 * see the same characters the editor would. Pure: no I/O, no editor or protocol imports.
 */

/** What the engine needs from a file's text. `LensDocument` fits structurally. */
export interface SourceText {
  /** Length in UTF-16 code units. */
  readonly textLength: number;
  /** Size of the text encoded as UTF-8 (the size limit applies to it). */
  readonly byteLength: number;
  /** Number of NUL characters (a NUL anywhere marks a binary file). */
  readonly nulCount: number;
  /** The whole text. */
  getText(): string;
  /** The text between two offsets (clamped). */
  slice(start: number, end: number): string;
  /** A chunk of the text starting at `index`, "" at the end (tree-sitter's input callback). */
  chunkAt(index: number): string;
}

function countNul(text: string): number {
  let count = 0;
  for (let index = text.indexOf("\u0000"); index >= 0; index = text.indexOf("\u0000", index + 1)) count++;
  return count;
}

/** UTF-8 size of a JavaScript string (a lone surrogate counts as the three bytes of U+FFFD, as encoders write it). */
export function utf8Length(text: string): number {
  // ASCII up to the first other character (a native search: a whole ASCII file costs no loop over its characters).
  const first = text.search(/[^\x00-\x7f]/);
  if (first < 0) return text.length;
  let bytes = first;
  for (let index = first; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** A plain string as a SourceText. */
export class StringText implements SourceText {
  readonly byteLength: number;
  readonly nulCount: number;

  constructor(readonly text: string) {
    this.byteLength = utf8Length(text);
    this.nulCount = countNul(text);
  }

  get textLength(): number {
    return this.text.length;
  }

  getText(): string {
    return this.text;
  }

  slice(start: number, end: number): string {
    return this.text.slice(Math.max(0, start), Math.max(0, end));
  }

  chunkAt(index: number): string {
    return this.text.slice(index, index + 4096);
  }
}

/**
 * File bytes as source text: UTF-8, invalid sequences become U+FFFD (a broken file is analysed as far as it is C),
 * and a byte order mark is dropped, as editors do. The decoded text's UTF-8 size is never below the file size except
 * for the three bytes of a dropped mark, so a front end may refuse a file by its size on disk before reading it.
 */
export function decodeSource(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}
