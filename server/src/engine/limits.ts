/**
 * The one set of limits every front end applies (STYLE.md section 2): one size limit and one binary rule.
 * Kept apart from engine.ts so that the settings schema (config.ts) can take its default without the analyzer.
 * Pure: no imports at all.
 */

/** Files whose text is larger than this (UTF-8 bytes) are not analysed unless the caller raises the limit. */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;

/** Why a file was not analysed; each front end words it for its own limit's name. */
export type SkipReason = { kind: "too-large"; byteLength: number; limit: number } | { kind: "binary" };

/**
 * The one set of limits: too large first (a front end may apply it to the size on disk before reading the file),
 * then binary (a NUL character anywhere; it never occurs in C source text).
 */
export function skipReason(
  byteLength: number,
  nulCount: number,
  maxFileSize = DEFAULT_MAX_FILE_SIZE,
): SkipReason | null {
  if (byteLength > maxFileSize) return { kind: "too-large", byteLength, limit: maxFileSize };
  if (nulCount > 0) return { kind: "binary" };
  return null;
}
