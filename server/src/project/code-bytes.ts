/**
 * A C file's bytes with its comments, string and character literals and `#include` header names blanked (each byte a space, newlines kept), and
 * its `#include` directives, from one pass over the bytes without decoding them: the CLI's pre-filter asks whether a
 * name that leads to vmsplice occurs in code, since a name only in a comment or a literal is no call the analyzer can
 * find (it finds calls in the syntax tree, where comments and literals are single nodes).
 *
 * Null whenever the pass is unsure (an unterminated comment or literal, a newline inside a literal: an apostrophe in
 * an `#error` line or in English text under `#if 0`, say); the caller then takes the file as it is. C only: C++ raw
 * strings (`R"(…)"`) are not lexed here.
 *
 * Pure: bytes in, bytes and directives out.
 */
import type { IncludeDirective } from "../analysis/includes";

const SLASH = 47;
const STAR = 42;
const NEWLINE = 10;
const RETURN = 13;
const BACKSLASH = 92;
const QUOTE = 34;
const APOSTROPHE = 39;
const SPACE = 32;
const HASH = 35;

/** Blanks [from, to) of `out`, keeping newlines. */
function blank(out: Buffer, from: number, to: number): void {
  for (let at = from; at < to; at++) if (out[at] !== NEWLINE) out[at] = SPACE;
}

/** The end of a `//` comment (a backslash before the newline continues it): the offset of the ending newline. */
function lineCommentEnd(bytes: Buffer, at: number): number {
  for (let next = bytes.indexOf(NEWLINE, at); ; next = bytes.indexOf(NEWLINE, next + 1)) {
    if (next < 0) return bytes.length;
    let before = next - 1;
    if (before >= at && bytes[before] === RETURN) before--;
    if (before < at || bytes[before] !== BACKSLASH) return next;
  }
}

/** The offset after a literal opened at `at` by `quote`, or -1 when it is not closed on its line. */
function literalEnd(bytes: Buffer, at: number, quote: number): number {
  for (let next = at + 1; next < bytes.length; next++) {
    const code = bytes[next];
    if (code === BACKSLASH) next++;
    else if (code === quote) return next + 1;
    else if (code === NEWLINE) return -1;
  }
  return -1;
}

/**
 * Where the header name of an `#include` line of the code starts and ends ([start, end), quotes or brackets included),
 * or null when the line at `start` is none. Reads `code` only before the name (the blanked `#include`), `bytes` after.
 */
function includeName(bytes: Buffer, code: Buffer, start: number): [number, number] | null {
  let at = start;
  while (code[at] === SPACE || code[at] === 9) at++;
  if (code[at] !== HASH) return null;
  at++;
  while (code[at] === SPACE || code[at] === 9) at++;
  if (code.toString("latin1", at, at + 7) !== "include") return null;
  at += 7;
  while (at < bytes.length && (bytes[at] === SPACE || bytes[at] === 9)) at++;
  const open = bytes[at];
  const close = open === QUOTE ? QUOTE : open === 60 ? 62 : -1;
  if (close < 0) return null;
  const end = bytes.indexOf(close, at + 1);
  const lineEnd = bytes.indexOf(NEWLINE, at);
  if (end < 0 || (lineEnd >= 0 && end > lineEnd)) return null;
  return [at, end + 1];
}

/** The directive of an `#include` line of the code (the original bytes give the path the blanking removed). */
function includeOn(bytes: Buffer, code: Buffer, start: number, row: number): IncludeDirective | null {
  const name = includeName(bytes, code, start);
  if (!name) return null;
  const [at, end] = name;
  // A header name is no identifier either (`<linux/splice.h>`).
  blank(code, at, end);
  return { spelled: bytes.toString("utf8", at + 1, end - 1), angle: bytes[at] !== QUOTE, line: row };
}

/**
 * codeOnly's pass, resumable: `advance(until)` blanks every comment and literal that starts before `until`, so every
 * byte before it is as codeOnly leaves it (one that starts later blanks nothing before its start).
 */
export class CodeLexer {
  readonly code: Buffer;
  private at = 0;
  private unsure = false;

  constructor(readonly bytes: Buffer) {
    this.code = Buffer.from(bytes);
  }

  /** Lexes on to `until`; false when the pass is unsure (codeOnly would give null). */
  advance(until: number): boolean {
    const { bytes, code } = this;
    let at = this.at;
    while (at < until) {
      const byte = bytes[at];
      if (byte === SLASH && bytes[at + 1] === SLASH) {
        const end = lineCommentEnd(bytes, at + 2);
        blank(code, at, end);
        at = end;
      } else if (byte === SLASH && bytes[at + 1] === STAR) {
        const close = bytes.indexOf("*/", at + 2);
        if (close < 0) return this.stop();
        blank(code, at, close + 2);
        at = close + 2;
      } else if (byte === QUOTE || byte === APOSTROPHE) {
        const end = literalEnd(bytes, at, byte);
        if (end < 0) return this.stop();
        blank(code, at, end);
        at = end;
      } else at++;
    }
    this.at = at;
    return !this.unsure;
  }

  private stop(): false {
    this.unsure = true;
    this.at = this.bytes.length;
    return false;
  }

  /** codeOnly's result: the whole pass, then the `#include` lines. */
  finish(): { code: Buffer; directives: IncludeDirective[] } | null {
    if (!this.advance(this.bytes.length)) return null;
    const { bytes, code } = this;
    const directives: IncludeDirective[] = [];
    for (let start = 0, row = 0; start < code.length; row++) {
      const directive = includeOn(bytes, code, start, row);
      if (directive) directives.push(directive);
      const end = code.indexOf(NEWLINE, start);
      if (end < 0) break;
      start = end + 1;
    }
    return { code, directives };
  }

  /**
   * Whether one of `words` ([start, end) spans of the bytes, in order) lies in the code, as it would in codeOnly's
   * code: not blanked as a comment or literal, nor a header name of an `#include` line. Lexes only up to the first
   * that does (so a large file whose first call is in code is not lexed whole); true when unsure up to there.
   */
  anyInCode(words: Iterable<[number, number]>): boolean {
    for (const [start, end] of words) {
      if (!this.advance(end)) return true;
      if (this.code[start] === SPACE) continue;
      // (A negative offset would search from the end.)
      const lineStart = start === 0 ? 0 : this.bytes.lastIndexOf(NEWLINE, start - 1) + 1;
      const name = includeName(this.bytes, this.code, lineStart);
      if (name && name[0] <= start && start < name[1]) continue;
      return true;
    }
    return false;
  }
}

export function codeOnly(bytes: Buffer): { code: Buffer; directives: IncludeDirective[] } | null {
  return new CodeLexer(bytes).finish();
}
